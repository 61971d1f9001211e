"""Activation layers with their own arguments: ReLU, LeakyReLU, ELU, Softmax."""
from __future__ import annotations

from typing import Any, Dict, Optional

import numpy as np

from numnet import activations, ops
from numnet.autograd.tensor import Tensor
from numnet.layers.layer import Layer

__all__ = ["ReLU", "LeakyReLU", "ELU", "Softmax"]


def _non_negative(owner: str, name: str, value: Any, allow_none: bool = False) -> Optional[float]:
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)) or value < 0:
        raise ValueError(f"{owner}: {name} must be a non-negative float, got {name}={value!r}")
    return float(value)


class _Elementwise(Layer):
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
        mask: optional boolean array of the input's shape; masked-out positions get ~0.
    """

    def __init__(self, axis: Any = -1, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.axis = list(axis) if isinstance(axis, (list, tuple)) else int(axis)
        self.built = True

    def call(self, inputs: Tensor, mask: Any = None) -> Tensor:
        if mask is not None:
            m = np.asarray(getattr(mask, "data", mask)).astype(inputs.dtype)
            inputs = ops.add(inputs, (1.0 - m) * inputs.dtype.type(-1e9))
        axis = tuple(self.axis) if isinstance(self.axis, list) else self.axis
        return ops.softmax(inputs, axis=axis)

    def get_config(self) -> Dict[str, Any]:
        config = super().get_config()
        config["axis"] = self.axis
        return config
