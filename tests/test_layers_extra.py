"""Layers added for Keras 3 parity: padding/cropping/up-sampling/Permute/RepeatVector, preprocessing
(Rescaling, Normalization, CenterCrop, Resizing), Lambda, depthwise/separable/transposed convolutions,
PReLU, GroupNormalization, UnitNormalization and Dot.

Each layer: values against a NumPy reference, float64 gradient checks (inputs and weights),
compute_output_shape against the real output, a JSON config round trip, bad input errors, and
(in a few small models) training through fit. Keras itself is the oracle in tests/parity.
"""
import json
import os

import numpy as np
import pytest

import numnet
from numnet import layers, models, ops
from numnet.utils import gradient_check

RNG = np.random.default_rng(0)


def randn(*shape):
    return RNG.standard_normal(shape)


# ----- NumPy references -----------------------------------------------------------------------------
def ref_bilinear_axis(x, axis, size):
    n = x.shape[axis]
    xm = np.moveaxis(x, axis, 0)
    out = np.empty((size,) + xm.shape[1:])
    for i in range(size):
        p = min(max((i + 0.5) * n / size - 0.5, 0.0), n - 1)
        lo = int(np.floor(p))
        hi = min(lo + 1, n - 1)
        out[i] = xm[lo] * (1 - (p - lo)) + xm[hi] * (p - lo)
    return np.moveaxis(out, 0, axis)


def ref_depthwise(x, k, stride=1):
    n, h, w, c = x.shape
    kh, kw, _, m = k.shape
    oh, ow = (h - kh) // stride + 1, (w - kw) // stride + 1
    out = np.zeros((n, oh, ow, c * m))
    for i in range(oh):
        for j in range(ow):
            patch = x[:, i * stride:i * stride + kh, j * stride:j * stride + kw, :]  # (n, kh, kw, c)
            out[:, i, j] = np.einsum("nabc,abcm->ncm", patch, k).reshape(n, c * m)
    return out


def ref_conv_transpose_valid(x, k, stride):
    """Scatter every input pixel times the kernel at stride offsets (no cropping: 'valid', k >= s)."""
    n, h, w, c = x.shape
    kh, kw, f, _ = k.shape
    out = np.zeros((n, (h - 1) * stride + kh, (w - 1) * stride + kw, f))
    for i in range(h):
        for j in range(w):
            out[:, i * stride:i * stride + kh, j * stride:j * stride + kw] += np.einsum("nc,abfc->nabf", x[:, i, j], k)
    return out


