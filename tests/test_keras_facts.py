"""Every behaviour of Keras, TensorFlow or TFLite that a lesson states, pinned by a small, fast test.

Each test names, in its docstring and its failure message, the lesson section that relies on it, so
that an upgrade that changes a behaviour (Keras's BatchNorm override is fixed upstream, keras-team/keras
PR #23364) fails CI and points at the prose to revise. Lessons cite these tests by name
(``tests/test_keras_facts.py::test_name``); the last two tests check both directions of that link.
"""
from __future__ import annotations

import inspect
import logging
import sys
import tempfile
import warnings

import keras
import numpy as np
import pytest
import tensorflow as tf

from tlcourse import bench

# -- lesson 01 ------------------------------------------------------------------------------------------


class _L01Download(Exception):
    """Raised instead of downloading: the build got as far as fetching its weight file."""


def _l01_no_download(monkeypatch) -> list[str]:
    """Make every Keras weight download raise :class:`_L01Download`; returns the requested file names."""
    requested: list[str] = []

    def refuse(fname=None, *args, **kwargs):
        requested.append(str(fname))
        raise _L01Download(fname)

    # keras.utils.get_file is defined in a private module, which keras.applications calls through
    monkeypatch.setattr(sys.modules[keras.utils.get_file.__module__], "get_file", refuse)
    return requested


@pytest.mark.parametrize("side", [96, 128, 160, 192, 224])
def test_mobilenetv2_imagenet_tops_come_in_five_sizes(monkeypatch, side):
    """Lesson 01 §5: Keras ships MobileNetV2 ImageNet weights *with* the top for 96, 128, 160, 192 and 224
    pixels: ``include_top=True, weights="imagenet"`` at those sizes builds and asks for that size's file."""
    requested = _l01_no_download(monkeypatch)
    with pytest.raises(_L01Download):
        keras.applications.MobileNetV2(weights="imagenet", include_top=True, input_shape=(side, side, 3))
    assert requested and requested[0].endswith(f"_{side}.h5"), (
        f"Keras no longer asks for a {side}-pixel MobileNetV2 top ({requested}): revise lesson 01 §5 "
        "('Keras's own MobileNetV2 ships tops trained at 96, 128, 160, 192 and 224 pixels')."
    )


def test_mobilenetv2_imagenet_top_refuses_other_sizes(monkeypatch):
    """Lesson 01 §5: with ``include_top=True, weights="imagenet"`` Keras refuses a size it has no top for."""
    _l01_no_download(monkeypatch)
    with pytest.raises(ValueError, match="input_shape"):
        keras.applications.MobileNetV2(weights="imagenet", include_top=True, input_shape=(100, 100, 3))


def test_base_without_top_accepts_any_size_from_32():
    """Lesson 01 §5 and exercise 4: with ``include_top=False`` MobileNetV2 accepts any input from 32x32 up,
    square or not, and shrinks each side 32 times (rounding up); below 32 pixels it refuses."""
    for shape, grid in [((32, 32, 3), (1, 1)), ((32, 57, 3), (1, 2)), ((96, 96, 3), (3, 3))]:
        base = keras.applications.MobileNetV2(weights=None, include_top=False, input_shape=shape)
        assert base.output_shape[1:] == (*grid, 1280), (
            f"a {shape} MobileNetV2 base now outputs {base.output_shape}: revise lesson 01 §5 ('any image size "
            "from 32x32 up') and exercise 4 (96 / 32)."
        )
    with pytest.raises(ValueError, match="32"):
        keras.applications.MobileNetV2(weights=None, include_top=False, input_shape=(31, 31, 3))


def test_base_without_top_at_another_size_loads_the_224_weights(monkeypatch):
    """Lesson 01 §5: ``include_top=False, weights="imagenet"`` at a size Keras has no file for (100x100)
    still builds; Keras warns and fetches the 224-pixel base weights, which fit any size."""
    requested = _l01_no_download(monkeypatch)
    with warnings.catch_warnings(record=True) as caught, pytest.raises(_L01Download):
        warnings.simplefilter("always")
        keras.applications.MobileNetV2(weights="imagenet", include_top=False, input_shape=(100, 100, 3))
    assert requested and requested[0].endswith("_224_no_top.h5"), (
        f"Keras now asks for {requested} for a 100x100 base: revise lesson 01 §5 ('any image size from 32x32 up')."
    )
    assert any("224" in str(w.message) for w in caught), "Keras no longer warns that it loads the 224 weights"


def test_keras_mobilenetv2_preprocess_input_maps_to_minus_one_one():
    """Lesson 01 §7 and exercise 3: Keras's own MobileNetV2 weights take pixels scaled to [-1, 1]
    (``keras.applications.mobilenet_v2.preprocess_input`` is x / 127.5 - 1)."""
    out = keras.applications.mobilenet_v2.preprocess_input(np.array([0.0, 127.5, 255.0], np.float32))
    np.testing.assert_allclose(out, [-1.0, 0.0, 1.0], atol=1e-6, err_msg=(
        "Keras's MobileNetV2 preprocessing is no longer [-1, 1]: revise lesson 01 §7 ('like Keras's own "
        "MobileNetV2 weights') and the hints of tlcourse.checks.scale_function."))


def test_keras_predict_does_not_check_the_pixel_range():
    """Lesson 01 §7 and summary: raw 0..255 pixels fed to a Keras model that expects [-1, 1] give no error and
    no warning ("it does not complain"); only tlcourse's preprocess/classify check the range."""
    model = keras.applications.MobileNetV2(weights=None, input_shape=(32, 32, 3), include_top=True)
    raw = np.random.default_rng(0).uniform(0, 255, (2, 32, 32, 3)).astype("float32")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = model.predict(raw, verbose=0)
    assert out.shape == (2, 1000), "lesson 01 §7: Keras now checks or rejects raw pixels; revise 'it does not complain'"


def test_batchnorm_moving_statistics_are_non_trainable_weights():
    """Lesson 01 §3: a BatchNormalization layer holds gamma and beta (trainable) and moving_mean and
    moving_variance (non-trainable), one of each per channel."""
    bn = keras.layers.BatchNormalization()
    bn.build((None, 5))
    names = {w.name: w.trainable for w in bn.weights}
    assert names == {"gamma": True, "beta": True, "moving_mean": False, "moving_variance": False}, (
        f"BatchNormalization's weights are now {names}: revise lesson 01 §3 ('Why would a parameter be "
        "non-trainable?') and exercises 1-2."
    )
    assert bn.count_params() == 4 * 5 and len(bn.non_trainable_weights) == 2


