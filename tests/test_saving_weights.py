"""save_weights / load_weights in numnet's own layout: round trips, all-or-nothing, bad files, fuzz."""
import os

import h5py
import numpy as np
import pytest

import numnet
from numnet import layers, saving
from numnet.saving import FileLayoutError, UnsafeFileError

from _saving_helpers import data, perturb, same_weights, sequential, snapshot

from numnet import models  # noqa: E402


@pytest.fixture
def saved(tmp_path):
    """A trained-looking model saved to a weights file; returns (model, path)."""
    model = sequential(0)
    perturb(model, 1)
    path = str(tmp_path / "m.weights.h5")
    model.save_weights(path)
    return model, path


@pytest.mark.parametrize("name", ["m.weights.h5", "m.h5", "m.hdf5"])
def test_round_trip_bit_identical(tmp_path, name):
    model = sequential(0)
    perturb(model, 1)
    x = data()
    path = tmp_path / name
    model.save_weights(path)
    other = sequential(5)
    assert not same_weights(snapshot(model), snapshot(other))
    other.load_weights(path)
    assert same_weights(snapshot(model), snapshot(other))  # BatchNormalization statistics included
    assert np.array_equal(other.predict(x, verbose=0), model.predict(x, verbose=0))


def test_layout_documented_attributes(saved):
    model, path = saved
    with h5py.File(path, "r") as f:
        assert f.attrs["numnet_format"] == b"weights"
        assert int(f.attrs["format_version"]) == saving.FORMAT_VERSION
        assert f.attrs["numnet_version"] == numnet.__version__.encode()
        g = f["model_weights"]
        assert int(g.attrs["weight_count"]) == len(model.weights)
        first = g["0"]
        assert first.attrs["class_name"] == b"Dense"
        assert [first[k].attrs["name"] for k in sorted(first, key=int)] == [b"kernel", b"bias"]
        np.testing.assert_array_equal(first["0"][()], model.layers[0].weights[0].data)


def test_bad_suffix_refused(tmp_path):
    with pytest.raises(ValueError, match=r"\.h5"):
        sequential().save_weights(tmp_path / "m.txt")
    assert os.listdir(tmp_path) == []


def test_load_weights_unknown_kwarg(saved):
    model, path = saved
    with pytest.raises(TypeError, match="by_name"):
        model.load_weights(path, by_name=True)


def test_crash_mid_save_keeps_previous_file(saved, monkeypatch):
    model, path = saved
    before = open(path, "rb").read()
    from numnet.saving import weights_io

    real = weights_io.write_weights

    def crashing(group, m):
        real(group, m)
        raise OSError("disk full (simulated)")

    monkeypatch.setattr(weights_io, "write_weights", crashing)
    perturb(model, 9)
    with pytest.raises(OSError, match="simulated"):
        model.save_weights(path)
    assert open(path, "rb").read() == before
    assert os.listdir(os.path.dirname(path)) == ["m.weights.h5"]


def test_mismatch_names_layer_and_shapes_and_changes_nothing(saved):
    _, path = saved
    numnet.utils.set_random_seed(2)
    other = models.Sequential([layers.Input(shape=(6,)), layers.Dense(8, activation="relu"),
                               layers.BatchNormalization(), layers.Dense(4)])
    before = snapshot(other)
    with pytest.raises(ValueError) as info:
        other.load_weights(path)
    msg = str(info.value)
    assert "dense" in msg and "kernel" in msg and "(8, 4)" in msg and "(8, 3)" in msg
    assert same_weights(before, snapshot(other))


def test_missing_layer_is_a_mismatch(saved):
    _, path = saved
    other = models.Sequential([layers.Input(shape=(6,)), layers.Dense(8), layers.BatchNormalization()])
    before = snapshot(other)
    with pytest.raises(ValueError, match="no matching layer"):
        other.load_weights(path)
    assert same_weights(before, snapshot(other))


