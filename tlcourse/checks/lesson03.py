"""Checks of lesson 03, freezing."""
from __future__ import annotations

from .core import (
    Feedback,
    _as_int,
    _as_int_tuple,
    _pair_hint,
    correct,
    is_unanswered,
    unanswered,
    wrong,
)


def _hand_toggled(answer) -> tuple[str, int] | None:
    """A model nested in ``answer`` whose own flag is False while layers inside it are switched on one by
    one (section 2's trap): its name and how many such layers, else None."""
    from .. import freeze

    for container in freeze._containers(answer)[1:]:
        if not container.trainable:
            on = [layer for layer in freeze.layers_of(container) if layer.trainable and layer.weights]
            if on:
                return container.name, len(on)
    return None


def exactly_trainable(answer, k: int) -> Feedback:
    """Lesson 03: ``answer`` is a model that should have exactly ``k`` trainable parameters.

    Wrong answers are compared with the usual freezing choices (the last N blocks of the base, counted
    as ``freeze.unfreeze_last(base, N, count="blocks")`` and the FreezePanel's slider count them, with or
    without BatchNorm) to say *what* the student did and which way to go. A state that counts ``k`` only
    because layers were switched on one by one inside a frozen base is refused: the base's own view and
    the classifier's disagree (section 2).
    """
    if is_unanswered(answer):
        return unanswered("freeze or unfreeze blocks of `model` (panel or code), then set answer = model")
    import keras

    from .. import freeze

    if not isinstance(answer, keras.layers.Layer):
        return wrong(f"answer should be the model itself (answer = model), not a value of type {type(answer).__name__}: "
                     "the check counts its trainable parameters.")
    count = freeze.param_counts(answer).trainable
    if answer.trainable and (toggled := _hand_toggled(answer)) is not None:
        name, n_on = toggled
        return wrong(f"{name}.trainable is False, yet {n_on} layers inside it were switched on one by one: the "
                     f"classifier counts (and fit trains) them, while {name}'s own summary says nothing trains. "
                     "That is the mix-up of section 2. Use the functions of tlcourse.freeze, which reopen the base "
                     "before setting each layer's flag.")
    if count == k:
        return correct(f"exactly {k:,} trainable parameters. Remember model.compile(...) before fit.")
    nested = [layer for layer in getattr(answer, "layers", []) if getattr(layer, "layers", None)]
    if not nested:
        return wrong("this model has no pretrained base inside it: is it `base`? The exercise counts what the "
                     "classifier around it trains, so answer = model (section 2).")
    if count == 0 and not answer.trainable and any(layer.trainable for layer in freeze.layers_of(answer)):
        return wrong("model.trainable is False (freeze.freeze(model) sets it): a frozen model hides every layer "
                     "inside it, whatever their own flags say (section 2). Change the flags of base only, or start "
                     "again from freeze.unfreeze(model).")
    base = nested[0]
    in_base = {id(layer) for layer in freeze.layers_of(base)}
    trainable_ids = {id(w) for w in answer.trainable_weights}
    outside = [layer for layer in freeze.layers_of(answer) if id(layer) not in in_base and layer.weights]
    head_frozen = [layer.name for layer in outside if not any(id(w) in trainable_ids for w in layer.weights)]
    head_frozen_params = sum(layer.count_params() for layer in outside if layer.name in head_frozen)
    names = list(freeze.blocks(base))
    with freeze.preserved(answer):
        tops, tops_bn, unfrozen = {}, {}, {}
        for n in range(len(names) + 1):  # the slider at n: the last n blocks of the base, the new layers train
            freeze.unfreeze(answer)
            freeze.unfreeze_last(base, n, count="blocks")
            tops[n] = freeze.param_counts(answer).trainable
            freeze.freeze_by_type(base, keras.layers.BatchNormalization)
            tops_bn[n] = freeze.param_counts(answer).trainable
        freeze.unfreeze(answer)
        for row in freeze.trainable_report(answer):
            unfrozen[row["block"]] = row["trainable"]
    if count == 0:
        return wrong(f"nothing is trainable: everything is frozen. {k:,} needs some blocks unfrozen "
                     "(the slider, or freeze.unfreeze_last(base, n, count='blocks')).")
    if count == max(tops.values()):
        return wrong(f"everything trains ({count:,}): freeze blocks from the bottom until {k:,} are left.")
    if head_frozen and (count + head_frozen_params == k or count + head_frozen_params in {*tops.values(),
                                                                                         *tops_bn.values()}):
        return wrong(f"the new layers around the base are frozen ({', '.join(head_frozen)}): they must train too. "
                     "Tick them in the panel (the slider changes blocks of the base only), or "
                     "freeze.set_blocks_trainable(model, [...], True) in code.")

    def where(table, value):
        return next((n for n, v in table.items() if v == value), None)

    n_now, n_bn_now = where(tops, count), where(tops_bn, count)
    n_k, n_bn_k = where(tops, k), where(tops_bn, k)
    if n_now is not None and n_bn_k is not None and n_now == n_bn_k and n_now > 0:
        return wrong(f"the right blocks, but their BatchNormalization layers train too ({count:,}). Keep every "
                     "BatchNorm frozen: freeze.freeze_by_type(base, keras.layers.BatchNormalization), after "
                     "unfreezing (unfreeze_last sets every layer's flag, BatchNorm's too).")
    if n_bn_now is not None and n_k is not None and n_bn_now == n_k and n_k > 0:
        return wrong(f"the right blocks, but you froze their BatchNormalization layers ({count:,}): {k:,} counts "
                     "BatchNorm's scale and offset as trainable.")
    for now, target in ((n_now, n_k), (n_bn_now, n_bn_k)):
        if now is not None and target is not None:
            what = (f"the last {now} block{'s' if now > 1 else ''} of the base" if now else
                    "no block of the base, only the new layers around it")
            direction = "more blocks: move the slider right" if target > now else "fewer blocks: move the slider left"
            return wrong(f"you train {what}, {count:,} parameters; {k:,} needs {direction} (in code, a "
                         f"{'larger' if target > now else 'smaller'} n in freeze.unfreeze_last(base, n, count='blocks')).")
    gap = abs(count - k)
    block = next((name for name, v in unfrozen.items() if v == gap), None)
    if block is not None:
        verb = "freeze" if count > k else "unfreeze"
        return wrong(f"{count:,} trainable, {gap:,} {'too many' if count > k else 'too few'}: that is exactly block "
                     f"{block!r}. {verb.capitalize()} it.")
    return wrong(f"{count:,} trainable, {k:,} asked: {gap:,} {'too many' if count > k else 'too few'}. Start from "
                 "the slider (the last N blocks of the base) and read each block's figures in the panel "
                 "(sections 4 and 7).")


