"""Checks of lesson 01, pretrained models."""
from __future__ import annotations

import numpy as np

from .core import (
    Feedback,
    _as_int,
    _as_int_tuple,
    _number,
    _number_hint,
    _pair_hint,
    correct,
    is_unanswered,
    unanswered,
    wrong,
)


def first_layer_params(answer, model) -> Feedback:
    """Lesson 01: trainable and non-trainable parameters of MobileNetV2's ``Conv1`` + ``bn_Conv1``."""
    if is_unanswered(answer):
        return unanswered()
    from ..freeze import param_counts

    conv, bn = model.get_layer("Conv1"), model.get_layer("bn_Conv1")
    kernel = param_counts(conv).total
    channels = int(bn.gamma.shape[0])
    right = (kernel + 2 * channels, 2 * channels)
    if _as_int(answer) == sum(right):
        return wrong("that is the total of the two layers; the exercise asks how it splits: "
                     "answer = (trainable, non_trainable)")
    pair = _as_int_tuple(answer, 2)
    if pair is None:
        return wrong(_pair_hint(answer, "(trainable, non_trainable)"))
    if pair == right:
        return correct(f"{kernel} kernel weights + {channels} gammas + {channels} betas train; the "
                       f"{channels} moving means and {channels} moving variances do not.")
    if pair == right[::-1]:
        return wrong("you swapped the two numbers: trainable first, then non-trainable")
    if pair == (2 * channels, 2 * channels):
        return wrong("that is bn_Conv1 alone: Conv1's kernel weights are trainable parameters too")
    if sum(pair) != sum(right):
        if pair[1] == right[1] and pair[0] == right[0] + channels:
            return wrong("Conv1 has no bias (use_bias=False): right after it, BatchNorm's beta does that job")
        if pair[0] == kernel:
            return wrong("the kernel is right, but BatchNorm's gamma (scale) and beta (shift) are learned too: "
                         "count them as trainable")
        if pair[0] == kernel // 3 + 2 * channels:
            return wrong("each filter spans all 3 colour channels: its kernel is 3 x 3 x 3 weights, not 3 x 3 "
                         "(section 3)")
        return wrong(f"the two layers hold {sum(right)} parameters in all: a 3x3 kernel over 3 input channels for "
                     f"each of {channels} filters, plus 4 numbers per channel in BatchNorm. Recount with "
                     "model.get_layer('Conv1').weights and model.get_layer('bn_Conv1').weights")
    if pair[1] == 0:
        return wrong("the moving mean and variance are not learned by gradient descent: they are running averages "
                     "updated during training, so Keras counts them as non-trainable")
    if pair[1] == 4 * channels:
        return wrong("gamma and beta are learned by backpropagation like any weight: only the moving mean and "
                     "moving variance are non-trainable")
    return wrong("the total is right but not the split: which of BatchNorm's four numbers per channel does "
                 "backpropagation change? (section 3, 'Why would a parameter be non-trainable?')")


def bn_channels(answer, model) -> Feedback:
    """Lesson 01: how many BatchNormalization channels (all layers together) ``model`` has."""
    if is_unanswered(answer):
        return unanswered()
    import keras

    from ..freeze import layers_of, param_counts

    bn_layers = [layer for layer in layers_of(model) if isinstance(layer, keras.layers.BatchNormalization)]
    right = sum(int(layer.gamma.shape[0]) for layer in bn_layers)
    non_trainable = param_counts(model).non_trainable
    value = _number(answer)
    if value is None:
        return wrong(_number_hint(answer, "one whole number"))
    if value == right:
        return correct(f"{non_trainable:,} non-trainable parameters / 2 statistics per channel = {right:,} channels.")
    if value == non_trainable:
        return wrong("that is the number of non-trainable parameters; each BatchNorm channel holds two of them "
                     "(moving mean and moving variance)")
    if value * 4 == non_trainable:
        return wrong("you divided by 4, as if all four BatchNorm numbers per channel were non-trainable; "
                     "gamma and beta are trainable, so only 2 per channel count here")
    if value == 2 * non_trainable:
        return wrong("multiply or divide? Each channel contributes 2 non-trainable parameters")
    if value == len(bn_layers):
        return wrong("that counts BatchNorm layers; the question asks for their channels, all layers added up")
    return wrong("start from the non-trainable count that param_counts prints: every one of them is a moving "
                 "mean or a moving variance, one of each per channel (section 3)")


