"""Lesson 02, feature extraction: the wrong answers its checks recognise."""
from __future__ import annotations

from functools import cached_property

import numpy as np

from .common import OK, TODO, C, _adam, _history, _keras_preprocess, _torch, _undefined_name, a  # noqa: F401

SCORES2 = {5: 0.86, 10: 0.92, 25: 0.95, 50: 0.96, 100: 0.97, 1000: 0.98}


class Fixtures:
    """What this lesson's cases build, on first use (mixed into the tests' World)."""

    # -- lesson 02: cached features that a head separates perfectly
    @cached_property
    def features(self):
        rng = np.random.default_rng(0)
        x = np.concatenate([rng.normal(-2, 1, (30, 6)), rng.normal(2, 1, (30, 6))]).astype("float32")
        return x, np.repeat([0, 1], 30)

    def head(self, n_features: int = 6, n_classes: int = 2, trained: bool = True):
        from tlcourse import train

        head = train.classifier_head(n_features, n_classes)
        kernel = np.zeros((n_features, n_classes), "float32")
        if trained:  # positive features mean class 1: what training finds on this data
            kernel[:, -1], kernel[:, 0] = 1.0, -1.0
        head.layers[-1].set_weights([kernel, np.zeros(n_classes, "float32")])
        return head

    @property
    def split(self):  # (train features, train labels, validation features, validation labels)
        return (*self.features, *self.features)

    @property
    def noisy_labels(self):  # 15 of the 60 labels flipped: the perfect head scores 0.75
        labels = self.features[1].copy()
        labels[::4] = 1 - labels[::4]
        return labels


def _trains(features, labels):
    """A right answer: train a head on what the check hands over (10 per class of well-separated blobs)."""
    from tlcourse import train

    assert len(labels) == 20 and (np.bincount(labels) == 10).all(), "the check must hand over 10 per class"
    head, _ = train.fit_head(features, labels, epochs=60, learning_rate=1e-2)
    return head


def _unfilled(features, labels):
    """The exercise's stub, handed in before the ... was filled in."""
    head, history = ...
    return head


