"""Every exercise check against its right answer and the wrong answers students really give.

``CASES`` is the table: one row per (check, answer). ``expect`` is ``OK`` (accepted), ``TODO`` ("not
answered yet", never an error) or a fragment of the specific hint that wrong answer must get. The
tests below run every row, check that every public check has rows of both kinds (so a new check
cannot be added without them), that no junk answer raises, and that no hint gives the answer away.

The table is also the instructors' list of "which check catches which mistake":

    python tests/test_checks_mistakes.py --markdown        # wrong answers and the hint each gets
    python tests/test_checks_mistakes.py --markdown --all  # accepted variants and "..." too

It builds small models (``weights=None`` where only shapes and flags matter); the lesson 5 rows
need the course's converted MobileNetV2 weights, like the lessons.
"""
from __future__ import annotations

import sys
import typing
from collections.abc import Callable
from functools import cached_property
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pytest

if __name__ == "__main__":  # run as a script: use this checkout's tlcourse, not an installed one
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

OK = "✅ accepted"
TODO = "⏳ not answered yet"


class Case(NamedTuple):
    lesson: str  # "01".."07"; "-" for the generic helper
    check: str  # the function's name in tlcourse.checks
    answer: str  # what the student gave, in words
    build: Callable  # World -> (args, kwargs) for the check
    expect: str | Callable  # OK, TODO, a fragment of the hint, or World -> one of those


def a(*args, **kwargs):
    """The arguments of one check call: ``a(answer, model)`` reads like the call itself."""
    return args, kwargs


def _history():
    import keras

    history = keras.callbacks.History()
    history.history = {"accuracy": [0.5, 0.95]}
    return history


class World:
    """What the cases need, built on first use and shared by all rows (and by the --markdown run).

    Rows that depend on trainable flags set every flag they rely on, so the order of the rows
    does not matter."""

    # -- lesson 01 / 04: a MobileNetV2 base (96 px, random weights: only shapes and flags matter)
    @cached_property
    def mnv2(self):
        import keras

        return keras.applications.MobileNetV2(weights=None, input_shape=(96, 96, 3), include_top=False)

    @cached_property
    def v1(self):  # MobileNet v1: 21,888 non-trainable parameters, as in lesson 1
        import keras

        return keras.applications.MobileNet(weights=None, input_shape=(128, 128, 3), include_top=False)

    @property
    def v1_channels(self) -> int:
        from tlcourse import freeze

        return freeze.param_counts(self.v1).non_trainable // 2

    def base4(self, top: int | None = 3, count: str = "blocks", bn: str | None = "after"):
        """Lesson 4's exercise 3 on ``mnv2``: unfreeze ``top`` (blocks or layers); ``bn`` is when
        BatchNorm gets frozen: "after" the unfreezing (right), "before" it (undone by it), or None."""
        import keras

        from tlcourse import freeze as F

        F.freeze(self.mnv2)
        if bn == "before":
            F.freeze_by_type(self.mnv2, keras.layers.BatchNormalization)
        if top is not None:
            F.unfreeze_top(self.mnv2, top, count=count)
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

    def base4_top_piece(self):
        from tlcourse import train

        _, top = train.split_base(self.base4(3), 2)
        return top

    # -- lesson 03: MobileNetV2 (alpha 0.35, 32 px) inside a classifier, as in the lesson
    @cached_property
    def classifier(self):
        import keras

        base = keras.applications.MobileNetV2(weights=None, include_top=False, input_shape=(32, 32, 3), alpha=0.35)
        inputs = keras.Input((32, 32, 3))
        x = keras.layers.GlobalAveragePooling2D(name="pool")(base(inputs, training=False))
        x = keras.layers.Dropout(0.2, name="dropout")(x)
        return keras.Model(inputs, keras.layers.Dense(2, name="classifier")(x)), base

    @property
    def model3(self):
        return self.classifier[0]

    @property
    def base3(self):
        return self.classifier[1]

    def l3(self, *, start: str = "unfreeze", top: int | None = None, base_top: int | None = None,
           base_layers: int | None = None, bn: str | None = None, extra: str | None = None):
        """The lesson 3 classifier after the student's freeze calls, in this order: freeze or unfreeze
        everything; BatchNorm of base frozen "before"; the top N blocks of the model, of base, or the
        last N layers of base; BatchNorm of base frozen "after"; one ``extra`` block unfrozen."""
        import keras

        from tlcourse import freeze as F

        model, base = self.classifier
        (F.unfreeze if start == "unfreeze" else F.freeze)(model)
        if bn == "before":
            F.freeze_by_type(base, keras.layers.BatchNormalization)
        if top is not None:
            F.unfreeze_top(model, top, count="blocks")
        if base_top is not None:
            F.unfreeze_top(base, base_top, count="blocks")
        if base_layers is not None:
            F.unfreeze_top(base, base_layers)
        if bn == "after":
            F.freeze_by_type(base, keras.layers.BatchNormalization)
        if extra:
            F.set_blocks_trainable(model, [extra], True)
        return model

    def _k(self, **state) -> int:
        from tlcourse import freeze as F

        with F.preserved(self.model3):
            return F.param_counts(self.l3(**state)).trainable

    @cached_property
    def k1(self) -> int:  # exercise 1: the slider at 7
        return self._k(top=7)

    @cached_property
    def k2(self) -> int:  # exercise 2: the classifier and base's top two blocks, BatchNorm frozen
        return self._k(base_top=2, bn="after")

    def params3(self, name: str) -> int:
        model, base = self.classifier
        return (model if name == "classifier" else base).get_layer(name).count_params()

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

    # -- lesson 04
    @cached_property
    def compile_right(self) -> str:
        from tlcourse import checks

        return "none" if checks._keras_applies_trainable_without_compile(freeze_after_fit=True) else "still"

    @property
    def compile_other(self) -> str:
        return "still" if self.compile_right == "none" else "none"

    # -- lesson 05
    @cached_property
    def rgb_kernel(self):
        return np.random.default_rng(0).normal(size=(3, 3, 3, 32)).astype(np.float32)

    @cached_property
    def grey64(self):  # the right answer: pretrained, 64x64x1
        from tlcourse import adapt

        return adapt.grayscale_base("MobileNetV2", (64, 64, 1), pooling="avg")

    @cached_property
    def stored_conv1(self):
        from tlcourse.zoo import convert

        return convert.load_weights(convert.converted_path("MobileNetV2"))["Conv1"][0]

    @cached_property
    def _random_grey(self):
        from tlcourse import adapt, zoo

        model = zoo.build("MobileNetV2", include_top=False, input_shape=(64, 64, 1), channels=1)
        return model, adapt.first_conv(model).get_weights()

    def random_grey(self, kernel: str = "random"):
        """A 64x64x1 MobileNetV2 with random weights whose first kernel is ``kernel``: "random", or the
        pretrained RGB kernel's "mean" / "sum" / "red" slice."""
        from tlcourse import adapt

        model, weights = self._random_grey
        rgb = self.stored_conv1
        chosen = {"random": weights[0], "mean": rgb.mean(axis=2, keepdims=True),
                  "sum": rgb.sum(axis=2, keepdims=True), "red": rgb[:, :, :1]}[kernel]
        adapt.first_conv(model).set_weights([chosen, *weights[1:]])
        return model

    def built(self, name: str, shape: tuple, channels: int = 3):
        from tlcourse import zoo

        return zoo.build(name, include_top=False, input_shape=shape, channels=channels)

    @cached_property
    def fashion(self):  # four 28x28x1 "Fashion-MNIST" images
        return np.random.default_rng(0).integers(0, 256, (4, 28, 28, 1)).astype(np.uint8)

    @cached_property
    def pre(self):
        from tlcourse import zoo

        return zoo.preprocess_for("MobileNetV2")

    def batch(self, steps: str = "resize rgb pre"):
        """The fashion images through the named steps, in order: resize (to 96), rgb (copy to 3), pre (preprocess)."""
        from tlcourse import adapt

        x = self.fashion
        for step in steps.split():
            x = {"resize": lambda v: adapt.resize_batch(v, 96), "rgb": adapt.to_rgb, "pre": self.pre,
                 "float": lambda v: np.asarray(v, np.float32)}[step](x)
        return x


