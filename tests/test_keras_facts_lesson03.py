"""Keras behaviours that lesson 03 (freezing) states, one small test each.

Each docstring names the lesson section that relies on the behaviour; each failure message says which
prose to revise when a Keras upgrade changes it. (To be merged into ``tests/test_keras_facts.py``.)
Lesson 03 also cites facts pinned for lesson 04 (BatchNorm and ``training=False``, InferenceMode, when the
trainable set is fixed, no warning): see ``tests/test_keras_facts_lesson04.py``.
"""
from __future__ import annotations

import keras
import numpy as np
import pytest


def _nested() -> tuple[keras.Model, keras.Model]:
    """A base of two Dense layers nested in a classifier, as lesson 03 nests MobileNetV2."""
    keras.utils.set_random_seed(0)
    base = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, name="first"),
                             keras.layers.Dense(3, name="second")], name="base")
    inputs = keras.Input((4,))
    model = keras.Model(inputs, keras.layers.Dense(2, activation="softmax", name="classifier")(base(inputs)))
    return base, model


def _count(weights) -> int:
    return sum(int(np.prod(w.shape)) for w in weights)


def test_trainable_on_a_model_reaches_every_nested_layer():
    """Lesson 03 §2: setting ``trainable`` on a model sets it on every layer inside it (when the flag changes)."""
    base, model = _nested()
    base.trainable = False
    assert not any(layer.trainable for layer in base.layers), (
        "base.trainable = False no longer sets each inner layer's flag: revise lesson 03 §2 ('Setting trainable on a "
        "model sets it on every layer inside') and tlcourse.freeze's docstring")
    base.trainable = True
    assert all(layer.trainable for layer in base.layers), "base.trainable = True no longer reopens inner layers: lesson 03 §2"
    assert _count(model.trainable_weights) == model.count_params()


def test_setting_trainable_to_its_current_value_leaves_inner_layers_alone():
    """Lesson 03 §2 (and the Summary): with the TensorFlow backend, ``base.trainable = True`` on a base that is
    already trainable does nothing, so a layer frozen by hand inside it stays frozen; only a change of the flag
    (False -> True) reopens every layer. Claimed for the TensorFlow backend only, the one the course uses."""
    if keras.backend.backend() != "tensorflow":
        pytest.skip("lesson 03 §2 claims this for the TensorFlow backend only")
    base, _ = _nested()
    base.get_layer("first").trainable = False
    base.trainable = True  # already True
    assert not base.get_layer("first").trainable, (
        "with the TensorFlow backend, assigning base.trainable = True to a trainable base now reopens its layers: "
        "revise lesson 03 §2 ('Setting a model's flag to the value it already has does nothing'), its Summary, "
        "and tlcourse.freeze's docstring")
    base.trainable = False
    base.trainable = True  # a change: reopens everything
    assert base.get_layer("first").trainable, "a False -> True change no longer reopens inner layers: lesson 03 §2"


def test_a_frozen_base_does_not_hide_an_inner_layer_switched_back_on():
    """Lesson 03 §2 and exercise 2: after ``base.trainable = False``, switching one inner layer back on makes the
    views disagree: ``base`` reports no trainable weight, the classifier around it counts that layer's weights,
    and ``fit`` on the classifier updates them."""
    base, model = _nested()
    base.trainable = False
    second = base.get_layer("second")
    second.trainable = True
    assert base.trainable_weights == [], "a frozen container now reports its re-enabled layers: lesson 03 §2"
    counted = {w.path for w in model.trainable_weights}
    assert {w.path for w in second.weights} <= counted, (
        "the classifier no longer counts an inner layer switched back on inside a frozen base: revise lesson 03 §2 "
        "('A frozen container does not hide its layers') and exercise 2's check (checks.exactly_trainable)")
    assert _count(model.trainable_weights) == second.count_params() + model.get_layer("classifier").count_params()
    model.compile(optimizer=keras.optimizers.SGD(0.1), loss="sparse_categorical_crossentropy")
    kernel, first = second.kernel.numpy().copy(), base.get_layer("first").kernel.numpy().copy()
    x = np.random.default_rng(0).normal(size=(32, 4)).astype("float32")
    model.fit(x, np.arange(32) % 2, epochs=1, batch_size=8, verbose=0)
    assert not np.array_equal(kernel, second.kernel.numpy()), "fit no longer trains the re-enabled layer: lesson 03 §2"
    assert np.array_equal(first, base.get_layer("first").kernel.numpy()), "fit trained a frozen layer: lesson 03 §2"
