"""Measure models the way the "choosing a model" lesson needs: speed, size, memory, TFLite, a noise-aware choice.

Every latency here is the **median** of several timed runs after warm-up runs, never a
single run: the first calls of a model pay for tracing and memory allocation, and a
laptop's timings wobble with whatever else it does.
"""
from __future__ import annotations

import gc
import math
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .env import quiet_native_stderr

QUANTIZATIONS = (None, "dynamic", "int8")


@dataclass(frozen=True)
class Timing:
    """Median and spread of repeated timings, in milliseconds."""

    median_ms: float
    runs_ms: tuple[float, ...]

    @property
    def spread_ms(self) -> float:
        return max(self.runs_ms) - min(self.runs_ms)

    def __str__(self) -> str:
        return f"{self.median_ms:.1f} ms (median of {len(self.runs_ms)}, spread {self.spread_ms:.1f} ms)"


def time_call(fn: Callable[[], object], repeats: int = 10, warmup: int = 2) -> Timing:
    """Call ``fn`` ``warmup`` times untimed, then ``repeats`` times timed; report the median."""
    if repeats < 1:
        raise ValueError("repeats must be at least 1")
    for _ in range(warmup):
        fn()
    runs = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        runs.append((time.perf_counter() - start) * 1000)
    return Timing(statistics.median(runs), tuple(runs))


def latency(model, batch_size: int = 1, repeats: int = 10, warmup: int = 2, seed: int = 0) -> Timing:
    """Time one forward pass of ``model`` on a random batch, through a compiled graph (no Python overhead)."""
    import tensorflow as tf

    shape = (batch_size, *model.input_shape[1:])
    x = tf.constant(np.random.default_rng(seed).uniform(-1, 1, shape).astype(np.float32))
    forward = tf.function(lambda inputs: model(inputs, training=False))
    return time_call(lambda: forward(x).numpy(), repeats, warmup)


def size_on_disk(model) -> int:
    """Bytes of the model's weights saved as a Keras ``.weights.h5`` file (float32)."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "model.weights.h5"
        model.save_weights(path)
        return path.stat().st_size


def proc_status_mb(field: str, pid: int | str = "self") -> float | None:
    """A memory field of /proc/PID/status (``VmRSS``, ``VmHWM``: the peak) in MB; None off Linux."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def peak_memory_mb(fn: Callable[[], object]) -> tuple[object, float | None]:
    """Run ``fn``; return its result and how far the process's peak memory rose above where it started (MB).

    Linux only (it resets the kernel's high-water mark through /proc/self/clear_refs); None elsewhere.
    """
    gc.collect()
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
    except OSError:
        return fn(), None
    before = proc_status_mb("VmRSS")
    result = fn()
    peak = proc_status_mb("VmHWM")
    return result, (None if before is None or peak is None else max(peak - before, 0.0))


def profile(model: str | Callable[[], object], input_size: int = 160, weights: str | None = "imagenet",
            batch_sizes: tuple[int, ...] = (1, 32), repeats: int = 10, repeats_large: int = 2) -> dict:
    """Measure a model: parameters, size on disk, latency per batch size, peak memory while running.

    ``model`` is a catalog name (its convolutional base with average pooling is built at
    ``input_size``) or a function that builds a Keras model. Batches of more than 8 images use
    ``repeats_large`` timed runs (each takes seconds on a CPU). The model is deleted afterwards,
    so one process can profile many models in turn.
    """
    import keras

    from . import zoo
    from .freeze import param_counts

    model_name = zoo.info(model).name if isinstance(model, str) else None
    if model_name:

        def build():
            return zoo.load(model_name, include_top=False, input_shape=(input_size, input_size, 3), pooling="avg",
                            weights=weights).model
    else:
        build = model

    def work():
        model = build()
        timings = {b: latency(model, b, repeats if b <= 8 else repeats_large, warmup=1 if b > 8 else 2)
                   for b in batch_sizes}
        return model, timings

    (built, timings), peak = peak_memory_mb(work)
    row = {
        "model": model_name or built.name,
        "input": built.input_shape[1],
        "params": param_counts(built).total,
        "size (MB)": size_on_disk(built) / 1e6,
        **{f"latency b{b} (ms)": t.median_ms for b, t in timings.items()},
        "peak memory (MB)": peak,
    }
    del built
    keras.backend.clear_session()
    gc.collect()
    return row


