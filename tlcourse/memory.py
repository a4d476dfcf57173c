"""The memory guard: will this lesson fit in the memory that is left, and if not, who holds it?

On Binder (2 GB) or a class hub, students open lesson after lesson without shutting the previous
kernels down; one lesson too many pushes the container over its limit, and the out-of-memory killer
then ends kernels, not always the newest, and their work is lost. :func:`check` runs in
``tlcourse.setup()``, before anything heavy: it compares the memory left in the container (cgroup v2
``memory.max``, cgroup v1 ``memory.limit_in_bytes``, else the machine's memory) with what this lesson
needs (its measured peak in :data:`PEAKS_FILE`, which ``make bench`` refreshes, plus a margin). If
the lesson will not fit, it stops with :class:`NotEnoughMemory`, so that "Run All" stops before any
work is lost; the message names the notebooks whose kernels hold memory, found through the Jupyter
server's REST API, and a button (CSS class ``tlc-free-memory``) shuts those kernels down.
``TLCOURSE_MEMORY_GUARD=0`` turns the guard off.
"""
from __future__ import annotations

import json
import os
import re
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from .cgroups import paths, read_int, up_to

MB = 1024 * 1024
PEAKS_FILE = Path(__file__).with_name("lesson_peaks.json")
MARGIN_MB = 150  # what the measured peak does not see: the notebook's outputs, Python's allocator, a slower kernel
UNLIMITED = 1 << 60  # cgroup v1 writes "no limit" as a huge number (9223372036854771712)


class NotEnoughMemory(RuntimeError):
    """This lesson would not fit in the memory left; the message says who holds it and how to free it."""


@dataclass(frozen=True)
class Memory:
    """The memory this process may use in all (``limit``) and what is in use now, in bytes."""

    limit: int
    used: int
    source: str  # where the figures come from, e.g. "cgroup v2 /sys/fs/cgroup/memory.max"

    @property
    def free(self) -> int:
        return max(self.limit - self.used, 0)


def _from_cgroup_v2(root: Path, path: str) -> Memory | None:
    folders = [f for f in up_to(root, path) if f.is_dir()]
    limits = [(v, f) for f in folders if (v := read_int(f / "memory.max")) is not None]
    used = next((v for f in folders if (v := read_int(f / "memory.current")) is not None), None)
    if not limits or used is None:
        return None
    limit, where = min(limits)
    return Memory(limit, used, f"cgroup v2 {where / 'memory.max'}")


def _inactive_file(folder: Path) -> int:
    """Page cache the kernel can drop at once (cgroup v1 counts it as used); 0 if unknown."""
    try:
        for line in (folder / "memory.stat").read_text().splitlines():
            key, _, value = line.partition(" ")
            if key == "total_inactive_file" and value.strip().isdigit():
                return int(value)
    except OSError:
        pass
    return 0


def _from_cgroup_v1(root: Path, path: str) -> Memory | None:
    folders = [f for f in up_to(root / "memory", path) if f.is_dir()]
    limits = [(v, f) for f in folders if (v := read_int(f / "memory.limit_in_bytes")) is not None and v < UNLIMITED]
    if not limits:
        return None
    limit, where = min(limits)
    used = read_int(where / "memory.usage_in_bytes")
    if used is None:
        return None
    return Memory(limit, max(used - _inactive_file(where), 0), f"cgroup v1 {where / 'memory.limit_in_bytes'}")


def _from_meminfo(proc: Path) -> Memory | None:
    values = {}
    try:
        for line in (proc / "meminfo").read_text().splitlines():
            key, _, rest = line.partition(":")
            values[key] = int(rest.split()[0]) * 1024
    except (OSError, ValueError, IndexError):
        return None
    if "MemTotal" not in values or "MemAvailable" not in values:
        return None
    return Memory(values["MemTotal"], values["MemTotal"] - values["MemAvailable"], f"{proc / 'meminfo'} (no cgroup limit)")


