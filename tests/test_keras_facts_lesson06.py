"""TensorFlow Lite (LiteRT) behaviours that lesson 06 (choosing a model) states, one small test each.

Each docstring names the lesson section that relies on the behaviour; each failure message says which
prose to revise when a TensorFlow or LiteRT upgrade changes it. (To be merged into ``tests/test_keras_facts.py``; the
helpers are prefixed ``_l06_`` so that they cannot clash with another lesson's.)
"""
from __future__ import annotations

import inspect
import tempfile

import keras
import numpy as np
import pytest
import tensorflow as tf

from tlcourse import bench


def _l06_weighty() -> keras.Model:
    """A model whose file is almost all weights: a 1x1 convolution with 64x64 weights and a 4096x64 dense layer."""
    keras.utils.set_random_seed(0)
    inputs = keras.Input((8, 8, 64))
    x = keras.layers.Conv2D(64, 1, activation="relu")(inputs)
    x = keras.layers.Flatten()(x)
    return keras.Model(inputs, keras.layers.Dense(64)(x))


def _l06_converter(model: keras.Model, folder: str) -> tf.lite.TFLiteConverter:
    model.export(folder, format="tf_saved_model", verbose=False)
    return tf.lite.TFLiteConverter.from_saved_model(folder)


def _l06_weight_dtypes(lite: bench.TFLiteModel) -> list[tuple[str, str]]:
    """(operator, dtype of its weights: the second input) for each convolution and dense operator, in order."""
    details = lite.interpreter.get_tensor_details()
    return [(op["op_name"], np.dtype(details[op["inputs"][1]]["dtype"]).name)
            for op in lite.interpreter._get_ops_details()
            if op["op_name"] in ("CONV_2D", "DEPTHWISE_CONV_2D", "FULLY_CONNECTED")]


def test_full_integer_conversion_needs_a_representative_dataset():
    """Lesson 06 §4: full-integer (int8) quantization must calibrate every activation's range on sample
    inputs: TensorFlow's converter refuses to convert without a ``representative_dataset``."""
    with tempfile.TemporaryDirectory() as folder:
        converter = _l06_converter(_l06_weighty(), folder)
        converter.optimizations = [tf.lite.Optimize.DEFAULT]
        converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
        with pytest.raises(ValueError, match="representative_dataset") as raised:
            converter.convert()
    assert raised.value is not None, "Lesson 06 §4 says int8 needs a representative dataset: revise it"


def test_dynamic_range_stores_weights_int8_and_keeps_float_input_and_output():
    """Lesson 06 §4: dynamic-range quantization (``Optimize.DEFAULT``, no representative dataset) stores the
    weight tensors of 1,024 elements or more as int8, leaves smaller ones float32, keeps the model's input and
    output float32, and feeds the int8 weights straight to CONV_2D / FULLY_CONNECTED with a float input: no
    QUANTIZE or DEQUANTIZE operator in the graph, so the kernel itself ("hybrid") handles the activations."""
    keras.utils.set_random_seed(0)
    inputs = keras.Input((4, 4, 8))
    x = keras.layers.Conv2D(128, 1)(inputs)  # 8x128 = 1,024 weights
    x = keras.layers.Dense(8)(keras.layers.GlobalAveragePooling2D()(x))  # 128x8 = 1,024 weights
    model = keras.Model(inputs, keras.layers.Dense(127)(x))  # 8x127 = 1,016 weights
    with tempfile.TemporaryDirectory() as folder:
        converter = _l06_converter(model, folder)
        converter.optimizations = [tf.lite.Optimize.DEFAULT]
        lite = bench.TFLiteModel(converter.convert(), delegate=False)
    weights = _l06_weight_dtypes(lite)
    message = "Lesson 06 §4 (dynamic range: which weights are int8, float input and output, hybrid kernels): revise it"
    want = [("CONV_2D", "int8"), ("FULLY_CONNECTED", "int8"), ("FULLY_CONNECTED", "float32")]
    assert weights == want, (weights, message)  # 1,024 weights int8 (convolution and dense), 1,016 float32
    assert lite.input["dtype"] == np.float32 and lite.output["dtype"] == np.float32, message
    assert "QUANTIZE" not in lite.ops() and "DEQUANTIZE" not in lite.ops(), (lite.ops(), message)


