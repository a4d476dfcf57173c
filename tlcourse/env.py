"""One call at the top of every lesson: quiet TensorFlow, fixed seeds, plotting defaults.

TensorFlow reads its logging variables when it is first imported, so
:func:`quiet_tensorflow` must run before anything imports it; ``import tlcourse.env``
does not import TensorFlow itself.
"""
from __future__ import annotations

import logging
import os
import warnings

DEFAULT_SEED = 42
_memory_checked = False  # the memory guard runs at a kernel's first setup() only


def quiet_tensorflow() -> None:
    """Silence TensorFlow's C++ logs and oneDNN notices (they break notebook output checks)."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
    os.environ.setdefault("KERAS_BACKEND", "tensorflow")
    logging.getLogger("tensorflow").setLevel(logging.ERROR)
    warnings.filterwarnings("ignore", message=".*np.object.*")


def seed_everything(seed: int = DEFAULT_SEED) -> None:
    """Seed Python, NumPy and TensorFlow so that CPU runs are repeatable."""
    import keras

    keras.utils.set_random_seed(seed)


def setup(seed: int = DEFAULT_SEED, plots: bool = True) -> None:
    """Prepare a lesson: check it fits in memory, quiet TF, seed everything, set plot defaults.

    The memory check (:func:`tlcourse.memory.check`) comes first, at the lesson's first call only,
    before anything heavy is loaded: if the lesson would not fit, it stops here with a message that
    says who holds the memory. Later calls (a lesson reseeds before each training) only reseed.
    """
    global _memory_checked
    if not _memory_checked:
        from .memory import check

        check()
        _memory_checked = True
    quiet_tensorflow()
    import tensorflow as tf

    tf.get_logger().setLevel("ERROR")
    seed_everything(seed)
    if plots:
        import matplotlib

        matplotlib.rcParams.update({"figure.dpi": 80, "figure.figsize": (8, 4), "axes.grid": False})
