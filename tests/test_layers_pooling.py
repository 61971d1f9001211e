"""Pooling layers: numerics against NumPy loops, gradients, global pooling, errors."""
import numpy as np
import pytest

from numnet import layers
from numnet.utils import gradient_check

RNG = np.random.default_rng(0)


def ref_pool2d(x, pool, strides, padding, op):
    n, h, w, c = x.shape
    out_dims, pads = [], []
    for size, p, s in zip((h, w), pool, strides):
        if padding == "valid":
            out_dims.append((size - p) // s + 1)
            pads.append(0)
        else:
            o = -(-size // s)
            out_dims.append(o)
            pads.append(max((o - 1) * s + p - size, 0) // 2)
    out = np.zeros((n, *out_dims, c))
    for i in range(out_dims[0]):
        for j in range(out_dims[1]):
            r0, q0 = i * strides[0] - pads[0], j * strides[1] - pads[1]
            win = x[:, max(r0, 0):r0 + pool[0], max(q0, 0):q0 + pool[1], :]
            out[:, i, j, :] = win.max(axis=(1, 2)) if op == "max" else win.mean(axis=(1, 2))
    return out


@pytest.mark.parametrize("cls,op", [(layers.MaxPooling2D, "max"), (layers.AveragePooling2D, "avg")])
@pytest.mark.parametrize("kwargs", [{}, {"pool_size": 3, "strides": 2}, {"pool_size": (2, 3), "padding": "same"},
                                    {"pool_size": 3, "strides": 2, "padding": "same"}])
def test_pool2d_matches_numpy(cls, op, kwargs):
    x = RNG.standard_normal((2, 7, 6, 3)).astype(np.float32)
    layer = cls(**kwargs)
    y = layer(x)
    ref = ref_pool2d(x.astype(np.float64), layer.pool_size, layer.strides, layer.padding, op)
    assert y.dtype == np.float32
    np.testing.assert_allclose(y.data, ref, rtol=1e-6, atol=1e-6)
    assert layer.compute_output_shape((2, 7, 6, 3)) == y.shape


@pytest.mark.parametrize("cls,op", [(layers.MaxPooling1D, "max"), (layers.AveragePooling1D, "avg")])
def test_pool1d_matches_numpy(cls, op):
    x = RNG.standard_normal((2, 9, 3))
    for kwargs in ({}, {"pool_size": 3, "strides": 2, "padding": "same"}):
        layer = cls(dtype="float64", **kwargs)
        ref = ref_pool2d(x[:, None], (1,) + layer.pool_size, (1,) + layer.strides, layer.padding, op)[:, 0]
        np.testing.assert_allclose(layer(x).data, ref, rtol=1e-12)


def test_global_pooling_values_and_keepdims():
    x = RNG.standard_normal((2, 4, 5, 3))
    np.testing.assert_allclose(layers.GlobalAveragePooling2D(dtype="float64")(x).data, x.mean(axis=(1, 2)))
    np.testing.assert_allclose(layers.GlobalMaxPooling2D(dtype="float64")(x).data, x.max(axis=(1, 2)))
    kd = layers.GlobalMaxPooling2D(keepdims=True, dtype="float64")(x)
    assert kd.shape == (2, 1, 1, 3)
    x1 = x[:, 0]
    np.testing.assert_allclose(layers.GlobalAveragePooling1D(dtype="float64")(x1).data, x1.mean(axis=1))
    np.testing.assert_allclose(layers.GlobalMaxPooling1D(data_format="channels_first", dtype="float64")(x1).data,
                               x1.max(axis=2))


@pytest.mark.parametrize("make", [
    lambda **kw: layers.MaxPooling2D(**kw), lambda **kw: layers.AveragePooling2D(3, 2, "same", **kw),
    lambda **kw: layers.MaxPooling2D(3, 2, padding="same", **kw), lambda **kw: layers.AveragePooling2D((2, 1), **kw),
    lambda **kw: layers.GlobalAveragePooling2D(**kw), lambda **kw: layers.GlobalMaxPooling2D(**kw),
    lambda **kw: layers.MaxPooling2D(2, data_format="channels_first", **kw),
])
def test_pool2d_gradients(make):
    layer = make(dtype="float64")
    # distinct values so the max is unique (finite differences are exact away from ties)
    x = RNG.permutation(2 * 5 * 6 * 2).reshape(2, 5, 6, 2) * 0.1 + RNG.uniform(0, 0.01, (2, 5, 6, 2))
    assert gradient_check(lambda t: layer(t), [x]) < 1e-6


@pytest.mark.parametrize("make", [
    lambda **kw: layers.MaxPooling1D(**kw), lambda **kw: layers.AveragePooling1D(3, 1, "same", **kw),
    lambda **kw: layers.GlobalAveragePooling1D(**kw), lambda **kw: layers.GlobalMaxPooling1D(**kw),
])
def test_pool1d_gradients(make):
    layer = make(dtype="float64")
    x = RNG.permutation(2 * 7 * 3).reshape(2, 7, 3) * 0.1
    assert gradient_check(lambda t: layer(t), [x]) < 1e-6


def test_aliases_and_errors():
    assert layers.MaxPool2D is layers.MaxPooling2D and layers.AvgPool1D is layers.AveragePooling1D
    assert layers.GlobalAvgPool2D is layers.GlobalAveragePooling2D
    assert layers.MaxPooling2D().pool_size == (2, 2) and layers.MaxPooling1D().pool_size == (2,)
    with pytest.raises(ValueError, match="max_pool.*rank 4"):
        layers.MaxPooling2D(name="max_pool")(np.zeros((2, 4, 4), np.float32))
    with pytest.raises(ValueError, match="padding"):
        layers.MaxPooling2D(padding="full")
    with pytest.raises(ValueError, match="rank 3"):
        layers.GlobalAveragePooling1D()(np.zeros((2, 4, 4, 1), np.float32))
