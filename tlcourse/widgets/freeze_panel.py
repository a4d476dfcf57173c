"""The FreezePanel (lesson 03), built on :mod:`tlcourse.freeze` (never the reverse).

:class:`FreezePanel` lets a student freeze and unfreeze a model's blocks by hand and watch
the trainable parameter counts change. Every control can also be driven from code
(``panel.set_block("block_16", True)``, ``panel.unfreeze_last(3)``), which is how the unit
tests and nbval exercise it without a browser.

The slider counts blocks the way :func:`tlcourse.freeze.unfreeze_last` does with ``count="blocks"``:
blocks of the *base* (the pretrained model nested in the classifier; the model itself when nothing
is nested), never the layers a lesson adds around it (pooling, dropout, the new classifier), which
keep their own checkboxes.
"""
from __future__ import annotations

import html
import math

import ipywidgets as widgets
import keras

from .. import freeze
from .base import CourseWidget

#: Colours of the block states (the same in the readout's bars and its legend).
COLOURS = {"trainable": "#2e7d32", "partly": "#ef8f00", "frozen": "#90a4ae", "no weights": "#ffffff"}


def _state_signature(model: keras.layers.Layer) -> tuple[bool, ...]:
    """The trainable flag of every layer, as ``model`` sees it (a frozen ``model`` freezes all)."""
    return tuple(bool(model.trainable and layer.trainable) for layer in freeze.layers_of(model))


def _base_of(model: keras.layers.Layer) -> keras.layers.Layer:
    """The pretrained base inside ``model``: its only nested model, or ``model`` itself when it nests
    none (or several)."""
    nested = [layer for layer in model.layers if getattr(layer, "layers", None)]
    return nested[0] if len(nested) == 1 else model


