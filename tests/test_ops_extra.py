"""The extra keras.ops math and logic ops: forward values against NumPy, float64 gradient checks,
float32 kept end to end, and clear errors. They live in numnet.ops.transcendental, sorting,
cumulative, diagonals, norms, scatters, normalization and logic, plus mod/floor_divide
(arithmetic), select (elementwise), slice/slice_update (indexing), kron/cross (linalg),
linspace/meshgrid (core) and roll/multi_hot (shape)."""
import math

import numpy as np
import pytest

from numnet import Tensor, ops
from numnet.utils import gradient_check

TOL = 1e-6


def rand(*shape, seed=0, low=-2.0, high=2.0):
    return np.random.default_rng(seed).uniform(low, high, size=shape)


def distinct(*shape, seed=0):
    """No ties, well separated (sort/top_k/max have unique winners)."""
    n = int(np.prod(shape))
    return (np.random.default_rng(seed).permutation(n).reshape(shape) - n / 2) * 0.3 + 0.05


def _np_quantile(x, q, axis=None, method="linear", keepdims=False):
    return np.quantile(x, q, axis=axis, method=method, keepdims=keepdims)


def _scatter_ref(idx, vals, shape):
    out = np.zeros(shape)
    np.add.at(out, tuple(np.asarray(idx).T), vals)
    return out


def _segment_max_ref(data, ids, num):
    out = np.full((num,) + data.shape[1:], -np.inf)
    np.maximum.at(out, ids, data)
    return out


def _cross_ref(a, b):
    """np.cross, padding 2-vectors with z = 0 (NumPy 2 deprecates 2-vectors)."""
    pad = lambda v: np.concatenate([v, np.zeros(v.shape[:-1] + (1,))], -1) if v.shape[-1] == 2 else v  # noqa: E731
    out = np.cross(pad(a), pad(b))
    return out[..., 2] if a.shape[-1] == b.shape[-1] == 2 else out


def _bn_ref(x, m, v, b, g, axis=1, eps=1e-3):
    shape = [1] * x.ndim
    shape[axis] = -1
    r = lambda a: a.reshape(shape)  # noqa: E731
    return (x - r(m)) / np.sqrt(r(v) + eps) * r(g) + r(b)


IDX = np.array([[0, 1], [2, 0], [0, 1], [1, 2]])  # a duplicate: (0, 1) twice
SEG = np.array([0, 2, 0, 1, 2])

