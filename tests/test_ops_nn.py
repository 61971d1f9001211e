"""softmax, log_softmax, the cross-entropies and dropout: gradients, numerics, dtypes, errors."""
import numpy as np
import pytest

from numnet import Tensor, ops
from numnet.utils import gradient_check, set_random_seed

TOL = 1e-6
EPS = 1e-7


def rng(seed=0):
    return np.random.default_rng(seed)


def probs(shape, axis=-1, seed=1):
    p = rng(seed).uniform(0.2, 1.0, shape)
    return p / p.sum(axis=axis, keepdims=True)


# ----------------------------------------------------------------- softmax / log_softmax
@pytest.mark.parametrize("axis", [-1, 1])
@pytest.mark.parametrize("fn", [ops.softmax, ops.log_softmax])
def test_softmax_gradients(fn, axis):
    x = rng().standard_normal((2, 3, 4))
    assert gradient_check(lambda t: fn(t, axis=axis), [x]) < TOL


def test_softmax_values_stable_and_normalized():
    x = np.array([[1000.0, 1000.0, 999.0], [-1000.0, 0.0, 1000.0], [1.0, 2.0, 3.0]], dtype=np.float32)
    y = ops.softmax(x).numpy()
    assert np.all(np.isfinite(y))
    np.testing.assert_allclose(y.sum(-1), 1.0, rtol=1e-6)
    e = np.exp(np.array([1.0, 2.0, 3.0]))
    np.testing.assert_allclose(y[2], e / e.sum(), rtol=1e-6)
    np.testing.assert_allclose(y[0], [np.e / (2 * np.e + 1)] * 2 + [1 / (2 * np.e + 1)], rtol=1e-6)
    ls = ops.log_softmax(x).numpy()
    assert np.all(np.isfinite(ls))
    np.testing.assert_allclose(ls[1], [-2000.0, -1000.0, 0.0], atol=1e-3)
    np.testing.assert_allclose(np.exp(ls), y, rtol=1e-5, atol=1e-7)


def test_softmax_axis1_sums_to_one():
    x = rng().standard_normal((2, 5, 3)) * 50
    y = ops.softmax(x, axis=1).numpy()
    np.testing.assert_allclose(y.sum(axis=1), 1.0, rtol=1e-12)


def test_softmax_float32_stays_float32():
    x = Tensor(rng().standard_normal((4, 6)).astype(np.float32), requires_grad=True)
    for fn in (ops.softmax, ops.log_softmax):
        x.grad = None
        y = fn(x)
        assert y.dtype == np.float32
        y.backward(np.ones(y.shape, np.float32))
        assert x.grad.dtype == np.float32


def test_softmax_bad_axis():
    with pytest.raises(ValueError, match="softmax: axis 3"):
        ops.softmax(np.zeros((2, 3), np.float32), axis=3)


# ------------------------------------------------------------------ categorical CE
@pytest.mark.parametrize("axis", [-1, 1])
def test_categorical_crossentropy_gradients(axis):
    t = probs((2, 3, 4), axis=axis, seed=2)
    p = rng(3).uniform(0.1, 1.0, (2, 3, 4))  # not normalized: exercises the rescaling
    x = rng(4).standard_normal((2, 3, 4))
    assert gradient_check(lambda a, b: ops.categorical_crossentropy(a, b, axis=axis), [t, p]) < TOL
    assert gradient_check(
        lambda a, b: ops.categorical_crossentropy(a, b, from_logits=True, axis=axis), [t, x]
    ) < TOL


def test_categorical_crossentropy_matches_formula():
    t = np.eye(4)[[0, 3, 1]]
    p = rng().uniform(0.0, 1.0, (3, 4))
    p[0, 1] = 0.0  # clipped
    loss = ops.categorical_crossentropy(t, p).numpy()
    q = np.clip(p / p.sum(-1, keepdims=True), EPS, 1 - EPS)
    np.testing.assert_allclose(loss, -(t * np.log(q)).sum(-1), rtol=1e-12)
    x = rng(1).standard_normal((3, 4)) * 30
    loss = ops.categorical_crossentropy(t, x, from_logits=True).numpy()
    lse = np.log(np.exp(x - x.max(-1, keepdims=True)).sum(-1)) + x.max(-1)
    np.testing.assert_allclose(loss, lse - (t * x).sum(-1), rtol=1e-10)


def test_categorical_crossentropy_logits_no_overflow():
    x = np.array([[1000.0, 0.0, -1000.0]], np.float32)
    t = np.array([[0.0, 0.0, 1.0]], np.float32)
    loss = ops.categorical_crossentropy(t, x, from_logits=True)
    np.testing.assert_allclose(loss.numpy(), [2000.0], rtol=1e-6)


