"""Baselines to compare transfer learning with: a small CNN trained from scratch on thumbnails."""
from __future__ import annotations

import keras
import numpy as np

from .heads import compile_classifier


def shrink(images: np.ndarray, side: int, batch_size: int = 256) -> np.ndarray:
    """Square uint8 images resized down to ``side`` pixels (antialiased), done once in batches.

    Training a CNN from scratch on small copies is several times faster than resizing inside
    the model at every epoch.
    """
    import tensorflow as tf

    images = np.asarray(images)
    if images.ndim != 4:
        raise ValueError(f"expected a batch of images (n, height, width, channels), got shape {images.shape}")
    if side > min(images.shape[1:3]):
        raise ValueError(f"shrink makes images smaller; {side} is larger than {images.shape[1:3]}")
    out = [tf.image.resize(images[i : i + batch_size], (side, side), antialias=True).numpy()
           for i in range(0, len(images), batch_size)]
    return np.clip(np.rint(np.concatenate(out)), 0, 255).astype(np.uint8)


def baseline_cnn(
    input_shape: tuple[int, int, int] = (64, 64, 3),
    n_classes: int = 2,
    filters: tuple[int, ...] = (16, 32, 64),
    dropout: float = 0.3,
    augment: bool = True,
    resize_to: int | None = None,
    learning_rate: float = 1e-3,
    name: str = "from_scratch",
    steps_per_execution: int = 16,
) -> keras.Model:
    """A small CNN with random weights: the baseline that transfer learning has to beat.

    0..255 pixels -> [resize] -> [flip] -> /255 -> (Conv 3x3 + ReLU + MaxPool) per entry of
    ``filters`` -> global average pooling -> Dropout -> Dense softmax. A few tens of thousands of
    parameters, sized for small images on a CPU; ``resize_to`` shrinks larger inputs first (a
    64-pixel CNN trains about six times faster than a 160-pixel one). Compiled with
    :func:`compile_classifier`, 16 steps per call into the graph: its steps are so small that Python's
    per-batch overhead dominated them (lesson 02's 40 epochs: 38 s -> 28 s on 2 cores, the same weights).
    """
    if len(input_shape) != 3:
        raise ValueError(f"input_shape must be (height, width, channels), got {input_shape}")
    side = resize_to or min(input_shape[:2])
    if side < 2 ** len(filters):
        raise ValueError(
            f"{len(filters)} pooling stages need images of at least {2 ** len(filters)} pixels, got {side}: "
            "use fewer filters or larger images"
        )
    inputs = keras.Input(input_shape, name="pixels")
    x = inputs
    if resize_to:
        x = keras.layers.Resizing(resize_to, resize_to, antialias=True, name=f"to_{resize_to}px")(x)
    x = keras.layers.RandomFlip("horizontal")(x) if augment else x
    x = keras.layers.Rescaling(1 / 255.0)(x)
    for i, n in enumerate(filters):
        x = keras.layers.Conv2D(n, 3, padding="same", activation="relu", name=f"conv{i + 1}")(x)
        x = keras.layers.MaxPooling2D(name=f"pool{i + 1}")(x)
    x = keras.layers.GlobalAveragePooling2D()(x)
    if dropout:
        x = keras.layers.Dropout(dropout)(x)
    outputs = keras.layers.Dense(n_classes, activation="softmax", name="classes")(x)
    return compile_classifier(keras.Model(inputs, outputs, name=name), learning_rate, steps_per_execution)