# (id, function of tensors, float64 inputs, NumPy reference of the arrays)
CASES = [
    ("log2", ops.log2, [rand(3, 4, low=0.2, high=3)], np.log2),
    ("log10", ops.log10, [rand(3, 4, low=0.2, high=3)], np.log10),
    ("exp2", ops.exp2, [rand(3, 4)], np.exp2),
    ("tan", ops.tan, [rand(3, 4, low=-1.2, high=1.2)], np.tan),
    ("sinh", ops.sinh, [rand(3, 4)], np.sinh),
    ("cosh", ops.cosh, [rand(3, 4)], np.cosh),
    ("arcsin", ops.arcsin, [rand(3, 4, low=-0.9, high=0.9)], np.arcsin),
    ("arccos", ops.arccos, [rand(3, 4, low=-0.9, high=0.9)], np.arccos),
    ("arctan", ops.arctan, [rand(3, 4)], np.arctan),
    ("arcsinh", ops.arcsinh, [rand(3, 4)], np.arcsinh),
    ("arccosh", ops.arccosh, [rand(3, 4, low=1.2, high=3)], np.arccosh),
    ("arctanh", ops.arctanh, [rand(3, 4, low=-0.9, high=0.9)], np.arctanh),
    ("arctan2", ops.arctan2, [rand(3, 4), rand(4, seed=1)], np.arctan2),
    ("mod", ops.mod, [rand(3, 4, low=-5, high=5), np.array([1.3, -1.7, 2.2, 0.9])], np.mod),
    ("sort_last", lambda x: ops.sort(x), [distinct(3, 4)], lambda x: np.sort(x)),
    ("sort_axis0", lambda x: ops.sort(x, axis=0), [distinct(3, 4)], lambda x: np.sort(x, axis=0)),
    ("sort_none", lambda x: ops.sort(x, axis=None), [distinct(3, 4)], lambda x: np.sort(x, axis=None)),
    ("top_k", lambda x: ops.top_k(x, 2)[0], [distinct(3, 5)], lambda x: -np.sort(-x)[:, :2]),
    ("cumprod_axis1", lambda x: ops.cumprod(x, axis=1), [rand(3, 4, low=0.5, high=1.5)],
     lambda x: np.cumprod(x, axis=1)),
    ("cumprod_none", lambda x: ops.cumprod(x), [rand(2, 3, low=0.5, high=1.5)], np.cumprod),
    ("cumprod_zeros", lambda x: ops.cumprod(x, axis=-1),
     [np.array([[1.5, 0.0, 2.0, -1.0], [0.0, 0.0, 3.0, 0.7], [0.9, 1.1, 1.2, 0.0]])],
     lambda x: np.cumprod(x, axis=-1)),
    ("diff", lambda x: ops.diff(x), [rand(3, 5)], np.diff),
    ("diff_n2_axis0", lambda x: ops.diff(x, n=2, axis=0), [rand(4, 3)], lambda x: np.diff(x, n=2, axis=0)),
    ("diagonal", lambda x: ops.diagonal(x, offset=1, axis1=0, axis2=2), [rand(3, 2, 4)],
     lambda x: np.diagonal(x, 1, 0, 2)),
    ("diag_build", lambda x: ops.diag(x, k=1), [rand(3)], lambda x: np.diag(x, 1)),
    ("diag_extract", lambda x: ops.diag(x, k=-1), [rand(3, 4)], lambda x: np.diag(x, -1)),
    ("trace", lambda x: ops.trace(x, offset=-1, axis1=1, axis2=2), [rand(2, 4, 3)],
     lambda x: np.trace(x, -1, 1, 2)),
    ("tril", lambda x: ops.tril(x, k=-1), [rand(2, 3, 4)], lambda x: np.tril(x, -1)),
    ("triu", lambda x: ops.triu(x, k=1), [rand(3, 4)], lambda x: np.triu(x, 1)),
    ("norm_default", lambda x: ops.norm(x), [rand(2, 3, 2)], lambda x: np.linalg.norm(x)),
    ("norm_default_keepdims", lambda x: ops.norm(x, keepdims=True), [rand(2, 3)],
     lambda x: np.linalg.norm(x, keepdims=True)),
    ("norm_vec2", lambda x: ops.norm(x, axis=1), [rand(3, 4)], lambda x: np.linalg.norm(x, axis=1)),
    ("norm_vec1", lambda x: ops.norm(x, ord=1, axis=-1, keepdims=True), [rand(3, 4)],
     lambda x: np.linalg.norm(x, ord=1, axis=-1, keepdims=True)),
    ("norm_vec_inf", lambda x: ops.norm(x, ord=np.inf, axis=0), [distinct(3, 4)],
     lambda x: np.linalg.norm(x, ord=np.inf, axis=0)),
    ("norm_vec_neginf", lambda x: ops.norm(x, ord=-np.inf, axis=0), [distinct(3, 4)],
     lambda x: np.linalg.norm(x, ord=-np.inf, axis=0)),
    ("norm_vec3", lambda x: ops.norm(x, ord=3, axis=1), [rand(3, 4)],
     lambda x: np.linalg.norm(x, ord=3, axis=1)),
    ("norm_vec_1d_ord1", lambda x: ops.norm(x, ord=1), [rand(5)], lambda x: np.linalg.norm(x, ord=1)),
    ("norm_fro", lambda x: ops.norm(x, ord="fro", axis=(1, 2)), [rand(2, 3, 4)],
     lambda x: np.linalg.norm(x, ord="fro", axis=(1, 2))),
    ("norm_nuc", lambda x: ops.norm(x, ord="nuc", axis=(0, 2)), [rand(3, 2, 4)],
     lambda x: np.linalg.norm(x, ord="nuc", axis=(0, 2))),
    ("norm_mat2", lambda x: ops.norm(x, ord=2), [rand(3, 4)], lambda x: np.linalg.norm(x, ord=2)),
    ("norm_mat_neg2", lambda x: ops.norm(x, ord=-2, keepdims=True), [rand(3, 4)],
     lambda x: np.linalg.norm(x, ord=-2, keepdims=True)),
    ("norm_mat1", lambda x: ops.norm(x, ord=1, axis=(0, 1)), [distinct(3, 4)],
     lambda x: np.linalg.norm(x, ord=1, axis=(0, 1))),
    ("norm_mat_neg1", lambda x: ops.norm(x, ord=-1), [distinct(3, 4)], lambda x: np.linalg.norm(x, ord=-1)),
    ("norm_mat_inf", lambda x: ops.norm(x, ord=np.inf, axis=(2, 1), keepdims=True), [distinct(2, 3, 4)],
     lambda x: np.linalg.norm(x, ord=np.inf, axis=(2, 1), keepdims=True)),
    ("norm_mat_neginf", lambda x: ops.norm(x, ord=-np.inf), [distinct(3, 4)],
     lambda x: np.linalg.norm(x, ord=-np.inf)),
    ("median", lambda x: ops.median(x, axis=1), [distinct(3, 4)], lambda x: np.median(x, axis=1)),
    ("median_odd_all", lambda x: ops.median(x), [distinct(3, 5)], np.median),
    ("quantile_linear", lambda x: ops.quantile(x, [0.1, 0.5, 0.93], axis=(0, 2), keepdims=True),
     [distinct(2, 3, 4)], lambda x: _np_quantile(x, [0.1, 0.5, 0.93], axis=(0, 2), keepdims=True)),
    ("quantile_lower", lambda x: ops.quantile(x, 0.3, axis=0, method="lower"), [distinct(5, 3)],
     lambda x: _np_quantile(x, 0.3, axis=0, method="lower")),
    ("quantile_higher", lambda x: ops.quantile(x, [0.3, 1.0], method="higher"), [distinct(5, 3)],
     lambda x: _np_quantile(x, [0.3, 1.0], method="higher")),
    ("quantile_midpoint", lambda x: ops.quantile(x, [0.0, 0.3], axis=-1, method="midpoint"),
     [distinct(3, 5)], lambda x: _np_quantile(x, [0.0, 0.3], axis=-1, method="midpoint")),
    ("quantile_nearest", lambda x: ops.quantile(x, [0.2, 0.9], axis=1, method="nearest"),
     [distinct(2, 6)], lambda x: _np_quantile(x, [0.2, 0.9], axis=1, method="nearest")),
    ("kron", ops.kron, [rand(2, 3), rand(2, 2, seed=1)], np.kron),
    ("kron_ranks", ops.kron, [rand(3), rand(2, 2, seed=1)], np.kron),
    ("cross3", ops.cross, [rand(4, 3), rand(4, 3, seed=1)], np.cross),
    ("cross_axes", lambda a, b: ops.cross(a, b, axisa=0, axisb=0, axisc=0), [rand(3, 2), rand(3, 2, seed=1)],
     lambda a, b: np.cross(a, b, axisa=0, axisb=0, axisc=0)),
    ("cross23", ops.cross, [rand(2, 2), rand(2, 3, seed=1)], _cross_ref),
    ("cross32", ops.cross, [rand(2, 3), rand(2, 2, seed=1)], _cross_ref),
    ("cross22", ops.cross, [rand(3, 2), rand(3, 2, seed=1)], _cross_ref),
    ("meshgrid_xy", lambda a, b, c: ops.stack(ops.meshgrid(a, b, c)), [rand(2), rand(3, seed=1), rand(2, seed=2)],
     lambda a, b, c: np.stack(np.meshgrid(a, b, c))),
    ("meshgrid_ij", lambda a, b: ops.stack(ops.meshgrid(a, b, indexing="ij")), [rand(2), rand(3, seed=1)],
     lambda a, b: np.stack(np.meshgrid(a, b, indexing="ij"))),
    ("roll_none", lambda x: ops.roll(x, 2), [rand(3, 4)], lambda x: np.roll(x, 2)),
    ("roll_axes", lambda x: ops.roll(x, (1, -3), axis=(0, 1)), [rand(3, 4)],
     lambda x: np.roll(x, (1, -3), axis=(0, 1))),
    ("select", lambda a, b: ops.select([a > 0.5, b < 0], [a, b], -1.0), [rand(3, 4), rand(4, seed=1)],
     lambda a, b: np.select([a > 0.5, b < 0], [a, np.broadcast_to(b, a.shape)], -1.0)),
    ("slice", lambda x: ops.slice(x, (1, 0, 2), (2, -1, 2)), [rand(3, 2, 5)], lambda x: x[1:3, :, 2:4]),
    ("slice_update", lambda x, u: ops.slice_update(x, (1, 2), u), [rand(3, 5), rand(2, 2, seed=1)],
     lambda x, u: np.concatenate([x[:1], np.concatenate([x[1:, :2], u, x[1:, 4:]], 1)], 0)),
    ("scatter", lambda v: ops.scatter(IDX, v, (3, 4)), [rand(4)], lambda v: _scatter_ref(IDX, v, (3, 4))),
    ("scatter_rows", lambda v: ops.scatter([[2], [0], [2]], v, (4, 3)), [rand(3, 3)],
     lambda v: _scatter_ref([[2], [0], [2]], v, (4, 3))),
    ("segment_sum", lambda d: ops.segment_sum(d, SEG, num_segments=4), [rand(5, 2)],
     lambda d: np.stack([d[SEG == s].sum(0) for s in range(4)])),
    ("segment_max", lambda d: ops.segment_max(d, SEG), [distinct(5, 2)], lambda d: _segment_max_ref(d, SEG, 3)),
    ("moments_mean", lambda x: ops.moments(x, axes=[0, 2])[0], [rand(2, 3, 4)], lambda x: x.mean(axis=(0, 2))),
    ("moments_var", lambda x: ops.moments(x, axes=1, keepdims=True)[1], [rand(2, 3, 4)],
     lambda x: x.var(axis=1, keepdims=True)),
    ("normalize", lambda x: ops.normalize(x), [rand(3, 4)],
     lambda x: x / np.linalg.norm(x, axis=-1, keepdims=True)),
    ("normalize_order1_axis0", lambda x: ops.normalize(x, axis=0, order=1), [rand(3, 4)],
     lambda x: x / np.abs(x).sum(0, keepdims=True)),
    ("batch_normalization", lambda x, m, v, b, g: ops.batch_normalization(x, m, v, axis=1, offset=b, scale=g),
     [rand(2, 3, 2), rand(3, seed=1), rand(3, seed=2, low=0.5, high=2), rand(3, seed=3), rand(3, seed=4)],
     _bn_ref),
    ("erfinv", ops.erfinv, [rand(3, 4, low=-0.95, high=0.95)], None),
]