def test_categorical_crossentropy_clipped_gradient_is_zero():
    # output[0] == 1 - eps... clipped from above, output[1] tiny clipped from below
    out = Tensor(np.array([[1.0, 0.0, 0.0]]), requires_grad=True)
    loss = ops.categorical_crossentropy(np.array([[1.0, 0.0, 0.0]]), out)
    loss.backward(np.ones(1))
    np.testing.assert_allclose(loss.numpy(), [-np.log(1 - EPS)])
    np.testing.assert_array_equal(out.grad, np.zeros((1, 3)))


def test_categorical_crossentropy_logits_gradient_is_softmax_minus_target():
    x = Tensor(rng().standard_normal((5, 4)).astype(np.float32), requires_grad=True)
    t = np.eye(4, dtype=np.float32)[[0, 1, 2, 3, 0]]
    loss = ops.categorical_crossentropy(t, x, from_logits=True)
    assert loss.dtype == np.float32 and loss.shape == (5,)
    loss.backward(np.ones(5, np.float32))
    assert x.grad.dtype == np.float32
    np.testing.assert_allclose(x.grad, ops.softmax(x).numpy() - t, atol=1e-6)


def test_categorical_crossentropy_float32():
    t = np.eye(3, dtype=np.float32)[[0, 2]]
    p = Tensor(probs((2, 3)).astype(np.float32), requires_grad=True)
    loss = ops.categorical_crossentropy(t, p)
    assert loss.dtype == np.float32
    loss.backward(np.ones(2, np.float32))
    assert p.grad.dtype == np.float32


def test_categorical_crossentropy_shape_mismatch():
    with pytest.raises(ValueError, match=r"categorical_crossentropy.*\(2, 3\).*\(2, 4\)"):
        ops.categorical_crossentropy(np.zeros((2, 3)), np.zeros((2, 4)))


# ------------------------------------------------------------ sparse categorical CE
def test_sparse_categorical_crossentropy_gradients():
    labels = rng(5).integers(0, 4, (2, 3))
    p = rng(3).uniform(0.1, 1.0, (2, 3, 4))
    x = rng(4).standard_normal((2, 3, 4))
    assert gradient_check(lambda b: ops.sparse_categorical_crossentropy(labels, b), [p]) < TOL
    assert gradient_check(lambda b: ops.sparse_categorical_crossentropy(labels, b, from_logits=True), [x]) < TOL
    labels1 = rng(6).integers(0, 3, (2, 4))
    assert gradient_check(lambda b: ops.sparse_categorical_crossentropy(labels1, b, axis=1), [p]) < TOL
    assert gradient_check(
        lambda b: ops.sparse_categorical_crossentropy(labels1, b, from_logits=True, axis=1), [x]
    ) < TOL


@pytest.mark.parametrize("from_logits", [False, True])
def test_sparse_matches_categorical_with_one_hot(from_logits):
    labels = np.array([2, 0, 1, 1])
    out = rng().uniform(0.0, 1.0, (4, 3)) if not from_logits else rng().standard_normal((4, 3))
    out[0, 2] = 0.0  # a clipped probability
    sparse = ops.sparse_categorical_crossentropy(labels, out, from_logits=from_logits).numpy()
    dense = ops.categorical_crossentropy(np.eye(3)[labels], out, from_logits=from_logits).numpy()
    np.testing.assert_allclose(sparse, dense, rtol=1e-12)
    # trailing 1 dim and float labels are accepted
    sparse2 = ops.sparse_categorical_crossentropy(labels[:, None].astype(np.float32), out, from_logits=from_logits)
    np.testing.assert_allclose(sparse2.numpy(), dense, rtol=1e-12)


def test_sparse_categorical_crossentropy_float32_and_logit_gradient():
    x = Tensor(rng().standard_normal((6, 5)).astype(np.float32), requires_grad=True)
    labels = np.array([0, 4, 2, 2, 1, 3], dtype=np.int32)
    loss = ops.sparse_categorical_crossentropy(labels, x, from_logits=True)
    assert loss.dtype == np.float32
    loss.backward(np.ones(6, np.float32))
    assert x.grad.dtype == np.float32
    np.testing.assert_allclose(x.grad, ops.softmax(x).numpy() - np.eye(5)[labels], atol=1e-6)


def test_sparse_categorical_crossentropy_bad_input():
    with pytest.raises(ValueError, match=r"sparse_categorical_crossentropy.*\(3,\).*\(2, 4\)"):
        ops.sparse_categorical_crossentropy(np.zeros(3, int), np.zeros((2, 4)))
    with pytest.raises(ValueError, match=r"sparse_categorical_crossentropy: target labels must be in \[0, 4\)"):
        ops.sparse_categorical_crossentropy(np.array([0, 4]), np.ones((2, 4)))


