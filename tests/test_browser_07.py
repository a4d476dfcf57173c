"""Lesson 07's two widgets in a real JupyterLab page (headless Chromium, see ``browserlab.py``).

Runs the lesson's cells tagged ``widget-demo`` once (setup, the photos and their cached features, the
canvases, the backbone's features, the trained grid head, both widgets), then

- the ImbalanceExplorer: moves the imbalance slider with the keyboard and ticks *class weights*, and
  checks that the readout and the confusion matrix change each time;
- the BoxThresholds: lowers the score threshold with the keyboard and checks that more boxes are kept
  and the picture changes.

Skipped without Chromium or playwright.
"""
from __future__ import annotations

import time

import pytest
from browserlab import ARTIFACTS, ROOT, missing, screenshot, start_lesson, wait_for_text

pytestmark = pytest.mark.skipif(missing() is not None, reason=str(missing()))


def test_imbalance_explorer_and_box_thresholds_in_jupyterlab(lab, lesson_page):
    """10:1 -> 20:1 with the keyboard, then class weights ticked: the text and the matrix follow; the score
    threshold lowered from 0.50 to 0.05: more boxes kept, a new picture."""
    started = time.monotonic()
    page = lesson_page
    try:
        widget = start_lesson(lab, page, ROOT / "lessons" / "07_beyond_classification.ipynb", "tlc-imbalance")
        shown = time.monotonic()
        readout, matrix = widget.locator(".tlc-imbalance-readout"), widget.locator(".tlc-confusion")
        wait_for_text(readout, "Trained on 200 cats and 20 dogs (10:1), no class weights")
        assert "balanced accuracy" in readout.inner_text() and matrix.locator(".tlc-confusion-cell").count() == 4
        slider = widget.locator(".tlc-ratio-slider")
        assert slider.locator(".widget-readout").inner_text().strip() == "10:1"

        slider.locator(".noUi-handle").focus()
        pressed = time.monotonic()
        page.keyboard.press("ArrowRight")
        wait_for_text(readout, "Trained on 200 cats and 10 dogs (20:1), no class weights")
        slid = time.monotonic() - pressed
        assert slider.locator(".widget-readout").inner_text().strip() == "20:1"
        plain_matrix = matrix.inner_text()

        box = widget.locator(".tlc-class-weights input[type='checkbox']")
        assert not box.is_checked()
        clicked = time.monotonic()
        box.click()
        wait_for_text(readout, "Trained on 200 cats and 10 dogs (20:1), class weights 0.5")
        assert "and 10.50 (dogs)" in readout.inner_text()
        ticked = time.monotonic() - clicked
        assert box.is_checked()
        print(f"matrix plain {plain_matrix.split()} -> weighted {matrix.inner_text().split()}")
        assert widget.locator(".tlc-message").inner_text().strip() == ""  # no error shown
        screenshot(widget, "imbalance_explorer")
        print(f"lesson 07, ImbalanceExplorer in the page: slider key -> new matrix {slid:.2f} s, "
              f"class weights ticked -> new matrix {ticked:.2f} s")
        _box_thresholds(page)
        print(f"browser test, lesson 07: {time.monotonic() - started:.1f} s ({shown - started:.1f} s to the widgets)")
    except Exception:
        page.screenshot(path=str(ARTIFACTS / "failure_07.png"))
        raise


def _kept(readout) -> int:
    """The number of boxes the readout says are kept."""
    return int(readout.inner_text().split(" boxes kept")[0].split()[-1])


def _box_thresholds(page) -> None:
    widget = page.locator(".tlc-widget.tlc-box-thresholds")
    assert widget.count() == 1
    readout, view = widget.locator(".tlc-boxes-readout"), widget.locator("img.tlc-boxes-view")
    wait_for_text(readout, "score threshold 0.50, NMS IoU 0.50: ")
    assert "boxes kept on 8 canvases" in readout.inner_text()
    kept, picture = _kept(readout), view.get_attribute("src")
    widget.locator(".tlc-score-slider .noUi-handle").focus()
    for _ in range(9):  # 0.50 -> 0.05, one step of 0.05 a key
        page.keyboard.press("ArrowLeft")
        pressed = time.monotonic()
        page.wait_for_timeout(100)
    wait_for_text(readout, "score threshold 0.05, NMS IoU 0.50: ")
    answered = time.monotonic() - pressed
    assert _kept(readout) > kept and view.get_attribute("src") != picture
    assert widget.locator(".tlc-message").inner_text().strip() == ""
    screenshot(widget, "box_thresholds")
    print(f"lesson 07, BoxThresholds in the page: {kept} -> {_kept(readout)} boxes kept; "
          f"last slider key -> new boxes shown {answered:.2f} s")
