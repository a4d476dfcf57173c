"""Keras and TensorFlow behaviours that lesson 05 (input adaptation) states, one small test each.

Each docstring names the lesson section that relies on the behaviour; each failure message says which
prose to revise when a Keras or TensorFlow upgrade changes it. (To be merged into
``tests/test_keras_facts.py``; the helpers are prefixed ``_l05_`` so that they cannot clash with another
lesson's.) Lesson 05 §5 also relies on two facts pinned for lesson 01:
``test_mobilenetv2_imagenet_tops_come_in_five_sizes`` (Keras ships MobileNetV2 tops for 96, 128, 160, 192
and 224 pixels) and ``test_base_without_top_accepts_any_size_from_32``.
"""
from __future__ import annotations

import inspect
import sys

import keras
import numpy as np
import pytest
import tensorflow as tf


class _L05Download(Exception):
    """Raised instead of downloading: the build got as far as fetching its weight file."""


def _l05_no_download(monkeypatch) -> None:
    def refuse(fname=None, *args, **kwargs):
        raise _L05Download(fname)

    monkeypatch.setattr(sys.modules[keras.utils.get_file.__module__], "get_file", refuse)


def _l05_checkerboard(square: int = 4, side: int = 64) -> np.ndarray:
    board = (np.indices((side, side)) // square).sum(0) % 2 * 255.0
    return board.astype("float32")[None, ..., None]


def test_conv_same_padding_pads_its_input_with_zeros():
    """Lesson 05 §4: a Conv2D with ``padding="same"`` pads the values it receives (for a pretrained model: the
    already normalised pixels) with zeros. So folding a per-colour mean into the bias is exact inside the image
    and not at the border, where the kernel overlaps padding."""
    constant = np.full((1, 5, 5, 1), 2.0, "float32")
    out = keras.ops.convert_to_numpy(keras.ops.conv(constant, np.ones((3, 3, 1, 1), "float32"), padding="same"))[0, ..., 0]
    assert out[2, 2] == 18.0 and out[0, 2] == 12.0 and out[0, 0] == 8.0, (
        f"lesson 05 §4: 'same' padding no longer pads with zeros ({out}); revise 'zero padding happens after "
        "normalisation' and tlcourse.adapt.fold_normalization's docstring."
    )


def test_tf_image_resize_and_keras_resizing_default_to_no_antialias():
    """Lesson 05 §7 and tlcourse.adapt.resize_batch: ``tf.image.resize`` and ``keras.layers.Resizing`` do *not*
    antialias unless asked (tlcourse's resize_batch and resizing_model ask); Resizing's default filter is
    bilinear, like tf.image.resize's."""
    resize = inspect.signature(tf.image.resize).parameters
    layer = keras.layers.Resizing(8, 8)
    assert resize["antialias"].default is False and layer.antialias is False, (
        "lesson 05 §7: tf.image.resize / keras.layers.Resizing now antialias by default; revise the definition "
        "of antialias and adapt.resize_batch's docstring."
    )
    assert resize["method"].default == "bilinear" and layer.interpolation == "bilinear", (
        "lesson 05 §5: the default resize filter is no longer bilinear; revise exercise 4's check message."
    )


def test_antialias_matters_when_shrinking_not_when_enlarging():
    """Lesson 05 §7 and 'Going further': shrinking a fine pattern with antialias averages it (a checkerboard of
    4-pixel squares shrunk to 10x10 becomes an even grey), without antialias each output pixel samples a few
    source pixels (noise); enlarging gives the same pixels either way, to float rounding."""
    board = _l05_checkerboard()
    smooth = tf.image.resize(board, (10, 10), antialias=True).numpy()
    aliased = tf.image.resize(board, (10, 10), antialias=False).numpy()
    assert abs(smooth.mean() - 127.5) < 8 and smooth.std() < 10 and aliased.std() > 50, (
        f"lesson 05 §7: antialias no longer averages when shrinking (std {smooth.std():.1f} with, "
        f"{aliased.std():.1f} without); revise the definition of antialias and 'Going further'."
    )
    small = np.random.default_rng(0).uniform(0, 255, (1, 28, 28, 1)).astype("float32")
    up = [tf.image.resize(small, (96, 96), antialias=a).numpy() for a in (True, False)]
    assert np.abs(up[0] - up[1]).max() < 1e-3, "lesson 05 §7: antialias now changes an enlargement"


def test_keras_resizing_layer_computes_tf_image_resize():
    """Lesson 05 §5: ``keras.layers.Resizing`` inside a model computes what ``tf.image.resize`` computes outside
    it (same filter, same antialias), so adapt.resizing_model gives the features of resizing outside."""
    x = np.random.default_rng(1).uniform(0, 255, (2, 28, 28, 1)).astype("float32")
    for antialias in (False, True):
        inside = keras.ops.convert_to_numpy(keras.layers.Resizing(96, 96, antialias=antialias)(x))
        outside = tf.image.resize(x, (96, 96), antialias=antialias).numpy()
        assert np.abs(inside - outside).max() < 1e-3, (
            "lesson 05 §5: keras.layers.Resizing no longer matches tf.image.resize; revise 'It computes the same "
            "features as resizing outside'."
        )


def test_mobilenetv2_min_32_pixels_is_a_keras_rule_not_arithmetic(monkeypatch):
    """Lesson 05 §5: MobileNetV2 has five stride-2 layers (32 times smaller in all); Keras refuses a base below
    32x32 by a rule of keras.applications (``obtain_input_shape(min_size=32)``), not because the maps would
    vanish: each stride-2 stage pads and rounds up, so with the rule lifted a 28- or 16-pixel input also ends as
    one 1x1 position."""
    base = keras.applications.MobileNetV2(weights=None, include_top=False, input_shape=(64, 64, 3))
    stride2 = [layer.name for layer in base.layers if getattr(layer, "strides", None) == (2, 2)]
    assert len(stride2) == 5, f"lesson 05 §5: MobileNetV2 now has {stride2} stride-2 layers; revise 'halves five times'"
    with pytest.raises(ValueError, match="at least 32x32"):
        keras.applications.MobileNetV2(weights=None, include_top=False, input_shape=(28, 28, 3))
    module = sys.modules[keras.applications.MobileNetV2.__module__]
    rule = module.imagenet_utils.obtain_input_shape

    def without_the_rule(*args, **kwargs):
        return rule(*args, **{**kwargs, "min_size": 1})

    monkeypatch.setattr(module.imagenet_utils, "obtain_input_shape", without_the_rule)
    for side in (28, 16):
        small = keras.applications.MobileNetV2(weights=None, include_top=False, input_shape=(side, side, 3))
        assert small.output_shape == (None, 1, 1, 1280), (
            f"lesson 05 §5: a {side}-pixel MobileNetV2 now outputs {small.output_shape}; revise 'a rule, not "
            "arithmetic' (the 32-pixel minimum)."
        )


def test_mobilenetv2_first_layer_is_32_filters_3x3_stride_2_same():
    """Lesson 05 §4 and exercise 3: MobileNetV2's first convolution ``Conv1`` has 32 filters of 3x3, stride 2,
    ``'same'`` padding and no bias: on a 64x64 input it computes 32x32 positions (ceil(side / 2))."""
    base = keras.applications.MobileNetV2(weights=None, include_top=False, input_shape=(64, 64, 1))
    conv = base.get_layer("Conv1")
    got = (conv.filters, conv.kernel_size, conv.strides, conv.padding, conv.use_bias, conv.output.shape[1:3])
    assert got == (32, (3, 3), (2, 2), "same", False, (32, 32)), (
        f"lesson 05 exercise 3: MobileNetV2's Conv1 is now {got}; revise the exercise and check_first_layer_work."
    )


def test_mobilenetv2_top_averages_the_map_so_its_shapes_fit_any_size():
    """Lesson 05 §5: MobileNetV2's top averages the last feature map (GlobalAveragePooling2D) before its
    classifier, so the classifier's weight matrix is 1280 x 1000 at any input size: the shapes would fit."""
    shapes = {}
    for side in (96, 224):
        model = keras.applications.MobileNetV2(weights=None, include_top=True, input_shape=(side, side, 3))
        before = model.layers[-2]
        assert isinstance(before, keras.layers.GlobalAveragePooling2D), (
            f"lesson 05 §5: MobileNetV2's top now starts with {type(before).__name__}; revise 'averages the map first'"
        )
        shapes[side] = tuple(model.get_layer("predictions").kernel.shape)
    assert shapes == {96: (1280, 1000), 224: (1280, 1000)}, f"lesson 05 §5: classifier shapes {shapes}"


def test_vgg16_top_flattens_25088_numbers_and_its_imagenet_top_is_224_only(monkeypatch):
    """Lesson 05 §5: VGG16's top flattens the 7x7x512 map of a 224x224 image into 25,088 numbers, so its first
    dense layer has that many rows (another size gives another count, 4,608 at 96x96) and Keras refuses
    ``weights="imagenet", include_top=True`` at any other size."""
    base = keras.applications.VGG16(weights=None, include_top=False, input_shape=(224, 224, 3))
    assert base.output_shape == (None, 7, 7, 512) and 7 * 7 * 512 == 25088, (
        f"lesson 05 §5: VGG16's last map is now {base.output_shape}; revise '25,088 numbers'"
    )
    small = keras.applications.VGG16(weights=None, include_top=True, input_shape=(96, 96, 3))
    assert tuple(small.get_layer("fc1").kernel.shape) == (3 * 3 * 512, 4096), "lesson 05 §5: VGG16 fc1 rows"
    del small
    _l05_no_download(monkeypatch)
    with pytest.raises(ValueError, match="input_shape"):
        keras.applications.VGG16(weights="imagenet", include_top=True, input_shape=(96, 96, 3))


def test_predict_on_batch_builds_its_graph_once_then_reuses_it():
    """Lesson 05 §6: the first ``predict_on_batch`` call builds (traces) the computation graph, a one-off cost;
    after a second batch shape TensorFlow generalises the graph, so later batches of any size reuse it (the
    timed test pass, after the training pass, traces nothing)."""
    model = keras.Sequential([keras.Input((8, 8, 3)), keras.layers.Conv2D(4, 3), keras.layers.GlobalAveragePooling2D()])
    assert model.predict_function is None
    counts = []
    for n in (32, 24, 32, 20, 7):  # training batches, then test batches of other sizes
        model.predict_on_batch(np.zeros((n, 8, 8, 3), "float32"))
        counts.append(model.predict_function.experimental_get_tracing_count())
    assert counts == [1, 2, 2, 2, 2], (
        f"lesson 05 §6: predict_on_batch traced {counts} times; revise 'by then the training images have warmed "
        "the network up (its first batch also builds the computation graph, a one-off cost)'."
    )
