"""Checks of lesson 04, fine-tuning."""
from __future__ import annotations

import functools

import numpy as np

from .core import (
    Feedback,
    _number,
    _number_hint,
    choice,
    correct,
    is_unanswered,
    unanswered,
    wrong,
)

#: Accepted: phase 2's learning rate between 5 and 200 times lower than phase 1's.
FINE_TUNE_RATIOS = (5.0, 200.0)


def fine_tune_rate(answer, head_rate: float = 1e-3) -> Feedback:
    """Lesson 04: the learning rate for phase 2, 10 to 100 times lower than phase 1's ``head_rate``.

    Both ends are common: the lesson divides by ten; the Keras guide *Transfer learning & fine-tuning*
    divides Adam's default 1e-3 by a hundred (1e-5), because it unfreezes the whole base. Any rate
    from 5 to 200 times lower is accepted; each other kind of answer gets its own hint.
    """
    if is_unanswered(answer):
        return unanswered()
    value = _number(answer)
    if value is None:
        if hasattr(answer, "learning_rate"):
            return wrong("answer with the learning rate itself, a number, not the optimizer")
        return wrong(_number_hint(answer, "a positive number, such as 1e-3"))
    if not value > 0:
        return wrong("answer with a positive number, such as 1e-3")
    if value >= 2:
        return wrong(f"a learning rate of {value:g} would blow the weights away. If {value:g} is how many times "
                     "lower you want it, divide phase 1's rate by it and answer with the result")
    low, high = FINE_TUNE_RATIOS
    ratio = head_rate / value
    if head_rate < value <= 1 / low and low <= 1 / value <= high:
        return wrong(f"{value:g} is higher than phase 1's rate. If it is the factor, not the rate, multiply phase "
                     "1's rate by it and answer with the result")
    if low <= ratio <= high:
        return correct(f"{value:g} is {ratio:.0f} times lower than phase 1: small steps that adjust the pretrained "
                       "weights without erasing them. Ten times lower (this lesson) and a hundred times lower (the "
                       "Keras guide, which unfreezes the whole base) are both common: the more weights you unfreeze "
                       "on few photos, the lower you go, and the lower the rate, the more epochs it takes to change "
                       "anything (Adam moves each weight by about the learning rate per step).")
    if ratio < 1 / 1.5:
        return wrong("higher than phase 1: big steps on weights that are already good wipe out what ImageNet "
                     "taught them, and the freshly unfrozen layers start from scratch in effect")
    if ratio < 1.5:
        return wrong("about the same as phase 1: the unfrozen pretrained weights get steps as large as a new "
                     "head's, which is too much for weights that are already good (section 5)")
    if ratio < low:
        return wrong(f"only {ratio:.0f} times lower than phase 1: still big steps for weights that are already good. "
                     "Phase 2 usually goes 10 to 100 times lower (section 5)")
    return wrong(f"{ratio:,.0f} times lower than phase 1 is so small that a few epochs hardly change anything: Adam "
                 "moves each weight by about the learning rate per step (section 5). Phase 2 usually goes 10 to 100 "
                 "times lower")


@functools.lru_cache(maxsize=2)
def _keras_applies_trainable_without_compile(freeze_after_fit: bool) -> bool:
    """Run the experiment on a tiny model: does a ``trainable`` change reach ``fit`` without ``compile()``?

    The answer depends only on the installed Keras, so it is computed once per process."""
    import keras

    keras.utils.set_random_seed(0)
    inner = keras.layers.Dense(3, name="inner")
    model = keras.Sequential([keras.Input((4,)), inner, keras.layers.Dense(2, activation="softmax")])
    inner.trainable = freeze_after_fit
    model.compile(optimizer=keras.optimizers.SGD(0.1), loss="sparse_categorical_crossentropy")
    x, y = np.random.default_rng(0).normal(size=(8, 4)).astype("float32"), np.arange(8) % 2
    model.fit(x, y, epochs=1, verbose=0)
    inner.trainable = not freeze_after_fit  # the change, without compile()
    before = inner.kernel.numpy().copy()
    model.fit(x, y, epochs=1, verbose=0)
    moved = not np.array_equal(before, inner.kernel.numpy())
    return moved != freeze_after_fit  # True when Keras honoured the change


def freeze_without_compile(answer) -> Feedback:
    """Lesson 04: after fine-tuning, the base is frozen again *without* ``compile()``: what does ``fit`` do?

    Options: ``"none"`` (no base weight changes), ``"still"`` (the unfrozen ones keep changing),
    ``"all"`` (every base weight changes). The check runs the experiment on a tiny model to know
    which is true in the installed Keras.
    """
    options = {"none": "", "still": "", "all": ""}
    if is_unanswered(answer):
        return unanswered()
    honoured = _keras_applies_trainable_without_compile(freeze_after_fit=True)
    right = "none" if honoured else "still"
    explain = ("fit reuses the training step it built at its first call after compile(), while those weights were "
               "trainable, so it keeps updating them: freezing, like unfreezing, reaches fit only after compile()."
               if right == "still" else "this Keras applies the change without compile(); still, compile() after "
               "every change is the habit that works on every version.")
    hints = {
        "none": "that is what freezing should do, but fit is still running the training step it built at its "
                "first call after compile(), with the old list of trainable weights. Try it: snapshot, fit, "
                "count_changed (section 7)",
        "still": "this Keras takes the change into account without compile(): the frozen weights stay put",
        "all": "fit updates only the weights that were trainable when it built its training step, and the lower "
               "blocks were frozen then (section 7)",
    }
    return choice(answer, options, right, explain, hints)


