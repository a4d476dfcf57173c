"""``python -m tlcourse.classroom nbgrader --output DIR``: write the nbgrader course folder."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from tlcourse.classroom.nbgrader_export import ExportError, export
from tlcourse.notebooks import ROOT


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tlcourse.classroom", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    nbg = commands.add_parser("nbgrader", help="write an nbgrader course folder from course/")
    nbg.add_argument("--output", type=Path, required=True, help="a new or empty folder")
    nbg.add_argument("--root", type=Path, default=ROOT, help="the repository (holds course/)")
    nbg.add_argument("lessons", nargs="*", help="only these lessons, by number (03) or name (default: all)")
    args = parser.parse_args(argv)
    try:
        written = export(args.output, args.root, args.lessons or None)
    except ExportError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    for path in written:
        print(f"wrote {path}")
    print(f"Next: cd {args.output} && nbgrader generate_assignment NN_topic (see INSTRUCTORS.md)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
