"""The lessons as nbgrader assignments, graded by the real nbgrader (offline, in a temporary course folder).

The autograde test grades lessons 01 and 04, two of the quickest with checked exercises, for three
students each: the worked answers, the untouched release, one typical wrong answer (each lesson costs
three runs of it, one after another; see the times in INSTRUCTORS.md). ``TLCOURSE_NBGRADER_LESSONS=01``
grades fewer, ``TLCOURSE_NBGRADER_LESSONS=01,04,07`` more."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from tlcourse.classroom import nbgrader_export as ng
from tlcourse.classroom.__main__ import main
from tlcourse.notebooks import ROOT

pytest.importorskip("nbgrader", reason="nbgrader is not installed: pip install -e '.[test]'")

BIN = Path(sys.executable).parent
# One typical wrong answer per graded lesson: (exercise number, the wrong answer cell).
WRONG = {
    "01_pretrained_models": (1, "answer = (64, 928)  # the pair swapped"),
    "04_fine_tuning": (1, "answer = 1e-2  # higher than the head's rate"),
    "07_beyond_classification": (1, "answer = 0.5"),
}
LESSONS = [n for n in WRONG if n[:2] in os.environ.get("TLCOURSE_NBGRADER_LESSONS", "01,04").split(",")]


def nbgrader(course: Path, *args: str, timeout: int = 900) -> subprocess.CompletedProcess:
    """Run the real nbgrader in ``course`` (the venv first on PATH: it calls alembic)."""
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}",
           "TLCOURSE_DATA": os.environ.get("TLCOURSE_DATA", "/work/shared/data")}
    done = subprocess.run([str(BIN / "nbgrader"), *args], cwd=course, env=env, capture_output=True, text=True,
                          timeout=timeout)
    assert done.returncode == 0, f"nbgrader {' '.join(args)} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    assert "[ERROR]" not in done.stderr and "| ERROR]" not in done.stderr, done.stderr[-3000:]
    return done


@pytest.fixture(scope="module")
def course(tmp_path_factory) -> Path:
    """Every lesson exported and released (``generate_assignment``), with the course's own database.

    The releases go through nbgrader's own Python API in this process (what ``nbgrader
    generate_assignment`` runs, without starting nbgrader seven times); grading goes through the command."""
    from nbgrader.apps import NbGraderAPI
    from traitlets.config import Config

    folder = tmp_path_factory.mktemp("nbgrader") / "course"
    assert main(["nbgrader", "--output", str(folder)]) == 0
    config = Config()
    config.CourseDirectory.root = str(folder)
    exec((folder / "nbgrader_config.py").read_text(), {"get_config": lambda: config})  # the course's settings
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PATH", f"{BIN}{os.pathsep}{os.environ['PATH']}")  # the database is created by alembic
        patch.chdir(folder)
        api = NbGraderAPI(config=config)
        for notebook in sorted((folder / "source").glob("*/*.ipynb")):
            result = api.generate_assignment(notebook.parent.name)
            assert result["success"], f"{notebook.parent.name}: {result.get('error')}\n{result.get('log')}"
    return folder


def _code_lines(text: str) -> set[str]:
    return {ln.split("#")[0].strip() for ln in text.splitlines()} - {""}


def worked_answers(folder: Path, lesson: str) -> list[set[str]]:
    """The code lines of each worked answer in a lesson's source notebook (between the solution markers)
    that the student notebook in lessons/ does not hold anywhere (comments left out)."""
    student = nbformat.read(ROOT / "lessons" / f"{lesson}.ipynb", as_version=4)
    known = _code_lines("\n".join(c.source for c in student.cells))
    nb = nbformat.read(folder / "source" / lesson / f"{lesson}.ipynb", as_version=4)
    return [_code_lines(m.group(1)) - known for c in nb.cells if c.cell_type == "code"
            for m in re.finditer(r"### BEGIN SOLUTION\n(.*?)### END SOLUTION", c.source, re.S)]


def test_every_lesson_with_exercises_is_exported(course):
    lessons = sorted(p.name for p in (course / "source").iterdir())
    assert lessons and all(re.fullmatch(r"\d\d_\w+", n) for n in lessons), lessons
    assert "00_setup_check" not in lessons  # no exercises, nothing to grade
    assert (course / "nbgrader_config.py").exists()


def test_release_holds_no_worked_answer_and_runs_top_to_bottom(course):
    for source in sorted((course / "source").iterdir()):
        released = course / "release" / source.name / f"{source.name}.ipynb"
        nb = nbformat.read(released, as_version=4)
        text = "\n".join(c.source for c in nb.cells)
        answers = worked_answers(course, source.name)
        assert answers, source.name
        for answer in answers:
            assert answer and not answer & _code_lines(text), (source.name, answer)
        assert "BEGIN SOLUTION" not in text and "NotImplementedError" not in text, source.name
        graded = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade")]
        tests = [c for c in graded if c.cell_type == "code"]
        assert tests and all(c.metadata["nbgrader"]["locked"] and "assert feedback, feedback" in c.source
                             for c in tests), source.name
        for cell in nb.cells:  # every student answer cell still holds the placeholder
            if cell.metadata.get("nbgrader", {}).get("solution") and cell.cell_type == "code":
                assert "..." in cell.source and ng.CODE_STUB in cell.source, cell.source


def submit(course: Path, lesson: str, student: str, answers: dict[int, str]) -> None:
    """Copy the release into ``submitted/student/lesson``, with ``answers`` (exercise number -> code) filled in."""
    nb = nbformat.read(course / "release" / lesson / f"{lesson}.ipynb", as_version=4)
    for cell in nb.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id", "")
        if grade_id.startswith("answer_") and int(grade_id.split("_")[1]) in answers:
            cell.source = answers[int(grade_id.split("_")[1])]
    folder = course / "submitted" / student / lesson
    folder.mkdir(parents=True)
    nbformat.write(nb, folder / f"{lesson}.ipynb")


def scores(course: Path, lesson: str, student: str) -> dict[str, float]:
    """The autograded score of each check cell of a student's graded lesson."""
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        notebook = gradebook.find_submission_notebook(lesson, lesson, student)
        return {g.name: g.auto_score for g in notebook.grades if g.name.startswith("check_")}


