"""Command line for setting up the course's caches (see INSTRUCTORS.md).

  python -m tlcourse provision          convert the embedded ImageNet weights into $TLCOURSE_HOME
  python -m tlcourse provision --data   ... and put both data sets into $TLCOURSE_DATA (a classroom's shared cache)
  python -m tlcourse check              prove, writing nothing, that the caches are complete (run it as a student)
  python -m tlcourse where              print the cache folders in use
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path


def _share(folders: list[Path], parents: list[Path]) -> int:
    """Make what this user owns readable by everyone: ``folders`` and all inside (a+r, a+x on folders), and
    the ``parents`` themselves (a+rx, not what else they hold). Returns how many modes changed."""
    changed = 0
    uid = os.geteuid() if hasattr(os, "geteuid") else None
    paths = [*parents, *(p for folder in folders for p in [folder, *folder.rglob("*")])]
    for path in paths:
        st = path.lstat()
        if path.is_symlink() or (uid is not None and st.st_uid != uid):
            continue
        wanted = st.st_mode | (0o555 if path.is_dir() else 0o444)
        if wanted != st.st_mode:
            try:
                os.chmod(path, wanted & 0o7777)
            except OSError:  # a read-only mount: what is there stays as it is
                continue
            changed += 1
    return changed


def _where_writable(folder: Path) -> str:
    from tlcourse.zoo import sources

    if not folder.exists():
        return "does not exist"
    return "writable by this user" if sources.writable(folder) else "read-only for this user"


def provision(args) -> int:
    from tlcourse import data, zoo

    start = time.perf_counter()
    home = zoo.tlcourse_home()
    print(f"Converting the embedded ImageNet weights into TLCOURSE_HOME={home}")
    weights = zoo.provision(args.models or None)
    folders = [home / "weights"] + ([home / "sources"] if (home / "sources").is_dir() else [])
    parents, data_target = [home], None
    if args.data:
        data_target = data.provision_target()
        where = "TLCOURSE_DATA" if data.data_home() else "the Keras cache (TLCOURSE_DATA is not set)"
        print(f"\nPutting the data sets into {where}: {data_target}")
        folders += list(data.provision(args.data_from, download=not args.no_download).values())
        parents.append(data_target)
    shared = _share(folders, parents)

    print(f"\nProvisioned in {time.perf_counter() - start:.0f} s:")
    print(f"  weights  {home}  ({len(weights)} models, {data.folder_size(home / 'weights') / 1e6:.0f} MB in weights/)")
    if data_target is not None:
        for name in data.DATASETS:
            print(f"  data     {data_target / name}  ({data.folder_size(data_target / name) / 1e6:.0f} MB)")
    if shared:
        print(f"  made {shared} files and folders readable by every user (a+rX)")
    for folder in parents:
        closed = [p for p in folder.resolve().parents if not p.stat().st_mode & 0o001]
        if closed:
            print(f"  warning: other users cannot reach {folder}: run  chmod a+x {' '.join(map(str, closed[::-1]))}")
    print("\nThe environment of every user of this cache needs:")
    print(f"  export TLCOURSE_HOME={home.resolve()}")
    if data_target is not None:
        print(f"  export TLCOURSE_DATA={data_target.resolve()}")
    print("Then, as one of them: python -m tlcourse check")
    return 0


def check(args) -> int:
    from tlcourse import data, zoo

    print("Checking the course's caches (this writes nothing).")
    home = zoo.tlcourse_home()
    print(f"TLCOURSE_HOME={home}  ({_where_writable(home)})")
    if data.data_home():
        print(f"TLCOURSE_DATA={data.data_home()}  ({_where_writable(data.data_home())})")
    else:
        print("TLCOURSE_DATA is not set: the loaders look in the Keras cache", data.keras_datasets_dir())
    rows = zoo.check_weights(args.models or None, load=not args.quick)
    if not args.no_data:
        rows += data.check(decode=not args.quick)
    for name, ok, detail in rows:
        print(f"  {'ok  ' if ok else 'FAIL'}  {name:<24} {detail}")
    failed = [name for name, ok, _ in rows if not ok]
    if not failed:
        print("All complete: the lessons will find everything without downloading or converting.")
        return 0
    env = f"TLCOURSE_HOME={home}" + (f" TLCOURSE_DATA={data.data_home()}" if data.data_home() else "")
    models = " " + " ".join(args.models) if args.models else ""
    print(f"\nMissing or unusable: {', '.join(failed)}.\n"
          f"Fix: as a user who may write to these folders, run\n  {env} python -m tlcourse provision{models} --data\n"
          "(add --data-from DIR on a machine without internet), then run this check again.", file=sys.stderr)
    return 1


def _embedded(parser: argparse.ArgumentParser, models: list[str]) -> list[str]:
    """Catalog names of ``models``; a usage error for one the course has no embedded weights for."""
    from tlcourse import zoo
    from tlcourse.zoo import sources

    out = []
    for model in models:
        try:
            name = zoo.info(model).name
        except KeyError:
            name = model
        if name not in sources.SOURCES:
            parser.error(f"no embedded weights for {model!r}; the models tlcourse provisions are "
                         f"{', '.join(sources.SOURCES)} (the others use Keras's own weights cache)")
        out.append(name)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tlcourse", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("provision", help="convert the embedded ImageNet weights (and with --data, fetch the data sets)")
    p.add_argument("models", nargs="*", help="models to provision (default: all embedded ones)")
    p.add_argument("--data", action="store_true",
                   help="also put both data sets into $TLCOURSE_DATA (else the Keras cache ~/.keras/datasets)")
    p.add_argument("--data-from", metavar="DIR",
                   help="copy the data sets from DIR (holding cats_and_dogs_filtered/ and fashion-mnist/)")
    p.add_argument("--no-download", action="store_true", help="never download the data sets (copy only)")
    c = sub.add_parser("check", help="verify, writing nothing, that weights and data sets are complete and usable")
    c.add_argument("models", nargs="*", help="models to check (default: all embedded ones)")
    c.add_argument("--no-data", action="store_true", help="check the weights only")
    c.add_argument("--quick", action="store_true", help="only look for the files; do not load models or read images")
    sub.add_parser("where", help="print the cache folders tlcourse uses")
    args = parser.parse_args(argv)

    from tlcourse import env

    env.quiet_tensorflow()
    if args.command in ("provision", "check") and args.models:
        args.models = _embedded(parser, args.models)
    if args.command == "provision":
        from tlcourse.data import DataNotFoundError
        from tlcourse.zoo import MissingWeightsError

        try:
            return provision(args)
        except (DataNotFoundError, MissingWeightsError, PermissionError) as err:
            print(f"\nprovision failed: {err}", file=sys.stderr)
            return 1
    if args.command == "check":
        return check(args)
    from tlcourse import data, zoo

    home = zoo.tlcourse_home()
    print("TLCOURSE_HOME (converted weights):", home, f"({_where_writable(home)})")
    print("TLCOURSE_DATA (data sets):", data.data_home() or f"(not set; the Keras cache {data.keras_datasets_dir()})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
