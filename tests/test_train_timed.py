"""fit_timed: times epochs, reports accuracies, and leaves the weights as they were."""
from __future__ import annotations

import keras
import numpy as np
import pytest

from tlcourse import freeze as F
from tlcourse import train


def _toy():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 6)).astype("float32")
    y = (x[:, 0] > 0).astype("int64")
    model = keras.Sequential([keras.Input((6,)), keras.layers.Dense(8, activation="relu", name="hidden"),
                              keras.layers.Dense(2, activation="softmax", name="out")])
    return model, x, y


def test_fit_timed_restores_weights_and_reports():
    model, x, y = _toy()
    before = [w.copy() for w in model.get_weights()]
    F.freeze_up_to(model, "hidden")
    result = train.fit_timed(model, x, y, x, y, epochs=3, learning_rate=0.05)
    assert result["trainable"] == 18 and set(result) == {
        "trainable", "first_epoch_s", "epoch_s", "train_accuracy", "val_accuracy"}
    assert result["first_epoch_s"] > 0 and result["epoch_s"] > 0
    assert 0.5 < result["val_accuracy"] <= 1.0  # the label is a sign: even a frozen hidden layer helps
    assert all(np.array_equal(a, b) for a, b in zip(model.get_weights(), before))
    again = train.fit_timed(model, x, y, x, y, epochs=3, learning_rate=0.05)
    assert again["val_accuracy"] == result["val_accuracy"]  # same start, same seed: same result
    kept = train.fit_timed(model, x, y, x, y, epochs=2, restore=False)
    assert kept and not np.array_equal(model.get_weights()[-2], before[-2])
    assert np.array_equal(model.get_weights()[0], before[0])  # the frozen layer never moved


def test_fit_timed_bad_input():
    model, x, y = _toy()
    with pytest.raises(ValueError, match="at least 2"):
        train.fit_timed(model, x, y, x, y, epochs=1)
    with pytest.raises(ValueError, match="differ in number"):
        train.fit_timed(model, x, y[:10], x, y)


def _toy_with_dropout():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(64, 6)).astype("float32")
    y = (x[:, 0] + 0.5 * x[:, 1] > 0).astype("int64")
    model = keras.Sequential([keras.Input((6,)), keras.layers.Dense(16, activation="relu", name="hidden"),
                              keras.layers.Dropout(0.5, name="dropout"),
                              keras.layers.Dense(2, activation="softmax", name="out")])
    return model, x, y


def test_fit_timed_gives_the_same_run_whatever_ran_before():
    """Lesson 03, section 5: three freezing choices trained one after another on the same model must not
    depend on their order. The Dropout layer keeps drawing new masks from where the previous run left it
    unless fit_timed restarts it (train.reseed)."""
    model, x, y = _toy_with_dropout()
    start = train.snapshot(model)
    first = train.fit_timed(model, x, y, x, y, epochs=2, learning_rate=0.05, restore=False)
    trained_first = model.get_weights()
    train.restore(model, start)
    train.fit_timed(model, x, y, x, y, epochs=3, learning_rate=0.01, seed=7)  # another run in between
    train.restore(model, start)
    second = train.fit_timed(model, x, y, x, y, epochs=2, learning_rate=0.05, restore=False)
    assert all(np.array_equal(a, b) for a, b in zip(model.get_weights(), trained_first))
    assert second["train_accuracy"] == first["train_accuracy"]
    train.restore(model, start)
    train.fit_timed(model, x, y, x, y, epochs=2, learning_rate=0.05, restore=False, seed=1)
    assert not all(np.array_equal(a, b) for a, b in zip(model.get_weights(), trained_first))  # the seed matters


def test_reseed_restarts_every_random_generator_and_only_them():
    model = keras.Sequential([keras.Input((8, 8, 3)), keras.layers.RandomFlip("horizontal"),
                              keras.layers.Flatten(), keras.layers.Dropout(0.5), keras.layers.Dense(2)])
    states = train.random_states(model)
    assert len(states) == 2 and not any(s is w for s in states for w in model.weights)
    x = np.random.default_rng(0).normal(size=(4, 8, 8, 3)).astype("float32")
    train.reseed(model, 3)
    a = np.asarray(model(x, training=True))
    b = np.asarray(model(x, training=True))  # the generators moved on: other masks
    train.reseed(model, 3)
    assert np.array_equal(np.asarray(model(x, training=True)), a) and not np.array_equal(a, b)
    train.reseed(model, 4)
    assert not np.array_equal(np.asarray(model(x, training=True)), a)
    assert train.random_states(keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])) == []
