"""What the real-browser tests share: one JupyterLab, headless Chromium, running a lesson's cells in the page.

The fixtures ``lab`` and ``browser`` (``tests/conftest.py``, session-scoped) start one JupyterLab and
one Chromium for every browser test file (``test_browser*.py``), and ``lesson_page`` gives each test a
fresh page whose notebook sessions are shut down afterwards. A widget test of a lesson:

    def test_my_widget_in_jupyterlab(lab, lesson_page):
        widget = start_lesson(lab, lesson_page, ROOT / "lessons" / "NN_topic.ipynb", "tlc-my-widget")
        ...operate one control..., wait_for_text(widget.locator(".tlc-..."), "what should now show")
        screenshot(widget, "my_widget")

``start_lesson`` opens a clean copy of the lesson (outputs and widget state removed), runs its cells
tagged ``widget-demo`` with the toolbar's run button (``run_cell`` recovers a run request lost while
the kernel's websocket connects) and returns the widget found by ``tlc-widget`` and its own class,
after checking that no "Error displaying widget" shows. Screenshots go to ``test-artifacts/browser/``.

It needs Debian's ``chromium`` at /usr/bin/chromium (or ``$TLCOURSE_CHROMIUM``) and the
``playwright`` Python package; it never downloads a browser (:func:`missing` says what is absent).
"""
from __future__ import annotations

import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LESSON = ROOT / "lessons" / "03_freezing.ipynb"
ARTIFACTS = ROOT / "test-artifacts" / "browser"
CHROMIUM = Path(os.environ.get("TLCOURSE_CHROMIUM", "/usr/bin/chromium"))
DEMO_TAG = "freeze-panel-demo"
WIDGET_TAG = "widget-demo"  # the cells a lesson's widget needs (the other lessons)
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-default-apps",
    "--disable-extensions", "--metrics-recording-only", "--mute-audio",
]


def missing() -> str | None:
    if not CHROMIUM.exists():
        return (f"no Chromium at {CHROMIUM}: install Debian's chromium (sudo apt-get install chromium) or set "
                "TLCOURSE_CHROMIUM to run the real-browser test")
    try:
        import playwright  # noqa: F401
    except ImportError:
        return "the playwright package is missing: pip install -e '.[test]' to run the real-browser test"
    return None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def lesson_copy(lesson: Path = LESSON, tag: str | None = DEMO_TAG) -> tuple[Path, list[int]]:
    """Copy the lesson with outputs and widget state removed; return it and the indices of its cells
    tagged ``tag`` (``tag=None``: the whole lesson is wanted, no cell list)."""
    import nbformat

    nb = nbformat.read(lesson, as_version=4)
    nb.metadata.pop("widgets", None)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    demo = [i for i, cell in enumerate(nb.cells) if tag in cell.metadata.get("tags", [])] if tag else []
    assert tag is None or len(demo) >= 2, f"{lesson.name} has no cells tagged {tag!r}"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    copy = ARTIFACTS / lesson.name
    nbformat.write(nb, copy)
    return copy, demo


@contextmanager
def running_lab(home: Path, preexec_fn=None, log_name: str = "jupyterlab.log") -> Iterator[tuple[str, str]]:
    """JupyterLab on 127.0.0.1 with a token, rooted at the repository, its settings under ``home``:
    yields ``(url, token)``; stopped (with its kernels) afterwards. ``preexec_fn`` runs in the server's
    process before it starts (e.g. to enter a memory cgroup that its kernels then inherit)."""
    settings = home / "settings" / "@jupyterlab"
    for plugin, values in {
        "notebook-extension/tracker": {"windowingMode": "none"},  # every cell in the DOM
        "docmanager-extension/plugin": {"autosave": False},
        "apputils-extension/notification": {"fetchNews": "false", "checkForUpdates": False},
    }.items():
        path = settings / f"{plugin}.jupyterlab-settings"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values))
    port, token = free_port(), secrets.token_hex(16)
    env = dict(os.environ, JUPYTERLAB_SETTINGS_DIR=str(home / "settings"),
               JUPYTERLAB_WORKSPACES_DIR=str(home / "workspaces"), JUPYTER_RUNTIME_DIR=str(home / "runtime"),
               PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))
    command = [
        sys.executable, "-m", "jupyterlab", "--no-browser", "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}",
        "--ServerApp.port_retries=0", f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={ROOT}",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate", "--LabApp.news_url=",
    ] + (["--allow-root"] if hasattr(os, "geteuid") and os.geteuid() == 0 else [])
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    log = open(ARTIFACTS / log_name, "w")  # noqa: SIM115 (the server writes to it until the finally below)
    server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                              start_new_session=True, preexec_fn=preexec_fn)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            if server.poll() is not None:
                raise RuntimeError(f"JupyterLab exited with {server.returncode}; see {log.name}")
            try:
                with urllib.request.urlopen(f"{url}/api/status?token={token}", timeout=2) as reply:
                    if reply.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"JupyterLab did not answer within 90 s; see {log.name}")
            time.sleep(0.5)
        yield url, token
    finally:
        stop_server(server, url, token)
        log.close()


