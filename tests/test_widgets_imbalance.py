"""ImbalanceExplorer (lesson 07), driven from code on small synthetic features: ratio, class weights, bad input.

Two overlapping clouds of 16-number "features" (200 per class to train, 200 per class to test) stand
in for the lesson's cached MobileNetV2 features: the rarer the second class in training, the fewer of
it the head finds, and the "balanced" class weights find more of it again.
"""
from __future__ import annotations

import base64
import io

import numpy as np
import pytest
from PIL import Image

from tlcourse import imbalance
from tlcourse.widgets import ImbalanceExplorer, WidgetInputError
from tlcourse.widgets.base import ROOT_CLASS


def _clouds(per_class: int, seed: int, d: int = 16) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    labels = np.repeat([0, 1], per_class)
    centres = np.zeros((2, d))
    centres[1, :3] = 1.0
    return centres[labels] + rng.normal(size=(len(labels), d)), labels


@pytest.fixture(scope="module")
def widget():
    x, y = _clouds(200, 0)
    xt, yt = _clouds(200, 1)
    return ImbalanceExplorer(x, y, xt, yt, ["cats", "dogs"])


def test_initial_state_classes_text_and_picture(widget):
    assert ROOT_CLASS in widget._dom_classes and "tlc-imbalance" in widget._dom_classes
    assert widget.ratio == 10 and widget.class_weights is False and widget.ratios == [1, 2, 5, 10, 20, 50]
    text = repr(widget)
    assert text.startswith("ImbalanceExplorer: trained on 200 cats and 20 dogs (10:1), no class weights\n")
    m = widget.result["matrix"]
    assert m.sum() == 400 and m.sum(axis=1).tolist() == [200, 200]
    assert f"dogs found {m[1, 1] / 200:.3f} ({m[1, 1]} of 200)" in text
    assert f"true dogs    {m[1, 0]:>5} {m[1, 1]:>5}" in text  # the matrix, in the text form too
    assert "test set with the training mix (220 photos)" in text
    assert widget.matrix_view.value.count("tlc-confusion-cell") == 4 and f">{m[1, 1]}</td>" in widget.matrix_view.value
    assert f"balanced accuracy {widget.result['balanced accuracy']:.3f}</b>" in widget.readout.value
    bundle = widget._repr_mimebundle_()
    assert bundle["text/plain"] == text and "application/vnd.jupyter.widget-view+json" in bundle
    assert Image.open(io.BytesIO(base64.b64decode(bundle["image/png"]))).size[0] > 200
    assert widget.message == ""


def test_the_result_is_what_the_imbalance_module_says(widget):
    """The matrix and scores shown are tlcourse.imbalance's, on the labels the widget's head predicts."""
    r = widget.result
    assert r["balanced accuracy"] == pytest.approx(np.mean(np.diag(r["matrix"]) / 200))
    assert r["counts"].tolist() == [200, 20] and r["weights"] == {0: 1.0, 1: 1.0}


def test_ratio_slider_and_class_weights_refit_and_redraw(widget):
    widget.set_ratio(1)
    balanced = (repr(widget), widget.matrix_view.value, widget.result["recall"][1])
    widget.ratio_slider.value = 50  # as the browser does
    assert widget.ratio == 50 and "trained on 200 cats and 4 dogs (50:1), no class weights" in repr(widget)
    assert widget.matrix_view.value != balanced[1]
    rare_plain = widget.result["matrix"][1, 1]
    assert widget.result["recall"][1] < balanced[2]  # the rarer the dogs in training, the fewer found
    assert widget.last_response_s < 2  # generous: a shared CI machine; a few hundredths of a second here
    plain_text = repr(widget)
    widget.weights_box.value = True  # ticked, as in the browser
    assert widget.class_weights and widget.result["weights"] == imbalance.class_weights(np.array([0] * 200 + [1] * 4))
    assert "class weights 0.51 (cats) and 25.50 (dogs)" in repr(widget) and repr(widget) != plain_text
    assert widget.result["matrix"][1, 1] > rare_plain  # the mechanism: weighted, the head answers "dog" more often
    assert widget.last_response_s < 2
    print(f"ImbalanceExplorer: class weights answered in {widget.last_response_s:.3f} s")
    widget.set_class_weights(False)  # fitted before: recalled
    assert repr(widget) == plain_text
    assert widget.snapshot().axes[0].get_title().startswith("50:1, plain: balanced accuracy ")
    widget.set_ratio(10)


@pytest.mark.parametrize("value, message", [
    (3, "an imbalance of 3:1 is not on offer: choose one of 1, 2, 5, 10, 20, 50 (common-class photos per rare one)"),
    (0, "an imbalance of 0:1 is not on offer"),
    ("10", "an imbalance of '10':1 is not on offer"),
])
def test_bad_ratios_say_what_to_choose(widget, value, message):
    with pytest.raises(WidgetInputError, match="is not on offer"):
        widget.set_ratio(value)
    widget.guarded(widget.set_ratio)(value)
    assert message in widget.message and widget.ratio == 10
    widget.set_ratio(10)
    assert widget.message == ""


def test_class_weights_take_on_or_off(widget):
    widget.guarded(widget.set_class_weights)("yes")
    assert "class weights are on or off: pass True or False, not 'yes'" in widget.message
    assert widget.class_weights is False


def test_inputs_that_do_not_fit_are_refused():
    x, y = _clouds(20, 0)
    xt, yt = _clouds(20, 1)
    with pytest.raises(ValueError, match="pass a balanced training set"):
        ImbalanceExplorer(x[5:], y[5:], xt, yt, ["cats", "dogs"], common=1, rare=0)
    with pytest.raises(ValueError, match="same base as the training ones"):
        ImbalanceExplorer(x, y, xt[:, :4], yt, ["cats", "dogs"])
    with pytest.raises(ValueError, match="pick two different classes"):
        ImbalanceExplorer(x, y, xt, yt, ["cats", "dogs"], rare=0)
    few = ImbalanceExplorer(x, y, xt, yt, ["cats", "dogs"], ratio=50)  # 20 cats: up to 20:1
    assert few.ratios == [1, 2, 5, 10, 20] and few.ratio == 20
