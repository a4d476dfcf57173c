"""Command line: ``python -m tlcourse provision`` converts the embedded weights once."""
from __future__ import annotations

import argparse
import sys


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tlcourse", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("provision", help="find or download the embedded ImageNet weights and convert them to Keras")
    p.add_argument("models", nargs="*", help="models to provision (default: all embedded ones)")
    sub.add_parser("where", help="print the cache folders tlcourse uses")
    args = parser.parse_args(argv)

    from tlcourse import env

    env.quiet_tensorflow()
    if args.command == "provision":
        from tlcourse import zoo

        zoo.provision(args.models or None)
    elif args.command == "where":
        from tlcourse import data, zoo

        print("TLCOURSE_HOME (converted weights):", zoo.tlcourse_home())
        print("TLCOURSE_DATA (data sets):", data.data_home() or "(not set)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
