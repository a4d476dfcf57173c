"""The memory guard (tlcourse.memory): limit readers on fake cgroup and proc files, the message, the switch."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from tlcourse import memory
from tlcourse.memory import MB, Kernel, Memory, NotEnoughMemory

GB = 1024 * MB
MEMINFO = "MemTotal:       24000000 kB\nMemFree:         1000000 kB\nMemAvailable:   20000000 kB\n"


def fake(tmp_path: Path, cgroup: str, files: dict[str, str], meminfo: str = MEMINFO) -> tuple[Path, Path]:
    """A fake /sys/fs/cgroup and /proc: ``cgroup`` is /proc/self/cgroup, ``files`` the cgroup files."""
    root, proc = tmp_path / "cgroup", tmp_path / "proc"
    (proc / "self").mkdir(parents=True)
    (proc / "self" / "cgroup").write_text(cgroup)
    (proc / "meminfo").write_text(meminfo)
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return root, proc


def test_cgroup_v2_limit_and_use(tmp_path):
    root, proc = fake(tmp_path, "0::/user/jupyter\n", {
        "user/jupyter/memory.max": str(2 * GB), "user/jupyter/memory.current": str(GB // 2),
        "memory.max": "max"})
    got = memory.read_memory(root, proc)
    assert (got.limit, got.used, got.free) == (2 * GB, GB // 2, 3 * GB // 2)
    assert "cgroup v2" in got.source and got.source.endswith("user/jupyter/memory.max")


def test_cgroup_v2_takes_the_smallest_limit_up_the_tree(tmp_path):
    root, proc = fake(tmp_path, "0::/a/b\n", {
        "a/b/memory.max": "max", "a/b/memory.current": str(GB), "a/memory.max": str(3 * GB)})
    got = memory.read_memory(root, proc)
    assert (got.limit, got.used) == (3 * GB, GB)


def test_cgroup_v1_limit_minus_the_page_cache(tmp_path):
    root, proc = fake(tmp_path, "12:cpu,cpuacct:/\n7:memory:/binder\n", {
        "memory/binder/memory.limit_in_bytes": str(2 * GB),
        "memory/binder/memory.usage_in_bytes": str(GB),
        "memory/binder/memory.stat": f"cache 100\ntotal_inactive_file {GB // 4}\n",
        "memory/memory.limit_in_bytes": "9223372036854771712"})
    got = memory.read_memory(root, proc)
    assert (got.limit, got.used) == (2 * GB, 3 * GB // 4)
    assert "cgroup v1" in got.source


def test_no_limit_falls_back_to_the_machines_memory(tmp_path):
    root, proc = fake(tmp_path, "7:memory:/\n", {"memory/memory.limit_in_bytes": "9223372036854771712",
                                                 "memory/memory.usage_in_bytes": "1000"})
    got = memory.read_memory(root, proc)
    assert got.limit == 24000000 * 1024 and got.used == 4000000 * 1024 and "no cgroup limit" in got.source


def test_unreadable_files_give_none_not_an_error(tmp_path):
    root, proc = fake(tmp_path, "0::/x\n", {"x/memory.max": "garbage"}, meminfo="nothing useful\n")
    assert memory.read_memory(root, proc) is None
    assert memory.read_memory(tmp_path / "absent", tmp_path / "absent") is None


def test_the_lesson_comes_from_jupyters_session_name():
    assert memory.this_lesson({"JPY_SESSION_NAME": "/home/jovyan/lessons/03_freezing.ipynb"}) == "03"
    assert memory.this_lesson({"JPY_SESSION_NAME": "Untitled.ipynb"}) is None
    assert memory.this_lesson({}) is None


def test_what_a_lesson_still_needs():
    peaks = {"02": 1400.0, "03": 1600.0}
    assert memory.needed("02", peaks, rss=400 * MB) == (1000 + memory.MARGIN_MB) * MB
    assert memory.needed(None, peaks, rss=0) == (1600 + memory.MARGIN_MB) * MB  # unknown: the largest
    assert memory.needed("02", {}, rss=0) is None


def test_the_table_is_the_one_make_bench_writes(tmp_path):
    from tlcourse.coursebench import record_peaks

    path = tmp_path / "peaks.json"
    rows = [{"lesson": "03_freezing.ipynb", "peak MB": 1234.4},
            {"lesson": "03_freezing_solutions.ipynb", "peak MB": 9999.0}, {"lesson": "x.ipynb", "peak MB": 5.0}]
    assert record_peaks(rows, path) == {"03": 1234}
    assert memory.lesson_peaks(path) == {"03": 1234.0}
    assert json.loads(path.read_text())["peak MB"] == {"03": 1234}
    assert record_peaks([{"lesson": "02_feature_extraction.ipynb", "peak MB": 1100.6}], path) == {"02": 1101, "03": 1234}
    assert '"03": 1234\n' in path.read_text(), "a lesson not measured this time is kept in whole MB"
    assert set(memory.lesson_peaks()) == {f"{n:02d}" for n in range(8)}, "tlcourse/lesson_peaks.json lacks a lesson"


def test_the_guard_stops_and_names_who_holds_the_memory(monkeypatch):
    """A fresh kernel (200 MB held) whose lesson peaks at 1,500 MB, with 512 MB free: it must stop.

    ``held`` is given: this test process may itself hold more than the lesson's peak after other tests.
    """
    monkeypatch.delenv("TLCOURSE_MEMORY_GUARD", raising=False)
    tight = Memory(limit=2 * GB, used=int(1.5 * GB), source="cgroup v1 /sys/fs/cgroup/memory/binder")
    others = [Kernel("lessons/02_feature_extraction.ipynb", "k2", 1300 * MB, "http://127.0.0.1:8888/", "t")]
    with pytest.raises(NotEnoughMemory) as err:
        memory.check("03", tight, {"03": 1500.0}, find_kernels=lambda: others, held=200 * MB)
    text = str(err.value)
    assert "Lesson 03 needs about" in text and "only 512 MB of 2,048 MB are free" in text
    assert "lessons/02_feature_extraction.ipynb: 1,300 MB" in text and "Shut down the other kernels" in text
    assert "TLCOURSE_MEMORY_GUARD=0" in text
    # no server to ask (nbval, plain IPython): the figures and the manual fix
    with pytest.raises(NotEnoughMemory, match="Free memory by shutting down the kernels"):
        memory.check("03", tight, {"03": 1500.0}, find_kernels=list, held=200 * MB)
    # run again in a kernel that already holds 1,400 MB of the 1,500: it needs 100 MB + the margin, which fit
    memory.check("03", tight, {"03": 1500.0}, find_kernels=list, held=1400 * MB)


def test_the_guard_lets_a_lesson_that_fits_run_and_can_be_switched_off(monkeypatch):
    roomy = Memory(limit=24 * GB, used=2 * GB, source="test")
    tight = Memory(limit=GB, used=GB, source="test")
    monkeypatch.delenv("TLCOURSE_MEMORY_GUARD", raising=False)
    memory.check("03", roomy, {"03": 1500.0}, find_kernels=list)
    memory.check("03", None, {"03": 1500.0}, find_kernels=list)  # nothing readable: no guess, no stop
    monkeypatch.setenv("TLCOURSE_MEMORY_GUARD", "0")
    memory.check("03", tight, {"03": 1500.0}, find_kernels=list)


def test_other_kernels_are_read_from_the_servers_sessions(monkeypatch):
    """The REST API's /api/sessions maps kernels to notebooks; this kernel is left out."""
    import jupyter_server.serverapp as serverapp

    monkeypatch.setattr(serverapp, "list_running_servers", lambda: [{"url": "http://127.0.0.1:1/", "token": "t"}])
    sessions = [{"path": "lessons/02_feature_extraction.ipynb", "kernel": {"id": "aaa"}},
                {"path": "lessons/03_freezing.ipynb", "kernel": {"id": "me"}}]
    calls = []
    monkeypatch.setattr(memory, "_api", lambda server, token, path, method="GET": calls.append((path, method)) or sessions)
    monkeypatch.setattr(memory, "own_kernel_id", lambda: "me")
    monkeypatch.setattr(memory, "_kernel_rss", lambda kernel_id: 700 * MB)
    found = memory.other_kernels()
    assert [(k.notebook, k.kernel_id, k.rss) for k in found] == [("lessons/02_feature_extraction.ipynb", "aaa", 700 * MB)]
    assert memory.shut_down(found) == ["lessons/02_feature_extraction.ipynb"]
    assert calls[-1] == ("api/kernels/aaa", "DELETE")


def test_a_server_that_does_not_answer_is_skipped(monkeypatch):
    import jupyter_server.serverapp as serverapp

    monkeypatch.setattr(serverapp, "list_running_servers", lambda: [{"url": "http://127.0.0.1:9/", "token": "t"}])
    assert memory.other_kernels() == []
