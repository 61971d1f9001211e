"""Keras 3's native `.keras` format (zip of metadata.json, config.json, model.weights.h5).

Round trips numnet -> .keras -> numnet (bit-identical predictions, exact resume), the zip and
JSON layout Keras 3 writes, files laid out exactly as Keras 3.15 writes them (built here with
zipfile + h5py, checked against NumPy references), hostile archives, and old `.keras` files
that hold numnet's HDF5. Needs no Keras (tests/parity/test_keras_parity_keras_format.py
compares with Keras itself).
"""
import io
import json
import os
import struct
import warnings
import zipfile

import h5py
import numpy as np
import pytest

import numnet
from numnet import layers, models, optimizers, saving
from numnet.saving import CorruptFileError, FileLayoutError, UnsafeFileError, keras_archive

from _saving_helpers import data, perturb, same_weights, sequential, snapshot


# ----- model builders ---------------------------------------------------------------------------------------
def mlp(seed=0, dropout_seed=None):
    return sequential(seed, dropout_seed)   # Dense, BatchNormalization, Dropout, Dense


def convnet(seed=0):
    """The Keras MNIST convnet, small."""
    numnet.utils.set_random_seed(seed)
    return models.Sequential([
        layers.Input(shape=(10, 10, 1)),
        layers.Conv2D(4, kernel_size=(3, 3), activation="relu"),
        layers.MaxPooling2D(pool_size=(2, 2)),
        layers.Conv2D(6, kernel_size=(3, 3), activation="relu"),
        layers.MaxPooling2D(pool_size=(2, 2)),
        layers.Flatten(),
        layers.Dropout(0.5),
        layers.Dense(3, activation="softmax"),
    ])


def two_inputs(seed=0):
    numnet.utils.set_random_seed(seed)
    a = layers.Input(shape=(3,), name="a")
    b = layers.Input(shape=(5,), name="b")
    h = layers.Concatenate()([layers.Dense(4, activation="relu")(a), b])
    h = layers.BatchNormalization()(h)
    return models.Model([a, b], layers.Dense(2, name="out")(h))


def embedding_lstm(seed=0):
    numnet.utils.set_random_seed(seed)
    return models.Sequential([
        layers.Input(shape=(7,), dtype="int32"),
        layers.Embedding(20, 6),
        layers.LSTM(5),
        layers.Dense(1),
    ])


def _rng(seed):
    return np.random.default_rng(seed)


BUILDERS = {
    "mlp": (mlp, lambda n=16: data(n)),
    "convnet": (convnet, lambda n=16: _rng(1).normal(size=(n, 10, 10, 1)).astype("float32")),
    "two-inputs": (two_inputs, lambda n=16: [_rng(2).normal(size=(n, 3)).astype("float32"),
                                             _rng(3).normal(size=(n, 5)).astype("float32")]),
    "embedding-lstm": (embedding_lstm, lambda n=16: _rng(4).integers(0, 20, size=(n, 7)).astype("int32")),
}


def _predict(model, x):
    return model.predict(x, verbose=0)


def _members(path):
    with zipfile.ZipFile(path) as zf:
        return {info.filename: zf.read(info) for info in zf.infolist()}


def _weights_file(path):
    return h5py.File(io.BytesIO(_members(path)["model.weights.h5"]), "r")


# ----- round trips ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("kind", list(BUILDERS))
def test_round_trip_is_bit_identical(tmp_path, kind):
    build, inputs = BUILDERS[kind]
    model = build(0)
    x = inputs()
    _predict(model, x)
    perturb(model, 5)
    model.save(tmp_path / "m.keras")
    assert zipfile.is_zipfile(tmp_path / "m.keras")
    loaded = models.load_model(tmp_path / "m.keras")
    assert type(loaded) is type(model)
    assert [type(la).__name__ for la in loaded.layers] == [type(la).__name__ for la in model.layers]
    assert same_weights(snapshot(model), snapshot(loaded))
    assert np.array_equal(_predict(loaded, x), _predict(model, x))
    other = build(3)                                   # the weights into a model built in code
    _predict(other, x)
    other.load_weights(tmp_path / "m.keras")
    assert np.array_equal(_predict(other, x), _predict(model, x))


def test_registered_subclassed_model_round_trip(tmp_path):
    @saving.register_serializable(package="tests_keras_format")
    class TwoTower(models.Model):
        def __init__(self, units=3, **kwargs):
            super().__init__(**kwargs)
            self.units = units
            self.left = layers.Dense(units, activation="relu")
            self.right = [layers.Dense(units), layers.BatchNormalization()]
            self.head = layers.Dense(2)

        def call(self, inputs, training=None):
            r = self.right[1](self.right[0](inputs), training=training)
            return self.head(numnet.ops.concatenate([self.left(inputs), r], axis=-1))

        def get_config(self):
            return {**super().get_config(), "units": self.units}

    numnet.utils.set_random_seed(0)
    model = TwoTower(units=4)
    x = data(8)
    model(x)
    perturb(model, 2)
    model.save(tmp_path / "s.keras")
    with _weights_file(tmp_path / "s.keras") as f:     # Keras's rule: attribute paths, lists keyed
        assert sorted(f["right"].keys()) == ["batch_normalization", "dense"]
        assert f["left/vars/0"].shape == (6, 4) and f["head/vars/0"].shape == (8, 2)
    loaded = models.load_model(tmp_path / "s.keras")
    assert isinstance(loaded, TwoTower) and loaded.units == 4
    assert np.array_equal(_predict(loaded, x), _predict(model, x))


@pytest.mark.parametrize("dropout_seed", [None, 7])
@pytest.mark.parametrize("kind", ["mlp", "two-inputs"])
def test_resume_from_keras_file_is_exact(tmp_path, kind, dropout_seed):
    """1 epoch, save .keras, load, 1 more epoch == 2 epochs without interruption."""
    build, inputs = BUILDERS[kind]
    make = (lambda: mlp(42, dropout_seed)) if kind == "mlp" else (lambda: build(42))
    x = inputs(32)
    y = _rng(9).normal(size=(32, 3 if kind == "mlp" else 2)).astype("float32")

    def run(interrupt):
        model = make()
        model.compile(optimizer=optimizers.Adam(learning_rate=0.01), loss="mse", metrics=["mae"])
        if not interrupt:
            model.fit(x, y, epochs=2, batch_size=8, verbose=0)
            return snapshot(model), model.optimizer.get_state()
        model.fit(x, y, epochs=1, batch_size=8, verbose=0)
        model.save(tmp_path / "ckpt.keras")
        model = models.load_model(tmp_path / "ckpt.keras")
        assert model.optimizer.iterations == 4
        model.fit(x, y, epochs=2, initial_epoch=1, batch_size=8, verbose=0)
        return snapshot(model), model.optimizer.get_state()

    (uninterrupted, opt_a), (resumed, opt_b) = run(False), run(True)
    assert not same_weights(uninterrupted, snapshot(make()))
    assert same_weights(uninterrupted, resumed)
    assert all(np.array_equal(a, b) for a, b in zip(opt_a, opt_b))


