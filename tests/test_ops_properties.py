"""Property tests (hypothesis) on random shapes: forward matches NumPy, gradients have the
input's shape and dtype, float32 stays float32, broadcasting gradients sum back correctly."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from hypothesis.extra import numpy as hnp

from numnet import Tensor, ops

FAST = settings(max_examples=25, deadline=None)
shapes = hnp.array_shapes(min_dims=0, max_dims=4, min_side=1, max_side=5)
dtypes = st.sampled_from([np.float32, np.float64])


def arrays(shape, dtype, low=-5.0, high=5.0):
    return hnp.arrays(dtype, shape, elements=st.floats(low, high, width=32))


def sigmoid_ref(x):
    return 1 / (1 + np.exp(-x.astype(np.float64)))


ELEMENTWISE = {
    "exp": (ops.exp, np.exp),
    "tanh": (ops.tanh, np.tanh),
    "sigmoid": (ops.sigmoid, sigmoid_ref),
    "relu": (ops.relu, lambda x: np.maximum(x, 0)),
    "softplus": (ops.softplus, lambda x: np.logaddexp(0, x.astype(np.float64))),
    "log_sigmoid": (ops.log_sigmoid, lambda x: -np.logaddexp(0, -x.astype(np.float64))),
    "silu": (ops.silu, lambda x: x * sigmoid_ref(x)),
    "square": (ops.square, np.square),
    "abs": (ops.abs, np.abs),
    "gelu": (ops.gelu, lambda x: 0.5 * x * (1 + np.tanh(np.sqrt(2 / np.pi) * (x + 0.044715 * x.astype(np.float64) ** 3)))),
    "softsign": (ops.softsign, lambda x: x / (1 + np.abs(x))),
    "leaky_relu": (ops.leaky_relu, lambda x: np.where(x > 0, x, 0.2 * x)),
}


@pytest.mark.parametrize("name", sorted(ELEMENTWISE))
@FAST
@given(data=st.data(), shape=shapes, dtype=dtypes)
def test_elementwise_matches_numpy_and_keeps_dtype(name, data, shape, dtype):
    fn, ref = ELEMENTWISE[name]
    x = data.draw(arrays(shape, dtype))
    t = Tensor(x, requires_grad=True)
    out = fn(t)
    assert out.dtype == dtype and out.shape == x.shape
    rtol = 1e-5 if dtype == np.float32 else 1e-10
    np.testing.assert_allclose(out.data, ref(x), rtol=rtol, atol=rtol)
    out.backward(np.ones(out.shape, dtype=dtype))
    assert t.grad.shape == x.shape and t.grad.dtype == dtype
    assert np.all(np.isfinite(t.grad))


@st.composite
def broadcastable_pair(draw):
    shape = draw(hnp.array_shapes(min_dims=1, max_dims=4, min_side=1, max_side=4))
    # drop leading dims and set some to 1 for the second operand
    k = draw(st.integers(0, len(shape)))
    other = list(shape[k:])
    for i in range(len(other)):
        if draw(st.booleans()):
            other[i] = 1
    if draw(st.booleans()):
        return tuple(other), shape
    return shape, tuple(other)


@FAST
@given(pair=broadcastable_pair(), dtype=dtypes,
       op=st.sampled_from(["add", "subtract", "multiply", "maximum", "minimum"]))
def test_broadcast_binary_gradients_have_input_shapes(pair, dtype, op):
    sa, sb = pair
    rng = np.random.default_rng(0)
    a = Tensor(rng.standard_normal(sa).astype(dtype), requires_grad=True)
    b = Tensor(rng.standard_normal(sb).astype(dtype), requires_grad=True)
    out = getattr(ops, op)(a, b)
    np.testing.assert_allclose(out.data, getattr(np, op)(a.data, b.data))
    assert out.dtype == dtype
    out.sum().backward()
    assert a.grad.shape == sa and b.grad.shape == sb
    assert a.grad.dtype == dtype and b.grad.dtype == dtype
    if op == "add":
        # each element of an input was used prod(out.shape) / prod(input.shape) times
        np.testing.assert_allclose(a.grad, np.full(sa, out.size / a.size))
        np.testing.assert_allclose(b.grad, np.full(sb, out.size / b.size))
    if op == "multiply":
        expected_a = np.broadcast_to(b.data, out.shape)
        expected_a = expected_a.sum(axis=tuple(range(out.ndim - len(sa)))) if out.ndim > len(sa) else expected_a
        expected_a = expected_a.sum(axis=tuple(i for i, n in enumerate(sa) if n == 1), keepdims=True)
        np.testing.assert_allclose(a.grad, expected_a, rtol=1e-4, atol=1e-4)


@st.composite
def array_and_axis(draw):
    shape = draw(hnp.array_shapes(min_dims=1, max_dims=4, min_side=1, max_side=5))
    nd = len(shape)
    axis = draw(st.one_of(
        st.none(),
        st.integers(-nd, nd - 1),
        st.lists(st.integers(0, nd - 1), min_size=1, max_size=nd, unique=True).map(tuple),
    ))
    return shape, axis


REDUCTIONS = {
    "sum": (ops.sum, np.sum),
    "mean": (ops.mean, np.mean),
    "max": (ops.max, np.max),
    "min": (ops.min, np.min),
    "var": (ops.var, np.var),
    "logsumexp": (ops.logsumexp, lambda x, axis, keepdims: np.log(np.sum(np.exp(x), axis=axis, keepdims=keepdims))),
}


@pytest.mark.parametrize("name", sorted(REDUCTIONS))
@FAST
@given(sa=array_and_axis(), keepdims=st.booleans(), dtype=dtypes)
def test_reductions_match_numpy(name, sa, keepdims, dtype):
    shape, axis = sa
    fn, ref = REDUCTIONS[name]
    x = np.random.default_rng(1).standard_normal(shape).astype(dtype)
    t = Tensor(x, requires_grad=True)
    out = fn(t, axis=axis, keepdims=keepdims)
    expected = ref(x.astype(np.float64), axis=axis, keepdims=keepdims)
    assert out.dtype == dtype and out.shape == np.shape(expected)
    rtol = 1e-4 if dtype == np.float32 else 1e-10
    np.testing.assert_allclose(out.data, expected, rtol=rtol, atol=rtol)
    out.backward(np.ones(out.shape, dtype=dtype))
    assert t.grad.shape == shape and t.grad.dtype == dtype
    if name == "sum":
        np.testing.assert_array_equal(t.grad, 1)
    if name in ("max", "min"):  # gradient mass equals the number of reduced groups
        np.testing.assert_allclose(t.grad.sum(), out.size, rtol=1e-5)


@FAST
@given(shape=hnp.array_shapes(min_dims=1, max_dims=4, min_side=1, max_side=4), data=st.data())
def test_reshape_transpose_roundtrip_gradients(shape, data):
    x = np.random.default_rng(2).standard_normal(shape).astype(np.float32)
    perm = data.draw(st.permutations(range(len(shape))))
    t = Tensor(x, requires_grad=True)
    y = ops.reshape(ops.transpose(t, perm), (-1,))
    np.testing.assert_array_equal(y.data, np.transpose(x, perm).reshape(-1))
    w = np.arange(y.size, dtype=np.float32)
    (y * w).sum().backward()
    np.testing.assert_array_equal(t.grad, np.transpose(w.reshape(np.transpose(x, perm).shape), np.argsort(perm)))
