"""The lessons' widgets in a real JupyterLab page, clicked by headless Chromium through Playwright.

One JupyterLab on 127.0.0.1 serves every lesson (module-scoped fixture); each test opens its lesson
(a copy with its outputs and widget state cleared, so that everything in the page comes from this run),
runs only the cells its widget needs (tagged ``freeze-panel-demo`` in lesson 03, ``widget-demo`` in
the others), finds the widget by its CSS classes (``tlc-widget`` plus its own), checks that no
"Error displaying widget" shows, operates a control and checks that what the page shows changes. A
screenshot per widget is saved in ``test-artifacts/browser/``; the kernels of one lesson are shut down
before the next starts.

- Lesson 03, the FreezePanel: ticks a block's checkbox, moves the slider with the keyboard, and checks
  that the readout shows the counts ``model.summary()`` gives for the same choice.
- Lesson 01, the PhotoClassifier: uploads a photo through the *Upload* button's file chooser and picks
  a late block, and checks that the top-5 labels, the photo and the feature maps change.

A further test loses the page's first run request on purpose and checks that the recovery in
``_run_cell`` (reload the page, run the cell again) works; a failure quotes the server's kernels, the
status bar, JupyterLab's log and the browser console.

To add a lesson's widget: tag the cells it needs ``widget-demo`` in ``course/NN_*.ipynb``, then write a
test like ``test_photo_classifier_in_jupyterlab``: ``_start_lesson`` (fresh kernel, cells run, widget
found), operate one control, ``_wait_for_text`` on what should change, ``_screenshot``.

It needs Debian's ``chromium`` at /usr/bin/chromium (or ``$TLCOURSE_CHROMIUM``) and the
``playwright`` Python package; it never downloads a browser. Without them it is skipped, with
the reason in pytest's summary.
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
from pathlib import Path

import pytest

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


def _missing() -> str | None:
    if not CHROMIUM.exists():
        return (f"no Chromium at {CHROMIUM}: install Debian's chromium (sudo apt-get install chromium) or set "
                "TLCOURSE_CHROMIUM to run the real-browser test")
    try:
        import playwright  # noqa: F401
    except ImportError:
        return "the playwright package is missing: pip install -e '.[test]' to run the real-browser test"
    return None


pytestmark = pytest.mark.skipif(_missing() is not None, reason=str(_missing()))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _lesson_copy(lesson: Path = LESSON, tag: str = DEMO_TAG) -> tuple[Path, list[int]]:
    """Copy the lesson with outputs and widget state removed; return it and the indices of its cells
    tagged ``tag``."""
    import nbformat

    nb = nbformat.read(lesson, as_version=4)
    nb.metadata.pop("widgets", None)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    demo = [i for i, cell in enumerate(nb.cells) if tag in cell.metadata.get("tags", [])]
    assert len(demo) >= 2, f"{lesson.name} has no cells tagged {tag!r}"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    copy = ARTIFACTS / lesson.name
    nbformat.write(nb, copy)
    return copy, demo


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """JupyterLab on 127.0.0.1 with a token, rooted at the repository; stopped (with its kernels) after."""
    home = tmp_path_factory.mktemp("jupyterlab")
    settings = home / "settings" / "@jupyterlab"
    for plugin, values in {
        "notebook-extension/tracker": {"windowingMode": "none"},  # every cell in the DOM
        "docmanager-extension/plugin": {"autosave": False},
        "apputils-extension/notification": {"fetchNews": "false", "checkForUpdates": False},
    }.items():
        path = settings / f"{plugin}.jupyterlab-settings"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values))
    port, token = _free_port(), secrets.token_hex(16)
    env = dict(os.environ, JUPYTERLAB_SETTINGS_DIR=str(home / "settings"),
               JUPYTERLAB_WORKSPACES_DIR=str(home / "workspaces"), JUPYTER_RUNTIME_DIR=str(home / "runtime"),
               PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))
    command = [
        sys.executable, "-m", "jupyterlab", "--no-browser", "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}",
        "--ServerApp.port_retries=0", f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={ROOT}",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate", "--LabApp.news_url=",
    ] + (["--allow-root"] if hasattr(os, "geteuid") and os.geteuid() == 0 else [])
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    log = open(ARTIFACTS / "jupyterlab.log", "w")  # noqa: SIM115 (the server writes to it until the finally below)
    server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
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
        _stop(server, url, token)
        log.close()


def _stop(server: subprocess.Popen, url: str, token: str) -> None:
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


@pytest.fixture(scope="module")
def browser():
    """Headless Debian Chromium (no browser download), closed afterwards."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()


