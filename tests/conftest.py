"""Shared fixtures. TensorFlow is silenced by importing tlcourse before anything else."""
from __future__ import annotations

import os

import numpy as np
import pytest

import tlcourse  # noqa: F401  (sets TF's logging variables before TF is imported)


@pytest.fixture(autouse=True)
def _seed():
    import keras

    keras.utils.set_random_seed(0)


@pytest.fixture(scope="session")
def photos():
    """skimage's sample photos as uint8 RGB arrays (bundled with scikit-image: offline)."""
    import skimage.data

    return {name: getattr(skimage.data, name)() for name in ("chelsea", "coffee", "astronaut", "rocket")}


def resize(image: np.ndarray, side: int) -> np.ndarray:
    from PIL import Image

    return np.asarray(Image.fromarray(image).resize((side, side), Image.BILINEAR), np.float32)


@pytest.fixture(scope="session")
def has_data() -> bool:
    from tlcourse import data

    try:
        data.find_cats_vs_dogs(download=False)
        return True
    except data.DataNotFoundError:
        return False


def requires_data(fn):
    """Skip (with a reason) when the course data is not on disk; CI sets TLCOURSE_DATA."""
    from tlcourse import data

    try:
        data.find_cats_vs_dogs(download=False)
        found = True
    except data.DataNotFoundError:
        found = False
    return pytest.mark.skipif(not found and not os.environ.get("CI"), reason="cats_and_dogs_filtered not found: set TLCOURSE_DATA")(fn)
