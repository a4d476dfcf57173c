"""A classroom's shared cache: `provision --data` fills it, `check` proves it complete, students only read it.

Provisioning converts MobileNetV2 only (under a second) and copies the data sets from a local copy
(``$TLCOURSE_DATA`` or ``../shared/data``). A read-only mount is simulated by making every write into
the cache raise PermissionError (root ignores chmod), and the cache's files are compared before and
after, so a stray write fails the test.
"""
from __future__ import annotations

import builtins
import contextlib
import io
import os
import shutil
import sys
import warnings
import zipfile
from pathlib import Path

import pytest

from tlcourse import data, zoo
from tlcourse.__main__ import main
from tlcourse.zoo import convert, sources

ROOT = Path(__file__).resolve().parents[1]


def _local_data() -> Path | None:
    for folder in (os.environ.get("TLCOURSE_DATA"), ROOT.parent / "shared" / "data"):
        if folder and all(data._complete(name, Path(folder) / name) for name in data.DATASETS):
            return Path(folder)
    return None


LOCAL_DATA = _local_data()
NO_LOCAL_DATA = ("no local copy of cats_and_dogs_filtered/ and fashion-mnist/ to provision from: set TLCOURSE_DATA "
                 "to a folder holding both (CI uses ../shared/data)")


def run(*argv: str) -> tuple[int, str, str]:
    """``python -m tlcourse ARGV`` in this process: (exit code, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(list(argv))
        except SystemExit as exit_:
            code = exit_.code
    return code, out.getvalue(), err.getvalue()


def snapshot(*folders: Path) -> dict[str, tuple[int, int]]:
    """Every file and folder under ``folders`` with its size and modification time."""
    return {str(p): (p.stat().st_size, p.stat().st_mtime_ns) for f in folders if f.exists()
            for p in [f, *f.rglob("*")]}


def _env(mp: pytest.MonkeyPatch, home: Path, data_dir: Path, tmp: Path) -> None:
    mp.setenv("TLCOURSE_HOME", str(home))
    mp.setenv("TLCOURSE_DATA", str(data_dir))
    mp.setenv("KERAS_HOME", str(tmp / "keras"))  # an empty Keras cache: nothing found by accident
    mp.setenv("XDG_CACHE_HOME", str(tmp / "user-cache"))  # the per-user fallback
    mp.delenv("TLCOURSE_OFFLINE", raising=False)


@pytest.fixture(scope="module")
def shared(tmp_path_factory):
    """A cache provisioned once, as an administrator would: (home, data, stdout, stderr)."""
    if LOCAL_DATA is None:
        pytest.skip(NO_LOCAL_DATA)
    tmp = tmp_path_factory.mktemp("shared")
    home, data_dir = tmp / "srv" / "home", tmp / "srv" / "data"
    with pytest.MonkeyPatch.context() as mp:
        _env(mp, home, data_dir, tmp)
        mp.setenv("TLCOURSE_PROGRESS", "1")
        code, out, err = run("provision", "MobileNetV2", "--data", "--data-from", str(LOCAL_DATA))
    assert code == 0, err
    return home, data_dir, out, err


@pytest.fixture
def as_admin(shared, tmp_path, monkeypatch):
    home, data_dir, _, _ = shared
    _env(monkeypatch, home, data_dir, tmp_path)
    return home, data_dir


def read_only(mp: pytest.MonkeyPatch, *folders: Path, access_says: bool = False) -> None:
    """Simulate a read-only mount of ``folders``: writes there raise PermissionError.

    ``access_says`` is what ``os.access(..., W_OK)`` answers there: False as on a real read-only mount,
    True where it lies (root, some network file systems), so that only the write itself fails.
    """
    roots = [str(f.resolve()) for f in folders]

    def inside(path) -> bool:
        if isinstance(path, int):
            return False
        p = os.path.abspath(os.fspath(path))
        return any(p == r or p.startswith(r + os.sep) for r in roots)

    def refuse(path):
        raise PermissionError(13, "Read-only file system (simulated)", os.fspath(path))

    real_open, real_os_open, real_access = builtins.open, os.open, os.access

    def guarded_open(file, mode="r", *args, **kwargs):
        if inside(file) and any(c in mode for c in "wax+"):
            refuse(file)
        return real_open(file, mode, *args, **kwargs)

    def guarded_os_open(path, flags, *args, **kwargs):
        if inside(path) and flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC):
            refuse(path)
        return real_os_open(path, flags, *args, **kwargs)

    def guarded_access(path, mode, *args, **kwargs):
        if inside(path) and mode & os.W_OK:
            return access_says
        return real_access(path, mode, *args, **kwargs)

    def guard(fn, nargs=1):
        def guarded(*args, **kwargs):
            for a in args[:nargs]:
                if inside(a):
                    refuse(a)
            return fn(*args, **kwargs)
        return guarded

    mp.setattr(builtins, "open", guarded_open)
    mp.setattr(io, "open", guarded_open)
    mp.setattr(os, "open", guarded_os_open)
    mp.setattr(os, "access", guarded_access)
    for name, nargs in (("mkdir", 1), ("replace", 2), ("rename", 2), ("remove", 1), ("unlink", 1), ("rmdir", 1),
                        ("chmod", 1)):
        mp.setattr(os, name, guard(getattr(os, name), nargs))


# -- provisioning ---------------------------------------------------------------------------------


def test_provision_fills_the_layout_the_loaders_read(shared, as_admin):
    home, data_dir, out, err = shared
    assert [p.name for p in (home / "weights").iterdir()] == [convert.find_converted("MobileNetV2").name]
    assert data._cats_counts(data_dir / "cats_and_dogs_filtered") == data.CATS_VS_DOGS_COUNTS
    assert data.find_cats_vs_dogs(download=False) == data_dir / "cats_and_dogs_filtered"
    assert data.find_fashion_mnist(download=False) == data_dir / "fashion-mnist"
    assert not [p for p in (home.parent).rglob("*.part*")], "a half-written file was left behind"
    # the summary: what is there, how big, and the two lines students' environment needs
    assert f"export TLCOURSE_HOME={home.resolve()}" in out and f"export TLCOURSE_DATA={data_dir.resolve()}" in out
    assert "copied from" in out and "MB" in out and "python -m tlcourse check" in out
    assert "converting weights" in err and "copying cats_and_dogs_filtered" in err  # progress bars
    # readable by every user, so that students (other uids) can use it
    assert all(p.stat().st_mode & 0o444 == 0o444 for p in [home, *home.rglob("*"), *data_dir.rglob("*")])


def test_provision_again_changes_nothing(shared, as_admin, monkeypatch):
    """Even on the read-only mount (`make test` runs `provision` first on a lab image)."""
    home, data_dir = as_admin
    before = snapshot(home, data_dir)
    read_only(monkeypatch, home, data_dir)
    code, out, _ = run("provision", "MobileNetV2", "--data", "--no-download")
    assert code == 0 and "already converted" in out and out.count("already there") == 2
    assert snapshot(home, data_dir) == before


def test_provision_refuses_a_read_only_home(shared, tmp_path, monkeypatch):
    _env(monkeypatch, tmp_path / "ro-home", tmp_path / "data", tmp_path)
    read_only(monkeypatch, tmp_path / "ro-home")
    with pytest.raises(PermissionError, match="(?s)cannot write.*python -m tlcourse provision"):
        zoo.provision(["MobileNetV2"], verbose=False)
    assert not (tmp_path / "user-cache").exists(), "provisioning must not fall back to a per-user cache"


def test_provision_downloads_from_the_canonical_sources(tmp_path, monkeypatch):
    """With no local copy, the data sets are downloaded (here from file:// URLs standing in for the real ones)."""
    web = tmp_path / "web"
    web.mkdir()
    with zipfile.ZipFile(web / "cats_and_dogs_filtered.zip", "w") as zf:
        zf.writestr("cats_and_dogs_filtered/vectorize.py", "")
        for split, classes in data.CATS_VS_DOGS_COUNTS.items():
            for c, n in classes.items():
                for i in range(n):
                    zf.writestr(f"cats_and_dogs_filtered/{split}/{c}/{c[:-1]}.{i}.jpg", b"")
    for pair in data.FASHION_FILES.values():
        for name in pair:
            (web / name).write_bytes(b"fake")
    _env(monkeypatch, tmp_path / "home", tmp_path / "data", tmp_path)
    monkeypatch.setattr(data, "_local_copies", lambda name, source: [])
    monkeypatch.setattr(data, "CATS_VS_DOGS_URL", (web / "cats_and_dogs_filtered.zip").as_uri())
    monkeypatch.setattr(data, "FASHION_MNIST_URL", web.as_uri() + "/")
    monkeypatch.setenv("TLCOURSE_OFFLINE", "1")
    with pytest.raises(data.DataNotFoundError, match="--data-from DIR"):
        data.provision(verbose=False)
    monkeypatch.delenv("TLCOURSE_OFFLINE")
    done = data.provision(verbose=False)
    assert data._cats_counts(done["cats_and_dogs_filtered"]) == data.CATS_VS_DOGS_COUNTS
    assert (done["fashion-mnist"] / "t10k-labels-idx1-ubyte.gz").read_bytes() == b"fake"
    assert sorted(p.name for p in (tmp_path / "data").iterdir()) == ["cats_and_dogs_filtered", "fashion-mnist"]


def test_offline_loaders_fail_at_once(tmp_path, monkeypatch):
    """TLCOURSE_OFFLINE=1: a missing data set is an error naming the admin command, with no download tried."""
    import keras

    def no_download(*args, **kwargs):
        raise AssertionError("tried to download with TLCOURSE_OFFLINE=1")

    _env(monkeypatch, tmp_path / "home", tmp_path / "empty", tmp_path)
    monkeypatch.setenv("TLCOURSE_OFFLINE", "1")
    monkeypatch.setattr(keras.utils, "get_file", no_download)
    monkeypatch.setattr(keras.datasets.fashion_mnist, "load_data", no_download)
    with pytest.raises(data.DataNotFoundError, match=r"(?s)TLCOURSE_OFFLINE=1.*python -m tlcourse provision --data"):
        data.cats_vs_dogs()
    with pytest.raises(data.DataNotFoundError, match=r"(?s)TLCOURSE_OFFLINE=1.*python -m tlcourse provision --data"):
        data.fashion_mnist()


# -- check ----------------------------------------------------------------------------------------


def test_check_passes_on_a_complete_cache_and_writes_nothing(shared, tmp_path, monkeypatch):
    home, data_dir, _, _ = shared
    _env(monkeypatch, home, data_dir, tmp_path)
    before = snapshot(home, data_dir)
    read_only(monkeypatch, home, data_dir, tmp_path / "user-cache", access_says=True)
    code, out, err = run("check", "MobileNetV2")
    assert code == 0, out + err
    assert "All complete" in out and "loads" in out and "3000 photos" in out and "70000 images" in out
    assert snapshot(home, data_dir) == before and not (tmp_path / "user-cache").exists()


def test_check_fails_on_an_incomplete_cache_and_names_the_command(shared, tmp_path, monkeypatch):
    home, _, _, _ = shared
    partial = tmp_path / "partial"
    shutil.copytree(LOCAL_DATA / "fashion-mnist", partial / "fashion-mnist")
    (partial / "cats_and_dogs_filtered" / "train" / "cats").mkdir(parents=True)
    _env(monkeypatch, home, partial, tmp_path)
    code, out, err = run("check", "--quick")  # all four models, but only MobileNetV2 is provisioned
    assert code == 1
    assert "ok    MobileNetV2" in out and "FAIL  EfficientNetLite0" in out and "not converted" in out
    assert "FAIL  cats_and_dogs_filtered" in out and "incomplete" in out and "ok    fashion-mnist" in out
    assert f"TLCOURSE_HOME={home} TLCOURSE_DATA={partial} python -m tlcourse provision --data" in err


def test_check_finds_a_damaged_weight_file(shared, tmp_path, monkeypatch):
    home, data_dir, _, _ = shared
    damaged = tmp_path / "home" / "weights"
    damaged.mkdir(parents=True)
    source = next((home / "weights").iterdir())
    (damaged / source.name).write_bytes(source.read_bytes()[: source.stat().st_size // 2])
    _env(monkeypatch, tmp_path / "home", data_dir, tmp_path)
    code, out, err = run("check", "MobileNetV2", "--no-data")
    assert code == 1 and "does not load" in out and "python -m tlcourse provision MobileNetV2 --data" in err


def test_check_rejects_models_without_embedded_weights(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["check", "ResNet50"])
    assert exit_.value.code == 2 and "MobileNetV2, EfficientNetLite0" in capsys.readouterr().err


# -- students: a read-only shared cache -----------------------------------------------------------


@pytest.mark.parametrize("access_says", [False, True], ids=["read-only mount", "only the write fails"])
def test_students_only_read_a_provisioned_cache(shared, tmp_path, monkeypatch, access_says):
    home, data_dir, _, _ = shared
    _env(monkeypatch, home, data_dir, tmp_path)
    before = snapshot(home, data_dir)
    read_only(monkeypatch, home, data_dir, access_says=access_says)
    with warnings.catch_warnings():
        warnings.simplefilter("error", sources.SharedCacheWarning)
        model, preprocess = zoo.load("MobileNetV2", include_top=False, input_shape=(96, 96, 3), pooling="avg")
        cats = data.cats_vs_dogs("validation", per_class=2, image_size=32)
        clothes = data.fashion_mnist("test", per_class=1)
    assert model.output_shape == (None, 1280) and len(cats) == 4 and len(clothes) == 10
    assert snapshot(home, data_dir) == before
    assert not (tmp_path / "user-cache").exists()


@pytest.mark.parametrize("access_says", [False, True], ids=["read-only mount", "only the write fails"])
def test_a_model_missing_from_a_read_only_cache_goes_to_the_users_own(tmp_path, monkeypatch, access_says):
    empty = tmp_path / "srv" / "home"
    empty.mkdir(parents=True)
    _env(monkeypatch, empty, tmp_path / "srv" / "data", tmp_path)
    read_only(monkeypatch, empty, access_says=access_says)
    with pytest.warns(sources.SharedCacheWarning, match=r"(?s)not in the shared cache.*python -m tlcourse provision"):
        path = convert.converted_path("MobileNetV2")
    assert path.parent == tmp_path / "user-cache" / "tlcourse" / "weights"
    assert list(empty.rglob("*")) == []
    mtime = path.stat().st_mtime_ns
    if access_says:  # the folder looks writable, so each new process tries (and warns) again
        with pytest.warns(sources.SharedCacheWarning):
            assert convert.converted_path("MobileNetV2") == path
    else:  # known to be read-only: converted once, then only read from the user's cache
        assert convert.converted_path("MobileNetV2") == path and path.stat().st_mtime_ns == mtime


def test_a_student_image_without_the_weight_wheel_uses_the_shared_file(shared, tmp_path, monkeypatch):
    home, data_dir, _, _ = shared
    _env(monkeypatch, home, data_dir, tmp_path)
    monkeypatch.setenv("TLCOURSE_OFFLINE", "1")
    monkeypatch.setattr(sources, "_installed_path", lambda src: None)
    read_only(monkeypatch, home, data_dir)
    assert convert.converted_path("MobileNetV2").parent == home / "weights"
    with warnings.catch_warnings():
        warnings.simplefilter("error", sources.SharedCacheWarning)
        with pytest.raises(zoo.MissingWeightsError, match=r"(?s)read-only for you.*python -m tlcourse provision"):
            convert.converted_path("EfficientNetLite0")
    assert not (tmp_path / "user-cache").exists()


def test_python_m_tlcourse_exit_code(shared, tmp_path):
    """The shell sees check's verdict (as an admin script would)."""
    import subprocess

    home, _, _, _ = shared
    env = {**os.environ, "TLCOURSE_HOME": str(home), "TLCOURSE_DATA": str(tmp_path / "nothing"),
           "TLCOURSE_PROGRESS": "0"}
    result = subprocess.run([sys.executable, "-m", "tlcourse", "check", "--quick", "MobileNetV2"], cwd=ROOT, env=env,
                            capture_output=True, text=True)
    assert result.returncode == 1 and "python -m tlcourse provision MobileNetV2 --data" in result.stderr
