"""Lesson 05's SizeExplorer in a real JupyterLab page (headless Chromium, see ``browserlab.py``).

Runs the lesson's cells tagged ``widget-demo`` (setup, the data, MobileNetV2 with its ImageNet top, the
two photos of section 7, the widget), moves the *side* slider with the keyboard down to its smallest side
and two pixels up, ticks *grey*, and checks that the caption, the top-5 and the pictures change
accordingly. Skipped without Chromium or playwright.
"""
from __future__ import annotations

import time

import pytest
from browserlab import ARTIFACTS, ROOT, missing, screenshot, start_lesson, wait_for_text

pytestmark = pytest.mark.skipif(missing() is not None, reason=str(missing()))


def test_size_explorer_in_jupyterlab(lab, lesson_page):
    """224 -> 8 -> 10 pixels with the keyboard, then grey: the caption, the top-5 and the photos follow."""
    started = time.monotonic()
    page = lesson_page
    try:
        widget = start_lesson(lab, page, ROOT / "lessons" / "05_input_adaptation.ipynb", "tlc-size-explorer")
        shown = time.monotonic()
        caption, top5 = widget.locator(".tlc-size-caption"), widget.locator(".tlc-size-top5")
        view, small = widget.locator("img.tlc-size-view"), widget.locator("img.tlc-size-small")
        slider = widget.locator(".tlc-size-slider")
        wait_for_text(caption, "chelsea shrunk to 224x224 pixels")
        assert "cat" in top5.inner_text() and "rank 1 of 1000" in caption.inner_text()  # full size: a cat, first
        assert slider.locator(".widget-readout").inner_text().strip() == "224"
        full_top5, full_view, full_small = top5.inner_text(), view.get_attribute("src"), small.get_attribute("src")

        slider.locator(".noUi-handle").focus()
        pressed = time.monotonic()
        page.keyboard.press("Home")  # the slider's smallest side
        wait_for_text(caption, "shrunk to 8x8 pixels")
        answered_size = time.monotonic() - pressed
        assert slider.locator(".widget-readout").inner_text().strip() == "8"
        assert top5.inner_text() != full_top5 and "Top-5 at 8x8, in colour" in top5.inner_text()
        assert view.get_attribute("src") != full_view and small.get_attribute("src") != full_small
        for _ in range(2):
            page.keyboard.press("ArrowRight")
            page.wait_for_timeout(300)
        wait_for_text(caption, "shrunk to 10x10 pixels")
        colour_top5, colour_view = top5.inner_text(), view.get_attribute("src")

        clicked = time.monotonic()
        widget.locator('.tlc-size-grey input[type="checkbox"]').click()
        wait_for_text(top5, "Top-5 at 10x10, in grey")
        answered_grey = time.monotonic() - clicked
        assert "shrunk to 10x10 pixels" in caption.inner_text() and "in grey" in caption.inner_text()
        assert view.get_attribute("src") != colour_view and top5.inner_text() != colour_top5
        assert widget.locator(".tlc-message").inner_text().strip() == ""  # no error shown
        screenshot(widget, "size_explorer")
        print(f"browser test, lesson 05: {time.monotonic() - started:.1f} s ({shown - started:.1f} s to the widget); "
              f"slider key -> new top-5 shown in the page: {answered_size:.2f} s; grey tick -> shown: {answered_grey:.2f} s")
    except Exception:
        page.screenshot(path=str(ARTIFACTS / "failure_05.png"))
        raise