def ref_group_norm(x, groups, gamma, beta, eps):
    c = x.shape[-1]
    g = x.reshape(x.shape[:-1] + (groups, c // groups))
    axes = tuple(range(1, g.ndim - 2)) + (g.ndim - 1,)
    mean = g.mean(axis=axes, keepdims=True)
    var = g.var(axis=axes, keepdims=True)
    return ((g - mean) / np.sqrt(var + eps)).reshape(x.shape) * gamma + beta


# ----- one table: (id, factory, input shape(s), NumPy reference of (inputs, layer)) ------------------
X4 = (2, 5, 6, 3)
CASES = [
    ("zeropad1d", lambda: layers.ZeroPadding1D((1, 2)), (2, 4, 3), lambda x, l: np.pad(x, ((0, 0), (1, 2), (0, 0)))),
    ("zeropad2d", lambda: layers.ZeroPadding2D(((1, 0), (2, 3))), X4,
     lambda x, l: np.pad(x, ((0, 0), (1, 0), (2, 3), (0, 0)))),
    ("zeropad2d_cf", lambda: layers.ZeroPadding2D(1, data_format="channels_first"), (2, 3, 4, 5),
     lambda x, l: np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)))),
    ("crop1d", lambda: layers.Cropping1D((1, 2)), (2, 6, 3), lambda x, l: x[:, 1:-2]),
    ("crop2d", lambda: layers.Cropping2D(((1, 2), (0, 3))), X4, lambda x, l: x[:, 1:-2, 0:3]),
    ("crop2d_cf", lambda: layers.Cropping2D(1, data_format="channels_first"), (2, 3, 5, 6),
     lambda x, l: x[:, :, 1:-1, 1:-1]),
    ("upsample1d", lambda: layers.UpSampling1D(3), (2, 4, 3), lambda x, l: np.repeat(x, 3, axis=1)),
    ("upsample2d", lambda: layers.UpSampling2D((2, 3)), (2, 3, 4, 2),
     lambda x, l: np.repeat(np.repeat(x, 2, axis=1), 3, axis=2)),
    ("upsample2d_bilinear", lambda: layers.UpSampling2D(2, interpolation="bilinear"), (2, 3, 4, 2),
     lambda x, l: ref_bilinear_axis(ref_bilinear_axis(x, 1, 6), 2, 8)),
    ("permute", lambda: layers.Permute((3, 1, 2)), (2, 3, 4, 5), lambda x, l: x.transpose(0, 3, 1, 2)),
    ("repeat_vector", lambda: layers.RepeatVector(3), (4, 5), lambda x, l: np.repeat(x[:, None], 3, axis=1)),
    ("rescaling", lambda: layers.Rescaling([1.0, 2.0, 0.5], offset=-1.0), X4,
     lambda x, l: x * np.array([1.0, 2.0, 0.5]) - 1.0),
    ("normalization", lambda: layers.Normalization(mean=[1.0, -1.0, 0.0], variance=[4.0, 1.0, 0.25]), X4,
     lambda x, l: (x - np.array([1.0, -1.0, 0.0])) / np.array([2.0, 1.0, 0.5])),
    ("normalization_invert", lambda: layers.Normalization(axis=None, mean=2.0, variance=9.0, invert=True), X4,
     lambda x, l: x * 3.0 + 2.0),
    ("center_crop", lambda: layers.CenterCrop(3, 3), X4, lambda x, l: x[:, 1:4, 1:4]),
    ("resizing", lambda: layers.Resizing(7, 4), X4, lambda x, l: ref_bilinear_axis(ref_bilinear_axis(x, 1, 7), 2, 4)),
    ("resizing_nearest", lambda: layers.Resizing(3, 4, interpolation="nearest"), X4,
     lambda x, l: x[:, [0, 2, 4]][:, :, [0, 2, 3, 5]]),
    ("lambda", lambda: layers.Lambda(lambda t, power: t ** power, arguments={"power": 3}), (3, 4),
     lambda x, l: x ** 3),
    ("depthwise", lambda: layers.DepthwiseConv2D(3, depth_multiplier=2, bias_initializer="uniform"), X4,
     lambda x, l: ref_depthwise(x, l.kernel.data) + l.bias.data),
    ("depthwise_strided", lambda: layers.DepthwiseConv2D(2, strides=2, use_bias=False), X4,
     lambda x, l: ref_depthwise(x, l.kernel.data, stride=2)),
    ("separable", lambda: layers.SeparableConv2D(4, 2, bias_initializer="uniform"), X4,
     lambda x, l: np.einsum("nhwc,cf->nhwf", ref_depthwise(x, l.depthwise_kernel.data), l.pointwise_kernel.data[0, 0])
     + l.bias.data),
    ("conv2d_transpose", lambda: layers.Conv2DTranspose(2, 3, strides=2, bias_initializer="uniform"), (2, 3, 4, 3),
     lambda x, l: ref_conv_transpose_valid(x, l.kernel.data, 2) + l.bias.data),
    ("conv1d_transpose", lambda: layers.Conv1DTranspose(2, 3, strides=2, use_bias=False), (2, 4, 3),
     lambda x, l: ref_conv_transpose_valid(x[:, None], l.kernel.data[None], 2)[:, 0]),
    ("prelu", lambda: layers.PReLU(alpha_initializer="uniform", shared_axes=[1, 2]), X4,
     lambda x, l: np.where(x > 0, x, l.alpha.data * x)),
    ("group_norm", lambda: layers.GroupNormalization(groups=3, gamma_initializer="uniform",
                                                      beta_initializer="uniform"), (2, 4, 3, 6),
     lambda x, l: ref_group_norm(x, 3, l.gamma.data, l.beta.data, 1e-3)),
    ("unit_norm", lambda: layers.UnitNormalization(axis=[1, 2]), (2, 3, 4),
     lambda x, l: x / np.sqrt((x ** 2).sum(axis=(1, 2), keepdims=True))),
    ("dot", lambda: layers.Dot(axes=(1, 2)), [(2, 3, 4), (2, 5, 3)],
     lambda xs, l: np.einsum("nak,nba->nkb", xs[0], xs[1])),
    ("dot_cosine", lambda: layers.Dot(axes=1, normalize=True), [(3, 4), (3, 4)],
     lambda xs, l: (np.sum(xs[0] * xs[1], axis=1) / np.linalg.norm(xs[0], axis=1)
                    / np.linalg.norm(xs[1], axis=1))[:, None]),
]


