"""Merging layers: values, broadcasting, gradients and errors."""
import numpy as np
import pytest

from numnet import layers
from numnet.autograd import Tensor
from numnet.utils import gradient_check

RNG = np.random.default_rng(0)
A, B, C = (RNG.standard_normal((3, 4)) for _ in range(3))

CASES = [
    (layers.Add, lambda a, b, c: a + b + c, 3),
    (layers.Subtract, lambda a, b, c: a - b, 2),
    (layers.Multiply, lambda a, b, c: a * b * c, 3),
    (layers.Average, lambda a, b, c: (a + b + c) / 3, 3),
    (layers.Maximum, lambda a, b, c: np.maximum(np.maximum(a, b), c), 3),
    (layers.Minimum, lambda a, b, c: np.minimum(np.minimum(a, b), c), 3),
    (lambda **kw: layers.Concatenate(**kw), lambda a, b, c: np.concatenate([a, b, c], axis=-1), 3),
    (lambda **kw: layers.Concatenate(axis=0, **kw), lambda a, b, c: np.concatenate([a, b, c], axis=0), 3),
]


@pytest.mark.parametrize("cls,ref,n", CASES)
def test_values_and_gradients(cls, ref, n):
    layer = cls(dtype="float64")
    inputs = [A, B, C][:n]
    y = layer(inputs)
    np.testing.assert_allclose(y.data, ref(A, B, C), rtol=1e-12)
    assert layer.compute_output_shape([x.shape for x in inputs]) == y.shape
    assert gradient_check(lambda *ts: layer(list(ts)), inputs) < 1e-6


def test_broadcasting_shapes():
    assert layers.Add().compute_output_shape([(None, 1, 4), (None, 3, 4)]) == (None, 3, 4)
    y = layers.Multiply()([np.ones((2, 1, 4), np.float32), np.ones((2, 3, 4), np.float32)])
    assert y.shape == (2, 3, 4)
    assert layers.Concatenate(axis=1).compute_output_shape([(None, 2, 5), (None, 3, 5)]) == (None, 5, 5)
    assert layers.Concatenate().compute_output_shape([(None, 2), (None, None)]) == (None, None)


def test_errors():
    with pytest.raises(ValueError, match="list"):
        layers.Add()(np.ones((2, 3), np.float32))
    with pytest.raises(ValueError, match="exactly 2"):
        layers.Subtract()([A, B, C])
    with pytest.raises(ValueError, match="broadcast"):
        layers.Add(name="adder").compute_output_shape([(None, 3), (None, 4)])
    with pytest.raises(ValueError, match="adder"):
        layers.Add(name="adder")([np.ones((2, 3)), np.ones((2, 4))])
    with pytest.raises(ValueError, match="concat axis"):
        layers.Concatenate(axis=1)([np.ones((2, 3)), np.ones((3, 3))])
    with pytest.raises(ValueError, match="equal rank"):
        layers.Concatenate()([np.ones((2, 3)), np.ones((2, 3, 1))])


def test_tensor_inputs_keep_graph():
    a = Tensor(A.astype(np.float32), requires_grad=True)
    b = Tensor(B.astype(np.float32), requires_grad=True)
    y = layers.Add()([a, b])
    y.backward(np.ones((3, 4), np.float32))
    np.testing.assert_array_equal(a.grad, np.ones((3, 4)))
    np.testing.assert_array_equal(b.grad, np.ones((3, 4)))