def _new_page(browser):
    page = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
    page.console_lines = []  # the browser's console, quoted when the test fails
    page.on("console", lambda message: page.console_lines.append(f"{message.type}: {message.text}"))
    page.on("dialog", lambda dialog: dialog.accept())  # "leave the page?" when it is reloaded
    return page


@pytest.fixture(scope="module")
def page(browser):
    page = _new_page(browser)
    yield page
    page.context.close()


def _expected_counts() -> dict[str, tuple[int, int]]:
    """model.summary()'s figures for the lesson's classifier (same layers, no weights needed),
    after each interaction, with plain Keras flags rather than the panel's code."""
    import keras
    from test_freeze import _summary_counts

    from tlcourse import zoo

    base = zoo.build("MobileNetV2", include_top=False, input_shape=(96, 96, 3))
    inputs = keras.Input((96, 96, 3))
    x = keras.layers.GlobalAveragePooling2D(name="pool")(base(inputs, training=False))
    x = keras.layers.Dropout(0.2, name="dropout")(x)
    model = keras.Model(inputs, keras.layers.Dense(2, activation="softmax", name="classifier")(x))
    expected = {}
    base.trainable = False  # the panel cell starts from a frozen base
    expected["start"] = _summary_counts(model)
    for layer in base.layers:  # tick block_16
        layer.trainable = layer.name.startswith("block_16_")
    expected["block_16"] = _summary_counts(model)
    last_conv = ("Conv_1", "Conv_1_bn", "out_relu")  # slider at 2: the base's block_16 and last_conv
    for layer in base.layers:  # (the slider counts blocks of the base; the classifier stays trainable)
        layer.trainable = layer.name.startswith("block_16_") or layer.name in last_conv
    expected["slider 2"] = _summary_counts(model)
    return expected


def _kernels(url: str, token: str) -> list[dict]:
    """The server's view of its kernels: execution_state ('idle', 'busy', 'dead'...) and connections."""
    with urllib.request.urlopen(f"{url}/api/kernels?token={token}", timeout=10) as reply:
        return json.load(reply)


def _diagnosis(page, url: str, token: str) -> str:
    """What the server, the page and the browser said: appended to a failure's message for CI's log."""
    try:
        kernels = json.dumps(_kernels(url, token))
    except OSError as error:
        kernels = f"(no answer: {error})"
    status = page.locator("#jp-main-statusbar")
    dialogs = " | ".join(" ".join(text.split()) for text in page.locator(".jp-Dialog").all_inner_texts())
    log = (ARTIFACTS / "jupyterlab.log").read_text(errors="replace").splitlines()
    return "\n".join([
        f"kernels on the server: {kernels}",
        f"status bar: {' '.join(status.inner_text().split()) if status.count() else '(none)'}",
        f"dialogs open: {dialogs or '(none)'}",
        "last lines of jupyterlab.log:", *log[-15:],
        "last lines of the browser console:", *page.console_lines[-15:],
    ])


def _open_notebook(page, url: str, token: str, path: Path | None = None, workspace: str | None = None) -> None:
    """Open the notebook at ``path`` (or reload the page) and wait until its kernel is ready.

    A ``workspace`` of its own keeps JupyterLab from reopening the tabs an earlier test left open."""
    if path is None:
        page.reload()
    else:
        lab = f"lab/workspaces/{workspace}" if workspace else "lab"
        page.goto(f"{url}/{lab}/tree/{path.relative_to(ROOT).as_posix()}?token={token}")
    page.locator(".jp-Notebook .jp-Cell").first.wait_for(timeout=90_000)
    _wait_for_kernel(page, url, token)


