"""Activation functions with Keras 3 names, signatures and defaults (all differentiable).

Where the `numnet.ops` function of the same name already has the activation's signature and
defaults, it *is* the activation (celu, glu, hard_tanh, the shrinks, squareplus, sparsemax, ...);
the functions defined here are the ones that differ from their op (`relu`'s extra arguments, `gelu`'s exact default) or have none (`mish`, `linear`).
"""
from __future__ import annotations

from typing import Any, Optional

import numpy as np

from numnet import ops
from numnet.autograd.function import Function
from numnet.autograd.tensor import Tensor, as_tensor
from numnet.ops.elementwise import (  # noqa: F401 - re-exported as activations
    celu, elu, glu, hard_shrink, hard_sigmoid, hard_silu, hard_swish, hard_tanh, leaky_relu, log_sigmoid, relu6,
    selu, sigmoid, silu, soft_shrink, softplus, softsign, sparse_plus, sparse_sigmoid, sparsemax, squareplus,
    swish, tanh, tanh_shrink, threshold,
)
from numnet.ops.nn import log_softmax, softmax  # noqa: F401 - re-exported as activations

__all__ = [
    "relu", "leaky_relu", "relu6", "elu", "selu", "gelu", "softmax", "log_softmax",
    "softplus", "softsign", "silu", "swish", "sigmoid", "hard_sigmoid", "hard_silu",
    "hard_swish", "tanh", "exponential", "mish", "linear",
    "celu", "glu", "hard_tanh", "hard_shrink", "soft_shrink", "tanh_shrink", "squareplus", "sparse_plus",
    "sparse_sigmoid", "sparsemax", "log_sigmoid", "threshold",
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


def gelu(x: Any, approximate: bool = False) -> Tensor:
    """Gaussian error linear unit `x * Phi(x)`; `approximate=True` uses the tanh formula.

    Args:
        x: input tensor or array-like.
        approximate: True for the tanh approximation, False for the exact erf form.

    Returns:
        A Tensor of `x`'s shape.
    """
    return ops.gelu(x, approximate=approximate)


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