SCATTER_UPDATE = [
    ("none", None, lambda x, u: _set(x, u)),
    ("add", "add", lambda x, u: _at(np.add, x, u)),
    ("max", "max", lambda x, u: _at(np.maximum, x, u)),
    ("min", "min", lambda x, u: _at(np.minimum, x, u)),
    ("mul", "mul", lambda x, u: _at(np.multiply, x, u)),
]


def _set(x, u):
    out = x.copy()
    out[tuple(IDX.T)] = u
    return out


def _at(ufunc, x, u):
    out = x.copy()
    ufunc.at(out, tuple(IDX.T), u)
    return out


for _name, _red, _ref in SCATTER_UPDATE:
    CASES.append((f"scatter_update_{_name}", (lambda r: lambda x, u: ops.scatter_update(x, IDX, u, reduction=r))(_red),
                  [distinct(3, 4), distinct(4, seed=1) * 1.7], _ref))


@pytest.mark.parametrize("name,fn,inputs,ref", CASES, ids=[c[0] for c in CASES])
def test_forward_matches_numpy_and_gradient_checks(name, fn, inputs, ref):
    out = fn(*[Tensor(a) for a in inputs])
    if ref is None:  # erfinv: erf(erfinv(x)) == x
        np.testing.assert_allclose(np.vectorize(math.erf)(out.data), inputs[0], rtol=1e-13, atol=1e-15)
    else:
        expected = ref(*inputs)
        assert out.shape == np.shape(expected), (out.shape, np.shape(expected))
        np.testing.assert_allclose(out.data, expected, rtol=1e-10, atol=1e-12)
    assert out.dtype == np.float64
    assert gradient_check(fn, inputs) < TOL


