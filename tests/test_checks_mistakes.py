"""Every exercise check against its right answer and the wrong answers students really give.

``CASES`` is the table: one row per (check, answer). ``expect`` is ``OK`` (accepted), ``TODO`` ("not
answered yet", never an error) or a fragment of the specific hint that wrong answer must get. The
tests below run every row, check that every public check has rows of both kinds (so a new check
cannot be added without them), that no junk answer raises, and that no hint gives the answer away.

The table is also the instructors' list of "which check catches which mistake":

    python tests/test_checks_mistakes.py --markdown        # wrong answers and the hint each gets
    python tests/test_checks_mistakes.py --markdown --all  # accepted variants and "..." too

It builds small models (``weights=None`` where only shapes and flags matter); the lesson 5 rows
need the course's converted MobileNetV2 weights, like the lessons.
"""
from __future__ import annotations

import sys
import typing
from pathlib import Path

import numpy as np
import pytest

if __name__ == "__main__":  # run as a script: use this checkout's tlcourse, not an installed one
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from mistakes import generic, lesson01, lesson02, lesson03, lesson04, lesson05, lesson06, lesson07  # noqa: E402
from mistakes.common import OK, TODO, Case  # noqa: E402

LESSONS = (lesson01, lesson02, lesson03, lesson04, lesson05, lesson06, lesson07, generic)


class World(*(lesson.Fixtures for lesson in LESSONS)):
    """What the cases need, built on first use and shared by all rows (and by the --markdown run).

    Rows that depend on trainable flags set every flag they rely on, so the order of the rows
    does not matter."""



CASES: list[Case] = [case for lesson in LESSONS for case in lesson.CASES]
SECRETS: dict[str, list[str]] = {name: s for lesson in LESSONS for name, s in lesson.SECRETS.items()}


def public_checks() -> list[str]:
    """Every public function of tlcourse.checks that returns Feedback, except the constructors."""
    import inspect

    from tlcourse import checks

    return sorted(
        name for name, fn in inspect.getmembers(checks, inspect.isfunction)
        if fn.__module__.startswith(checks.__name__ + ".") and not name.startswith("_")
        and name not in {"correct", "wrong", "unanswered"}
        and typing.get_type_hints(fn).get("return") is checks.Feedback
    )


def run(case: Case, world: World):
    from tlcourse import checks

    args, kwargs = case.build(world)
    return getattr(checks, case.check)(*args, **kwargs)


def expected(case: Case, world: World) -> str:
    return case.expect(world) if callable(case.expect) else case.expect


@pytest.fixture(scope="module")
def world() -> World:
    return World()


@pytest.mark.parametrize("case", CASES, ids=[f"{c.check}: {c.answer}" for c in CASES])
def test_case(case: Case, world: World):
    feedback = run(case, world)
    want = expected(case, world)
    if want == OK:
        assert feedback and feedback.answered, feedback
    elif want == TODO:
        assert not feedback and not feedback.answered, feedback
    else:
        assert not feedback and feedback.answered and want in feedback.message, (want, str(feedback))


def test_every_check_has_right_and_wrong_cases():
    rows = {name: ["wrong" if callable(c.expect) else c.expect for c in CASES if c.check == name]
            for name in public_checks()}
    missing = {name: kinds for name, kinds in rows.items()
               if OK not in kinds or not any(k not in (OK, TODO) for k in kinds)}
    assert not missing, f"checks without a correct case and a wrong case in CASES: {sorted(missing)}"
    assert {c.check for c in CASES} <= set(public_checks()), "CASES names a check that tlcourse.checks lacks"


@pytest.mark.parametrize("name", sorted(SECRETS))
def test_hints_never_give_the_answer_away(name: str, world: World):
    for case in CASES:
        if case.check == name and expected(case, world) not in (OK, TODO):
            message = run(case, world).message
            leaks = [secret for secret in SECRETS[name] if secret in message]
            assert not leaks, (case.answer, message)


JUNK = [..., None, "", "   ", "abc", "1/0", [], (), {}, {0: None}, 0, -1, 1e12, True, float("nan"), object(),
        np.array([]), np.zeros((2, 2)), np.float64("nan"), [None, None], ("a", "b")]


@pytest.mark.parametrize("name", public_checks())
def test_junk_answers_get_feedback_not_a_traceback(name: str, world: World):
    """Whatever the answer, a check returns Feedback: ``...`` and None read as "not answered yet"."""
    case = next(c for c in CASES if c.check == name and c.expect == OK)
    args, kwargs = case.build(world)
    from tlcourse import checks

    for junk in JUNK:
        feedback = getattr(checks, name)(junk, *args[1:], **kwargs)
        assert isinstance(feedback, checks.Feedback) and not feedback, (junk, feedback)
        assert feedback.answered == (junk is not Ellipsis and junk is not None), (junk, feedback)


def test_exactly_trainable_leaves_the_flags_alone(world: World):
    from tlcourse import checks, freeze

    model = world.l3(top=6, extra="block_3")
    before = [layer.trainable for layer in freeze.layers_of(model)]
    assert not checks.exactly_trainable(model, world.k1)
    assert [layer.trainable for layer in freeze.layers_of(model)] == before


def test_inner_layer_unfrozen_puts_every_flag_back(world: World):
    from tlcourse import checks, freeze

    model = world.l3(top=4)
    before = freeze.param_counts(model)
    checks.inner_layer_unfrozen(0, world.model3, world.base3)
    assert freeze.param_counts(model) == before


def markdown(world: World | None = None, include_accepted: bool = False) -> str:
    """The table as Markdown: lesson | check | wrong answer | hint given (the hint the check really gives).

    ``include_accepted`` adds the rows whose answer is accepted or read as "not answered yet"."""
    world = world or World()
    lines = ["| lesson | check | wrong answer | hint given |", "|---|---|---|---|"]
    for case in CASES:
        if expected(case, world) in (OK, TODO) and not include_accepted:
            continue
        feedback = run(case, world)
        given = "✅ accepted" if feedback else ("⏳ not answered yet" if not feedback.answered else feedback.message)
        cells = [case.lesson, f"`{case.check}`", case.answer, given]
        lines.append("| " + " | ".join(cell.replace("|", "\\|").replace("\n", " ") for cell in cells) + " |")
    return "\n".join(lines)


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--markdown", action="store_true", help="print the table of wrong answers and their hints")
    parser.add_argument("--all", action="store_true", help='with --markdown: the accepted and "not answered" rows too')
    options = parser.parse_args()
    import tlcourse  # noqa: F401  (silences TensorFlow before anything imports it)

    if not options.markdown:
        parser.print_help()
        sys.exit(0)
    print(markdown(include_accepted=options.all))
