"""The extra numnet.ops math and logic ops (the modules listed in tests/test_ops_extra.py) against
keras.ops (JAX backend): values, dtypes, and gradients (jax.grad of sum(op(x) * upstream)) for
the differentiable ops."""
import os

os.environ.setdefault("KERAS_BACKEND", "jax")

import numpy as np
import pytest

keras = pytest.importorskip("keras")
jax = pytest.importorskip("jax")
jnp = jax.numpy
kops = keras.ops

from numnet import Tensor, ops  # noqa: E402


def _x(*shape, seed=0, low=-2.0, high=2.0):
    return np.random.default_rng(seed).uniform(low, high, size=shape).astype(np.float32)


def _distinct(*shape, seed=0):
    n = int(np.prod(shape))
    return ((np.random.default_rng(seed).permutation(n).reshape(shape) - n / 2) * 0.3 + 0.05).astype(np.float32)


IDX = np.array([[0, 1], [2, 0], [1, 2]])
SEG = np.array([0, 2, 0, 1, 2])

# (id, numnet fn, keras fn, float32 inputs); each fn takes the inputs positionally
DIFF = [
    ("log2", ops.log2, kops.log2, [_x(3, 4, low=0.2, high=3)]),
    ("log10", ops.log10, kops.log10, [_x(3, 4, low=0.2, high=3)]),
    ("tan", ops.tan, kops.tan, [_x(3, 4, low=-1, high=1)]),
    ("sinh", ops.sinh, kops.sinh, [_x(3, 4)]),
    ("cosh", ops.cosh, kops.cosh, [_x(3, 4)]),
    ("arcsin", ops.arcsin, kops.arcsin, [_x(3, 4, low=-0.9, high=0.9)]),
    ("arccos", ops.arccos, kops.arccos, [_x(3, 4, low=-0.9, high=0.9)]),
    ("arctan", ops.arctan, kops.arctan, [_x(3, 4)]),
    ("arctan2", ops.arctan2, kops.arctan2, [_x(3, 4), _x(4, seed=1)]),
    ("erfinv", ops.erfinv, kops.erfinv, [_x(3, 4, low=-0.95, high=0.95)]),
    ("mod", ops.mod, kops.mod, [_x(3, 4, low=-5, high=5), np.array([1.3, -1.7, 2.2, 0.9], np.float32)]),
    ("sort", ops.sort, kops.sort, [_distinct(3, 4)]),
    ("sort_axis0", lambda x: ops.sort(x, axis=0), lambda x: kops.sort(x, axis=0), [_distinct(3, 4)]),
    ("top_k", lambda x: ops.top_k(x, 2)[0], lambda x: kops.top_k(x, 2)[0], [_distinct(3, 5)]),
    ("cumprod", lambda x: ops.cumprod(x, axis=1), lambda x: kops.cumprod(x, axis=1), [_x(3, 4)]),
    ("diff", lambda x: ops.diff(x, n=2, axis=0), lambda x: kops.diff(x, n=2, axis=0), [_x(4, 3)]),
    ("diagonal", lambda x: ops.diagonal(x, 1, 0, 2), lambda x: kops.diagonal(x, 1, 0, 2), [_x(3, 2, 4)]),
    ("diag", lambda x: ops.diag(x, k=-1), lambda x: kops.diag(x, k=-1), [_x(3)]),
    ("trace", ops.trace, kops.trace, [_x(3, 4)]),
    ("tril", lambda x: ops.tril(x, -1), lambda x: kops.tril(x, -1), [_x(2, 3, 4)]),
    ("triu", lambda x: ops.triu(x, 1), lambda x: kops.triu(x, 1), [_x(3, 4)]),
    ("norm", ops.norm, kops.norm, [_x(2, 3, 2)]),
    ("norm_vec1", lambda x: ops.norm(x, ord=1, axis=1), lambda x: kops.norm(x, ord=1, axis=1), [_x(3, 4)]),
    ("norm_vec_inf", lambda x: ops.norm(x, ord=np.inf, axis=0, keepdims=True),
     lambda x: kops.norm(x, ord=np.inf, axis=0, keepdims=True), [_distinct(3, 4)]),
    ("norm_fro", lambda x: ops.norm(x, ord="fro", axis=(1, 2)), lambda x: kops.norm(x, ord="fro", axis=(1, 2)),
     [_x(2, 3, 4)]),
    ("norm_nuc", lambda x: ops.norm(x, ord="nuc"), lambda x: kops.norm(x, ord="nuc"), [_x(3, 4)]),
    ("norm_mat_inf", lambda x: ops.norm(x, ord=np.inf), lambda x: kops.norm(x, ord=np.inf), [_distinct(3, 4)]),
    ("median", lambda x: ops.median(x, axis=1), lambda x: kops.median(x, axis=1), [_distinct(3, 4)]),
    ("quantile", lambda x: ops.quantile(x, [0.1, 0.5], axis=0, keepdims=True),
     lambda x: kops.quantile(x, [0.1, 0.5], axis=0, keepdims=True), [_distinct(5, 3)]),
    ("quantile_nearest", lambda x: ops.quantile(x, [0.2, 0.7], axis=1, method="nearest"),
     lambda x: kops.quantile(x, [0.2, 0.7], axis=1, method="nearest"), [_distinct(2, 6)]),
    ("kron", ops.kron, kops.kron, [_x(2, 3), _x(2, 2, seed=1)]),
    ("cross", ops.cross, kops.cross, [_x(4, 3), _x(4, 3, seed=1)]),
    ("roll", lambda x: ops.roll(x, (1, -3), axis=(0, 1)), lambda x: kops.roll(x, (1, -3), axis=(0, 1)), [_x(3, 4)]),
    ("select", lambda a, b: ops.select([a > 0.5, b < 0], [a, b], -1.0),
     lambda a, b: kops.select([a > 0.5, b < 0], [a, b], -1.0), [_x(3, 4), _x(3, 4, seed=1)]),
    ("slice", lambda x: ops.slice(x, (1, 0), (2, 3)), lambda x: kops.slice(x, (1, 0), (2, 3)), [_x(3, 4)]),
    ("slice_update", lambda x, u: ops.slice_update(x, (1, 2), u), lambda x, u: kops.slice_update(x, (1, 2), u),
     [_x(3, 5), _x(2, 2, seed=1)]),
    ("scatter", lambda v: ops.scatter(IDX, v, (3, 4)), lambda v: kops.scatter(IDX, v, (3, 4)), [_x(3)]),
    ("scatter_update", lambda x, u: ops.scatter_update(x, IDX, u),
     lambda x, u: kops.scatter_update(x, IDX, u), [_x(3, 4), _x(3, seed=1)]),
    ("scatter_update_add", lambda x, u: ops.scatter_update(x, IDX, u, reduction="add"),
     lambda x, u: kops.scatter_update(x, IDX, u, reduction="add"), [_x(3, 4), _x(3, seed=1)]),
    ("segment_sum", lambda d: ops.segment_sum(d, SEG, num_segments=3),
     lambda d: kops.segment_sum(d, SEG, num_segments=3), [_x(5, 2)]),
    ("segment_max", lambda d: ops.segment_max(d, SEG, num_segments=3),
     lambda d: kops.segment_max(d, SEG, num_segments=3), [_distinct(5, 2)]),
    ("moments", lambda x: ops.stack(ops.moments(x, axes=[0, 2])), lambda x: kops.stack(kops.moments(x, axes=[0, 2])),
     [_x(2, 3, 4)]),
    ("normalize", ops.normalize, kops.normalize, [_x(3, 4)]),
    ("normalize_order1", lambda x: ops.normalize(x, axis=0, order=1), lambda x: kops.normalize(x, axis=0, order=1),
     [_x(3, 4)]),
    ("batch_normalization", lambda x, m, v, b, g: ops.batch_normalization(x, m, v, 1, b, g),
     lambda x, m, v, b, g: kops.batch_normalization(x, m, v, 1, b, g),
     [_x(2, 3, 2), _x(3, seed=1), _x(3, seed=2, low=0.5, high=2), _x(3, seed=3), _x(3, seed=4)]),
]


