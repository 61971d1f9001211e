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

from numnet import models  # noqa: E402


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
    model.save(tmp_path / "m.h5")
    with h5py.File(tmp_path / "m.h5", "r") as f:
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


# ----- more round trips: every model kind with Conv, pooling, BatchNormalization, Embedding, Dropout ----------
def cnn_sequential(seed=0):
    numnet.utils.set_random_seed(seed)
    return models.Sequential([
        layers.Input(shape=(8, 8, 2)),
        layers.Conv2D(4, 3, padding="same", activation="relu"),
        layers.BatchNormalization(),
        layers.MaxPooling2D(2),
        layers.Conv2D(3, 2),
        layers.AveragePooling2D(1),
        layers.Dropout(0.3),
        layers.Flatten(),
        layers.Dense(2),
    ])


def text_sequential(seed=0):
    numnet.utils.set_random_seed(seed)
    return models.Sequential([
        layers.Input(shape=(7,), dtype="int64"),
        layers.Embedding(20, 5),
        layers.Conv1D(4, 3, activation="relu"),
        layers.MaxPooling1D(2),
        layers.BatchNormalization(),
        layers.GlobalAveragePooling1D(),
        layers.Dropout(0.2),
        layers.Dense(3),
    ])


def conv_embedding_functional(seed=0):
    numnet.utils.set_random_seed(seed)
    image = layers.Input(shape=(6, 6, 2), name="image")
    tokens = layers.Input(shape=(3,), dtype="int64", name="tokens")
    h = layers.Conv2D(3, 3, padding="same")(image)
    h = layers.BatchNormalization()(h)
    h = layers.Add()([h, layers.Conv2D(3, 1)(image)])     # residual branch
    h = layers.GlobalMaxPooling2D()(layers.MaxPooling2D(2)(h))
    e = layers.Flatten()(layers.Embedding(12, 4)(tokens))
    h = layers.Dropout(0.4)(layers.Concatenate()([h, e]))
    return models.Model([image, tokens], layers.Dense(2)(h))


def _tokens(n, length, vocab, seed):
    return np.random.default_rng(seed).integers(0, vocab, size=(n, length)).astype("int64")


BUILDERS = {
    "sequential-cnn": (cnn_sequential, lambda: np.random.default_rng(6).normal(size=(8, 8, 8, 2)).astype("float32")),
    "sequential-embedding": (text_sequential, lambda: _tokens(8, 7, 20, 7)),
    "functional-conv-embedding": (conv_embedding_functional, _subclassed_inputs),
}


@pytest.mark.parametrize("kind", list(BUILDERS))
def test_round_trip_with_conv_pooling_bn_embedding_dropout(tmp_path, kind):
    build, inputs = BUILDERS[kind]
    model = build(0)
    x = inputs()
    model(x)
    perturb(model, 5)
    model.save(tmp_path / "m.h5")
    loaded = models.load_model(tmp_path / "m.h5")
    assert [type(la).__name__ for la in loaded.layers] == [type(la).__name__ for la in model.layers]
    assert same_weights(snapshot(model), snapshot(loaded))
    assert np.array_equal(_predict(loaded, x), _predict(model, x))
    other = build(3)
    other(x)
    other.load_weights(tmp_path / "m.h5")             # the weights of a model file, into code-built model
    assert np.array_equal(_predict(other, x), _predict(model, x))


@pytest.mark.parametrize("kind", ["functional", "subclassed"])
def test_resume_is_exact_for_functional_and_subclassed(tmp_path, kind):
    if kind == "functional":
        x = _two_inputs(24)
        make = functional_model
    else:
        x = _subclassed_inputs(24)

        def make(seed):
            numnet.utils.set_random_seed(seed)
            return ConvEmbedNet(filters=3)
    y = np.random.default_rng(10).normal(size=(24, 2)).astype("float32")

    def run(interrupt):
        model = make(11)
        model.compile(optimizer=optimizers.Adam(learning_rate=0.02), loss="mse")
        if not interrupt:
            model.fit(x, y, epochs=2, batch_size=6, verbose=0)
            return snapshot(model)
        model.fit(x, y, epochs=1, batch_size=6, verbose=0)
        model.save(tmp_path / "ckpt.h5")
        model = models.load_model(tmp_path / "ckpt.h5")
        model.fit(x, y, epochs=2, initial_epoch=1, batch_size=6, verbose=0)
        return snapshot(model)

    uninterrupted = run(False)
    resumed = run(True)
    assert same_weights(uninterrupted, resumed)


def test_compiled_but_untrained_model_round_trips_and_trains_on(tmp_path):
    """The optimizer is saved before its first step (no slots yet) and built on load."""
    x, y = data(16), np.zeros((16, 3), "float32")
    model = sequential(0)
    model.compile(optimizer="adam", loss="mse")
    model.save(tmp_path / "m.h5")
    loaded = models.load_model(tmp_path / "m.h5")
    assert loaded.compiled and loaded.optimizer.iterations == 0
    for m in (model, loaded):
        numnet.utils.set_random_seed(1)                   # same dropout masks and shuffling for both
        m.fit(x, y, epochs=1, batch_size=4, verbose=0)
    assert same_weights(snapshot(model), snapshot(loaded))
    assert not same_weights(snapshot(model), snapshot(sequential(0)))


# ----- custom layers, losses, metrics and activations -------------------------------------------------------
@saving.register_serializable(package="tests_saving", name="scaled_tanh")
def scaled_tanh(x):
    return ops.tanh(x) * 2.0


