"""Shape and gather ops: values vs NumPy, gradients (float64 central differences), errors."""
import numpy as np
import pytest

from numnet import Tensor, ops
from numnet.utils import gradient_check

TOL = 1e-6


def rand(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


CASES = [
    ("reshape", lambda t: ops.reshape(t, (4, -1)), lambda a: a.reshape(4, -1)),
    ("reshape_int", lambda t: ops.reshape(t, 24), lambda a: a.reshape(24)),
    ("transpose", ops.transpose, np.transpose),
    ("transpose_axes", lambda t: ops.transpose(t, (1, 2, 0)), lambda a: a.transpose(1, 2, 0)),
    ("transpose_neg", lambda t: ops.transpose(t, (-1, 0, 1)), lambda a: a.transpose(2, 0, 1)),
    ("expand_dims", lambda t: ops.expand_dims(t, 1), lambda a: np.expand_dims(a, 1)),
    ("expand_dims_neg", lambda t: ops.expand_dims(t, -1), lambda a: np.expand_dims(a, -1)),
    ("expand_dims_tuple", lambda t: ops.expand_dims(t, (0, 3)), lambda a: np.expand_dims(a, (0, 3))),
    ("ravel", ops.ravel, np.ravel),
    ("flatten", ops.flatten, np.ravel),
    ("broadcast_to", lambda t: ops.broadcast_to(t[:, :1, :], (5, 2, 3, 4)),
     lambda a: np.broadcast_to(a[:, :1, :], (5, 2, 3, 4))),
    ("swapaxes", lambda t: ops.swapaxes(t, 0, -1), lambda a: np.swapaxes(a, 0, -1)),
    ("moveaxis", lambda t: ops.moveaxis(t, 0, -1), lambda a: np.moveaxis(a, 0, -1)),
    ("moveaxis_multi", lambda t: ops.moveaxis(t, (0, 1), (2, 0)), lambda a: np.moveaxis(a, (0, 1), (2, 0))),
    ("flip", lambda t: ops.flip(t, 1), lambda a: np.flip(a, 1)),
    ("tile", lambda t: ops.tile(t, (2, 1, 3)), lambda a: np.tile(a, (2, 1, 3))),
    ("tile_more_reps", lambda t: ops.tile(t, (2, 1, 1, 2)), lambda a: np.tile(a, (2, 1, 1, 2))),
    ("tile_int", lambda t: ops.tile(t, 2), lambda a: np.tile(a, 2)),
    ("repeat_axis", lambda t: ops.repeat(t, 3, axis=1), lambda a: np.repeat(a, 3, axis=1)),
    ("repeat_flat", lambda t: ops.repeat(t, 2), lambda a: np.repeat(a, 2)),
    ("repeat_counts", lambda t: ops.repeat(t, [2, 0, 1], axis=1), lambda a: np.repeat(a, [2, 0, 1], axis=1)),
    ("pad_constant", lambda t: ops.pad(t, ((1, 0), (0, 2), (1, 1))),
     lambda a: np.pad(a, ((1, 0), (0, 2), (1, 1)))),
    ("pad_value", lambda t: ops.pad(t, 1, constant_values=2.0), lambda a: np.pad(a, 1, constant_values=2.0)),
    ("pad_reflect", lambda t: ops.pad(t, ((0, 0), (1, 1), (2, 3)), mode="reflect"),
     lambda a: np.pad(a, ((0, 0), (1, 1), (2, 3)), mode="reflect")),
    ("pad_symmetric", lambda t: ops.pad(t, 2, mode="symmetric"), lambda a: np.pad(a, 2, mode="symmetric")),
    ("pad_edge", lambda t: ops.pad(t, (1, 2), mode="edge"), lambda a: np.pad(a, (1, 2), mode="edge")),
    ("pad_wrap", lambda t: ops.pad(t, 1, mode="wrap"), lambda a: np.pad(a, 1, mode="wrap")),
    ("take_axis0_repeated", lambda t: ops.take(t, [1, 0, 1, 1], axis=0),
     lambda a: np.take(a, [1, 0, 1, 1], axis=0)),
    ("take_axis1_2d_idx", lambda t: ops.take(t, np.array([[0, 2], [2, 2]]), axis=1),
     lambda a: np.take(a, [[0, 2], [2, 2]], axis=1)),
    ("take_flat_negative", lambda t: ops.take(t, [-1, 3, 3, 0]), lambda a: np.take(a, [-1, 3, 3, 0])),
    ("take_along_axis", lambda t: ops.take_along_axis(t, np.array([[[0, 0, 2, 1]], [[2, 2, 2, 0]]]), axis=1),
     lambda a: np.take_along_axis(a, np.array([[[0, 0, 2, 1]], [[2, 2, 2, 0]]]), axis=1)),
    ("take_along_axis_last", lambda t: ops.take_along_axis(t, np.zeros((2, 3, 2), dtype=int), axis=-1),
     lambda a: np.take_along_axis(a, np.zeros((2, 3, 2), dtype=int), axis=-1)),
    ("take_along_axis_none", lambda t: ops.take_along_axis(t, np.array([5, 5, 0]), axis=None),
     lambda a: np.take_along_axis(a.ravel(), np.array([5, 5, 0]), axis=0)),
    ("squeeze", lambda t: ops.squeeze(ops.expand_dims(t, (0, 2))), lambda a: a),
    ("squeeze_axis", lambda t: ops.squeeze(ops.expand_dims(t, 0), axis=0), lambda a: a),
    ("getitem_repeated", lambda t: t[[0, 0, 1], :, 1:3], lambda a: a[[0, 0, 1], :, 1:3]),
    ("getitem_mask", lambda t: t[t.data > 0], lambda a: a[a > 0]),
    ("getitem_basic", lambda t: t[1, ::2, None], lambda a: a[1, ::2, None]),
]


@pytest.mark.parametrize("name,fn,ref", CASES, ids=[c[0] for c in CASES])
def test_shape_op_value_and_gradient(name, fn, ref):
    x = rand(2, 3, 4)
    out = fn(Tensor(x))
    np.testing.assert_array_equal(out.data, ref(x))
    assert gradient_check(fn, [x]) < TOL


@pytest.mark.parametrize("name,fn,ref", CASES, ids=[c[0] for c in CASES])
def test_shape_op_float32_gradient(name, fn, ref):
    x = Tensor(rand(2, 3, 4).astype(np.float32), requires_grad=True)
    out = fn(x)
    assert out.dtype == np.float32
    out.backward(np.ones(out.shape, dtype=np.float32))
    assert x.grad.dtype == np.float32 and x.grad.shape == x.shape


def test_take_repeated_indices_accumulate():
    x = Tensor(np.arange(6.0).reshape(3, 2), requires_grad=True)
    ops.take(x, [2, 2, 0, 2], axis=0).sum().backward()
    np.testing.assert_array_equal(x.grad, [[1, 1], [0, 0], [3, 3]])


def test_take_accepts_whole_float_indices_and_rejects_others():
    x = rand(4)
    np.testing.assert_array_equal(ops.take(x, Tensor([3, 1])).data, x[[3, 1]])
    with pytest.raises(TypeError, match="take: indices must be integers"):
        ops.take(x, [0.5])
    with pytest.raises(IndexError, match="take"):
        ops.take(x, [7])


@pytest.mark.parametrize("axis", [0, 1, -1, -2])
def test_concatenate_and_stack(axis):
    a, b, c = rand(2, 3, seed=1), rand(2, 3, seed=2), rand(2, 3, seed=3)
    np.testing.assert_array_equal(ops.concatenate([a, b, c], axis=axis).data, np.concatenate([a, b, c], axis=axis))
    assert gradient_check(lambda x, y, z: ops.concatenate([x, y, z], axis=axis), [a, b, c]) < TOL
    np.testing.assert_array_equal(ops.stack([a, b, c], axis=axis).data, np.stack([a, b, c], axis=axis))
    assert gradient_check(lambda x, y, z: ops.stack([x, y, z], axis=axis), [a, b, c]) < TOL


def test_concatenate_different_lengths_and_none_axis():
    a, b = rand(2, 3, seed=1), rand(4, 3, seed=2)
    assert gradient_check(lambda x, y: ops.concatenate([x, y]), [a, b]) < TOL
    np.testing.assert_array_equal(ops.concatenate([a, b], axis=None).data, np.concatenate([a, b], axis=None))


def test_split():
    x = rand(6, 4)
    parts = ops.split(x, 3)
    assert isinstance(parts, list) and len(parts) == 3
    for p, r in zip(parts, np.split(x, 3)):
        np.testing.assert_array_equal(p.data, r)
    parts = ops.split(x, [1, 3], axis=1)
    for p, r in zip(parts, np.split(x, [1, 3], axis=1)):
        np.testing.assert_array_equal(p.data, r)
    weights = [1.0, 2.0, 3.0]
    assert gradient_check(
        lambda t: sum(w * ops.square(p).sum() for w, p in zip(weights, ops.split(t, [1, 3], axis=1))), [x]
    ) < TOL
    with pytest.raises(ValueError, match=r"split: axis 0 of length 6 \(shape \(6, 4\)\) cannot be split into 4"):
        ops.split(x, 4)


def test_one_hot():
    labels = np.array([[0, 2], [1, -1]])
    out = ops.one_hot(labels, 3)
    assert out.dtype == np.float32 and out.shape == (2, 2, 3) and not out.requires_grad
    np.testing.assert_array_equal(out.data, [[[1, 0, 0], [0, 0, 1]], [[0, 1, 0], [0, 0, 0]]])
    first = ops.one_hot(labels, 3, axis=0)
    np.testing.assert_array_equal(first.data, np.moveaxis(out.data, -1, 0))
    assert ops.one_hot(Tensor([1, 0]), 2, dtype="int32").dtype == np.int32
    np.testing.assert_array_equal(ops.one_hot([5], 3).data, [[0, 0, 0]])


def test_tensor_reshape_transpose_methods():
    t = Tensor(rand(2, 3))
    assert t.reshape(3, 2).shape == (3, 2)
    assert t.reshape((6,)).shape == (6,)
    assert t.T.shape == (3, 2)
    assert t.transpose().shape == (3, 2)
    assert t.transpose(1, 0).shape == (3, 2)
    assert t.flatten().shape == (6,)


def test_errors_name_op_and_shapes():
    x = np.zeros((2, 3))
    with pytest.raises(ValueError, match=r"reshape: cannot reshape a tensor of shape \(2, 3\) \(6 elements\) into shape \(4,\)"):
        ops.reshape(x, (4,))
    with pytest.raises(ValueError, match=r"concatenate: .*axis 0.*\(2, 3\) and \(2, 4\)"):
        ops.concatenate([x, np.zeros((2, 4))])
    with pytest.raises(ValueError, match=r"concatenate: .*\(2, 3\) and \(3,\)"):
        ops.concatenate([x, np.zeros(3)])
    with pytest.raises(ValueError, match=r"stack: .*\(2, 3\) and \(3, 2\)"):
        ops.stack([x, np.zeros((3, 2))])
    with pytest.raises(ValueError, match=r"squeeze: cannot squeeze axis 1 of length 3"):
        ops.squeeze(x, axis=1)
    with pytest.raises(ValueError, match=r"transpose: axes \(0,\) do not match a tensor of rank 2"):
        ops.transpose(x, (0,))
    with pytest.raises(ValueError, match=r"transpose: repeated axis"):
        ops.transpose(x, (1, 1))
    with pytest.raises(ValueError, match=r"expand_dims: axis 4 is out of range for a result of rank 3"):
        ops.expand_dims(x, 4)
    with pytest.raises(ValueError, match=r"broadcast_to: cannot broadcast a tensor of shape \(2, 3\) to shape \(4, 3\)"):
        ops.broadcast_to(x, (4, 3))
    with pytest.raises(ValueError, match=r"pad: pad_width must be non-negative"):
        ops.pad(x, -1)
    with pytest.raises(ValueError, match=r"pad: unsupported mode 'median'"):
        ops.pad(x, 1, mode="median")
    with pytest.raises(ValueError, match=r"pad: constant_values"):
        ops.pad(x, 1, mode="reflect", constant_values=1.0)
    with pytest.raises(ValueError, match=r"swapaxes: axis 2 is out of range"):
        ops.swapaxes(x, 0, 2)
    with pytest.raises(ValueError, match=r"take_along_axis: indices of shape \(2,\)"):
        ops.take_along_axis(x, np.array([0, 1]), axis=1)
    with pytest.raises(ValueError, match=r"repeat: 2 repeat counts"):
        ops.repeat(x, [1, 2], axis=1)
    with pytest.raises(TypeError, match="numeric"):
        ops.reshape(np.array(["x", "y"]), (2,))
