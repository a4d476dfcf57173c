"""Exercise checks: each returns :class:`Feedback` that says "correct" or gives a specific hint.

A check never just says "no": it recognises the usual wrong answers and explains what
they mean (and which section of the lesson to reread), without giving the answer away. In a
notebook the feedback shows as a coloured line; ``bool(feedback)`` tells whether the answer
was right (tests use that).

Student notebooks leave answers as ``...`` (Ellipsis); every check answers that (and None, and
a tuple or dict that still holds a ``...``) with "not answered yet" rather than an error, so an
untouched notebook still runs. Answers of the wrong type (a string, a list, a NumPy scalar...)
get a hint or are read for what they mean, never a traceback.

``tests/test_checks_mistakes.py`` holds the table of the wrong answers each check recognises.
"""
from __future__ import annotations

import functools
import numbers
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Feedback:
    correct: bool
    message: str
    answered: bool = True

    def __bool__(self) -> bool:
        return self.correct

    def __str__(self) -> str:
        mark = "✅ Correct" if self.correct else ("⏳ Not answered yet" if not self.answered else "❌ Not yet")
        return f"{mark}: {self.message}" if self.message else mark

    __repr__ = __str__

    def _repr_markdown_(self) -> str:
        colour = "green" if self.correct else ("gray" if not self.answered else "firebrick")
        return f'<span style="color:{colour}">{self}</span>'


def correct(message: str = "") -> Feedback:
    return Feedback(True, message)


def wrong(hint: str) -> Feedback:
    return Feedback(False, hint)


def unanswered(what: str = "replace the ... with your answer and run the cell again") -> Feedback:
    return Feedback(False, what, answered=False)


def is_unanswered(answer) -> bool:
    """True for the ``...`` placeholder (or None) that student notebooks start with, and for a
    tuple, list or dict that still holds a ``...`` (a half-filled ``(928, ...)``)."""
    if answer is Ellipsis or answer is None:
        return True
    if isinstance(answer, dict):
        answer = list(answer.values())
    return isinstance(answer, (tuple, list)) and any(v is Ellipsis for v in answer)


# -- reading answers ---------------------------------------------------------------------------------


def _number(answer) -> float | None:
    """``answer`` as a float: a Python or NumPy number (or any 0-d array or tensor), or a string such
    as "0.5", "8,196", "1e-4", "25/175", "3.5x" or "50%" (read as 0.5). None for anything else:
    bools, lists, arrays with several values, text that is not a number."""
    if isinstance(answer, (bool, np.bool_)):
        return None
    shape = getattr(answer, "shape", None)
    if shape is not None and not isinstance(answer, (str, bytes)):
        try:
            if len(shape) != 0:
                return None
            answer = np.asarray(answer).item()
        except (TypeError, ValueError):
            return None
        if isinstance(answer, bool):
            return None
    if isinstance(answer, numbers.Real):
        return float(answer)
    if isinstance(answer, str):
        text = answer.strip().lower()
        for junk in (",", "_", " ", "\u00a0", "\u202f"):
            text = text.replace(junk, "")
        scale = 1.0
        if text.endswith("%"):
            text, scale = text[:-1], 0.01
        elif text.endswith(("x", "×")):
            text = text[:-1]
        try:
            if text.count("/") == 1:
                top, bottom = text.split("/")
                return float(top) / float(bottom) * scale
            return float(text) * scale
        except (ValueError, ZeroDivisionError):
            return None
    return None


def _as_int(answer) -> int | None:
    """A whole number from ``answer`` (an int, a float such as 8196.0, or a string like "8,196"); None otherwise."""
    value = _number(answer)
    return int(value) if value is not None and value.is_integer() else None


def _as_int_tuple(answer, n: int) -> tuple[int, ...] | None:
    """``answer`` as a tuple of ``n`` whole numbers (a tuple, list or array), or None when it is not shaped like that."""
    if isinstance(answer, (str, bytes, dict)):
        return None
    try:
        values = tuple(answer)
    except TypeError:
        return None
    if len(values) != n:
        return None
    ints = [_as_int(v) for v in values]
    return None if None in ints else tuple(ints)


def _is_number(answer) -> bool:
    return _number(answer) is not None


def _number_hint(answer, what: str = "one number") -> str:
    """The hint for an answer that should have been a single number."""
    if isinstance(answer, (list, tuple, dict, np.ndarray)):
        return f"answer with {what}, not a {type(answer).__name__}"
    if isinstance(answer, str):
        return f"answer with {what}: Python cannot read {answer!r} as a number"
    return f"answer with {what}, not a {type(answer).__name__}"


def _pair_hint(answer, what: str) -> str:
    """The hint for an answer that should have been a pair (or triple) of whole numbers, ``what``."""
    if isinstance(answer, str):
        return f"write the numbers themselves, not a string: answer = {what}"
    if isinstance(answer, dict):
        return f"a tuple, not a dict: answer = {what}"
    if _is_number(answer):
        return f"one number is not enough: answer = {what}"
    return f"answer = {what}, whole numbers"


def _close(a: float, b: float, rel: float = 1e-3) -> bool:
    return abs(a - b) <= rel * abs(b) + 1e-12


def _name_key(text) -> str:
    """Lower case, letters and digits only: "EfficientNet-Lite0 " and "efficientnetlite0" match."""
    return "".join(ch for ch in str(text).lower() if ch.isalnum())


# -- lesson 07: beyond plain classification ----------------------------------------------------------


