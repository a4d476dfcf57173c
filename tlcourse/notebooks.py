"""Student and solution notebooks, generated from one source notebook per lesson.

Each lesson is written once, in ``course/NN_name.ipynb`` (stored without outputs). Tags on its cells
say where each cell goes:

- ``exercise``: the student's starting cell (``answer = ...``); student notebook only;
- ``solution``: a worked answer, its explanation, or setup only the solutions need; solutions only;
- ``setup``: a lesson cell the solutions need too (imports, the model, the data);
- ``exercises``: the first cell of the exercise section; it and every later cell go in both
  notebooks (minus the cells tagged ``exercise`` or ``solution``, as above).

``python -m tlcourse.notebooks`` writes ``lessons/NN_name.ipynb`` (everything but the solutions) and
``lessons/solutions/NN_name_solutions.ipynb`` (a title, the setup cells, the solution-only cells, then
the exercise section with worked answers). Outputs of cells whose code did not change are kept, so
only edited cells need running again (``make execute``). ``--check`` writes nothing and fails when
a generated notebook is out of date: the test suite runs it.
"""
from __future__ import annotations

import argparse
import copy
import re
import sys
from pathlib import Path

import nbformat

EXERCISE, SOLUTION, SETUP, EXERCISES = "exercise", "solution", "setup", "exercises"
SOLUTIONS_SUFFIX = "_solutions"  # lessons/solutions/NN_name_solutions.ipynb
ROOT = Path(__file__).resolve().parent.parent


class SourceError(ValueError):
    """A source notebook breaks the tagging rules (the message names the notebook and the cell)."""


def tags(cell) -> set[str]:
    return set(cell.get("metadata", {}).get("tags", []))


def _first_exercises_cell(nb, name: str) -> int:
    marked = [i for i, c in enumerate(nb.cells) if EXERCISES in tags(c)]
    if len(marked) != 1:
        raise SourceError(f"{name}: tag exactly one cell (the exercise section's heading) {EXERCISES!r}; found {len(marked)}")
    return marked[0]


def validate(nb, name: str) -> None:
    """Check the tagging rules: every exercise cell is followed by its worked answer, and so on."""
    start = _first_exercises_cell(nb, name)
    cells = nb.cells
    for i, cell in enumerate(cells):
        t = tags(cell)
        where = f"{name}, cell {i} ({cell.source.splitlines()[0][:50] if cell.source else 'empty'!r})"
        if EXERCISE in t and SOLUTION in t:
            raise SourceError(f"{where}: a cell cannot be tagged both {EXERCISE!r} and {SOLUTION!r}")
        if EXERCISE in t and i < start:
            raise SourceError(f"{where}: exercises belong after the cell tagged {EXERCISES!r}")
        if EXERCISE in t and cell.cell_type == "code":
            following = [c for c in cells[i + 1:] if EXERCISE not in tags(c)]
            answers = []
            for c in following:
                if SOLUTION not in tags(c):
                    break
                answers.append(c)
            if not any(c.cell_type == "code" for c in answers):
                raise SourceError(f"{where}: an exercise cell must be followed by a code cell tagged {SOLUTION!r}")
            if "..." not in cell.source:
                raise SourceError(f"{where}: the student's cell should leave `...` for the answer")


def is_solutions(path: str | Path) -> bool:
    """Whether a notebook is a generated worked-answers notebook (``NN_name_solutions.ipynb``)."""
    return Path(path).stem.endswith(SOLUTIONS_SUFFIX)


def notebook_title(nb) -> str | None:
    """The text of the notebook's first ``# `` heading (level 1) in a markdown cell, or None."""
    for cell in nb.cells:
        if cell.cell_type != "markdown":
            continue
        for line in cell.source.splitlines():
            match = re.match(r"#\s+(.+?)\s*#*\s*$", line)
            if match:
                return match.group(1)
    return None


def student_version(nb, name: str = "source") -> nbformat.NotebookNode:
    """Every cell except those tagged ``solution``."""
    validate(nb, name)
    out = copy.deepcopy(nb)
    out.cells = [c for c in out.cells if SOLUTION not in tags(c)]
    return out


