"""Activation functions with Keras 3 names, signatures and defaults (all differentiable)."""
from __future__ import annotations

from typing import Any, Optional

import numpy as np

from numnet import ops
from numnet.autograd.function import Function
from numnet.autograd.tensor import Tensor, as_tensor

__all__ = [
    "relu", "leaky_relu", "relu6", "elu", "selu", "gelu", "softmax", "log_softmax",
    "softplus", "softsign", "silu", "swish", "sigmoid", "hard_sigmoid", "hard_silu",
    "hard_swish", "tanh", "exponential", "mish", "linear",
]


class _ParametricReLU(Function):
    """Keras's general relu: slope `negative_slope` below `threshold`, clipped at `max_value`."""

    def forward(self, x, negative_slope=0.0, max_value=None, threshold=0.0):
        above = x > threshold
        y = np.where(above, np.maximum(x, 0), negative_slope * (x - threshold))
        slope = np.where(above, (x > 0).astype(x.dtype), np.asarray(negative_slope, dtype=x.dtype))
        if max_value is not None:
            clipped = above & (x >= max_value)
            y = np.where(clipped, max_value, y)
            slope = np.where(clipped, 0, slope)
        self.slope = slope.astype(x.dtype, copy=False)
        return y.astype(x.dtype, copy=False)

    def backward(self, grad):
        return (grad * self.slope,)


def relu(x: Any, negative_slope: float = 0.0, max_value: Optional[float] = None,
         threshold: float = 0.0) -> Tensor:
    """Rectified linear unit; with defaults `max(x, 0)`.

    Args:
        x: input tensor.
        negative_slope: slope for values below `threshold`.
        max_value: saturation value (None: unbounded).
        threshold: values below it are damped (multiplied by `negative_slope`).
    """
    if negative_slope == 0.0 and max_value is None and threshold == 0.0:
        return ops.relu(x)
    if max_value is None and threshold == 0.0:
        return ops.leaky_relu(x, negative_slope=negative_slope)
    return _ParametricReLU.apply(x, negative_slope=float(negative_slope),
                                 max_value=None if max_value is None else float(max_value),
                                 threshold=float(threshold))


def leaky_relu(x: Any, negative_slope: float = 0.2) -> Tensor:
    """`x` for x >= 0, `negative_slope * x` otherwise.

    Args:
        x: input tensor or array-like.
        negative_slope: slope applied to negative inputs.

    Returns:
        A Tensor of `x`'s shape.
    """
    return ops.leaky_relu(x, negative_slope=negative_slope)


def relu6(x: Any) -> Tensor:
    """`min(max(x, 0), 6)`.

    Args:
        x: input tensor or array-like.

    Returns:
        A Tensor of `x`'s shape.
    """
    return ops.relu6(x)


def elu(x: Any, alpha: float = 1.0) -> Tensor:
    """Exponential linear unit: `x` for x > 0, `alpha * (exp(x) - 1)` otherwise.

    Args:
        x: input tensor or array-like.
        alpha: scale of the negative part, `alpha * (exp(x) - 1)`.

    Returns:
        A Tensor of `x`'s shape.
    """
    return ops.elu(x, alpha=alpha)


def selu(x: Any) -> Tensor:
    """Scaled ELU with alpha=1.67326324, scale=1.05070098.

    Args:
        x: input tensor or array-like.

    Returns:
        A Tensor of `x`'s shape.
    """
    return ops.selu(x)


def gelu(x: Any, approximate: bool = False) -> Tensor:
    """Gaussian error linear unit `x * Phi(x)`; `approximate=True` uses the tanh formula.

    Args:
        x: input tensor or array-like.
        approximate: True for the tanh approximation, False for the exact erf form.

    Returns:
        A Tensor of `x`'s shape.
    """
    return ops.gelu(x, approximate=approximate)


def softmax(x: Any, axis: int = -1) -> Tensor:
    """`exp(x) / sum(exp(x))` along `axis`.

    Args:
        x: input tensor or array-like.
        axis: axis to normalise over.

    Returns:
        A Tensor of `x`'s shape.
    """
    return ops.softmax(x, axis=axis)


def log_softmax(x: Any, axis: int = -1) -> Tensor:
    """`x - logsumexp(x)` along `axis`.

    Args:
        x: input tensor or array-like.
        axis: axis to normalise over.

    Returns:
        A Tensor of `x`'s shape.
    """
    return ops.log_softmax(x, axis=axis)


def softplus(x: Any) -> Tensor:
    """`log(exp(x) + 1)`.

    Args:
        x: input tensor or array-like.

    Returns:
        A Tensor of `x`'s shape.
    """
    return ops.softplus(x)


def softsign(x: Any) -> Tensor:
    """`x / (abs(x) + 1)`.

    Args:
        x: input tensor or array-like.

    Returns:
        A Tensor of `x`'s shape.
    """
    return ops.softsign(x)


def silu(x: Any) -> Tensor:
    """Swish / SiLU: `x * sigmoid(x)`.

    Args:
        x: input tensor or array-like.

    Returns:
        A Tensor of `x`'s shape.
    """
    return ops.silu(x)


swish = silu


def sigmoid(x: Any) -> Tensor:
    """`1 / (1 + exp(-x))`.

    Args:
        x: input tensor or array-like.

    Returns:
        A Tensor of `x`'s shape.
    """
    return ops.sigmoid(x)


def hard_sigmoid(x: Any) -> Tensor:
    """Piecewise linear sigmoid: `relu6(x + 3) / 6` (0 below -3, 1 above 3).

    Args:
        x: input tensor or array-like.

    Returns:
        A Tensor of `x`'s shape.
    """
    return ops.hard_sigmoid(x)


def hard_silu(x: Any) -> Tensor:
    """Hard swish: `x * hard_sigmoid(x)`.

    Args:
        x: input tensor or array-like.

    Returns:
        A Tensor of `x`'s shape.
    """
    x = as_tensor(x)
    return ops.multiply(x, ops.hard_sigmoid(x))


hard_swish = hard_silu


def tanh(x: Any) -> Tensor:
    """Hyperbolic tangent.

    Args:
        x: input tensor or array-like.

    Returns:
        A Tensor of `x`'s shape.
    """
    return ops.tanh(x)


def exponential(x: Any) -> Tensor:
    """`exp(x)`.

    Args:
        x: input tensor or array-like.

    Returns:
        A Tensor of `x`'s shape.
    """
    return ops.exp(x)


def mish(x: Any) -> Tensor:
    """`x * tanh(softplus(x))`.

    Args:
        x: input tensor or array-like.

    Returns:
        A Tensor of `x`'s shape.
    """
    x = as_tensor(x)
    return ops.multiply(x, ops.tanh(ops.softplus(x)))


def linear(x: Any) -> Any:
    """The identity (returns `x` unchanged).

    Args:
        x: input tensor or array-like.

    Returns:
        A Tensor of `x`'s shape.
    """
    return x