def head_parameters(answer, n_features: int = 1280, hidden: int = 128, n_classes: int = 3) -> Feedback:
    """Lesson 03: parameters of Dense(hidden, relu) then Dense(n_classes) on ``n_features`` features."""
    if is_unanswered(answer):
        return unanswered()
    value = _as_int(answer)
    if value is None:
        return wrong(f"answer with a whole number of parameters, e.g. answer = 12345 (got {answer!r}).")
    first, second = n_features * hidden + hidden, hidden * n_classes + n_classes
    if value == first + second:
        return correct(f"{n_features:,}x{hidden}+{hidden} = {first:,} and {hidden}x{n_classes}+{n_classes} = "
                       f"{second:,}: {first + second:,}, all trainable while the base is frozen.")
    hints = {
        n_features * hidden + hidden * n_classes: "each Dense layer also has one bias per output unit.",
        n_features * hidden + hidden * n_classes + n_classes: "the hidden layer has biases too: one per unit.",
        first + hidden * n_classes: "the output layer has biases too: one per class.",
        first: f"that is the hidden layer alone: add the output layer's {hidden}x{n_classes} weights and biases.",
        second: f"that is the output layer alone: the hidden layer has {n_features:,}x{hidden} weights plus biases.",
        n_features * n_classes + n_classes: "that would be a single Dense layer: this head has a hidden layer too.",
        2048 * hidden + hidden + second: f"2048 features come from ResNet50; EfficientNet-Lite0 gives {n_features:,}.",
        n_features * hidden: "count the biases, and the output layer.",
        n_features * hidden * n_classes: "the layers are stacked, not multiplied: count each Dense layer on its own "
                                         "(inputs x units + units) and add the two.",
    }
    if value in hints:
        return wrong(hints[value])
    if value > 1_000_000:
        return wrong("that counts the base too: a frozen base's parameters are all non-trainable. Only the two "
                     "Dense layers on top train (section 3).")
    return wrong(f"count each Dense layer as inputs x units + units (biases), then add the two layers; the "
                 f"features number {n_features:,} (section 3 does it for ResNet50).")


