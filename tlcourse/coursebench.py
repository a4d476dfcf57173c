"""The course's performance budget: run every lesson headless, time it, and take its peak memory.

``python -m tlcourse.coursebench`` (or ``make bench``) executes each notebook in ``lessons/`` in a
fresh kernel, as a student's "Run all" would, and prints a table of wall time and the kernel's
peak resident memory per lesson. Budget: each lesson <= 120 s on 2 cores and <= 1.8 GB (Binder
gives 2 GB); the whole course <= 10 minutes.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from .memory import PEAKS_FILE, lesson_peaks
from .notebooks import is_solutions

LESSON_SECONDS, COURSE_SECONDS, LESSON_MB = 120, 600, 1800
SLOW_CELL_SECONDS = 5  # a cell that runs longer should show a progress bar (tlcourse.progress)
WIDGET = "application/vnd.jupyter.widget-view+json"


def run_notebook(path: str | Path, timeout: int = 900, write: bool = False) -> dict:
    """Execute a notebook in a fresh kernel; return its wall time (s) and the kernel's peak memory (MB).

    With ``write``, the executed notebook (outputs and widget state) replaces the file, as
    ``jupyter nbconvert --execute --inplace`` would: ``make execute`` refreshes the lessons this way.
    """
    import nbformat
    from nbclient import NotebookClient

    from .bench import proc_status_mb
    from .progress import bar

    path = Path(path)
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}})
    start = time.perf_counter()
    with client.setup_kernel():
        pid = getattr(getattr(client.km, "provisioner", None), "process", None)
        pid = getattr(pid, "pid", None)
        cells = bar(list(enumerate(nb.cells)), desc=path.name, unit="cell", leave=True)
        slow = []
        for index, cell in cells:
            began = time.perf_counter()
            client.execute_cell(cell, index)
            took = time.perf_counter() - began
            if cell.cell_type == "code" and took > SLOW_CELL_SECONDS:
                shows_bar = any(WIDGET in out.get("data", {}) for out in cell.outputs)
                slow.append({"cell": index, "seconds": took, "progress bar": shows_bar,
                             "code": cell.source.splitlines()[0] if cell.source else ""})
        peak = proc_status_mb("VmHWM", pid) if pid else None  # the kernel's peak
        if write:
            client.set_widgets_metadata()
    seconds = time.perf_counter() - start
    if write:
        nbformat.write(nb, path)
    return {"lesson": path.name, "seconds": seconds, "peak MB": peak, "slow cells": slow}


def table(rows: list[dict]) -> str:
    """The results as a Markdown table, with the budget verdict per lesson and in total."""
    lines = ["| lesson | wall time (s) | peak memory (MB) | within budget |", "|---|---|---|---|"]
    for r in rows:
        ok = r["seconds"] <= LESSON_SECONDS and (r["peak MB"] is None or r["peak MB"] <= LESSON_MB)
        peak = "n/a" if r["peak MB"] is None else f"{r['peak MB']:.0f}"
        lines.append(f"| {r['lesson']} | {r['seconds']:.0f} | {peak} | {'yes' if ok else 'NO'} |")
    # the course budget is what a student runs: the lessons, not the worked answers
    solutions = [r for r in rows if is_solutions(r["lesson"])]
    lessons = [r for r in rows if r not in solutions]
    if lessons:
        total = sum(r["seconds"] for r in lessons)
        lines.append(f"| **all {len(lessons)} lessons** | **{total:.0f}** | | "
                     f"{'yes' if total <= COURSE_SECONDS else 'NO'} (<= {COURSE_SECONDS} s) |")
    if solutions:
        total = sum(r["seconds"] for r in solutions)
        lines.append(f"| all {len(solutions)} solutions | {total:.0f} | | (outside the course budget) |")
    slow = [(r["lesson"], c) for r in rows for c in r.get("slow cells", [])]
    if slow:
        lines += ["", f"Cells over {SLOW_CELL_SECONDS} s (each should show a progress bar):", "",
                  "| lesson | cell | time (s) | progress bar | first line |", "|---|---|---|---|---|"]
        lines += [f"| {lesson} | {c['cell']} | {c['seconds']:.0f} | {'yes' if c['progress bar'] else 'NO'} | "
                  f"`{c['code'][:60]}` |" for lesson, c in slow]
    return "\n".join(lines)


def record_peaks(rows: list[dict], path: Path = PEAKS_FILE) -> dict[str, float]:
    """Store the lessons' measured peaks (not the solutions') in the memory guard's table; returns it."""
    peaks = {number: round(mb) for number, mb in lesson_peaks(path).items()}  # whole MB, as stored
    for r in rows:
        number = r["lesson"][:2]
        if r["peak MB"] is not None and number.isdigit() and not is_solutions(Path(r["lesson"])):
            peaks[number] = round(float(r["peak MB"]))
    note = "Peak resident memory of each lesson's kernel, measured by `make bench` / `make execute` (coursebench)."
    path.write_text(json.dumps({"about": note, "peak MB": dict(sorted(peaks.items()))}, indent=1) + "\n")
    return peaks


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tlcourse.coursebench", description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", help="notebooks to run (default: lessons/[0-9]*.ipynb)")
    parser.add_argument("--output", help="also write the table to this Markdown file")
    parser.add_argument("--write", action="store_true", help="save each executed notebook in place (make execute)")
    parser.add_argument("--record-peaks", action="store_true",
                        help=f"store each lesson's peak memory in {PEAKS_FILE.name}, the memory guard's table")
    args = parser.parse_args(argv)
    paths = [Path(p) for p in args.notebooks] or sorted(Path("lessons").glob("[0-9]*.ipynb"))
    if not paths:
        print("no notebooks found: run from the course's root folder or name them", file=sys.stderr)
        return 2
    rows = []
    for path in paths:
        rows.append(run_notebook(path, write=args.write))
    text = table(rows)
    print(text)
    if args.output:
        Path(args.output).write_text(text + "\n")
    if args.record_peaks:
        record_peaks(rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
