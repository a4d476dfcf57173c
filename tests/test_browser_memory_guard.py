"""Issue 12's memory guard in a real JupyterLab whose kernels share a 2 GB memory cgroup (Binder's limit).

A student opens lesson 00 and runs it all, leaves its kernel running, then opens lesson 03 and runs all:
lesson 03 would not fit beside lesson 00 in 2 GB, so its first cell stops with the guard's message and
its ``tlc-free-memory`` button. The test clicks the button (lesson 00's kernel is shut down through the
server's API), runs all again, and checks that every cell of lesson 03 ran and that the out-of-memory
killer took nothing (the cgroup's ``oom_kill`` count). The whole walk through lessons 00 -> 07 is
``make bench-binder`` (a benchmark, too long for the tests).

Root only (it creates a memory cgroup, removed afterwards); skipped with the reason elsewhere.
"""
from __future__ import annotations

import os
import re
import time

import pytest
from browserlab import ARTIFACTS, ROOT, diagnosis, lesson_copy, missing, new_page, running_lab, server_kernels

from tlcourse import binderbench

pytestmark = pytest.mark.skipif(missing() is not None, reason=str(missing()))
LIMIT_MB = 2048
LOG = "jupyterlab-2gb.log"  # the server's log, in test-artifacts/browser/


@pytest.fixture
def cgroup():
    if os.geteuid() != 0:
        pytest.skip("the memory-guard browser test creates a 2 GB memory cgroup: run it as root")
    folder = binderbench.make_cgroup(f"tlcourse-guard-test-{os.getpid()}", LIMIT_MB)
    if folder is None:
        pytest.skip("no writable cgroup memory controller (v1 or v2) on this machine")
    yield folder
    binderbench.remove_cgroup(folder)


def _press_run_all(page) -> None:
    page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
    page.locator(".lm-Menu-itemLabel", has_text="Run All Cells").first.click()


def _all_ran(page) -> bool:
    """The last code cell has its execution count and the page shows an idle kernel."""
    prompt = page.locator(".jp-Notebook .jp-CodeCell .jp-InputPrompt").last
    idle = page.locator('.jp-Notebook-ExecutionIndicator[data-status="idle"]')
    return bool(re.fullmatch(r"\[\d+\]:", prompt.inner_text().strip())) and idle.count() == 1


def _run_all(page, lab, done, timeout_s: float) -> None:
    """Run > Run All Cells, then wait until ``done(page)``.

    JupyterLab can lose the execution requests sent just as the kernel's websocket connects (see
    ``browserlab.run_cell``): the page then waits while every kernel on the server stays idle. As a
    person would, the page is reloaded once and Run All pressed again.
    """
    url, token = lab
    _press_run_all(page)
    started = time.monotonic()
    deadline, retried, idle_polls = started + timeout_s, False, 0
    while not done(page):
        if time.monotonic() > deadline:
            raise AssertionError(f"Run All did not finish within {timeout_s:.0f} s\n{diagnosis(page, url, token, LOG)}")
        page.wait_for_timeout(500)
        if retried or time.monotonic() - started < 15:
            continue
        kernels = server_kernels(url, token)
        idle_polls = idle_polls + 1 if kernels and all(k["execution_state"] == "idle" for k in kernels) else 0
        if idle_polls >= 10 and not done(page):  # 5 s of idle kernels while the page still waits: lost
            print("Run All: every kernel idle while the page waits; reloading the page and running all again")
            retried = True
            page.reload()
            _wait_until_shown(page)
            _press_run_all(page)


def _wait_until_shown(page) -> None:
    """The notebook's cells are on the page and its kernel shows idle."""
    page.locator(".jp-Notebook .jp-Cell").first.wait_for(timeout=90_000)
    page.locator('.jp-Notebook-ExecutionIndicator[data-status="idle"]').wait_for(timeout=180_000)


def _open(page, lab, lesson: str):
    url, token = lab
    copy, _ = lesson_copy(ROOT / "lessons" / lesson, tag=None)
    page.goto(f"{url}/lab/workspaces/guard-{lesson[:2]}/tree/{copy.relative_to(ROOT).as_posix()}?token={token}")
    _wait_until_shown(page)


def test_the_guard_stops_a_lesson_that_would_not_fit_and_its_button_frees_memory(cgroup, browser, tmp_path):
    started = time.monotonic()
    with running_lab(tmp_path, preexec_fn=lambda: (cgroup / "cgroup.procs").write_text(str(os.getpid())),
                     log_name=LOG) as lab:
        page = new_page(browser)
        try:
            _open(page, lab, "00_setup_check.ipynb")
            _run_all(page, lab, _all_ran, 240)
            first = [k["id"] for k in server_kernels(*lab)]
            assert len(first) == 1

            _open(page, lab, "03_freezing.ipynb")  # lesson 00's kernel keeps running
            deadline = time.monotonic() + 120
            while len(server_kernels(*lab)) < 2:  # lesson 03's kernel is starting beside lesson 00's
                assert time.monotonic() < deadline, f"kernels: {server_kernels(*lab)}; lesson 00's was {first}"
                page.wait_for_timeout(500)
            assert first[0] in [k["id"] for k in server_kernels(*lab)]
            page.locator('.jp-Notebook-ExecutionIndicator[data-status="idle"]').wait_for(timeout=180_000)
            button = page.locator(".tlc-free-memory")
            _run_all(page, lab, lambda page: button.count() > 0 and button.first.is_visible(), 180)
            notebook = page.locator(".jp-Notebook")
            error = notebook.locator('.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]').first
            error.wait_for(timeout=30_000)  # the button is displayed just before the error is raised
            assert "NotEnoughMemory" in error.inner_text() and "00_setup_check.ipynb" in error.inner_text()
            button.scroll_into_view_if_needed()
            page.screenshot(path=str(ARTIFACTS / "memory_guard.png"))
            button.click()
            page.get_by_text("Shut down 1 kernel(s)").wait_for(timeout=30_000)
            assert first[0] not in [k["id"] for k in server_kernels(*lab)]  # lesson 00's kernel is gone

            _run_all(page, lab, _all_ran, 400)
            errors = page.locator('.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]')
            assert "Traceback" not in " ".join(errors.all_inner_texts())
            assert "NotEnoughMemory" not in notebook.inner_text()  # the second run passed the guard
            assert binderbench.oom_kills(cgroup) == 0, "the out-of-memory killer took a process"
            assert [k["execution_state"] for k in server_kernels(*lab)] == ["idle"]
            print(f"memory guard in JupyterLab under {LIMIT_MB} MB: {time.monotonic() - started:.0f} s")
        except Exception:
            page.screenshot(path=str(ARTIFACTS / "failure_memory_guard.png"))
            raise
        finally:
            page.context.close()