@pytest.mark.parametrize("name,fn,inputs,ref", CASES, ids=[c[0] for c in CASES])
def test_float32_stays_float32(name, fn, inputs, ref):
    tensors = [Tensor(a.astype(np.float32), requires_grad=True) for a in inputs]
    out = fn(*tensors)
    assert out.dtype == np.float32
    out.backward(np.ones(out.shape, dtype=np.float32))
    for t in tensors:
        assert t.grad is not None and t.grad.dtype == np.float32, name
    if ref is not None:
        np.testing.assert_allclose(out.data, ref(*inputs), rtol=2e-4, atol=2e-5)


# ----- dtype rules and Keras semantics ----------------------------------------------------
@pytest.mark.parametrize("fn", [ops.log2, ops.log10, ops.tan, ops.sinh, ops.arctan, ops.erfinv, ops.median,
                                ops.norm, ops.normalize, lambda x: ops.moments(x, axes=0)[1]])
def test_integer_inputs_compute_in_float32(fn):
    assert fn(np.arange(1, 7, dtype=np.int32).reshape(2, 3) % 2).dtype == np.float32


def test_integer_results_keep_integer_dtypes():
    x = np.array([[5, -3, 7], [2, 9, -4]], dtype=np.int32)
    assert ops.sort(x).dtype == np.int32 and ops.cumprod(x).dtype == np.int32
    assert ops.floor_divide(x, 2).dtype == np.int32 and ops.mod(x, 4).dtype == np.int32
    np.testing.assert_array_equal(ops.mod(x, 4).data, np.mod(x, 4))
    assert ops.trace(x[:, :2]).dtype == np.int32
    values, idx = ops.top_k(x, 2)
    assert values.dtype == np.int32 and idx.dtype == np.int32
    np.testing.assert_array_equal(values.data, [[7, 5], [9, 2]])


