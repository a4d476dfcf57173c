"""LiveCurves (lesson 04), driven from code: filled live by fit's callback, both phases, every control.

A small dense head on random features trains in a few milliseconds an epoch, which is all the plumbing
needs; the lesson itself passes the widget's callback to its real phase 1 and phase 2 fits.
"""
from __future__ import annotations

import base64
import io
import time

import keras
import numpy as np
import pytest
from PIL import Image

from tlcourse import train
from tlcourse.widgets import LiveCurves, WidgetInputError, live_curves
from tlcourse.widgets.base import ROOT_CLASS


def _data(n: int = 64, features: int = 8):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(n, features)).astype("float32")
    return x, (x[:, 0] + 0.3 * x[:, 1] > 0).astype("int64")


def _head(features: int = 8, learning_rate: float = 1e-2):
    return train.compile_classifier(train.classifier_head(features, 2), learning_rate)


class _Watcher(keras.callbacks.Callback):
    """What the page would show after each epoch (runs after the widget's own callback)."""

    def __init__(self, widget):
        super().__init__()
        self.widget, self.seen = widget, []

    def on_epoch_end(self, epoch, logs=None):
        self.seen.append((self.widget.readout.value, self.widget.plot.value, self.widget.last_draw_s))


@pytest.fixture(scope="module")
def trained():
    """A widget after two phases: 5 epochs of the head, then 3 more from initial_epoch=5 (every epoch
    drawn: these epochs are shorter than the widget's minimum time between two redraws)."""
    keras.utils.set_random_seed(0)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(live_curves, "MIN_REDRAW_S", 0.0)
        yield _train_two_phases()


def _train_two_phases():
    x, y = _data()
    curves = LiveCurves("test run")
    model = _head()
    watcher = _Watcher(curves)
    train.fit(model, x, y, (x, y), epochs=5, callbacks=[curves.callback("1: head"), watcher])
    train.fit(model, x, y, (x, y), epochs=3, initial_epoch=5, progress=True, desc="phase 2",
              callbacks=[curves.callback("2: unfrozen"), watcher])
    return curves, watcher


def test_fast_epochs_are_drawn_together_and_the_last_one_always(monkeypatch):
    monkeypatch.setattr(live_curves, "MIN_REDRAW_S", 3600.0)
    curves = LiveCurves()
    x, y = _data()
    watcher = _Watcher(curves)
    train.fit(_head(), x, y, (x, y), epochs=3, callbacks=[curves.callback(), watcher])
    assert all("no epoch yet" in readout for readout, _, _ in watcher.seen)  # no redraw between epochs...
    assert "phase 1, epoch 3 of 3" in curves.readout.value  # ...but the end of fit draws


def test_initial_state_classes_text_and_picture():
    curves = LiveCurves("cats vs dogs")
    assert ROOT_CLASS in curves._dom_classes and "tlc-live-curves" in curves._dom_classes
    text = repr(curves)
    assert text.startswith("LiveCurves 'cats vs dogs': no epoch yet (showing accuracy, training and validation)")
    assert "callbacks=[curves.callback('phase name')]" in text
    assert "no epoch yet" in curves.readout.value and "no epoch yet" in curves.plot.value
    assert curves.plot.value.startswith("<svg") and "<polyline" not in curves.plot.value
    bundle = curves._repr_mimebundle_()
    assert bundle["text/plain"] == text and "application/vnd.jupyter.widget-view+json" in bundle
    assert Image.open(io.BytesIO(base64.b64decode(bundle["image/png"]))).size[0] > 300
    assert curves.message == ""


def test_fit_passes_extra_callbacks_after_the_progress_bar():
    """tlcourse.train.fit's optional ``callbacks`` reach model.fit, with or without the progress bar."""
    x, y = _data()
    calls = []
    recorder = keras.callbacks.LambdaCallback(on_epoch_end=lambda epoch, logs: calls.append((epoch, sorted(logs))))
    history = train.fit(_head(), x, y, (x, y), epochs=2, initial_epoch=3, progress=True, callbacks=[recorder])
    assert [epoch for epoch, _ in calls] == [3, 4] and len(history.history["loss"]) == 2
    assert calls[0][1] == ["accuracy", "loss", "val_accuracy", "val_loss"]
    train.fit(_head(), x, y, epochs=1, callbacks=(recorder,))  # a tuple, no bar, no validation
    assert calls[-1] == (0, ["accuracy", "loss"])


