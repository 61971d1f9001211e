"""Convolution layers: Conv1D and Conv2D (Keras kernel layout `(*kernel_size, in/groups, filters)`)."""
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

__all__ = ["Conv1D", "Conv2D", "Convolution1D", "Convolution2D"]


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
        kernel_initializer: initializers of the `(k, in/groups, filters)`
        bias_initializer: initializers of the `(k, in/groups, filters)`
            kernel and `(filters,)` bias.
        kernel_regularizer: penalties.
        bias_regularizer: penalties.
        activity_regularizer: penalties.
        kernel_constraint: callables applied after each update.
        bias_constraint: callables applied after each update.
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
        kernel_initializer: initializers of the `(kh, kw, in/groups, filters)`
        bias_initializer: initializers of the `(kh, kw, in/groups, filters)`
            kernel and `(filters,)` bias.
        kernel_regularizer: penalties.
        bias_regularizer: penalties.
        activity_regularizer: penalties.
        kernel_constraint: callables applied after each update.
        bias_constraint: callables applied after each update.
        **kwargs: base `Layer` arguments.

    Raises:
        ValueError: bad arguments; at build/call, an input that is not rank 4 or has a
            different channel count than the layer was built with.
    """

    rank = 2


Convolution1D = Conv1D
Convolution2D = Conv2D