def solution_version(nb, name: str = "source") -> nbformat.NotebookNode:
    """A title, the ``setup`` and ``solution`` cells before the exercises, then the exercises with answers."""
    validate(nb, name)
    start = _first_exercises_cell(nb, name)
    out = copy.deepcopy(nb)
    before = [c for c in out.cells[:start] if tags(c) & {SETUP, SOLUTION}]
    after = [c for c in out.cells[start:] if EXERCISE not in tags(c)]
    title = nbformat.v4.new_markdown_cell(
        f"# {notebook_title(nb) or 'Lesson'}: solutions\n\n"
        "**Objectives.** After trying the lesson's exercises yourself, compare each of your answers with a worked "
        "one, read why it is right, and see the course's check accept it.\n\n"
        "First the setup the exercises need, then each exercise with its worked answer.\n\n"
        f"*Generated from `course/{name}` by `make notebooks`: edit the source, not this file.*"
    )
    title.id = "solutions-title"
    out.cells = [title, *before, *after]
    return out


def _comparable(nb) -> list[tuple]:
    return [(c.get("id"), c.cell_type, c.source, tuple(c.get("metadata", {}).get("tags", []))) for c in nb.cells]


def _keep_outputs(new, old) -> None:
    """Copy outputs from ``old`` to the cells of ``new`` whose id, type and code are unchanged."""
    previous = {c.get("id"): c for c in old.cells}
    for cell in new.cells:
        was = previous.get(cell.get("id"))
        if cell.cell_type == "code" and was is not None and was.cell_type == "code" and was.source == cell.source:
            cell.outputs = was.outputs
            cell.execution_count = was.execution_count
    if "widgets" in old.metadata:
        new.metadata["widgets"] = old.metadata["widgets"]


def targets(root: Path = ROOT) -> list[tuple[Path, Path, Path]]:
    """(source, student notebook, solution notebook) for every lesson with a source."""
    out = []
    for source in sorted((root / "course").glob("[0-9][0-9]_*.ipynb")):
        out.append((source, root / "lessons" / source.name,
                    root / "lessons" / "solutions" / f"{source.stem}{SOLUTIONS_SUFFIX}.ipynb"))
    return out


def generate(root: Path = ROOT, check: bool = False, only: list[str] | None = None) -> list[Path]:
    """Write (or with ``check``, only compare) every generated notebook; returns those that were out of date.

    ``only`` limits the work to the lessons whose number (``"03"``) or name (``"03_freezing"``) is listed."""
    stale = []
    pairs = targets(root)
    if not pairs:
        raise SourceError(f"no source notebooks in {root / 'course'}")
    if only:
        pairs = [p for p in pairs if p[0].stem in only or p[0].stem[:2] in only]
        if not pairs:
            raise SourceError(f"no source notebook in {root / 'course'} matches {only}: give a lesson number like 03")
    for source, student, solutions in pairs:
        nb = nbformat.read(source, as_version=4)
        has_exercises = any(EXERCISES in tags(c) for c in nb.cells)
        wanted = [(student, student_version(nb, source.name) if has_exercises else copy.deepcopy(nb))]
        if has_exercises:
            wanted.append((solutions, solution_version(nb, source.name)))
        for path, new in wanted:
            old = nbformat.read(path, as_version=4) if path.exists() else None
            if old is not None and _comparable(old) == _comparable(new):
                continue
            stale.append(path)
            if not check:
                if old is not None:
                    _keep_outputs(new, old)
                path.parent.mkdir(parents=True, exist_ok=True)
                nbformat.write(new, path)
    return stale


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tlcourse.notebooks", description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="write nothing; exit 1 if a generated notebook is stale")
    parser.add_argument("--root", type=Path, default=ROOT, help="the repository (holds course/ and lessons/)")
    parser.add_argument("lessons", nargs="*", help="only these lessons, by number (03) or name (default: all)")
    args = parser.parse_args(argv)
    try:
        stale = generate(args.root, check=args.check, only=args.lessons or None)
    except SourceError as err:
        print(err, file=sys.stderr)
        return 2
    for path in stale:
        print(("out of date: " if args.check else "wrote ") + str(path.relative_to(args.root)))
    if args.check and stale:
        print("Edit the source in course/, then run `make notebooks` (and `make execute` for fresh outputs).")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
