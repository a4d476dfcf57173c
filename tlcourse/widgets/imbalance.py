"""Imbalance explorer (lesson 07): make one class rare, train with or without class weights, read the matrix.

:class:`ImbalanceExplorer` takes the lesson's cached features of a training set and of a balanced test
set. A slider picks the imbalance ratio (all the common class's photos, one in ``ratio`` of the rare
class's, drawn by :func:`tlcourse.imbalance.subsample`), a checkbox turns on the "balanced" class weights
(:func:`tlcourse.imbalance.class_weights`); each change refits the head and redraws its confusion matrix
on the balanced test set, its balanced accuracy and the rare class's recall, next to its accuracy on a
test set with the training mix, where the accuracy trap shows.

The head is lesson 02's dense softmax layer on the features, fitted to convergence in NumPy
(:func:`tlcourse.widgets.labels_budget.fit_softmax`, a fraction of a second), each example's loss
multiplied by its class's weight as Keras's ``class_weight`` does; each setting is fitted once.
"""
from __future__ import annotations

import html
import time
from collections.abc import Sequence

import ipywidgets as widgets
import numpy as np

from .. import imbalance
from .base import CourseWidget, WidgetInputError
from .labels_budget import fit_softmax, probabilities, standardizer

#: imbalance ratios on offer (common : rare)
RATIOS = (1, 2, 5, 10, 20, 50)