@pytest.mark.parametrize("lesson", LESSONS)
def test_autograde_scores_worked_untouched_and_one_wrong(course, lesson):
    source = nbformat.read(course / "source" / lesson / f"{lesson}.ipynb", as_version=4)
    full = {int(c.metadata["nbgrader"]["grade_id"].split("_")[1]): c.source.replace("### BEGIN SOLUTION\n", "")
            .replace("\n### END SOLUTION", "") for c in source.cells
            if c.metadata.get("nbgrader", {}).get("grade_id", "").startswith("answer_")}
    number, wrong = WRONG[lesson]
    submit(course, lesson, "worked", full)
    submit(course, lesson, "untouched", {})
    submit(course, lesson, "one_wrong", {**full, number: wrong})
    for student in ("worked", "untouched", "one_wrong"):
        nbgrader(course, "db", "student", "add", student)
    # one command grades every submission, one after another, as a teacher runs it (three autograde
    # commands at once in one course folder failed in CI: kernels died or did not answer at start-up)
    nbgrader(course, "autograde", lesson)
    worked, untouched, one_wrong = (scores(course, lesson, s) for s in ("worked", "untouched", "one_wrong"))
    points = ng.POINTS * len(full)
    print(f"{lesson}: worked {sum(worked.values())}/{points}, untouched {sum(untouched.values())}, "
          f"one wrong {sum(one_wrong.values())}")
    assert len(worked) == len(full) and sum(worked.values()) == points, worked
    assert sum(untouched.values()) == 0, untouched
    assert one_wrong == {**worked, f"check_{number}": 0}, one_wrong
    nbgrader(course, "generate_feedback", lesson)
    report = (course / "feedback" / "one_wrong" / lesson / f"{lesson}.html").read_text()
    assert "AssertionError" in report  # the student sees the failed check with its hint


def test_export_into_a_non_empty_folder_names_the_fix(tmp_path, capsys):
    (tmp_path / "old.txt").write_text("a previous class")
    assert main(["nbgrader", "--output", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "not an empty folder" in err and "new folder" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["old.txt"]  # nothing written


def _course_with(tmp_path: Path, exercise: str) -> Path:
    """A copy of lesson 01's source with its first exercise cell replaced by ``exercise``."""
    root = tmp_path / "repo"
    (root / "course").mkdir(parents=True)
    nb = nbformat.read(ROOT / "course" / "01_pretrained_models.ipynb", as_version=4)
    cell = next(c for c in nb.cells if "exercise" in c.metadata.get("tags", []))
    cell.source = exercise
    nbformat.write(nb, root / "course" / "01_pretrained_models.ipynb")
    return root


def test_an_exercise_without_a_check_names_the_fix(tmp_path, capsys):
    root = _course_with(tmp_path, "answer = ...  # (trainable, non_trainable)")
    out = tmp_path / "out"
    assert main(["nbgrader", "--output", str(out), "--root", str(root)]) == 2
    err = capsys.readouterr().err
    assert "01_pretrained_models.ipynb, exercise cell 1" in err and "must end with its check" in err
    assert "(Open)" in err  # or make it an open exercise
    assert not out.exists()  # a failed export writes nothing


def test_the_check_is_found_however_the_exercise_is_written(tmp_path):
    placeholder, check = ng.split_exercise("few = f(x)\nanswer = ...  # the head\nchecks.head(\n    answer, x)", "t")
    assert placeholder == "few = f(x)\nanswer = ...  # the head" and check == "checks.head(\n    answer, x)"
    assert ng.worked_answer('feedback = checks.size("int8")\nassert feedback, feedback\nfeedback', "t") == \
        'answer = "int8"'
    with pytest.raises(ng.ExportError, match="no worked answer"):
        ng.worked_answer("feedback = checks.size(answer)\nfeedback", "t")


def test_cli_writes_only_the_lessons_asked(tmp_path):
    assert main(["nbgrader", "--output", str(tmp_path / "c"), "01"]) == 0
    assert [p.name for p in (tmp_path / "c" / "source").iterdir()] == ["01_pretrained_models"]
    shutil.rmtree(tmp_path / "c")
