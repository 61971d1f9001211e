"""Activation layers with their own arguments: ReLU, LeakyReLU, PReLU, ELU, Softmax."""
from __future__ import annotations

from typing import Any, Dict, Optional

import numpy as np

from numnet import activations, initializers, ops, regularizers
from numnet.autograd.tensor import Tensor
from numnet.layers._layer_utils import get_constraint, layer_label, lookup, mask_array, serialize_constraint
from numnet.layers.layer import Layer

__all__ = ["ReLU", "LeakyReLU", "PReLU", "ELU", "Softmax"]


def _non_negative(owner: str, name: str, value: Any, allow_none: bool = False) -> Optional[float]:
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)) or value < 0:
        raise ValueError(f"{owner}: {name} must be a non-negative float, got {name}={value!r}")
    return float(value)


class _Elementwise(Layer):
    _supports_masking = True  # elementwise: a mask passes through unchanged

    def compute_output_shape(self, input_shape: Any) -> Any:
        return input_shape


class ReLU(_Elementwise):
    """Rectified linear unit: `min(x, max_value)` above `threshold`, `negative_slope * (x - threshold)` below.

    Args:
        max_value: saturation value (None: unbounded).
        negative_slope: slope below the threshold.
        threshold: the threshold.
        **kwargs: base `Layer` arguments.

    Raises:
        ValueError: a negative `max_value`, `negative_slope` or `threshold` (as Keras).
    """

    def __init__(self, max_value: Optional[float] = None, negative_slope: float = 0.0, threshold: float = 0.0,
                 **kwargs: Any) -> None:
        max_value = _non_negative("ReLU", "max_value", max_value, allow_none=True)
        negative_slope = _non_negative("ReLU", "negative_slope", negative_slope)
        threshold = _non_negative("ReLU", "threshold", threshold)
        super().__init__(**kwargs)
        self.max_value = max_value
        self.negative_slope = negative_slope
        self.threshold = float(threshold)
        self.built = True

    def call(self, inputs: Tensor) -> Tensor:
        return activations.relu(inputs, negative_slope=self.negative_slope, max_value=self.max_value,
                                threshold=self.threshold)

    def get_config(self) -> Dict[str, Any]:
        config = super().get_config()
        config.update({"max_value": self.max_value, "negative_slope": self.negative_slope,
                       "threshold": self.threshold})
        return config


class LeakyReLU(_Elementwise):
    """`x` for x >= 0, `negative_slope * x` otherwise.

    Args:
        negative_slope: slope for negative inputs (Keras layer default 0.3).
        **kwargs: base `Layer` arguments (the legacy `alpha` is accepted for negative_slope).

    Raises:
        ValueError: a negative slope.
    """

    def __init__(self, negative_slope: float = 0.3, **kwargs: Any) -> None:
        if "alpha" in kwargs:
            negative_slope = kwargs.pop("alpha")
        negative_slope = _non_negative("LeakyReLU", "negative_slope", negative_slope)
        super().__init__(**kwargs)
        self.negative_slope = negative_slope
        self.built = True

    def call(self, inputs: Tensor) -> Tensor:
        return ops.leaky_relu(inputs, negative_slope=self.negative_slope)

    def get_config(self) -> Dict[str, Any]:
        config = super().get_config()
        config["negative_slope"] = self.negative_slope
        return config


