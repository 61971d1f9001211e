"""Conv1D / Conv2D: numerics against a direct NumPy loop, gradients, shapes and bad input."""
import numpy as np
import pytest

from numnet import layers
from numnet.utils import gradient_check

RNG = np.random.default_rng(0)


def _pads(size, k, s, d, padding):
    eff = (k - 1) * d + 1
    if padding == "valid":
        return (size - eff) // s + 1, 0
    out = -(-size // s)
    total = max((out - 1) * s + eff - size, 0)
    return out, total // 2


def ref_conv2d(x, k, b, strides, padding, dilation):
    """Direct loop: NHWC input, (kh, kw, cin, cout) kernel, TF 'same' padding split."""
    n, h, w, c = x.shape
    kh, kw, _, f = k.shape
    (sh, sw), (dh, dw) = strides, dilation
    oh, ph = _pads(h, kh, sh, dh, padding)
    ow, pw = _pads(w, kw, sw, dw, padding)
    out = np.zeros((n, oh, ow, f))
    for i in range(oh):
        for j in range(ow):
            for a in range(kh):
                for bb in range(kw):
                    r, q = i * sh + a * dh - ph, j * sw + bb * dw - pw
                    if 0 <= r < h and 0 <= q < w:
                        out[:, i, j, :] += x[:, r, q, :] @ k[a, bb]
    return out + (0 if b is None else b)


CASES = [
    dict(kernel_size=3, strides=1, padding="valid", dilation_rate=1),
    dict(kernel_size=3, strides=2, padding="same", dilation_rate=1),
    dict(kernel_size=(2, 3), strides=(2, 1), padding="valid", dilation_rate=1),
    dict(kernel_size=3, strides=1, padding="same", dilation_rate=2),
    dict(kernel_size=(3, 2), strides=1, padding="valid", dilation_rate=(2, 1)),
]


@pytest.mark.parametrize("cfg", CASES)
def test_conv2d_forward_matches_numpy(cfg):
    layer = layers.Conv2D(4, bias_initializer="random_normal", **cfg)
    x = RNG.standard_normal((2, 7, 8, 3)).astype(np.float32)
    y = layer(x)
    k, b = layer.get_weights()
    ref = ref_conv2d(x.astype(np.float64), k, b, layer.strides, layer.padding, layer.dilation_rate)
    assert y.dtype == np.float32 and y.shape == ref.shape
    np.testing.assert_allclose(y.data, ref, rtol=1e-4, atol=1e-5)
    assert layer.compute_output_shape((2, 7, 8, 3)) == y.shape


def test_conv2d_kernel_layout_and_params():
    layer = layers.Conv2D(32, 3)
    layer(np.zeros((1, 28, 28, 1), np.float32))
    assert layer.kernel.shape == (3, 3, 1, 32) and layer.bias.shape == (32,)
    assert layer.count_params() == 320


@pytest.mark.parametrize("cfg", [
    dict(kernel_size=3, strides=2, padding="same"),
    dict(kernel_size=3, padding="same", dilation_rate=2),
    dict(kernel_size=(2, 3), strides=(1, 2), padding="valid", activation="tanh"),
    dict(kernel_size=2, groups=2),
    dict(kernel_size=2, padding="same", data_format="channels_first"),
    dict(kernel_size=3, strides=2, padding="same", use_bias=False),
])
def test_conv2d_gradients(cfg):
    layer = layers.Conv2D(4, dtype="float64", bias_initializer="random_normal", **cfg)
    x = RNG.standard_normal((2, 4, 5, 4) if cfg.get("data_format") != "channels_first" else (2, 4, 4, 5))
    layer(x)
    assert gradient_check(lambda t: layer(t), [x], params=layer.trainable_weights) < 1e-6


def test_conv2d_groups_and_channels_first_match_reference():
    x = RNG.standard_normal((2, 5, 6, 4))
    grouped = layers.Conv2D(6, 3, groups=2, dtype="float64")
    y = grouped(x).data
    k, b = grouped.get_weights()
    ref = np.concatenate([ref_conv2d(x[..., :2], k[..., :3], b[:3], (1, 1), "valid", (1, 1)),
                          ref_conv2d(x[..., 2:], k[..., 3:], b[3:], (1, 1), "valid", (1, 1))], axis=-1)
    np.testing.assert_allclose(y, ref, rtol=1e-10)
    cf = layers.Conv2D(3, 2, padding="same", data_format="channels_first", dtype="float64")
    xc = x.transpose(0, 3, 1, 2)
    yc = cf(xc).data
    k, b = cf.get_weights()
    np.testing.assert_allclose(yc, ref_conv2d(x, k, b, (1, 1), "same", (1, 1)).transpose(0, 3, 1, 2), rtol=1e-10)


def test_conv1d_forward_causal_and_gradients():
    x = RNG.standard_normal((2, 9, 3))
    layer = layers.Conv1D(4, 3, dtype="float64", bias_initializer="random_normal")
    y = layer(x).data
    k, b = layer.get_weights()
    ref = ref_conv2d(x[:, None], k[None], b, (1, 1), "valid", (1, 1))[:, 0]
    np.testing.assert_allclose(y, ref, rtol=1e-10)
    causal = layers.Conv1D(2, 3, padding="causal", dilation_rate=2, dtype="float64")
    yc = causal(x).data
    kc, bc = causal.get_weights()
    xp = np.concatenate([np.zeros((2, 4, 3)), x], axis=1)
    refc = ref_conv2d(xp[:, None], kc[None], bc, (1, 1), "valid", (1, 2))[:, 0]
    np.testing.assert_allclose(yc, refc, rtol=1e-10)
    assert yc.shape == (2, 9, 2)
    for lay in (layer, causal, layers.Conv1D(3, 2, strides=2, padding="same", dtype="float64")):
        lay(x)
        assert gradient_check(lambda t: lay(t), [x], params=lay.trainable_weights) < 1e-6


def test_conv2d_rank3_input_raises_and_changes_nothing():
    layer = layers.Conv2D(3, 3, name="conv_a")
    with pytest.raises(ValueError) as err:
        layer(np.zeros((2, 8, 8), np.float32))
    assert "conv_a" in str(err.value) and "(2, 8, 8)" in str(err.value) and "rank 4" in str(err.value)
    assert not layer.built and layer.weights == []
    layer(np.zeros((1, 8, 8, 2), np.float32))
    before = layer.get_weights()
    with pytest.raises(ValueError, match="conv_a.*\\(2, 8, 8\\)"):
        layer(np.zeros((2, 8, 8), np.float32))
    with pytest.raises(ValueError, match="conv_a.*2 channels.*\\(1, 8, 8, 5\\)"):
        layer(np.zeros((1, 8, 8, 5), np.float32))
    for a, b in zip(before, layer.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_conv_bad_arguments():
    with pytest.raises(ValueError, match="filters"):
        layers.Conv2D(0, 3)
    with pytest.raises(ValueError, match="padding"):
        layers.Conv2D(2, 3, padding="causal")
    with pytest.raises(ValueError, match="dilation_rate"):
        layers.Conv2D(2, 3, strides=2, dilation_rate=2)
    with pytest.raises(ValueError, match="groups"):
        layers.Conv2D(3, 3, groups=2)
    with pytest.raises(ValueError, match="kernel_size"):
        layers.Conv2D(3, (3, 3, 3))
    with pytest.raises(ValueError, match="divisible"):
        layers.Conv2D(4, 3, groups=2)(np.zeros((1, 5, 5, 3), np.float32))
