"""Class imbalance: making it, measuring it honestly, and weighting it away.

When one class has ten times the examples of another, a classifier can score a
high *accuracy* by mostly answering the big class. Balanced accuracy (the mean of
the per-class recalls) and the confusion matrix show what accuracy hides. Class
weights, Keras's ``class_weight`` argument to ``fit``, are the counterpart of
MATLAB's weighted classification layer: each example's loss is multiplied by its
class's weight (and the batch's loss is still the mean over its examples), so with the
"balanced" weights the rare class counts as much in total as the common one.
"""
from __future__ import annotations

import numpy as np


def subsample(images: np.ndarray, labels: np.ndarray, per_class: dict[int, int], seed: int = 0):
    """Keep ``per_class[c]`` examples of each class ``c`` (deterministic); returns (images, labels)."""
    rng = np.random.default_rng(seed)
    labels = np.asarray(labels)
    keep = []
    for c, k in per_class.items():
        pool = np.flatnonzero(labels == c)
        if k > len(pool):
            raise ValueError(f"class {c} has only {len(pool)} examples, cannot keep {k}")
        keep.append(np.sort(rng.permutation(pool)[:k]))
    keep = np.sort(np.concatenate(keep))
    return images[keep], labels[keep]


def class_weights(labels: np.ndarray, n_classes: int | None = None) -> dict[int, float]:
    """Weights n / (k * n_c) per class, the "balanced" heuristic: every class then weighs n / k in total.

    n examples, k classes, n_c examples of class c; the weights average 1 per example, so the loss keeps
    its scale. This is scikit-learn's ``compute_class_weight("balanced", ...)``, documented there as
    ``n_samples / (n_classes * np.bincount(y))``.
    """
    labels = np.asarray(labels)
    k = int(n_classes or labels.max() + 1)
    counts = np.bincount(labels, minlength=k)
    if np.any(counts == 0):
        missing = [c for c in range(k) if counts[c] == 0]
        raise ValueError(f"class(es) {missing} have no examples: a weight for them is undefined")
    return {c: float(len(labels) / (k * counts[c])) for c in range(k)}


def confusion_matrix(y_true: np.ndarray, y_pred: np.ndarray, n_classes: int | None = None) -> np.ndarray:
    """Counts ``m[i, j]`` of examples of true class i predicted as class j."""
    y_true, y_pred = np.asarray(y_true, int), np.asarray(y_pred, int)
    if y_true.shape != y_pred.shape:
        raise ValueError(f"y_true and y_pred differ in shape: {y_true.shape} vs {y_pred.shape}")
    k = int(n_classes or max(y_true.max(initial=0), y_pred.max(initial=0)) + 1)
    m = np.zeros((k, k), int)
    np.add.at(m, (y_true, y_pred), 1)
    return m


def per_class_recall(y_true: np.ndarray, y_pred: np.ndarray, n_classes: int | None = None) -> np.ndarray:
    """Fraction of each true class that was found."""
    m = confusion_matrix(y_true, y_pred, n_classes)
    return np.diag(m) / np.maximum(m.sum(axis=1), 1)


def balanced_accuracy(y_true: np.ndarray, y_pred: np.ndarray, n_classes: int | None = None) -> float:
    """Mean of the per-class recalls: 0.5 for a two-class model that always answers the same."""
    return float(np.mean(per_class_recall(y_true, y_pred, n_classes)))
