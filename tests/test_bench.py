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


def test_tflite_variants_trace_once(tiny, monkeypatch):
    x = np.random.default_rng(1).uniform(-1, 1, (8, 16, 16, 3)).astype(np.float32)
    traced = []
    trace = bench.inference_function
    monkeypatch.setattr(bench, "inference_function", lambda model: traced.append(model) or trace(model))
    variants = bench.tflite_variants(tiny, x, quantizations=(None, "int8"), progress=False)
    assert set(variants) == {None, "int8"} and len(variants["int8"]) < len(variants[None])
    assert traced == [tiny]


@pytest.mark.parametrize("quantization", [None, "int8"])
def test_inference_function_converts_to_what_the_saved_model_converts_to(tiny, tmp_path, quantization):
    """The faster route (the traced function, no SavedModel on disk) gives the same operators and answers."""
    rng = np.random.default_rng(2)
    x = rng.uniform(-1, 1, (16, 16, 16, 3)).astype(np.float32)
    tiny.export(str(tmp_path), format="tf_saved_model", verbose=False)
    via_saved_model = bench.TFLiteModel(bench.to_tflite(str(tmp_path), quantization, x))
    via_function = bench.TFLiteModel(bench.to_tflite(tiny, quantization, x))
    assert via_function.ops() == via_saved_model.ops()
    assert via_function.input["dtype"] == via_saved_model.input["dtype"]
    np.testing.assert_array_equal(via_function.predict(x, progress=False), via_saved_model.predict(x, progress=False))


# -- the noise-aware choice ------------------------------------------------------------------------

ROWS = [
    {"model": "small", "params": 2.0, "accuracy": 0.925, "latency b1 (ms)": 14.0},
    {"model": "medium", "params": 4.0, "accuracy": 0.956, "latency b1 (ms)": 22.0},
    {"model": "large", "params": 5.0, "accuracy": 0.944, "latency b1 (ms)": 21.0},
    {"model": "tiny", "params": 1.0, "accuracy": 0.90, "latency b1 (ms)": 15.0},
]


def test_standard_error_and_margin():
    assert bench.standard_error(0.5, 100) == pytest.approx(0.05)
    assert bench.noise_margin(0.956, 160) == pytest.approx(2 * (0.956 * 0.044 / 160) ** 0.5)  # ~5 photos
    assert bench.noise_margin(1.0, 160) == pytest.approx(1 / 160)  # never finer than one photo
    assert bench.noise_margin(0.9, 160, z=0) == pytest.approx(1 / 160)


def test_choose_model_starts_small_within_noise():
    # 2 SE at 0.956 on 160 photos is 0.032: small (0.925) ties with the best, tiny (0.90) does not
    assert [r["model"] for r in bench.within_noise(ROWS, 160)] == ["small", "medium", "large"]
    assert bench.choose_model(ROWS, 160)["model"] == "small"
    assert bench.choose_model(ROWS, 160, by="latency b1 (ms)")["model"] == "small"
    assert bench.choose_model(ROWS, 10_000)["model"] == "medium"  # many photos: small differences are real
    assert bench.choose_model(ROWS, 160, z=0)["model"] == "medium"  # one photo (0.006) is the floor


@pytest.mark.parametrize(("rows", "n", "kwargs", "message"), [
    ([], 160, {}, "rows is empty"),
    (ROWS, 0, {}, "number of validation photos"),
    (ROWS, 160.0, {}, "number of validation photos"),
    ([{"model": "a", "accuracy": 95.6}], 160, {}, "divide a percentage by 100"),
    ([{"model": "a", "score": 0.9}], 160, {}, "needs an 'accuracy' entry"),
    (ROWS, 160, {"by": "size"}, "not a column of every row"),
    (ROWS, 160, {"z": -1}, "must be >= 0"),
])
def test_choose_model_bad_input(rows, n, kwargs, message):
    with pytest.raises(ValueError, match=message):
        bench.choose_model(rows, n, **kwargs)


# -- where the time goes ---------------------------------------------------------------------------


def test_tflite_without_delegate_and_ops(tiny):
    content = bench.to_tflite(tiny)
    plain, default = bench.TFLiteModel(content, delegate=False), bench.TFLiteModel(content)
    assert "DELEGATE" not in plain.ops() and plain.ops()[0] == "CONV_2D"
    assert default.ops()[-1] == "DELEGATE"  # XNNPACK took the graph over
    x = np.random.default_rng(0).uniform(-1, 1, (3, 16, 16, 3)).astype(np.float32)
    np.testing.assert_allclose(plain.predict(x), default.predict(x), atol=1e-5)


def test_runtimes_rows(tiny):
    rows = bench.runtimes(tiny, bench.to_tflite(tiny), repeats=2, progress=False)
    assert [r["runtime"] for r in rows] == ["Keras predict()", "Keras compiled graph", "TFLite, built-in kernels",
                                             "TFLite + XNNPACK (default)"]
    assert rows[0]["operations"] == 3 and all(r["ms per image"] > 0 for r in rows)  # conv, pool, dense


def test_quiet_native_stderr_restores_descriptor_2(capfd):
    import os

    with bench.quiet_native_stderr():
        os.write(2, b"hidden\n")
    os.write(2, b"shown\n")
    assert capfd.readouterr().err == "shown\n"
