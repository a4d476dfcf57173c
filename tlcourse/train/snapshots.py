"""Snapshots of weights: restore them, and count which changed during training (lesson 04)."""
from __future__ import annotations

from typing import NamedTuple

import keras
import numpy as np


def snapshot(model: keras.layers.Layer) -> dict[str, np.ndarray]:
    """A copy of every weight of ``model`` (trainable or not), keyed by its unique path."""
    return {w.path: np.array(w.numpy(), copy=True) for w in model.weights}


class Changed(NamedTuple):
    """How many weight tensors (and the parameters in them) differ from a snapshot."""

    tensors: int
    params: int
    of_tensors: int
    of_params: int

    def __str__(self) -> str:
        return (f"{self.tensors} of {self.of_tensors} weight tensors changed "
                f"({self.params:,} of {self.of_params:,} parameters)")


def restore(model: keras.layers.Layer, before: dict[str, np.ndarray]) -> keras.layers.Layer:
    """Put back the weights saved by :func:`snapshot` (to start two experiments from the same point)."""
    missing = [w.path for w in model.weights if w.path not in before]
    if missing:
        raise KeyError(f"the snapshot has no weight {missing[0]!r}: take snapshot(model) of this same model first")
    for w in model.weights:
        w.assign(before[w.path])
    return model


_WHICH = {
    "all": lambda m: m.weights,
    "trainable": lambda m: m.trainable_weights,
    "non_trainable": lambda m: m.non_trainable_weights,
}


def count_changed(before: dict[str, np.ndarray], model: keras.layers.Layer, which: str = "all",
                  atol: float = 0.0) -> Changed:
    """Compare ``model``'s weights with :func:`snapshot` output: which ones did training move?

    ``which="non_trainable"`` looks only at weights that gradient descent does not touch (frozen
    layers, BatchNorm's moving statistics): if any of them changed, something other than the
    optimizer moved them.
    """
    if which not in _WHICH:
        raise ValueError(f"which must be one of {list(_WHICH)}, not {which!r}")
    weights = _WHICH[which](model)
    missing = [w.path for w in weights if w.path not in before]
    if missing:
        raise KeyError(f"the snapshot has no weight {missing[0]!r}: take snapshot(model) of this same model first")
    tensors = params = total = 0
    for w in weights:
        size = int(np.prod(w.shape))
        total += size
        if not np.allclose(before[w.path], w.numpy(), rtol=0.0, atol=atol):
            tensors += 1
            params += size
    return Changed(tensors, params, len(weights), total)