def test_batchnorm_updates_an_exponential_moving_average_in_training_mode():
    """Lesson 01 §3 and lesson 03 §5: in training mode a BatchNorm layer normalises with the batch's statistics and moves its
    moving mean by (1 - momentum) towards the batch mean; Keras's default momentum is 0.99, and
    keras.applications.MobileNetV2 builds its BatchNorm layers with 0.999. In inference mode (``predict``)
    nothing moves."""
    assert keras.layers.BatchNormalization().momentum == 0.99, "lesson 01 §3: Keras's default momentum changed"
    mnv2 = keras.applications.MobileNetV2(weights=None, include_top=False, input_shape=(32, 32, 3))
    momenta = {layer.momentum for layer in mnv2.layers if isinstance(layer, keras.layers.BatchNormalization)}
    assert momenta == {0.999}, f"lesson 01 §3: MobileNetV2's BatchNorm momenta are now {momenta}"
    bn = keras.layers.BatchNormalization()
    x = np.random.default_rng(0).normal(5.0, 2.0, (64, 3)).astype("float32")
    bn(x, training=False)
    np.testing.assert_array_equal(bn.moving_mean.numpy(), 0.0, err_msg="lesson 01 §3: inference mode moved the mean")
    bn(x, training=True)
    np.testing.assert_allclose(bn.moving_mean.numpy(), 0.01 * x.mean(axis=0), rtol=1e-4, err_msg=(
        "lesson 01 §3: one training-mode call no longer moves the moving mean 1% of the way to the batch mean"))


def test_fit_runs_training_mode_and_predict_inference_mode():
    """Lesson 01 §3: ``fit`` runs the layers in training mode (a trainable BatchNorm layer updates its moving
    statistics), ``predict`` in inference mode (nothing changes)."""
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((3,)), keras.layers.BatchNormalization(), keras.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    x = np.random.default_rng(0).normal(5.0, 2.0, (32, 3)).astype("float32")
    bn = model.layers[0]
    model.predict(x, verbose=0)
    assert np.all(bn.moving_mean.numpy() == 0.0), "lesson 01 §3: predict now updates BatchNorm statistics"
    model.fit(x, np.zeros(32), epochs=1, batch_size=32, verbose=0)
    assert np.all(bn.moving_mean.numpy() != 0.0), "lesson 01 §3: fit no longer updates BatchNorm statistics"


def test_depthwise_convolution_keeps_channels_apart():
    """Lesson 01 §3: a DepthwiseConv2D layer has one k x k filter per channel (3 x 3 x 32 = 288 weights without
    bias) and does not mix channels: output channel c depends on input channel c only."""
    layer = keras.layers.DepthwiseConv2D(3, padding="same", use_bias=False)
    x = np.random.default_rng(0).normal(size=(1, 8, 8, 32)).astype("float32")
    out = keras.ops.convert_to_numpy(layer(x))
    assert layer.count_params() == 3 * 3 * 32, "lesson 01 §3: DepthwiseConv2D's weight count changed"
    x2 = x.copy()
    x2[..., 5] += 1.0
    changed = np.abs(keras.ops.convert_to_numpy(layer(x2)) - out).max(axis=(0, 1, 2)) > 0
    assert list(np.flatnonzero(changed)) == [5], "lesson 01 §3: DepthwiseConv2D now mixes channels"


# -- lesson 02 ------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def mobilenet_v2_160():
    """MobileNetV2 without its top at 160x160, without pooling (random weights: only shapes and pooling matter)."""
    keras.utils.set_random_seed(0)
    return keras.applications.MobileNetV2(weights=None, include_top=False, input_shape=(160, 160, 3), pooling=None)


def test_mobilenet_v2_at_160_pixels_outputs_a_5x5_grid_of_1280_channels(mobilenet_v2_160):
    """Lesson 02 §3 and exercise 1: without its top and without pooling, MobileNetV2 at 160x160 outputs a
    5x5 grid (160 / 32) of 1280 channels; with ``pooling="avg"`` one vector of 1280 numbers. (§5: it has
    dozens of BatchNormalization layers.)"""
    pooled = keras.applications.MobileNetV2(weights=None, include_top=False, input_shape=(160, 160, 3), pooling="avg")
    assert mobilenet_v2_160.output_shape == (None, 5, 5, 1280), (
        f"Lesson 02 §3 / exercise 1: MobileNetV2 at 160 px now outputs {mobilenet_v2_160.output_shape}; revise "
        "the exercise ('a 5x5 grid of 1280 channels') and tlcourse.checks.feature_sizes"
    )
    n_batchnorm = sum(isinstance(layer, keras.layers.BatchNormalization) for layer in mobilenet_v2_160.layers)
    assert n_batchnorm >= 24, f"Lesson 02 §5 says MobileNetV2 has dozens of BatchNorm layers; it has {n_batchnorm}"
    assert pooled.output_shape == (None, 1280), (
        f"Lesson 02 §3: pooling='avg' now gives {pooled.output_shape}, not 1280 numbers per photo; revise §3"
    )


def test_pooling_avg_is_the_mean_over_the_grid(mobilenet_v2_160):
    """Lesson 02 §3 and exercise 1: ``pooling="avg"`` appends global average pooling, so each of the 1280
    numbers is the mean of one channel over the 5x5 grid (what the worked answer says: "pooling averages the
    grid away")."""
    pooled = keras.Model(mobilenet_v2_160.input, keras.layers.GlobalAveragePooling2D()(mobilenet_v2_160.output))
    same = keras.applications.MobileNetV2(weights=None, include_top=False, input_shape=(160, 160, 3), pooling="avg")
    same.set_weights(mobilenet_v2_160.get_weights())
    assert isinstance(same.layers[-1], keras.layers.GlobalAveragePooling2D), (
        f"Lesson 02 §3: pooling='avg' now ends with {type(same.layers[-1]).__name__}; revise §3 and exercise 1"
    )
    x = np.random.default_rng(0).uniform(-1, 1, (2, 160, 160, 3)).astype("float32")
    grid = mobilenet_v2_160.predict(x, verbose=0)
    np.testing.assert_allclose(same.predict(x, verbose=0), grid.mean(axis=(1, 2)), rtol=1e-4, atol=1e-5,
                               err_msg="Lesson 02 §3: pooling='avg' is no longer the mean over the grid; revise §3")
    np.testing.assert_allclose(pooled.predict(x, verbose=0), grid.mean(axis=(1, 2)), rtol=1e-4, atol=1e-5)


def _bn_dropout_model() -> keras.Model:
    keras.utils.set_random_seed(0)
    inputs = keras.Input((4,))
    x = keras.layers.BatchNormalization(name="bn")(inputs)
    return keras.Model(inputs, keras.layers.Dropout(0.5, name="dropout")(x))


