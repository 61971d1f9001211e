"""numnet.activations: values against NumPy references, gradients, lookup and serialization."""
import math

import numpy as np
import pytest

import numnet
from numnet import activations
from numnet.autograd import Tensor
from numnet.utils import gradient_check

X = np.array([-5.0, -3.0, -1.5, -0.3, 0.2, 0.9, 2.5, 3.5, 7.0])
_erf = np.vectorize(math.erf)


def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


REFERENCES = {
    "relu": lambda x: np.maximum(x, 0),
    "leaky_relu": lambda x: np.where(x > 0, x, 0.2 * x),
    "relu6": lambda x: np.clip(x, 0, 6),
    "elu": lambda x: np.where(x > 0, x, np.exp(x) - 1),
    "selu": lambda x: 1.0507009873554805 * np.where(x > 0, x, 1.6732632423543772 * (np.exp(x) - 1)),
    "gelu": lambda x: 0.5 * x * (1 + _erf(x / np.sqrt(2))),
    "softplus": lambda x: np.log1p(np.exp(x)),
    "softsign": lambda x: x / (1 + np.abs(x)),
    "silu": lambda x: x * _sigmoid(x),
    "swish": lambda x: x * _sigmoid(x),
    "sigmoid": _sigmoid,
    "hard_sigmoid": lambda x: np.clip(x + 3, 0, 6) / 6,
    "hard_silu": lambda x: x * np.clip(x + 3, 0, 6) / 6,
    "tanh": np.tanh,
    "exponential": np.exp,
    "mish": lambda x: x * np.tanh(np.log1p(np.exp(x))),
    "linear": lambda x: x,
}


@pytest.mark.parametrize("name", sorted(REFERENCES))
def test_values_match_numpy(name):
    fn = activations.get(name)
    out = fn(Tensor(X.astype(np.float32)))
    out = getattr(out, "data", out)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, REFERENCES[name](X), rtol=2e-5, atol=2e-6)


def test_softmax_and_log_softmax():
    x = np.random.default_rng(0).standard_normal((3, 4, 5))
    for axis in (-1, 1):
        e = np.exp(x - x.max(axis=axis, keepdims=True))
        ref = e / e.sum(axis=axis, keepdims=True)
        np.testing.assert_allclose(activations.softmax(Tensor(x), axis=axis).data, ref, rtol=1e-12)
        np.testing.assert_allclose(activations.log_softmax(Tensor(x), axis=axis).data, np.log(ref), rtol=1e-10)


def test_gelu_approximate_and_parameters():
    x = Tensor(X)
    tanh_ref = 0.5 * X * (1 + np.tanh(np.sqrt(2 / np.pi) * (X + 0.044715 * X ** 3)))
    np.testing.assert_allclose(activations.gelu(x, approximate=True).data, tanh_ref, rtol=1e-12)
    assert not np.allclose(activations.gelu(x).data, tanh_ref, rtol=1e-9, atol=0)  # default is exact
    np.testing.assert_allclose(activations.leaky_relu(x, negative_slope=0.5).data, np.where(X > 0, X, 0.5 * X))
    np.testing.assert_allclose(activations.elu(x, alpha=2.0).data, np.where(X > 0, X, 2 * (np.exp(X) - 1)))


def test_relu_keras_parameters():
    x = Tensor(np.array([-10.0, -5.0, 0.0, 5.0, 10.0]))
    np.testing.assert_allclose(activations.relu(x, negative_slope=0.5).data, [-5, -2.5, 0, 5, 10])
    np.testing.assert_allclose(activations.relu(x, max_value=5.0).data, [0, 0, 0, 5, 5])
    np.testing.assert_allclose(activations.relu(x, threshold=5.0).data, [0, 0, 0, 0, 10])
    np.testing.assert_allclose(activations.relu(x, negative_slope=0.1, threshold=1.0, max_value=8.0).data,
                               [-1.1, -0.6, -0.1, 5, 8])


GRAD_CASES = [(n, {}) for n in sorted(REFERENCES) if n != "linear"] + [
    ("relu", {"negative_slope": 0.1, "max_value": 4.0, "threshold": 0.5}),
    ("gelu", {"approximate": True}),
    ("softmax", {"axis": 0}),
    ("log_softmax", {}),
]


@pytest.mark.parametrize("name,kwargs", GRAD_CASES)
def test_gradients(name, kwargs):
    x = np.random.default_rng(1).uniform(-4, 4, (3, 5))
    # keep away from the kinks, where finite differences are meaningless
    for kink in (0.0, -3.0, 3.0, 6.0, 0.5, 4.0):
        x[np.abs(x - kink) < 1e-2] += 0.05
    fn = activations.get(name)
    assert gradient_check(lambda t: fn(t, **kwargs), [x]) < 1e-6


def test_get_resolves_names_callables_and_none():
    assert activations.get(None) is activations.linear
    assert activations.get("relu") is activations.relu
    assert activations.get("swish") is activations.silu
    custom = lambda x: x * 2  # noqa: E731
    assert activations.get(custom) is custom


@pytest.mark.parametrize("bad", ["relux", "Relu", "", 3])
def test_get_unknown_lists_valid_names(bad):
    with pytest.raises(ValueError) as err:
        activations.get(bad)
    msg = str(err.value)
    assert repr(bad) in msg and "relu" in msg and "softmax" in msg


def test_serialize_round_trip():
    for name in sorted(REFERENCES):
        fn = activations.get(name)
        assert activations.deserialize(activations.serialize(fn)) is fn
    with pytest.raises(ValueError):
        activations.serialize(lambda x: x)


def test_float32_preserved_and_module_exports():
    x = Tensor(np.linspace(-2, 2, 7, dtype=np.float32))
    for name in ("relu", "gelu", "elu", "selu", "softmax", "hard_sigmoid", "mish"):
        assert activations.get(name)(x).dtype == np.float32
    assert numnet.activations.relu is activations.relu
