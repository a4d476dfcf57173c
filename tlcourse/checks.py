"""Exercise checks: each returns :class:`Feedback` that says "correct" or gives a specific hint.

A check never just says "no": it recognises the usual wrong answers and explains what
they mean. In a notebook the feedback shows as a coloured line; ``bool(feedback)`` tells
whether the answer was right (tests use that).

Student notebooks leave answers as ``...`` (Ellipsis); every check answers that with
"not answered yet" rather than an error, so an untouched notebook still runs.
"""
from __future__ import annotations

from dataclasses import dataclass


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
    """True for the ``...`` placeholder (or None) that student notebooks start with."""
    return answer is Ellipsis or answer is None


# -- lesson 07: beyond plain classification ----------------------------------------------------------


def class_weights_for(answer, n_cats: int, n_dogs: int) -> Feedback:
    """Exercise: the balanced class weights {0: cats, 1: dogs} for n_cats and n_dogs examples."""
    if is_unanswered(answer):
        return unanswered()
    if not isinstance(answer, dict) or set(answer) != {0, 1}:
        return wrong("give a dict with one weight per class index: {0: weight_for_cats, 1: weight_for_dogs}")
    n = n_cats + n_dogs
    expected = {0: n / (2 * n_cats), 1: n / (2 * n_dogs)}
    got = {k: float(v) for k, v in answer.items()}
    if all(abs(got[k] - expected[k]) < 1e-3 * expected[k] for k in (0, 1)):
        return correct(f"each class now weighs {n / 2:g} examples' worth in the loss.")
    if abs(got[0] - expected[1]) < 1e-3 * expected[1] and abs(got[1] - expected[0]) < 1e-3 * expected[0]:
        return wrong("the weights are swapped: the rare class (dogs) must get the larger weight.")
    if got[0] > got[1]:
        return wrong("the common class got the larger weight; weights must grow as a class gets rarer.")
    if abs(got[1] / got[0] - n_cats / n_dogs) < 1e-3 * n_cats / n_dogs:
        return wrong(f"the ratio is right ({got[1] / got[0]:g}) but the scale is not: use n / (k * n_c), where n is "
                     "all examples and k the number of classes, so the average weight per example is 1.")
    return wrong("use weight_c = n / (k * n_c): n examples in all, k classes, n_c examples of class c.")


def balanced_accuracy_of_constant(answer, n_major: int, n_minor: int) -> Feedback:
    """Exercise: balanced accuracy of a model that always answers the majority class."""
    if is_unanswered(answer):
        return unanswered()
    value = float(answer)
    if abs(value - 0.5) < 1e-6:
        return correct("recall is 1 on the big class and 0 on the small one; their mean is 0.5, a coin's score.")
    if abs(value - n_major / (n_major + n_minor)) < 1e-3:
        return wrong("that is the plain accuracy. Balanced accuracy averages the recall of each class.")
    if abs(value - 1.0) < 1e-6 or abs(value) < 1e-6:
        return wrong("that is the recall of one class only; average the two recalls.")
    return wrong("work out each class's recall (the fraction of it found) and take their mean.")


def iou_of(answer, box_a, box_b) -> Feedback:
    """Exercise: intersection over union of two boxes (x_min, y_min, x_max, y_max)."""
    if is_unanswered(answer):
        return unanswered()
    import numpy as np

    a, b = np.asarray(box_a, float), np.asarray(box_b, float)
    w = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    h = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = w * h
    area_a, area_b = (a[2] - a[0]) * (a[3] - a[1]), (b[2] - b[0]) * (b[3] - b[1])
    expected = inter / (area_a + area_b - inter)
    value = float(answer)
    if abs(value - expected) < 1e-3:
        return correct(f"IoU = {inter:g} / {area_a + area_b - inter:g} = {expected:.3f}.")
    if area_a + area_b and abs(value - inter / (area_a + area_b)) < 1e-3:
        return wrong("you divided by the sum of the areas: the overlap is then counted twice. Subtract it once.")
    if abs(value - inter / area_a) < 1e-3 or abs(value - inter / area_b) < 1e-3:
        return wrong("you divided by one box's area; IoU divides by the area of the union of both boxes.")
    if abs(value - inter) < 1e-3:
        return wrong("that is the intersection's area; divide it by the union's area.")
    return wrong("intersection = overlap width x overlap height; union = area A + area B - intersection.")


