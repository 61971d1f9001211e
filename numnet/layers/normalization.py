"""Normalization layers: BatchNormalization, LayerNormalization, GroupNormalization, UnitNormalization."""
from __future__ import annotations

from typing import Any, Dict, Optional, Tuple

import numpy as np

from numnet import initializers, ops, regularizers
from numnet.autograd.function import Function
from numnet.autograd.tensor import Tensor
from numnet.config.settings import epsilon
from numnet.layers._layer_utils import get_constraint, layer_label, lookup, mask_array, serialize_constraint
from numnet.layers.layer import Layer

__all__ = ["BatchNormalization", "LayerNormalization", "GroupNormalization", "UnitNormalization"]


def _reduce_to(grad: np.ndarray, bshape: Tuple[int, ...], shape: Tuple[int, ...]) -> np.ndarray:
    """Sum `grad` over the axes where the broadcast parameter shape `bshape` is 1, reshape to `shape`."""
    axes = tuple(i for i, d in enumerate(bshape) if d == 1 and grad.shape[i] != 1)
    return grad.sum(axis=axes).reshape(shape) if axes else grad.reshape(shape)


class _Normalize(Function):
    """`gamma * (x - mean) / sqrt(var + eps) + beta` with the batch statistics over `axes`.

    Inputs are `x` and then the optional `gamma`, `beta` (flags say which are present),
    broadcast to `x` through `bshape`; `stats` is `(x - mean, var)` from `_moments`.
    """

    def forward(self, x, *params, stats=None, axes=(), bshape=(), eps=1e-3, has_gamma=True, has_beta=True):
        self.axes, self.bshape = axes, bshape
        self.has_gamma, self.has_beta = has_gamma, has_beta
        centered, var = stats
        inv = 1.0 / np.sqrt(var + x.dtype.type(eps))
        self.xhat = centered * inv
        self.inv = inv
        i = 0
        gamma = beta = None
        if has_gamma:
            gamma = params[i].reshape(bshape)
            self.gamma_shape = params[i].shape
            i += 1
        if has_beta:
            beta = params[i].reshape(bshape)
            self.beta_shape = params[i].shape
        self.gamma = gamma
        y = self.xhat * gamma if gamma is not None else self.xhat.copy()
        if beta is not None:
            y += beta
        return y

    def backward(self, grad):
        xhat, inv, axes = self.xhat, self.inv, self.axes
        needs = self.needs_input_grad
        out = []
        dxhat = grad * self.gamma if self.gamma is not None else grad
        if needs[0]:
            gx = inv * (dxhat - dxhat.mean(axis=axes, keepdims=True)
                        - xhat * (dxhat * xhat).mean(axis=axes, keepdims=True))
            out.append(gx)
        else:
            out.append(None)
        if self.has_gamma:
            out.append(_reduce_to(grad * xhat, self.bshape, self.gamma_shape) if needs[len(out)] else None)
        if self.has_beta:
            out.append(_reduce_to(grad, self.bshape, self.beta_shape) if needs[len(out)] else None)
        return tuple(out)


class _Affine(Function):
    """`gamma * (x - mean) / sqrt(var + eps) + beta` with fixed (moving) statistics."""

    def forward(self, x, *params, mean=None, var=None, bshape=(), eps=1e-3, has_gamma=True, has_beta=True):
        self.bshape, self.has_gamma, self.has_beta = bshape, has_gamma, has_beta
        dt = x.dtype.type
        inv = (1.0 / np.sqrt(var.astype(x.dtype, copy=False) + dt(eps))).reshape(bshape)
        mean = mean.astype(x.dtype, copy=False).reshape(bshape)
        i = 0
        scale = inv
        if has_gamma:
            self.gamma_shape = params[0].shape
            scale = inv * params[0].reshape(bshape)
            i = 1
        offset = -mean * scale
        if has_beta:
            self.beta_shape = params[i].shape
            offset = offset + params[i].reshape(bshape)
        self.x, self.mean, self.inv, self.scale = x, mean, inv, scale
        return x * scale + offset

    def backward(self, grad):
        needs = self.needs_input_grad
        out = [grad * self.scale if needs[0] else None]
        if self.has_gamma:
            out.append(_reduce_to(grad * (self.x - self.mean) * self.inv, self.bshape, self.gamma_shape)
                       if needs[len(out)] else None)
        if self.has_beta:
            out.append(_reduce_to(grad, self.bshape, self.beta_shape) if needs[len(out)] else None)
        return tuple(out)