def stop_server(server: subprocess.Popen, url: str, token: str) -> None:
    """Shut the server down through its API (it stops its kernels), then make sure it is gone."""
    if server.poll() is None:
        try:
            request = urllib.request.Request(f"{url}/api/shutdown?token={token}", method="POST", data=b"")
            urllib.request.urlopen(request, timeout=10).close()
        except OSError:
            pass
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGTERM)
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
                server.wait()


@contextmanager
def headless_chromium():
    """Headless Debian Chromium (no browser download), closed afterwards."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()


def new_page(browser):
    """A fresh page (its own context) that records the browser console for failure reports."""
    page = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
    page.console_lines = []  # the browser's console, quoted when the test fails
    page.on("console", lambda message: page.console_lines.append(f"{message.type}: {message.text}"))
    page.on("dialog", lambda dialog: dialog.accept())  # "leave the page?" when it is reloaded
    return page


def server_kernels(url: str, token: str) -> list[dict]:
    """The server's view of its kernels: execution_state ('idle', 'busy', 'dead'...) and connections."""
    with urllib.request.urlopen(f"{url}/api/kernels?token={token}", timeout=10) as reply:
        return json.load(reply)


def diagnosis(page, url: str, token: str, log_name: str = "jupyterlab.log") -> str:
    """What the server, the page and the browser said: appended to a failure's message for CI's log.

    ``log_name``: the server's log in test-artifacts/browser/, as given to :func:`running_lab`."""
    try:
        kernels = json.dumps(server_kernels(url, token))
    except OSError as error:
        kernels = f"(no answer: {error})"
    status = page.locator("#jp-main-statusbar")
    dialogs = " | ".join(" ".join(text.split()) for text in page.locator(".jp-Dialog").all_inner_texts())
    log = (ARTIFACTS / log_name).read_text(errors="replace").splitlines()
    return "\n".join([
        f"kernels on the server: {kernels}",
        f"status bar: {' '.join(status.inner_text().split()) if status.count() else '(none)'}",
        f"dialogs open: {dialogs or '(none)'}",
        "last lines of jupyterlab.log:", *log[-15:],
        "last lines of the browser console:", *page.console_lines[-15:],
    ])


def open_notebook(page, url: str, token: str, path: Path | None = None, workspace: str | None = None) -> None:
    """Open the notebook at ``path`` (or reload the page) and wait until its kernel is ready.

    A ``workspace`` of its own keeps JupyterLab from reopening the tabs an earlier test left open."""
    if path is None:
        page.reload()
    else:
        lab = f"lab/workspaces/{workspace}" if workspace else "lab"
        page.goto(f"{url}/{lab}/tree/{path.relative_to(ROOT).as_posix()}?token={token}")
    page.locator(".jp-Notebook .jp-Cell").first.wait_for(timeout=90_000)
    wait_for_kernel(page, url, token)


def wait_for_kernel(page, url: str, token: str, timeout_s: float = 120) -> None:
    """Wait until the notebook's kernel is idle on the server, connected to the page, and the page says so."""
    deadline = time.monotonic() + timeout_s
    indicator = page.locator('.jp-Notebook-ExecutionIndicator[data-status="idle"]')
    while True:
        kernels = server_kernels(url, token)
        if (len(kernels) == 1 and kernels[0]["execution_state"] == "idle" and kernels[0]["connections"] >= 1
                and indicator.count() == 1):
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"the kernel was not ready within {timeout_s:.0f} s\n{diagnosis(page, url, token)}")
        page.wait_for_timeout(500)


def press_run(page, index: int):
    """Select cell ``index`` and press the toolbar's run button; return the cell and its prompt."""
    cell = page.locator(".jp-Notebook .jp-Cell").nth(index)
    prompt = cell.locator(".jp-InputPrompt")
    prompt.click()  # select the cell (command mode)
    page.locator('.jp-NotebookPanel-toolbar [data-command="notebook:run-cell-and-select-next"]').click()
    return cell, prompt


