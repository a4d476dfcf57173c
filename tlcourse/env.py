"""One call at the top of every lesson: quiet TensorFlow, fixed seeds, plotting defaults.

TensorFlow reads its logging variables when it is first imported, so
:func:`quiet_tensorflow` must run before anything imports it; ``import tlcourse.env``
does not import TensorFlow itself. TensorFlow's oneDNN kernels stay on (on 2 cores they
extracted features 1.6 times faster here, and repeat bit for bit on one machine), but
their start-up notice is written by C++ straight to file descriptor 2, which a notebook
kernel shows in the cell's output: :func:`setup` imports TensorFlow with that descriptor
pointed at /dev/null (:func:`quiet_native_stderr`).
"""
from __future__ import annotations

import contextlib
import logging
import os
import sys
import warnings
from collections.abc import Iterator

DEFAULT_SEED = 42
_first_setup_done = False  # the memory guard and the thread counts: at a kernel's first setup() only


def quiet_tensorflow() -> None:
    """Silence TensorFlow's Python and C++ logs (they break notebook output checks)."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    os.environ.setdefault("KERAS_BACKEND", "tensorflow")
    logging.getLogger("tensorflow").setLevel(logging.ERROR)
    warnings.filterwarnings("ignore", message=".*np.object.*")


@contextlib.contextmanager
def quiet_native_stderr() -> Iterator[None]:
    """Send what C++ code writes to file descriptor 2 to ``/dev/null`` while the block runs.

    TensorFlow's oneDNN notice at import, TFLite's converter and interpreter ("fully_quantize: 0, ...",
    "INFO: Created TensorFlow Lite XNNPACK delegate for CPU.") print there, where
    ``TF_CPP_MIN_LOG_LEVEL`` does not reach.
    Python's own ``sys.stderr`` in a notebook is not descriptor 2, so progress bars still show.
    """
    sys.stderr.flush()
    try:
        saved = os.dup(2)
    except OSError:  # pragma: no cover - no descriptor 2 to redirect
        yield
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    try:
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


def import_tensorflow_quietly():
    """Import TensorFlow (if not yet imported) with its C++ start-up notices silenced."""
    if "tensorflow" not in sys.modules:
        with quiet_native_stderr():
            import tensorflow  # noqa: F401


def match_tensorflow_threads(cpus: int | None = None) -> bool:
    """Give TensorFlow as many threads as this kernel has CPUs (:func:`tlcourse.cpus.usable_cpus`).

    TensorFlow counts the cores it may run on, not a container's CPU quota (mybinder.org: 1 CPU of a
    many-core host), and too many threads under a quota are throttled. Only possible before TensorFlow
    runs its first operation: returns False (and changes nothing) after that, or when nothing needs changing.
    """
    from .cpus import usable_cpus, visible_cores

    cpus = usable_cpus() if cpus is None else cpus
    if cpus >= visible_cores():
        return False
    import tensorflow as tf

    try:
        tf.config.threading.set_intra_op_parallelism_threads(cpus)
        tf.config.threading.set_inter_op_parallelism_threads(cpus)
    except RuntimeError:  # TensorFlow already started its thread pools
        return False
    return True


def seed_everything(seed: int = DEFAULT_SEED) -> None:
    """Seed Python, NumPy and TensorFlow so that CPU runs are repeatable."""
    import keras

    keras.utils.set_random_seed(seed)


def setup(seed: int = DEFAULT_SEED, plots: bool = True) -> None:
    """Prepare a lesson: check it fits in memory, quiet TF, fit its threads to the CPUs, seed, set plot defaults.

    The memory check (:func:`tlcourse.memory.check`) comes first, at the lesson's first call only,
    before anything heavy is loaded: if the lesson would not fit, it stops here with a message that
    says who holds the memory. Later calls (a lesson reseeds before each training) only reseed.
    """
    global _first_setup_done
    first = not _first_setup_done
    if first:
        from .memory import check

        check()
        _first_setup_done = True
    quiet_tensorflow()
    import_tensorflow_quietly()
    import tensorflow as tf

    if first:
        match_tensorflow_threads()

    tf.get_logger().setLevel("ERROR")
    seed_everything(seed)
    if plots:
        import matplotlib

        matplotlib.rcParams.update({"figure.dpi": 80, "figure.figsize": (8, 4), "axes.grid": False})