class ImbalanceExplorer(CourseWidget, widgets.VBox):
    """Slide the imbalance ratio, tick class weights: the refitted head's confusion matrix and balanced accuracy.

    ``ImbalanceExplorer(features, labels, test_features, test_labels, class_names)`` takes cached features
    of a training set and of a test set, both with two or more classes, and the class names as the text
    should read them (plural, as the data sets give them: ``("cats", "dogs")``). ``common`` (default 0) keeps all its
    training examples, ``rare`` (default 1) keeps one in ``ratio``. Controls, each driven from code by the
    method its callback calls:

    - *imbalance* (``ratio_slider``, a selection slider over :data:`RATIOS`): :meth:`set_ratio`;
    - *class weights* (``weights_box``, a checkbox): :meth:`set_class_weights`.
    """

    css_class = "tlc-imbalance"

    def __init__(self, features: np.ndarray, labels: np.ndarray, test_features: np.ndarray, test_labels: np.ndarray,
                 class_names: Sequence[str], *, common: int = 0, rare: int = 1, ratio: int = 10,
                 class_weights: bool = False, ratios: Sequence[int] = RATIOS, seed: int = 0):
        self.features, self.labels = np.asarray(features), np.asarray(labels, int)
        self.test_features, self.test_labels = np.asarray(test_features), np.asarray(test_labels, int)
        self.class_names, self.common, self.rare, self.seed = list(class_names), common, rare, seed
        if self.features.ndim != 2 or len(self.features) != len(self.labels):
            raise ValueError(f"{len(self.features)} feature vectors for {len(self.labels)} labels: pass "
                             "train.extract_features(...) of the training photos and their labels")
        if len(self.test_features) != len(self.test_labels) or self.test_features.shape[1:] != self.features.shape[1:]:
            raise ValueError(f"test features of shape {self.test_features.shape} for {len(self.test_labels)} labels: "
                             "pass the test photos' features (same base as the training ones) and their labels")
        k = len(self.class_names)
        if common == rare or not (0 <= common < k and 0 <= rare < k):
            raise ValueError(f"common={common} and rare={rare}: pick two different classes among 0..{k - 1}")
        self.n_common = int(np.sum(self.labels == common))
        self.ratios = [int(r) for r in ratios if r >= 1 and self.n_common // r >= 1]
        if int(np.sum(self.labels == rare)) < self.n_common:
            raise ValueError(f"the rare class has {int(np.sum(self.labels == rare))} training examples, fewer than the "
                             f"common class's {self.n_common}: pass a balanced training set, the widget makes it uneven")
        mean, spread = standardizer(self.features)  # one scale for every feature (see labels_budget)
        self._x, self._x_test = (self.features - mean) / spread, (self.test_features - mean) / spread
        self._results: dict[tuple[int, bool], dict] = {}
        self.last_response_s = 0.0
        self._busy = False

        start = ratio if ratio in self.ratios else self.ratios[-1]
        self.ratio_slider = widgets.SelectionSlider(
            options=[(f"{r}:1", r) for r in self.ratios], value=start, continuous_update=False,
            description=f"imbalance, {self.class_names[common]} : {self.class_names[rare]}",
            style={"description_width": "initial"}, layout=widgets.Layout(width="420px"),
        ).add_class("tlc-ratio-slider")
        self.weights_box = widgets.Checkbox(value=bool(class_weights), description="class weights (balanced)",
                                            indent=False).add_class("tlc-class-weights")
        self.readout = widgets.HTML().add_class("tlc-imbalance-readout")
        self.matrix_view = widgets.HTML().add_class("tlc-confusion")
        self.ratio_slider.observe(self.guarded(lambda c: None if self._busy else self.set_ratio(c["new"])), names="value")
        self.weights_box.observe(self.guarded(lambda c: None if self._busy else self.set_class_weights(c["new"])),
                                 names="value")
        super().__init__([
            widgets.HBox([self.ratio_slider, self.weights_box], layout=widgets.Layout(grid_gap="0 24px")),
            self._make_message_line(),
            widgets.HBox([self.matrix_view, self.readout], layout=widgets.Layout(align_items="flex-start",
                                                                                 grid_gap="0 20px")),
        ])
        self._course_widget_setup()
        self._show()

    # -- driving the widget from code (the browser's callbacks call the same methods) ---------------------
    @property
    def ratio(self) -> int:
        """Common-class training examples per rare-class one."""
        return self.ratio_slider.value

    @property
    def class_weights(self) -> bool:
        """Whether the head shown was trained with the "balanced" class weights."""
        return self.weights_box.value

    @property
    def result(self) -> dict:
        """The head shown: ``counts``, ``weights``, ``matrix`` (balanced test set), ``balanced accuracy``,
        ``accuracy``, ``recall`` (per class) and ``mixed accuracy``/``mixed balanced accuracy`` (test set with
        the training mix)."""
        return self._results[(self.ratio, self.class_weights)]

    def set_ratio(self, ratio: int) -> None:
        """Train on ``ratio`` common-class examples per rare one and show the result, as the slider does."""
        if isinstance(ratio, bool) or not isinstance(ratio, (int, np.integer)) or int(ratio) not in self.ratios:
            raise WidgetInputError(f"an imbalance of {ratio!r}:1 is not on offer: choose one of "
                                   f"{', '.join(map(str, self.ratios))} (common-class photos per rare one)")
        self._set(self.ratio_slider, int(ratio))

    def set_class_weights(self, on: bool) -> None:
        """Train with (True) or without (False) the "balanced" class weights, as the checkbox does."""
        if not isinstance(on, (bool, np.bool_)):
            raise WidgetInputError(f"class weights are on or off: pass True or False, not {on!r}")
        self._set(self.weights_box, bool(on))

    # -- text form and static picture -----------------------------------------------------------------
    def _summary(self) -> list[str]:
        r, names = self.result, self.class_names
        common, rare = names[self.common], names[self.rare]
        counts = r["counts"]
        found = r["matrix"][self.rare, self.rare]
        weights = (f"class weights {r['weights'][self.common]:.2f} ({common}) and {r['weights'][self.rare]:.2f} ({rare})"
                   if self.class_weights else "no class weights")
        return [
            f"trained on {counts[self.common]} {common} and {counts[self.rare]} {rare} ({self.ratio}:1), {weights}",
            f"balanced test set ({len(self.test_labels)} photos): balanced accuracy {r['balanced accuracy']:.3f}, "
            f"{rare} found {r['recall'][self.rare]:.3f} ({found} of {r['matrix'][self.rare].sum()})",
            f"test set with the training mix ({r['mixed size']} photos): accuracy {r['mixed accuracy']:.3f}, "
            f"balanced accuracy {r['mixed balanced accuracy']:.3f}",
        ]

    def text(self) -> str:
        rows = "\n".join(f"  {'true ' + name:<12} " + " ".join(f"{v:>5}" for v in row)
                         for name, row in zip(self.class_names, self.result["matrix"]))
        head = " " * 15 + " ".join(f"{name[:5]:>5}" for name in self.class_names)
        return ("ImbalanceExplorer: " + "\n".join(self._summary())
                + f"\nconfusion matrix on the balanced test set (rows: true, columns: predicted)\n{head}\n{rows}\n"
                  "slide the imbalance and tick class weights to refit the head")

    def snapshot(self):
        """The confusion matrix on the balanced test set, titled with the setting and balanced accuracy."""
        import matplotlib.pyplot as plt

        m = self.result["matrix"]
        fig, ax = plt.subplots(figsize=(3.6, 3.2), layout="constrained")
        ax.imshow(m, cmap="Blues", vmin=0)
        for (i, j), v in np.ndenumerate(m):
            ax.text(j, i, str(v), ha="center", va="center", color="white" if v > m.max() / 2 else "black")
        ax.set_xticks(range(len(self.class_names)), self.class_names)
        ax.set_yticks(range(len(self.class_names)), self.class_names)
        ax.set_xlabel("predicted")
        ax.set_ylabel("true")
        ax.set_title(f"{self.ratio}:1, {'class weights' if self.class_weights else 'plain'}: "
                     f"balanced accuracy {self.result['balanced accuracy']:.3f}", fontsize=9)
        plt.close(fig)
        return fig

    # -- internals ---------------------------------------------------------------------------------
    def _set(self, control, value) -> None:
        started = time.perf_counter()
        self.show_message("", kind="")
        if control.value != value:
            self._busy = True
            try:
                control.value = value
            finally:
                self._busy = False
        self._show()
        self.last_response_s = time.perf_counter() - started

    def _fit(self, ratio: int, weighted: bool) -> dict:
        keep = {c: int(np.sum(self.labels == c)) for c in np.unique(self.labels)}
        keep[self.common], keep[self.rare] = self.n_common, max(1, self.n_common // ratio)
        x, y = imbalance.subsample(self._x, self.labels, keep, seed=self.seed)
        k = len(self.class_names)
        weights = imbalance.class_weights(y, k) if weighted else {c: 1.0 for c in range(k)}
        head = fit_softmax(x, y, n_classes=k, sample_weight=np.array([weights[c] for c in y]))
        predicted = probabilities(self._x_test, head).argmax(-1)
        # the test set with the training mix: the same share of the rare class dropped
        test_keep = {c: int(np.sum(self.test_labels == c)) for c in np.unique(self.test_labels)}
        test_keep[self.rare] = max(1, test_keep[self.common] // ratio)
        mixed_x, mixed_y = imbalance.subsample(self._x_test, self.test_labels, test_keep, seed=self.seed)
        mixed = probabilities(mixed_x, head).argmax(-1)
        return {"counts": np.bincount(y, minlength=k), "weights": weights,
                "matrix": imbalance.confusion_matrix(self.test_labels, predicted, k),
                "balanced accuracy": imbalance.balanced_accuracy(self.test_labels, predicted, k),
                "accuracy": float(np.mean(predicted == self.test_labels)),
                "recall": imbalance.per_class_recall(self.test_labels, predicted, k),
                "mixed size": len(mixed_y), "mixed accuracy": float(np.mean(mixed == mixed_y)),
                "mixed balanced accuracy": imbalance.balanced_accuracy(mixed_y, mixed, k)}

    def _show(self) -> None:
        key = (self.ratio, self.class_weights)
        if key not in self._results:
            self._results[key] = self._fit(*key)
        self.matrix_view.value = self._matrix_html()
        lines = self._summary()
        self.readout.value = (
            '<div style="font-size:13px;line-height:1.5;max-width:640px">'
            f'<div style="font-size:15px"><b>balanced accuracy {self.result["balanced accuracy"]:.3f}</b> '
            "on the balanced test set</div>"
            + "".join(f"<div>{html.escape(line[0].upper() + line[1:])}.</div>" for line in lines) + "</div>")

    def _matrix_html(self) -> str:
        m = self.result["matrix"]
        cell = "width:64px;height:40px;text-align:center;font-size:15px;border:1px solid #ddd"
        head = "".join(f'<th style="font-weight:normal;font-size:12px">{html.escape(n)}</th>' for n in self.class_names)
        rows = []
        for i, name in enumerate(self.class_names):
            tds = []
            for j in range(len(self.class_names)):
                share = m[i, j] / max(m[i].sum(), 1)
                colour = f"rgba(42,122,185,{0.1 + 0.85 * share:.2f})"
                tds.append(f'<td class="tlc-confusion-cell" style="{cell};background:{colour};'
                           f'color:{"white" if share > 0.5 else "black"}">{m[i, j]}</td>')
            rows.append(f'<tr><th style="font-weight:normal;font-size:12px;text-align:right;padding-right:6px">'
                        f"true {html.escape(name)}</th>{''.join(tds)}</tr>")
        return ('<div style="font-size:12px;color:#444">confusion matrix, balanced test set</div>'
                f'<table style="border-collapse:collapse"><tr><th></th>{head}</tr>{"".join(rows)}</table>'
                '<div style="font-size:11px;color:#666;text-align:center">predicted</div>')
