"""Input preprocessing per model family, with checks that catch the usual mistakes.

Every pretrained model was trained on pixels scaled one particular way. Feeding it
another scale does not raise an error; it silently gives nonsense. These
functions take raw pixels (0-255, RGB, channels last) and check that is what
they got.
"""
from __future__ import annotations

import warnings
from collections.abc import Callable

import numpy as np

IMAGENET_MEAN = np.array([0.485, 0.456, 0.406], np.float32)
IMAGENET_STD = np.array([0.229, 0.224, 0.225], np.float32)
CAFFE_MEAN_BGR = np.array([103.939, 116.779, 123.68], np.float32)


class PixelRangeWarning(UserWarning):
    """Inputs look scaled differently from what the model expects."""


def check_pixels(x, *, what: str = "images") -> np.ndarray:
    """Return ``x`` as float32 after checking it looks like raw RGB pixels in 0-255, channels last."""
    x = np.asarray(x, dtype=np.float32)
    if x.ndim not in (3, 4):
        raise ValueError(
            f"{what} must have shape (height, width, 3) or (batch, height, width, 3); got {x.shape}. "
            "For a grayscale image use tlcourse.adapt.to_rgb first."
        )
    if x.shape[-1] != 3:
        raise ValueError(
            f"{what} must have 3 colour channels (RGB, channels last); got {x.shape[-1]} in shape {x.shape}. "
            + ("Convert grayscale with tlcourse.adapt.to_rgb. " if x.shape[-1] == 1 else "")
            + ("Drop the alpha channel with x[..., :3]. " if x.shape[-1] == 4 else "")
            + ("Channels first? Use np.moveaxis(x, -3, -1). " if x.shape[-3] == 3 else "")
        )
    check_pixel_range(x, what=what, stacklevel=4)
    return x


def check_pixel_range(x: np.ndarray, what: str = "images", stacklevel: int = 3) -> None:
    """Refuse values outside 0..255 and warn when everything is <= 1 (pixels already scaled to [0, 1])."""
    if x.size and (x.min() < 0 or x.max() > 255):
        raise ValueError(
            f"{what} must be raw pixels in 0..255; found values from {x.min():.3g} to {x.max():.3g}. "
            "Were they preprocessed already? Pass the original pixels."
        )
    if x.size and x.max() <= 1.0:
        warnings.warn(
            f"{what} are all <= 1.0: they look scaled to [0, 1] already, but this function expects 0..255 pixels. "
            "Multiply by 255 first, or the model sees an almost black image.",
            PixelRangeWarning,
            stacklevel=stacklevel,
        )


def preprocess_tf(x) -> np.ndarray:
    """0..255 -> [-1, 1] (MobileNet, MobileNetV2, EfficientNet-Lite, Inception, Xception, NASNet)."""
    return check_pixels(x) / 127.5 - 1.0


def preprocess_torch(x) -> np.ndarray:
    """0..255 -> ImageNet mean/std normalised (DenseNet)."""
    return (check_pixels(x) / 255.0 - IMAGENET_MEAN) / IMAGENET_STD


def preprocess_caffe(x) -> np.ndarray:
    """0..255 RGB -> BGR minus the ImageNet mean (ResNet50, VGG)."""
    return check_pixels(x)[..., ::-1] - CAFFE_MEAN_BGR


def preprocess_raw(x) -> np.ndarray:
    """0..255 kept as is (EfficientNetB0, MobileNetV3: the model rescales inside)."""
    return check_pixels(x)


PREPROCESSORS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "tf": preprocess_tf,
    "torch": preprocess_torch,
    "caffe": preprocess_caffe,
    "raw": preprocess_raw,
}


def warn_if_unscaled(x, expected: str = "tf") -> None:
    """Warn when a batch about to go into a model looks like raw 0..255 pixels but the model wants [-1, 1]."""
    x = np.asarray(x)
    if expected == "tf" and x.size and x.max() > 1.5:
        warnings.warn(
            f"the model expects inputs in [-1, 1] but these go up to {x.max():.0f}: they look like raw 0..255 "
            "pixels. Apply the model's preprocess function first (model, preprocess = tlcourse.zoo.load(...)).",
            PixelRangeWarning,
            stacklevel=3,
        )