def test_inference_mode_batchnorm_uses_stored_statistics_and_dropout_is_off():
    """Lesson 02 §5 (where the course defines *inference mode*; lessons 03 and 04 rely on it): called with
    ``training=False``, BatchNormalization normalises with its stored moving mean and variance (not those of
    the batch) and Dropout passes everything through; with ``training=True`` BatchNorm uses the batch's own
    statistics and Dropout zeroes a random part of its input."""
    model = _bn_dropout_model()
    bn = model.get_layer("bn")
    bn.moving_mean.assign([1.0, 2.0, 3.0, 4.0])
    bn.moving_variance.assign([4.0, 4.0, 9.0, 9.0])
    x = (np.random.default_rng(0).normal(size=(64, 4)) * 3 + 10).astype("float32")
    stored = (x - bn.moving_mean.numpy()) / np.sqrt(bn.moving_variance.numpy() + bn.epsilon)
    inference = keras.ops.convert_to_numpy(model(x, training=False))
    np.testing.assert_allclose(inference, stored, rtol=1e-5, atol=1e-5,
                               err_msg="Lesson 02 §5: inference mode no longer means 'BatchNorm uses its stored "
                                       "statistics, Dropout off'; revise the definition in §5")
    training = keras.ops.convert_to_numpy(model(x, training=True))
    assert (training == 0).mean() > 0.3, "Lesson 02 §5: Dropout no longer zeroes inputs in training mode"
    kept = training != 0
    batch = (x - x.mean(axis=0)) / np.sqrt(x.var(axis=0) + bn.epsilon)
    np.testing.assert_allclose(training[kept], (batch / 0.5)[kept], rtol=1e-3, atol=1e-3,
                               err_msg="Lesson 02 §5: in training mode BatchNorm no longer uses the batch's statistics")


def test_predict_runs_in_inference_mode_and_fit_in_training_mode():
    """Lesson 02 §5 (and the check of way B in §5): ``model.predict`` calls the model in inference mode, so a
    model with Dropout gives the same answer every time; ``fit`` calls it in training mode, so an unfrozen
    BatchNorm layer updates its moving statistics."""
    model = _bn_dropout_model()
    x = (np.random.default_rng(0).normal(size=(32, 4)) * 3 + 10).astype("float32")
    first, second = model.predict(x, verbose=0), model.predict(x, verbose=0)
    np.testing.assert_array_equal(first, second, err_msg="Lesson 02 §5: predict is no longer in inference mode")
    np.testing.assert_allclose(first, keras.ops.convert_to_numpy(model(x, training=False)), rtol=1e-6, atol=1e-6)
    bn = model.get_layer("bn")
    before = bn.moving_mean.numpy().copy()
    model.compile(optimizer="sgd", loss="mse")
    model.fit(x, np.zeros_like(x), epochs=1, batch_size=8, verbose=0)
    assert not np.array_equal(before, bn.moving_mean.numpy()), (
        "Lesson 02 §5: fit no longer runs the model in training mode (moving statistics unchanged); revise §5"
    )


def test_augmentation_layers_change_photos_only_in_training_mode():
    """Lesson 02 §5: random flips, rotations and zooms (``train.augmentation``) show a different version of each
    photo when the model trains, and do nothing in inference mode (``predict``)."""
    from tlcourse.train import augmentation

    keras.utils.set_random_seed(0)
    layer = augmentation()
    x = np.random.default_rng(0).uniform(0, 255, (8, 32, 32, 3)).astype("float32")
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(layer(x, training=False)), x,
                                  err_msg="Lesson 02 §5: augmentation now acts in inference mode; revise §5")
    inputs = keras.Input((32, 32, 3))
    model = keras.Model(inputs, layer(inputs))
    np.testing.assert_array_equal(model.predict(x, verbose=0), x, err_msg="Lesson 02 §5: predict now augments")
    changed = keras.ops.convert_to_numpy(layer(x, training=True))
    assert not np.allclose(changed, x), "Lesson 02 §5: augmentation no longer changes photos in training mode"


def test_frozen_base_keeps_every_weight_during_fit():
    """Lesson 02 §3 and §5: after ``base.trainable = False`` a model built on the base has only the head's
    parameters trainable, and ``fit`` changes none of the base's weights, BatchNorm moving statistics
    included (a frozen BatchNormalization layer runs in inference mode in Keras 3), while the head trains."""
    keras.utils.set_random_seed(0)
    base = keras.Sequential([keras.Input((8, 8, 3)), keras.layers.Conv2D(4, 3), keras.layers.BatchNormalization(),
                             keras.layers.GlobalAveragePooling2D()], name="base")
    base.trainable = False
    inputs = keras.Input((8, 8, 3))
    head = keras.layers.Dense(2, activation="softmax", name="head")
    model = keras.Model(inputs, head(base(inputs)))
    model.compile(optimizer=keras.optimizers.Adam(1e-2), loss="sparse_categorical_crossentropy")
    assert [w.path for w in model.trainable_weights] == [w.path for w in head.weights], (
        "Lesson 02 §3/§5: a frozen base's weights now count as trainable in the outer model; revise §3/§5"
    )
    before, head_before = [w.numpy().copy() for w in base.weights], head.kernel.numpy().copy()
    x = np.random.default_rng(0).normal(5, 3, (32, 8, 8, 3)).astype("float32")
    model.fit(x, np.arange(32) % 2, epochs=2, batch_size=8, verbose=0)
    assert all(np.array_equal(b, w.numpy()) for b, w in zip(before, base.weights)), (
        "Lesson 02 §3/§5: fit changed a frozen base's weights (BatchNorm statistics?); revise 'none of its "
        "parameters will change'"
    )
    assert not np.array_equal(head_before, head.kernel.numpy()), "the head should train"


def test_one_epoch_is_one_update_per_batch():
    """Lesson 02 §4 and exercise 2: an epoch makes ceil(n / batch_size) updates, so 20 photos with batches of
    32 train for one update per epoch (why small sets need more epochs, or ``min_steps``)."""
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    x = np.random.default_rng(0).normal(size=(20, 3)).astype("float32")
    model.fit(x, np.arange(20) % 2, epochs=5, batch_size=32, verbose=0)
    assert int(model.optimizer.iterations.numpy()) == 5, (
        "Lesson 02 §4 / exercise 2: 20 examples with batch_size=32 no longer make one update per epoch; revise "
        "§4 and the hint of checks.trained_head"
    )
    model.fit(np.concatenate([x] * 4), np.arange(80) % 2, epochs=1, batch_size=32, verbose=0)
    assert int(model.optimizer.iterations.numpy()) == 5 + 3


# -- lesson 03 ------------------------------------------------------------------------------------------


def _nested() -> tuple[keras.Model, keras.Model]:
    """A base of two Dense layers nested in a classifier, as lesson 03 nests MobileNetV2."""
    keras.utils.set_random_seed(0)
    base = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, name="first"),
                             keras.layers.Dense(3, name="second")], name="base")
    inputs = keras.Input((4,))
    model = keras.Model(inputs, keras.layers.Dense(2, activation="softmax", name="classifier")(base(inputs)))
    return base, model


def _count(weights) -> int:
    return sum(int(np.prod(w.shape)) for w in weights)


def test_trainable_on_a_model_reaches_every_nested_layer():
    """Lesson 03 §2: setting ``trainable`` on a model sets it on every layer inside it (when the flag changes)."""
    base, model = _nested()
    base.trainable = False
    assert not any(layer.trainable for layer in base.layers), (
        "base.trainable = False no longer sets each inner layer's flag: revise lesson 03 §2 ('Setting trainable on a "
        "model sets it on every layer inside') and tlcourse.freeze's docstring")
    base.trainable = True
    assert all(layer.trainable for layer in base.layers), "base.trainable = True no longer reopens inner layers: lesson 03 §2"
    assert _count(model.trainable_weights) == model.count_params()


