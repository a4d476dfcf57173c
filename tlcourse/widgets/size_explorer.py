"""Size explorer (lesson 05): slide a photo's size down to a few pixels and watch the top-5 break.

:class:`SizeExplorer` shrinks a photo to the side you pick (8 to 224 pixels) and shows the model's top-5
for it, in colour or in grey. An ImageNet classifier takes one input size (the course's MobileNetV2 with
its top: 224x224, lesson 05 §5), so "the photo at 40 pixels" means what lesson 05 §7 does: the photo's
centre square shrunk to 40x40 (:func:`tlcourse.adapt.resize_batch`, with antialias), then enlarged back
to 224x224 for the model. The enlargement adds no detail: what the model gets is exactly what 40x40
pixels hold. The widget shows both, the small photo with its pixels drawn as squares and the enlarged
one the model sees.

One forward pass per new (photo, size, colour) choice, about a tenth of a second on a laptop's CPU;
each answer is kept, so going back to a size is instant.
"""
from __future__ import annotations

import html
import io
import time
from collections.abc import Callable

import ipywidgets as widgets
import keras
import numpy as np

from .. import adapt, data, zoo
from .base import CourseWidget, WidgetInputError

#: the smallest side on offer (lesson 05 §7 starts at 8 pixels)
MIN_SIDE = 8
#: answers kept (photo, side, grey): 1000 probabilities and two small images each
KEEP_RESULTS = 512
#: the side at which the small photo is drawn, each of its pixels a square
VIEW_SIDE = 224


def _jpeg(pixels: np.ndarray, quality: int = 90) -> bytes:
    """Pixels as JPEG: a fifth of the PNG's size (the notebook stores the widget's state)."""
    from PIL import Image

    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="JPEG", quality=quality)
    return buffer.getvalue()


def _grey(photo: np.ndarray) -> np.ndarray:
    """The photo in grey (ITU-R 601 luma, as PIL's convert("L")), copied to three channels."""
    luma = np.round(photo[..., :3].astype(np.float32) @ np.array([0.299, 0.587, 0.114], np.float32))
    return adapt.to_rgb(np.clip(luma, 0, 255).astype(np.uint8))


