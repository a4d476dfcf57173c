"""The course's two data sets, found offline first, downloaded only as a last resort.

* :func:`cats_vs_dogs`: the 3,000 RGB photos of TensorFlow's transfer-learning tutorial.
* :func:`fashion_mnist`: 70,000 grayscale 28x28 clothing images (Zalando, MIT licence).

Where the files are looked for, in order: the folder named by ``$TLCOURSE_DATA``,
the Keras cache (``~/.keras/datasets``), then a download from the canonical source
(never with ``TLCOURSE_OFFLINE=1``: the error then comes at once, not after a network timeout).
Subsets are deterministic: the same ``per_class`` and ``seed`` give the same files.
Loading only ever reads ``$TLCOURSE_DATA``, so it may be a shared read-only folder.

For a classroom, :func:`provision` fills one folder with both data sets, in the layout the
loaders read (``python -m tlcourse provision --data``), and :func:`check` proves, without
writing anything, that a folder is complete.
"""
from __future__ import annotations

import gzip
import os
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .progress import bar

CATS_VS_DOGS_URL = "https://storage.googleapis.com/mledu-datasets/cats_and_dogs_filtered.zip"
#: Where keras.datasets.fashion_mnist downloads the four files from.
FASHION_MNIST_URL = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"
#: Photos per split and class in the complete cats_and_dogs_filtered.
CATS_VS_DOGS_COUNTS = {"train": {"cats": 1000, "dogs": 1000}, "validation": {"cats": 500, "dogs": 500}}
FASHION_COUNTS = {"train": 60_000, "test": 10_000}
#: The data sets of the course, by folder name inside ``$TLCOURSE_DATA``.
DATASETS = ("cats_and_dogs_filtered", "fashion-mnist")
SHARED_DATA_HINT = (
    "On a shared, read-only TLCOURSE_DATA the administrator fills it once with `python -m tlcourse provision --data`."
)
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