def class_weights_for(answer, n_cats: int, n_dogs: int) -> Feedback:
    """Exercise: the balanced class weights {0: cats, 1: dogs} for n_cats and n_dogs examples."""
    if is_unanswered(answer):
        return unanswered()
    reread = " (Part 1, 'Class weights')"
    if not isinstance(answer, dict):
        if isinstance(answer, (list, tuple, np.ndarray)):
            return wrong("Keras's fit takes class_weight as a dict from class index to weight, not a "
                         f"{type(answer).__name__}: {{0: weight_for_cats, 1: weight_for_dogs}}")
        return wrong("give a dict with one weight per class index: {0: weight_for_cats, 1: weight_for_dogs}")
    if set(answer) != {0, 1}:
        if len(answer) == 2:
            return wrong(f"the keys must be the class indices, the numbers 0 (cats) and 1 (dogs), not {list(answer)}: "
                         "Keras looks each label up in the dict")
        return wrong("give exactly one weight per class index: {0: weight_for_cats, 1: weight_for_dogs}")
    got = {k: _number(answer[k]) for k in (0, 1)}
    if None in got.values():
        return wrong("each weight must be a number, e.g. {0: 1.5, 1: 0.75}")
    if min(got.values()) <= 0:
        return wrong("every weight must be positive: a weight of 0 takes that class out of the loss altogether" + reread)
    n = n_cats + n_dogs
    expected = {0: n / (2 * n_cats), 1: n / (2 * n_dogs)}
    if all(_close(got[k], expected[k]) for k in (0, 1)):
        return correct(f"each class now weighs {n / 2:g} examples' worth in the loss.")
    if _close(got[0], expected[1]) and _close(got[1], expected[0]):
        return wrong("the weights are swapped: the rare class (dogs) must get the larger weight.")
    if _close(got[0], got[1]):
        return wrong("equal weights change nothing: every example still counts the same, and the common class "
                     "still dominates the loss. The rarer a class, the larger its weight" + reread)
    if _close(got[0], n_cats / n) and _close(got[1], n_dogs / n):
        return wrong("those are the classes' shares of the data: a weight works the other way round, the rarer "
                     "the class, the larger its weight" + reread)
    if got[0] > got[1]:
        return wrong("the common class got the larger weight; weights must grow as a class gets rarer.")
    if all(_close(got[k], 2 * expected[k]) for k in (0, 1)):
        return wrong("n / n_c is twice too large on average: divide by k as well, the number of classes, so the "
                     "average weight per example is 1" + reread)
    if _close(got[1] / got[0], n_cats / n_dogs):
        return wrong(f"the ratio is right ({got[1] / got[0]:g}) but the scale is not: use n / (k * n_c), where n is "
                     "all examples and k the number of classes, so the average weight per example is 1.")
    return wrong("use weight_c = n / (k * n_c): n examples in all, k classes, n_c examples of class c" + reread)


def balanced_accuracy_of_constant(answer, n_major: int, n_minor: int) -> Feedback:
    """Exercise: balanced accuracy of a model that always answers the majority class."""
    if is_unanswered(answer):
        return unanswered()
    value = _number(answer)
    if value is None:
        return wrong(_number_hint(answer, "one number between 0 and 1"))
    total = n_major + n_minor
    if abs(value - 0.5) < 1e-6:
        return correct("recall is 1 on the big class and 0 on the small one; their mean is 0.5, a coin's score.")
    if 1 < value <= 100:
        return wrong("that looks like a percentage: answer with a fraction between 0 and 1, as "
                     "imbalance.balanced_accuracy returns it")
    if abs(value - n_major / total) < 1e-3:
        return wrong("that is the plain accuracy. Balanced accuracy averages the recall of each class.")
    if abs(value - 1.0) < 1e-6 or abs(value) < 1e-6:
        return wrong("that is the recall of one class only; average the two recalls.")
    if abs(value - n_minor / total) < 1e-3:
        return wrong("that is the small class's share of the test set; balanced accuracy averages the recall of "
                     "each class (Part 1, 'The accuracy trap')")
    return wrong("work out each class's recall (the fraction of it found) and take their mean "
                 "(Part 1, 'The accuracy trap').")


def iou_of(answer, box_a, box_b) -> Feedback:
    """Exercise: intersection over union of two boxes (x_min, y_min, x_max, y_max)."""
    if is_unanswered(answer):
        return unanswered()

    a, b = np.asarray(box_a, float), np.asarray(box_b, float)
    w = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    h = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = w * h
    area_a, area_b = (a[2] - a[0]) * (a[3] - a[1]), (b[2] - b[0]) * (b[3] - b[1])
    union = area_a + area_b - inter
    expected = inter / union
    pair = _as_int_tuple(answer, 2) if isinstance(answer, (tuple, list)) else None
    if pair is not None:
        return wrong("IoU is one number: divide the first by the second, don't give them as a pair.")
    value = _number(answer)
    if value is None:
        return wrong(_number_hint(answer, "one number, the ratio"))
    if abs(value - expected) < 1e-3:
        return correct(f"IoU = {inter:g} / {union:g} = {expected:.3f}.")
    if 1 < value <= 100 and abs(value / 100 - expected) < 1e-3:
        return wrong("that looks like a percentage: IoU is a fraction between 0 and 1.")
    if abs(value - expected) < 0.006:
        return wrong("nearly, but rounded too much: let Python do the division, answer = intersection / union.")
    if area_a + area_b and abs(value - inter / (area_a + area_b)) < 1e-3:
        return wrong("you divided by the sum of the areas: the overlap is then counted twice. Subtract it once.")
    if abs(value - inter / area_a) < 1e-3 or abs(value - inter / area_b) < 1e-3:
        return wrong("you divided by one box's area; IoU divides by the area of the union of both boxes.")
    if abs(value - inter) < 1e-3:
        return wrong("that is the intersection's area; divide it by the union's area.")
    if abs(value - union) < 1e-3:
        return wrong("that is the union's area; IoU divides the intersection's area by it.")
    if inter and abs(value - union / inter) < 1e-3:
        return wrong("upside down: IoU is the intersection divided by the union, so it is never above 1.")
    if abs(value - (1 - expected)) < 1e-3:
        return wrong("that is the part of the union the boxes do not share: IoU is the part they share.")
    return wrong("intersection = overlap width x overlap height; union = area A + area B - intersection "
                 "(Part 2, 'Measuring a detector').")