def scale_function(answer) -> Feedback:
    """Lesson 01: a function mapping 0..255 pixels to [-1, 1], like MobileNetV2's preprocess."""
    if is_unanswered(answer):
        return unanswered()
    if not callable(answer):
        return wrong("answer with a function, e.g. def to_model_range(pixels): return ...")
    pixels = [0.0, 63.75, 127.5, 191.25, 255.0]
    probe = np.repeat(np.array(pixels, np.float32)[None, :, None], 3, axis=-1)  # five grey RGB pixels, (1, 5, 3)
    try:
        result = answer(probe.copy())
        if result is Ellipsis:
            return unanswered("replace the ... after return with your formula and run the cell again")
        if result is None:
            return wrong("your function returns None: did you forget the `return` in front of the formula?")
        out = np.asarray(result, np.float64)
    except Exception as err:  # show the student's own error
        return wrong(f"calling your function on an array raised {type(err).__name__}: {err}")
    if out.shape != probe.shape:
        return wrong(f"the function must keep the shape of its input; it turned {probe.shape} into {out.shape}")
    if not np.allclose(out, out[..., :1], atol=1e-4):
        if out.min() < -1.5 and out.max() > 1.5:
            return wrong("this looks like the ImageNet mean/std normalisation (PyTorch, DenseNet): MobileNetV2 here "
                         "wants plain [-1, 1]")
        return wrong("the three colour channels came out different: MobileNetV2 scales every channel the same way")
    out = out[0, :, 0]

    def gives(*values, atol=1e-4):
        return np.allclose(out, values, atol=atol)

    if gives(-1, -0.5, 0, 0.5, 1):
        return correct("0 -> -1, 127.5 -> 0, 255 -> 1: exactly what zoo.preprocess_for('MobileNetV2') does.")
    if gives(0, 0.25, 0.5, 0.75, 1):
        return wrong("that gives [0, 1]. MobileNetV2 was trained on [-1, 1]: stretch to twice the range, then "
                     "shift down by 1")
    if gives(0, 0.5, 1, 1.5, 2):
        return wrong("the range is [0, 2]: subtract 1 after dividing by 127.5")
    if gives(-127.5, -63.75, 0, 63.75, 127.5, atol=1e-3):
        return wrong("centred, but still 255 wide: divide by 127.5 as well")
    if gives(-0.5, -0.25, 0, 0.25, 0.5):
        return wrong("the range is [-0.5, 0.5]: multiply by 2")
    if gives(*pixels, atol=0.05):
        return wrong("the pixels come out (almost) unchanged. If you wrote x - 1 / 127.5: Python divides before it "
                     "subtracts, so only the 1 was divided; the brackets (or the order) must say what you mean")
    if gives(1, 0.5, 0, -0.5, -1):
        return wrong("upside down: 0 comes out as 1 and 255 as -1. Dark pixels must map to -1")
    if np.allclose(out, np.round(out)) and out.min() >= -1 and out.max() <= 1:
        return wrong(f"{pixels} became {np.round(out, 3).tolist()}: only whole numbers. Floor division (//) or "
                     "int() throws the fractions away; use / and keep floats")
    if gives(-1, -0.5, 0, 0.5, 1, atol=0.02):
        return wrong(f"nearly: {pixels} became {np.round(out, 4).tolist()}. 255 must come out as exactly 1, "
                     "and 255 / 2 = 127.5")
    return wrong(f"{pixels} became {np.round(out, 3).tolist()}; they should run evenly from -1 to 1 "
                 "(section 7, 'When the preprocessing is wrong')")


def base_output_shape(answer, model) -> Feedback:
    """Lesson 01: the output shape of a convolutional base built with include_top=False and no pooling."""
    if is_unanswered(answer):
        return unanswered()
    right = tuple(int(v) for v in model.output_shape[1:])
    side = int(model.input_shape[1])
    if isinstance(answer, (str, bytes)):
        return wrong(f"write the numbers themselves, not a string: a tuple like {tuple('?' for _ in right)}")
    try:
        values = tuple(_as_int(v) for v in answer if v is not None)  # None: the batch axis of output_shape
    except TypeError:
        return wrong(f"answer with a shape, a tuple like {tuple('?' for _ in right)}")
    if None in values:
        return wrong(f"a shape holds whole numbers only: a tuple like {tuple('?' for _ in right)}")
    if values == right:
        return correct(f"{side} / 32 = {right[0]}: five stride-2 stages shrink every side 32 times, and each of "
                       f"the {right[0]}x{right[1]} positions is described by {right[2]} features.")
    if values == (right[2],):
        return wrong("that is the shape with pooling='avg', which averages the grid away; without pooling the "
                     "spatial grid is still there")
    if values == (1000,):
        return wrong("include_top=False removes the 1000-class classifier: what is left ends with the last "
                     "convolution")
    if values == (1, *right):
        return wrong("the leading 1 is the batch axis; the exercise asks for the shape of one image's output, "
                     "(height, width, channels)")
    if values == (right[2], *right[:2]):
        return wrong("channels first: Keras puts the channels last, (height, width, channels)")
    if len(values) == 3 and values[2] == right[2] and values[0] == values[1] and values[0] != right[0]:
        if values[0] == 7:
            return wrong(f"7x7 is for 224-pixel inputs; this base takes {side} pixels")
        return wrong(f"the network shrinks each side by 32 in total (five stride-2 stages): {side} / 32 = ?")
    if len(values) == 3 and values[:2] == right[:2]:
        return wrong("the grid is right; count the channels of the last layer (out_relu)")
    return wrong("print(base.output_shape) after building the base, or work it out: side / 32, then channels "
                 "(section 5)")
