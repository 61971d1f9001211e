"""max_pool and average_pool (1D/2D): naive references, gradients, ties, dtypes, errors."""
import numpy as np
import pytest

from numnet import Tensor, ops
from numnet.utils import gradient_check

TOL = 1e-6


def rng(seed=0):
    return np.random.default_rng(seed)


def distinct(shape, seed=0):
    """Inputs without ties (a random permutation scaled), so max-pool gradients are smooth."""
    return rng(seed).permutation(int(np.prod(shape))).reshape(shape).astype(np.float64) * 0.1


def same_pads(size, k, stride):
    out = -(-size // stride)
    total = max((out - 1) * stride + k - size, 0)
    return total // 2, total - total // 2


def naive_pool2d(x, pool, strides, padding, kind):
    """Loops over every output element; 'same' windows use only real elements."""
    (ph, pw), (sh, sw) = pool, strides
    n, h, w, c = x.shape
    if padding == "same":
        (pt, _), (pl, _) = same_pads(h, ph, sh), same_pads(w, pw, sw)
        oh, ow = -(-h // sh), -(-w // sw)
    else:
        pt = pl = 0
        oh, ow = (h - ph) // sh + 1, (w - pw) // sw + 1
    out = np.zeros((n, oh, ow, c))
    for i in range(oh):
        for j in range(ow):
            r0, c0 = i * sh - pt, j * sw - pl
            win = x[:, max(r0, 0):min(r0 + ph, h), max(c0, 0):min(c0 + pw, w), :]
            out[:, i, j] = win.max(axis=(1, 2)) if kind == "max" else win.mean(axis=(1, 2))
    return out


CASES = [
    ((2, 6, 6, 3), 2, None, "valid"),
    ((2, 7, 5, 2), 2, None, "valid"),
    ((2, 7, 5, 2), 3, 2, "valid"),
    ((2, 7, 5, 2), 3, 2, "same"),
    ((2, 7, 6, 2), 2, None, "same"),
    ((1, 8, 8, 1), (2, 3), (3, 1), "same"),
    ((1, 9, 7, 2), 2, 3, "valid"),
]


def pair(v):
    return v if isinstance(v, tuple) else (v, v)


@pytest.mark.parametrize("fn,kind", [(ops.max_pool, "max"), (ops.average_pool, "avg")])
@pytest.mark.parametrize("shape,pool,strides,padding", CASES)
def test_pool2d_forward_matches_naive(fn, kind, shape, pool, strides, padding):
    x = rng(1).standard_normal(shape)
    out = fn(x, pool, strides, padding).numpy()
    ref = naive_pool2d(x, pair(pool), pair(strides if strides is not None else pool), padding, kind)
    np.testing.assert_allclose(out, ref, rtol=1e-12)


@pytest.mark.parametrize("fn,kind", [(ops.max_pool, "max"), (ops.average_pool, "avg")])
@pytest.mark.parametrize("pool,strides,padding", [(2, None, "valid"), (3, 2, "same"), (2, 1, "valid"), (3, 2, "valid")])
def test_pool1d_forward_matches_naive(fn, kind, pool, strides, padding):
    x = rng(2).standard_normal((2, 9, 3))
    out = fn(x, pool, strides, padding).numpy()
    s = strides if strides is not None else pool
    ref = naive_pool2d(x[:, None], (1, pool), (1, s), padding, kind)[:, 0]
    np.testing.assert_allclose(out, ref, rtol=1e-12)


@pytest.mark.parametrize("fn", [ops.max_pool, ops.average_pool])
@pytest.mark.parametrize(
    "shape,pool,strides,padding",
    [
        ((2, 6, 6, 2), 2, 2, "valid"),
        ((2, 7, 5, 2), 3, 2, "same"),
        ((2, 7, 6, 2), 2, 2, "same"),
        ((1, 7, 7, 2), 3, 1, "valid"),
        ((1, 9, 7, 2), 2, 3, "valid"),
        ((2, 9, 3), 3, 2, "same"),
        ((2, 8, 3), 2, None, "valid"),
    ],
)
def test_pool_gradients(fn, shape, pool, strides, padding):
    x = distinct(shape, seed=3)
    assert gradient_check(lambda t: fn(t, pool, strides, padding), [x]) < TOL


def test_pool_channels_first():
    x = rng(4).standard_normal((2, 7, 6, 3))
    for fn in (ops.max_pool, ops.average_pool):
        last = fn(x, 3, 2, "same").numpy()
        first = fn(x.transpose(0, 3, 1, 2), 3, 2, "same", data_format="channels_first").numpy()
        np.testing.assert_allclose(first, last.transpose(0, 3, 1, 2), rtol=1e-12)
        xf = np.ascontiguousarray(distinct((2, 3, 7, 6), 5))
        assert gradient_check(lambda t: fn(t, 3, 2, "same", "channels_first"), [xf]) < TOL


@pytest.mark.parametrize("strides", [2, 1])
def test_max_pool_ties_route_to_first_max(strides):
    x = Tensor(np.zeros((1, 4, 4, 1), np.float32), requires_grad=True)
    y = ops.max_pool(x, 2, strides)
    y.backward(np.ones(y.shape, np.float32))
    expected = np.zeros((4, 4), np.float32)
    if strides == 2:
        expected[::2, ::2] = 1  # the top-left element of each window
    else:
        expected[:3, :3] = 1  # each overlapping window picks its own top-left
    np.testing.assert_array_equal(x.grad[0, :, :, 0], expected)
    assert x.grad.sum() == y.size


def test_max_pool_same_padding_never_wins():
    x = -np.arange(1, 10, dtype=np.float32).reshape(1, 3, 3, 1) - 100
    y = ops.max_pool(x, 2, 2, "same").numpy()[0, :, :, 0]
    np.testing.assert_array_equal(y, [[-101, -103], [-107, -109]])


def test_average_pool_same_counts_only_real_elements():
    x = np.ones((1, 5, 5, 1), np.float32)
    y = ops.average_pool(x, 3, 2, "same").numpy()
    np.testing.assert_allclose(y, 1.0, rtol=1e-6)


@pytest.mark.parametrize("fn", [ops.max_pool, ops.average_pool])
def test_pool_float32_end_to_end(fn):
    x = Tensor(rng().standard_normal((2, 7, 7, 3)).astype(np.float32), requires_grad=True)
    for args in ((2,), (3, 2, "same"), (2, 2, "same")):
        x.grad = None
        y = fn(x, *args)
        assert y.dtype == np.float32
        y.backward(np.ones(y.shape, np.float32))
        assert x.grad.dtype == np.float32


def test_pool_bad_input():
    with pytest.raises(ValueError, match=r"max_pool: the pool window is larger than the padded input.*\(1, 2, 2, 1\)"):
        ops.max_pool(np.zeros((1, 2, 2, 1), np.float32), 3)
    with pytest.raises(ValueError, match=r"average_pool: inputs must be 3-D .* got shape \(4, 4\)"):
        ops.average_pool(np.zeros((4, 4), np.float32), 2)
    with pytest.raises(ValueError, match="max_pool: padding must be 'valid' or 'same'"):
        ops.max_pool(np.zeros((1, 4, 4, 1), np.float32), 2, padding="causal")