def test_python_scalars_do_not_upcast_float32():
    x = Tensor(np.array([1.5, -2.5], dtype=np.float32))
    for out in (ops.mod(x, 2.0), ops.floor_divide(x, 2.0), ops.arctan2(x, 1.0), ops.mod(3.0, x)):
        assert out.dtype == np.float32


def test_floor_divide_and_mod_follow_numpy_signs():
    a, b = np.array([-7.0, 7.0, -7.5, 7.5]), np.array([2.0, -2.0, 2.0, -2.0])
    np.testing.assert_array_equal(ops.floor_divide(a, b).data, np.floor_divide(a, b))
    np.testing.assert_array_equal(ops.mod(a, b).data, np.mod(a, b))
    assert not ops.floor_divide(Tensor(a, requires_grad=True), b).requires_grad


def test_top_k_ties_keep_lower_index_first_and_gradient_goes_to_picked():
    x = Tensor(np.array([[1.0, 5.0, 3.0, 5.0]]), requires_grad=True)
    values, idx = ops.top_k(x, 3)
    np.testing.assert_array_equal(idx.data, [[1, 3, 2]])
    np.testing.assert_array_equal(values.data, [[5.0, 5.0, 3.0]])
    values.backward(np.array([[1.0, 2.0, 3.0]]))
    np.testing.assert_array_equal(x.grad, [[0.0, 1.0, 3.0, 2.0]])


def test_quantile_nearest_takes_the_lower_value_at_ties_as_keras_on_jax():
    x = np.arange(5.0)
    np.testing.assert_array_equal(ops.quantile(x, [0.125, 0.375, 0.625], method="nearest").data, [0, 1, 2])
    assert ops.quantile(np.arange(4.0), 0.5, method="nearest").item() == 1.0


def test_median_and_quantile_of_ints_are_float32():
    out = ops.median(np.arange(6).reshape(2, 3))
    assert out.dtype == np.float32 and out.item() == 2.5


def test_two_norm_of_zero_vector_has_zero_gradient():
    x = Tensor(np.zeros((2, 3)), requires_grad=True)
    ops.sum(ops.norm(x, axis=1)).backward()
    np.testing.assert_array_equal(x.grad, np.zeros((2, 3)))
    y = Tensor(np.zeros((1, 3)), requires_grad=True)
    out = ops.normalize(y)
    ops.sum(out).backward()
    assert np.all(np.isfinite(out.data)) and np.all(np.isfinite(y.grad))


def test_normalize_floors_the_norm_at_epsilon_like_keras():
    x = np.full((1, 3), 1e-9)
    np.testing.assert_allclose(ops.normalize(x, order=1).data, x / 1e-7)
    np.testing.assert_allclose(ops.normalize(x).data, x / 1e-7)
    np.testing.assert_allclose(ops.normalize(np.full((1, 3), 1e-5)).data, np.full((1, 3), 1 / np.sqrt(3)))


def test_norm_ord_zero_counts_nonzeros():
    assert ops.norm(np.array([0.0, 1.0, -2.0]), ord=0).item() == 2.0


def test_scatter_sums_duplicates_and_scatter_update_last_write_wins():
    np.testing.assert_array_equal(ops.scatter([[0], [0], [2]], np.array([1.0, 2.0, 3.0]), (4,)).data, [3, 0, 3, 0])
    u = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    out = ops.scatter_update(np.zeros(3), [[0], [0]], u)
    np.testing.assert_array_equal(out.data, [2.0, 0.0, 0.0])
    out.backward(np.array([5.0, 1.0, 1.0]))
    np.testing.assert_array_equal(u.grad, [0.0, 5.0])


