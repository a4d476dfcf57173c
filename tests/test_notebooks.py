"""Student and solution notebooks are generated from course/ and must stay in sync, and apart."""
from __future__ import annotations

import nbformat
import pytest

from tlcourse import notebooks
from tlcourse.notebooks import EXERCISE, EXERCISES, SETUP, SOLUTION, SourceError, tags

ROOT = notebooks.ROOT
TARGETS = notebooks.targets(ROOT)


def test_every_lesson_has_a_source():
    lessons = sorted(p.name for p in (ROOT / "lessons").glob("[0-9][0-9]_*.ipynb"))
    assert lessons == [source.name for source, _, _ in TARGETS]
    solutions = sorted(p.name for p in (ROOT / "lessons" / "solutions").glob("*.ipynb"))
    assert solutions == sorted(sol.name for _, _, sol in TARGETS if sol.exists())
    assert len(solutions) == 7


def test_generated_notebooks_are_in_sync_with_their_sources():
    stale = notebooks.generate(ROOT, check=True)
    assert stale == [], f"run `make notebooks` (then `make execute`): {[str(p) for p in stale]}"


@pytest.mark.parametrize("source,student,solutions", TARGETS, ids=[s.stem for s, _, _ in TARGETS])
def test_student_notebook_is_free_of_solutions(source, student, solutions):
    src = nbformat.read(source, as_version=4)
    nb = nbformat.read(student, as_version=4)
    answers = [c.source for c in src.cells if SOLUTION in tags(c) and c.cell_type == "code"]
    assert not any(SOLUTION in tags(c) for c in nb.cells)
    codes = [c.source for c in nb.cells]
    code_lines = {line.split("#")[0].strip() for code in codes for line in code.splitlines()}
    for answer in answers:
        assert answer not in codes
        # nor pasted into another cell: no line that computes an answer appears in the student's code
        for line in answer.splitlines():
            line = line.split("#")[0].strip()
            if line.startswith("answer =") and line != "answer = ...":
                assert line not in code_lines, line
    stubs = [c for c in nb.cells if EXERCISE in tags(c)]
    assert all("..." in c.source for c in stubs)
    assert len(stubs) == sum(EXERCISE in tags(c) for c in src.cells)


@pytest.mark.parametrize("source,student,solutions", [t for t in TARGETS if t[2].exists()],
                         ids=[s.stem for s, _, sol in TARGETS if sol.exists()])
def test_solution_notebook_answers_every_exercise(source, student, solutions):
    src = nbformat.read(source, as_version=4)
    nb = nbformat.read(solutions, as_version=4)
    assert not any(EXERCISE in tags(c) for c in nb.cells)
    n_exercises = sum(EXERCISE in tags(c) for c in src.cells)
    worked = [c for c in nb.cells if SOLUTION in tags(c) and c.cell_type == "code" and "checks." in c.source]
    assert n_exercises >= 3 and len(worked) >= n_exercises
    # every worked answer asserts that its own check accepts it, so nbval fails if an answer goes stale
    assert all("assert" in c.source for c in worked)
    assert nb.cells[0].source.startswith("# ") and "solutions" in nb.cells[0].source.splitlines()[0]
    assert any(SETUP in tags(c) for c in nb.cells)


# -- the rules themselves, on small hand-made sources ---------------------------------------------------


def _source(*cells):
    nb = nbformat.v4.new_notebook()
    for kind, text, cell_tags in cells:
        cell = (nbformat.v4.new_code_cell if kind == "code" else nbformat.v4.new_markdown_cell)(text)
        if cell_tags:
            cell.metadata["tags"] = list(cell_tags)
        nb.cells.append(cell)
    return nb


GOOD = [
    ("markdown", "# Lesson 9: Test", ()),
    ("code", "import tlcourse", (SETUP,)),
    ("code", "x = 1  # lesson only", ()),
    ("markdown", "## Exercises", (EXERCISES,)),
    ("markdown", "**1.** What is 2 + 2?", ()),
    ("code", "answer = ...\ncheck(answer)", (EXERCISE,)),
    ("markdown", "Two and two.", (SOLUTION,)),
    ("code", "answer = 4\nassert check(answer)", (SOLUTION,)),
]


def test_versions_split_the_cells_by_tag():
    nb = _source(*GOOD)
    student = [c.source for c in notebooks.student_version(nb).cells]
    solved = [c.source for c in notebooks.solution_version(nb, "09_test.ipynb").cells]
    assert student == ["# Lesson 9: Test", "import tlcourse", "x = 1  # lesson only", "## Exercises",
                       "**1.** What is 2 + 2?", "answer = ...\ncheck(answer)"]
    assert solved[0].startswith("# Lesson 9: Test: solutions") and "course/09_test.ipynb" in solved[0]
    assert solved[1:] == ["import tlcourse", "## Exercises", "**1.** What is 2 + 2?", "Two and two.",
                          "answer = 4\nassert check(answer)"]


@pytest.mark.parametrize("broken,message", [
    ([c for c in GOOD if c[1] != "answer = 4\nassert check(answer)"], "followed by a code cell tagged 'solution'"),
    ([(k, t, tuple(x for x in tg if x != EXERCISES)) for k, t, tg in GOOD], "exactly one cell"),
    ([(k, "answer = 3\ncheck(answer)" if EXERCISE in tg else t, tg) for k, t, tg in GOOD], "leave `...`"),
    ([(k, t, (EXERCISE, SOLUTION) if EXERCISE in tg else tg) for k, t, tg in GOOD], "both"),
])
def test_broken_sources_are_refused_with_the_cell_named(broken, message):
    with pytest.raises(SourceError, match="09_test.ipynb") as err:
        notebooks.student_version(_source(*broken), "09_test.ipynb")
    assert message in str(err.value)


def test_generate_keeps_outputs_of_unchanged_cells_and_check_reports_stale(tmp_path):
    (tmp_path / "course").mkdir()
    nbformat.write(_source(*GOOD), tmp_path / "course" / "09_test.ipynb")
    assert len(notebooks.generate(tmp_path)) == 2
    assert notebooks.generate(tmp_path, check=True) == []
    student_path = tmp_path / "lessons" / "09_test.ipynb"
    student = nbformat.read(student_path, as_version=4)
    student.cells[2].outputs = [nbformat.v4.new_output("stream", text="ran\n")]
    nbformat.write(student, student_path)
    source = nbformat.read(tmp_path / "course" / "09_test.ipynb", as_version=4)
    source.cells[1].source = "import tlcourse  # edited"
    nbformat.write(source, tmp_path / "course" / "09_test.ipynb")
    assert notebooks.main(["--check", "--root", str(tmp_path)]) == 1
    notebooks.generate(tmp_path)
    regenerated = nbformat.read(student_path, as_version=4)
    assert regenerated.cells[1].source == "import tlcourse  # edited"
    assert regenerated.cells[2].outputs[0]["text"] == "ran\n"  # unchanged cell: output kept


def test_no_sources_is_a_clear_error(tmp_path):
    with pytest.raises(SourceError, match="no source notebooks"):
        notebooks.generate(tmp_path)


def test_sources_are_stored_without_outputs():
    for source, _, _ in TARGETS:
        nb = nbformat.read(source, as_version=4)
        assert all(not c.get("outputs") and c.get("execution_count") is None for c in nb.cells if c.cell_type == "code")

