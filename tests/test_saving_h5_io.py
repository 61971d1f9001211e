"""The HDF5 safety layer: atomic writes, and refusing risky files before reading anything."""
import os

import h5py
import numpy as np
import pytest

from numnet.saving import h5_io
from numnet.saving.h5_io import CorruptFileError, FileLayoutError, UnsafeFileError


def _write(path, fill):
    with h5py.File(path, "w") as f:
        fill(f)
    return str(path)


def _ok(f):
    f.attrs["note"] = np.bytes_(b"plain file")
    g = f.create_group("model_weights")
    g.create_dataset("w", data=np.arange(6, dtype=np.float32).reshape(2, 3))


@pytest.fixture
def no_dataset_reads(monkeypatch):
    """Fail loudly if any dataset is read while validating."""
    def forbidden(self, *args, **kwargs):
        raise AssertionError("a dataset was read before validation finished")

    monkeypatch.setattr(h5py.Dataset, "__getitem__", forbidden)
    monkeypatch.setattr(h5py.Dataset, "read_direct", forbidden)


def _open(path):
    with h5_io.open_h5(path) as f:
        return sorted(f.keys())


# ----- atomic writes ------------------------------------------------------------------------
def test_atomic_write_creates_file_and_leaves_no_temp(tmp_path):
    path = tmp_path / "a.h5"
    h5_io.atomic_write(path, _ok)
    assert os.listdir(tmp_path) == ["a.h5"]
    with h5_io.open_h5(path) as f:
        np.testing.assert_array_equal(h5_io.read_dataset(f["model_weights"], "w", str(path)),
                                      np.arange(6, dtype=np.float32).reshape(2, 3))


def test_atomic_write_failure_keeps_previous_file_and_removes_temp(tmp_path):
    path = tmp_path / "a.h5"
    h5_io.atomic_write(path, _ok)
    before = path.read_bytes()

    def crash(f):
        f.create_dataset("half", data=np.zeros(1000))
        raise RuntimeError("disk full (simulated)")

    with pytest.raises(RuntimeError, match="simulated"):
        h5_io.atomic_write(path, crash)
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["a.h5"]


def test_atomic_write_overwrite_false_refuses_existing(tmp_path):
    path = tmp_path / "a.h5"
    h5_io.atomic_write(path, _ok)
    with pytest.raises(FileExistsError):
        h5_io.atomic_write(path, _ok, overwrite=False)


def test_atomic_write_missing_folder(tmp_path):
    with pytest.raises(FileNotFoundError):
        h5_io.atomic_write(tmp_path / "nope" / "a.h5", _ok)


def test_filepath_type_checked(tmp_path):
    with pytest.raises(TypeError, match="filepath"):
        h5_io.atomic_write(123, _ok)


# ----- bad files: not readable -------------------------------------------------------------------
def test_missing_file_is_file_not_found_with_path(tmp_path):
    path = tmp_path / "missing.h5"
    with pytest.raises(FileNotFoundError) as info:
        _open(path)
    assert str(path) in str(info.value)


def test_not_hdf5(tmp_path):
    path = tmp_path / "x.h5"
    path.write_bytes(b"this is not an HDF5 file at all" * 10)
    with pytest.raises(CorruptFileError, match="not an HDF5 file"):
        _open(path)
    assert issubclass(CorruptFileError, OSError)


def test_empty_file(tmp_path):
    path = tmp_path / "x.h5"
    path.write_bytes(b"")
    with pytest.raises(OSError):
        _open(path)


def test_truncated(tmp_path):
    good = _write(tmp_path / "good.h5", _ok)
    data = open(good, "rb").read()
    path = tmp_path / "trunc.h5"
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(OSError):
        _open(path)


# ----- bad files: refused features -----------------------------------------------------------------
def test_soft_link_refused(tmp_path, no_dataset_reads):
    def fill(f):
        _ok(f)
        f["alias"] = h5py.SoftLink("/model_weights/w")
    with pytest.raises(UnsafeFileError, match="soft link"):
        _open(_write(tmp_path / "x.h5", fill))