def responsible_cell(answer, box, canvas: int, grid: int) -> Feedback:
    """Exercise: which grid cell (row, column) predicts this box? The one holding its centre."""
    if is_unanswered(answer):
        return unanswered()
    x0, y0, x1, y1 = box
    cell = canvas / grid
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    row, col = int(cy // cell), int(cx // cell)
    if isinstance(answer, str):
        return wrong("write the two numbers themselves, not a string: answer = (row, column)")
    try:
        values = [_number(v) for v in answer]
    except TypeError:
        return wrong("answer with a pair (row, column).")
    if len(values) != 2 or None in values:
        return wrong("answer with a pair of whole numbers, (row, column).")
    if not all(v.is_integer() for v in values):
        return wrong(f"a cell is numbered by whole numbers: divide the centre by the cell size ({cell:g} px) and "
                     "round down (//)")
    got = tuple(int(v) for v in values)
    if got == (row, col):
        return correct(f"the centre ({cx:g}, {cy:g}) lies in row {row}, column {col}.")
    if got == (col, row):
        return wrong("row and column are swapped: the row comes from the y coordinate.")
    if got in ((row + 1, col + 1), (col + 1, row + 1)):
        return wrong("rows and columns count from 0 in Python: the top-left cell is (0, 0).")
    if got in ((int(cy), int(cx)), (int(cx), int(cy))):
        return wrong(f"that is the centre in pixels; a cell is {cell:g} px wide, so divide by that and round down.")
    if got in ((int(cy // grid), int(cx // grid)), (int(cx // grid), int(cy // grid))):
        return wrong(f"you divided by the number of cells ({grid}); divide by the size of a cell, "
                     f"canvas / grid = {cell:g} px.")
    wh = (int((y0 + y1 / 2) // cell), int((x0 + x1 / 2) // cell))
    if got in (wh, wh[::-1]):
        return wrong("the box is (x_min, y_min, x_max, y_max), not (x, y, width, height): its centre is halfway "
                     "between the two corners.")
    if got in ((int(y0 // cell), int(x0 // cell)), (int(y1 // cell), int(x1 // cell))):
        return wrong("that cell holds a corner of the box; the cell that holds its centre is responsible.")
    return wrong(f"find the box's centre, then divide by the cell size ({cell:g} px) and round down "
                 "(Part 2, 'The grid').")


# -- lesson 03: freezing ------------------------------------------------------------------------


def exactly_trainable(answer, k: int) -> Feedback:
    """Lesson 03: ``answer`` is a model that should have exactly ``k`` trainable parameters.

    Wrong answers are compared with the usual freezing choices (the top N blocks, with or
    without BatchNorm) to say *what* the student did and which way to go.
    """
    if is_unanswered(answer):
        return unanswered("freeze or unfreeze blocks of `model` (panel or code), then set answer = model")
    import keras

    from . import freeze

    if not isinstance(answer, keras.layers.Layer):
        return wrong(f"answer should be the model itself (answer = model), not a value of type {type(answer).__name__}: "
                     "the check counts its trainable parameters.")
    count = freeze.param_counts(answer).trainable
    if count == k:
        return correct(f"exactly {k:,} trainable parameters. Remember model.compile(...) before fit.")
    if not any(getattr(layer, "layers", None) for layer in getattr(answer, "layers", [])):
        return wrong("this model has no pretrained base inside it: is it `base`? The exercise counts what the "
                     "classifier around it trains, so answer = model (section 2).")
    if count == 0 and not answer.trainable and any(layer.trainable for layer in freeze.layers_of(answer)):
        return wrong("model.trainable is False (freeze.freeze(model) sets it): a frozen model hides every layer "
                     "inside it, whatever their own flags say (section 2). Change the flags of base only, or start "
                     "again from freeze.unfreeze(model).")
    names = list(freeze.blocks(answer))
    with freeze.preserved(answer):
        tops, tops_bn, unfrozen = {}, {}, {}
        for n in range(len(names) + 1):
            freeze.unfreeze_top(answer, n, count="blocks")
            tops[n] = freeze.param_counts(answer).trainable
            freeze.freeze_by_type(answer, keras.layers.BatchNormalization)
            tops_bn[n] = freeze.param_counts(answer).trainable
        freeze.unfreeze(answer)
        for row in freeze.trainable_report(answer):
            unfrozen[row["block"]] = row["trainable"]
    if count == 0:
        return wrong(f"nothing is trainable: everything is frozen. {k:,} needs some blocks unfrozen "
                     "(the slider, or freeze.unfreeze_top(model, n, count='blocks')).")
    if count == max(tops.values()):
        return wrong(f"everything trains ({count:,}): freeze blocks from the bottom until {k:,} are left.")

    def where(table, value):
        return next((n for n, v in table.items() if v == value), None)

    n_now, n_bn_now = where(tops, count), where(tops_bn, count)
    n_k, n_bn_k = where(tops, k), where(tops_bn, k)
    if n_now is not None and n_bn_k is not None and n_now == n_bn_k:
        return wrong(f"the right blocks, but their BatchNormalization layers train too ({count:,}). Keep every "
                     "BatchNorm frozen: freeze.freeze_by_type(model, keras.layers.BatchNormalization), after "
                     "unfreezing (unfreeze_top sets every layer's flag, BatchNorm's too).")
    if n_bn_now is not None and n_k is not None and n_bn_now == n_k:
        return wrong(f"the right blocks, but you froze their BatchNormalization layers ({count:,}): {k:,} counts "
                     "BatchNorm's scale and offset as trainable.")
    for table, now, target in ((tops, n_now, n_k), (tops_bn, n_bn_now, n_bn_k)):
        if now is not None and target is not None:
            same = [n for n, v in table.items() if v == count]
            what = (f"the top {same[0]} block{'s' if same[0] > 1 else ''}" if len(same) == 1 else
                    f"the top {same[0]} to {same[-1]} blocks (blocks without weights add nothing)")
            direction = "more blocks: move the slider right" if target > now else "fewer blocks: move the slider left"
            return wrong(f"you train {what}, {count:,} parameters; {k:,} needs {direction} (in code, a "
                         f"{'larger' if target > now else 'smaller'} n in freeze.unfreeze_top(..., n, count='blocks')).")
    gap = abs(count - k)
    block = next((name for name, v in unfrozen.items() if v == gap), None)
    if block is not None:
        verb = "freeze" if count > k else "unfreeze"
        return wrong(f"{count:,} trainable, {gap:,} {'too many' if count > k else 'too few'}: that is exactly block "
                     f"{block!r}. {verb.capitalize()} it.")
    return wrong(f"{count:,} trainable, {k:,} asked: {gap:,} {'too many' if count > k else 'too few'}. Start from "
                 "the slider (the top N blocks) and read each block's figures in the panel (sections 4 and 7).")


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
    from . import freeze

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


# -- lesson 06: choosing a model ----------------------------------------------------------------------


def fastest_meeting_target(answer, rows: list[dict], target: float, latency_key: str = "latency b1 (ms)") -> Feedback:
    """Exercise: from the student's own table, the fastest model whose accuracy reaches ``target``."""
    if is_unanswered(answer):
        return unanswered()
    names = [r["model"] for r in rows]
    if isinstance(answer, dict) and "model" in answer:
        return wrong("answer with the model's name (the row's 'model' entry), not the whole row")
    by_key = {_name_key(name): name for name in names}
    if not isinstance(answer, str) or _name_key(answer) not in by_key:
        return wrong(f"answer with one of the model names in your table: {', '.join(names)}")
    answer = by_key[_name_key(answer)]  # "mobilenetv2 " names the same model as "MobileNetV2"
    good = [r for r in rows if r["accuracy"] >= target]
    if not good:
        return wrong(f"no model in your table reaches {target:.0%}: lower the target or add data")
    best = min(good, key=lambda r: r[latency_key])
    chosen = next(r for r in rows if r["model"] == answer)
    if answer == best["model"]:
        return correct(f"{answer} reaches {chosen['accuracy']:.1%} at {chosen[latency_key]:.1f} ms per image.")
    if chosen["accuracy"] < target:
        if chosen[latency_key] == min(r[latency_key] for r in rows):
            return wrong(f"{answer} is the fastest, but at {chosen['accuracy']:.1%} it misses the {target:.0%} "
                         "target: filter on accuracy first, then pick the lowest latency.")
        return wrong(f"{answer} is at {chosen['accuracy']:.1%}, below the {target:.0%} target: filter on accuracy first.")
    if chosen["accuracy"] == max(r["accuracy"] for r in good):
        return wrong("that is the most accurate model, not the fastest of those good enough: among the models "
                     "at or above the target, pick the lowest latency.")
    return wrong(f"{answer} meets the target but another model that does is faster: compare the '{latency_key}' column.")


def size_reduction(answer, float_bytes: int, int8_bytes: int) -> Feedback:
    """Exercise: how many times smaller is the int8 TFLite file than the float32 one?"""
    if is_unanswered(answer):
        return unanswered()
    value = _number(answer)
    if value is None:
        return wrong(_number_hint(answer, "one number, how many times smaller"))
    ratio = float_bytes / int8_bytes
    saved = 1 - 1 / ratio
    if abs(value - ratio) <= 0.05 * ratio:
        return correct(f"{ratio:.1f}x smaller: int8 stores each weight in 1 byte instead of 4, plus some overhead.")
    if abs(value - 1 / ratio) <= 0.05 / ratio:
        return wrong("that is int8 / float; the question asks how many times smaller, float / int8.")
    if abs(value - 4) < 1e-9:
        return wrong("4 is the theory (4 bytes -> 1 byte per weight); read the real sizes from your table: "
                     "the file also holds the graph and quantization scales.")
    if abs(value - saved) <= 0.05 * saved or abs(value - 100 * saved) <= 5 * saved:
        return wrong("that is the share of the size saved; the question asks how many times smaller the int8 "
                     "file is: a ratio of the two sizes.")
    if abs(value - 100 / ratio) <= 5 / ratio:
        return wrong("that is the int8 file as a percentage of the float one; the question asks for a ratio: "
                     "how many int8 files fit in the float one?")
    if abs(value - 100 * ratio) <= 5 * ratio:
        return wrong("a ratio, not a percentage: how many times smaller, e.g. 2 for half the size.")
    difference = float_bytes - int8_bytes
    if any(abs(value - difference / unit) <= 0.05 * difference / unit for unit in (1, 1e3, 1e6, 2**10, 2**20)):
        return wrong("that is the difference in size; 'how many times smaller' asks you to divide the sizes.")
    return wrong("divide the float32 file size by the int8 file size, from your table (section 4).")


def needs_representative_data(answer) -> Feedback:
    """Exercise: which quantization needs a representative dataset: "dynamic" or "int8"?"""
    if is_unanswered(answer):
        return unanswered()
    key = _name_key(answer) if isinstance(answer, str) else ""
    if key in ("int8", "fullinteger", "fullint8", "fullintegerint8"):
        return correct("full-integer quantization must know the range of every activation, so it runs sample inputs.")
    if key in ("dynamic", "dynamicrange"):
        return wrong("dynamic-range quantization only converts the weights, whose range is known from the file; "
                     "activations stay float. Which kind turns activations into int8 too?")
    if key in ("both", "dynamicandint8", "int8anddynamic"):
        return wrong("only one of them does: which one turns the activations into integers too, and so must see "
                     "their range (section 4)?")
    if key in ("float16", "fp16", "float32", "none", "float"):
        return wrong('a float model keeps float activations and needs no sample inputs; answer "dynamic" or '
                     '"int8": which one needs them?')
    return wrong('answer "dynamic" or "int8": which one needs to see sample inputs (section 4)?')


# -- lesson 05: input adaptation -----------------------------------------------------------------



def _same(a, b, tol: float = 1e-5) -> bool:
    return a.shape == b.shape and bool(np.allclose(a, b, rtol=tol, atol=tol))


def check_gray_kernel(answer, rgb_kernel) -> Feedback:
    """Exercise: turn the RGB first-layer kernel (h, w, 3, filters) into a one-channel one."""
    if is_unanswered(answer):
        return unanswered()
    try:
        answer = np.asarray(answer, np.float64)
    except (TypeError, ValueError):
        return wrong("the answer should be a NumPy array: the new kernel, e.g. rgb_kernel.<something>(...)")
    k = np.asarray(rgb_kernel, np.float64)
    h, w, _, f = k.shape
    summed = k.sum(axis=2, keepdims=True)
    if answer.shape == (h, w, f):
        what = "right numbers, but the" if _same(answer, summed[:, :, 0]) else "the"
        return wrong(f"{what} input-channel axis is gone: shape {answer.shape}. Keras kernels are (h, w, in, out); "
                     "keep the axis with keepdims=True.")
    if answer.shape == (h, w, 3, 1):
        return wrong("that sums over the filters (axis 3), mixing 32 different detectors into one. The colour "
                     "channels are axis 2 in Keras's (h, w, in, out) layout.")
    if answer.shape in ((1, w, 3, f), (h, 1, 3, f)):
        return wrong("that sums over the kernel's height or width (axis 0 or 1), blurring its pattern. The colour "
                     "channels are axis 2 in Keras's (h, w, in, out) layout.")
    if answer.shape == k.shape:
        if _same(answer, k):
            return wrong("that is the RGB kernel unchanged: it still expects three input channels. Combine the "
                         "three colours' weights into one channel (section 4).")
        if np.allclose(answer, answer[:, :, :1], atol=1e-5):
            return wrong("three identical channels still make a layer for three inputs: keep one channel, shape "
                         f"{(h, w, 1, f)}.")
    if answer.shape != (h, w, 1, f):
        return wrong(f"expected shape {(h, w, 1, f)} (one input channel, {f} filters), got {answer.shape}")
    if _same(answer, summed):
        return correct("a grey plane copied three times meets R + G + B weights: their sum does the same in one pass.")
    if _same(answer, summed / 3):
        return wrong("that is the mean: every response would come out a third as strong as on (g, g, g), and the "
                     "batch norm after it expects the full strength. Sum instead.")
    if any(_same(answer, k[:, :, c : c + 1]) for c in range(3)):
        return wrong("that keeps one colour's weights and drops the other two. Each copy of the grey plane "
                     "meets its own colour's weights, so all three count: add them up.")
    luminance = np.einsum("hwcf,c->hwf", k, [0.299, 0.587, 0.114])[:, :, None]
    if _same(answer, luminance) or _same(answer, 3 * luminance):
        return wrong("a luminance-weighted sum turns colour into grey, but here the input already is grey and "
                     "reaches R, G and B with equal weight. Use a plain sum over axis 2.")
    return wrong("right shape, but the values differ from the sum over the colour axis (axis 2); section 4 "
                 "writes it out: W_R * g + W_G * g + W_B * g.")


def _as_model(answer):
    import keras

    if isinstance(answer, tuple) and answer and isinstance(answer[0], keras.Model):
        return answer[0]  # the (model, preprocess) pair
    return answer if isinstance(answer, keras.Model) else None


def check_grayscale_base(answer, side: int = 64) -> Feedback:
    """Exercise: a pretrained MobileNetV2 base that takes 1-channel ``side`` x ``side`` input."""
    if is_unanswered(answer):
        return unanswered()
    model = _as_model(answer)
    if model is None:
        return wrong(f"the answer should be a Keras model (got {type(answer).__name__}); "
                     "adapt.grayscale_base returns (model, preprocess): give the model.")
    from .adapt import first_conv, grayscale_kernel
    from .zoo import convert

    shape = tuple(model.input_shape[1:])
    if shape == (side, side, 3):
        return wrong("that base takes three channels (zoo.load always does). Build it for one channel: "
                     f"adapt.grayscale_base('MobileNetV2', ({side}, {side}, 1), ...).")
    if len(shape) != 3 or shape[-1] != 1:
        return wrong(f"the base's input is {shape}; the exercise asks for ({side}, {side}, 1).")
    if shape[:2] != (side, side):
        return wrong(f"one channel, good, but {shape[0]}x{shape[1]} pixels: the exercise asks for {side}x{side}.")
    conv = first_conv(model)
    if conv.name != "Conv1" or "Conv_1" not in [layer.name for layer in model.layers]:
        return wrong("that is not a MobileNetV2 base (its first convolution is not 'Conv1'); the exercise asks for "
                     "MobileNetV2.")
    stored = convert.load_weights(convert.converted_path("MobileNetV2"))
    rgb = stored["Conv1"][0]
    kernel = conv.get_weights()[0]
    if _same(kernel, grayscale_kernel(rgb), 1e-5):
        if not _same(model.get_layer("Conv_1").get_weights()[0], stored["Conv_1"][0]):
            return wrong("the first kernel is right, but the last convolution does not hold the ImageNet weights: "
                         "load them for every layer (adapt.grayscale_base does).")
        return correct(f"input {model.input_shape}, first kernel {kernel.shape} = the RGB kernel summed over axis 2, "
                       "every other layer pretrained.")
    if _same(kernel, grayscale_kernel(rgb) / 3, 1e-5):
        return wrong("the first kernel is the mean of the RGB weights: a third too weak. Sum them.")
    if any(_same(kernel, rgb[:, :, c : c + 1], 1e-5) for c in range(3)):
        return wrong("the first kernel is one colour's slice of the RGB kernel; sum all three.")
    return wrong("right shape, but its first kernel is not the pretrained one summed over colours: random weights "
                 "(zoo.build, weights=None)? adapt.grayscale_base loads the ImageNet weights (section 4).")


def check_first_layer_work(answer, side: int = 64, channels: int = 1, filters: int = 32) -> Feedback:
    """Exercise: multiply-adds of MobileNetV2's first convolution (3x3, stride 2, 32 filters) on one image."""
    if is_unanswered(answer):
        return unanswered()
    value = _number(answer)
    if value is None:
        return wrong(_number_hint(answer, "one number (of multiply-adds)"))
    out = -(-side // 2)  # stride 2 with 'same' padding: ceil(side / 2)
    expected = out * out * 3 * 3 * channels * filters
    if value == expected:
        return correct(f"{out}x{out} positions x 3x3 kernel x {channels} channel x {filters} filters = {expected:,}.")
    if value == expected * 3 // channels:
        return wrong("that is the RGB layer's count: with one input channel, each position needs a third of it.")
    if value == side * side * 3 * 3 * channels * filters:
        return wrong(f"the first convolution has stride 2: it computes {out}x{out} output positions, not {side}x{side}.")
    if value == side * side * 3 * 3 * 3 * filters:
        return wrong(f"two slips: stride 2 gives {out}x{out} positions, and a grey base has one input channel, not 3.")
    if value == 3 * 3 * channels * filters:
        return wrong("that is the number of weights; each is used once per output position. How many positions "
                     f"does a stride-2 convolution produce on a {side}x{side} input?")
    valid = (side - 3) // 2 + 1
    if value == valid * valid * 3 * 3 * channels * filters:
        return wrong(f"{valid}x{valid} positions is 'valid' padding; with 'same' padding a stride-2 layer gives "
                     "ceil(side / 2) positions per side.")
    if value == 2 * expected:
        return wrong("that counts the multiplies and the additions separately (FLOPs); count one multiply-add per "
                     "weight and position.")
    if value == out * out * filters:
        return wrong("that is the number of output values; each of them needs kernel height x kernel width x input "
                     "channels multiply-adds.")
    return wrong("count output positions x kernel height x kernel width x input channels x filters; "
                 "adapt.multiply_adds(model)['Conv1'] lets you verify it (section 4).")


def check_prepared_batch(answer, images, size: int = 96) -> Feedback:
    """Exercise: turn a batch of 28x28x1 Fashion-MNIST pixels into a ``size`` RGB MobileNetV2 input."""
    if is_unanswered(answer):
        return unanswered()
    from .adapt import input_pipeline
    from .zoo import preprocess_for

    if callable(answer) and not hasattr(answer, "shape"):
        return wrong("that is a function; apply it to the images and give the resulting array")
    try:
        x = np.asarray(answer, np.float32)
    except (TypeError, ValueError):
        return wrong("the answer should be an array of shape (batch, height, width, 3)")
    n = len(images)
    if x.shape == (n, size, size):
        return wrong(f"no channel axis: shape {x.shape}. Copy the grey plane to three channels with adapt.to_rgb "
                     "(section 3).")
    if x.ndim != 4 or len(x) != n:
        return wrong(f"expected a batch of {n} images, shape ({n}, {size}, {size}, 3); got {x.shape}")
    if x.shape[1:3] == (3, size) or x.shape[1] == 3:
        return wrong(f"channels first: Keras wants them last, ({n}, {size}, {size}, 3)")
    if x.shape[1:3] != (size, size):
        return wrong(f"the images are {x.shape[1]}x{x.shape[2]}: resize them to {size}x{size} "
                     "(adapt.resize_batch, section 5).")
    if x.shape[-1] == 1:
        return wrong("still one channel: copy it to three with adapt.to_rgb (section 3).")
    if x.shape[-1] != 3:
        return wrong(f"expected 3 channels, got {x.shape[-1]}")
    low, high = float(x.min()), float(x.max())
    if high > 5:
        return wrong(f"values go up to {high:.0f}: still raw pixels. Apply MobileNetV2's preprocess last.")
    if low < -1.2 or high > 1.2:
        return wrong(f"values from {low:.2f} to {high:.2f}: not MobileNetV2's [-1, 1]. That looks like another "
                     "model's scaling (a mean and standard deviation per colour): use zoo.preprocess_for('MobileNetV2').")
    if not (np.array_equal(x[..., 0], x[..., 1]) and np.array_equal(x[..., 1], x[..., 2])):
        return wrong("the three channels differ: a grey image copied to RGB has three identical planes.")
    if low >= 0 and high <= 1:
        return wrong("values in [0, 1]: MobileNetV2 was trained on [-1, 1] (x / 127.5 - 1); use its preprocess.")
    if high - low < 0.1:
        return wrong(f"all values lie between {low:.3f} and {high:.3f}: preprocessed twice? The second pass squeezes "
                     "[-1, 1] into a sliver just above -1. Apply the preprocess once, to the 0..255 pixels.")
    expected = input_pipeline(preprocess_for("MobileNetV2"), size)(images)
    if float(np.abs(x - expected).max()) <= 0.05:
        return correct(f"shape {x.shape}, three identical planes, values in [{low:.2f}, {high:.2f}].")
    return wrong("right shape and range, but the pixels differ from resize -> to_rgb -> preprocess of these images: "
                 "same images, same order?")


# -- lessons 01, 02, 04: pretrained models, feature extraction, fine-tuning ----------------------


def first_layer_params(answer, model) -> Feedback:
    """Lesson 01: trainable and non-trainable parameters of MobileNetV2's ``Conv1`` + ``bn_Conv1``."""
    if is_unanswered(answer):
        return unanswered()
    from .freeze import param_counts

    conv, bn = model.get_layer("Conv1"), model.get_layer("bn_Conv1")
    kernel = param_counts(conv).total
    channels = int(bn.gamma.shape[0])
    right = (kernel + 2 * channels, 2 * channels)
    if _as_int(answer) == sum(right):
        return wrong("that is the total of the two layers; the exercise asks how it splits: "
                     "answer = (trainable, non_trainable)")
    pair = _as_int_tuple(answer, 2)
    if pair is None:
        return wrong(_pair_hint(answer, "(trainable, non_trainable)"))
    if pair == right:
        return correct(f"{kernel} kernel weights + {channels} gammas + {channels} betas train; the "
                       f"{channels} moving means and {channels} moving variances do not.")
    if pair == right[::-1]:
        return wrong("you swapped the two numbers: trainable first, then non-trainable")
    if pair == (2 * channels, 2 * channels):
        return wrong("that is bn_Conv1 alone: Conv1's kernel weights are trainable parameters too")
    if sum(pair) != sum(right):
        if pair[1] == right[1] and pair[0] == right[0] + channels:
            return wrong("Conv1 has no bias (use_bias=False): right after it, BatchNorm's beta does that job")
        if pair[0] == kernel:
            return wrong("the kernel is right, but BatchNorm's gamma (scale) and beta (shift) are learned too: "
                         "count them as trainable")
        if pair[0] == kernel // 3 + 2 * channels:
            return wrong("each filter spans all 3 colour channels: its kernel is 3 x 3 x 3 weights, not 3 x 3 "
                         "(section 3)")
        return wrong(f"the two layers hold {sum(right)} parameters in all: a 3x3 kernel over 3 input channels for "
                     f"each of {channels} filters, plus 4 numbers per channel in BatchNorm. Recount with "
                     "model.get_layer('Conv1').weights and model.get_layer('bn_Conv1').weights")
    if pair[1] == 0:
        return wrong("the moving mean and variance are not learned by gradient descent: they are running averages "
                     "updated during training, so Keras counts them as non-trainable")
    if pair[1] == 4 * channels:
        return wrong("gamma and beta are learned by backpropagation like any weight: only the moving mean and "
                     "moving variance are non-trainable")
    return wrong("the total is right but not the split: which of BatchNorm's four numbers per channel does "
                 "backpropagation change? (section 3, 'Why would a parameter be non-trainable?')")


def bn_channels(answer, model) -> Feedback:
    """Lesson 01: how many BatchNormalization channels (all layers together) ``model`` has."""
    if is_unanswered(answer):
        return unanswered()
    import keras

    from .freeze import layers_of, param_counts

    bn_layers = [layer for layer in layers_of(model) if isinstance(layer, keras.layers.BatchNormalization)]
    right = sum(int(layer.gamma.shape[0]) for layer in bn_layers)
    non_trainable = param_counts(model).non_trainable
    value = _number(answer)
    if value is None:
        return wrong(_number_hint(answer, "one whole number"))
    if value == right:
        return correct(f"{non_trainable:,} non-trainable parameters / 2 statistics per channel = {right:,} channels.")
    if value == non_trainable:
        return wrong("that is the number of non-trainable parameters; each BatchNorm channel holds two of them "
                     "(moving mean and moving variance)")
    if value * 4 == non_trainable:
        return wrong("you divided by 4, as if all four BatchNorm numbers per channel were non-trainable; "
                     "gamma and beta are trainable, so only 2 per channel count here")
    if value == 2 * non_trainable:
        return wrong("multiply or divide? Each channel contributes 2 non-trainable parameters")
    if value == len(bn_layers):
        return wrong("that counts BatchNorm layers; the question asks for their channels, all layers added up")
    return wrong("start from the non-trainable count that param_counts prints: every one of them is a moving "
                 "mean or a moving variance, one of each per channel (section 3)")


def scale_function(answer) -> Feedback:
    """Lesson 01: a function mapping 0..255 pixels to [-1, 1], like MobileNetV2's preprocess."""
    if is_unanswered(answer):
        return unanswered()
    if not callable(answer):
        return wrong("answer with a function, e.g. def to_model_range(pixels): return ...")
    pixels = [0.0, 63.75, 127.5, 191.25, 255.0]
    probe = np.repeat(np.array(pixels, np.float32)[None, :, None], 3, axis=-1)  # five grey RGB pixels, (1, 5, 3)
    try:
        result = answer(probe.copy())
        if result is Ellipsis:
            return unanswered("replace the ... after return with your formula and run the cell again")
        if result is None:
            return wrong("your function returns None: did you forget the `return` in front of the formula?")
        out = np.asarray(result, np.float64)
    except Exception as err:  # show the student's own error
        return wrong(f"calling your function on an array raised {type(err).__name__}: {err}")
    if out.shape != probe.shape:
        return wrong(f"the function must keep the shape of its input; it turned {probe.shape} into {out.shape}")
    if not np.allclose(out, out[..., :1], atol=1e-4):
        if out.min() < -1.5 and out.max() > 1.5:
            return wrong("this looks like the ImageNet mean/std normalisation (PyTorch, DenseNet): MobileNetV2 here "
                         "wants plain [-1, 1]")
        return wrong("the three colour channels came out different: MobileNetV2 scales every channel the same way")
    out = out[0, :, 0]

    def gives(*values, atol=1e-4):
        return np.allclose(out, values, atol=atol)

    if gives(-1, -0.5, 0, 0.5, 1):
        return correct("0 -> -1, 127.5 -> 0, 255 -> 1: exactly what zoo.preprocess_for('MobileNetV2') does.")
    if gives(0, 0.25, 0.5, 0.75, 1):
        return wrong("that gives [0, 1]. MobileNetV2 was trained on [-1, 1]: stretch to twice the range, then "
                     "shift down by 1")
    if gives(0, 0.5, 1, 1.5, 2):
        return wrong("the range is [0, 2]: subtract 1 after dividing by 127.5")
    if gives(-127.5, -63.75, 0, 63.75, 127.5, atol=1e-3):
        return wrong("centred, but still 255 wide: divide by 127.5 as well")
    if gives(-0.5, -0.25, 0, 0.25, 0.5):
        return wrong("the range is [-0.5, 0.5]: multiply by 2")
    if gives(*pixels, atol=0.05):
        return wrong("the pixels come out (almost) unchanged. If you wrote x - 1 / 127.5: Python divides before it "
                     "subtracts, so only the 1 was divided; the brackets (or the order) must say what you mean")
    if gives(1, 0.5, 0, -0.5, -1):
        return wrong("upside down: 0 comes out as 1 and 255 as -1. Dark pixels must map to -1")
    if np.allclose(out, np.round(out)) and out.min() >= -1 and out.max() <= 1:
        return wrong(f"{pixels} became {np.round(out, 3).tolist()}: only whole numbers. Floor division (//) or "
                     "int() throws the fractions away; use / and keep floats")
    if gives(-1, -0.5, 0, 0.5, 1, atol=0.02):
        return wrong(f"nearly: {pixels} became {np.round(out, 4).tolist()}. 255 must come out as exactly 1, "
                     "and 255 / 2 = 127.5")
    return wrong(f"{pixels} became {np.round(out, 3).tolist()}; they should run evenly from -1 to 1 "
                 "(section 7, 'When the preprocessing is wrong')")


def base_output_shape(answer, model) -> Feedback:
    """Lesson 01: the output shape of a convolutional base built with include_top=False and no pooling."""
    if is_unanswered(answer):
        return unanswered()
    right = tuple(int(v) for v in model.output_shape[1:])
    side = int(model.input_shape[1])
    if isinstance(answer, (str, bytes)):
        return wrong(f"write the numbers themselves, not a string: a tuple like {tuple('?' for _ in right)}")
    try:
        values = tuple(_as_int(v) for v in answer if v is not None)  # None: the batch axis of output_shape
    except TypeError:
        return wrong(f"answer with a shape, a tuple like {tuple('?' for _ in right)}")
    if None in values:
        return wrong(f"a shape holds whole numbers only: a tuple like {tuple('?' for _ in right)}")
    if values == right:
        return correct(f"{side} / 32 = {right[0]}: five stride-2 stages shrink every side 32 times, and each of "
                       f"the {right[0]}x{right[1]} positions is described by {right[2]} features.")
    if values == (right[2],):
        return wrong("that is the shape with pooling='avg', which averages the grid away; without pooling the "
                     "spatial grid is still there")
    if values == (1000,):
        return wrong("include_top=False removes the 1000-class classifier: what is left ends with the last "
                     "convolution")
    if values == (1, *right):
        return wrong("the leading 1 is the batch axis; the exercise asks for the shape of one image's output, "
                     "(height, width, channels)")
    if values == (right[2], *right[:2]):
        return wrong("channels first: Keras puts the channels last, (height, width, channels)")
    if len(values) == 3 and values[2] == right[2] and values[0] == values[1] and values[0] != right[0]:
        if values[0] == 7:
            return wrong(f"7x7 is for 224-pixel inputs; this base takes {side} pixels")
        return wrong(f"the network shrinks each side by 32 in total (five stride-2 stages): {side} / 32 = ?")
    if len(values) == 3 and values[:2] == right[:2]:
        return wrong("the grid is right; count the channels of the last layer (out_relu)")
    return wrong("print(base.output_shape) after building the base, or work it out: side / 32, then channels "
                 "(section 5)")


def choice(answer, options: dict, right: str, explain: str, hints: dict[str, str]) -> Feedback:
    """A multiple-choice check: ``answer`` is one of ``options``' keys; each wrong option has its hint.

    Case, spaces, quotes and brackets do not matter: ``"A"``, ``" a "`` and ``"(a)"`` all mean ``"a"``."""
    if is_unanswered(answer):
        return unanswered()
    key = str(answer).strip().strip("()[]'\".:").strip().lower()
    if key not in options:
        return wrong(f"answer with one of {', '.join(repr(k) for k in options)}")
    if key == right:
        return correct(explain)
    return wrong(hints.get(key, "not this one: reread the section and try again"))


# lesson 02 ---------------------------------------------------------------------------------------

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


def trained_head(answer, val_features, val_labels, target: float = 0.9) -> Feedback:
    """Lesson 02: a head trained on cached features that scores at least ``target`` on the validation features."""
    if is_unanswered(answer):
        return unanswered()
    if isinstance(answer, tuple) and answer and hasattr(answer[0], "predict"):
        return wrong("train.fit_head returns a pair (head, history): unpack it, head, history = train.fit_head(...), "
                     "and answer with the head")
    if hasattr(answer, "history") and not hasattr(answer, "predict"):
        return wrong("that is the training history; answer with the trained model itself (the head)")
    if not hasattr(answer, "predict"):
        return wrong("answer with the trained Keras model (the head), not its history or its accuracy")
    n_features, n_classes = val_features.shape[1], int(np.max(val_labels)) + 1
    if tuple(answer.input_shape[1:]) != (n_features,):
        return wrong(f"the head must take the {n_features} cached features of one image; it takes "
                     f"{answer.input_shape[1:]}")
    if answer.output_shape[-1] != n_classes:
        if answer.output_shape[-1] == 1:
            return wrong("one output unit with softmax always says 1.0: use one unit per class "
                         f"({n_classes}) with softmax")
        return wrong(f"the head must output one probability per class ({n_classes}), not {answer.output_shape[-1]}")
    predictions = np.argmax(answer.predict(val_features, verbose=0), axis=-1)
    score = float(np.mean(predictions == np.asarray(val_labels)))
    if score >= target:
        return correct(f"validation accuracy {score:.3f}.")
    if score <= 0.6:
        return wrong(f"validation accuracy {score:.3f}, about chance: was the head trained (fit_head returns "
                     "(head, history))? Were the labels in the same order as the features?")
    return wrong(f"validation accuracy {score:.3f} < {target}: train on more images per class or for more epochs")


# lesson 04 ---------------------------------------------------------------------------------------

def fine_tune_rate(answer, head_rate: float = 1e-3) -> Feedback:
    """Lesson 04: the learning rate for phase 2, about ten times lower than phase 1's ``head_rate``."""
    if is_unanswered(answer):
        return unanswered()
    value = _number(answer)
    if value is None:
        if hasattr(answer, "learning_rate"):
            return wrong("answer with the learning rate itself, a number, not the optimizer")
        return wrong(_number_hint(answer, "a positive number, such as 1e-3"))
    if value <= 0:
        return wrong("answer with a positive number, such as 1e-3")
    if value >= 2:
        return wrong(f"a learning rate of {value:g} would blow the weights away. If {value:g} is how many times "
                     "lower you want it, divide phase 1's rate by it and answer with the result")
    ratio = head_rate / value
    if 5 <= ratio <= 20:
        return correct(f"{value:g} is {ratio:.0f} times lower: small steps that adjust the pretrained weights "
                       "without erasing them.")
    if ratio < 1:
        return wrong("higher than phase 1: big steps on weights that are already good wipe out what ImageNet "
                     "taught them, and the freshly unfrozen layers start from scratch in effect")
    if ratio < 5:
        return wrong("about the same as phase 1: the unfrozen pretrained weights get updates as large as a new "
                     "head's, which is too much for weights that are already good")
    if ratio > 200:
        return wrong("so small that a few epochs hardly change anything: about ten times lower than phase 1 "
                     "is the usual choice (section 5)")
    return wrong("that is lower, but a hundred times less than phase 1 barely moves the weights in a few epochs: "
                 "aim for about ten times lower (section 5)")


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
    explain = ("fit reuses the training step it compiled while those weights were trainable, so it keeps "
               "updating them: freezing, like unfreezing, needs compile() to take effect."
               if right == "still" else "this Keras applies the change without compile(); still, compile() after "
               "every change is the habit that works on every version.")
    hints = {
        "none": "that is what freezing should do, but fit is still running the training step it compiled "
                "earlier, with the old list of trainable weights. Try it: snapshot, fit, count_changed (section 7)",
        "still": "this Keras takes the change into account without compile(): the frozen weights stay put",
        "all": "fit never updates more weights than it was compiled with: the lower blocks were frozen when "
               "you compiled (section 7)",
    }
    return choice(answer, options, right, explain, hints)


def frozen_batchnorm(answer, n_blocks: int = 3) -> Feedback:
    """Lesson 04: a base whose top ``n_blocks`` blocks train, except every BatchNormalization layer."""
    if is_unanswered(answer):
        return unanswered()
    import keras

    from .freeze import blocks, layers_of, param_counts

    if isinstance(answer, tuple) and answer and isinstance(answer[0], keras.Model):
        return wrong("that is a (model, preprocess) pair: answer with the base model alone")
    if not isinstance(answer, keras.Model):
        return wrong("answer with the base model itself (after changing its layers' trainable flags)")
    if any(getattr(layer, "layers", None) for layer in answer.layers):
        return wrong("that model holds another model inside it: answer with base itself, the pretrained "
                     "MobileNetV2, not a classifier built around it")
    groups = list(blocks(answer).items())
    if len(groups) <= n_blocks:
        return wrong(f"this model has only {len(groups)} blocks: is it a piece of the base (such as `top` from "
                     "train.split_base)? Answer with the whole base")
    if param_counts(answer).trainable == 0:
        return wrong(f"nothing in the base is trainable: unfreeze its top {n_blocks} blocks first "
                     f"(freeze.unfreeze_top(base, {n_blocks}, count='blocks'))")
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
                     "unfreeze_top counts layers by default; pass count='blocks'")
    if not training:
        return wrong(f"only BatchNormalization layers train: unfreeze the top {n_blocks} blocks first, then "
                     "freeze BatchNorm (section 6)")
    same = [m for m in range(1, len(groups) + 1) if set(training) == {i for i in weighted if i >= len(groups) - m}]
    if not same:
        names = [groups[i][0] for i in training]
        return wrong(f"the blocks that train ({', '.join(names[:4])}{', ...' if len(names) > 4 else ''}) are not the "
                     f"top {n_blocks} blocks of the base: some of them, or some of their layers, are still frozen")
    if n_blocks not in same:
        told = ("only the top block trains" if same == [1] else f"the top {same[0]} blocks train" if len(same) == 1
                else f"the top {same[0]} to {same[-1]} blocks train (blocks without weights add nothing)")
        return wrong(f"{told}; the exercise asks for the top {n_blocks} (count='blocks' counts whole blocks)")
    trainable_bn = [layer.name for layer in bn if layer.trainable]
    if trainable_bn:
        return wrong(f"{len(trainable_bn)} BatchNormalization layers are trainable (e.g. {trainable_bn[0]}): freeze "
                     "them after unfreezing, with freeze.freeze_by_type(base, keras.layers.BatchNormalization); "
                     "unfreeze_top sets every layer, so the order matters")
    return correct(f"{param_counts(answer).trainable:,} parameters train; every BatchNorm layer is frozen, and a "
                   "frozen BatchNorm layer always normalises with its ImageNet statistics, whatever fit says.")


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
