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
    def noisy_labels(self):  # 15 of the 60 labels flipped: the perfect head scores 0.75
        labels = self.features[1].copy()
        labels[::4] = 1 - labels[::4]
        return labels



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
    C("02", "trained_head", "a trained head", lambda w: a(w.head(), *w.features), OK),
    C("02", "trained_head", "...", lambda w: a(..., *w.features), TODO),
    C("02", "trained_head", "(head, history), fit_head's pair", lambda w: a((w.head(), _history()), *w.features), "unpack it"),
    C("02", "trained_head", "the History object", lambda w: a(_history(), *w.features), "training history"),
    C("02", "trained_head", "0.95, the accuracy", lambda w: a(0.95, *w.features), "trained Keras model"),
    C("02", "trained_head", "an untrained head", lambda w: a(w.head(trained=False), *w.features), "about chance"),
    C("02", "trained_head", "a head, labels in another order", lambda w: a(w.head(), w.features[0], np.random.default_rng(1).permutation(w.features[1])), "same order"),
    C("02", "trained_head", "a head that scores 0.75", lambda w: a(w.head(), w.features[0], w.noisy_labels), "more images"),
    C("02", "trained_head", "a head for 5 features", lambda w: a(w.head(5), *w.features), "6 cached features"),
    C("02", "trained_head", "a head with 1 output unit", lambda w: a(w.head(6, 1), *w.features), "one unit per class"),
    C("02", "trained_head", "a head with 3 outputs for 2 classes", lambda w: a(w.head(6, 3), *w.features), "one probability per class"),
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
