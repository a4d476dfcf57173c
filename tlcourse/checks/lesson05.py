"""Checks of lesson 05, input adaptation."""
from __future__ import annotations

import numpy as np

from .core import (
    Feedback,
    _number,
    _number_hint,
    correct,
    is_unanswered,
    unanswered,
    wrong,
)


def _same(a, b, tol: float = 1e-5) -> bool:
    return a.shape == b.shape and bool(np.allclose(a, b, rtol=tol, atol=tol))


def check_gray_kernel(answer, rgb_kernel) -> Feedback:
    """Exercise: turn the RGB first-layer kernel (h, w, 3, filters) into a one-channel one."""
    if is_unanswered(answer):
        return unanswered()
    try:
        answer = np.asarray(answer, np.float64)
    except (TypeError, ValueError):
        return wrong("the answer should be a NumPy array: the new kernel, e.g. rgb_kernel.<something>(...)")
    k = np.asarray(rgb_kernel, np.float64)
    h, w, _, f = k.shape
    summed = k.sum(axis=2, keepdims=True)
    if answer.shape == (h, w, f):
        what = "right numbers, but the" if _same(answer, summed[:, :, 0]) else "the"
        return wrong(f"{what} input-channel axis is gone: shape {answer.shape}. Keras kernels are (h, w, in, out); "
                     "keep the axis with keepdims=True.")
    if answer.shape == (h, w, 3, 1):
        return wrong("that sums over the filters (axis 3), mixing 32 different detectors into one. The colour "
                     "channels are axis 2 in Keras's (h, w, in, out) layout.")
    if answer.shape in ((1, w, 3, f), (h, 1, 3, f)):
        return wrong("that sums over the kernel's height or width (axis 0 or 1), blurring its pattern. The colour "
                     "channels are axis 2 in Keras's (h, w, in, out) layout.")
    if answer.shape == k.shape:
        if _same(answer, k):
            return wrong("that is the RGB kernel unchanged: it still expects three input channels. Combine the "
                         "three colours' weights into one channel (section 4).")
        if np.allclose(answer, answer[:, :, :1], atol=1e-5):
            return wrong("three identical channels still make a layer for three inputs: keep one channel, shape "
                         f"{(h, w, 1, f)}.")
    if answer.shape != (h, w, 1, f):
        return wrong(f"expected shape {(h, w, 1, f)} (one input channel, {f} filters), got {answer.shape}")
    if _same(answer, summed):
        return correct("a grey plane copied three times meets R + G + B weights: their sum does the same in one pass.")
    if _same(answer, summed / 3):
        return wrong("that is the mean: every response would come out a third as strong as on (g, g, g), and the "
                     "batch norm after it expects the full strength. Sum instead.")
    if any(_same(answer, k[:, :, c : c + 1]) for c in range(3)):
        return wrong("that keeps one colour's weights and drops the other two. Each copy of the grey plane "
                     "meets its own colour's weights, so all three count: add them up.")
    luminance = np.einsum("hwcf,c->hwf", k, [0.299, 0.587, 0.114])[:, :, None]
    if _same(answer, luminance) or _same(answer, 3 * luminance):
        return wrong("a luminance-weighted sum turns colour into grey, but here the input already is grey and "
                     "reaches R, G and B with equal weight. Use a plain sum over axis 2.")
    return wrong("right shape, but the values differ from the sum over the colour axis (axis 2); section 4 "
                 "writes it out: W_R * g + W_G * g + W_B * g.")


def _as_model(answer):
    import keras

    if isinstance(answer, tuple) and answer and isinstance(answer[0], keras.Model):
        return answer[0]  # the (model, preprocess) pair
    return answer if isinstance(answer, keras.Model) else None


