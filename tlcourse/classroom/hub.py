"""A JupyterHub for a class, on this machine: the local trial of INSTRUCTORS.md section 4.

``make hub`` (``python -m tlcourse.classroom hub``) starts it on 127.0.0.1: JupyterHub with its proxy,
configurable-http-proxy (from npm), DummyAuthenticator (any name, any password) and
SimpleLocalProcessSpawner (each student's server is a process of the current user, with a home folder of
its own under the hub's state folder). Every student's server gets the same shared, read-only cache through
``TLCOURSE_HOME`` and ``TLCOURSE_DATA`` (filled once by ``python -m tlcourse provision --data``), and a copy
of ``lessons/`` (without the solutions) in its home at its first start, as nbgitpuller would hand it out.
Memory guarantee and limit come from the lessons' measured peaks (:func:`memory_sizes`); the local spawner
only advertises them (jupyter-resource-usage shows the limit), a Kubernetes hub enforces them.

    hub = start(HubSettings(state=Path("build/hub"), tlcourse_home=..., tlcourse_data=...))
    ...                      # http://127.0.0.1:8000/ : log in with any name
    hub.stop()

``tests/test_hub.py`` runs lesson 00 for three students at once on such a hub.
"""
from __future__ import annotations

import errno
import json
import math
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from tlcourse.notebooks import ROOT

SERVICE = "tlcourse-teacher"  # the API service whose token start() hands to the caller (scripts, tests)
SERVICE_SCOPES = ["admin:users", "admin:servers", "tokens", "access:servers", "list:users", "read:users"]
PROXY = "configurable-http-proxy"
PEAKS = Path(__file__).resolve().parents[1] / "lesson_peaks.json"
SERVER_MB = 100  # JupyterLab's own server beside the kernel (INSTRUCTORS.md section 1: about 0.1 GB)
GUARD_MB = 150  # the margin tlcourse.setup()'s memory guard adds to a lesson's peak


class HubError(RuntimeError):
    """The hub cannot start here; the message names the fix."""


@dataclass
class HubSettings:
    """Where the hub keeps its state and which ports and cache it uses. Ports are on 127.0.0.1."""

    state: Path  # jupyterhub_config.py, the database, the cookie secret, the log, users/<name>/ (homes)
    tlcourse_home: Path  # the shared converted weights, read by every student
    tlcourse_data: Path  # the shared data sets (cats_and_dogs_filtered/, fashion-mnist/)
    port: int = 8000  # the proxy: the address students open
    hub_port: int = 8081  # the hub's own API, behind the proxy
    proxy_api_port: int = 8001  # where the hub tells the proxy its routes
    lessons: Path | None = ROOT / "lessons"  # copied into each new student's home (solutions left out)
    admins: list[str] = field(default_factory=lambda: ["teacher"])  # may open /hub/admin
    offline: bool = True  # TLCOURSE_OFFLINE=1: a missing file is an error at once, never a download
    cull_idle_s: int = 1200  # kernels idle this long are shut down, so that forgotten lessons free memory

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"


def memory_sizes(peaks_file: Path = PEAKS) -> dict[str, float]:
    """Per-student memory in GB from the lessons' measured kernel peaks (``tlcourse/lesson_peaks.json``).

    ``guarantee``: the largest lesson's kernel peak, rounded up to 0.1 GB; ``limit``: that peak plus the
    JupyterLab server and the memory guard's margin, rounded up to 0.5 GB (one kernel at a time)."""
    peaks = json.loads(Path(peaks_file).read_text())["peak MB"]
    top = max(peaks.values())
    return {"largest lesson": max(peaks, key=peaks.get), "peak MB": top,
            "guarantee": math.ceil(top / 100) / 10,
            "limit": math.ceil((top + SERVER_MB + GUARD_MB) / 500) / 2}


def proxy_command() -> str:
    """The path of configurable-http-proxy, or a HubError saying how to install it."""
    found = shutil.which(PROXY)
    if not found:
        raise HubError(f"{PROXY} (JupyterHub's proxy, from npm) is not on PATH. Install it with Node.js 18 or "
                       f"newer: npm install -g {PROXY}")
    return found


def check_ports(settings: HubSettings) -> None:
    """A HubError naming the option to change if one of the hub's ports on 127.0.0.1 is already taken."""
    for port, what, option in [(settings.port, "the hub's address (its proxy)", "--port (make hub HUB_PORT=...)"),
                               (settings.hub_port, "the hub's internal API", "--hub-port"),
                               (settings.proxy_api_port, "the proxy's API", "--proxy-api-port")]:
        with socket.socket() as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the hub and proxy bind
            try:
                probe.bind(("127.0.0.1", port))
            except OSError as err:
                if err.errno != errno.EADDRINUSE:
                    raise
                raise HubError(
                    f"port {port} on 127.0.0.1, for {what}, is already in use: by a hub started before (stop it "
                    f"with Ctrl-C in its terminal) or by another program (`ss -ltnp 'sport = :{port}'` names it). "
                    f"Stop it, or choose a free port with {option}.") from None
    ports = [settings.port, settings.hub_port, settings.proxy_api_port]
    if len(set(ports)) != 3:
        raise HubError(f"the hub needs three different ports, got --port {ports[0]}, --hub-port {ports[1]}, "
                       f"--proxy-api-port {ports[2]}: choose three different ones.")


