"""Reading weight files in the layouts Keras 3 and Keras 2 write (built here with h5py, no Keras)."""
import json

import h5py
import numpy as np
import pytest

import numnet
from numnet import layers

from numnet import models  # noqa: E402


def cnn(seed=0):
    """Keras-equivalent architecture: Conv2D, BN, pooling, Dropout, Flatten, Dense x2."""
    numnet.utils.set_random_seed(seed)
    return models.Sequential([
        layers.Input(shape=(8, 8, 3)),
        layers.Conv2D(4, 3, activation="relu"),
        layers.BatchNormalization(),
        layers.MaxPooling2D(2),
        layers.Dropout(0.5),
        layers.Flatten(),
        layers.Dense(5, activation="relu"),
        layers.Dense(2),
    ])


# Keras layer keys and per-layer arrays for cnn(), in Keras's variable order.
def keras_arrays(seed=7):
    rng = np.random.default_rng(seed)
    f = lambda *s: rng.normal(size=s).astype("float32")  # noqa: E731
    return [
        ("conv2d", [f(3, 3, 3, 4), f(4)]),
        ("batch_normalization", [rng.uniform(0.5, 2, 4).astype("float32"), f(4), f(4),
                                 rng.uniform(0.5, 2, 4).astype("float32")]),
        ("max_pooling2d", []), ("dropout", []), ("flatten", []),
        ("dense", [f(36, 5), f(5)]),
        ("dense_1", [f(5, 2), f(2)]),
    ]


KERAS2_NAMES = {"kernel": "kernel:0", "bias": "bias:0"}
BN_NAMES = ["gamma:0", "beta:0", "moving_mean:0", "moving_variance:0"]


def write_keras3(path, entries, with_name_attr=True):
    with h5py.File(path, "w") as f:
        f.create_group("vars")
        for key, arrays in entries:
            g = f.create_group(f"layers/{key}/vars")
            if with_name_attr:
                g.attrs["name"] = key
            for i, a in enumerate(arrays):
                g.create_dataset(str(i), data=a)
        opt = f.create_group("optimizer/vars")
        opt.create_dataset("0", data=np.int64(12))
        f.attrs["date_saved"] = "2025-01-01@00:00:00"


def _keras2_weight_names(key, arrays):
    if key.startswith("batch_normalization"):
        return [f"{key}/{n}" for n in BN_NAMES]
    return [f"{key}/{n}" for n in ("kernel:0", "bias:0")][: len(arrays)]


def write_keras2(path, entries, full_model=False):
    with h5py.File(path, "w") as f:
        root = f
        if full_model:
            f.attrs["model_config"] = json.dumps({"class_name": "Sequential", "config": {}}).encode()
            f.attrs["training_config"] = b"{}"
            root = f.create_group("model_weights")
        root.attrs["layer_names"] = np.array([k.encode() for k, _ in entries])
        root.attrs["backend"] = b"tensorflow"
        root.attrs["keras_version"] = b"2.15.0"
        for key, arrays in entries:
            g = root.create_group(key)
            names = _keras2_weight_names(key, arrays)
            g.attrs["weight_names"] = np.array([n.encode() for n in names]) if names else np.array([])
            for n, a in zip(names, arrays):
                g.create_dataset(n, data=a)


def reference(entries, builder=cnn, seed=3):
    model = builder(seed)
    model.set_weights([a for _, arrays in entries for a in arrays])
    return model


def _x(seed=0):
    return np.random.default_rng(seed).normal(size=(4, 8, 8, 3)).astype("float32")


@pytest.mark.parametrize("with_name_attr", [True, False], ids=["keras>=3.6", "keras<3.6"])
def test_keras3_weights_file(tmp_path, with_name_attr):
    entries = keras_arrays()
    path = tmp_path / "k3.weights.h5"
    write_keras3(path, entries, with_name_attr)
    model = cnn(1)
    model.load_weights(path)
    expected = reference(entries)
    assert np.array_equal(model.predict(_x(), verbose=0), expected.predict(_x(), verbose=0))
    assert all(np.array_equal(a, b) for a, b in zip(model.get_weights(), expected.get_weights()))


