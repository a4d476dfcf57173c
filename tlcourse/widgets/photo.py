"""Your own photo (lesson 01): what a pretrained classifier sees, answers and computes for it.

:class:`PhotoClassifier` shows a photo as the model sees it (its centre square resized to the model's
input size, as :func:`tlcourse.data.sample_photos` does), the model's top-5 ImageNet labels as bars,
and the strongest feature maps of that photo at the block you pick, from an early block (edges,
colours) to a late one (coarse, specific). The photo is one of the course's sample photos or one you
upload. One forward pass per photo gives the labels and the maps of every block on offer, so
switching blocks redraws without running the model again.

:func:`read_photo` turns an uploaded file into the model's pixels: it reads JPEG, PNG, GIF, BMP,
TIFF, WebP... (huge ones are reduced while they are decoded), follows a phone photo's rotation tag,
converts grey, palette, transparent (RGBA: laid on white), 16-bit and CMYK files to 8-bit RGB and says
what it did; a file that is no image, or too large to open safely, gets a clear message.
"""
from __future__ import annotations

import contextlib
import html
import io
import time
import warnings
from collections.abc import Callable, Sequence

import ipywidgets as widgets
import keras
import numpy as np

from .. import data, zoo
from .base import CourseWidget, WidgetInputError

#: blocks on offer in the layer picker (MobileNetV2), early to late, as lesson 01 §4 uses them
MOBILENETV2_BLOCKS = {
    "block_1": "block_1_expand_relu", "block_3": "block_3_expand_relu", "block_6": "block_6_expand_relu",
    "block_13": "block_13_expand_relu", "block_16": "block_16_expand_relu",
}
#: more pixels than this (after a JPEG's reduced decoding) are refused: 89 million, Pillow's own limit
MAX_PIXELS = 89_478_485
UPLOAD_PREFIX = "your photo: "
#: photos whose model outputs are kept (picking one of them again needs no forward pass)
KEEP_RESULTS = 8


def _image_module():
    from PIL import Image, ImageOps

    return Image, ImageOps


def read_photo(content: bytes, size: int = 224, name: str = "the file") -> tuple[np.ndarray, list[str]]:
    """An uploaded file as the model sees it: ``(uint8 (size, size, 3) RGB array, notes)``.

    The centre square is kept and resized to ``size`` (bilinear, as ``data.sample_photos``); ``notes``
    says what was converted (grey, palette, transparency, 16-bit, CMYK, rotation, huge or tiny photo).
    Raises :class:`WidgetInputError`, with a message that says what to do, for an empty file, a file
    that is not an image, or one with more than :data:`MAX_PIXELS` pixels.
    """
    Image, ImageOps = _image_module()
    if not content:
        raise WidgetInputError(f"{name} is empty (0 bytes): choose a photo file (JPEG, PNG, ...).")
    notes: list[str] = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)  # our own limit below says more
        try:
            image = Image.open(io.BytesIO(bytes(content)))
        except Image.DecompressionBombError as error:
            raise WidgetInputError(f"{name} is too large to open safely ({error}). "
                                   "Save a smaller copy (a few thousand pixels wide is plenty) and upload that.") from None
        except Exception:  # PIL's UnidentifiedImageError, or a file cut short
            raise WidgetInputError(f"{name} is not an image this widget can read. Upload a photo: JPEG, PNG, "
                                   "GIF, BMP, TIFF or WebP.") from None
        width, height = image.size
        if image.format == "JPEG" and min(width, height) > 2 * size:
            image.draft(image.mode if image.mode in ("RGB", "L", "CMYK") else "RGB", (2 * size, 2 * size))
        if image.size[0] * image.size[1] > MAX_PIXELS:
            raise WidgetInputError(f"{name} has {width:,} x {height:,} pixels, too many to open safely. Save a "
                                   "smaller copy (a few thousand pixels wide is plenty) and upload that.")
        try:
            image.load()
            image = ImageOps.exif_transpose(image)
        except Exception:
            raise WidgetInputError(f"{name} looks like an image but could not be decoded (cut short or damaged?). "
                                   "Save it again or try another photo.") from None
    if max(width, height) > 4 * size:
        notes.append(f"reduced from {width:,} x {height:,} pixels")
        factor = min(image.size) // (2 * size)
        if factor > 1:
            # a fast box filter before the careful resize below (a mode reduce() does not take: the resize does it all)
            with contextlib.suppress(ValueError, NotImplementedError):
                image = image.reduce(factor)
    if getattr(image, "n_frames", 1) > 1:
        notes.append("an animation: its first frame")
    pixels = _to_rgb(image, notes)
    h, w = pixels.shape[:2]
    if min(h, w) < size // 4:
        notes.append(f"only {w} x {h} pixels: the model sees it blown up")
    if max(h, w) > 2 * min(h, w):
        notes.append("much wider than tall (or the reverse): only its centre square is kept")
    return data.center_square(pixels, size), notes