class ELU(_Elementwise):
    """Exponential linear unit: `x` for x > 0, `alpha * (exp(x) - 1)` otherwise.

    Args:
        alpha: scale of the negative part.
        **kwargs: base `Layer` arguments.
    """

    def __init__(self, alpha: float = 1.0, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.alpha = float(alpha)
        self.built = True

    def call(self, inputs: Tensor) -> Tensor:
        return ops.elu(inputs, alpha=self.alpha)

    def get_config(self) -> Dict[str, Any]:
        config = super().get_config()
        config["alpha"] = self.alpha
        return config


class Softmax(_Elementwise):
    """Softmax along `axis` (an int or a list of ints).

    Args:
        axis: the normalized axis or axes.
        **kwargs: base `Layer` arguments.

    Call args:
        mask: optional boolean mask broadcastable to the input (e.g. `(batch, timesteps, 1)` for
            `(batch, timesteps, features)`; 0/1 numbers count as `mask > 0.5`): masked positions
            are left out of the softmax and output 0. When the input carries a mask (from
            `Embedding(mask_zero=True)`, ...), it is passed here, as in Keras.

    Raises:
        ValueError: at call, a mask that does not broadcast to the input.
    """

    def __init__(self, axis: Any = -1, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.axis = list(axis) if isinstance(axis, (list, tuple)) else int(axis)
        self.built = True

    def call(self, inputs: Tensor, mask: Any = None) -> Tensor:
        m = mask_array(f"Layer '{self.name}' (Softmax)", mask, threshold=True)
        if m is not None:
            shape = tuple(inputs.shape)
            if m.ndim > len(shape) or any(a != 1 and a != b for a, b in zip(m.shape[::-1], shape[::-1])):
                raise ValueError(f"Layer '{self.name}' (Softmax): the mask must broadcast to the inputs (each "
                                 f"mask dimension 1 or equal to the input's, counted from the last), got mask "
                                 f"shape {m.shape} for inputs of shape {shape}")
            fill = -3e4 if inputs.dtype == np.float16 else -1e9
            inputs = ops.where(m, inputs, inputs.dtype.type(fill))
        axis = tuple(self.axis) if isinstance(self.axis, list) else self.axis
        out = ops.softmax(inputs, axis=axis)
        if m is not None:
            out = ops.where(m, out, out.dtype.type(0))
        return out

    def get_config(self) -> Dict[str, Any]:
        config = super().get_config()
        config["axis"] = self.axis
        return config


class PReLU(_Elementwise):
    """Parametric ReLU: `x` for x >= 0, `alpha * x` otherwise, with a learned `alpha`.

    `alpha` has the input's shape without the batch axis, with size 1 on `shared_axes`
    (e.g. `shared_axes=[1, 2]` shares one slope per channel across an image).

    Args:
        alpha_initializer: initializer of `alpha` (default zeros: starts as ReLU).
        alpha_regularizer: penalty on `alpha`.
        alpha_constraint: callable applied to `alpha` after each update.
        shared_axes: int or list of ints (1 = first axis after the batch) along which `alpha` is shared.
        **kwargs: base `Layer` arguments.

    Raises:
        ValueError: an unknown initializer/regularizer, a bad `shared_axes`; at build, a shared
            axis out of range or an unknown dimension; at call, an input of another shape.
    """

    def __init__(self, alpha_initializer: Any = "zeros", alpha_regularizer: Any = None, alpha_constraint: Any = None,
                 shared_axes: Any = None, **kwargs: Any) -> None:
        label = layer_label(self, kwargs)
        init = lookup(initializers.get, alpha_initializer, label, "alpha_initializer")
        reg = lookup(regularizers.get, alpha_regularizer, label, "alpha_regularizer")
        if shared_axes is None:
            axes: list = []
        elif isinstance(shared_axes, (int, np.integer)) and not isinstance(shared_axes, bool):
            axes = [int(shared_axes)]
        elif isinstance(shared_axes, (list, tuple)) and all(
                isinstance(a, (int, np.integer)) and not isinstance(a, bool) for a in shared_axes):
            axes = [int(a) for a in shared_axes]
        else:
            raise ValueError(f"{label}: shared_axes must be None, an int or a list of ints, got "
                             f"shared_axes={shared_axes!r}")
        super().__init__(**kwargs)
        self.alpha_initializer = init
        self.alpha_regularizer = reg
        self.alpha_constraint = get_constraint(alpha_constraint, label, "alpha_constraint")
        self.shared_axes = axes if shared_axes is not None else None
        self.alpha = None

    def build(self, input_shape: Any) -> None:
        shape = tuple(input_shape)
        param = list(shape[1:])
        for a in self.shared_axes or []:
            if not 1 <= a < len(shape):
                raise ValueError(f"Layer '{self.name}' (PReLU): shared_axes={self.shared_axes} must be axes "
                                 f"1..{len(shape) - 1} of inputs of shape {shape}")
            param[a - 1] = 1
        if any(d is None for d in param):
            raise ValueError(f"Layer '{self.name}' (PReLU): every non-shared axis must have a known size, got "
                             f"input shape {shape} with shared_axes={self.shared_axes}")
        self.alpha = self.add_weight(shape=tuple(param), initializer=self.alpha_initializer,
                                     regularizer=self.alpha_regularizer, constraint=self.alpha_constraint,
                                     name="alpha")
        self._param_shape = tuple(param)
        self.built = True

    def call(self, inputs: Tensor) -> Tensor:
        tail = tuple(inputs.shape[1:])
        if len(tail) != len(self._param_shape) or any(p != 1 and p != d for p, d in zip(self._param_shape, tail)):
            raise ValueError(f"Layer '{self.name}' (PReLU) has alpha of shape {self._param_shape}, which does not fit "
                             f"inputs of shape {tuple(inputs.shape)}")
        return ops.subtract(ops.relu(inputs), ops.multiply(self.alpha, ops.relu(ops.negative(inputs))))

    def get_config(self) -> Dict[str, Any]:
        config = super().get_config()
        config.update({
            "alpha_initializer": initializers.serialize(self.alpha_initializer),
            "alpha_regularizer": regularizers.serialize(self.alpha_regularizer),
            "alpha_constraint": serialize_constraint(self.alpha_constraint),
            "shared_axes": self.shared_axes,
        })
        return config
