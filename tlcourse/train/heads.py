"""Small classifiers trained on cached features: build, compile, fit, score."""
from __future__ import annotations

import keras
import numpy as np

from ..progress import epoch_bar


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


def compile_classifier(model: keras.Model, learning_rate: float = 1e-3, steps_per_execution: int = 1) -> keras.Model:
    """Adam + sparse categorical cross-entropy + accuracy: the course's default for classifiers.

    ``steps_per_execution`` > 1 runs that many training steps per call into the compiled graph: the same
    updates in the same order, with less Python overhead per batch (it pays for small, fast models).
    """
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
        steps_per_execution=steps_per_execution,
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
    progress: bool = False,
) -> tuple[keras.Model, keras.callbacks.History]:
    """Train :func:`classifier_head` on cached features; returns ``(head, history)``.

    ``class_weight`` ({class index: weight}) scales each example's loss by its class's weight.
    ``progress`` shows a bar over the epochs (worth it from a few thousand examples on).
    """
    n_classes = int(max(train_labels.max(), (val_labels.max() if val_labels is not None else 0))) + 1
    head = compile_classifier(classifier_head(train_features.shape[1], n_classes, hidden, dropout), learning_rate)
    validation = (val_features, val_labels) if val_features is not None else None
    history = head.fit(
        train_features, train_labels, validation_data=validation, epochs=epochs, batch_size=batch_size,
        class_weight=class_weight, verbose=verbose,
        callbacks=[epoch_bar(epochs, "training the head")] if progress else [],
    )
    return head, history


def accuracy(model: keras.Model, x: np.ndarray, y: np.ndarray, batch_size: int = 64) -> float:
    """Fraction of ``x`` that ``model`` classifies as ``y``."""
    predictions = np.argmax(model.predict(x, batch_size=batch_size, verbose=0), axis=-1)
    return float(np.mean(predictions == np.asarray(y)))


# -- lessons 02 and 04: end-to-end models, a from-scratch baseline, a fit helper ----------------

#: Keras layers that do what ``tlcourse.zoo``'s preprocess functions do, inside a model.