CASES = [
    C("02", "feature_sizes", "(32000, 1280)", lambda w: a((32000, 1280), side=160, channels=1280), OK),
    C("02", "feature_sizes", "['32,000', '1280'], strings in a list", lambda w: a(["32,000", "1280"], side=160, channels=1280), OK),
    C("02", "feature_sizes", "...", lambda w: a(..., side=160, channels=1280), TODO),
    C("02", "feature_sizes", "(32000, ...), half filled", lambda w: a((32000, ...), side=160, channels=1280), TODO),
    C("02", "feature_sizes", "(1280, 32000): swapped", lambda w: a((1280, 32000), side=160, channels=1280), "swapped"),
    C("02", "feature_sizes", "(62720, 1280): the 7x7 grid of 224 px", lambda w: a((62720, 1280), side=160, channels=1280), "224"),
    C("02", "feature_sizes", "(6400, 1280): one side of the grid only", lambda w: a((6400, 1280), side=160, channels=1280), "multiply both"),
    C("02", "feature_sizes", "(32000, 320): wrong pooled size", lambda w: a((32000, 320), side=160, channels=1280), "one number per channel"),
    C("02", "feature_sizes", "(25, 1280): grid positions, channels forgotten", lambda w: a((25, 1280), side=160, channels=1280), "grid's positions"),
    C("02", "feature_sizes", "(76800, 1280): the photo's pixels", lambda w: a((76800, 1280), side=160, channels=1280), "photo's own pixels"),
    C("02", "feature_sizes", "(5, 5, 1280): the shape, not the count", lambda w: a((5, 5, 1280), side=160, channels=1280), "shape of the output"),
    C("02", "feature_sizes", "((5, 5, 1280), (1280,)): two shapes", lambda w: a(((5, 5, 1280), (1280,)), side=160, channels=1280), "not two shapes"),
    C("02", "feature_sizes", "32000 alone", lambda w: a(32000, side=160, channels=1280), "one number is not enough"),
    C("02", "feature_sizes", "(1000, 1280): a guess", lambda w: a((1000, 1280), side=160, channels=1280), "160 / 32"),
    C("02", "smallest_size", "10, the first size at 0.9", lambda w: a(10, SCORES2, 0.9), OK),
    C("02", "smallest_size", "'10', a string", lambda w: a("10", SCORES2, 0.9), OK),
    C("02", "smallest_size", "...", lambda w: a(..., SCORES2, 0.9), TODO),
    C("02", "smallest_size", "5: below the target", lambda w: a(5, SCORES2, 0.9), "still below"),
    C("02", "smallest_size", "25: reaches it, not the smallest", lambda w: a(25, SCORES2, 0.9), "a smaller size does too"),
    C("02", "smallest_size", "1000: the largest", lambda w: a(1000, SCORES2, 0.9), "a smaller size does too"),
    C("02", "smallest_size", "20: both classes together", lambda w: a(20, SCORES2, 0.9), "per class, not in total"),
    C("02", "smallest_size", "0.92: the accuracy", lambda w: a(0.92, SCORES2, 0.9), "looks like an accuracy"),
    C("02", "smallest_size", "92: the accuracy in percent", lambda w: a(92, SCORES2, 0.9), "accuracy in percent"),
    C("02", "smallest_size", "7: a size not tried", lambda w: a(7, SCORES2, 0.9), "one of the sizes tried"),
    C("02", "smallest_size", "(10, 0.92): the table's row", lambda w: a((10, 0.92), SCORES2, 0.9), "not a tuple"),
    C("02", "smallest_size", "any answer, scores that never reach 0.9", lambda w: a(5, {5: 0.5}, 0.9), "none of the sizes"),
    # trained_head: the answer is a training function; the check hands it 10 photos per class itself
    C("02", "trained_head", "a function that trains a head", lambda w: a(_trains, *w.split), OK),
    C("02", "trained_head", "a function that returns a good head", lambda w: a(lambda x, y: w.head(), *w.split), OK),
    C("02", "trained_head", "...", lambda w: a(..., *w.split), TODO),
    C("02", "trained_head", "a trained head instead of the function", lambda w: a(w.head(), *w.split), "that is a trained head"),
    C("02", "trained_head", "(head, history) instead of the function", lambda w: a((w.head(), _history()), *w.split), "fit_head's pair"),
    C("02", "trained_head", "the History object", lambda w: a(_history(), *w.split), "training history"),
    C("02", "trained_head", "0.95, the accuracy", lambda w: a(0.95, *w.split), "training function itself"),
    C("02", "trained_head", "a function that returns nothing", lambda w: a(lambda x, y: None, *w.split), "returns nothing"),
    C("02", "trained_head", "a function that returns (head, history)", lambda w: a(lambda x, y: (w.head(), _history()), *w.split), "unpack it"),
    C("02", "trained_head", "a function that returns the history", lambda w: a(lambda x, y: _history(), *w.split), "returns the training history"),
    C("02", "trained_head", "a function that returns the accuracy", lambda w: a(lambda x, y: 0.95, *w.split), "must return the trained Keras model"),
    C("02", "trained_head", "a function that still holds a ...", lambda w: a(_unfilled, *w.split), "still holds a `...`"),
    C("02", "trained_head", "a function that takes no arguments", lambda w: a(lambda: w.head(), *w.split), "must take (features, labels)"),
    C("02", "trained_head", "a function that returns an untrained head", lambda w: a(lambda x, y: w.head(trained=False), *w.split), "about chance"),
    C("02", "trained_head", "a function, validation labels in another order", lambda w: a(lambda x, y: w.head(), *w.features, w.features[0], np.random.default_rng(1).permutation(w.features[1])), "same order"),
    C("02", "trained_head", "a function whose head scores 0.75 (too few updates)", lambda w: a(lambda x, y: w.head(), *w.features, w.features[0], w.noisy_labels), "more epochs"),
    C("02", "trained_head", "a function whose head scores 0.75: the rule stays", lambda w: a(lambda x, y: w.head(), *w.features, w.features[0], w.noisy_labels), "stay 10 per class"),
    C("02", "trained_head", "a function whose head takes 5 features", lambda w: a(lambda x, y: w.head(5), *w.split), "6 cached features"),
    C("02", "trained_head", "a function whose head has 1 output unit", lambda w: a(lambda x, y: w.head(6, 1), *w.split), "one unit per class"),
    C("02", "trained_head", "a function whose head has 3 outputs for 2 classes", lambda w: a(lambda x, y: w.head(6, 3), *w.split), "one probability per class"),
    C("02", "trained_head", "training data with fewer than 10 photos of a class", lambda w: a(_trains, w.features[0][:35], w.features[1][:35], *w.features), "at least 10 training photos"),
    C("02", "no_augmentation_in_way_a", "'a'", lambda w: a("a"), OK),
    C("02", "no_augmentation_in_way_a", "' A ' (case, spaces)", lambda w: a(" A "), OK),
    C("02", "no_augmentation_in_way_a", "'(a)'", lambda w: a("(a)"), OK),
    C("02", "no_augmentation_in_way_a", "...", lambda w: a(...), TODO),
    C("02", "no_augmentation_in_way_a", "'b': needs a GPU", lambda w: a("b"), "CPU too"),
    C("02", "no_augmentation_in_way_a", "'c': too few parameters", lambda w: a("c"), "when are the features computed"),
    C("02", "no_augmentation_in_way_a", "'d': not an option", lambda w: a("d"), "'a', 'b', 'c'"),
]

# Strings that would give the answer away: no wrong answer's hint may contain them.
SECRETS = {
    "feature_sizes": ["32,000", "32000"],
}
