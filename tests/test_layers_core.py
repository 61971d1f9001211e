"""Core layers: Dense, Activation, Identity, Flatten, Reshape, Dropout, Embedding, activation layers."""
import json

import numpy as np
import pytest

from numnet import layers, regularizers
from numnet.autograd import Tensor
from numnet.utils import gradient_check, set_random_seed

RNG = np.random.default_rng(0)


def _check(layer, x, tol=1e-6, **call_kwargs):
    """Gradient check of a float64 layer w.r.t. its input and all its trainable weights."""
    layer(x, **call_kwargs)  # build
    for w in layer.trainable_weights:
        assert w.dtype == np.float64
    err = gradient_check(lambda t: layer(t, **call_kwargs), [x], params=layer.trainable_weights)
    assert err < tol


# ------------------------------------------------------------------ Dense
def test_dense_forward_matches_numpy():
    layer = layers.Dense(4, activation="relu", bias_initializer="ones")
    x = RNG.standard_normal((5, 3)).astype(np.float32)
    y = layer(x)
    k, b = layer.get_weights()
    assert k.shape == (3, 4) and b.shape == (4,)
    assert y.dtype == np.float32
    np.testing.assert_allclose(y.data, np.maximum(x @ k + b, 0), rtol=1e-6)
    assert [w.name for w in layer.weights] == ["kernel", "bias"]
    assert layer.count_params() == 16


def test_dense_nd_input_and_no_bias():
    layer = layers.Dense(2, use_bias=False)
    x = RNG.standard_normal((2, 3, 4)).astype(np.float32)
    y = layer(x)
    assert y.shape == (2, 3, 2) and len(layer.weights) == 1
    np.testing.assert_allclose(y.data, x @ layer.kernel.data, rtol=1e-6)


@pytest.mark.parametrize("shape,kwargs", [((4, 3), {}), ((2, 3, 3), {"activation": "tanh"}),
                                          ((4, 3), {"use_bias": False, "activation": "sigmoid"})])
def test_dense_gradients(shape, kwargs):
    _check(layers.Dense(5, dtype="float64", **kwargs), RNG.standard_normal(shape))


def test_dense_int_input_is_cast_not_upcast():
    layer = layers.Dense(2)
    assert layer(np.arange(6).reshape(2, 3)).dtype == np.float32


def test_dense_wrong_last_dim_raises_and_changes_nothing():
    layer = layers.Dense(3, name="dense_head")
    layer(np.ones((2, 4), np.float32))
    before = layer.get_weights()
    with pytest.raises(ValueError) as err:
        layer(np.ones((2, 5), np.float32))
    msg = str(err.value)
    assert "dense_head" in msg and "4" in msg and "(2, 5)" in msg
    for a, b in zip(before, layer.get_weights()):
        np.testing.assert_array_equal(a, b)
    assert layer.kernel.shape == (4, 3)


def test_dense_bad_arguments():
    with pytest.raises(ValueError, match="units"):
        layers.Dense(0)
    with pytest.raises(ValueError, match="relu"):
        layers.Dense(3, activation="rleu")
    with pytest.raises(ValueError, match="glorot_uniform"):
        layers.Dense(3, kernel_initializer="glorot")


def test_dense_activity_regularizer():
    layer = layers.Dense(2, kernel_initializer="ones", activity_regularizer=regularizers.L2(0.5))
    layer(np.ones((1, 3), np.float32))
    assert sum(float(l.data) for l in layer.losses) == pytest.approx(0.5 * 2 * 9)
    # Keras (>= 3.7) divides the activity penalty by the batch size: 4 equal rows, same loss.
    layer(np.ones((4, 3), np.float32))
    assert sum(float(l.data) for l in layer.losses) == pytest.approx(0.5 * 2 * 9)


# ------------------------------------------------------------------ Activation / Identity / activation layers
def test_activation_and_identity_layers():
    x = RNG.standard_normal((3, 4)).astype(np.float32)
    np.testing.assert_allclose(layers.Activation("relu")(x).data, np.maximum(x, 0))
    np.testing.assert_array_equal(layers.Identity()(x).data, x)
    with pytest.raises(ValueError, match="softmax"):
        layers.Activation("nope")