def test_setting_trainable_to_its_current_value_leaves_inner_layers_alone():
    """Lesson 03 §2 (and the Summary): with the TensorFlow backend, ``base.trainable = True`` on a base that is
    already trainable does nothing, so a layer frozen by hand inside it stays frozen; only a change of the flag
    (False -> True) reopens every layer. Claimed for the TensorFlow backend only, the one the course uses."""
    if keras.backend.backend() != "tensorflow":
        pytest.skip("lesson 03 §2 claims this for the TensorFlow backend only")
    base, _ = _nested()
    base.get_layer("first").trainable = False
    base.trainable = True  # already True
    assert not base.get_layer("first").trainable, (
        "with the TensorFlow backend, assigning base.trainable = True to a trainable base now reopens its layers: "
        "revise lesson 03 §2 ('Setting a model's flag to the value it already has does nothing'), its Summary, "
        "and tlcourse.freeze's docstring")
    base.trainable = False
    base.trainable = True  # a change: reopens everything
    assert base.get_layer("first").trainable, "a False -> True change no longer reopens inner layers: lesson 03 §2"


def test_a_frozen_base_does_not_hide_an_inner_layer_switched_back_on():
    """Lesson 03 §2 and exercise 2: after ``base.trainable = False``, switching one inner layer back on makes the
    views disagree: ``base`` reports no trainable weight, the classifier around it counts that layer's weights,
    and ``fit`` on the classifier updates them."""
    base, model = _nested()
    base.trainable = False
    second = base.get_layer("second")
    second.trainable = True
    assert base.trainable_weights == [], "a frozen container now reports its re-enabled layers: lesson 03 §2"
    counted = {w.path for w in model.trainable_weights}
    assert {w.path for w in second.weights} <= counted, (
        "the classifier no longer counts an inner layer switched back on inside a frozen base: revise lesson 03 §2 "
        "('A frozen container does not hide its layers') and exercise 2's check (checks.exactly_trainable)")
    assert _count(model.trainable_weights) == second.count_params() + model.get_layer("classifier").count_params()
    model.compile(optimizer=keras.optimizers.SGD(0.1), loss="sparse_categorical_crossentropy")
    kernel, first = second.kernel.numpy().copy(), base.get_layer("first").kernel.numpy().copy()
    x = np.random.default_rng(0).normal(size=(32, 4)).astype("float32")
    model.fit(x, np.arange(32) % 2, epochs=1, batch_size=8, verbose=0)
    assert not np.array_equal(kernel, second.kernel.numpy()), "fit no longer trains the re-enabled layer: lesson 03 §2"
    assert np.array_equal(first, base.get_layer("first").kernel.numpy()), "fit trained a frozen layer: lesson 03 §2"


def test_a_keras_input_keeps_the_layers_it_fed_alive():
    """Lesson 03 §3: once the models built on it are deleted, a ``keras.Input`` still keeps alive every layer
    (and nested model) it was fed to; deleting the input too, then collecting garbage, frees them."""
    import gc
    import weakref

    inner = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3)], name="inner")
    alive = weakref.ref(inner)
    inputs = keras.Input((4,))
    outer = keras.Model(inputs, keras.layers.Dense(2)(inner(inputs)))
    del outer, inner
    gc.collect()
    assert alive() is not None, (
        "a deleted model is freed although its keras.Input survives: lesson 03 §3 no longer needs to delete "
        "`inputs` (revise the sentence 'a Keras input keeps a record of every layer it was fed to')")
    del inputs
    gc.collect()
    assert alive() is None, "deleting the input no longer frees the nested model: revise lesson 03 §3's clean-up cell"


_L03_POOL = """
import ctypes, gc, json, os
os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
import tensorflow as tf
def rss():
    return next(int(l.split()[1]) * 1024 for l in open("/proc/self/status") if l.startswith("VmRSS"))
def make(value):  # 50 tensors of 4 MB, computed (not constants), like a model's weights
    return [tf.fill((1024, 1024), float(value)) + 0.0 for _ in range(50)]
tf.zeros(1) + 1  # TensorFlow's start-up allocations
start = rss()
tensors = make(1)
held = rss()
del tensors
gc.collect()
ctypes.CDLL("libc.so.6").malloc_trim(0)  # and ask the C library to return what it keeps
freed = rss()
tensors = make(2)
print(json.dumps({"start": start, "held": held, "freed": freed, "again": rss()}))
"""


def _l03_pool(**env) -> dict:
    import json
    import os
    import subprocess

    environment = {k: v for k, v in os.environ.items() if not k.startswith(("TF_ENABLE_ONEDNN", "TF_ONEDNN"))}
    out = subprocess.run([sys.executable, "-c", _L03_POOL], capture_output=True, text=True, check=True, timeout=120,
                         env={**environment, **env})
    return json.loads(out.stdout.strip().splitlines()[-1])


@pytest.mark.skipif(not sys.platform.startswith("linux") or __import__("platform").machine() != "x86_64",
                    reason="reads /proc; the pool is that of TensorFlow's Linux x86 builds (oneDNN on by default)")
def test_tensorflow_keeps_freed_tensor_memory_for_its_later_tensors():
    """Lesson 03 §3 and lesson 06 §2: TensorFlow (oneDNN on, its default on Linux x86) keeps the memory of
    deleted tensors in a pool of its own instead of returning it to the operating system, and gives it to
    the tensors it makes later; the C library's ``malloc_trim`` cannot return it. TensorFlow's own switch
    ``TF_ONEDNN_USE_SYSTEM_ALLOCATOR=1`` (tensors from ``malloc``) shows that the pool is why."""
    pooled = _l03_pool()
    size = pooled["held"] - pooled["start"]
    assert size > 150e6, pooled
    assert pooled["freed"] - pooled["start"] > 0.8 * size, (
        f"TensorFlow returned deleted tensors' memory: revise lesson 03 §3 ('the kernel's memory figure will not "
        f"drop') and lesson 06 §2 ('later models reuse memory earlier ones freed'): {pooled}")
    assert pooled["again"] - pooled["freed"] < 0.2 * size, f"new tensors did not reuse the pool: lesson 03 §3: {pooled}"
    system = _l03_pool(TF_ONEDNN_USE_SYSTEM_ALLOCATOR="1")
    assert system["held"] - system["freed"] > 0.8 * size, f"without the pool the memory should go back: {system}"


def test_set_random_seed_leaves_a_built_dropout_layer_where_it_was():
    """Lesson 03 §5 (``train.fit_timed`` restarts the dropout masks itself): ``keras.utils.set_random_seed``
    seeds the generators made after it, not a Dropout layer that already exists, which keeps drawing new
    masks from its own state; that state is in ``model.variables``, not in ``model.weights``."""
    dropout = keras.layers.Dropout(0.5)
    model = keras.Sequential([keras.Input((64,)), dropout])
    x = np.ones((1, 64), "float32")
    keras.utils.set_random_seed(0)
    first = np.asarray(model(x, training=True))
    keras.utils.set_random_seed(0)
    second = np.asarray(model(x, training=True))
    assert not np.array_equal(first, second)  # the same global seed, another mask
    state = dropout.seed_generator.state
    assert any(v is state for v in model.variables) and not any(w is state for w in model.weights)
    keras.utils.set_random_seed(0)
    fresh = keras.Sequential([keras.Input((64,)), keras.layers.Dropout(0.5)])
    keras.utils.set_random_seed(0)
    again = keras.Sequential([keras.Input((64,)), keras.layers.Dropout(0.5)])
    assert np.array_equal(np.asarray(fresh(x, training=True)), np.asarray(again(x, training=True)))  # made after: seeded


