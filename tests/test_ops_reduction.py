"""Reductions: values vs NumPy, gradients over int/tuple/negative axes with and without keepdims."""
import numpy as np
import pytest

from numnet import Tensor, ops
from numnet.utils import gradient_check

TOL = 1e-6
AXES = [None, 0, -1, (0, 2), (-1, 1), (0, 1, 2)]


def rand(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


def distinct(*shape, seed=0):
    """Values with no ties (so max/min have a unique arg) and well separated."""
    n = int(np.prod(shape))
    return np.random.default_rng(seed).permutation(n).reshape(shape) * 0.1 + 0.05


REDUCTIONS = [
    ("sum", ops.sum, np.sum, rand),
    ("mean", ops.mean, np.mean, rand),
    ("max", ops.max, np.max, distinct),
    ("min", ops.min, np.min, distinct),
    ("var", ops.var, np.var, rand),
    ("std", ops.std, np.std, rand),
    ("logsumexp", ops.logsumexp, lambda x, axis=None, keepdims=False:
        np.log(np.sum(np.exp(x), axis=axis, keepdims=keepdims)), rand),
    ("prod", ops.prod, np.prod, lambda *s, seed=0: rand(*s, seed=seed) * 0.5 + 1.0),
]


@pytest.mark.parametrize("keepdims", [False, True])
@pytest.mark.parametrize("axis", AXES, ids=str)
@pytest.mark.parametrize("name,fn,ref,sample", REDUCTIONS, ids=[r[0] for r in REDUCTIONS])
def test_reduction_value_and_gradient(name, fn, ref, sample, axis, keepdims):
    x = sample(2, 3, 4)
    out = fn(Tensor(x), axis=axis, keepdims=keepdims)
    expected = ref(x, axis=axis, keepdims=keepdims)
    assert out.shape == np.shape(expected)
    np.testing.assert_allclose(out.data, expected, rtol=1e-12)
    assert gradient_check(lambda t: fn(t, axis=axis, keepdims=keepdims), [x]) < TOL


@pytest.mark.parametrize("name,fn,ref,sample", REDUCTIONS, ids=[r[0] for r in REDUCTIONS])
def test_reduction_float32_stays_float32(name, fn, ref, sample):
    x = Tensor(sample(3, 5).astype(np.float32), requires_grad=True)
    for axis in (None, 1, (0, 1)):
        out = fn(x, axis=axis)
        assert out.dtype == np.float32, (name, axis)
        x.zero_grad()
        out.backward(np.ones(out.shape, dtype=np.float32))
        assert x.grad.dtype == np.float32


def test_mean_of_ints_is_float32():
    assert ops.mean(np.arange(6).reshape(2, 3), axis=0).dtype == np.float32


def test_max_and_min_split_gradient_among_ties():
    x = Tensor(np.array([[1.0, 3.0, 3.0], [2.0, 2.0, 2.0]]), requires_grad=True)
    ops.max(x, axis=1).sum().backward()
    np.testing.assert_allclose(x.grad, [[0, 0.5, 0.5], [1 / 3, 1 / 3, 1 / 3]])
    x.zero_grad()
    ops.min(x).backward()
    np.testing.assert_allclose(x.grad, [[1, 0, 0], [0, 0, 0]])


def test_max_with_initial():
    x = np.array([[1.0, -3.0], [-1.0, -2.0]])
    t = Tensor(x, requires_grad=True)
    out = ops.max(t, axis=1, initial=0.0)
    np.testing.assert_array_equal(out.data, [1.0, 0.0])
    out.sum().backward()
    np.testing.assert_array_equal(t.grad, [[1, 0], [0, 0]])


def test_prod_gradient_with_zeros():
    x = np.array([[2.0, 0.0, 3.0], [0.0, 0.0, 1.5], [1.0, 2.0, 4.0]])
    t = Tensor(x, requires_grad=True)
    ops.prod(t, axis=1).sum().backward()
    np.testing.assert_allclose(t.grad, [[0, 6, 0], [0, 0, 0], [8, 4, 2]])
    assert gradient_check(lambda a: ops.prod(a, axis=1), [x]) < TOL


def test_logsumexp_is_stable():
    x = np.array([[1000.0, 1000.0], [-1000.0, -1000.0]], dtype=np.float32)
    out = ops.logsumexp(x, axis=1).data
    np.testing.assert_allclose(out, [1000 + np.log(2), -1000 + np.log(2)], rtol=1e-6)
    inf = ops.logsumexp(np.array([-np.inf, -np.inf])).data
    assert inf == -np.inf


def test_cumsum():
    x = rand(3, 4)
    np.testing.assert_allclose(ops.cumsum(x, axis=1).data, np.cumsum(x, axis=1))
    np.testing.assert_allclose(ops.cumsum(x).data, np.cumsum(x))
    assert gradient_check(lambda t: ops.cumsum(t, axis=0), [x]) < TOL
    assert gradient_check(lambda t: ops.cumsum(t), [x]) < TOL


def test_argmax_argmin():
    x = distinct(3, 4, seed=3)
    for fn, ref in ((ops.argmax, np.argmax), (ops.argmin, np.argmin)):
        for axis in (None, 0, 1, -1):
            out = fn(Tensor(x, requires_grad=True), axis=axis)
            assert not out.requires_grad and out.dtype == np.int32
            np.testing.assert_array_equal(out.data, ref(x, axis=axis))
        assert fn(x, axis=1, keepdims=True).shape == (3, 1)
    assert Tensor(x).argmax(axis=1).shape == (3,)


def test_all_any():
    x = np.array([[True, False], [True, True]])
    np.testing.assert_array_equal(ops.all(x, axis=1).data, [False, True])
    np.testing.assert_array_equal(ops.any(x, axis=0).data, [True, True])
    assert ops.all(x).data.item() is False
    assert ops.any(np.zeros((2, 2)), keepdims=True).shape == (1, 1)


def test_tensor_methods():
    x = Tensor(rand(2, 3))
    np.testing.assert_allclose(x.sum(axis=0).data, x.data.sum(axis=0))
    np.testing.assert_allclose(x.mean(axis=1, keepdims=True).data, x.data.mean(axis=1, keepdims=True))
    np.testing.assert_allclose(x.max().data, x.data.max())
    np.testing.assert_allclose(x.min(axis=-1).data, x.data.min(axis=-1))


@pytest.mark.parametrize("fn", [ops.sum, ops.mean, ops.max, ops.min, ops.var, ops.std, ops.logsumexp,
                                ops.prod, ops.argmax, ops.argmin, ops.all, ops.any])
def test_axis_out_of_range_names_op_and_shape(fn):
    name = fn.__name__
    with pytest.raises(ValueError, match=rf"{name}: axis 3 is out of range for a tensor of rank 2 \(shape \(2, 3\)\)"):
        fn(np.zeros((2, 3)), axis=3)
    with pytest.raises(ValueError, match="out of range"):
        fn(np.zeros((2, 3)), axis=-3)


def test_bad_axis_types_and_repeats():
    with pytest.raises(TypeError, match="sum: axis must be an int"):
        ops.sum(np.zeros((2, 3)), axis=1.5)
    with pytest.raises(ValueError, match="mean: repeated axis"):
        ops.mean(np.zeros((2, 3)), axis=(1, -1))
    with pytest.raises(ValueError, match=r"max: cannot reduce an empty axis"):
        ops.max(np.zeros((0, 3)), axis=0)


@pytest.mark.parametrize("name,fn,ref,sample", REDUCTIONS, ids=[r[0] for r in REDUCTIONS])
def test_reduction_of_zero_dim_tensor(name, fn, ref, sample):
    x = np.array(0.7)
    out = fn(Tensor(x), axis=None)
    assert isinstance(out.data, np.ndarray) and out.shape == ()
    np.testing.assert_allclose(out.data, ref(x))
    if name != "std":  # sqrt(var) has an infinite derivative at var == 0
        assert gradient_check(fn, [x]) < TOL
