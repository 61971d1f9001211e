"""Conversion and creation ops (`numnet.ops.core`): dtypes follow Keras (float32 default, int32 aranges)."""
import numpy as np
import pytest

import numnet
from numnet import ops


def test_convert_to_tensor_and_numpy():
    t = ops.convert_to_tensor([1.0, 2.0])
    assert isinstance(t, numnet.Tensor) and t.dtype == np.float32
    assert ops.convert_to_tensor([1, 2]).dtype == np.int32
    assert ops.convert_to_tensor(np.arange(3.0)).dtype == np.float32  # no silent float64
    assert ops.convert_to_tensor(t) is t
    assert ops.convert_to_tensor(t, dtype="float64").dtype == np.float64
    arr = ops.convert_to_numpy(t)
    assert isinstance(arr, np.ndarray)
    arr[0] = 5.0
    assert t.data[0] == 1.0  # a copy
    with pytest.raises(ValueError, match="sparse"):
        ops.convert_to_tensor([1.0], sparse=True)


def test_stop_gradient_blocks_the_gradient():
    x = numnet.Tensor(np.array([1.0, 2.0, 3.0], np.float32), requires_grad=True)
    (ops.stop_gradient(x * 2.0) * x).sum().backward()
    np.testing.assert_array_equal(x.grad, [2.0, 4.0, 6.0])


def test_creation_ops():
    assert ops.zeros((2, 3)).data.dtype == np.float32 and ops.zeros((2, 3)).shape == (2, 3)
    np.testing.assert_array_equal(ops.ones(2).data, [1.0, 1.0])
    full = ops.full((2,), 3)
    assert full.dtype == np.float32 and np.all(full.data == 3)
    ints = np.ones((2, 2), np.int32)
    assert ops.zeros_like(ints).dtype == np.int32 and ops.ones_like(ints, dtype="float32").dtype == np.float32
    np.testing.assert_array_equal(ops.full_like(ints, 7).data, np.full((2, 2), 7))
    np.testing.assert_array_equal(ops.arange(4).data, [0, 1, 2, 3])
    assert ops.arange(4).dtype == np.int32 and ops.arange(0.0, 1.0, 0.5).dtype == np.float32
    np.testing.assert_array_equal(ops.arange(1, 7, 2).data, [1, 3, 5])
    np.testing.assert_array_equal(ops.eye(2, 3, 1).data, np.eye(2, 3, 1, dtype=np.float32))