def test_skip_mismatch_warns_and_loads_the_rest(saved):
    model, path = saved
    numnet.utils.set_random_seed(2)
    other = models.Sequential([layers.Input(shape=(6,)), layers.Dense(8, activation="relu"),
                               layers.BatchNormalization(), layers.Dense(4)])
    last_before = snapshot(other)[-2:]
    with pytest.warns(UserWarning, match="Skipping"):
        other.load_weights(path, skip_mismatch=True)
    assert same_weights(snapshot(other)[:-2], snapshot(model)[:-2])
    assert same_weights(snapshot(other)[-2:], last_before)


def test_load_model_file_weights(tmp_path):
    model = sequential(0)
    perturb(model, 1)
    path = tmp_path / "full.h5"
    model.save(path)
    other = sequential(4)
    other.load_weights(path)
    assert same_weights(snapshot(model), snapshot(other))


# ----- bad files through load_weights: error kind, and the model is unchanged ---------------------
def _craft(path, fill):
    with h5py.File(path, "w") as f:
        fill(f)
    return str(path)


def _weights_like(f, model, tamper=None):
    """A file in numnet's weights layout, written without the digest (which the loader requires)."""
    f.attrs["numnet_format"] = np.bytes_(b"weights")
    f.attrs["format_version"] = 1
    g = f.create_group("model_weights")
    for k, layer in enumerate([lay for lay in model.layers if lay.weights]):
        lg = g.create_group(str(k))
        for j, v in enumerate(layer.weights):
            lg.create_dataset(str(j), data=v.data)
    if tamper:
        tamper(f)
    saving.h5_io.write_digest(f)


def _expect(model, path, error, match=None):
    before = snapshot(model)
    with pytest.raises(error, match=match):
        model.load_weights(path)
    assert same_weights(before, snapshot(model))


def test_bad_file_missing(tmp_path):
    model = sequential()
    with pytest.raises(FileNotFoundError, match="missing.h5"):
        model.load_weights(tmp_path / "missing.h5")


def test_bad_file_not_hdf5(tmp_path):
    path = tmp_path / "x.weights.h5"
    path.write_bytes(b"\x89PNG not a weights file" * 40)
    _expect(sequential(), path, OSError, "not an HDF5 file")