@pytest.mark.parametrize("layer_fn", [
    lambda: layers.Activation("gelu", dtype="float64"),
    lambda: layers.ReLU(max_value=2.0, negative_slope=0.1, threshold=0.3, dtype="float64"),
    lambda: layers.LeakyReLU(dtype="float64"),
    lambda: layers.ELU(alpha=0.7, dtype="float64"),
    lambda: layers.Softmax(axis=1, dtype="float64"),
    lambda: layers.Identity(dtype="float64"),
])
def test_activation_layer_gradients(layer_fn):
    x = RNG.uniform(-3, 3, (3, 4))
    x[np.abs(x) < 0.05] = 0.4
    x[np.abs(x - 0.3) < 0.05] = 0.5
    x[np.abs(x - 2.0) < 0.05] = 1.5
    _check(layer_fn(), x)


def test_activation_layer_values():
    x = np.array([[-2.0, -0.5, 0.5, 3.0]], np.float32)
    np.testing.assert_allclose(layers.LeakyReLU()(x).data, np.where(x > 0, x, 0.3 * x), rtol=1e-6)
    np.testing.assert_allclose(layers.ReLU(max_value=1.0)(x).data, np.clip(x, 0, 1))
    np.testing.assert_allclose(layers.ELU()(x).data, np.where(x > 0, x, np.expm1(x)), rtol=1e-6)
    e = np.exp(x - x.max())
    np.testing.assert_allclose(layers.Softmax()(x).data, e / e.sum(), rtol=1e-6)
    masked = layers.Softmax()(x, mask=np.array([[1, 1, 0, 0]], bool)).data
    np.testing.assert_allclose(masked[0, 2:], 0, atol=1e-6)
    with pytest.raises(ValueError):
        layers.LeakyReLU(negative_slope=-1)


# ------------------------------------------------------------------ Flatten / Reshape
def test_flatten_and_reshape():
    x = RNG.standard_normal((2, 3, 4, 5)).astype(np.float32)
    np.testing.assert_array_equal(layers.Flatten()(x).data, x.reshape(2, -1))
    cf = layers.Flatten(data_format="channels_first")(x).data
    np.testing.assert_array_equal(cf, x.transpose(0, 2, 3, 1).reshape(2, -1))
    np.testing.assert_array_equal(layers.Reshape((4, -1))(x).data, x.reshape(2, 4, 15))
    assert layers.Reshape((-1, 6)).compute_output_shape((None, 3, 4, 5)) == (None, 10, 6)
    with pytest.raises(ValueError, match="reshape"):
        layers.Reshape((7, -1))(x)
    with pytest.raises(ValueError):
        layers.Reshape((2, -1, -1))


def test_flatten_reshape_gradients():
    x = RNG.standard_normal((2, 3, 4))
    _check(layers.Flatten(dtype="float64"), x)
    _check(layers.Flatten(data_format="channels_first", dtype="float64"), x)
    _check(layers.Reshape((-1, 2), dtype="float64"), x)


# ------------------------------------------------------------------ Dropout
def test_dropout_training_only():
    x = np.ones((200, 50), np.float32)
    layer = layers.Dropout(0.3, seed=1)
    np.testing.assert_array_equal(layer(x).data, x)
    np.testing.assert_array_equal(layer(x, training=False).data, x)
    y = layer(x, training=True).data
    assert y.dtype == np.float32
    kept = y != 0
    assert abs(kept.mean() - 0.7) < 0.02
    np.testing.assert_allclose(y[kept], 1 / 0.7, rtol=1e-6)
    assert not np.array_equal(layer(x, training=True).data, y)  # a new mask per call


def test_dropout_seed_and_noise_shape():
    x = np.ones((4, 6, 8), np.float32)
    a = layers.Dropout(0.5, seed=3)(x, training=True).data
    b = layers.Dropout(0.5, seed=3)(x, training=True).data
    np.testing.assert_array_equal(a, b)
    set_random_seed(5)
    c = layers.Dropout(0.5)(x, training=True).data
    set_random_seed(5)
    d = layers.Dropout(0.5)(x, training=True).data
    np.testing.assert_array_equal(c, d)
    y = layers.Dropout(0.5, noise_shape=(None, 1, 8), seed=0)(x, training=True).data
    assert (y == y[:, :1, :]).all()
    with pytest.raises(ValueError, match="rate"):
        layers.Dropout(1.5)


def test_dropout_gradient():
    layer = layers.Dropout(0.4, seed=2, dtype="float64")
    x = RNG.standard_normal((3, 5))
    layer._rng = np.random.default_rng(0)
    t = Tensor(x, requires_grad=True)
    y = layer(t, training=True)
    y.backward(np.ones_like(x))
    np.testing.assert_allclose(t.grad, (y.data != 0) / 0.6)


