"""Convolution layers: Conv1D and Conv2D (Keras kernel layout `(*kernel_size, in/groups, filters)`),
DepthwiseConv2D, SeparableConv2D, Conv1DTranspose and Conv2DTranspose (kernel `(*kernel_size, filters, in)`)."""
from __future__ import annotations

from typing import Any, Dict, Optional

import numpy as np

from numnet import activations, initializers, ops, regularizers
from numnet.autograd.tensor import Tensor
from numnet.layers._layer_utils import (
    layer_label, lookup, pop_unsupported,
    conv_output_length, get_constraint, normalize_data_format, normalize_padding, normalize_tuple,
    serialize_constraint,
)
from numnet.layers.layer import Layer
from numnet.ops.conv import conv_bias_relu
from numnet.ops.conv_transpose import transpose_output_length

__all__ = [
    "Conv1D", "Conv2D", "Convolution1D", "Convolution2D", "DepthwiseConv2D", "SeparableConv2D", "Conv1DTranspose",
    "Conv2DTranspose", "Convolution1DTranspose", "Convolution2DTranspose", "SeparableConvolution2D",
]


class BaseConv(Layer):
    """Shared N-D (N = 1, 2) convolution layer; see `Conv1D` / `Conv2D` for the arguments."""

    rank = 2

    def __init__(self, filters: int, kernel_size: Any, strides: Any = 1, padding: str = "valid",
                 data_format: Optional[str] = None, dilation_rate: Any = 1, groups: int = 1,
                 activation: Any = None, use_bias: bool = True, kernel_initializer: Any = "glorot_uniform",
                 bias_initializer: Any = "zeros", kernel_regularizer: Any = None, bias_regularizer: Any = None,
                 activity_regularizer: Any = None, kernel_constraint: Any = None, bias_constraint: Any = None,
                 **kwargs: Any) -> None:
        owner = type(self).__name__
        if isinstance(filters, bool) or not isinstance(filters, (int, np.integer)) or filters <= 0:
            raise ValueError(f"{owner}: filters must be a positive int, got filters={filters!r}")
        if isinstance(groups, bool) or not isinstance(groups, (int, np.integer)) or groups <= 0 or filters % groups:
            raise ValueError(f"{owner}: groups must be a positive int dividing filters={filters}, got groups={groups!r}")
        kernel_size = normalize_tuple(kernel_size, self.rank, "kernel_size", owner)
        strides = normalize_tuple(strides, self.rank, "strides", owner)
        dilation_rate = normalize_tuple(dilation_rate, self.rank, "dilation_rate", owner)
        allowed = ("valid", "same", "causal") if self.rank == 1 else ("valid", "same")
        padding = normalize_padding(padding, owner, allowed)
        data_format = normalize_data_format(data_format, owner)
        if max(strides) > 1 and max(dilation_rate) > 1:
            raise ValueError(f"{owner}: strides > 1 not supported in conjunction with dilation_rate > 1, got "
                             f"strides={strides} and dilation_rate={dilation_rate}")
        if padding == "causal" and data_format == "channels_first":
            raise ValueError(f"{owner}: causal padding is only supported with data_format='channels_last'")
        label = layer_label(self, kwargs)
        act = lookup(activations.get, activation, label, "activation")
        pop_unsupported(kwargs, owner)
        inits = (lookup(initializers.get, kernel_initializer, label, "kernel_initializer"),
                 lookup(initializers.get, bias_initializer, label, "bias_initializer"))
        regs = (lookup(regularizers.get, kernel_regularizer, label, "kernel_regularizer"),
                lookup(regularizers.get, bias_regularizer, label, "bias_regularizer"))
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        self.filters = int(filters)
        self.kernel_size = kernel_size
        self.strides = strides
        self.padding = padding
        self.data_format = data_format
        self.dilation_rate = dilation_rate
        self.groups = int(groups)
        self.activation = act
        self.use_bias = bool(use_bias)
        self.kernel_initializer, self.bias_initializer = inits
        self.kernel_regularizer, self.bias_regularizer = regs
        self.kernel_constraint = get_constraint(kernel_constraint, owner, "kernel_constraint")
        self.bias_constraint = get_constraint(bias_constraint, owner, "bias_constraint")
        self._np_dtype = np.dtype(self.dtype)
        self._channel_axis = -1 if data_format == "channels_last" else 1
        self._in_channels: Optional[int] = None
        self.kernel = None
        self.bias = None

    def _check_rank(self, shape: tuple) -> None:
        if len(shape) != self.rank + 2:
            layout = ("(batch, steps, channels)" if self.rank == 1 else "(batch, height, width, channels)")
            if self.data_format == "channels_first":
                layout = "(batch, channels, steps)" if self.rank == 1 else "(batch, channels, height, width)"
            raise ValueError(
                f"Layer '{self.name}' ({type(self).__name__}) expects inputs of rank {self.rank + 2} {layout}, "
                f"got inputs of shape {tuple(shape)} (rank {len(shape)})"
            )

    def build(self, input_shape: Any) -> None:
        shape = tuple(input_shape)
        self._check_rank(shape)
        channels = shape[self._channel_axis]
        if channels is None:
            raise ValueError(f"Layer '{self.name}' ({type(self).__name__}) needs a known channel dimension, "
                             f"got input shape {shape}")
        if channels % self.groups:
            raise ValueError(f"Layer '{self.name}' ({type(self).__name__}): the number of input channels "
                             f"({channels}) must be divisible by groups={self.groups}; input shape {shape}")
        self.kernel = self.add_weight(shape=self.kernel_size + (channels // self.groups, self.filters),
                                      initializer=self.kernel_initializer, regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint, name="kernel")
        if self.use_bias:
            self.bias = self.add_weight(shape=(self.filters,), initializer=self.bias_initializer,
                                        regularizer=self.bias_regularizer, constraint=self.bias_constraint,
                                        name="bias")
        self._in_channels = int(channels)
        self._bias_shape = (self.filters,) if self._channel_axis == -1 else (self.filters,) + (1,) * self.rank
        self.built = True

    def _convolve(self, x: Tensor, kernel: Tensor) -> Tensor:
        padding = self.padding
        if padding == "causal":
            left = self.dilation_rate[0] * (self.kernel_size[0] - 1)
            x = ops.pad(x, ((0, 0), (left, 0), (0, 0)))
            padding = "valid"
        return ops.conv(x, kernel, strides=self.strides, padding=padding, data_format=self.data_format,
                        dilation_rate=self.dilation_rate)

    def call(self, inputs: Tensor) -> Tensor:
        shape = inputs.shape
        if len(shape) != self.rank + 2 or shape[self._channel_axis] != self._in_channels:
            self._check_rank(shape)
            raise ValueError(
                f"Layer '{self.name}' ({type(self).__name__}) expected inputs with {self._in_channels} channels "
                f"(axis {self._channel_axis}), got inputs of shape {tuple(shape)}"
            )
        if inputs.data.dtype != self._np_dtype:
            inputs = ops.cast(inputs, self._np_dtype)
        relu = self.activation is activations.relu
        if self.groups == 1 and self.padding != "causal" and (self.bias is not None or relu):
            # one fused node: conv + bias + ReLU applied chunk by chunk while in cache
            y = conv_bias_relu(inputs, self.kernel, self.bias, relu=relu, strides=self.strides, padding=self.padding,
                               data_format=self.data_format, dilation_rate=self.dilation_rate)
            if not relu and self.activation is not activations.linear:
                y = self.activation(y)
            return y
        if self.groups == 1:
            y = self._convolve(inputs, self.kernel)
        else:
            cin, fout = self._in_channels // self.groups, self.filters // self.groups
            ax = self._channel_axis % len(shape)
            parts = []
            for g in range(self.groups):
                index = [slice(None)] * len(shape)
                index[ax] = slice(g * cin, (g + 1) * cin)
                kidx = (Ellipsis, slice(g * fout, (g + 1) * fout))
                parts.append(self._convolve(ops.get_item(inputs, tuple(index)), ops.get_item(self.kernel, kidx)))
            y = ops.concatenate(parts, axis=ax)
        if self.bias is not None:
            bias = self.bias if self._channel_axis == -1 else ops.reshape(self.bias, self._bias_shape)
            y = ops.add(y, bias)
        if self.activation is not activations.linear:
            y = self.activation(y)
        return y

    def compute_output_shape(self, input_shape: Any) -> tuple:
        shape = tuple(input_shape)
        self._check_rank(shape)
        spatial = shape[1:-1] if self._channel_axis == -1 else shape[2:]
        out = []
        for i, size in enumerate(spatial):
            n = conv_output_length(size, self.kernel_size[i], self.padding, self.strides[i], self.dilation_rate[i])
            if n is not None and n < 1:
                raise ValueError(
                    f"Layer '{self.name}' ({type(self).__name__}): input shape {shape} is too small for "
                    f"kernel_size={self.kernel_size}, dilation_rate={self.dilation_rate} with padding='{self.padding}'"
                )
            out.append(n)
        if self._channel_axis == -1:
            return (shape[0],) + tuple(out) + (self.filters,)
        return (shape[0], self.filters) + tuple(out)

    def get_config(self) -> Dict[str, Any]:
        config = super().get_config()
        config.update({
            "filters": self.filters,
            "kernel_size": list(self.kernel_size),
            "strides": list(self.strides),
            "padding": self.padding,
            "data_format": self.data_format,
            "dilation_rate": list(self.dilation_rate),
            "groups": self.groups,
            "activation": activations.serialize(self.activation),
            "use_bias": self.use_bias,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
            "activity_regularizer": regularizers.serialize(self.activity_regularizer),
            "kernel_constraint": serialize_constraint(self.kernel_constraint),
            "bias_constraint": serialize_constraint(self.bias_constraint),
        })
        return config


class Conv1D(BaseConv):
    """1-D convolution over `(batch, steps, channels)` inputs.

    Args:
        filters: number of output channels.
        kernel_size: int or 1-tuple, the window length.
        strides: int or 1-tuple.
        padding: "valid", "same" or "causal" (left padding so output t sees inputs <= t).
        data_format: "channels_last" (default) or "channels_first".
        dilation_rate: int or 1-tuple.
        groups: split the input channels into this many groups, each with filters/groups outputs.
        activation: activation name or callable (None: linear).
        use_bias: add a bias per filter.
        kernel_initializer: initializer of the `(k, in/groups, filters)` kernel.
        bias_initializer: initializer of the `(filters,)` bias.
        kernel_regularizer: penalty on the kernel.
        bias_regularizer: penalty on the bias.
        activity_regularizer: penalty on the output.
        kernel_constraint: applied to the kernel after each update.
        bias_constraint: applied to the bias after each update.
        **kwargs: base `Layer` arguments.

    Raises:
        ValueError: bad arguments; at build/call, an input that is not rank 3 or has a
            different channel count than the layer was built with.
    """

    rank = 1


class Conv2D(BaseConv):
    """2-D convolution over `(batch, height, width, channels)` inputs.

    Args:
        filters: number of output channels.
        kernel_size: int or 2-tuple `(kh, kw)`.
        strides: int or 2-tuple.
        padding: "valid" or "same" (output = ceil(input / stride)).
        data_format: "channels_last" (default) or "channels_first".
        dilation_rate: int or 2-tuple.
        groups: split the input channels into this many groups, each with filters/groups outputs.
        activation: activation name or callable (None: linear).
        use_bias: add a bias per filter.
        kernel_initializer: initializer of the `(kh, kw, in/groups, filters)` kernel.
        bias_initializer: initializer of the `(filters,)` bias.
        kernel_regularizer: penalty on the kernel.
        bias_regularizer: penalty on the bias.
        activity_regularizer: penalty on the output.
        kernel_constraint: applied to the kernel after each update.
        bias_constraint: applied to the bias after each update.
        **kwargs: base `Layer` arguments.

    Raises:
        ValueError: bad arguments; at build/call, an input that is not rank 4 or has a
            different channel count than the layer was built with.
    """

    rank = 2


Convolution1D = Conv1D
Convolution2D = Conv2D


# ----- depthwise, separable and transposed convolutions ----------------------------------------------
def _conv_geometry_args(owner: str, rank: int, kernel_size: Any, strides: Any, padding: Any, data_format: Any,
                        dilation_rate: Any, forbid_strided_dilation: bool) -> tuple:
    kernel_size = normalize_tuple(kernel_size, rank, "kernel_size", owner)
    strides = normalize_tuple(strides, rank, "strides", owner)
    dilation_rate = normalize_tuple(dilation_rate, rank, "dilation_rate", owner)
    padding = normalize_padding(padding, owner)
    data_format = normalize_data_format(data_format, owner)
    if forbid_strided_dilation and max(strides) > 1 and max(dilation_rate) > 1:
        raise ValueError(f"{owner}: strides > 1 not supported in conjunction with dilation_rate > 1, got "
                         f"strides={strides} and dilation_rate={dilation_rate}")
    return kernel_size, strides, padding, data_format, dilation_rate


def _positive_int(owner: str, name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value <= 0:
        raise ValueError(f"{owner}: {name} must be a positive int, got {name}={value!r}")
    return int(value)


class _SpatialConv(Layer):
    """Shared input checks and output-shape rule of the depthwise/separable/transposed layers."""

    rank = 2

    def _check_rank(self, shape: tuple) -> None:
        BaseConv._check_rank(self, shape)  # same message and layouts as Conv1D/Conv2D

    def _channels(self, shape: tuple) -> int:
        shape = tuple(shape)
        self._check_rank(shape)
        channels = shape[self._channel_axis]
        if channels is None:
            raise ValueError(f"Layer '{self.name}' ({type(self).__name__}) needs a known channel dimension, "
                             f"got input shape {shape}")
        return int(channels)

    def _check_input(self, inputs: Tensor) -> Tensor:
        shape = tuple(inputs.shape)
        if len(shape) != self.rank + 2 or shape[self._channel_axis] != self._in_channels:
            self._check_rank(shape)
            raise ValueError(f"Layer '{self.name}' ({type(self).__name__}) expected inputs with {self._in_channels} "
                             f"channels (axis {self._channel_axis}), got inputs of shape {shape}")
        return inputs if inputs.data.dtype == self._np_dtype else ops.cast(inputs, self._np_dtype)

    def _finish(self, y: Tensor, bias: Optional[Tensor]) -> Tensor:
        if bias is not None:
            y = ops.add(y, bias if self._channel_axis == -1 else ops.reshape(bias, (-1,) + (1,) * self.rank))
        return y if self.activation is activations.linear else self.activation(y)

    def _spatial_out(self, size: Optional[int], i: int) -> Optional[int]:
        return conv_output_length(size, self.kernel_size[i], self.padding, self.strides[i], self.dilation_rate[i])

    def compute_output_shape(self, input_shape: Any) -> tuple:
        shape = tuple(input_shape)
        self._check_rank(shape)
        spatial = shape[1:-1] if self._channel_axis == -1 else shape[2:]
        out = []
        for i, size in enumerate(spatial):
            n = self._spatial_out(size, i)
            if n is not None and n < 1:
                raise ValueError(
                    f"Layer '{self.name}' ({type(self).__name__}): input shape {shape} is too small for "
                    f"kernel_size={self.kernel_size}, dilation_rate={self.dilation_rate} with padding='{self.padding}'"
                )
            out.append(n)
        channels = self._out_channels(shape[self._channel_axis])
        if self._channel_axis == -1:
            return (shape[0],) + tuple(out) + (channels,)
        return (shape[0], channels) + tuple(out)

    def _geometry_config(self) -> Dict[str, Any]:
        return {"kernel_size": list(self.kernel_size), "strides": list(self.strides), "padding": self.padding,
                "data_format": self.data_format, "dilation_rate": list(self.dilation_rate)}


class DepthwiseConv2D(_SpatialConv):
    """Depthwise 2-D convolution: each input channel is convolved with its own `depth_multiplier` filters.

    Output channel `c * depth_multiplier + m` is input channel `c` convolved with `kernel[..., c, m]`.

    Args:
        kernel_size: int or 2-tuple `(kh, kw)`.
        strides: int or 2-tuple.
        padding: "valid" or "same".
        depth_multiplier: output channels per input channel.
        data_format: "channels_last" (default) or "channels_first".
        dilation_rate: int or 2-tuple.
        activation: activation name or callable (None: linear).
        use_bias: add a bias per output channel.
        depthwise_initializer: initializer of the `(kh, kw, in, depth_multiplier)` kernel.
        bias_initializer: initializer of the `(in * depth_multiplier,)` bias.
        depthwise_regularizer: penalty on the kernel.
        bias_regularizer: penalty on the bias.
        activity_regularizer: penalty on the output.
        depthwise_constraint: callable applied to the kernel after each update.
        bias_constraint: callable applied to the bias after each update.
        **kwargs: base `Layer` arguments.

    Weights, in order: kernel, bias.

    Raises:
        ValueError: bad arguments; at build/call, an input that is not rank 4 or has a different
            channel count than the layer was built with.
    """

    def __init__(self, kernel_size: Any, strides: Any = (1, 1), padding: str = "valid", depth_multiplier: int = 1,
                 data_format: Optional[str] = None, dilation_rate: Any = (1, 1), activation: Any = None,
                 use_bias: bool = True, depthwise_initializer: Any = "glorot_uniform", bias_initializer: Any = "zeros",
                 depthwise_regularizer: Any = None, bias_regularizer: Any = None, activity_regularizer: Any = None,
                 depthwise_constraint: Any = None, bias_constraint: Any = None, **kwargs: Any) -> None:
        owner = type(self).__name__
        geometry = _conv_geometry_args(owner, self.rank, kernel_size, strides, padding, data_format, dilation_rate,
                                       forbid_strided_dilation=False)
        depth_multiplier = _positive_int(owner, "depth_multiplier", depth_multiplier)
        label = layer_label(self, kwargs)
        act = lookup(activations.get, activation, label, "activation")
        inits = (lookup(initializers.get, depthwise_initializer, label, "depthwise_initializer"),
                 lookup(initializers.get, bias_initializer, label, "bias_initializer"))
        regs = (lookup(regularizers.get, depthwise_regularizer, label, "depthwise_regularizer"),
                lookup(regularizers.get, bias_regularizer, label, "bias_regularizer"))
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        self.kernel_size, self.strides, self.padding, self.data_format, self.dilation_rate = geometry
        self.depth_multiplier = depth_multiplier
        self.activation = act
        self.use_bias = bool(use_bias)
        self.depthwise_initializer, self.bias_initializer = inits
        self.depthwise_regularizer, self.bias_regularizer = regs
        self.depthwise_constraint = get_constraint(depthwise_constraint, owner, "depthwise_constraint")
        self.bias_constraint = get_constraint(bias_constraint, owner, "bias_constraint")
        self._np_dtype = np.dtype(self.dtype)
        self._channel_axis = -1 if self.data_format == "channels_last" else 1
        self._in_channels: Optional[int] = None
        self.kernel = self.bias = None

    def _out_channels(self, channels: Optional[int]) -> Optional[int]:
        return None if channels is None else channels * self.depth_multiplier

    def build(self, input_shape: Any) -> None:
        channels = self._channels(input_shape)
        self.kernel = self.add_weight(shape=self.kernel_size + (channels, self.depth_multiplier),
                                      initializer=self.depthwise_initializer, regularizer=self.depthwise_regularizer,
                                      constraint=self.depthwise_constraint, name="kernel")
        if self.use_bias:
            self.bias = self.add_weight(shape=(channels * self.depth_multiplier,), initializer=self.bias_initializer,
                                        regularizer=self.bias_regularizer, constraint=self.bias_constraint,
                                        name="bias")
        self._in_channels = channels
        self.built = True

    def call(self, inputs: Tensor) -> Tensor:
        x = self._check_input(inputs)
        y = ops.depthwise_conv(x, self.kernel, strides=self.strides, padding=self.padding,
                               data_format=self.data_format, dilation_rate=self.dilation_rate)
        return self._finish(y, self.bias)

    def get_config(self) -> Dict[str, Any]:
        config = super().get_config()
        config.update({"depth_multiplier": self.depth_multiplier, **self._geometry_config(),
                       "activation": activations.serialize(self.activation), "use_bias": self.use_bias,
                       "depthwise_initializer": initializers.serialize(self.depthwise_initializer),
                       "bias_initializer": initializers.serialize(self.bias_initializer),
                       "depthwise_regularizer": regularizers.serialize(self.depthwise_regularizer),
                       "bias_regularizer": regularizers.serialize(self.bias_regularizer),
                       "activity_regularizer": regularizers.serialize(self.activity_regularizer),
                       "depthwise_constraint": serialize_constraint(self.depthwise_constraint),
                       "bias_constraint": serialize_constraint(self.bias_constraint)})
        return config


class SeparableConv2D(_SpatialConv):
    """Depthwise separable 2-D convolution: a depthwise convolution, then a 1x1 (pointwise) convolution.

    Args:
        filters: number of output channels.
        kernel_size: int or 2-tuple `(kh, kw)` of the depthwise step.
        strides: int or 2-tuple (depthwise step).
        padding: "valid" or "same".
        data_format: "channels_last" (default) or "channels_first".
        dilation_rate: int or 2-tuple.
        depth_multiplier: depthwise output channels per input channel.
        activation: activation name or callable (None: linear).
        use_bias: add a bias per filter.
        depthwise_initializer: initializer of the `(kh, kw, in, depth_multiplier)` depthwise kernel.
        pointwise_initializer: initializer of the `(1, 1, in * depth_multiplier, filters)` pointwise kernel.
        bias_initializer: initializer of the `(filters,)` bias.
        depthwise_regularizer: penalty on the depthwise kernel.
        pointwise_regularizer: penalty on the pointwise kernel.
        bias_regularizer: penalty on the bias.
        activity_regularizer: penalty on the output.
        depthwise_constraint: callable applied to the depthwise kernel after each update.
        pointwise_constraint: callable applied to the pointwise kernel after each update.
        bias_constraint: callable applied to the bias after each update.
        **kwargs: base `Layer` arguments.

    Weights, in order: depthwise_kernel, pointwise_kernel, bias.

    Raises:
        ValueError: bad arguments; at build/call, an input that is not rank 4 or has a different
            channel count than the layer was built with.
    """

    def __init__(self, filters: int, kernel_size: Any, strides: Any = (1, 1), padding: str = "valid",
                 data_format: Optional[str] = None, dilation_rate: Any = (1, 1), depth_multiplier: int = 1,
                 activation: Any = None, use_bias: bool = True, depthwise_initializer: Any = "glorot_uniform",
                 pointwise_initializer: Any = "glorot_uniform", bias_initializer: Any = "zeros",
                 depthwise_regularizer: Any = None, pointwise_regularizer: Any = None, bias_regularizer: Any = None,
                 activity_regularizer: Any = None, depthwise_constraint: Any = None, pointwise_constraint: Any = None,
                 bias_constraint: Any = None, **kwargs: Any) -> None:
        owner = type(self).__name__
        filters = _positive_int(owner, "filters", filters)
        geometry = _conv_geometry_args(owner, self.rank, kernel_size, strides, padding, data_format, dilation_rate,
                                       forbid_strided_dilation=False)
        depth_multiplier = _positive_int(owner, "depth_multiplier", depth_multiplier)
        label = layer_label(self, kwargs)
        act = lookup(activations.get, activation, label, "activation")
        inits = tuple(lookup(initializers.get, v, label, n) for n, v in (
            ("depthwise_initializer", depthwise_initializer), ("pointwise_initializer", pointwise_initializer),
            ("bias_initializer", bias_initializer)))
        regs = tuple(lookup(regularizers.get, v, label, n) for n, v in (
            ("depthwise_regularizer", depthwise_regularizer), ("pointwise_regularizer", pointwise_regularizer),
            ("bias_regularizer", bias_regularizer)))
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        self.filters = filters
        self.kernel_size, self.strides, self.padding, self.data_format, self.dilation_rate = geometry
        self.depth_multiplier = depth_multiplier
        self.activation = act
        self.use_bias = bool(use_bias)
        self.depthwise_initializer, self.pointwise_initializer, self.bias_initializer = inits
        self.depthwise_regularizer, self.pointwise_regularizer, self.bias_regularizer = regs
        self.depthwise_constraint = get_constraint(depthwise_constraint, owner, "depthwise_constraint")
        self.pointwise_constraint = get_constraint(pointwise_constraint, owner, "pointwise_constraint")
        self.bias_constraint = get_constraint(bias_constraint, owner, "bias_constraint")
        self._np_dtype = np.dtype(self.dtype)
        self._channel_axis = -1 if self.data_format == "channels_last" else 1
        self._in_channels: Optional[int] = None
        self.depthwise_kernel = self.pointwise_kernel = self.bias = None

    def _out_channels(self, channels: Optional[int]) -> int:
        return self.filters

    def build(self, input_shape: Any) -> None:
        channels = self._channels(input_shape)
        self.depthwise_kernel = self.add_weight(
            shape=self.kernel_size + (channels, self.depth_multiplier), initializer=self.depthwise_initializer,
            regularizer=self.depthwise_regularizer, constraint=self.depthwise_constraint, name="depthwise_kernel")
        self.pointwise_kernel = self.add_weight(
            shape=(1, 1, channels * self.depth_multiplier, self.filters), initializer=self.pointwise_initializer,
            regularizer=self.pointwise_regularizer, constraint=self.pointwise_constraint, name="pointwise_kernel")
        if self.use_bias:
            self.bias = self.add_weight(shape=(self.filters,), initializer=self.bias_initializer,
                                        regularizer=self.bias_regularizer, constraint=self.bias_constraint,
                                        name="bias")
        self._in_channels = channels
        self.built = True

    def call(self, inputs: Tensor) -> Tensor:
        x = self._check_input(inputs)
        y = ops.depthwise_conv(x, self.depthwise_kernel, strides=self.strides, padding=self.padding,
                               data_format=self.data_format, dilation_rate=self.dilation_rate)
        y = ops.conv(y, self.pointwise_kernel, data_format=self.data_format)
        return self._finish(y, self.bias)

    def get_config(self) -> Dict[str, Any]:
        config = super().get_config()
        config.update({"filters": self.filters, **self._geometry_config(), "depth_multiplier": self.depth_multiplier,
                       "activation": activations.serialize(self.activation), "use_bias": self.use_bias,
                       "depthwise_initializer": initializers.serialize(self.depthwise_initializer),
                       "pointwise_initializer": initializers.serialize(self.pointwise_initializer),
                       "bias_initializer": initializers.serialize(self.bias_initializer),
                       "depthwise_regularizer": regularizers.serialize(self.depthwise_regularizer),
                       "pointwise_regularizer": regularizers.serialize(self.pointwise_regularizer),
                       "bias_regularizer": regularizers.serialize(self.bias_regularizer),
                       "activity_regularizer": regularizers.serialize(self.activity_regularizer),
                       "depthwise_constraint": serialize_constraint(self.depthwise_constraint),
                       "pointwise_constraint": serialize_constraint(self.pointwise_constraint),
                       "bias_constraint": serialize_constraint(self.bias_constraint)})
        return config


class _ConvTranspose(_SpatialConv):
    """Shared N-D (N = 1, 2) transposed convolution; see `Conv1DTranspose` / `Conv2DTranspose`."""

    def __init__(self, filters: int, kernel_size: Any, strides: Any = 1, padding: str = "valid",
                 output_padding: Any = None, data_format: Optional[str] = None, dilation_rate: Any = 1,
                 activation: Any = None, use_bias: bool = True, kernel_initializer: Any = "glorot_uniform",
                 bias_initializer: Any = "zeros", kernel_regularizer: Any = None, bias_regularizer: Any = None,
                 activity_regularizer: Any = None, kernel_constraint: Any = None, bias_constraint: Any = None,
                 **kwargs: Any) -> None:
        owner = type(self).__name__
        filters = _positive_int(owner, "filters", filters)
        geometry = _conv_geometry_args(owner, self.rank, kernel_size, strides, padding, data_format, dilation_rate,
                                       forbid_strided_dilation=True)
        if output_padding is not None:
            output_padding = normalize_tuple(output_padding, self.rank, "output_padding", owner, allow_zero=True)
            if any(p >= s for p, s in zip(output_padding, geometry[1])):
                raise ValueError(f"{owner}: output_padding must be strictly less than strides on every axis, got "
                                 f"output_padding={output_padding} with strides={geometry[1]}")
        label = layer_label(self, kwargs)
        act = lookup(activations.get, activation, label, "activation")
        pop_unsupported(kwargs, owner)
        inits = (lookup(initializers.get, kernel_initializer, label, "kernel_initializer"),
                 lookup(initializers.get, bias_initializer, label, "bias_initializer"))
        regs = (lookup(regularizers.get, kernel_regularizer, label, "kernel_regularizer"),
                lookup(regularizers.get, bias_regularizer, label, "bias_regularizer"))
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        self.filters = filters
        self.kernel_size, self.strides, self.padding, self.data_format, self.dilation_rate = geometry
        self.output_padding = output_padding
        self.activation = act
        self.use_bias = bool(use_bias)
        self.kernel_initializer, self.bias_initializer = inits
        self.kernel_regularizer, self.bias_regularizer = regs
        self.kernel_constraint = get_constraint(kernel_constraint, owner, "kernel_constraint")
        self.bias_constraint = get_constraint(bias_constraint, owner, "bias_constraint")
        self._np_dtype = np.dtype(self.dtype)
        self._channel_axis = -1 if self.data_format == "channels_last" else 1
        self._in_channels: Optional[int] = None
        self.kernel = self.bias = None

    def _out_channels(self, channels: Optional[int]) -> int:
        return self.filters

    def _spatial_out(self, size: Optional[int], i: int) -> Optional[int]:
        if size is None:
            return None
        pad = None if self.output_padding is None else self.output_padding[i]
        return transpose_output_length(size, self.kernel_size[i], self.strides[i], self.padding, pad,
                                       self.dilation_rate[i])[0]

    def build(self, input_shape: Any) -> None:
        channels = self._channels(input_shape)
        self.kernel = self.add_weight(shape=self.kernel_size + (self.filters, channels),
                                      initializer=self.kernel_initializer, regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint, name="kernel")
        if self.use_bias:
            self.bias = self.add_weight(shape=(self.filters,), initializer=self.bias_initializer,
                                        regularizer=self.bias_regularizer, constraint=self.bias_constraint,
                                        name="bias")
        self._in_channels = channels
        self.built = True

    def call(self, inputs: Tensor) -> Tensor:
        x = self._check_input(inputs)
        y = ops.conv_transpose(x, self.kernel, strides=self.strides, padding=self.padding,
                               output_padding=self.output_padding, data_format=self.data_format,
                               dilation_rate=self.dilation_rate)
        return self._finish(y, self.bias)

    def get_config(self) -> Dict[str, Any]:
        config = super().get_config()
        config.update({"filters": self.filters, **self._geometry_config(),
                       "output_padding": None if self.output_padding is None else list(self.output_padding),
                       "activation": activations.serialize(self.activation), "use_bias": self.use_bias,
                       "kernel_initializer": initializers.serialize(self.kernel_initializer),
                       "bias_initializer": initializers.serialize(self.bias_initializer),
                       "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
                       "bias_regularizer": regularizers.serialize(self.bias_regularizer),
                       "activity_regularizer": regularizers.serialize(self.activity_regularizer),
                       "kernel_constraint": serialize_constraint(self.kernel_constraint),
                       "bias_constraint": serialize_constraint(self.bias_constraint)})
        return config


class Conv1DTranspose(_ConvTranspose):
    """1-D transposed convolution (the gradient of Conv1D; up-samples `(batch, steps, channels)`).

    Output length: with `output_padding` None, `steps * stride + max(k_eff - stride, 0)` for
    "valid" and `steps * stride` for "same" (`k_eff = (k - 1) * dilation + 1`).

    Args:
        filters: number of output channels.
        kernel_size: int or 1-tuple.
        strides: int or 1-tuple.
        padding: "valid" or "same".
        output_padding: None or an int smaller than the stride: extra output length.
        data_format: "channels_last" (default) or "channels_first".
        dilation_rate: int or 1-tuple.
        activation: activation name or callable (None: linear).
        use_bias: add a bias per filter.
        kernel_initializer: initializer of the `(k, filters, in)` kernel (Keras's transposed layout).
        bias_initializer: initializer of the `(filters,)` bias.
        kernel_regularizer: penalty on the kernel.
        bias_regularizer: penalty on the bias.
        activity_regularizer: penalty on the output.
        kernel_constraint: callable applied to the kernel after each update.
        bias_constraint: callable applied to the bias after each update.
        **kwargs: base `Layer` arguments.

    Raises:
        ValueError: bad arguments (including output_padding >= strides, or strides and dilation both
            > 1); at build/call, an input that is not rank 3 or has another channel count.
    """

    rank = 1


class Conv2DTranspose(_ConvTranspose):
    """2-D transposed convolution (the gradient of Conv2D; up-samples images, as in decoders and GANs).

    Output size per axis: with `output_padding` None, `size * stride + max(k_eff - stride, 0)`
    for "valid" and `size * stride` for "same" (`k_eff = (k - 1) * dilation + 1`); with it,
    `(size - 1) * stride + k_eff - 2 * pad + output_padding`, `pad` being 0 ("valid") or
    `k_eff // 2` ("same").

    Args:
        filters: number of output channels.
        kernel_size: int or 2-tuple `(kh, kw)`.
        strides: int or 2-tuple.
        padding: "valid" or "same".
        output_padding: None, or an int / 2-tuple smaller than the strides: extra output size.
        data_format: "channels_last" (default) or "channels_first".
        dilation_rate: int or 2-tuple.
        activation: activation name or callable (None: linear).
        use_bias: add a bias per filter.
        kernel_initializer: initializer of the `(kh, kw, filters, in)` kernel (Keras's transposed layout).
        bias_initializer: initializer of the `(filters,)` bias.
        kernel_regularizer: penalty on the kernel.
        bias_regularizer: penalty on the bias.
        activity_regularizer: penalty on the output.
        kernel_constraint: callable applied to the kernel after each update.
        bias_constraint: callable applied to the bias after each update.
        **kwargs: base `Layer` arguments.

    Raises:
        ValueError: bad arguments (including output_padding >= strides, or strides and dilation both
            > 1); at build/call, an input that is not rank 4 or has another channel count.
    """

    rank = 2


Convolution1DTranspose = Conv1DTranspose
Convolution2DTranspose = Conv2DTranspose
SeparableConvolution2D = SeparableConv2D
