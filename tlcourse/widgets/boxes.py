"""Box thresholds (lesson 07): which of a grid detector's boxes you keep, and the grid they come from.

:class:`BoxThresholds` takes the lesson's trained grid head, the cached backbone features of a few test
canvases and those canvases' true boxes. The head runs once, when the widget is made; the two sliders
only decide which of its boxes are kept, so each change redraws at once:

- *score threshold*: a cell's box is kept when its score (objectness x class probability, as
  :func:`tlcourse.detect.decode` computes it) reaches the threshold;
- *NMS IoU*: :func:`tlcourse.detect.non_max_suppression` drops a box that overlaps a higher-scoring box of
  the same class by more than this IoU (1.0: keep them all).

The canvases show the true boxes (dashed white) and the kept boxes (coloured, with class and score);
over the first canvas the 8x8 grid the head predicts on, the cells that hold a true object's centre
(where :func:`tlcourse.detect.encode` writes its target) outlined in yellow. A line counts the hits
(right class, IoU >= 0.5 with a true box not hit before), the false alarms and the missed objects.
"""
from __future__ import annotations

import html
import io
import time

import ipywidgets as widgets
import numpy as np

from .. import detect
from .base import CourseWidget, WidgetInputError

#: the side, in pixels, each canvas is drawn at in the widget
SHOWN = 192
#: tab10's first colours, one per class, as ``plots.detections`` draws them
COLOURS = [(31, 119, 180), (255, 127, 14), (44, 160, 44), (214, 39, 40), (148, 103, 189), (140, 86, 75),
           (227, 119, 194), (127, 127, 127), (188, 189, 34), (23, 190, 207)]


def match(true_boxes: np.ndarray, true_classes: np.ndarray, boxes: np.ndarray, classes: np.ndarray,
          scores: np.ndarray, iou_threshold: float = 0.5) -> np.ndarray:
    """Which predictions are hits: the right class and IoU >= ``iou_threshold`` with a true box not hit by a
    higher-scoring prediction (the rule :func:`tlcourse.detect.average_precision` counts with)."""
    hit = np.zeros(len(boxes), bool)
    taken = np.zeros(len(true_boxes), bool)
    for j in np.argsort(-np.asarray(scores), kind="stable"):
        same = np.flatnonzero((np.asarray(true_classes) == classes[j]) & ~taken)
        if not len(same):
            continue
        overlaps = detect.iou(boxes[j][None], np.asarray(true_boxes)[same])[0]
        best = int(np.argmax(overlaps))
        if overlaps[best] >= iou_threshold:
            hit[j], taken[same[best]] = True, True
    return hit