def test_the_plot_grows_epoch_by_epoch_while_fit_runs(trained):
    curves, watcher = trained
    readouts = [readout for readout, _, _ in watcher.seen]
    assert len(readouts) == 8 and len(set(readouts)) == 8  # a new figure after every epoch, during fit
    assert "1: head, epoch 1 of 5" in readouts[0] and "2: unfrozen, epoch 6 of 8" in readouts[5]
    assert "1: head, epoch 5 of 5" in readouts[4] and "2: unfrozen, epoch 8 of 8" in readouts[7]
    plots = [plot for _, plot, _ in watcher.seen]
    assert [p.count("<circle") for p in plots[:3]] == [2, 4, 6]  # training and validation, one point each
    assert max(draw for _, _, draw in watcher.seen) < 0.5  # cheap: well under an epoch of real training
    print(f"LiveCurves redraw per epoch: {1000 * max(d for *_, d in watcher.seen):.1f} ms at most")


def test_both_phases_on_one_axis_with_the_unfreezing_marked(trained):
    curves, _ = trained
    assert [e["epoch"] for e in curves.epochs] == list(range(1, 9))
    assert [p["name"] for p in curves.phases] == ["1: head", "2: unfrozen"] and curves.phases[1]["start"] == 6
    svg = curves.plot.value
    assert svg.count('class="tlc-phase-line"') == 1 and svg.count(">2: unfrozen</text>") == 1  # labelled, once
    assert svg.count("<polyline") == 4  # two curves x two phases: no line drawn across the boundary
    text = repr(curves)
    assert text.startswith("LiveCurves 'test run': 8 epochs in 2 phase(s), showing accuracy")
    assert "1: head: epochs 1-5\n" in text and "2: unfrozen: epochs 6-8 (after the vertical line)" in text
    assert "  epoch   8: loss " in text and "val_accuracy" in text
    fig = curves.snapshot()
    ax = fig.axes[0]
    assert ax.get_ylabel() == "accuracy" and len(ax.lines) == 5  # 2 curves x 2 phases + the phase line
    assert any(t.get_text() == "2: unfrozen" for t in ax.texts)


def test_metric_toggle_from_code_and_from_the_buttons(trained):
    curves, _ = trained
    accuracy_view = (curves.plot.value, curves.readout.value)
    curves.metric_picker.value = "loss"  # as the browser does
    assert curves.metric == "loss" and (curves.plot.value, curves.readout.value) != accuracy_view
    assert "loss, training and validation" in curves.readout.value and ": loss</text>" in curves.plot.value
    assert "showing loss" in repr(curves) and curves.snapshot().axes[0].get_ylabel() == "loss"
    started = time.perf_counter()
    curves.set_metric("accuracy")
    response = time.perf_counter() - started
    assert (curves.plot.value, curves.readout.value) == accuracy_view and response < 2
    print(f"LiveCurves metric toggle: {1000 * response:.1f} ms")
    curves.guarded(curves.set_metric)("f1")  # what a callback does with a bad name: a message, no exception
    assert "no metric 'f1': choose 'accuracy' or 'loss'" in curves.message and curves.metric == "accuracy"
    with pytest.raises(WidgetInputError, match="no metric 'f1'"):
        curves.set_metric("f1")
    with pytest.raises(WidgetInputError, match="no metric 'auc'"):
        LiveCurves(metric="auc")


def test_curve_checkboxes(trained):
    curves, _ = trained
    curves.set_metric("accuracy")
    curves.checkboxes["training"].value = False  # as the browser does
    assert curves.plot.value.count("<polyline") == 2 and "validation" in curves.readout.value
    assert "training" not in curves.readout.value and "showing accuracy, validation" in repr(curves)
    curves.show_curve("validation", False)
    assert not curves.checkboxes["validation"].value and "<polyline" not in curves.plot.value
    assert "tick training or validation" in curves.message and 'data-kind="note"' in curves.message_line.value
    started = time.perf_counter()
    curves.show_curve("training", True)
    curves.show_curve("validation", True)
    assert time.perf_counter() - started < 2
    assert curves.plot.value.count("<polyline") == 4 and curves.message == ""
    curves.guarded(curves.show_curve)("test", True)
    assert "no curve 'test': choose 'training' or 'validation'" in curves.message
    with pytest.raises(WidgetInputError, match="no curve 'test'"):
        curves.show_curve("test")
    curves.show_curve("training")
    assert curves.message == ""


def test_add_history_without_validation_and_bad_input():
    x, y = _data()
    keras.utils.set_random_seed(0)
    history = train.fit(_head(), x, y, epochs=3)
    curves = LiveCurves()
    curves.add_history(history, "head")
    assert [e["epoch"] for e in curves.epochs] == [1, 2, 3] and curves.plot.value.count("<polyline") == 1
    assert "pass validation_data to fit" in curves.message
    curves.add_history(history.history)  # a dict works too; the next phase continues the axis
    assert [e["epoch"] for e in curves.epochs] == list(range(1, 7)) and curves.phases[1]["name"] == "phase 2"
    with pytest.raises(WidgetInputError, match="takes what fit returns"):
        curves.add_history([0.5, 0.4])
    with pytest.raises(WidgetInputError, match="phase must be a name"):
        curves.callback(2)