def test_compiled_but_untrained_model_round_trips(tmp_path):
    x, y = data(16), np.zeros((16, 3), "float32")
    model = mlp(0)
    model.compile(optimizer=optimizers.SGD(learning_rate=0.1, momentum=0.9), loss="mse")
    model.save(tmp_path / "m.keras")
    with _weights_file(tmp_path / "m.keras") as f:     # only the counters, as Keras writes them
        assert sorted(f["optimizer/vars"].keys(), key=int) == ["0", "1"]
    loaded = models.load_model(tmp_path / "m.keras")
    assert loaded.compiled and loaded.optimizer.iterations == 0
    assert isinstance(loaded.optimizer, optimizers.SGD) and loaded.optimizer.momentum == 0.9
    for m in (model, loaded):
        numnet.utils.set_random_seed(1)
        m.fit(x, y, epochs=1, batch_size=4, verbose=0)
    assert same_weights(snapshot(model), snapshot(loaded))


def test_compile_false_and_include_optimizer_false(tmp_path):
    model = mlp(0)
    model.compile(optimizer="adam", loss="mse")
    model.fit(data(8), np.zeros((8, 3), "float32"), verbose=0)
    model.save(tmp_path / "m.keras", include_optimizer=False)
    with _weights_file(tmp_path / "m.keras") as f:
        assert "optimizer" not in f
    assert not models.load_model(tmp_path / "m.keras", compile=False).compiled
    loaded = models.load_model(tmp_path / "m.keras")
    assert loaded.compiled and loaded.optimizer.iterations == 0


def test_custom_loss_and_metric_through_custom_objects(tmp_path):
    def plain_loss(y_true, y_pred):
        return numnet.ops.mean(numnet.ops.square(y_true - y_pred), axis=-1)

    class Mae(numnet.metrics.Mean):
        def update_state(self, y_true, y_pred, sample_weight=None):
            return super().update_state(numnet.ops.abs(y_true - y_pred))

    x, y = data(16), _rng(2).normal(size=(16, 3)).astype("float32")
    model = models.Sequential([layers.Input(shape=(6,)), layers.Dense(3)])
    model.compile(optimizer="adam", loss=plain_loss, metrics=[Mae()])
    model.fit(x, y, verbose=0)
    model.save(tmp_path / "c.keras")
    with pytest.raises(ValueError, match="custom_objects"):
        models.load_model(tmp_path / "c.keras")
    loaded = models.load_model(tmp_path / "c.keras", custom_objects={"plain_loss": plain_loss, "Mae": Mae})
    assert loaded.evaluate(x, y, verbose=0) == model.evaluate(x, y, verbose=0)


def test_load_model_leaves_global_rng_stream_alone(tmp_path):
    mlp(0).save(tmp_path / "m.keras")
    numnet.utils.set_random_seed(7)
    expected = numnet.utils.random.global_rng().random(3)
    numnet.utils.set_random_seed(7)
    models.load_model(tmp_path / "m.keras")
    assert np.array_equal(numnet.utils.random.global_rng().random(3), expected)


def test_old_keras_named_hdf5_files_still_load(tmp_path):
    """Before numnet wrote Keras's format, `.keras` files held numnet's HDF5: the content decides."""
    model = mlp(0)
    model.compile(optimizer="adam", loss="mse")
    model.fit(data(8), np.zeros((8, 3), "float32"), verbose=0)
    model.save(tmp_path / "old.h5")
    os.replace(tmp_path / "old.h5", tmp_path / "old.keras")
    assert h5py.is_hdf5(tmp_path / "old.keras")
    loaded = models.load_model(tmp_path / "old.keras")
    assert np.array_equal(_predict(loaded, data()), _predict(model, data()))
    assert loaded.optimizer.iterations == model.optimizer.iterations
    other = mlp(3)
    other.load_weights(tmp_path / "old.keras")
    assert same_weights(snapshot(other), snapshot(model))
    # ... and a zip archive named .h5 is read as what it is
    model.save(tmp_path / "new.keras")
    os.replace(tmp_path / "new.keras", tmp_path / "zip.h5")
    assert np.array_equal(_predict(models.load_model(tmp_path / "zip.h5"), data()), _predict(model, data()))


# ----- the layout Keras 3 writes ----------------------------------------------------------------------------
def _keras_object(value):
    return isinstance(value, dict) and {"module", "class_name", "config", "registered_name"} <= set(value)


def test_zip_and_json_layout_match_keras(tmp_path):
    model = two_inputs(0)
    model.compile(optimizer="adam", loss="mse", metrics=["mae"])
    x = BUILDERS["two-inputs"][1](8)
    model.fit(x, np.zeros((8, 2), "float32"), verbose=0)
    model.save(tmp_path / "m.keras")
    with zipfile.ZipFile(tmp_path / "m.keras") as zf:
        infos = zf.infolist()
        assert [i.filename for i in infos] == ["metadata.json", "config.json", "model.weights.h5"]
        assert all(i.compress_type == zipfile.ZIP_STORED for i in infos)
        metadata = json.loads(zf.read("metadata.json"))
        config = json.loads(zf.read("config.json"))
    assert set(metadata) >= {"keras_version", "date_saved"} and metadata["keras_version"].startswith("3.")
    assert set(config) == {"module", "class_name", "config", "registered_name", "build_config", "compile_config"}
    assert (config["module"], config["class_name"], config["registered_name"]) == \
        ("keras.src.models.functional", "Functional", "Functional")
    entries = config["config"]["layers"]
    assert all(_keras_object(e) and "inbound_nodes" in e and "name" in e for e in entries)
    dense = next(e for e in entries if e["class_name"] == "Dense")
    assert dense["module"] == "keras.layers" and dense["registered_name"] is None
    assert dense["config"]["dtype"] == {"module": "keras", "class_name": "DTypePolicy",
                                        "config": {"name": "float32"}, "registered_name": None}
    assert dense["config"]["kernel_initializer"]["module"] == "keras.initializers"
    assert dense["build_config"] == {"input_shape": [None, 3]}
    node = dense["inbound_nodes"][0]["args"][0]
    assert node["class_name"] == "__keras_tensor__" and node["config"]["keras_history"] == ["a", 0, 0]
    assert config["config"]["input_layers"] == [["a", 0, 0], ["b", 0, 0]]
    compile_config = config["compile_config"]
    assert set(compile_config) == {"optimizer", "loss", "loss_weights", "metrics", "weighted_metrics",
                                   "run_eagerly", "steps_per_execution", "jit_compile"}
    assert compile_config["optimizer"]["module"] == "keras.optimizers"
    assert compile_config["optimizer"]["class_name"] == "Adam"
    assert (compile_config["loss"], compile_config["metrics"]) == ("mse", ["mae"])
    with _weights_file(tmp_path / "m.keras") as f:
        assert f["vars"].attrs["name"] == model.name
        assert f["layers/dense/vars"].attrs["name"] == model.layers[2].name       # the first Dense
        assert f["layers/dense/vars/0"].shape == (3, 4) and f["layers/dense_1/vars/0"].shape == (9, 2)
        assert f["layers/dense_1/vars"].attrs["name"] == "out"
        assert [f[f"layers/batch_normalization/vars/{i}"].shape for i in range(4)] == [(9,)] * 4
        assert len(f["layers/concatenate/vars"]) == 0 and len(f["layers/input_layer_1/vars"]) == 0
        opt = f["optimizer/vars"]
        assert opt.attrs["name"] == "adam"
        assert opt["0"][()] == 1 and opt["0"].dtype.kind == "i" and opt["1"].dtype == np.float32
        assert len(opt) == 2 + 2 * len(model.trainable_weights)


