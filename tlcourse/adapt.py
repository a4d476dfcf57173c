"""Make the data fit the pretrained model, or the model fit the data (lesson 05).

An ImageNet model expects RGB photos of one size; students' images are often grey, and
small or large. Each mismatch has a data-side and a model-side way out:

* **Channels.** Copy the grey plane three times (:func:`to_rgb`), or give the model a
  one-channel first convolution whose kernel is the RGB kernel summed over its colour axis
  (:func:`grayscale_base`). A convolution over three identical planes ``g`` is the convolution of
  ``g`` with the sum of the three kernels, so the two compute the same function whenever the
  three copies are still identical when they reach the first layer: when every colour is scaled
  the same way (``x / 127.5 - 1`` for MobileNetV2 and EfficientNet-Lite here). A model that
  normalises each colour with its own mean and standard deviation can be folded too
  (:func:`fold_normalization`): exactly wherever the kernel lies inside the image, but not at a
  zero-padded border, because the original pads *after* normalising (a padded pixel is the
  colour's mean there, 0 in the folded layer).
* **Size.** Resize the pixels (:func:`resize_batch`; :func:`resizing_model` does it inside the
  model), and build the headless base for the size you feed it
  (``zoo.load(name, include_top=False, input_shape=(h, w, 3))``), down to
  ``zoo.min_input_size(name)``.

:func:`multiply_adds` counts the work of each layer, so the saving of the one-channel
first layer is measured, not asserted.
"""
from __future__ import annotations

from collections.abc import Callable

import numpy as np

from . import zoo
from .zoo import convert
from .zoo.preprocess import PixelRangeWarning, check_pixel_range  # noqa: F401 (PixelRangeWarning: re-exported)

__all__ = [
    "to_rgb", "center_crop", "resize_batch", "input_pipeline", "gray_preprocess", "grayscale_kernel", "first_conv",
    "fold_normalization", "grayscale_base", "resizing_model", "multiply_adds",
]


def _channel_error(n: int, shape: tuple[int, ...]) -> ValueError:
    fix = {
        2: "Two channels are usually grey + alpha: keep the grey one with images[..., :1].",
        4: "Four channels are usually RGBA: drop the alpha channel with images[..., :3].",
    }.get(n, "Are the channels first? Move them last with np.moveaxis(images, 1, -1).")
    return ValueError(f"to_rgb expects 1 (grey) or 3 (RGB) channels, last; got {n} in shape {shape}. {fix}")


def to_rgb(images) -> np.ndarray:
    """Copy a grey channel three times so an RGB model can take it; the data-side way to grey input.

    Accepts one image (H x W or H x W x 1), or a batch (N x H x W x 1). A 3-D array whose last
    axis is longer than 4 is read as a batch of H x W images (N x H x W). RGB input (3 channels)
    comes back unchanged; 2 or 4 channels (grey + alpha, RGBA) raise an error that says what to do.
    The dtype is kept.
    """
    x = np.asarray(images)
    if x.ndim == 2:
        x = x[..., None]
    elif x.ndim == 3 and x.shape[-1] > 4:
        x = x[..., None]  # N x H x W: a batch of grey images without a channel axis
    if x.ndim not in (3, 4):
        raise ValueError(
            f"to_rgb expects an image (H x W [x 1]) or a batch (N x H x W [x 1]); got shape {x.shape}"
        )
    channels = x.shape[-1]
    if channels == 3:
        return x
    if channels != 1:
        raise _channel_error(channels, tuple(np.shape(images)))
    return np.repeat(x, 3, axis=-1)


def _as_size(size) -> tuple[int, int]:
    height, width = (size, size) if np.ndim(size) == 0 else tuple(size)
    if int(height) != height or int(width) != width or height < 1 or width < 1:
        raise ValueError(f"size must be a positive int or (height, width), got {size!r}")
    return int(height), int(width)


def _spatial_axes(x: np.ndarray) -> tuple[int, int]:
    if x.ndim == 2 or (x.ndim == 3 and x.shape[-1] <= 4):
        return 0, 1  # one image: H x W or H x W x C
    if x.ndim in (3, 4):
        return 1, 2  # a batch: N x H x W or N x H x W x C
    raise ValueError(f"expected an image (H x W [x C]) or a batch (N x H x W [x C]); got shape {x.shape}")