def test_bad_file_truncated(saved):
    model, path = saved
    data_ = open(path, "rb").read()
    for cut in (len(data_) // 3, len(data_) - 100):
        with open(path, "wb") as f:
            f.write(data_[:cut])
        _expect(sequential(7), path, OSError)


def test_bad_file_other_layout(tmp_path):
    path = _craft(tmp_path / "x.h5", lambda f: f.create_dataset("images", data=np.zeros((2, 2))))
    _expect(sequential(), path, FileLayoutError, "expected numnet's layout")


def test_bad_file_newer_format_version(tmp_path):
    model = sequential()
    path = _craft(tmp_path / "x.h5", lambda f: _weights_like(f, model, lambda f: f.attrs.modify("format_version", 99)))
    _expect(sequential(3), path, ValueError, "upgrade numnet")


def test_bad_file_soft_link(tmp_path):
    model = sequential()

    def tamper(f):
        del f["model_weights/0/0"]
        f["model_weights/0/0"] = h5py.SoftLink("/model_weights/1/0")
    _expect(sequential(3), _craft(tmp_path / "x.h5", lambda f: _weights_like(f, model, tamper)),
            UnsafeFileError, "soft link")


def test_bad_file_external_link(tmp_path):
    model = sequential()
    other = tmp_path / "victim.weights.h5"
    model.save_weights(other)
    path = _craft(tmp_path / "x.h5", lambda f: (f.attrs.create("numnet_format", np.bytes_(b"weights")),
                                                f.__setitem__("model_weights", h5py.ExternalLink(str(other), "/model_weights"))))
    _expect(sequential(3), path, UnsafeFileError, "external link")


def test_bad_file_external_storage(tmp_path):
    model = sequential()
    secret = tmp_path / "secret.txt"
    secret.write_bytes(os.urandom(6 * 8 * 4))

    def tamper(f):
        del f["model_weights/0/0"]
        f.create_dataset("model_weights/0/0", shape=(6, 8), dtype="f4", external=[(str(secret), 0, 6 * 8 * 4)])
    path = tmp_path / "x.h5"
    with h5py.File(path, "w") as f:
        f.attrs["numnet_format"] = np.bytes_(b"weights")
        f.attrs["format_version"] = 1
        g = f.create_group("model_weights")
        for k, layer in enumerate([lay for lay in model.layers if lay.weights]):
            for j, v in enumerate(layer.weights):
                g.create_dataset(f"{k}/{j}", data=v.data)
        tamper(f)
        f.attrs["content_sha256"] = np.bytes_(b"0" * 64)
    _expect(sequential(3), path, UnsafeFileError, "external storage")


def test_bad_file_virtual_dataset(tmp_path):
    src = _craft(tmp_path / "src.h5", lambda f: f.create_dataset("d", data=np.ones((6, 8), "f4")))
    path = tmp_path / "x.h5"
    with h5py.File(path, "w") as f:
        f.attrs["numnet_format"] = np.bytes_(b"weights")
        layout = h5py.VirtualLayout(shape=(6, 8), dtype="f4")
        layout[:] = h5py.VirtualSource(src, "d", shape=(6, 8))
        f.create_virtual_dataset("model_weights/0/0", layout)
    _expect(sequential(3), path, UnsafeFileError, "virtual")


def test_bad_file_vlen_dtype(tmp_path):
    path = _craft(tmp_path / "x.h5", lambda f: (f.attrs.create("numnet_format", np.bytes_(b"weights")),
                                                f.create_dataset("model_weights/0/0", shape=(6,), dtype=h5py.vlen_dtype("f4"))))
    _expect(sequential(3), path, UnsafeFileError, "variable-length")


def test_bad_file_object_dtype(tmp_path):
    path = _craft(tmp_path / "x.h5", lambda f: (f.attrs.create("numnet_format", np.bytes_(b"weights")),
                                                f.create_dataset("model_weights/0/0", shape=(6,), dtype=h5py.ref_dtype)))
    _expect(sequential(3), path, UnsafeFileError, "object")


def test_bad_file_shape_bomb(tmp_path):
    path = _craft(tmp_path / "x.h5", lambda f: (f.attrs.create("numnet_format", np.bytes_(b"weights")),
                                                f.create_dataset("model_weights/0/0", shape=(100_000, 100_000),
                                                                 dtype="f4", chunks=(100, 100))))
    assert os.path.getsize(path) < 50_000
    _expect(sequential(3), path, UnsafeFileError, "shape bomb")


def test_load_into_unbuilt_model(saved):
    _, path = saved

    class Sub(models.Model):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.d = layers.Dense(3)

        def call(self, x):
            return self.d(x)

    with pytest.raises(ValueError, match="not built"):
        Sub().load_weights(path)


# ----- fuzz --------------------------------------------------------------------------------------------
def test_fuzz_byte_flips_and_truncations(tmp_path):
    """Damaged files raise only OSError/ValueError; the target is unchanged or fully loaded."""
    source = sequential(0)
    perturb(source, 1)
    good_path = tmp_path / "good.weights.h5"
    source.save_weights(good_path)
    good = open(good_path, "rb").read()
    saved_values = snapshot(source)
    target = sequential(8)
    original = snapshot(target)
    rng = np.random.default_rng(1234)
    path = tmp_path / "fuzz.weights.h5"
    outcomes = {"error": 0, "loaded": 0}
    for case in range(100):
        buf = bytearray(good)
        if case % 4 == 3:
            buf = buf[: int(rng.integers(0, len(buf)))]
        else:
            for _ in range(int(rng.integers(1, 4))):
                pos = int(rng.integers(0, len(buf)))
                buf[pos] ^= int(rng.integers(1, 256))
        path.write_bytes(bytes(buf))
        for v, value in zip(target.weights, original):
            v.assign(value)
        try:
            target.load_weights(path)
        except (OSError, ValueError):
            outcomes["error"] += 1
            assert same_weights(snapshot(target), original), f"case {case}: failed load changed the model"
        else:
            outcomes["loaded"] += 1
            assert same_weights(snapshot(target), saved_values), f"case {case}: loaded values differ"
    assert outcomes["error"] > 50
