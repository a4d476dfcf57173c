"""Lesson 06 in JupyterLab: the trade-off explorer answers an axis change and an unticked model.

The widget draws the lesson's own measured table, so the browser runs the lesson's real cells tagged
``widget-demo`` (profiling and accuracy on cats vs dogs): about two minutes on 2 busy cores.
"""
from __future__ import annotations

import time

import pytest
from browserlab import ARTIFACTS, ROOT, missing, screenshot, start_lesson, wait_for_text

pytestmark = pytest.mark.skipif(missing() is not None, reason=str(missing()))


def test_tradeoff_explorer_in_jupyterlab(lab, lesson_page):
    started = time.monotonic()
    page = lesson_page
    try:
        widget = start_lesson(lab, page, ROOT / "lessons" / "06_choosing_a_model.ipynb", "tlc-tradeoffs")
        shown = time.monotonic()
        readout = widget.locator(".tlc-tradeoffs-text")
        before = wait_for_text(readout, "Pareto front:")
        assert "latency b1 (ms) (lower is better)" in before

        widget.locator(".tlc-tradeoffs-x select").select_option("params")
        clicked = time.monotonic()
        after_axis = wait_for_text(readout, "params (lower is better)")
        axis_s = time.monotonic() - clicked
        assert after_axis != before

        boxes = widget.locator(".tlc-tradeoffs-model input[type=checkbox]")
        total = boxes.count()
        boxes.first.click()
        clicked = time.monotonic()
        after_box = wait_for_text(readout, f"{total - 1} of {total} models shown")
        box_s = time.monotonic() - clicked
        assert after_box != after_axis
        assert widget.locator(".tlc-message").inner_text().strip() == ""
        screenshot(widget, "tradeoff_explorer")
        print(f"browser test, lesson 06: {time.monotonic() - started:.1f} s ({shown - started:.1f} s to the widget); "
              f"axis -> text {axis_s:.2f} s, untick -> text {box_s:.2f} s")
    except Exception:
        page.screenshot(path=str(ARTIFACTS / "failure_06.png"))
        raise