def batchnorm_parameters(answer, channels: int = 96) -> Feedback:
    """Lesson 03: ``(trainable, non_trainable)`` of an unfrozen BatchNormalization over ``channels``."""
    if is_unanswered(answer):
        return unanswered("answer with a pair: answer = (trainable, non_trainable)")
    c = channels
    if _as_int(answer) == 4 * c:
        return wrong(f"{4 * c} is all four vectors together; the exercise asks how they split: "
                     "answer = (trainable, non_trainable)")
    pair = _as_int_tuple(answer, 2)
    if pair is None:
        return wrong(_pair_hint(answer, "(trainable, non_trainable)"))
    trainable, non_trainable = pair
    if (trainable, non_trainable) == (2 * c, 2 * c):
        return correct(f"scale and offset ({2 * c}) train; the moving mean and variance ({2 * c}) are statistics, "
                       "updated by averaging, never by gradients.")
    if (trainable, non_trainable) == (4 * c, 0):
        return wrong("the moving mean and variance are never trainable, even when the layer is.")
    if (trainable, non_trainable) == (0, 4 * c):
        return wrong("that is the frozen layer; this one is unfrozen: which of its four vectors get gradients?")
    if (trainable, non_trainable) == (2 * c, 0):
        return wrong("the moving mean and variance are parameters too (Keras counts and saves them): they go in "
                     "the non-trainable column (section 1).")
    if (trainable, non_trainable) == (c, c) or (trainable, non_trainable) == (2, 2):
        return wrong(f"BatchNorm keeps one value per channel in each of its four vectors ({c} channels).")
    if trainable + non_trainable != 4 * c:
        return wrong(f"the four vectors (scale, offset, moving mean, moving variance) hold {4 * c} numbers in all.")
    return wrong("two of the four vectors get gradients; the two others are running statistics (section 1).")


def inner_layer_unfrozen(answer, model, base, layer: str = "Conv_1") -> Feedback:
    """Lesson 03: trainable parameters of ``model`` after ``base.trainable = False`` and then
    ``base.get_layer(layer).trainable = True`` (the answer is computed on the real model)."""
    if is_unanswered(answer):
        return unanswered()
    value = _as_int(answer)
    if value is None:
        return wrong(f"answer with a whole number of parameters (got {answer!r}).")
    from .. import freeze

    with freeze.preserved(model):
        base.trainable = False
        outside = freeze.param_counts(model).trainable  # the classifier's own layers
        base.get_layer(layer).trainable = True
        expected = freeze.param_counts(model).trainable
        inner = base.get_layer(layer).count_params()
        everything = freeze.param_counts(model).total
    if value == expected:
        return correct(f"{expected:,}: the classifier counts (and trains) {layer} by its own flag, even though "
                       f"base.summary() still says 0 trainable. freeze's helpers avoid this mix-up.")
    hints = {
        outside: f"a frozen container hides {layer} only from base's own view; the classifier counts each inner "
                 "layer by its own flag.",
        0: "the classifier's own layers are not inside base: they are still trainable.",
        inner: f"{layer} is right; add the classifier's own layers, which still train.",
        everything: "base.trainable = False froze every layer of base first; only one was switched back on.",
    }
    names = [other.name for other in base.layers]
    after = names[names.index(layer) + 1] if layer in names and names.index(layer) + 1 < len(names) else None
    if after is not None and base.get_layer(after).weights:
        bn = base.get_layer(after).count_params()
        for extra in (bn, bn // 2):
            hints.setdefault(expected + extra, f"only {layer} was switched back on: {after}, the layer after it, has "
                                               "its own flag and stays frozen.")
    return wrong(hints.get(value, f"count the classifier's own trainable layers plus {layer}'s weights (section 2)."))
