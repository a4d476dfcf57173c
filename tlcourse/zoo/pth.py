"""Read legacy PyTorch ``.pth`` state dicts without importing torch.

A pre-1.6 ``torch.save`` file is five pickles in a row (magic number, protocol
version, system info, the object itself, the list of storage keys) followed by
the raw bytes of every storage. The object pickle refers to storages through
*persistent ids* and rebuilds tensors with ``torch._utils._rebuild_tensor_v2``.

Unpickling runs code named by the file, so a hostile ``.pth`` could run anything.
:class:`RestrictedUnpickler` therefore accepts only the handful of globals a
state dict needs (ordered dicts, tensor rebuilding, storage types) and refuses
every other one with :class:`UnsafePickleError`.
"""
from __future__ import annotations

import collections
import io
import pickle
import struct
from os import PathLike
from typing import Any, BinaryIO

import numpy as np

MAGIC_NUMBER = 0x1950A86A20F9469CFC6C
PROTOCOL_VERSION = 1001

#: torch storage class name -> numpy dtype of its elements.
STORAGE_DTYPES: dict[str, np.dtype] = {
    "FloatStorage": np.dtype("<f4"),
    "DoubleStorage": np.dtype("<f8"),
    "HalfStorage": np.dtype("<f2"),
    "LongStorage": np.dtype("<i8"),
    "IntStorage": np.dtype("<i4"),
    "ShortStorage": np.dtype("<i2"),
    "CharStorage": np.dtype("i1"),
    "ByteStorage": np.dtype("u1"),
    "BoolStorage": np.dtype("?"),
}


class UnsafePickleError(pickle.UnpicklingError):
    """The file asked for a Python global that a plain state dict never needs."""


class _StorageType:
    """Stands in for ``torch.FloatStorage`` and friends."""

    def __init__(self, name: str):
        self.name = name
        self.dtype = STORAGE_DTYPES[name]


class _Storage:
    """A storage whose bytes are filled in after the object pickle is read."""

    def __init__(self, dtype: np.dtype, size: int):
        self.dtype = dtype
        self.size = size
        self.data: np.ndarray | None = None


class _TensorRef:
    """A tensor view on a storage, resolved to a numpy array at the end."""

    def __init__(self, storage: _Storage, offset: int, size: tuple, stride: tuple):
        self.storage, self.offset, self.size, self.stride = storage, offset, tuple(size), tuple(stride)

    def to_numpy(self) -> np.ndarray:
        data = self.storage.data
        if data is None:  # pragma: no cover - only for truncated files
            raise pickle.UnpicklingError("storage bytes missing: the .pth file is truncated")
        itemsize = data.dtype.itemsize
        view = np.lib.stride_tricks.as_strided(
            data[self.offset :],
            shape=self.size,
            strides=tuple(s * itemsize for s in self.stride),
            writeable=False,
        )
        return np.array(view)  # own copy, contiguous


def _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad=False, backward_hooks=None, *rest):
    return _TensorRef(storage, storage_offset, size, stride)


def _rebuild_tensor(storage, storage_offset, size, stride):
    return _TensorRef(storage, storage_offset, size, stride)


#: The only globals a state-dict pickle may ask for.
ALLOWED_GLOBALS: dict[tuple[str, str], Any] = {
    ("collections", "OrderedDict"): collections.OrderedDict,
    ("torch._utils", "_rebuild_tensor_v2"): _rebuild_tensor_v2,
    ("torch._utils", "_rebuild_tensor"): _rebuild_tensor,
    **{("torch", name): _StorageType(name) for name in STORAGE_DTYPES},
}


class RestrictedUnpickler(pickle.Unpickler):
    """Unpickler that knows tensor storages and ordered dicts, and nothing else."""

    def __init__(self, file: BinaryIO):
        super().__init__(file, encoding="latin1")
        self.storages: dict[str, _Storage] = {}

    def find_class(self, module: str, name: str) -> Any:
        try:
            return ALLOWED_GLOBALS[(module, name)]
        except KeyError:
            raise UnsafePickleError(
                f"refusing to load global {module}.{name!s}: a weights file should only contain "
                "tensors and ordered dicts. Do not load this file unless you trust its source."
            ) from None

    def persistent_load(self, pid: Any) -> Any:
        if not (isinstance(pid, tuple) and pid and pid[0] == "storage"):
            raise UnsafePickleError(f"unexpected persistent id {pid!r} in weights file")
        _, storage_type, key, _location, size, *_ = pid
        if not isinstance(storage_type, _StorageType):
            raise UnsafePickleError(f"unexpected storage type {storage_type!r}")
        if key not in self.storages:
            self.storages[key] = _Storage(storage_type.dtype, int(size))
        return self.storages[key]


def _resolve(obj: Any) -> Any:
    if isinstance(obj, _TensorRef):
        return obj.to_numpy()
    if isinstance(obj, dict):
        return collections.OrderedDict((k, _resolve(v)) for k, v in obj.items())
    return obj


def load_state_dict(path: str | PathLike | BinaryIO) -> collections.OrderedDict[str, np.ndarray]:
    """Return the tensors of a legacy ``.pth`` state dict as numpy arrays, in file order."""
    if hasattr(path, "read"):
        return _load(path)  # type: ignore[arg-type]
    with open(path, "rb") as f:
        head = f.read(4)
        f.seek(0)
        if head.startswith(b"PK"):
            raise ValueError(
                f"{path} is a zip-format (torch >= 1.6) checkpoint; tlcourse reads only the legacy format "
                "used by the weights packages it ships with."
            )
        return _load(f)


def _load(f: BinaryIO) -> collections.OrderedDict[str, np.ndarray]:
    def plain(what: str) -> Any:
        return RestrictedUnpickler(f).load()

    if plain("magic") != MAGIC_NUMBER:
        raise pickle.UnpicklingError("not a PyTorch legacy .pth file (bad magic number)")
    if plain("protocol") != PROTOCOL_VERSION:
        raise pickle.UnpicklingError("unsupported .pth protocol version")
    sys_info = plain("sys_info")
    if not sys_info.get("little_endian", True):
        raise pickle.UnpicklingError("big-endian .pth files are not supported")

    unpickler = RestrictedUnpickler(f)
    obj = unpickler.load()
    keys = RestrictedUnpickler(f).load()
    for key in keys:
        storage = unpickler.storages[key]
        (count,) = struct.unpack("<q", f.read(8))
        raw = f.read(count * storage.dtype.itemsize)
        if len(raw) != count * storage.dtype.itemsize:
            raise pickle.UnpicklingError("the .pth file is truncated")
        storage.data = np.frombuffer(raw, dtype=storage.dtype)
    if not isinstance(obj, dict):
        raise pickle.UnpicklingError(f"expected a state dict, found {type(obj).__name__}")
    return _resolve(obj)


def loads_state_dict(data: bytes) -> collections.OrderedDict[str, np.ndarray]:
    """Like :func:`load_state_dict`, from bytes in memory."""
    return _load(io.BytesIO(data))
