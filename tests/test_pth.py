"""The restricted .pth reader: real files read right, hostile pickles refused."""
from __future__ import annotations

import collections
import io
import pickle
import struct

import numpy as np
import pytest

from tlcourse.zoo import pth, sources


def _legacy_pth(obj_pickle: bytes, storages: dict[str, np.ndarray]) -> bytes:
    """Assemble a legacy torch file around a hand-made object pickle."""
    out = io.BytesIO()
    for header in (pth.MAGIC_NUMBER, pth.PROTOCOL_VERSION, {"little_endian": True}):
        pickle.dump(header, out, protocol=2)
    out.write(obj_pickle)
    pickle.dump(list(storages), out, protocol=2)
    for arr in storages.values():
        out.write(struct.pack("<q", arr.size))
        out.write(arr.astype("<f4").tobytes())
    return out.getvalue()


def _tensor_pickle(extra_global: tuple[str, str] | None = None) -> bytes:
    """A state dict {'w': 2x3 float tensor}, optionally with a planted foreign global."""
    # Written opcode by opcode, as torch.save would: GLOBAL references are what an attacker controls.
    f = io.BytesIO()
    f.write(pickle.PROTO + bytes([2]))
    f.write(pickle.GLOBAL + b"collections\nOrderedDict\n" + pickle.EMPTY_TUPLE + pickle.REDUCE)
    f.write(pickle.MARK)
    f.write(pickle.BINUNICODE + struct.pack("<I", 1) + b"w")
    f.write(pickle.GLOBAL + b"torch._utils\n_rebuild_tensor_v2\n")
    f.write(pickle.MARK)
    # persistent id ('storage', torch.FloatStorage, '0', 'cpu', 6, None)
    f.write(pickle.MARK + pickle.BINUNICODE + struct.pack("<I", 7) + b"storage")
    f.write(pickle.GLOBAL + b"torch\nFloatStorage\n")
    f.write(pickle.BINUNICODE + struct.pack("<I", 1) + b"0")
    f.write(pickle.BINUNICODE + struct.pack("<I", 3) + b"cpu")
    f.write(pickle.BININT1 + bytes([6]) + pickle.NONE + pickle.TUPLE + pickle.BINPERSID)
    f.write(pickle.BININT1 + bytes([0]))  # offset
    f.write(pickle.BININT1 + bytes([2]) + pickle.BININT1 + bytes([3]) + pickle.TUPLE2)  # size
    f.write(pickle.BININT1 + bytes([3]) + pickle.BININT1 + bytes([1]) + pickle.TUPLE2)  # stride
    f.write(pickle.NEWFALSE + pickle.GLOBAL + b"collections\nOrderedDict\n" + pickle.EMPTY_TUPLE + pickle.REDUCE)
    f.write(pickle.TUPLE + pickle.REDUCE)
    if extra_global:
        module, name = extra_global
        f.write(pickle.BINUNICODE + struct.pack("<I", 4) + b"evil")
        f.write(pickle.GLOBAL + f"{module}\n{name}\n".encode())
        f.write(pickle.BINUNICODE + struct.pack("<I", 4) + b"true" + pickle.TUPLE1 + pickle.REDUCE)
    f.write(pickle.SETITEMS + pickle.STOP)
    return f.getvalue()


def test_reads_a_hand_made_state_dict():
    data = np.arange(6, dtype=np.float32)
    sd = pth.loads_state_dict(_legacy_pth(_tensor_pickle(), {"0": data}))
    assert list(sd) == ["w"]
    np.testing.assert_array_equal(sd["w"], data.reshape(2, 3))


@pytest.mark.parametrize("module,name", [("os", "system"), ("builtins", "eval"), ("subprocess", "Popen"),
                                         ("torch", "load")])
def test_planted_global_is_refused(module, name, tmp_path):
    path = tmp_path / "evil.pth"
    path.write_bytes(_legacy_pth(_tensor_pickle(extra_global=(module, name)), {"0": np.zeros(6, np.float32)}))
    with pytest.raises(pth.UnsafePickleError, match=f"refusing to load global {module}.{name}"):
        pth.load_state_dict(path)


def test_not_a_pth_file(tmp_path):
    path = tmp_path / "x.pth"
    with open(path, "wb") as f:
        pickle.dump({"a": 1}, f, protocol=2)
    with pytest.raises(pickle.UnpicklingError, match="bad magic number"):
        pth.load_state_dict(path)


def test_zip_checkpoints_are_explained(tmp_path):
    path = tmp_path / "new.pth"
    path.write_bytes(b"PK\x03\x04rest")
    with pytest.raises(ValueError, match="zip-format"):
        pth.load_state_dict(path)


@pytest.mark.parametrize("model,count,first", [
    ("MobileNetV2", 314, ("features.0.0.weight", (32, 3, 3, 3))),
    ("EfficientNetLite0", 296, ("_conv_stem.weight", (32, 3, 3, 3))),
])
def test_real_weight_files(model, count, first):
    sd = pth.load_state_dict(sources.find_source(model))
    assert len(sd) == count
    name, shape = first
    assert next(iter(sd)) == name and sd[name].shape == shape and sd[name].dtype == np.float32
    assert all(isinstance(v, np.ndarray) for v in sd.values())
    assert isinstance(sd, collections.OrderedDict)
