"""Progress bars for every step that takes more than a few seconds.

One place decides how bars look: :func:`bar` wraps ``tqdm.auto`` (a widget in JupyterLab, text in a
terminal), and :class:`EpochBar` is the Keras callback that advances once per epoch. Bars are
transient (``leave=False``): they show while work runs and disappear after, so a lesson's stored
output stays the same from run to run. ``TLCOURSE_PROGRESS=0`` turns them all off (e.g. in logs).
"""
from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from typing import Any, TypeVar

T = TypeVar("T")


def enabled() -> bool:
    """False when the environment variable ``TLCOURSE_PROGRESS`` is ``0``, ``false`` or ``no``."""
    return os.environ.get("TLCOURSE_PROGRESS", "1").strip().lower() not in {"0", "false", "no", "off"}


def bar(iterable: Iterable[T] | None = None, desc: str = "", total: int | None = None, unit: str = "it",
        show: bool = True, **kwargs: Any) -> Iterator[T]:
    """``tqdm.auto.tqdm`` with the course's defaults: transient, off when ``show`` is False or disabled globally."""
    from tqdm.auto import tqdm

    if total is None and iterable is not None and hasattr(iterable, "__len__"):
        total = len(iterable)  # type: ignore[arg-type]
    kwargs.setdefault("leave", False)
    return tqdm(iterable, desc=desc, total=total, unit=unit, disable=not (show and enabled()), **kwargs)


def epoch_bar(epochs: int, desc: str):
    """A Keras callback: one bar over ``epochs`` epochs that shows the latest loss and accuracy.

    Built on call so that importing this module does not import Keras (and TensorFlow).
    """
    import keras

    class EpochBar(keras.callbacks.Callback):
        def __init__(self):
            super().__init__()
            self.bar = bar(total=epochs, desc=desc, unit="epoch")

        def on_epoch_end(self, epoch, logs=None):
            self.bar.set_postfix({k: f"{v:.3f}" for k, v in (logs or {}).items() if "acc" in k or k == "loss"})
            self.bar.update(1)

        def on_train_end(self, logs=None):
            self.bar.close()

    return EpochBar()