# -- lesson 04 ------------------------------------------------------------------------------------------


def _data(n: int = 64, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Inputs far from mean 0 / variance 1, so that a BatchNorm layer in training mode moves its statistics."""
    rng = np.random.default_rng(seed)
    return (rng.normal(size=(n, 4)) * 3 + 5).astype("float32"), np.arange(n) % 2


def _classifier(base_call) -> tuple[keras.layers.BatchNormalization, keras.Model]:
    """A compiled classifier whose base (one trainable BatchNorm layer) is called by ``base_call(base, inputs)``."""
    keras.utils.set_random_seed(0)
    base = keras.Sequential([keras.Input((4,)), keras.layers.BatchNormalization(name="bn")], name="base")
    inputs = keras.Input((4,))
    model = keras.Model(inputs, keras.layers.Dense(2, activation="softmax")(base_call(base, inputs)))
    model.compile(optimizer=keras.optimizers.SGD(0.01), loss="sparse_categorical_crossentropy")
    return base.get_layer("bn"), model


def _statistics(bn: keras.layers.BatchNormalization) -> list[np.ndarray]:
    return [bn.moving_mean.numpy().copy(), bn.moving_variance.numpy().copy()]


def _moved(before: list[np.ndarray], bn: keras.layers.BatchNormalization) -> bool:
    return any(not np.array_equal(a, b) for a, b in zip(before, _statistics(bn)))


def test_fit_overrides_training_false_written_in_a_functional_model():
    """Lesson 04 §6 and lesson 03 §2: in Keras <= 3.15, ``base(x, training=False)`` written while building a functional model
    does NOT keep the base's (unfrozen) BatchNorm layers in inference mode once ``fit`` calls the outer model
    with training=True: their moving statistics change. Reported in keras-team/keras issue #20285; fixed
    upstream by keras-team/keras PR #23364, in no release yet (Keras 3.15.1 here)."""
    bn, model = _classifier(lambda base, x: base(x, training=False))
    before = _statistics(bn)
    model.fit(*_data(), epochs=1, batch_size=16, verbose=0)
    assert _moved(before, bn), (
        f"Keras {keras.__version__} now honours training=False written while building a functional model "
        "(keras-team/keras PR #23364 released?). Revise lesson 04 §6 ('Keras 3 releases up to 3.15 drop a "
        "training=False...'), the docstrings of tlcourse.train.InferenceMode and end_to_end, and lesson 03 §2."
    )


def test_inference_mode_wrapper_keeps_batchnorm_statistics_during_fit():
    """Lesson 04 §6 and lesson 03 §5: ``tlcourse.train.InferenceMode`` passes training=False at every call, so an unfrozen
    BatchNorm layer inside keeps its moving statistics during ``fit``, while its scale and offset still train."""
    from tlcourse.train import InferenceMode

    bn, model = _classifier(lambda base, x: InferenceMode(base)(x))
    before, gamma = _statistics(bn), bn.gamma.numpy().copy()
    model.fit(*_data(), epochs=1, batch_size=16, verbose=0)
    assert not _moved(before, bn), (
        "BatchNorm statistics moved under tlcourse.train.InferenceMode: revise InferenceMode and lesson 04 §6 "
        "('during phase 2 no non-trainable weight changed')."
    )
    assert not np.array_equal(gamma, bn.gamma.numpy()), "InferenceMode stopped the BN scale from training: lesson 04 §6"


def test_frozen_batchnorm_runs_in_inference_mode_even_inside_fit():
    """Lesson 04 §3, §6 and exercise 3, lesson 03 §1: a BatchNorm layer with ``trainable = False`` normalises with its moving
    statistics and leaves them unchanged even when called with training=True, as ``fit`` does."""
    bn, model = _classifier(lambda base, x: base(x))
    bn.trainable = False
    model.compile(optimizer=keras.optimizers.SGD(0.01), loss="sparse_categorical_crossentropy")
    x, y = _data()
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(model(x, training=True)), keras.ops.convert_to_numpy(model(x, training=False)),
        err_msg="a frozen BatchNorm layer now normalises with batch statistics in training mode: revise lesson 04 "
                "§3 (the cached lower blocks), §6 ('a frozen BN layer always uses its moving averages') and ex. 3",
    )
    before = _statistics(bn)
    model.fit(x, y, epochs=1, batch_size=16, verbose=0)
    assert not _moved(before, bn), "a frozen BatchNorm layer updated its statistics during fit: lesson 04 §3, §6, ex. 3"


def _two_layers() -> tuple[keras.layers.Dense, keras.Model]:
    keras.utils.set_random_seed(0)
    inner = keras.layers.Dense(3, name="inner")
    model = keras.Sequential([keras.Input((4,)), inner, keras.layers.Dense(2, activation="softmax")])
    return inner, model


def _compile(model: keras.Model) -> None:
    model.compile(optimizer=keras.optimizers.SGD(0.1), loss="sparse_categorical_crossentropy")


def _kernel_moves(inner: keras.layers.Dense, model: keras.Model) -> bool:
    before = inner.kernel.numpy().copy()
    model.fit(*_data(), epochs=1, batch_size=16, verbose=0)
    return not np.array_equal(before, inner.kernel.numpy())


def test_the_trainable_set_is_fixed_at_the_first_fit_after_compile():
    """Lesson 04 §5, §7 and exercise 2, lesson 03 §6: ``fit`` updates the weights that were trainable when it built its
    training step, at its first call after ``compile()``. A change of ``trainable`` made after compile but before
    that first fit counts; one made after a fit counts only after another ``compile()``, freezing as unfreezing."""
    revise = "revise lesson 04 §5 and §7, exercise 2 (checks.freeze_without_compile) and lesson 03 §6"
    inner, model = _two_layers()
    _compile(model)
    inner.trainable = False  # after compile, before the first fit: honoured
    assert not _kernel_moves(inner, model), f"a change made before the first fit was ignored: {revise}"
    inner.trainable = True  # after a fit, no compile: ignored
    assert [w.path for w in model.trainable_weights][:1] == [inner.kernel.path], "trainable_weights lag behind"
    assert not _kernel_moves(inner, model), f"an unfreezing now reaches fit without compile(): {revise}"
    _compile(model)
    assert _kernel_moves(inner, model), f"compile() no longer makes an unfrozen layer train: {revise}"
    inner.trainable = False  # freezing after a fit, no compile: the layer keeps training
    assert _kernel_moves(inner, model), f"a freezing now reaches fit without compile(): {revise}"