def test_lstm_weights_sit_under_the_cell(tmp_path):
    model = embedding_lstm(0)
    model.save(tmp_path / "m.keras")
    with _weights_file(tmp_path / "m.keras") as f:
        assert f["layers/lstm/cell/vars"].attrs["name"] == model.layers[1].cell.name
        assert [f[f"layers/lstm/cell/vars/{i}"].shape for i in range(3)] == [(6, 20), (5, 20), (20,)]
        assert f["layers/embedding/vars/0"].shape == (20, 6)


# ----- files laid out as Keras 3.15 writes them -------------------------------------------------------------
def _policy(shared=None):
    out = {"module": "keras", "class_name": "DTypePolicy", "config": {"name": "float32"}, "registered_name": None}
    if shared:
        out["shared_object_id"] = shared
    return out


def _init(name, **config):
    return {"module": "keras.initializers", "class_name": name, "config": config, "registered_name": None}


def _keras_dense(name, units, activation, in_dim):
    return {"module": "keras.layers", "class_name": "Dense", "config": {
        "name": name, "trainable": True, "dtype": _policy(140001), "units": units, "activation": activation,
        "use_bias": True, "kernel_initializer": _init("GlorotUniform", seed=None, input_axes=None, output_axes=None),
        "bias_initializer": _init("Zeros"), "kernel_regularizer": None, "bias_regularizer": None,
        "kernel_constraint": None, "bias_constraint": None, "quantization_config": None},
        "registered_name": None, "build_config": {"input_shape": [None, in_dim]}}


def _keras_sequential_config():
    """What Keras 3.15 writes for Sequential([Input((4,)), Dense(8, relu), BatchNormalization(),
    Dropout(0.2), Dense(3, softmax)]) compiled with adam / sparse_categorical_crossentropy / accuracy."""
    bn = {"module": "keras.layers", "class_name": "BatchNormalization", "config": {
        "name": "batch_normalization", "trainable": True, "dtype": _policy(140001), "axis": -1, "momentum": 0.99,
        "epsilon": 0.001, "center": True, "scale": True, "beta_initializer": _init("Zeros"),
        "gamma_initializer": _init("Ones"), "moving_mean_initializer": _init("Zeros"),
        "moving_variance_initializer": _init("Ones"), "beta_regularizer": None, "gamma_regularizer": None,
        "beta_constraint": None, "gamma_constraint": None, "synchronized": False, "renorm": False,
        "renorm_clipping": None, "renorm_momentum": 0.99},
        "registered_name": None, "build_config": {"input_shape": [None, 8]}}
    dropout = {"module": "keras.layers", "class_name": "Dropout", "config": {
        "name": "dropout", "trainable": True, "dtype": _policy(140001), "rate": 0.2, "seed": None,
        "noise_shape": None}, "registered_name": None}
    return {
        "module": "keras", "class_name": "Sequential", "registered_name": None,
        "config": {"name": "sequential", "trainable": True, "dtype": _policy(140001), "layers": [
            {"module": "keras.layers", "class_name": "InputLayer", "config": {
                "batch_shape": [None, 4], "dtype": "float32", "sparse": False, "ragged": False,
                "name": "input_layer", "optional": False}, "registered_name": None},
            _keras_dense("dense", 8, "relu", 4), bn, dropout, _keras_dense("dense_1", 3, "softmax", 8)],
            "build_input_shape": [None, 4]},
        "build_config": {"input_shape": [None, 4]},
        "compile_config": {
            "optimizer": {"module": "keras.optimizers", "class_name": "Adam", "config": {
                "name": "adam", "learning_rate": 0.0010000000474974513, "weight_decay": None, "clipnorm": None,
                "global_clipnorm": None, "clipvalue": None, "use_ema": False, "ema_momentum": 0.99,
                "ema_overwrite_frequency": None, "loss_scale_factor": None,
                "gradient_accumulation_steps": None, "beta_1": 0.9, "beta_2": 0.999, "epsilon": 1e-07,
                "amsgrad": False}, "registered_name": None},
            "loss": "sparse_categorical_crossentropy", "loss_weights": None, "metrics": ["accuracy"],
            "weighted_metrics": None, "run_eagerly": False, "steps_per_execution": 1, "jit_compile": True},
    }


def _keras_sequential_arrays(rng):
    w = {"dense": [rng.normal(size=(4, 8)), rng.normal(size=8)],
         "batch_normalization": [rng.uniform(0.5, 2, 8), rng.normal(size=8), rng.normal(size=8),
                                 rng.uniform(0.5, 2, 8)],
         "dense_1": [rng.normal(size=(8, 3)), rng.normal(size=3)]}
    return {k: [np.asarray(a, "float32") for a in v] for k, v in w.items()}


def _write_keras_file(path, config, arrays, optimizer=None, extra_groups=(), metadata=True, members=None):
    """A .keras file exactly as Keras 3 lays it out: zip members, vars groups with name attributes."""
    buffer = io.BytesIO()
    with h5py.File(buffer, "w") as f:
        for key, values in arrays.items():
            group = f.create_group(f"{key}/vars")
            group.attrs["name"] = key.split("/")[-1]
            for i, value in enumerate(values):
                group[str(i)] = value
        for key in extra_groups:
            f.create_group(f"{key}/vars").attrs["name"] = key
        f.create_group("vars").attrs["name"] = config["config"]["name"]
        if optimizer is not None:
            group = f.create_group("optimizer/vars")
            group.attrs["name"] = "adam"
            for i, value in enumerate(optimizer):
                group[str(i)] = value
    contents = members if members is not None else {}
    with zipfile.ZipFile(path, "w") as zf:
        if metadata:
            zf.writestr("metadata.json", json.dumps({"keras_version": "3.15.1", "date_saved": "2026-01-01@00:00:00"}))
        zf.writestr("config.json", json.dumps(config))
        zf.writestr("model.weights.h5", buffer.getvalue())
        for name, raw in contents.items():
            zf.writestr(name, raw)