def _wait_for_kernel(page, url: str, token: str, timeout_s: float = 120) -> None:
    """Wait until the notebook's kernel is idle on the server, connected to the page, and the page says so."""
    deadline = time.monotonic() + timeout_s
    indicator = page.locator('.jp-Notebook-ExecutionIndicator[data-status="idle"]')
    while True:
        kernels = _kernels(url, token)
        if (len(kernels) == 1 and kernels[0]["execution_state"] == "idle" and kernels[0]["connections"] >= 1
                and indicator.count() == 1):
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"the kernel was not ready within {timeout_s:.0f} s\n{_diagnosis(page, url, token)}")
        page.wait_for_timeout(500)


def _press_run(page, index: int):
    """Select cell ``index`` and press the toolbar's run button; return the cell and its prompt."""
    cell = page.locator(".jp-Notebook .jp-Cell").nth(index)
    prompt = cell.locator(".jp-InputPrompt")
    prompt.click()  # select the cell (command mode)
    page.locator('.jp-NotebookPanel-toolbar [data-command="notebook:run-cell-and-select-next"]').click()
    return cell, prompt


def _run_cell(page, lab, index: int, timeout_s: float = 60) -> bool:
    """Run one cell with the toolbar's run button and wait for its execution count.

    JupyterLab can lose an execution request sent just as the kernel's websocket (re)connects: the cell
    then shows [*] forever while the server reports an idle kernel. A person would reload the page; so
    does this, once, then runs the cell again. A kernel that is really busy is waited for, up to timeout_s.
    Returns whether the page had to be reloaded.
    """
    url, token = lab
    deadline, reloaded, idle_polls = time.monotonic() + timeout_s, False, 0
    cell, prompt = _press_run(page, index)
    started = time.monotonic()
    while not re.fullmatch(r"\[\d+\]:", prompt.inner_text().strip()):
        if time.monotonic() > deadline:
            raise AssertionError(f"cell {index} did not finish within {timeout_s} s "
                                 f"(prompt {prompt.inner_text().strip()!r})\n{_diagnosis(page, url, token)}")
        page.wait_for_timeout(250)
        if reloaded or time.monotonic() - started < 10:
            continue
        kernels = _kernels(url, token)
        idle_polls = idle_polls + 1 if kernels and all(k["execution_state"] == "idle" for k in kernels) else 0
        if idle_polls >= 20:  # 5 s of an idle kernel while the page still waits: the request was lost
            print(f"cell {index}: the page waited on an idle kernel; reloading the page and running it again")
            reloaded = True
            _open_notebook(page, url, token)
            cell, prompt = _press_run(page, index)
    errors = cell.locator('.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]')
    text = " ".join(errors.all_inner_texts())
    assert "Traceback" not in text and "Error" not in text, f"cell {index} failed: {text[:2000]}"
    return reloaded


def _readout_shows(page, counts: tuple[int, int], timeout_s: float = 30) -> str:
    trainable, non_trainable = counts
    wanted = f"Trainable {trainable:,} · Non-trainable {non_trainable:,} · Total {trainable + non_trainable:,}"
    readout = page.locator(".tlc-freeze-panel .tlc-freeze-readout")
    deadline = time.monotonic() + timeout_s
    while wanted not in " ".join(readout.inner_text().split()):
        if time.monotonic() > deadline:
            raise AssertionError(f"the page's readout says {readout.inner_text()!r}, expected {wanted!r}")
        page.wait_for_timeout(200)
    return readout.inner_text()


def test_freeze_panel_in_jupyterlab(lab, page):
    try:
        _drive(lab, page)
    except Exception:
        page.screenshot(path=str(ARTIFACTS / "failure.png"))  # what the page showed when it failed
        raise