@pytest.mark.parametrize("name,fn,kfn,inputs", DIFF, ids=[d[0] for d in DIFF])
def test_values_and_gradients_match_keras(name, fn, kfn, inputs):
    expected = np.asarray(kfn(*inputs))
    tensors = [Tensor(a, requires_grad=True) for a in inputs]
    out = fn(*tensors)
    assert out.shape == expected.shape and out.dtype == expected.dtype, (out.shape, out.dtype, expected.dtype)
    np.testing.assert_allclose(out.data, expected, rtol=2e-5, atol=2e-5)
    upstream = np.random.default_rng(7).standard_normal(expected.shape).astype(np.float32)
    out.backward(upstream)
    kgrads = jax.grad(lambda *xs: jnp.sum(kfn(*xs) * upstream), argnums=tuple(range(len(inputs))))(
        *[jnp.asarray(a) for a in inputs])
    for t, g in zip(tensors, kgrads):
        np.testing.assert_allclose(t.grad, np.asarray(g), rtol=1e-4, atol=1e-4, err_msg=name)


NONDIFF = [
    ("floor_divide", ops.floor_divide, kops.floor_divide, [np.array([[-7, 7], [5, -5]], np.int32), 2]),
    ("floor_divide_f", ops.floor_divide, kops.floor_divide, [_x(3, 4, low=-5, high=5), np.float32(1.5)]),
    ("mod_int", ops.mod, kops.mod, [np.arange(-4, 4).reshape(2, 4).astype(np.int32), 3]),
    ("argsort", ops.argsort, kops.argsort, [_distinct(3, 4)]),
    ("top_k_idx", lambda x: ops.top_k(x, 3)[1], lambda x: kops.top_k(x, 3)[1], [np.array([[1.0, 5, 3, 5]], np.float32)]),
    ("logical_and", ops.logical_and, kops.logical_and, [np.array([0, 1, 2]), np.array([1.0, 0.0, 0.5], np.float32)]),
    ("logical_xor", ops.logical_xor, kops.logical_xor, [np.array([0, 1, 2]), np.array([1, 1, 0])]),
    ("logical_not", ops.logical_not, kops.logical_not, [np.array([0.0, 2.0], np.float32)]),
    ("isnan", ops.isnan, kops.isnan, [np.array([1.0, np.nan, np.inf], np.float32)]),
    ("isinf", ops.isinf, kops.isinf, [np.array([1.0, np.nan, -np.inf], np.float32)]),
    ("isfinite", ops.isfinite, kops.isfinite, [np.array([1.0, np.nan, np.inf], np.float32)]),
    ("count_nonzero", lambda x: ops.count_nonzero(x, axis=0), lambda x: kops.count_nonzero(x, axis=0),
     [np.array([[0, 1, 2], [3, 0, 0]], np.int32)]),
    ("linspace", lambda: ops.linspace(0.0, 2.0, 7), lambda: kops.linspace(0.0, 2.0, 7), []),
    ("linspace_int", lambda: ops.linspace(0, 10, 5, dtype="int32"), lambda: kops.linspace(0, 10, 5, dtype="int32"), []),
    ("multi_hot", lambda x: ops.multi_hot(x, 4), lambda x: kops.multi_hot(x, 4), [np.array([[0, 2], [1, 1]], np.int32)]),
    ("multi_hot_ax0", lambda x: ops.multi_hot(x, 4, axis=0), lambda x: kops.multi_hot(x, 4, axis=0),
     [np.array([[0, 2], [1, 1]], np.int32)]),
    ("unique", lambda x: ops.unique(x, size=5, return_counts=True)[1],
     lambda x: kops.unique(x, size=5, fill_value=0, return_counts=True)[1], [np.array([3, 1, 3, 2], np.int32)]),
    ("median_int", ops.median, kops.median, [np.arange(6, dtype=np.int32).reshape(2, 3)]),
    ("norm_int", ops.norm, kops.norm, [np.arange(6, dtype=np.int32).reshape(2, 3)]),
    ("cumprod_int", ops.cumprod, kops.cumprod, [np.arange(1, 5, dtype=np.int32)]),
    ("trace_int", ops.trace, kops.trace, [np.arange(6, dtype=np.int32).reshape(2, 3)]),
]


@pytest.mark.parametrize("name,fn,kfn,inputs", NONDIFF, ids=[d[0] for d in NONDIFF])
def test_non_differentiable_values_and_dtypes_match_keras(name, fn, kfn, inputs):
    expected = np.asarray(kfn(*inputs))
    out = fn(*inputs)
    assert out.shape == expected.shape and out.dtype == expected.dtype, (out.shape, out.dtype, expected.dtype)
    np.testing.assert_allclose(out.data, expected, rtol=1e-6, atol=1e-6)


def test_nonzero_and_unique_tuple_match_keras():
    x = np.array([[0, 1, 2], [3, 0, 0]], np.int32)
    for a, b in zip(ops.nonzero(x), kops.nonzero(x)):
        np.testing.assert_array_equal(a.data, np.asarray(b))
        assert a.dtype == np.asarray(b).dtype
    y = np.array([3, 1, 3, 2], np.int32)
    for a, b in zip(ops.unique(y, return_index=True, return_inverse=True, return_counts=True),
                    kops.unique(y, return_index=True, return_inverse=True, return_counts=True)):
        np.testing.assert_array_equal(a.data, np.asarray(b))
