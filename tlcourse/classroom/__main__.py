"""``python -m tlcourse.classroom nbgrader --output DIR``: write the nbgrader course folder;
``python -m tlcourse.classroom hub``: start the class's JupyterHub on this machine, to try it before class."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from tlcourse.classroom.nbgrader_export import ExportError, export
from tlcourse.notebooks import ROOT


def _hub(args: argparse.Namespace) -> int:
    from tlcourse.classroom import hub
    from tlcourse.data import provision_target
    from tlcourse.zoo.sources import tlcourse_home

    settings = hub.HubSettings(state=args.state, tlcourse_home=args.home or tlcourse_home(),
                               tlcourse_data=args.data or provision_target(), port=args.port,
                               hub_port=args.hub_port, proxy_api_port=args.proxy_api_port)
    try:
        return hub.serve(settings)
    except hub.HubError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tlcourse.classroom", description="Classroom tools: the lessons "
                                     "as nbgrader assignments, and the class's JupyterHub on this machine.")
    commands = parser.add_subparsers(dest="command", required=True)
    nbg = commands.add_parser("nbgrader", help="write an nbgrader course folder from course/")
    nbg.add_argument("--output", type=Path, required=True, help="a new or empty folder")
    nbg.add_argument("--root", type=Path, default=ROOT, help="the repository (holds course/)")
    nbg.add_argument("lessons", nargs="*", help="only these lessons, by number (03) or name (default: all)")
    hub = commands.add_parser("hub", help="start the class's JupyterHub on 127.0.0.1 (Ctrl-C stops it)")
    hub.add_argument("--port", type=int, default=8000, help="the address students open (default 8000)")
    hub.add_argument("--hub-port", type=int, default=8081, help="the hub's internal API (default 8081)")
    hub.add_argument("--proxy-api-port", type=int, default=8001, help="the proxy's API (default 8001)")
    hub.add_argument("--state", type=Path, default=ROOT / "build" / "hub",
                     help="the hub's database, log and students' homes (default build/hub)")
    hub.add_argument("--home", type=Path, help="the shared TLCOURSE_HOME (default: this user's)")
    hub.add_argument("--data", type=Path, help="the shared TLCOURSE_DATA (default: this user's)")
    args = parser.parse_args(argv)
    if args.command == "hub":
        return _hub(args)
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
