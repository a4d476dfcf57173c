"""Features from a pretrained base: cached outputs (lesson 02), inner layers' maps (lesson 01), standardising."""
from __future__ import annotations

from collections.abc import Callable

import keras
import numpy as np

from ..cpus import extraction_batch_size
from ..progress import bar
from ..zoo.preprocess import warn_if_unscaled


def extract_features(
    base: keras.Model,
    images: np.ndarray,
    preprocess: Callable[[np.ndarray], np.ndarray] | None = None,
    batch_size: int | None = None,
    progress: bool = True,
    pool: bool = True,
) -> np.ndarray:
    """Run ``base`` over ``images`` (0..255 pixels if ``preprocess`` is given) in batches.

    Returns one row per image; 4-D outputs (no pooling in ``base``) are average-pooled,
    so the result is always (n_images, n_features). With ``pool=False`` the outputs are
    kept as they are (e.g. the feature maps of a lower part of a network, lesson 04).
    ``batch_size`` defaults to 8 photos per usable CPU at 160 pixels, more for smaller inputs, at most 32
    (:func:`tlcourse.cpus.extraction_batch_size`: larger batches cost memory and, on one CPU, time).
    """
    batch_size = extraction_batch_size(side=_input_side(base, images)) if batch_size is None else batch_size
    if batch_size < 1:
        raise ValueError(f"batch_size must be at least 1, got {batch_size}")
    chunks = []
    starts = range(0, len(images), batch_size)
    for start in bar(starts, desc=f"features from {base.name}", unit="batch", show=progress):
        batch = np.asarray(images[start : start + batch_size], np.float32)
        batch = preprocess(batch) if preprocess is not None else batch
        if start == 0 and preprocess is None:
            warn_if_unscaled(batch)
        out = base.predict_on_batch(batch)  # compiled graph: far less memory than an eager call
        if not pool:
            chunks.append(np.asarray(out))
            continue
        if out.ndim == 4:
            out = out.mean(axis=(1, 2))
        chunks.append(out.reshape(len(batch), -1))
    return np.concatenate(chunks) if chunks else np.zeros((0, 0), np.float32)


def _input_side(base: keras.Model, images: np.ndarray) -> int:
    """The larger side of what ``base`` computes on: its fixed input size, else the images' (160 if unknown)."""
    shape = getattr(base, "input_shape", None)
    dims = [d for d in (shape[1:3] if isinstance(shape, tuple) and len(shape) == 4 else ()) if d]
    dims = dims or [d for d in np.shape(images)[1:3] if d]
    return max(dims) if dims else 160


def layer_outputs(model: keras.Model, images: np.ndarray, layer_names: list[str]) -> dict[str, np.ndarray]:
    """What the named layers of ``model`` output for ``images`` (already preprocessed), by name."""
    known = [layer.name for layer in model.layers]
    for layer_name in layer_names:
        if layer_name not in known:
            close = [k for k in known if layer_name.split("_")[0] in k][:5]
            raise KeyError(f"{model.name} has no layer {layer_name!r}; some of its layers: {close or known[:5]}")
    probe = keras.Model(model.inputs, [model.get_layer(n).output for n in layer_names])
    outputs = probe.predict_on_batch(np.asarray(images, np.float32))
    outputs = outputs if isinstance(outputs, (list, tuple)) else [outputs]
    return {n: np.asarray(o) for n, o in zip(layer_names, outputs)}


def channel_selectivity(maps: np.ndarray) -> np.ndarray:
    """For each channel, the share of its mean response that goes to its favourite image.

    ``maps`` is (n_images, height, width, channels). A channel that responds equally to all
    n images scores 1/n (generic: edges, colours); one that fires for a single image scores
    close to 1 (specific: a cat's face). Channels silent on every image score 0.
    """
    maps = np.asarray(maps, np.float64)
    if maps.ndim != 4 or len(maps) < 2:
        raise ValueError(f"expected (n_images >= 2, height, width, channels) feature maps, got shape {maps.shape}")
    means = np.abs(maps).mean(axis=(1, 2))
    total = means.sum(axis=0)
    return np.divide(means.max(axis=0), total, out=np.zeros_like(total), where=total > 0)


def favourite_channel(maps: np.ndarray, image: int) -> int:
    """The channel that responds most to image number ``image`` compared with the other images."""
    maps = np.asarray(maps, np.float64)
    if not 0 <= image < len(maps):
        raise IndexError(f"image must be between 0 and {len(maps) - 1}, got {image}")
    means = np.abs(maps).mean(axis=(1, 2))
    others = np.delete(means, image, axis=0).max(axis=0)
    score = (means[image] - others) / (means.max(axis=0) + 1e-12)
    return int(np.argmax(score))


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
