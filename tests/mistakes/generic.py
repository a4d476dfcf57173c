"""the generic multiple-choice helper (lessons 02 and 04 use it): its cases."""
from __future__ import annotations

from .common import OK, TODO, C, _adam, _history, _keras_preprocess, _torch, _undefined_name, a  # noqa: F401


class Fixtures:
    """What this lesson's cases build, on first use (mixed into the tests' World)."""

    pass


CASES = [
    C("-", "choice", "'B ' for option b", lambda w: a("B ", {"a": "", "b": ""}, "b", "yes", {"a": "a is for..."}), OK),
    C("-", "choice", "...", lambda w: a(..., {"a": "", "b": ""}, "b", "yes", {}), TODO),
    C("-", "choice", "a wrong option with its own hint", lambda w: a("a", {"a": "", "b": ""}, "b", "yes", {"a": "a is for..."}), "a is for..."),
    C("-", "choice", "a wrong option without a hint", lambda w: a("a", {"a": "", "b": ""}, "b", "yes", {}), "reread the section"),
    C("-", "choice", "not an option", lambda w: a("z", {"a": "", "b": ""}, "b", "yes", {}), "'a', 'b'"),
]

# Strings that would give the answer away: no wrong answer's hint may contain them.
SECRETS = {
}