def _drive(lab, page):
    url, token = lab
    started = time.monotonic()
    copy, demo_cells = _lesson_copy()
    expected = _expected_counts()
    _open_notebook(page, url, token, copy)
    for n, index in enumerate(demo_cells):
        # the first cell imports TensorFlow: on a fresh venv with a cold disk cache that alone can take a minute
        _run_cell(page, lab, index, timeout_s=180 if n == 0 else 60)

    panel = page.locator(".tlc-widget.tlc-freeze-panel")  # the course widgets' shared root class, and its own
    panel.wait_for(timeout=30_000)
    assert page.locator(".jp-Notebook").get_by_text("Error displaying widget").count() == 0
    assert panel.locator(".tlc-block-checkbox").count() == 22
    _readout_shows(page, expected["start"])
    assert "no weights: unfreezing unlocks nothing" in panel.locator(".tlc-block-bar").nth(19).inner_text()

    checkbox = panel.locator('.tlc-block-checkbox:has(span[title="block_16"]) input[type="checkbox"]')
    assert not checkbox.is_checked()
    checkbox.click()
    text = _readout_shows(page, expected["block_16"])
    assert "call model.compile(...) again" in text or "Not compiled yet" in text
    assert checkbox.is_checked()

    slider = panel.locator(".tlc-freeze-slider")
    assert slider.locator(".widget-readout").inner_text().strip() == "0"  # the base is frozen
    slider.locator(".noUi-handle").focus()
    for _ in range(2):
        page.keyboard.press("ArrowRight")
        page.wait_for_timeout(300)
    _readout_shows(page, expected["slider 2"])
    assert slider.locator(".widget-readout").inner_text().strip() == "2"
    head = panel.locator('.tlc-block-checkbox:has(span[title="last_conv"]) input[type="checkbox"]')
    assert head.is_checked() and checkbox.is_checked()

    panel.scroll_into_view_if_needed()
    panel.screenshot(path=str(ARTIFACTS / "freeze_panel.png"))
    page.screenshot(path=str(ARTIFACTS / "jupyterlab.png"))
    print(f"browser test: {time.monotonic() - started:.1f} s in the page; screenshots in {ARTIFACTS}")


# Installed before the page's scripts run: the first execute_request the page sends over a websocket is
# dropped, as if the connection had hiccuped (sessionStorage survives the reload, so only one is lost).
DROP_FIRST_EXECUTE_REQUEST = """
(() => {
  const send = WebSocket.prototype.send;
  WebSocket.prototype.send = function (data) {
    const bytes = typeof data === "string" ? null : new Uint8Array(data instanceof ArrayBuffer ? data : data.buffer);
    const text = bytes ? new TextDecoder().decode(bytes) : data;
    if (text.includes("execute_request") && !sessionStorage.getItem("tlc-dropped")) {
      sessionStorage.setItem("tlc-dropped", "1");
      console.log("tlc: dropped an execute_request");
      return;
    }
    return send.call(this, data);
  };
})();
"""


def test_a_lost_run_request_is_sent_again(lab, browser):
    """The recovery in _run_cell works: with the page's first run request lost, the cell still runs."""
    url, token = lab
    page = _new_page(browser)
    try:
        page.add_init_script(DROP_FIRST_EXECUTE_REQUEST)
        copy, demo_cells = _lesson_copy()
        _open_notebook(page, url, token, copy)
        assert _run_cell(page, lab, demo_cells[0], timeout_s=180), "the request was not lost: nothing was tested"
        assert "log: tlc: dropped an execute_request" in page.console_lines
        report = _diagnosis(page, url, token)  # what a failure would quote
        # the log's last lines: the reload's reconnection (the kernel's start may be further back, under load)
        assert '"execution_state": "idle"' in report and "Connecting to kernel" in report and "Idle" in report
    finally:
        page.context.close()


# -- the other lessons' widgets: one JupyterLab, one kernel at a time ---------------------------------

def _close_sessions(url: str, token: str, timeout_s: float = 30) -> None:
    """Shut down every notebook session (and its kernel) on the server: the next lesson starts alone."""
    with urllib.request.urlopen(f"{url}/api/sessions?token={token}", timeout=10) as reply:
        sessions = json.load(reply)
    for session in sessions:
        request = urllib.request.Request(f"{url}/api/sessions/{session['id']}?token={token}", method="DELETE")
        urllib.request.urlopen(request, timeout=30).close()
    deadline = time.monotonic() + timeout_s
    while _kernels(url, token):
        if time.monotonic() > deadline:
            raise AssertionError(f"kernels still running {timeout_s:.0f} s after their sessions were deleted: "
                                 f"{_kernels(url, token)}")
        time.sleep(0.5)