def make_inputs(shape):
    return [randn(*s) for s in shape] if isinstance(shape, list) else randn(*shape)


@pytest.mark.parametrize("name,make,shape,ref", CASES, ids=[c[0] for c in CASES])
def test_values_gradients_shapes_and_config(name, make, shape, ref):
    layer = make()
    layer = type(layer).from_config({**layer.get_config(), "dtype": "float64"}) if name != "lambda" else \
        layers.Lambda(layer.function, arguments=layer.arguments, dtype="float64")
    x = make_inputs(shape)
    y = layer(x)
    np.testing.assert_allclose(y.data, ref(x, layer), rtol=1e-10, atol=1e-12)
    assert y.dtype == np.float64
    # compute_output_shape: concrete and with an unknown batch size
    shapes = [tuple(s) for s in shape] if isinstance(shape, list) else tuple(shape)
    assert layer.compute_output_shape(shapes) == y.shape
    unknown = [(None,) + s[1:] for s in shapes] if isinstance(shape, list) else (None,) + shapes[1:]
    assert layer.compute_output_shape(unknown) == (None,) + y.shape[1:]
    # float64 gradients w.r.t. the inputs and every trainable weight
    if isinstance(x, list):
        err = gradient_check(lambda *ts: layer(list(ts)), x, params=layer.trainable_weights)
    else:
        err = gradient_check(lambda t: layer(t), [x], params=layer.trainable_weights)
    assert err < 1e-6, err
    # JSON config round trip rebuilds an equal layer (same outputs with the same weights)
    if name == "lambda":
        return
    config = json.loads(json.dumps(layer.get_config()))
    clone = type(layer).from_config(config)
    assert clone.get_config() == config
    clone(x)
    clone.set_weights(layer.get_weights())
    np.testing.assert_array_equal(clone(x).data, y.data)


@pytest.mark.parametrize("make,shape", [
    (lambda: layers.ZeroPadding2D((2, 1)), (None, 4, 5, 3)),
    (lambda: layers.Cropping2D(((0, 1), (2, 0))), (None, 4, 5, 3)),
    (lambda: layers.UpSampling2D(3, data_format="channels_first"), (None, 2, 3, 4)),
    (lambda: layers.DepthwiseConv2D(3, strides=2, padding="same", depth_multiplier=3), (None, 7, 8, 2)),
    (lambda: layers.DepthwiseConv2D(2, dilation_rate=2, data_format="channels_first"), (None, 2, 7, 8)),
    (lambda: layers.SeparableConv2D(5, 3, strides=(2, 1), padding="same"), (None, 7, 8, 2)),
    (lambda: layers.Conv2DTranspose(3, 3, strides=2, padding="same"), (None, 4, 5, 2)),
    (lambda: layers.Conv2DTranspose(3, 4, strides=2, padding="same", output_padding=1), (None, 4, 5, 2)),
    (lambda: layers.Conv2DTranspose(3, 2, strides=3), (None, 4, 5, 2)),
    (lambda: layers.Conv2DTranspose(3, (3, 2), dilation_rate=2, data_format="channels_first"), (None, 2, 4, 5)),
    (lambda: layers.Conv1DTranspose(3, 5, strides=2, padding="same", output_padding=0), (None, 6, 2)),
    (lambda: layers.CenterCrop(6, 8), (None, 4, 5, 3)),
    (lambda: layers.Resizing(6, 8, crop_to_aspect_ratio=True), (None, 4, 5, 3)),
    (lambda: layers.Dot(axes=(2, 1)), [(None, 3, 4), (None, 4)]),
    (lambda: layers.Lambda(lambda t: t[:, :2] * 2.0), (None, 5, 3)),
    (lambda: layers.Lambda(lambda t: t[:, :2], output_shape=(2, 3)), (None, 5, 3)),
])
def test_compute_output_shape_matches_call(make, shape):
    layer = make()
    concrete = [(2,) + s[1:] for s in shape] if isinstance(shape, list) else (2,) + shape[1:]
    x = [np.ones(s, np.float32) for s in concrete] if isinstance(shape, list) else np.ones(concrete, np.float32)
    y = layer(x)
    assert layer.compute_output_shape(concrete) == y.shape
    assert layer.compute_output_shape(shape) == (None,) + y.shape[1:]