def test_no_warning_when_fit_runs_with_a_stale_trainable_set(caplog):
    """Lesson 04 §7 and lesson 03 §6, §7: Keras says nothing when ``fit`` runs after a change of ``trainable`` without
    ``compile()``: no Python warning, no log record (the FreezePanel is what warns)."""
    inner, model = _two_layers()
    inner.trainable = False
    _compile(model)
    model.fit(*_data(), epochs=1, batch_size=16, verbose=0)  # the same batches as below: no new trace
    inner.trainable = True
    with warnings.catch_warnings(record=True) as caught, caplog.at_level(logging.DEBUG):
        warnings.simplefilter("always")
        moved = _kernel_moves(inner, model)
    said = [str(w.message) for w in caught] + [r.getMessage() for r in caplog.records]
    about = [s for s in said if "trainable" in s.lower() or "compile" in s.lower()]
    assert not moved
    assert not about, f"Keras now warns about the stale trainable set ({about[0][:120]}): revise lesson 04 §7, lesson 03"


def test_new_batch_shapes_rebuild_the_training_step():
    """Lesson 04 §7: TensorFlow builds the training step again when a later ``fit`` brings batches of a shape it
    has not traced (here 16 rows after only 32-row batches). The new step reads the new list of trainable weights:
    after an unfreezing without ``compile()`` the optimizer, built for the old list, stops with "Unknown variable";
    after a freezing the change is honoured. Once two batch sizes are traced, any size reuses the step."""
    revise = "revise the parenthesis on new batch shapes in lesson 04 §7"
    inner, model = _two_layers()
    inner.trainable = False
    _compile(model)
    model.fit(*_data(), epochs=1, batch_size=32, verbose=0)  # one batch shape traced: 32 rows
    inner.trainable = True
    try:
        model.fit(*_data(), epochs=1, batch_size=16, verbose=0)
        raised = ""
    except ValueError as err:
        raised = str(err)
    assert "Unknown variable" in raised, f"a new batch shape after an unfreezing no longer fails ({raised[:80]!r}): {revise}"

    inner, model = _two_layers()
    _compile(model)
    x, y = _data()
    model.fit(x[:40], y[:40], epochs=1, batch_size=32, verbose=0)  # 32 and 8 rows: a shape-free step
    inner.trainable = False
    assert _kernel_moves(inner, model), f"a later fit with another batch size rebuilt the step: {revise}"


def test_compiling_again_keeps_the_weights_and_compile_classifier_starts_a_new_optimizer():
    """Lesson 04 §5, §7: ``compile()`` does not touch the weights. ``train.compile_classifier`` gives the model a
    new Adam optimizer, whose state (step count, moving averages of the gradients) starts from zero; passing the
    same optimizer object to ``compile()`` again would keep its state."""
    from tlcourse.train import compile_classifier

    inner, model = _two_layers()
    compile_classifier(model, learning_rate=1e-3)
    model.fit(*_data(), epochs=1, batch_size=16, verbose=0)
    old, weights = model.optimizer, [w.numpy().copy() for w in model.weights]
    assert int(old.iterations.numpy()) == 4
    compile_classifier(model, learning_rate=1e-4)
    assert all(np.array_equal(a, w.numpy()) for a, w in zip(weights, model.weights)), (
        "compile() changed the weights: revise lesson 04 §7 ('Compiling again does not touch the weights')"
    )
    assert model.optimizer is not old and int(model.optimizer.iterations.numpy()) == 0, "lesson 04 §5 ('a fresh optimizer')"
    model.compile(optimizer=old, loss="sparse_categorical_crossentropy")
    assert int(model.optimizer.iterations.numpy()) == 4, "the same optimizer object now restarts: lesson 04 §7"


def test_adams_first_step_moves_each_weight_by_about_the_learning_rate():
    """Lesson 04 §5: Adam's first step moves a weight by ``lr * g / (|g| + epsilon / sqrt(1 - beta_2))``: about
    the learning rate, whatever the size of the gradient ``g``, unless ``|g|`` is below about 1e-5 (Keras's
    epsilon 1e-7 / sqrt(0.001) = 3.2e-6)."""
    opt = keras.optimizers.Adam(1e-4)
    gradients = np.array([1e-8, 1e-6, 1e-5, 1e-4, 1e-2, 1.0, 1e3, -1e3, -1e-4], "float32")
    weights = keras.Variable(np.zeros_like(gradients))
    opt.apply_gradients([(gradients, weights)])
    step = -weights.numpy() / 1e-4
    floor = opt.epsilon / np.sqrt(1 - opt.beta_2)
    np.testing.assert_allclose(step, gradients / (np.abs(gradients) + floor), rtol=1e-4,
                               err_msg="Adam's first step changed: revise lesson 04 §5 (the dip)")
    large = np.abs(gradients) >= 1e-4
    assert np.all(np.abs(np.abs(step[large]) - 1) < 0.04), "lesson 04 §5: 'about the learning rate whatever its gradient'"
    assert abs(step[0]) < 0.01, "lesson 04 §5: a gradient far below epsilon hardly moves the weight"


# -- lesson 05 ------------------------------------------------------------------------------------------


class _L05Download(Exception):
    """Raised instead of downloading: the build got as far as fetching its weight file."""


def _l05_no_download(monkeypatch) -> None:
    def refuse(fname=None, *args, **kwargs):
        raise _L05Download(fname)

    monkeypatch.setattr(sys.modules[keras.utils.get_file.__module__], "get_file", refuse)


