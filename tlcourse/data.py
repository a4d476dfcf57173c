"""The course's two data sets, found offline first, downloaded only as a last resort.

* :func:`cats_vs_dogs`: the 3,000 RGB photos of TensorFlow's transfer-learning tutorial.
* :func:`fashion_mnist`: 70,000 grayscale 28x28 clothing images (Zalando, MIT licence).

Where the files are looked for, in order: the folder named by ``$TLCOURSE_DATA``,
the Keras cache (``~/.keras/datasets``), then a download from the canonical source.
Subsets are deterministic: the same ``per_class`` and ``seed`` give the same files.
"""
from __future__ import annotations

import gzip
import os
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

CATS_VS_DOGS_URL = "https://storage.googleapis.com/mledu-datasets/cats_and_dogs_filtered.zip"
FASHION_MNIST_CLASSES = (
    "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
)
FASHION_FILES = {
    "train": ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"),
    "test": ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"),
}
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp", ".gif")


class DataNotFoundError(FileNotFoundError):
    """A data set is neither on disk nor downloadable."""


class UndecodableImageWarning(UserWarning):
    """Some image files could not be decoded and were skipped."""


def data_home() -> Path | None:
    """The folder named by ``$TLCOURSE_DATA`` (None when unset)."""
    env = os.environ.get("TLCOURSE_DATA")
    return Path(env).expanduser().resolve() if env else None


def keras_datasets_dir() -> Path:
    return Path(os.environ.get("KERAS_HOME", Path.home() / ".keras")) / "datasets"


@dataclass
class ImageSet:
    """A labelled set of images held in memory as uint8 pixels (0..255).

    ``images`` is (n, height, width, channels); ``labels`` holds class indices into
    ``class_names``. Small enough for the course's subsets; use :meth:`dataset` for
    a shuffled, batched ``tf.data`` pipeline.
    """

    images: np.ndarray
    labels: np.ndarray
    class_names: tuple[str, ...]
    split: str = ""
    files: list[str] = field(default_factory=list, repr=False)

    def __len__(self) -> int:
        return len(self.labels)

    def __repr__(self) -> str:
        counts = ", ".join(f"{n}: {c}" for n, c in self.counts().items())
        return f"ImageSet({self.split!r}, {len(self)} images of {self.images.shape[1:]}, {counts})"

    @property
    def image_shape(self) -> tuple[int, ...]:
        return tuple(self.images.shape[1:])

    def counts(self) -> dict[str, int]:
        """Number of images per class name."""
        return {name: int(np.sum(self.labels == i)) for i, name in enumerate(self.class_names)}

    def arrays(self, dtype=np.float32) -> tuple[np.ndarray, np.ndarray]:
        """``(x, y)`` with pixels as ``dtype`` (still 0..255) and integer labels."""
        return self.images.astype(dtype), self.labels.copy()

    def dataset(self, batch_size: int = 32, shuffle: bool = False, seed: int = 0):
        """A ``tf.data.Dataset`` of ``(float32 pixels 0..255, label)`` batches, cached in memory."""
        import tensorflow as tf

        ds = tf.data.Dataset.from_tensor_slices((self.images, self.labels)).cache()
        if shuffle:
            ds = ds.shuffle(len(self), seed=seed, reshuffle_each_iteration=True)
        ds = ds.map(lambda x, y: (tf.cast(x, tf.float32), y), num_parallel_calls=tf.data.AUTOTUNE)
        return ds.batch(batch_size).prefetch(tf.data.AUTOTUNE)


def _pick(items: list, per_class: int | None, rng: np.random.Generator, what: str) -> list:
    if per_class is None:
        return list(items)
    if per_class < 1:
        raise ValueError(f"per_class must be at least 1, got {per_class}")
    if per_class > len(items):
        raise ValueError(f"asked for {per_class} {what} but only {len(items)} exist; use per_class=None for all")
    order = rng.permutation(len(items))[:per_class]
    return [items[i] for i in sorted(order)]


# -- cats vs dogs ----------------------------------------------------------------------------------


def _cats_vs_dogs_candidates() -> list[Path]:
    out = []
    if data_home():
        out.append(data_home() / "cats_and_dogs_filtered")
    k = keras_datasets_dir()
    out += [k / "cats_and_dogs_filtered", k / "cats_and_dogs_filtered_extracted" / "cats_and_dogs_filtered"]
    return out


