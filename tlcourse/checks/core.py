"""The core of the exercise checks: each returns :class:`Feedback` that says "correct" or gives a specific hint.

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
