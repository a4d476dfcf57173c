"""Training building blocks: cached features, small heads, and a fit helper.

"Feature extraction" (lesson 02) runs the frozen pretrained base once over every
image and keeps the pooled output. Training a small classifier on those cached
vectors is then a matter of seconds, even on a laptop.
"""
from __future__ import annotations

from collections.abc import Callable

import keras
import numpy as np

from .zoo.preprocess import warn_if_unscaled


def extract_features(
    base: keras.Model,
    images: np.ndarray,
    preprocess: Callable[[np.ndarray], np.ndarray] | None = None,
    batch_size: int = 32,
    progress: bool = True,
    pool: bool = True,
) -> np.ndarray:
    """Run ``base`` over ``images`` (0..255 pixels if ``preprocess`` is given) in batches.

    Returns one row per image; 4-D outputs (no pooling in ``base``) are average-pooled,
    so the result is (n_images, n_features), unless ``pool=False`` keeps the feature maps.
    """
    from tqdm.auto import tqdm

    chunks = []
    starts = range(0, len(images), batch_size)
    for start in tqdm(starts, desc=f"features from {base.name}", unit="batch", disable=not progress, leave=False):
        batch = np.asarray(images[start : start + batch_size], np.float32)
        batch = preprocess(batch) if preprocess is not None else batch
        if start == 0 and preprocess is None:
            warn_if_unscaled(batch)
        out = base.predict_on_batch(batch)  # compiled graph: far less memory than an eager call
        if out.ndim == 4 and pool:
            out = out.mean(axis=(1, 2))
        chunks.append(out if not pool else out.reshape(len(batch), -1))
    return np.concatenate(chunks) if chunks else np.zeros((0, 0), np.float32)


def classifier_head(
    n_features: int, n_classes: int, hidden: int | None = None, dropout: float = 0.0, name: str = "head"
) -> keras.Sequential:
    """A small dense classifier for feature vectors: [Dropout] [Dense(hidden, relu)] Dense(n_classes, softmax)."""
    layers = [keras.Input((n_features,))]
    if dropout:
        layers.append(keras.layers.Dropout(dropout))
    if hidden:
        layers.append(keras.layers.Dense(hidden, activation="relu"))
    layers.append(keras.layers.Dense(n_classes, activation="softmax"))
    return keras.Sequential(layers, name=name)


def compile_classifier(model: keras.Model, learning_rate: float = 1e-3) -> keras.Model:
    """Adam + sparse categorical cross-entropy + accuracy: the course's default for classifiers."""
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    return model


def fit_head(
    train_features: np.ndarray,
    train_labels: np.ndarray,
    val_features: np.ndarray | None = None,
    val_labels: np.ndarray | None = None,
    *,
    epochs: int = 30,
    hidden: int | None = None,
    dropout: float = 0.0,
    learning_rate: float = 1e-3,
    batch_size: int = 32,
    class_weight: dict[int, float] | None = None,
    verbose: int = 0,
) -> tuple[keras.Model, keras.callbacks.History]:
    """Train :func:`classifier_head` on cached features; returns ``(head, history)``.

    ``class_weight`` ({class index: weight}) scales each example's loss by its class's weight.
    """
    n_classes = int(max(train_labels.max(), (val_labels.max() if val_labels is not None else 0))) + 1
    head = compile_classifier(classifier_head(train_features.shape[1], n_classes, hidden, dropout), learning_rate)
    validation = (val_features, val_labels) if val_features is not None else None
    history = head.fit(
        train_features, train_labels, validation_data=validation, epochs=epochs, batch_size=batch_size,
        class_weight=class_weight, verbose=verbose,
    )
    return head, history


def accuracy(model: keras.Model, x: np.ndarray, y: np.ndarray, batch_size: int = 64) -> float:
    """Fraction of ``x`` that ``model`` classifies as ``y``."""
    predictions = np.argmax(model.predict(x, batch_size=batch_size, verbose=0), axis=-1)
    return float(np.mean(predictions == np.asarray(y)))


def standardize(fit_on: np.ndarray, *apply_to: np.ndarray, axis=None) -> list[np.ndarray]:
    """Scale features to zero mean and unit variance per channel, with statistics from ``fit_on`` only.

    Use it when comparing feature sets of very different scales (a random network's activations
    can be a million times smaller than a trained one's), so a head sees both on equal terms.
    ``axis`` defaults to every axis but the last (the channels).
    """
    axis = tuple(range(fit_on.ndim - 1)) if axis is None else axis
    mean = fit_on.mean(axis=axis, keepdims=True)
    std = fit_on.std(axis=axis, keepdims=True) + 1e-12
    return [(x - mean) / std for x in (fit_on, *apply_to)]


# -- lesson 03: what freezing costs and saves ---------------------------------------------------


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
) -> dict:
    """Compile ``model`` as it is frozen now, train it for ``epochs`` and time each epoch.

    Returns ``trainable`` (parameters), ``first_epoch_s`` (includes building the graph),
    ``epoch_s`` (mean of the later epochs), ``train_accuracy`` (last epoch) and
    ``val_accuracy``. With ``restore`` the weights are put back afterwards, so several
    freezing choices can be compared from the same starting point.
    """
    from .freeze import param_counts

    if epochs < 2:
        raise ValueError(f"epochs must be at least 2 (the first epoch also builds the graph), got {epochs}")
    if len(x) != len(y) or len(x_val) != len(y_val):
        raise ValueError(f"images and labels differ in number: {len(x)} vs {len(y)}, {len(x_val)} vs {len(y_val)}")
    saved = [w.copy() for w in model.get_weights()] if restore else None
    keras.utils.set_random_seed(seed)
    compile_classifier(model, learning_rate)
    timer = EpochTimer()
    history = model.fit(x, y, epochs=epochs, batch_size=batch_size, verbose=0, callbacks=[timer])
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