# ------------------------------------------------------------------- binary CE
def test_binary_crossentropy_gradients():
    t = rng(1).uniform(0, 1, (3, 4))
    p = rng(2).uniform(0.05, 0.95, (3, 4))
    x = rng(3).standard_normal((3, 4)) * 3
    assert gradient_check(lambda a, b: ops.binary_crossentropy(a, b), [t, p]) < TOL
    assert gradient_check(lambda a, b: ops.binary_crossentropy(a, b, from_logits=True), [t, x]) < TOL


def test_binary_crossentropy_matches_formula_elementwise():
    t = np.array([[0.0, 1.0, 1.0], [0.0, 0.3, 1.0]])
    p = np.array([[0.2, 0.9, 1.0], [0.0, 0.5, 0.7]])
    loss = ops.binary_crossentropy(t, p).numpy()
    assert loss.shape == (2, 3)
    q = np.clip(p, EPS, 1 - EPS)
    np.testing.assert_allclose(loss, -(t * np.log(q) + (1 - t) * np.log(1 - q)), rtol=1e-9)
    x = np.array([[-800.0, 0.5, 800.0], [2.0, -3.0, 0.0]])
    loss = ops.binary_crossentropy(t, x, from_logits=True).numpy()
    ref = np.maximum(x, 0) - x * t + np.log1p(np.exp(-np.abs(x)))
    np.testing.assert_allclose(loss, ref, rtol=1e-12)
    assert np.all(np.isfinite(loss))


def test_binary_crossentropy_clipped_gradient_and_dtype():
    p = Tensor(np.array([0.0, 0.5, 1.0], np.float32), requires_grad=True)
    t = np.array([1.0, 1.0, 0.0], np.float32)
    loss = ops.binary_crossentropy(t, p)
    assert loss.dtype == np.float32
    loss.backward(np.ones(3, np.float32))
    assert p.grad.dtype == np.float32
    np.testing.assert_allclose(p.grad, [0.0, -2.0, 0.0], rtol=1e-6)
    x = Tensor(np.array([-50.0, 0.0, 50.0], np.float32), requires_grad=True)
    ops.binary_crossentropy(t, x, from_logits=True).backward(np.ones(3, np.float32))
    np.testing.assert_allclose(x.grad, [-1.0, -0.5, 1.0], atol=1e-6)


# ------------------------------------------------------------------------- dropout
def test_dropout_gradient_with_fixed_seed():
    x = rng().standard_normal((4, 5))
    a = ops.dropout(x, 0.4, seed=7).numpy()
    b = ops.dropout(x, 0.4, seed=7).numpy()
    np.testing.assert_array_equal(a, b)
    assert gradient_check(lambda t: ops.dropout(t, 0.4, seed=7), [x]) < TOL


def test_dropout_is_inverted_and_masks_gradient():
    x = Tensor(np.ones((200, 100), np.float32), requires_grad=True)
    y = ops.dropout(x, 0.25, seed=3)
    assert y.dtype == np.float32
    vals = np.unique(y.numpy())
    np.testing.assert_allclose(vals, [0.0, 1 / 0.75], rtol=1e-6)
    assert abs((y.numpy() == 0).mean() - 0.25) < 0.02
    y.backward(np.ones(y.shape, np.float32))
    np.testing.assert_array_equal(x.grad, y.numpy())  # grad = ones * mask


def test_dropout_global_seed_reproducible_and_rate_zero():
    x = np.ones((50, 50), np.float32)
    set_random_seed(123)
    a = ops.dropout(x, 0.5).numpy()
    c = ops.dropout(x, 0.5).numpy()
    set_random_seed(123)
    b = ops.dropout(x, 0.5).numpy()
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)
    np.testing.assert_array_equal(ops.dropout(x, 0.0).numpy(), x)


def test_dropout_noise_shape():
    x = np.ones((8, 6, 10), np.float32)
    y = ops.dropout(x, 0.5, noise_shape=(8, 1, 10), seed=0).numpy()
    np.testing.assert_array_equal(y, np.broadcast_to(y[:, :1, :], y.shape))
    y = ops.dropout(x, 0.5, noise_shape=(None, 1, None), seed=0).numpy()
    np.testing.assert_array_equal(y, np.broadcast_to(y[:, :1, :], y.shape))
    with pytest.raises(ValueError, match=r"dropout: noise_shape \(8, 2, 10\).*\(8, 6, 10\)"):
        ops.dropout(x, 0.5, noise_shape=(8, 2, 10))


@pytest.mark.parametrize("rate", [1.0, -0.1, 1.5])
def test_dropout_bad_rate(rate):
    with pytest.raises(ValueError, match=rf"dropout: rate must be in \[0, 1\), got rate={rate}"):
        ops.dropout(np.ones(3, np.float32), rate)