def test_conv_transpose_is_the_adjoint_of_conv():
    """<conv_transpose(y, K), x> == <y, conv(x, K)>: the transposed layer is the gradient of conv."""
    for strides, padding, k in [(2, "same", 3), (2, "valid", 3), (3, "valid", 2), (1, "same", 4), (2, "same", 4)]:
        layer = layers.Conv2DTranspose(3, k, strides=strides, padding=padding, use_bias=False, dtype="float64")
        y = randn(2, 4, 5, 2)
        out = layer(y).data
        x = randn(*out.shape)
        conv = ops.conv(x, layer.kernel.data, strides=strides, padding=padding).data
        assert conv.shape == y.shape
        np.testing.assert_allclose(np.vdot(out, x), np.vdot(y, conv), rtol=1e-10)


def test_normalization_adapt():
    data = randn(50, 4) * [1.0, 2.0, 3.0, 4.0] + [0.0, 1.0, -2.0, 5.0]
    layer = layers.Normalization()
    layer.adapt(data)
    assert [w.name for w in layer.weights] == ["mean", "variance", "count"]
    assert not layer.trainable_weights and len(layer.non_trainable_weights) == 3
    np.testing.assert_allclose(layer.mean.data, data.mean(axis=0), rtol=1e-5)
    np.testing.assert_allclose(layer.variance.data, data.var(axis=0), rtol=1e-5)
    out = layer(data).data
    np.testing.assert_allclose(out.mean(axis=0), 0, atol=1e-5)
    np.testing.assert_allclose(out.std(axis=0), 1, atol=1e-4)
    # batches from a generator give the same statistics as the whole array
    streamed = layers.Normalization()
    streamed.adapt(data[i:i + 7] for i in range(0, 50, 7))
    np.testing.assert_allclose(streamed.get_weights()[0], layer.get_weights()[0], rtol=1e-6)
    np.testing.assert_allclose(streamed.get_weights()[1], layer.get_weights()[1], rtol=1e-6)
    # axis=None: one scalar mean and variance; integer images are cast to float
    scalar = layers.Normalization(axis=None)
    scalar.adapt(np.arange(24, dtype=np.uint8).reshape(2, 3, 4))
    assert scalar.mean.shape == () and np.isclose(scalar.mean.data, 11.5)
    assert scalar(np.zeros((1, 3, 4), np.uint8)).dtype == np.float32
    with pytest.raises(ValueError, match=r"Normalization.*adapt\(\).*shape \(3, 5\).*size \(4,\)"):
        layer.adapt(np.ones((3, 5)))
    with pytest.raises(ValueError, match="mean and variance were given"):
        layers.Normalization(mean=0.0, variance=1.0).adapt(data)


def test_normalization_round_trips_through_save(tmp_path):
    data = randn(40, 3) * 5 + 2
    norm = layers.Normalization()
    norm.adapt(data)
    model = models.Sequential([layers.Input(shape=(3,)), norm, layers.Dense(2)])
    model.save(tmp_path / "m.h5")
    loaded = models.load_model(tmp_path / "m.h5")
    np.testing.assert_array_equal(loaded.predict(data, verbose=0), model.predict(data, verbose=0))
    np.testing.assert_array_equal(loaded.layers[0].mean.data, norm.mean.data)


# ----- Lambda and saving: code is never written into a file ---------------------------------------
def test_lambda_model_refuses_to_save_and_says_to_write_a_layer_subclass(tmp_path):
    model = models.Sequential([layers.Input(shape=(3,)), layers.Lambda(lambda t: t * 2.0), layers.Dense(1)])
    with pytest.raises(ValueError, match=r"(?s)Lambda.*Python function.*Layer subclass"):
        model.save(tmp_path / "m.h5")
    assert os.listdir(tmp_path) == []


def test_lambda_with_registered_function_saves_by_name(tmp_path):
    @numnet.saving.register_serializable(package="test_layers_extra")
    def doubled_tanh(t):
        return ops.tanh(t) * 2.0

    model = models.Sequential([layers.Input(shape=(3,)), layers.Dense(4), layers.Lambda(doubled_tanh),
                               layers.Dense(1)])
    x = randn(5, 3).astype(np.float32)
    model.save(tmp_path / "m.h5")
    loaded = models.load_model(tmp_path / "m.h5")
    assert loaded.layers[1].function is doubled_tanh
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
    config = model.layers[1].get_config()
    assert config["function"] == "test_layers_extra>doubled_tanh"
    with pytest.raises(ValueError, match="Unknown function 'nowhere'"):
        layers.Lambda.from_config({**config, "function": "nowhere"})


