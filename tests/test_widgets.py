"""FreezePanel, driven from code: counts equal model.summary()'s, weights never change."""
from __future__ import annotations

import keras
import numpy as np
import pytest
from test_freeze import _summary_counts

from tlcourse import freeze as F
from tlcourse.widgets import FreezePanel


def _classifier(side: int = 32):
    """A small MobileNetV2 (alpha 0.35) inside a classifier: pooling, dropout, a new Dense layer."""
    base = keras.applications.MobileNetV2(weights=None, include_top=False, input_shape=(side, side, 3), alpha=0.35)
    inputs = keras.Input((side, side, 3))
    x = keras.layers.GlobalAveragePooling2D(name="pool")(base(inputs, training=False))
    x = keras.layers.Dropout(0.2, name="dropout")(x)
    return keras.Model(inputs, keras.layers.Dense(3, name="classifier")(x)), base


@pytest.fixture()
def model_and_base():
    return _classifier()


def _check_counts(panel, model):
    trainable, non_trainable = _summary_counts(model)
    assert (panel.counts.trainable, panel.counts.non_trainable) == (trainable, non_trainable)
    assert f"Trainable {trainable:,} · Non-trainable {non_trainable:,}" in panel.readout_text
    assert f'class="tlc-trainable">{trainable:,}<' in panel.readout.value
    assert sum(r["trainable"] for r in F.trainable_report(model)) == trainable


def test_blocks_of_a_classifier(model_and_base):
    model, base = model_and_base
    panel = FreezePanel(model)
    assert panel.blocks[:2] == ["stem", "block_0"]
    assert panel.blocks[-5:] == ["block_16", "last_conv", "pool", "dropout", "classifier"]
    assert len(panel.checkboxes) == len(panel.blocks) == 22
    # the slider counts blocks of the base, as freeze.unfreeze_last(base, n, count="blocks") does
    assert panel.base is base and panel.base_blocks == list(F.blocks(base)) == panel.blocks[:19]
    assert panel.slider.max == 19 and "of the base" in panel.slider.description
    assert "no weights: unfreezing unlocks nothing" in panel._bars["pool"].value
    assert 'data-state="no weights"' in panel._bars["dropout"].value
    assert "no weights" not in panel._bars["classifier"].value
    assert repr(panel).startswith("FreezePanel(22 blocks: trainable ") and len(repr(panel)) < 110


def test_counts_equal_summary_after_every_change_and_weights_never_change(model_and_base):
    model, _ = model_and_base
    before = [w.copy() for w in model.get_weights()]
    panel = FreezePanel(model)
    _check_counts(panel, model)
    steps = [
        lambda: panel.unfreeze_last(0),  # the base frozen: only the new classifier trains
        lambda: panel.set_block("pool", False),  # pooling and dropout have no weights: same count
        lambda: panel.set_block("dropout", False),
        lambda: panel.unfreeze_last(1),
        lambda: panel.set_block("block_16", True),
        lambda: panel.freeze_all(),
        lambda: panel.set_block("last_conv", True),
        lambda: setattr(panel.slider, "value", 5),  # as the browser does
        lambda: setattr(panel.checkboxes["stem"], "value", True),
        lambda: panel.unfreeze_all(),
        lambda: panel.set_block("block_3", False),
        lambda: panel.freeze_all(),
    ]
    seen = []
    for step in steps:
        step()
        _check_counts(panel, model)
        seen.append(panel.counts.trainable)
    classifier = model.get_layer("classifier").count_params()
    assert seen[0] == seen[1] == seen[2] == classifier  # freezing pooling and dropout changed nothing
    assert seen[3] > seen[2] and seen[4] > seen[3] and seen[5] == 0 and seen[-1] == 0
    assert seen[7] > seen[6] > 0  # after "freeze all" the slider opens blocks of the base (the classifier stays frozen)
    statistics = sum(2 * int(layer.moving_mean.shape[0]) for layer in F.layers_of(model)
                     if isinstance(layer, keras.layers.BatchNormalization))
    assert seen[9] == F.param_counts(model).total - statistics  # all unfrozen: only BatchNorm statistics stay
    after = model.get_weights()
    assert len(after) == len(before) and all(np.array_equal(a, b) for a, b in zip(after, before))


