"""make bench-binder's container pieces on fake cgroup folders (the benchmark itself is not a test)."""
from __future__ import annotations

import json
import sys
import time

import pytest

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


# -- waiting for a kernel that is slow to start (a busy single CPU) ----------------------------------------

SLOW_START_S = 3


@pytest.fixture
def slow_kernel(tmp_path):
    """A real IPython kernel that sleeps before it opens its sockets, as one still importing on a busy CPU."""
    from jupyter_client import KernelManager
    from jupyter_client.kernelspec import KernelSpecManager

    spec = tmp_path / "kernels" / "slow"
    spec.mkdir(parents=True)
    start = f"import time; time.sleep({SLOW_START_S}); from ipykernel.kernelapp import launch_new_instance; launch_new_instance()"
    spec.joinpath("kernel.json").write_text(json.dumps(
        {"argv": [sys.executable, "-c", start, "-f", "{connection_file}"], "display_name": "slow", "language": "python"}))
    manager = KernelManager(kernel_name="slow", kernel_spec_manager=KernelSpecManager(kernel_dirs=[str(spec.parent)]))
    manager.start_kernel()
    yield manager
    manager.shutdown_kernel(now=True)


def _client(connection_file: str, heartbeat: bool):
    from jupyter_client import BlockingKernelClient

    client = BlockingKernelClient(connection_file=connection_file)
    client.load_connection_file()
    client.start_channels(hb=heartbeat)
    return client


def test_jupyter_clients_heartbeat_calls_a_slow_starting_kernel_dead(slow_kernel):
    # Why make bench-binder does not use wait_for_ready's heartbeat: this false alarm ended two earlier walks.
    client = _client(slow_kernel.connection_file, heartbeat=True)
    try:
        with pytest.raises(RuntimeError, match="Kernel died before replying"):
            client.wait_for_ready(timeout=60)
        assert slow_kernel.is_alive()  # it had not died: it was still starting
    finally:
        client.stop_channels()


def test_waiting_asks_the_server_and_gets_the_slow_kernels_reply(slow_kernel):
    client, asked = _client(slow_kernel.connection_file, heartbeat=False), []
    started = time.monotonic()
    try:
        binderbench.wait_until_ready(client, lambda: asked.append(1) or "starting", timeout=60, poll=1)
        reply = client.execute_interactive("1 + 1", timeout=30)
    finally:
        client.stop_channels()
    assert reply["content"]["status"] == "ok"
    assert asked and time.monotonic() - started >= SLOW_START_S


@pytest.mark.parametrize(("state", "says"), [("dead", "the server says dead"), (None, "no such kernel")])
def test_a_kernel_the_server_calls_dead_is_reported_at_once(tmp_path, state, says):
    from jupyter_client import BlockingKernelClient

    client = BlockingKernelClient()  # connected to ports where no kernel answers
    client.write_connection_file()
    client.start_channels(hb=False)
    try:
        with pytest.raises(RuntimeError, match=says):
            binderbench.wait_until_ready(client, lambda: state, timeout=60, poll=0.2)
        with pytest.raises(TimeoutError, match="did not answer in 0 s"):
            binderbench.wait_until_ready(client, lambda: "starting", timeout=0.1, poll=0.2)
    finally:
        client.stop_channels()
        client.cleanup_connection_file()
