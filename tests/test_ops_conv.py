"""conv (1D/2D) and depthwise_conv: naive-loop references, gradients, dtypes, errors."""
import sys

import numpy as np
import pytest

from numnet import Tensor, ops
from numnet.utils import gradient_check

TOL = 1e-6


def rng(seed=0):
    return np.random.default_rng(seed)


def same_pads(size, k, stride, dilation):
    eff = (k - 1) * dilation + 1
    out = -(-size // stride)
    total = max((out - 1) * stride + eff - size, 0)
    return total // 2, total - total // 2


def naive_conv2d(x, k, strides, padding, dilation):
    """Direct loops over every output element, TF 'same' padding (extra at bottom/right)."""
    (sh, sw), (dh, dw) = strides, dilation
    kh, kw, c, f = k.shape
    if padding == "same":
        (pt, pb), (pl, pr) = same_pads(x.shape[1], kh, sh, dh), same_pads(x.shape[2], kw, sw, dw)
        x = np.pad(x, ((0, 0), (pt, pb), (pl, pr), (0, 0)))
    n, h, w, _ = x.shape
    oh = (h - ((kh - 1) * dh + 1)) // sh + 1
    ow = (w - ((kw - 1) * dw + 1)) // sw + 1
    out = np.zeros((n, oh, ow, f))
    for b in range(n):
        for i in range(oh):
            for j in range(ow):
                for a in range(kh):
                    for e in range(kw):
                        out[b, i, j] += x[b, i * sh + a * dh, j * sw + e * dw] @ k[a, e]
    return out


def naive_conv1d(x, k, stride, padding, dilation):
    return naive_conv2d(x[:, None], k[None], (1, stride), padding, (1, dilation))[:, 0]


CASES_2D = [
    ((2, 7, 6, 3), (3, 2, 3, 4), 1, "valid", 1),
    ((2, 7, 6, 3), (3, 3, 3, 2), 2, "valid", 1),
    ((2, 7, 6, 3), (3, 2, 3, 4), 2, "same", 1),
    ((2, 8, 7, 2), (3, 3, 2, 3), 1, "same", 2),
    ((2, 9, 9, 2), (2, 3, 2, 3), (2, 1), "valid", (2, 1)),
    ((1, 5, 5, 1), (1, 1, 1, 2), 3, "same", 1),
    ((2, 6, 5, 6), (3, 3, 6, 2), 2, "same", 1),  # > SMALL_CHANNELS: the C-order im2col path
]


@pytest.mark.parametrize("xs,ks,strides,padding,dil", CASES_2D)
def test_conv2d_forward_matches_naive(xs, ks, strides, padding, dil):
    x, k = rng(1).standard_normal(xs), rng(2).standard_normal(ks)
    out = ops.conv(x, k, strides=strides, padding=padding, dilation_rate=dil).numpy()
    s = strides if isinstance(strides, tuple) else (strides, strides)
    d = dil if isinstance(dil, tuple) else (dil, dil)
    np.testing.assert_allclose(out, naive_conv2d(x, k, s, padding, d), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("stride,padding,dil", [(1, "valid", 1), (2, "valid", 1), (2, "same", 1), (1, "same", 2), (3, "same", 2)])
def test_conv1d_forward_matches_naive(stride, padding, dil):
    x, k = rng(1).standard_normal((3, 11, 2)), rng(2).standard_normal((3, 2, 4))
    out = ops.conv(x, k, strides=stride, padding=padding, dilation_rate=dil).numpy()
    np.testing.assert_allclose(out, naive_conv1d(x, k, stride, padding, dil), rtol=1e-10, atol=1e-12)


def test_conv_same_output_size_is_ceil():
    x = np.zeros((1, 7, 10, 1), np.float32)
    assert ops.conv(x, np.zeros((3, 3, 1, 1), np.float32), strides=2, padding="same").shape == (1, 4, 5, 1)
    assert ops.conv(x, np.zeros((4, 4, 1, 1), np.float32), strides=3, padding="SAME").shape == (1, 3, 4, 1)


@pytest.mark.parametrize(
    "xs,ks,strides,padding,dil",
    [
        ((2, 7, 6, 3), (3, 2, 3, 4), 2, "same", 1),
        ((2, 7, 7, 2), (3, 3, 2, 3), 1, "same", 2),
        ((2, 8, 7, 2), (2, 2, 2, 3), 2, "valid", 2),
        ((2, 6, 7, 6), (3, 2, 6, 2), 2, "same", 2),
        ((2, 9, 3), (3, 3, 2), 2, "same", 1),
        ((2, 9, 5), (3, 5, 2), 1, "same", 1),
        ((2, 10, 2), (3, 2, 3), 1, "valid", 2),
        ((2, 10, 2), (2, 2, 3), 2, "same", 2),
    ],
)
def test_conv_gradients(xs, ks, strides, padding, dil):
    x, k = rng(3).standard_normal(xs), rng(4).standard_normal(ks)
    err = gradient_check(
        lambda a, b: ops.conv(a, b, strides=strides, padding=padding, dilation_rate=dil), [x, k]
    )
    assert err < TOL


def test_conv_channels_first_matches_channels_last_and_grads():
    x, k = rng(5).standard_normal((2, 6, 7, 3)), rng(6).standard_normal((3, 3, 3, 2))
    last = ops.conv(x, k, strides=2, padding="same").numpy()
    first = ops.conv(x.transpose(0, 3, 1, 2), k, strides=2, padding="same", data_format="channels_first").numpy()
    np.testing.assert_allclose(first, last.transpose(0, 3, 1, 2), rtol=1e-12)
    xf = np.ascontiguousarray(x.transpose(0, 3, 1, 2))
    assert gradient_check(lambda a, b: ops.conv(a, b, 2, "same", "channels_first"), [xf, k]) < TOL
    x1 = rng(7).standard_normal((2, 3, 9))
    assert gradient_check(lambda a, b: ops.conv(a, b, 1, "same", "channels_first"), [x1, k[0]]) < TOL


def test_conv_float32_end_to_end():
    x = Tensor(rng().standard_normal((2, 9, 9, 3)).astype(np.float32), requires_grad=True)
    k = Tensor(rng(1).standard_normal((3, 3, 3, 4)).astype(np.float32), requires_grad=True)
    y = ops.conv(x, k, strides=2, padding="same", dilation_rate=1)
    assert y.dtype == np.float32
    y.backward(np.ones(y.shape, np.float32))
    assert x.grad.dtype == np.float32 and k.grad.dtype == np.float32
    x1 = Tensor(rng().standard_normal((2, 9, 3)).astype(np.float32), requires_grad=True)
    y1 = ops.conv(x1, k[0], padding="same", dilation_rate=2)
    assert y1.dtype == np.float32 and y1.shape == (2, 9, 4)


def test_conv_kernel_larger_than_padded_input():
    with pytest.raises(ValueError, match=r"conv: .*larger than the padded input.*\(1, 4, 4, 2\).*\(5, 5, 2, 3\)"):
        ops.conv(np.zeros((1, 4, 4, 2), np.float32), np.zeros((5, 5, 2, 3), np.float32))
    with pytest.raises(ValueError, match=r"conv: .*larger than the padded input.*\(1, 6, 1\).*\(3, 1, 1\)"):
        ops.conv(np.zeros((1, 6, 1), np.float32), np.zeros((3, 1, 1), np.float32), dilation_rate=3)


def test_conv_rank_mismatch():
    with pytest.raises(ValueError, match=r"conv: rank mismatch.*\(2, 8, 3\).*\(3, 3, 3, 4\)"):
        ops.conv(np.zeros((2, 8, 3), np.float32), np.zeros((3, 3, 3, 4), np.float32))
    with pytest.raises(ValueError, match=r"conv: inputs must be 3-D.*\(2, 8\)"):
        ops.conv(np.zeros((2, 8), np.float32), np.zeros((3, 3), np.float32))


def test_conv_channel_mismatch():
    with pytest.raises(ValueError, match=r"conv: channel mismatch.*3 channels.*expects 2.*\(2, 8, 8, 3\).*\(3, 3, 2, 4\)"):
        ops.conv(np.zeros((2, 8, 8, 3), np.float32), np.zeros((3, 3, 2, 4), np.float32))


def test_conv_bad_arguments():
    x, k = np.zeros((1, 5, 5, 1)), np.zeros((3, 3, 1, 1))
    with pytest.raises(ValueError, match="conv: padding must be 'valid' or 'same', got 'full'"):
        ops.conv(x, k, padding="full")
    with pytest.raises(ValueError, match="conv: strides must be positive"):
        ops.conv(x, k, strides=0)
    with pytest.raises(ValueError, match="conv: dilation_rate must be an int or a tuple of 2 ints"):
        ops.conv(x, k, dilation_rate=(1, 2, 3))


# ----------------------------------------------------------------- depthwise conv
def naive_depthwise(x, k, strides, padding, dilation):
    kh, kw, c, m = k.shape
    outs = [naive_conv2d(x[..., ci:ci + 1], k[:, :, ci:ci + 1, :], strides, padding, dilation) for ci in range(c)]
    return np.concatenate(outs, axis=-1)  # channel ci*m + j


def test_depthwise_conv_forward_and_gradients():
    x, k = rng(1).standard_normal((2, 7, 6, 3)), rng(2).standard_normal((3, 2, 3, 2))
    out = ops.depthwise_conv(x, k, strides=2, padding="same").numpy()
    np.testing.assert_allclose(out, naive_depthwise(x, k, (2, 2), "same", (1, 1)), rtol=1e-10, atol=1e-12)
    assert gradient_check(lambda a, b: ops.depthwise_conv(a, b, 2, "same"), [x, k]) < TOL
    assert gradient_check(lambda a, b: ops.depthwise_conv(a, b, 1, "valid", dilation_rate=2), [x, k]) < TOL
    x1, k1 = rng(3).standard_normal((2, 9, 2)), rng(4).standard_normal((3, 2, 2))
    out1 = ops.depthwise_conv(x1, k1, padding="same").numpy()
    np.testing.assert_allclose(out1, naive_depthwise(x1[:, None], k1[None], (1, 1), "same", (1, 1))[:, 0], rtol=1e-10)
    assert gradient_check(lambda a, b: ops.depthwise_conv(a, b, 2, "same"), [x1, k1]) < TOL


@pytest.mark.parametrize("channels", [2, 6])  # both im2col layouts
def test_conv_batch_chunks_including_a_ragged_last_chunk(monkeypatch, channels):
    conv_module = sys.modules["numnet.ops.conv"]
    x, k = rng(8).standard_normal((5, 6, 6, channels)), rng(9).standard_normal((3, 3, channels, 2))
    per_sample = 6 * 6 * 9 * channels * x.itemsize
    monkeypatch.setattr(conv_module, "CHUNK_BYTES", 2 * per_sample)  # chunks of 2, 2, 1 samples
    out = ops.conv(x, k, padding="same").numpy()
    np.testing.assert_allclose(out, naive_conv2d(x, k, (1, 1), "same", (1, 1)), rtol=1e-10, atol=1e-12)
    assert gradient_check(lambda a, b: ops.conv(a, b, padding="same"), [x, k]) < TOL