def test_slider_at_n_is_unfreeze_last_of_the_base(model_and_base):
    """The slider and freeze.unfreeze_last(base, n, count="blocks") count blocks the same way: same flags,
    same counts, for every n; the layers around the base keep their own flags."""
    model, base = model_and_base
    panel = FreezePanel(model)
    for n in range(panel.slider.max + 1):
        panel.unfreeze_last(n)
        by_panel = ([layer.trainable for layer in F.layers_of(model)], F.param_counts(model), F.param_counts(base))
        F.unfreeze_last(base, n, count="blocks")
        by_code = ([layer.trainable for layer in F.layers_of(model)], F.param_counts(model), F.param_counts(base))
        assert by_panel == by_code, n
        assert panel.slider.value == n
    panel.freeze_all()
    panel.unfreeze_last(2)  # after "freeze all": the base's last two blocks train, the classifier stays frozen
    assert not panel.checkboxes["classifier"].value and panel.checkboxes["last_conv"].value
    assert panel.counts.trainable == F.param_counts(base).trainable > 0


def test_checkboxes_and_slider_follow_the_model(model_and_base):
    model, base = model_and_base
    panel = FreezePanel(model)
    panel.unfreeze_last(1)
    ticked = [name for name, box in panel.checkboxes.items() if box.value]
    assert ticked == ["last_conv", "pool", "dropout", "classifier"]
    panel.set_block("block_16", True)
    assert panel.slider.value == 2  # still "the last N blocks of the base": the slider follows
    panel.set_block("block_1", True)
    assert panel.slider.value == 2 and 'data-state="trainable"' in panel._bars["block_1"].value
    # changed from code behind the panel's back: refresh() re-reads the flags
    base.trainable = False
    panel.refresh()
    assert [name for name, box in panel.checkboxes.items() if box.value] == ["pool", "dropout", "classifier"]
    assert panel.counts.trainable == model.get_layer("classifier").count_params() and panel.slider.value == 0
    # unfreezing reopens the frozen container: the base's own view agrees with the classifier's
    panel.unfreeze_last(2)
    in_base = sum(r["trainable"] for r in F.trainable_report(model) if r["block"] in ("block_16", "last_conv"))
    assert base.trainable and F.param_counts(base).trainable == in_base > 0


def test_partly_trainable_block_is_shown_as_such(model_and_base):
    model, _ = model_and_base
    panel = FreezePanel(model)
    F.freeze_by_type(model, keras.layers.BatchNormalization)
    panel.refresh()
    assert 'data-state="partly"' in panel._bars["block_5"].value and not panel.checkboxes["block_5"].value
    _check_counts(panel, model)
    panel.set_block("block_5", True)
    assert 'data-state="trainable"' in panel._bars["block_5"].value


def test_compile_reminder(model_and_base):
    model, _ = model_and_base
    panel = FreezePanel(model)
    assert panel.needs_compile and "Not compiled yet" in panel.readout_text
    model.compile(optimizer="adam", loss="mse")
    assert not panel.needs_compile and "Matches the last compile" in panel.readout_text
    panel.unfreeze_last(2)
    assert panel.needs_compile and "call model.compile(...) again" in panel.readout_text
    assert "again before fit" in panel.readout.value
    model.compile(optimizer="adam", loss="mse")
    assert not panel.needs_compile
    panel.unfreeze_last(2)  # the same state again: nothing to recompile
    assert not panel.needs_compile
    panel.set_block("stem", True)
    panel.set_block("stem", False)  # back to what was compiled
    assert not panel.needs_compile


def test_resnet_stages_and_bad_input():
    resnet = keras.applications.ResNet50(weights=None, include_top=False, input_shape=(32, 32, 3))
    panel = FreezePanel(resnet)
    assert panel.blocks == ["stem", "conv2", "conv3", "conv4", "conv5"]
    panel.unfreeze_last(1)
    assert panel.counts == F.param_counts(resnet) and panel.counts.trainable == sum(
        r["trainable"] for r in F.trainable_report(resnet) if r["block"] == "conv5")
    with pytest.raises(KeyError, match="this panel's blocks are"):
        panel.set_block("block_3", True)
    with pytest.raises(ValueError, match="between 0 and 5 .the blocks of"):
        panel.unfreeze_last(6)
    with pytest.raises(TypeError, match="needs a Keras model"):
        FreezePanel("resnet50")
