"""The feedback object every exercise check returns, and how answers are read.

Each check's right and wrong answers are the table in tests/test_checks_mistakes.py."""
import numpy as np

from tlcourse import checks


def test_feedback_truthiness_and_text():
    assert checks.correct("well done") and str(checks.correct("well done")) == "✅ Correct: well done"
    hint = checks.wrong("count the BatchNorm weights too")
    assert not hint and "❌ Not yet: count the BatchNorm" in str(hint)
    todo = checks.unanswered()
    assert not todo and "Not answered yet" in str(todo) and "gray" in todo._repr_markdown_()
    assert "firebrick" in hint._repr_markdown_() and "green" in checks.correct()._repr_markdown_()


def test_is_unanswered():
    for placeholder in (..., None, (928, ...), [..., 64], {0: ..., 1: 5.5}):
        assert checks.is_unanswered(placeholder), placeholder
    for answer in (0, "", (None, 3, 3, 1280), {0: None}, np.zeros(3), [np.zeros(2)]):
        assert not checks.is_unanswered(answer), answer


def test_numbers_are_read_from_what_students_type():
    read = checks._number
    assert read(3) == 3.0 and read(np.float32(0.5)) == 0.5 and read(np.array(2)) == 2.0
    assert read("8,196") == 8196 and read(" 1e-4 ") == 1e-4 and read("50%") == 0.5 and read("3.5x") == 3.5
    assert abs(read("25/175") - 1 / 7) < 1e-12
    for junk in (True, np.bool_(False), "abc", "1/0", [1], np.zeros(2), None, ..., object()):
        assert read(junk) is None, junk
    assert checks._as_int("164 355") == 164355 and checks._as_int(2.5) is None
    assert checks._as_int_tuple(["1", 2.0], 2) == (1, 2) and checks._as_int_tuple("12", 2) is None