def test_lambda_passes_training():
    layer = layers.Lambda(lambda t, training=None: t * (2.0 if training else 1.0))
    x = np.ones((2, 2), np.float32)
    assert layer(x, training=True).data[0, 0] == 2.0 and layer(x).data[0, 0] == 1.0


# ----- bad input: the layer, the argument, what was expected and what was given -----------------------
@pytest.mark.parametrize("make,pattern", [
    (lambda: layers.ZeroPadding2D(((1, 2), (3,))),
     r"ZeroPadding2D: padding must be .*got padding=\(\(1, 2\), \(3,\)\)"),
    (lambda: layers.ZeroPadding1D(-1), r"ZeroPadding1D: padding must be a non-negative int.*got padding=-1"),
    (lambda: layers.Cropping1D("x"), r"Cropping1D: cropping must be .*got cropping='x'"),
    (lambda: layers.UpSampling2D(interpolation="bicubic"), r"UpSampling2D: interpolation must be one of.*'bicubic'"),
    (lambda: layers.UpSampling1D(0), r"UpSampling1D: size values must be >= 1, got size=0"),
    (lambda: layers.Permute((1, 3)), r"Permute: dims must be a permutation .*got dims=\(1, 3\)"),
    (lambda: layers.RepeatVector(0), r"RepeatVector: n must be a positive int, got n=0"),
    (lambda: layers.Rescaling("big"), r"Rescaling: scale must be a number or a list of numbers, got scale='big'"),
    (lambda: layers.Normalization(mean=1.0), r"Normalization: set both mean and variance.*variance=None"),
    (lambda: layers.Normalization(axis="last"), r"Normalization: axis must be an int.*got axis='last'"),
    (lambda: layers.CenterCrop(0, 3), r"CenterCrop: height must be a positive int, got height=0"),
    (lambda: layers.Resizing(3, 3, interpolation="area"), r"Resizing: interpolation must be .*'area'"),
    (lambda: layers.DepthwiseConv2D(3, depth_multiplier=0), r"DepthwiseConv2D: depth_multiplier must be a positive"),
    (lambda: layers.SeparableConv2D(0, 3), r"SeparableConv2D: filters must be a positive int, got filters=0"),
    (lambda: layers.Conv2DTranspose(2, 3, strides=2, output_padding=2),
     r"Conv2DTranspose: output_padding must be strictly less than strides.*\(2, 2\)"),
    (lambda: layers.Conv2DTranspose(2, 3, padding="causal"), r"Conv2DTranspose: padding must be one of.*'causal'"),
    (lambda: layers.Conv2DTranspose(2, 3, strides=2, dilation_rate=2), r"Conv2DTranspose: strides > 1 not supported"),
    (lambda: layers.PReLU(alpha_initializer="zeroes"), r"PReLU: invalid alpha_initializer='zeroes'"),
    (lambda: layers.PReLU(shared_axes="1"), r"PReLU: shared_axes must be None, an int or a list of ints"),
    (lambda: layers.GroupNormalization(groups=0), r"GroupNormalization: groups must be a positive int, got groups=0"),
    (lambda: layers.UnitNormalization(axis=1.5), r"UnitNormalization: axis must be an int or a list of ints"),
    (lambda: layers.Dot(axes="last"), r"Dot: axes must be an int or a tuple of 2 ints, got axes='last'"),
    (lambda: layers.Lambda(3), r"Lambda: function must be callable, got function=3"),
    (lambda: layers.Lambda(abs, output_shape="big"), r"Lambda: output_shape must be a tuple of ints"),
])
def test_bad_constructor_arguments(make, pattern):
    with pytest.raises((ValueError, TypeError), match=pattern):
        make()