def config_text(settings: HubSettings) -> str:
    """The hub's ``jupyterhub_config.py``: readable, and what a teacher adapts for a real class."""
    state = Path(settings.state).resolve()
    sizes = memory_sizes()
    single_user = Path(sys.executable).with_name("jupyterhub-singleuser")
    args = [f"--MappingKernelManager.cull_idle_timeout={settings.cull_idle_s}",
            "--MappingKernelManager.cull_interval=120"]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        args.append("--allow-root")  # Jupyter refuses to run as root without it (containers, CI)
    environment = {"TLCOURSE_HOME": str(Path(settings.tlcourse_home).resolve()),
                   "TLCOURSE_DATA": str(Path(settings.tlcourse_data).resolve())}
    if settings.offline:
        environment["TLCOURSE_OFFLINE"] = "1"
    lessons = str(Path(settings.lessons).resolve()) if settings.lessons else None
    return f'''\
# A JupyterHub for the tlcourse class, written by `python -m tlcourse.classroom hub` (tlcourse/classroom/hub.py).
# The local trial of INSTRUCTORS.md section 4; every student's server is a process of this machine's user.
import os
import shutil

c = get_config()  # noqa: F821 (JupyterHub provides it)

# Students open the proxy; the hub and the proxy's API stay on 127.0.0.1.
c.JupyterHub.ip = "127.0.0.1"
c.JupyterHub.port = {settings.port}
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = {settings.hub_port}
c.ConfigurableHTTPProxy.api_url = "http://127.0.0.1:{settings.proxy_api_port}"
c.ConfigurableHTTPProxy.command = [{proxy_command()!r}]
c.JupyterHub.db_url = "sqlite:///{state / 'jupyterhub.sqlite'}"
c.JupyterHub.cookie_secret_file = {str(state / 'jupyterhub_cookie_secret')!r}
c.JupyterHub.cleanup_servers = True  # stopping the hub stops every student's server and the proxy

# Local trial: any name logs in (DummyAuthenticator); {settings.admins!r} may open /hub/admin.
c.JupyterHub.authenticator_class = "dummy"
c.Authenticator.admin_users = set({settings.admins!r})
c.JupyterHub.spawner_class = "simple"  # SimpleLocalProcessSpawner: no system accounts needed
c.SimpleLocalProcessSpawner.home_dir_template = {str(state / 'users' / '{username}')!r}
c.Spawner.cmd = [{str(single_user)!r}]
c.Spawner.args = {args!r}
c.Spawner.default_url = "/lab/tree/lessons/00_setup_check.ipynb"
c.Spawner.start_timeout = 120
c.Spawner.http_timeout = 120

# One shared, read-only cache for everybody (python -m tlcourse provision --data filled it once).
c.Spawner.environment = {environment!r}

# Per student, from the lessons' measured peaks (largest: lesson {sizes["largest lesson"]}, {sizes["peak MB"]} MB).
# The local spawner only advertises them (MEM_LIMIT, shown by jupyter-resource-usage); Kubernetes enforces them.
c.Spawner.mem_guarantee = "{sizes["guarantee"]}G"
c.Spawner.mem_limit = "{sizes["limit"]}G"

LESSONS = {lessons!r}


def hand_out_lessons(spawner):
    """Copy lessons/ into a new student's home once (solutions left out), as nbgitpuller would."""
    target = os.path.join(spawner.home_dir, "lessons")
    if LESSONS and not os.path.exists(target):
        shutil.copytree(LESSONS, target, ignore=shutil.ignore_patterns("solutions", ".ipynb_checkpoints"))


c.Spawner.pre_spawn_hook = hand_out_lessons

# A token for scripts and tests, given in the environment (never written here): TLCOURSE_HUB_TOKEN.
if os.environ.get("TLCOURSE_HUB_TOKEN"):
    c.JupyterHub.services = [{{"name": "{SERVICE}", "api_token": os.environ["TLCOURSE_HUB_TOKEN"]}}]
    c.JupyterHub.load_roles = [{{"name": "{SERVICE}", "scopes": {SERVICE_SCOPES!r}, "services": ["{SERVICE}"]}}]
'''


def write_config(settings: HubSettings) -> Path:
    """Write ``jupyterhub_config.py`` into the state folder and return its path."""
    state = Path(settings.state)
    (state / "users").mkdir(parents=True, exist_ok=True)
    path = state / "jupyterhub_config.py"
    path.write_text(config_text(settings))
    return path