def _softmax(z):
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def _keras_sequential_reference(w, x):
    h = np.maximum(x @ w["dense"][0] + w["dense"][1], 0)
    gamma, beta, mean, var = w["batch_normalization"]
    h = (h - mean) / np.sqrt(var + 0.001) * gamma + beta
    return _softmax(h @ w["dense_1"][0] + w["dense_1"][1])


def test_reads_a_sequential_file_laid_out_as_keras_writes_it(tmp_path):
    rng = _rng(0)
    w = _keras_sequential_arrays(rng)
    slots = [a for v in (w["dense"], w["batch_normalization"][:2], w["dense_1"])
             for a in v for _ in range(2)]
    optimizer = [np.int32(5), np.float32(0.001)] + [rng.uniform(0, 1, size=s.shape).astype("float32") for s in slots]
    _write_keras_file(tmp_path / "k.keras", _keras_sequential_config(),
                      {f"layers/{k}": v for k, v in w.items()}, optimizer=optimizer,
                      extra_groups=["layers/dropout"])
    model = models.load_model(tmp_path / "k.keras")
    assert [type(la).__name__ for la in model.layers] == ["Dense", "BatchNormalization", "Dropout", "Dense"]
    x = rng.normal(size=(6, 4)).astype("float32")
    np.testing.assert_allclose(_predict(model, x), _keras_sequential_reference(w, x), rtol=1e-5, atol=1e-6)
    assert same_weights(snapshot(model), [a for k in ("dense", "batch_normalization", "dense_1") for a in w[k]])
    assert isinstance(model.optimizer, optimizers.Adam) and model.optimizer.iterations == 5
    state = model.optimizer.get_state()
    assert all(np.array_equal(a, b) for a, b in zip(state[1:], optimizer[1:]))
    assert model.get_compile_config()["loss"] == "sparse_categorical_crossentropy"
    y = rng.integers(0, 3, size=6)
    model.fit(x, y, epochs=1, verbose=0)                    # it trains on from the saved state
    assert model.optimizer.iterations == 6


def test_reads_a_functional_file_laid_out_as_keras_writes_it(tmp_path):
    """Keras orders a functional model's layers by depth ('a', 'dense', 'b', ...), and shares dtypes."""
    def tensor(shape, history):
        return {"class_name": "__keras_tensor__",
                "config": {"shape": shape, "dtype": "float32", "keras_history": history}}

    def node(*args):
        return [{"args": list(args), "kwargs": {}}]

    def inp(name, dim):
        return {"module": "keras.layers", "class_name": "InputLayer", "config": {
            "batch_shape": [None, dim], "dtype": "float32", "sparse": False, "ragged": False, "name": name,
            "optional": False}, "registered_name": None, "name": name, "inbound_nodes": []}

    dense = {**_keras_dense("dense", 4, "relu", 3), "name": "dense",
             "inbound_nodes": node(tensor([None, 3], ["a", 0, 0]))}
    concat = {"module": "keras.layers", "class_name": "Concatenate", "config": {
        "name": "concatenate", "trainable": True, "dtype": _policy(7), "axis": -1}, "registered_name": None,
        "build_config": {"input_shape": [[None, 4], [None, 5]]}, "name": "concatenate",
        "inbound_nodes": node([tensor([None, 4], ["dense", 0, 0]), tensor([None, 5], ["b", 0, 0])])}
    out = {**_keras_dense("out", 2, "linear", 9), "name": "out",
           "inbound_nodes": node(tensor([None, 9], ["concatenate", 0, 0]))}
    config = {"module": "keras.src.models.functional", "class_name": "Functional", "registered_name": "Functional",
              "config": {"name": "functional", "trainable": True, "layers": [inp("a", 3), dense, inp("b", 5),
                                                                              concat, out],
                         "input_layers": [["a", 0, 0], ["b", 0, 0]], "output_layers": ["out", 0, 0]},
              "build_config": {"input_shape": None}, "compile_config": {}}
    rng = _rng(1)
    w = {"layers/dense": [rng.normal(size=(3, 4)).astype("float32"), rng.normal(size=4).astype("float32")],
         "layers/dense_1": [rng.normal(size=(9, 2)).astype("float32"), rng.normal(size=2).astype("float32")]}
    _write_keras_file(tmp_path / "f.keras", config, w,
                      extra_groups=["layers/input_layer", "layers/input_layer_1", "layers/concatenate"])
    model = models.load_model(tmp_path / "f.keras")
    assert not model.compiled
    xa, xb = rng.normal(size=(5, 3)).astype("float32"), rng.normal(size=(5, 5)).astype("float32")
    h = np.concatenate([np.maximum(xa @ w["layers/dense"][0] + w["layers/dense"][1], 0), xb], axis=-1)
    np.testing.assert_allclose(_predict(model, [xa, xb]), h @ w["layers/dense_1"][0] + w["layers/dense_1"][1],
                               rtol=1e-5, atol=1e-6)
    assert np.array_equal(model.get_layer("out").kernel.data, w["layers/dense_1"][0])


# ----- hostile and broken archives --------------------------------------------------------------------------
@pytest.fixture
def keras_file(tmp_path):
    path = tmp_path / "m.keras"
    model = mlp(0)
    model.compile(optimizer="adam", loss="mse")
    model.fit(data(8), np.zeros((8, 3), "float32"), verbose=0)
    model.save(path)
    return path


def _rezip(src, dst, members=None, edit_config=None, drop=(), add=(), names=None):
    """Copy a .keras archive, replacing/dropping/adding members (as an attacker would)."""
    content = _members(src)
    if edit_config is not None:
        content["config.json"] = json.dumps(edit_config(json.loads(content["config.json"]))).encode()
    content.update(members or {})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")                     # zipfile warns about duplicate names
        with zipfile.ZipFile(dst, "w") as zf:
            for name, raw in content.items():
                if name not in drop:
                    zf.writestr((names or {}).get(name, name), raw)
            for name, raw in add:
                zf.writestr(name, raw)
    return dst


def _patch_central_directory(path, member, field_offset, fmt, value):
    """Overwrite a field of `member`'s central-directory record (sizes, flags)."""
    raw = bytearray(open(path, "rb").read())
    start = 0
    while True:
        start = raw.index(b"PK\x01\x02", start)
        name_len = struct.unpack_from("<H", raw, start + 28)[0]
        if raw[start + 46:start + 46 + name_len].decode() == member:
            struct.pack_into(fmt, raw, start + field_offset, value)
            break
        start += 4
    open(path, "wb").write(bytes(raw))


def _unsafe_names(keras_file, tmp_path, name):
    return _rezip(keras_file, tmp_path / "bad.keras", add=[(name, b"x")])


