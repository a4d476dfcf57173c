"""The lock file: what CI tests is what `make lab`, Binder and a class hub install.

``binder/requirements.txt`` pins every dependency for every platform (``make lock`` writes it with uv
from pyproject.toml's ranges). Binder builds it in a layer of its own before copying the repository,
which it can do only while the file references nothing local.
"""
from __future__ import annotations

import re
from importlib import metadata
from pathlib import Path

import tomllib
from packaging.markers import Marker
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]
LOCK = ROOT / "binder" / "requirements.txt"


def pins() -> list[tuple[str, str, Marker | None]]:
    """(name, version, marker) of every line of the lock."""
    found = []
    for line in LOCK.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            req = Requirement(line)
            (spec,) = req.specifier
            assert spec.operator == "==", f"{line}: the lock must pin exact versions"
            found.append((canonicalize_name(req.name), spec.version, req.marker))
    return found


def test_the_lock_pins_every_dependency_pyproject_names():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = project["dependencies"] + project["optional-dependencies"]["test"]
    locked = {name for name, _, _ in pins()}
    missing = [r for r in wanted if canonicalize_name(Requirement(r).name) not in locked]
    assert not missing, f"not in {LOCK.name}: {missing}; run `make lock`"
    for requirement in map(Requirement, wanted):
        for name, version, _ in pins():
            if name == canonicalize_name(requirement.name):
                assert requirement.specifier.contains(version, prereleases=True), (
                    f"{name}=={version} in the lock is outside pyproject.toml's {requirement}: run `make lock`")


def test_binder_can_cache_the_environment():
    """repo2docker installs the requirements before copying the repository only if nothing in them is local."""
    local = [line for line in LOCK.read_text().splitlines()
             if re.match(r"\s*(-e|-r|-c|--editable|--requirement|--constraint|\.|/|file:)", line.split("#", 1)[0])]
    assert not local, f"local references stop Binder from caching its environment layer: {local}"
    assert not (ROOT / "binder" / "environment.yml").exists(), "binder/environment.yml would take precedence over the lock"
    assert (ROOT / "binder" / "runtime.txt").read_text().strip() == "python-3.11"
    assert "--no-deps --no-cache-dir -e ." in (ROOT / "binder" / "postBuild").read_text()


def test_the_tests_run_with_the_locked_versions():
    """Every locked package that applies to this machine is installed at the locked version."""
    different = []
    for name, version, marker in pins():
        if marker is not None and not marker.evaluate():
            continue
        try:
            installed = metadata.version(name)
        except metadata.PackageNotFoundError:
            different.append(f"{name}: not installed (locked {version})")
            continue
        if installed != version:
            different.append(f"{name}: {installed} installed, {version} locked")
    assert not different, f"this environment is not the locked one (run `make setup` after a new lock): {different}"


def test_the_conda_environment_installs_the_lock():
    text = (ROOT / "environment.yml").read_text()
    assert "-r binder/requirements.txt" in text and "python=3.11" in text
