"""Lesson 04, fine-tuning: the wrong answers its checks recognise."""
from __future__ import annotations

from functools import cached_property

import numpy as np

from .common import OK, TODO, C, _adam, _history, _keras_preprocess, _torch, _undefined_name, a  # noqa: F401


class Fixtures:
    """What this lesson's cases build, on first use (mixed into the tests' World)."""

    # a MobileNetV2 base: ``mnv2`` (96 px, random weights) comes from lesson01.Fixtures
    def base4(self, last: int | None = 3, count: str = "blocks", bn: str | None = "after"):
        """Lesson 4's exercise 3 on ``mnv2``: unfreeze the ``last`` blocks (or layers); ``bn`` is when
        BatchNorm gets frozen: "after" the unfreezing (right), "before" it (undone by it), or None."""
        import keras

        from tlcourse import freeze as F

        F.freeze(self.mnv2)
        if bn == "before":
            F.freeze_by_type(self.mnv2, keras.layers.BatchNormalization)
        if last is not None:
            F.unfreeze_last(self.mnv2, last, count=count)
        if bn == "after":
            F.freeze_by_type(self.mnv2, keras.layers.BatchNormalization)
        return self.mnv2

    def base4_all_but_bn(self):
        import keras

        from tlcourse import freeze as F

        F.unfreeze(self.mnv2)
        return F.freeze_by_type(self.mnv2, keras.layers.BatchNormalization)

    def base4_one_layer_frozen(self):
        self.base4(3).get_layer("Conv_1").trainable = False
        return self.mnv2

    def base4_in_classifier(self):
        import keras

        base = self.base4(3)
        inputs = keras.Input((96, 96, 3))
        return keras.Model(inputs, keras.layers.Dense(2)(keras.layers.GlobalAveragePooling2D()(base(inputs))))

    def base4_end_to_end(self):
        from tlcourse import train

        return train.end_to_end(self.base4(3), augment=False)

    def base4_upper_part(self):
        from tlcourse import train

        _, upper = train.split_base(self.base4(3), 2)
        return upper

    @cached_property
    def compile_right(self) -> str:
        from tlcourse import checks

        return "none" if checks._keras_applies_trainable_without_compile(freeze_after_fit=True) else "still"

    @property
    def compile_other(self) -> str:
        return "still" if self.compile_right == "none" else "none"