def _moments(x: np.ndarray, axes: Tuple[int, ...]) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Mean, centered values and biased variance over `axes` (keepdims)."""
    mean = x.mean(axis=axes, keepdims=True)
    centered = x - mean
    var = np.mean(np.square(centered), axis=axes, keepdims=True)
    return mean, centered, var


def _serialize(obj: Any) -> Any:
    return initializers.serialize(obj)


def _beta_gamma_config(layer: Layer) -> Dict[str, Any]:
    """The serialized initializers, regularizers and constraints of a layer's `beta` and `gamma`."""
    return {
        "beta_initializer": _serialize(layer.beta_initializer),
        "gamma_initializer": _serialize(layer.gamma_initializer),
        "beta_regularizer": regularizers.serialize(layer.beta_regularizer),
        "gamma_regularizer": regularizers.serialize(layer.gamma_regularizer),
        "beta_constraint": serialize_constraint(layer.beta_constraint),
        "gamma_constraint": serialize_constraint(layer.gamma_constraint),
    }


class BatchNormalization(Layer):
    """Normalizes each feature with the batch statistics in training, moving averages in inference.

    Training (`training=True` on a trainable layer): `gamma * (x - mean) / sqrt(var + epsilon) + beta`
    with the batch mean and (biased) variance over every axis but `axis`, and
    `moving = moving * momentum + batch_stat * (1 - momentum)` for both statistics.
    Inference, or a frozen layer (`trainable=False`): the moving statistics are used.
    With a mask (`call(..., mask=...)`, or the input's own mask from `Embedding(mask_zero=True)`
    or `Masking`; shape: the input's without the last axis), the training statistics are taken
    over the unmasked entries only, as in Keras.

    Args:
        axis: the feature axis (default -1).
        momentum: moving-average momentum.
        epsilon: added to the variance.
        center: learn an offset `beta`.
        scale: learn a scale `gamma`.
        beta_initializer: initializer of `beta`.
        gamma_initializer: initializer of `gamma`.
        moving_mean_initializer: initializer of `moving_mean`.
        moving_variance_initializer: initializer of `moving_variance`.
        beta_regularizer: penalties.
        gamma_regularizer: penalties.
        beta_constraint: callables applied after each update.
        gamma_constraint: callables applied after each update.
        **kwargs: base `Layer` arguments.

    Weights, in order: gamma, beta (trainable), moving_mean, moving_variance (non-trainable).

    Raises:
        ValueError: `axis` out of range or a feature size different from the built one; a mask
            whose rank is not the input's minus one.
    """

    _supports_masking = True

    def __init__(self, axis: int = -1, momentum: float = 0.99, epsilon: float = 1e-3, center: bool = True,
                 scale: bool = True, beta_initializer: Any = "zeros", gamma_initializer: Any = "ones",
                 moving_mean_initializer: Any = "zeros", moving_variance_initializer: Any = "ones",
                 beta_regularizer: Any = None, gamma_regularizer: Any = None, beta_constraint: Any = None,
                 gamma_constraint: Any = None, synchronized: bool = False, **kwargs: Any) -> None:
        if isinstance(axis, bool) or not isinstance(axis, (int, np.integer)):
            raise TypeError(f"BatchNormalization: axis must be an int, got axis={axis!r}")
        label = layer_label(self, kwargs)
        inits = [lookup(initializers.get, v, label, arg) for arg, v in (
            ("beta_initializer", beta_initializer), ("gamma_initializer", gamma_initializer),
            ("moving_mean_initializer", moving_mean_initializer),
            ("moving_variance_initializer", moving_variance_initializer))]
        regs = (lookup(regularizers.get, beta_regularizer, label, "beta_regularizer"),
                lookup(regularizers.get, gamma_regularizer, label, "gamma_regularizer"))
        super().__init__(**kwargs)
        self.axis = int(axis)
        self.momentum = float(momentum)
        self.epsilon = float(epsilon)
        self.center = bool(center)
        self.scale = bool(scale)
        self.synchronized = bool(synchronized)
        (self.beta_initializer, self.gamma_initializer,
         self.moving_mean_initializer, self.moving_variance_initializer) = inits
        self.beta_regularizer, self.gamma_regularizer = regs
        self.beta_constraint = get_constraint(beta_constraint, "BatchNormalization", "beta_constraint")
        self.gamma_constraint = get_constraint(gamma_constraint, "BatchNormalization", "gamma_constraint")
        self.gamma = self.beta = self.moving_mean = self.moving_variance = None
        self._ndim: Optional[int] = None

    def build(self, input_shape: Any) -> None:
        shape = tuple(input_shape)
        if not -len(shape) <= self.axis < len(shape):
            raise ValueError(f"Layer '{self.name}' (BatchNormalization): axis={self.axis} is out of range for "
                             f"input shape {shape}")
        ax = self.axis % len(shape)
        size = shape[ax]
        if size is None:
            raise ValueError(f"Layer '{self.name}' (BatchNormalization): the axis {self.axis} dimension must be "
                             f"known, got input shape {shape}")
        pshape = (int(size),)
        if self.scale:
            self.gamma = self.add_weight(shape=pshape, initializer=self.gamma_initializer,
                                         regularizer=self.gamma_regularizer, constraint=self.gamma_constraint,
                                         name="gamma")
        if self.center:
            self.beta = self.add_weight(shape=pshape, initializer=self.beta_initializer,
                                        regularizer=self.beta_regularizer, constraint=self.beta_constraint,
                                        name="beta")
        self.moving_mean = self.add_weight(shape=pshape, initializer=self.moving_mean_initializer,
                                           trainable=False, name="moving_mean")
        self.moving_variance = self.add_weight(shape=pshape, initializer=self.moving_variance_initializer,
                                               trainable=False, name="moving_variance")
        self._ndim = len(shape)
        self._ax = ax
        self._size = int(size)
        self._reduction_axes = tuple(i for i in range(len(shape)) if i != ax)
        self._bshape = tuple(int(size) if i == ax else 1 for i in range(len(shape)))
        self.built = True

    def call(self, inputs: Tensor, training: Optional[bool] = None, mask: Any = None) -> Tensor:
        shape = inputs.shape
        if len(shape) != self._ndim or shape[self._ax] != self._size:
            raise ValueError(
                f"Layer '{self.name}' (BatchNormalization) expected inputs of rank {self._ndim} with "
                f"{self._size} features on axis {self.axis}, got inputs of shape {tuple(shape)}"
            )
        owner = f"Layer '{self.name}' (BatchNormalization)"
        m = mask_array(owner, mask)
        if m is not None and m.ndim != len(shape) - 1:
            raise ValueError(f"{owner}: the mask must have one dimension less than the inputs, got mask shape "
                             f"{m.shape} for inputs of shape {tuple(shape)}")
        params = [p for p in (self.gamma, self.beta) if p is not None]
        flags = dict(bshape=self._bshape, eps=self.epsilon, has_gamma=self.gamma is not None,
                     has_beta=self.beta is not None)
        if training and self.trainable and m is not None:
            return self._masked_training(inputs, m)
        if training and self.trainable:
            mean, centered, var = _moments(inputs.data, self._reduction_axes)
            out = _Normalize.apply(inputs, *params, stats=(centered, var), axes=self._reduction_axes, **flags)
            m = self.momentum
            mm, mv = self.moving_mean.data, self.moving_variance.data
            mm[...] = mm * m + mean.reshape(mm.shape).astype(mm.dtype) * (1.0 - m)
            mv[...] = mv * m + var.reshape(mv.shape).astype(mv.dtype) * (1.0 - m)
            return out
        return _Affine.apply(inputs, *params, mean=self.moving_mean.data, var=self.moving_variance.data, **flags)

    def _masked_training(self, inputs: Tensor, mask: np.ndarray) -> Tensor:
        """Training step with statistics over the unmasked entries (Keras's masked moments)."""
        try:
            keep = np.broadcast_to(mask[..., None], inputs.shape)
        except ValueError:
            raise ValueError(f"Layer '{self.name}' (BatchNormalization): a mask of shape {mask.shape} does not fit "
                             f"inputs of shape {tuple(inputs.shape)}") from None
        dtype = inputs.data.dtype
        axes = self._reduction_axes
        zero = dtype.type(0)
        count = keep.sum(axis=axes, keepdims=True).astype(dtype) + dtype.type(epsilon())
        mean = ops.sum(ops.where(keep, inputs, zero), axis=axes, keepdims=True) / count
        diff = ops.where(keep, inputs - mean, zero)
        var = ops.sum(diff * diff, axis=axes, keepdims=True) / count
        scale = 1.0 / ops.sqrt(var + dtype.type(self.epsilon))
        if self.gamma is not None:
            scale = scale * ops.reshape(self.gamma, self._bshape)
        out = inputs * scale - mean * scale
        if self.beta is not None:
            out = out + ops.reshape(self.beta, self._bshape)
        m = self.momentum
        mm, mv = self.moving_mean.data, self.moving_variance.data
        mm[...] = mm * m + mean.data.reshape(mm.shape).astype(mm.dtype) * (1.0 - m)
        mv[...] = mv * m + var.data.reshape(mv.shape).astype(mv.dtype) * (1.0 - m)
        return out

    def compute_output_shape(self, input_shape: Any) -> Any:
        return input_shape

    def get_config(self) -> Dict[str, Any]:
        config = super().get_config()
        config.update({
            "axis": self.axis, "momentum": self.momentum, "epsilon": self.epsilon,
            "center": self.center, "scale": self.scale,
            "beta_initializer": _serialize(self.beta_initializer),
            "gamma_initializer": _serialize(self.gamma_initializer),
            "moving_mean_initializer": _serialize(self.moving_mean_initializer),
            "moving_variance_initializer": _serialize(self.moving_variance_initializer),
            "beta_regularizer": regularizers.serialize(self.beta_regularizer),
            "gamma_regularizer": regularizers.serialize(self.gamma_regularizer),
            "beta_constraint": serialize_constraint(self.beta_constraint),
            "gamma_constraint": serialize_constraint(self.gamma_constraint),
            "synchronized": self.synchronized,
        })
        return config


