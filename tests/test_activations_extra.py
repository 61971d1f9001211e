"""The Keras 3 activations added to numnet.activations / numnet.ops: values, gradients, lookup, errors."""
import numpy as np
import pytest

import numnet
from numnet import activations
from numnet.utils import gradient_check

# Points away from the kinks (+-1, +-0.5, 0), so central differences see one branch.
X = np.array([-3.1, -1.7, -0.8, -0.35, -0.1, 0.15, 0.4, 0.7, 1.3, 2.6])


def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def _sparsemax_ref(z):
    """Sparsemax by bisection on tau: sum(max(z - tau, 0)) = 1."""
    lo, hi = z.min() - 1, z.max()
    for _ in range(200):
        tau = (lo + hi) / 2
        if np.maximum(z - tau, 0).sum() > 1:
            lo = tau
        else:
            hi = tau
    return np.maximum(z - (lo + hi) / 2, 0)


REFERENCES = {
    "celu": (lambda x: np.where(x > 0, x, np.expm1(x)), {}),
    "hard_tanh": (lambda x: np.clip(x, -1, 1), {}),
    "hard_shrink": (lambda x: np.where(np.abs(x) > 0.5, x, 0), {}),
    "soft_shrink": (lambda x: np.where(x > 0.5, x - 0.5, np.where(x < -0.5, x + 0.5, 0)), {}),
    "tanh_shrink": (lambda x: x - np.tanh(x), {}),
    "squareplus": (lambda x: (x + np.sqrt(x * x + 4)) / 2, {}),
    "sparse_plus": (lambda x: np.where(x <= -1, 0, np.where(x >= 1, x, (x + 1) ** 2 / 4)), {}),
    "sparse_sigmoid": (lambda x: np.where(x <= -1, 0, np.where(x >= 1, 1, (x + 1) / 2)), {}),
    "log_sigmoid": (lambda x: np.log(_sigmoid(x)), {}),
}
WITH_ARGS = [
    ("celu", {"alpha": 2.5}, lambda x: np.where(x > 0, x, 2.5 * np.expm1(x / 2.5))),
    ("hard_shrink", {"threshold": 0.2}, lambda x: np.where(np.abs(x) > 0.2, x, 0)),
    ("soft_shrink", {"threshold": 1.0}, lambda x: np.sign(x) * np.maximum(np.abs(x) - 1, 0)),
    ("squareplus", {"b": 0.5}, lambda x: (x + np.sqrt(x * x + 0.5)) / 2),
    ("threshold", {"threshold": 0.3, "default_value": -2.0}, lambda x: np.where(x > 0.3, x, -2.0)),
]


@pytest.mark.parametrize("name", sorted(REFERENCES))
def test_values_match_numpy_and_stay_float32(name):
    ref, kwargs = REFERENCES[name]
    out = getattr(activations, name)(X.astype(np.float32), **kwargs)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out.data, ref(X), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name,kwargs,ref", WITH_ARGS)
def test_arguments_change_the_formula(name, kwargs, ref):
    np.testing.assert_allclose(getattr(activations, name)(X, **kwargs).data, ref(X), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("name", sorted(REFERENCES) + ["glu", "sparsemax"])
def test_gradients_float64(name):
    fn = getattr(activations, name)
    x = np.random.default_rng(0).choice(X, size=(3, 4))
    if name == "sparsemax":
        x = np.array([[1.0, 0.8, 0.1, -0.5], [0.3, 0.2, 0.25, 0.1], [2.0, -1.0, 0.05, 0.4]])
    assert gradient_check(lambda t: fn(t), [x]) < 1e-6


@pytest.mark.parametrize("name,kwargs,ref", WITH_ARGS)
def test_gradients_with_arguments(name, kwargs, ref):
    assert gradient_check(lambda t: getattr(activations, name)(t, **kwargs), [X.reshape(2, 5)]) < 1e-6


def test_glu_halves_the_axis():
    x = np.random.default_rng(1).normal(size=(2, 6, 3))
    out = activations.glu(x, axis=1)
    assert out.shape == (2, 3, 3)
    np.testing.assert_allclose(out.data, x[:, :3] * _sigmoid(x[:, 3:]), rtol=1e-12)
    assert gradient_check(lambda t: activations.glu(t, axis=1), [x]) < 1e-6


def test_sparsemax_projects_onto_the_simplex():
    x = np.random.default_rng(2).normal(size=(5, 7)) * 2
    out = activations.sparsemax(x).data
    np.testing.assert_allclose(out.sum(axis=-1), 1.0, rtol=1e-12)
    assert (out >= 0).all() and (out == 0).any()
    for row, ref_row in zip(out, x):
        np.testing.assert_allclose(row, _sparsemax_ref(ref_row), atol=1e-9)
    along0 = activations.sparsemax(x.T, axis=0).data
    np.testing.assert_allclose(along0, out.T, atol=1e-12)
    np.testing.assert_allclose(activations.sparsemax(np.zeros((1, 4))).data, 0.25)


def test_ops_export_the_same_functions():
    for name in ("celu", "glu", "hard_tanh", "hard_shrink", "soft_shrink", "tanh_shrink", "squareplus",
                 "sparse_plus", "sparse_sigmoid", "threshold", "sparsemax", "log_sigmoid"):
        assert getattr(numnet.ops, name) is getattr(activations, name)


def test_get_serialize_and_layer():
    for name in ("celu", "glu", "hard_tanh", "hard_shrink", "soft_shrink", "tanh_shrink", "squareplus",
                 "sparse_plus", "sparse_sigmoid", "sparsemax", "log_sigmoid", "threshold"):
        fn = activations.get(name)
        assert fn is getattr(activations, name)
        assert activations.serialize(fn) == name
        assert activations.deserialize(name) is fn
    layer = numnet.layers.Dense(4, activation="hard_tanh")
    assert numnet.layers.Dense.from_config(layer.get_config()).activation is activations.hard_tanh
    with pytest.raises(ValueError, match="celu"):
        activations.get("celu_typo")


@pytest.mark.parametrize("call,match", [
    (lambda: activations.glu(np.ones((2, 3))), r"divisible by 2.*x.shape=\(2, 3\)"),
    (lambda: activations.glu(np.ones((2, 4)), axis=2), r"`axis`.*axis=2"),
    (lambda: activations.squareplus(np.ones(3), b=-1), r"`b`.*b=-1"),
    (lambda: activations.hard_shrink(np.ones(3), threshold=-0.1), r"`threshold`.*threshold=-0.1"),
    (lambda: activations.soft_shrink(np.ones(3), threshold="a"), r"`threshold`.*threshold='a'"),
    (lambda: activations.celu(np.ones(3), alpha=0), r"`alpha`.*alpha=0"),
    (lambda: activations.sparsemax(np.float64(1.0)), r"sparsemax.*scalar"),
    (lambda: activations.sparsemax(np.ones((2, 3)), axis=-3), r"`axis`.*axis=-3"),
])
def test_bad_arguments_are_named(call, match):
    with pytest.raises(ValueError, match=match):
        call()
