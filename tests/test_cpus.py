"""CPUs a kernel may use (tlcourse.cpus): quota readers on fake cgroup files, the extraction batch rule,
and TensorFlow's threads matched to a quota (tlcourse.env.match_tensorflow_threads)."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tlcourse import cpus


def fake(tmp_path: Path, cgroup: str, files: dict[str, str]) -> tuple[Path, Path]:
    """A fake /sys/fs/cgroup and /proc: ``cgroup`` is /proc/self/cgroup, ``files`` the cgroup files."""
    root, proc = tmp_path / "cgroup", tmp_path / "proc"
    (proc / "self").mkdir(parents=True)
    (proc / "self" / "cgroup").write_text(cgroup)
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return root, proc


def test_cgroup_v2_quota_as_binder_sets_it(tmp_path):
    root, proc = fake(tmp_path, "0::/user/jupyter\n", {"user/jupyter/cpu.max": "100000 100000", "cpu.max": "max 100000"})
    assert cpus.cpu_quota(root, proc) == 1.0


def test_cgroup_v2_takes_the_tightest_quota_up_the_tree(tmp_path):
    root, proc = fake(tmp_path, "0::/a/b\n", {"a/b/cpu.max": "max 100000", "a/cpu.max": "50000 100000"})
    assert cpus.cpu_quota(root, proc) == 0.5


def test_cgroup_v1_quota(tmp_path):
    root, proc = fake(tmp_path, "5:cpu,cpuacct:/kubepods/pod1\n4:memory:/kubepods/pod1\n", {
        "cpu,cpuacct/kubepods/pod1/cpu.cfs_quota_us": "150000", "cpu,cpuacct/kubepods/pod1/cpu.cfs_period_us": "100000",
        "cpu,cpuacct/cpu.cfs_quota_us": "-1", "cpu,cpuacct/cpu.cfs_period_us": "100000"})
    assert cpus.cpu_quota(root, proc) == 1.5


def test_no_quota_and_unreadable_files_give_none(tmp_path):
    root, proc = fake(tmp_path, "5:cpu:/\n", {"cpu/cpu.cfs_quota_us": "-1", "cpu/cpu.cfs_period_us": "100000"})
    assert cpus.cpu_quota(root, proc) is None
    root, proc = fake(tmp_path / "v2", "0::/x\n", {"x/cpu.max": "garbage"})
    assert cpus.cpu_quota(root, proc) is None
    assert cpus.cpu_quota(tmp_path / "nowhere", tmp_path / "noproc") is None  # no /proc/self/cgroup at all


def test_usable_cpus_rounds_a_quota_up_and_never_exceeds_the_cores(tmp_path, monkeypatch):
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1, 2, 3}, raising=False)
    root, proc = fake(tmp_path, "0::/\n", {"cpu.max": "150000 100000"})
    assert cpus.usable_cpus(root, proc) == 2
    root, proc = fake(tmp_path / "big", "0::/\n", {"cpu.max": "800000 100000"})
    assert cpus.usable_cpus(root, proc) == 4
    root, proc = fake(tmp_path / "none", "0::/\n", {"cpu.max": "max 100000"})
    assert cpus.usable_cpus(root, proc) == 4
    root, proc = fake(tmp_path / "tiny", "0::/\n", {"cpu.max": "10000 100000"})
    assert cpus.usable_cpus(root, proc) == 1


@pytest.mark.parametrize(("n", "batch"), [(1, 8), (2, 16), (4, 32), (64, 32)])
def test_extraction_batch_is_8_per_cpu_up_to_32(n, batch):
    assert cpus.extraction_batch_size(n) == batch


@pytest.mark.parametrize(("n", "side", "batch"), [(1, 224, 4), (1, 96, 22), (2, 96, 32), (1, 32, 32), (1, 2000, 1)])
def test_extraction_batch_keeps_the_pixels_per_batch(n, side, batch):
    assert cpus.extraction_batch_size(n, side) == batch


def test_extraction_batch_refuses_no_cpus_and_no_pixels():
    with pytest.raises(ValueError, match="at least 1"):
        cpus.extraction_batch_size(0)
    with pytest.raises(ValueError, match="at least 1"):
        cpus.extraction_batch_size(1, side=0)


def _run(code: str) -> str:
    prelude = "import os, tlcourse.env as env, tensorflow as tf\nos.sched_setaffinity(0, set(range(os.cpu_count())))\n"
    return subprocess.run([sys.executable, "-c", prelude + code], capture_output=True, text=True, timeout=120,
                          env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3"), check=True).stdout.strip()


@pytest.mark.skipif((os.cpu_count() or 1) < 2, reason="one core: a one-CPU quota changes nothing")
def test_tensorflow_threads_follow_a_quota_below_the_cores():
    """Fresh processes (TensorFlow's thread pools start at its first operation)."""
    assert _run("print(env.match_tensorflow_threads(cpus=1), tf.config.threading.get_intra_op_parallelism_threads(),"
                " tf.config.threading.get_inter_op_parallelism_threads())") == "True 1 1"
    # too late once TensorFlow has run an operation: nothing changes, nothing breaks
    assert _run("tf.constant(1.0) + 1\nprint(env.match_tensorflow_threads(cpus=1))") == "False"
    assert _run("print(env.match_tensorflow_threads(cpus=os.cpu_count()))") == "False"  # no quota: TF's own choice
