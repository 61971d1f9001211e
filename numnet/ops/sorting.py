"""Sorting and order statistics: sort, top_k, quantile, median. All of them are differentiable
through the sorting permutation: the gradient goes back to the elements that were picked
(for `quantile`'s "linear" and "midpoint" methods, split between the two neighbours), while
`top_k`'s indices are int32 constants, as in Keras. Ties keep their original order (a stable
sort), so the lower index comes first.
"""
from __future__ import annotations

from typing import Any, Optional, Tuple

import numpy as np

from numnet.autograd.function import Function
from numnet.autograd.tensor import Tensor, as_tensor
from numnet.ops._op_utils import _constant, _float_t, _int, _one_axis, normalize_axis
from numnet.ops.arithmetic import add, multiply
from numnet.ops.shape import moveaxis, ravel, reshape, take, take_along_axis

__all__ = ["sort", "top_k", "quantile", "median"]


class Sort(Function):
    def forward(self, x, axis):
        self.axis, self.shape = axis, x.shape
        self.idx = np.argsort(x, axis=axis, kind="stable")
        return np.take_along_axis(x, self.idx, axis=axis)

    def backward(self, grad):
        g = np.empty(self.shape, dtype=grad.dtype)
        np.put_along_axis(g, self.idx, grad, axis=self.axis)
        return (g,)


def sort(x: Any, axis: Optional[int] = -1) -> Tensor:
    """Sort along `axis` in ascending order (the gradient follows the permutation).

    Args:
        x: input tensor.
        axis: the axis to sort along; None sorts the flattened tensor.

    Returns:
        A Tensor of the same dtype.

    Raises:
        ValueError: `axis` is out of range (or `x` is a scalar).
    """
    t = as_tensor(x)
    if axis is None:
        t, axis = ravel(t), 0
    if t.ndim == 0:
        raise ValueError("sort: cannot sort a scalar (shape ())")
    return Sort.apply(t, axis=_one_axis("sort", axis, t.shape))


def top_k(x: Any, k: int, sorted: bool = True) -> Tuple[Tensor, Tensor]:  # noqa: A002 - keras name
    """The `k` largest entries along the last axis and their int32 indices.

    Ties keep the lower index first. The values are differentiable (the gradient goes to the
    positions picked); the indices are not.

    Args:
        x: input tensor of rank >= 1.
        k: how many entries to keep, `0 <= k <= x.shape[-1]`.
        sorted: return them in descending order (they always are here, as on JAX).

    Returns:
        A tuple `(values, indices)`, each of shape `x.shape[:-1] + (k,)`.

    Raises:
        TypeError: `k` is not an int.
        ValueError: `x` is a scalar or `k` is out of range.
    """
    t = as_tensor(x)
    k = _int("top_k", "k", k)
    if t.ndim == 0:
        raise ValueError("top_k: input must have rank >= 1, got a scalar (shape ())")
    n = t.shape[-1]
    if not 0 <= k <= n:
        raise ValueError(f"top_k: k must be in [0, {n}] for a last axis of length {n}, got k={k} (shape {t.shape})")
    data = t.data
    key = -data.astype(np.float64) if data.dtype.kind in "biu" else -data
    idx = np.argsort(key, axis=-1, kind="stable")[..., :k]
    return take_along_axis(t, idx, axis=-1), _constant(idx.astype(np.int32))


# ----- order statistics ------------------------------------------------------------------
_QUANTILE_METHODS = ("linear", "lower", "higher", "midpoint", "nearest")


def quantile(x: Any, q: Any, axis: Any = None, method: str = "linear", keepdims: bool = False) -> Tensor:
    """The `q`-th quantile(s) of `x` over `axis` (NumPy's definitions of the methods).

    Differentiable through the sort: the gradient goes to the one or two order statistics
    each quantile is made of. With `method="nearest"`, a quantile exactly halfway between
    two order statistics takes the lower one (as Keras on JAX).

    Args:
        x: input tensor (integers are computed in float32).
        q: a probability or a 1-D sequence of probabilities, each in [0, 1].
        axis: int, tuple of ints, or None for the flattened tensor.
        method: "linear", "lower", "higher", "midpoint" or "nearest".
        keepdims: keep the reduced axes as dimensions of length 1.

    Returns:
        A float Tensor; with a sequence `q` its first axis runs over the probabilities.

    Raises:
        ValueError: `q` is outside [0, 1], `method` is unknown, `axis` is bad or `x` is empty.
    """
    t = _float_t(x)
    if method not in _QUANTILE_METHODS:
        raise ValueError(f"quantile: method must be one of {_QUANTILE_METHODS}, got {method!r}")
    qs = np.asarray(q.data if isinstance(q, Tensor) else q, dtype=np.float64)
    if qs.ndim > 1:
        raise ValueError(f"quantile: q must be a number or 1-D, got shape {qs.shape}")
    if qs.size and (np.isnan(qs).any() or qs.min() < 0 or qs.max() > 1):
        raise ValueError(f"quantile: q must be in [0, 1], got {qs.tolist()!r}")
    shape = t.shape
    axes = normalize_axis("quantile", axis, shape)
    axes = tuple(range(t.ndim)) if axes is None else axes
    kept = [i for i in range(t.ndim) if i not in axes]
    n = int(np.prod([shape[a] for a in axes], dtype=np.int64))
    if n == 0:
        raise ValueError(f"quantile: cannot take a quantile over an empty axis (shape {shape}, axis {axis!r})")
    flat = reshape(moveaxis(t, axes, tuple(range(t.ndim - len(axes), t.ndim))) if axes else t,
                   tuple(shape[i] for i in kept) + (n,))
    ordered = sort(flat, axis=-1)
    pos = np.atleast_1d(qs) * (n - 1)
    lo = np.floor(pos).astype(np.intp)
    hi = np.minimum(lo + 1, n - 1)
    frac = pos - lo
    if method == "lower":
        out = take(ordered, lo, axis=-1)
    elif method == "higher":
        out = take(ordered, np.ceil(pos).astype(np.intp), axis=-1)
    elif method == "nearest":
        out = take(ordered, np.where(frac <= 0.5, lo, hi), axis=-1)
    else:
        lo_v, hi_v = take(ordered, lo, axis=-1), take(ordered, hi, axis=-1)
        if method == "midpoint":
            w = np.where(frac > 0, 0.5, 0.0).astype(t.dtype)
        else:
            w = frac.astype(t.dtype)
        out = add(multiply(lo_v, (1 - w).astype(t.dtype)), multiply(hi_v, w))
    out = moveaxis(out, -1, 0)  # (len(q),) + kept shape
    if keepdims:
        out = reshape(out, (out.shape[0],) + tuple(1 if i in axes else shape[i] for i in range(len(shape))))
    return reshape(out, out.shape[1:]) if qs.ndim == 0 else out


def median(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:
    """Median of `x` over `axis` (the mean of the two middle values for even counts).

    Args:
        x: input tensor (integers are computed in float32).
        axis: int, tuple of ints, or None for the flattened tensor.
        keepdims: keep the reduced axes as dimensions of length 1.

    Returns:
        A float Tensor (differentiable through the sort).
    """
    return quantile(x, 0.5, axis=axis, method="midpoint", keepdims=keepdims)