@pytest.mark.parametrize("name", ["../evil.txt", "/etc/passwd", "assets\\..\\evil", "c:/evil", "assets/./x",
                                  "assets//x"])
def test_member_names_that_could_escape_are_refused(keras_file, tmp_path, name):
    bad = _unsafe_names(keras_file, tmp_path, name)
    with pytest.raises(UnsafeFileError, match="not a plain relative path") as info:
        models.load_model(bad)
    assert str(bad) in str(info.value)


def test_duplicate_members_are_refused(keras_file, tmp_path):
    bad = _rezip(keras_file, tmp_path / "bad.keras", add=[("config.json", b'{"class_name": "Dense"}')])
    with pytest.raises(UnsafeFileError, match="two members named 'config.json'"):
        models.load_model(bad)


@pytest.mark.parametrize("member, declared, match", [
    ("model.weights.h5", 0xFFFFFFF0, "zip bomb"),
    ("config.json", 0xFFFFFFF0, "zip bomb"),
    ("config.json", keras_archive.MAX_JSON_BYTES + 1, "at most"),
])
def test_zip_bombs_and_huge_members_are_refused_before_reading(keras_file, tmp_path, member, declared, match):
    bad = _rezip(keras_file, tmp_path / "bad.keras")
    _patch_central_directory(bad, member, 24, "<I", declared)      # uncompressed size
    with pytest.raises(UnsafeFileError, match=match) as info:
        models.load_model(bad)
    assert member in str(info.value) and str(bad) in str(info.value)


def test_real_deflate_bomb_is_refused(tmp_path):
    path = tmp_path / "bomb.keras"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("config.json", b"{}")
        with zf.open("model.weights.h5", "w", force_zip64=True) as f:   # 300 MiB of zeros, ~300 KiB stored
            chunk = bytes(1 << 20)
            for _ in range(300):
                f.write(chunk)
    with pytest.raises(UnsafeFileError, match="zip bomb"):
        models.load_model(path)


