"""numnet.constraints: keras.constraints' classes, lookup by name, and their use by layers and optimizers."""
import numpy as np
import pytest

import numnet as keras
from numnet import constraints


def _col_norms(w, axis=0):
    return np.sqrt(np.sum(np.square(w), axis=axis))


def test_max_norm_clips_column_norms():
    w = np.array([[3.0, 0.3], [4.0, 0.4]], dtype=np.float32)  # column norms 5 and 0.5
    out = constraints.MaxNorm(max_value=2)(w).data
    assert out.dtype == np.float32
    np.testing.assert_allclose(_col_norms(out), [2.0, 0.5], rtol=1e-5)
    np.testing.assert_allclose(out[:, 0] / out[1, 0], w[:, 0] / w[1, 0], rtol=1e-6)
    rows = constraints.MaxNorm(1.0, axis=1)(w).data
    np.testing.assert_allclose(_col_norms(rows, axis=1), [1.0, 1.0], rtol=1e-5)


def test_min_max_norm_and_rate():
    w = np.array([[0.3, 3.0], [0.4, 4.0]])  # norms 0.5 and 5
    np.testing.assert_allclose(_col_norms(constraints.MinMaxNorm(1.0, 2.0)(w).data), [1.0, 2.0], rtol=1e-6)
    half = constraints.MinMaxNorm(1.0, 2.0, rate=0.5)(w).data
    np.testing.assert_allclose(_col_norms(half), [0.75, 3.5], rtol=1e-6)
    with pytest.raises(ValueError, match="min_value"):
        constraints.MinMaxNorm(3.0, 1.0)


def test_non_neg_and_unit_norm():
    np.testing.assert_array_equal(constraints.NonNeg()(np.array([-1.0, 0.0, 2.0])).data, [0.0, 0.0, 2.0])
    k = np.random.default_rng(0).normal(size=(3, 3, 2, 4))
    out = constraints.UnitNorm(axis=[0, 1, 2])(k).data
    np.testing.assert_allclose(np.sqrt((out ** 2).sum(axis=(0, 1, 2))), np.ones(4), rtol=1e-6)
    assert constraints.Constraint()(k) is k


def test_get_serialize_deserialize():
    assert constraints.get(None) is None
    assert isinstance(constraints.get("max_norm"), constraints.MaxNorm)
    assert isinstance(constraints.get("NonNeg"), constraints.NonNeg)
    assert isinstance(constraints.get(constraints.UnitNorm), constraints.UnitNorm)
    fn = lambda w: w  # noqa: E731
    assert constraints.get(fn) is fn
    c = constraints.MinMaxNorm(0.5, 3.0, rate=0.8, axis=[0, 1])
    config = constraints.serialize(c)
    assert config == {"class_name": "MinMaxNorm", "config": {"min_value": 0.5, "max_value": 3.0, "rate": 0.8,
                                                             "axis": [0, 1]}}
    back = constraints.get(config)
    assert isinstance(back, constraints.MinMaxNorm) and back.get_config() == c.get_config()
    assert isinstance(constraints.deserialize("unit_norm"), constraints.UnitNorm)
    with pytest.raises(ValueError, match="max_norm"):
        constraints.get("maxnorm_typo")
    with pytest.raises(ValueError, match="Unknown constraint"):
        constraints.deserialize({"class_name": "Nope", "config": {}})
    assert constraints.max_norm is constraints.MaxNorm and constraints.non_neg is constraints.NonNeg


def test_registered_custom_constraint_resolves_by_name():
    @keras.saving.register_keras_serializable(package="TestConstraints")
    class Clip(constraints.Constraint):
        def __init__(self, limit=1.0):
            self.limit = limit

        def __call__(self, w):
            return keras.ops.clip(w, -self.limit, self.limit)

        def get_config(self):
            return {"limit": self.limit}

    layer = keras.layers.Dense(2, kernel_constraint=Clip(0.1))
    again = keras.layers.Dense.from_config(layer.get_config())
    assert isinstance(again.kernel_constraint, Clip) and again.kernel_constraint.limit == 0.1


def test_layers_accept_names_configs_and_objects():
    d = keras.layers.Dense(3, kernel_constraint="max_norm", bias_constraint={"class_name": "NonNeg", "config": {}})
    assert isinstance(d.kernel_constraint, constraints.MaxNorm)
    assert isinstance(d.bias_constraint, constraints.NonNeg)
    again = keras.layers.Dense.from_config(d.get_config())
    assert again.kernel_constraint.get_config() == {"max_value": 2, "axis": 0}
    bn = keras.layers.BatchNormalization(gamma_constraint="non_neg")
    assert isinstance(bn.gamma_constraint, constraints.NonNeg)
    with pytest.raises(ValueError, match="Dense: invalid kernel_constraint='bogus'"):
        keras.layers.Dense(3, kernel_constraint="bogus")


def test_optimizer_applies_constraints_during_fit():
    keras.utils.set_random_seed(0)
    x = np.random.default_rng(0).normal(size=(64, 4)).astype(np.float32)
    y = (x @ np.array([[5.0], [-5.0], [5.0], [-5.0]], dtype=np.float32)) * 3
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1, kernel_constraint=keras.constraints.MaxNorm(1.0),
                                                                    bias_constraint="non_neg")])
    model.compile(keras.optimizers.SGD(0.1), "mse")
    model.fit(x, y - 10.0, epochs=3, batch_size=16, verbose=0)
    kernel, bias = model.layers[0].get_weights()
    assert _col_norms(kernel)[0] <= 1.0 + 1e-5
    assert bias[0] >= 0.0


def test_constraint_survives_save_and_load(tmp_path):
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2, kernel_constraint="unit_norm")])
    path = tmp_path / "m.h5"
    model.save(path)
    loaded = keras.models.load_model(path)
    assert isinstance(loaded.layers[0].kernel_constraint, constraints.UnitNorm)