def frozen_batchnorm(answer, n_blocks: int = 3) -> Feedback:
    """Lesson 04: a base whose last ``n_blocks`` blocks train, except every BatchNormalization layer."""
    if is_unanswered(answer):
        return unanswered()
    import keras

    from ..freeze import blocks, layers_of, param_counts

    if isinstance(answer, tuple) and answer and isinstance(answer[0], keras.Model):
        return wrong("that is a (model, preprocess) pair: answer with the base model alone")
    if not isinstance(answer, keras.Model):
        return wrong("answer with the base model itself (after changing its layers' trainable flags)")
    if any(getattr(layer, "layers", None) or isinstance(getattr(layer, "inner", None), keras.Model)
           for layer in answer.layers):  # a nested model, or one wrapped in train.InferenceMode
        return wrong("that model holds another model inside it: answer with base itself, the pretrained "
                     "MobileNetV2, not a classifier built around it")
    groups = list(blocks(answer).items())
    if len(groups) <= n_blocks:
        return wrong(f"this model has only {len(groups)} blocks: is it a piece of the base (such as `upper` from "
                     "train.split_base)? Answer with the whole base")
    if param_counts(answer).trainable == 0:
        return wrong(f"nothing in the base is trainable: unfreeze its last {n_blocks} blocks first "
                     f"(freeze.unfreeze_last(base, {n_blocks}, count='blocks'))")
    bn = [layer for layer in layers_of(answer) if isinstance(layer, keras.layers.BatchNormalization)]
    bn_ids = {id(layer) for layer in bn}

    def state(members) -> str:
        flags = {layer.trainable for layer in members if layer.weights and id(layer) not in bn_ids}
        return "none" if not flags else "trainable" if flags == {True} else "frozen" if flags == {False} else "partly"

    states = [state(members) for _, members in groups]
    weighted = [i for i, s in enumerate(states) if s != "none"]  # blocks with weights besides BatchNorm
    training = [i for i in weighted if states[i] != "frozen"]
    partly = [groups[i][0] for i in training if states[i] == "partly"]
    if partly:
        return wrong(f"{partly[0]} is cut in the middle: some of its layers train, others not. "
                     "unfreeze_last counts layers by default; pass count='blocks'")
    if not training:
        return wrong(f"only BatchNormalization layers train: unfreeze the last {n_blocks} blocks first, then "
                     "freeze BatchNorm (section 6)")
    same = [m for m in range(1, len(groups) + 1) if set(training) == {i for i in weighted if i >= len(groups) - m}]
    if not same:
        names = [groups[i][0] for i in training]
        return wrong(f"the blocks that train ({', '.join(names[:4])}{', ...' if len(names) > 4 else ''}) are not the "
                     f"last {n_blocks} blocks of the base: some of them, or some of their layers, are still frozen")
    if n_blocks not in same:
        told = ("only the last block trains" if same == [1] else f"the last {same[0]} blocks train" if len(same) == 1
                else f"the last {same[0]} to {same[-1]} blocks train (blocks without weights add nothing)")
        return wrong(f"{told}; the exercise asks for the last {n_blocks} (count='blocks' counts whole blocks)")
    trainable_bn = [layer.name for layer in bn if layer.trainable]
    if trainable_bn:
        return wrong(f"{len(trainable_bn)} BatchNormalization layers are trainable (e.g. {trainable_bn[0]}): freeze "
                     "them after unfreezing, with freeze.freeze_by_type(base, keras.layers.BatchNormalization); "
                     "unfreeze_last sets every layer, so the order matters")
    return correct(f"{param_counts(answer).trainable:,} parameters train; every BatchNorm layer is frozen, and a "
                   "frozen BatchNorm layer runs in inference mode even inside fit: it normalises with its stored ImageNet "
                   "statistics and leaves them unchanged.")


def no_augmentation_in_way_a(answer) -> Feedback:
    """Lesson 02: why cached features (way A) rule out data augmentation (multiple choice a/b/c)."""
    return choice(
        answer, {"a": "", "b": "", "c": ""}, right="a",
        explain="augmenting means new pixels every epoch, hence new features: they would have to be extracted "
                "again, which is exactly what way B does.",
        hints={"b": "augmentation runs on a CPU too: way B in this lesson ran it on yours",
               "c": "even a small classifier overfits less when its inputs vary; the obstacle is elsewhere: when are "
                    "the features computed?"},
    )
