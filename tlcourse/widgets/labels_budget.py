"""Labels budget and mistakes (lesson 02): how many labelled photos per class, and which photos it gets wrong.

:class:`LabelsBudget` takes the lesson's *cached* features (one 1280-number vector per photo, from the
frozen base) and a slider for the number of labelled photos per class. Each position trains a head on
that many photos per class (the nested subsets of :func:`tlcourse.train.subset_per_class`, as
``train.accuracy_vs_labels`` draws them) and shows its validation accuracy, how many validation photos
that is, and a gallery of the misclassified validation photos with the probability the head gave its
wrong answer, the most confident mistakes first (as :func:`tlcourse.plots.misclassified` orders them).

The head is the lesson's: one dense layer with softmax on the 1280 features (:func:`fit_softmax`; the
features are first put on one scale, :func:`standardizer`, which a dense layer's weights could absorb).
To answer within a second on a laptop's CPU it is fitted in NumPy, in float64, to the minimum of its loss
(cross-entropy plus a small L2 penalty, by SciPy's L-BFGS) instead of by Keras's Adam for a fixed number
of epochs: no base runs, nothing random, and each size is fitted once (moving back is instant).
"""
from __future__ import annotations

import base64
import html
import io
import time
from collections.abc import Sequence

import ipywidgets as widgets
import numpy as np

from .. import train
from .base import CourseWidget, WidgetInputError

#: labelled photos per class on offer (those the training set can give are kept)
SIZES = (1, 2, 5, 10, 25, 50, 100, 250, 500, 1000)
#: side of a gallery tile, in pixels
TILE = 88


def fit_softmax(features: np.ndarray, labels: np.ndarray, n_classes: int | None = None,
                sample_weight: np.ndarray | None = None, l2: float = 1e-3,
                max_iter: int = 300) -> tuple[np.ndarray, np.ndarray]:
    """A dense softmax head fitted to convergence on cached features: returns ``(kernel, bias)``.

    Minimises the mean (optionally ``sample_weight``-weighted, as Keras's ``class_weight`` does) cross-
    entropy plus ``l2 / 2`` times the squared kernel, with L-BFGS in float64: deterministic, and about a
    tenth of a second for a few thousand 1280-number vectors. ``probabilities`` applies the result.
    """
    from scipy.optimize import minimize

    x = np.asarray(features, np.float64)
    y = np.asarray(labels, int)
    if x.ndim != 2 or len(x) != len(y) or len(y) == 0:
        raise ValueError(f"features of shape {x.shape} and {len(y)} labels: pass one feature vector (a row) per label")
    k = int(n_classes or y.max() + 1)
    w = np.ones(len(y)) if sample_weight is None else np.asarray(sample_weight, np.float64)
    w = w / w.sum()
    onehot = np.eye(k)[y]
    d = x.shape[1]

    def loss_and_grad(theta):
        kernel, bias = theta[:-k].reshape(d, k), theta[-k:]
        logits = x @ kernel + bias
        logits -= logits.max(axis=1, keepdims=True)
        log_p = logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))
        loss = -np.sum(w * np.sum(onehot * log_p, axis=1)) + 0.5 * l2 * np.sum(kernel ** 2)
        delta = (np.exp(log_p) - onehot) * w[:, None]
        return loss, np.concatenate([(x.T @ delta + l2 * kernel).ravel(), delta.sum(axis=0)])

    result = minimize(loss_and_grad, np.zeros(d * k + k), jac=True, method="L-BFGS-B",
                      options={"maxiter": max_iter})
    return result.x[:-k].reshape(d, k), result.x[-k:]