@pytest.mark.parametrize("layer,x,pattern", [
    (layers.ZeroPadding2D(name="zp"), np.ones((2, 3, 4)), r"Layer 'zp' \(ZeroPadding2D\) expects inputs of rank 4 .*"
                                                           r"got inputs of shape \(2, 3, 4\)"),
    (layers.Cropping2D(3, name="cr"), np.ones((1, 6, 9, 1)), r"Layer 'cr' \(Cropping2D\): cropping=.*leaves nothing "
                                                             r"of axis 1 \(size 6\)"),
    (layers.RepeatVector(2, name="rv"), np.ones((2, 3, 4)), r"Layer 'rv' \(RepeatVector\) expects inputs of rank 2"),
    (layers.Permute((2, 1), name="pm"), np.ones((2, 3, 4, 5)), r"Layer 'pm' \(Permute\) with dims=\(2, 1\) expects "
                                                               r"inputs of rank 3, got inputs of shape \(2, 3, 4, 5\)"),
    (layers.DepthwiseConv2D(3, name="dw"), np.ones((2, 5, 5)), r"Layer 'dw' \(DepthwiseConv2D\) expects inputs of "
                                                              r"rank 4"),
    (layers.GroupNormalization(groups=4, name="gn"), np.ones((2, 6)), r"Layer 'gn' \(GroupNormalization\): groups=4 "
                                                                      r"must divide the number of channels \(6\)"),
    (layers.PReLU(shared_axes=3, name="pr"), np.ones((2, 4)), r"Layer 'pr' \(PReLU\): shared_axes=\[3\] must be axes "
                                                              r"1..1"),
    (layers.Dot(axes=1, name="dt"), [np.ones((2, 3)), np.ones((2, 4))], r"Layer 'dt' \(Dot\): the contracted axes "
                                                                        r"must have the same size, got 3 .* and 4"),
    (layers.Dot(axes=0, name="d0"), [np.ones((2, 3)), np.ones((2, 3))], r"Layer 'd0' \(Dot\): axes=0 must name a "
                                                                        r"non-batch axis"),
    (layers.Normalization(axis=2, name="nm"), np.ones((2, 3)), r"Layer 'nm' \(Normalization\): axis=\[2\] is out of "
                                                               r"range for inputs of shape \(2, 3\)"),
])
def test_bad_inputs_name_the_layer(layer, x, pattern):
    with pytest.raises(ValueError, match=pattern):
        layer(x)


def test_built_layers_reject_other_channel_counts():
    for layer in (layers.DepthwiseConv2D(2, name="a"), layers.SeparableConv2D(2, 2, name="b"),
                  layers.Conv2DTranspose(2, 2, name="c")):
        layer(np.ones((1, 4, 4, 3), np.float32))
        with pytest.raises(ValueError, match=rf"Layer '{layer.name}' .* expected inputs with 3 channels.*"
                                             r"\(1, 4, 4, 5\)"):
            layer(np.ones((1, 4, 4, 5), np.float32))
    prelu = layers.PReLU(name="p")
    prelu(np.ones((2, 3), np.float32))
    with pytest.raises(ValueError, match=r"Layer 'p' \(PReLU\) has alpha of shape \(3,\).*\(2, 4\)"):
        prelu(np.ones((2, 4), np.float32))


def test_weight_shapes_and_order_follow_keras():
    x = np.ones((1, 6, 6, 4), np.float32)
    cases = [
        (layers.DepthwiseConv2D(3, depth_multiplier=2), [("kernel", (3, 3, 4, 2)), ("bias", (8,))]),
        (layers.SeparableConv2D(5, 3, depth_multiplier=2),
         [("depthwise_kernel", (3, 3, 4, 2)), ("pointwise_kernel", (1, 1, 8, 5)), ("bias", (5,))]),
        (layers.Conv2DTranspose(5, (3, 2)), [("kernel", (3, 2, 5, 4)), ("bias", (5,))]),
        (layers.PReLU(shared_axes=[1, 2]), [("alpha", (1, 1, 4))]),
        (layers.GroupNormalization(groups=2), [("gamma", (4,)), ("beta", (4,))]),
    ]
    for layer, expected in cases:
        layer(x)
        assert [(w.name, w.shape) for w in layer.weights] == expected, type(layer).__name__
    conv1d_t = layers.Conv1DTranspose(5, 3)
    conv1d_t(np.ones((1, 6, 4), np.float32))
    assert [w.shape for w in conv1d_t.weights] == [(3, 5, 4), (5,)]


# ----- the new layers train inside models ------------------------------------------------------------
def _fit_loss_drop(model, x, y, loss, epochs):
    numnet.utils.set_random_seed(0)
    model.compile(optimizer=numnet.optimizers.Adam(0.01), loss=loss)
    history = model.fit(x, y, epochs=epochs, batch_size=16, verbose=0)
    return history.history["loss"][0], history.history["loss"][-1]


