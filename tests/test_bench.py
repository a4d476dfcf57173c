"""Benchmark helpers, on tiny models so the tests stay fast."""
from __future__ import annotations

import numpy as np
import pytest

from tlcourse import bench


@pytest.fixture(scope="module")
def tiny():
    import keras

    keras.utils.set_random_seed(0)
    inputs = keras.Input((16, 16, 3))
    x = keras.layers.Conv2D(8, 3, activation="relu")(inputs)
    x = keras.layers.GlobalAveragePooling2D()(x)
    return keras.Model(inputs, keras.layers.Dense(3, activation="softmax")(x), name="tiny")


def test_time_call_takes_the_median():
    delays = iter([0.0, 0.0, 0.05, 0.001, 0.001])  # two warm-ups, then one slow outlier among three
    import time

    t = bench.time_call(lambda: time.sleep(next(delays)), repeats=3, warmup=2)
    assert len(t.runs_ms) == 3 and t.median_ms < 20 and max(t.runs_ms) >= 50
    with pytest.raises(ValueError):
        bench.time_call(lambda: None, repeats=0)


def test_latency_and_size(tiny):
    t = bench.latency(tiny, batch_size=4, repeats=3)
    assert t.median_ms > 0 and len(t.runs_ms) == 3
    weights_bytes = tiny.count_params() * 4
    assert weights_bytes < bench.size_on_disk(tiny) < weights_bytes + 200_000  # h5 adds headers


def test_profile_row(tiny):
    row = bench.profile(lambda: tiny, batch_sizes=(1, 16), repeats=2, repeats_large=2)
    assert row["params"] == 8 * 27 + 8 + 8 * 3 + 3 and row["input"] == 16
    assert {"latency b1 (ms)", "latency b16 (ms)", "size (MB)", "peak memory (MB)"} <= set(row)


def test_peak_memory_sees_a_big_allocation():
    _, grown = bench.peak_memory_mb(lambda: np.ones(50_000_000, np.uint8).sum())  # 50 MB, freed at once
    assert grown is None or grown >= 40


@pytest.mark.parametrize("quantization", [None, "dynamic", "int8"])
def test_tflite_round_trip(tiny, quantization):
    rng = np.random.default_rng(0)
    x = rng.uniform(-1, 1, (20, 16, 16, 3)).astype(np.float32)
    content = bench.to_tflite(tiny, quantization, representative=x if quantization == "int8" else None)
    lite = bench.TFLiteModel(content)
    if quantization == "int8":
        assert lite.input["dtype"] == np.int8
    got, want = lite.predict(x[:5]), tiny.predict(x[:5], verbose=0)
    assert got.shape == want.shape
    np.testing.assert_allclose(got, want, atol=0.03 if quantization == "int8" else 1e-3)
    assert lite.latency(repeats=3).median_ms > 0


def test_int8_needs_representative_data(tiny):
    with pytest.raises(ValueError, match="representative"):
        bench.to_tflite(tiny, "int8")
    with pytest.raises(ValueError, match="quantization must be"):
        bench.to_tflite(tiny, "float16")


def test_tflite_variants_export_once(tiny):
    x = np.random.default_rng(1).uniform(-1, 1, (8, 16, 16, 3)).astype(np.float32)
    variants = bench.tflite_variants(tiny, x, quantizations=(None, "int8"))
    assert set(variants) == {None, "int8"} and len(variants["int8"]) < len(variants[None])
