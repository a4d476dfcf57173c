"""The course on a real JupyterHub: three students run lesson 00 at the same time through their own servers.

The hub is the one ``make hub`` starts (tlcourse/classroom/hub.py): JupyterHub with configurable-http-proxy,
DummyAuthenticator, SimpleLocalProcessSpawner, on 127.0.0.1 with free ports, and one shared cache provisioned
once by ``python -m tlcourse provision --data`` (the weights into a temporary TLCOURSE_HOME, the data sets
already in TLCOURSE_DATA). Each student logs in through the hub's login form; their servers are started
through the hub's REST API; each student, with a token of their own, opens a kernel through their server's
API (``/user/<name>/api/sessions``) and runs the lesson's cells over the kernel's websocket, as JupyterLab
does. Then: every student got the lesson's prediction, the shared cache is byte-for-byte what it was,
``python -m tlcourse check`` passes in a student's kernel, and stopping the hub leaves no process and no
open port behind. The test prints its time and the peak memory of the three concurrent kernels.

Skipped, with the reason, where configurable-http-proxy (npm) or JupyterHub is missing; `.ci/run` installs
the proxy."""
from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import pytest

from tlcourse.classroom import hub as hubmod
from tlcourse.classroom.__main__ import main
from tlcourse.notebooks import ROOT

STUDENTS = ["ada", "ben", "chloe"]
LESSON = "lessons/00_setup_check.ipynb"
CAT_CLASSES = ("tabby", "tiger cat", "Persian cat", "Siamese cat", "Egyptian cat")


def _missing() -> str | None:
    if shutil.which(hubmod.PROXY) is None:
        return (f"{hubmod.PROXY} is not on PATH (JupyterHub's proxy, from npm): npm install -g {hubmod.PROXY} "
                "to run the hub test (.ci/run does)")
    for module in ("jupyterhub", "psutil", "requests", "websocket"):
        try:
            __import__(module)
        except ImportError:
            return f"the {module} package is missing: pip install -e '.[test]' to run the hub test"
    return None


def _free_ports(n: int) -> list[int]:
    sockets = [socket.socket() for _ in range(n)]
    for s in sockets:
        s.bind(("127.0.0.1", 0))
    ports = [s.getsockname()[1] for s in sockets]
    for s in sockets:
        s.close()
    return ports


