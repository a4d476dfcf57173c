"""Start experiments from the same point: snapshots of weights (restore them, count which changed during
training: lessons 03 and 04) and the random-number generators inside a model (restart them from a seed)."""
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


def random_states(model: keras.layers.Layer) -> list[keras.Variable]:
    """The state of every random-number generator inside ``model`` (Dropout's, RandomFlip's ...).

    Keras keeps each generator's state in a variable (``[seed, counter]``) that ``model.variables``
    lists and ``model.weights`` does not, so :func:`snapshot` and ``get_weights()`` leave it out.
    """
    return [v for v in model.variables if v.name == "seed_generator_state"]


def reseed(model: keras.layers.Layer, seed: int) -> keras.layers.Layer:
    """Restart every random-number generator inside ``model`` from ``seed``.

    ``keras.utils.set_random_seed`` seeds only the generators created after it: a Dropout layer that has
    already trained goes on with its own sequence of masks
    (``tests/test_keras_facts.py::test_set_random_seed_leaves_a_built_dropout_layer_where_it_was``). After
    ``reseed`` a run draws the same masks whatever ran before it, so two runs from the same weights with
    the same seed differ only in what you changed between them.
    """
    rng = np.random.default_rng(seed)
    for state in random_states(model):
        state.assign(np.array([rng.integers(1, 2**31 - 1), 0], dtype=state.dtype))
    return model
