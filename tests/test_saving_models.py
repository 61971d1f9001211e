"""save_model / load_model: round trips, exact resume, safety of configs, bad files, fuzz."""
import json
import os

import h5py
import numpy as np
import pytest

import numnet
from numnet import layers, ops, optimizers, saving
from numnet.saving import FileLayoutError, h5_io

from _saving_helpers import data, perturb, same_weights, sequential, snapshot

models = pytest.importorskip("numnet.models")


def _two_inputs(n=16, seed=4):
    rng = np.random.default_rng(seed)
    return [rng.normal(size=(n, 6)).astype("float32"), rng.normal(size=(n, 6)).astype("float32")]


def functional_model(seed=0):
    numnet.utils.set_random_seed(seed)
    a = layers.Input(shape=(6,), name="a")
    b = layers.Input(shape=(6,), name="b")
    shared = layers.Dense(6, activation="tanh", name="shared")
    ha, hb = shared(a), shared(b)                     # one layer used twice
    residual = layers.Add()([ha, a])                  # skip connection
    h = layers.Concatenate()([residual, hb])
    h = layers.BatchNormalization()(h)
    h = layers.Dropout(0.2)(h)
    out = layers.Dense(2)(h)
    return models.Model([a, b], out)


@saving.register_serializable(package="tests_saving")
class ConvEmbedNet(models.Model):
    """A subclassed model with Conv2D, pooling, BatchNormalization, Embedding, Dropout and Dense."""

    def __init__(self, filters=4, vocab=12, **kwargs):
        super().__init__(**kwargs)
        self.filters, self.vocab = filters, vocab
        self.conv = layers.Conv2D(filters, 3, padding="same", activation="relu")
        self.pool = layers.MaxPooling2D(2)
        self.bn = layers.BatchNormalization()
        self.flat = layers.Flatten()
        self.emb = layers.Embedding(vocab, 3)
        self.flat_tokens = layers.Flatten()
        self.drop = layers.Dropout(0.25)
        self.out = layers.Dense(2)

    def call(self, inputs, training=None):
        image, tokens = inputs
        h = self.flat(self.bn(self.pool(self.conv(image)), training=training))
        e = self.flat_tokens(self.emb(tokens))
        return self.out(self.drop(ops.concatenate([h, e], axis=-1), training=training))

    def get_config(self):
        return {**super().get_config(), "filters": self.filters, "vocab": self.vocab}


def _subclassed_inputs(n=8, seed=5):
    rng = np.random.default_rng(seed)
    return [rng.normal(size=(n, 6, 6, 2)).astype("float32"), rng.integers(0, 12, size=(n, 3)).astype("int64")]


def _predict(model, x):
    return model.predict(x, verbose=0)


# ----- round trips --------------------------------------------------------------------------------------
def test_sequential_round_trip(tmp_path):
    model = sequential(0)
    perturb(model, 1)
    x = data()
    model.save(tmp_path / "m.h5")
    loaded = models.load_model(tmp_path / "m.h5")
    assert type(loaded) is type(model)
    assert [type(la).__name__ for la in loaded.layers] == [type(la).__name__ for la in model.layers]
    assert same_weights(snapshot(model), snapshot(loaded))
    assert np.array_equal(_predict(loaded, x), _predict(model, x))


def test_functional_multi_input_shared_residual_round_trip(tmp_path):
    model = functional_model(0)
    perturb(model, 2)
    x = _two_inputs()
    model.save(tmp_path / "f.h5")
    loaded = saving.load_model(tmp_path / "f.h5")
    assert same_weights(snapshot(model), snapshot(loaded))
    assert np.array_equal(_predict(loaded, x), _predict(model, x))


def test_registered_subclassed_round_trip(tmp_path):
    numnet.utils.set_random_seed(0)
    model = ConvEmbedNet(filters=5)
    x = _subclassed_inputs()
    model(x)  # build
    perturb(model, 3)
    model.save(tmp_path / "s.h5")
    loaded = models.load_model(tmp_path / "s.h5")
    assert isinstance(loaded, ConvEmbedNet) and loaded.filters == 5
    assert same_weights(snapshot(model), snapshot(loaded))
    assert np.array_equal(_predict(loaded, x), _predict(model, x))