def test_segments_drop_out_of_range_ids_and_empty_max_is_minus_inf():
    data = np.array([1.0, 2.0, 3.0, 4.0], dtype=np.float32)
    ids = np.array([0, 0, 5, -1])
    np.testing.assert_array_equal(ops.segment_sum(data, ids, num_segments=3).data, [3, 0, 0])
    np.testing.assert_array_equal(ops.segment_max(data, ids, num_segments=2).data, [2, -np.inf])
    np.testing.assert_array_equal(ops.segment_sum(np.arange(3), [0, 0, 1]).data, [1, 2])


def test_segment_max_splits_the_gradient_among_ties():
    d = Tensor(np.array([2.0, 2.0, 1.0]), requires_grad=True)
    ops.segment_max(d, [0, 0, 0]).backward(np.array([1.0]))
    np.testing.assert_array_equal(d.grad, [0.5, 0.5, 0.0])


def test_select_and_where_order():
    x = np.arange(6)
    out = ops.select([x < 3, x > 3], [x, x ** 2], 42)
    np.testing.assert_array_equal(out.data, [0, 1, 2, 42, 16, 25])


def test_linspace():
    out = ops.linspace(0, 1, 5)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out.data, np.linspace(0, 1, 5))
    np.testing.assert_array_equal(ops.linspace(0, 10, 5, dtype="int32").data, [0, 2, 5, 7, 10])
    samples, step = ops.linspace(np.array([0.0, 1.0]), 2.0, 3, endpoint=False, retstep=True, axis=1)
    np.testing.assert_allclose(samples.data, np.linspace([0.0, 1.0], 2.0, 3, endpoint=False, axis=1))
    np.testing.assert_allclose(step.data, [2 / 3, 1 / 3], rtol=1e-6)
    assert ops.linspace(0, 1, 0).shape == (0,)


def test_multi_hot_matches_keras_examples():
    np.testing.assert_array_equal(ops.multi_hot(np.array([0, 4]), num_classes=5).data, [1, 0, 0, 0, 1])
    np.testing.assert_array_equal(ops.multi_hot(np.array([[0, 2], [1, 1]]), 4).data,
                                  [[1, 0, 1, 0], [0, 1, 0, 0]])
    np.testing.assert_array_equal(ops.multi_hot(np.array([[0, 2], [1, 1]]), 4, axis=0).data,
                                  [[1, 0], [1, 1], [0, 1], [0, 0]])
    assert ops.multi_hot([1, 2], num_tokens=3).dtype == np.float32
    assert ops.multi_hot([1, 2], 3, dtype="int32").dtype == np.int32


def test_moments_float16_computed_in_float32_and_cast_back():
    m, v = ops.moments(np.array([0, 1, 2, 3, 100], dtype=np.float16), axes=[0])
    assert m.dtype == np.float16 and v.dtype == np.float16
    np.testing.assert_allclose([m.item(), v.item()], [21.2, 1553.36], rtol=1e-3)


def test_batch_normalization_without_offset_and_scale():
    x = np.ones((2, 3), dtype=np.float32)
    out = ops.batch_normalization(x, np.zeros(3), np.ones(3), axis=-1)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out.data, np.full((2, 3), 1 / np.sqrt(1.001)), rtol=1e-6)


def test_erfinv_edges():
    out = ops.erfinv(np.array([-1.0, 1.0, 0.0, 1.5], dtype=np.float32))
    assert out.dtype == np.float32
    assert out.data[0] == -np.inf and out.data[1] == np.inf and out.data[2] == 0 and np.isnan(out.data[3])
    np.testing.assert_allclose(ops.erfinv(np.array([0.5])).data, [0.4769362762044699], rtol=1e-14)


def test_cumprod_dtype_argument_and_diff_zero():
    assert ops.cumprod(np.arange(1, 4), dtype="float32").dtype == np.float32
    x = np.arange(3.0)
    np.testing.assert_array_equal(ops.diff(x, n=0).data, x)


# ----- logic / predicates / indices -------------------------------------------------------
def test_logical_ops_and_predicates():
    a = np.array([[0, 1, 2], [0, 0, 3]])
    b = np.array([1.0, 0.0, 0.5])
    for fn, ref in ((ops.logical_and, np.logical_and), (ops.logical_or, np.logical_or),
                    (ops.logical_xor, np.logical_xor)):
        out = fn(a, b)
        assert out.dtype == np.bool_
        np.testing.assert_array_equal(out.data, ref(a, b))
    np.testing.assert_array_equal(ops.logical_not(a).data, np.logical_not(a))
    x = np.array([1.0, np.nan, np.inf, -np.inf], dtype=np.float32)
    for fn, ref in ((ops.isnan, np.isnan), (ops.isinf, np.isinf), (ops.isfinite, np.isfinite)):
        np.testing.assert_array_equal(fn(x).data, ref(x))
    assert not ops.isnan(np.arange(3)).data.any() and ops.isfinite(np.arange(3)).data.all()


