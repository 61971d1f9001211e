"""The normalization helpers of `keras.ops.nn`: moments (mean and population variance),
normalize (divide by a clamped norm) and batch_normalization (with given statistics). Integer
inputs are computed in float32 (and `moments` of float16 in float32, cast back); every tensor
argument is differentiable.
"""
from __future__ import annotations

from typing import Any, Optional, Tuple

import numpy as np

from numnet.autograd.tensor import Tensor, as_tensor
from numnet.ops._op_utils import _float_t, _one_axis
from numnet.ops.arithmetic import add, divide, multiply, subtract
from numnet.ops.cast import cast
from numnet.ops.elementwise import maximum, sqrt, square
from numnet.ops.nn import EPSILON
from numnet.ops.norms import norm
from numnet.ops.reduction import mean, sum as _sum, var
from numnet.ops.shape import expand_dims, reshape

__all__ = ["moments", "normalize", "batch_normalization"]


def moments(x: Any, axes: Any, keepdims: bool = False, synchronized: bool = False) -> Tuple[Tensor, Tensor]:
    """Mean and (population) variance of `x` over `axes`.

    Args:
        x: input tensor (integers are computed in float32; float16 in float32 and cast back).
        axes: the axes to reduce (an int or a list of ints).
        keepdims: keep the reduced axes as dimensions of length 1.
        synchronized: TensorFlow-only option of Keras; ignored.

    Returns:
        A tuple `(mean, variance)` of Tensors.
    """
    t = _float_t(x)
    low = t.dtype == np.float16
    if low:
        t = cast(t, np.float32)
    m, v = mean(t, axis=axes, keepdims=keepdims), var(t, axis=axes, keepdims=keepdims)
    if low:
        m, v = cast(m, np.float16), cast(v, np.float16)
    return m, v


def normalize(x: Any, axis: Any = -1, order: int = 2, epsilon: Optional[float] = None) -> Tensor:
    """`x / max(norm(x), epsilon)` over `axis` (the `order`-norm).

    Args:
        x: input tensor (integers are computed in float32).
        axis: the axis or axes of the norm.
        order: the norm's order, an int >= 1.
        epsilon: the lower bound of the norm (default 1e-7, Keras's `backend.epsilon()`).

    Returns:
        A Tensor of `x`'s shape.

    Raises:
        ValueError: `order` is not an int >= 1.
    """
    if isinstance(order, bool) or not isinstance(order, (int, np.integer)) or order < 1:
        raise ValueError(f"normalize: order must be an int >= 1, got order={order!r}")
    t = _float_t(x)
    if t.ndim == 0:
        t = expand_dims(t, 0)
    eps = EPSILON if epsilon is None else float(epsilon)
    if order == 2:
        sq = _sum(square(t), axis=axis, keepdims=True)
        denom = sqrt(maximum(sq, np.asarray(eps * eps, dtype=t.dtype)))
    else:
        denom = maximum(norm(t, ord=int(order), axis=axis, keepdims=True), np.asarray(eps, dtype=t.dtype))
    return divide(t, denom)


def batch_normalization(x: Any, mean: Any, variance: Any, axis: int, offset: Any = None,  # noqa: A002
                        scale: Any = None,
                        epsilon: float = 1e-3) -> Tensor:
    """`(x - mean) / sqrt(variance + epsilon) * scale + offset`, statistics along `axis`.

    Args:
        x: input tensor.
        mean: 1-D tensor of length `x.shape[axis]`.
        variance: 1-D tensor of length `x.shape[axis]`.
        axis: the feature axis of `x` the statistics run along.
        offset: optional 1-D shift (beta).
        scale: optional 1-D scale (gamma).
        epsilon: added to the variance.

    Returns:
        A Tensor of `x`'s shape (differentiable in every tensor argument).

    Raises:
        ValueError: a statistic is not 1-D of length `x.shape[axis]`.
    """
    t = _float_t(x)
    ax = _one_axis("batch_normalization", axis, t.shape)
    shape = [1] * t.ndim
    shape[ax] = t.shape[ax]

    def prep(name: str, v: Any) -> Optional[Tensor]:
        if v is None:
            return None
        v = as_tensor(v)
        if v.shape != (t.shape[ax],):
            raise ValueError(f"batch_normalization: {name} must have shape ({t.shape[ax]},) for axis {axis} "
                             f"of x of shape {t.shape}, got {v.shape}")
        if v.dtype != t.dtype:
            v = cast(v, t.dtype)
        return reshape(v, tuple(shape))

    m, v, b, g = prep("mean", mean), prep("variance", variance), prep("offset", offset), prep("scale", scale)
    inv = divide(np.ones((), dtype=t.dtype), sqrt(add(v, np.asarray(epsilon, dtype=t.dtype))))
    if g is not None:
        inv = multiply(inv, g)
    out = multiply(subtract(t, m), inv)
    return add(out, b) if b is not None else out