CASES = [
    C("04", "fine_tune_rate", "1e-4, ten times lower (the lesson)", lambda w: a(1e-4, head_rate=1e-3), OK),
    C("04", "fine_tune_rate", "1e-5, a hundred times lower (the Keras guide)", lambda w: a(1e-5, head_rate=1e-3), OK),
    C("04", "fine_tune_rate", "5e-5, twenty times lower", lambda w: a(5e-5, head_rate=1e-3), OK),
    C("04", "fine_tune_rate", "'1e-4', a string", lambda w: a("1e-4", head_rate=1e-3), OK),
    C("04", "fine_tune_rate", "np.float32(1e-5)", lambda w: a(np.float32(1e-5), head_rate=1e-3), OK),
    C("04", "fine_tune_rate", "1e-3 after a head trained at 1e-2", lambda w: a(1e-3, head_rate=1e-2), OK),
    C("04", "fine_tune_rate", "...", lambda w: a(..., head_rate=1e-3), TODO),
    C("04", "fine_tune_rate", "1e-2: higher", lambda w: a(1e-2, head_rate=1e-3), "higher than phase 1"),
    C("04", "fine_tune_rate", "1e-3: the same", lambda w: a(1e-3, head_rate=1e-3), "about the same"),
    C("04", "fine_tune_rate", "5e-4: only twice lower", lambda w: a(5e-4, head_rate=1e-3), "only 2 times lower"),
    C("04", "fine_tune_rate", "1e-7: ten thousand times lower", lambda w: a(1e-7, head_rate=1e-3), "so small"),
    C("04", "fine_tune_rate", "0.1: the factor, not the rate", lambda w: a(0.1, head_rate=1e-3), "If it is the factor"),
    C("04", "fine_tune_rate", "10: how many times lower", lambda w: a(10, head_rate=1e-3), "how many times lower"),
    C("04", "fine_tune_rate", "0", lambda w: a(0, head_rate=1e-3), "positive number"),
    C("04", "fine_tune_rate", "-1e-4: negative", lambda w: a(-1e-4, head_rate=1e-3), "positive number"),
    C("04", "fine_tune_rate", "Adam(1e-4), the optimizer", lambda w: a(_adam(), head_rate=1e-3), "not the optimizer"),
    C("04", "fine_tune_rate", "[1e-4], a list", lambda w: a([1e-4], head_rate=1e-3), "not a list"),
    C("04", "freeze_without_compile", "what this Keras does ('still' in Keras 3)", lambda w: a(w.compile_right), OK),
    C("04", "freeze_without_compile", "the same in capitals", lambda w: a(w.compile_right.upper()), OK),
    C("04", "freeze_without_compile", "...", lambda w: a(...), TODO),
    C("04", "freeze_without_compile", "the other one ('none' in Keras 3)", lambda w: a(w.compile_other),
      lambda w: "training step it built" if w.compile_right == "still" else "without compile()"),
    C("04", "freeze_without_compile", "'all'", lambda w: a("all"), "trainable when it built"),
    C("04", "freeze_without_compile", "'maybe'", lambda w: a("maybe"), "'none', 'still', 'all'"),
    C("04", "frozen_batchnorm", "last 3 blocks, then BatchNorm frozen", lambda w: a(w.base4(3), 3), OK),
    C("04", "frozen_batchnorm", "...", lambda w: a(..., 3), TODO),
    C("04", "frozen_batchnorm", "BatchNorm frozen first, then unfrozen", lambda w: a(w.base4(3, bn="before"), 3), "order matters"),
    C("04", "frozen_batchnorm", "BatchNorm never frozen", lambda w: a(w.base4(3, bn=None), 3), "BatchNormalization layers are trainable"),
    C("04", "frozen_batchnorm", "last 4 blocks", lambda w: a(w.base4(4), 3), "the last 4 blocks train"),
    C("04", "frozen_batchnorm", "last 2 blocks", lambda w: a(w.base4(2), 3), "the last 2 blocks train"),
    C("04", "frozen_batchnorm", "unfreeze_last(base, 3): layers, not blocks", lambda w: a(w.base4(3, count="layers"), 3), "only the last block trains"),
    C("04", "frozen_batchnorm", "unfreeze_last(base, 25): a block cut in two", lambda w: a(w.base4(25, count="layers"), 3), "cut in the middle"),
    C("04", "frozen_batchnorm", "everything but BatchNorm", lambda w: a(w.base4_all_but_bn(), 3), "the last 19 blocks train"),
    C("04", "frozen_batchnorm", "one layer of the last blocks frozen", lambda w: a(w.base4_one_layer_frozen(), 3), "are not the last 3"),
    C("04", "frozen_batchnorm", "everything frozen", lambda w: a(w.base4(None), 3), "nothing in the base is trainable"),
    C("04", "frozen_batchnorm", "the classifier around the base", lambda w: a(w.base4_in_classifier(), 3), "not a classifier built around it"),
    C("04", "frozen_batchnorm", "the end_to_end model around the base", lambda w: a(w.base4_end_to_end(), 3), "not a classifier built around it"),
    C("04", "frozen_batchnorm", "`upper` from split_base", lambda w: a(w.base4_upper_part(), 3), "a piece of the base"),
    C("04", "frozen_batchnorm", "(base, preprocess), zoo.load's pair", lambda w: a((w.base4(3), None), 3), "(model, preprocess) pair"),
    C("04", "frozen_batchnorm", "'base', a string", lambda w: a("base", 3), "base model itself"),
]

# Strings that would give the answer away: no wrong answer's hint may contain them.
SECRETS = {
    "fine_tune_rate": ["1e-4", "0.0001", "1e-04", "1e-5", "0.00001", "1e-05", "5e-5"],
}
