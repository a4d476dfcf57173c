"""Freezing and unfreezing layers, and counting what is trainable.

In Keras a layer's ``trainable`` flag decides whether ``fit`` updates its weights.
Setting it on a model sets it on every layer inside. Three Keras facts shape these
helpers:

* a frozen container (``base.trainable = False``) reports nothing trainable when you ask
  *it* (``base.trainable_weights``, ``base.summary()``, ``base.fit``), but a model that
  *contains* it counts, and trains, the weights of every inner layer whose own flag is
  True. The two views disagree as soon as one inner layer is switched back on by hand.
  So every helper here first makes the container trainable, then sets each layer's flag
  explicitly: both views then agree.
* ``model.trainable = True`` reaches the layers inside only when the flag changes (with
  the TensorFlow backend, assigning the value an attribute already has is skipped): on a
  model that is already trainable it leaves individually frozen layers frozen.
* the set of weights ``fit`` updates is fixed when ``fit`` first builds its training step after
  ``compile()``: a change of ``trainable`` made after that reaches ``fit`` only after another
  ``model.compile(...)``. Keras (3.15) gives no warning when you forget; the FreezePanel does
  (``tests/test_keras_facts.py`` pins both).

No helper here changes a weight's value: freezing only decides which weights the
optimizer may update.
"""
from __future__ import annotations

import re
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import NamedTuple

import keras
import numpy as np


class ParamCounts(NamedTuple):
    trainable: int
    non_trainable: int

    @property
    def total(self) -> int:
        return self.trainable + self.non_trainable

    def __str__(self) -> str:
        return f"trainable {self.trainable:,} | non-trainable {self.non_trainable:,} | total {self.total:,}"


def _count(weights: Iterable) -> int:
    seen, n = set(), 0
    for w in weights:
        if id(w) not in seen:
            seen.add(id(w))
            n += int(np.prod(w.shape))
    return n


def param_counts(model: keras.layers.Layer) -> ParamCounts:
    """Trainable / non-trainable / total parameters, the same figures ``model.summary()`` prints."""
    return ParamCounts(_count(model.trainable_weights), _count(model.non_trainable_weights))


def layers_of(model: keras.layers.Layer, recursive: bool = True) -> list[keras.layers.Layer]:
    """The layers of ``model`` in order; nested models are opened up when ``recursive``."""
    out = []
    for layer in getattr(model, "layers", []):
        if recursive and hasattr(layer, "layers") and layer.layers:
            out += layers_of(layer, recursive)
        else:
            out.append(layer)
    return out


def has_weights(layer: keras.layers.Layer) -> bool:
    """Whether the layer has any weights at all (activations, pooling, dropout do not)."""
    return bool(layer.weights)


def _containers(model: keras.layers.Layer) -> list[keras.layers.Layer]:
    """``model`` and every model nested in it, outermost first."""
    out = [model]
    for layer in getattr(model, "layers", []):
        if getattr(layer, "layers", None):
            out += _containers(layer)
    return out


def set_trainable(model: keras.layers.Layer, predicate: Callable[[keras.layers.Layer], bool]) -> keras.layers.Layer:
    """Make each layer trainable exactly when ``predicate(layer)`` is true; returns ``model``."""
    decisions = [(layer, bool(predicate(layer))) for layer in layers_of(model)]
    for container in _containers(model):  # a frozen container would hide every layer inside it
        container.trainable = True
    for layer, trainable in decisions:
        layer.trainable = trainable
    return model


def freeze(model: keras.layers.Layer) -> keras.layers.Layer:
    """Freeze everything: no weight of ``model`` changes during training."""
    set_trainable(model, lambda layer: False)
    model.trainable = False
    return model


def unfreeze(model: keras.layers.Layer) -> keras.layers.Layer:
    """Unfreeze everything (every layer, even ones frozen one by one before)."""
    return set_trainable(model, lambda layer: True)


def unfreeze_last(model: keras.layers.Layer, n: int, *, count: str = "layers") -> keras.layers.Layer:
    """Freeze all but the last ``n`` layers (``count="layers"``), layers with weights
    (``count="weighted"``), or blocks (``count="blocks"``, see :func:`blocks`)."""
    if n < 0:
        raise ValueError(f"n must be >= 0, got {n}")
    if count == "blocks":
        names = list(blocks(model))
        return freeze_blocks(model, names[: max(len(names) - n, 0)])
    all_layers = layers_of(model)
    if count == "weighted":
        candidates = [layer for layer in all_layers if has_weights(layer)]
    elif count == "layers":
        candidates = all_layers
    else:
        raise ValueError(f"count must be 'layers', 'weighted' or 'blocks', not {count!r}")
    top = {id(layer) for layer in candidates[len(candidates) - n :]} if n else set()
    return set_trainable(model, lambda layer: id(layer) in top)


