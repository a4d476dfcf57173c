"""The feedback object every exercise check returns."""
from tlcourse import checks


def test_feedback_truthiness_and_text():
    assert checks.correct("well done") and str(checks.correct("well done")) == "✅ Correct: well done"
    hint = checks.wrong("count the BatchNorm weights too")
    assert not hint and "❌ Not yet: count the BatchNorm" in str(hint)
    todo = checks.unanswered()
    assert not todo and "Not answered yet" in str(todo) and "gray" in todo._repr_markdown_()
    assert checks.is_unanswered(...) and checks.is_unanswered(None) and not checks.is_unanswered(0)
