"""Keras 3 utilities and aliases: pad_sequences, Progbar, get_file, register_keras_serializable,
models.save_model, and the top-level numnet.Loss/Metric/... names."""
import hashlib
import io
import os
import tarfile

import numpy as np
import pytest

import numnet as keras
from numnet.datasets import _download
from numnet.utils import Progbar, get_file, pad_sequences


class _TTY(io.StringIO):
    def isatty(self):
        return True


# ----- pad_sequences -----------------------------------------------------------------------------
def test_pad_sequences_defaults_pad_and_truncate_at_the_start():
    out = pad_sequences([[1, 2, 3], [4, 5], [6]])
    assert out.dtype == np.int32
    np.testing.assert_array_equal(out, [[1, 2, 3], [0, 4, 5], [0, 0, 6]])
    np.testing.assert_array_equal(pad_sequences([[1, 2, 3, 4], [5]], maxlen=2), [[3, 4], [0, 5]])


def test_pad_sequences_post_value_dtype_and_entry_shapes():
    out = pad_sequences([[1, 2, 3, 4], [5]], maxlen=3, padding="post", truncating="post", value=-1)
    np.testing.assert_array_equal(out, [[1, 2, 3], [5, -1, -1]])
    f = pad_sequences([[0.5, 1.5]], maxlen=3, dtype="float32", value=0.25)
    assert f.dtype == np.float32 and np.allclose(f, [[0.25, 0.5, 1.5]])
    v = pad_sequences([np.ones((2, 3)), np.ones((1, 3))])
    assert v.shape == (2, 2, 3) and v[1, 0].sum() == 0
    s = pad_sequences([["a", "b"], ["c"]], dtype=object, value="<pad>")
    assert s.tolist() == [["a", "b"], ["<pad>", "c"]]
    assert pad_sequences([]).shape == (0, 0)
    assert pad_sequences([[], [1]]).tolist() == [[0], [1]]


def test_pad_sequences_errors():
    with pytest.raises(ValueError, match="padding"):
        pad_sequences([[1]], padding="middle")
    with pytest.raises(ValueError, match="truncating"):
        pad_sequences([[1]], truncating="both")
    with pytest.raises(ValueError, match="string"):
        pad_sequences([[1]], value="x")
    with pytest.raises(ValueError, match="shape"):
        pad_sequences([np.ones((2, 3)), np.ones((1, 4))])
    with pytest.raises(ValueError, match="sequences"):
        pad_sequences([1, 2])


# ----- Progbar -------------------------------------------------------------------------------------
def test_progbar_plain_stream_writes_one_averaged_line():
    s = io.StringIO()
    bar = Progbar(4, stream=s)
    for i, loss in enumerate([4.0, 2.0, 1.0, 1.0]):
        bar.update(i + 1, [("loss", loss), ("acc", 0.5 * (i + 1))])
    text = s.getvalue()
    assert text.count("\n") == 1 and "\r" not in text
    assert text.startswith("4/4 [====================]") and "loss: 2.0000" in text and "acc: 1.2500" in text


def test_progbar_stateful_metrics_add_and_verbose_modes():
    s = io.StringIO()
    bar = Progbar(None, verbose=2, stateful_metrics=["lr"], stream=s)
    bar.add(2, [("loss", 1.0), ("lr", 0.1)])
    bar.add(2, [("loss", 3.0), ("lr", 0.01)])
    assert s.getvalue() == ""
    bar.update(4, finalize=True)
    assert s.getvalue().startswith("4/Unknown - ") and "loss: 2.0000" in s.getvalue() and "lr: 0.0100" in s.getvalue()
    quiet = io.StringIO()
    b = Progbar(2, verbose=0, stream=quiet)
    b.update(2)
    assert quiet.getvalue() == ""
    with pytest.raises(ValueError, match="verbose"):
        Progbar(3, verbose=3)


def test_progbar_redraws_in_place_on_a_terminal_unless_disabled():
    t = _TTY()
    bar = Progbar(3, interval=0.0, width=10, stream=t)
    bar.update(1)
    bar.update(2)
    bar.update(3)
    assert t.getvalue().count("\r") == 3 and "ETA" in t.getvalue() and t.getvalue().endswith("\n")
    keras.config.disable_interactive_logging()
    try:
        t2 = _TTY()
        bar = Progbar(3, interval=0.0, stream=t2)
        bar.update(1)
        bar.update(3)
        assert "\r" not in t2.getvalue() and t2.getvalue().count("\n") == 1
    finally:
        keras.config.enable_interactive_logging()