def center_crop(images, aspect: float = 1.0) -> np.ndarray:
    """The largest centred region whose width / height is ``aspect`` (1.0: a square), as a view.

    Resizing a 4:3 photo straight to a square squashes what it shows; cropping first keeps shapes.
    Accepts one image (H x W [x C]) or a batch (N x H x W x C).
    """
    if not aspect > 0:
        raise ValueError(f"aspect must be a positive width / height ratio, got {aspect!r}")
    x = np.asarray(images)
    ax_h, ax_w = _spatial_axes(x)
    height, width = x.shape[ax_h], x.shape[ax_w]
    new_h, new_w = min(height, round(width / aspect)), min(width, round(height * aspect))
    top, left = (height - new_h) // 2, (width - new_w) // 2
    index = [slice(None)] * x.ndim
    index[ax_h], index[ax_w] = slice(top, top + new_h), slice(left, left + new_w)
    return x[tuple(index)]


def resize_batch(images, size, method: str = "bilinear", antialias: bool = True) -> np.ndarray:
    """Resize one image (H x W [x C]) or a batch (N x H x W x C) to ``size`` (int or (height, width)).

    uint8 pixels come back as uint8 (rounded); other dtypes as float32, clipped to the input's
    range so an interpolation's overshoot cannot push 0..255 pixels out of range. ``antialias``
    averages over the source pixels when shrinking (what a camera would record; without it each
    output pixel samples a few source pixels); upscaling gives the same pixels with or without it,
    to float rounding. (``tf.image.resize`` and ``keras.layers.Resizing`` default to ``antialias=False``.)
    """
    import tensorflow as tf

    height, width = _as_size(size)
    x = np.asarray(images)
    if x.ndim == 3 and x.shape[-1] > 4:
        raise ValueError(
            f"shape {x.shape} looks like a batch of grey images without a channel axis; "
            "add one with images[..., None]"
        )
    squeeze = {2: (0, 3), 3: (0,), 4: ()}.get(x.ndim)
    if squeeze is None:
        raise ValueError(f"resize_batch expects H x W, H x W x C or N x H x W x C; got shape {x.shape}")
    batch = np.expand_dims(x, squeeze) if squeeze else x
    out = tf.image.resize(batch.astype(np.float32), (height, width), method=method, antialias=antialias).numpy()
    if x.size:
        out = np.clip(out, float(x.min()), float(x.max()))
    out = np.squeeze(out, squeeze) if squeeze else out
    return np.round(out).astype(np.uint8) if x.dtype == np.uint8 else out.astype(np.float32)


def gray_preprocess(x) -> np.ndarray:
    """0..255 grey pixels (..., H, W, 1) -> [-1, 1], the input of a :func:`grayscale_base` model."""
    x = np.asarray(x, np.float32)
    if x.ndim not in (3, 4) or x.shape[-1] != 1:
        raise ValueError(
            f"a grayscale base takes grey pixels of shape (H, W, 1) or (N, H, W, 1); got {x.shape}. "
            + ("For RGB images use the preprocess function of zoo.load. " if x.shape[-1:] == (3,) else "")
            + ("Add the channel axis with x[..., None]. " if x.ndim in (2, 3) and x.shape[-1] not in (1, 3) else "")
        )
    check_pixel_range(x, what="grey pixels", stacklevel=4)
    return x / 127.5 - 1.0


def input_pipeline(
    preprocess: Callable[[np.ndarray], np.ndarray], size, channels: int = 3
) -> Callable[[np.ndarray], np.ndarray]:
    """A function that turns a batch of small grey 0..255 images into a base's input.

    It resizes to ``size``, copies the grey plane to ``channels`` = 3 (skip with ``channels=1``
    for a :func:`grayscale_base`), then applies ``preprocess``. Pass it as ``preprocess`` to
    ``train.extract_features`` so each batch is resized on the fly and the big copies never
    sit in memory all at once.
    """
    if channels not in (1, 3):
        raise ValueError(f"channels must be 1 (grayscale base) or 3 (RGB base), got {channels}")
    size = _as_size(size)

    def prepare(batch: np.ndarray) -> np.ndarray:
        resized = resize_batch(np.asarray(batch, np.float32), size)
        return preprocess(to_rgb(resized) if channels == 3 else resized)

    return prepare


