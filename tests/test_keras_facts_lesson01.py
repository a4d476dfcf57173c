"""Keras behaviours that lessons 00 and 01 (pretrained models) state, one small test each.

Each docstring names the lesson section that relies on the behaviour; each failure message says which
prose to revise when a Keras upgrade changes it. (To be merged into ``tests/test_keras_facts.py``; the
helpers are prefixed ``_l01_`` so that they cannot clash with another lesson's.)
"""
from __future__ import annotations

import sys
import warnings

import keras
import numpy as np
import pytest


class _L01Download(Exception):
    """Raised instead of downloading: the build got as far as fetching its weight file."""


def _l01_no_download(monkeypatch) -> list[str]:
    """Make every Keras weight download raise :class:`_L01Download`; returns the requested file names."""
    requested: list[str] = []

    def refuse(fname=None, *args, **kwargs):
        requested.append(str(fname))
        raise _L01Download(fname)

    # keras.utils.get_file is defined in a private module, which keras.applications calls through
    monkeypatch.setattr(sys.modules[keras.utils.get_file.__module__], "get_file", refuse)
    return requested


@pytest.mark.parametrize("side", [96, 128, 160, 192, 224])
def test_mobilenetv2_imagenet_tops_come_in_five_sizes(monkeypatch, side):
    """Lesson 01 §5: Keras ships MobileNetV2 ImageNet weights *with* the top for 96, 128, 160, 192 and 224
    pixels: ``include_top=True, weights="imagenet"`` at those sizes builds and asks for that size's file."""
    requested = _l01_no_download(monkeypatch)
    with pytest.raises(_L01Download):
        keras.applications.MobileNetV2(weights="imagenet", include_top=True, input_shape=(side, side, 3))
    assert requested and requested[0].endswith(f"_{side}.h5"), (
        f"Keras no longer asks for a {side}-pixel MobileNetV2 top ({requested}): revise lesson 01 §5 "
        "('Keras's own MobileNetV2 ships tops trained at 96, 128, 160, 192 and 224 pixels')."
    )


def test_mobilenetv2_imagenet_top_refuses_other_sizes(monkeypatch):
    """Lesson 01 §5: with ``include_top=True, weights="imagenet"`` Keras refuses a size it has no top for."""
    _l01_no_download(monkeypatch)
    with pytest.raises(ValueError, match="input_shape"):
        keras.applications.MobileNetV2(weights="imagenet", include_top=True, input_shape=(100, 100, 3))


def test_base_without_top_accepts_any_size_from_32():
    """Lesson 01 §5 and exercise 4: with ``include_top=False`` MobileNetV2 accepts any input from 32x32 up,
    square or not, and shrinks each side 32 times (rounding up); below 32 pixels it refuses."""
    for shape, grid in [((32, 32, 3), (1, 1)), ((32, 57, 3), (1, 2)), ((96, 96, 3), (3, 3))]:
        base = keras.applications.MobileNetV2(weights=None, include_top=False, input_shape=shape)
        assert base.output_shape[1:] == (*grid, 1280), (
            f"a {shape} MobileNetV2 base now outputs {base.output_shape}: revise lesson 01 §5 ('any image size "
            "from 32x32 up') and exercise 4 (96 / 32)."
        )
    with pytest.raises(ValueError, match="32"):
        keras.applications.MobileNetV2(weights=None, include_top=False, input_shape=(31, 31, 3))


def test_base_without_top_at_another_size_loads_the_224_weights(monkeypatch):
    """Lesson 01 §5: ``include_top=False, weights="imagenet"`` at a size Keras has no file for (100x100)
    still builds; Keras warns and fetches the 224-pixel base weights, which fit any size."""
    requested = _l01_no_download(monkeypatch)
    with warnings.catch_warnings(record=True) as caught, pytest.raises(_L01Download):
        warnings.simplefilter("always")
        keras.applications.MobileNetV2(weights="imagenet", include_top=False, input_shape=(100, 100, 3))
    assert requested and requested[0].endswith("_224_no_top.h5"), (
        f"Keras now asks for {requested} for a 100x100 base: revise lesson 01 §5 ('any image size from 32x32 up')."
    )
    assert any("224" in str(w.message) for w in caught), "Keras no longer warns that it loads the 224 weights"


def test_keras_mobilenetv2_preprocess_input_maps_to_minus_one_one():
    """Lesson 01 §7 and exercise 3: Keras's own MobileNetV2 weights take pixels scaled to [-1, 1]
    (``keras.applications.mobilenet_v2.preprocess_input`` is x / 127.5 - 1)."""
    out = keras.applications.mobilenet_v2.preprocess_input(np.array([0.0, 127.5, 255.0], np.float32))
    np.testing.assert_allclose(out, [-1.0, 0.0, 1.0], atol=1e-6, err_msg=(
        "Keras's MobileNetV2 preprocessing is no longer [-1, 1]: revise lesson 01 §7 ('like Keras's own "
        "MobileNetV2 weights') and the hints of tlcourse.checks.scale_function."))