def read_memory(cgroup_root: Path = Path("/sys/fs/cgroup"), proc: Path = Path("/proc")) -> Memory | None:
    """The container's memory limit and use: cgroup v2, then v1, then the machine's; None if unreadable."""
    found = paths(proc, "memory")
    for version, reader in (("v2", _from_cgroup_v2), ("v1", _from_cgroup_v1)):
        if version in found and (memory := reader(cgroup_root, found[version])) is not None:
            return memory
    if not found and (memory := _from_cgroup_v2(cgroup_root, "/")) is not None:  # no /proc/self/cgroup entry
        return memory
    return _from_meminfo(proc)


# -- what a lesson needs ------------------------------------------------------------------------------


def lesson_peaks(path: Path = PEAKS_FILE) -> dict[str, float]:
    """``{"03": peak MB, ...}``: each lesson's measured peak, written by ``make bench`` (coursebench)."""
    try:
        return {str(k): float(v) for k, v in json.loads(path.read_text())["peak MB"].items()}
    except (OSError, ValueError, KeyError, TypeError):
        return {}


def this_lesson(environ: dict | None = None) -> str | None:
    """The lesson number ("03") of the notebook this kernel runs, from Jupyter's ``JPY_SESSION_NAME``."""
    name = (environ if environ is not None else os.environ).get("JPY_SESSION_NAME", "")
    match = re.match(r"(\d\d)_", Path(name).name)
    return match.group(1) if match else None