class Hub:
    """A running hub: its process, its log, and its teacher token for the REST API (``api``)."""

    def __init__(self, settings: HubSettings, process: subprocess.Popen, log: Path, token: str):
        self.settings, self.process, self.log, self.token = settings, process, log, token
        self.url = settings.url

    def api(self, path: str, method: str = "GET", body: dict | None = None, timeout: float = 30) -> dict | None:
        """Call the hub's REST API (``/hub/api/...``) with the teacher token; the decoded JSON answer."""
        request = urllib.request.Request(f"{self.url}hub/api/{path.lstrip('/')}", method=method,
                                         data=None if body is None else json.dumps(body).encode(),
                                         headers={"Authorization": f"token {self.token}"})
        with urllib.request.urlopen(request, timeout=timeout) as answer:
            text = answer.read()
        return json.loads(text) if text else None

    def processes(self) -> list:
        """The hub and every process it started (proxy, students' servers, their kernels); needs psutil."""
        import psutil

        try:
            hub = psutil.Process(self.process.pid)
            return [hub, *hub.children(recursive=True)]
        except psutil.NoSuchProcess:
            return []

    def log_tail(self, chars: int = 3000) -> str:
        return self.log.read_text(errors="replace")[-chars:] if self.log.exists() else ""

    def stop(self, timeout: float = 60) -> list[str]:
        """Stop the hub as Ctrl-C does (it stops the students' servers and the proxy first).

        Returns the processes that were still alive after ``timeout`` and had to be killed (none, normally)."""
        import psutil

        started = self.processes()
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
        _, alive = psutil.wait_procs(started, timeout=10)
        killed = []
        for proc in alive:
            try:
                killed.append(f"{proc.pid} {' '.join(proc.cmdline())[:120]}")
                proc.kill()
            except psutil.NoSuchProcess:
                pass
        return killed


def start(settings: HubSettings, timeout: float = 90, token: str | None = None) -> Hub:
    """Check the ports and the proxy, write the configuration, start the hub and wait until it answers."""
    check_ports(settings)
    config = write_config(settings)
    token = token or secrets.token_hex(32)
    log = Path(settings.state) / "jupyterhub.log"
    env = {**os.environ, "TLCOURSE_HUB_TOKEN": token,
           "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    with open(log, "w") as out:
        process = subprocess.Popen([sys.executable, "-m", "jupyterhub", "-f", str(config)], cwd=settings.state,
                                   stdout=out, stderr=subprocess.STDOUT, env=env, start_new_session=True)
    hub = Hub(settings, process, log, token)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise HubError(f"JupyterHub exited at start (status {process.returncode}); the end of {log}:\n"
                           f"{hub.log_tail()}")
        try:
            hub.api("")  # through the proxy: both answer
            return hub
        except (urllib.error.URLError, ConnectionError, OSError):
            time.sleep(0.5)
    hub.stop()
    raise HubError(f"JupyterHub did not answer at {hub.url} within {timeout:.0f} s; the end of {log}:\n{hub.log_tail()}")


def check_cache(settings: HubSettings) -> None:
    """A HubError naming ``provision --data`` if the shared cache lacks the weights or a data set (a quick look;
    ``python -m tlcourse check`` proves it usable)."""
    from tlcourse.data import DATASETS

    home, data = Path(settings.tlcourse_home), Path(settings.tlcourse_data)
    missing = [] if any((home / "weights").glob("*.npz")) else [f"converted weights in {home / 'weights'}"]
    missing += [str(data / name) for name in DATASETS if not (data / name).is_dir()]
    if missing:
        raise HubError(f"the shared cache is not there: no {', '.join(missing)}. Fill it once with\n"
                       f"  TLCOURSE_HOME={home} TLCOURSE_DATA={data} python -m tlcourse provision --data\n"
                       "(make data does it for this user's cache), then start the hub again.")


def serve(settings: HubSettings) -> int:
    """``make hub``: start the hub, say how to log in, and stop it all at Ctrl-C."""
    check_ports(settings)
    check_cache(settings)
    print(f"Starting JupyterHub (log: {Path(settings.state) / 'jupyterhub.log'}) ...", flush=True)
    hub = start(settings)
    sizes = memory_sizes()
    print(f"\nThe class's hub is up: {hub.url}\n"
          "  Log in with any name and any password (DummyAuthenticator: a local trial only). Each name is a\n"
          f"  student with a server of their own, started at first login, lessons/ copied into its home\n"
          f"  ({Path(settings.state).resolve() / 'users'}/<name>/), solutions left out.\n"
          f"  Log in as {' or '.join(settings.admins)} to see every student's server at {hub.url}hub/admin.\n"
          f"  Shared cache, read by every student: TLCOURSE_HOME={settings.tlcourse_home}  "
          f"TLCOURSE_DATA={settings.tlcourse_data}\n"
          f"  Per student: {sizes['guarantee']} GB guaranteed, {sizes['limit']} GB limit (advertised here, "
          "enforced on Kubernetes; INSTRUCTORS.md section 4).\n"
          "  In a student's terminal: python -m tlcourse check\n"
          "Ctrl-C stops the hub, the proxy and every student's server.", flush=True)
    try:
        while hub.process.poll() is None:
            time.sleep(1)
        print(f"JupyterHub stopped by itself (status {hub.process.returncode}); the end of its log:\n{hub.log_tail()}")
        return 1
    except KeyboardInterrupt:
        print("\nStopping the hub ...", flush=True)
        return 0
    finally:
        left = hub.stop()
        print("Stopped." + (f" Killed what was left: {left}" if left else ""), flush=True)
