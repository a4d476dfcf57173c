"""LabelsBudget (lesson 02), driven from code on small synthetic features: the slider, the gallery, bad input.

Two overlapping clouds of 32-number "features" (200 per class to train, 100 per class to validate)
stand in for MobileNetV2's cached features: a head on 1 photo per class gets many wrong, one on 200 few.
"""
from __future__ import annotations

import base64
import io

import numpy as np
import pytest
from PIL import Image

from tlcourse.widgets import LabelsBudget, WidgetInputError
from tlcourse.widgets.base import ROOT_CLASS
from tlcourse.widgets.labels_budget import fit_softmax, probabilities


def _clouds(per_class: int, seed: int, d: int = 32) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    labels = np.repeat([0, 1], per_class)
    centres = np.zeros((2, d))
    centres[1, :4] = 0.9
    return centres[labels] + rng.normal(size=(len(labels), d)), labels


@pytest.fixture(scope="module")
def widget():
    x, y = _clouds(200, 0)
    xv, yv = _clouds(100, 1)
    images = np.random.default_rng(2).integers(0, 256, (len(yv), 24, 24, 3), dtype=np.uint8)
    return LabelsBudget(x, y, xv, yv, images, ["cats", "dogs"], per_class=10)


def test_fit_softmax_is_a_dense_softmax_head():
    x, y = _clouds(100, 3)
    head = fit_softmax(x, y)
    assert head[0].shape == (32, 2) and head[1].shape == (2,)
    p = probabilities(x, head)
    assert np.allclose(p.sum(axis=1), 1) and np.mean(p.argmax(1) == y) > 0.8
    assert np.array_equal(fit_softmax(x, y)[0], head[0])  # deterministic: the same photos give the same head
    weighted = fit_softmax(x, y, sample_weight=np.where(y == 1, 10.0, 1.0))
    assert (probabilities(x, weighted).argmax(1) == 1).sum() > (p.argmax(1) == 1).sum()  # weights favour class 1
    with pytest.raises(ValueError, match="one feature vector"):
        fit_softmax(x[:5], y)


def test_initial_state_classes_text_and_picture(widget):
    assert ROOT_CLASS in widget._dom_classes and "tlc-labels-budget" in widget._dom_classes
    assert widget.per_class == 10 and widget.sizes == [1, 2, 5, 10, 25, 50, 100]  # up to the 200 per class there are
    text = repr(widget)
    assert text.startswith("LabelsBudget: a head trained on 10 labelled photos per class (20 in all): validation accuracy ")
    wrong = len(widget.mistakes)
    assert f"{200 - wrong} of 200 validation photos right, {wrong} misclassified" in text
    assert f"{wrong} of 200 validation photos misclassified, the 16 most confident mistakes shown" in widget.gallery.value
    assert widget.gallery.value.count("tlc-budget-tile") == 16 and "data:image/jpeg;base64," in widget.gallery.value
    bundle = widget._repr_mimebundle_()
    assert bundle["text/plain"] == text and "application/vnd.jupyter.widget-view+json" in bundle
    assert Image.open(io.BytesIO(base64.b64decode(bundle["image/png"]))).size[0] > 400
    assert widget.message == ""


def test_mistakes_come_most_confident_first(widget):
    p, said = widget.probabilities, widget.predicted
    confidence = p[widget.mistakes, said[widget.mistakes]]
    assert np.all(np.diff(confidence) <= 0) and np.all(said[widget.mistakes] != widget.val_labels[widget.mistakes])
    first = widget.mistakes[0]
    assert (f"true: {widget.class_names[widget.val_labels[first]]}<br>" in widget.gallery.value
            and f"{p[first, said[first]]:.0%}</span>" in widget.gallery.value)


def test_slider_retrains_and_the_page_changes(widget):
    widget.set_per_class(1)
    one = (repr(widget), widget.readout.value, widget.gallery.value, widget.accuracy)
    assert "trained on 1 labelled photo per class (2 in all)" in one[0]
    widget.slider.value = 100  # as the browser does
    assert widget.per_class == 100 and "trained on 100 labelled photos per class (200 in all)" in repr(widget)
    assert (widget.readout.value, widget.gallery.value) != one[1:3]
    assert widget.accuracy > one[3]  # a hundred photos per class beat one (two well-separated clouds)
    assert widget.last_response_s < 2  # generous: a shared CI machine; about 0.03 s here
    print(f"LabelsBudget: 100 per class answered in {widget.last_response_s:.3f} s")
    widget.set_per_class(1)  # fitted before: recalled, the same answer
    assert (repr(widget), widget.readout.value, widget.gallery.value) == one[:3]
    assert widget.snapshot()._suptitle.get_text().startswith("1 labelled photos per class: accuracy ")
    widget.set_per_class(10)


@pytest.mark.parametrize("value, message", [
    (7, "7 labelled photos per class is not on offer: choose one of 1, 2, 5, 10, 25, 50, 100 (the training set has 200 per class)"),
    (1000, "1000 labelled photos per class is not on offer"),
    (2.5, "labelled photos per class must be a whole number, got 2.5: choose one of 1, 2, 5"),
    ("ten", "must be a whole number, got 'ten'"),
])
def test_bad_sizes_say_what_to_choose(widget, value, message):
    with pytest.raises(WidgetInputError, match="labelled photos per class"):
        widget.set_per_class(value)
    widget.guarded(widget.set_per_class)(value)  # what a callback does: a message, no exception
    assert message in widget.message and widget.per_class == 10
    widget.set_per_class(10)
    assert widget.message == ""


def test_inputs_that_do_not_fit_are_refused():
    x, y = _clouds(20, 0)
    xv, yv = _clouds(10, 1)
    images = np.zeros((len(yv), 8, 8, 3), np.uint8)
    with pytest.raises(ValueError, match="pass the same validation set's features, labels and images"):
        LabelsBudget(x, y, xv, yv, images[:5], ["cats", "dogs"])
    with pytest.raises(ValueError, match="extract both with the same base"):
        LabelsBudget(x, y, xv[:, :8], yv, images, ["cats", "dogs"])
    small = LabelsBudget(x, y, xv, yv, images, ["cats", "dogs"], per_class=50)  # not on offer: a size there is
    assert small.sizes == [1, 2, 5, 10] and small.per_class == 10
