"""Adversarial model files: configs that try to run code, build the wrong kind of object,
allocate huge memory, or exploit odd HDF5 objects. Every one must be refused with a clear
ValueError/OSError before anything big is allocated or anything is executed."""
import json
import os
import tracemalloc

import h5py
import numpy as np
import pytest

from numnet import layers, losses, saving
from numnet.saving import FileLayoutError, UnsafeFileError, h5_io
from numnet.utils import serialization

from _saving_helpers import sequential

models = pytest.importorskip("numnet.models")


def _rewrite(path, edit, key="model_config"):
    """Replace a JSON document of a model file (keeping its checksum valid, as an attacker would)."""
    with h5py.File(path, "r+") as f:
        doc = json.loads(f[key][()].tobytes()) if key in f else None
        doc = edit(doc)
        if key in f:
            del f[key]
        raw = doc if isinstance(doc, bytes) else json.dumps(doc).encode()
        f.create_dataset(key, data=np.frombuffer(raw, np.uint8))
        h5_io.write_digest(f)


@pytest.fixture
def model_file(tmp_path):
    path = tmp_path / "m.h5"
    sequential(0).save(path)
    return path


def _layers(config):
    return config["config"]["layers"]


def _peak_bytes(fn):
    """Run fn (expected to raise ValueError) and return the peak traced allocation."""
    tracemalloc.start()
    try:
        with pytest.raises(ValueError) as info:
            fn()
        return tracemalloc.get_traced_memory()[1], info
    finally:
        tracemalloc.stop()


# ----- memory bombs in the config: refused before allocating -------------------------------------------
@pytest.mark.parametrize("edit, match", [
    (lambda c: (_layers(c)[1]["config"].update(units=10 ** 8), c)[1], r"kernel.*\(6, 100000000\)"),
    (lambda c: (_layers(c)[1]["config"].update(units=10 ** 9), c)[1], "kernel"),
    (lambda c: (_layers(c).insert(1, {"class_name": "Embedding", "config": {"input_dim": 10 ** 9, "output_dim": 6}}),
                c)[1], "embeddings"),
    (lambda c: {"class_name": "Sequential", "config": {"name": "s", "layers": [
        {"class_name": "InputLayer", "config": {"batch_shape": [None, 8, 8, 3]}},
        {"class_name": "Conv2D", "config": {"filters": 10 ** 9, "kernel_size": 3}}]}}, "kernel"),
    (lambda c: {"class_name": "Sequential", "config": {"name": "s", "layers": [
        {"class_name": "InputLayer", "config": {"batch_shape": [None, 5]}},
        {"class_name": "Dense", "config": {"units": 4, "dtype": "float64"}}] * 1 + [
        {"class_name": "Dense", "config": {"units": 40_000}}, {"class_name": "Dense", "config": {"units": 40_000}}]}},
     "exceeds"),
], ids=["dense-1e8", "dense-1e9", "embedding-1e9", "conv2d-filters-1e9", "many-medium-weights"])
def test_weight_bombs_refused_before_allocating(model_file, edit, match):
    _rewrite(model_file, edit)
    peak, info = _peak_bytes(lambda: models.load_model(model_file))
    assert peak < 64 << 20, f"{peak} bytes were allocated before refusing"
    assert "Cannot load model" in str(info.value)
    assert info.match(match)


def test_build_input_shape_bomb_refused(tmp_path):
    @saving.register_serializable(package="tests_security")
    class TinySub(models.Model):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.d = layers.Dense(2)

        def call(self, x):
            return self.d(x)

    model = TinySub()
    model(np.zeros((1, 3), "float32"))
    path = tmp_path / "s.h5"
    model.save(path)
    _rewrite(path, lambda b: {"input_shape": [None, 16384, 16384, 3]}, key="build_config")
    peak, info = _peak_bytes(lambda: models.load_model(path))
    assert peak < 64 << 20 and info.match("build input")