def _to_rgb(image, notes: list[str]) -> np.ndarray:
    """8-bit RGB pixels of any PIL image, noting each conversion."""
    Image, _ = _image_module()
    mode = image.mode
    if mode in ("I", "I;16", "I;16B", "I;16L", "I;16N", "F"):  # 16-bit or 32-bit grey
        values = np.asarray(image, np.float64)
        top = values.max(initial=0)
        if mode.startswith("I;16") or 255 < top <= 65535:
            values = values / 257.0
            notes.append("16-bit grey, converted to 8 bits")
        elif top > 65535 or values.min(initial=0) < 0:
            low = values.min(initial=0)
            values = (values - low) / max(top - low, 1e-12) * 255
            notes.append(f"{mode} pixels stretched to 0..255")
        grey = np.clip(np.round(values), 0, 255).astype(np.uint8)
        return np.repeat(grey[..., None], 3, axis=-1)
    if mode == "CMYK":
        notes.append("CMYK, converted to RGB")
        return np.asarray(image.convert("RGB"), np.uint8)
    if "A" in mode or "transparency" in image.info:
        rgba = image.convert("RGBA")
        if np.asarray(rgba)[..., 3].min() < 255:
            notes.append("transparent parts shown on white")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return np.asarray(Image.alpha_composite(white, rgba).convert("RGB"), np.uint8)
    if mode in ("L", "1"):
        notes.append("grey, its channel copied to red, green and blue")
    elif mode not in ("RGB", "P"):
        notes.append(f"{mode}, converted to RGB")
    return np.asarray(image.convert("RGB"), np.uint8)


def _jpeg(pixels: np.ndarray, quality: int = 90) -> bytes:
    """Pixels as JPEG, a fifth of the PNG's size (the notebook stores the widget's state); at this quality
    the difference does not show."""
    Image, _ = _image_module()
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="JPEG", quality=quality)
    return buffer.getvalue()


def _tiles(maps: np.ndarray, channels: Sequence[int], side: int = 96, gap: int = 4) -> np.ndarray:
    """Feature maps ``maps[..., c]`` for each channel in a row of ``side``-pixel tiles, each stretched to
    its own full contrast (magma: bright = strong response), as ``plots.feature_maps`` draws them,
    but in milliseconds: the widget redraws them on every click."""
    from matplotlib import colormaps

    Image, _ = _image_module()
    row = np.full((side, len(channels) * (side + gap) - gap, 3), 255, np.uint8)
    for i, channel in enumerate(channels):
        fmap = maps[..., channel].astype(np.float64)
        span = fmap.max() - fmap.min()
        fmap = (fmap - fmap.min()) / span if span > 0 else np.zeros_like(fmap)
        tile = (colormaps["magma"](fmap)[..., :3] * 255).astype(np.uint8)
        tile = np.asarray(Image.fromarray(tile).resize((side, side), Image.NEAREST))
        row[:, i * (side + gap): i * (side + gap) + side] = tile
    return row


