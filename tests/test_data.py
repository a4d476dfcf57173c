"""Data loaders: resolution order, deterministic subsets, bad files, helpful errors."""
from __future__ import annotations

import gzip

import numpy as np
import pytest
from conftest import requires_data

from tlcourse import data


def _fake_cats_vs_dogs(root, per_class=3, bad=0):
    from PIL import Image

    for split in ("train", "validation"):
        for c, colour in (("cats", (200, 50, 50)), ("dogs", (50, 50, 200))):
            folder = root / "cats_and_dogs_filtered" / split / c
            folder.mkdir(parents=True)
            for i in range(per_class):
                Image.new("RGB", (40 + i, 30), colour).save(folder / f"{c[:-1]}.{i}.jpg")
            for i in range(bad):
                (folder / f"broken.{i}.jpg").write_bytes(b"this is not a jpeg")
    return root


def test_tlcourse_data_comes_first(tmp_path, monkeypatch):
    monkeypatch.setenv("TLCOURSE_DATA", str(_fake_cats_vs_dogs(tmp_path)))
    s = data.cats_vs_dogs("train", image_size=(20, 24))
    assert s.images.shape == (6, 20, 24, 3) and s.images.dtype == np.uint8
    assert s.class_names == ("cats", "dogs") and s.counts() == {"cats": 3, "dogs": 3}
    assert s.images[0, 0, 0, 0] > 150 and s.images[-1, 0, 0, 2] > 150  # cats red, dogs blue


def test_undecodable_files_are_skipped_and_counted(tmp_path, monkeypatch):
    monkeypatch.setenv("TLCOURSE_DATA", str(_fake_cats_vs_dogs(tmp_path, bad=2)))
    with pytest.warns(data.UndecodableImageWarning, match="skipped 4 of 10 image files"):
        s = data.cats_vs_dogs("validation", image_size=16)
    assert len(s) == 6 and len(s.files) == 6 and not any("broken" in f for f in s.files)


def test_offline_with_nothing_says_how_to_provide_data(tmp_path, monkeypatch):
    import keras

    def offline(*args, **kwargs):
        raise Exception("URL fetch failure on https://storage.googleapis.com/...: no network")

    monkeypatch.setenv("TLCOURSE_DATA", str(tmp_path / "empty"))
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras"))
    monkeypatch.setattr(keras.utils, "get_file", offline)
    monkeypatch.setattr(keras.datasets.fashion_mnist, "load_data", offline)
    with pytest.raises(data.DataNotFoundError, match="(?s)URL fetch failure.*Fix: set TLCOURSE_DATA"):
        data.cats_vs_dogs()
    with pytest.raises(data.DataNotFoundError, match="(?s)Fashion-MNIST.*dataset-fashion-mnist"):
        data.find_fashion_mnist()


def test_bad_arguments(tmp_path, monkeypatch):
    monkeypatch.setenv("TLCOURSE_DATA", str(_fake_cats_vs_dogs(tmp_path)))
    with pytest.raises(ValueError, match="split must be 'train' or 'validation'"):
        data.cats_vs_dogs("test")
    with pytest.raises(ValueError, match="only 3 exist"):
        data.cats_vs_dogs(per_class=10)


def test_read_idx(tmp_path):
    images = np.arange(2 * 3 * 4, dtype=np.uint8).reshape(2, 3, 4)
    header = b"\x00\x00\x08\x03" + b"".join(int(n).to_bytes(4, "big") for n in images.shape)
    with gzip.open(tmp_path / "x-idx3-ubyte.gz", "wb") as f:
        f.write(header + images.tobytes())
    np.testing.assert_array_equal(data.read_idx(tmp_path / "x-idx3-ubyte.gz"), images)


@requires_data
def test_real_cats_vs_dogs_subsets_are_deterministic():
    a = data.cats_vs_dogs("train", per_class=10, image_size=64, seed=1)
    b = data.cats_vs_dogs("train", per_class=10, image_size=64, seed=1)
    c = data.cats_vs_dogs("train", per_class=10, image_size=64, seed=2)
    assert a.files == b.files and a.files != c.files
    np.testing.assert_array_equal(a.images, b.images)
    assert a.counts() == {"cats": 10, "dogs": 10}
    full = data.cats_vs_dogs("validation", image_size=32)
    assert full.counts() == {"cats": 500, "dogs": 500}
    batches = list(a.dataset(batch_size=8, shuffle=True, seed=0))
    assert [int(x.shape[0]) for x, _ in batches] == [8, 8, 4]
    assert batches[0][0].dtype.name == "float32"


@requires_data
def test_real_fashion_mnist():
    s = data.fashion_mnist("test", per_class=5, seed=0)
    assert s.images.shape == (50, 28, 28, 1) and s.counts()["Ankle boot"] == 5
    assert s.class_names[0] == "T-shirt/top"
    assert len(data.fashion_mnist("train")) == 60000
