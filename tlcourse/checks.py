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
