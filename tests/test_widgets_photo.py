"""PhotoClassifier (lesson 01), driven from code: every control, every kind of bad upload.

A MobileNetV2 with random weights at 96x96 (alpha 0.35) has the real model's layer names and 1000
outputs, which is all the plumbing needs; the lesson itself runs the widget on the real weights.
"""
from __future__ import annotations

import base64
import datetime
import io
import struct
import zlib

import keras
import numpy as np
import pytest
from PIL import Image

from tlcourse import data
from tlcourse.widgets import PhotoClassifier, WidgetInputError, read_photo
from tlcourse.widgets.base import ROOT_CLASS

SIZE = 96


def _preprocess(x):
    return np.asarray(x, np.float32) / 127.5 - 1.0


@pytest.fixture(scope="module")
def widget():
    model = keras.applications.MobileNetV2(weights=None, alpha=0.35, input_shape=(SIZE, SIZE, 3))
    return PhotoClassifier(model, _preprocess, data.sample_photos(SIZE, ["cat", "coffee", "rocket"]))


def _encode(image: Image.Image, fmt: str, **kwargs) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **kwargs)
    return buffer.getvalue()


def _noise(width: int = 160, height: int = 120) -> Image.Image:
    return Image.fromarray(np.random.default_rng(0).integers(0, 256, (height, width, 3), dtype=np.uint8))


