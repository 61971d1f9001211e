"""Oracle parity for the layers added for Keras 3 parity (padding/cropping/up-sampling, Permute,
RepeatVector, preprocessing, depthwise/separable/transposed convolutions, PReLU, GroupNormalization,
UnitNormalization, Dot) and `ops.conv_transpose`: same weights -> same outputs and gradients as
Keras 3 (JAX backend). Marked `parity` by the conftest, outside the default run."""
import itertools

import numpy as np
import pytest

keras = pytest.importorskip("keras")

from numnet import layers as nl  # noqa: E402
from numnet import ops  # noqa: E402

from test_keras_parity import _check_layer, _close, _randn  # noqa: E402  (tests/parity is on sys.path)

K = keras.layers
X4 = _randn(2, 6, 7, 3, seed=1)
X4CF = _randn(2, 3, 6, 7, seed=4)
X3 = _randn(2, 7, 3, seed=2)
X2 = _randn(3, 5, seed=3)


def _x(kwargs, default=X4):
    return X4CF if kwargs.get("data_format") == "channels_first" else default


def _random_bias(ws):
    return [w if i == 0 else _randn(*w.shape, seed=11) for i, w in enumerate(ws)]


SHAPE_LAYERS = [
    ("ZeroPadding2D", {}), ("ZeroPadding2D", {"padding": (1, 2)}), ("ZeroPadding2D", {"padding": ((1, 2), (0, 3))}),
    ("ZeroPadding2D", {"padding": 1, "data_format": "channels_first"}),
    ("Cropping2D", {"cropping": 1}), ("Cropping2D", {"cropping": ((1, 2), (0, 3))}),
    ("Cropping2D", {"cropping": 1, "data_format": "channels_first"}),
    ("UpSampling2D", {}), ("UpSampling2D", {"size": (2, 3)}), ("UpSampling2D", {"interpolation": "bilinear"}),
    ("UpSampling2D", {"size": (3, 2), "interpolation": "bilinear", "data_format": "channels_first"}),
    ("Permute", {"dims": (3, 1, 2)}), ("Rescaling", {"scale": 0.5, "offset": 1.0}),
    ("Rescaling", {"scale": [1.0, 2.0, 3.0], "offset": [0.0, 1.0, 2.0]}),
    ("Normalization", {"mean": [1.0, 2.0, 3.0], "variance": [1.0, 4.0, 9.0]}),
    ("Normalization", {"mean": 0.5, "variance": 2.0, "invert": True}),
    ("UnitNormalization", {}), ("UnitNormalization", {"axis": [1, 2]}),
]


@pytest.mark.parametrize("cls,kwargs", SHAPE_LAYERS, ids=[f"{c}{k}" for c, k in SHAPE_LAYERS])
def test_weightless_layers(cls, kwargs):
    _check_layer(getattr(K, cls), getattr(nl, cls), _x(kwargs), kwargs)


@pytest.mark.parametrize("cls,kwargs", [
    ("ZeroPadding1D", {"padding": (0, 2)}), ("Cropping1D", {"cropping": (0, 3)}), ("UpSampling1D", {"size": 3}),
])
def test_1d_shape_layers(cls, kwargs):
    _check_layer(getattr(K, cls), getattr(nl, cls), X3, kwargs)


def test_repeat_vector():
    _check_layer(K.RepeatVector, nl.RepeatVector, X2, {"n": 4})


@pytest.mark.parametrize("cls,kwargs", [
    ("CenterCrop", {"height": 4, "width": 5}), ("CenterCrop", {"height": 8, "width": 9}),
    ("CenterCrop", {"height": 3, "width": 9}), ("Resizing", {"height": 4, "width": 5}),
    ("Resizing", {"height": 9, "width": 12}), ("Resizing", {"height": 3, "width": 11, "interpolation": "nearest"}),
    ("Resizing", {"height": 4, "width": 4, "crop_to_aspect_ratio": True}),
    ("Resizing", {"height": 10, "width": 3, "crop_to_aspect_ratio": True}),
])
def test_image_preprocessing(cls, kwargs):
    _check_layer(getattr(K, cls), getattr(nl, cls), X4, kwargs, grads=False)


@pytest.mark.parametrize("kwargs", [{}, {"axis": None}, {"axis": (1, 2)}, {"axis": (1, 3)}])
def test_normalization_adapt(kwargs):
    data = X4 * 3 + 1
    k, n = K.Normalization(**kwargs), nl.Normalization(**kwargs)
    k.adapt(data)
    n.adapt(data)
    assert [w.shape for w in n.weights] == [tuple(w.shape) for w in k.weights]
    for a, b in zip(n.get_weights(), k.get_weights()):
        _close(a, b, what="Normalization weights")
    _close(n(X4), np.asarray(k(X4)), what="Normalization output")


