"""BatchNormalization and LayerNormalization: numerics, moving statistics, gradients, freezing."""
import numpy as np
import pytest

from numnet import layers
from numnet.utils import gradient_check

RNG = np.random.default_rng(0)


def _set_random_weights(layer, rng=RNG):
    layer.set_weights([rng.uniform(0.5, 1.5, w.shape) if "variance" in w.name or w.name == "gamma"
                       else rng.standard_normal(w.shape) for w in layer.weights])


def test_batchnorm_weights_order_and_defaults():
    bn = layers.BatchNormalization()
    assert (bn.axis, bn.momentum, bn.epsilon, bn.center, bn.scale) == (-1, 0.99, 1e-3, True, True)
    bn(np.zeros((2, 3, 4), np.float32))
    assert [w.name for w in bn.weights] == ["gamma", "beta", "moving_mean", "moving_variance"]
    assert [w.name for w in bn.trainable_weights] == ["gamma", "beta"]
    assert [w.name for w in bn.non_trainable_weights] == ["moving_mean", "moving_variance"]
    g, b, m, v = bn.get_weights()
    assert (g == 1).all() and (b == 0).all() and (m == 0).all() and (v == 1).all()


def test_batchnorm_inference_matches_numpy():
    bn = layers.BatchNormalization(epsilon=1e-2)
    x = RNG.standard_normal((4, 5, 3)).astype(np.float32)
    bn(x)
    _set_random_weights(bn)
    g, b, m, v = bn.get_weights()
    ref = g * (x - m) / np.sqrt(v + 1e-2) + b
    for y in (bn(x), bn(x, training=False)):
        assert y.dtype == np.float32
        np.testing.assert_allclose(y.data, ref, rtol=1e-5, atol=1e-5)
    np.testing.assert_array_equal(bn.get_weights()[2], m)  # inference leaves the statistics alone


def test_batchnorm_training_normalizes_and_updates_moving_stats():
    bn = layers.BatchNormalization(momentum=0.9, dtype="float64")
    x = RNG.standard_normal((16, 3)) * [1.0, 2.0, 3.0] + [0.5, -1.0, 4.0]
    bn(x)
    _set_random_weights(bn)
    g, b, m0, v0 = bn.get_weights()
    y = bn(x, training=True).data
    mean, var = x.mean(axis=0), x.var(axis=0)  # biased variance, as Keras 3
    np.testing.assert_allclose(y, g * (x - mean) / np.sqrt(var + 1e-3) + b, rtol=1e-10)
    _, _, m1, v1 = bn.get_weights()
    np.testing.assert_allclose(m1, 0.9 * m0 + 0.1 * mean, rtol=1e-12)
    np.testing.assert_allclose(v1, 0.9 * v0 + 0.1 * var, rtol=1e-12)


def test_batchnorm_axis_1_conv_features():
    bn = layers.BatchNormalization(axis=1, dtype="float64")
    x = RNG.standard_normal((3, 4, 2, 5))
    bn(x)
    _set_random_weights(bn)
    g, b = bn.gamma.data.reshape(1, 4, 1, 1), bn.beta.data.reshape(1, 4, 1, 1)
    mean, var = x.mean(axis=(0, 2, 3), keepdims=True), x.var(axis=(0, 2, 3), keepdims=True)
    np.testing.assert_allclose(bn(x, training=True).data, g * (x - mean) / np.sqrt(var + 1e-3) + b, rtol=1e-10)


@pytest.mark.parametrize("kwargs,shape", [({}, (6, 3)), ({}, (2, 3, 3, 2)), ({"axis": 1}, (3, 2, 4)),
                                          ({"center": False}, (5, 3)), ({"scale": False}, (5, 3))])
@pytest.mark.parametrize("training", [True, False])
def test_batchnorm_gradients(kwargs, shape, training):
    bn = layers.BatchNormalization(dtype="float64", **kwargs)
    x = RNG.standard_normal(shape)
    bn(x)
    _set_random_weights(bn)
    err = gradient_check(lambda t: bn(t, training=training), [x], params=bn.trainable_weights)
    assert err < 1e-6


def test_frozen_batchnorm_runs_in_inference_mode():
    bn = layers.BatchNormalization()
    x = RNG.standard_normal((8, 3)).astype(np.float32) + 2
    bn(x)
    bn.trainable = False
    before = bn.get_weights()
    y = bn(x, training=True)
    np.testing.assert_allclose(y.data, bn(x, training=False).data)
    for a, b in zip(before, bn.get_weights()):
        np.testing.assert_array_equal(a, b)
    assert bn.trainable_weights == [] and len(bn.non_trainable_weights) == 4


def test_batchnorm_bad_input_changes_nothing():
    bn = layers.BatchNormalization(name="bn_x")
    bn(np.ones((2, 3), np.float32))
    before = bn.get_weights()
    with pytest.raises(ValueError, match="bn_x.*3 features.*\\(2, 4\\)"):
        bn(np.ones((2, 4), np.float32), training=True)
    for a, b in zip(before, bn.get_weights()):
        np.testing.assert_array_equal(a, b)
    with pytest.raises(ValueError, match="axis"):
        layers.BatchNormalization(axis=3)(np.ones((2, 3), np.float32))


def test_layernorm_matches_numpy_and_gradients():
    x = RNG.standard_normal((3, 4, 5))
    ln = layers.LayerNormalization(dtype="float64")
    y = ln(x).data
    _set_random_weights(ln)
    g, b = ln.get_weights()
    mean, var = x.mean(axis=-1, keepdims=True), x.var(axis=-1, keepdims=True)
    np.testing.assert_allclose(ln(x).data, g * (x - mean) / np.sqrt(var + 1e-3) + b, rtol=1e-10)
    np.testing.assert_allclose(y.mean(axis=-1), 0, atol=1e-12)
    assert gradient_check(lambda t: ln(t), [x], params=ln.trainable_weights) < 1e-6


@pytest.mark.parametrize("kwargs", [{"axis": [1, 2]}, {"axis": [2, 1]}, {"axis": 1, "center": False},
                                    {"scale": False}, {"rms_scaling": True}])
def test_layernorm_variants(kwargs):
    x = RNG.standard_normal((2, 3, 4))
    ln = layers.LayerNormalization(dtype="float64", **kwargs)
    ln(x)
    _set_random_weights(ln)
    axes = tuple(sorted(a % 3 for a in np.atleast_1d(kwargs.get("axis", -1))))
    mean, var = x.mean(axis=axes, keepdims=True), x.var(axis=axes, keepdims=True)
    bshape = [x.shape[i] if i in axes else 1 for i in range(3)]
    order = [a % 3 for a in np.atleast_1d(kwargs.get("axis", -1))]
    perm = np.argsort(order)
    g = ln.gamma.data.transpose(perm).reshape(bshape) if ln.gamma is not None else 1.0
    b = ln.beta.data.transpose(perm).reshape(bshape) if ln.beta is not None else 0.0
    if kwargs.get("rms_scaling"):
        ref = x / np.sqrt(var + 1e-3) * g
    else:
        ref = g * (x - mean) / np.sqrt(var + 1e-3) + b
    np.testing.assert_allclose(ln(x).data, ref, rtol=1e-10)
    assert gradient_check(lambda t: ln(t), [x], params=ln.trainable_weights) < 1e-6
