"""Elementwise ops: forward values, gradients (central differences in float64), dtypes, errors."""
import math
import warnings

import numpy as np
import pytest

import numnet
from numnet import Tensor, ops
from numnet.utils import gradient_check

TOL = 1e-6


def rand(*shape, seed=0, low=-2.0, high=2.0, avoid=(), margin=0.05):
    """float64 values in [low, high) at least `margin` away from each kink in `avoid`."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(low, high, size=shape)
    for k in avoid:
        near = np.abs(x - k) < margin
        x[near] = k + np.where(x[near] >= k, margin, -margin) * 2
    return x


# (name, function, input sampler, reference forward)
_erf = np.vectorize(math.erf)
UNARY = [
    ("exp", ops.exp, lambda: rand(3, 4), np.exp),
    ("log", ops.log, lambda: rand(3, 4, low=0.2, high=3.0), np.log),
    ("sqrt", ops.sqrt, lambda: rand(3, 4, low=0.2, high=3.0), np.sqrt),
    ("abs", ops.abs, lambda: rand(3, 4, avoid=(0,)), np.abs),
    ("absolute", ops.absolute, lambda: rand(5, avoid=(0,)), np.abs),
    ("square", ops.square, lambda: rand(3, 4), np.square),
    ("reciprocal", ops.reciprocal, lambda: rand(3, 4, low=0.3, high=2.0), lambda x: 1 / x),
    ("log1p", ops.log1p, lambda: rand(3, 4, low=-0.5, high=2.0), np.log1p),
    ("expm1", ops.expm1, lambda: rand(3, 4), np.expm1),
    ("sin", ops.sin, lambda: rand(3, 4), np.sin),
    ("cos", ops.cos, lambda: rand(3, 4), np.cos),
    ("erf", ops.erf, lambda: rand(4, 5, low=-3, high=3), _erf),
    ("tanh", ops.tanh, lambda: rand(3, 4), np.tanh),
    ("sigmoid", ops.sigmoid, lambda: rand(3, 4, low=-6, high=6), lambda x: 1 / (1 + np.exp(-x))),
    ("relu", ops.relu, lambda: rand(3, 4, avoid=(0,)), lambda x: np.maximum(x, 0)),
    ("relu6", ops.relu6, lambda: rand(3, 4, low=-2, high=8, avoid=(0, 6)), lambda x: np.clip(x, 0, 6)),
    ("leaky_relu", ops.leaky_relu, lambda: rand(3, 4, avoid=(0,)), lambda x: np.where(x > 0, x, 0.2 * x)),
    ("elu", ops.elu, lambda: rand(3, 4, avoid=(0,)), lambda x: np.where(x > 0, x, np.expm1(x))),
    ("selu", ops.selu, lambda: rand(3, 4, avoid=(0,)),
     lambda x: 1.0507009873554805 * np.where(x > 0, x, 1.6732632423543772 * np.expm1(x))),
    ("gelu_tanh", ops.gelu, lambda: rand(3, 4, low=-4, high=4),
     lambda x: 0.5 * x * (1 + np.tanh(np.sqrt(2 / np.pi) * (x + 0.044715 * x ** 3)))),
    ("gelu_exact", lambda x: ops.gelu(x, approximate=False), lambda: rand(3, 4, low=-5, high=5),
     lambda x: 0.5 * x * (1 + _erf(x / np.sqrt(2)))),
    ("softplus", ops.softplus, lambda: rand(3, 4, low=-5, high=5), lambda x: np.log1p(np.exp(x))),
    ("softsign", ops.softsign, lambda: rand(3, 4, avoid=(0,)), lambda x: x / (1 + np.abs(x))),
    ("silu", ops.silu, lambda: rand(3, 4, low=-5, high=5), lambda x: x / (1 + np.exp(-x))),
    ("swish", ops.swish, lambda: rand(3, 4, low=-5, high=5), lambda x: x / (1 + np.exp(-x))),
    ("log_sigmoid", ops.log_sigmoid, lambda: rand(3, 4, low=-5, high=5), lambda x: -np.log1p(np.exp(-x))),
    ("hard_sigmoid", ops.hard_sigmoid, lambda: rand(3, 4, low=-5, high=5, avoid=(-3, 3)),
     lambda x: np.clip(x + 3, 0, 6) / 6),
    ("hard_silu", ops.hard_silu, lambda: rand(3, 4, low=-5, high=5, avoid=(-3, 3)),
     lambda x: x * np.clip(x + 3, 0, 6) / 6),
    ("clip", lambda x: ops.clip(x, -0.5, 1.0), lambda: rand(3, 4, avoid=(-0.5, 1.0)),
     lambda x: np.clip(x, -0.5, 1.0)),
]


@pytest.mark.parametrize("name,fn,sample,ref", UNARY, ids=[u[0] for u in UNARY])
def test_unary_forward_matches_reference(name, fn, sample, ref):
    x = sample()
    out = fn(Tensor(x))
    assert out.dtype == np.float64
    np.testing.assert_allclose(out.data, ref(x), rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("name,fn,sample,ref", UNARY, ids=[u[0] for u in UNARY])
def test_unary_gradient(name, fn, sample, ref):
    assert gradient_check(fn, [sample()]) < TOL


@pytest.mark.parametrize("name,fn,sample,ref", UNARY, ids=[u[0] for u in UNARY])
def test_unary_float32_in_float32_out(name, fn, sample, ref):
    x = Tensor(sample().astype(np.float32), requires_grad=True)
    out = fn(x)
    assert out.dtype == np.float32
    out.backward(np.ones(out.shape, dtype=np.float32))
    assert x.grad.dtype == np.float32
    np.testing.assert_allclose(out.data, ref(x.data.astype(np.float64)), rtol=2e-6, atol=2e-6)


def test_integer_input_of_transcendental_ops_gives_float32():
    x = Tensor(np.array([0, 1, 2]))
    for fn in (ops.exp, ops.sigmoid, ops.tanh, ops.sqrt, ops.gelu, ops.softplus):
        assert fn(x).dtype == np.float32
    assert ops.relu(x).dtype == x.dtype
    assert ops.abs(x).dtype == x.dtype


def test_extreme_inputs_stay_finite_without_warnings():
    x = np.array([-1000.0, -100.0, -20.0, 0.0, 20.0, 100.0, 1000.0], dtype=np.float32)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        s = ops.sigmoid(x).data
        sp = ops.softplus(x).data
        ls = ops.log_sigmoid(x).data
        sw = ops.silu(x).data
        ge = ops.gelu(x, approximate=False).data
        el = ops.elu(x).data
    np.testing.assert_array_equal(s[[0, -1]], [0.0, 1.0])
    assert s[2] > 0 and abs(s[2] / math.exp(-20) - 1) < 1e-5  # relative accuracy in the tail
    np.testing.assert_allclose(sp, np.logaddexp(0, x.astype(np.float64)), rtol=1e-6, atol=1e-30)
    np.testing.assert_allclose(ls[[0, 1, -1]], [-1000.0, -100.0, 0.0], atol=1e-6)
    for arr in (s, sp, ls, sw, ge, el):
        assert np.all(np.isfinite(arr)) and arr.dtype == np.float32


def test_erf_matches_math_erf_to_float64_precision():
    x = np.concatenate([np.linspace(-7, 7, 4001), np.geomspace(1e-12, 1, 100), [0.0]])
    expected = np.array([math.erf(v) for v in x])
    got = ops.erf(x).data
    rel = np.abs(got - expected) / np.maximum(np.abs(expected), 1e-300)
    assert rel.max() < 1e-14
    np.testing.assert_array_equal(ops.erf(np.array([np.inf, -np.inf, 50.0])).data, [1.0, -1.0, 1.0])


def test_gelu_exact_float32_close_to_float64():
    x = np.linspace(-8, 8, 1001)
    exact = 0.5 * x * (1 + _erf(x / np.sqrt(2)))
    got = ops.gelu(x.astype(np.float32), approximate=False).data
    assert got.dtype == np.float32
    np.testing.assert_allclose(got, exact, rtol=1e-6, atol=1e-7)


def test_leaky_relu_and_elu_parameters():
    x = np.array([-2.0, 3.0])
    np.testing.assert_allclose(ops.leaky_relu(x, negative_slope=0.1).data, [-0.2, 3.0])
    np.testing.assert_allclose(ops.elu(x, alpha=2.0).data, [2.0 * np.expm1(-2.0), 3.0])
    assert gradient_check(lambda t: ops.leaky_relu(t, negative_slope=0.01), [rand(4, avoid=(0,))]) < TOL
    assert gradient_check(lambda t: ops.elu(t, alpha=0.5), [rand(4, avoid=(0,))]) < TOL


@pytest.mark.parametrize("fn,ref", [(ops.maximum, np.maximum), (ops.minimum, np.minimum)])
@pytest.mark.parametrize("sa,sb", [((3, 4), (3, 4)), ((3, 1), (1, 4)), ((2, 3, 4), (4,)), ((), (2, 3))])
def test_maximum_minimum_broadcast(fn, ref, sa, sb):
    a, b = rand(*sa, seed=1), rand(*sb, seed=2)
    np.testing.assert_array_equal(fn(a, b).data, ref(a, b))
    assert gradient_check(fn, [a, b]) < TOL


def test_maximum_splits_gradient_on_ties():
    a = Tensor(np.array([1.0, 2.0, 3.0]), requires_grad=True)
    b = Tensor(np.array([2.0, 2.0, 1.0]), requires_grad=True)
    ops.maximum(a, b).sum().backward()
    np.testing.assert_array_equal(a.grad, [0.0, 0.5, 1.0])
    np.testing.assert_array_equal(b.grad, [1.0, 0.5, 0.0])
    m = ops.minimum(a, 1.5)
    assert m.dtype == np.float64


def test_maximum_with_python_scalar_keeps_float32():
    x = Tensor(np.array([-1.0, 2.0], dtype=np.float32), requires_grad=True)
    y = ops.maximum(x, 0.5)
    assert y.dtype == np.float32
    y.sum().backward()
    np.testing.assert_array_equal(x.grad, [0.0, 1.0])


def test_where_forward_gradient_and_broadcast():
    cond = np.array([[True], [False], [True]])
    a, b = rand(3, 4, seed=3), rand(4, seed=4)
    np.testing.assert_array_equal(ops.where(cond, a, b).data, np.where(cond, a, b))
    assert gradient_check(lambda x, y: ops.where(cond, x, y), [a, b]) < TOL
    out = ops.where(Tensor(cond), Tensor(a.astype(np.float32)), 0.0)
    assert out.dtype == np.float32
    idx = ops.where(np.array([[0, 1], [1, 0]]))
    assert [i.data.tolist() for i in idx] == [[0, 1], [1, 0]]
    with pytest.raises(ValueError, match="where"):
        ops.where(cond, a)
    with pytest.raises(ValueError, match=r"where: .*\(3, 1\).*\(2, 5\)"):
        ops.where(cond, np.zeros((2, 5)), 1.0)


def test_clip_gradient_is_zero_outside_and_passes_inside():
    x = Tensor(np.array([-2.0, 0.0, 0.5, 3.0]), requires_grad=True)
    y = ops.clip(x, -1.0, 1.0)
    np.testing.assert_array_equal(y.data, [-1.0, 0.0, 0.5, 1.0])
    y.sum().backward()
    np.testing.assert_array_equal(x.grad, [0.0, 1.0, 1.0, 0.0])
    assert ops.clip(np.arange(5, dtype=np.float32), 1, 3).dtype == np.float32


def test_non_differentiable_ops():
    x = Tensor(np.array([-1.5, -0.5, 0.0, 0.5, 2.5]), requires_grad=True)
    for fn, ref in [(ops.sign, np.sign), (ops.floor, np.floor), (ops.ceil, np.ceil), (ops.round, np.round)]:
        out = fn(x)
        assert not out.requires_grad
        np.testing.assert_array_equal(out.data, ref(x.data))
    np.testing.assert_array_equal(ops.round(np.array([0.125, 2.5]), decimals=2).data, [0.12, 2.5])


def test_relu_gradient_at_zero_is_zero():
    x = Tensor(np.array([-1.0, 0.0, 1.0]), requires_grad=True)
    ops.relu(x).sum().backward()
    np.testing.assert_array_equal(x.grad, [0.0, 0.0, 1.0])


def test_hard_sigmoid_matches_keras_definition():
    x = np.array([-4.0, -3.0, 0.0, 1.5, 3.0, 4.0])
    np.testing.assert_allclose(ops.hard_sigmoid(x).data, [0, 0, 0.5, 0.75, 1, 1])


def test_ops_accept_arrays_lists_and_reject_non_numeric():
    assert ops.exp([0.0, 1.0]).dtype == np.float32
    with pytest.raises(TypeError, match="numeric"):
        ops.exp(np.array(["a", "b"]))
    with pytest.raises(TypeError):
        ops.relu(np.array([object()]))


def test_tensor_methods_use_ops():
    x = Tensor(np.array([0.5, 1.0]))
    np.testing.assert_allclose(x.exp().data, np.exp(x.data))
    np.testing.assert_allclose(x.log().data, np.log(x.data))
    np.testing.assert_allclose(x.sqrt().data, np.sqrt(x.data))
    np.testing.assert_allclose(x.tanh().data, np.tanh(x.data))
    np.testing.assert_allclose(x.sigmoid().data, 1 / (1 + np.exp(-x.data)))
    np.testing.assert_allclose((-x).relu().data, [0, 0])
    np.testing.assert_allclose(abs(-x).data, x.data)


def test_ops_are_exported_from_the_package():
    for name in ("exp", "gelu", "silu", "swish", "hard_sigmoid", "log_sigmoid", "absolute", "where"):
        assert callable(getattr(numnet.ops, name))
