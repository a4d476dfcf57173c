"""Keras behaviours that lesson 07 (beyond classification) states, one small test each.

Each docstring names the lesson section that relies on the behaviour; each failure message says which
prose to revise when a Keras upgrade changes it. (To be merged into ``tests/test_keras_facts.py``; the
helpers are prefixed ``_l07_`` so that they cannot clash with another lesson's.)
"""
from __future__ import annotations

import keras
import numpy as np


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
