"""Progress bars: on by default, off with TLCOURSE_PROGRESS=0 or show=False, one tick per epoch in Keras."""
from __future__ import annotations

import keras
import numpy as np

from tlcourse import progress


def test_bar_counts_and_is_transient(capsys):
    items = list(progress.bar(range(5), desc="counting"))
    assert items == [0, 1, 2, 3, 4]
    b = progress.bar(range(7), desc="x")
    assert b.total == 7 and b.leave is False and not b.disable


def test_bar_can_be_turned_off(monkeypatch):
    assert progress.bar(range(3), show=False).disable
    monkeypatch.setenv("TLCOURSE_PROGRESS", "0")
    assert not progress.enabled()
    assert progress.bar(range(3)).disable
    monkeypatch.setenv("TLCOURSE_PROGRESS", "1")
    assert progress.enabled()


def test_epoch_bar_ticks_once_per_epoch_and_shows_accuracy():
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2, activation="softmax")])
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    callback = progress.epoch_bar(4, "training")
    model.fit(np.zeros((8, 3)), np.zeros(8, int), epochs=4, verbose=0, callbacks=[callback])
    assert callback.bar.n == 4 and callback.bar.total == 4
    assert "accuracy" in callback.bar.postfix and "loss" in callback.bar.postfix