def test_image_model_with_new_layers_trains():
    numnet.utils.set_random_seed(1)
    x = RNG.integers(0, 256, (64, 8, 8, 1)).astype(np.uint8)
    y = (x[:, 2:6, 2:6, 0].mean(axis=(1, 2)) > x.mean(axis=(1, 2, 3))).astype(np.float32)[:, None]
    model = models.Sequential([
        layers.Input(shape=(8, 8, 1)),
        layers.Rescaling(1 / 255.0, offset=-0.5),
        layers.ZeroPadding2D(1),
        layers.SeparableConv2D(4, 3, depth_multiplier=2),
        layers.GroupNormalization(groups=2),
        layers.PReLU(shared_axes=[1, 2]),
        layers.DepthwiseConv2D(3, strides=2, padding="same"),
        layers.Conv2DTranspose(4, 3, strides=2, padding="same"),
        layers.Cropping2D(1),
        layers.UpSampling2D(interpolation="bilinear"),
        layers.CenterCrop(8, 8),
        layers.Resizing(4, 4),
        layers.Flatten(),
        layers.Dense(1, activation="sigmoid"),
    ])
    first, last = _fit_loss_drop(model, x, y, "binary_crossentropy", epochs=15)
    assert last < 0.7 * first, (first, last)


def test_sequence_and_functional_models_with_new_layers_train():
    x = randn(64, 4).astype(np.float32) * 3 + 1
    y = (np.sin(x[:, :1]) + x[:, 1:2] * 0.5).astype(np.float32)
    norm = layers.Normalization()
    norm.adapt(x)
    seq = models.Sequential([
        layers.Input(shape=(4,)), norm, layers.RepeatVector(3), layers.Permute((2, 1)), layers.UpSampling1D(2),
        layers.ZeroPadding1D(1), layers.Cropping1D((0, 1)), layers.Conv1DTranspose(3, 2, strides=2),
        layers.Flatten(), layers.Dense(8, activation="tanh"), layers.Dense(1),
    ])
    first, last = _fit_loss_drop(seq, x, y, "mse", epochs=20)
    assert last < 0.5 * first, (first, last)

    inp = layers.Input(shape=(4,))
    h = layers.Dense(6)(norm(inp))
    a = layers.UnitNormalization()(layers.Dense(6)(h))
    b = layers.Lambda(lambda t: t * 2.0)(layers.Dense(6)(h))
    cos = layers.Dot(axes=1, normalize=True)([a, b])
    out = layers.Dense(1)(layers.Concatenate()([cos, layers.Dot(axes=1)([a, b]), h]))
    func = models.Model(inp, out)
    first, last = _fit_loss_drop(func, x, y, "mse", epochs=20)
    assert last < 0.5 * first, (first, last)


@pytest.mark.parametrize("shape,kernel,kwargs", [
    ((2, 3, 4, 2), (3, 2, 3, 2), {"strides": 2, "padding": "same", "output_padding": 1}),
    ((2, 3, 4, 2), (2, 3, 3, 2), {"strides": (1, 3), "padding": "valid"}),
    ((1, 2, 3, 4), (3, 3, 2, 2), {"dilation_rate": 2, "padding": "same", "data_format": "channels_first"}),
    ((2, 5, 2), (3, 4, 2), {"strides": 3, "padding": "same"}),
    ((2, 2, 5), (4, 3, 2), {"strides": 2, "output_padding": 0, "data_format": "channels_first"}),
])
def test_conv_transpose_op_gradients(shape, kernel, kwargs):
    w = numnet.Tensor(randn(*kernel), requires_grad=True)
    assert gradient_check(lambda t: ops.conv_transpose(t, w, **kwargs), [randn(*shape)], params=[w]) < 1e-6


def test_conv_transpose_op_errors():
    with pytest.raises(ValueError, match=r"conv_transpose: channel mismatch: inputs have 2 channels .* 3"):
        ops.conv_transpose(np.ones((1, 4, 4, 2)), np.ones((3, 3, 5, 3)))
    with pytest.raises(ValueError, match=r"conv_transpose: output_padding must be smaller than strides"):
        ops.conv_transpose(np.ones((1, 4, 4, 2)), np.ones((3, 3, 5, 2)), strides=2, output_padding=2)
