"""tlcourse.allocator: memory freed after a heavy step goes back to the system."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tlcourse import allocator

needs_glibc = pytest.mark.skipif(not allocator.available(), reason="malloc_trim is glibc's (Linux) only")

# Frees 120 MB of 60 kB blocks, smaller than glibc's mmap threshold, keeping the last one so the heap
# cannot shrink from its top by itself: the freed memory stays in the process until malloc_trim.
_FRAGMENTED = """
import ctypes, json, sys
sys.path.insert(0, {root!r})
from tlcourse import allocator
libc = ctypes.CDLL("libc.so.6")
libc.malloc.restype = ctypes.c_void_p
libc.free.argtypes = [ctypes.c_void_p]
def rss():
    return next(int(l.split()[1]) * 1024 for l in open("/proc/self/status") if l.startswith("VmRSS"))
start = rss()
blocks = [libc.malloc(60_000) for _ in range(2_000)]
for b in blocks:
    ctypes.memset(b, 1, 60_000)
held = rss()
for b in blocks[:-1]:
    libc.free(b)
freed = rss()
returned = allocator.give_back(collect=False)
print(json.dumps({{"start": start, "held": held, "freed": freed, "trimmed": rss(), "returned": returned}}))
"""


@needs_glibc
def test_give_back_returns_what_malloc_kept():
    from pathlib import Path

    root = str(Path(__file__).resolve().parents[1])
    out = subprocess.run([sys.executable, "-c", _FRAGMENTED.format(root=root)], capture_output=True, text=True,
                         check=True, timeout=60)
    m = json.loads(out.stdout)
    size = m["held"] - m["start"]
    assert size > 100e6, m
    assert m["freed"] - m["start"] > 0.8 * size, f"glibc returned the freed blocks by itself; nothing to trim: {m}"
    assert m["freed"] - m["trimmed"] > 0.8 * size and m["returned"], f"malloc_trim did not return them: {m}"


def test_give_back_does_nothing_where_the_c_library_cannot(monkeypatch):
    monkeypatch.setattr(allocator, "_malloc_trim", lambda: None)
    assert allocator.available() is False
    assert allocator.give_back() is False


def test_tflite_variants_give_back_after_each_conversion(monkeypatch):
    import keras
    import numpy as np

    from tlcourse import bench

    calls = []
    monkeypatch.setattr(allocator, "give_back", lambda collect=True: calls.append(collect) or True)
    model = keras.Sequential([keras.Input((8, 8, 3)), keras.layers.Conv2D(2, 3), keras.layers.GlobalAveragePooling2D()])
    x = np.random.default_rng(0).uniform(-1, 1, (4, 8, 8, 3)).astype(np.float32)
    bench.tflite_variants(model, x, quantizations=(None, "int8"), progress=False)
    assert calls == [True, True], "one garbage collection and trim after each of the two conversions"