def check_grayscale_base(answer, side: int = 64) -> Feedback:
    """Exercise: a pretrained MobileNetV2 base that takes 1-channel ``side`` x ``side`` input."""
    if is_unanswered(answer):
        return unanswered()
    model = _as_model(answer)
    if model is None:
        return wrong(f"the answer should be a Keras model (got {type(answer).__name__}); "
                     "adapt.grayscale_base returns (model, preprocess): give the model.")
    from ..adapt import first_conv, grayscale_kernel
    from ..zoo import convert

    shape = tuple(model.input_shape[1:])
    if shape == (side, side, 3):
        return wrong("that base takes three channels (zoo.load always does). Build it for one channel: "
                     f"adapt.grayscale_base('MobileNetV2', ({side}, {side}, 1), ...).")
    if len(shape) != 3 or shape[-1] != 1:
        return wrong(f"the base's input is {shape}; the exercise asks for ({side}, {side}, 1).")
    if shape[:2] != (side, side):
        return wrong(f"one channel, good, but {shape[0]}x{shape[1]} pixels: the exercise asks for {side}x{side}.")
    conv = first_conv(model)
    if conv.name != "Conv1" or "Conv_1" not in [layer.name for layer in model.layers]:
        return wrong("that is not a MobileNetV2 base (its first convolution is not 'Conv1'); the exercise asks for "
                     "MobileNetV2.")
    stored = convert.load_weights(convert.converted_path("MobileNetV2"))
    rgb = stored["Conv1"][0]
    kernel = conv.get_weights()[0]
    if _same(kernel, grayscale_kernel(rgb), 1e-5):
        if not _same(model.get_layer("Conv_1").get_weights()[0], stored["Conv_1"][0]):
            return wrong("the first kernel is right, but the last convolution does not hold the ImageNet weights: "
                         "load them for every layer (adapt.grayscale_base does).")
        return correct(f"input {model.input_shape}, first kernel {kernel.shape} = the RGB kernel summed over axis 2, "
                       "every other layer pretrained.")
    if _same(kernel, grayscale_kernel(rgb) / 3, 1e-5):
        return wrong("the first kernel is the mean of the RGB weights: a third too weak. Sum them.")
    if any(_same(kernel, rgb[:, :, c : c + 1], 1e-5) for c in range(3)):
        return wrong("the first kernel is one colour's slice of the RGB kernel; sum all three.")
    return wrong("right shape, but its first kernel is not the pretrained one summed over colours: random weights "
                 "(zoo.build, weights=None)? adapt.grayscale_base loads the ImageNet weights (section 4).")