def freeze_up_to(model: keras.layers.Layer, layer_name: str, *, inclusive: bool = True) -> keras.layers.Layer:
    """Freeze every layer up to ``layer_name`` (included unless ``inclusive=False``); the rest train."""
    names = [layer.name for layer in layers_of(model)]
    if layer_name not in names:
        close = [n for n in names if layer_name.lower() in n.lower()][:5]
        hint = f" Similar names: {', '.join(close)}." if close else " See [l.name for l in model.layers]."
        raise KeyError(f"no layer named {layer_name!r} in {model.name}.{hint}")
    cut = names.index(layer_name) + (1 if inclusive else 0)
    frozen = set(names[:cut])
    return set_trainable(model, lambda layer: layer.name not in frozen)


def freeze_by_type(model: keras.layers.Layer, *types: type, trainable: bool = False) -> keras.layers.Layer:
    """Set ``trainable`` on every layer that is an instance of one of ``types``; others untouched.

    ``freeze_by_type(base, keras.layers.BatchNormalization)`` keeps every BN frozen.
    """
    if not types:
        raise ValueError("give at least one layer type, e.g. keras.layers.BatchNormalization")
    return set_trainable(model, lambda layer: trainable if isinstance(layer, types) else layer.trainable)


# -- blocks ------------------------------------------------------------------------------------

#: (regex on the layer name, block name template). First match wins.
BLOCK_PATTERNS: list[tuple[str, str]] = [
    (r"^(block_\d+)_", r"\1"),  # MobileNetV2: block_1_expand ...
    (r"^expanded_conv_", "block_0"),  # MobileNetV2's first block
    (r"^conv_(?:dw|pw|pad)_(\d+)", r"block_\1"),  # MobileNet v1: conv_dw_3, conv_pw_3_bn, conv_pad_4
    (r"^(block\d+[a-z])_", r"\1"),  # EfficientNet(-Lite): block2a_expand_conv ...
    (r"^(conv\d+)_block\d+_", r"\1"),  # ResNet: conv3_block2_1_conv -> stage conv3
    (r"^(conv\d+)_block\d+", r"\1"),  # DenseNet
    (r"^(mixed\d+)", r"\1"),  # InceptionV3
    (r"^(block\d+)_", r"\1"),  # VGG, Xception
]


def block_of(layer_name: str) -> str:
    """Name of the block a layer belongs to (MobileNetV2 ``block_N``, EfficientNet ``blockNx``,
    ResNet stages ``convN``...); a layer that matches no known scheme is its own block."""
    for pattern, template in BLOCK_PATTERNS:
        m = re.match(pattern, layer_name)
        if m:
            return m.expand(template)
    return layer_name


def _group_run(run: list) -> OrderedDict[str, list[keras.layers.Layer]]:
    """Group consecutive plain layers by naming scheme; leading layers form ``stem``, trailing ``last_conv``."""
    raw: OrderedDict[str, list] = OrderedDict()
    for layer in run:
        raw.setdefault(block_of(layer.name), []).append(layer)
    names = list(raw)
    is_block = [len(v) > 1 or n != v[0].name for n, v in raw.items()]
    if not any(is_block):
        return raw  # no known naming scheme: one block per layer
    first, last = is_block.index(True), len(is_block) - 1 - is_block[::-1].index(True)
    out: OrderedDict[str, list] = OrderedDict()
    for i, name in enumerate(names):
        key = "stem" if i < first else "last_conv" if i > last else name
        out.setdefault(key, []).extend(raw[name])
    return out


def blocks(model: keras.layers.Layer) -> OrderedDict[str, list[keras.layers.Layer]]:
    """Group layers into blocks, in order; input layers are left out.

    Layers named by a known scheme (MobileNetV2 ``block_N``, EfficientNet ``blockNx``, ResNet
    stages ``convN``, ...) form one block each; layers before the first such block form ``stem``,
    layers after the last one ``last_conv`` (MobileNetV2's and EfficientNet's final 1x1
    convolution; "head" is kept for the new classifier a lesson puts on a base). A nested model (a pretrained base inside a classifier) is
    grouped on its own, and the outer model's own layers (pooling, dropout, the new classifier)
    stay one block each, so ``blocks(classifier)`` reads: the base's blocks, then the new layers.
    A name used twice gets the nested model's name as a prefix (``base/last_conv``).
    """
    out: OrderedDict[str, list] = OrderedDict()

    def add(groups: OrderedDict[str, list], prefix: str | None = None) -> None:
        for name, members in groups.items():
            key = name if name not in out else f"{prefix or model.name}/{name}"
            while key in out:
                key += "'"
            out[key] = members

    run: list = []
    for layer in getattr(model, "layers", []):
        if isinstance(layer, keras.layers.InputLayer):
            continue
        if getattr(layer, "layers", None):  # a nested model: its own blocks
            add(_group_run(run))
            run = []
            add(blocks(layer), prefix=layer.name)
        else:
            run.append(layer)
    add(_group_run(run))
    return out


