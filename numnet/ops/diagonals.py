"""Diagonals and triangles of matrices (batched over the other axes): diagonal, diag, trace,
tril, triu. Each is linear in its input, so the gradient is the same selection run backwards:
scattered back onto the diagonal, or masked to the kept triangle.
"""
from __future__ import annotations

from typing import Any, Tuple

import numpy as np

from numnet.autograd.function import Function
from numnet.autograd.tensor import Tensor, as_tensor
from numnet.ops._op_utils import _int, normalize_axis
from numnet.ops.reduction import sum as _sum

__all__ = ["diagonal", "diag", "trace", "tril", "triu"]


def _diag_index(n: int, m: int, offset: int) -> Tuple[np.ndarray, np.ndarray]:
    rows = np.arange(max(0, -offset), min(n, m - offset)) if -n < offset < m else np.arange(0)
    return rows, rows + offset


class Diagonal(Function):
    def forward(self, x, offset, axis1, axis2):
        self.shape, self.dtype, self.args = x.shape, x.dtype, (offset, axis1, axis2)
        return np.diagonal(x, offset, axis1, axis2).copy()

    def backward(self, grad):
        offset, a1, a2 = self.args
        g = np.zeros(self.shape, dtype=grad.dtype)
        view = np.moveaxis(g, (a1, a2), (-2, -1))
        rows, cols = _diag_index(self.shape[a1], self.shape[a2], offset)
        view[..., rows, cols] = grad
        return (g,)


def diagonal(x: Any, offset: int = 0, axis1: int = 0, axis2: int = 1) -> Tensor:
    """The diagonal of the 2-D sub-arrays on axes (`axis1`, `axis2`), moved to the last axis.

    Args:
        x: input tensor of rank >= 2.
        offset: which diagonal (positive above the main one).
        axis1: the first axis of the 2-D sub-arrays.
        axis2: the second axis of the 2-D sub-arrays.

    Returns:
        A Tensor of rank `x.ndim - 1`.

    Raises:
        ValueError: `x` has rank < 2 or the axes are out of range or equal.
    """
    t = as_tensor(x)
    if t.ndim < 2:
        raise ValueError(f"diagonal: input must have rank >= 2, got shape {t.shape}")
    a1, a2 = (normalize_axis("diagonal", a, t.shape)[0] for a in (axis1, axis2))
    if a1 == a2:
        raise ValueError(f"diagonal: axis1 and axis2 must differ, got {axis1} and {axis2} (shape {t.shape})")
    return Diagonal.apply(t, offset=_int("diagonal", "offset", offset), axis1=a1, axis2=a2)


class DiagMatrix(Function):
    def forward(self, v, k):
        self.k = k
        return np.diag(v, k)

    def backward(self, grad):
        return (np.diagonal(grad, self.k).copy(),)


def diag(x: Any, k: int = 0) -> Tensor:
    """Build a matrix with `x` on diagonal `k` (1-D `x`) or extract diagonal `k` (2-D `x`).

    Args:
        x: a 1-D or 2-D tensor.
        k: the diagonal (0 the main one, positive above it).

    Returns:
        A 2-D Tensor (from 1-D input) or a 1-D Tensor (from 2-D input).

    Raises:
        ValueError: `x` is not 1-D or 2-D.
    """
    t = as_tensor(x)
    k = _int("diag", "k", k)
    if t.ndim == 1:
        return DiagMatrix.apply(t, k=k)
    if t.ndim == 2:
        return diagonal(t, offset=k)
    raise ValueError(f"diag: input must be 1-D or 2-D, got shape {t.shape}")


def trace(x: Any, offset: int = 0, axis1: int = 0, axis2: int = 1) -> Tensor:
    """Sum along a diagonal of the 2-D sub-arrays on axes (`axis1`, `axis2`).

    Args:
        x: input tensor of rank >= 2.
        offset: which diagonal (positive above the main one).
        axis1: the first axis of the 2-D sub-arrays.
        axis2: the second axis of the 2-D sub-arrays.

    Returns:
        A Tensor of rank `x.ndim - 2`, of `x`'s dtype (bool gives int32).
    """
    d = diagonal(x, offset, axis1, axis2)
    dtype = d.dtype if d.dtype.kind != "b" else np.dtype(np.int32)
    return _sum(d, axis=-1, dtype=dtype)


class _Triangle(Function):
    upper = False

    def forward(self, x, k):
        n, m = x.shape[-2:]
        self.mask = ~np.tri(n, m, k - 1, dtype=bool) if self.upper else np.tri(n, m, k, dtype=bool)
        return np.where(self.mask, x, np.zeros((), dtype=x.dtype))

    def backward(self, grad):
        return (grad * self.mask,)


class Tril(_Triangle):
    upper = False


class Triu(_Triangle):
    upper = True


def _triangle(op: str, cls: type, x: Any, k: Any) -> Tensor:
    t = as_tensor(x)
    if t.ndim < 2:
        raise ValueError(f"{op}: input must have rank >= 2, got shape {t.shape}")
    return cls.apply(t, k=_int(op, "k", k))


def tril(x: Any, k: int = 0) -> Tensor:
    """Zero the entries above diagonal `k` of the last two axes.

    Args:
        x: input tensor of rank >= 2.
        k: the diagonal kept last (0 the main one, positive above it).

    Returns:
        A Tensor of `x`'s shape and dtype.

    Raises:
        ValueError: `x` has rank < 2.
    """
    return _triangle("tril", Tril, x, k)


def triu(x: Any, k: int = 0) -> Tensor:
    """Zero the entries below diagonal `k` of the last two axes.

    Args:
        x: input tensor of rank >= 2.
        k: the first diagonal kept (0 the main one, positive above it).

    Returns:
        A Tensor of `x`'s shape and dtype.

    Raises:
        ValueError: `x` has rank < 2.
    """
    return _triangle("triu", Triu, x, k)