def grayscale_kernel(kernel: np.ndarray) -> np.ndarray:
    """Sum an RGB first-layer kernel (h, w, 3, out) over its colour axis: (h, w, 1, out).

    For a grey image ``g`` fed as (g, g, g), ``conv(g, K_r) + conv(g, K_g) + conv(g, K_b)``
    equals ``conv(g, K_r + K_g + K_b)``: summing (not averaging) keeps the output unchanged.
    """
    kernel = np.asarray(kernel)
    if kernel.ndim != 4 or kernel.shape[2] != 3:
        raise ValueError(
            f"expected a Keras conv kernel of shape (height, width, 3, filters), got {kernel.shape}; "
            "the input channels are axis 2"
        )
    return kernel.sum(axis=2, keepdims=True)


def first_conv(model):
    """The first (non-depthwise) Conv2D layer of ``model``: the one that sees the input channels."""
    import keras

    for layer in model.layers:
        if isinstance(layer, keras.layers.Conv2D):
            return layer
    raise ValueError(f"{model.name} has no Conv2D layer")


def fold_normalization(kernel: np.ndarray, mean, std) -> tuple[np.ndarray, np.ndarray]:
    """Fold a per-colour normalisation into a one-channel first layer: ``(grey_kernel, bias)``.

    For a model trained on ``(pixel - mean[c]) / std[c]`` per colour ``c`` (ResNet- or DenseNet-style
    preprocessing; ``mean`` and ``std`` in the pixels' units and in the order of the kernel's input
    channels, BGR for Caffe-style models), a grey image ``g`` copied to three
    channels gives ``sum_c conv(g, K_c) / std[c] - sum_c conv(1, K_c) * mean[c] / std[c]``. So
    ``conv(g, grey_kernel) + bias`` on the raw grey pixels, with ``grey_kernel = sum_c K_c / std[c]``
    (shape (h, w, 1, filters)) and ``bias = -sum_c mean[c] / std[c] * sum(K_c)`` (one per filter),
    is the same output wherever the kernel lies inside the image. Not at a zero-padded border:
    there the original model saw zeros *after* normalising (pixels equal to the mean), the
    folded layer sees pixels equal to 0. With ``padding="valid"`` it is exact everywhere.
    With the same mean and std for every colour it is :func:`grayscale_kernel` scaled by 1 / std.
    """
    kernel = np.asarray(kernel, np.float64)
    if kernel.ndim != 4 or kernel.shape[2] != 3:
        raise ValueError(
            f"expected a Keras conv kernel of shape (height, width, 3, filters), got {kernel.shape}; "
            "the input channels are axis 2"
        )
    mean, std = np.asarray(mean, np.float64).reshape(-1), np.asarray(std, np.float64).reshape(-1)
    if mean.shape != (3,) or std.shape != (3,) or not np.all(std > 0):
        raise ValueError(f"mean and std must give 3 numbers each (R, G, B), std > 0; got {mean} and {std}")
    grey_kernel = (kernel / std[None, None, :, None]).sum(axis=2, keepdims=True)
    bias = -np.einsum("hwco,c->o", kernel, mean / std)
    return grey_kernel.astype(np.float32), bias.astype(np.float32)


