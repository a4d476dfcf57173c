"""The shared widget base: root CSS class, text form, static picture, errors shown as messages."""
from __future__ import annotations

import base64
import io

import ipywidgets as widgets
import keras
import pytest
from PIL import Image

from tlcourse.widgets import CourseWidget, FreezePanel, WidgetInputError
from tlcourse.widgets.base import MESSAGE_CLASS, ROOT_CLASS


class Counter(CourseWidget, widgets.VBox):
    """A minimal course widget: a button that counts, refusing to go past 2."""

    css_class = "tlc-counter"

    def __init__(self):
        self.count = 0
        self.button = widgets.Button(description="+1")
        self.button.on_click(self.guarded(lambda _: self.add()))
        super().__init__([self.button, self._make_message_line()])
        self._course_widget_setup()

    def add(self) -> None:
        if self.count >= 2:
            raise WidgetInputError("2 is the most this counter takes: start again with a new Counter()")
        self.count += 1

    def text(self) -> str:
        return f"Counter at {self.count}"


def test_a_course_widget_gets_classes_text_and_no_traceback():
    counter = Counter()
    assert counter._dom_classes == (ROOT_CLASS, "tlc-counter") and MESSAGE_CLASS in counter.message_line._dom_classes
    for _ in range(3):
        counter.button.click()  # as the browser does: the third click is refused with a message
    assert counter.count == 2 and counter.message.startswith("2 is the most this counter takes")
    assert 'data-kind="error"' in counter.message_line.value
    counter.guarded(lambda: 1 / 0)()  # an unexpected error: still a message, naming what happened
    assert "ZeroDivisionError" in counter.message and "tell your instructor" in counter.message
    bundle = counter._repr_mimebundle_()
    assert bundle["text/plain"] == repr(counter) == "Counter at 2" and "image/png" not in bundle  # no snapshot()
    with pytest.raises(WidgetInputError):
        counter.add()  # from code, the error is raised as usual


def test_freeze_panel_is_a_course_widget():
    model = keras.applications.MobileNetV2(weights=None, include_top=False, input_shape=(32, 32, 3), alpha=0.35)
    panel = FreezePanel(model)
    assert ROOT_CLASS in panel._dom_classes and "tlc-freeze-panel" in panel._dom_classes
    bundle = panel._repr_mimebundle_()
    assert bundle["text/plain"] == repr(panel) and repr(panel).startswith("FreezePanel(19 blocks: trainable ")
    assert "application/vnd.jupyter.widget-view+json" in bundle
    picture = Image.open(io.BytesIO(base64.b64decode(bundle["image/png"])))
    assert picture.size[0] > 300 and picture.size[1] > 150