class LayerNormalization(Layer):
    """Normalizes each sample over `axis`: `gamma * (x - mean) / sqrt(var + epsilon) + beta`.

    Args:
        axis: int or list of ints, the axes normalized (and the shape of gamma/beta).
        epsilon: added to the variance.
        center: learn an offset `beta`.
        scale: learn a scale `gamma`.
        rms_scaling: if True, ignore center/scale and return `x * gamma / sqrt(var + epsilon)`
            (Keras's definition, with the variance about the mean).
        beta_initializer: initializers.
        gamma_initializer: initializers.
        beta_regularizer: penalties.
        gamma_regularizer: penalties.
        beta_constraint: callables applied after each update.
        gamma_constraint: callables applied after each update.
        **kwargs: base `Layer` arguments.

    Raises:
        TypeError: `axis` is not an int or list of ints.
        ValueError: an axis out of range for the input.
    """

    _supports_masking = True

    def __init__(self, axis: Any = -1, epsilon: float = 1e-3, center: bool = True, scale: bool = True,
                 rms_scaling: bool = False, beta_initializer: Any = "zeros", gamma_initializer: Any = "ones",
                 beta_regularizer: Any = None, gamma_regularizer: Any = None, beta_constraint: Any = None,
                 gamma_constraint: Any = None, **kwargs: Any) -> None:
        if isinstance(axis, (list, tuple)):
            if not all(isinstance(a, (int, np.integer)) and not isinstance(a, bool) for a in axis):
                raise TypeError(f"LayerNormalization: axis must be an int or a list of ints, got axis={axis!r}")
            axis = [int(a) for a in axis]
        elif isinstance(axis, (int, np.integer)) and not isinstance(axis, bool):
            axis = int(axis)
        else:
            raise TypeError(f"LayerNormalization: axis must be an int or a list of ints, got axis={axis!r}")
        label = layer_label(self, kwargs)
        inits = (lookup(initializers.get, beta_initializer, label, "beta_initializer"),
                 lookup(initializers.get, gamma_initializer, label, "gamma_initializer"))
        regs = (lookup(regularizers.get, beta_regularizer, label, "beta_regularizer"),
                lookup(regularizers.get, gamma_regularizer, label, "gamma_regularizer"))
        super().__init__(**kwargs)
        self.axis = axis
        self.epsilon = float(epsilon)
        self.center = bool(center)
        self.scale = bool(scale)
        self.rms_scaling = bool(rms_scaling)
        self.beta_initializer, self.gamma_initializer = inits
        self.beta_regularizer, self.gamma_regularizer = regs
        self.beta_constraint = get_constraint(beta_constraint, "LayerNormalization", "beta_constraint")
        self.gamma_constraint = get_constraint(gamma_constraint, "LayerNormalization", "gamma_constraint")
        self.gamma = self.beta = None
        self._ndim: Optional[int] = None

    def _axes_for(self, ndim: int) -> Tuple[int, ...]:
        axes = self.axis if isinstance(self.axis, list) else [self.axis]
        for a in axes:
            if not -ndim <= a < ndim:
                raise ValueError(f"Layer '{self.name}' (LayerNormalization): axis {a} is out of range for "
                                 f"inputs of rank {ndim}")
        return tuple(sorted(a % ndim for a in axes))

    def build(self, input_shape: Any) -> None:
        shape = tuple(input_shape)
        axes = self._axes_for(len(shape))
        pshape = tuple(shape[a] for a in (self.axis if isinstance(self.axis, list) else [self.axis]))
        if any(d is None for d in pshape):
            raise ValueError(f"Layer '{self.name}' (LayerNormalization): the normalized dimensions must be known, "
                             f"got input shape {shape}")
        if self.scale or self.rms_scaling:
            self.gamma = self.add_weight(shape=pshape, initializer=self.gamma_initializer,
                                         regularizer=self.gamma_regularizer, constraint=self.gamma_constraint,
                                         name="gamma")
        if self.center and not self.rms_scaling:
            self.beta = self.add_weight(shape=pshape, initializer=self.beta_initializer,
                                        regularizer=self.beta_regularizer, constraint=self.beta_constraint,
                                        name="beta")
        self._ndim = len(shape)
        self._axes = axes
        self._dims = tuple(shape[a] for a in axes)
        self._bshape = tuple(shape[i] if i in axes else 1 for i in range(len(shape)))
        # gamma's own axis order may differ from the sorted broadcast order (axis=[2, 1]).
        order = self.axis if isinstance(self.axis, list) else [self.axis]
        self._param_perm = None
        norm_order = [a % len(shape) for a in order]
        if norm_order != sorted(norm_order):
            self._param_perm = tuple(np.argsort(norm_order))
        self.built = True

    def _param(self, p: Tensor) -> Tensor:
        return ops.transpose(p, self._param_perm) if self._param_perm is not None else p

    def call(self, inputs: Tensor) -> Tensor:
        shape = inputs.shape
        if len(shape) != self._ndim or tuple(shape[a] for a in self._axes) != self._dims:
            raise ValueError(
                f"Layer '{self.name}' (LayerNormalization) expected inputs of rank {self._ndim} with dimensions "
                f"{self._dims} on axes {self._axes}, got inputs of shape {tuple(shape)}"
            )
        if self.rms_scaling:
            var = ops.var(inputs, axis=self._axes, keepdims=True)
            eps = np.asarray(self.epsilon, dtype=inputs.dtype)
            y = ops.divide(inputs, ops.sqrt(ops.add(var, eps)))
            return ops.multiply(y, ops.reshape(self._param(self.gamma), self._bshape))
        params = [self._param(p) for p in (self.gamma, self.beta) if p is not None]
        _, centered, var = _moments(inputs.data, self._axes)
        return _Normalize.apply(inputs, *params, stats=(centered, var), axes=self._axes, bshape=self._bshape,
                                eps=self.epsilon,
                                has_gamma=self.gamma is not None, has_beta=self.beta is not None)

    def compute_output_shape(self, input_shape: Any) -> Any:
        self._axes_for(len(tuple(input_shape)))
        return input_shape

    def get_config(self) -> Dict[str, Any]:
        config = super().get_config()
        config.update({
            "axis": self.axis, "epsilon": self.epsilon, "center": self.center, "scale": self.scale,
            "rms_scaling": self.rms_scaling,
            **_beta_gamma_config(self),
        })
        return config


