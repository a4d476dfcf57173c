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
    F.unfreeze_last(resnet_base, 1, count="blocks")  # stage conv5 trains now
    assert F.param_counts(bigger).trainable == 525_572 + F.param_counts(resnet_base).trainable
    assert F.param_counts(resnet_base).trainable == sum(r["trainable"] for r in F.trainable_report(resnet_base))


def test_blocks_of_known_architectures(resnet_base):
    assert list(F.blocks(resnet_base)) == ["stem", "conv2", "conv3", "conv4", "conv5"]
    mnv2 = keras.applications.MobileNetV2(weights=None, include_top=False, input_shape=(96, 96, 3))
    names = list(F.blocks(mnv2))
    assert names[:3] == ["stem", "block_0", "block_1"] and names[-2:] == ["block_16", "last_conv"]
    from tlcourse.zoo import build

    lite = list(F.blocks(build("EfficientNetLite0")))
    assert lite[:3] == ["stem", "block1a", "block2a"] and lite[-2:] == ["block7a", "last_conv"] and len(lite) == 18


def test_unfreeze_last_layers_and_weighted():
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3), keras.layers.ReLU(), keras.layers.Dense(2)])
    F.freeze(model)
    assert F.param_counts(model).trainable == 0
    F.unfreeze_last(model, 1)  # the last layer: Dense(2)
    assert F.param_counts(model).trainable == 8
    F.unfreeze_last(model, 2)  # ReLU has no weights: still 8
    assert F.param_counts(model).trainable == 8
    F.unfreeze_last(model, 2, count="weighted")
    assert F.param_counts(model).trainable == 15 + 8
    F.unfreeze_last(model, 0)
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
    F.unfreeze_last(base, 2, count="blocks")  # block_16 and last_conv
    counts = F.param_counts(base)
    report = {r["block"]: r for r in F.trainable_report(base)}
    assert counts.trainable == report["block_16"]["trainable"] + report["last_conv"]["trainable"] > 0


def _small_classifier():
    base = keras.applications.MobileNetV2(weights=None, include_top=False, input_shape=(32, 32, 3), alpha=0.35)
    inputs = keras.Input((32, 32, 3))
    x = keras.layers.GlobalAveragePooling2D(name="pool")(base(inputs, training=False))
    return keras.Model(inputs, keras.layers.Dense(2, name="last_conv")(x)), base


def test_blocks_of_a_classifier_keep_the_new_layers_apart():
    model, base = _small_classifier()
    names = list(F.blocks(model))
    # the base's blocks, then the outer layers one by one; "last_conv" is taken by the base: prefixed
    assert names[:2] == ["stem", "block_0"] and names[-4:] == ["block_16", "last_conv", "pool", f"{model.name}/last_conv"]
    assert [layer.name for layer in F.blocks(model)["pool"]] == ["pool"]
    assert list(F.blocks(base)) == names[:-2]


def test_frozen_container_inside_a_model_two_views():
    """Keras counts a frozen base's inner layers in the outer model when their own flag is on."""
    model, base = _small_classifier()
    base.trainable = False
    base.get_layer("Conv_1").trainable = True  # switched back on by hand, inside a frozen container
    conv = base.get_layer("Conv_1").count_params()
    assert F.param_counts(base).trainable == 0  # the container's own view
    assert F.param_counts(model).trainable == conv + model.get_layer("last_conv").count_params()  # the model's view
    assert F.param_counts(model) == _summary_param_counts(model)
    F.set_blocks_trainable(model, ["last_conv"], True)  # the base's "last_conv" block: Conv_1, its BN, ReLU
    assert base.trainable  # reopened: both views agree now
    in_base = [r for r in F.trainable_report(model) if r["block"] == "last_conv"][0]["trainable"]
    assert F.param_counts(base).trainable == in_base > conv


def _summary_param_counts(model):
    return F.ParamCounts(*_summary_counts(model))


def test_set_blocks_trainable_and_report_states():
    model, base = _small_classifier()
    F.freeze(model)
    assert {r["state"] for r in F.trainable_report(model)} == {"frozen"}
    F.set_blocks_trainable(model, ["block_16", "pool"], True)
    report = {r["block"]: r for r in F.trainable_report(model)}
    assert report["block_16"]["state"] == "trainable" and report["block_15"]["state"] == "frozen"
    assert report["pool"]["params"] == 0 and report["pool"]["trainable"] == 0 and report["pool"]["state"] == "trainable"
    assert F.param_counts(model).trainable == report["block_16"]["trainable"] > 0
    F.set_blocks_trainable(model, ["block_16"], False)
    assert F.param_counts(model).trainable == 0
    F.unfreeze(model)
    F.freeze_by_type(model, keras.layers.BatchNormalization)
    states = {r["block"]: r["state"] for r in F.trainable_report(model)}
    assert states["block_3"] == "partly" and states[f"{model.name}/last_conv"] == "trainable"
    assert sum(r["trainable"] for r in F.trainable_report(model)) == F.param_counts(model).trainable
    with pytest.raises(KeyError, match="this model's blocks are"):
        F.set_blocks_trainable(model, ["conv5"], True)


def test_preserved_restores_every_flag_even_after_an_error():
    model, base = _small_classifier()
    F.freeze_by_type(model, keras.layers.BatchNormalization)
    base.get_layer("Conv1").trainable = False
    before = [layer.trainable for layer in F.layers_of(model)] + [base.trainable, model.trainable]
    counts = F.param_counts(model)
    with pytest.raises(RuntimeError), F.preserved(model):
        F.freeze(model)
        assert F.param_counts(model).trainable == 0
        raise RuntimeError("boom")
    assert [layer.trainable for layer in F.layers_of(model)] + [base.trainable, model.trainable] == before
    assert F.param_counts(model) == counts


def test_unfreeze_curve_shows_layers_without_weights(resnet_base):
    inputs = keras.Input((224, 224, 3))
    x = keras.layers.GlobalAveragePooling2D()(resnet_base(inputs, training=False))
    model = keras.Model(inputs, keras.layers.Dense(4)(x))
    F.freeze(resnet_base)
    rows = F.unfreeze_curve(resnet_base, range(0, 5), measure=model)
    assert [r["added"] for r in rows] == [None, "conv5_block3_out", "conv5_block3_add", "conv5_block3_3_bn",
                                          "conv5_block3_3_conv"]
    bn, conv = 2 * 2048, 512 * 2048 + 2048  # conv5_block3_3: BatchNorm scale + offset; 1x1 conv 512 -> 2048
    assert [r["trainable"] for r in rows] == [8_196, 8_196, 8_196, 8_196 + bn, 8_196 + bn + conv]
    assert [r["weights"] for r in rows] == [False, False, False, True, True]
    assert F.param_counts(model).trainable == 8_196  # flags restored
    blocks = F.unfreeze_curve(resnet_base, [0, 1], count="blocks")
    assert blocks[1]["added"] == "conv5" and blocks[1]["trainable"] > 0 == blocks[0]["trainable"]
    with pytest.raises(ValueError, match="between 0 and"):
        F.unfreeze_curve(resnet_base, [10_000])
