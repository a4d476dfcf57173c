"""make bench-binder's container pieces on fake cgroup folders (the benchmark itself is not a test)."""
from __future__ import annotations

from tlcourse import binderbench
from tlcourse.memory import MB


def test_a_v1_memory_cgroup_limits_memory_and_swap(tmp_path):
    (tmp_path / "memory").mkdir()
    (tmp_path / "memory" / "cgroup.procs").write_text("")
    real_mkdir = binderbench.Path.mkdir

    def mkdir_with_files(self, *args, **kwargs):  # the kernel creates a cgroup's files; here we do
        real_mkdir(self, *args, **kwargs)
        for name in ("memory.limit_in_bytes", "memory.memsw.limit_in_bytes", "cgroup.procs"):
            (self / name).touch()

    binderbench.Path.mkdir = mkdir_with_files
    try:
        folder = binderbench.make_cgroup("t", 2048, root=tmp_path)
    finally:
        binderbench.Path.mkdir = real_mkdir
    assert folder == tmp_path / "memory" / "t"
    assert int((folder / "memory.limit_in_bytes").read_text()) == 2048 * MB
    assert int((folder / "memory.memsw.limit_in_bytes").read_text()) == 2048 * MB


def test_no_cgroup_where_none_can_be_made(tmp_path):
    assert binderbench.make_cgroup("t", 2048, root=tmp_path / "absent") is None
    assert binderbench.oom_kills(None) is None


def test_oom_kills_read_from_v1_and_v2_files(tmp_path):
    (tmp_path / "memory.oom_control").write_text("oom_kill_disable 0\nunder_oom 0\noom_kill 3\n")
    assert binderbench.oom_kills(tmp_path) == 3
    v2 = tmp_path / "v2"
    v2.mkdir()
    (v2 / "memory.events").write_text("low 0\nhigh 0\nmax 2\noom 1\noom_kill 1\n")
    assert binderbench.oom_kills(v2) == 1
    (v2 / "memory.events").write_text("garbled")
    assert binderbench.oom_kills(v2) is None


def test_unknown_lessons_are_refused(capsys):
    assert binderbench.main(["42"]) == 2
    assert "no lessons to run" in capsys.readouterr().err


def test_a_dead_kernel_comes_with_the_servers_last_lines(tmp_path):
    log = tmp_path / "server.log"
    log.write_text("\n".join(f"line {i}" for i in range(40)) + "\n[E] KernelRestarter: restart failed\n")
    tail = binderbench._log_tail(log, lines=3)
    assert tail.splitlines() == ["line 38", "line 39", "[E] KernelRestarter: restart failed"]
    assert "no server log" in binderbench._log_tail(tmp_path / "missing.log")
