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


# -- the real-browser tests (test_browser*.py): one JupyterLab and one Chromium for all of them ------------

@pytest.fixture(scope="session")
def lab(tmp_path_factory):
    """JupyterLab on 127.0.0.1 rooted at the repository, shared by every browser test: (url, token)."""
    from browserlab import running_lab

    with running_lab(tmp_path_factory.mktemp("jupyterlab")) as server:
        yield server


@pytest.fixture(scope="session")
def browser():
    """Headless Debian Chromium (never downloaded), shared by every browser test."""
    from browserlab import headless_chromium

    with headless_chromium() as chromium:
        yield chromium


@pytest.fixture
def lesson_page(lab, browser):
    """A fresh page for one lesson's widget test; afterwards the page is closed and its kernels shut down."""
    from browserlab import close_sessions, new_page

    page = new_page(browser)
    yield page
    page.context.close()
    close_sessions(*lab)