class BoxThresholds(CourseWidget, widgets.VBox):
    """Slide the score threshold and the NMS IoU: the detector's kept boxes, hits, false alarms and misses.

    ``BoxThresholds(head, features, scenes)`` takes the grid head (``detect.fit_detector``), the cached
    backbone features of the first canvases of ``scenes`` (a ``detect.DetectionSet``) and the set itself.
    Controls, each driven from code by the method its callback calls:

    - *score threshold* (``score_slider``): :meth:`set_score_threshold`;
    - *NMS IoU* (``iou_slider``): :meth:`set_iou_threshold`.
    """

    css_class = "tlc-box-thresholds"

    def __init__(self, head, features: np.ndarray, scenes: detect.DetectionSet, *, score: float = 0.5,
                 iou: float = 0.5, grid_canvas: int = 0):
        features = np.asarray(features)
        if len(features) > len(scenes):
            raise ValueError(f"{len(features)} canvases of features but {len(scenes)} canvases in the set: pass the "
                             "features of the set's first canvases (e.g. grid_test[:8] with test_scenes)")
        if not 0 <= grid_canvas < len(features):
            raise ValueError(f"grid_canvas={grid_canvas}: pick one of the {len(features)} canvases shown (0 to "
                             f"{len(features) - 1})")
        self.scenes, self.n = scenes, len(features)
        self.canvas = int(scenes.images.shape[1])
        self.class_names = list(scenes.class_names)
        self.predictions = np.asarray(head.predict(features, verbose=0))  # once: the sliders only filter
        self.grid = int(self.predictions.shape[1])
        self.grid_canvas = grid_canvas
        # every cell's box, class and score, per canvas (decode with no objectness cut)
        self._cells = [detect.decode(p, self.canvas, threshold=-1.0) for p in self.predictions]
        self._kept: tuple[list, list, list] = ([], [], [])
        self.last_response_s = 0.0
        self._busy = False

        self._check(score, "score threshold", 0.05, 0.95)
        self._check(iou, "NMS IoU", 0.1, 1.0)
        common = {"continuous_update": False, "style": {"description_width": "initial"},
                  "layout": widgets.Layout(width="360px"), "readout_format": ".2f"}
        self.score_slider = widgets.FloatSlider(value=score, min=0.05, max=0.95, step=0.05,
                                                description="score threshold", **common).add_class("tlc-score-slider")
        self.iou_slider = widgets.FloatSlider(value=iou, min=0.1, max=1.0, step=0.1, description="NMS IoU",
                                              **common).add_class("tlc-iou-slider")
        self.readout = widgets.HTML().add_class("tlc-boxes-readout")
        self.view = widgets.Image(format="jpeg").add_class("tlc-boxes-view")
        self.score_slider.observe(self.guarded(lambda c: None if self._busy else self.set_score_threshold(c["new"])),
                                  names="value")
        self.iou_slider.observe(self.guarded(lambda c: None if self._busy else self.set_iou_threshold(c["new"])),
                                names="value")
        super().__init__([widgets.HBox([self.score_slider, self.iou_slider]), self._make_message_line(),
                          self.readout, self.view])
        self._course_widget_setup()
        self._show()

    # -- driving the widget from code (the sliders' callbacks call the same methods) ---------------------
    @property
    def score_threshold(self) -> float:
        return float(self.score_slider.value)

    @property
    def iou_threshold(self) -> float:
        return float(self.iou_slider.value)

    @property
    def kept(self) -> tuple[list[np.ndarray], list[np.ndarray], list[np.ndarray]]:
        """The boxes, classes and scores kept on each canvas."""
        return self._kept

    def set_score_threshold(self, value: float) -> None:
        """Keep the boxes whose score reaches ``value`` (0.05 to 0.95), as the *score threshold* slider does."""
        self._set(self.score_slider, self._check(value, "score threshold", 0.05, 0.95))

    def set_iou_threshold(self, value: float) -> None:
        """Drop boxes overlapping a better one of their class by more than ``value`` (0.1 to 1; 1: keep all), as the
        *NMS IoU* slider does."""
        self._set(self.iou_slider, self._check(value, "NMS IoU", 0.1, 1.0))

    # -- text form and static picture -----------------------------------------------------------------
    def counts(self) -> dict[str, int]:
        """Boxes kept, hits, false alarms and missed objects over the canvases shown."""
        boxes, classes, scores = self._kept
        hits = sum(int(match(self.scenes.boxes[i], self.scenes.classes[i], boxes[i], classes[i], scores[i]).sum())
                   for i in range(self.n))
        kept = sum(len(b) for b in boxes)
        objects = sum(len(self.scenes.boxes[i]) for i in range(self.n))
        return {"kept": kept, "hits": hits, "false alarms": kept - hits, "missed": objects - hits, "objects": objects}

    def _summary(self) -> str:
        c = self.counts()
        nms = "no NMS" if self.iou_threshold >= 1.0 else f"NMS IoU {self.iou_threshold:.2f}"
        return (f"score threshold {self.score_threshold:.2f}, {nms}: {c['kept']} boxes kept on {self.n} canvases "
                f"holding {c['objects']} objects; {c['hits']} hits (right class, IoU >= 0.5), "
                f"{c['false alarms']} false alarms, {c['missed']} missed")

    def text(self) -> str:
        return (f"BoxThresholds: {self._summary()}\n"
                f"the {self.grid}x{self.grid} grid drawn over canvas {self.grid_canvas}; "
                "slide the score threshold and the NMS IoU to keep more or fewer boxes")

    def snapshot(self):
        """The first 4 canvases with true and kept boxes (``plots.detections``), the grid over one of them.

        One row, small: the notebook stores this picture next to the widget's own (lesson 07 has many).
        """
        from .. import plots

        boxes, classes, _ = self._kept
        shown = min(self.n, 4)
        fig = plots.detections(self.scenes.images[:shown], self.scenes.boxes[:shown], boxes[:shown], classes[:shown],
                               self.class_names, size=1.6)
        for k in range(1, self.grid if self.grid_canvas < shown else 0):
            ax = fig.axes[self.grid_canvas]
            ax.axhline(k * self.canvas / self.grid - 0.5, color="yellow", lw=0.5, alpha=0.7)
            ax.axvline(k * self.canvas / self.grid - 0.5, color="yellow", lw=0.5, alpha=0.7)
        fig.suptitle(f"score threshold {self.score_threshold:.2f}, NMS IoU {self.iou_threshold:.2f}"
                     f" (the first {shown} of {self.n} canvases)", fontsize=9)
        fig.subplots_adjust(top=0.84)  # room for the title above the canvases
        return fig

    # -- internals ---------------------------------------------------------------------------------
    @staticmethod
    def _check(value, name: str, low: float, high: float) -> float:
        if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)) \
                or not low <= float(value) <= high:
            raise WidgetInputError(f"the {name} is a number from {low:g} to {high:g}, got {value!r}: "
                                   "move the slider or pass a value in that range")
        return float(value)

    def _set(self, slider, value: float) -> None:
        started = time.perf_counter()
        self.show_message("", kind="")
        if abs(slider.value - value) > 1e-9:
            self._busy = True
            try:
                slider.value = value
            finally:
                self._busy = False
        self._show()
        self.last_response_s = time.perf_counter() - started

    def _filter(self) -> None:
        kept: tuple[list, list, list] = ([], [], [])
        for boxes, classes, scores in self._cells:
            keep = scores >= self.score_threshold
            b, c, s = boxes[keep], classes[keep], scores[keep]
            if self.iou_threshold < 1.0 and len(b):
                b, c, s = detect.non_max_suppression(b, c, s, iou_threshold=self.iou_threshold)
            for store, values in zip(kept, (b, c, s)):
                store.append(values)
        self._kept = kept

    def _show(self) -> None:
        self._filter()
        self.readout.value = f'<div style="font-size:13px;margin:4px 0">{html.escape(self._summary())}.</div>'
        self.view.value = self._draw()

    def _draw(self, columns: int = 4, gap: int = 6) -> bytes:
        from PIL import Image, ImageDraw

        scale = SHOWN / self.canvas
        rows = int(np.ceil(self.n / columns))
        sheet = Image.new("RGB", (columns * (SHOWN + gap) - gap, rows * (SHOWN + gap) - gap), "white")
        boxes, classes, scores = self._kept
        for i in range(self.n):
            tile = Image.fromarray(np.asarray(self.scenes.images[i]).astype(np.uint8)).resize((SHOWN, SHOWN),
                                                                                             Image.BILINEAR)
            draw = ImageDraw.Draw(tile)
            if i == self.grid_canvas:
                cell = SHOWN / self.grid
                target = detect.encode(self.scenes.boxes[i], self.scenes.classes[i], self.canvas, self.grid,
                                       len(self.class_names))
                for k in range(1, self.grid):
                    draw.line([(k * cell, 0), (k * cell, SHOWN)], fill=(255, 255, 0), width=1)
                    draw.line([(0, k * cell), (SHOWN, k * cell)], fill=(255, 255, 0), width=1)
                for row, col in zip(*np.nonzero(target[..., detect.OBJ])):
                    draw.rectangle([col * cell, row * cell, (col + 1) * cell, (row + 1) * cell],
                                   outline=(255, 220, 0), width=3)
            for x0, y0, x1, y1 in np.asarray(self.scenes.boxes[i]).reshape(-1, 4) * scale:
                _dashed_rectangle(draw, (x0, y0, x1, y1))
            for (x0, y0, x1, y1), c, s in zip(np.asarray(boxes[i]).reshape(-1, 4) * scale, classes[i], scores[i]):
                colour = COLOURS[int(c) % len(COLOURS)]
                draw.rectangle([x0, y0, x1, y1], outline=colour, width=2)
                label = f"{self.class_names[int(c)]} {s:.2f}"
                draw.rectangle([x0, max(0, y0 - 11), x0 + 6 * len(label) + 2, max(11, y0)], fill=colour)
                draw.text((x0 + 1, max(0, y0 - 11)), label, fill="white")
            sheet.paste(tile, ((i % columns) * (SHOWN + gap), (i // columns) * (SHOWN + gap)))
        buffer = io.BytesIO()
        sheet.save(buffer, format="JPEG", quality=80)  # a fifth of a PNG's size: the notebook stores it
        return buffer.getvalue()


def _dashed_rectangle(draw, box, dash: float = 5.0) -> None:
    """A white dashed rectangle (the true boxes, as ``plots.detections`` draws them)."""
    x0, y0, x1, y1 = box
    for (a, b), (c, d) in (((x0, y0), (x1, y0)), ((x1, y0), (x1, y1)), ((x1, y1), (x0, y1)), ((x0, y1), (x0, y0))):
        length = max(abs(c - a), abs(d - b))
        steps = max(1, int(length // (2 * dash)))
        for k in range(steps + 1):
            t0, t1 = min(1.0, 2 * k * dash / max(length, 1)), min(1.0, (2 * k + 1) * dash / max(length, 1))
            if t0 < 1.0:
                draw.line([(a + (c - a) * t0, b + (d - b) * t0), (a + (c - a) * t1, b + (d - b) * t1)],
                          fill="white", width=1)