def test_keras_predict_does_not_check_the_pixel_range():
    """Lesson 01 §7 and summary: raw 0..255 pixels fed to a Keras model that expects [-1, 1] give no error and
    no warning ("it does not complain"); only tlcourse's preprocess/classify check the range."""
    model = keras.applications.MobileNetV2(weights=None, input_shape=(32, 32, 3), include_top=True)
    raw = np.random.default_rng(0).uniform(0, 255, (2, 32, 32, 3)).astype("float32")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = model.predict(raw, verbose=0)
    assert out.shape == (2, 1000), "lesson 01 §7: Keras now checks or rejects raw pixels; revise 'it does not complain'"


def test_batchnorm_moving_statistics_are_non_trainable_weights():
    """Lesson 01 §3: a BatchNormalization layer holds gamma and beta (trainable) and moving_mean and
    moving_variance (non-trainable), one of each per channel."""
    bn = keras.layers.BatchNormalization()
    bn.build((None, 5))
    names = {w.name: w.trainable for w in bn.weights}
    assert names == {"gamma": True, "beta": True, "moving_mean": False, "moving_variance": False}, (
        f"BatchNormalization's weights are now {names}: revise lesson 01 §3 ('Why would a parameter be "
        "non-trainable?') and exercises 1-2."
    )
    assert bn.count_params() == 4 * 5 and len(bn.non_trainable_weights) == 2


def test_batchnorm_updates_an_exponential_moving_average_in_training_mode():
    """Lesson 01 §3: in training mode a BatchNorm layer normalises with the batch's statistics and moves its
    moving mean by (1 - momentum) towards the batch mean; Keras's default momentum is 0.99, and
    keras.applications.MobileNetV2 builds its BatchNorm layers with 0.999. In inference mode (``predict``)
    nothing moves."""
    assert keras.layers.BatchNormalization().momentum == 0.99, "lesson 01 §3: Keras's default momentum changed"
    mnv2 = keras.applications.MobileNetV2(weights=None, include_top=False, input_shape=(32, 32, 3))
    momenta = {layer.momentum for layer in mnv2.layers if isinstance(layer, keras.layers.BatchNormalization)}
    assert momenta == {0.999}, f"lesson 01 §3: MobileNetV2's BatchNorm momenta are now {momenta}"
    bn = keras.layers.BatchNormalization()
    x = np.random.default_rng(0).normal(5.0, 2.0, (64, 3)).astype("float32")
    bn(x, training=False)
    np.testing.assert_array_equal(bn.moving_mean.numpy(), 0.0, err_msg="lesson 01 §3: inference mode moved the mean")
    bn(x, training=True)
    np.testing.assert_allclose(bn.moving_mean.numpy(), 0.01 * x.mean(axis=0), rtol=1e-4, err_msg=(
        "lesson 01 §3: one training-mode call no longer moves the moving mean 1% of the way to the batch mean"))


def test_fit_runs_training_mode_and_predict_inference_mode():
    """Lesson 01 §3: ``fit`` runs the layers in training mode (a trainable BatchNorm layer updates its moving
    statistics), ``predict`` in inference mode (nothing changes)."""
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((3,)), keras.layers.BatchNormalization(), keras.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    x = np.random.default_rng(0).normal(5.0, 2.0, (32, 3)).astype("float32")
    bn = model.layers[0]
    model.predict(x, verbose=0)
    assert np.all(bn.moving_mean.numpy() == 0.0), "lesson 01 §3: predict now updates BatchNorm statistics"
    model.fit(x, np.zeros(32), epochs=1, batch_size=32, verbose=0)
    assert np.all(bn.moving_mean.numpy() != 0.0), "lesson 01 §3: fit no longer updates BatchNorm statistics"


def test_depthwise_convolution_keeps_channels_apart():
    """Lesson 01 §3: a DepthwiseConv2D layer has one k x k filter per channel (3 x 3 x 32 = 288 weights without
    bias) and does not mix channels: output channel c depends on input channel c only."""
    layer = keras.layers.DepthwiseConv2D(3, padding="same", use_bias=False)
    x = np.random.default_rng(0).normal(size=(1, 8, 8, 32)).astype("float32")
    out = keras.ops.convert_to_numpy(layer(x))
    assert layer.count_params() == 3 * 3 * 32, "lesson 01 §3: DepthwiseConv2D's weight count changed"
    x2 = x.copy()
    x2[..., 5] += 1.0
    changed = np.abs(keras.ops.convert_to_numpy(layer(x2)) - out).max(axis=(0, 1, 2)) > 0
    assert list(np.flatnonzero(changed)) == [5], "lesson 01 §3: DepthwiseConv2D now mixes channels"