def find_cats_vs_dogs(download: bool = True) -> Path:
    """Folder holding ``train/{cats,dogs}`` and ``validation/{cats,dogs}``."""
    for folder in _cats_vs_dogs_candidates():
        if (folder / "train" / "cats").is_dir():
            return folder
    if download:
        try:
            import keras

            path = Path(keras.utils.get_file("cats_and_dogs_filtered.zip", origin=CATS_VS_DOGS_URL, extract=True))
            for folder in [path, path / "cats_and_dogs_filtered", *_cats_vs_dogs_candidates()]:
                if (folder / "train" / "cats").is_dir():
                    return folder
        except Exception as err:  # offline: keras raises a bare Exception
            reason = str(err).splitlines()[0][:200]
        else:
            reason = "the archive did not contain train/cats"
    else:
        reason = "download=False"
    looked = "\n    ".join(str(p) for p in _cats_vs_dogs_candidates())
    raise DataNotFoundError(
        "The cats vs dogs photos (cats_and_dogs_filtered) are not on this machine and could not be downloaded "
        f"({reason}).\n  Looked in:\n    {looked}\n  Fix: set TLCOURSE_DATA to a folder that contains "
        f"cats_and_dogs_filtered/ (train/ and validation/, each with cats/ and dogs/), or unzip "
        f"{CATS_VS_DOGS_URL} into {keras_datasets_dir()}."
    )


def load_images(files: list[str], image_size: tuple[int, int]) -> tuple[np.ndarray, list[int]]:
    """Decode and resize image files to uint8 RGB; returns (images, indices of the files that worked).

    Files that cannot be decoded are skipped, with one warning that counts them.
    """
    from PIL import Image, UnidentifiedImageError

    height, width = image_size
    out = np.empty((len(files), height, width, 3), np.uint8)
    ok: list[int] = []
    bad: list[str] = []
    for i, f in enumerate(files):
        try:
            with Image.open(f) as img:
                out[len(ok)] = np.asarray(img.convert("RGB").resize((width, height), Image.BILINEAR))
            ok.append(i)
        except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
            bad.append(f)
    if bad:
        names = ", ".join(Path(b).name for b in bad[:3]) + (" ..." if len(bad) > 3 else "")
        warnings.warn(f"skipped {len(bad)} of {len(files)} image files that could not be decoded ({names})",
                      UndecodableImageWarning, stacklevel=2)
    return out[: len(ok)], ok