# -- choosing with the noise in mind ----------------------------------------------------------------


def standard_error(accuracy: float, n: int) -> float:
    """Standard error of an accuracy measured on ``n`` photos: ``sqrt(p (1 - p) / n)``.

    Each photo is right or wrong, so the count of right answers is binomial: another sample of
    ``n`` photos would move the accuracy by about this much (one photo alone is worth ``1 / n``).
    """
    n = _photo_count(n)
    _check_fraction(accuracy)
    return math.sqrt(accuracy * (1 - accuracy) / n)


def noise_margin(best: float, n: int, z: float = 2.0) -> float:
    """How far below ``best`` an accuracy may be and still count as a tie: ``z`` standard errors,
    and never less than one photo (``1 / n``; the standard error is 0 at an accuracy of 1)."""
    if z < 0:
        raise ValueError(f"z counts standard errors and must be >= 0, not {z}")
    return max(z * standard_error(best, n), 1 / _photo_count(n))


def within_noise(rows: list[dict], n: int, z: float = 2.0, accuracy_key: str = "accuracy") -> list[dict]:
    """The rows whose accuracy is within :func:`noise_margin` of the best row's (the best included)."""
    if not rows:
        raise ValueError("rows is empty: pass one row per model, each with an accuracy")
    for row in rows:
        if accuracy_key not in row:
            raise ValueError(f"each row needs an {accuracy_key!r} entry; this one has {sorted(row)}")
        _check_fraction(row[accuracy_key])
    best = max(row[accuracy_key] for row in rows)
    margin = noise_margin(best, n, z)
    return [row for row in rows if row[accuracy_key] >= best - margin - 1e-12]


def choose_model(rows: list[dict], n: int, by: str = "params", z: float = 2.0, accuracy_key: str = "accuracy") -> dict:
    """Start small, noise-aware: among the models whose accuracy is within ``z`` standard errors of
    the best (:func:`within_noise`), the row with the smallest ``by`` (parameters by default, an exact
    count; a latency column also works).

    ``n`` is the number of validation photos the accuracies were measured on. A finer rule (e.g.
    "within half a point of the best" on 160 photos, less than one photo) follows the noise of
    which photos happened to be drawn, not the models.
    """
    kept = within_noise(rows, n, z, accuracy_key)
    missing = [row.get("model", row) for row in kept if by not in row]
    if missing:
        raise ValueError(f"by={by!r} is not a column of every row (missing for {missing}); "
                         f"use one of {sorted(set.intersection(*(set(r) for r in kept)))}")
    return min(kept, key=lambda row: row[by])


def _photo_count(n) -> int:
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"n is the number of validation photos, a positive integer (e.g. len(val_set)), not {n!r}")
    return int(n)


def _check_fraction(accuracy) -> None:
    if not 0 <= accuracy <= 1:
        hint = ": divide a percentage by 100" if 1 < accuracy <= 100 else ""
        raise ValueError(f"an accuracy is a fraction between 0 and 1, not {accuracy!r}{hint}")


# -- TFLite ---------------------------------------------------------------------------------------


def _interpreter_module():
    """LiteRT's interpreter module (the ai-edge-litert package) when installed, else TensorFlow's older one.

    LiteRT ("Lite Runtime") is the name Google gave TFLite in 2024; the file format is the same.
    """
    try:
        from ai_edge_litert import interpreter
    except ImportError:  # pragma: no cover - platforms without a LiteRT wheel
        import warnings

        import tensorflow as tf

        warnings.filterwarnings("ignore", message=".*tf.lite.Interpreter is deprecated.*")
        return tf.lite.experimental, tf.lite.Interpreter
    return interpreter, interpreter.Interpreter