@pytest.mark.parametrize("full_model", [False, True], ids=["save_weights", "model.save"])
def test_keras2_h5_file(tmp_path, full_model):
    entries = keras_arrays(8)
    path = tmp_path / "k2.h5"
    write_keras2(path, entries, full_model)
    model = cnn(1)
    model.load_weights(path)
    expected = reference(entries)
    assert np.array_equal(model.predict(_x(), verbose=0), expected.predict(_x(), verbose=0))


def test_keras3_mismatch_names_layer_and_shapes(tmp_path):
    entries = keras_arrays()
    entries[5] = ("dense", [np.zeros((36, 6), "float32"), np.zeros(6, "float32")])
    path = tmp_path / "k3.weights.h5"
    write_keras3(path, entries)
    model = cnn(1)
    before = model.get_weights()
    with pytest.raises(ValueError, match=r"dense.*\(36, 5\).*\(36, 6\)"):
        model.load_weights(path)
    assert all(np.array_equal(a, b) for a, b in zip(before, model.get_weights()))
    with pytest.warns(UserWarning, match="Skipping"):
        model.load_weights(path, skip_mismatch=True)
    after = model.get_weights()
    assert np.array_equal(after[0], entries[0][1][0]) and np.array_equal(after[6], before[6])


def test_keras3_missing_layer(tmp_path):
    entries = [e for e in keras_arrays() if e[0] != "dense_1"]
    path = tmp_path / "k3.weights.h5"
    write_keras3(path, entries)
    model = cnn(1)
    before = model.get_weights()
    with pytest.raises(ValueError, match="dense_1|#7"):
        model.load_weights(path)
    assert all(np.array_equal(a, b) for a, b in zip(before, model.get_weights()))


def test_keras2_layer_count_mismatch(tmp_path):
    entries = [e for e in keras_arrays() if e[0] != "dense_1"]
    path = tmp_path / "k2.h5"
    write_keras2(path, entries)
    model = cnn(1)
    before = model.get_weights()
    with pytest.raises(ValueError, match="Dense"):
        model.load_weights(path)
    assert all(np.array_equal(a, b) for a, b in zip(before, model.get_weights()))


# ----- nested models -------------------------------------------------------------------------------------
def nested(seed=0):
    """Functional model wrapping a Sequential block of (BatchNormalization, Dense)."""
    numnet.utils.set_random_seed(seed)
    block = models.Sequential([layers.Input(shape=(4,)), layers.BatchNormalization(), layers.Dense(3)])
    x = layers.Input(shape=(4,))
    y = layers.Dense(2)(block(layers.Dense(4)(x)))
    return models.Model(x, y)


def _nested_arrays(seed=5):
    rng = np.random.default_rng(seed)
    f = lambda *s: rng.normal(size=s).astype("float32")  # noqa: E731
    bn = [rng.uniform(0.5, 2, 4).astype("float32"), f(4), f(4), rng.uniform(0.5, 2, 4).astype("float32")]
    return f(4, 4), f(4), bn, f(4, 3), f(3), f(3, 2), f(2)


def test_keras3_nested_model(tmp_path):
    k1, b1, bn, k2, b2, k3, b3 = _nested_arrays()
    path = tmp_path / "nested.weights.h5"
    with h5py.File(path, "w") as f:
        for key, arrays in [("layers/dense", [k1, b1]), ("layers/sequential/layers/batch_normalization", bn),
                            ("layers/sequential/layers/dense", [k2, b2]), ("layers/dense_1", [k3, b3])]:
            g = f.create_group(key + "/vars")
            for i, a in enumerate(arrays):
                g.create_dataset(str(i), data=a)
        f.create_group("layers/input_layer/vars")
        f.create_group("layers/sequential/vars")
    model = nested(1)
    model.load_weights(path)
    expected = nested(2)
    expected.set_weights([k1, b1, *bn, k2, b2, k3, b3])
    x = np.random.default_rng(0).normal(size=(5, 4)).astype("float32")
    assert np.array_equal(model.predict(x, verbose=0), expected.predict(x, verbose=0))