def image_folder(
    root: str | os.PathLike,
    per_class: int | None = None,
    image_size: int | tuple[int, int] = 160,
    seed: int = 0,
    split: str = "",
) -> ImageSet:
    """Load ``root/<class name>/*.jpg`` into an :class:`ImageSet` (classes sorted by name)."""
    root = Path(root)
    classes = sorted(p.name for p in root.iterdir() if p.is_dir())
    if not classes:
        raise DataNotFoundError(f"{root} has no class sub-folders (expected {root}/<class>/<image files>)")
    size = (image_size, image_size) if isinstance(image_size, int) else tuple(image_size)
    rng = np.random.default_rng(seed)
    files, labels = [], []
    for label, name in enumerate(classes):
        all_files = sorted(str(p) for p in (root / name).iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
        chosen = _pick(all_files, per_class, rng, f"'{name}' images in {root}")
        files += chosen
        labels += [label] * len(chosen)
    images, ok = load_images(files, size)
    return ImageSet(images, np.asarray(labels, np.int32)[ok], tuple(classes), split, [files[i] for i in ok])


def cats_vs_dogs(
    split: str = "train", per_class: int | None = None, image_size: int | tuple[int, int] = 160, seed: int = 0
) -> ImageSet:
    """Cats (label 0) and dogs (label 1): ``split`` is 'train' (1000 each) or 'validation' (500 each).

    ``per_class`` takes a deterministic random subset (same seed, same photos); photos are
    resized to ``image_size`` (an int for a square) and kept as uint8 RGB.
    """
    if split not in ("train", "validation"):
        raise ValueError(f"split must be 'train' or 'validation', not {split!r}")
    return image_folder(find_cats_vs_dogs() / split, per_class, image_size, seed, split)


# -- Fashion-MNIST -------------------------------------------------------------------------------


def _fashion_candidates() -> list[Path]:
    out = []
    if data_home():
        out.append(data_home() / "fashion-mnist")
    out += [keras_datasets_dir() / "fashion-mnist", Path("/usr/share/datasets/fashion-mnist")]
    return out


def find_fashion_mnist(download: bool = True) -> Path:
    """Folder with the four original Fashion-MNIST ``*-ubyte.gz`` files."""
    needed = [f for pair in FASHION_FILES.values() for f in pair]
    for folder in _fashion_candidates():
        if all((folder / f).is_file() for f in needed):
            return folder
    reason = "download=False"
    if download:
        try:
            import keras

            keras.datasets.fashion_mnist.load_data()  # caches the .gz files in ~/.keras/datasets/fashion-mnist
            return find_fashion_mnist(download=False)
        except DataNotFoundError:
            reason = "the download did not leave the expected files"
        except Exception as err:
            reason = str(err).splitlines()[0][:200]
    looked = "\n    ".join(str(p) for p in _fashion_candidates())
    raise DataNotFoundError(
        f"Fashion-MNIST is not on this machine and could not be downloaded ({reason}).\n  Looked in:\n    {looked}\n"
        f"  Fix: set TLCOURSE_DATA to a folder containing fashion-mnist/ with {', '.join(needed)}, "
        "or install Debian's package dataset-fashion-mnist."
    )


def read_idx(path: str | os.PathLike) -> np.ndarray:
    """Read a (gzipped) IDX file, the format of MNIST and Fashion-MNIST."""
    opener = gzip.open if str(path).endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    if data[:2] != b"\x00\x00" or data[2] != 0x08:
        raise ValueError(f"{path} is not an unsigned-byte IDX file")
    ndim = data[3]
    shape = tuple(int.from_bytes(data[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim))
    return np.frombuffer(data, np.uint8, offset=4 + 4 * ndim).reshape(shape)


def fashion_mnist(split: str = "train", per_class: int | None = None, seed: int = 0) -> ImageSet:
    """Fashion-MNIST as 28x28x1 uint8 images: 'train' (6000 per class) or 'test' (1000 per class)."""
    if split not in FASHION_FILES:
        raise ValueError(f"split must be 'train' or 'test', not {split!r}")
    folder = find_fashion_mnist()
    images_file, labels_file = FASHION_FILES[split]
    images, labels = read_idx(folder / images_file), read_idx(folder / labels_file)
    rng = np.random.default_rng(seed)
    keep = []
    for c in range(len(FASHION_MNIST_CLASSES)):
        keep += _pick(list(np.flatnonzero(labels == c)), per_class, rng, f"images of class {c}")
    keep = np.sort(np.asarray(keep))
    return ImageSet(images[keep][..., None], labels[keep].astype(np.int32), FASHION_MNIST_CLASSES, split)


# -- sample photos (bundled with scikit-image: no download) -----------------------------------------

#: scikit-image's colour sample photos that ship inside its wheel (no download), by course name.
SAMPLE_PHOTOS = {
    "cat": "chelsea", "coffee": "coffee", "astronaut": "astronaut", "rocket": "rocket",
    "motorcycle": "stereo_motorcycle", "cameraman": "camera",
}


def sample_photos(size: int = 224, names: list[str] | None = None) -> dict[str, np.ndarray]:
    """A few everyday photos from scikit-image, centre-cropped to a square and resized to ``size``.

    Returns ``{name: uint8 (size, size, 3) array}``; grayscale photos are repeated to three
    channels. ``names`` picks among :data:`SAMPLE_PHOTOS` (default: all of them).
    """
    import skimage.data
    from PIL import Image

    names = list(SAMPLE_PHOTOS) if names is None else list(names)
    unknown = [n for n in names if n not in SAMPLE_PHOTOS]
    if unknown:
        raise KeyError(f"no sample photo {unknown[0]!r}; choose from {', '.join(SAMPLE_PHOTOS)}")
    out = {}
    for name in names:
        image = getattr(skimage.data, SAMPLE_PHOTOS[name])()
        image = image[0] if isinstance(image, tuple) else image  # stereo pair: the left view
        image = np.repeat(image[..., None], 3, axis=-1) if image.ndim == 2 else image[..., :3]
        h, w = image.shape[:2]
        side = min(h, w)
        top, left = (h - side) // 2, (w - side) // 2
        square = Image.fromarray(np.ascontiguousarray(image[top : top + side, left : left + side]))
        out[name] = np.asarray(square.resize((size, size), Image.BILINEAR), np.uint8)
    return out
