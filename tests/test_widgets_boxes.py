"""BoxThresholds (lesson 07), driven from code with a stand-in head whose grid outputs are known.

The stand-in "head" answers each canvas with the target grid of its true boxes (objectness 0.9), plus
a second, shifted box for the first object in the next cell (score 0.7: a duplicate that non-max
suppression removes) and an unsure box in the bottom-right cell (score 0.2: a false alarm at a low
threshold). So every count the widget shows is known in advance.
"""
from __future__ import annotations

import base64
import io

import numpy as np
import pytest
from PIL import Image

from tlcourse import detect
from tlcourse.widgets import BoxThresholds, WidgetInputError
from tlcourse.widgets.base import ROOT_CLASS

CANVAS, GRID, NAMES = 128, 8, ("Trouser", "Bag")


class StandInHead:
    def __init__(self, scenes: detect.DetectionSet):
        self.scenes = scenes
        self.calls = 0

    def predict(self, features, verbose=0):
        self.calls += 1
        out = []
        for i in np.asarray(features).astype(int):
            t = detect.encode(self.scenes.boxes[i], self.scenes.classes[i], CANVAS, GRID, len(NAMES))
            t[..., detect.OBJ] *= 0.9
            t[1, 2, [detect.OBJ, detect.X, detect.Y, detect.W, detect.H]] = 0.7, 0.0, 0.875, 40 / CANVAS, 40 / CANVAS
            t[1, 2, detect.CLS + self.scenes.classes[i][0]] = 1.0  # the first object's duplicate, 2 px to the right
            t[7, 7, [detect.OBJ, detect.X, detect.Y, detect.W, detect.H]] = 0.4, 0.5, 0.5, 0.1, 0.1
            t[7, 7, detect.CLS:] = 0.5  # unsure of the class: score 0.4 x 0.5 = 0.2
            out.append(t)
        return np.stack(out)


@pytest.fixture(scope="module")
def scenes():
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (4, CANVAS, CANVAS, 3), dtype=np.uint8)
    boxes = [np.array([[10.0, 10.0, 50.0, 50.0], [70.0, 70.0, 110.0, 110.0]], np.float32)] * 4
    classes = [np.array([0, 1]), np.array([1, 0]), np.array([0, 0]), np.array([1, 1])]
    return detect.DetectionSet(images, boxes, classes, NAMES)


@pytest.fixture(scope="module")
def widget(scenes):
    head = StandInHead(scenes)
    widget = BoxThresholds(head, np.arange(4), scenes)
    assert head.calls == 1
    return widget


def test_initial_state_classes_text_and_picture(widget):
    assert ROOT_CLASS in widget._dom_classes and "tlc-box-thresholds" in widget._dom_classes
    assert (widget.score_threshold, widget.iou_threshold) == (0.5, 0.5)
    assert widget.counts() == {"kept": 8, "hits": 8, "false alarms": 0, "missed": 0, "objects": 8}  # NMS took the duplicates
    text = repr(widget)
    assert text.startswith("BoxThresholds: score threshold 0.50, NMS IoU 0.50: 8 boxes kept on 4 canvases holding 8 "
                           "objects; 8 hits (right class, IoU >= 0.5), 0 false alarms, 0 missed\n")
    assert "the 8x8 grid drawn over canvas 0" in text
    assert Image.open(io.BytesIO(widget.view.value)).size == (4 * 192 + 3 * 6, 192)
    bundle = widget._repr_mimebundle_()
    assert bundle["text/plain"] == text
    assert Image.open(io.BytesIO(base64.b64decode(bundle["image/png"]))).size[0] > 400
    assert widget.message == ""


def test_sliders_filter_the_boxes_without_running_the_head(widget):
    picture = widget.view.value
    widget.iou_slider.value = 1.0  # NMS off, as the browser does
    assert widget.counts() == {"kept": 12, "hits": 8, "false alarms": 4, "missed": 0, "objects": 8}
    assert "no NMS: 12 boxes kept" in repr(widget) and widget.view.value != picture
    widget.set_iou_threshold(0.5)
    widget.score_slider.value = 0.15  # as the browser does: the unsure boxes come in
    assert widget.counts()["kept"] == 12 and widget.counts()["false alarms"] == 4
    widget.set_score_threshold(0.95)  # above every score: nothing kept, everything missed
    assert widget.counts() == {"kept": 0, "hits": 0, "false alarms": 0, "missed": 8, "objects": 8}
    assert widget.last_response_s < 2  # generous: a shared CI machine
    print(f"BoxThresholds: a threshold answered in {widget.last_response_s:.3f} s")
    widget.set_score_threshold(0.5)
    assert widget.view.value == picture and widget.snapshot()._suptitle.get_text().startswith("score threshold 0.50")


@pytest.mark.parametrize("method, value, message", [
    ("set_score_threshold", 1.5, "the score threshold is a number from 0.05 to 0.95, got 1.5: move the slider"),
    ("set_score_threshold", "high", "the score threshold is a number from 0.05 to 0.95, got 'high'"),
    ("set_iou_threshold", 0.0, "the NMS IoU is a number from 0.1 to 1, got 0.0"),
])
def test_bad_thresholds_say_what_to_do(widget, method, value, message):
    with pytest.raises(WidgetInputError, match="is a number from"):
        getattr(widget, method)(value)
    widget.guarded(getattr(widget, method))(value)
    assert message in widget.message and (widget.score_threshold, widget.iou_threshold) == (0.5, 0.5)
    widget.set_score_threshold(0.5)
    assert widget.message == ""


def test_more_features_than_canvases_are_refused(scenes):
    with pytest.raises(ValueError, match="pass the features of the set's first canvases"):
        BoxThresholds(StandInHead(scenes), np.arange(5), scenes)
    with pytest.raises(ValueError, match="pick one of the 4 canvases shown"):
        BoxThresholds(StandInHead(scenes), np.arange(4), scenes, grid_canvas=4)
