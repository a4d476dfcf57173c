"""Measure models the way the "choosing a model" lesson needs: speed, size, memory, TFLite.

Every latency here is the **median** of several timed runs after warm-up runs, never a
single run: the first calls of a model pay for tracing and memory allocation, and a
laptop's timings wobble with whatever else it does.
"""
from __future__ import annotations

import gc
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

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


# -- TFLite ---------------------------------------------------------------------------------------


def _interpreter_class():
    """LiteRT's interpreter (the ai-edge-litert package) when installed, else TensorFlow's older one."""
    try:
        from ai_edge_litert.interpreter import Interpreter
    except ImportError:  # pragma: no cover - platforms without a LiteRT wheel
        import warnings

        import tensorflow as tf

        warnings.filterwarnings("ignore", message=".*tf.lite.Interpreter is deprecated.*")
        Interpreter = tf.lite.Interpreter
    return Interpreter


def to_tflite(model, quantization: str | None = None, representative: np.ndarray | None = None) -> bytes:
    """Convert a Keras model to a TFLite flatbuffer.

    ``quantization``: None (float32), ``"dynamic"`` (weights stored as int8, activations float), or
    ``"int8"`` (full-integer: weights and activations int8, int8 input and output; needs
    ``representative``, a few hundred typical *preprocessed* inputs, to calibrate activation ranges).
    ``model`` may also be the folder of an exported SavedModel.
    """
    import tensorflow as tf

    if quantization not in QUANTIZATIONS:
        raise ValueError(f"quantization must be one of {QUANTIZATIONS}, not {quantization!r}")
    if quantization == "int8" and representative is None:
        raise ValueError("full-integer quantization needs `representative`: a batch of typical preprocessed inputs "
                         "(e.g. 100-300 training images), to measure the range of every activation")
    if isinstance(model, (str, os.PathLike)):  # an exported SavedModel folder
        return _convert(tf.lite.TFLiteConverter.from_saved_model(str(model)), quantization, representative)
    with tempfile.TemporaryDirectory() as tmp:
        model.export(tmp, format="tf_saved_model", verbose=False)
        return _convert(tf.lite.TFLiteConverter.from_saved_model(tmp), quantization, representative)


def tflite_variants(model, representative: np.ndarray, quantizations=QUANTIZATIONS, progress: bool = True) -> dict:
    """``{quantization: bytes}`` for each of ``quantizations``, exporting the Keras model only once.

    Each conversion takes several seconds on a CPU, so a progress bar counts them.
    """
    from .progress import bar

    with tempfile.TemporaryDirectory() as tmp:
        model.export(tmp, format="tf_saved_model", verbose=False)
        return {q: to_tflite(tmp, q, representative)
                for q in bar(quantizations, desc="converting to TFLite", unit="model", show=progress)}


def _convert(converter, quantization: str | None, representative: np.ndarray | None) -> bytes:
    import tensorflow as tf

    if quantization:
        converter.optimizations = [tf.lite.Optimize.DEFAULT]
    if quantization == "int8":
        samples = np.asarray(representative, np.float32)
        converter.representative_dataset = lambda: ([samples[i : i + 1]] for i in range(len(samples)))
        converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
        converter.inference_input_type = tf.int8
        converter.inference_output_type = tf.int8
    return converter.convert()


class TFLiteModel:
    """Run a TFLite flatbuffer like a Keras model: float inputs in, float outputs out.

    For an int8 model the inputs are quantized and the outputs dequantized with the scales
    stored in the file, so the caller never sees the difference.
    """

    def __init__(self, content: bytes, threads: int | None = None):
        self.content = content
        self.interpreter = _interpreter_class()(model_content=content, num_threads=threads or os.cpu_count())
        self.interpreter.allocate_tensors()
        self.input = self.interpreter.get_input_details()[0]
        self.output = self.interpreter.get_output_details()[0]

    @property
    def size_bytes(self) -> int:
        return len(self.content)

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
