"""The speed-motivated kernels: fused Dense+ReLU and Conv+bias+ReLU nodes, the chunked in-place
Adam update, gradient adoption by the engine, and the glibc malloc tuning.

Each fused path is checked three ways: a float64 numerical gradient check, bit-identical
forward values against the same computation as separate ops, and (for Adam) bit-identical
updates against Keras's formula written out in NumPy.
"""
import os
import subprocess
import sys

import numpy as np
import pytest

import numnet
from numnet import layers, ops
from numnet.autograd import Tensor, Variable
from numnet.layers.core import _DenseProduct
from numnet.ops.conv import Conv2D as ConvFunction
from numnet.optimizers import Adam
from numnet.optimizers import adam as adam_module
from numnet.utils import gradient_check

RNG = np.random.default_rng(0)


# ------------------------------------------------------------------ Dense + ReLU
@pytest.mark.parametrize("shape,use_bias", [((4, 3), True), ((2, 3, 3), True), ((4, 3), False)])
def test_dense_relu_fused_gradients(shape, use_bias):
    layer = layers.Dense(5, activation="relu", use_bias=use_bias, dtype="float64",
                         bias_initializer="random_normal")
    x = RNG.standard_normal(shape)
    layer(x)
    assert gradient_check(lambda t: layer(t), [x], params=layer.trainable_weights) < 1e-6


def test_dense_relu_is_one_node_with_unfused_values():
    layer = layers.Dense(7, activation="relu", bias_initializer="random_normal")
    x = RNG.standard_normal((6, 4)).astype(np.float32)
    y = layer(Tensor(x, requires_grad=True))
    assert isinstance(y._ctx, _DenseProduct)
    k, b = layer.kernel.data, layer.bias.data
    np.testing.assert_array_equal(y.data, np.maximum(np.matmul(x, k) + b, 0))
    unfused = ops.relu(ops.add(ops.matmul(Tensor(x), layer.kernel), layer.bias))
    np.testing.assert_array_equal(y.data, unfused.data)


