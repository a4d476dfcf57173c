"""Checks of lesson 02, feature extraction."""
from __future__ import annotations

import numpy as np

from .core import (
    Feedback,
    _as_int_tuple,
    _number,
    _number_hint,
    _pair_hint,
    correct,
    is_unanswered,
    unanswered,
    wrong,
)


def feature_sizes(answer, side: int = 160, channels: int = 1280) -> Feedback:
    """Lesson 02: numbers cached per image (no pooling, with pooling) for a MobileNetV2 base at ``side``."""
    if is_unanswered(answer):
        return unanswered()
    grid = side // 32
    right = (grid * grid * channels, channels)
    if _as_int_tuple(answer, 3) == (grid, grid, channels):
        return wrong("that is the shape of the output without pooling; the question asks how many numbers it "
                     "holds: multiply")
    if isinstance(answer, (tuple, list)) and len(answer) == 2 and all(isinstance(v, (tuple, list)) for v in answer):
        return wrong("give two counts, not two shapes: how many numbers does each shape hold?")
    pair = _as_int_tuple(answer, 2)
    if pair is None:
        return wrong(_pair_hint(answer, "(without pooling, with pooling)"))
    if pair == right:
        return correct(f"{grid}x{grid}x{channels} = {right[0]:,} numbers without pooling, {channels:,} with: "
                       f"pooling divides the cache by {grid * grid}.")
    if pair == right[::-1]:
        return wrong("swapped: pooling makes the cache smaller, so the first number is the larger one")
    if pair[1] != channels:
        return wrong(f"global average pooling keeps one number per channel; the base has {channels} channels")
    if pair[0] == 7 * 7 * channels:
        return wrong(f"7x7 is the grid for 224-pixel images; here they are {side} pixels")
    if pair[0] == grid * channels:
        return wrong(f"the grid is {grid} by {grid}: multiply both sides")
    if pair[0] == grid * grid:
        return wrong(f"that counts the grid's positions; each of them holds {channels} numbers, one per channel")
    if pair[0] == side * side * 3:
        return wrong("that is the photo's own pixels; the cache holds what the base outputs for it")
    return wrong(f"without pooling the base outputs a grid of side {side} / 32 with {channels} channels at each point "
                 "(section 3)")


def smallest_size(answer, scores: dict[int, float], target: float = 0.9) -> Feedback:
    """Lesson 02: the fewest labelled images per class (among those tried) that reach ``target`` accuracy."""
    if is_unanswered(answer):
        return unanswered()
    reaching = sorted(n for n, acc in scores.items() if acc >= target)
    if not reaching:
        return wrong(f"none of the sizes reached {target}: check that you passed the right scores")
    right = reaching[0]
    sizes = ", ".join(str(n) for n in sorted(scores))
    value = _number(answer)
    if value is None:
        return wrong(_number_hint(answer, f"one number of images per class (one of {sizes})"))
    if 0 < value < 1:
        return wrong("that looks like an accuracy; the question asks for the number of images per class")
    if value == right:
        return correct(f"{right} per class already gives {scores[right]:.3f}.")
    if value in scores and scores[value] < target:
        return wrong(f"with {value:g} per class the accuracy is {scores[value]:.3f}, still below {target}")
    if value in scores:
        return wrong(f"{value:g} per class reaches {target}, but a smaller size does too: look at the whole row")
    if value / 2 in scores:
        return wrong(f"per class, not in total: {value:g} is both classes together")
    if any(abs(value / 100 - acc) < 0.006 for acc in scores.values()):
        return wrong("that looks like an accuracy in percent; the question asks for the number of images per class")
    return wrong(f"pick one of the sizes tried: {sizes} (section 4)")