def to_tflite(model, quantization: str | None = None, representative: np.ndarray | None = None) -> bytes:
    """Convert a Keras model to a TFLite flatbuffer.

    ``quantization``: None (float32); ``"dynamic"`` (dynamic range: weight tensors of 1,024 elements
    or more stored as int8; input and output stay float, and at run time the operations with a
    "hybrid" kernel quantize their float input on the fly, measuring its range at every call, so no
    calibration is needed); or ``"int8"`` (full integer: weights and activations int8, int8 input
    and output; needs ``representative``, a few hundred typical *preprocessed* inputs, to calibrate
    the range of every activation once, at conversion).
    ``model`` is a Keras model, its :func:`inference_function`, or the folder of an exported SavedModel.
    A Keras model is converted from its traced inference function, which the converter freezes (the
    weights written into the graph as constants), not through an exported SavedModel: the same
    operators and answers in less than half the time (EfficientNet-Lite1's float32 and int8
    conversions: 7 s instead of 18 s on 2 cores), because nothing is written to disk and loaded back.
    """
    import tensorflow as tf

    if quantization not in QUANTIZATIONS:
        raise ValueError(f"quantization must be one of {QUANTIZATIONS}, not {quantization!r}")
    if quantization == "int8" and representative is None:
        raise ValueError("full-integer quantization needs `representative`: a batch of typical preprocessed inputs "
                         "(e.g. 100-300 training images), to measure the range of every activation")
    if isinstance(model, (str, os.PathLike)):  # an exported SavedModel folder
        return _convert(tf.lite.TFLiteConverter.from_saved_model(str(model)), quantization, representative)
    import keras

    if isinstance(model, keras.Layer):  # a Keras model, not yet traced
        model = inference_function(model)
    # the function as its own trackable object: the converter's concrete-function pipeline, no SavedModel round trip
    return _convert(tf.lite.TFLiteConverter.from_concrete_functions([model], model), quantization, representative)


def inference_function(model):
    """The Keras model's inference (``training=False``) traced as a TensorFlow graph, for any batch size.

    Its TFLite conversion has the same operators and gives the same answers as that of the model's
    exported SavedModel (``tests/test_bench.py`` checks it).
    """
    import tensorflow as tf

    inputs = getattr(model, "inputs", None)
    dtype = inputs[0].dtype if inputs else "float32"
    spec = tf.TensorSpec([None, *model.input_shape[1:]], dtype)
    return tf.function(lambda x: model(x, training=False)).get_concrete_function(spec)


def tflite_variants(model, representative: np.ndarray, quantizations=QUANTIZATIONS, progress: bool = True) -> dict:
    """``{quantization: bytes}`` for each of ``quantizations``, tracing the Keras model only once.

    Each conversion takes seconds on a CPU, so a progress bar counts them. Between steps the memory
    the last one freed is handed back (:func:`tlcourse.allocator.give_back`), so that one conversion's
    leftovers do not add to the next one's peak.
    """
    from .allocator import give_back
    from .progress import bar

    function = inference_function(model)
    variants = {}
    for q in bar(quantizations, desc="converting to TFLite", unit="model", show=progress):
        variants[q] = to_tflite(function, q, representative)
        give_back()
    return variants


def runtimes(model, content: bytes, repeats: int = 10, progress: bool = True) -> list[dict]:
    """Time one image through the same float32 model four ways, to see where the time goes.

    ``model`` is the Keras model and ``content`` its float32 TFLite conversion. Rows: Keras
    ``predict`` (what most code calls), the compiled graph :func:`latency` uses, TFLite with its
    built-in kernels only, and TFLite as it runs by default, with the XNNPACK delegate. Each row
    also counts the operations run: Keras layers, or TFLite operators after conversion.
    """
    from .progress import bar

    x = np.zeros((1, *model.input_shape[1:]), np.float32)
    layers = _count_layers(model)
    plain, default = TFLiteModel(content, delegate=False), TFLiteModel(content)
    ways = [
        ("Keras predict()", layers, lambda: time_call(lambda: model.predict(x, verbose=0), repeats, 1)),
        ("Keras compiled graph", layers, lambda: latency(model, 1, repeats)),
        ("TFLite, built-in kernels", len(plain.ops()), lambda: plain.latency(repeats)),
        ("TFLite + XNNPACK (default)", len(plain.ops()), lambda: default.latency(repeats)),
    ]
    return [{"runtime": name, "operations": operations, "ms per image": timed().median_ms}
            for name, operations, timed in bar(ways, desc="timing", unit="runtime", show=progress)]


def _count_layers(model) -> int:
    """Layers that compute something, counted inside nested models (input layers left out)."""
    import keras

    count = 0
    for layer in model.layers:
        if isinstance(layer, keras.Model):
            count += _count_layers(layer)
        elif not isinstance(layer, keras.layers.InputLayer):
            count += 1
    return count


def _convert(converter, quantization: str | None, representative: np.ndarray | None) -> bytes:
    import warnings

    with quiet_native_stderr(), warnings.catch_warnings():  # "fully_quantize: 0, inference_type: 6, ..."
        # int8 from a graph: the input's scale comes from the calibration, not from these "statistics"
        warnings.filterwarnings("ignore", message="Statistics for quantized inputs were expected")
        return _configure(converter, quantization, representative).convert()


