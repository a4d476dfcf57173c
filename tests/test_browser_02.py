"""Lesson 02's LabelsBudget in a real JupyterLab page (headless Chromium, see ``browserlab.py``).

Runs the lesson's cells tagged ``widget-demo`` (setup, the data, the base, the cached features, the
widget), moves the *labelled photos per class* slider with the keyboard and checks that the accuracy
line and the gallery of misclassified photos change to the new size. Skipped without Chromium or playwright.
"""
from __future__ import annotations

import time

import pytest
from browserlab import ARTIFACTS, ROOT, missing, screenshot, start_lesson, wait_for_text

pytestmark = pytest.mark.skipif(missing() is not None, reason=str(missing()))


def test_labels_budget_in_jupyterlab(lab, lesson_page):
    """Slide from 10 to 25 labelled photos per class, then to 50: the readout and the gallery follow."""
    started = time.monotonic()
    page = lesson_page
    try:
        widget = start_lesson(lab, page, ROOT / "lessons" / "02_feature_extraction.ipynb", "tlc-labels-budget")
        shown = time.monotonic()
        readout, gallery = widget.locator(".tlc-budget-readout"), widget.locator(".tlc-budget-gallery")
        slider = widget.locator(".tlc-budget-slider")
        wait_for_text(readout, "trained on 10 labelled photos per class (20 in all)")
        assert "of 400 validation photos misclassified" in gallery.inner_text()
        assert gallery.locator("img").count() >= 1 and "said: " in gallery.inner_text()
        assert slider.locator(".widget-readout").inner_text().strip() == "10"
        before = gallery.inner_html()

        slider.locator(".noUi-handle").focus()
        pressed = time.monotonic()
        page.keyboard.press("ArrowRight")
        wait_for_text(readout, "trained on 25 labelled photos per class (50 in all)")
        answered = time.monotonic() - pressed
        assert slider.locator(".widget-readout").inner_text().strip() == "25"
        page.keyboard.press("ArrowRight")
        wait_for_text(readout, "trained on 50 labelled photos per class (100 in all)")
        assert gallery.inner_html() != before and "of 400 validation photos" in readout.inner_text()
        assert widget.locator(".tlc-message").inner_text().strip() == ""  # no error shown
        screenshot(widget, "labels_budget")
        print(f"browser test, lesson 02: {time.monotonic() - started:.1f} s ({shown - started:.1f} s to the widget); "
              f"slider key -> new accuracy shown in the page: {answered:.2f} s")
    except Exception:
        page.screenshot(path=str(ARTIFACTS / "failure_02.png"))
        raise
