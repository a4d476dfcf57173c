"""The course as a Binder student meets it: one CPU, a 2 GB memory limit, lessons left open.

``python -m tlcourse.binderbench`` (``make bench-binder``) starts a Jupyter server pinned to one CPU
(``sched_setaffinity``, what ``taskset -c 0`` does) and, as root where cgroup v1 or v2 memory control
is writable, inside a memory cgroup of 2 GB (swap included) that every kernel inherits. It opens the
lessons 00 -> 07 one after another as notebook sessions of that server and runs every cell of each,
without shutting the earlier kernels down, as a student clicking through the course does. When a
lesson's first cell stops with the memory guard's error (:mod:`tlcourse.memory`), it does what the
guard's ``tlc-free-memory`` button does (:func:`tlcourse.memory.shut_down` on the other sessions'
kernels, through the server's REST API) and runs the lesson again from the top.

It prints, per lesson, the wall time, the kernel's peak memory, whether the guard stopped it first,
and how it ended; then the kernels the out-of-memory killer took (the cgroup's ``oom_kill`` count).
It is a benchmark, not a test: the figures depend on the machine. Without root (or cgroups) it still
runs on one CPU and says that no memory limit was applied.
"""
from __future__ import annotations

import argparse
import json
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from contextlib import contextmanager, suppress
from pathlib import Path

from .memory import MB, Kernel, shut_down
from .notebooks import ROOT

LIMIT_MB = 2048  # mybinder.org's limit (450 MB guaranteed)
CGROUP_ROOT = Path("/sys/fs/cgroup")


# -- the container: a memory cgroup and one CPU ------------------------------------------------------------


def make_cgroup(name: str, limit_mb: int, root: Path = CGROUP_ROOT) -> Path | None:
    """A memory cgroup limited to ``limit_mb`` (swap included where the kernel accounts it), or None
    where this process may not create one (not root, no memory controller)."""
    for folder, limit_files in ((root / "memory" / name, ("memory.limit_in_bytes", "memory.memsw.limit_in_bytes")),
                                (root / name, ("memory.max", "memory.swap.max"))):
        if not folder.parent.is_dir() or not (folder.parent / ("cgroup.procs")).exists():
            continue
        if folder.parent == root and not (root / "cgroup.controllers").exists():
            continue  # the v2 layout only on a v2 (unified) hierarchy
        try:
            folder.mkdir(exist_ok=True)
            (folder / limit_files[0]).write_text(str(limit_mb * MB))
            swap = folder / limit_files[1]
            if swap.exists():  # v1: memory + swap <= limit; v2: no swap at all
                swap.write_text(str(limit_mb * MB) if limit_files[1].startswith("memory.memsw") else "0")
            return folder
        except OSError:
            with suppress(OSError):
                folder.rmdir()
    return None


def oom_kills(cgroup: Path | None) -> int | None:
    """How many processes the out-of-memory killer took in ``cgroup`` (None if the kernel does not say)."""
    if cgroup is None:
        return None
    for name in ("memory.oom_control", "memory.events"):
        try:
            for line in (cgroup / name).read_text().splitlines():
                key, _, value = line.partition(" ")
                if key == "oom_kill":
                    return int(value)
        except (OSError, ValueError):
            continue
    return None


def remove_cgroup(cgroup: Path | None) -> None:
    """Remove the cgroup once its processes have ended (retried for a few seconds)."""
    if cgroup is None:
        return
    for _ in range(20):
        try:
            cgroup.rmdir()
            return
        except OSError:
            time.sleep(0.5)
    print(f"note: could not remove {cgroup}: remove it with rmdir once its processes have ended", file=sys.stderr)


# -- a Jupyter server and its notebook sessions ----------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _api(url: str, token: str, path: str, method: str = "GET", body: dict | None = None, timeout: float = 30):
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(f"{url}/{path}", data=data, method=method,
                                     headers={"Authorization": f"token {token}", "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=timeout) as reply:  # noqa: S310 (our own local server)
        raw = reply.read()
    return json.loads(raw) if raw else None


@contextmanager
def jupyter_server(runtime: Path, cgroup: Path | None, cpu: int | None):
    """A Jupyter server on 127.0.0.1, on one CPU and in ``cgroup``: yields ``(url, token)``."""
    port, token = _free_port(), secrets.token_hex(16)

    def contain() -> None:  # runs in the child before exec: everything it starts inherits both
        if cpu is not None:
            os.sched_setaffinity(0, {cpu})
        if cgroup is not None:
            (cgroup / "cgroup.procs").write_text(str(os.getpid()))

    env = dict(os.environ, JUPYTER_RUNTIME_DIR=str(runtime))
    command = [sys.executable, "-m", "jupyter_server", "--no-browser", "--ServerApp.ip=127.0.0.1",
               f"--ServerApp.port={port}", "--ServerApp.port_retries=0", f"--IdentityProvider.token={token}",
               f"--ServerApp.root_dir={ROOT}"] + (["--allow-root"] if os.geteuid() == 0 else [])
    log = open(runtime / "server.log", "w")  # noqa: SIM115 (closed in the finally)
    server = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT, preexec_fn=contain)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                _api(url, token, "api/status", timeout=2)
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"the Jupyter server did not start; see {runtime / 'server.log'}") from None
                time.sleep(0.5)
        yield url, token
    finally:
        try:
            _api(url, token, "api/shutdown", method="POST", timeout=10)
            server.wait(timeout=30)
        except (OSError, subprocess.TimeoutExpired):
            server.kill()
            server.wait()
        log.close()


