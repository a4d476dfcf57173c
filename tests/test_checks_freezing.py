"""Lesson 03's exercise checks: right answers pass, each usual wrong answer gets its own hint."""
from __future__ import annotations

import keras
import pytest

from tlcourse import checks
from tlcourse import freeze as F


@pytest.fixture()
def classifier():
    base = keras.applications.MobileNetV2(weights=None, include_top=False, input_shape=(32, 32, 3), alpha=0.35)
    inputs = keras.Input((32, 32, 3))
    x = keras.layers.GlobalAveragePooling2D(name="pool")(base(inputs, training=False))
    return keras.Model(inputs, keras.layers.Dense(2, name="classifier")(x)), base


def _k_top(model, n, bn_frozen=False):
    with F.preserved(model):
        F.unfreeze_top(model, n, count="blocks")
        if bn_frozen:
            F.freeze_by_type(model, keras.layers.BatchNormalization)
        return F.param_counts(model).trainable


def test_exactly_trainable(classifier):
    model, base = classifier
    k = _k_top(model, 4)  # classifier, pool, head, block_16
    assert "Not answered yet" in str(checks.exactly_trainable(..., k))
    assert "should be the model itself" in str(checks.exactly_trainable(123, k))
    F.freeze(model)
    assert "everything is frozen" in str(checks.exactly_trainable(model, k))
    F.unfreeze(model)
    assert "everything trains" in str(checks.exactly_trainable(model, k))
    F.unfreeze_top(model, 2, count="blocks")
    hint = str(checks.exactly_trainable(model, k))
    assert "the top 1 to 2 blocks (blocks without weights add nothing)" in hint and "move the slider right" in hint
    F.unfreeze_top(model, 6, count="blocks")
    assert "move the slider left" in str(checks.exactly_trainable(model, k))
    F.unfreeze_top(model, 4, count="blocks")
    F.freeze_by_type(model, keras.layers.BatchNormalization)
    assert "you froze their BatchNormalization" in str(checks.exactly_trainable(model, k))
    k_bn = _k_top(model, 4, bn_frozen=True)
    F.unfreeze_top(model, 4, count="blocks")
    assert "BatchNormalization layers train too" in str(checks.exactly_trainable(model, k_bn))
    F.set_blocks_trainable(model, ["block_10"], True)  # one block too many, not a "top N" shape
    hint = str(checks.exactly_trainable(model, k))
    assert "exactly block 'block_10'" in hint and "Freeze it" in hint
    F.unfreeze_top(model, 4, count="blocks")
    before = [layer.trainable for layer in F.layers_of(model)]
    feedback = checks.exactly_trainable(model, k)
    assert feedback and "exactly" in str(feedback)
    assert [layer.trainable for layer in F.layers_of(model)] == before  # the check leaves the flags alone
    assert not checks.exactly_trainable(model, k + 7) and "7 too many" in str(checks.exactly_trainable(model, k - 7))


def test_head_parameters():
    assert checks.head_parameters(164_355) and checks.head_parameters("164,355")
    assert "Not answered" in str(checks.head_parameters(...))
    assert "bias" in str(checks.head_parameters(1280 * 128 + 128 * 3))
    assert "hidden layer alone" in str(checks.head_parameters(163_968))
    assert "output layer alone" in str(checks.head_parameters(387))
    assert "single Dense" in str(checks.head_parameters(3_843))
    assert "ResNet50" in str(checks.head_parameters(2048 * 128 + 128 + 387))
    assert "whole number" in str(checks.head_parameters("lots"))
    assert "inputs x units" in str(checks.head_parameters(1))
    assert not checks.head_parameters(True)


def test_batchnorm_parameters():
    layer = keras.layers.BatchNormalization()
    layer.build((None, 96))
    counts = F.param_counts(layer)
    assert checks.batchnorm_parameters((counts.trainable, counts.non_trainable))
    assert "never trainable" in str(checks.batchnorm_parameters((384, 0)))
    assert "frozen layer" in str(checks.batchnorm_parameters((0, 384)))
    assert "one value per channel" in str(checks.batchnorm_parameters((96, 96)))
    assert "384 numbers" in str(checks.batchnorm_parameters((100, 100)))
    assert "two whole numbers" in str(checks.batchnorm_parameters(192))
    assert "Not answered" in str(checks.batchnorm_parameters(...))


def test_inner_layer_unfrozen(classifier):
    model, base = classifier
    conv = base.get_layer("Conv_1").count_params()
    head = model.get_layer("classifier").count_params()
    before = F.param_counts(model)
    assert checks.inner_layer_unfrozen(conv + head, model, base)
    assert F.param_counts(model) == before  # computed on the real model, then put back
    assert "only from base's own view" in str(checks.inner_layer_unfrozen(head, model, base))
    assert "not inside base" in str(checks.inner_layer_unfrozen(0, model, base))
    assert "add the classifier" in str(checks.inner_layer_unfrozen(conv, model, base))
    assert "froze every layer of base" in str(checks.inner_layer_unfrozen(before.total, model, base))
    assert "Not answered" in str(checks.inner_layer_unfrozen(..., model, base))
