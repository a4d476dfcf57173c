"""Freezing helpers reproduce the figures every transfer-learning course quotes."""
from __future__ import annotations

import keras
import pytest

from tlcourse import freeze as F


@pytest.fixture(scope="module")
def resnet_base():
    return keras.applications.ResNet50(weights=None, include_top=False, input_shape=(224, 224, 3))


def _summary_counts(model) -> tuple[int, int]:
    """Parse model.summary()'s own text so we compare with exactly what students see."""
    lines = []
    model.summary(print_fn=lambda line, **kw: lines.append(line))
    text = "\n".join(lines)

    def grab(label):
        import re

        return int(re.search(rf"{label} params: ([\d,]+)", text).group(1).replace(",", ""))

    return grab("Trainable"), grab("Non-trainable")


def test_mobilenet_v1_counts():
    model = keras.applications.MobileNet(weights=None)
    counts = F.param_counts(model)
    assert (counts.total, counts.non_trainable) == (4_253_864, 21_888)
    assert (counts.trainable, counts.non_trainable) == _summary_counts(model)


def test_resnet50_frozen_heads(resnet_base):
    F.freeze(resnet_base)
    inputs = keras.Input((224, 224, 3))
    x = keras.layers.GlobalAveragePooling2D()(resnet_base(inputs, training=False))
    small = keras.Model(inputs, keras.layers.Dense(4)(x))
    assert F.param_counts(small).trainable == 8_196
    hidden = keras.layers.Dense(256, activation="relu")(x)
    bigger = keras.Model(inputs, keras.layers.Dense(4)(hidden))
    assert F.param_counts(bigger).trainable == 525_572
    assert (F.param_counts(bigger).trainable, F.param_counts(bigger).non_trainable) == _summary_counts(bigger)
    F.unfreeze_top(resnet_base, 1, count="blocks")  # stage conv5 trains now
    assert F.param_counts(bigger).trainable == 525_572 + F.param_counts(resnet_base).trainable
    assert F.param_counts(resnet_base).trainable == sum(r["trainable"] for r in F.trainable_report(resnet_base))


def test_blocks_of_known_architectures(resnet_base):
    assert list(F.blocks(resnet_base)) == ["stem", "conv2", "conv3", "conv4", "conv5"]
    mnv2 = keras.applications.MobileNetV2(weights=None, include_top=False, input_shape=(96, 96, 3))
    names = list(F.blocks(mnv2))
    assert names[:3] == ["stem", "block_0", "block_1"] and names[-2:] == ["block_16", "head"]
    from tlcourse.zoo import build

    lite = list(F.blocks(build("EfficientNetLite0")))
    assert lite[:3] == ["stem", "block1a", "block2a"] and lite[-2:] == ["block7a", "head"] and len(lite) == 18


def test_unfreeze_top_layers_and_weighted():
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3), keras.layers.ReLU(), keras.layers.Dense(2)])
    F.freeze(model)
    assert F.param_counts(model).trainable == 0
    F.unfreeze_top(model, 1)  # the last layer: Dense(2)
    assert F.param_counts(model).trainable == 8
    F.unfreeze_top(model, 2)  # ReLU has no weights: still 8
    assert F.param_counts(model).trainable == 8
    F.unfreeze_top(model, 2, count="weighted")
    assert F.param_counts(model).trainable == 15 + 8
    F.unfreeze_top(model, 0)
    assert F.param_counts(model).trainable == 0


def test_freeze_up_to_and_by_type():
    base = keras.applications.MobileNetV2(weights=None, include_top=False, input_shape=(96, 96, 3))
    F.freeze_up_to(base, "block_15_add")
    trainable = [layer.name for layer in base.layers if layer.trainable and layer.weights]
    assert trainable[0] == "block_16_expand" and len(trainable) == 8
    F.unfreeze(base)
    F.freeze_by_type(base, keras.layers.BatchNormalization)
    assert all(not layer.trainable for layer in base.layers if isinstance(layer, keras.layers.BatchNormalization))
    assert base.get_layer("Conv1").trainable
    with pytest.raises(KeyError, match="no layer named 'block_99'"):
        F.freeze_up_to(base, "block_99")
    with pytest.raises(KeyError, match="unknown block"):
        F.freeze_blocks(base, ["conv9"])


def test_nested_frozen_container_is_reopened():
    base = keras.applications.MobileNetV2(weights=None, include_top=False, input_shape=(96, 96, 3))
    F.freeze(base)
    F.unfreeze_top(base, 2, count="blocks")  # block_16 and head
    counts = F.param_counts(base)
    report = {r["block"]: r for r in F.trainable_report(base)}
    assert counts.trainable == report["block_16"]["trainable"] + report["head"]["trainable"] > 0
