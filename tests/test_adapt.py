"""tlcourse.adapt: grey to RGB, resizing, and a one-channel pretrained base that computes the same thing."""
from __future__ import annotations

import numpy as np
import pytest

from tlcourse import adapt, zoo
from tlcourse.zoo import convert


def grey(shape, seed=0):
    return np.random.default_rng(seed).integers(0, 256, shape).astype(np.uint8)


# -- to_rgb ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("shape,expected", [
    ((28, 28), (28, 28, 3)),
    ((28, 28, 1), (28, 28, 3)),
    ((5, 28, 28, 1), (5, 28, 28, 3)),
    ((5, 28, 28), (5, 28, 28, 3)),  # a batch without a channel axis
])
def test_to_rgb_copies_the_grey_plane(shape, expected):
    x = grey(shape)
    rgb = adapt.to_rgb(x)
    assert rgb.shape == expected and rgb.dtype == np.uint8
    for c in range(3):
        np.testing.assert_array_equal(rgb[..., c], x.reshape(expected[:-1]))


def test_to_rgb_leaves_rgb_alone():
    x = grey((2, 8, 8, 3)).astype(np.float32)
    out = adapt.to_rgb(x)
    assert out.dtype == np.float32 and np.array_equal(out, x)


@pytest.mark.parametrize("shape,match", [
    ((8, 8, 2), r"got 2 in shape.*grey \+ alpha.*images\[\.\.\., :1\]"),
    ((3, 8, 8, 4), r"got 4 in shape.*RGBA.*images\[\.\.\., :3\]"),
    ((3, 1, 28, 28), r"channels first.*np\.moveaxis"),
    ((2, 3, 8, 8, 1), r"image \(H x W \[x 1\]\) or a batch"),
])
def test_to_rgb_refuses_other_channel_counts(shape, match):
    with pytest.raises(ValueError, match=match):
        adapt.to_rgb(np.zeros(shape, np.uint8))


# -- resize_batch --------------------------------------------------------------------------------------


@pytest.mark.parametrize("shape,size,expected", [
    ((28, 28), 64, (64, 64)),
    ((28, 28, 1), (32, 48), (32, 48, 1)),
    ((4, 28, 28, 1), 96, (4, 96, 96, 1)),
    ((2, 100, 80, 3), 10, (2, 10, 10, 3)),
])
def test_resize_batch_shapes_and_dtype(shape, size, expected):
    out = adapt.resize_batch(grey(shape), size)
    assert out.shape == expected and out.dtype == np.uint8
    assert adapt.resize_batch(grey(shape).astype(np.float64), size).dtype == np.float32