def _listening(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(1)
        return s.connect_ex(("127.0.0.1", port)) == 0


def _settings(state: Path, home: Path, data: Path) -> hubmod.HubSettings:
    port, hub_port, api_port = _free_ports(3)
    return hubmod.HubSettings(state=state, tlcourse_home=home, tlcourse_data=data, port=port, hub_port=hub_port,
                              proxy_api_port=api_port)


# ---- bad input, no hub needed ---------------------------------------------------------------------------

def test_port_in_use_names_the_fix(tmp_path, capsys):
    settings = _settings(tmp_path / "hub", tmp_path / "home", tmp_path / "data")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", settings.port))
        taken.listen()
        with pytest.raises(hubmod.HubError, match=rf"port {settings.port} .* already in use.*--port"):
            hubmod.check_ports(settings)
        code = main(["hub", "--port", str(settings.port), "--hub-port", str(settings.hub_port),
                     "--proxy-api-port", str(settings.proxy_api_port), "--state", str(tmp_path / "hub"),
                     "--home", str(tmp_path), "--data", str(tmp_path)])
    assert code == 2, "python -m tlcourse.classroom hub should stop with status 2 when its port is taken"
    err = capsys.readouterr().err
    assert f"port {settings.port}" in err and "--port" in err and "HUB_PORT" in err, err
    assert not (tmp_path / "hub" / "jupyterhub.log").exists(), "nothing should start when a port is taken"
    same = hubmod.HubSettings(state=tmp_path, tlcourse_home=tmp_path, tlcourse_data=tmp_path, port=settings.port,
                              hub_port=settings.port, proxy_api_port=settings.proxy_api_port)
    with pytest.raises(hubmod.HubError, match="three different ports"):
        hubmod.check_ports(same)


def test_missing_cache_names_provision(tmp_path, capsys):
    ports = [str(p) for p in _free_ports(3)]
    code = main(["hub", "--port", ports[0], "--hub-port", ports[1], "--proxy-api-port", ports[2],
                 "--state", str(tmp_path / "hub"), "--home", str(tmp_path / "nothing"), "--data", str(tmp_path / "nothing")])
    assert code == 2
    err = capsys.readouterr().err
    assert "provision --data" in err and "nothing" in err, err


def test_config_and_memory_from_measured_peaks(tmp_path):
    peaks = json.loads(hubmod.PEAKS.read_text())["peak MB"]
    sizes = hubmod.memory_sizes()
    assert sizes["peak MB"] == max(peaks.values())
    assert sizes["guarantee"] * 1000 >= sizes["peak MB"], "the guarantee must hold the largest lesson's kernel"
    assert sizes["limit"] * 1000 >= sizes["peak MB"] + hubmod.SERVER_MB + hubmod.GUARD_MB
    if shutil.which(hubmod.PROXY) is None:
        pytest.skip(f"{hubmod.PROXY} is not on PATH: npm install -g {hubmod.PROXY}")
    text = hubmod.config_text(hubmod.HubSettings(state=tmp_path, tlcourse_home=tmp_path / "h",
                                                 tlcourse_data=tmp_path / "d"))
    compile(text, "jupyterhub_config.py", "exec")
    for needle in ['authenticator_class = "dummy"', 'spawner_class = "simple"', 'c.JupyterHub.ip = "127.0.0.1"',
                   f"'TLCOURSE_HOME': '{tmp_path / 'h'}'", f"'TLCOURSE_DATA': '{tmp_path / 'd'}'",
                   f'mem_limit = "{sizes["limit"]}G"', f'mem_guarantee = "{sizes["guarantee"]}G"']:
        assert needle in text, f"jupyterhub_config.py lacks {needle!r}"
    assert ("--allow-root" in text) == (os.geteuid() == 0), "single-user servers need --allow-root as root only"


# ---- the real hub ---------------------------------------------------------------------------------------

def _hashes(*folders: Path) -> dict[str, str]:
    out = {}
    for folder in folders:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                out[str(path)] = hashlib.sha256(path.read_bytes()).hexdigest()
            elif path.is_dir():
                out[str(path)] = "folder"
    return out


class Student:
    """One student: logged in through the hub's form, then working through their own server's API."""

    def __init__(self, hub: hubmod.Hub, name: str):
        import requests

        self.hub, self.name, self.http = hub, name, requests.Session()
        self.server = f"{hub.url}user/{name}/"
        self.token = None

    def log_in(self) -> None:
        """The login form, as a browser fills it (DummyAuthenticator takes any password)."""
        page = self.http.get(f"{self.hub.url}hub/login", timeout=30)
        assert page.status_code == 200, page.text[:500]
        xsrf = self.http.cookies.get("_xsrf")
        assert xsrf, f"the login page set no _xsrf cookie: {self.http.cookies.keys()}"
        sent = self.http.post(f"{self.hub.url}hub/login", data={"username": self.name, "password": "any", "_xsrf": xsrf},
                              allow_redirects=False, timeout=30)
        assert sent.status_code == 302, f"login of {self.name} answered {sent.status_code}: {sent.text[:500]}"
        home = self.http.get(f"{self.hub.url}hub/home", timeout=30)
        assert home.status_code == 200 and self.name in home.text, f"{self.name} is not logged in: {home.url}"

    def api(self, method: str, path: str, **kwargs):
        answer = self.http.request(method, f"{self.server}api/{path}", timeout=60,
                                   headers={"Authorization": f"token {self.token}"}, **kwargs)
        assert answer.ok, f"{method} {self.server}api/{path} answered {answer.status_code}: {answer.text[:500]}"
        return answer.json() if answer.content else None

    def open_kernel(self, path: str) -> str:
        """A kernel for ``path``, through the server's sessions API, as JupyterLab opens a notebook."""
        session = self.api("POST", "sessions", json={"path": path, "type": "notebook", "name": Path(path).name,
                                                      "kernel": {"name": "python3"}})
        self.session = session["id"]
        return session["kernel"]["id"]

    def run_cells(self, kernel: str, sources: list[str], timeout: float = 600) -> list[list[dict]]:
        """Execute ``sources`` one after another over the kernel's websocket; the outputs of each cell."""
        import websocket

        url = f"ws://{self.server.split('://', 1)[1]}api/kernels/{kernel}/channels?session_id={uuid.uuid4().hex}"
        ws = websocket.create_connection(url, header=[f"Authorization: token {self.token}"], timeout=timeout)
        try:
            return [self._execute(ws, source, timeout) for source in sources]
        finally:
            ws.close()

    def _execute(self, ws, source: str, timeout: float) -> list[dict]:
        msg_id = uuid.uuid4().hex
        ws.send(json.dumps({
            "header": {"msg_id": msg_id, "msg_type": "execute_request", "username": self.name, "session": "test",
                       "date": "", "version": "5.3"},
            "parent_header": {}, "metadata": {}, "channel": "shell", "buffers": [],
            "content": {"code": source, "silent": False, "store_history": True, "user_expressions": {},
                        "allow_stdin": False, "stop_on_error": True}}))
        outputs, replied, idle = [], False, False
        deadline = time.monotonic() + timeout
        while not (replied and idle):
            assert time.monotonic() < deadline, f"{self.name}: a cell ran over {timeout} s:\n{source[:300]}"
            msg = json.loads(ws.recv())
            if msg.get("parent_header", {}).get("msg_id") != msg_id:
                continue
            kind, content = msg["msg_type"], msg["content"]
            if kind in ("stream", "execute_result", "display_data", "error"):
                outputs.append({"output_type": kind, **content})
            elif kind == "status" and content["execution_state"] == "idle":
                idle = True
            elif kind == "execute_reply":
                replied = True
        errors = [o for o in outputs if o["output_type"] == "error"]
        assert not errors, f"{self.name}: {errors[0]['ename']}: {errors[0]['evalue']}\nin the cell:\n{source[:500]}"
        return outputs


def _text(outputs: list[dict]) -> str:
    return "".join(o.get("text", "") + o.get("data", {}).get("text/plain", "") for o in outputs)


class KernelMemory(threading.Thread):
    """Samples the resident memory of every kernel the hub's servers run (each with its children)."""

    def __init__(self, hub: hubmod.Hub, interval: float = 0.25):
        super().__init__(daemon=True)
        self.hub, self.interval, self.halt = hub, interval, threading.Event()
        self.peak_each: dict[int, int] = {}  # kernel pid -> its peak RSS
        self.peak_sum = 0  # the largest sum over kernels measured at one moment
        self.seen: dict[int, object] = {}  # every process of the hub's tree seen: checked gone after stop

    def run(self) -> None:
        import psutil

        while not self.halt.is_set():
            total = 0
            for proc in self.hub.processes():
                self.seen.setdefault(proc.pid, proc)
                try:
                    if "ipykernel_launcher" not in " ".join(proc.cmdline()):
                        continue
                    rss = proc.memory_info().rss + sum(c.memory_info().rss for c in proc.children(recursive=True))
                except psutil.Error:
                    continue
                self.peak_each[proc.pid] = max(self.peak_each.get(proc.pid, 0), rss)
                total += rss
            self.peak_sum = max(self.peak_sum, total)
            self.halt.wait(self.interval)


@pytest.mark.skipif(_missing() is not None, reason=str(_missing()))
def test_three_students_run_lesson_00_at_once(tmp_path, capsys):
    import nbformat
    import psutil

    from tlcourse import data

    started = time.perf_counter()
    try:
        data_dir = data.find_cats_vs_dogs(download=False).parent
        data.find_fashion_mnist(download=False)
    except data.DataNotFoundError as err:
        pytest.skip(f"the course data is not on disk ({err}): set TLCOURSE_DATA")
    home = tmp_path / "shared" / "home"
    env = {**os.environ, "TLCOURSE_HOME": str(home), "TLCOURSE_DATA": str(data_dir), "TLCOURSE_PROGRESS": "0"}
    done = subprocess.run([sys.executable, "-m", "tlcourse", "provision", "--data", "--no-download"], env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, f"provision --data failed:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}"
    provisioned = time.perf_counter() - started
    before = _hashes(home, data_dir)

    settings = _settings(tmp_path / "hub", home, data_dir)
    hub = hubmod.start(settings)
    memory = KernelMemory(hub)
    ports = [settings.port, settings.hub_port, settings.proxy_api_port]
    stopped = False
    try:
        hub_up = time.perf_counter() - started
        students = [Student(hub, name) for name in STUDENTS]
        for student in students:
            student.log_in()
        for student in students:  # all three start at once, as a class does
            hub.api(f"users/{student.name}/server", "POST", {})
        deadline = time.monotonic() + 180
        while not all((hub.api(f"users/{s.name}")["servers"].get("") or {}).get("ready") for s in students):
            assert time.monotonic() < deadline, f"the students' servers did not start:\n{hub.log_tail()}"
            time.sleep(1)
        servers_up = time.perf_counter() - started
        for student in students:  # a token of the student's own, for their server's API
            student.token = hub.api(f"users/{student.name}/tokens", "POST", {"note": "test_hub", "expires_in": 900})["token"]
            assert (tmp_path / "hub" / "users" / student.name / LESSON).is_file(), "the lessons were not handed out"
            assert not (tmp_path / "hub" / "users" / student.name / "lessons" / "solutions").exists()

        lesson = nbformat.read(ROOT / LESSON, as_version=4)
        sources = [cell.source for cell in lesson.cells if cell.cell_type == "code"]
        prediction_cell = next(i for i, source in enumerate(sources) if "skimage.data.chelsea()" in source)
        results: dict[str, list] = {}
        kernels: dict[str, str] = {}
        failures: list[str] = []

        def run(student: Student) -> None:
            try:
                kernels[student.name] = student.open_kernel(LESSON)
                results[student.name] = student.run_cells(kernels[student.name], sources)
            except BaseException as err:  # reported below, with the student's name
                failures.append(f"{student.name}: {err}")

        memory.start()
        threads = [threading.Thread(target=run, args=(s,)) for s in students]
        lesson_start = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(900)
        lesson_time = time.perf_counter() - lesson_start
        memory.halt.set()
        memory.join()
        assert not failures, "lesson 00 failed:\n" + "\n".join(failures)
        assert len(memory.peak_each) == len(STUDENTS), f"expected a kernel per student, saw {memory.peak_each}"

        for student in students:
            outputs = results[student.name]
            text = _text([o for cell in outputs for o in cell])
            predicted = [c for c in CAT_CLASSES if c in _text(outputs[prediction_cell])]
            assert predicted, f"{student.name} did not get the lesson's prediction of a cat class:\n{text[-1500:]}"
            assert "total 3,538,984" in text, f"{student.name}: MobileNetV2's parameter count is missing"
            assert f"converted weights are cached in {home}" in text, f"{student.name} did not use the shared cache"

        # python -m tlcourse check, in a student's kernel: the environment their server gives them
        check_start = time.perf_counter()
        check = students[0].run_cells(kernels["ada"], [
            "import subprocess, sys\n"
            "done = subprocess.run([sys.executable, '-m', 'tlcourse', 'check'], capture_output=True, text=True)\n"
            "print(done.stdout, done.stderr, 'exit status', done.returncode)"])
        check_text = _text(check[0])
        assert "exit status 0" in check_text and "All complete" in check_text, check_text[-2000:]
        assert f"TLCOURSE_HOME={home}" in check_text, check_text[:500]
        check_time = time.perf_counter() - check_start
        for student in students:
            student.api("DELETE", f"sessions/{student.session}")

        assert _hashes(home, data_dir) == before, "the shared cache changed while the students worked"
        for proc in hub.processes():
            memory.seen.setdefault(proc.pid, proc)
            with contextlib.suppress(psutil.Error):
                ports += [c.laddr.port for c in proc.net_connections("inet") if c.status == psutil.CONN_LISTEN]
        stop_start = time.perf_counter()
        killed = hub.stop()
        stop_time = time.perf_counter() - stop_start
        stopped = True
        assert not killed, f"stopping the hub left processes that had to be killed: {killed}"
        alive = [f"{p.pid} {p.name()}" for p in memory.seen.values() if p.is_running() and p.status() != "zombie"]
        assert not alive, f"processes left after the hub stopped: {alive}"
        still = [port for port in set(ports) if _listening(port)]
        assert not still, f"ports still open after the hub stopped: {still}"
    finally:
        if not stopped:
            hub.stop()

    total = time.perf_counter() - started
    each = ", ".join(f"{mb:.0f}" for mb in sorted(v / 1e6 for v in memory.peak_each.values()))
    with capsys.disabled():
        print(f"\n[hub] three students ran lesson 00 at once on JupyterHub in {lesson_time:.0f} s; whole test "
              f"{total:.0f} s (provision {provisioned:.0f} s, hub up at {hub_up:.0f} s, servers at {servers_up:.0f} s, check {check_time:.0f} s, "
              f"stop {stop_time:.0f} s); "
              f"kernel peaks {each} MB, together {memory.peak_sum / 1e6:.0f} MB at most")
