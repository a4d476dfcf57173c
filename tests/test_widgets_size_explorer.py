"""SizeExplorer (lesson 05), driven from code: the side slider, the grey toggle, the photo menu, bad sizes.

A MobileNetV2 with random weights at 96x96 (alpha 0.35) has 1000 outputs and a fixed square input, which
is all the plumbing needs; the lesson itself runs the widget on the real weights at 224.
"""
from __future__ import annotations

import base64
import io

import keras
import numpy as np
import pytest
from PIL import Image

from tlcourse import adapt
from tlcourse.widgets import SizeExplorer, WidgetInputError
from tlcourse.widgets.base import ROOT_CLASS

SIZE = 96


def _preprocess(x):
    return np.asarray(x, np.float32) / 127.5 - 1.0


@pytest.fixture(scope="module")
def photos(photos):  # conftest's skimage photos, full size (not square): the widget crops them
    return {"chelsea": photos["chelsea"], "coffee": photos["coffee"]}


@pytest.fixture(scope="module")
def model():
    keras.utils.set_random_seed(0)
    return keras.applications.MobileNetV2(weights=None, alpha=0.35, input_shape=(SIZE, SIZE, 3))


@pytest.fixture(scope="module")
def widget(model, photos):
    return SizeExplorer(model, _preprocess, photos)


def _state(widget):
    return widget.top_view.value, widget.small_view.value, widget.model_view.value, widget.caption.value


def test_initial_state_classes_text_and_picture(widget):
    assert ROOT_CLASS in widget._dom_classes and "tlc-size-explorer" in widget._dom_classes
    assert (widget.current, widget.size, widget.grey) == ("chelsea", SIZE, False)
    assert (widget.slider.min, widget.slider.max, widget.slider.value) == (8, SIZE, SIZE)
    text = repr(widget)
    assert text.startswith("SizeExplorer: 'chelsea' shrunk to 96x96 pixels, in colour, enlarged back to 96x96 for ")
    assert "top-5: " in text and "rank 1 of 1000" in text  # at full size the full-size answer is first
    assert widget.top_view.value.count("tlc-top-row") == 5 and widget.predictions[0][1] in widget.top_view.value
    bundle = widget._repr_mimebundle_()
    assert bundle["text/plain"] == text and "application/vnd.jupyter.widget-view+json" in bundle
    assert Image.open(io.BytesIO(base64.b64decode(bundle["image/png"]))).size[0] > 300
    assert widget.message == ""


def test_the_slider_shrinks_the_photo_and_changes_the_answer(widget, photos):
    widget.set_size(SIZE)
    full = _state(widget)
    widget.slider.value = 10  # as the browser does
    assert widget.size == 10 and "shrunk to 10x10 pixels" in repr(widget)
    assert widget.last_response_s < 2  # one forward pass, no training (generous: a shared CI machine)
    print(f"SizeExplorer side 96 -> 10: {1000 * widget.last_response_s:.0f} ms")
    small = _state(widget)
    assert all(a != b for a, b in zip(full, small)) and "<b>10x10 pixels</b> (100 per colour plane)" in widget.caption.value
    result = widget._result()
    assert result["small"].shape == (10, 10, 3) and result["seen"].shape == (SIZE, SIZE, 3)
    # exactly lesson 05 §7's recipe: the centre square shrunk (antialiased), then enlarged back
    expected = adapt.resize_batch(adapt.resize_batch(adapt.center_crop(photos["chelsea"]), 10), SIZE)
    np.testing.assert_array_equal(result["seen"], expected)
    assert Image.open(io.BytesIO(widget.small_view.value)).size == (224, 224)  # blocky pixels, drawn large
    widget.set_size(SIZE)  # seen before: kept, no new forward pass
    assert _state(widget) == full and widget.slider.value == SIZE and widget.last_response_s < 0.5


def test_grey_toggle(widget):
    widget.set_size(40)
    colour = _state(widget)
    widget.grey_box.value = True  # as the browser does
    assert widget.grey and "in grey" in repr(widget) and _state(widget)[2] != colour[2]
    assert widget.last_response_s < 2
    print(f"SizeExplorer grey on: {1000 * widget.last_response_s:.0f} ms")
    seen = widget._result()["seen"]
    assert (seen[..., 0] == seen[..., 1]).all() and (seen[..., 1] == seen[..., 2]).all()
    assert "colour answer" in repr(widget)  # the reference stays the colour photo's full-size class
    widget.set_grey(False)
    assert _state(widget) == colour and not widget.grey_box.value
    widget.guarded(widget.set_grey)("yes")
    assert "give True or False" in widget.message
    widget.set_size(SIZE)


def test_photo_menu(widget):
    widget.picker.value = "coffee"  # as the browser does
    assert widget.current == "coffee" and "'coffee' shrunk to" in repr(widget)
    widget.guarded(widget.pick)("dog")
    assert "no photo 'dog'; choose from chelsea, coffee" in widget.message and widget.current == "coffee"
    widget.pick("chelsea")
    assert widget.message == ""


@pytest.mark.parametrize("side, message", [
    (200, "200x200 pixels is more than .* takes: its ImageNet classifier \\(the top\\) was trained on 96x96 photos"),
    (4, "4x4 pixels is below the explorer's smallest side"),
    (12.5, "the side is a whole number of pixels, got 12.5"),
    ("big", "the side is a whole number of pixels, got 'big'"),
])
def test_a_side_the_model_cannot_take_says_why(widget, side, message):
    widget.set_size(32)
    widget.guarded(widget.set_size)(side)  # what a callback does: the message line, no traceback
    assert "choose a side from 8 to 96 pixels" in widget.message and 'data-kind="error"' in widget.message_line.value
    assert widget.size == 32 and widget.slider.value == 32  # the last good size stays
    with pytest.raises(WidgetInputError, match=message):
        widget.set_size(side)
    with pytest.raises(WidgetInputError, match=message):
        SizeExplorer(widget.model, _preprocess, {"x": np.zeros((40, 40, 3), np.uint8)}, size=side)


def test_bad_model_and_photos(model):
    with pytest.raises(TypeError, match="needs an ImageNet classifier with its top"):
        SizeExplorer(keras.applications.MobileNetV2(weights=None, include_top=False, alpha=0.35,
                                                    input_shape=(32, 32, 3)), _preprocess)
    free = keras.Sequential([keras.Input((None, None, 3)), keras.layers.GlobalAveragePooling2D(),
                             keras.layers.Dense(1000, activation="softmax")])
    with pytest.raises(TypeError, match="a fixed, square RGB input"):
        SizeExplorer(free, _preprocess, {"x": np.zeros((40, 40, 3), np.uint8)})
    with pytest.raises(ValueError, match="give uint8 RGB pixels"):
        SizeExplorer(model, _preprocess, {"x": np.zeros((40, 40), np.uint8)})
    with pytest.raises(ValueError, match="at least one photo"):
        SizeExplorer(model, _preprocess, {})