class PhotoClassifier(CourseWidget, widgets.VBox):
    """Pick a sample photo or upload your own: see it as the model does, its top-5, its feature maps.

    ``PhotoClassifier(model, preprocess, photos)`` takes a classifier with its ImageNet top and its
    ``preprocess`` (from ``zoo.load``) and the sample photos to offer (``{name: uint8 array}``, default
    ``data.sample_photos``). Controls, each driven from code by the method its callback calls:

    - *photo* (``picker``): :meth:`pick`;
    - *upload* (``uploader``, a ``FileUpload``): :meth:`upload` with the file's bytes;
    - *feature maps at* (``layer_picker``): :meth:`show_layer`.

    One forward pass per new photo (predictions and feature maps together); switching blocks reuses it.
    """

    css_class = "tlc-photo-classifier"

    def __init__(self, model: keras.Model, preprocess: Callable[[np.ndarray], np.ndarray],
                 photos: dict[str, np.ndarray] | None = None, *, blocks: dict[str, str] | None = None,
                 top: int = 5, maps: int = 8):
        if not isinstance(model, keras.Model) or tuple(model.output_shape[1:]) != (1000,):
            raise TypeError("PhotoClassifier needs an ImageNet classifier with its top (1000 outputs), e.g. "
                            'model, preprocess = zoo.load("MobileNetV2"); got '
                            f"{getattr(model, 'output_shape', type(model).__name__)}")
        self.model, self.preprocess, self.top, self.n_maps = model, preprocess, top, maps
        self.size = int(model.input_shape[1])
        self.blocks = dict(blocks or MOBILENETV2_BLOCKS)
        names = {layer.name for layer in model.layers}
        missing = [layer for layer in self.blocks.values() if layer not in names]
        if missing:
            raise KeyError(f"{model.name} has no layer {missing[0]!r}: pass blocks={{label: layer name}} "
                           "with layers of this model")
        self._probe = keras.Model(model.inputs, [model.outputs[0]] + [model.get_layer(n).output for n in self.blocks.values()])
        self.photos = {name: np.asarray(p, np.uint8) for name, p in (photos or data.sample_photos(self.size)).items()}
        for name, pixels in self.photos.items():
            if pixels.shape != (self.size, self.size, 3):
                raise ValueError(f"photo {name!r} has shape {pixels.shape}; the model takes "
                                 f"({self.size}, {self.size}, 3): use data.sample_photos(size={self.size})")
        self._results: dict[str, tuple[list, dict]] = {}  # photo name -> (top-k, {block: maps})
        self._busy = False
        self.last_response_s = 0.0

        self.picker = widgets.Dropdown(options=list(self.photos), description="photo",
                                       layout=widgets.Layout(width="300px")).add_class("tlc-photo-picker")
        self.uploader = widgets.FileUpload(accept="image/*", multiple=False, description="Upload",
                                           ).add_class("tlc-photo-upload")
        self.layer_picker = widgets.ToggleButtons(
            options=list(self.blocks), description="feature maps at", style={"description_width": "initial",
                                                                            "button_width": "84px"},
        ).add_class("tlc-layer-picker")
        self.photo_view = widgets.Image(format="jpeg", width=224, height=224).add_class("tlc-photo-view")
        self.caption = widgets.HTML().add_class("tlc-photo-caption")
        self.top_view = widgets.HTML(layout=widgets.Layout(width="420px")).add_class("tlc-photo-top5")
        self.maps_view = widgets.Image(format="jpeg").add_class("tlc-feature-maps")
        self.maps_caption = widgets.HTML().add_class("tlc-feature-maps-caption")

        self.picker.observe(self.guarded(lambda change: None if self._busy else self.pick(change["new"])), names="value")
        self.uploader.observe(self.guarded(self._on_upload), names="value")
        self.layer_picker.observe(self.guarded(lambda change: self.show_layer(change["new"])), names="value")

        super().__init__([
            widgets.HBox([self.picker, self.uploader]),
            self._make_message_line(),
            widgets.HBox([widgets.VBox([self.photo_view, self.caption]), self.top_view],
                         layout=widgets.Layout(align_items="flex-start", grid_gap="0 16px")),
            self.layer_picker, self.maps_caption, self.maps_view,
        ])
        self._course_widget_setup()
        self.pick(self.picker.value)

    # -- driving the widget from code (the browser's callbacks call the same methods) ---------------------
    @property
    def current(self) -> str:
        """The name of the photo shown."""
        return self.picker.value

    @property
    def predictions(self) -> list[tuple[int, str, float]]:
        """The model's top-``top`` (index, label, probability) for the photo shown."""
        return self._results[self.current][0]

    @property
    def block(self) -> str:
        """The block whose feature maps are shown."""
        return self.layer_picker.value

    def pick(self, name: str) -> None:
        """Show photo ``name`` (a sample photo or an earlier upload), as the *photo* menu does."""
        if name not in self.photos:
            raise WidgetInputError(f"no photo {name!r}; choose from {', '.join(self.photos)}")
        started = time.perf_counter()
        self.show_message("", kind="")
        if name not in self._results:
            self._results[name] = self._run(self.photos[name])
            while len(self._results) > KEEP_RESULTS:  # about 8 MB of feature maps each: forget the oldest
                self._results.pop(next(iter(self._results)))
        if self.picker.value != name:
            self._busy = True
            try:
                self.picker.value = name
            finally:
                self._busy = False
        self.photo_view.value = _jpeg(self.photos[name])
        self.caption.value = (f'<div style="font-size:12px;line-height:1.35;color:#444;width:224px">{html.escape(name)}: '
                              f"{self.size}x{self.size} pixels, as the model sees it (centre square, resized)</div>")
        self.top_view.value = self._top_html()
        self._draw_maps()
        self.last_response_s = time.perf_counter() - started

    def upload(self, content: bytes, name: str = "upload") -> bool:
        """Read an uploaded file (its bytes) and show it, as the *upload* button does.

        Bad input shows a message instead (returns False): a file that is not an image, or too large.
        """
        try:
            pixels, notes = read_photo(content, self.size, name=repr(name))
        except WidgetInputError as error:
            self.show_message(str(error))
            return False
        key = UPLOAD_PREFIX + name
        self.photos[key] = pixels
        self._results.pop(key, None)  # a new file under an old name: run the model again
        self._busy = True
        try:
            self.picker.options = list(self.photos)
        finally:
            self._busy = False
        self.pick(key)
        self.show_message(f"{name}: " + "; ".join(notes) + "." if notes else "", kind="note" if notes else "")
        return True

    def show_layer(self, block: str) -> None:
        """Show the feature maps at ``block`` (one of :attr:`blocks`), as the *feature maps at* buttons do."""
        if block not in self.blocks:
            raise WidgetInputError(f"no block {block!r} on offer; choose from {', '.join(self.blocks)}")
        started = time.perf_counter()
        if self.layer_picker.value != block:
            self.layer_picker.value = block  # its callback draws
            return
        self._draw_maps()
        self.last_response_s = time.perf_counter() - started

    # -- text form and static picture -----------------------------------------------------------------
    def text(self) -> str:
        """The photo, the model's top-5 and the block shown, in words."""
        top = ", ".join(f"{label} {p:.2f}" for _, label, p in self.predictions)
        shape = "x".join(str(d) for d in self._maps().shape)
        return (f"PhotoClassifier: {self.current!r} as {self.model.name} sees it ({self.size}x{self.size} pixels)\n"
                f"top-{self.top}: {top}\n"
                f"feature maps at {self.block} ({shape}); pick a photo or upload yours, and a block")

    def snapshot(self):
        """The photo, its top-5 bars and its strongest feature maps at the block shown, in one figure."""
        import matplotlib.pyplot as plt

        columns = (self.n_maps + 1) // 2
        fig = plt.figure(figsize=(4.6 + 1.15 * columns, 2.4), layout="constrained")
        grid = fig.add_gridspec(2, 2 + columns, width_ratios=[2.1, 1.9] + [1] * columns)
        ax = fig.add_subplot(grid[:, 0])
        ax.imshow(self.photos[self.current])
        ax.set_title(self.current[:30], fontsize=9)
        ax.axis("off")
        ax = fig.add_subplot(grid[:, 1])
        labels = [label for _, label, _ in self.predictions][::-1]
        ax.barh(range(len(labels)), [p for *_, p in self.predictions][::-1],
                color=["#bbb"] * (len(labels) - 1) + ["#2a7ab9"])
        ax.set_yticks(range(len(labels)), labels, fontsize=8)
        ax.set_xlim(0, 1)
        ax.set_title(f"top-{self.top}", fontsize=9)
        maps = self._maps()
        for i, channel in enumerate(self._strongest(maps)):
            ax = fig.add_subplot(grid[i % 2, 2 + i // 2])
            ax.imshow(maps[..., channel], cmap="magma")
            ax.set_xticks([])
            ax.set_yticks([])
            if i == 0:
                ax.set_title(f"feature maps at {self.block} ({maps.shape[0]}x{maps.shape[1]})", fontsize=8, loc="left")
        plt.close(fig)
        return fig

    # -- internals ---------------------------------------------------------------------------------
    def _run(self, pixels: np.ndarray) -> tuple[list, dict]:
        outputs = self._probe.predict_on_batch(self.preprocess(pixels[None].astype(np.float32)))
        top = zoo.decode(outputs[0], self.top)[0]
        return top, {block: np.asarray(m[0]) for block, m in zip(self.blocks, outputs[1:])}

    def _maps(self) -> np.ndarray:
        return self._results[self.current][1][self.block]

    def _strongest(self, maps: np.ndarray) -> np.ndarray:
        return np.argsort(-maps.mean(axis=(0, 1)))[: self.n_maps]

    def _draw_maps(self) -> None:
        maps = self._maps()
        self.maps_view.value = _jpeg(_tiles(maps, self._strongest(maps)))
        early = list(self.blocks).index(self.block) < len(self.blocks) / 2
        self.maps_caption.value = (
            f'<div style="font-size:12px;line-height:1.35;color:#444">The {self.n_maps} strongest of {maps.shape[2]} feature maps '
            f"at {html.escape(self.block)}: a grid of {maps.shape[0]}x{maps.shape[1]} cells, "
            + ("early: fine detail, edges and colours." if early else "late: coarse, each cell sums up a large patch.")
            + "</div>")

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
                f"<b>The model's top-{self.top} answers</b> (probability)</div>{''.join(rows)}</div>")

    def _on_upload(self, change) -> None:
        files: Sequence = change["new"]
        if not files:
            return
        file = files[0]
        self.upload(bytes(file["content"]), file.get("name", "upload"))