def check_first_layer_work(answer, side: int = 64, channels: int = 1, filters: int = 32) -> Feedback:
    """Exercise: multiply-adds of MobileNetV2's first convolution (3x3, stride 2, 32 filters) on one image."""
    if is_unanswered(answer):
        return unanswered()
    value = _number(answer)
    if value is None:
        return wrong(_number_hint(answer, "one number (of multiply-adds)"))
    out = -(-side // 2)  # stride 2 with 'same' padding: ceil(side / 2)
    expected = out * out * 3 * 3 * channels * filters
    if value == expected:
        return correct(f"{out}x{out} positions x 3x3 kernel x {channels} channel x {filters} filters = {expected:,}.")
    if value == expected * 3 // channels:
        return wrong("that is the RGB layer's count: with one input channel, each position needs a third of it.")
    if value == side * side * 3 * 3 * channels * filters:
        return wrong(f"the first convolution has stride 2: it computes {out}x{out} output positions, not {side}x{side}.")
    if value == side * side * 3 * 3 * 3 * filters:
        return wrong(f"two slips: stride 2 gives {out}x{out} positions, and a grey base has one input channel, not 3.")
    if value == 3 * 3 * channels * filters:
        return wrong("that is the number of weights; each is used once per output position. How many positions "
                     f"does a stride-2 convolution produce on a {side}x{side} input?")
    valid = (side - 3) // 2 + 1
    if value == valid * valid * 3 * 3 * channels * filters:
        return wrong(f"{valid}x{valid} positions is 'valid' padding; with 'same' padding a stride-2 layer gives "
                     "ceil(side / 2) positions per side.")
    if value == 2 * expected:
        return wrong("that counts the multiplies and the additions separately (FLOPs); count one multiply-add per "
                     "weight and position.")
    if value == out * out * filters:
        return wrong("that is the number of output values; each of them needs kernel height x kernel width x input "
                     "channels multiply-adds.")
    return wrong("count output positions x kernel height x kernel width x input channels x filters; "
                 "adapt.multiply_adds(model)['Conv1'] lets you verify it (section 4).")


def check_prepared_batch(answer, images, size: int = 96) -> Feedback:
    """Exercise: turn a batch of 28x28x1 Fashion-MNIST pixels into a ``size`` RGB MobileNetV2 input."""
    if is_unanswered(answer):
        return unanswered()
    from ..adapt import input_pipeline
    from ..zoo import preprocess_for

    if callable(answer) and not hasattr(answer, "shape"):
        return wrong("that is a function; apply it to the images and give the resulting array")
    try:
        x = np.asarray(answer, np.float32)
    except (TypeError, ValueError):
        return wrong("the answer should be an array of shape (batch, height, width, 3)")
    n = len(images)
    if x.shape == (n, size, size):
        return wrong(f"no channel axis: shape {x.shape}. Copy the grey plane to three channels with adapt.to_rgb "
                     "(section 3).")
    if x.ndim != 4 or len(x) != n:
        return wrong(f"expected a batch of {n} images, shape ({n}, {size}, {size}, 3); got {x.shape}")
    if x.shape[1:3] == (3, size) or x.shape[1] == 3:
        return wrong(f"channels first: Keras wants them last, ({n}, {size}, {size}, 3)")
    if x.shape[1:3] != (size, size):
        return wrong(f"the images are {x.shape[1]}x{x.shape[2]}: resize them to {size}x{size} "
                     "(adapt.resize_batch, section 5).")
    if x.shape[-1] == 1:
        return wrong("still one channel: copy it to three with adapt.to_rgb (section 3).")
    if x.shape[-1] != 3:
        return wrong(f"expected 3 channels, got {x.shape[-1]}")
    low, high = float(x.min()), float(x.max())
    if high > 5:
        return wrong(f"values go up to {high:.0f}: still raw pixels. Apply MobileNetV2's preprocess last.")
    expected = input_pipeline(preprocess_for("MobileNetV2"), size)(images)
    if float(np.abs(x - expected).max()) <= 0.05:
        return correct(f"shape {x.shape}, three identical planes, values in [{low:.2f}, {high:.2f}].")
    method = _resize_filter(x, images, size)
    if method is not None:
        return correct(f"shape {x.shape}, three identical planes, values in [{low:.2f}, {high:.2f}]: the same images, "
                       f"resized with the {method} filter instead of adapt.resize_batch's bilinear one, so the "
                       "pixels differ a little"
                       + (" (and it overshoots [-1, 1] a little; adapt.resize_batch clips)" if low < -1 or high > 1 else "")
                       + ". Any filter is fine, as long as the images you train on and the "
                       "images you classify later go through the same one.")
    if low < -1.2 or high > 1.2:
        return wrong(f"values from {low:.2f} to {high:.2f}: not MobileNetV2's [-1, 1]. That looks like another "
                     "model's scaling (a mean and standard deviation per colour): use zoo.preprocess_for('MobileNetV2').")
    if not (np.array_equal(x[..., 0], x[..., 1]) and np.array_equal(x[..., 1], x[..., 2])):
        return wrong("the three channels differ: a grey image copied to RGB has three identical planes.")
    if low >= 0 and high <= 1:
        return wrong("values in [0, 1]: the course's MobileNetV2 takes [-1, 1] (x / 127.5 - 1); use its preprocess.")
    if high - low < 0.1:
        return wrong(f"all values lie between {low:.3f} and {high:.3f}: preprocessed twice? The second pass squeezes "
                     "[-1, 1] into a sliver just above -1. Apply the preprocess once, to the 0..255 pixels.")
    return wrong("right shape and range, but these pixels are not what resizing these images with any of "
                 "tf.image.resize's filters, copying to RGB and preprocessing gives: the same images, in the "
                 "same order, each resized to the full 96x96?")


_FILTERS = ("nearest", "bicubic", "area", "lanczos3", "lanczos5", "gaussian", "mitchellcubic")


def _resize_filter(x: np.ndarray, images, size: int) -> str | None:
    """The tf.image.resize filter (with or without antialias) that turns ``images`` into ``x``, if any."""
    import tensorflow as tf

    from ..adapt import to_rgb

    pixels = to_rgb(np.asarray(images, np.float32))
    for method in _FILTERS:
        for antialias in (False, True):
            resized = tf.image.resize(pixels, (size, size), method=method, antialias=antialias).numpy()
            for candidate in (resized, np.clip(resized, pixels.min(), pixels.max())):  # tf's, or adapt's clipped
                if float(np.abs(x - (candidate / 127.5 - 1)).max()) <= 0.05:
                    name = "nearest-neighbour" if method == "nearest" else f"'{method}'"
                    return name + (" (antialiased)" if antialias and method != "nearest" else "")
    return None