class GroupNormalization(Layer):
    """Normalizes each sample within groups of channels: `gamma * (x - mean) / sqrt(var + epsilon) + beta`.

    The `axis` channels are split into `groups` consecutive groups; mean and (biased)
    variance are taken per sample and group, over the group's channels and every other
    non-batch axis. `groups=1` is layer normalization over all non-batch axes with
    per-channel gamma/beta; `groups=channels` is instance normalization.

    Args:
        groups: number of groups; must divide the number of channels.
        axis: the channel axis (default -1).
        epsilon: added to the variance.
        center: learn a per-channel offset `beta`.
        scale: learn a per-channel scale `gamma`.
        beta_initializer: initializer of `beta`.
        gamma_initializer: initializer of `gamma`.
        beta_regularizer: penalties.
        gamma_regularizer: penalties.
        beta_constraint: callables applied after each update.
        gamma_constraint: callables applied after each update.
        **kwargs: base `Layer` arguments.

    Weights, in order: gamma, beta (each `(channels,)`).

    Raises:
        ValueError: a bad `groups`/`axis`; at build, an unknown channel count, more groups than
            channels or a count not divisible by `groups`; at call, a different channel count.
    """

    _supports_masking = True

    def __init__(self, groups: int = 32, axis: int = -1, epsilon: float = 1e-3, center: bool = True,
                 scale: bool = True, beta_initializer: Any = "zeros", gamma_initializer: Any = "ones",
                 beta_regularizer: Any = None, gamma_regularizer: Any = None, beta_constraint: Any = None,
                 gamma_constraint: Any = None, **kwargs: Any) -> None:
        label = layer_label(self, kwargs)
        if isinstance(groups, bool) or not isinstance(groups, (int, np.integer)) or groups < 1:
            raise ValueError(f"{label}: groups must be a positive int, got groups={groups!r}")
        if isinstance(axis, bool) or not isinstance(axis, (int, np.integer)):
            raise ValueError(f"{label}: axis must be an int, got axis={axis!r}")
        inits = (lookup(initializers.get, beta_initializer, label, "beta_initializer"),
                 lookup(initializers.get, gamma_initializer, label, "gamma_initializer"))
        regs = (lookup(regularizers.get, beta_regularizer, label, "beta_regularizer"),
                lookup(regularizers.get, gamma_regularizer, label, "gamma_regularizer"))
        super().__init__(**kwargs)
        self.groups = int(groups)
        self.axis = int(axis)
        self.epsilon = float(epsilon)
        self.center = bool(center)
        self.scale = bool(scale)
        self.beta_initializer, self.gamma_initializer = inits
        self.beta_regularizer, self.gamma_regularizer = regs
        self.beta_constraint = get_constraint(beta_constraint, "GroupNormalization", "beta_constraint")
        self.gamma_constraint = get_constraint(gamma_constraint, "GroupNormalization", "gamma_constraint")
        self.gamma = self.beta = None
        self._ndim: Optional[int] = None

    def build(self, input_shape: Any) -> None:
        shape = tuple(input_shape)
        if len(shape) < 2 or not -len(shape) <= self.axis < len(shape) or self.axis % len(shape) == 0:
            raise ValueError(f"Layer '{self.name}' (GroupNormalization): axis={self.axis} must be a non-batch axis "
                             f"of the inputs, got input shape {shape}")
        ax = self.axis % len(shape)
        channels = shape[ax]
        if channels is None:
            raise ValueError(f"Layer '{self.name}' (GroupNormalization): the channel axis {self.axis} must have a "
                             f"known size, got input shape {shape}")
        if self.groups > channels or channels % self.groups:
            raise ValueError(f"Layer '{self.name}' (GroupNormalization): groups={self.groups} must divide the number "
                             f"of channels ({channels}) and not exceed it; input shape {shape}")
        if self.scale:
            self.gamma = self.add_weight(shape=(channels,), initializer=self.gamma_initializer,
                                         regularizer=self.gamma_regularizer, constraint=self.gamma_constraint,
                                         name="gamma")
        if self.center:
            self.beta = self.add_weight(shape=(channels,), initializer=self.beta_initializer,
                                        regularizer=self.beta_regularizer, constraint=self.beta_constraint,
                                        name="beta")
        self._ndim, self._ax, self._channels = len(shape), ax, int(channels)
        size = self._channels // self.groups
        # grouped layout: the channel axis becomes (groups, channels/groups)
        self._bshape = (1,) * ax + (self.groups, size) + (1,) * (len(shape) - ax - 1)
        self._axes = tuple(i for i in range(1, len(shape) + 1) if i != ax)
        self.built = True

    def call(self, inputs: Tensor) -> Tensor:
        shape = tuple(inputs.shape)
        if len(shape) != self._ndim or shape[self._ax] != self._channels:
            raise ValueError(f"Layer '{self.name}' (GroupNormalization) expected inputs of rank {self._ndim} with "
                             f"{self._channels} channels on axis {self.axis}, got inputs of shape {shape}")
        ax = self._ax
        grouped = ops.reshape(inputs, shape[:ax] + (self.groups, self._channels // self.groups) + shape[ax + 1:])
        _, centered, var = _moments(grouped.data, self._axes)
        params = [p for p in (self.gamma, self.beta) if p is not None]
        y = _Normalize.apply(grouped, *params, stats=(centered, var), axes=self._axes, bshape=self._bshape,
                             eps=self.epsilon, has_gamma=self.gamma is not None, has_beta=self.beta is not None)
        return ops.reshape(y, shape)

    def compute_output_shape(self, input_shape: Any) -> Any:
        return input_shape

    def get_config(self) -> Dict[str, Any]:
        config = super().get_config()
        config.update({
            "groups": self.groups, "axis": self.axis, "epsilon": self.epsilon, "center": self.center,
            "scale": self.scale,
            **_beta_gamma_config(self),
        })
        return config


def _l2_normalize(x: Tensor, axis: Any) -> Tensor:
    """`x / max(||x||_2, 1e-12)` along `axis` (Keras's `ops.normalize`; zero vectors stay zero).

    Args:
        x: the tensor.
        axis: int or tuple of ints.

    Returns:
        The normalized tensor.
    """
    squares = ops.sum(ops.square(x), axis=axis, keepdims=True)
    floor = np.asarray(1e-24, dtype=x.dtype)  # (1e-12)**2: the norm is floored at 1e-12
    return ops.divide(x, ops.sqrt(ops.maximum(squares, floor)))


class UnitNormalization(Layer):
    """Scales each sample to unit L2 norm along `axis`: `x / max(||x||, 1e-12)`.

    Args:
        axis: int or list of ints (default -1).
        **kwargs: base `Layer` arguments.

    Raises:
        ValueError: a bad `axis`; at call, an axis out of range.
    """

    _supports_masking = True

    def __init__(self, axis: Any = -1, **kwargs: Any) -> None:
        if isinstance(axis, (list, tuple)) and all(
                isinstance(a, (int, np.integer)) and not isinstance(a, bool) for a in axis):
            axis = [int(a) for a in axis]
        elif isinstance(axis, (int, np.integer)) and not isinstance(axis, bool):
            axis = int(axis)
        else:
            raise ValueError(f"{layer_label(self, kwargs)}: axis must be an int or a list of ints, got axis={axis!r}")
        super().__init__(**kwargs)
        self.axis = axis
        self.built = True

    def _axes(self, ndim: int) -> Tuple[int, ...]:
        axes = self.axis if isinstance(self.axis, list) else [self.axis]
        if any(not -ndim <= a < ndim for a in axes):
            raise ValueError(f"Layer '{self.name}' (UnitNormalization): axis={self.axis} is out of range for inputs "
                             f"of rank {ndim}")
        return tuple(a % ndim for a in axes)

    def call(self, inputs: Tensor) -> Tensor:
        return _l2_normalize(inputs, self._axes(inputs.ndim))

    def compute_output_shape(self, input_shape: Any) -> Any:
        self._axes(len(tuple(input_shape)))
        return input_shape

    def get_config(self) -> Dict[str, Any]:
        config = super().get_config()
        config["axis"] = self.axis
        return config