def grayscale_base(
    name: str = "MobileNetV2",
    input_shape: tuple[int, ...] = (224, 224, 1),
    include_top: bool = False,
    pooling: str | None = None,
) -> zoo.Loaded:
    """``(model, preprocess)`` for a pretrained model that takes one grey channel: the model-side way.

    The architecture is built with a one-channel input and gets the course's embedded ImageNet
    weights, except that the first convolution's kernel is summed over its RGB axis
    (:func:`grayscale_kernel`). On grey pixels it computes what the RGB model computes on the
    same pixels copied to three channels (to float rounding, borders included), with a third of
    the first layer's multiply-adds. ``preprocess`` is :func:`gray_preprocess`.

    Only the embedded models (MobileNetV2, EfficientNet-Lite0/1/2) are supported: their weights
    are read from the course's converted files, and they scale all three colours the same way
    (``x / 127.5 - 1``), so the plain sum is exact. For a model that normalises each colour
    differently, :func:`fold_normalization` folds mean and std in, exactly except at padded borders.
    """
    m = zoo.info(name)
    if not m.embedded:
        raise ValueError(
            f"grayscale_base builds on the course's embedded weights ({', '.join(zoo.names(embedded=True))}), "
            f"which scale all three colours the same way, so summing the first kernel is exact; {m.name} is not "
            "one. For it, copy the grey channel to three with tlcourse.adapt.to_rgb and use zoo.load (or fold its "
            "per-colour mean and std into a one-channel first layer with tlcourse.adapt.fold_normalization: "
            "exact except at the padded border)."
        )
    shape = tuple(int(v) for v in input_shape)
    shape = shape + (1,) if len(shape) == 2 else shape
    if len(shape) != 3 or shape[-1] != 1:
        raise ValueError(
            f"grayscale_base builds a model for 1-channel input, so input_shape must be (height, width) or "
            f"(height, width, 1); got {tuple(input_shape)}. For RGB input use zoo.load."
        )
    model = zoo.build(m.name, include_top, shape, pooling, channels=1)  # checks the minimum size too
    weights = convert.load_weights(convert.converted_path(m.name))
    conv = first_conv(model)
    rgb = weights[conv.name]
    weights[conv.name] = [grayscale_kernel(rgb[0])] + list(rgb[1:])
    convert.assign(model, weights, skip_missing=False)
    return zoo.Loaded(model, gray_preprocess)


def resizing_model(base, input_shape: tuple[int, int, int], antialias: bool = True):
    """Wrap a [-1, 1]-input ``base`` so it takes raw 0..255 pixels of ``input_shape`` (e.g. 28x28x1).

    Inside the model: ``keras.layers.Resizing`` to the base's input size, the grey plane
    copied to three channels when the base wants RGB, and ``Rescaling`` to [-1, 1]. The same
    computation as ``input_pipeline``, but it travels with the saved model. Only for bases whose
    preprocessing is ``x / 127.5 - 1`` (MobileNetV2, EfficientNet-Lite).
    """
    import keras

    height, width, wanted = base.input_shape[1:]
    if None in (height, width):
        raise ValueError(f"{base.name} has no fixed input size; build it with input_shape=(h, w, c) first")
    given = int(input_shape[-1])
    if given not in (1, wanted):
        raise ValueError(f"{base.name} takes {wanted} channel(s); input_shape has {given}: give 1 or {wanted}")
    inputs = keras.Input(tuple(input_shape), name="pixels")
    x = keras.layers.Resizing(height, width, interpolation="bilinear", antialias=antialias, name="resize")(inputs)
    if given != wanted:
        x = keras.layers.Concatenate(name="to_rgb")([x] * wanted)
    x = keras.layers.Rescaling(1 / 127.5, offset=-1.0, name="to_minus1_1")(x)
    return keras.Model(inputs, base(x), name=f"{base.name}_from_{'x'.join(map(str, input_shape))}")


def multiply_adds(model) -> dict[str, int]:
    """Multiply-adds per image of each convolution and dense layer of ``model``, by layer name.

    A Conv2D does out_h x out_w x k_h x k_w x in_channels x filters of them; a depthwise one
    out_h x out_w x k_h x k_w x channels x multiplier; a Dense in x units. The model must have a
    fixed input size. Biases, batch norms and activations are left out (they are cheap).
    """
    import keras

    counts: dict[str, int] = {}
    for layer in model.layers:
        if isinstance(layer, (keras.layers.Conv2D, keras.layers.DepthwiseConv2D)):
            _, out_h, out_w, out_c = layer.output.shape
            if out_h is None or out_w is None:
                raise ValueError(f"{model.name} has no fixed input size: build it with input_shape=(h, w, c)")
            k_h, k_w = layer.kernel_size
            if isinstance(layer, keras.layers.DepthwiseConv2D):
                per_position = k_h * k_w * out_c  # each output channel sees one input channel
            else:
                per_position = k_h * k_w * (layer.input.shape[-1] // layer.groups) * out_c
            counts[layer.name] = int(out_h * out_w * per_position)
        elif isinstance(layer, keras.layers.Dense):
            counts[layer.name] = int(layer.input.shape[-1] * layer.units)
    return counts