# ------------------------------------------------------------------ Embedding
def test_embedding_lookup_and_gradient():
    layer = layers.Embedding(10, 3)
    ids = np.array([[1, 2, 1], [0, 9, 9]])
    y = layer(ids)
    table = layer.embeddings.data
    assert y.shape == (2, 3, 3) and y.dtype == np.float32
    np.testing.assert_array_equal(y.data, table[ids])
    assert np.abs(table).max() <= 0.05
    g = RNG.standard_normal(y.shape).astype(np.float32)
    y.backward(g)
    expected = np.zeros_like(table)
    np.add.at(expected, ids.reshape(-1), g.reshape(-1, 3))
    np.testing.assert_allclose(layer.embeddings.grad, expected, rtol=1e-6)


def test_embedding_gradient_check_and_errors():
    layer = layers.Embedding(6, 2, dtype="float64", name="emb")
    ids = np.array([[0, 5, 5], [2, 3, 0]])
    layer(ids)
    err = gradient_check(lambda: layer(ids), [], params=layer.trainable_weights)
    assert err < 1e-6
    before = layer.get_weights()[0]
    with pytest.raises(ValueError, match="emb.*\\[0, 6\\)"):
        layer(np.array([[1, 6]]))
    with pytest.raises(ValueError, match="emb"):
        layer(np.array([[-1, 2]]))
    np.testing.assert_array_equal(layer.get_weights()[0], before)
    mask = layers.Embedding(5, 2, mask_zero=True).compute_mask(np.array([[0, 1, 2]]))
    np.testing.assert_array_equal(mask, [[False, True, True]])
    preset = layers.Embedding(3, 2, weights=[np.arange(6).reshape(3, 2)])
    np.testing.assert_array_equal(preset(np.array([2])).data, [[4, 5]])


# ------------------------------------------------------------------ configs
CONFIG_LAYERS = [
    lambda: layers.Dense(3, activation="relu", use_bias=False, kernel_initializer="he_normal",
                         kernel_regularizer=regularizers.L2(0.1), activity_regularizer="l1", name="d1"),
    lambda: layers.Activation("softmax"),
    lambda: layers.Identity(),
    lambda: layers.Flatten(data_format="channels_first"),
    lambda: layers.Reshape((2, -1)),
    lambda: layers.Dropout(0.25, noise_shape=(None, 1), seed=4),
    lambda: layers.Embedding(7, 3, mask_zero=True, embeddings_regularizer="l2"),
    lambda: layers.ReLU(max_value=6.0, negative_slope=0.1),
    lambda: layers.LeakyReLU(0.2),
    lambda: layers.ELU(0.5),
    lambda: layers.Softmax(axis=[1, 2]),
    lambda: layers.Conv1D(4, 3, strides=2, padding="causal", activation="tanh"),
    lambda: layers.Conv2D(8, (3, 2), padding="same", dilation_rate=2, groups=2, bias_regularizer="l1",
                          data_format="channels_first"),
    lambda: layers.MaxPooling1D(3, strides=1, padding="same"),
    lambda: layers.MaxPooling2D((2, 3)),
    lambda: layers.AveragePooling1D(),
    lambda: layers.AveragePooling2D(3, 2, "same"),
    lambda: layers.GlobalMaxPooling1D(keepdims=True),
    lambda: layers.GlobalMaxPooling2D(),
    lambda: layers.GlobalAveragePooling1D(data_format="channels_first"),
    lambda: layers.GlobalAveragePooling2D(),
    lambda: layers.BatchNormalization(axis=1, momentum=0.9, epsilon=1e-5, center=False,
                                      gamma_regularizer="l2"),
    lambda: layers.LayerNormalization(axis=[1, 2], epsilon=1e-6, scale=False),
    lambda: layers.Add(), lambda: layers.Subtract(), lambda: layers.Multiply(), lambda: layers.Average(),
    lambda: layers.Maximum(), lambda: layers.Minimum(), lambda: layers.Concatenate(axis=1),
]


@pytest.mark.parametrize("make", CONFIG_LAYERS)
def test_config_round_trip(make):
    layer = make()
    config = layer.get_config()
    config = json.loads(json.dumps(config))  # JSON-serialisable
    clone = type(layer).from_config(config)
    assert type(clone) is type(layer)
    assert clone.get_config() == layer.get_config()
    rebuilt = layers.deserialize(json.loads(json.dumps(layers.serialize(layer))))
    assert rebuilt.get_config() == layer.get_config()