class SizeExplorer(CourseWidget, widgets.VBox):
    """Shrink a photo to the side you choose and see the classifier's top-5 at that size, colour or grey.

    ``SizeExplorer(model, preprocess, photos)`` takes an ImageNet classifier with its top (from
    ``zoo.load``), its ``preprocess``, and photos (``{name: uint8 RGB array}`` of any size; their centre
    square is used; default ``data.sample_photos``). Controls, each driven from code by the method its
    callback calls:

    - *photo* (``picker``): :meth:`pick`;
    - *side* (``slider``, 8 to the model's input size): :meth:`set_size`;
    - *grey* (``grey_box``): :meth:`set_grey`.

    The photo is shrunk to side x side pixels and enlarged back to the model's input size (bilinear,
    antialiased: ``adapt.resize_batch`` twice, as lesson 05 §7); nothing is trained.
    """

    css_class = "tlc-size-explorer"

    def __init__(self, model: keras.Model, preprocess: Callable[[np.ndarray], np.ndarray],
                 photos: dict[str, np.ndarray] | None = None, *, size: int | None = None, grey: bool = False,
                 top: int = 5):
        shape = tuple(getattr(model, "input_shape", ())[1:]) if isinstance(model, keras.Model) else ()
        if not isinstance(model, keras.Model) or tuple(model.output_shape[1:]) != (1000,):
            raise TypeError("SizeExplorer needs an ImageNet classifier with its top (1000 outputs), e.g. "
                            'model, preprocess = zoo.load("MobileNetV2"); got '
                            f"{getattr(model, 'output_shape', type(model).__name__)}")
        if len(shape) != 3 or shape[0] is None or shape[0] != shape[1] or shape[2] != 3:
            raise TypeError(f"SizeExplorer needs a classifier with a fixed, square RGB input; {model.name} takes {shape}")
        self.model, self.preprocess, self.top = model, preprocess, int(top)
        self.input_size = int(shape[0])
        photos = photos if photos is not None else data.sample_photos(self.input_size)
        self.photos: dict[str, np.ndarray] = {}
        for name, pixels in photos.items():
            pixels = np.asarray(pixels)
            if pixels.ndim != 3 or pixels.shape[-1] != 3 or pixels.dtype != np.uint8:
                raise ValueError(f"photo {name!r} has shape {pixels.shape} and dtype {pixels.dtype}; give uint8 RGB "
                                 "pixels (height, width, 3), e.g. skimage.data.chelsea()")
            self.photos[name] = np.ascontiguousarray(adapt.center_crop(pixels))
        if not self.photos:
            raise ValueError("give at least one photo: {name: uint8 (height, width, 3) array}")
        self._results: dict[tuple[str, int, bool], dict] = {}
        self._full: dict[tuple[str, bool], int] = {}  # the class each photo gets at full size
        self._busy = False
        self.last_response_s = 0.0

        self.picker = widgets.Dropdown(options=list(self.photos), description="photo",
                                       layout=widgets.Layout(width="240px")).add_class("tlc-size-photo")
        self.slider = widgets.IntSlider(value=self.input_size, min=MIN_SIDE, max=self.input_size, step=1,
                                        description="side (px)", continuous_update=False,
                                        layout=widgets.Layout(width="420px")).add_class("tlc-size-slider")
        self.grey_box = widgets.Checkbox(value=False, description="grey", indent=False,
                                         layout=widgets.Layout(width="80px")).add_class("tlc-size-grey")
        self.small_view = widgets.Image(format="jpeg", width=VIEW_SIDE, height=VIEW_SIDE).add_class("tlc-size-small")
        self.model_view = widgets.Image(format="jpeg", width=VIEW_SIDE, height=VIEW_SIDE).add_class("tlc-size-view")
        self.caption = widgets.HTML().add_class("tlc-size-caption")
        self.top_view = widgets.HTML(layout=widgets.Layout(width="420px")).add_class("tlc-size-top5")

        self.picker.observe(self.guarded(lambda change: None if self._busy else self.pick(change["new"])), names="value")
        self.slider.observe(self.guarded(lambda change: None if self._busy else self.set_size(change["new"])), names="value")
        self.grey_box.observe(self.guarded(lambda change: None if self._busy else self.set_grey(change["new"])), names="value")

        small_box = widgets.VBox([widgets.HTML('<div style="font-size:12px;color:#444">the photo at this size</div>'),
                                  self.small_view])
        model_box = widgets.VBox([widgets.HTML('<div style="font-size:12px;color:#444">enlarged back: what the '
                                               'model gets</div>'), self.model_view])
        super().__init__([
            widgets.HBox([self.picker, self.slider, self.grey_box], layout=widgets.Layout(align_items="center")),
            self._make_message_line(),
            widgets.HBox([small_box, model_box, self.top_view], layout=widgets.Layout(align_items="flex-start",
                                                                                       grid_gap="0 12px")),
            self.caption,
        ])
        self._course_widget_setup()
        self._size, self._grey_on = self.input_size, bool(grey)
        if size is not None:
            self._check_size(size)
            self._size = int(size)
        self._set_quietly(self.slider, self._size)
        self._set_quietly(self.grey_box, self._grey_on)
        self._show()

    # -- driving the widget from code (the browser's callbacks call the same methods) ---------------------
    @property
    def current(self) -> str:
        """The name of the photo shown."""
        return self.picker.value

    @property
    def size(self) -> int:
        """The side, in pixels, the photo is shrunk to."""
        return self._size

    @property
    def grey(self) -> bool:
        """Whether the photo is shown (and classified) in grey."""
        return self._grey_on

    @property
    def predictions(self) -> list[tuple[int, str, float]]:
        """The top-``top`` (index, label, probability) at the size shown."""
        return self._result()["top"]

    def pick(self, name: str) -> None:
        """Show photo ``name``, as the *photo* menu does."""
        if name not in self.photos:
            raise WidgetInputError(f"no photo {name!r}; choose from {', '.join(self.photos)}")
        self._set_quietly(self.picker, name)
        self._show()

    def set_size(self, side: int) -> None:
        """Shrink the photo to ``side`` x ``side`` pixels (then back to the model's size), as the slider does."""
        self._check_size(side)
        self._size = int(side)
        self._set_quietly(self.slider, self._size)
        self._show()

    def set_grey(self, on: bool = True) -> None:
        """Show (and classify) the photo in grey (``on``) or in colour, as the *grey* checkbox does."""
        if not isinstance(on, (bool, np.bool_)):
            raise WidgetInputError(f"grey is on or off: give True or False, got {on!r}")
        self._grey_on = bool(on)
        self._set_quietly(self.grey_box, self._grey_on)
        self._show()

    # -- text form and static picture -----------------------------------------------------------------
    def text(self) -> str:
        """The photo, its size and colour, the top-5 and how the full-size answer fares, in words."""
        top = ", ".join(f"{label} {p:.2f}" for _, label, p in self.predictions)
        label, p, rank = self._full_size_answer()
        return (f"SizeExplorer: {self.current!r} shrunk to {self.size}x{self.size} pixels, {self._colour()}, "
                f"enlarged back to {self.input_size}x{self.input_size} for {self.model.name}\n"
                f"top-{self.top}: {top}\n"
                f"the full-size colour answer, {label}: probability {p:.2f}, rank {rank} of 1000; "
                "slide the side, tick grey, pick a photo")

    def snapshot(self):
        """The small photo, what the model gets, and the top-5 bars, in one figure."""
        import matplotlib.pyplot as plt

        result = self._result()
        fig, axes = plt.subplots(1, 3, figsize=(8.4, 2.6), layout="constrained", width_ratios=[1, 1, 1.3])
        axes[0].imshow(result["small"], interpolation="nearest")
        axes[0].set_title(f"{self.size}x{self.size} pixels, {self._colour()}", fontsize=9)
        axes[1].imshow(result["seen"])
        axes[1].set_title(f"enlarged back to {self.input_size}x{self.input_size}", fontsize=9)
        for ax in axes[:2]:
            ax.axis("off")
        labels = [label for _, label, _ in self.predictions][::-1]
        axes[2].barh(range(len(labels)), [p for *_, p in self.predictions][::-1],
                     color=["#bbb"] * (len(labels) - 1) + ["#2a7ab9"])
        axes[2].set_yticks(range(len(labels)), labels, fontsize=8)
        axes[2].set_xlim(0, 1)
        axes[2].set_title(f"top-{self.top} at {self.size}x{self.size}", fontsize=9)
        plt.close(fig)
        return fig

    # -- internals ---------------------------------------------------------------------------------
    def _check_size(self, side) -> None:
        limits = f"choose a side from {MIN_SIDE} to {self.input_size} pixels"
        if isinstance(side, bool) or not isinstance(side, (int, np.integer)):
            raise WidgetInputError(f"the side is a whole number of pixels, got {side!r}: {limits}")
        if side > self.input_size:
            raise WidgetInputError(
                f"{side}x{side} pixels is more than {self.model.name} takes: its ImageNet classifier (the top) was "
                f"trained on {self.input_size}x{self.input_size} photos and takes only that size (lesson 05 §5), so a "
                f"larger photo would be shrunk back to {self.input_size}: {limits}")
        if side < MIN_SIDE:
            raise WidgetInputError(f"{side}x{side} pixels is below the explorer's smallest side: at {MIN_SIDE}x{MIN_SIDE} "
                                   f"the photo is already only {MIN_SIDE * MIN_SIDE} pixels: {limits}")

    def _colour(self) -> str:
        return "in grey" if self.grey else "in colour"

    def _result(self, name: str | None = None, side: int | None = None, grey: bool | None = None) -> dict:
        key = (name or self.current, side or self.size, self.grey if grey is None else grey)
        if key not in self._results:
            photo = self.photos[key[0]]
            photo = _grey(photo) if key[2] else photo
            small = adapt.resize_batch(photo, key[1])  # antialiased: each pixel averages what it covers
            seen = adapt.resize_batch(small, self.input_size)  # back to the size the top takes
            probabilities = np.asarray(self.model.predict_on_batch(self.preprocess(seen[None].astype(np.float32))))[0]
            self._results[key] = {"small": small, "seen": seen, "probabilities": probabilities,
                                  "top": zoo.decode(probabilities, self.top)[0]}
            while len(self._results) > KEEP_RESULTS:
                self._results.pop(next(iter(self._results)))
        return self._results[key]

    def _full_size_answer(self) -> tuple[str, float, int]:
        """The class the colour photo gets at full size, and its probability and rank at the size shown."""
        full, label, _ = self._result(side=self.input_size, grey=False)["top"][0]
        p = self._result()["probabilities"]
        return label, float(p[full]), int((p > p[full]).sum()) + 1

    def _show(self) -> None:
        started = time.perf_counter()
        self.show_message("", kind="")
        result = self._result()
        from PIL import Image

        blocky = np.asarray(Image.fromarray(result["small"]).resize((VIEW_SIDE, VIEW_SIDE), Image.NEAREST))
        self.small_view.value = _jpeg(blocky)
        self.model_view.value = _jpeg(result["seen"])
        self.top_view.value = self._top_html()
        label, p, rank = self._full_size_answer()
        self.caption.value = (
            f'<div style="font-size:12px;line-height:1.4;color:#444">{html.escape(self.current)} shrunk to '
            f"<b>{self.size}x{self.size} pixels</b> ({self.size * self.size:,} per colour plane), {self._colour()}, then "
            f"enlarged back to {self.input_size}x{self.input_size}, the only size {html.escape(self.model.name)}'s "
            f"ImageNet classifier takes. The full-size colour answer, <b>{html.escape(label)}</b>: probability {p:.2f}, "
            f"rank {rank} of 1000.</div>")
        self.last_response_s = time.perf_counter() - started

    def _top_html(self) -> str:
        rows = []
        for _, label, p in self.predictions:
            rows.append(
                f'<div class="tlc-top-row" style="display:flex;align-items:center;font-size:13px;height:22px">'
                f'<span class="tlc-top-label" style="width:150px;overflow:hidden;white-space:nowrap">'
                f"{html.escape(label)}</span>"
                f'<span style="display:inline-block;width:{max(1, round(200 * p))}px;height:12px;'
                f'background:{"#2a7ab9" if not rows else "#bbb"}"></span>'
                f'<span style="margin-left:6px;color:#444">{100 * p:.1f} %</span></div>')
        return (f'<div style="font-family:sans-serif"><div style="font-size:13px;margin-bottom:4px">'
                f"<b>Top-{self.top} at {self.size}x{self.size}, {self._colour()}</b></div>{''.join(rows)}</div>")

    def _set_quietly(self, control, value) -> None:
        if control.value == value:
            return
        self._busy = True
        try:
            control.value = value
        finally:
            self._busy = False
