"""Running totals and differences along an axis: cumsum, cumprod, diff. With `axis=None`
the cumulative ops work on the flattened tensor. All three are differentiable; the gradient
of `cumprod` is exact also where the input holds zeros (it does not divide by them).
"""
from __future__ import annotations

from typing import Any, Optional

import numpy as np

from numnet.autograd.function import Function
from numnet.autograd.tensor import Tensor, as_tensor
from numnet.ops._op_utils import _int, _one_axis, normalize_axis
from numnet.ops.arithmetic import subtract
from numnet.ops.cast import cast
from numnet.ops.indexing import get_item
from numnet.ops.shape import ravel

__all__ = ["cumsum", "cumprod", "diff"]


class CumSum(Function):
    def forward(self, x, axis):
        self.shape, self.axis = x.shape, axis
        return np.cumsum(x, axis=axis)

    def backward(self, grad):
        if self.axis is None:
            g = np.cumsum(grad[::-1])[::-1]
            return (g.reshape(self.shape),)
        g = np.flip(np.cumsum(np.flip(grad, self.axis), axis=self.axis), self.axis)
        return (g,)


def cumsum(x: Any, axis: Optional[int] = None, dtype: Any = None) -> Tensor:
    """Cumulative sum along `axis` (of the flattened tensor when None).

    Args:
        x: input tensor or array-like.
        axis: int, or None to work on the flattened tensor.
        dtype: accumulator and output dtype (default: `x`'s dtype).

    Returns:
        A Tensor.
    """
    data = as_tensor(x).data
    axes = normalize_axis("cumsum", axis, data.shape)
    out = CumSum.apply(x, axis=None if axes is None else axes[0])
    return out if dtype is None else out.astype(dtype)


class CumProd(Function):
    def forward(self, x, axis):
        self.x, self.axis = x, axis
        self.out = np.cumprod(x, axis=axis, dtype=np.int32 if x.dtype.kind == "b" else x.dtype)
        return self.out

    def backward(self, grad):
        x, ax = self.x, self.axis
        if not (x == 0).any():
            acc = np.flip(np.cumsum(np.flip(grad * self.out, ax), axis=ax), ax)
            return (acc / x,)
        # exact with zeros: d out_j / d x_i = prod_{k <= j, k != i} x_k for j >= i
        n = x.shape[ax]
        g = np.zeros_like(x, dtype=grad.dtype)
        for i in range(n):
            xi = np.moveaxis(x.copy(), ax, 0)
            xi[i] = 1
            partial = np.moveaxis(np.cumprod(xi, axis=0), 0, ax)
            part = np.moveaxis(partial * grad, ax, 0)[i:].sum(axis=0)
            np.moveaxis(g, ax, 0)[i] = part
        return (g,)


def cumprod(x: Any, axis: Optional[int] = None, dtype: Any = None) -> Tensor:
    """Cumulative product along `axis` (of the flattened tensor when None).

    Args:
        x: input tensor.
        axis: int, or None to work on the flattened tensor.
        dtype: output dtype (default: `x`'s dtype).

    Returns:
        A Tensor; its gradient is exact also where `x` holds zeros.
    """
    t = as_tensor(x)
    if axis is None:
        t, axis = ravel(t), 0
    out = CumProd.apply(t, axis=_one_axis("cumprod", axis, t.shape))
    return out if dtype is None else cast(out, dtype)


def diff(a: Any, n: int = 1, axis: int = -1) -> Tensor:
    """The `n`-th discrete difference `a[i + 1] - a[i]` along `axis`.

    Args:
        a: input tensor.
        n: how many times to take the difference (0 returns `a`).
        axis: the axis along which to take it.

    Returns:
        A Tensor whose `axis` is `n` shorter.

    Raises:
        ValueError: `n` is negative or `axis` is out of range.
    """
    t = as_tensor(a)
    n = _int("diff", "n", n)
    if n < 0:
        raise ValueError(f"diff: order n must be non-negative, got {n}")
    if t.ndim == 0:
        raise ValueError("diff: input must have rank >= 1, got a scalar (shape ())")
    ax = _one_axis("diff", axis, t.shape)
    lead = (slice(None),) * ax
    for _ in range(n):
        t = subtract(get_item(t, lead + (slice(1, None),)), get_item(t, lead + (slice(None, -1),)))
    return t