def _kernel_process(kernel_id: str) -> Path | None:
    """The kernel's ``/proc/<pid>`` folder, found by its connection file in the command line."""
    for entry in Path("/proc").glob("[0-9]*"):
        with suppress(OSError):
            if f"kernel-{kernel_id}.json" in (entry / "cmdline").read_bytes().decode(errors="replace"):
                return entry
    return None


def _kernel_peak_mb(kernel_id: str) -> float | None:
    """The kernel process's peak resident memory (VmHWM)."""
    process = _kernel_process(kernel_id)
    try:
        for line in (process / "status").read_text().splitlines() if process else []:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except (OSError, ValueError, IndexError):
        pass
    return None


def run_all(client, cells: list, timeout: float) -> str | None:
    """Run the code cells in order as "Run All" does; return the first error's name and message (None: all
    ran). A cell tagged ``raises-exception`` (a lesson's deliberate mistake) may fail, as in JupyterLab."""
    for cell in cells:
        source = cell.source
        errors: list[str] = []

        def hook(msg, errors=errors):
            if msg["msg_type"] == "error":
                errors.append(f"{msg['content']['ename']}: {msg['content']['evalue']}")

        reply = client.execute_interactive(source, timeout=timeout, output_hook=hook, allow_stdin=False)
        if reply["content"]["status"] != "ok" and "raises-exception" not in cell.metadata.get("tags", []):
            return errors[0] if errors else f"{reply['content'].get('ename')}: {reply['content'].get('evalue')}"
    return None


def _log_tail(log: Path, lines: int = 15) -> str:
    """The last lines of the server's log (why a kernel died), or a note that it could not be read."""
    try:
        return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])
    except OSError as error:
        return f"(no server log: {error})"


def kernel_state(url: str, token: str, kernel_id: str) -> str | None:
    """The server's execution state of a kernel ("starting", "idle", "busy", "dead"); None: no such kernel."""
    try:
        return _api(url, token, f"api/kernels/{kernel_id}", timeout=10)["execution_state"]
    except urllib.error.HTTPError as error:
        if error.code == 404:
            return None
        raise


def wait_until_ready(client, state, timeout: float, poll: float = 2.0) -> None:
    """Wait for the kernel's first ``kernel_info`` reply; ``state()`` (the server's word) says if it died.

    Not ``client.wait_for_ready`` with heartbeats: a client that no KernelManager owns calls a kernel dead
    when it has not answered one heartbeat within a second (jupyter_client 8), and a kernel still importing
    its modules on a busy CPU takes longer than that to open its heartbeat socket. That false alarm was
    the "kernel died before replying to kernel_info" seen in earlier walks (tests/test_binderbench.py
    reproduces it). Start the client's channels with ``hb=False``.
    """
    deadline = time.monotonic() + timeout
    while True:
        try:
            client.wait_for_ready(timeout=poll)  # without a heartbeat channel: only waits for the reply
            return
        except RuntimeError:
            pass
        now = state()
        if now in (None, "dead"):
            raise RuntimeError(f"the kernel died while starting (the server says {now or 'no such kernel'})")
        if time.monotonic() > deadline:
            raise TimeoutError(f"the kernel did not answer in {timeout:.0f} s (the server says {now})")