def test_resize_keeps_content_and_range():
    constant = np.full((28, 28, 1), 77, np.uint8)
    assert np.all(adapt.resize_batch(constant, 160) == 77)
    checkerboard = ((np.indices((64, 64)) // 4).sum(0) % 2 * 255).astype(np.float32)[..., None]  # 4-px squares
    small = adapt.resize_batch(checkerboard, 10)  # antialiasing averages the black and white squares
    assert np.allclose(small, 127.5, atol=8.0)
    aliased = adapt.resize_batch(checkerboard, 10, antialias=False)
    assert aliased.std() > 50  # without it, each output pixel samples one or two squares: noise
    sharp = adapt.resize_batch(checkerboard, 200, method="bicubic")  # bicubic overshoots: clipped back
    assert sharp.min() >= 0 and sharp.max() <= 255


def test_center_crop_keeps_the_middle():
    photo = np.arange(300 * 451 * 3).reshape(300, 451, 3)
    np.testing.assert_array_equal(adapt.center_crop(photo), photo[:, 75:375])
    np.testing.assert_array_equal(adapt.center_crop(photo[..., 0].T), photo[..., 0].T[75:375])  # portrait H x W
    batch = np.arange(2 * 100 * 100).reshape(2, 100, 100, 1)
    np.testing.assert_array_equal(adapt.center_crop(batch, aspect=2.0), batch[:, 25:75])
    greys = np.arange(5 * 40 * 60).reshape(5, 40, 60)  # a batch of grey images without a channel axis
    np.testing.assert_array_equal(adapt.center_crop(greys), greys[:, :, 10:50])
    with pytest.raises(ValueError, match="positive width / height ratio"):
        adapt.center_crop(photo, 0)


@pytest.mark.parametrize("size", [0, -3, (10, 0), 2.5])
def test_resize_refuses_bad_sizes(size):
    with pytest.raises(ValueError, match="size must be a positive int"):
        adapt.resize_batch(grey((8, 8, 1)), size)


def test_resize_refuses_a_batch_without_channel_axis():
    with pytest.raises(ValueError, match=r"without a channel axis.*images\[\.\.\., None\]"):
        adapt.resize_batch(grey((5, 28, 28)), 32)


# -- preprocessing -------------------------------------------------------------------------------------


def test_gray_preprocess_and_its_errors():
    x = np.array([0.0, 127.5, 255.0], np.float32).reshape(1, 1, 3, 1)
    np.testing.assert_allclose(adapt.gray_preprocess(x).ravel(), [-1, 0, 1])
    with pytest.raises(ValueError, match="RGB images use the preprocess function of zoo.load") as err:
        adapt.gray_preprocess(np.zeros((1, 8, 8, 3)))
    assert "channel axis" not in str(err.value)
    with pytest.raises(ValueError, match=r"Add the channel axis with x\[\.\.\., None\]"):
        adapt.gray_preprocess(np.zeros((5, 28, 28)))
    with pytest.raises(ValueError, match="0..255"):
        adapt.gray_preprocess(np.full((1, 8, 8, 1), -0.5))
    with pytest.warns(zoo.PixelRangeWarning, match="scaled to \\[0, 1\\]"):
        adapt.gray_preprocess(np.full((1, 8, 8, 1), 0.5))


def test_input_pipeline_resizes_copies_and_scales():
    images = grey((3, 28, 28, 1))
    rgb = adapt.input_pipeline(zoo.preprocess_for("MobileNetV2"), 64)(images)
    assert rgb.shape == (3, 64, 64, 3) and rgb.min() >= -1 and rgb.max() <= 1
    assert np.array_equal(rgb[..., 0], rgb[..., 2])
    one = adapt.input_pipeline(adapt.gray_preprocess, 64, channels=1)(images)
    np.testing.assert_allclose(one[..., 0], rgb[..., 0])
    with pytest.raises(ValueError, match="channels must be 1"):
        adapt.input_pipeline(adapt.gray_preprocess, 64, channels=2)


# -- the one-channel base ------------------------------------------------------------------------------


def test_grayscale_kernel_sums_over_the_colour_axis():
    k = np.arange(2 * 2 * 3 * 4, dtype=np.float32).reshape(2, 2, 3, 4)
    g = adapt.grayscale_kernel(k)
    assert g.shape == (2, 2, 1, 4)
    assert g[0, 0, 0, 0] == k[0, 0, 0, 0] + k[0, 0, 1, 0] + k[0, 0, 2, 0]
    with pytest.raises(ValueError, match="input channels are axis 2"):
        adapt.grayscale_kernel(np.zeros((3, 3, 32, 3)))


@pytest.mark.parametrize("name", ["MobileNetV2", "EfficientNetLite0"])
def test_grayscale_base_equals_the_rgb_model_on_grey_input(name):
    gray, gray_pre = adapt.grayscale_base(name, (32, 40), pooling="avg")
    rgb, rgb_pre = zoo.load(name, include_top=False, input_shape=(32, 40, 3), pooling="avg")
    assert gray.input_shape == (None, 32, 40, 1)
    images = grey((3, 32, 40, 1), seed=1).astype(np.float32)
    ours = gray.predict_on_batch(gray_pre(images))
    theirs = rgb.predict_on_batch(rgb_pre(adapt.to_rgb(images)))
    assert np.abs(theirs).max() > 0.1  # a real, non-trivial output
    np.testing.assert_allclose(ours, theirs, atol=1e-4, rtol=1e-4)
    conv = adapt.first_conv(gray)
    rgb_kernel = adapt.first_conv(rgb).get_weights()[0]
    np.testing.assert_allclose(conv.get_weights()[0], rgb_kernel.sum(axis=2, keepdims=True), rtol=1e-6)


def test_grayscale_base_first_layer_is_exact_to_float_rounding_borders_included():
    """Lesson 05 §4: for MobileNetV2 (every colour scaled by x / 127.5 - 1) the summed kernel is exact at every
    output position, the zero-padded border included: padding a grey 0 is padding three identical 0s."""
    import keras

    gray, gray_pre = adapt.grayscale_base("MobileNetV2", (33, 32))
    rgb, rgb_pre = zoo.load("MobileNetV2", include_top=False, input_shape=(33, 32, 3))
    images = grey((2, 33, 32, 1), seed=3).astype(np.float32)
    first = [keras.Model(m.inputs, m.get_layer("Conv1").output) for m in (gray, rgb)]
    ours = first[0].predict_on_batch(gray_pre(images))
    theirs = first[1].predict_on_batch(rgb_pre(adapt.to_rgb(images)))
    assert np.abs(theirs).max() > 1.0
    np.testing.assert_allclose(ours, theirs, atol=1e-5, rtol=0)  # float32 rounding only, everywhere


IMAGENET_MEAN, IMAGENET_STD = (123.675, 116.28, 103.53), (58.395, 57.12, 57.375)  # torchvision's, in 0..255


def _conv(x, kernel, padding):
    import keras

    return keras.ops.convert_to_numpy(keras.ops.conv(x.astype(np.float32), kernel.astype(np.float32), padding=padding))


@pytest.mark.parametrize("kernel_size", [3, 5])
def test_fold_normalization_is_exact_inside_and_differs_only_at_the_padded_border(kernel_size):
    """Lesson 05 §4: per-colour mean/std folded into a one-channel layer gives the original output wherever the
    kernel lies inside the image; only the zero-padded border differs (with 'valid' padding nothing does)."""
    rng = np.random.default_rng(4)
    kernel = rng.normal(size=(kernel_size, kernel_size, 3, 8))
    g = grey((2, 20, 20, 1), seed=4).astype(np.float64)
    normalised = (adapt.to_rgb(g) - np.array(IMAGENET_MEAN)) / np.array(IMAGENET_STD)  # what such a model sees
    grey_kernel, bias = adapt.fold_normalization(kernel, IMAGENET_MEAN, IMAGENET_STD)
    assert grey_kernel.shape == (kernel_size, kernel_size, 1, 8) and bias.shape == (8,)
    for padding in ("same", "valid"):
        original, folded = _conv(normalised, kernel, padding), _conv(g, grey_kernel, padding) + bias
        gap = np.abs(original - folded)
        if padding == "valid":
            assert gap.max() < 1e-3 * np.abs(original).max(), gap.max()
            continue
        r = kernel_size // 2  # the ring of output positions whose kernel hangs over the edge
        assert gap[:, r:-r, r:-r].max() < 1e-3 * np.abs(original).max(), "inside: must be exact"
        ring = np.ones(gap.shape[1:3], bool)
        ring[r:-r, r:-r] = False
        assert gap[:, ring].mean() > 1.0, "the border differs (the original padded with the mean, we with 0)"


def test_fold_normalization_with_one_mean_and_std_is_the_scaled_sum():
    kernel = np.random.default_rng(5).normal(size=(3, 3, 3, 4))
    grey_kernel, bias = adapt.fold_normalization(kernel, (127.5,) * 3, (127.5,) * 3)
    np.testing.assert_allclose(grey_kernel, adapt.grayscale_kernel(kernel) / 127.5, rtol=1e-6)
    np.testing.assert_allclose(bias, -kernel.sum(axis=(0, 1, 2)), rtol=1e-5)
    with pytest.raises(ValueError, match="input channels are axis 2"):
        adapt.fold_normalization(np.zeros((3, 3, 32, 3)), (0, 0, 0), (1, 1, 1))
    with pytest.raises(ValueError, match=r"3 numbers each \(R, G, B\), std > 0"):
        adapt.fold_normalization(kernel, (0, 0), (1, 1, 1))
    with pytest.raises(ValueError, match="std > 0"):
        adapt.fold_normalization(kernel, (0, 0, 0), (1, 0, 1))


def test_grayscale_base_keeps_every_other_pretrained_weight():
    gray, _ = adapt.grayscale_base("MobileNetV2", (32, 32, 1))
    weights = convert.load_weights(convert.converted_path("MobileNetV2"))
    for layer in ("bn_Conv1", "block_16_project", "Conv_1"):
        for mine, stored in zip(gray.get_layer(layer).get_weights(), weights[layer]):
            np.testing.assert_array_equal(mine, stored)


def test_grayscale_base_with_top_classifies_a_grey_cat(photos):
    model, preprocess = adapt.grayscale_base("MobileNetV2", (224, 224, 1), include_top=True)
    cat = adapt.resize_batch(photos["chelsea"].mean(axis=-1, keepdims=True), 224)
    index, name, _ = zoo.decode(model.predict_on_batch(preprocess(cat[None])), top=1)[0][0]
    assert 281 <= index <= 285 or index in (287, 292), name  # a cat (or lynx/tiger: grey hides the colour)


@pytest.mark.parametrize("kwargs,match", [
    ({"input_shape": (64, 64, 3)}, r"1-channel input.*\(height, width, 1\).*For RGB input use zoo.load"),
    ({"input_shape": (28, 28, 1)}, r"at least 32x32.*Resize the images up"),  # zoo's own check
    ({"name": "ResNet50"}, r"embedded weights.*summing the first kernel is exact.*ResNet50 is not one.*to_rgb"
                            r".*fold_normalization: exact except at the padded border"),
    ({"input_shape": (96, 96, 1), "include_top": True}, r"include_top=True needs input_shape=\(224, 224, 1\)"),
])
def test_grayscale_base_errors_name_the_fix(kwargs, match):
    with pytest.raises(ValueError, match=match):
        adapt.grayscale_base(**{"name": "MobileNetV2", "input_shape": (64, 64, 1), **kwargs})


def test_zoo_build_takes_a_channel_count():
    model = zoo.build("EfficientNetLite0", include_top=False, input_shape=(32, 32, 1), channels=1)
    assert adapt.first_conv(model).kernel.shape == (3, 3, 1, 32)
    with pytest.raises(ValueError, match=r"1-channel input needs input_shape=\(height, width, 1\)"):
        zoo.build("MobileNetV2", include_top=False, input_shape=(32, 32, 3), channels=1)
    with pytest.raises(ValueError, match="3-channel.*grayscale_base"):  # load still refuses grey input
        zoo.load("MobileNetV2", include_top=False, input_shape=(32, 32, 1))


# -- resizing inside the model -------------------------------------------------------------------------


def test_resizing_model_matches_the_data_side_pipeline():
    base, preprocess = zoo.load("MobileNetV2", include_top=False, input_shape=(48, 48, 3), pooling="avg")
    wrapped = adapt.resizing_model(base, (28, 28, 1))
    assert wrapped.input_shape == (None, 28, 28, 1) and wrapped.output_shape == (None, 1280)
    images = grey((4, 28, 28, 1), seed=2)
    inside = wrapped.predict_on_batch(images.astype(np.float32))
    outside = base.predict_on_batch(adapt.input_pipeline(preprocess, 48)(images))
    np.testing.assert_allclose(inside, outside, atol=1e-4)
    with pytest.raises(ValueError, match="takes 3 channel.*give 1 or 3"):
        adapt.resizing_model(base, (28, 28, 2))


# -- counting work ---------------------------------------------------------------------------------------


def test_multiply_adds_by_hand():
    import keras

    inputs = keras.Input((8, 8, 3))
    x = keras.layers.Conv2D(4, 3, strides=2, padding="same", name="conv")(inputs)  # 4x4 out
    x = keras.layers.DepthwiseConv2D(3, padding="same", name="dw")(x)
    x = keras.layers.Conv2D(6, 1, groups=2, name="grouped")(x)
    x = keras.layers.GlobalAveragePooling2D()(x)
    x = keras.layers.Dense(10, name="dense")(x)
    counts = adapt.multiply_adds(keras.Model(inputs, x))
    assert counts == {"conv": 4 * 4 * 3 * 3 * 3 * 4, "dw": 4 * 4 * 3 * 3 * 4, "grouped": 4 * 4 * 2 * 6, "dense": 60}


def test_multiply_adds_of_mobilenet_v2_match_the_paper():
    """Sandler et al. (2018), Table 3: MobileNetV2 1.0 at 224x224 needs 300M multiply-adds."""
    counts = adapt.multiply_adds(zoo.build("MobileNetV2"))
    assert 290e6 <= sum(counts.values()) <= 310e6
    assert counts["Conv1"] == 112 * 112 * 3 * 3 * 3 * 32
    gray = zoo.build("MobileNetV2", include_top=False, input_shape=(224, 224, 1), channels=1)
    assert adapt.multiply_adds(gray)["Conv1"] * 3 == counts["Conv1"]
