"""Hand memory that Python and the C library keep after a heavy step back to the system.

When a program frees memory, the C library's allocator (glibc's ``malloc`` on Linux) often keeps it
for the program's own later use instead of returning it, and Python frees objects caught in reference
cycles only when its garbage collector runs. A TFLite conversion leaves a few hundred MB behind that
way; on Binder, where every open kernel shares 2 GB, that memory is lost to the other lessons.
:func:`give_back` collects the garbage, then asks glibc's ``malloc_trim(0)`` to return its free pages
(a few milliseconds): :func:`tlcourse.bench.tflite_variants` calls it after each conversion, so one
conversion's leftovers add neither to the next one's peak nor to what the kernel holds afterwards.

It cannot return what TensorFlow keeps itself: the memory of deleted tensors stays in TensorFlow's own
pool for its later tensors (``tests/test_keras_facts.py::test_tensorflow_keeps_freed_tensor_memory_for_its_later_tensors``).
Elsewhere (macOS, Windows, a C library without ``malloc_trim``) only the garbage collection runs.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import gc
import sys
from functools import lru_cache


@lru_cache(maxsize=1)
def _malloc_trim():
    """glibc's ``malloc_trim``, or None where the C library has none."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        trim = libc.malloc_trim
    except (OSError, AttributeError):  # musl (Alpine) and others have no malloc_trim
        return None
    trim.argtypes = [ctypes.c_size_t]
    trim.restype = ctypes.c_int
    return trim


def available() -> bool:
    """True where the C library can hand freed memory back (glibc on Linux)."""
    return _malloc_trim() is not None


def give_back(collect: bool = True) -> bool:
    """Free unreachable Python objects (``collect``), then return the allocator's free pages to the system.

    Returns True if the allocator returned some memory (False also where it cannot). ``collect``
    matters after TensorFlow work: traced functions and converters sit in reference cycles that only
    Python's garbage collector frees.
    """
    if collect:
        gc.collect()
    trim = _malloc_trim()
    return bool(trim(0)) if trim is not None else False
