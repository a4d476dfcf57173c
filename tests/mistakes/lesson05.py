"""Lesson 05, input adaptation: the wrong answers its checks recognise."""
from __future__ import annotations

from functools import cached_property

import numpy as np

from .common import OK, TODO, C, _adam, _history, _keras_preprocess, _torch, _undefined_name, a  # noqa: F401


class Fixtures:
    """What this lesson's cases build, on first use (mixed into the tests' World)."""

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

    def resized_with(self, how: str):
        """The fashion images resized to 96 another way, then copied to RGB and preprocessed."""
        import keras
        import tensorflow as tf

        from tlcourse import adapt

        x = self.fashion.astype(np.float32)
        resized = {
            "nearest": lambda: adapt.resize_batch(self.fashion, 96, method="nearest"),
            "keras nearest": lambda: keras.ops.convert_to_numpy(keras.layers.Resizing(96, 96, interpolation="nearest")(x)),
            "keras default": lambda: keras.ops.convert_to_numpy(keras.layers.Resizing(96, 96)(x)),
            "tf bicubic": lambda: tf.image.resize(x, (96, 96), method="bicubic").numpy(),  # overshoots, unclipped
            "area": lambda: adapt.resize_batch(x, 96, method="area"),
        }[how]()
        rgb = adapt.to_rgb(np.asarray(resized, np.float32))
        return rgb / 127.5 - 1 if how == "tf bicubic" else self.pre(rgb)  # zoo's preprocess refuses the overshoot

    @cached_property
    def other_fashion(self):  # four other images
        return np.random.default_rng(1).integers(0, 256, (4, 28, 28, 1)).astype(np.uint8)




CASES = [
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
    C("05", "check_prepared_batch", "nearest-neighbour resize (adapt.resize_batch)", lambda w: a(w.resized_with("nearest"), w.fashion), OK),
    C("05", "check_prepared_batch", "nearest-neighbour resize (keras Resizing)", lambda w: a(w.resized_with("keras nearest"), w.fashion), OK),
    C("05", "check_prepared_batch", "keras Resizing, its defaults", lambda w: a(w.resized_with("keras default"), w.fashion), OK),
    C("05", "check_prepared_batch", "tf.image.resize bicubic, unclipped", lambda w: a(w.resized_with("tf bicubic"), w.fashion), OK),
    C("05", "check_prepared_batch", "'area' resize", lambda w: a(w.resized_with("area"), w.fashion), OK),
    C("05", "check_prepared_batch", "other images", lambda w: a(w.batch(), w.other_fashion), "the same images, in the same order"),
    C("05", "check_prepared_batch", "not resized", lambda w: a(w.batch("rgb pre"), w.fashion), "resize them to 96x96"),
    C("05", "check_prepared_batch", "one channel", lambda w: a(w.batch("resize float") / 127.5 - 1, w.fashion), "still one channel"),
    C("05", "check_prepared_batch", "channel axis dropped", lambda w: a(w.batch("resize float")[..., 0] / 127.5 - 1, w.fashion), "no channel axis"),
    C("05", "check_prepared_batch", "channels first", lambda w: a(np.moveaxis(w.batch(), -1, 1), w.fashion), "channels first"),
    C("05", "check_prepared_batch", "not preprocessed (0..255)", lambda w: a(w.batch("resize rgb float"), w.fashion), "still raw pixels"),
    C("05", "check_prepared_batch", "x / 255", lambda w: a(w.batch("resize rgb float") / 255, w.fashion), "[0, 1]"),
    C("05", "check_prepared_batch", "the PyTorch mean/std preprocess", lambda w: a(_torch(w.batch("resize rgb float")), w.fashion), "another model's scaling"),
    C("05", "check_prepared_batch", "preprocessed twice", lambda w: a((w.batch() + 1) / 127.5 - 1, w.fashion), "preprocessed twice"),
    C("05", "check_prepared_batch", "images in another order", lambda w: a(w.batch()[::-1], w.fashion), "the same images, in the same order"),
    C("05", "check_prepared_batch", "2 of the 4 images", lambda w: a(w.batch()[:2], w.fashion), "batch of 4"),
    C("05", "check_prepared_batch", "channels that differ",
      lambda w: a(np.concatenate([w.batch()[..., :2], -w.batch()[..., 2:]], axis=-1), w.fashion), "three channels differ"),
    C("05", "check_prepared_batch", "the preprocess function itself", lambda w: a(w.pre, w.fashion), "that is a function"),
]

# Strings that would give the answer away: no wrong answer's hint may contain them.
SECRETS = {
    "check_first_layer_work": ["294,912", "294912"],
}