def _l05_checkerboard(square: int = 4, side: int = 64) -> np.ndarray:
    board = (np.indices((side, side)) // square).sum(0) % 2 * 255.0
    return board.astype("float32")[None, ..., None]


def test_conv_same_padding_pads_its_input_with_zeros():
    """Lesson 05 §4: a Conv2D with ``padding="same"`` pads the values it receives (for a pretrained model: the
    already normalised pixels) with zeros. So folding a per-colour mean into the bias is exact inside the image
    and not at the border, where the kernel overlaps padding."""
    constant = np.full((1, 5, 5, 1), 2.0, "float32")
    out = keras.ops.convert_to_numpy(keras.ops.conv(constant, np.ones((3, 3, 1, 1), "float32"), padding="same"))[0, ..., 0]
    assert out[2, 2] == 18.0 and out[0, 2] == 12.0 and out[0, 0] == 8.0, (
        f"lesson 05 §4: 'same' padding no longer pads with zeros ({out}); revise 'zero padding happens after "
        "normalisation' and tlcourse.adapt.fold_normalization's docstring."
    )


def test_tf_image_resize_and_keras_resizing_default_to_no_antialias():
    """Lesson 05 §7 and tlcourse.adapt.resize_batch: ``tf.image.resize`` and ``keras.layers.Resizing`` do *not*
    antialias unless asked (tlcourse's resize_batch and resizing_model ask); Resizing's default filter is
    bilinear, like tf.image.resize's."""
    resize = inspect.signature(tf.image.resize).parameters
    layer = keras.layers.Resizing(8, 8)
    assert resize["antialias"].default is False and layer.antialias is False, (
        "lesson 05 §7: tf.image.resize / keras.layers.Resizing now antialias by default; revise the definition "
        "of antialias and adapt.resize_batch's docstring."
    )
    assert resize["method"].default == "bilinear" and layer.interpolation == "bilinear", (
        "lesson 05 §5: the default resize filter is no longer bilinear; revise exercise 4's check message."
    )


def test_antialias_matters_when_shrinking_not_when_enlarging():
    """Lesson 05 §7 and 'Going further': shrinking a fine pattern with antialias averages it (a checkerboard of
    4-pixel squares shrunk to 10x10 becomes an even grey), without antialias each output pixel samples a few
    source pixels (noise); enlarging gives the same pixels either way, to float rounding."""
    board = _l05_checkerboard()
    smooth = tf.image.resize(board, (10, 10), antialias=True).numpy()
    aliased = tf.image.resize(board, (10, 10), antialias=False).numpy()
    assert abs(smooth.mean() - 127.5) < 8 and smooth.std() < 10 and aliased.std() > 50, (
        f"lesson 05 §7: antialias no longer averages when shrinking (std {smooth.std():.1f} with, "
        f"{aliased.std():.1f} without); revise the definition of antialias and 'Going further'."
    )
    small = np.random.default_rng(0).uniform(0, 255, (1, 28, 28, 1)).astype("float32")
    up = [tf.image.resize(small, (96, 96), antialias=a).numpy() for a in (True, False)]
    assert np.abs(up[0] - up[1]).max() < 1e-3, "lesson 05 §7: antialias now changes an enlargement"


def test_keras_resizing_layer_computes_tf_image_resize():
    """Lesson 05 §5: ``keras.layers.Resizing`` inside a model computes what ``tf.image.resize`` computes outside
    it (same filter, same antialias), so adapt.resizing_model gives the features of resizing outside."""
    x = np.random.default_rng(1).uniform(0, 255, (2, 28, 28, 1)).astype("float32")
    for antialias in (False, True):
        inside = keras.ops.convert_to_numpy(keras.layers.Resizing(96, 96, antialias=antialias)(x))
        outside = tf.image.resize(x, (96, 96), antialias=antialias).numpy()
        assert np.abs(inside - outside).max() < 1e-3, (
            "lesson 05 §5: keras.layers.Resizing no longer matches tf.image.resize; revise 'It computes the same "
            "features as resizing outside'."
        )


def test_mobilenetv2_min_32_pixels_is_a_keras_rule_not_arithmetic(monkeypatch):
    """Lesson 05 §5: MobileNetV2 has five stride-2 layers (32 times smaller in all); Keras refuses a base below
    32x32 by a rule of keras.applications (``obtain_input_shape(min_size=32)``), not because the maps would
    vanish: each stride-2 stage pads and rounds up, so with the rule lifted a 28- or 16-pixel input also ends as
    one 1x1 position."""
    base = keras.applications.MobileNetV2(weights=None, include_top=False, input_shape=(64, 64, 3))
    stride2 = [layer.name for layer in base.layers if getattr(layer, "strides", None) == (2, 2)]
    assert len(stride2) == 5, f"lesson 05 §5: MobileNetV2 now has {stride2} stride-2 layers; revise 'halves five times'"
    with pytest.raises(ValueError, match="at least 32x32"):
        keras.applications.MobileNetV2(weights=None, include_top=False, input_shape=(28, 28, 3))
    module = sys.modules[keras.applications.MobileNetV2.__module__]
    rule = module.imagenet_utils.obtain_input_shape

    def without_the_rule(*args, **kwargs):
        return rule(*args, **{**kwargs, "min_size": 1})

    monkeypatch.setattr(module.imagenet_utils, "obtain_input_shape", without_the_rule)
    for side in (28, 16):
        small = keras.applications.MobileNetV2(weights=None, include_top=False, input_shape=(side, side, 3))
        assert small.output_shape == (None, 1, 1, 1280), (
            f"lesson 05 §5: a {side}-pixel MobileNetV2 now outputs {small.output_shape}; revise 'a rule, not "
            "arithmetic' (the 32-pixel minimum)."
        )


def test_mobilenetv2_first_layer_is_32_filters_3x3_stride_2_same():
    """Lesson 05 §4 and exercise 3: MobileNetV2's first convolution ``Conv1`` has 32 filters of 3x3, stride 2,
    ``'same'`` padding and no bias: on a 64x64 input it computes 32x32 positions (ceil(side / 2))."""
    base = keras.applications.MobileNetV2(weights=None, include_top=False, input_shape=(64, 64, 1))
    conv = base.get_layer("Conv1")
    got = (conv.filters, conv.kernel_size, conv.strides, conv.padding, conv.use_bias, conv.output.shape[1:3])
    assert got == (32, (3, 3), (2, 2), "same", False, (32, 32)), (
        f"lesson 05 exercise 3: MobileNetV2's Conv1 is now {got}; revise the exercise and check_first_layer_work."
    )


def test_mobilenetv2_top_averages_the_map_so_its_shapes_fit_any_size():
    """Lesson 05 §5: MobileNetV2's top averages the last feature map (GlobalAveragePooling2D) before its
    classifier, so the classifier's weight matrix is 1280 x 1000 at any input size: the shapes would fit."""
    shapes = {}
    for side in (96, 224):
        model = keras.applications.MobileNetV2(weights=None, include_top=True, input_shape=(side, side, 3))
        before = model.layers[-2]
        assert isinstance(before, keras.layers.GlobalAveragePooling2D), (
            f"lesson 05 §5: MobileNetV2's top now starts with {type(before).__name__}; revise 'averages the map first'"
        )
        shapes[side] = tuple(model.get_layer("predictions").kernel.shape)
    assert shapes == {96: (1280, 1000), 224: (1280, 1000)}, f"lesson 05 §5: classifier shapes {shapes}"


def test_vgg16_top_flattens_25088_numbers_and_its_imagenet_top_is_224_only(monkeypatch):
    """Lesson 05 §5: VGG16's top flattens the 7x7x512 map of a 224x224 image into 25,088 numbers, so its first
    dense layer has that many rows (another size gives another count, 4,608 at 96x96) and Keras refuses
    ``weights="imagenet", include_top=True`` at any other size."""
    base = keras.applications.VGG16(weights=None, include_top=False, input_shape=(224, 224, 3))
    assert base.output_shape == (None, 7, 7, 512) and 7 * 7 * 512 == 25088, (
        f"lesson 05 §5: VGG16's last map is now {base.output_shape}; revise '25,088 numbers'"
    )
    small = keras.applications.VGG16(weights=None, include_top=True, input_shape=(96, 96, 3))
    assert tuple(small.get_layer("fc1").kernel.shape) == (3 * 3 * 512, 4096), "lesson 05 §5: VGG16 fc1 rows"
    del small
    _l05_no_download(monkeypatch)
    with pytest.raises(ValueError, match="input_shape"):
        keras.applications.VGG16(weights="imagenet", include_top=True, input_shape=(96, 96, 3))


def test_predict_on_batch_builds_its_graph_once_then_reuses_it():
    """Lesson 05 §6: the first ``predict_on_batch`` call builds (traces) the computation graph, a one-off cost;
    after a second batch shape TensorFlow generalises the graph, so later batches of any size reuse it (the
    timed test pass, after the training pass, traces nothing)."""
    model = keras.Sequential([keras.Input((8, 8, 3)), keras.layers.Conv2D(4, 3), keras.layers.GlobalAveragePooling2D()])
    assert model.predict_function is None
    counts = []
    for n in (32, 24, 32, 20, 7):  # training batches, then test batches of other sizes
        model.predict_on_batch(np.zeros((n, 8, 8, 3), "float32"))
        counts.append(model.predict_function.experimental_get_tracing_count())
    assert counts == [1, 2, 2, 2, 2], (
        f"lesson 05 §6: predict_on_batch traced {counts} times; revise 'by then the training images have warmed "
        "the network up (its first batch also builds the computation graph, a one-off cost)'."
    )


# -- lesson 06 ------------------------------------------------------------------------------------------


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


# -- lesson 07 ------------------------------------------------------------------------------------------


def _l07_classifier() -> keras.Model:
    """A seeded softmax classifier on 3 inputs, compiled with plain SGD (one step = -lr x gradient)."""
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2, activation="softmax")])
    model.compile(optimizer=keras.optimizers.SGD(0.5), loss="sparse_categorical_crossentropy")
    return model