def _block_layer_ids(model: keras.layers.Layer, names: Iterable[str]) -> set[int]:
    """ids of the layers in the named blocks; unknown names raise a KeyError listing the real ones."""
    groups = blocks(model)
    names = list(names)
    unknown = [n for n in names if n not in groups]
    if unknown:
        raise KeyError(f"unknown block(s) {unknown}; this model's blocks are {list(groups)}")
    return {id(layer) for n in names for layer in groups[n]}


def freeze_blocks(model: keras.layers.Layer, names: Iterable[str]) -> keras.layers.Layer:
    """Freeze exactly the named blocks (see :func:`blocks`); every other layer trains."""
    frozen = _block_layer_ids(model, names)
    return set_trainable(model, lambda layer: id(layer) not in frozen)


def block_state(model: keras.layers.Layer, members: Iterable[keras.layers.Layer]) -> str:
    """``"trainable"``, ``"frozen"`` or ``"partly"``: the flags of ``members`` as ``model`` sees them
    (a frozen ``model`` freezes everything in it)."""
    flags = {bool(model.trainable and layer.trainable) for layer in members}
    return "partly" if len(flags) > 1 else "trainable" if flags == {True} else "frozen"


def set_blocks_trainable(model: keras.layers.Layer, names: Iterable[str], trainable: bool) -> keras.layers.Layer:
    """Freeze (``trainable=False``) or unfreeze the named blocks (see :func:`blocks`) and leave every
    other layer as it is. Weight values never change."""
    chosen = _block_layer_ids(model, names)
    was = bool(model.trainable)
    return set_trainable(model, lambda layer: trainable if id(layer) in chosen else (was and layer.trainable))


def trainable_report(model: keras.layers.Layer) -> list[dict]:
    """One row per block (see :func:`blocks`): its name, number of layers, parameters, how many of
    them ``model`` trains, and its ``state`` (:func:`block_state`). ``params == 0`` marks a block
    without weights (activations, pooling, dropout): unfreezing it unlocks nothing.

    The ``trainable`` column adds up to ``param_counts(model).trainable``, the figure
    ``model.summary()`` prints.
    """
    trainable_ids = {id(w) for w in model.trainable_weights}
    rows = []
    for name, members in blocks(model).items():
        weights = [w for layer in members for w in layer.weights]
        rows.append({
            "block": name,
            "layers": len(members),
            "params": _count(weights),
            "trainable": _count(w for w in weights if id(w) in trainable_ids),
            "state": block_state(model, members),
        })
    return rows


# -- exploring without side effects -----------------------------------------------------------


@contextmanager
def preserved(model: keras.layers.Layer) -> Iterator[keras.layers.Layer]:
    """``with preserved(model): ...`` puts every trainable flag of ``model`` (and of the models
    nested in it) back as it was on exit, even after an error. Weights are never touched."""
    containers = [(c, bool(c.trainable)) for c in _containers(model)]
    leaves = [(layer, bool(layer.trainable)) for layer in layers_of(model)]
    try:
        yield model
    finally:
        for container, flag in containers:  # outermost first: a change reaches everything inside...
            container.trainable = flag
        for layer, flag in leaves:  # ...then each layer gets its own flag back
            layer.trainable = flag


def unfreeze_curve(
    model: keras.layers.Layer,
    ns: Iterable[int],
    *,
    count: str = "layers",
    measure: keras.layers.Layer | None = None,
) -> list[dict]:
    """How the trainable count grows as the top ``n`` layers (or blocks) of ``model`` are unfrozen.

    One row per ``n``: ``n``, ``added`` (the layer or block that the step unfreezes), ``weights``
    (whether it has any) and ``trainable`` (parameters of ``measure``, default ``model``; pass the
    classifier that contains a base to count its new layers too). Flags are restored afterwards.
    """
    if count == "blocks":
        names = list(blocks(model))
        has = [bool(sum(len(layer.weights) for layer in members)) for members in blocks(model).values()]
    elif count in ("layers", "weighted"):
        chosen = [layer for layer in layers_of(model) if count == "layers" or has_weights(layer)]
        names, has = [layer.name for layer in chosen], [has_weights(layer) for layer in chosen]
    else:
        raise ValueError(f"count must be 'layers', 'weighted' or 'blocks', not {count!r}")
    rows = []
    with preserved(model):
        for n in ns:
            if not 0 <= n <= len(names):
                raise ValueError(f"n must be between 0 and {len(names)} ({count} in {model.name}), got {n}")
            unfreeze_last(model, n, count=count)
            rows.append({
                "n": n,
                "added": names[len(names) - n] if n else None,
                "weights": has[len(names) - n] if n else False,
                "trainable": param_counts(measure or model).trainable,
            })
    return rows