def test_count_nonzero_nonzero_argsort():
    x = np.array([[0, 1, 2], [3, 0, 0]])
    out = ops.count_nonzero(x)
    assert out.dtype == np.int32 and out.item() == 3
    np.testing.assert_array_equal(ops.count_nonzero(x, axis=0).data, [1, 1, 1])
    np.testing.assert_array_equal(ops.count_nonzero(x, axis=(0, 1)).data, 3)
    rows, cols = ops.nonzero(x)
    assert rows.dtype == np.int32
    np.testing.assert_array_equal(rows.data, [0, 0, 1])
    np.testing.assert_array_equal(cols.data, [1, 2, 0])
    y = np.array([[3.0, 1.0, 3.0, 2.0]])
    idx = ops.argsort(y)
    assert idx.dtype == np.int32
    np.testing.assert_array_equal(idx.data, [[1, 3, 0, 2]])  # stable
    np.testing.assert_array_equal(ops.argsort(y.T, axis=0).data, [[1], [3], [0], [2]])
    np.testing.assert_array_equal(ops.argsort(y, axis=None).data, [1, 3, 0, 2])


def test_unique_with_all_outputs_size_and_axis():
    x = np.array([3, 1, 3, 2])
    values, index, inverse, counts = ops.unique(x, return_index=True, return_inverse=True, return_counts=True)
    np.testing.assert_array_equal(values.data, [1, 2, 3])
    np.testing.assert_array_equal(index.data, [1, 3, 0])
    np.testing.assert_array_equal(inverse.data, [2, 0, 2, 1])
    np.testing.assert_array_equal(counts.data, [1, 1, 2])
    assert index.dtype == inverse.dtype == counts.dtype == np.int32
    values, counts = ops.unique(x, size=5, return_counts=True)
    np.testing.assert_array_equal(values.data, [1, 2, 3, 0, 0])
    np.testing.assert_array_equal(counts.data, [1, 1, 2, 0, 0])
    np.testing.assert_array_equal(ops.unique(x, size=2).data, [1, 2])
    np.testing.assert_array_equal(ops.unique(x.astype(float), size=4, fill_value=-1).data, [1, 2, 3, -1])
    rows = np.array([[1, 0, 0], [0, 1, 0], [1, 0, 0]])
    np.testing.assert_array_equal(ops.unique(rows, axis=0).data, [[0, 1, 0], [1, 0, 0]])


