"""TradeoffExplorer (lesson 06): pick two columns of the lesson's measured table, see the Pareto front.

The widget measures nothing: it draws the rows the lesson already computed (``ours``: latency at
batch 1 and 32, size, parameters, accuracy on your data...). A model is on the Pareto front when no
other shown model is at least as good on both axes and strictly better on one.
"""
from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from typing import Any

import ipywidgets as widgets
import matplotlib.pyplot as plt

from .base import CourseWidget, WidgetInputError, figure_png

#: which direction is better for the columns the lessons measure ("higher" for accuracies)
HIGHER_IS_BETTER = ("accuracy", "top-1")


def better_direction(column: str) -> str:
    """"higher" for accuracy columns, "lower" for latency, size, parameters and memory."""
    return "higher" if any(word in column.lower() for word in HIGHER_IS_BETTER) else "lower"


def pareto_front(rows: Sequence[Mapping[str, Any]], x: str, y: str, x_better: str = "lower",
                 y_better: str = "higher") -> list[Mapping[str, Any]]:
    """The rows no other row dominates on (``x``, ``y``), in their original order.

    A row dominates another when it is at least as good on both columns and strictly better on one;
    two rows with equal values (a tie) do not dominate each other, so both stay on the front.
    """
    for better in (x_better, y_better):
        if better not in ("lower", "higher"):
            raise ValueError(f"better is 'lower' or 'higher', not {better!r}")
    sx, sy = (1 if x_better == "lower" else -1), (1 if y_better == "lower" else -1)
    points = [(sx * float(row[x]), sy * float(row[y])) for row in rows]  # lower is better for both now

    def dominated(p):
        return any(q[0] <= p[0] and q[1] <= p[1] and q != p for q in points)
    return [row for row, p in zip(rows, points) if not dominated(p)]