def test_model_file_layout(tmp_path):
    model = sequential(0)
    model.compile(optimizer="adam", loss="mse")
    model.fit(data(), np.zeros((16, 3), "float32"), epochs=1, verbose=0)
    model.save(tmp_path / "m.keras")
    with h5py.File(tmp_path / "m.keras", "r") as f:
        assert f.attrs["numnet_format"] == b"model"
        assert int(f.attrs["format_version"]) == saving.FORMAT_VERSION
        assert f.attrs["numnet_version"] == numnet.__version__.encode()
        config = json.loads(f["model_config"][()].tobytes())
        assert config["class_name"] == "Sequential"
        compile_config = json.loads(f["compile_config"][()].tobytes())
        assert compile_config["optimizer"]["class_name"] == "Adam"
        assert int(f["optimizer/0"][()]) == model.optimizer.iterations


def test_compiled_round_trip_restores_optimizer_state(tmp_path):
    model = sequential(0)
    model.compile(optimizer=optimizers.Adam(learning_rate=0.01), loss="mse")
    model.fit(data(), np.ones((16, 3), "float32"), epochs=2, batch_size=4, verbose=0)
    model.save(tmp_path / "m.h5")
    loaded = models.load_model(tmp_path / "m.h5")
    assert loaded.compiled and loaded.optimizer.iterations == model.optimizer.iterations == 8
    assert same_weights(loaded.optimizer.get_state(), model.optimizer.get_state())
    assert np.isclose(float(loaded.optimizer.learning_rate), 0.01)
    not_compiled = models.load_model(tmp_path / "m.h5", compile=False)
    assert not not_compiled.compiled


@pytest.mark.parametrize("dropout_seed", [None, 123], ids=["global-rng-dropout", "own-rng-dropout"])
def test_resume_is_exact(tmp_path, dropout_seed):
    """1 epoch, save, load_model, 1 more epoch == 2 epochs without interruption (same seed).

    Shuffling (and unseeded Dropout) draw from the global generator, which load_model leaves
    untouched; a seeded Dropout's own generator state is saved in the file.
    """
    x, y = data(32), np.random.default_rng(9).normal(size=(32, 3)).astype("float32")

    def run(interrupt):
        model = sequential(42, dropout_seed)          # set_random_seed(42) inside
        model.compile(optimizer=optimizers.Adam(learning_rate=0.01), loss="mse")
        if not interrupt:
            model.fit(x, y, epochs=2, batch_size=8, shuffle=True, verbose=0)
            return snapshot(model)
        model.fit(x, y, epochs=1, batch_size=8, shuffle=True, verbose=0)
        model.save(tmp_path / "ckpt.h5")
        model = models.load_model(tmp_path / "ckpt.h5")  # leaves the global RNG stream untouched
        model.fit(x, y, epochs=2, initial_epoch=1, batch_size=8, shuffle=True, verbose=0)
        return snapshot(model)

    uninterrupted = run(False)
    resumed = run(True)
    assert not same_weights(uninterrupted, snapshot(sequential(42)))  # training did change them
    assert same_weights(uninterrupted, resumed)


def test_load_model_leaves_global_rng_stream_alone(tmp_path):
    sequential(0).save(tmp_path / "m.h5")
    numnet.utils.set_random_seed(7)
    expected = numnet.utils.random.global_rng().random(3)
    numnet.utils.set_random_seed(7)
    models.load_model(tmp_path / "m.h5")
    assert np.array_equal(numnet.utils.random.global_rng().random(3), expected)


# ----- atomic save --------------------------------------------------------------------------------------------
def test_crash_mid_save_keeps_previous_file(tmp_path, monkeypatch):
    path = tmp_path / "m.h5"
    model = sequential(0)
    model.save(path)
    before = path.read_bytes()
    from numnet.saving import weights_io

    def crashing(group, m):
        group.create_dataset("partial", data=np.zeros(100))
        raise KeyboardInterrupt  # even an interrupt leaves no trace

    monkeypatch.setattr(weights_io, "write_weights", crashing)
    perturb(model, 4)
    with pytest.raises(KeyboardInterrupt):
        model.save(path)
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["m.h5"]
    monkeypatch.undo()
    assert np.array_equal(_predict(models.load_model(path), data()), _predict(sequential(0), data()))


