"""The lessons' widgets in a real JupyterLab page, clicked by headless Chromium through Playwright.

One JupyterLab serves every browser test (the session fixtures ``lab`` and ``browser`` in
``conftest.py``; what the tests share is in ``browserlab.py``). Each test opens its lesson (a copy
with its outputs and widget state cleared, so that everything in the page comes from this run), runs
only the cells its widget needs (tagged ``freeze-panel-demo`` in lesson 03, ``widget-demo`` in the
others), finds the widget by its CSS classes (``tlc-widget`` plus its own), checks that no "Error
displaying widget" shows, operates a control and checks that what the page shows changes. A
screenshot per widget is saved in ``test-artifacts/browser/``.

- Lesson 03, the FreezePanel: ticks a block's checkbox, moves the slider with the keyboard, and checks
  that the readout shows the counts ``model.summary()`` gives for the same choice.
- Lesson 01, the PhotoClassifier: uploads a photo through the *Upload* button's file chooser and picks
  a late block, and checks that the top-5 labels, the photo and the feature maps change.

A further test loses the page's first run request on purpose and checks that the recovery in
``run_cell`` (reload the page, run the cell again) works; a failure quotes the server's kernels, the
status bar, JupyterLab's log and the browser console.

The other lessons' widgets are tested the same way in ``test_browser_NN.py`` (see ``browserlab.py``
for how to write one). Skipped, with the reason, without Debian's chromium or the playwright package.
"""
from __future__ import annotations

import time

import pytest
from browserlab import (
    ARTIFACTS,
    ROOT,
    close_sessions,
    diagnosis,
    lesson_copy,
    missing,
    new_page,
    open_notebook,
    photo_file,
    run_cell,
    screenshot,
    start_lesson,
    wait_for_text,
)

pytestmark = pytest.mark.skipif(missing() is not None, reason=str(missing()))


@pytest.fixture(scope="module")
def page(lab, browser):
    page = new_page(browser)
    yield page
    page.context.close()
    close_sessions(*lab)


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
    copy, demo_cells = lesson_copy()
    expected = _expected_counts()
    open_notebook(page, url, token, copy)
    for n, index in enumerate(demo_cells):
        # the first cell imports TensorFlow: on a fresh venv with a cold disk cache that alone can take a minute
        run_cell(page, lab, index, timeout_s=180 if n == 0 else 60)

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
    """The recovery in run_cell works: with the page's first run request lost, the cell still runs."""
    url, token = lab
    page = new_page(browser)
    try:
        page.add_init_script(DROP_FIRST_EXECUTE_REQUEST)
        copy, demo_cells = lesson_copy()
        open_notebook(page, url, token, copy)
        assert run_cell(page, lab, demo_cells[0], timeout_s=180), "the request was not lost: nothing was tested"
        assert "log: tlc: dropped an execute_request" in page.console_lines
        report = diagnosis(page, url, token)  # what a failure would quote
        # the log's last lines: the reload's reconnection (the kernel's start may be further back, under load)
        assert '"execution_state": "idle"' in report and "Connecting to kernel" in report and "Idle" in report
    finally:
        page.context.close()


def test_photo_classifier_in_jupyterlab(lab, lesson_page, tmp_path):
    """Lesson 01: upload a photo through the Upload button, pick a late block; labels, photo and maps change."""
    url, token = lab
    started = time.monotonic()
    page = lesson_page
    try:
        widget = start_lesson(lab, page, ROOT / "lessons" / "01_pretrained_models.ipynb", "tlc-photo-classifier")
        shown = time.monotonic()
        top5, photo = widget.locator(".tlc-photo-top5"), widget.locator("img.tlc-photo-view")
        maps, maps_caption = widget.locator("img.tlc-feature-maps"), widget.locator(".tlc-feature-maps-caption")
        assert "cat" in top5.inner_text() and "espresso" not in top5.inner_text()  # the first sample: the cat
        assert "block_1:" in maps_caption.inner_text() and "early" in maps_caption.inner_text()
        photo_before, maps_before = photo.get_attribute("src"), maps.get_attribute("src")

        with page.expect_file_chooser() as chooser:
            widget.locator(".tlc-photo-upload").click()
        chooser.value.set_files(str(photo_file(tmp_path / "coffee.jpg")))
        clicked = time.monotonic()
        wait_for_text(top5, "espresso")
        answered = time.monotonic() - clicked
        wait_for_text(widget.locator(".tlc-photo-caption"), "your photo: coffee.jpg")
        assert photo.get_attribute("src") != photo_before and maps.get_attribute("src") != maps_before
        assert "your photo: coffee.jpg" in widget.locator(".tlc-photo-picker select").input_value()

        maps_before = maps.get_attribute("src")
        widget.locator(".tlc-layer-picker button", has_text="block_13").click()
        wait_for_text(maps_caption, "block_13:")
        assert "late" in maps_caption.inner_text() and maps.get_attribute("src") != maps_before
        assert widget.locator(".tlc-message").inner_text().strip() == ""  # no error shown
        screenshot(widget, "photo_classifier")
        print(f"browser test, lesson 01: {time.monotonic() - started:.1f} s ({shown - started:.1f} s to the widget); "
              f"upload -> top-5 shown in the page: {answered:.2f} s")
    except Exception:
        page.screenshot(path=str(ARTIFACTS / "failure_01.png"))
        raise
