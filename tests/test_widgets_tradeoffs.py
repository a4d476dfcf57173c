"""TradeoffExplorer (lesson 06), driven from code on a small hand-made table; pareto_front with ties."""
from __future__ import annotations

import time

import pandas as pd
import pytest

from tlcourse.widgets import TradeoffExplorer, WidgetInputError
from tlcourse.widgets.base import ROOT_CLASS
from tlcourse.widgets.tradeoffs import better_direction, pareto_front

ROWS = [
    {"model": "Small", "params": 1.0, "latency b1 (ms)": 5.0, "size (MB)": 4.0, "accuracy": 0.90},
    {"model": "Mid", "params": 3.0, "latency b1 (ms)": 9.0, "size (MB)": 12.0, "accuracy": 0.95},
    {"model": "Slow", "params": 4.0, "latency b1 (ms)": 20.0, "size (MB)": 16.0, "accuracy": 0.93},
    {"model": "Big", "params": 25.0, "latency b1 (ms)": 30.0, "size (MB)": 98.0, "accuracy": 0.97},
]


def _names(rows):
    return [r["model"] for r in rows]


def test_pareto_front_lower_x_higher_y():
    assert _names(pareto_front(ROWS, "latency b1 (ms)", "accuracy")) == ["Small", "Mid", "Big"]


def test_pareto_front_both_lower():
    assert _names(pareto_front(ROWS, "params", "size (MB)", "lower", "lower")) == ["Small"]


def test_pareto_front_keeps_ties_and_drops_a_row_beaten_on_one_axis_only_if_equal_on_the_other():
    rows = [{"model": "A", "x": 1, "y": 0.9}, {"model": "B", "x": 1, "y": 0.9},  # an exact tie: both stay
            {"model": "C", "x": 1, "y": 0.8},  # same x, lower accuracy: dominated
            {"model": "D", "x": 2, "y": 0.9}]  # same accuracy, slower: dominated
    assert _names(pareto_front(rows, "x", "y")) == ["A", "B"]


def test_pareto_front_rejects_a_bad_direction():
    with pytest.raises(ValueError, match="'lower' or 'higher'"):
        pareto_front(ROWS, "params", "accuracy", x_better="smaller")


def test_better_direction():
    assert better_direction("accuracy") == "higher" and better_direction("top-1 %") == "higher"
    assert better_direction("latency b32 (ms)") == "lower" and better_direction("params") == "lower"


@pytest.fixture
def widget():
    return TradeoffExplorer(ROWS, chosen="Small")


def test_root_classes_and_defaults(widget):
    assert ROOT_CLASS in widget._dom_classes and "tlc-tradeoffs" in widget._dom_classes
    assert (widget.x, widget.y) == ("latency b1 (ms)", "accuracy")
    assert "Pareto front: Small, Mid, Big" in widget.text()
    assert "beaten on both axes by a model of the front: Slow" in widget.text()
    assert "chosen by the lesson's rule: Small (on this front)" in repr(widget)
    assert "lower is better" in widget.text() and "higher is better" in widget.text()


def test_set_axes_changes_text_and_picture(widget):
    text, png = widget.text(), widget.image.value
    widget.set_axes("params", "size (MB)")
    assert widget.text() != text and widget.image.value != png
    assert "Pareto front: Small\n" in widget.text()
    assert widget.x_picker.value == "params" and widget.y_picker.value == "size (MB)"


def test_dropdown_drives_set_axes(widget):
    widget.y_picker.value = "params"
    assert widget.y == "params" and "Pareto front: Small\n" in widget.text()


def test_show_models_and_checkboxes(widget):
    widget.show_models(["Slow", "Big"])
    assert "Pareto front: Slow, Big" in widget.text() and "2 of 4 models shown" in widget.text()
    assert [b.value for b in widget.boxes.values()] == [False, False, True, True]
    assert "chosen" not in widget.text()
    widget.boxes["Slow"].value = False  # a click in the browser
    assert widget.shown == ["Big"] and "Pareto front: Big" in widget.text()


def test_unticking_the_last_model_shows_a_message(widget):
    widget.show_models(["Big"])
    widget.boxes["Big"].value = False
    assert "tick at least one model" in widget.message and widget.shown == ["Big"]


@pytest.mark.parametrize("call, fix", [
    (lambda w: w.set_axes("speed", "accuracy"), "pick one of"),
    (lambda w: w.set_axes("accuracy", "accuracy"), "pick two different columns"),
    (lambda w: w.show_models([]), "tick at least one model"),
    (lambda w: w.show_models(["Tiny"]), "pick among"),
])
def test_bad_input_names_the_fix(widget, call, fix):
    with pytest.raises(WidgetInputError, match=fix):
        call(widget)


def test_a_dataframe_indexed_by_model_and_a_bad_table():
    frame = pd.DataFrame(ROWS).set_index("model")
    assert TradeoffExplorer(frame).models == ["Small", "Mid", "Slow", "Big"]
    with pytest.raises(WidgetInputError, match="'model' column"):
        TradeoffExplorer([{"params": 1}])


def test_snapshot_and_bundle(widget):
    fig = widget.snapshot()
    assert "Pareto front" in fig.axes[0].get_title()
    bundle = widget._repr_mimebundle_()
    assert bundle["text/plain"] == widget.text() and "image/png" in bundle


def test_each_control_answers_within_a_second(widget):
    for act in (lambda: widget.set_axes("params", "accuracy"), lambda: widget.show_models(["Mid", "Big"])):
        started = time.perf_counter()
        act()
        assert time.perf_counter() - started < 1.0