def plain_loss(y_true, y_pred):
    return ops.mean(ops.square(y_true - y_pred), axis=-1)


def plain_metric(y_true, y_pred):
    return ops.mean(ops.abs(y_true - y_pred), axis=-1)


class CountingMetric(numnet.metrics.Mean):
    def update_state(self, y_true, y_pred, sample_weight=None):
        return super().update_state(ops.abs(y_true - y_pred))


def test_custom_activation_loss_and_metrics_by_registration_and_custom_objects(tmp_path):
    x, y = data(16), np.random.default_rng(2).normal(size=(16, 3)).astype("float32")
    numnet.utils.set_random_seed(0)
    model = models.Sequential([layers.Input(shape=(6,)), layers.Dense(4, activation=scaled_tanh), layers.Dense(3)])
    model.compile(optimizer="sgd", loss=plain_loss, metrics=[plain_metric, CountingMetric(name="count")])
    model.fit(x, y, epochs=1, verbose=0)
    model.save(tmp_path / "m.h5")
    with h5py.File(tmp_path / "m.h5", "r") as f:
        assert b"tests_saving>scaled_tanh" in f["model_config"][()].tobytes()   # registered name=
    with pytest.raises(ValueError, match="custom_objects"):
        models.load_model(tmp_path / "m.h5")
    custom = {"plain_loss": plain_loss, "plain_metric": plain_metric, "CountingMetric": CountingMetric}
    loaded = models.load_model(tmp_path / "m.h5", custom_objects=custom)
    assert np.array_equal(_predict(loaded, x), _predict(model, x))
    # compile resolves names lazily (at evaluate), after load_model's custom_objects scope has closed
    assert loaded.evaluate(x, y, verbose=0) == model.evaluate(x, y, verbose=0)
    with saving.custom_object_scope(custom):
        assert models.load_model(tmp_path / "m.h5").compiled
    bare = models.load_model(tmp_path / "m.h5", compile=False)   # architecture needs only the registered fn
    assert np.array_equal(_predict(bare, x), _predict(model, x))


# ----- ModelCheckpoint writes through numnet.saving -------------------------------------------------------
@pytest.mark.parametrize("weights_only", [False, True], ids=["whole-model", "weights-only"])
def test_model_checkpoint_writes_through_saving(tmp_path, weights_only, monkeypatch):
    from numnet import callbacks
    from numnet.saving import model_io

    x, y = data(16), np.zeros((16, 3), "float32")
    model = sequential(0)
    model.compile(optimizer="adam", loss="mse")
    writes = []
    for fn in ("save_model", "save_weights"):
        real = getattr(model_io, fn)
        monkeypatch.setattr(saving, fn, lambda *a, _real=real, _fn=fn, **k: (writes.append(_fn), _real(*a, **k))[1])
    name = "ckpt.weights.h5" if weights_only else "ckpt.h5"
    model.fit(x, y, epochs=2, verbose=0, callbacks=[callbacks.ModelCheckpoint(str(tmp_path / name),
                                                                              save_weights_only=weights_only)])
    assert writes == ["save_weights" if weights_only else "save_model"] * 2
    assert os.listdir(tmp_path) == [name]                     # atomic: no temporary files left behind
    with h5py.File(tmp_path / name, "r") as f:
        assert f.attrs["numnet_format"] == (b"weights" if weights_only else b"model")
        assert ("compile_config" in f) is (not weights_only) and ("optimizer" in f) is (not weights_only)
    if weights_only:
        with pytest.raises(FileLayoutError, match="weights file"):
            models.load_model(tmp_path / name)
        restored = sequential(4)
        restored.load_weights(tmp_path / name)
    else:
        restored = models.load_model(tmp_path / name)
        assert restored.optimizer.iterations == model.optimizer.iterations
    assert same_weights(snapshot(restored), snapshot(model))


def _leaves(node, path=()):
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _leaves(v, path + (k,))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _leaves(v, path + (i,))
    yield path


def test_fuzz_config_values_with_valid_checksum(tmp_path):
    """A crafted file (valid checksum) whose config/compile JSON has random values replaced by
    values of other types: only ValueError/OSError, never another exception, hang or crash."""
    model = functional_model(0)
    model.compile(optimizer="adam", loss="mse", metrics=["mae"])
    model.fit(_two_inputs(8), np.zeros((8, 2), "float32"), epochs=1, verbose=0)
    good = tmp_path / "good.h5"
    model.save(good)
    rng = np.random.default_rng(2024)
    odd = [None, -1, 0, 2 ** 40, -2 ** 63, 1e308, float("nan"), "", "relu", "os.system", "__class__", [], [None],
           {}, {"class_name": "Dense", "config": {}}, {"class_name": "eval"}, True, [1, 2, 3]]
    errors = 0
    for case in range(50):
        key = "model_config" if case % 3 else "compile_config"
        path = tmp_path / f"fuzz{case % 2}.h5"
        path.write_bytes(good.read_bytes())

        def mutate(doc):
            for _ in range(int(rng.integers(1, 4))):
                paths = [p for p in _leaves(doc) if p]
                target = paths[int(rng.integers(0, len(paths)))]
                parent = doc
                for k in target[:-1]:
                    parent = parent[k]
                if rng.random() < 0.2 and isinstance(parent, dict):
                    del parent[target[-1]]
                else:
                    parent[target[-1]] = odd[int(rng.integers(0, len(odd)))]
            return doc

        _rewrite_config(path, mutate, key=key)
        try:
            models.load_model(path)
        except (OSError, ValueError):
            errors += 1
    assert errors > 20