def test_class_weight_multiplies_each_examples_loss_by_its_class_weight():
    """Lesson 07 Part 1 ('Class weights'): ``fit(class_weight={c: w_c})`` multiplies each example's loss by
    its class's weight and averages over the batch's examples (not over the weights), so a training step
    equals one on the loss mean_i(w_{y_i} x loss_i)."""
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(8, 3)).astype("float32"), np.array([0, 0, 0, 0, 0, 0, 1, 1])
    weights = {0: 0.5, 1: 3.0}
    model = _l07_classifier()
    per_example = keras.losses.SparseCategoricalCrossentropy(reduction=None)
    import tensorflow as tf

    with tf.GradientTape() as tape:
        expected_loss = tf.reduce_mean(per_example(y, model(x)) * np.array([weights[int(c)] for c in y], "float32"))
    grads = tape.gradient(expected_loss, model.trainable_weights)
    expected = [w.numpy() - 0.5 * g.numpy() for w, g in zip(model.trainable_weights, grads)]
    history = model.fit(x, y, class_weight=weights, epochs=1, batch_size=8, shuffle=False, verbose=0)
    np.testing.assert_allclose(history.history["loss"][0], float(expected_loss), rtol=1e-5, err_msg=(
        "Keras's class_weight no longer gives the loss mean(w_c x loss): revise lesson 07 Part 1 ('each "
        "example's loss is multiplied by the weight of its class') and tlcourse.imbalance's docstring."))
    for got, want in zip(model.trainable_weights, expected):
        np.testing.assert_allclose(got.numpy(), want, rtol=1e-4, atol=1e-6,
                                   err_msg="lesson 07 Part 1: a class-weighted SGD step no longer follows mean(w_c x loss)")


def test_mobilenetv2_halves_a_canvas_four_times_before_block_12_add():
    """Lesson 07 Part 2 ('The grid'): MobileNetV2 has four stride-2 layers before ``block_12_add``, so a
    128x128 canvas becomes an 8x8 grid of 96 features there."""
    base = keras.applications.MobileNetV2(weights=None, include_top=False, input_shape=(128, 128, 3))
    layers = [layer.name for layer in base.layers]
    before = base.layers[: layers.index("block_12_add") + 1]
    halving = [layer.name for layer in before if tuple(getattr(layer, "strides", (1, 1))) == (2, 2)]
    assert len(halving) == 4, f"lesson 07 'The grid': stride-2 layers before block_12_add are now {halving}"
    assert tuple(base.get_layer("block_12_add").output.shape[1:]) == (8, 8, 96), (
        "lesson 07 'The grid': block_12_add no longer gives an 8x8x96 grid for a 128x128 canvas")


def test_keras_calls_corner_boxes_xyxy():
    """Lesson 07 Part 2 ('The grid', exercises 3-4): Keras's box utilities name the course's box layout
    ``(x_min, y_min, x_max, y_max)`` "xyxy"; "center_xywh" gives the centre and size, and their IoU agrees."""
    from keras.utils import bounding_boxes

    box = np.array([[40.0, 70.0, 60.0, 90.0]], "float32")
    centre = keras.ops.convert_to_numpy(bounding_boxes.convert_format(box, source="xyxy", target="center_xywh"))
    np.testing.assert_allclose(centre, [[50.0, 80.0, 20.0, 20.0]], err_msg=(
        "keras.utils.bounding_boxes no longer reads 'xyxy' as (x_min, y_min, x_max, y_max): revise lesson 07 "
        "('Keras's box utilities call this layout xyxy')."))
    a, b = np.array([[0.0, 0.0, 10.0, 10.0]], "float32"), np.array([[5.0, 5.0, 15.0, 15.0]], "float32")
    iou = keras.ops.convert_to_numpy(bounding_boxes.compute_iou(a, b, bounding_box_format="xyxy"))
    np.testing.assert_allclose(iou, [[25 / 175]], rtol=1e-5, err_msg="lesson 07 ex. 3: Keras's IoU of xyxy boxes changed")


# -- the link between lessons and facts ---------------------------------------------------------------


def _fact_tests() -> dict:
    return {name: fn for name, fn in globals().items() if name.startswith("test_") and callable(fn)
            and name not in ("test_every_fact_names_the_lesson_section_relying_on_it", "test_every_cited_fact_exists")}


def test_every_fact_names_the_lesson_section_relying_on_it():
    """Each fact's docstring starts with the lesson (and section) that relies on it."""
    import re

    unnamed = [name for name, fn in _fact_tests().items() if not re.match(r"Lessons? 0\d", (fn.__doc__ or "").strip())]
    assert not unnamed, f"these facts do not say which lesson relies on them (start the docstring with 'Lesson NN §k'): {unnamed}"


def test_every_cited_fact_exists():
    """Every ``test_keras_facts.py::name`` a lesson or the library cites is a test in this file."""
    import json
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    texts = {p: "".join("".join(c["source"]) for c in json.loads(p.read_text())["cells"]) for p in root.glob("course/*.ipynb")}
    texts.update({p: p.read_text() for p in root.glob("tlcourse/**/*.py")})
    texts.update({p: p.read_text() for p in root.glob("*.md")})
    cited = {(p.name, name) for p, text in texts.items()
             for name in re.findall(r"(?:test_keras_facts\.py|`)::(test_\w+)", text)}
    missing = sorted(f"{where}: {name}" for where, name in cited if name not in _fact_tests())
    assert not missing, f"cited but not in tests/test_keras_facts.py: {missing}"
    assert cited, "no lesson cites a fact any more: the pattern above went stale"