def test_dense_relu_gradient_matches_unfused_ops():
    layer = layers.Dense(5, activation="relu")
    x = RNG.standard_normal((8, 3)).astype(np.float32)
    layer(x)
    layer(x).sum().backward()
    fused = [layer.kernel.grad.copy(), layer.bias.grad.copy()]
    layer.kernel.grad = layer.bias.grad = None
    ops.relu(ops.add(ops.matmul(Tensor(x), layer.kernel), layer.bias)).sum().backward()
    np.testing.assert_allclose(fused[0], layer.kernel.grad, rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(fused[1], layer.bias.grad, rtol=1e-6, atol=1e-7)


# ------------------------------------------------------------ Conv + bias + ReLU
@pytest.mark.parametrize("cfg", [{"activation": "relu"}, {"activation": "relu", "use_bias": False},
                                 {"activation": "relu", "padding": "same", "strides": 2},
                                 {"activation": "relu", "data_format": "channels_first"},
                                 {"activation": "tanh"}])
def test_conv2d_fused_gradients(cfg):
    layer = layers.Conv2D(3, 3, dtype="float64", bias_initializer="random_normal", **cfg)
    x = RNG.standard_normal((2, 5, 6, 4) if cfg.get("data_format") != "channels_first" else (2, 4, 5, 6))
    layer(x)
    assert gradient_check(lambda t: layer(t), [x], params=layer.trainable_weights) < 1e-6


def test_conv1d_fused_relu_gradients():
    layer = layers.Conv1D(3, 2, activation="relu", dtype="float64", bias_initializer="random_normal")
    x = RNG.standard_normal((2, 7, 3))
    layer(x)
    assert gradient_check(lambda t: layer(t), [x], params=layer.trainable_weights) < 1e-6


@pytest.mark.parametrize("channels", [1, 8])
def test_conv2d_fused_values_equal_separate_ops(channels, monkeypatch):
    conv_module = sys.modules["numnet.ops.conv"]  # (numnet.ops.conv is also the function's name)
    monkeypatch.setattr(conv_module, "CHUNK_BYTES", 1 << 14)  # force several chunks
    layer = layers.Conv2D(5, 3, activation="relu", bias_initializer="random_normal")
    x = RNG.standard_normal((9, 10, 10, channels)).astype(np.float32)
    y = layer(Tensor(x, requires_grad=True))
    assert isinstance(y._ctx, ConvFunction)
    ref = ops.relu(ops.add(ops.conv(x, layer.kernel), layer.bias))
    np.testing.assert_array_equal(y.data, ref.data)
    y.sum().backward()
    fused = [layer.kernel.grad.copy(), layer.bias.grad.copy()]
    layer.kernel.grad = layer.bias.grad = None
    ops.relu(ops.add(ops.conv(x, layer.kernel), layer.bias)).sum().backward()
    np.testing.assert_allclose(fused[0], layer.kernel.grad, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(fused[1], layer.bias.grad, rtol=1e-5, atol=1e-5)


def test_conv_bias_of_wrong_shape_is_refused():
    from numnet.ops.conv import conv_bias_relu

    with pytest.raises(ValueError, match=r"bias must have shape \(4,\)"):
        conv_bias_relu(np.zeros((1, 5, 5, 2), np.float32), np.zeros((3, 3, 2, 4), np.float32),
                       np.zeros(3, np.float32))


# ------------------------------------------------------------------------- Adam
def _keras_adam(w, grads, lr=1e-3, b1=0.9, b2=0.999, eps=1e-7, amsgrad=False):
    """Keras 3's Adam written out on float32 arrays, the reference for the in-place kernel."""
    w = w.copy()
    m, v, vh = np.zeros_like(w), np.zeros_like(w), np.zeros_like(w)
    f = np.float32
    for t, g in enumerate(grads, start=1):
        alpha = f(lr) * np.sqrt(f(1) - f(b2) ** f(t)) / (f(1) - f(b1) ** f(t))
        m += (g - m) * f(1 - b1)
        v += (g * g - v) * f(1 - b2)
        if amsgrad:
            vh = np.maximum(vh, v)
            denom = np.sqrt(vh) + f(eps)
        else:
            denom = np.sqrt(v) + f(eps)
        w -= (m * alpha) / denom
    return w


@pytest.mark.parametrize("amsgrad", [False, True])
def test_adam_chunked_update_is_bit_identical_to_keras_formula(amsgrad):
    shape = (adam_module._CHUNK + 1234,)  # more than one chunk, the last one partial
    w0 = RNG.standard_normal(shape).astype(np.float32)
    grads = [RNG.standard_normal(shape).astype(np.float32) for _ in range(3)]
    var = Variable(w0)
    opt = Adam(learning_rate=1e-3, amsgrad=amsgrad)
    opt.build([var])
    for g in grads:
        opt.apply_gradients([(g, var)])
    np.testing.assert_array_equal(var.data, _keras_adam(w0, grads, amsgrad=amsgrad))


def test_adam_non_contiguous_gradient_uses_the_whole_array_path():
    w0 = RNG.standard_normal((6, 5)).astype(np.float32)
    g = np.asfortranarray(RNG.standard_normal((6, 5)).astype(np.float32))
    assert not g.flags.c_contiguous
    var = Variable(w0)
    opt = Adam(learning_rate=1e-2)
    opt.build([var])
    opt.apply_gradients([(g, var)])
    np.testing.assert_array_equal(var.data, _keras_adam(w0, [np.ascontiguousarray(g)], lr=1e-2))


# ------------------------------------------------------ gradient adoption by the engine
def test_adopted_gradients_are_not_shared_between_leaves():
    a = Tensor(np.ones((3, 2), np.float32), requires_grad=True)
    b = Tensor(np.ones((3, 2), np.float32), requires_grad=True)
    (a + b).sum().backward()
    assert a.grad is not b.grad
    a.grad *= 5
    np.testing.assert_array_equal(b.grad, np.ones((3, 2)))


def test_shared_dense_weights_accumulate_both_uses():
    layer = layers.Dense(3, activation="relu", dtype="float64", bias_initializer="random_normal")
    x = RNG.standard_normal((4, 3))
    layer(x)
    err = gradient_check(lambda t: layer(layer(t)), [x], params=layer.trainable_weights)
    assert err < 1e-6


def test_second_backward_accumulates_into_adopted_gradient():
    layer = layers.Dense(2)
    x = RNG.standard_normal((4, 3)).astype(np.float32)
    layer(x).sum().backward()
    first = layer.kernel.grad.copy()
    layer(x).sum().backward()
    np.testing.assert_allclose(layer.kernel.grad, 2 * first, rtol=1e-6)


# ---------------------------------------------------------------------- malloc tuning
def test_malloc_tuning_state_and_opt_out():
    from numnet.utils import memory

    import platform

    if platform.system() == "Linux" and platform.libc_ver()[0] == "glibc" and \
            os.environ.get("NUMNET_MALLOC_TUNING", "1") != "0" and "MALLOC_MMAP_THRESHOLD_" not in os.environ \
            and "MALLOC_TRIM_THRESHOLD_" not in os.environ:
        assert memory.tune_malloc() is True
    code = "import numnet.utils.memory as m, numnet; print(m._tuned)"
    env = dict(os.environ, NUMNET_MALLOC_TUNING="0")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True,
                         cwd=os.path.dirname(os.path.dirname(os.path.abspath(numnet.__file__))))
    assert out.stdout.strip() == "False"