def open_lesson(url: str, token: str, runtime: Path, notebook: Path, timeout: float) -> dict:
    """Open ``notebook`` as a session (kernels of the earlier lessons stay open) and run all its cells;
    if the memory guard stops it, shut the other kernels down as its button does and run all again."""
    import nbformat
    from jupyter_client import BlockingKernelClient

    path = notebook.relative_to(ROOT).as_posix()
    session = _api(url, token, "api/sessions", method="POST",
                   body={"path": path, "name": notebook.name, "type": "notebook", "kernel": {"name": "python3"}})
    kernel_id = session["kernel"]["id"]
    client = BlockingKernelClient(connection_file=str(runtime / f"kernel-{kernel_id}.json"))
    client.load_connection_file()
    client.start_channels(hb=False)  # the server, not a 1-s heartbeat, says whether the kernel died
    cells = [c for c in nbformat.read(notebook, as_version=4).cells if c.cell_type == "code"]
    row = {"lesson": notebook.name, "guard": "", "result": "finished"}
    started, process = time.perf_counter(), None
    try:
        wait_until_ready(client, lambda: kernel_state(url, token, kernel_id), timeout=180)
        process = _kernel_process(kernel_id)  # a different process at the end: it died and was restarted
        error = run_all(client, cells, timeout)
        if error and error.startswith("NotEnoughMemory"):
            others = [Kernel(s["path"], s["kernel"]["id"], 0, url + "/", token)
                      for s in _api(url, token, "api/sessions") if s["kernel"]["id"] != kernel_id]
            stopped = shut_down(others)  # what the guard's tlc-free-memory button does
            row["guard"] = f"stopped it; shut down {len(stopped)} kernel(s)"
            error = run_all(client, cells, timeout)
        if error:
            row["result"] = f"error: {error[:120]}"
    except Exception as failure:  # noqa: BLE001 (a dead kernel, a timeout: reported in the table)
        row["result"] = f"{type(failure).__name__}: {str(failure)[:120]}"
        row["server log"] = _log_tail(runtime / "server.log")
    finally:
        row["seconds"] = time.perf_counter() - started
        row["peak MB"] = _kernel_peak_mb(kernel_id)
        states = {k["id"]: k["execution_state"] for k in _api(url, token, "api/kernels")}
        if states.get(kernel_id) == "dead" or kernel_id not in states:
            row["result"] = f"kernel died ({row['result']})"
        elif process is not None and _kernel_process(kernel_id) != process:
            row["result"] = f"kernel died and the server restarted it ({row['result']})"
        client.stop_channels()
    return row


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tlcourse.binderbench", description=__doc__.split("\n\n")[0])
    parser.add_argument("lessons", nargs="*", help="lesson numbers (default: every lesson in lessons/, in order)")
    parser.add_argument("--limit-mb", type=int, default=LIMIT_MB, help="memory limit of the kernels together (MB)")
    parser.add_argument("--cpu", type=int, default=0, help="the CPU to run on (-1: all of them)")
    parser.add_argument("--timeout", type=float, default=900, help="seconds a cell may run")
    args = parser.parse_args(argv)
    notebooks = sorted((ROOT / "lessons").glob("[0-9][0-9]_*.ipynb"))
    if args.lessons:
        notebooks = [n for n in notebooks if n.name[:2] in {f"{int(x):02d}" for x in args.lessons}]
    if not notebooks:
        print("no lessons to run: make notebooks first, or check the lesson numbers", file=sys.stderr)
        return 2
    cgroup = make_cgroup(f"tlcourse-binder-{os.getpid()}", args.limit_mb)
    print(f"Binder's profile: CPU {args.cpu if args.cpu >= 0 else 'all'}, "
          + (f"memory limit {args.limit_mb} MB ({cgroup})" if cgroup else
             "NO memory limit (needs root and a writable cgroup memory controller)"), flush=True)
    rows, kills = [], None
    try:
        with tempfile.TemporaryDirectory(prefix="tlcourse-binder-") as runtime, \
                jupyter_server(Path(runtime), cgroup, args.cpu if args.cpu >= 0 else None) as (url, token):
            for notebook in notebooks:
                row = open_lesson(url, token, Path(runtime), notebook, args.timeout)
                rows.append(row)
                peak = "n/a" if row["peak MB"] is None else f"{row['peak MB']:.0f}"
                print(f"{row['lesson']}: {row['seconds']:.0f} s, peak {peak} MB, {row['guard'] or 'guard silent'}, "
                      f"{row['result']}", flush=True)
                if "server log" in row:
                    print("  the Jupyter server's last lines:\n    " + row["server log"].replace("\n", "\n    "), flush=True)
            kills = oom_kills(cgroup)
    finally:
        remove_cgroup(cgroup)
    print("\n| lesson | wall time (s) | peak memory (MB) | memory guard | result |\n|---|---|---|---|---|")
    for r in rows:
        peak = "n/a" if r["peak MB"] is None else f"{r['peak MB']:.0f}"
        print(f"| {r['lesson']} | {r['seconds']:.0f} | {peak} | {r['guard'] or '-'} | {r['result']} |")
    print(f"| **all {len(rows)} lessons** | **{sum(r['seconds'] for r in rows):.0f}** | | | |")
    print(f"\nkernels killed by the out-of-memory killer: {'unknown (no cgroup)' if kills is None else kills}")
    finished = all(r["result"] == "finished" for r in rows)
    return 0 if finished and not kills else 1


if __name__ == "__main__":
    raise SystemExit(main())