def own_rss(proc: Path = Path("/proc")) -> int:
    """This process's resident memory in bytes (0 if unknown)."""
    try:
        for line in (proc / "self" / "status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return 0


def needed(lesson: str | None, peaks: dict[str, float], rss: int) -> int | None:
    """Bytes this lesson still needs: its peak (the largest one if unknown) minus what it holds, plus a margin."""
    if not peaks:
        return None
    peak_mb = peaks.get(lesson) if lesson in peaks else max(peaks.values())
    return max(int(peak_mb * MB) - rss, 0) + MARGIN_MB * MB


# -- who holds the memory: the Jupyter server's REST API ------------------------------------------------


@dataclass(frozen=True)
class Kernel:
    """Another notebook's kernel on the same Jupyter server."""

    notebook: str
    kernel_id: str
    rss: int  # bytes, 0 if its process is not visible from here
    server: str  # base URL, ending with "/"
    token: str


def _api(server: str, token: str, path: str, method: str = "GET", timeout: float = 3.0):
    request = urllib.request.Request(server + path, method=method, headers={"Authorization": f"token {token}"})
    with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 (a local Jupyter server)
        body = response.read()
    return json.loads(body) if body else None


def _kernel_rss(kernel_id: str, proc: Path = Path("/proc")) -> int:
    """Resident memory of the process started with ``kernel-<id>.json`` as its connection file."""
    for entry in proc.glob("[0-9]*"):
        try:
            if f"kernel-{kernel_id}.json" in (entry / "cmdline").read_bytes().decode(errors="replace"):
                for line in (entry / "status").read_text().splitlines():
                    if line.startswith("VmRSS:"):
                        return int(line.split()[1]) * 1024
        except (OSError, ValueError, IndexError):
            continue
    return 0


def own_kernel_id() -> str | None:
    """This kernel's id, read from its connection file name (None outside a Jupyter kernel)."""
    try:
        from ipykernel.connect import get_connection_file

        match = re.search(r"kernel-([0-9a-f-]+)\.json", get_connection_file())
    except Exception:  # not in a kernel, or no ipykernel
        return None
    return match.group(1) if match else None


def other_kernels() -> list[Kernel]:
    """The other notebooks' kernels of every running Jupyter server this user can reach, biggest first."""
    try:
        from jupyter_server.serverapp import list_running_servers
    except ImportError:
        return []
    mine, found = own_kernel_id(), []
    for server in list_running_servers():
        url, token = server.get("url", ""), server.get("token", "")
        try:
            sessions = _api(url, token, "api/sessions")
        except Exception:  # a stale runtime file, a server that does not answer: look at the next one
            continue
        for session in sessions or []:
            kernel_id = (session.get("kernel") or {}).get("id")
            if kernel_id and kernel_id != mine:
                found.append(Kernel(session.get("path", "?"), kernel_id, _kernel_rss(kernel_id), url, token))
    return sorted(found, key=lambda k: -k.rss)


def shut_down(kernels: list[Kernel]) -> list[str]:
    """Shut these kernels down through their server's API; returns the notebooks whose kernel stopped."""
    stopped = []
    for kernel in kernels:
        try:
            _api(kernel.server, kernel.token, f"api/kernels/{kernel.kernel_id}", method="DELETE")
            stopped.append(kernel.notebook)
        except Exception:
            continue
    return stopped


# -- the guard ---------------------------------------------------------------------------------------------


def message(lesson: str | None, memory: Memory, need: int, kernels: list[Kernel]) -> str:
    """What the student reads when the lesson would not fit: the figures, who holds memory, the fix."""
    which = f"Lesson {lesson}" if lesson else "This notebook"
    lines = [f"{which} needs about {need / MB:,.0f} MB more, and only {memory.free / MB:,.0f} MB of "
             f"{memory.limit / MB:,.0f} MB are free ({memory.source}). Nothing has run yet, so nothing is lost."]
    if kernels:
        lines.append("These notebooks' kernels are still running and hold memory:")
        lines += [f"  {k.notebook}: {k.rss / MB:,.0f} MB" if k.rss else f"  {k.notebook}" for k in kernels]
        lines.append("Press the button 'Shut down the other kernels' below (or, in JupyterLab, Kernel > Shut Down "
                     "All Kernels... then reopen this one), then run this notebook again (Run > Run All Cells).")
    else:
        lines.append("Free memory by shutting down the kernels of the lessons you are done with (JupyterLab: the "
                     "Running Terminals and Kernels panel, or Kernel > Shut Down Kernel in each notebook), "
                     "then run this notebook again.")
    lines.append("To skip this check (at the risk of the kernel being killed): set TLCOURSE_MEMORY_GUARD=0.")
    return "\n".join(lines)


def _offer_button(kernels: list[Kernel]) -> None:
    """Show a button that shuts the other kernels down (only inside a Jupyter kernel with ipywidgets)."""
    try:
        import ipywidgets as widgets
        from IPython import get_ipython
        from IPython.display import display
    except ImportError:
        return
    if get_ipython() is None or not hasattr(get_ipython(), "kernel"):
        return
    button = widgets.Button(description="Shut down the other kernels", button_style="warning",
                            layout=widgets.Layout(width="auto"))
    button.add_class("tlc-free-memory")
    status = widgets.HTML("")

    def free(_):
        button.disabled = True
        stopped = shut_down(kernels)
        status.value = (f"Shut down {len(stopped)} kernel(s): {', '.join(stopped) or 'none'}. "
                        "Now run this notebook again (Run > Run All Cells).")

    button.on_click(free)
    display(widgets.VBox([button, status]))


def check(lesson: str | None = None, memory: Memory | None = None, peaks: dict[str, float] | None = None,
          find_kernels=other_kernels, held: int | None = None) -> None:
    """Raise :class:`NotEnoughMemory` if this lesson would not fit in the memory left (see the module).

    ``held`` is what this kernel already holds (bytes; its resident memory when not given).
    """
    if os.environ.get("TLCOURSE_MEMORY_GUARD", "1") == "0":
        return
    memory = memory if memory is not None else read_memory()
    lesson = lesson or this_lesson()
    need = needed(lesson, peaks if peaks is not None else lesson_peaks(), own_rss() if held is None else held)
    if memory is None or need is None or memory.free >= need:
        return
    kernels = find_kernels()
    if kernels:
        _offer_button(kernels)
    raise NotEnoughMemory(message(lesson, memory, need, kernels))