def standardizer(features: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean and spread per feature, to put every feature on the same scale before :func:`fit_softmax`.

    L-BFGS then needs a few dozen steps instead of a hundred or more (a response within a second). The
    statistics may come from every photo's features, labelled or not: they use no label.
    """
    x = np.asarray(features, np.float64)
    return x.mean(axis=0), x.std(axis=0) + 1e-3


def probabilities(features: np.ndarray, head: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
    """Class probabilities of a :func:`fit_softmax` head for each row of ``features``."""
    kernel, bias = head
    logits = np.asarray(features, np.float64) @ kernel + bias
    logits -= logits.max(axis=1, keepdims=True)
    p = np.exp(logits)
    return p / p.sum(axis=1, keepdims=True)


def _thumbnail(pixels: np.ndarray, side: int = TILE) -> str:
    """A photo as a small JPEG data URI (the gallery is HTML: its captions are text a test can read)."""
    from PIL import Image

    image = Image.fromarray(np.asarray(pixels).astype(np.uint8)).resize((side, side), Image.BILINEAR)
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=80)
    return "data:image/jpeg;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


class LabelsBudget(CourseWidget, widgets.VBox):
    """Slide the number of labelled photos per class: a head trained on that many, its accuracy, its mistakes.

    ``LabelsBudget(train_features, train_labels, val_features, val_labels, val_images, class_names)``
    takes the cached features of the training and validation photos (``train.extract_features``) and the
    validation photos themselves (for the gallery). The one control, the *labelled photos per class*
    slider (``slider``), is driven from code by :meth:`set_per_class`, the method its callback calls.
    """

    css_class = "tlc-labels-budget"

    def __init__(self, train_features: np.ndarray, train_labels: np.ndarray, val_features: np.ndarray,
                 val_labels: np.ndarray, val_images: np.ndarray, class_names: Sequence[str], *,
                 sizes: Sequence[int] = SIZES, per_class: int = 10, gallery: int = 16, seed: int = 0):
        self.train_features, self.val_features = np.asarray(train_features), np.asarray(val_features)
        self.train_labels, self.val_labels = np.asarray(train_labels, int), np.asarray(val_labels, int)
        self.val_images, self.class_names = val_images, list(class_names)
        if len(self.train_features) != len(self.train_labels) or self.train_features.ndim != 2:
            raise ValueError(f"{len(self.train_features)} training feature vectors for {len(self.train_labels)} labels: "
                             "pass train.extract_features(base, train_set.images, preprocess) and train_set.labels")
        if not len(self.val_features) == len(self.val_labels) == len(val_images):
            raise ValueError(f"{len(self.val_features)} validation feature vectors, {len(self.val_labels)} labels and "
                             f"{len(val_images)} photos: pass the same validation set's features, labels and images")
        if self.val_features.shape[1:] != self.train_features.shape[1:]:
            raise ValueError(f"training features have shape {self.train_features.shape[1:]}, validation features "
                             f"{self.val_features.shape[1:]}: extract both with the same base")
        available = int(np.bincount(self.train_labels).min())
        self.sizes = [int(n) for n in sizes if 1 <= n <= available]
        if not self.sizes:
            raise ValueError(f"the training set has only {available} photos of its smallest class: offer sizes up to that")
        self.gallery_size, self.seed = gallery, seed
        mean, spread = standardizer(self.train_features)  # every training photo's features, no label needed
        self._x, self._x_val = (self.train_features - mean) / spread, (self.val_features - mean) / spread
        self._probabilities: dict[int, np.ndarray] = {}  # photos per class -> validation probabilities
        self._thumbs: dict[int, str] = {}  # validation photo -> its gallery tile
        self.last_response_s = 0.0
        self._busy = False

        start = per_class if per_class in self.sizes else self.sizes[min(len(self.sizes) - 1, 3)]
        self.slider = widgets.SelectionSlider(
            options=self.sizes, value=start, description="labelled photos per class", continuous_update=False,
            style={"description_width": "initial"}, layout=widgets.Layout(width="520px"),
        ).add_class("tlc-budget-slider")
        self.readout = widgets.HTML().add_class("tlc-budget-readout")
        self.gallery = widgets.HTML().add_class("tlc-budget-gallery")
        self.slider.observe(self.guarded(lambda change: None if self._busy else self.set_per_class(change["new"])),
                            names="value")
        super().__init__([self.slider, self._make_message_line(), self.readout, self.gallery])
        self._course_widget_setup()
        self.set_per_class(start)

    # -- driving the widget from code (the slider's callback calls the same method) -----------------------
    @property
    def per_class(self) -> int:
        """Labelled photos per class the head shown was trained on."""
        return self.slider.value

    @property
    def probabilities(self) -> np.ndarray:
        """The head's class probabilities for each validation photo."""
        return self._probabilities[self.per_class]

    @property
    def predicted(self) -> np.ndarray:
        return self.probabilities.argmax(axis=-1)

    @property
    def mistakes(self) -> np.ndarray:
        """Indices of the misclassified validation photos, the most confident mistakes first."""
        p, said = self.probabilities, self.predicted
        wrong = np.flatnonzero(said != self.val_labels)
        return wrong[np.argsort(-p[wrong, said[wrong]], kind="stable")]

    @property
    def accuracy(self) -> float:
        return float(np.mean(self.predicted == self.val_labels))

    def set_per_class(self, n: int) -> None:
        """Train (or recall) the head on ``n`` labelled photos per class and show it, as the slider does."""
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)):
            raise WidgetInputError(f"labelled photos per class must be a whole number, got {n!r}: "
                                   f"choose one of {', '.join(map(str, self.sizes))}")
        if int(n) not in self.sizes:
            raise WidgetInputError(f"{n} labelled photos per class is not on offer: choose one of "
                                   f"{', '.join(map(str, self.sizes))} (the training set has "
                                   f"{int(np.bincount(self.train_labels).min())} per class)")
        n = int(n)
        started = time.perf_counter()
        self.show_message("", kind="")
        if n not in self._probabilities:
            idx = train.subset_per_class(self.train_labels, n, self.seed)
            head = fit_softmax(self._x[idx], self.train_labels[idx], n_classes=len(self.class_names))
            self._probabilities[n] = probabilities(self._x_val, head)
        if self.slider.value != n:
            self._busy = True
            try:
                self.slider.value = n
            finally:
                self._busy = False
        self.readout.value = self._readout_html()
        self.gallery.value = self._gallery_html()
        self.last_response_s = time.perf_counter() - started

    # -- text form and static picture -----------------------------------------------------------------
    def _summary(self) -> str:
        n, total = self.per_class, len(self.val_labels)
        right = int(np.sum(self.predicted == self.val_labels))
        return (f"a head trained on {n} labelled photo{'s' if n > 1 else ''} per class "
                f"({n * len(self.class_names)} in all): validation accuracy {self.accuracy:.3f}, "
                f"{right} of {total} validation photos right, {total - right} misclassified")

    def text(self) -> str:
        return (f"LabelsBudget: {self._summary()}\n"
                f"slide the labelled photos per class ({', '.join(map(str, self.sizes))}) to retrain the head")

    def snapshot(self):
        """The 8 most confident mistakes (``plots.misclassified``), titled with the budget and accuracy."""
        from .. import plots

        fig = plots.misclassified(self.val_images, self.val_labels, self.probabilities, self.class_names,
                                  n=8, ncols=8, size=1.1)  # one row: the notebook stores the picture
        fig.suptitle(f"{self.per_class} labelled photos per class: accuracy {self.accuracy:.3f}, "
                     f"{len(self.mistakes)} of {len(self.val_labels)} validation photos misclassified", fontsize=10)
        return fig

    # -- internals ---------------------------------------------------------------------------------
    def _readout_html(self) -> str:
        n, total = self.per_class, len(self.val_labels)
        right = int(np.sum(self.predicted == self.val_labels))
        return (f'<div style="font-size:14px;margin:4px 0"><b>validation accuracy {self.accuracy:.3f}</b> '
                f"({right} of {total} validation photos right, {total - right} misclassified) for a head trained on "
                f"{n} labelled photo{'s' if n > 1 else ''} per class ({n * len(self.class_names)} in all)</div>")

    def _gallery_html(self) -> str:
        wrong = self.mistakes
        shown = wrong[: self.gallery_size]
        tiles = []
        for i in shown:
            if i not in self._thumbs:
                self._thumbs[int(i)] = _thumbnail(self.val_images[i])
            said = self.predicted[i]
            tiles.append(
                f'<div class="tlc-budget-tile" style="width:{TILE + 12}px;font-size:11px;line-height:1.25;text-align:center">'
                f'<img src="{self._thumbs[int(i)]}" width="{TILE}" height="{TILE}"><br>'
                f"true: {html.escape(self.class_names[self.val_labels[i]])}<br>"
                f'<span style="color:#b22">said: {html.escape(self.class_names[said])} '
                f"{self.probabilities[i, said]:.0%}</span></div>")
        title = (f"{len(wrong)} of {len(self.val_labels)} validation photos misclassified"
                 + (f", the {len(shown)} most confident mistakes shown" if len(wrong) > len(shown) else "")
                 + (": none" if not len(wrong) else ""))
        return (f'<div style="font-size:13px;margin:6px 0 4px" class="tlc-budget-title">{title}</div>'
                f'<div style="display:flex;flex-wrap:wrap;gap:6px">{"".join(tiles)}</div>')
