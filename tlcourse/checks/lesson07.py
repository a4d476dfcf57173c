"""Checks of lesson 07, beyond classification."""
from __future__ import annotations

import numpy as np

from .core import (
    Feedback,
    _as_int_tuple,
    _close,
    _number,
    _number_hint,
    correct,
    is_unanswered,
    unanswered,
    wrong,
)


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
