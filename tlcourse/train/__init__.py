"""Training building blocks, one module per idea; lessons call them as ``train.name(...)``.

- :mod:`.features`: run a frozen base once and cache its output (lesson 02's feature extraction),
  inner layers' feature maps (lesson 01), standardising features;
- :mod:`.heads`: the small classifier trained on cached features (the *head*), compiled, fitted, scored;
- :mod:`.end_to_end`: a base inside a trainable model, with preprocessing and augmentation layers,
  :class:`InferenceMode`, and :func:`split_base` (lesson 04's CPU shortcut);
- :mod:`.baselines`: a small CNN trained from scratch, the baseline transfer learning must beat;
- :mod:`.fitting`: quiet ``fit`` with progress, accuracy against the number of labelled photos,
  stopwatches and timed runs (lesson 03);
- :mod:`.snapshots`: snapshot and restore weights, count which changed, restart a model's random-number
  generators from a seed (lessons 03 and 04).
"""
from .baselines import baseline_cnn, shrink
from .end_to_end import InferenceMode, augmentation, end_to_end, preprocessing_layer, split_base
from .features import channel_selectivity, extract_features, favourite_channel, layer_outputs, standardize
from .fitting import EpochTimer, Stopwatch, accuracy_vs_labels, fit, fit_timed, repeats_for, subset_per_class
from .heads import accuracy, classifier_head, compile_classifier, fit_head
from .snapshots import Changed, count_changed, random_states, reseed, restore, snapshot

__all__ = [
    "Changed", "EpochTimer", "InferenceMode", "Stopwatch", "accuracy", "accuracy_vs_labels", "augmentation",
    "baseline_cnn", "channel_selectivity", "classifier_head", "compile_classifier", "count_changed", "end_to_end",
    "extract_features", "favourite_channel", "fit", "fit_head", "fit_timed", "layer_outputs", "preprocessing_layer",
    "random_states", "repeats_for", "reseed", "restore", "shrink", "snapshot", "split_base", "standardize",
    "subset_per_class",
]
