"""Watch it learn (lesson 04): learning curves drawn live, epoch by epoch, while ``fit`` runs.

:class:`LiveCurves` is a plot that a Keras callback fills in: pass ``curves.callback("phase name")`` to
``fit`` (``tlcourse.train.fit(..., callbacks=[...])`` or ``model.fit``) and each finished epoch adds its
training and validation loss and accuracy to the plot. Several fits with the same widget continue one
epoch axis (a ``fit`` with ``initial_epoch`` keeps its numbering), and each new phase, such as fine-tuning
after the head was trained on a frozen base, starts at a labelled vertical line.

Drawing is cheap on purpose: the plot is an inline SVG of at most a few hundred points, rebuilt in about
a millisecond, at most once per epoch (and not more often than every :data:`MIN_REDRAW_S` seconds), so
the training it watches is not slowed down. The controls (accuracy or loss; the training and validation
curves) only redraw what was recorded: nothing is trained again.
"""
from __future__ import annotations

import html
import math
import time

import ipywidgets as widgets
import keras

from .base import CourseWidget, WidgetInputError

METRICS = ("accuracy", "loss")
CURVES = ("training", "validation")
COLOURS = {"training": "#2a7ab9", "validation": "#d9711c"}
#: epochs that end closer together than this are drawn together (the next epoch, or the end of fit, draws)
MIN_REDRAW_S = 0.1


def _nice_step(span: float, ticks: int = 5) -> float:
    """A round tick spacing (1, 2 or 5 times a power of ten) giving about ``ticks`` ticks over ``span``."""
    raw = max(span, 1e-12) / ticks
    power = 10 ** math.floor(math.log10(raw))
    return next(m * power for m in (1, 2, 5, 10) if m * power >= raw)


class _Recorder(keras.callbacks.Callback):
    """The Keras callback of :meth:`LiveCurves.callback`: one phase, each epoch into the widget."""

    def __init__(self, widget: LiveCurves, phase: str | None):
        super().__init__()
        self.widget, self.phase = widget, phase

    def on_train_begin(self, logs=None):
        self.widget.start_phase(self.phase, last_epoch=int(self.params.get("epochs") or 0))

    def on_epoch_end(self, epoch, logs=None):
        self.widget.add_epoch(epoch + 1, logs or {})

    def on_train_end(self, logs=None):
        self.widget.redraw()