@pytest.mark.parametrize("method", [zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA])
def test_bzip2_and_lzma_members_are_refused_before_decompressing(keras_file, tmp_path, method):
    """zipfile expands a whole bzip2/lzma block in one read, whatever size the member declares:
    a few hundred bytes can become gigabytes before any size check runs."""
    bad = tmp_path / "bad.keras"
    with zipfile.ZipFile(bad, "w", compression=method) as zf:
        for name, raw in _members(keras_file).items():
            zf.writestr(name, raw)
    with pytest.raises(UnsafeFileError, match=r"'metadata.json' uses compression method \d+ \((bzip2|lzma)\)") \
            as info:
        models.load_model(bad)
    assert str(bad) in str(info.value)
    deflated = tmp_path / "deflated.keras"                         # deflate is bounded per read: accepted
    with zipfile.ZipFile(deflated, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, raw in _members(keras_file).items():
            zf.writestr(name, raw)
    assert np.array_equal(_predict(models.load_model(deflated), data()), _predict(models.load_model(keras_file), data()))


def test_member_larger_than_declared_is_damaged(keras_file, tmp_path):
    bad = _rezip(keras_file, tmp_path / "bad.keras")
    size = len(_members(keras_file)["config.json"])
    _patch_central_directory(bad, "config.json", 24, "<I", size - 10)
    with pytest.raises(OSError):
        models.load_model(bad)


def test_encrypted_member_is_refused(keras_file, tmp_path):
    bad = _rezip(keras_file, tmp_path / "bad.keras")
    _patch_central_directory(bad, "config.json", 8, "<H", 0x1)    # general purpose flag: encrypted
    with pytest.raises(UnsafeFileError, match="encrypted"):
        models.load_model(bad)


@pytest.mark.parametrize("raw, match", [
    (b"{not json", "not valid JSON"),
    (b"[1, 2]", "JSON object"),
    (b"\xff\xfe{}", "UTF-8"),
    (b"[" * 100000 + b"]" * 100000, "nested too deeply|JSON"),
    (b'{"class_name": 3}', "class_name"),
])
def test_malformed_json_is_a_value_error(keras_file, tmp_path, raw, match):
    bad = _rezip(keras_file, tmp_path / "bad.keras", members={"config.json": raw})
    with pytest.raises(ValueError, match=match):
        models.load_model(bad)


def test_malformed_metadata_is_a_value_error(keras_file, tmp_path):
    bad = _rezip(keras_file, tmp_path / "bad.keras", members={"metadata.json": b"oops"})
    with pytest.raises(ValueError, match="metadata.json"):
        models.load_model(bad)


@pytest.mark.parametrize("drop, match", [
    ("config.json", "no 'config.json' member"),
    ("model.weights.h5", "no 'model.weights.h5' member"),
])
def test_missing_members_are_value_errors(keras_file, tmp_path, drop, match):
    bad = _rezip(keras_file, tmp_path / "bad.keras", drop=[drop])
    with pytest.raises(FileLayoutError, match=match):
        models.load_model(bad)


def test_npz_weights_are_named_in_the_error(keras_file, tmp_path):
    bad = _rezip(keras_file, tmp_path / "bad.keras", names={"model.weights.h5": "model.weights.npz"})
    with pytest.raises(FileLayoutError, match="model.weights.npz"):
        models.load_model(bad)


def _dense_entry(config):
    return config["config"]["layers"][1]


@pytest.mark.parametrize("edit, match", [
    (lambda c: (_dense_entry(c).update(class_name="TextVectorization"), c)[1],
     "'keras.layers.TextVectorization' is not supported by numnet"),
    (lambda c: (_dense_entry(c).update(module="os", class_name="system"), c)[1], "'system' from module 'os'"),
    (lambda c: (_dense_entry(c).update(module="evil.layers", class_name="Dense"), c)[1],
     "'Dense' from module 'evil.layers' is not known"),
    (lambda c: (_dense_entry(c)["config"].update(activation={"class_name": "__lambda__", "config": {
        "value": ["4wEAAAAAAAAA", None, None]}}), c)[1], "lambda"),
    (lambda c: (_dense_entry(c)["config"].update(activation={"module": "builtins", "class_name": "function",
                                                             "config": "eval", "registered_name": None}), c)[1],
     "'eval' from module 'builtins'"),
    (lambda c: (_dense_entry(c)["config"].update(activation={"module": "keras.activations",
                                                             "class_name": "function", "config": "eval",
                                                             "registered_name": "eval"}), c)[1], "eval"),
    (lambda c: (_dense_entry(c)["config"].update(units={"class_name": "__numpy__", "config": {}}), c)[1],
     "'__numpy__'"),
    (lambda c: (_dense_entry(c)["config"]["dtype"]["config"].update(name="mixed_float16"), c)[1],
     "dtype policy 'mixed_float16' is not supported"),
    (lambda c: (_dense_entry(c)["config"].update(quantization_config={"mode": "int8"}), c)[1],
     r"Dense 'dense\w*' uses quantization_config=.*does not support"),
    (lambda c: (c["config"]["layers"][2]["config"].update(renorm=True), c)[1],
     r"BatchNormalization 'batch_normalization\w*' uses renorm=True"),
    (lambda c: (c["compile_config"]["optimizer"].update(class_name="Lion"), c)[1], "'keras.optimizers.Lion'"),
    (lambda c: (c["config"]["layers"].insert(1, {"module": "keras.layers", "class_name": "Lambda", "config": {
        "function": {"class_name": "__lambda__", "config": {"value": "..."}}}, "registered_name": None}), c)[1],
     "lambda"),
])
def test_configs_numnet_will_not_build_are_refused(keras_file, tmp_path, edit, match):
    bad = _rezip(keras_file, tmp_path / "bad.keras", edit_config=edit)
    with pytest.raises(ValueError, match=match) as info:
        models.load_model(bad)
    assert str(bad) in str(info.value)


def _nested(depth):
    value = "mse"
    for _ in range(depth):
        value = [value]
    return value


@pytest.mark.parametrize("key", ["loss", "metrics", "optimizer"])
def test_deeply_nested_compile_config_is_a_value_error(keras_file, tmp_path, key):
    bad = _rezip(keras_file, tmp_path / "bad.keras",
                 edit_config=lambda c: (c["compile_config"].update({key: _nested(600)}), c)[1])
    with pytest.raises(ValueError, match="nested too deeply") as info:
        models.load_model(bad)
    assert str(bad) in str(info.value)
    assert not models.load_model(bad, compile=False).compiled


def test_custom_class_never_resolves_to_a_builtin_of_the_same_name(keras_file, tmp_path):
    """Keras writes a registered class as {"module": None, "registered_name": "package>Name"}: a user's
    `Dense` subclass must not silently load as numnet's Dense (Keras refuses the same)."""
    def custom(config):
        _dense_entry(config).update(module=None, registered_name="my_package>Dense")
        return config

    bad = _rezip(keras_file, tmp_path / "custom.keras", edit_config=custom)
    with pytest.raises(ValueError, match=r"'my_package>Dense'.*custom_objects=\{'Dense'") as info:
        models.load_model(bad)
    assert str(bad) in str(info.value)

    class Dense(layers.Dense):
        pass

    loaded = models.load_model(bad, custom_objects={"Dense": Dense})
    assert type(loaded.layers[0]) is Dense
    assert np.array_equal(_predict(loaded, data()), _predict(models.load_model(keras_file), data()))


def test_huge_layer_in_config_is_refused_before_allocating(keras_file, tmp_path):
    bad = _rezip(keras_file, tmp_path / "bad.keras",
                 edit_config=lambda c: (_dense_entry(c)["config"].update(units=10 ** 9), c)[1])
    with pytest.raises(ValueError, match="kernel"):
        models.load_model(bad)


def _replace_weights(src, dst, edit):
    content = _members(src)
    buffer = io.BytesIO()
    with h5py.File(io.BytesIO(content["model.weights.h5"]), "r") as old, h5py.File(buffer, "w") as new:
        for key in old:
            old.copy(old[key], new, name=key)
        edit(new)
    return _rezip(src, dst, members={"model.weights.h5": buffer.getvalue()})


@pytest.mark.parametrize("edit, match", [
    (lambda f: (f["layers/dense/vars"].__delitem__("1"),
                f["layers/dense/vars"].create_dataset("1", data=np.zeros(9, "float32"))), r"\(8,\).*\(9,\)"),
    (lambda f: f.__delitem__("layers/dense_1"), "'layers/dense_1/vars'.*has no weights"),
    (lambda f: f.create_group("layers/extra/vars").create_dataset("0", data=np.zeros(3, "float32")),
     "'layers/extra/vars'"),
    (lambda f: f["layers/dense/vars"].create_dataset("x", data=np.zeros(3, "float32")), "numbered"),
])
def test_weights_that_do_not_fit_are_refused(keras_file, tmp_path, edit, match):
    bad = _replace_weights(keras_file, tmp_path / "bad.keras", edit)
    with pytest.raises(ValueError, match=match):
        models.load_model(bad)
    model = mlp(5)                                         # ... and load_weights changes nothing
    before = snapshot(model)
    with pytest.raises(ValueError):
        model.load_weights(bad)
    assert same_weights(before, snapshot(model))


def test_hdf5_tricks_inside_the_archive_are_refused(keras_file, tmp_path):
    target = tmp_path / "secret.h5"
    with h5py.File(target, "w") as f:
        f["x"] = np.zeros(3, "float32")
    bad = _replace_weights(keras_file, tmp_path / "bad.keras",
                           lambda f: f.__setitem__("layers/link", h5py.ExternalLink(str(target), "/x")))
    with pytest.raises(UnsafeFileError, match="external link") as info:
        models.load_model(bad)
    assert str(bad) in str(info.value) and "model.weights.h5" in str(info.value)


def test_truncated_and_non_archives(keras_file, tmp_path):
    raw = keras_file.read_bytes()
    (tmp_path / "cut.keras").write_bytes(raw[: len(raw) // 2])
    with pytest.raises(OSError):
        models.load_model(tmp_path / "cut.keras")
    (tmp_path / "junk.keras").write_bytes(b"hello, world")
    with pytest.raises(CorruptFileError, match="not a Keras .keras archive"):
        models.load_model(tmp_path / "junk.keras")
    with pytest.raises(FileNotFoundError):
        models.load_model(tmp_path / "missing.keras")


def test_load_weights_from_archive_honours_skip_mismatch(keras_file):
    other = models.Sequential([layers.Input(shape=(6,)), layers.Dense(8, activation="relu"),
                               layers.BatchNormalization(), layers.Dropout(0.3), layers.Dense(4)])
    before = snapshot(other)
    with pytest.raises(ValueError, match=r"\(8, 4\).*\(8, 3\)"):
        other.load_weights(keras_file)
    assert same_weights(before, snapshot(other))
    with pytest.warns(UserWarning, match="Skipping"):
        other.load_weights(keras_file, skip_mismatch=True)
    assert np.array_equal(other.layers[0].kernel.data, models.load_model(keras_file).layers[0].kernel.data)


# ----- writing -----------------------------------------------------------------------------------------------
def test_crash_mid_save_keeps_previous_file(tmp_path, monkeypatch):
    path = tmp_path / "m.keras"
    mlp(0).save(path)
    before = path.read_bytes()
    from numnet.saving import keras_weights

    def crash(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(keras_weights, "write_keras3", crash)
    with pytest.raises(RuntimeError, match="disk on fire"):
        mlp(1).save(path)
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["m.keras"]


def test_save_arguments(tmp_path):
    model = mlp(0)
    model.save(tmp_path / "m.keras")
    with pytest.raises(FileExistsError):
        model.save(tmp_path / "m.keras", overwrite=False)
    with pytest.raises(ValueError, match="zipped=False"):
        model.save(tmp_path / "d.keras", zipped=False)
    with pytest.raises(ValueError, match=r"\.keras"):
        model.save(tmp_path / "m.zip")
    with pytest.raises(TypeError, match="unexpected"):
        model.save(tmp_path / "m.keras", bogus=1)


def test_layer_holding_python_function_is_refused_on_save(tmp_path):
    model = models.Sequential([layers.Input(shape=(3,)), layers.Lambda(lambda t: t * 2)])
    with pytest.raises(ValueError, match="never writes code"):
        model.save(tmp_path / "m.keras")
    assert not (tmp_path / "m.keras").exists()


def test_is_zip_file_sniffs_content(keras_file, tmp_path):
    assert keras_archive.is_zip_file(keras_file)
    mlp(0).save(tmp_path / "m.h5")
    assert not keras_archive.is_zip_file(tmp_path / "m.h5")
    assert not keras_archive.is_zip_file(tmp_path)


# ----- fuzz: whatever the file holds, loading ends in a model or a ValueError/OSError ----------------------
def _leaf_paths(value, path=()):
    yield path
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, item in items:
        yield from _leaf_paths(item, path + (key,))


def test_fuzz_config_values(keras_file, tmp_path):
    config = json.loads(_members(keras_file)["config.json"])
    replacements = [None, -1, 10 ** 30, float("nan"), "x", [], {}, [1, 2], {"class_name": "Dense"}, True]
    for i, path in enumerate(p for p in _leaf_paths(config) if p):
        for value in (replacements[i % len(replacements)],):
            edited = json.loads(json.dumps(config))
            target = edited
            for key in path[:-1]:
                target = target[key]
            target[path[-1]] = value
            bad = _rezip(keras_file, tmp_path / "fuzz.keras", members={"config.json": json.dumps(edited).encode()})
            try:
                models.load_model(bad)
            except (ValueError, OSError):
                pass


def test_fuzz_archive_bytes(keras_file, tmp_path):
    raw = keras_file.read_bytes()
    rng = np.random.default_rng(0)
    for _ in range(300):
        damaged = bytearray(raw)
        for position in rng.integers(0, len(raw), size=rng.choice([1, 4, 16])):
            damaged[position] = rng.integers(0, 256)
        if rng.random() < 0.2:
            damaged = damaged[: rng.integers(0, len(raw))]
        (tmp_path / "fuzz.keras").write_bytes(bytes(damaged))
        try:
            models.load_model(tmp_path / "fuzz.keras")
        except (ValueError, OSError):
            pass


def test_random_generator_and_metric_state_groups_are_ignored(keras_file, tmp_path):
    """Keras may store a layer's seed-generator state and trackers' variables: numnet keeps its own."""
    def add_groups(f):
        f.create_group("layers/dropout/seed_generator/vars").create_dataset("0", data=np.array([1, 2], "uint32"))
        f.create_group("metrics/mean/vars").create_dataset("0", data=np.float32(3.0))

    extra = _replace_weights(keras_file, tmp_path / "extra.keras", add_groups)
    assert np.array_equal(_predict(models.load_model(extra), data()), _predict(models.load_model(keras_file), data()))


@saving.register_serializable(package="tests_keras_format", name="double")
def _double(t):
    return t * 2.0


def test_lambda_of_a_registered_function_as_keras_writes_it(keras_file, tmp_path):
    """Keras writes {"module": "builtins", "class_name": "function", "config": "<registered name>"}."""
    def with_lambda(name):
        def edit(config):
            config["config"]["layers"].insert(1, {
                "module": "keras.layers", "class_name": "Lambda", "registered_name": None, "config": {
                    "name": "lam", "trainable": True, "arguments": {},
                    "function": {"module": "builtins", "class_name": "function", "config": name,
                                 "registered_name": "function"}}})
            return config
        return edit

    good = _rezip(keras_file, tmp_path / "lambda.keras", edit_config=with_lambda("tests_keras_format>double"))
    loaded, original = models.load_model(good), models.load_model(keras_file)
    x = data()
    assert np.array_equal(_predict(loaded, x), _predict(original, 2.0 * x))
    bad = _rezip(keras_file, tmp_path / "bad.keras", edit_config=with_lambda("os.system"))
    with pytest.raises(ValueError, match="'os.system' from module 'builtins' is not known"):
        models.load_model(bad)


def test_deeply_nested_loss_weights_and_model_config_are_value_errors(keras_file, tmp_path):
    bad = _rezip(keras_file, tmp_path / "lw.keras",
                 edit_config=lambda c: (c["compile_config"].update({"loss_weights": _nested(300)}), c)[1])
    with pytest.raises(ValueError, match="loss_weights.*nested too deeply"):
        models.load_model(bad)
    from numnet.saving import keras_config
    with pytest.raises(ValueError, match="nested too deeply"):
        keras_config.from_keras({"class_name": "Dense", "config": {"units": _nested(300)}}, "x.keras")


# ----- masks Keras bakes into functional graphs (keras.ops nodes feeding `mask=`) ---------------------------
def _tensor(shape, dtype, history):
    return {"class_name": "__keras_tensor__", "config": {"shape": shape, "dtype": dtype, "keras_history": history}}


def _op(class_name, name, args, **config):
    """A keras.ops node as Keras 3.15 writes it into a functional config."""
    return {"module": "keras.src.ops.numpy", "class_name": class_name, "config": {"name": name, **config},
            "registered_name": class_name, "name": name, "inbound_nodes": [{"args": args, "kwargs": {}}]}


def _entry(config, class_name):
    return next(e for e in config["config"]["layers"] if e["class_name"] == class_name)


def _history(entry):
    return [entry["name"], 0, 0]


def masked_models(name, seed=0):
    numnet.utils.set_random_seed(seed)
    if name == "masking":
        i = layers.Input(shape=(None, 3))
        return models.Model(i, layers.Dense(2)(layers.SimpleRNN(4)(layers.Masking(0.0)(i))))
    i = layers.Input(shape=(None,), dtype="int32")
    x = layers.Embedding(20, 6, mask_zero=name != "unmasked")(i)
    if name == "gru-pooling":
        x = layers.GlobalAveragePooling1D()(layers.GRU(4, return_sequences=True)(x))
    else:
        x = layers.LSTM(4)(x)
    return models.Model(i, layers.Dense(2)(x))


def _with_keras_masks(name):
    """Edit numnet's config.json into what Keras writes for the same model: the mask each masked call
    gets is computed by keras.ops nodes and passed as `mask=`."""
    def edit(config):
        entries = config["config"]["layers"]
        source = _history(entries[0])
        if name == "masking":
            rnn = _entry(config, "SimpleRNN")
            ops = [_op("NotEqual", "not_equal", [_tensor([None, None, 3], "float32", source), 0.0]),
                   _op("Any", "any", [_tensor([None, None, 3], "bool", ["not_equal", 0, 0])], axis=-1,
                       keepdims=False)]
            masked = [rnn]
            mask = ["any", 0, 0]
        else:
            ops = [_op("NotEqual", "not_equal", [_tensor([None, None], "int32", source), 0])]
            masked = [_entry(config, cls) for cls in ("LSTM", "GRU", "GlobalAveragePooling1D") if any(
                e["class_name"] == cls for e in entries)]
            mask = ["not_equal", 0, 0]
        entries[2:2] = ops
        for entry in masked:
            kwargs = entry["inbound_nodes"][0]["kwargs"]
            if entry["class_name"] != "GlobalAveragePooling1D":
                kwargs["training"] = False
            kwargs["mask"] = _tensor([None, None], "bool", mask)
        return config
    return edit


def _padded(name):
    if name == "masking":
        x = _rng(30).normal(size=(4, 6, 3)).astype("float32")
        x[1, 3:] = x[2, 1:] = 0.0
        return x
    x = _rng(31).integers(1, 20, size=(4, 6)).astype("int32")
    x[1, 3:] = x[2, 1:] = 0
    return x


@pytest.mark.parametrize("name", ["lstm", "gru-pooling", "masking"])
def test_keras_mask_nodes_are_dropped_and_masks_recomputed(tmp_path, name):
    model = masked_models(name)
    model.save(tmp_path / "n.keras")
    path = _rezip(tmp_path / "n.keras", tmp_path / "k.keras", edit_config=_with_keras_masks(name))
    loaded = models.load_model(path)
    assert [type(la).__name__ for la in loaded.layers] == [type(la).__name__ for la in model.layers]
    x = _padded(name)
    assert np.array_equal(_predict(loaded, x), _predict(model, x))
    # the masks are in effect: a row predicts the same without its padding
    np.testing.assert_allclose(_predict(loaded, x[1:2, :3])[0], _predict(loaded, x)[1], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(_predict(loaded, x[2:3, :1])[0], _predict(loaded, x)[2], rtol=1e-5, atol=1e-6)
    loaded.save(tmp_path / "again.keras")                   # numnet writes no op nodes back
    written = json.loads(_members(tmp_path / "again.keras")["config.json"])
    assert not [e for e in written["config"]["layers"] if e["module"].startswith("keras.src.ops")]


def test_strip_automatic_masks_keeps_everything_else():
    model = masked_models("lstm")
    config = _with_keras_masks("lstm")(saving.keras_format.keras_model_config(model))
    lstm = _entry(config, "LSTM")["name"]
    before = json.dumps(config)
    stripped, sites = saving.keras_config.strip_automatic_masks(config)
    assert json.dumps(config) == before                     # the input is left alone
    assert sites == [saving.keras_config.MaskSite((), lstm, 0, "mask", [[None, None]])]
    assert [e["class_name"] for e in stripped["config"]["layers"]] == ["InputLayer", "Embedding", "LSTM", "Dense"]
    assert _entry(stripped, "LSTM")["inbound_nodes"][0]["kwargs"] == {"training": False}
    # a mask made by a layer (not by keras.ops) is the user's: kept as it is
    embedding = _history(_entry(config, "Embedding"))
    _entry(config, "LSTM")["inbound_nodes"][0]["kwargs"]["mask"] = _tensor([None, None, 6], "float32", embedding)
    kept, sites = saving.keras_config.strip_automatic_masks(config)
    assert sites == [] and "mask" in _entry(kept, "LSTM")["inbound_nodes"][0]["kwargs"]


def _op_as_output(config):
    config["config"]["output_layers"] = [["not_equal", 0, 0]]
    return config


def _op_computes_a_layer_input(config):
    lstm = _entry(config, "LSTM")
    embedded = lstm["inbound_nodes"][0]["args"][0]
    config["config"]["layers"].insert(3, _op("Concatenate", "concatenate", [[embedded, embedded]], axis=-1))
    lstm["inbound_nodes"][0]["args"] = [_tensor([None, None, 12], "float32", ["concatenate", 0, 0])]
    return config


def _mixed_mask(config):
    lstm = _entry(config, "LSTM")
    lstm["inbound_nodes"][0]["kwargs"]["mask"] = [lstm["inbound_nodes"][0]["kwargs"]["mask"],
                                                  lstm["inbound_nodes"][0]["args"][0]]
    return config


@pytest.mark.parametrize("model_name, edit, match", [
    ("lstm", _op_as_output, r"'keras\.src\.ops\.numpy\.NotEqual' is not supported by numnet \(it is a keras\.ops"),
    # an op named like one of numnet's layers is never built as that layer
    ("lstm", _op_computes_a_layer_input, r"'keras\.src\.ops\.numpy\.Concatenate' is not supported by numnet"),
    ("lstm", _mixed_mask, r"'keras\.src\.ops\.numpy\.NotEqual' is not supported by numnet"),
    # Keras passes a mask (an explicit keras.ops one) where numnet's propagation computes none
    ("unmasked", lambda c: c, r"layer 'lstm\w*' \(call 0\) mask= computed with keras\.ops.*does not reproduce"),
])
def test_keras_ops_nodes_numnet_cannot_drop_are_refused(tmp_path, model_name, edit, match):
    masked_models(model_name).save(tmp_path / "n.keras")
    path = _rezip(tmp_path / "n.keras", tmp_path / "k.keras",
                  edit_config=lambda c: edit(_with_keras_masks("lstm")(c)))
    with pytest.raises(ValueError, match=match) as info:
        models.load_model(path)
    assert str(path) in str(info.value)


def test_keras_ops_node_in_a_sequential_is_refused(keras_file, tmp_path):
    op = _op("NotEqual", "not_equal", [])
    bad = _rezip(keras_file, tmp_path / "bad.keras",
                 edit_config=lambda c: (c["config"]["layers"].insert(1, op), c)[1])
    with pytest.raises(ValueError, match=r"'keras\.src\.ops\.numpy\.NotEqual' is not supported by numnet"):
        models.load_model(bad)


def test_fuzz_a_config_with_keras_mask_nodes(tmp_path):
    masked_models("masking").save(tmp_path / "n.keras")
    config = _with_keras_masks("masking")(json.loads(_members(tmp_path / "n.keras")["config.json"]))
    replacements = [None, -1, "x", [], {}, [1, 2], {"class_name": "__keras_tensor__"}, True, "not_equal"]
    paths = [p for p in _leaf_paths(config) if "inbound_nodes" in p or "output_layers" in p]
    for i, path in enumerate(paths):
        edited = json.loads(json.dumps(config))
        target = edited
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = replacements[i % len(replacements)]
        bad = _rezip(tmp_path / "n.keras", tmp_path / "fuzz.keras",
                     members={"config.json": json.dumps(edited).encode()})
        try:
            models.load_model(bad)
        except (ValueError, OSError):
            pass