def test_overwrite_false(tmp_path):
    sequential().save(tmp_path / "m.h5")
    with pytest.raises(FileExistsError):
        sequential().save(tmp_path / "m.h5", overwrite=False)


# ----- code in models is never saved -------------------------------------------------------------------
class FunctionLayer(layers.Layer):
    """A Lambda-style layer holding a Python function."""

    def __init__(self, function=None, **kwargs):
        super().__init__(**kwargs)
        self.function = function

    def call(self, inputs):
        return self.function(inputs)

    def get_config(self):
        return {**super().get_config(), "function": self.function}


def test_layer_holding_python_function_refused_on_save(tmp_path):
    model = models.Sequential([layers.Input(shape=(3,)), FunctionLayer(lambda t: t * 2.0), layers.Dense(1)])
    with pytest.raises(ValueError, match="Python function"):
        model.save(tmp_path / "m.h5")
    assert os.listdir(tmp_path) == []


# ----- unknown and forbidden names, wrong types -----------------------------------------------------------
class Unregistered(layers.Layer):
    def __init__(self, scale=2.0, **kwargs):
        super().__init__(**kwargs)
        self.scale = scale

    def call(self, inputs):
        return inputs * self.scale

    def get_config(self):
        return {**super().get_config(), "scale": self.scale}


def test_unknown_class_needs_custom_objects(tmp_path):
    model = models.Sequential([layers.Input(shape=(6,)), Unregistered(3.0), layers.Dense(2)])
    model.save(tmp_path / "m.h5")
    with pytest.raises(ValueError) as info:
        models.load_model(tmp_path / "m.h5")
    assert "Unregistered" in str(info.value)
    assert "custom_objects" in str(info.value) and "register" in str(info.value)
    loaded = models.load_model(tmp_path / "m.h5", custom_objects={"Unregistered": Unregistered})
    assert np.array_equal(_predict(loaded, data()), _predict(model, data()))


def _rewrite_config(path, edit, key="model_config"):
    """Edit the JSON config of a saved model file (keeping its checksum valid)."""
    with h5py.File(path, "r+") as f:
        config = json.loads(f[key][()].tobytes())
        config = edit(config)
        del f[key]
        raw = config if isinstance(config, bytes) else json.dumps(config).encode()
        f.create_dataset(key, data=np.frombuffer(raw, np.uint8))
        h5_io.write_digest(f)


@pytest.fixture
def model_file(tmp_path):
    path = tmp_path / "m.h5"
    sequential(0).save(path)
    return path


def _set_layer(config, index, **changes):
    config["config"]["layers"][index]["config"].update(changes)
    return config


@pytest.mark.parametrize("edit", [
    lambda c: {**c, "class_name": "os.system"},
    lambda c: {**c, "module": "subprocess", "class_name": "Popen"},
    lambda c: {**c, "class_name": "eval", "registered_name": "builtins>eval"},
    lambda c: (c["config"]["layers"][1].update(class_name="__import__", module="builtins"), c)[1],
    lambda c: _set_layer(c, 1, activation="os.system"),
    lambda c: _set_layer(c, 1, activation={"class_name": "exec", "config": {}}),
], ids=["class", "module", "registered", "layer", "activation-name", "activation-class"])
def test_config_naming_other_objects_refused(model_file, edit, monkeypatch):
    calls = []
    monkeypatch.setattr(os, "system", lambda *a: calls.append(a))
    _rewrite_config(model_file, edit)
    with pytest.raises(ValueError):
        models.load_model(model_file)
    assert calls == []


