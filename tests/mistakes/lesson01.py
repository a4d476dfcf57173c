"""Lesson 01, pretrained models: the wrong answers its checks recognise."""
from __future__ import annotations

from functools import cached_property

from .common import OK, TODO, C, _adam, _history, _keras_preprocess, _torch, _undefined_name, a  # noqa: F401


class Fixtures:
    """What this lesson's cases build, on first use (mixed into the tests' World)."""

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



CASES = [
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
]

# Strings that would give the answer away: no wrong answer's hint may contain them.
SECRETS = {
    "first_layer_params": ["928"],
    "bn_channels": ["10,944", "10944"],
    "base_output_shape": ["(3, 3, 1280)", "3x3"],
    "scale_function": ["127.5 - 1", "x / 127.5"],
}
