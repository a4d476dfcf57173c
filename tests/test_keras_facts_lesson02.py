"""Keras behaviours that lesson 02 (feature extraction) states, one small test each.

Each docstring names the lesson section that relies on the behaviour; each failure message says which
prose to revise when a Keras upgrade changes it. (To be merged into ``tests/test_keras_facts.py``.)
"""
from __future__ import annotations

import keras
import numpy as np
import pytest


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