def responsible_cell(answer, box, canvas: int, grid: int) -> Feedback:
    """Exercise: which grid cell (row, column) predicts this box? The one holding its centre."""
    if is_unanswered(answer):
        return unanswered()
    x0, y0, x1, y1 = box
    cell = canvas / grid
    row, col = int((y0 + y1) / 2 // cell), int((x0 + x1) / 2 // cell)
    try:
        got = tuple(int(v) for v in answer)
    except TypeError:
        return wrong("answer with a pair (row, column).")
    if got == (row, col):
        return correct(f"the centre ({(x0 + x1) / 2:g}, {(y0 + y1) / 2:g}) lies in row {row}, column {col}.")
    if got == (col, row):
        return wrong("row and column are swapped: the row comes from the y coordinate.")
    if got in ((int(y0 // cell), int(x0 // cell)), (int(y1 // cell), int(x1 // cell))):
        return wrong("that cell holds a corner of the box; the cell that holds its centre is responsible.")
    return wrong(f"find the box's centre, then divide by the cell size ({cell:g} px) and round down.")


# -- lesson 06: choosing a model ----------------------------------------------------------------------


def fastest_meeting_target(answer, rows: list[dict], target: float, latency_key: str = "latency b1 (ms)") -> Feedback:
    """Exercise: from the student's own table, the fastest model whose accuracy reaches ``target``."""
    if is_unanswered(answer):
        return unanswered()
    names = [r["model"] for r in rows]
    if answer not in names:
        return wrong(f"answer with one of the model names in your table: {', '.join(names)}")
    good = [r for r in rows if r["accuracy"] >= target]
    if not good:
        return wrong(f"no model in your table reaches {target:.0%}: lower the target or add data")
    best = min(good, key=lambda r: r[latency_key])
    chosen = next(r for r in rows if r["model"] == answer)
    if answer == best["model"]:
        return correct(f"{answer} reaches {chosen['accuracy']:.1%} at {chosen[latency_key]:.1f} ms per image.")
    if chosen["accuracy"] < target:
        return wrong(f"{answer} is at {chosen['accuracy']:.1%}, below the {target:.0%} target: filter on accuracy first.")
    if chosen["accuracy"] == max(r["accuracy"] for r in good):
        return wrong("that is the most accurate model, not the fastest of those good enough: among the models "
                     "at or above the target, pick the lowest latency.")
    return wrong(f"{answer} meets the target but another model that does is faster: compare the '{latency_key}' column.")


def size_reduction(answer, float_bytes: int, int8_bytes: int) -> Feedback:
    """Exercise: how many times smaller is the int8 TFLite file than the float32 one?"""
    if is_unanswered(answer):
        return unanswered()
    ratio = float_bytes / int8_bytes
    value = float(answer)
    if abs(value - ratio) <= 0.05 * ratio:
        return correct(f"{ratio:.1f}x smaller: int8 stores each weight in 1 byte instead of 4, plus some overhead.")
    if abs(value - 1 / ratio) <= 0.05 / ratio:
        return wrong("that is int8 / float; the question asks how many times smaller, float / int8.")
    if abs(value - 4) < 1e-9:
        return wrong("4 is the theory (4 bytes -> 1 byte per weight); read the real sizes from your table: "
                     "the file also holds the graph and quantization scales.")
    return wrong("divide the float32 file size by the int8 file size, from your table.")


def needs_representative_data(answer) -> Feedback:
    """Exercise: which quantization needs a representative dataset: None, "dynamic" or "int8"?"""
    if is_unanswered(answer):
        return unanswered()
    if answer == "int8":
        return correct("full-integer quantization must know the range of every activation, so it runs sample inputs.")
    if answer == "dynamic":
        return wrong("dynamic-range quantization only converts the weights, whose range is known from the file; "
                     "activations stay float. Which kind turns activations into int8 too?")
    return wrong('answer "dynamic" or "int8": which one needs to see sample inputs?')