def _offline() -> bool:
    return os.environ.get("TLCOURSE_OFFLINE", "0") == "1"


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
    if download and not _offline():
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
        reason = "TLCOURSE_OFFLINE=1" if download else "download=False"
    looked = "\n    ".join(str(p) for p in _cats_vs_dogs_candidates())
    raise DataNotFoundError(
        "The cats vs dogs photos (cats_and_dogs_filtered) are not on this machine and could not be downloaded "
        f"({reason}).\n  Looked in:\n    {looked}\n  Fix: set TLCOURSE_DATA to a folder that contains "
        f"cats_and_dogs_filtered/ (train/ and validation/, each with cats/ and dogs/), or unzip "
        f"{CATS_VS_DOGS_URL} into {keras_datasets_dir()}.\n  {SHARED_DATA_HINT}"
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
    # a bar only when decoding takes a while (a few hundred photos or more)
    for i, f in enumerate(bar(files, desc="decoding photos", unit="photo", show=len(files) >= 500)):
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
    reason = "TLCOURSE_OFFLINE=1" if download else "download=False"
    if download and not _offline():
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
        f"or install Debian's package dataset-fashion-mnist.\n  {SHARED_DATA_HINT}"
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


# -- provisioning a shared folder, and checking one ---------------------------------------------------


def provision_target() -> Path:
    """The folder :func:`provision` fills: ``$TLCOURSE_DATA``, else the Keras cache (same layout, this user only)."""
    return data_home() or keras_datasets_dir()


def _cats_counts(folder: Path) -> dict[str, dict[str, int]]:
    return {split: {c: sum(1 for p in (folder / split / c).iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
                    if (folder / split / c).is_dir() else 0 for c in classes}
            for split, classes in CATS_VS_DOGS_COUNTS.items()}


def _cats_complete(folder: Path) -> bool:
    return folder.is_dir() and _cats_counts(folder) == CATS_VS_DOGS_COUNTS


def _fashion_complete(folder: Path) -> bool:
    return all((folder / f).is_file() for pair in FASHION_FILES.values() for f in pair)


def _complete(name: str, folder: Path) -> bool:
    return _cats_complete(folder) if name == "cats_and_dogs_filtered" else _fashion_complete(folder)


def _local_copies(name: str, source: Path | None) -> list[Path]:
    """Folders that may already hold data set ``name``: ``source``, then where the loaders look."""
    found = [source / name, source] if source else []
    found += _cats_vs_dogs_candidates() if name == "cats_and_dogs_filtered" else _fashion_candidates()
    return found


def folder_size(folder: Path) -> int:
    """Bytes of all files under ``folder`` (0 if it does not exist)."""
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) if folder.is_dir() else 0


def _copy_tree(source: Path, target: Path, desc: str) -> None:
    """Copy the files of ``source`` into ``target``, skipping those already there; each file appears whole."""
    import shutil


    files = [p for p in sorted(source.rglob("*")) if p.is_file() and not p.name.endswith(".part")]
    for f in bar(files, desc=desc, unit="file"):
        dest = target / f.relative_to(source)
        if dest.is_file() and dest.stat().st_size == f.stat().st_size:
            continue
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(f, str(dest) + ".part")
        os.replace(str(dest) + ".part", dest)


def download_file(url: str, target: Path, desc: str = "") -> Path:
    """Fetch ``url`` into ``target`` with a progress bar in bytes; the file appears only when complete."""
    import urllib.request


    target.parent.mkdir(parents=True, exist_ok=True)
    part = Path(str(target) + ".part")
    try:
        with urllib.request.urlopen(url, timeout=60) as response, open(part, "wb") as out:
            total = int(response.headers.get("Content-Length") or 0) or None
            with bar(total=total, desc=desc or f"downloading {url.rsplit('/', 1)[-1]}", unit="B", unit_scale=True,
                     unit_divisor=1024) as progress:
                while chunk := response.read(1 << 20):
                    out.write(chunk)
                    progress.update(len(chunk))
    except BaseException:
        part.unlink(missing_ok=True)
        raise
    os.replace(part, target)
    return target


def _download_cats(target: Path) -> None:
    import shutil
    import zipfile


    archive = download_file(CATS_VS_DOGS_URL, target / "cats_and_dogs_filtered.zip")
    try:
        with zipfile.ZipFile(archive) as zf:
            members = [m for m in zf.infolist() if not m.is_dir()]
            for m in bar(members, desc="unpacking cats_and_dogs_filtered", unit="file"):
                parts = Path(m.filename).parts
                if parts[0] != "cats_and_dogs_filtered" or ".." in parts or Path(m.filename).is_absolute():
                    continue
                dest = target.joinpath(*parts)
                dest.parent.mkdir(parents=True, exist_ok=True)
                with zf.open(m) as fin, open(str(dest) + ".part", "wb") as fout:
                    shutil.copyfileobj(fin, fout)
                os.replace(str(dest) + ".part", dest)
    finally:
        archive.unlink()


def _download_fashion(target: Path) -> None:
    for name in [f for pair in FASHION_FILES.values() for f in pair]:
        if not (target / "fashion-mnist" / name).is_file():
            download_file(FASHION_MNIST_URL + name, target / "fashion-mnist" / name)


def provision(source: str | os.PathLike | None = None, download: bool = True, verbose: bool = True) -> dict[str, Path]:
    """Put both data sets into :func:`provision_target`, in the layout the loaders read; returns their folders.

    Copies from ``source`` (a folder holding ``cats_and_dogs_filtered/`` and ``fashion-mnist/``, e.g. a
    USB stick) or from wherever the loaders already find a complete copy (the Keras cache...), else
    downloads from the canonical sources (not with ``TLCOURSE_OFFLINE=1``). Files already in place are
    kept, so running it again is quick.
    """
    import time

    target = provision_target()
    source = Path(source).expanduser().resolve() if source else None
    done = {}
    for name in DATASETS:
        start, dest = time.perf_counter(), target / name
        if _complete(name, dest):
            how = "already there"
        else:
            copy = next((f for f in _local_copies(name, source) if f.resolve() != dest.resolve() and _complete(name, f)),
                        None)
            if copy is not None:
                _copy_tree(copy, dest, f"copying {name}")
                how = f"copied from {copy}"
            elif download and not _offline():
                try:
                    (_download_cats if name == "cats_and_dogs_filtered" else _download_fashion)(target)
                except OSError as err:
                    raise DataNotFoundError(f"could not download {name}: {err}.\n  Fix: pass a folder that has a "
                                            f"copy, `python -m tlcourse provision --data --data-from DIR`.") from err
                how = "downloaded"
            else:
                looked = "\n    ".join(str(p) for p in _local_copies(name, source))
                raise DataNotFoundError(
                    f"no complete copy of {name} to provision {dest} from, and downloading is off.\n  Looked in:\n"
                    f"    {looked}\n  Fix: `python -m tlcourse provision --data --data-from DIR`, with DIR holding "
                    f"{name}/ (for instance a copy made on a machine with internet).")
            if not _complete(name, dest):
                raise DataNotFoundError(f"{dest} is still incomplete after provisioning ({how}); "
                                        "check the free disk space and run the command again.")
        done[name] = dest
        if verbose:
            print(f"{name:<24} {how:<24} {dest}  ({folder_size(dest) / 1e6:.1f} MB, {time.perf_counter() - start:.1f} s)")
    return done


def check(decode: bool = True) -> list[tuple[str, bool, str]]:
    """``(data set, ok, detail)`` for each: complete and readable where the loaders find it. Writes nothing.

    When ``$TLCOURSE_DATA`` is set, both data sets must be in it (a copy in this user's Keras cache
    would not help the others). ``decode`` reads every photo's header and every Fashion-MNIST file.
    """

    out = []
    for name in DATASETS:
        if data_home():
            folder = data_home() / name
            where = f"in TLCOURSE_DATA={data_home()}"
        else:
            folder = next((f for f in _local_copies(name, None) if _complete(name, f)), None)
            where = f"where the loaders look ({', '.join(str(p) for p in _local_copies(name, None))})"
        if folder is None or not folder.is_dir():
            out.append((name, False, f"not found {where}"))
            continue
        if name == "cats_and_dogs_filtered":
            counts = _cats_counts(folder)
            if counts != CATS_VS_DOGS_COUNTS:
                out.append((name, False, f"{folder} is incomplete: {counts}, expected {CATS_VS_DOGS_COUNTS}"))
                continue
            files = [p for split in CATS_VS_DOGS_COUNTS for c in CATS_VS_DOGS_COUNTS[split]
                     for p in (folder / split / c).iterdir() if p.suffix.lower() in IMAGE_SUFFIXES]
            detail = f"{len(files)} photos (train 1000+1000, validation 500+500)"
        else:
            missing = [f for pair in FASHION_FILES.values() for f in pair if not (folder / f).is_file()]
            if missing:
                out.append((name, False, f"{folder} lacks {', '.join(missing)}"))
                continue
            files = [folder / f for pair in FASHION_FILES.values() for f in pair]
            detail = "70000 images (train 60000, test 10000)"
        unreadable = [p for p in files if not os.access(p, os.R_OK)]
        if unreadable:
            out.append((name, False, f"{len(unreadable)} files are not readable by this user, e.g. {unreadable[0]} "
                                     f"(chmod -R a+rX {folder})"))
            continue
        if decode:
            try:
                _verify(name, folder, files)
            except Exception as err:
                out.append((name, False, f"{folder}: {err}"))
                continue
            detail += ", all readable"
        out.append((name, True, f"{folder}, {detail}, {folder_size(folder) / 1e6:.1f} MB"))
    return out


def _verify(name: str, folder: Path, files: list[Path]) -> None:
    if name == "fashion-mnist":
        for split, (images, labels) in FASHION_FILES.items():
            n = FASHION_COUNTS[split]
            if read_idx(folder / images).shape != (n, 28, 28) or read_idx(folder / labels).shape != (n,):
                raise ValueError(f"{images} or {labels} does not hold {n} images")
        return
    from PIL import Image, UnidentifiedImageError

    for f in bar(files, desc="checking photos", unit="file"):
        try:
            with Image.open(f) as img:
                img.size  # noqa: B018  (reads the header only)
        except (UnidentifiedImageError, OSError) as err:
            raise ValueError(f"{f} is not an image ({err})") from None


# -- sample photos (bundled with scikit-image: no download) -----------------------------------------

#: scikit-image's colour sample photos that ship inside its wheel (no download), by course name.
SAMPLE_PHOTOS = {
    "cat": "chelsea", "coffee": "coffee", "astronaut": "astronaut", "rocket": "rocket",
    "motorcycle": "stereo_motorcycle", "cameraman": "camera",
}


def sample_photos(size: int = 224, names: list[str] | None = None) -> dict[str, np.ndarray]:
    """A few everyday photos from scikit-image, centre-cropped to a square and resized to ``size``.

    Cropping keeps the objects' proportions (a 451x300 photo loses its sides) where resizing the whole
    photo would squash them; the resize is bilinear.

    Returns ``{name: uint8 (size, size, 3) array}``; grayscale photos are repeated to three
    channels. ``names`` picks among :data:`SAMPLE_PHOTOS` (default: all of them).
    """
    import skimage.data

    names = list(SAMPLE_PHOTOS) if names is None else list(names)
    unknown = [n for n in names if n not in SAMPLE_PHOTOS]
    if unknown:
        raise KeyError(f"no sample photo {unknown[0]!r}; choose from {', '.join(SAMPLE_PHOTOS)}")
    out = {}
    for name in names:
        image = getattr(skimage.data, SAMPLE_PHOTOS[name])()
        image = image[0] if isinstance(image, tuple) else image  # stereo pair: the left view
        image = np.repeat(image[..., None], 3, axis=-1) if image.ndim == 2 else image[..., :3]
        out[name] = center_square(image, size)
    return out


def center_square(image: np.ndarray, size: int) -> np.ndarray:
    """The centre square of an (h, w, 3) uint8 image, resized to ``size`` x ``size`` (bilinear).

    Cropping keeps the objects' proportions where resizing the whole image would squash them.
    """
    from PIL import Image

    h, w = image.shape[:2]
    side = min(h, w)
    top, left = (h - side) // 2, (w - side) // 2
    square = Image.fromarray(np.ascontiguousarray(image[top : top + side, left : left + side]))
    return np.asarray(square.resize((size, size), Image.BILINEAR), np.uint8)