# ----- get_file ------------------------------------------------------------------------------------
@pytest.fixture
def source(tmp_path):
    path = tmp_path / "src" / "data.bin"
    path.parent.mkdir()
    path.write_bytes(b"numnet get_file test payload" * 10)
    return path


def test_get_file_downloads_verifies_and_caches(tmp_path, source, monkeypatch):
    calls = []
    real = _download._download_url
    monkeypatch.setattr(_download, "_download_url", lambda url, out: (calls.append(url), real(url, out)))
    sha = hashlib.sha256(source.read_bytes()).hexdigest()
    path = get_file("copy.bin", source.as_uri(), file_hash=sha, cache_dir=tmp_path / "cache", cache_subdir="sub")
    assert path == str(tmp_path / "cache" / "sub" / "copy.bin")
    assert open(path, "rb").read() == source.read_bytes()
    get_file("copy.bin", source.as_uri(), file_hash=sha, cache_dir=tmp_path / "cache", cache_subdir="sub")
    assert len(calls) == 1
    get_file("copy.bin", source.as_uri(), cache_dir=tmp_path / "cache", cache_subdir="sub", force_download=True)
    assert len(calls) == 2


def test_get_file_default_folder_md5_and_name_from_origin(tmp_path, source, monkeypatch):
    monkeypatch.setenv("NUMNET_DATASETS_DIR", str(tmp_path / "ds"))
    md5 = hashlib.md5(source.read_bytes()).hexdigest()
    path = get_file(origin=source.as_uri(), md5_hash=md5)
    assert path == str(tmp_path / "ds" / "data.bin")


def test_get_file_bad_hash_leaves_nothing_and_stale_cache_is_refetched(tmp_path, source):
    with pytest.raises(ValueError, match="corrupted"):
        get_file("x.bin", source.as_uri(), file_hash="0" * 64, cache_dir=tmp_path)
    assert os.listdir(tmp_path / "datasets") == []
    stale = tmp_path / "datasets" / "x.bin"
    stale.write_bytes(b"old")
    sha = hashlib.sha256(source.read_bytes()).hexdigest()
    get_file("x.bin", source.as_uri(), file_hash=sha, cache_dir=tmp_path)
    assert stale.read_bytes() == source.read_bytes()
    with pytest.raises(ValueError, match="origin"):
        get_file("x.bin")
    with pytest.raises(_download.DownloadError):
        get_file("y.bin", (tmp_path / "missing").as_uri(), cache_dir=tmp_path)


def test_get_file_extracts_archives_safely(tmp_path, source):
    archive = tmp_path / "a.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(source, arcname="folder/data.bin")
    path = get_file("a.tar.gz", archive.as_uri(), extract=True, cache_dir=tmp_path / "c")
    assert (tmp_path / "c" / "datasets" / "folder" / "data.bin").read_bytes() == source.read_bytes()
    assert path.endswith("a.tar.gz")
    evil = tmp_path / "evil.tar"
    with tarfile.open(evil, "w") as tar:
        tar.add(source, arcname="../escaped.bin")
    with pytest.raises(ValueError, match="unsafe"):
        get_file("evil.tar", evil.as_uri(), extract=True, cache_dir=tmp_path / "c")
    assert not (tmp_path / "c" / "escaped.bin").exists()


# ----- aliases -------------------------------------------------------------------------------------
def test_top_level_and_utils_aliases():
    assert keras.Loss is keras.losses.Loss and keras.Metric is keras.metrics.Metric
    assert keras.Optimizer is keras.optimizers.Optimizer and keras.Initializer is keras.initializers.Initializer
    assert keras.Regularizer is keras.regularizers.Regularizer
    assert isinstance(keras.Input((2,)), keras.KerasTensor)
    assert keras.version() == keras.__version__
    assert keras.utils.register_keras_serializable is keras.saving.register_keras_serializable
    assert keras.utils.custom_object_scope is keras.saving.custom_object_scope


def test_models_save_model(tmp_path):
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    x = np.random.default_rng(0).normal(size=(4, 3)).astype(np.float32)
    keras.models.save_model(model, tmp_path / "m.h5")
    np.testing.assert_array_equal(keras.models.load_model(tmp_path / "m.h5").predict(x, verbose=0),
                                  model.predict(x, verbose=0))
    with pytest.raises(Exception):
        keras.models.save_model(model, tmp_path / "m.h5", overwrite=False)
