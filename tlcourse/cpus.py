"""How many CPUs this kernel may really use, and what the course sizes by it.

A container's CPU limit is a quota, not fewer visible cores: mybinder.org gives 1 CPU as a cgroup quota
(cgroup v2 ``cpu.max``, v1 ``cpu.cfs_quota_us`` / ``cpu.cfs_period_us``) while ``os.cpu_count()`` and
the affinity mask still show every core of the host. TensorFlow starts one thread per visible core, and
the quota then throttles them all: measured here (2 visible cores, a 1-CPU quota), feature extraction
with MobileNetV2 took 9.7 s with TensorFlow's default threads and 6.9 s with one thread.
:func:`tlcourse.setup` therefore gives TensorFlow :func:`usable_cpus` threads.
"""
from __future__ import annotations

import math
import os
from pathlib import Path

from .cgroups import paths, read_int, read_text, up_to


def _quota_of(folder: Path, version: str) -> float | None:
    """The CPUs the quota in one cgroup folder allows (None: no quota there, or unreadable)."""
    if version == "v2":
        fields = (read_text(folder / "cpu.max") or "").split()  # "max 100000" or "<quota> <period>"
        if len(fields) == 2 and fields[0].isdigit() and fields[1].isdigit() and int(fields[1]) > 0:
            return int(fields[0]) / int(fields[1])
        return None
    quota, period = read_int(folder / "cpu.cfs_quota_us"), read_int(folder / "cpu.cfs_period_us")  # -1: none
    return quota / period if quota is not None and period else None


def cpu_quota(cgroup_root: Path = Path("/sys/fs/cgroup"), proc: Path = Path("/proc")) -> float | None:
    """The CPUs this process's cgroup quota allows (1.0 on mybinder.org), the tightest of its parents;
    None where no quota applies or none can be read."""
    found = paths(proc, "cpu")
    if not found:
        return None
    version = "v1" if "v1" in found else "v2"
    root = cgroup_root if version == "v2" else next(
        (cgroup_root / name for name in ("cpu", "cpu,cpuacct", "cpuacct,cpu") if (cgroup_root / name).is_dir()),
        cgroup_root / "cpu")
    quotas = [q for folder in up_to(root, found[version]) if (q := _quota_of(folder, version)) is not None]
    return min(quotas) if quotas else None


def visible_cores() -> int:
    """The cores this process may run on (its affinity mask), whatever a quota allows of them."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # not Linux
        return os.cpu_count() or 1


def usable_cpus(cgroup_root: Path = Path("/sys/fs/cgroup"), proc: Path = Path("/proc")) -> int:
    """The CPUs this process can keep busy: the cores it may run on, fewer if a cgroup quota says so."""
    cores = visible_cores()
    quota = cpu_quota(cgroup_root, proc)
    return max(1, min(cores, math.ceil(quota))) if quota else max(1, cores)


def extraction_batch_size(cpus: int | None = None, side: int = 160) -> int:
    """Images per batch for a pretrained base on a CPU: 8 per usable CPU at 160 x 160 pixels, more for
    smaller inputs (the same pixels per batch), from 1 to 32.

    TensorFlow's oneDNN kernels keep buffers sized by the batch after the call (MobileNetV2 at 160 pixels:
    +91 MB at batch 8, +296 MB at 32), and on one CPU batch 8 was also the fastest (7.2 s for 800 photos,
    8.8 s at 32); with two CPUs a batch of 8 left one idle (9.2 s; 16 and 32: 5.1-6.3 s). Small inputs
    need larger batches to hide the cost of each call (32 pixels: 0.6 s for 800 images at 32, 0.9 s at 16).
    """
    cpus = usable_cpus() if cpus is None else cpus
    if cpus < 1 or side < 1:
        raise ValueError(f"cpus and side must be at least 1, got cpus={cpus}, side={side}")
    return max(1, min(32, round(8 * cpus * (160 / side) ** 2)))