def test_external_link_refused(tmp_path, no_dataset_reads):
    other = _write(tmp_path / "other.h5", _ok)

    def fill(f):
        f["model_weights"] = h5py.ExternalLink(other, "/model_weights")
    with pytest.raises(UnsafeFileError, match="external link"):
        _open(_write(tmp_path / "x.h5", fill))


def test_external_storage_dataset_refused(tmp_path, no_dataset_reads):
    secret = tmp_path / "secret.bin"
    secret.write_bytes(b"TOP SECRET DATA!" * 4)

    def fill(f):
        f.create_dataset("w", shape=(16,), dtype="f4", external=[(str(secret), 0, h5py.h5f.UNLIMITED)])
    with pytest.raises(UnsafeFileError, match="external storage"):
        _open(_write(tmp_path / "x.h5", fill))


def test_virtual_dataset_refused(tmp_path, no_dataset_reads):
    other = _write(tmp_path / "other.h5", lambda f: f.create_dataset("data", data=np.arange(4, dtype="f4")))

    def fill(f):
        layout = h5py.VirtualLayout(shape=(4,), dtype="f4")
        layout[:] = h5py.VirtualSource(other, "data", shape=(4,))
        f.create_virtual_dataset("w", layout)
    with pytest.raises(UnsafeFileError, match="virtual"):
        _open(_write(tmp_path / "x.h5", fill))


@pytest.mark.parametrize("make", [
    lambda f: f.create_dataset("w", shape=(2,), dtype=h5py.vlen_dtype(np.float32)),
    lambda f: f.create_dataset("w", shape=(2,), dtype=h5py.ref_dtype),
    lambda f: f.create_dataset("w", data=np.array(["a", "bc"], dtype=object), dtype=h5py.string_dtype()),
    lambda f: f.create_dataset("w", shape=(2,), dtype=np.dtype([("a", "f4"), ("b", "i4")])),
], ids=["vlen", "object-ref", "vlen-string", "compound"])
def test_object_vlen_compound_dtypes_refused(tmp_path, make, no_dataset_reads):
    with pytest.raises(UnsafeFileError, match="dtype"):
        _open(_write(tmp_path / "x.h5", make))


def test_object_reference_attribute_refused(tmp_path):
    def fill(f):
        _ok(f)
        f.attrs["ref"] = f["model_weights"].ref
    with pytest.raises(UnsafeFileError, match="attribute 'ref'"):
        _open(_write(tmp_path / "x.h5", fill))


@pytest.mark.parametrize("chunked", [True, False])
def test_shape_bomb_refused(tmp_path, chunked, no_dataset_reads):
    def fill(f):
        f.create_dataset("w", shape=(50_000, 50_000), dtype="f4", chunks=(64, 64) if chunked else None)
    path = _write(tmp_path / "x.h5", fill)
    assert os.path.getsize(path) < 100_000
    with pytest.raises(UnsafeFileError, match="shape bomb"):
        _open(path)


def test_compressed_shape_bomb_refused(tmp_path, no_dataset_reads):
    def fill(f):
        f.create_dataset("w", data=np.zeros((4000, 4000), dtype="f4"), compression="gzip", chunks=(1000, 1000))
    with pytest.raises(UnsafeFileError, match="shape bomb"):
        _open(_write(tmp_path / "x.h5", fill))


def test_hard_link_alias_refused(tmp_path):
    def fill(f):
        _ok(f)
        f["again"] = f["model_weights"]
    with pytest.raises(UnsafeFileError, match="several hard links"):
        _open(_write(tmp_path / "x.h5", fill))


def test_named_datatype_refused(tmp_path):
    def fill(f):
        _ok(f)
        f["t"] = np.dtype("f4")
    with pytest.raises(UnsafeFileError, match="Datatype"):
        _open(_write(tmp_path / "x.h5", fill))


def test_valid_file_reads(tmp_path):
    assert _open(_write(tmp_path / "x.h5", _ok)) == ["model_weights"]


