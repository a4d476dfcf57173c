"""Fitting and timing: quiet `fit` with progress, accuracy against labelled photos, stopwatches, timed runs."""
from __future__ import annotations

from collections.abc import Callable, Sequence

import keras
import numpy as np

from ..freeze import param_counts
from ..progress import bar, epoch_bar
from .heads import accuracy, compile_classifier
from .snapshots import reseed


def repeats_for(n_examples: int, batch_size: int, epochs: int, min_steps: int = 0) -> int:
    """How many copies of a small training set one epoch must hold for ``min_steps`` updates in all.

    With 10 images an epoch is a single update; the same number of epochs as for 1,000 images
    would hardly train. Comparing data sizes fairly means giving small sets more updates:
    :func:`fit` repeats the (shuffled) set within each epoch, which is far cheaper in Keras than
    running more, one-step epochs.
    """
    if n_examples < 1 or batch_size < 1 or epochs < 1:
        raise ValueError("n_examples, batch_size and epochs must be at least 1")
    steps_needed = -(-min_steps // epochs)  # per epoch
    copies = -(-steps_needed * batch_size // n_examples)
    return max(1, copies)


def fit(
    model: keras.Model,
    x,
    y=None,
    validation_data=None,
    *,
    epochs: int = 10,
    batch_size: int = 32,
    min_steps: int = 0,
    initial_epoch: int = 0,
    progress: bool = False,
    desc: str | None = None,
    callbacks: Sequence[keras.callbacks.Callback] = (),
) -> keras.callbacks.History:
    """``model.fit`` quietly (``verbose=0``), with an optional per-epoch progress bar; returns the History.

    ``epochs`` counts the epochs of this call (``initial_epoch`` only shifts their numbering, so
    two phases can share one set of learning curves). ``min_steps`` guarantees that many updates
    on tiny data sets by repeating the examples within each epoch (see :func:`repeats_for`).
    ``callbacks`` go to ``model.fit`` after the progress bar (e.g. ``LiveCurves.callback()``, which
    draws each epoch into a widget). The model must be compiled.
    """
    if not getattr(model, "compiled", False) or getattr(model, "optimizer", None) is None:
        raise RuntimeError(
            f"model {model.name!r} is not compiled: call tlcourse.train.compile_classifier(model, learning_rate) "
            "(or model.compile(...)) before fit"
        )
    if min_steps and y is not None:
        copies = repeats_for(len(y), batch_size, epochs, min_steps)
        if copies > 1:
            x, y = np.concatenate([x] * copies), np.concatenate([y] * copies)
    bars = [epoch_bar(epochs, desc or f"training {model.name}")] if progress else []
    return model.fit(
        x, y, validation_data=validation_data, epochs=initial_epoch + epochs, initial_epoch=initial_epoch,
        batch_size=batch_size, verbose=0, callbacks=bars + list(callbacks),
    )


def subset_per_class(labels: np.ndarray, per_class: int, seed: int = 0) -> np.ndarray:
    """Indices of ``per_class`` examples of every class, drawn at random but repeatably (sorted).

    Subsets are nested: with the same seed, the 10-per-class subset contains the 5-per-class one.
    """
    labels = np.asarray(labels)
    rng = np.random.default_rng(seed)
    picked = []
    for c in np.unique(labels):
        members = np.flatnonzero(labels == c)
        if per_class > len(members):
            raise ValueError(
                f"asked for {per_class} examples of class {c} but there are only {len(members)}: "
                "load more data or ask for fewer"
            )
        picked.append(members[rng.permutation(len(members))[:per_class]])
    return np.sort(np.concatenate(picked))


def accuracy_vs_labels(
    make_model: Callable[[], keras.Model],
    x: np.ndarray,
    y: np.ndarray,
    x_val: np.ndarray,
    y_val: np.ndarray,
    sizes: list[int],
    *,
    epochs: int = 20,
    min_steps: int = 0,
    batch_size: int = 32,
    seed: int = 0,
    progress: bool = True,
    desc: str = "labelled images per class",
) -> dict[int, float]:
    """Validation accuracy of a fresh ``make_model()`` trained on ``n`` examples per class, for each ``n``.

    ``x`` can be cached features (then ``make_model`` builds a head) or images (then it builds a
    whole CNN): the data is prepared once, only the training is repeated. Seeds are reset
    before each model, so the result does not depend on the order of ``sizes``.
    """
    scores = {}
    for n in bar(sorted(sizes), desc=desc, show=progress):
        keras.utils.set_random_seed(seed)
        idx = subset_per_class(y, n, seed)
        model = make_model()
        fit(model, x[idx], y[idx], epochs=epochs, min_steps=min_steps, batch_size=batch_size)
        scores[n] = accuracy(model, x_val, y_val)
    return scores


class Stopwatch:
    """``with Stopwatch() as clock: ...`` then ``clock.seconds``: wall time of the block."""

    def __enter__(self) -> Stopwatch:
        import time

        self._start = time.perf_counter()
        self.seconds = float("nan")
        return self

    def __exit__(self, *exc) -> None:
        import time

        self.seconds = time.perf_counter() - self._start


# -- lesson 04: which weights did training change? -------------------------------------------------


class EpochTimer(keras.callbacks.Callback):
    """Records the wall time of every epoch in ``self.seconds`` (the first one includes building
    the training graph, so compare the later ones)."""

    def on_train_begin(self, logs=None):
        self.seconds: list[float] = []

    def on_epoch_begin(self, epoch, logs=None):
        import time

        self._start = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        import time

        self.seconds.append(time.perf_counter() - self._start)


def fit_timed(
    model: keras.Model,
    x: np.ndarray,
    y: np.ndarray,
    x_val: np.ndarray,
    y_val: np.ndarray,
    *,
    epochs: int = 6,
    batch_size: int = 8,
    learning_rate: float = 1e-3,
    seed: int = 0,
    restore: bool = True,
    progress: bool = True,
) -> dict:
    """Compile ``model`` as it is frozen now, train it for ``epochs`` and time each epoch.

    Returns ``trainable`` (parameters), ``first_epoch_s`` (includes building the graph),
    ``epoch_s`` (mean of the later epochs), ``train_accuracy`` (last epoch) and
    ``val_accuracy``. With ``restore`` the weights are put back afterwards, so several
    freezing choices can be compared from the same starting point. ``seed`` decides every random
    choice of the run (the order of the photos, the dropout masks: :func:`reseed`), so from the same
    weights the same call gives the same run, whatever ran before it.
    """

    if epochs < 2:
        raise ValueError(f"epochs must be at least 2 (the first epoch also builds the graph), got {epochs}")
    if len(x) != len(y) or len(x_val) != len(y_val):
        raise ValueError(f"images and labels differ in number: {len(x)} vs {len(y)}, {len(x_val)} vs {len(y_val)}")
    saved = [w.copy() for w in model.get_weights()] if restore else None
    keras.utils.set_random_seed(seed)  # the order of the photos
    reseed(model, seed)  # and the dropout masks, whatever ran before
    compile_classifier(model, learning_rate)
    timer = EpochTimer()
    bars = [epoch_bar(epochs, f"training ({param_counts(model).trainable:,} trainable)")] if progress else []
    history = model.fit(x, y, epochs=epochs, batch_size=batch_size, verbose=0, callbacks=[timer, *bars])
    result = {
        "trainable": param_counts(model).trainable,
        "first_epoch_s": timer.seconds[0],
        "epoch_s": float(np.mean(timer.seconds[1:])),
        "train_accuracy": float(history.history["accuracy"][-1]),
        "val_accuracy": accuracy(model, x_val, y_val),
    }
    if saved is not None:
        model.set_weights(saved)
    return result