def test_quantized_files_are_about_four_times_smaller():
    """Lesson 06 §4 and exercise 2: a weight is 4 bytes in float32 and 1 byte in int8, so both dynamic-range
    and full-integer files of a model made mostly of weights are about 4 times smaller (a little less: the
    graph and the quantization scales are stored too)."""
    model = _l06_weighty()
    x = np.random.default_rng(0).uniform(0, 1, (16, 8, 8, 64)).astype(np.float32)
    sizes = {q: len(content) for q, content in bench.tflite_variants(model, x, progress=False).items()}
    for q in ("dynamic", "int8"):
        ratio = sizes[None] / sizes[q]
        assert 3.5 < ratio < 4.05, f"Lesson 06 §4: the {q} file is {ratio:.2f}x smaller, not about 4x: revise it"


def test_tflite_converter_folds_batchnorm_relu_and_dropout_into_the_convolution():
    """Lesson 06 §5: converting to TFLite folds a BatchNormalization into the preceding convolution's weights,
    fuses the ReLU into it and drops Dropout (a no-op at inference): four Keras layers become one CONV_2D."""
    keras.utils.set_random_seed(0)
    inputs = keras.Input((16, 16, 3))
    x = keras.layers.Conv2D(8, 3, use_bias=False)(inputs)
    x = keras.layers.BatchNormalization()(x)
    x = keras.layers.ReLU()(x)
    model = keras.Model(inputs, keras.layers.Dropout(0.2)(x))
    model.layers[2].set_weights([w + 0.5 for w in model.layers[2].get_weights()])  # a BatchNorm that does something
    lite = bench.TFLiteModel(bench.to_tflite(model), delegate=False)
    assert lite.ops() == ["CONV_2D"], f"Lesson 06 §5 (TFLite folds BatchNorm, ReLU, Dropout): got {lite.ops()}"
    x = np.random.default_rng(0).uniform(-1, 1, (2, 16, 16, 3)).astype(np.float32)
    np.testing.assert_allclose(lite.predict(x, progress=False), model.predict(x, verbose=0), atol=1e-4,
                               err_msg="Lesson 06 §5: the folded model no longer computes the same function")


def test_tflite_interpreter_hands_the_graph_to_xnnpack_by_default():
    """Lesson 06 §5: by default the TFLite (LiteRT) interpreter applies its XNNPACK delegate, which takes over
    the operators it supports (the graph then ends with one DELEGATE node); ``OpResolverType.
    BUILTIN_WITHOUT_DEFAULT_DELEGATES`` runs TFLite's own built-in kernels instead."""
    content = bench.to_tflite(_l06_weighty())
    default, plain = bench.TFLiteModel(content), bench.TFLiteModel(content, delegate=False)
    message = "Lesson 06 §5 (TFLite uses XNNPACK by default): revise it"
    assert default.ops()[-1] == "DELEGATE" and "DELEGATE" not in plain.ops(), (default.ops(), plain.ops(), message)


def test_litert_runs_the_files_tensorflow_converts():
    """Lesson 06 §4: LiteRT is TFLite's new name; its interpreter (package ``ai-edge-litert``) runs the
    ``.tflite`` files that ``tf.lite.TFLiteConverter`` writes, and gives the Keras model's outputs."""
    from ai_edge_litert.interpreter import Interpreter

    model = _l06_weighty()
    interpreter = Interpreter(model_content=bench.to_tflite(model))
    interpreter.allocate_tensors()
    x = np.random.default_rng(0).uniform(0, 1, (1, 8, 8, 64)).astype(np.float32)
    interpreter.set_tensor(interpreter.get_input_details()[0]["index"], x)
    interpreter.invoke()
    got = interpreter.get_tensor(interpreter.get_output_details()[0]["index"])
    np.testing.assert_allclose(got, model.predict(x, verbose=0), rtol=1e-4, atol=1e-4,
                               err_msg="Lesson 06 §4 (LiteRT runs TFLite files): revise it")


def test_predict_is_documented_for_large_batches():
    """Lesson 06 §5: Keras documents ``Model.predict`` as "designed for batch processing of large numbers of
    inputs" and recommends calling the model, ``model(x)``, for a few inputs (the per-call cost the lesson
    measures at batch 1)."""
    doc = " ".join(inspect.getdoc(keras.Model.predict).split())  # the backend's override inherits it
    message = "Lesson 06 §5 quotes Model.predict's docstring: revise the quote"
    assert "designed for batch processing of large numbers of inputs" in doc, message
    assert "directly use `__call__()` for faster execution" in doc, message
