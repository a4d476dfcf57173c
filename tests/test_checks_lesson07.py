"""Lesson 07's exercise checks: the right answer passes, each usual mistake gets its own hint."""
import pytest

from tlcourse import checks


def test_class_weights_for():
    assert checks.class_weights_for({0: 330 / 600, 1: 330 / 60}, 300, 30)
    assert "swapped" in str(checks.class_weights_for({0: 330 / 60, 1: 330 / 600}, 300, 30))
    assert "scale" in str(checks.class_weights_for({0: 1.0, 1: 10.0}, 300, 30))
    assert "larger weight" in str(checks.class_weights_for({0: 2.0, 1: 1.0}, 300, 30))
    assert "one weight per class" in str(checks.class_weights_for([1, 10], 300, 30))
    assert not checks.class_weights_for(..., 300, 30).answered


def test_balanced_accuracy_of_constant():
    assert checks.balanced_accuracy_of_constant(0.5, 500, 50)
    assert "plain accuracy" in str(checks.balanced_accuracy_of_constant(500 / 550, 500, 50))
    assert "one class only" in str(checks.balanced_accuracy_of_constant(1.0, 500, 50))
    assert "recall" in str(checks.balanced_accuracy_of_constant(0.7, 500, 50))


@pytest.mark.parametrize("answer,hint", [
    (25 / 200, "sum of the areas"), (25 / 100, "one box's area"), (25, "intersection's area"), (0.9, "union ="),
])
def test_iou_of_wrong_answers(answer, hint):
    fb = checks.iou_of(answer, (0, 0, 10, 10), (5, 5, 15, 15))
    assert not fb and hint in str(fb)


def test_iou_of_right_answer():
    assert checks.iou_of(25 / 175, (0, 0, 10, 10), (5, 5, 15, 15))


def test_responsible_cell():
    box = (40, 70, 60, 90)  # centre (50, 80) on a 128 canvas, 8x8 grid of 16 px: row 5, column 3
    assert checks.responsible_cell((5, 3), box, 128, 8)
    assert "swapped" in str(checks.responsible_cell((3, 5), box, 128, 8))
    assert "corner" in str(checks.responsible_cell((4, 2), box, 128, 8))
    assert "pair" in str(checks.responsible_cell(5, box, 128, 8))