def trained_head(answer, train_features, train_labels, val_features, val_labels, per_class: int = 10,
                 target: float = 0.85) -> Feedback:
    """Lesson 02: a function that trains a head, given only ``per_class`` photos per class, reaching ``target``.

    The answer is the student's training function ``f(features, labels) -> head``, not a trained head:
    the check itself hands it the cached features of ``per_class`` photos of every class
    (``train.subset_per_class(train_labels, per_class)``, seeded), so the rule "only 10 photos per
    class" holds by construction, then scores the head it returns on the validation features.
    """
    if is_unanswered(answer):
        return unanswered()
    why = (f"the check must call it itself with exactly {per_class} photos per class, so that it can vouch "
           "for the rule")
    if isinstance(answer, tuple) and answer and hasattr(answer[0], "predict"):
        return wrong(f"that is fit_head's pair (head, history); answer with your training function instead "
                     f"(answer = train_on, no parentheses): {why}")
    if hasattr(answer, "predict"):
        return wrong(f"that is a trained head; answer with the function that trains it (answer = train_on, no "
                     f"parentheses): {why}")
    if hasattr(answer, "history"):
        return wrong(f"that is a training history; answer with your training function (answer = train_on): {why}")
    if not callable(answer):
        return wrong(f"answer with your training function itself, answer = train_on (no parentheses): {why}")
    import keras

    from ..train.fitting import subset_per_class

    train_labels = np.asarray(train_labels)
    try:
        few = subset_per_class(train_labels, per_class)
    except ValueError as err:
        return wrong(f"the check needs at least {per_class} training photos per class: {err}")
    keras.utils.set_random_seed(0)
    try:
        head = answer(train_features[few], train_labels[few])
    except Exception as err:  # the student's code: report its error as a hint, not a traceback
        text = f"{type(err).__name__}: {err}".splitlines()[0][:200]
        if "ellipsis" in text.lower():
            return wrong(f"your function still holds a `...` ({text}): fill it in, e.g. with a call to "
                         "train.fit_head(features, labels, ...)")
        return wrong(f"calling your function with the features and labels of {len(few)} photos raised "
                     f"{text}: it must take (features, labels) and return the trained head")
    if head is None:
        return wrong("your function returns nothing: end it with `return head`")
    if isinstance(head, tuple) and head and hasattr(head[0], "predict"):
        return wrong("your function returns fit_head's pair (head, history): unpack it, head, history = "
                     "train.fit_head(...), and return the head")
    if hasattr(head, "history") and not hasattr(head, "predict"):
        return wrong("your function returns the training history; return the trained model itself (the head)")
    if not hasattr(head, "predict"):
        return wrong("your function must return the trained Keras model (the head), not its history or its accuracy")
    n_features, n_classes = val_features.shape[1], int(np.max(val_labels)) + 1
    if tuple(head.input_shape[1:]) != (n_features,):
        return wrong(f"the head must take the {n_features} cached features of one image; it takes "
                     f"{head.input_shape[1:]}")
    if head.output_shape[-1] != n_classes:
        if head.output_shape[-1] == 1:
            return wrong("one output unit with softmax always says 1.0: use one unit per class "
                         f"({n_classes}) with softmax")
        return wrong(f"the head must output one probability per class ({n_classes}), not {head.output_shape[-1]}")
    predictions = np.argmax(head.predict(val_features, verbose=0), axis=-1)
    score = float(np.mean(predictions == np.asarray(val_labels)))
    if score >= target:
        return correct(f"trained on {per_class} photos per class, validation accuracy {score:.3f}.")
    if score <= 0.6:
        return wrong(f"validation accuracy {score:.3f}, about chance: does your function train the head it "
                     "returns, on the features and labels it is given, in the same order?")
    n_photos = len(few)
    return wrong(f"validation accuracy {score:.3f} < {target}. The photos stay {per_class} per class, but "
                 f"{n_photos} photos make {-(-n_photos // 32)} batch(es) of fit_head's 32, so each epoch is only that "
                 "many updates: give the head more updates (more epochs), or a larger learning rate")