def test_keras2_nested_model_uses_trainable_first_order(tmp_path):
    k1, b1, bn, k2, b2, k3, b3 = _nested_arrays(6)
    path = tmp_path / "nested.h5"
    with h5py.File(path, "w") as f:
        f.attrs["layer_names"] = np.array([b"input_1", b"dense", b"sequential", b"dense_2"])
        f.create_group("input_1").attrs["weight_names"] = np.array([])
        groups = {
            "dense": [("dense/kernel:0", k1), ("dense/bias:0", b1)],
            # Keras 2 lists a nested model's trainable weights first, then the non-trainable ones.
            "sequential": [("batch_normalization/gamma:0", bn[0]), ("batch_normalization/beta:0", bn[1]),
                           ("dense_1/kernel:0", k2), ("dense_1/bias:0", b2),
                           ("batch_normalization/moving_mean:0", bn[2]),
                           ("batch_normalization/moving_variance:0", bn[3])],
            "dense_2": [("dense_2/kernel:0", k3), ("dense_2/bias:0", b3)],
        }
        for name, items in groups.items():
            g = f.create_group(name)
            g.attrs["weight_names"] = np.array([n.encode() for n, _ in items])
            for n, a in items:
                g.create_dataset(n, data=a)
    model = nested(1)
    model.load_weights(path)
    expected = nested(2)
    expected.set_weights([k1, b1, *bn, k2, b2, k3, b3])
    x = np.random.default_rng(0).normal(size=(5, 4)).astype("float32")
    assert np.array_equal(model.predict(x, verbose=0), expected.predict(x, verbose=0))


def test_keras_files_are_checked_for_safety_too(tmp_path):
    entries = keras_arrays()
    path = tmp_path / "k3.weights.h5"
    write_keras3(path, entries)
    with h5py.File(path, "r+") as f:
        del f["layers/dense/vars/0"]
        f["layers/dense/vars/0"] = h5py.ExternalLink(str(tmp_path / "other.h5"), "/x")
    model = cnn(1)
    before = model.get_weights()
    with pytest.raises(ValueError, match="external link"):
        model.load_weights(path)
    assert all(np.array_equal(a, b) for a, b in zip(before, model.get_weights()))


def test_keras_dataset_missing_from_layer_names(tmp_path):
    path = tmp_path / "k2.h5"
    write_keras2(path, keras_arrays())
    with h5py.File(path, "r+") as f:
        del f["dense/dense/kernel:0"]
    with pytest.raises(ValueError, match="kernel:0"):
        cnn(1).load_weights(path)


def test_keras2_long_name_lists_split_into_numbered_attributes(tmp_path):
    """Keras 2 splits `layer_names`/`weight_names` that exceed an HDF5 object header into
    `layer_names0`, `layer_names1`, ... (big models); those files load too."""
    entries = keras_arrays(9)
    path = tmp_path / "k2.h5"
    write_keras2(path, entries, full_model=True)
    with h5py.File(path, "r+") as f:
        root = f["model_weights"]
        names = root.attrs["layer_names"]
        del root.attrs["layer_names"]
        root.attrs["layer_names0"], root.attrs["layer_names1"] = names[:3], names[3:]
        bn = root["batch_normalization"]
        weight_names = bn.attrs["weight_names"]
        del bn.attrs["weight_names"]
        for i in range(4):
            bn.attrs[f"weight_names{i}"] = weight_names[i:i + 1]
    model = cnn(1)
    model.load_weights(path)
    expected = reference(entries)
    assert np.array_equal(model.predict(_x(), verbose=0), expected.predict(_x(), verbose=0))