def _start_lesson(lab, page, lesson: Path, css_class: str, tag: str = WIDGET_TAG):
    """Open a clean copy of ``lesson`` in a fresh kernel, run its cells tagged ``tag`` and return the
    widget whose root element has ``tlc-widget`` and ``css_class``, once it is rendered."""
    url, token = lab
    _close_sessions(url, token)
    copy, cells = _lesson_copy(lesson, tag)
    _open_notebook(page, url, token, copy, workspace=lesson.stem)
    for n, index in enumerate(cells):  # the first cell imports TensorFlow: up to a minute on a cold disk
        _run_cell(page, lab, index, timeout_s=180 if n == 0 else 90)
    widget = page.locator(f".tlc-widget.{css_class}")
    widget.wait_for(timeout=30_000)
    assert widget.count() == 1, f"{widget.count()} widgets with class {css_class} in the page"
    errors = page.locator(".jp-Notebook").get_by_text("Error displaying widget")
    assert errors.count() == 0, f"the page says: {errors.first.inner_text()}"
    return widget


def _wait_for_text(locator, wanted: str, timeout_s: float = 30) -> str:
    """Wait until ``locator``'s text contains ``wanted``; return the text."""
    deadline = time.monotonic() + timeout_s
    while wanted not in locator.inner_text():
        if time.monotonic() > deadline:
            raise AssertionError(f"the page shows {locator.inner_text()!r}, expected it to contain {wanted!r}")
        time.sleep(0.2)
    return locator.inner_text()


def _screenshot(widget, name: str) -> None:
    widget.scroll_into_view_if_needed()
    widget.screenshot(path=str(ARTIFACTS / f"{name}.png"))


def _photo(path: Path) -> Path:
    """scikit-image's coffee photo as a JPEG file (offline), 512x400: something to upload."""
    import skimage.data
    from PIL import Image

    Image.fromarray(skimage.data.coffee()).save(path, format="JPEG", quality=90)
    return path


def test_photo_classifier_in_jupyterlab(lab, browser, tmp_path):
    """Lesson 01: upload a photo through the Upload button, pick a late block; labels, photo and maps change."""
    url, token = lab
    started = time.monotonic()
    page = _new_page(browser)
    try:
        widget = _start_lesson(lab, page, ROOT / "lessons" / "01_pretrained_models.ipynb", "tlc-photo-classifier")
        shown = time.monotonic()
        top5, photo = widget.locator(".tlc-photo-top5"), widget.locator("img.tlc-photo-view")
        maps, maps_caption = widget.locator("img.tlc-feature-maps"), widget.locator(".tlc-feature-maps-caption")
        assert "cat" in top5.inner_text() and "espresso" not in top5.inner_text()  # the first sample: the cat
        assert "block_1:" in maps_caption.inner_text() and "early" in maps_caption.inner_text()
        photo_before, maps_before = photo.get_attribute("src"), maps.get_attribute("src")

        with page.expect_file_chooser() as chooser:
            widget.locator(".tlc-photo-upload").click()
        chooser.value.set_files(str(_photo(tmp_path / "coffee.jpg")))
        clicked = time.monotonic()
        _wait_for_text(top5, "espresso")
        answered = time.monotonic() - clicked
        _wait_for_text(widget.locator(".tlc-photo-caption"), "your photo: coffee.jpg")
        assert photo.get_attribute("src") != photo_before and maps.get_attribute("src") != maps_before
        assert "your photo: coffee.jpg" in widget.locator(".tlc-photo-picker select").input_value()

        maps_before = maps.get_attribute("src")
        widget.locator(".tlc-layer-picker button", has_text="block_13").click()
        _wait_for_text(maps_caption, "block_13:")
        assert "late" in maps_caption.inner_text() and maps.get_attribute("src") != maps_before
        assert widget.locator(".tlc-message").inner_text().strip() == ""  # no error shown
        _screenshot(widget, "photo_classifier")
        print(f"browser test, lesson 01: {time.monotonic() - started:.1f} s ({shown - started:.1f} s to the widget); "
              f"upload -> top-5 shown in the page: {answered:.2f} s")
    except Exception:
        page.screenshot(path=str(ARTIFACTS / "failure_01.png"))
        raise
    finally:
        page.context.close()