def test_metric_bomb_in_compile_config_refused(tmp_path):
    path = tmp_path / "m.h5"
    model = sequential(0)
    model.compile(optimizer="adam", loss="mse")
    model.save(path)
    _rewrite(path, lambda c: {**c, "metrics": [{"class_name": "AUC", "config": {"num_thresholds": 10 ** 9}}]},
             key="compile_config")
    peak, info = _peak_bytes(lambda: models.load_model(path))
    assert peak < 64 << 20 and info.match("AUC")
    assert not models.load_model(path, compile=False).compiled


def test_budget_is_only_active_while_loading():
    layers.Dense(1000).build((None, 1000))  # 4 MB: fine outside a load
    with serialization.allocation_budget(1000, "a test"):
        with pytest.raises(ValueError, match="1000 bytes allowed while a test"):
            layers.Dense(300).build((None, 10))
    layers.Dense(300).build((None, 10))


# ----- names that are not numnet classes of the right kind ------------------------------------------------
@saving.register_serializable(package="tests_security")
class RegisteredLoss(losses.Loss):
    built_from_config = 0

    def call(self, y_true, y_pred):
        return (y_true - y_pred) ** 2

    @classmethod
    def from_config(cls, config):
        cls.built_from_config += 1
        return super().from_config(config)


BAD_LAYER_NAMES = ["Tensor", "Variable", "Node", "SymbolicTensor", "Layer", "_Merge", "_Pooling", "BaseConv",
                   "Adam", "MeanSquaredError", "AUC", "relu", "glorot_uniform", "L2", "object", "type", "eval",
                   "exec", "__import__", "__class__", "__init__", "__subclasses__", "os.system", "builtins.eval",
                   "numnet.layers.Dense", "numnet.autograd.Tensor", "tests_security>RegisteredLoss",
                   "RegisteredLoss", "Custom>Dense/../eval", ""]


@pytest.mark.parametrize("name", BAD_LAYER_NAMES)
def test_layer_config_naming_anything_else_is_refused(model_file, name):
    before = RegisteredLoss.built_from_config
    _rewrite(model_file, lambda c: (_layers(c)[1].update(class_name=name), c)[1])
    with pytest.raises(ValueError, match="Cannot load model"):
        models.load_model(model_file)
    _rewrite(model_file, lambda c: {**c, "class_name": name, "registered_name": name})
    with pytest.raises(ValueError, match="Cannot load model"):
        models.load_model(model_file)
    assert RegisteredLoss.built_from_config == before  # never even built


@pytest.mark.parametrize("trick", [
    {"class_name": "Dense", "module": "os", "registered_name": "system"},
    {"class_name": "Dense", "module": "builtins", "registered_name": "builtins>eval"},
    {"class_name": "Dense", "registered_name": "tests_security>RegisteredLoss"},
])
def test_module_and_registered_name_tricks(model_file, trick):
    """`module` is ignored; a registered name of another kind is refused, not built."""
    before = RegisteredLoss.built_from_config
    _rewrite(model_file, lambda c: (_layers(c)[1].update(trick), c)[1])
    if trick["registered_name"].startswith("tests_security"):
        with pytest.raises(ValueError, match="not a layer"):
            models.load_model(model_file)
    else:  # unknown registered name: falls back to numnet's own Dense, module ignored
        assert isinstance(models.load_model(model_file).layers[0], layers.Dense)
    assert RegisteredLoss.built_from_config == before


def test_deserialize_checks_the_kind_before_building():
    before = RegisteredLoss.built_from_config
    config = {"class_name": "RegisteredLoss", "registered_name": "tests_security>RegisteredLoss", "config": {}}
    with pytest.raises(TypeError, match="not a layer"):
        layers.deserialize(config)
    assert RegisteredLoss.built_from_config == before
    assert isinstance(losses.deserialize(config), RegisteredLoss)          # the right kind is fine
    with pytest.raises(TypeError, match="not a layer"):
        layers.deserialize({"class_name": "MyLoss", "config": {}}, custom_objects={"MyLoss": RegisteredLoss})
    for name in ("_Merge", "BaseConv", "Tensor"):
        with pytest.raises(ValueError, match="Unknown layer"):
            layers.deserialize({"class_name": name, "config": {}})