def test_keras3_vars_are_sorted_numerically(tmp_path):
    from numnet.saving import h5_io, keras_weights

    path = tmp_path / "v.h5"
    with h5py.File(path, "w") as f:
        g = f.create_group("layers/x/vars")
        for i in (11, 2, 0, 10, 1, 3, 4, 5, 6, 7, 8, 9):
            g.create_dataset(str(i), data=np.full(2, i, "float32"))
    with h5_io.open_h5(path) as f:
        arrays = keras_weights._vars_arrays(f["layers/x"], str(path))
    assert [int(a[0]) for a in arrays] == list(range(12))


def test_fuzz_keras3_file_without_checksum(tmp_path):
    """Keras files carry no checksum, so damage reaches h5py and the layout readers: still only
    OSError/ValueError, and a failed load leaves the model as it was."""
    entries = keras_arrays(4)
    good_path = tmp_path / "good.weights.h5"
    write_keras3(good_path, entries)
    good = good_path.read_bytes()
    expected = reference(entries).get_weights()
    target = cnn(1)
    original = target.get_weights()
    rng = np.random.default_rng(77)
    path = tmp_path / "fuzz.weights.h5"
    outcomes = {"error": 0, "loaded": 0}
    for case in range(120):
        buf = bytearray(good)
        if case % 6 == 5:
            buf = buf[: int(rng.integers(0, len(buf)))]
        else:
            for _ in range(int(rng.integers(1, 6))):
                pos = int(rng.integers(0, 4096)) if case % 2 else int(rng.integers(0, len(buf)))
                buf[pos] ^= int(rng.integers(1, 256))
        path.write_bytes(bytes(buf))
        target.set_weights(original)
        try:
            target.load_weights(path)
        except (OSError, ValueError):
            outcomes["error"] += 1
            assert all(np.array_equal(a, b) for a, b in zip(target.get_weights(), original)), f"case {case}"
        else:
            outcomes["loaded"] += 1
            got = target.get_weights()
            # without a checksum, flipped data bytes load as (different) numbers: same shapes, all assigned
            assert [a.shape for a in got] == [b.shape for b in expected], f"case {case}"
            assert not any(np.array_equal(a, b) and not np.array_equal(a, c)
                           for a, b, c in zip(got, original, expected)), f"case {case}: half loaded"
    assert outcomes["error"] >= 20 and outcomes["loaded"] >= 10, outcomes


def test_keras3_legacy_h5_with_variable_length_string_attributes(tmp_path):
    """Keras 3's `model.save('x.h5')` writes the Keras 2 layout with variable-length string
    attributes and weight paths such as `sequential/conv2d/kernel` (no `:0`)."""
    entries = keras_arrays(10)
    path = tmp_path / "legacy.h5"
    text = h5py.string_dtype()
    with h5py.File(path, "w") as f:
        f.attrs["model_config"] = json.dumps({"class_name": "Sequential", "config": {}})
        root = f.create_group("model_weights")
        root.attrs.create("layer_names", np.array([k for k, _ in entries], dtype=object), dtype=text)
        for key, arrays in entries:
            g = root.create_group(key)
            short = ["gamma", "beta", "moving_mean", "moving_variance"] if key.startswith("batch") else ["kernel", "bias"]
            names = [f"sequential/{key}/{n}" for n in short[: len(arrays)]]
            g.attrs.create("weight_names", np.array(names, dtype=object), dtype=text)
            for n, a in zip(names, arrays):
                g.create_dataset(n, data=a)
    model = cnn(1)
    model.load_weights(path)
    expected = reference(entries)
    assert np.array_equal(model.predict(_x(), verbose=0), expected.predict(_x(), verbose=0))