def run_cell(page, lab, index: int, timeout_s: float = 60) -> bool:
    """Run one cell with the toolbar's run button and wait for its execution count.

    JupyterLab can lose an execution request sent just as the kernel's websocket (re)connects: the cell
    then shows [*] forever while the server reports an idle kernel. A person would reload the page; so
    does this, once, then runs the cell again. A kernel that is really busy is waited for, up to timeout_s.
    Returns whether the page had to be reloaded.
    """
    url, token = lab
    deadline, reloaded, idle_polls = time.monotonic() + timeout_s, False, 0
    cell, prompt = press_run(page, index)
    started = time.monotonic()
    while not re.fullmatch(r"\[\d+\]:", prompt.inner_text().strip()):
        if time.monotonic() > deadline:
            raise AssertionError(f"cell {index} did not finish within {timeout_s} s "
                                 f"(prompt {prompt.inner_text().strip()!r})\n{diagnosis(page, url, token)}")
        page.wait_for_timeout(250)
        if reloaded or time.monotonic() - started < 10:
            continue
        kernels = server_kernels(url, token)
        idle_polls = idle_polls + 1 if kernels and all(k["execution_state"] == "idle" for k in kernels) else 0
        if idle_polls >= 20:  # 5 s of an idle kernel while the page still waits: the request was lost
            print(f"cell {index}: the page waited on an idle kernel; reloading the page and running it again")
            reloaded = True
            open_notebook(page, url, token)
            cell, prompt = press_run(page, index)
    errors = cell.locator('.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]')
    text = " ".join(errors.all_inner_texts())
    assert "Traceback" not in text and "Error" not in text, f"cell {index} failed: {text[:2000]}"
    return reloaded


def close_sessions(url: str, token: str, timeout_s: float = 30) -> None:
    """Shut down every notebook session (and its kernel) on the server: the next lesson starts alone."""
    with urllib.request.urlopen(f"{url}/api/sessions?token={token}", timeout=10) as reply:
        sessions = json.load(reply)
    for session in sessions:
        request = urllib.request.Request(f"{url}/api/sessions/{session['id']}?token={token}", method="DELETE")
        urllib.request.urlopen(request, timeout=30).close()
    deadline = time.monotonic() + timeout_s
    while server_kernels(url, token):
        if time.monotonic() > deadline:
            raise AssertionError(f"kernels still running {timeout_s:.0f} s after their sessions were deleted: "
                                 f"{server_kernels(url, token)}")
        time.sleep(0.5)


def start_lesson(lab, page, lesson: Path, css_class: str, tag: str = WIDGET_TAG):
    """Open a clean copy of ``lesson`` in a fresh kernel, run its cells tagged ``tag`` and return the
    widget whose root element has ``tlc-widget`` and ``css_class``, once it is rendered."""
    url, token = lab
    close_sessions(url, token)
    copy, cells = lesson_copy(lesson, tag)
    open_notebook(page, url, token, copy, workspace=lesson.stem)
    for n, index in enumerate(cells):  # the first cell imports TensorFlow: up to a minute on a cold disk
        run_cell(page, lab, index, timeout_s=180 if n == 0 else 90)
    widget = page.locator(f".tlc-widget.{css_class}")
    widget.wait_for(timeout=30_000)
    assert widget.count() == 1, f"{widget.count()} widgets with class {css_class} in the page"
    errors = page.locator(".jp-Notebook").get_by_text("Error displaying widget")
    assert errors.count() == 0, f"the page says: {errors.first.inner_text()}"
    return widget


def wait_for_text(locator, wanted: str, timeout_s: float = 30) -> str:
    """Wait until ``locator``'s text contains ``wanted``; return the text."""
    deadline = time.monotonic() + timeout_s
    while wanted not in locator.inner_text():
        if time.monotonic() > deadline:
            raise AssertionError(f"the page shows {locator.inner_text()!r}, expected it to contain {wanted!r}")
        time.sleep(0.2)
    return locator.inner_text()


def screenshot(widget, name: str) -> None:
    widget.scroll_into_view_if_needed()
    widget.screenshot(path=str(ARTIFACTS / f"{name}.png"))


def photo_file(path: Path) -> Path:
    """scikit-image's coffee photo as a JPEG file (offline), 512x400: something to upload."""
    import skimage.data
    from PIL import Image

    Image.fromarray(skimage.data.coffee()).save(path, format="JPEG", quality=90)
    return path