@pytest.mark.parametrize("edit", [
    lambda c: {**c, "loss": "os.system"},
    lambda c: {**c, "loss": {"class_name": "LossFunctionWrapper", "config": {"fn": "eval"}}},
    lambda c: {**c, "loss": {"class_name": "Dense", "config": {"units": 1}}},
    lambda c: {**c, "optimizer": {"class_name": "Dense", "config": {}}},
    lambda c: {**c, "optimizer": {"class_name": "Adam", "config": {"learning_rate": {"class_name": "Dense",
                                                                                     "config": {}}}}},
    lambda c: {**c, "metrics": [{"class_name": "MeanMetricWrapper", "config": {"fn": "__import__"}}]},
    lambda c: {**c, "metrics": ["Sequential"]},
    lambda c: {**c, "loss": "tests_security>RegisteredLoss.__init__"},
], ids=["loss-name", "wrapper-fn", "loss-layer", "optimizer-layer", "schedule-layer", "metric-wrapper-fn",
        "metric-model", "loss-attribute-path"])
def test_compile_config_naming_other_objects_refused(tmp_path, edit):
    path = tmp_path / "m.h5"
    model = sequential(0)
    model.compile(optimizer="adam", loss="mse")
    model.save(path)
    _rewrite(path, edit, key="compile_config")
    with pytest.raises(ValueError, match="compile"):
        models.load_model(path)


def test_deeply_nested_config_is_a_value_error(model_file):
    nested = '{"class_name":"Sequential","config":{"layers":[' * 400 + "]}}" * 400
    _rewrite(model_file, lambda c: nested.encode())
    with pytest.raises(ValueError):
        models.load_model(model_file)


@pytest.mark.parametrize("doc", [b'{"class_name": "Sequential", "config": {"layers": [], "x": ' + b"9" * 5000 + b"}}",
                                 b"\xff\xfe{}", b"", b"null", b"[1, 2]", b'"Sequential"'])
def test_odd_json_documents(model_file, doc):
    _rewrite(model_file, lambda c: doc)
    with pytest.raises(ValueError):
        models.load_model(model_file)


# ----- odd HDF5 objects ------------------------------------------------------------------------------------
def test_null_dataspace_dataset_refused(tmp_path):
    path = tmp_path / "m.h5"
    model = sequential(0)
    model.compile(optimizer="adam", loss="mse")
    model.fit(np.zeros((4, 6), "float32"), np.zeros((4, 3), "float32"), verbose=0)
    model.save(path)
    with h5py.File(path, "r+") as f:
        del f["optimizer/0"]
        f.create_dataset("optimizer/0", data=h5py.Empty("i8"))
        h5_io.write_digest(f)
    with pytest.raises(UnsafeFileError, match="no dataspace"):
        models.load_model(path)


def test_empty_and_odd_attributes_give_layout_errors(model_file):
    with h5py.File(model_file, "r+") as f:
        f.attrs["format_version"] = h5py.Empty("i8")
        h5_io.write_digest(f)
    with pytest.raises(FileLayoutError, match="format_version"):
        models.load_model(model_file)
    with h5py.File(model_file, "r+") as f:
        f.attrs["format_version"] = 1
        f.attrs["numnet_format"] = np.array([1.5, 2.5])
        h5_io.write_digest(f)
    with pytest.raises(FileLayoutError, match="numnet_format"):
        models.load_model(model_file)


def test_optimizer_state_of_the_wrong_kind_refused(tmp_path):
    path = tmp_path / "m.h5"
    model = sequential(0)
    model.compile(optimizer="adam", loss="mse")
    model.fit(np.zeros((4, 6), "float32"), np.zeros((4, 3), "float32"), verbose=0)
    model.save(path)
    with h5py.File(path, "r+") as f:
        del f["optimizer/0"]
        f.create_dataset("optimizer/0", data=np.float64(1e300))  # the iteration count
        h5_io.write_digest(f)
    with pytest.raises(ValueError, match="optimizer state.*integer"):
        models.load_model(path)