def _torch(x):
    from tlcourse.zoo.preprocess import preprocess_torch

    return preprocess_torch(x)


def _adam():
    import keras

    return keras.optimizers.Adam(1e-4)


def _keras_preprocess():
    import keras

    return keras.applications.mobilenet_v2.preprocess_input


def _undefined_name(x):
    return undefined_name  # noqa: F821  (the student's typo)


ROWS6 = [
    {"model": "MobileNetV2", "accuracy": 0.97, "latency b1 (ms)": 30.0},
    {"model": "DenseNet121", "accuracy": 0.96, "latency b1 (ms)": 60.0},
    {"model": "EfficientNetLite0", "accuracy": 0.95, "latency b1 (ms)": 12.0},
    {"model": "SqueezeNet", "accuracy": 0.85, "latency b1 (ms)": 8.0},
    {"model": "MobileNetV3Small", "accuracy": 0.90, "latency b1 (ms)": 5.0},
]
SCORES2 = {5: 0.86, 10: 0.92, 25: 0.95, 50: 0.96, 100: 0.97, 1000: 0.98}
BOXES7 = ((0, 0, 10, 10), (5, 5, 15, 15))
BOX7 = (40, 70, 60, 90)
MB = 1_000_000

C = Case
CASES: list[Case] = [
    # -- lesson 01 ------------------------------------------------------------------------------
    C("01", "first_layer_params", "(928, 64): kernel + gamma + beta, moving mean + variance", lambda w: a((928, 64), w.mnv2), OK),
    C("01", "first_layer_params", "[928, 64], a list", lambda w: a([928, 64], w.mnv2), OK),
    C("01", "first_layer_params", "...", lambda w: a(..., w.mnv2), TODO),
    C("01", "first_layer_params", "(928, ...), half filled", lambda w: a((928, ...), w.mnv2), TODO),
    C("01", "first_layer_params", "(64, 928): the pair swapped", lambda w: a((64, 928), w.mnv2), "swapped"),
    C("01", "first_layer_params", "(992, 0): moving statistics counted as trainable", lambda w: a((992, 0), w.mnv2), "running averages"),
    C("01", "first_layer_params", "(864, 128): gamma and beta counted as non-trainable", lambda w: a((864, 128), w.mnv2), "gamma and beta are learned"),
    C("01", "first_layer_params", "(960, 64): a bias counted for Conv1", lambda w: a((960, 64), w.mnv2), "no bias"),
    C("01", "first_layer_params", "(864, 64): BatchNorm's gamma and beta forgotten", lambda w: a((864, 64), w.mnv2), "BatchNorm's gamma"),
    C("01", "first_layer_params", "(64, 64): bn_Conv1 alone", lambda w: a((64, 64), w.mnv2), "bn_Conv1 alone"),
    C("01", "first_layer_params", "(352, 64): kernel 3x3 per filter, colours forgotten", lambda w: a((352, 64), w.mnv2), "all 3 colour channels"),
    C("01", "first_layer_params", "(896, 96): right total, wrong split", lambda w: a((896, 96), w.mnv2), "the total is right but not the split"),
    C("01", "first_layer_params", "(100, 100): a guess", lambda w: a((100, 100), w.mnv2), "parameters in all"),
    C("01", "first_layer_params", "992, the total alone", lambda w: a(992, w.mnv2), "the total of the two layers"),
    C("01", "first_layer_params", "'928, 64', a string", lambda w: a("928, 64", w.mnv2), "not a string"),
    C("01", "bn_channels", "non-trainable count / 2", lambda w: a(w.v1_channels, w.v1), OK),
    C("01", "bn_channels", "the same as a string with a comma", lambda w: a(f"{w.v1_channels:,}", w.v1), OK),
    C("01", "bn_channels", "...", lambda w: a(..., w.v1), TODO),
    C("01", "bn_channels", "the non-trainable count itself", lambda w: a(2 * w.v1_channels, w.v1), "each BatchNorm channel holds two"),
    C("01", "bn_channels", "non-trainable count / 4", lambda w: a(w.v1_channels // 2, w.v1), "divided by 4"),
    C("01", "bn_channels", "non-trainable count x 2", lambda w: a(4 * w.v1_channels, w.v1), "multiply or divide"),
    C("01", "bn_channels", "27, the number of BatchNorm layers", lambda w: a(27, w.v1), "counts BatchNorm layers"),
    C("01", "bn_channels", "1000, a guess", lambda w: a(1000, w.v1), "moving mean or a moving variance"),
    C("01", "bn_channels", "[count], a list", lambda w: a([w.v1_channels], w.v1), "not a list"),
    C("01", "scale_function", "x / 127.5 - 1", lambda w: a(lambda x: x / 127.5 - 1), OK),
    C("01", "scale_function", "(x - 127.5) / 127.5", lambda w: a(lambda x: (x - 127.5) / 127.5), OK),
    C("01", "scale_function", "keras.applications.mobilenet_v2.preprocess_input", lambda w: a(_keras_preprocess()), OK),
    C("01", "scale_function", "the template: return ...", lambda w: a(lambda x: ...), TODO),
    C("01", "scale_function", "...", lambda w: a(...), TODO),
    C("01", "scale_function", "x / 255", lambda w: a(lambda x: x / 255), "[0, 1]"),
    C("01", "scale_function", "x / 127.5", lambda w: a(lambda x: x / 127.5), "subtract 1"),
    C("01", "scale_function", "x - 127.5", lambda w: a(lambda x: x - 127.5), "divide by 127.5"),
    C("01", "scale_function", "x / 255 - 0.5", lambda w: a(lambda x: x / 255 - 0.5), "multiply by 2"),
    C("01", "scale_function", "x - 1 / 127.5 (operator precedence)", lambda w: a(lambda x: x - 1 / 127.5), "divides before it subtracts"),
    C("01", "scale_function", "x // 127.5 - 1 (floor division)", lambda w: a(lambda x: x // 127.5 - 1), "Floor division"),
    C("01", "scale_function", "(x / 127.5 - 1).astype(int)", lambda w: a(lambda x: (x / 127.5 - 1).astype(int)), "only whole numbers"),
    C("01", "scale_function", "x / 128 - 1", lambda w: a(lambda x: x / 128 - 1), "nearly"),
    C("01", "scale_function", "1 - x / 127.5 (sign flipped)", lambda w: a(lambda x: 1 - x / 127.5), "upside down"),
    C("01", "scale_function", "the PyTorch mean/std normalisation", lambda w: a(_torch), "mean/std"),
    C("01", "scale_function", "no return (the function returns None)", lambda w: a(lambda x: None), "forget the `return`"),
    C("01", "scale_function", "x.mean() (shape lost)", lambda w: a(lambda x: x.mean()), "keep the shape"),
    C("01", "scale_function", "a typo inside the function", lambda w: a(_undefined_name), "NameError"),
    C("01", "scale_function", "3, not a function", lambda w: a(3), "with a function"),
    C("01", "scale_function", "x / 100, something else", lambda w: a(lambda x: x / 100), "run evenly from -1 to 1"),
    C("01", "base_output_shape", "(3, 3, 1280)", lambda w: a((3, 3, 1280), w.mnv2), OK),
    C("01", "base_output_shape", "(None, 3, 3, 1280), copied from output_shape", lambda w: a((None, 3, 3, 1280), w.mnv2), OK),
    C("01", "base_output_shape", "[3, 3, 1280], a list", lambda w: a([3, 3, 1280], w.mnv2), OK),
    C("01", "base_output_shape", "...", lambda w: a(..., w.mnv2), TODO),
    C("01", "base_output_shape", "(3, ..., 1280), half filled", lambda w: a((3, ..., 1280), w.mnv2), TODO),
    C("01", "base_output_shape", "(1280,): the pooled shape", lambda w: a((1280,), w.mnv2), "pooling='avg'"),
    C("01", "base_output_shape", "(1000,): the classifier's", lambda w: a((1000,), w.mnv2), "include_top=False"),
    C("01", "base_output_shape", "(7, 7, 1280): the 224-pixel grid", lambda w: a((7, 7, 1280), w.mnv2), "224-pixel"),
    C("01", "base_output_shape", "(96, 96, 1280): no downsampling", lambda w: a((96, 96, 1280), w.mnv2), "96 / 32"),
    C("01", "base_output_shape", "(3, 3, 320): wrong channels", lambda w: a((3, 3, 320), w.mnv2), "count the channels"),
    C("01", "base_output_shape", "(1280, 3, 3): channels first", lambda w: a((1280, 3, 3), w.mnv2), "channels first"),
    C("01", "base_output_shape", "(1, 3, 3, 1280): batch axis of 1", lambda w: a((1, 3, 3, 1280), w.mnv2), "batch axis"),
    C("01", "base_output_shape", "'3x3x1280', a string", lambda w: a("3x3x1280", w.mnv2), "not a string"),
    C("01", "base_output_shape", "5, a number", lambda w: a(5, w.mnv2), "a tuple like"),
    C("01", "base_output_shape", "(3, 3), two numbers", lambda w: a((3, 3), w.mnv2), "print(base.output_shape)"),
    # -- lesson 02 ------------------------------------------------------------------------------
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
    # -- lesson 03 ------------------------------------------------------------------------------
    C("03", "exactly_trainable", "ex. 1: the slider at 7", lambda w: a(w.l3(top=7), w.k1), OK),
    C("03", "exactly_trainable", "ex. 2: base's top 2 blocks, then BatchNorm frozen", lambda w: a(w.l3(base_top=2, bn="after"), w.k2), OK),
    C("03", "exactly_trainable", "ex. 2 with freeze_by_type on the whole model", lambda w: a(w.l3(top=5, bn="after"), w.k2), OK),
    C("03", "exactly_trainable", "...", lambda w: a(..., w.k1), TODO),
    C("03", "exactly_trainable", "None (answer = model.summary())", lambda w: a(None, w.k1), TODO),
    C("03", "exactly_trainable", "123, a number", lambda w: a(123, w.k1), "the model itself"),
    C("03", "exactly_trainable", "everything frozen", lambda w: a(w.l3(start="freeze"), w.k1), "everything is frozen"),
    C("03", "exactly_trainable", "everything trainable", lambda w: a(w.l3(), w.k1), "everything trains"),
    C("03", "exactly_trainable", "ex. 1: the slider at 2", lambda w: a(w.l3(top=2), w.k1), "move the slider right"),
    C("03", "exactly_trainable", "ex. 1: the slider at 9", lambda w: a(w.l3(top=9), w.k1), "move the slider left"),
    C("03", "exactly_trainable", "ex. 1: right blocks, BatchNorm frozen too", lambda w: a(w.l3(top=7, bn="after"), w.k1), "you froze their BatchNormalization"),
    C("03", "exactly_trainable", "ex. 1: one block too many (block_10)", lambda w: a(w.l3(top=7, extra="block_10"), w.k1), "exactly block 'block_10'"),
    C("03", "exactly_trainable", "ex. 2: BatchNorm left trainable", lambda w: a(w.l3(base_top=2), w.k2), "BatchNormalization layers train too"),
    C("03", "exactly_trainable", "ex. 2: BatchNorm frozen before unfreezing", lambda w: a(w.l3(bn="before", base_top=2), w.k2), "after unfreezing"),
    C("03", "exactly_trainable", "ex. 2: top 2 layers (count='layers')", lambda w: a(w.l3(base_layers=2, bn="after"), w.k2), "count='blocks'"),
    C("03", "exactly_trainable", "ex. 2: freeze.freeze(model) first", lambda w: a(w.l3(start="freeze", base_top=2, bn="after"), w.k2), "model.trainable is False"),
    C("03", "exactly_trainable", "ex. 2: answer = base", lambda w: a((w.l3(base_top=2, bn="after"), w.base3)[1], w.k2), "is it `base`"),
    C("03", "exactly_trainable", "a count no block choice gives (7 off)", lambda w: a(w.l3(top=7), w.k1 - 7), "7 too many"),
    C("03", "head_parameters", "164,355", lambda w: a(164_355), OK),
    C("03", "head_parameters", "'164,355', a string", lambda w: a("164,355"), OK),
    C("03", "head_parameters", "164355.0, a float", lambda w: a(164355.0), OK),
    C("03", "head_parameters", "...", lambda w: a(...), TODO),
    C("03", "head_parameters", "no biases at all", lambda w: a(1280 * 128 + 128 * 3), "one bias per output unit"),
    C("03", "head_parameters", "hidden layer's biases forgotten", lambda w: a(1280 * 128 + 128 * 3 + 3), "hidden layer has biases too"),
    C("03", "head_parameters", "output layer's biases forgotten", lambda w: a(1280 * 128 + 128 + 128 * 3), "output layer has biases too"),
    C("03", "head_parameters", "the hidden layer alone", lambda w: a(163_968), "hidden layer alone"),
    C("03", "head_parameters", "the output layer alone", lambda w: a(387), "output layer alone"),
    C("03", "head_parameters", "one Dense(3) on the features", lambda w: a(3_843), "single Dense"),
    C("03", "head_parameters", "2048 features (ResNet50's)", lambda w: a(2048 * 128 + 128 + 387), "ResNet50"),
    C("03", "head_parameters", "1280 x 128 only", lambda w: a(1280 * 128), "count the biases"),
    C("03", "head_parameters", "1280 x 128 x 3", lambda w: a(1280 * 128 * 3), "stacked, not multiplied"),
    C("03", "head_parameters", "the frozen base counted too", lambda w: a(3_400_000 + 164_355), "counts the base too"),
    C("03", "head_parameters", "'lots'", lambda w: a("lots"), "whole number"),
    C("03", "head_parameters", "True", lambda w: a(True), "whole number"),
    C("03", "head_parameters", "1, a guess", lambda w: a(1), "inputs x units + units"),
    C("03", "batchnorm_parameters", "(192, 192)", lambda w: a((192, 192)), OK),
    C("03", "batchnorm_parameters", "np.array([192, 192])", lambda w: a(np.array([192, 192])), OK),
    C("03", "batchnorm_parameters", "...", lambda w: a(...), TODO),
    C("03", "batchnorm_parameters", "(192, ...), half filled", lambda w: a((192, ...)), TODO),
    C("03", "batchnorm_parameters", "(384, 0): all four trainable", lambda w: a((384, 0)), "never trainable"),
    C("03", "batchnorm_parameters", "(0, 384): as if frozen", lambda w: a((0, 384)), "frozen layer"),
    C("03", "batchnorm_parameters", "(96, 96): one vector each", lambda w: a((96, 96)), "one value per channel"),
    C("03", "batchnorm_parameters", "(192, 0): statistics not counted", lambda w: a((192, 0)), "non-trainable column"),
    C("03", "batchnorm_parameters", "(288, 96): right total, wrong split", lambda w: a((288, 96)), "two of the four vectors"),
    C("03", "batchnorm_parameters", "(100, 100): a guess", lambda w: a((100, 100)), "384 numbers"),
    C("03", "batchnorm_parameters", "384, the total", lambda w: a(384), "all four vectors together"),
    C("03", "batchnorm_parameters", "192, one number", lambda w: a(192), "one number is not enough"),
    C("03", "batchnorm_parameters", "(192.5, 191.5): not whole", lambda w: a((192.5, 191.5)), "whole numbers"),
    C("03", "inner_layer_unfrozen", "Conv_1 + the classifier", lambda w: a(w.params3("Conv_1") + w.params3("classifier"), w.model3, w.base3), OK),
    C("03", "inner_layer_unfrozen", "the same as a string with commas", lambda w: a(f"{w.params3('Conv_1') + w.params3('classifier'):,}", w.model3, w.base3), OK),
    C("03", "inner_layer_unfrozen", "...", lambda w: a(..., w.model3, w.base3), TODO),
    C("03", "inner_layer_unfrozen", "the classifier only (base looks frozen)", lambda w: a(w.params3("classifier"), w.model3, w.base3), "only from base's own view"),
    C("03", "inner_layer_unfrozen", "0", lambda w: a(0, w.model3, w.base3), "not inside base"),
    C("03", "inner_layer_unfrozen", "Conv_1 alone", lambda w: a(w.params3("Conv_1"), w.model3, w.base3), "add the classifier"),
    C("03", "inner_layer_unfrozen", "every parameter of the model", lambda w: a(w.model3.count_params(), w.model3, w.base3), "froze every layer of base"),
    C("03", "inner_layer_unfrozen", "Conv_1 + Conv_1_bn + the classifier",
      lambda w: a(w.params3("Conv_1") + w.params3("Conv_1_bn") + w.params3("classifier"), w.model3, w.base3), "Conv_1_bn, the layer after it"),
    C("03", "inner_layer_unfrozen", "'lots'", lambda w: a("lots", w.model3, w.base3), "whole number"),
    C("03", "inner_layer_unfrozen", "one more than right",
      lambda w: a(w.params3("Conv_1") + w.params3("classifier") + 1, w.model3, w.base3), "classifier's own trainable layers plus"),
    # -- lesson 04 ------------------------------------------------------------------------------
    C("04", "fine_tune_rate", "1e-4", lambda w: a(1e-4, head_rate=1e-3), OK),
    C("04", "fine_tune_rate", "'1e-4', a string", lambda w: a("1e-4", head_rate=1e-3), OK),
    C("04", "fine_tune_rate", "np.float32(1e-4)", lambda w: a(np.float32(1e-4), head_rate=1e-3), OK),
    C("04", "fine_tune_rate", "...", lambda w: a(..., head_rate=1e-3), TODO),
    C("04", "fine_tune_rate", "1e-2: higher", lambda w: a(1e-2, head_rate=1e-3), "higher than phase 1"),
    C("04", "fine_tune_rate", "1e-3: the same", lambda w: a(1e-3, head_rate=1e-3), "about the same"),
    C("04", "fine_tune_rate", "1e-5: a hundred times lower", lambda w: a(1e-5, head_rate=1e-3), "hundred times"),
    C("04", "fine_tune_rate", "1e-7: tiny", lambda w: a(1e-7, head_rate=1e-3), "so small"),
    C("04", "fine_tune_rate", "10: the factor, not the rate", lambda w: a(10, head_rate=1e-3), "how many times lower"),
    C("04", "fine_tune_rate", "0", lambda w: a(0, head_rate=1e-3), "positive number"),
    C("04", "fine_tune_rate", "Adam(1e-4), the optimizer", lambda w: a(_adam(), head_rate=1e-3), "not the optimizer"),
    C("04", "fine_tune_rate", "[1e-4], a list", lambda w: a([1e-4], head_rate=1e-3), "not a list"),
    C("04", "freeze_without_compile", "what this Keras does ('still' in Keras 3)", lambda w: a(w.compile_right), OK),
    C("04", "freeze_without_compile", "the same in capitals", lambda w: a(w.compile_right.upper()), OK),
    C("04", "freeze_without_compile", "...", lambda w: a(...), TODO),
    C("04", "freeze_without_compile", "the other one ('none' in Keras 3)", lambda w: a(w.compile_other),
      lambda w: "training step it compiled" if w.compile_right == "still" else "without compile()"),
    C("04", "freeze_without_compile", "'all'", lambda w: a("all"), "compiled with"),
    C("04", "freeze_without_compile", "'maybe'", lambda w: a("maybe"), "'none', 'still', 'all'"),
    C("04", "frozen_batchnorm", "top 3 blocks, then BatchNorm frozen", lambda w: a(w.base4(3), 3), OK),
    C("04", "frozen_batchnorm", "...", lambda w: a(..., 3), TODO),
    C("04", "frozen_batchnorm", "BatchNorm frozen first, then unfrozen", lambda w: a(w.base4(3, bn="before"), 3), "order matters"),
    C("04", "frozen_batchnorm", "BatchNorm never frozen", lambda w: a(w.base4(3, bn=None), 3), "BatchNormalization layers are trainable"),
    C("04", "frozen_batchnorm", "top 4 blocks", lambda w: a(w.base4(4), 3), "the top 4 blocks train"),
    C("04", "frozen_batchnorm", "top 2 blocks", lambda w: a(w.base4(2), 3), "the top 2 blocks train"),
    C("04", "frozen_batchnorm", "unfreeze_top(base, 3): layers, not blocks", lambda w: a(w.base4(3, count="layers"), 3), "only the top block trains"),
    C("04", "frozen_batchnorm", "unfreeze_top(base, 25): a block cut in two", lambda w: a(w.base4(25, count="layers"), 3), "cut in the middle"),
    C("04", "frozen_batchnorm", "everything but BatchNorm", lambda w: a(w.base4_all_but_bn(), 3), "the top 19 blocks train"),
    C("04", "frozen_batchnorm", "one layer of the top blocks frozen", lambda w: a(w.base4_one_layer_frozen(), 3), "are not the top 3"),
    C("04", "frozen_batchnorm", "everything frozen", lambda w: a(w.base4(None), 3), "nothing in the base is trainable"),
    C("04", "frozen_batchnorm", "the classifier around the base", lambda w: a(w.base4_in_classifier(), 3), "not a classifier built around it"),
    C("04", "frozen_batchnorm", "`top` from split_base", lambda w: a(w.base4_top_piece(), 3), "a piece of the base"),
    C("04", "frozen_batchnorm", "(base, preprocess), zoo.load's pair", lambda w: a((w.base4(3), None), 3), "(model, preprocess) pair"),
    C("04", "frozen_batchnorm", "'base', a string", lambda w: a("base", 3), "base model itself"),
    # -- lesson 05 ------------------------------------------------------------------------------
    C("05", "check_gray_kernel", "rgb_kernel.sum(axis=2, keepdims=True)", lambda w: a(w.rgb_kernel.sum(axis=2, keepdims=True), w.rgb_kernel), OK),
    C("05", "check_gray_kernel", "the same as nested lists", lambda w: a(w.rgb_kernel.sum(axis=2, keepdims=True).tolist(), w.rgb_kernel), OK),
    C("05", "check_gray_kernel", "...", lambda w: a(..., w.rgb_kernel), TODO),
    C("05", "check_gray_kernel", "sum(axis=2), keepdims forgotten", lambda w: a(w.rgb_kernel.sum(axis=2), w.rgb_kernel), "keepdims=True"),
    C("05", "check_gray_kernel", "mean(axis=2), keepdims forgotten", lambda w: a(w.rgb_kernel.mean(axis=2), w.rgb_kernel), "input-channel axis is gone"),
    C("05", "check_gray_kernel", "sum over axis 3 (the filters)", lambda w: a(w.rgb_kernel.sum(axis=3, keepdims=True), w.rgb_kernel), "sums over the filters"),
    C("05", "check_gray_kernel", "sum over axis 0 (the height)", lambda w: a(w.rgb_kernel.sum(axis=0, keepdims=True), w.rgb_kernel), "height or width"),
    C("05", "check_gray_kernel", "mean over axis 2", lambda w: a(w.rgb_kernel.mean(axis=2, keepdims=True), w.rgb_kernel), "is the mean"),
    C("05", "check_gray_kernel", "one colour's slice", lambda w: a(w.rgb_kernel[:, :, 1:2], w.rgb_kernel), "keeps one colour"),
    C("05", "check_gray_kernel", "luminance weights",
      lambda w: a(np.einsum("hwcf,c->hwf", w.rgb_kernel, [0.299, 0.587, 0.114])[:, :, None], w.rgb_kernel), "luminance-weighted"),
    C("05", "check_gray_kernel", "rgb_kernel unchanged", lambda w: a(w.rgb_kernel, w.rgb_kernel), "RGB kernel unchanged"),
    C("05", "check_gray_kernel", "the sum repeated on 3 channels",
      lambda w: a(np.repeat(w.rgb_kernel.sum(axis=2, keepdims=True), 3, axis=2), w.rgb_kernel), "three identical channels"),
    C("05", "check_gray_kernel", "the sum plus 1", lambda w: a(w.rgb_kernel.sum(axis=2, keepdims=True) + 1, w.rgb_kernel), "values differ"),
    C("05", "check_gray_kernel", "16 filters only", lambda w: a(w.rgb_kernel[..., :16].sum(axis=2, keepdims=True), w.rgb_kernel), "expected shape"),
    C("05", "check_gray_kernel", "'sum', a string", lambda w: a("sum", w.rgb_kernel), "NumPy array"),
    C("05", "check_grayscale_base", "adapt.grayscale_base(..., (64, 64, 1)).model", lambda w: a(w.grey64.model), OK),
    C("05", "check_grayscale_base", "the (model, preprocess) pair", lambda w: a(w.grey64), OK),
    C("05", "check_grayscale_base", "...", lambda w: a(...), TODO),
    C("05", "check_grayscale_base", "an RGB base (zoo.load)", lambda w: a(w.built("MobileNetV2", (64, 64, 3))), "takes three channels"),
    C("05", "check_grayscale_base", "a grey base at 96x96", lambda w: a(w.built("MobileNetV2", (96, 96, 1), channels=1)), "asks for 64x64"),
    C("05", "check_grayscale_base", "random weights (zoo.build)", lambda w: a(w.random_grey("random")), "random weights"),
    C("05", "check_grayscale_base", "first kernel = mean of RGB", lambda w: a(w.random_grey("mean")), "mean of the RGB weights"),
    C("05", "check_grayscale_base", "first kernel = the red slice", lambda w: a(w.random_grey("red")), "one colour's slice"),
    C("05", "check_grayscale_base", "summed first kernel, other layers random", lambda w: a(w.random_grey("sum")), "last convolution does not hold"),
    C("05", "check_grayscale_base", "EfficientNet-Lite0, grey", lambda w: a(w.built("EfficientNetLite0", (64, 64, 1), channels=1)), "not a MobileNetV2"),
    C("05", "check_grayscale_base", "'MobileNetV2', a string", lambda w: a("MobileNetV2"), "Keras model"),
    C("05", "check_first_layer_work", "32 x 32 x 3 x 3 x 1 x 32", lambda w: a(32 * 32 * 9 * 32), OK),
    C("05", "check_first_layer_work", "'294,912', a string", lambda w: a("294,912"), OK),
    C("05", "check_first_layer_work", "...", lambda w: a(...), TODO),
    C("05", "check_first_layer_work", "3 input channels (the RGB layer)", lambda w: a(32 * 32 * 9 * 3 * 32), "RGB layer's count"),
    C("05", "check_first_layer_work", "stride forgotten: 64 x 64 positions", lambda w: a(64 * 64 * 9 * 32), "stride 2"),
    C("05", "check_first_layer_work", "stride and channels both wrong", lambda w: a(64 * 64 * 9 * 3 * 32), "two slips"),
    C("05", "check_first_layer_work", "288, the weights", lambda w: a(288), "number of weights"),
    C("05", "check_first_layer_work", "31 x 31 positions ('valid' padding)", lambda w: a(31 * 31 * 9 * 32), "'valid' padding"),
    C("05", "check_first_layer_work", "twice the right count (FLOPs)", lambda w: a(2 * 32 * 32 * 9 * 32), "FLOPs"),
    C("05", "check_first_layer_work", "32 x 32 x 32, the outputs", lambda w: a(32 * 32 * 32), "number of output values"),
    C("05", "check_first_layer_work", "1234, a guess", lambda w: a(1234), "output positions x kernel"),
    C("05", "check_first_layer_work", "'many'", lambda w: a("many"), "cannot read"),
    C("05", "check_prepared_batch", "resize -> to_rgb -> preprocess", lambda w: a(w.batch("resize rgb pre"), w.fashion), OK),
    C("05", "check_prepared_batch", "to_rgb -> preprocess -> resize", lambda w: a(w.batch("rgb pre resize"), w.fashion), OK),
    C("05", "check_prepared_batch", "a list of images", lambda w: a(list(w.batch()), w.fashion), OK),
    C("05", "check_prepared_batch", "...", lambda w: a(..., w.fashion), TODO),
    C("05", "check_prepared_batch", "not resized", lambda w: a(w.batch("rgb pre"), w.fashion), "resize them to 96x96"),
    C("05", "check_prepared_batch", "one channel", lambda w: a(w.batch("resize float") / 127.5 - 1, w.fashion), "still one channel"),
    C("05", "check_prepared_batch", "channel axis dropped", lambda w: a(w.batch("resize float")[..., 0] / 127.5 - 1, w.fashion), "no channel axis"),
    C("05", "check_prepared_batch", "channels first", lambda w: a(np.moveaxis(w.batch(), -1, 1), w.fashion), "channels first"),
    C("05", "check_prepared_batch", "not preprocessed (0..255)", lambda w: a(w.batch("resize rgb float"), w.fashion), "still raw pixels"),
    C("05", "check_prepared_batch", "x / 255", lambda w: a(w.batch("resize rgb float") / 255, w.fashion), "[0, 1]"),
    C("05", "check_prepared_batch", "the PyTorch mean/std preprocess", lambda w: a(_torch(w.batch("resize rgb float")), w.fashion), "another model's scaling"),
    C("05", "check_prepared_batch", "preprocessed twice", lambda w: a((w.batch() + 1) / 127.5 - 1, w.fashion), "preprocessed twice"),
    C("05", "check_prepared_batch", "images in another order", lambda w: a(w.batch()[::-1], w.fashion), "same images, same order"),
    C("05", "check_prepared_batch", "2 of the 4 images", lambda w: a(w.batch()[:2], w.fashion), "batch of 4"),
    C("05", "check_prepared_batch", "channels that differ",
      lambda w: a(np.concatenate([w.batch()[..., :2], -w.batch()[..., 2:]], axis=-1), w.fashion), "three channels differ"),
    C("05", "check_prepared_batch", "the preprocess function itself", lambda w: a(w.pre, w.fashion), "that is a function"),
    # -- lesson 06 ------------------------------------------------------------------------------
    C("06", "fastest_meeting_target", "the fastest of those at 92%", lambda w: a("EfficientNetLite0", ROWS6, target=0.92), OK),
    C("06", "fastest_meeting_target", "' efficientnet-lite0' (case, dash, space)", lambda w: a(" efficientnet-lite0", ROWS6, target=0.92), OK),
    C("06", "fastest_meeting_target", "...", lambda w: a(..., ROWS6, target=0.92), TODO),
    C("06", "fastest_meeting_target", "the fastest overall, below target", lambda w: a("MobileNetV3Small", ROWS6, target=0.92), "is the fastest, but"),
    C("06", "fastest_meeting_target", "a slow one below target", lambda w: a("SqueezeNet", ROWS6, target=0.92), "below the 92% target"),
    C("06", "fastest_meeting_target", "the most accurate", lambda w: a("MobileNetV2", ROWS6, target=0.92), "most accurate"),
    C("06", "fastest_meeting_target", "good enough but slower", lambda w: a("DenseNet121", ROWS6, target=0.92), "another model that does is faster"),
    C("06", "fastest_meeting_target", "a model not in the table", lambda w: a("ResNet50", ROWS6, target=0.92), "one of the model names"),
    C("06", "fastest_meeting_target", "the table's row (a dict)", lambda w: a(ROWS6[2], ROWS6, target=0.92), "not the whole row"),
    C("06", "fastest_meeting_target", "12.0, its latency", lambda w: a(12.0, ROWS6, target=0.92), "one of the model names"),
    C("06", "fastest_meeting_target", "any model, no model reaches the target", lambda w: a("MobileNetV2", ROWS6, target=0.99), "no model in your table reaches"),
    C("06", "size_reduction", "float / int8", lambda w: a(3.5, 3.5 * MB, MB), OK),
    C("06", "size_reduction", "'3.5x', a string", lambda w: a("3.5x", 3.5 * MB, MB), OK),
    C("06", "size_reduction", "...", lambda w: a(..., 3.5 * MB, MB), TODO),
    C("06", "size_reduction", "int8 / float", lambda w: a(1 / 3.5, 3.5 * MB, MB), "float / int8"),
    C("06", "size_reduction", "4, the theory", lambda w: a(4, 3.5 * MB, MB), "theory"),
    C("06", "size_reduction", "0.714: the share saved", lambda w: a(1 - 1 / 3.5, 3.5 * MB, MB), "share of the size saved"),
    C("06", "size_reduction", "71.4: the percentage saved", lambda w: a(71.4, 3.5 * MB, MB), "share of the size saved"),
    C("06", "size_reduction", "28.6: int8 as a % of float", lambda w: a(28.6, 3.5 * MB, MB), "percentage of the float one"),
    C("06", "size_reduction", "350: the ratio in percent", lambda w: a(350, 3.5 * MB, MB), "not a percentage"),
    C("06", "size_reduction", "2.5: the difference in MB", lambda w: a(2.5, 3.5 * MB, MB), "difference in size"),
    C("06", "size_reduction", "2, a guess", lambda w: a(2, 3.5 * MB, MB), "divide the float32 file size"),
    C("06", "size_reduction", "[3.5], a list", lambda w: a([3.5], 3.5 * MB, MB), "not a list"),
    C("06", "needs_representative_data", "'int8'", lambda w: a("int8"), OK),
    C("06", "needs_representative_data", "' INT8 ' (case, spaces)", lambda w: a(" INT8 "), OK),
    C("06", "needs_representative_data", "'full integer'", lambda w: a("full integer"), OK),
    C("06", "needs_representative_data", "...", lambda w: a(...), TODO),
    C("06", "needs_representative_data", "None", lambda w: a(None), TODO),
    C("06", "needs_representative_data", "'dynamic'", lambda w: a("dynamic"), "only converts the weights"),
    C("06", "needs_representative_data", "'both'", lambda w: a("both"), "only one of them"),
    C("06", "needs_representative_data", "'float16'", lambda w: a("float16"), "float model"),
    C("06", "needs_representative_data", "'yes'", lambda w: a("yes"), 'answer "dynamic" or "int8"'),
    # -- lesson 07 ------------------------------------------------------------------------------
    C("07", "class_weights_for", "{0: 330 / 600, 1: 330 / 60}", lambda w: a({0: 330 / 600, 1: 330 / 60}, 300, 30), OK),
    C("07", "class_weights_for", "NumPy keys and values", lambda w: a({np.int64(0): np.float64(0.55), np.int64(1): np.float32(5.5)}, 300, 30), OK),
    C("07", "class_weights_for", "...", lambda w: a(..., 300, 30), TODO),
    C("07", "class_weights_for", "{0: ..., 1: ...}, the template", lambda w: a({0: ..., 1: ...}, 300, 30), TODO),
    C("07", "class_weights_for", "swapped", lambda w: a({0: 330 / 60, 1: 330 / 600}, 300, 30), "swapped"),
    C("07", "class_weights_for", "{0: 1, 1: 10}: ratio only", lambda w: a({0: 1, 1: 10}, 300, 30), "the ratio is right"),
    C("07", "class_weights_for", "{0: 1/300, 1: 1/30}: inverse counts", lambda w: a({0: 1 / 300, 1: 1 / 30}, 300, 30), "the ratio is right"),
    C("07", "class_weights_for", "n / n_c: k forgotten", lambda w: a({0: 330 / 300, 1: 330 / 30}, 300, 30), "divide by k"),
    C("07", "class_weights_for", "the class frequencies", lambda w: a({0: 300 / 330, 1: 30 / 330}, 300, 30), "shares of the data"),
    C("07", "class_weights_for", "{0: 1, 1: 1}", lambda w: a({0: 1, 1: 1}, 300, 30), "equal weights change nothing"),
    C("07", "class_weights_for", "{0: 2, 1: 1}: common class heavier", lambda w: a({0: 2, 1: 1}, 300, 30), "common class got the larger weight"),
    C("07", "class_weights_for", "{0: 0, 1: 1}", lambda w: a({0: 0, 1: 1}, 300, 30), "must be positive"),
    C("07", "class_weights_for", "{0: 1, 1: 3}: a guess", lambda w: a({0: 1, 1: 3}, 300, 30), "n / (k * n_c)"),
    C("07", "class_weights_for", "[0.55, 5.5], a list", lambda w: a([0.55, 5.5], 300, 30), "not a list"),
    C("07", "class_weights_for", "{'cats': ..., 'dogs': ...}", lambda w: a({"cats": 0.55, "dogs": 5.5}, 300, 30), "class indices"),
    C("07", "class_weights_for", "{0: 'low', 1: 'high'}", lambda w: a({0: "low", 1: "high"}, 300, 30), "must be a number"),
    C("07", "balanced_accuracy_of_constant", "0.5", lambda w: a(0.5, 500, 50), OK),
    C("07", "balanced_accuracy_of_constant", "'50%'", lambda w: a("50%", 500, 50), OK),
    C("07", "balanced_accuracy_of_constant", "np.float64(0.5)", lambda w: a(np.float64(0.5), 500, 50), OK),
    C("07", "balanced_accuracy_of_constant", "...", lambda w: a(..., 500, 50), TODO),
    C("07", "balanced_accuracy_of_constant", "500 / 550: plain accuracy", lambda w: a(500 / 550, 500, 50), "plain accuracy"),
    C("07", "balanced_accuracy_of_constant", "1.0: the cats' recall", lambda w: a(1.0, 500, 50), "recall of one class only"),
    C("07", "balanced_accuracy_of_constant", "0: the dogs' recall", lambda w: a(0, 500, 50), "recall of one class only"),
    C("07", "balanced_accuracy_of_constant", "50, in percent", lambda w: a(50, 500, 50), "percentage"),
    C("07", "balanced_accuracy_of_constant", "90.9, accuracy in percent", lambda w: a(90.9, 500, 50), "percentage"),
    C("07", "balanced_accuracy_of_constant", "50 / 550: the dogs' share", lambda w: a(50 / 550, 500, 50), "small class's share"),
    C("07", "balanced_accuracy_of_constant", "0.7, a guess", lambda w: a(0.7, 500, 50), "each class's recall"),
    C("07", "balanced_accuracy_of_constant", "'half'", lambda w: a("half", 500, 50), "cannot read"),
    C("07", "balanced_accuracy_of_constant", "[0.5], a list", lambda w: a([0.5], 500, 50), "not a list"),
    C("07", "iou_of", "25 / 175", lambda w: a(25 / 175, *BOXES7), OK),
    C("07", "iou_of", "'25/175', a string", lambda w: a("25/175", *BOXES7), OK),
    C("07", "iou_of", "0.143, rounded", lambda w: a(0.143, *BOXES7), OK),
    C("07", "iou_of", "...", lambda w: a(..., *BOXES7), TODO),
    C("07", "iou_of", "25 / 200: sum of the areas", lambda w: a(25 / 200, *BOXES7), "sum of the areas"),
    C("07", "iou_of", "25 / 100: one box's area", lambda w: a(25 / 100, *BOXES7), "one box's area"),
    C("07", "iou_of", "25: the intersection", lambda w: a(25, *BOXES7), "intersection's area"),
    C("07", "iou_of", "175: the union", lambda w: a(175, *BOXES7), "union's area"),
    C("07", "iou_of", "7: union / intersection", lambda w: a(7, *BOXES7), "upside down"),
    C("07", "iou_of", "150 / 175: 1 - IoU", lambda w: a(150 / 175, *BOXES7), "do not share"),
    C("07", "iou_of", "14.29, in percent", lambda w: a(14.29, *BOXES7), "percentage"),
    C("07", "iou_of", "0.14, rounded too much", lambda w: a(0.14, *BOXES7), "rounded too much"),
    C("07", "iou_of", "(25, 175), a pair", lambda w: a((25, 175), *BOXES7), "as a pair"),
    C("07", "iou_of", "0.9, a guess", lambda w: a(0.9, *BOXES7), "area A + area B - intersection"),
    C("07", "iou_of", "'big'", lambda w: a("big", *BOXES7), "cannot read"),
    C("07", "responsible_cell", "(5, 3)", lambda w: a((5, 3), BOX7, canvas=128, grid=8), OK),
    C("07", "responsible_cell", "[5, 3], a list", lambda w: a([5, 3], BOX7, canvas=128, grid=8), OK),
    C("07", "responsible_cell", "np.array([5, 3])", lambda w: a(np.array([5, 3]), BOX7, canvas=128, grid=8), OK),
    C("07", "responsible_cell", "...", lambda w: a(..., BOX7, canvas=128, grid=8), TODO),
    C("07", "responsible_cell", "(5, ...), half filled", lambda w: a((5, ...), BOX7, canvas=128, grid=8), TODO),
    C("07", "responsible_cell", "(3, 5): swapped", lambda w: a((3, 5), BOX7, canvas=128, grid=8), "swapped"),
    C("07", "responsible_cell", "(6, 4): counted from 1", lambda w: a((6, 4), BOX7, canvas=128, grid=8), "count from 0"),
    C("07", "responsible_cell", "(80, 50): the centre in pixels", lambda w: a((80, 50), BOX7, canvas=128, grid=8), "centre in pixels"),
    C("07", "responsible_cell", "(10, 6): divided by the grid size", lambda w: a((10, 6), BOX7, canvas=128, grid=8), "number of cells"),
    C("07", "responsible_cell", "(7, 4): box read as (x, y, w, h)", lambda w: a((7, 4), BOX7, canvas=128, grid=8), "(x, y, width, height)"),
    C("07", "responsible_cell", "(4, 2): a corner's cell", lambda w: a((4, 2), BOX7, canvas=128, grid=8), "corner"),
    C("07", "responsible_cell", "(5, 3.125): not rounded down", lambda w: a((5, 3.125), BOX7, canvas=128, grid=8), "round down"),
    C("07", "responsible_cell", "'5,3', a string", lambda w: a("5,3", BOX7, canvas=128, grid=8), "not a string"),
    C("07", "responsible_cell", "5, one number", lambda w: a(5, BOX7, canvas=128, grid=8), "a pair"),
    C("07", "responsible_cell", "(5, 3, 1), three numbers", lambda w: a((5, 3, 1), BOX7, canvas=128, grid=8), "pair of whole numbers"),
    C("07", "responsible_cell", "(2, 2), a guess", lambda w: a((2, 2), BOX7, canvas=128, grid=8), "find the box's centre"),
    # -- the generic multiple-choice helper (lessons 02 and 04 use it) ---------------------------
    C("-", "choice", "'B ' for option b", lambda w: a("B ", {"a": "", "b": ""}, "b", "yes", {"a": "a is for..."}), OK),
    C("-", "choice", "...", lambda w: a(..., {"a": "", "b": ""}, "b", "yes", {}), TODO),
    C("-", "choice", "a wrong option with its own hint", lambda w: a("a", {"a": "", "b": ""}, "b", "yes", {"a": "a is for..."}), "a is for..."),
    C("-", "choice", "a wrong option without a hint", lambda w: a("a", {"a": "", "b": ""}, "b", "yes", {}), "reread the section"),
    C("-", "choice", "not an option", lambda w: a("z", {"a": "", "b": ""}, "b", "yes", {}), "'a', 'b'"),
]

# Strings that would give the answer away: no wrong answer's hint may contain them.
SECRETS = {
    "first_layer_params": ["928"],
    "bn_channels": ["10,944", "10944"],
    "base_output_shape": ["(3, 3, 1280)", "3x3"],
    "feature_sizes": ["32,000", "32000"],
    "head_parameters": ["164,355", "164355"],
    "batchnorm_parameters": ["(192, 192)"],
    "scale_function": ["127.5 - 1", "x / 127.5"],
    "check_first_layer_work": ["294,912", "294912"],
    "class_weights_for": ["0.55", "5.5"],
    "balanced_accuracy_of_constant": ["0.5"],
    "iou_of": ["0.143", "1/7", "25 / 175"],
    "responsible_cell": ["(5, 3)", "row 5"],
    "fine_tune_rate": ["1e-4", "0.0001", "1e-04"],
    "size_reduction": ["3.5"],
}


def public_checks() -> list[str]:
    """Every public function of tlcourse.checks that returns Feedback, except the constructors."""
    import inspect

    from tlcourse import checks

    return sorted(
        name for name, fn in inspect.getmembers(checks, inspect.isfunction)
        if fn.__module__ == checks.__name__ and not name.startswith("_")
        and name not in {"correct", "wrong", "unanswered"}
        and typing.get_type_hints(fn).get("return") is checks.Feedback
    )


def run(case: Case, world: World):
    from tlcourse import checks

    args, kwargs = case.build(world)
    return getattr(checks, case.check)(*args, **kwargs)


def expected(case: Case, world: World) -> str:
    return case.expect(world) if callable(case.expect) else case.expect


@pytest.fixture(scope="module")
def world() -> World:
    return World()


@pytest.mark.parametrize("case", CASES, ids=[f"{c.check}: {c.answer}" for c in CASES])
def test_case(case: Case, world: World):
    feedback = run(case, world)
    want = expected(case, world)
    if want == OK:
        assert feedback and feedback.answered, feedback
    elif want == TODO:
        assert not feedback and not feedback.answered, feedback
    else:
        assert not feedback and feedback.answered and want in feedback.message, (want, str(feedback))


def test_every_check_has_right_and_wrong_cases():
    rows = {name: ["wrong" if callable(c.expect) else c.expect for c in CASES if c.check == name]
            for name in public_checks()}
    missing = {name: kinds for name, kinds in rows.items()
               if OK not in kinds or not any(k not in (OK, TODO) for k in kinds)}
    assert not missing, f"checks without a correct case and a wrong case in CASES: {sorted(missing)}"
    assert {c.check for c in CASES} <= set(public_checks()), "CASES names a check that tlcourse.checks lacks"


@pytest.mark.parametrize("name", sorted(SECRETS))
def test_hints_never_give_the_answer_away(name: str, world: World):
    for case in CASES:
        if case.check == name and expected(case, world) not in (OK, TODO):
            message = run(case, world).message
            leaks = [secret for secret in SECRETS[name] if secret in message]
            assert not leaks, (case.answer, message)


JUNK = [..., None, "", "   ", "abc", "1/0", [], (), {}, {0: None}, 0, -1, 1e12, True, float("nan"), object(),
        np.array([]), np.zeros((2, 2)), np.float64("nan"), [None, None], ("a", "b")]


@pytest.mark.parametrize("name", public_checks())
def test_junk_answers_get_feedback_not_a_traceback(name: str, world: World):
    """Whatever the answer, a check returns Feedback: ``...`` and None read as "not answered yet"."""
    case = next(c for c in CASES if c.check == name and c.expect == OK)
    args, kwargs = case.build(world)
    from tlcourse import checks

    for junk in JUNK:
        feedback = getattr(checks, name)(junk, *args[1:], **kwargs)
        assert isinstance(feedback, checks.Feedback) and not feedback, (junk, feedback)
        assert feedback.answered == (junk is not Ellipsis and junk is not None), (junk, feedback)


def test_exactly_trainable_leaves_the_flags_alone(world: World):
    from tlcourse import checks, freeze

    model = world.l3(top=6, extra="block_3")
    before = [layer.trainable for layer in freeze.layers_of(model)]
    assert not checks.exactly_trainable(model, world.k1)
    assert [layer.trainable for layer in freeze.layers_of(model)] == before


def test_inner_layer_unfrozen_puts_every_flag_back(world: World):
    from tlcourse import checks, freeze

    model = world.l3(top=4)
    before = freeze.param_counts(model)
    checks.inner_layer_unfrozen(0, world.model3, world.base3)
    assert freeze.param_counts(model) == before


def markdown(world: World | None = None, include_accepted: bool = False) -> str:
    """The table as Markdown: lesson | check | wrong answer | hint given (the hint the check really gives).

    ``include_accepted`` adds the rows whose answer is accepted or read as "not answered yet"."""
    world = world or World()
    lines = ["| lesson | check | wrong answer | hint given |", "|---|---|---|---|"]
    for case in CASES:
        if expected(case, world) in (OK, TODO) and not include_accepted:
            continue
        feedback = run(case, world)
        given = "✅ accepted" if feedback else ("⏳ not answered yet" if not feedback.answered else feedback.message)
        cells = [case.lesson, f"`{case.check}`", case.answer, given]
        lines.append("| " + " | ".join(cell.replace("|", "\\|").replace("\n", " ") for cell in cells) + " |")
    return "\n".join(lines)


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--markdown", action="store_true", help="print the table of wrong answers and their hints")
    parser.add_argument("--all", action="store_true", help='with --markdown: the accepted and "not answered" rows too')
    options = parser.parse_args()
    import tlcourse  # noqa: F401  (silences TensorFlow before anything imports it)

    if not options.markdown:
        parser.print_help()
        sys.exit(0)
    print(markdown(include_accepted=options.all))