def _png_header_only(width: int, height: int) -> bytes:
    """A PNG whose header claims width x height pixels (a decompression bomb's calling card)."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"")) + chunk(b"IEND", b"")


def test_initial_state_classes_text_and_picture(widget):
    assert ROOT_CLASS in widget._dom_classes and "tlc-photo-classifier" in widget._dom_classes
    assert widget.current == "cat" and widget.block == "block_1"
    assert len(widget.predictions) == 5 and all(0 <= p <= 1 for *_, p in widget.predictions)
    text = repr(widget)
    assert text.startswith("PhotoClassifier: 'cat' as ") and "top-5: " in text
    assert "feature maps at block_1 (48x48x" in text  # block_1 halves the 96-pixel input
    assert widget.predictions[0][1] in widget.top_view.value and widget.top_view.value.count("tlc-top-row") == 5
    bundle = widget._repr_mimebundle_()
    assert bundle["text/plain"] == text and "application/vnd.jupyter.widget-view+json" in bundle
    png = base64.b64decode(bundle["image/png"])
    assert Image.open(io.BytesIO(png)).size[0] > 300  # the static picture of the initial state
    assert Image.open(io.BytesIO(widget.photo_view.value)).size == (SIZE, SIZE)  # JPEG: the state is stored
    assert widget.message == ""


def test_pick_from_code_and_from_the_menu(widget):
    widget.pick("coffee")
    assert widget.current == "coffee" and "'coffee'" in repr(widget)
    coffee = (widget.top_view.value, widget.photo_view.value)
    widget.picker.value = "rocket"  # as the browser does
    assert widget.current == "rocket" and (widget.top_view.value, widget.photo_view.value) != coffee
    assert widget.last_response_s < 5  # a forward pass, no training (generous: a shared CI machine)
    widget.pick("coffee")  # seen before: no new forward pass, same answer
    assert (widget.top_view.value, widget.photo_view.value) == coffee
    widget.guarded(widget.pick)("dog")  # what a callback does with a bad name: a message, no exception
    assert "no photo 'dog'; choose from cat, coffee, rocket" in widget.message and widget.current == "coffee"
    with pytest.raises(WidgetInputError, match="no photo 'dog'"):
        widget.pick("dog")
    widget.pick("cat")
    assert widget.message == ""


def test_layer_picker_shows_early_and_late_maps(widget):
    widget.pick("cat")
    early = widget.maps_view.value
    widget.layer_picker.value = "block_13"  # as the browser does
    assert widget.block == "block_13" and widget.maps_view.value != early
    assert "feature maps at block_13 (6x6x" in repr(widget) and "late" in widget.maps_caption.value
    widget.show_layer("block_1")
    assert widget.maps_view.value == early and "early" in widget.maps_caption.value
    widget.guarded(widget.show_layer)("block_99")
    assert "no block 'block_99' on offer; choose from block_1, block_3" in widget.message
    image = Image.open(io.BytesIO(early))
    assert image.size == (8 * 96 + 7 * 4, 96)  # eight tiles in a row


def test_upload_through_the_file_upload_control(widget):
    content = _encode(_noise(), "JPEG")
    widget.uploader.value = ({"name": "noise.jpg", "type": "image/jpeg", "size": len(content),
                              "content": memoryview(content),
                              "last_modified": datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc)},)  # as the browser does
    assert widget.current == "your photo: noise.jpg" and "your photo: noise.jpg" in widget.picker.options
    assert "'your photo: noise.jpg'" in repr(widget) and widget.message == ""
    widget.pick("cat")
    widget.pick("your photo: noise.jpg")  # uploads stay in the menu
    assert widget.current == "your photo: noise.jpg"


GOOD = {  # file -> (what the note says, or "" for none)
    "grey.png": (lambda: _encode(_noise().convert("L"), "PNG"), "grey, its channel copied"),
    "bilevel.png": (lambda: _encode(_noise().convert("1"), "PNG"), "grey, its channel copied"),
    "transparent.png": (lambda: _encode(_transparent(), "PNG"), "transparent parts shown on white"),
    "opaque-rgba.png": (lambda: _encode(_noise().convert("RGBA"), "PNG"), ""),
    "grey16.png": (lambda: _encode(Image.fromarray(np.linspace(0, 65535, 160 * 120).reshape(120, 160).astype(np.uint16)),
                                   "PNG"), "16-bit grey, converted to 8 bits"),
    "cmyk.jpg": (lambda: _encode(_noise().convert("CMYK"), "JPEG"), "CMYK, converted to RGB"),
    "cmyk.tif": (lambda: _encode(_noise().convert("CMYK"), "TIFF"), "CMYK, converted to RGB"),
    "palette.gif": (lambda: _encode(_noise().convert("P"), "GIF"), ""),
    "photo.webp": (lambda: _encode(_noise(), "WEBP"), ""),
    "photo.bmp": (lambda: _encode(_noise(), "BMP"), ""),
    "huge.jpg": (lambda: _encode(Image.new("RGB", (6000, 4000), (200, 40, 40)), "JPEG"), "reduced from 6,000 x 4,000"),
    "tiny.png": (lambda: _encode(Image.new("RGB", (3, 2), (20, 130, 30)), "PNG"), "only 3 x 2 pixels"),
    "panorama.png": (lambda: _encode(_noise(600, 100), "PNG"), "only its centre square is kept"),
}


def _transparent() -> Image.Image:
    image = _noise().convert("RGBA")
    pixels = np.asarray(image).copy()
    pixels[:60, :, 3] = 0  # the top half transparent
    return Image.fromarray(pixels)


@pytest.mark.parametrize("name", list(GOOD))
def test_unusual_photos_are_converted_with_a_note(widget, name):
    make, note = GOOD[name]
    assert widget.upload(make(), name)
    assert widget.current == f"your photo: {name}" and widget.photos[widget.current].shape == (SIZE, SIZE, 3)
    assert widget.photos[widget.current].dtype == np.uint8
    if note:
        assert note in widget.message and widget.message.startswith(f"{name}: ")
    else:
        assert widget.message == ""


def test_conversions_keep_the_picture():
    pixels, _ = read_photo(_encode(_transparent(), "PNG"), 32)
    assert (pixels[:12] == 255).all() and not (pixels[-10:] == 255).all()  # the transparent top became white
    pixels, _ = read_photo(_encode(Image.fromarray(np.full((40, 40), 65535, np.uint16)), "PNG"), 32)
    assert (pixels == 255).all()  # 16-bit white stays white
    pixels, notes = read_photo(_encode(Image.new("RGB", (6000, 4000), (200, 40, 40)), "JPEG"), 32)
    assert np.abs(pixels.astype(int) - (200, 40, 40)).max() <= 6 and notes == ["reduced from 6,000 x 4,000 pixels"]
    # the centre square, as data.sample_photos crops: a wide photo loses its sides
    wide = np.zeros((100, 300, 3), np.uint8)
    wide[:, 100:200] = 255
    pixels, _ = read_photo(_encode(Image.fromarray(wide), "PNG"), 50)
    assert pixels.min() == 255
    # a phone photo stored sideways with a rotation tag is turned upright
    tall = Image.fromarray(np.tile(np.linspace(0, 255, 80, dtype=np.uint8)[:, None, None], (1, 40, 3)))
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90 degrees clockwise to display"
    pixels, _ = read_photo(_encode(tall, "JPEG", exif=exif.tobytes()), 40)
    assert abs(int(pixels[20, 0, 0]) - int(pixels[20, -1, 0])) > 100  # the gradient now runs left to right


BAD = {
    "notes.txt": (b"these are my notes, not a photo", "is not an image this widget can read"),
    "empty.jpg": (b"", "is empty (0 bytes)"),
    "cut.png": (None, "could not be decoded"),
    "bomb.png": (_png_header_only(30_000, 30_000), "too large to open safely"),
    "big.png": (_png_header_only(12_000, 9_000), "12,000 x 9,000 pixels, too many to open safely"),
}


@pytest.mark.parametrize("name", list(BAD))
def test_bad_uploads_get_a_message_not_a_traceback(widget, name):
    content, message = BAD[name]
    if content is None:
        content = _encode(_noise(), "PNG")[:300]  # the header is fine, the pixels are missing
    widget.pick("coffee")
    assert widget.upload(content, name) is False
    assert message in widget.message and widget.current == "coffee"  # the last good photo stays
    assert f"your photo: {name}" not in widget.picker.options
    assert 'data-kind="error"' in widget.message_line.value
    with pytest.raises(WidgetInputError, match=message.split(" (")[0]):
        read_photo(content, SIZE, name)


def test_bad_model_and_photos():
    with pytest.raises(TypeError, match="needs an ImageNet classifier with its top"):
        PhotoClassifier(keras.applications.MobileNetV2(weights=None, include_top=False, alpha=0.35,
                                                       input_shape=(32, 32, 3)), _preprocess)
    tiny = keras.Sequential([keras.Input((8, 8, 3)), keras.layers.GlobalAveragePooling2D(),
                             keras.layers.Dense(1000, activation="softmax")])
    with pytest.raises(KeyError, match="has no layer 'block_1_expand_relu': pass blocks="):
        PhotoClassifier(tiny, _preprocess, {"x": np.zeros((8, 8, 3), np.uint8)})
    with pytest.raises(ValueError, match=r"use data.sample_photos\(size=8\)"):
        PhotoClassifier(tiny, _preprocess, {"x": np.zeros((16, 16, 3), np.uint8)}, blocks={"pool": tiny.layers[0].name})
