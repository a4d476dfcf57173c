"""Lesson 07, beyond classification: the wrong answers its checks recognise."""
from __future__ import annotations

import numpy as np

from .common import OK, TODO, C, _adam, _history, _keras_preprocess, _torch, _undefined_name, a  # noqa: F401

BOXES7 = ((0, 0, 10, 10), (5, 5, 15, 15))
BOX7 = (40, 70, 60, 90)


class Fixtures:
    """What this lesson's cases build, on first use (mixed into the tests' World)."""

    pass


CASES = [
    C("07", "class_weights_for", "{0: 330 / 600, 1: 330 / 60}", lambda w: a({0: 330 / 600, 1: 330 / 60}, 300, 30), OK),
    C("07", "class_weights_for", "NumPy keys and values", lambda w: a({np.int64(0): np.float64(0.55), np.int64(1): np.float32(5.5)}, 300, 30), OK),
    C("07", "class_weights_for", "...", lambda w: a(..., 300, 30), TODO),
    C("07", "class_weights_for", "{0: ..., 1: ...}, the template", lambda w: a({0: ..., 1: ...}, 300, 30), TODO),
    C("07", "class_weights_for", "swapped", lambda w: a({0: 330 / 60, 1: 330 / 600}, 300, 30), "swapped"),
    C("07", "class_weights_for", "{0: 1, 1: 10}: ratio only", lambda w: a({0: 1, 1: 10}, 300, 30), "the ratio is right"),
    C("07", "class_weights_for", "{0: 1/300, 1: 1/30}: inverse counts", lambda w: a({0: 1 / 300, 1: 1 / 30}, 300, 30), "the ratio is right"),
    C("07", "class_weights_for", "n / n_c: k forgotten", lambda w: a({0: 330 / 300, 1: 330 / 30}, 300, 30), "divide by k"),
    C("07", "class_weights_for", "the class frequencies", lambda w: a({0: 300 / 330, 1: 30 / 330}, 300, 30), "shares of the data"),
    C("07", "class_weights_for", "{0: 1, 1: 1}", lambda w: a({0: 1, 1: 1}, 300, 30), "equal weights change nothing"),
    C("07", "class_weights_for", "{0: 2, 1: 1}: common class heavier", lambda w: a({0: 2, 1: 1}, 300, 30), "common class got the larger weight"),
    C("07", "class_weights_for", "{0: 0, 1: 1}", lambda w: a({0: 0, 1: 1}, 300, 30), "must be positive"),
    C("07", "class_weights_for", "{0: 1, 1: 3}: a guess", lambda w: a({0: 1, 1: 3}, 300, 30), "n / (k * n_c)"),
    C("07", "class_weights_for", "[0.55, 5.5], a list", lambda w: a([0.55, 5.5], 300, 30), "not a list"),
    C("07", "class_weights_for", "{'cats': ..., 'dogs': ...}", lambda w: a({"cats": 0.55, "dogs": 5.5}, 300, 30), "class indices"),
    C("07", "class_weights_for", "{0: 'low', 1: 'high'}", lambda w: a({0: "low", 1: "high"}, 300, 30), "must be a number"),
    C("07", "balanced_accuracy_of_constant", "0.5", lambda w: a(0.5, 500, 50), OK),
    C("07", "balanced_accuracy_of_constant", "'50%'", lambda w: a("50%", 500, 50), OK),
    C("07", "balanced_accuracy_of_constant", "np.float64(0.5)", lambda w: a(np.float64(0.5), 500, 50), OK),
    C("07", "balanced_accuracy_of_constant", "...", lambda w: a(..., 500, 50), TODO),
    C("07", "balanced_accuracy_of_constant", "500 / 550: plain accuracy", lambda w: a(500 / 550, 500, 50), "plain accuracy"),
    C("07", "balanced_accuracy_of_constant", "1.0: the cats' recall", lambda w: a(1.0, 500, 50), "recall of one class only"),
    C("07", "balanced_accuracy_of_constant", "0: the dogs' recall", lambda w: a(0, 500, 50), "recall of one class only"),
    C("07", "balanced_accuracy_of_constant", "50, in percent", lambda w: a(50, 500, 50), "percentage"),
    C("07", "balanced_accuracy_of_constant", "90.9, accuracy in percent", lambda w: a(90.9, 500, 50), "percentage"),
    C("07", "balanced_accuracy_of_constant", "50 / 550: the dogs' share", lambda w: a(50 / 550, 500, 50), "small class's share"),
    C("07", "balanced_accuracy_of_constant", "0.7, a guess", lambda w: a(0.7, 500, 50), "each class's recall"),
    C("07", "balanced_accuracy_of_constant", "'half'", lambda w: a("half", 500, 50), "cannot read"),
    C("07", "balanced_accuracy_of_constant", "[0.5], a list", lambda w: a([0.5], 500, 50), "not a list"),
    C("07", "iou_of", "25 / 175", lambda w: a(25 / 175, *BOXES7), OK),
    C("07", "iou_of", "'25/175', a string", lambda w: a("25/175", *BOXES7), OK),
    C("07", "iou_of", "0.143, rounded", lambda w: a(0.143, *BOXES7), OK),
    C("07", "iou_of", "...", lambda w: a(..., *BOXES7), TODO),
    C("07", "iou_of", "25 / 200: sum of the areas", lambda w: a(25 / 200, *BOXES7), "sum of the areas"),
    C("07", "iou_of", "25 / 100: one box's area", lambda w: a(25 / 100, *BOXES7), "one box's area"),
    C("07", "iou_of", "25: the intersection", lambda w: a(25, *BOXES7), "intersection's area"),
    C("07", "iou_of", "175: the union", lambda w: a(175, *BOXES7), "union's area"),
    C("07", "iou_of", "7: union / intersection", lambda w: a(7, *BOXES7), "upside down"),
    C("07", "iou_of", "150 / 175: 1 - IoU", lambda w: a(150 / 175, *BOXES7), "do not share"),
    C("07", "iou_of", "14.29, in percent", lambda w: a(14.29, *BOXES7), "percentage"),
    C("07", "iou_of", "0.14, rounded too much", lambda w: a(0.14, *BOXES7), "rounded too much"),
    C("07", "iou_of", "(25, 175), a pair", lambda w: a((25, 175), *BOXES7), "as a pair"),
    C("07", "iou_of", "0.9, a guess", lambda w: a(0.9, *BOXES7), "area A + area B - intersection"),
    C("07", "iou_of", "'big'", lambda w: a("big", *BOXES7), "cannot read"),
    C("07", "responsible_cell", "(5, 3)", lambda w: a((5, 3), BOX7, canvas=128, grid=8), OK),
    C("07", "responsible_cell", "[5, 3], a list", lambda w: a([5, 3], BOX7, canvas=128, grid=8), OK),
    C("07", "responsible_cell", "np.array([5, 3])", lambda w: a(np.array([5, 3]), BOX7, canvas=128, grid=8), OK),
    C("07", "responsible_cell", "...", lambda w: a(..., BOX7, canvas=128, grid=8), TODO),
    C("07", "responsible_cell", "(5, ...), half filled", lambda w: a((5, ...), BOX7, canvas=128, grid=8), TODO),
    C("07", "responsible_cell", "(3, 5): swapped", lambda w: a((3, 5), BOX7, canvas=128, grid=8), "swapped"),
    C("07", "responsible_cell", "(6, 4): counted from 1", lambda w: a((6, 4), BOX7, canvas=128, grid=8), "count from 0"),
    C("07", "responsible_cell", "(80, 50): the centre in pixels", lambda w: a((80, 50), BOX7, canvas=128, grid=8), "centre in pixels"),
    C("07", "responsible_cell", "(10, 6): divided by the grid size", lambda w: a((10, 6), BOX7, canvas=128, grid=8), "number of cells"),
    C("07", "responsible_cell", "(7, 4): box read as (x, y, w, h)", lambda w: a((7, 4), BOX7, canvas=128, grid=8), "(x, y, width, height)"),
    C("07", "responsible_cell", "(4, 2): a corner's cell", lambda w: a((4, 2), BOX7, canvas=128, grid=8), "corner"),
    C("07", "responsible_cell", "(5, 3.125): not rounded down", lambda w: a((5, 3.125), BOX7, canvas=128, grid=8), "round down"),
    C("07", "responsible_cell", "'5,3', a string", lambda w: a("5,3", BOX7, canvas=128, grid=8), "not a string"),
    C("07", "responsible_cell", "5, one number", lambda w: a(5, BOX7, canvas=128, grid=8), "a pair"),
    C("07", "responsible_cell", "(5, 3, 1), three numbers", lambda w: a((5, 3, 1), BOX7, canvas=128, grid=8), "pair of whole numbers"),
    C("07", "responsible_cell", "(2, 2), a guess", lambda w: a((2, 2), BOX7, canvas=128, grid=8), "find the box's centre"),
]

# Strings that would give the answer away: no wrong answer's hint may contain them.
SECRETS = {
    "class_weights_for": ["0.55", "5.5"],
    "balanced_accuracy_of_constant": ["0.5"],
    "iou_of": ["0.143", "1/7", "25 / 175"],
    "responsible_cell": ["(5, 3)", "row 5"],
}
