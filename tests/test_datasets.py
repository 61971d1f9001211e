"""numnet.datasets: the bundled digits, IDX parsing, the cache, checksums and offline errors.

Nothing here touches the network: the downloader is replaced by fakes and the MNIST-style
files are small ones written by the tests.
"""
import gzip
import hashlib
import io
import os
import struct
import urllib.error

import numpy as np
import pytest

from numnet import datasets
from numnet.datasets import _download, _idx, digits, fashion_mnist, mnist


# ----------------------------------------------------------------------------- helpers

def idx_bytes(array: np.ndarray, type_code: int = 0x08) -> bytes:
    """An IDX file written from the format description (independent of numnet's reader)."""
    big_endian = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}[type_code]
    header = bytes([0, 0, type_code, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape)
    return header + np.ascontiguousarray(array, dtype=big_endian).tobytes()


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@pytest.fixture
def cache(tmp_path, monkeypatch):
    """An empty dataset cache folder, and a downloader that fails the test if called."""
    folder = tmp_path / "cache"
    monkeypatch.setenv("NUMNET_DATASETS_DIR", str(folder))

    def no_network(url, out):
        raise AssertionError(f"test tried to download {url}")

    monkeypatch.setattr(_download, "_download_url", no_network)
    return folder


def offline(url, out):
    raise urllib.error.URLError("[Errno -3] Temporary failure in name resolution")


# ----------------------------------------------------------------------------- digits

def test_digits_shapes_dtypes_and_values():
    (x_train, y_train), (x_test, y_test) = digits.load_data()
    assert x_train.shape == (1437, 8, 8) and y_train.shape == (1437,)
    assert x_test.shape == (360, 8, 8) and y_test.shape == (360,)
    for a in (x_train, y_train, x_test, y_test):
        assert a.dtype == np.uint8
    assert x_train.min() == 0 and x_train.max() == 16 and x_test.max() <= 16
    assert set(np.unique(y_train)) == set(range(10)) == set(np.unique(y_test))
    # every class is well represented on both sides of the split
    assert np.bincount(y_train, minlength=10).min() >= 140
    assert np.bincount(y_test, minlength=10).min() >= 33


def test_digits_split_is_the_documented_one():
    (x_train, y_train), (x_test, y_test) = digits.load_data()
    with gzip.open(os.path.join(os.path.dirname(digits.__file__), "data", "digits.csv.gz"), "rt") as f:
        table = np.array([[int(v) for v in line.split(",")] for line in f])
    assert table.shape == (1797, 65)
    np.testing.assert_array_equal(x_train.reshape(1437, 64), table[:1437, :64])
    np.testing.assert_array_equal(y_train, table[:1437, 64])
    np.testing.assert_array_equal(x_test.reshape(360, 64), table[1437:, :64])
    np.testing.assert_array_equal(y_test, table[1437:, 64])
    # the first image of the file is a zero
    assert y_train[0] == 0 and x_train[0, 0].tolist() == [0, 0, 5, 13, 9, 1, 0, 0]


def test_digits_deterministic_and_returns_fresh_copies():
    (a, b), (c, d) = digits.load_data()
    a[:] = 99
    b[:] = 99
    (a2, b2), (c2, d2) = digits.load_data()
    assert a2.max() == 16 and b2.max() == 9
    np.testing.assert_array_equal(c, c2)
    np.testing.assert_array_equal(d, d2)
    assert a2.flags.writeable


def test_digits_credit_is_exported():
    assert "Alpaydin" in digits.CREDIT and "Kaynak" in digits.CREDIT and "1998" in digits.CREDIT
    assert "CC BY 4.0" in digits.LICENSE
    assert "Alpaydin" in digits.__doc__ and "CC BY 4.0" in digits.__doc__
    note = os.path.join(os.path.dirname(digits.__file__), "data", "README.txt")
    with open(note) as f:
        assert "CC BY 4.0" in f.read()


# ----------------------------------------------------------------------------- IDX

@pytest.mark.parametrize("type_code,dtype", [
    (0x08, np.uint8), (0x09, np.int8), (0x0B, np.int16), (0x0C, np.int32), (0x0D, np.float32), (0x0E, np.float64),
])
def test_parse_idx_types_shapes_and_byte_order(type_code, dtype):
    rng = np.random.default_rng(0)
    array = (rng.integers(-100, 100, size=(3, 4, 5)) if type_code != 0x08
             else rng.integers(0, 256, size=(3, 4, 5))).astype(dtype)
    parsed = _idx.parse_idx(idx_bytes(array, type_code))
    assert parsed.shape == (3, 4, 5)
    assert parsed.dtype == np.dtype(dtype) and parsed.dtype.isnative
    np.testing.assert_array_equal(parsed, array)


def test_parse_idx_big_endian_dimensions():
    labels = (np.arange(300) % 256).astype(np.uint8)  # a length of 300 needs two bytes
    data = idx_bytes(labels)
    assert data[4:8] == b"\x00\x00\x01\x2c"
    np.testing.assert_array_equal(_idx.parse_idx(data), labels)


def test_load_idx_plain_and_gzip(tmp_path):
    array = np.arange(2 * 28 * 28, dtype=np.uint8).reshape(2, 28, 28)
    (tmp_path / "a-idx3-ubyte").write_bytes(idx_bytes(array))
    (tmp_path / "a-idx3-ubyte.gz").write_bytes(gzip.compress(idx_bytes(array)))
    np.testing.assert_array_equal(_idx.load_idx(tmp_path / "a-idx3-ubyte"), array)
    np.testing.assert_array_equal(_idx.load_idx(str(tmp_path / "a-idx3-ubyte.gz")), array)


@pytest.mark.parametrize("data,message", [
    (b"\x00\x00", "too short"),
    (b"\x1f\x8b\x08\x01\x00\x00\x00\x01", "two zero bytes"),
    (b"\x00\x00\x07\x01\x00\x00\x00\x01\x05", "unknown IDX element type 0x07"),
    (b"\x00\x00\x08\x00", "0 dimensions"),
    (b"\x00\x00\x08\x03\x00\x00\x00\x02", "truncated IDX header"),
    (b"\x00\x00\x08\x01\x00\x00\x00\x05\x01\x02", "truncated: header declares shape (5,)"),
    (b"\x00\x00\x08\x01\x00\x00\x00\x01\x01\x02", "trailing bytes"),
])
def test_parse_idx_rejects_malformed_files(data, message):
    with pytest.raises(ValueError, match="bad-file") as info:
        _idx.parse_idx(data, name="bad-file")
    assert message in str(info.value)


def test_load_idx_corrupt_gzip(tmp_path):
    path = tmp_path / "broken.gz"
    path.write_bytes(gzip.compress(idx_bytes(np.zeros((4, 4), np.uint8)))[:-10])
    with pytest.raises(ValueError, match="corrupt gzip"):
        _idx.load_idx(path)
    path.write_bytes(b"this is not gzip at all")
    with pytest.raises(ValueError, match="broken.gz"):
        _idx.load_idx(path)


# ----------------------------------------------------------------------------- cache folder

def test_datasets_dir_environment_variables(monkeypatch, tmp_path):
    monkeypatch.delenv("NUMNET_DATASETS_DIR", raising=False)
    monkeypatch.delenv("NUMNET_HOME", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert datasets.datasets_dir() == tmp_path / "home" / ".numnet" / "datasets"
    monkeypatch.setenv("NUMNET_HOME", str(tmp_path / "nh"))
    assert datasets.datasets_dir() == tmp_path / "nh" / "datasets"
    monkeypatch.setenv("NUMNET_DATASETS_DIR", str(tmp_path / "dd"))
    assert datasets.datasets_dir() == tmp_path / "dd"


# ----------------------------------------------------------------------------- mnist

def write_npz(path, n_train=6, n_test=4, **override):
    rng = np.random.default_rng(1)
    arrays = {
        "x_train": rng.integers(0, 256, (n_train, 28, 28)).astype(np.uint8),
        "y_train": rng.integers(0, 10, n_train).astype(np.uint8),
        "x_test": rng.integers(0, 256, (n_test, 28, 28)).astype(np.uint8),
        "y_test": rng.integers(0, 10, n_test).astype(np.uint8),
    }
    arrays.update(override)
    arrays = {k: v for k, v in arrays.items() if v is not None}
    path.parent.mkdir(parents=True, exist_ok=True)
    buffer = io.BytesIO()
    np.savez_compressed(buffer, **arrays)
    path.write_bytes(buffer.getvalue())
    return arrays, sha256(buffer.getvalue())


def test_mnist_loads_verified_cached_file(cache, monkeypatch):
    arrays, digest = write_npz(cache / "mnist.npz")
    monkeypatch.setattr(mnist, "SHA256", digest)
    (x_train, y_train), (x_test, y_test) = mnist.load_data()
    for name, got in zip(("x_train", "y_train", "x_test", "y_test"), (x_train, y_train, x_test, y_test)):
        np.testing.assert_array_equal(got, arrays[name])
        assert got.dtype == np.uint8
    assert x_train.shape == (6, 28, 28) and y_test.shape == (4,)


def test_mnist_path_argument_relative_and_absolute(cache, monkeypatch, tmp_path):
    arrays, digest = write_npz(cache / "other.npz")
    monkeypatch.setattr(mnist, "SHA256", digest)
    np.testing.assert_array_equal(mnist.load_data(path="other.npz")[0][0], arrays["x_train"])
    elsewhere = tmp_path / "elsewhere" / "m.npz"
    arrays2, digest2 = write_npz(elsewhere, n_train=3)
    monkeypatch.setattr(mnist, "SHA256", digest2)
    assert mnist.load_data(path=str(elsewhere))[0][0].shape == (3, 28, 28)


def test_mnist_checksum_mismatch(cache):
    write_npz(cache / "mnist.npz")
    with pytest.raises(ValueError, match="SHA-256 mismatch") as info:
        mnist.load_data()
    assert mnist.SHA256 in str(info.value) and "mnist.npz" in str(info.value)


def test_mnist_archive_missing_arrays(cache, monkeypatch):
    _, digest = write_npz(cache / "mnist.npz", y_test=None)
    monkeypatch.setattr(mnist, "SHA256", digest)
    with pytest.raises(ValueError, match=r"missing arrays \['y_test'\]"):
        mnist.load_data()


def test_mnist_archive_inconsistent_shapes(cache, monkeypatch):
    _, digest = write_npz(cache / "mnist.npz", y_train=np.zeros(5, np.uint8))
    monkeypatch.setattr(mnist, "SHA256", digest)
    with pytest.raises(ValueError, match="train arrays have shapes"):
        mnist.load_data()


def test_mnist_offline_error_says_where_to_put_the_file(cache, monkeypatch):
    monkeypatch.setattr(_download, "_download_url", offline)
    with pytest.raises(datasets.DownloadError) as info:
        mnist.load_data()
    message = str(info.value)
    assert "name resolution" in message
    assert str(cache / "mnist.npz") in message
    assert mnist.ORIGINS[0] in message and mnist.SHA256 in message
    assert "NUMNET_DATASETS_DIR" in message
    assert isinstance(info.value, OSError)
    assert os.listdir(cache) == []  # no partial file left behind


def test_download_is_verified_and_atomic(cache, monkeypatch):
    payload = io.BytesIO()
    np.savez(payload, x_train=np.ones((2, 28, 28), np.uint8), y_train=np.ones(2, np.uint8),
             x_test=np.zeros((1, 28, 28), np.uint8), y_test=np.zeros(1, np.uint8))
    payload = payload.getvalue()
    calls = []

    def fake_download(url, out):
        calls.append(url)
        assert not (cache / "mnist.npz").exists()  # the final name appears only when complete
        out.write(payload[:100])
        out.write(payload[100:])

    monkeypatch.setattr(_download, "_download_url", fake_download)
    monkeypatch.setattr(mnist, "SHA256", sha256(payload))
    (x_train, _), (x_test, _) = mnist.load_data()
    assert calls == list(mnist.ORIGINS)
    assert x_train.shape == (2, 28, 28) and x_test.shape == (1, 28, 28)
    assert sorted(os.listdir(cache)) == ["mnist.npz"]
    # second load comes from the cache
    monkeypatch.setattr(_download, "_download_url", offline)
    assert mnist.load_data()[0][0].shape == (2, 28, 28)


def test_download_with_wrong_checksum_is_discarded(cache, monkeypatch):
    monkeypatch.setattr(_download, "_download_url", lambda url, out: out.write(b"<html>captive portal</html>"))
    with pytest.raises(datasets.DownloadError, match="SHA-256 mismatch"):
        mnist.load_data()
    assert os.listdir(cache) == []


def test_download_interrupted_leaves_nothing(cache, monkeypatch):
    def broken(url, out):
        out.write(b"partial")
        raise ConnectionResetError("connection reset by peer")

    monkeypatch.setattr(_download, "_download_url", broken)
    with pytest.raises(datasets.DownloadError, match="connection reset"):
        mnist.load_data()
    assert os.listdir(cache) == []


def test_unwritable_cache_folder_is_a_clear_error(tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("NUMNET_DATASETS_DIR", str(blocker / "sub"))
    with pytest.raises(datasets.DownloadError, match="Cannot create the dataset cache folder"):
        mnist.load_data()


# ----------------------------------------------------------------------------- fashion_mnist

def write_fashion(folder, monkeypatch, n_train=5, n_test=3, rows=28, cols=28, labels_train=None, gz=True):
    rng = np.random.default_rng(2)
    arrays = {
        "train-images-idx3-ubyte.gz": rng.integers(0, 256, (n_train, rows, cols)).astype(np.uint8),
        "train-labels-idx1-ubyte.gz": (rng.integers(0, 10, n_train) if labels_train is None
                                       else labels_train).astype(np.uint8),
        "t10k-images-idx3-ubyte.gz": rng.integers(0, 256, (n_test, rows, cols)).astype(np.uint8),
        "t10k-labels-idx1-ubyte.gz": rng.integers(0, 10, n_test).astype(np.uint8),
    }
    folder.mkdir(parents=True, exist_ok=True)
    hashes = {}
    for name, array in arrays.items():
        data = gzip.compress(idx_bytes(array)) if gz else idx_bytes(array)
        (folder / name).write_bytes(data)
        hashes[name] = sha256(data)
    monkeypatch.setattr(fashion_mnist, "FILES", hashes)
    return arrays


def test_fashion_mnist_loads_idx_files(cache, monkeypatch):
    arrays = write_fashion(cache / "fashion-mnist", monkeypatch)
    (x_train, y_train), (x_test, y_test) = fashion_mnist.load_data()
    np.testing.assert_array_equal(x_train, arrays["train-images-idx3-ubyte.gz"])
    np.testing.assert_array_equal(y_train, arrays["train-labels-idx1-ubyte.gz"])
    np.testing.assert_array_equal(x_test, arrays["t10k-images-idx3-ubyte.gz"])
    np.testing.assert_array_equal(y_test, arrays["t10k-labels-idx1-ubyte.gz"])
    assert x_train.dtype == y_train.dtype == np.uint8
    assert x_train.shape == (5, 28, 28) and y_test.shape == (3,)
    assert len(fashion_mnist.CLASS_NAMES) == 10


def test_fashion_mnist_image_label_count_mismatch(cache, monkeypatch):
    write_fashion(cache / "fashion-mnist", monkeypatch, labels_train=np.zeros(4))
    with pytest.raises(ValueError, match="has 5 images but train-labels-idx1-ubyte.gz has 4 labels"):
        fashion_mnist.load_data()


def test_fashion_mnist_corrupt_idx(cache, monkeypatch):
    folder = cache / "fashion-mnist"
    write_fashion(folder, monkeypatch)
    bad = gzip.compress(b"\x00\x00\x08\x03" + struct.pack(">3I", 10, 28, 28) + b"\x00" * 100)
    (folder / "train-images-idx3-ubyte.gz").write_bytes(bad)
    monkeypatch.setitem(fashion_mnist.FILES, "train-images-idx3-ubyte.gz", sha256(bad))
    with pytest.raises(ValueError, match="train-images-idx3-ubyte.gz: IDX data truncated"):
        fashion_mnist.load_data()


def test_fashion_mnist_checksum_mismatch(cache, monkeypatch):
    folder = cache / "fashion-mnist"
    write_fashion(folder, monkeypatch)
    monkeypatch.setitem(fashion_mnist.FILES, "t10k-labels-idx1-ubyte.gz", "0" * 64)
    with pytest.raises(ValueError, match="t10k-labels-idx1-ubyte.gz: SHA-256 mismatch"):
        fashion_mnist.load_data()


def test_fashion_mnist_offline_tries_every_mirror(cache, monkeypatch):
    tried = []

    def offline_logged(url, out):
        tried.append(url)
        offline(url, out)

    monkeypatch.setattr(_download, "_download_url", offline_logged)
    with pytest.raises(datasets.DownloadError) as info:
        fashion_mnist.load_data()
    assert tried == [m + "train-images-idx3-ubyte.gz" for m in fashion_mnist.MIRRORS]
    message = str(info.value)
    assert str(cache / "fashion-mnist" / "train-images-idx3-ubyte.gz") in message
    assert fashion_mnist.FILES["train-images-idx3-ubyte.gz"] in message


def test_published_checksums_are_well_formed():
    for digest in [mnist.SHA256, *fashion_mnist.FILES.values()]:
        assert len(digest) == 64 and int(digest, 16) >= 0


def test_real_downloader_on_a_local_file_url(tmp_path, monkeypatch):
    """The unpatched downloader, fed a file:// URL (no network): streamed, verified, moved into place."""
    arrays, digest = write_npz(tmp_path / "server" / "mnist.npz", n_train=2, n_test=1)
    monkeypatch.setenv("NUMNET_DATASETS_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(mnist, "ORIGINS", ((tmp_path / "server" / "mnist.npz").as_uri(),))
    monkeypatch.setattr(mnist, "SHA256", digest)
    (x_train, _), _ = mnist.load_data()
    np.testing.assert_array_equal(x_train, arrays["x_train"])
    assert sorted(os.listdir(tmp_path / "cache")) == ["mnist.npz"]


def test_truncated_http_response_is_a_download_error(cache, monkeypatch):
    import http.client

    def truncated(url, out):
        raise http.client.IncompleteRead(b"abc", 100)

    monkeypatch.setattr(_download, "_download_url", truncated)
    with pytest.raises(datasets.DownloadError, match="IncompleteRead"):
        mnist.load_data()
    assert os.listdir(cache) == []
