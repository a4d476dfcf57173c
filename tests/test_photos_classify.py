"""Lesson 01's helpers: scikit-image's sample photos, and zoo.classify with its range warning."""
from __future__ import annotations

import warnings

import keras
import numpy as np
import pytest

from tlcourse import data, zoo


def test_sample_photos_are_square_rgb_uint8():
    photos = data.sample_photos(size=64)
    assert list(photos) == list(data.SAMPLE_PHOTOS)
    for name, image in photos.items():
        assert image.shape == (64, 64, 3) and image.dtype == np.uint8, name
    gray = photos["cameraman"]
    assert np.array_equal(gray[..., 0], gray[..., 1]) and np.array_equal(gray[..., 0], gray[..., 2])
    assert not np.array_equal(photos["cat"][..., 0], photos["cat"][..., 2])
    assert list(data.sample_photos(32, ["coffee"])) == ["coffee"]
    with pytest.raises(KeyError, match="no sample photo 'dog'; choose from cat"):
        data.sample_photos(32, ["dog"])


@pytest.fixture(scope="module")
def tiny_classifier():
    """Any model with 1000 softmax outputs will do to test the plumbing."""
    return keras.Sequential([keras.Input((8, 8, 3)), keras.layers.GlobalAveragePooling2D(),
                             keras.layers.Dense(1000, activation="softmax")])


def test_classify_warns_about_raw_pixels(tiny_classifier):
    pixels = np.full((2, 8, 8, 3), 200.0, np.float32)
    with pytest.warns(zoo.PixelRangeWarning, match="raw 0..255 pixels"):
        rows = zoo.classify(tiny_classifier, pixels, top=3)
    assert len(rows) == 2 and len(rows[0]) == 3 and rows[0][0][2] >= rows[0][1][2]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no warning once the pixels are preprocessed
        single = zoo.classify(tiny_classifier, pixels[0], zoo.preprocess_for("MobileNetV2"))
    assert len(single) == 1 and len(single[0]) == 5


def test_classify_refuses_pixels_preprocessed_twice(tiny_classifier):
    preprocess = zoo.preprocess_for("MobileNetV2")
    with pytest.raises(ValueError, match="preprocessed already"):
        zoo.classify(tiny_classifier, preprocess(np.full((1, 8, 8, 3), 10.0)), preprocess)