class FreezePanel(CourseWidget, widgets.VBox):
    """Freeze and unfreeze a model's blocks with checkboxes, a slider and two buttons.

    ``FreezePanel(model)`` shows one row per block of :func:`tlcourse.freeze.blocks` (MobileNetV2's
    ``block_N``, EfficientNet's ``blockNx``, ResNet stages, and the new layers of a classifier)
    with a checkbox (ticked = trainable) and a bar coloured by state, a slider "unfreeze the last N
    blocks of the base" (slider at N == ``freeze.unfreeze_last(base, N, count="blocks")``; the layers
    around the base keep their flags), buttons *freeze all* / *unfreeze all*, and a readout of
    trainable, non-trainable and total parameters: the figures ``model.summary()`` prints. Blocks
    without weights (pooling, dropout) are marked "no weights": unfreezing them adds nothing.

    Its text form (``repr``) gives the counts; its static picture, one bar per block coloured by state.

    The panel changes only ``trainable`` flags, never a weight's value, and says when the model
    needs ``model.compile(...)`` again: ``fit`` updates the weights that were trainable when it built
    its training step, at its first call after ``compile()``, and Keras itself gives no warning.
    """

    css_class = "tlc-freeze-panel"

    def __init__(self, model: keras.layers.Layer, *, columns: int | None = None):
        if not isinstance(model, keras.layers.Layer) or not getattr(model, "layers", None):
            raise TypeError(
                f"FreezePanel needs a Keras model with layers, got {type(model).__name__}. "
                "Pass the model itself, e.g. FreezePanel(model) after model, _ = zoo.load(...)."
            )
        self.model = model
        self._groups = freeze.blocks(model)
        if not self._groups:
            raise ValueError(f"{model.name} has no layers to freeze (only inputs); build the model first.")
        self._params = {row["block"]: row["params"] for row in freeze.trainable_report(model)}
        self.base = _base_of(model)
        in_base = {id(layer) for layer in freeze.layers_of(self.base)}
        #: the panel's names of the base's blocks, in order: what the slider counts
        self.base_blocks = [name for name, members in self._groups.items() if id(members[0]) in in_base]
        self._busy = False  # True while the panel updates its own controls
        self._compile_marker = self._current_compile_marker()
        compiled_state = getattr(model, "_compiled_trainable_state", None)  # what Keras saw at compile
        if self._compile_marker is not None and isinstance(compiled_state, dict):
            self._compiled_signature = tuple(
                bool(compiled_state.get(layer, layer.trainable)) for layer in freeze.layers_of(model))
        else:
            self._compiled_signature = _state_signature(model)

        self.readout = widgets.HTML().add_class("tlc-freeze-readout")
        self.slider = widgets.IntSlider(
            value=0, min=0, max=len(self.base_blocks), step=1, continuous_update=False,
            description="unfreeze the last N blocks of the base", style={"description_width": "initial"},
            layout=widgets.Layout(width="420px"),
        ).add_class("tlc-freeze-slider")
        self.freeze_button = widgets.Button(description="freeze all", icon="lock").add_class("tlc-freeze-all")
        self.unfreeze_button = widgets.Button(description="unfreeze all", icon="unlock").add_class("tlc-unfreeze-all")
        self.checkboxes: dict[str, widgets.Checkbox] = {}
        self._bars: dict[str, widgets.HTML] = {}
        rows = []
        for name in self._groups:
            box = widgets.Checkbox(description=name, indent=False, layout=widgets.Layout(width="150px"))
            box.add_class("tlc-block-checkbox")
            bar = widgets.HTML().add_class("tlc-block-bar")
            box.observe(self._on_checkbox, names="value")
            self.checkboxes[name], self._bars[name] = box, bar
            rows.append(widgets.HBox([box, bar], layout=widgets.Layout(align_items="center", height="26px")))
        self.slider.observe(self._on_slider, names="value")
        self.freeze_button.on_click(lambda _: self.freeze_all())
        self.unfreeze_button.on_click(lambda _: self.unfreeze_all())

        columns = columns or (2 if len(rows) > 12 else 1)
        per_column = math.ceil(len(rows) / columns)
        grid = widgets.GridBox(rows, layout=widgets.Layout(
            grid_template_rows=f"repeat({per_column}, auto)", grid_auto_flow="column",
            grid_template_columns=f"repeat({columns}, 1fr)", grid_gap="0 18px"))
        controls = widgets.HBox([self.slider, self.freeze_button, self.unfreeze_button])
        super().__init__([self.readout, controls, grid])
        self._course_widget_setup()
        self.refresh()

    # -- driving the panel from code (tests, nbval, a student's cell) -------------------------------
    @property
    def blocks(self) -> list[str]:
        """Block names, bottom (input side) first."""
        return list(self._groups)

    def set_block(self, name: str, trainable: bool) -> None:
        """Tick (``True``) or untick a block's checkbox, exactly as a click would."""
        if name not in self.checkboxes:
            raise KeyError(f"no block named {name!r}; this panel's blocks are {self.blocks}")
        self.checkboxes[name].value = bool(trainable)

    def unfreeze_last(self, n: int) -> None:
        """Move the slider to ``n``: the last ``n`` blocks of the base train, its other blocks are frozen
        (``freeze.unfreeze_last(base, n, count="blocks")``); the layers around the base keep their flags."""
        if not 0 <= n <= len(self.base_blocks):
            raise ValueError(f"n must be between 0 and {len(self.base_blocks)} (the blocks of {self.base.name}), "
                             f"got {n}")
        if self.slider.value == n:  # the slider would not fire: apply it anyway
            self._apply(lambda: self._unfreeze_last(n))
        self.slider.value = n

    def freeze_all(self) -> None:
        """Freeze every block (the *freeze all* button)."""
        self._apply(lambda: freeze.freeze(self.model))

    def unfreeze_all(self) -> None:
        """Unfreeze every block (the *unfreeze all* button)."""
        self._apply(lambda: freeze.unfreeze(self.model))

    @property
    def counts(self) -> freeze.ParamCounts:
        """Trainable / non-trainable parameters of the model now (``model.summary()``'s figures)."""
        return freeze.param_counts(self.model)

    @property
    def needs_compile(self) -> bool:
        """True when the trainable flags differ from the last ``compile()`` (or it was never compiled)."""
        self._notice_compile()
        return self._compile_marker is None or _state_signature(self.model) != self._compiled_signature

    @property
    def readout_text(self) -> str:
        """The readout as plain text (what a screen reader or a test reads)."""
        self._notice_compile()
        c = self.counts
        counts = f"Trainable {c.trainable:,} · Non-trainable {c.non_trainable:,} · Total {c.total:,}"
        return f"{counts}\n{self._compile_note()[1]}"

    def refresh(self) -> None:
        """Re-read the model's flags (after changing them from code) and redraw everything."""
        self._notice_compile()
        report = {row["block"]: row for row in freeze.trainable_report(self.model)}
        self._busy = True
        try:
            for name, box in self.checkboxes.items():
                box.value = report[name]["state"] == "trainable"
            n = self._top_n(report)
            if n is not None:
                self.slider.value = n
        finally:
            self._busy = False
        for name, bar in self._bars.items():
            bar.value = self._bar_html(report[name])
        self.readout.value = self._readout_html()

    def text(self) -> str:
        """One line: the number of blocks and the counts (the panel's ``repr`` and ``text/plain``)."""
        c = self.counts
        return (f"FreezePanel({len(self._groups)} blocks: trainable {c.trainable:,} | "
                f"non-trainable {c.non_trainable:,} | total {c.total:,})")

    def snapshot(self):
        """The blocks as bars (length: parameters, square-root scale; colour: state) under the counts."""
        import matplotlib.pyplot as plt

        report = freeze.trainable_report(self.model)
        fig, ax = plt.subplots(figsize=(7, 0.8 + 0.17 * len(report)))
        names = [row["block"] for row in report][::-1]
        sizes = [math.sqrt(row["params"]) for row in report][::-1]
        states = ["no weights" if row["params"] == 0 else row["state"] for row in report][::-1]
        ax.barh(range(len(names)), [max(s, 0.5) for s in sizes], color=[COLOURS[s] for s in states],
                edgecolor="#777", linewidth=0.4)
        ax.set_yticks(range(len(names)), names, fontsize=7)
        ax.set_xticks([])
        ax.set_xlabel("parameters (square-root scale); green trainable, grey frozen, orange partly", fontsize=7)
        c = self.counts
        ax.set_title(f"Trainable {c.trainable:,} · Non-trainable {c.non_trainable:,} · Total {c.total:,}",
                     fontsize=9)
        fig.tight_layout()
        plt.close(fig)
        return fig

    # -- internals ---------------------------------------------------------------------------------
    def _current_compile_marker(self):
        """An object that Keras replaces on every ``compile()`` (None if never compiled)."""
        if not getattr(self.model, "compiled", False):
            return None
        return getattr(self.model, "_compile_config", None) or getattr(self.model, "optimizer", None)

    def _notice_compile(self) -> None:
        """If the model was compiled since we last looked, its flags *then* are the compiled ones.
        Changes made through the panel call this first, so the snapshot is taken before them."""
        marker = self._current_compile_marker()
        if marker is not self._compile_marker:
            self._compile_marker = marker
            self._compiled_signature = _state_signature(self.model)

    def _apply(self, change) -> None:
        self._notice_compile()
        change()
        self.refresh()

    def _on_checkbox(self, event) -> None:
        if self._busy:
            return
        name = next(n for n, box in self.checkboxes.items() if box is event["owner"])
        self._apply(lambda: freeze.set_blocks_trainable(self.model, [name], event["new"]))

    def _on_slider(self, event) -> None:
        if self._busy:
            return
        self._apply(lambda: self._unfreeze_last(event["new"]))

    def _unfreeze_last(self, n: int) -> None:
        """``freeze.unfreeze_last(base, n, count="blocks")`` inside the model, keeping the flags of the
        layers around the base as the model sees them (so a frozen outer model cannot hide the change)."""
        frozen = {id(layer) for name in self.base_blocks[: len(self.base_blocks) - n] for layer in self._groups[name]}
        in_base = {id(layer) for layer in freeze.layers_of(self.base)}
        was = bool(self.model.trainable)
        freeze.set_trainable(self.model, lambda layer: id(layer) not in frozen if id(layer) in in_base
                             else (was and layer.trainable))

    def _top_n(self, report: dict) -> int | None:
        """N when exactly the last N blocks of the base train (what the slider shows), else None."""
        states = [report[name]["state"] for name in self.base_blocks]
        n = 0
        while n < len(states) and states[len(states) - 1 - n] == "trainable":
            n += 1
        return n if all(s == "frozen" for s in states[: len(states) - n]) else None

    def _bar_html(self, row: dict) -> str:
        biggest = max(self._params.values()) or 1
        if row["params"] == 0:
            state = "no weights"
            bar = (f'<span style="display:inline-block;width:60px;height:11px;border:1px dashed #777;'
                   f'background:{COLOURS[state]}"></span>')
            text = "no weights: unfreezing unlocks nothing"
        else:
            state = row["state"]
            width = max(2, round(120 * math.sqrt(row["params"] / biggest)))
            bar = (f'<span style="display:inline-block;width:{width}px;height:11px;'
                   f'background:{COLOURS[state]}"></span>')
            text = f"{row['trainable']:,} of {row['params']:,} trainable"
        return (f'<span class="tlc-bar" data-state="{state}" style="font-size:12px;white-space:nowrap">'
                f'{bar} <span style="color:#444">{text}</span></span>')

    def _compile_note(self) -> tuple[str, str]:
        if self._compile_marker is None:
            return "#555", "Not compiled yet: call model.compile(...) before fit."
        if _state_signature(self.model) != self._compiled_signature:
            return "#b35900", ("⚠ Changed since the last compile(): call model.compile(...) again before fit "
                               "(fit keeps training what was trainable at its first call after compile(), "
                               "and Keras does not warn).")
        return "#2e7d32", "✓ Matches the last compile()."

    def _readout_html(self) -> str:
        c = self.counts
        share = c.trainable / c.total if c.total else 0.0
        colour, note = self._compile_note()
        legend = " ".join(
            f'<span style="display:inline-block;width:10px;height:10px;background:{col};border:1px '
            f'{"dashed" if s == "no weights" else "solid"} #777"></span> {s}' for s, col in COLOURS.items())
        return (
            f'<div style="font-family:sans-serif;line-height:1.5">'
            f'<div class="tlc-counts" style="font-size:15px">'
            f'<b>Trainable <span class="tlc-trainable">{c.trainable:,}</span></b> · '
            f'Non-trainable <span class="tlc-non-trainable">{c.non_trainable:,}</span> · '
            f'Total <span class="tlc-total">{c.total:,}</span> '
            f'<span style="color:#555">({share:.1%} trainable)</span></div>'
            f'<div style="width:420px;height:8px;background:{COLOURS["frozen"]}">'
            f'<div style="width:{100 * share:.2f}%;height:8px;background:{COLOURS["trainable"]}"></div></div>'
            f'<div class="tlc-compile-note" style="color:{colour};font-size:13px">{html.escape(note)}</div>'
            f'<div style="font-size:11px;color:#555">{legend}</div></div>'
        )