@pytest.mark.parametrize("edit", [
    lambda c: _set_layer(c, 1, units="many"),
    lambda c: _set_layer(c, 1, units=[8, 8]),
    lambda c: _set_layer(c, 1, units=-3),
    lambda c: _set_layer(c, 2, epsilon="small"),
    lambda c: _set_layer(c, 3, rate={"a": 1}),
    lambda c: {**c, "config": {**c["config"], "layers": 5}},
    lambda c: {**c, "config": [1, 2]},
    lambda c: [c],
    lambda c: {"class_name": 7, "config": {}},
    lambda c: b'{"class_name": "Sequential", "config": {',
], ids=["units-str", "units-list", "units-negative", "epsilon-str", "rate-dict", "layers-int",
        "config-list", "top-list", "class-int", "bad-json"])
def test_wrong_type_config_values(model_file, edit):
    _rewrite_config(model_file, edit)
    with pytest.raises(ValueError):
        models.load_model(model_file)


def test_wrong_type_compile_config(tmp_path):
    path = tmp_path / "m.h5"
    model = sequential(0)
    model.compile(optimizer="adam", loss="mse")
    model.save(path)
    _rewrite_config(path, lambda c: {**c, "optimizer": {"class_name": "Adam", "config": {"learning_rate": "fast"}}},
                    key="compile_config")
    with pytest.raises(ValueError, match="compile"):
        models.load_model(path)
    assert not models.load_model(path, compile=False).compiled


# ----- other bad files ---------------------------------------------------------------------------------------
def test_load_model_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="nothing.h5"):
        models.load_model(tmp_path / "nothing.h5")


def test_load_model_not_hdf5(tmp_path):
    (tmp_path / "m.h5").write_text("{'class_name': 'Sequential'}")
    with pytest.raises(OSError, match="not an HDF5 file"):
        models.load_model(tmp_path / "m.h5")


def test_load_model_truncated(model_file):
    raw = model_file.read_bytes()
    model_file.write_bytes(raw[: len(raw) // 2])
    with pytest.raises(OSError):
        models.load_model(model_file)


def test_load_model_on_weights_file(tmp_path):
    sequential().save_weights(tmp_path / "w.weights.h5")
    with pytest.raises(FileLayoutError, match="weights file"):
        models.load_model(tmp_path / "w.weights.h5")


def test_load_model_on_keras_weights_file(tmp_path):
    with h5py.File(tmp_path / "k.h5", "w") as f:
        f.attrs["layer_names"] = np.array([b"dense"])
        f.create_group("dense").attrs["weight_names"] = np.array([])
    with pytest.raises(FileLayoutError, match="Keras 2 weights file.*load_weights"):
        models.load_model(tmp_path / "k.h5")


def test_load_model_other_layout(tmp_path):
    with h5py.File(tmp_path / "x.h5", "w") as f:
        f.create_group("data").create_dataset("x", data=np.zeros(3))
    with pytest.raises(ValueError, match="expected numnet's layout"):
        models.load_model(tmp_path / "x.h5")


def test_load_model_weights_do_not_fit_config(model_file):
    _rewrite_config(model_file, lambda c: _set_layer(c, 4, units=5))
    with pytest.raises(ValueError, match=r"\(8, 5\).*\(8, 3\)"):
        models.load_model(model_file)


def test_fuzz_model_file(tmp_path):
    """Damaged model files raise only OSError/ValueError (or load exactly the saved model)."""
    model = sequential(0)
    perturb(model, 1)
    model.compile(optimizer="adam", loss="mse")
    model.save(tmp_path / "good.h5")
    good = (tmp_path / "good.h5").read_bytes()
    expected = snapshot(model)
    rng = np.random.default_rng(99)
    path = tmp_path / "fuzz.h5"
    errors = 0
    for case in range(60):
        buf = bytearray(good)
        if case % 5 == 4:
            buf = buf[: int(rng.integers(0, len(buf)))]
        else:
            for _ in range(int(rng.integers(1, 4))):
                pos = int(rng.integers(0, len(buf)))
                buf[pos] ^= int(rng.integers(1, 256))
        path.write_bytes(bytes(buf))
        try:
            loaded = models.load_model(path)
        except (OSError, ValueError):
            errors += 1
        else:
            assert same_weights(snapshot(loaded), expected), f"case {case}"
    assert errors > 30