class TradeoffExplorer(CourseWidget, widgets.VBox):
    """Two dropdowns pick the axes, checkboxes pick the models; the chart marks the Pareto front.

    ``rows``: the lesson's measured table (a list of dicts with a ``"model"`` key, or a DataFrame);
    ``chosen``: the model a rule picked (e.g. ``bench.choose_model``), marked on the chart.
    """

    css_class = "tlc-tradeoffs"

    def __init__(self, rows, x: str | None = None, y: str | None = None, chosen: str | None = None):
        if hasattr(rows, "to_dict"):  # a DataFrame, perhaps indexed by model
            frame = rows.reset_index() if "model" not in rows.columns else rows
            rows = frame.to_dict("records")
        self.rows = [dict(row) for row in rows]
        if not self.rows or any("model" not in row for row in self.rows):
            raise WidgetInputError("give the table as a list of dicts (or a DataFrame) with a 'model' column")
        self.columns = [c for c in self.rows[0] if c != "model" and all(
            isinstance(r.get(c), (int, float)) and r.get(c) == r.get(c) for r in self.rows)]
        if len(self.columns) < 2:
            raise WidgetInputError("the table needs at least two numeric columns known for every model")
        self.models = [row["model"] for row in self.rows]
        self.chosen = chosen
        self.x = x or next((c for c in self.columns if c.startswith("latency")), self.columns[0])
        self.y = y or next((c for c in self.columns if better_direction(c) == "higher"), self.columns[-1])
        self.shown = list(self.models)
        self.response_s = 0.0

        self.x_picker = widgets.Dropdown(options=self.columns, value=self.x, description="x axis")
        self.y_picker = widgets.Dropdown(options=self.columns, value=self.y, description="y axis")
        self.x_picker.add_class("tlc-tradeoffs-x")
        self.y_picker.add_class("tlc-tradeoffs-y")
        self.boxes = {m: widgets.Checkbox(value=True, description=m, indent=False,
                                          layout=widgets.Layout(width="auto")) for m in self.models}
        for box in self.boxes.values():
            box.add_class("tlc-tradeoffs-model")
        self.image = widgets.Image(format="png").add_class("tlc-tradeoffs-chart")
        self.readout = widgets.HTML().add_class("tlc-tradeoffs-text")
        self._syncing = False
        self.x_picker.observe(self.guarded(self._on_x), names="value")
        self.y_picker.observe(self.guarded(self._on_y), names="value")
        for box in self.boxes.values():
            box.observe(self.guarded(self._on_box), names="value")
        super().__init__([widgets.HBox([self.x_picker, self.y_picker]), widgets.HBox(list(self.boxes.values())),
                          self.image, self.readout, self._make_message_line()])
        self.set_axes(self.x, self.y)
        self._course_widget_setup()

    # -- controls (each browser callback calls one of these) -----------------------------------------
    def set_axes(self, x: str, y: str) -> None:
        """Plot column ``x`` against column ``y`` (two different numeric columns of the table)."""
        for column in (x, y):
            if column not in self.columns:
                raise WidgetInputError(f"{column!r} is not a numeric column of the table; pick one of {self.columns}")
        if x == y:
            raise WidgetInputError(f"both axes show {x!r}; pick two different columns")
        self.x, self.y = x, y
        self._sync(self.x_picker, x)
        self._sync(self.y_picker, y)
        self._redraw()

    def show_models(self, models: Sequence[str]) -> None:
        """Show only ``models`` (at least one, each a model of the table)."""
        unknown = [m for m in models if m not in self.models]
        if unknown:
            raise WidgetInputError(f"{unknown} not in the table; pick among {self.models}")
        if not models:
            raise WidgetInputError("tick at least one model to compare")
        self.shown = [m for m in self.models if m in models]
        for m, box in self.boxes.items():
            self._sync(box, m in self.shown)
        self._redraw()

    # -- state ---------------------------------------------------------------------------------------
    def front(self) -> list[str]:
        """The shown models on the Pareto front for the current axes."""
        rows = [r for r in self.rows if r["model"] in self.shown]
        return [r["model"] for r in pareto_front(rows, self.x, self.y, better_direction(self.x),
                                                  better_direction(self.y))]

    def text(self) -> str:
        front = self.front()
        lines = [f"Trade-off: {self.x} ({better_direction(self.x)} is better) against {self.y} "
                 f"({better_direction(self.y)} is better), {len(self.shown)} of {len(self.models)} models shown",
                 f"Pareto front: {', '.join(front)}"]
        others = [m for m in self.shown if m not in front]
        if others:
            lines.append(f"beaten on both axes by a model of the front: {', '.join(others)}")
        if self.chosen in self.shown:
            lines.append(f"chosen by the lesson's rule: {self.chosen}"
                         f" ({'on' if self.chosen in front else 'not on'} this front)")
        return "\n".join(lines)

    def snapshot(self):
        front = set(self.front())
        fig, ax = plt.subplots(figsize=(6, 4))
        for row in self.rows:
            if row["model"] not in self.shown:
                continue
            on = row["model"] in front
            ax.scatter(row[self.x], row[self.y], s=60 if on else 30, color="tab:red" if on else "tab:gray",
                       edgecolors="black" if row["model"] == self.chosen else "none", linewidths=2, zorder=3)
            ax.annotate(row["model"], (row[self.x], row[self.y]), fontsize=8, xytext=(4, 4),
                        textcoords="offset points")
        line = sorted((r[self.x], r[self.y]) for r in self.rows if r["model"] in front)
        ax.plot([p[0] for p in line], [p[1] for p in line], color="tab:red", lw=1, zorder=2)
        ax.set_xlabel(f"{self.x} ({better_direction(self.x)} is better)")
        ax.set_ylabel(f"{self.y} ({better_direction(self.y)} is better)")
        ax.set_title("red: Pareto front" + ("; black ring: chosen" if self.chosen in self.shown else ""))
        fig.tight_layout()
        plt.close(fig)
        return fig

    # -- internals -----------------------------------------------------------------------------------
    def _sync(self, control, value) -> None:
        if control.value != value:
            self._syncing = True
            try:
                control.value = value
            finally:
                self._syncing = False

    def _on_x(self, change) -> None:
        if not self._syncing:
            self.set_axes(change["new"], self.y)

    def _on_y(self, change) -> None:
        if not self._syncing:
            self.set_axes(self.x, change["new"])

    def _on_box(self, change) -> None:
        if not self._syncing:
            self.show_models([m for m, box in self.boxes.items() if box.value])

    def _redraw(self) -> None:
        started = time.perf_counter()
        self.image.value = figure_png(self.snapshot())
        self.readout.value = "<pre>" + self.text().replace("&", "&amp;").replace("<", "&lt;") + "</pre>"
        self.show_message("", "")
        self.response_s = time.perf_counter() - started


__all__ = ["TradeoffExplorer", "better_direction", "pareto_front"]