# ----- errors name the op and the bad value -------------------------------------------------
ERRORS = [
    (lambda: ops.sort(np.ones((2, 3)), axis=2), ValueError, r"^sort: axis 2 .*\(2, 3\)"),
    (lambda: ops.top_k(np.ones((2, 3)), 4), ValueError, r"^top_k: k must be in \[0, 3\].*k=4.*\(2, 3\)"),
    (lambda: ops.top_k(np.ones(3), 1.5), TypeError, r"^top_k: k must be an int"),
    (lambda: ops.diff(np.ones(3), n=-1), ValueError, r"^diff: .*-1"),
    (lambda: ops.diagonal(np.ones(3)), ValueError, r"^diagonal: .*rank >= 2.*\(3,\)"),
    (lambda: ops.diagonal(np.ones((2, 2)), axis1=1, axis2=-1), ValueError, r"^diagonal: axis1 and axis2"),
    (lambda: ops.diag(np.ones((2, 2, 2))), ValueError, r"^diag: .*\(2, 2, 2\)"),
    (lambda: ops.tril(np.ones(4)), ValueError, r"^tril: .*\(4,\)"),
    (lambda: ops.triu(np.ones((2, 2)), k=0.5), TypeError, r"^triu: k must be an int"),
    (lambda: ops.norm(np.ones((2, 2)), ord="fro", axis=0), ValueError, r"^norm: invalid ord='fro'"),
    (lambda: ops.norm(np.ones((2, 2)), ord=3, axis=(0, 1)), ValueError, r"^norm: invalid ord=3"),
    (lambda: ops.norm(np.ones((2, 2, 2)), ord=1), ValueError, r"^norm: .*\(2, 2, 2\)"),
    (lambda: ops.norm(np.ones((2, 2, 2)), axis=(0, 1, 2)), ValueError, r"^norm: axis must be"),
    (lambda: ops.quantile(np.ones(3), 1.5), ValueError, r"^quantile: q must be in \[0, 1\].*1\.5"),
    (lambda: ops.quantile(np.ones(3), 0.5, method="cubic"), ValueError, r"^quantile: method .*'cubic'"),
    (lambda: ops.median(np.ones((0, 3))), ValueError, r"^quantile: .*empty.*\(0, 3\)"),
    (lambda: ops.cross(np.ones(4), np.ones(3)), ValueError, r"^cross: .*x1.*length 2 or 3, got 4"),
    (lambda: ops.meshgrid(np.ones(2), indexing="yx"), ValueError, r"^meshgrid: indexing .*'yx'"),
    (lambda: ops.roll(np.ones((2, 2)), (1, 2), axis=0), ValueError, r"^roll: shift"),
    (lambda: ops.select([np.ones(2, bool)], [], 0), ValueError, r"^select: condlist \(1 items\)"),
    (lambda: ops.slice(np.ones((3, 3)), (2, 0), (2, 2)), ValueError, r"^slice: .*does not fit shape \(3, 3\)"),
    (lambda: ops.slice(np.ones((3, 3)), (0,), (2, 2)), ValueError, r"^slice: start_indices .*\(3, 3\)"),
    (lambda: ops.slice_update(np.ones((3, 3)), (2, 2), np.ones((2, 2))), ValueError,
     r"^slice_update: updates of shape \(2, 2\) at \[2, 2\] do not fit .*\(3, 3\)"),
    (lambda: ops.scatter([[0], [5]], np.ones(2), (3,)), ValueError, r"^scatter: indices out of bounds .*\(3,\).*5"),
    (lambda: ops.scatter([[0], [1]], np.ones(3), (3,)), ValueError, r"^scatter: values/updates must have shape \(2,\)"),
    (lambda: ops.scatter([[0.5]], np.ones(1), (3,)), TypeError, r"^scatter: indices must be integers"),
    (lambda: ops.scatter_update(np.ones(3), [[0]], np.ones(1), reduction="sum"), ValueError,
     r"^scatter_update: reduction .*'sum'"),
    (lambda: ops.segment_sum(np.ones((3, 2)), [0, 1]), ValueError, r"^segment_sum: segment_ids of shape \(2,\).*\(3, 2\)"),
    (lambda: ops.segment_max(np.ones(3), [0, 1, 1], num_segments=-1), ValueError, r"^segment_max: num_segments"),
    (lambda: ops.multi_hot([1, 2]), ValueError, r"^multi_hot: num_classes"),
    (lambda: ops.multi_hot([1, 2], 3, sparse=True), ValueError, r"^multi_hot: sparse"),
    (lambda: ops.normalize(np.ones(3), order=0), ValueError, r"^normalize: order must be an int >= 1, got order=0"),
    (lambda: ops.batch_normalization(np.ones((2, 3)), np.zeros(2), np.ones(3), axis=1), ValueError,
     r"^batch_normalization: mean must have shape \(3,\).*\(2, 3\), got \(2,\)"),
    (lambda: ops.mod(np.ones((2, 3)), np.ones(2)), ValueError, r"^mod: shapes \(2, 3\) and \(2,\)"),
    (lambda: ops.floor_divide(np.ones(3), np.ones(2)), ValueError, r"^floor_divide: shapes \(3,\) and \(2,\)"),
    (lambda: ops.linspace(0, 1, -2), ValueError, r"^linspace: num must be non-negative, got -2"),
    (lambda: ops.logical_and(np.ones(3), np.ones(2)), ValueError, r"^logical_and: shapes \(3,\) and \(2,\)"),
    (lambda: ops.count_nonzero(np.ones((2, 2)), axis=3), ValueError, r"^count_nonzero: axis 3 .*\(2, 2\)"),
    (lambda: ops.argsort(np.ones((2, 2)), axis=(0, 1)), TypeError, r"^argsort: axis must be an int"),
    (lambda: ops.unique(np.ones(3), size=-1), ValueError, r"^unique: size must be a non-negative int, got -1"),
    (lambda: ops.log2(np.array(["a", "b"])), TypeError, r"^log2: expected numeric data.*<U1"),
    (lambda: ops.isnan(np.array(["a", "b"])), TypeError, r"^isnan: expected numeric data"),
]


@pytest.mark.parametrize("call,exc,pattern", ERRORS, ids=[e[2][1:30] for e in ERRORS])
def test_bad_input_raises_a_clear_error(call, exc, pattern):
    with pytest.raises(exc, match=pattern):
        call()