CONVS = [
    ("DepthwiseConv2D", {"kernel_size": 3}),
    ("DepthwiseConv2D", {"kernel_size": 3, "depth_multiplier": 2, "padding": "same", "strides": 2}),
    ("DepthwiseConv2D", {"kernel_size": (2, 3), "dilation_rate": 2, "activation": "relu"}),
    ("DepthwiseConv2D", {"kernel_size": 3, "data_format": "channels_first", "padding": "same"}),
    ("DepthwiseConv2D", {"kernel_size": 3, "strides": 2, "dilation_rate": 2, "padding": "same", "use_bias": False}),
    ("Conv2DTranspose", {"filters": 4, "kernel_size": 3}),
    ("Conv2DTranspose", {"filters": 2, "kernel_size": 3, "strides": 2, "padding": "same"}),
    ("Conv2DTranspose", {"filters": 2, "kernel_size": 4, "strides": 2, "padding": "same", "output_padding": 1}),
    ("Conv2DTranspose", {"filters": 3, "kernel_size": (2, 3), "strides": (3, 2), "activation": "relu"}),
    ("Conv2DTranspose", {"filters": 3, "kernel_size": 3, "dilation_rate": 2, "padding": "same"}),
    ("Conv2DTranspose", {"filters": 3, "kernel_size": 3, "strides": 2, "data_format": "channels_first"}),
]


@pytest.mark.parametrize("cls,kwargs", CONVS, ids=[f"{c}{k}" for c, k in CONVS])
def test_convolutions(cls, kwargs):
    _check_layer(getattr(K, cls), getattr(nl, cls), _x(kwargs), kwargs, weights=_random_bias)


@pytest.mark.parametrize("kwargs", [
    {"filters": 4, "kernel_size": 3},
    {"filters": 2, "kernel_size": 3, "depth_multiplier": 2, "padding": "same", "strides": 2},
    {"filters": 4, "kernel_size": 2, "data_format": "channels_first", "activation": "tanh"},
])
def test_separable_conv2d(kwargs):
    _check_layer(K.SeparableConv2D, nl.SeparableConv2D, _x(kwargs), kwargs,
                 weights=lambda ws: [w if i < 2 else _randn(*w.shape, seed=11) for i, w in enumerate(ws)])


@pytest.mark.parametrize("kwargs", [
    {"filters": 4, "kernel_size": 3}, {"filters": 2, "kernel_size": 3, "strides": 2, "padding": "same",
                                        "output_padding": 1},
])
def test_conv1d_transpose(kwargs):
    _check_layer(K.Conv1DTranspose, nl.Conv1DTranspose, X3, kwargs, weights=_random_bias)


def test_conv_transpose_op_grid():
    rng = np.random.default_rng(0)
    for k, s, p, op, d, cf, rank in itertools.product([1, 2, 3, 4], [1, 2, 3], ["valid", "same"], [None, 0, 1, 2],
                                                      [1, 2], [False, True], [1, 2]):
        if (op is not None and op >= s) or (s > 1 and d > 1):
            continue
        shape = (2, 3, 5, 4) if rank == 2 else (2, 5, 3)
        x = rng.standard_normal(shape).astype("float32")
        c = shape[1] if cf else shape[-1]
        w = rng.standard_normal((k,) * rank + (3, c)).astype("float32")
        kw = dict(strides=s, padding=p, output_padding=op, dilation_rate=d,
                  data_format="channels_first" if cf else "channels_last")
        _close(ops.conv_transpose(x, w, **kw), np.asarray(keras.ops.conv_transpose(x, w, **kw)), atol=1e-4,
               what=f"conv_transpose {kw} k={k} rank={rank}")


@pytest.mark.parametrize("kwargs", [{}, {"shared_axes": [1, 2]}, {"alpha_initializer": "ones"}])
def test_prelu(kwargs):
    _check_layer(K.PReLU, nl.PReLU, X4, kwargs, weights=lambda ws: [_randn(*w.shape, seed=5) for w in ws])


@pytest.mark.parametrize("kwargs,shape", [
    ({"groups": 3}, (2, 6, 7, 3)), ({"groups": 1}, (2, 6, 7, 3)), ({"groups": 2, "axis": 1}, (2, 4, 5, 3)),
    ({"groups": 2, "center": False, "epsilon": 0.1}, (2, 5, 4)),
])
def test_group_normalization(kwargs, shape):
    _check_layer(K.GroupNormalization, nl.GroupNormalization, _randn(*shape, seed=6), kwargs,
                 weights=lambda ws: [_randn(*w.shape, seed=8) for w in ws])


@pytest.mark.parametrize("kwargs,shapes", [
    ({"axes": 1}, [(3, 5), (3, 5)]), ({"axes": (1, 2)}, [(2, 3, 4), (2, 5, 3)]),
    ({"axes": -1, "normalize": True}, [(2, 3, 4), (2, 5, 4)]), ({"axes": (2, 1)}, [(2, 3, 4), (2, 4)]),
])
def test_dot(kwargs, shapes):
    _check_layer(K.Dot, nl.Dot, [_randn(*s, seed=i) for i, s in enumerate(shapes)], kwargs)