class LiveCurves(CourseWidget, widgets.VBox):
    """Learning curves (loss or accuracy; training and validation) drawn live while ``fit`` runs.

    ``curves = LiveCurves(); curves`` shows an empty plot; ``fit(..., callbacks=[curves.callback("phase 1")])``
    fills it in, one point per epoch. A second fit with ``callbacks=[curves.callback("phase 2: ...")]``
    continues on the same axes after a labelled vertical line. Controls, each driven from code by the
    method its callback calls:

    - *show* (``metric_picker``, accuracy or loss): :meth:`set_metric`;
    - *training* and *validation* (checkboxes): :meth:`show_curve`.

    :meth:`add_epoch` and :meth:`add_history` record epochs without a callback (a finished ``History``).
    """

    css_class = "tlc-live-curves"

    def __init__(self, title: str = "learning curves", *, metric: str = "accuracy", width: int = 640,
                 height: int = 280):
        if metric not in METRICS:
            raise WidgetInputError(f"no metric {metric!r}: choose {' or '.join(map(repr, METRICS))}")
        self.title, self.width, self.height = title, int(width), int(height)
        self.epochs: list[dict] = []  # {"epoch": 1-based number on the shared axis, "phase": index, logs...}
        self.phases: list[dict] = []  # {"name": str, "start": first epoch number, "end": last epoch planned}
        self.visible = {curve: True for curve in CURVES}
        self.last_draw_s = 0.0  # how long the last redraw took (the cost per epoch added to training)
        self._drawn_at = -math.inf
        self._busy = False

        self.metric_picker = widgets.ToggleButtons(
            options=list(METRICS), value=metric, description="show",
            style={"description_width": "initial", "button_width": "90px"}).add_class("tlc-curves-metric")
        self.checkboxes = {curve: widgets.Checkbox(value=True, description=curve, indent=False,
                                                   layout=widgets.Layout(width="110px")).add_class(f"tlc-curves-{curve}")
                           for curve in CURVES}
        self.plot = widgets.HTML().add_class("tlc-curves-plot")
        self.readout = widgets.HTML().add_class("tlc-curves-readout")

        self.metric_picker.observe(self.guarded(lambda change: None if self._busy else self.set_metric(change["new"])),
                                   names="value")
        for curve, box in self.checkboxes.items():
            box.observe(self.guarded(lambda change, curve=curve: None if self._busy else self.show_curve(curve, change["new"])),
                        names="value")
        super().__init__([
            widgets.HBox([self.metric_picker, *self.checkboxes.values()], layout=widgets.Layout(align_items="center")),
            self._make_message_line(), self.plot, self.readout,
        ])
        self._course_widget_setup()
        self.redraw()

    # -- recording ------------------------------------------------------------------------------------
    def callback(self, phase: str | None = None) -> keras.callbacks.Callback:
        """A Keras callback that records each epoch of one ``fit`` into this widget, as phase ``phase``.

        ``phase`` names the phase (default ``"phase N"``); from the second phase on, a vertical line
        labelled with it marks where it starts (in lesson 04: the moment the last blocks are unfrozen).
        """
        if phase is not None and not isinstance(phase, str):
            raise WidgetInputError(f"phase must be a name (a str), e.g. 'phase 2: last 2 blocks unfrozen'; got {phase!r}")
        return _Recorder(self, phase)

    def start_phase(self, name: str | None = None, last_epoch: int = 0) -> None:
        """Begin a new phase (what the callback does when ``fit`` starts); ``last_epoch``: the final epoch
        number ``fit`` will reach (Keras's ``epochs``), so the axis makes room for it."""
        start = self._next_epoch()
        self.phases.append({"name": name or f"phase {len(self.phases) + 1}", "start": start,
                            "end": max(int(last_epoch), start)})
        self.redraw()

    def add_epoch(self, epoch: int, logs: dict) -> None:
        """Record epoch ``epoch`` (1-based, as Keras numbers it after ``initial_epoch``) with its ``logs``
        (``loss``, ``accuracy``, ``val_loss``, ``val_accuracy``) and redraw, at most every
        :data:`MIN_REDRAW_S` seconds. An epoch number already used continues after the last one."""
        if not self.phases:
            self.start_phase()
        record = {"epoch": max(int(epoch), self._next_epoch()), "phase": len(self.phases) - 1}
        for key in ("loss", "accuracy", "val_loss", "val_accuracy"):
            value = logs.get(key)
            record[key] = None if value is None else float(value)
        phase = self.phases[-1]
        if not any(e["phase"] == record["phase"] for e in self.epochs):
            phase["start"] = record["epoch"]  # a fit with a larger initial_epoch starts further on
        self.epochs.append(record)
        phase["end"] = max(phase["end"], record["epoch"])
        if time.perf_counter() - self._drawn_at >= MIN_REDRAW_S:
            self.redraw()

    def add_history(self, history, phase: str | None = None) -> None:
        """Record a finished ``fit`` (its ``History`` or ``history.history`` dict) as one phase."""
        logs = getattr(history, "history", history)
        if not isinstance(logs, dict) or "loss" not in logs:
            raise WidgetInputError("add_history takes what fit returns (a History) or its .history dict, with a 'loss' "
                                   f"list; got {type(history).__name__}")
        n = len(logs["loss"])
        self.start_phase(phase, last_epoch=self._next_epoch() + n - 1)
        first = self._next_epoch()
        for i in range(n):
            self.add_epoch(first + i, {key: values[i] for key, values in logs.items() if len(values) == n})
        self.redraw()

    # -- the controls (the browser's callbacks call the same methods) ----------------------------------
    @property
    def metric(self) -> str:
        """The metric shown: "accuracy" or "loss"."""
        return self.metric_picker.value

    def set_metric(self, metric: str) -> None:
        """Show ``metric`` ("accuracy" or "loss"), as the *show* buttons do."""
        if metric not in METRICS:
            raise WidgetInputError(f"no metric {metric!r}: choose {' or '.join(map(repr, METRICS))} "
                                   "(what compile_classifier records)")
        if self.metric_picker.value != metric:
            self._set_quietly(self.metric_picker, metric)
        self.redraw()

    def show_curve(self, curve: str, on: bool = True) -> None:
        """Show (``on``) or hide the ``curve`` ("training" or "validation"), as its checkbox does."""
        if curve not in CURVES:
            raise WidgetInputError(f"no curve {curve!r}: choose {' or '.join(map(repr, CURVES))}")
        self.visible[curve] = bool(on)
        if self.checkboxes[curve].value != bool(on):
            self._set_quietly(self.checkboxes[curve], bool(on))
        self.redraw()

    # -- drawing ------------------------------------------------------------------------------------------
    def redraw(self) -> None:
        """Draw the plot and the readout from what was recorded (about a millisecond)."""
        started = time.perf_counter()
        self.plot.value = self._svg()
        self.readout.value = f'<div style="font-size:13px;color:#333">{html.escape(self._readout())}</div>'
        if not any(self.visible.values()):
            self.show_message("Both curves are hidden: tick training or validation to see one.", kind="note")
        elif self.epochs and self.visible["validation"] and self._values("validation") == []:
            self.show_message("No validation figures: pass validation_data to fit to see the validation curve.", kind="note")
        else:
            self.show_message("", kind="")
        self._drawn_at = time.perf_counter()
        self.last_draw_s = self._drawn_at - started

    def _readout(self) -> str:
        shown = " and ".join(c for c in CURVES if self.visible[c]) or "no curve"
        if not self.epochs:
            return f"{self.metric}, {shown}: no epoch yet. Train with callbacks=[curves.callback()] to fill the plot."
        last = self.epochs[-1]
        phase = self.phases[last["phase"]]
        figures = ", ".join(f"{curve} {self._format(last[key])}" for curve, key in
                            (("training", self.metric), ("validation", f"val_{self.metric}"))
                            if last[key] is not None and self.visible[curve]) or "no curve shown"
        return f"{self.metric}, {shown} · {phase['name']}, epoch {last['epoch']} of {phase['end']}: {figures}"

    def _format(self, value: float) -> str:
        return f"{value:.3f}" if self.metric == "accuracy" else f"{value:.4f}"

    def _values(self, curve: str, phase: int | None = None) -> list[tuple[int, float]]:
        """(epoch, value) of ``curve`` for the metric shown, of one phase or all."""
        key = self.metric if curve == "training" else f"val_{self.metric}"
        return [(e["epoch"], e[key]) for e in self.epochs
                if e[key] is not None and math.isfinite(e[key]) and phase in (None, e["phase"])]

    def _x_range(self) -> tuple[float, float]:
        last = max([p["end"] for p in self.phases] + [e["epoch"] for e in self.epochs] + [5])
        return 0.5, last + 0.5

    def _y_range(self) -> tuple[float, float]:
        curves = [c for c in CURVES if self.visible[c]] or list(CURVES)  # the axis fits the curves shown
        if self.metric == "accuracy":
            values = [v for c in curves for _, v in self._values(c)]
            low = min(values + [0.5])
            return (0.0 if low < 0.5 else 0.5), 1.0
        values = [v for c in curves for _, v in self._values(c)]
        return 0.0, (max(values) * 1.08 if values and max(values) > 0 else 1.0)

    def _svg(self) -> str:
        w, h = self.width, self.height
        left, right, top, bottom = 52, 16, 30, 34
        (x0, x1), (y0, y1) = self._x_range(), self._y_range()

        def px(x: float) -> float:
            return left + (x - x0) / (x1 - x0) * (w - left - right)

        def py(y: float) -> float:
            return h - bottom - (y - y0) / (y1 - y0) * (h - top - bottom)

        parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}" '
                 'style="font-family:sans-serif;font-size:11px;background:#fff">',
                 f'<text x="{left}" y="14" font-size="13" font-weight="bold">{html.escape(self.title)}: '
                 f'{self.metric}</text>']
        step = _nice_step(y1 - y0)
        tick = math.ceil(y0 / step) * step
        while tick <= y1 + 1e-9:
            parts.append(f'<line x1="{left}" x2="{w - right}" y1="{py(tick):.1f}" y2="{py(tick):.1f}" stroke="#e4e4e4"/>'
                         f'<text x="{left - 6}" y="{py(tick) + 4:.1f}" text-anchor="end" fill="#555">{tick:g}</text>')
            tick += step
        xstep = max(1, int(_nice_step(x1 - x0, 8)))
        for epoch in range(xstep, int(x1) + 1, xstep):
            parts.append(f'<text x="{px(epoch):.1f}" y="{h - bottom + 15}" text-anchor="middle" fill="#555">{epoch}</text>')
        parts.append(f'<text x="{(left + w - right) / 2:.0f}" y="{h - 4}" text-anchor="middle" fill="#333">epoch</text>'
                     f'<rect x="{left}" y="{top}" width="{w - left - right}" height="{h - top - bottom}" fill="none" stroke="#999"/>')
        label_y = h - bottom - 8 if self.metric == "accuracy" else top + 13  # away from where the curves usually are
        for phase in self.phases[1:]:  # where each later phase starts (lesson 04: the moment of unfreezing)
            x = px(phase["start"] - 0.5)
            right_half = x > (left + w - right) / 2  # then the label goes on the line's left, inside the plot
            parts.append(f'<line class="tlc-phase-line" x1="{x:.1f}" x2="{x:.1f}" y1="{top}" y2="{h - bottom}" '
                         f'stroke="#555" stroke-dasharray="5,4"/>'
                         f'<text class="tlc-phase-label" x="{x - 4 if right_half else x + 4:.1f}" y="{label_y}" '
                         f'text-anchor="{"end" if right_half else "start"}" fill="#333">{html.escape(phase["name"])}</text>')
        for curve in CURVES:
            if not self.visible[curve]:
                continue
            colour = COLOURS[curve]
            for i in range(len(self.phases)):  # one polyline per phase: no line across the boundary
                segment = [(px(x), py(y)) for x, y in self._values(curve, i)]
                if segment:
                    coords = " ".join(f"{x:.1f},{y:.1f}" for x, y in segment)
                    parts.append(f'<polyline points="{coords}" fill="none" stroke="{colour}" stroke-width="2"/>')
                    parts.extend(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="2.5" fill="{colour}"/>' for x, y in segment)
        legend_x = w - right - 190
        for i, curve in enumerate(c for c in CURVES if self.visible[c]):
            parts.append(f'<line x1="{legend_x + 95 * i}" x2="{legend_x + 95 * i + 18}" y1="10" y2="10" '
                         f'stroke="{COLOURS[curve]}" stroke-width="2"/>'
                         f'<text x="{legend_x + 95 * i + 22}" y="14" fill="#333">{curve}</text>')
        if not self.epochs:
            parts.append(f'<text x="{(left + w - right) / 2:.0f}" y="{(top + h - bottom) / 2:.0f}" text-anchor="middle" '
                         'fill="#888">no epoch yet: the curves appear while fit runs</text>')
        parts.append("</svg>")
        return "".join(parts)

    # -- text form and static picture -----------------------------------------------------------------
    def text(self) -> str:
        """The epochs recorded, phase by phase, with their figures."""
        shown = " and ".join(c for c in CURVES if self.visible[c]) or "no curve"
        if not self.epochs:
            return (f"LiveCurves {self.title!r}: no epoch yet (showing {self.metric}, {shown}); "
                    "pass callbacks=[curves.callback('phase name')] to fit and watch the curves grow")
        lines = [f"LiveCurves {self.title!r}: {len(self.epochs)} epochs in {len(self.phases)} phase(s), "
                 f"showing {self.metric}, {shown}"]
        for i, phase in enumerate(self.phases):
            epochs = [e for e in self.epochs if e["phase"] == i]
            if not epochs:
                continue
            lines.append(f"{phase['name']}: epochs {epochs[0]['epoch']}-{epochs[-1]['epoch']}"
                         + (" (after the vertical line)" if i else ""))
            for e in epochs:
                figures = "  ".join(f"{key} {e[key]:.4f}" for key in ("loss", "accuracy", "val_loss", "val_accuracy")
                                    if e[key] is not None)
                lines.append(f"  epoch {e['epoch']:>3}: {figures}")
        return "\n".join(lines)

    def snapshot(self):
        """The plot as it is shown now (metric, curves, phase lines), as a matplotlib Figure."""
        import matplotlib.pyplot as plt

        fig, ax = plt.subplots(figsize=(6.4, 3.0), layout="constrained")
        for curve in CURVES:
            if not self.visible[curve]:
                continue
            for i in range(len(self.phases)):
                segment = self._values(curve, i)
                if segment:
                    ax.plot(*zip(*segment), "o-", ms=3, color=COLOURS[curve], label=curve if i == 0 else None)
        for phase in self.phases[1:]:
            x = phase["start"] - 0.5
            right_half = x > sum(self._x_range()) / 2
            ax.axvline(x, color="#555", ls="--", lw=1)
            low = self.metric == "accuracy"  # the label goes where the curves usually are not
            ax.text(x - 0.2 if right_half else x + 0.2, 0.03 if low else 0.97, phase["name"],
                    transform=ax.get_xaxis_transform(), va="bottom" if low else "top",
                    ha="right" if right_half else "left", fontsize=8, backgroundcolor="white")
        ax.set_xlim(*self._x_range())
        ax.set_ylim(*self._y_range())
        ax.set_xlabel("epoch")
        ax.set_ylabel(self.metric)
        ax.set_title(f"{self.title}: {self.metric}", fontsize=10)
        ax.grid(alpha=0.3)
        if not self.epochs:
            ax.text(0.5, 0.5, "no epoch yet: the curves appear while fit runs", transform=ax.transAxes,
                    ha="center", color="#888")
        elif ax.get_legend_handles_labels()[0]:
            ax.legend(fontsize=8, loc="center right" if self.metric == "accuracy" else "upper right")
        plt.close(fig)
        return fig

    # -- internals ---------------------------------------------------------------------------------
    def _next_epoch(self) -> int:
        return self.epochs[-1]["epoch"] + 1 if self.epochs else 1

    def _set_quietly(self, control, value) -> None:
        self._busy = True
        try:
            control.value = value
        finally:
            self._busy = False
