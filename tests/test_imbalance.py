"""Class-imbalance helpers."""
import numpy as np
import pytest

from tlcourse import imbalance


def test_subsample_keeps_requested_counts_deterministically():
    labels = np.repeat([0, 1], 50)
    images = np.arange(100)
    x, y = imbalance.subsample(images, labels, {0: 30, 1: 3}, seed=1)
    assert np.bincount(y).tolist() == [30, 3]
    x2, _ = imbalance.subsample(images, labels, {0: 30, 1: 3}, seed=1)
    assert np.array_equal(x, x2)
    with pytest.raises(ValueError, match="only 50 examples"):
        imbalance.subsample(images, labels, {1: 60})


def test_class_weights_balance_the_total():
    labels = np.array([0] * 100 + [1] * 10)
    w = imbalance.class_weights(labels)
    assert w[0] * 100 == pytest.approx(w[1] * 10) and w[1] == pytest.approx(110 / 20)
    with pytest.raises(ValueError, match="have no examples"):
        imbalance.class_weights(np.zeros(5, int), n_classes=2)


def test_always_the_big_class():
    y_true = np.array([0] * 90 + [1] * 10)
    y_pred = np.zeros(100, int)
    assert np.mean(y_true == y_pred) == 0.9
    assert imbalance.balanced_accuracy(y_true, y_pred) == 0.5
    assert imbalance.confusion_matrix(y_true, y_pred).tolist() == [[90, 0], [10, 0]]
    assert imbalance.per_class_recall(y_true, y_pred).tolist() == [1.0, 0.0]


def test_class_weights_match_scikit_learns_balanced_example():
    """scikit-learn's compute_class_weight docs: y = [1, 1, 1, 1, 0, 0] gives "balanced" weights [1.5, 0.75]."""
    assert imbalance.class_weights(np.array([1, 1, 1, 1, 0, 0])) == {0: 1.5, 1: 0.75}


def test_balanced_weights_average_one_per_example():
    labels = np.array([0] * 200 + [1] * 20 + [2] * 7)
    w = imbalance.class_weights(labels)
    assert np.mean([w[c] for c in labels]) == pytest.approx(1.0)
