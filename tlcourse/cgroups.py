"""Reading this process's cgroup files (v1 and v2): shared by the memory guard and the CPU count."""
from __future__ import annotations

from pathlib import Path


def read_text(path: Path) -> str | None:
    """A cgroup or proc file's text, stripped; None if it is missing or unreadable."""
    try:
        return path.read_text().strip()
    except OSError:
        return None


def read_int(path: Path) -> int | None:
    """The integer in a cgroup or proc file; None for "max", "-1", a missing or an unreadable file."""
    text = read_text(path)
    return int(text) if text is not None and text.isdigit() else None


def paths(proc: Path, controller: str) -> dict[str, str]:
    """``{"v2": path}`` and/or ``{"v1": path}`` of this process's cgroup for ``controller``
    (v1: the hierarchy that has it), from /proc/self/cgroup."""
    found: dict[str, str] = {}
    text = read_text(proc / "self" / "cgroup")
    for line in (text or "").splitlines():
        parts = line.split(":", 2)
        if len(parts) != 3:
            continue
        hierarchy, controllers, path = parts
        if hierarchy == "0" and controllers == "":
            found["v2"] = path
        elif controller in controllers.split(","):
            found["v1"] = path
    return found


def up_to(root: Path, path: str) -> list[Path]:
    """The cgroup folder of ``path`` under ``root`` and each of its parents up to ``root`` (deepest first)."""
    folders, current = [], root / path.strip("/")
    while True:
        folders.append(current)
        if current == root or root not in current.parents:
            return folders
        current = current.parent
