"""Lesson 04's LiveCurves in a real JupyterLab page (headless Chromium, see ``browserlab.py``).

Runs the lesson's cells tagged ``widget-demo``: setup, the photos, the base cut in two, the cached maps,
the widget, then the lesson's own phase 1 and phase 2 training cells (about half a minute on 2 cores,
no test-only copy). While phase 2 trains, the test reads the widget's readout in the page and checks
that it moves on epoch by epoch; afterwards it checks the line that marks the unfreezing, switches from
accuracy to loss and unticks the training curve. Skipped without Chromium or playwright.
"""
from __future__ import annotations

import re
import time

import pytest
from browserlab import (
    ARTIFACTS,
    ROOT,
    close_sessions,
    lesson_copy,
    missing,
    open_notebook,
    press_run,
    run_cell,
    screenshot,
    wait_for_text,
)

pytestmark = pytest.mark.skipif(missing() is not None, reason=str(missing()))

LESSON = ROOT / "lessons" / "04_fine_tuning.ipynb"


def _run_watching(page, index: int, readout, timeout_s: float = 180) -> list[str]:
    """Run cell ``index`` (phase 2's training) and record every readout the page shows until it ends."""
    _, prompt = press_run(page, index)
    seen, deadline = [], time.monotonic() + timeout_s
    while not re.fullmatch(r"\[\d+\]:", prompt.inner_text().strip()):
        assert time.monotonic() < deadline, f"cell {index} did not finish within {timeout_s} s"
        text = readout.inner_text().strip()
        if not seen or seen[-1] != text:
            seen.append(text)
        page.wait_for_timeout(150)
    seen.append(readout.inner_text().strip())
    return seen


def test_live_curves_in_jupyterlab(lab, lesson_page):
    """The curves grow during phase 2, the unfreezing is marked, the metric and curve controls respond."""
    started = time.monotonic()
    page = lesson_page
    url, token = lab
    try:
        # start_lesson's steps, except that the last cell (phase 2) is watched while it runs
        close_sessions(url, token)
        copy, cells = lesson_copy(LESSON, "widget-demo")
        open_notebook(page, url, token, copy, workspace=LESSON.stem)
        for n, index in enumerate(cells[:-1]):
            run_cell(page, lab, index, timeout_s=180 if n == 0 else 120)
        widget = page.locator(".tlc-widget.tlc-live-curves")
        widget.wait_for(timeout=30_000)
        assert widget.count() == 1
        assert page.locator(".jp-Notebook").get_by_text("Error displaying widget").count() == 0
        readout, plot = widget.locator(".tlc-curves-readout"), widget.locator(".tlc-curves-plot")
        wait_for_text(readout, "phase 1: head on frozen base (lr 1e-3), epoch 20 of 20")
        assert plot.locator("svg .tlc-phase-line").count() == 0  # one phase so far
        shown = time.monotonic()

        seen = _run_watching(page, cells[-1], readout)
        phase2 = [text for text in seen if "phase 2: last 2 blocks unfrozen (lr 1e-4), epoch" in text]
        assert len(phase2) >= 3, f"the page showed too few of phase 2's epochs while it trained: {seen}"
        assert "epoch 30 of 30" in phase2[-1] and "accuracy, training and validation" in phase2[-1]
        assert plot.locator("svg .tlc-phase-line").count() == 1
        assert plot.locator("svg .tlc-phase-label").inner_html() == "phase 2: last 2 blocks unfrozen (lr 1e-4)"
        points = plot.locator("svg circle").count()
        assert points == 60, points  # 30 epochs x (training, validation)
        accuracy_svg = plot.inner_html()

        clicked = time.monotonic()
        widget.locator(".tlc-curves-metric button", has_text="loss").click()
        wait_for_text(readout, "loss, training and validation · phase 2")
        answered_metric = time.monotonic() - clicked
        assert plot.inner_html() != accuracy_svg and plot.locator("svg circle").count() == 60

        clicked = time.monotonic()
        widget.locator('.tlc-curves-training input[type="checkbox"]').click()
        wait_for_text(readout, "loss, validation · phase 2")
        answered_curve = time.monotonic() - clicked
        assert plot.locator("svg circle").count() == 30  # the validation curve only
        assert widget.locator(".tlc-message").inner_text().strip() == ""  # no error shown
        screenshot(widget, "live_curves")
        print(f"browser test, lesson 04: {time.monotonic() - started:.1f} s ({shown - started:.1f} s to the widget "
              f"after phase 1); phase 2's readout seen at {len(phase2)} distinct epochs while it trained; "
              f"metric button -> redrawn in the page: {answered_metric:.2f} s; checkbox -> redrawn: {answered_curve:.2f} s")
    except Exception:
        page.screenshot(path=str(ARTIFACTS / "failure_04.png"))
        raise