def _configure(converter, quantization: str | None, representative: np.ndarray | None):
    import tensorflow as tf

    if quantization:
        converter.optimizations = [tf.lite.Optimize.DEFAULT]
    if quantization == "int8":
        samples = np.asarray(representative, np.float32)
        converter.representative_dataset = lambda: ([samples[i : i + 1]] for i in range(len(samples)))
        converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
        converter.inference_input_type = tf.int8
        converter.inference_output_type = tf.int8
    return converter


class TFLiteModel:
    """Run a TFLite flatbuffer like a Keras model: float inputs in, float outputs out.

    For an int8 model the inputs are quantized and the outputs dequantized with the scales
    stored in the file, so the caller never sees the difference.

    ``delegate=False`` turns off the default XNNPACK delegate, which otherwise takes over every
    operator it supports with its own optimised CPU kernels (see :meth:`ops`).
    """

    def __init__(self, content: bytes, threads: int | None = None, delegate: bool = True):
        self.content = content
        module, interpreter = _interpreter_module()
        resolver = module.OpResolverType.AUTO if delegate else module.OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES
        with quiet_native_stderr():  # "INFO: Created TensorFlow Lite XNNPACK delegate for CPU."
            self.interpreter = interpreter(model_content=content, num_threads=threads or os.cpu_count(),
                                           experimental_op_resolver_type=resolver)
            self.interpreter.allocate_tensors()
        self.input = self.interpreter.get_input_details()[0]
        self.output = self.interpreter.get_output_details()[0]

    @property
    def size_bytes(self) -> int:
        return len(self.content)

    def ops(self) -> list[str]:
        """The operators of the converted graph in execution order (``CONV_2D``, ...); with the
        delegate on, a final ``DELEGATE`` entry stands for the operators XNNPACK took over."""
        return [op["op_name"] for op in self.interpreter._get_ops_details()]

    def _one(self, x: np.ndarray) -> np.ndarray:
        dtype = self.input["dtype"]
        if dtype != np.float32:
            scale, zero = self.input["quantization"]
            info = np.iinfo(dtype)
            x = np.clip(np.round(x / scale + zero), info.min, info.max)
        self.interpreter.set_tensor(self.input["index"], x.astype(dtype)[None])
        self.interpreter.invoke()
        y = self.interpreter.get_tensor(self.output["index"])[0]
        if self.output["dtype"] != np.float32:
            scale, zero = self.output["quantization"]
            y = (y.astype(np.float32) - zero) * scale
        return y

    def predict(self, x: np.ndarray, progress: bool = True) -> np.ndarray:
        """Outputs for a batch of (preprocessed) inputs, one image at a time (as on a phone)."""
        from .progress import bar

        images = bar(x, desc="TFLite, one image at a time", unit="image", show=progress and len(x) >= 100)
        return np.stack([self._one(np.asarray(xi, np.float32)) for xi in images])

    def latency(self, repeats: int = 20, warmup: int = 3) -> Timing:
        """Median time for one image."""
        x = np.zeros(self.input["shape"][1:], np.float32)
        return time_call(lambda: self._one(x), repeats, warmup)


def feature_accuracy(name: str, train_set, val_set, input_size: int = 160, epochs: int = 20) -> dict:
    """Transfer-learning accuracy of a catalog model on your data: frozen base, cached features, dense head.

    Returns the validation accuracy and the feature-extraction time per image; also the trained
    ``head`` and the ``base`` so the pair can be deployed (see :func:`to_tflite`).
    """
    from . import train, zoo

    base, preprocess = zoo.load(name, include_top=False, input_shape=(input_size, input_size, 3), pooling="avg")
    start = time.perf_counter()
    f_train = train.extract_features(base, train_set.images, preprocess, progress=False)
    seconds = time.perf_counter() - start
    f_val = train.extract_features(base, val_set.images, preprocess, progress=False)
    head, _ = train.fit_head(f_train, train_set.labels, epochs=epochs)
    return {"model": zoo.info(name).name, "accuracy": train.accuracy(head, f_val, val_set.labels),
            "ms per image": 1000 * seconds / len(train_set), "base": base, "head": head,
            "preprocess": preprocess}