# ----- reading helpers --------------------------------------------------------------------------------
def test_json_round_trip_and_bad_json(tmp_path):
    path = tmp_path / "j.h5"
    h5_io.atomic_write(path, lambda f: h5_io.write_json_dataset(f, "cfg", {"a": [1, 2.5, None], "b": "é"}))
    with h5_io.open_h5(path) as f:
        assert h5_io.read_json_dataset(f, "cfg", str(path)) == {"a": [1, 2.5, None], "b": "é"}
    bad = _write(tmp_path / "b.h5", lambda f: f.create_dataset("cfg", data=np.frombuffer(b'{"a": [1,', np.uint8)))
    with h5_io.open_h5(bad) as f, pytest.raises(FileLayoutError, match="not valid JSON"):
        h5_io.read_json_dataset(f, "cfg", bad)
    deep = _write(tmp_path / "d.h5", lambda f: f.create_dataset("cfg", data=np.frombuffer(b"[" * 200_000, np.uint8)))
    with h5_io.open_h5(deep) as f, pytest.raises(FileLayoutError):
        h5_io.read_json_dataset(f, "cfg", deep)


def test_missing_entries_are_layout_errors(tmp_path):
    path = _write(tmp_path / "x.h5", _ok)
    with h5_io.open_h5(path) as f:
        with pytest.raises(FileLayoutError, match="expected a dataset"):
            h5_io.read_dataset(f, "nope", path)
        with pytest.raises(FileLayoutError, match="expected a group"):
            h5_io.subgroup(f, "nope", path)
        with pytest.raises(FileLayoutError, match="to be a group"):
            h5_io.subgroup(f["model_weights"], "w", path)


# ----- content digest of numnet files ----------------------------------------------------------------
def _numnet_file(f):
    f.attrs["numnet_format"] = np.bytes_(b"weights")
    f.create_dataset("w", data=np.arange(1000, dtype=np.float32))
    h5_io.write_digest(f)


def test_digest_verified_and_cached(tmp_path, monkeypatch):
    path = tmp_path / "d.h5"
    h5_io.atomic_write(path, _numnet_file)
    with h5_io.open_h5(path) as f:
        np.testing.assert_array_equal(h5_io.read_dataset(f, "w", str(path)), np.arange(1000, dtype=np.float32))


def test_digest_missing_on_numnet_file(tmp_path):
    def fill(f):
        f.attrs["numnet_format"] = np.bytes_(b"weights")
        f.create_dataset("w", data=np.arange(3.0))
    with pytest.raises(FileLayoutError, match="content_sha256"):
        _open(_write(tmp_path / "x.h5", fill))


def test_digest_detects_changed_data(tmp_path):
    path = tmp_path / "d.h5"
    h5_io.atomic_write(path, _numnet_file)
    with h5py.File(path, "r+") as f:
        f["w"][5] = 42.0
    with pytest.raises(CorruptFileError, match="checksum"):
        _open(path)


def test_devices_and_pipes_refused_without_reading(tmp_path):
    fifo = tmp_path / "pipe.h5"
    os.mkfifo(fifo)                      # opening it for reading would block forever
    for path in (fifo, "/dev/zero"):
        with pytest.raises(CorruptFileError, match="not a regular file"):
            _open(path)


def test_atomic_write_uses_a_temp_file_in_the_same_folder_and_os_replace(tmp_path, monkeypatch):
    seen = []
    real_replace = os.replace

    def spy(src, dst):
        seen.append((str(src), str(dst), sorted(os.listdir(tmp_path))))
        return real_replace(src, dst)

    monkeypatch.setattr(os, "replace", spy)
    h5_io.atomic_write(tmp_path / "a.h5", _ok)
    (src, dst, listing), = seen
    assert os.path.dirname(src) == str(tmp_path) and dst == str(tmp_path / "a.h5")
    assert listing == [os.path.basename(src)]          # the final name did not exist before the replace
    assert os.listdir(tmp_path) == ["a.h5"]