def test_too_many_attributes_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(h5_io, "MAX_OBJECTS", 50)
    path = tmp_path / "x.h5"
    with h5py.File(path, "w") as f:
        g = f.create_group("layers/dense/vars")
        g.create_dataset("0", data=np.zeros(3, "f4"))
        for i in range(60):
            g["0"].attrs[f"a{i}"] = i
    with pytest.raises(UnsafeFileError, match="attributes"):
        with h5_io.open_h5(path):
            pass


def test_external_link_to_a_local_file_is_never_followed(tmp_path, monkeypatch):
    """An external link pointing at a real, readable HDF5 file on the host is refused unread."""
    victim = tmp_path / "private.weights.h5"
    sequential(5).save_weights(victim)
    opened = []
    real_file = h5py.File

    def spy(name, *args, **kwargs):
        opened.append(os.path.basename(str(name)))
        return real_file(name, *args, **kwargs)

    path = tmp_path / "evil.h5"
    with h5py.File(path, "w") as f:
        f.attrs["numnet_format"] = np.bytes_(b"weights")
        f["model_weights"] = h5py.ExternalLink(str(victim), "/model_weights")
    monkeypatch.setattr(h5py, "File", spy)
    target = sequential(1)
    before = [w.copy() for w in target.get_weights()]
    with pytest.raises(UnsafeFileError, match="external link"):
        target.load_weights(path)
    assert "private.weights.h5" not in opened
    assert all(np.array_equal(a, b) for a, b in zip(before, target.get_weights()))


def test_lambda_style_layer_with_registered_function_round_trips(tmp_path):
    """Refusal is about unregistered code: a registered function is saved by name only."""
    @saving.register_serializable(package="tests_security", name="double")
    def double(t):
        return t * 2.0

    class Apply(layers.Layer):
        def __init__(self, function=None, **kwargs):
            super().__init__(**kwargs)
            self.function = function

        def call(self, inputs):
            return self.function(inputs)

        def get_config(self):
            return {**super().get_config(), "function": serialization.get_registered_name(self.function)}

        @classmethod
        def from_config(cls, config):
            config = dict(config)
            config["function"] = serialization.resolve(config["function"], {}, kind="function")
            return cls(**config)

    model = models.Sequential([layers.Input(shape=(3,)), Apply(double), layers.Dense(1)])
    model.save(tmp_path / "m.h5")
    with h5py.File(tmp_path / "m.h5", "r") as f:
        assert b"tests_security>double" in f["model_config"][()].tobytes()
    loaded = models.load_model(tmp_path / "m.h5", custom_objects={"Apply": Apply})
    x = np.ones((2, 3), "float32")
    assert np.array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))


def test_functional_config_in_reverse_order_rebuilds_in_linear_work(monkeypatch):
    """Layers listed in reverse topological order (a crafted config) rebuild correctly, and the
    work is linear in the number of layers (a quadratic rebuild would let a 6 MB file hang)."""
    import numnet.models.functional as functional

    n = 400
    first = {"class_name": "InputLayer", "name": "in0",
             "config": {"name": "in0", "batch_shape": [None, 2], "dtype": "float32"}, "inbound_nodes": []}
    chain = []
    for i in range(n):
        prev = "in0" if i == 0 else f"a{i - 1}"
        chain.append({"class_name": "Activation", "name": f"a{i}", "config": {"name": f"a{i}", "activation": "tanh"},
                      "inbound_nodes": [{"args": [{"class_name": "__keras_tensor__",
                                                   "config": {"keras_history": [prev, 0, 0]}}], "kwargs": {}}]})
    config = {"class_name": "Functional", "config": {"name": "chain", "layers": [first] + chain[::-1],
                                                     "input_layers": [["in0", 0, 0]],
                                                     "output_layers": [[f"a{n - 1}", 0, 0]]}}
    calls = []
    real = functional._is_ref
    monkeypatch.setattr(functional, "_is_ref", lambda v: (calls.append(1), real(v))[1])
    model = functional.Functional.from_config(config["config"])
    assert len(calls) < 10 * n, f"{len(calls)} reference checks for {n} layers"
    x = np.array([[0.5, -1.0]], "float32")
    expected = x
    for _ in range(n):
        expected = np.tanh(expected)
    np.testing.assert_allclose(model.predict(x, verbose=0), expected, rtol=1e-5)
