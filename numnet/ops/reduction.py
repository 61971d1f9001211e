"""Reductions: sum, mean, max, min, var, std, logsumexp, prod, argmax/argmin, all/any.

`axis` is an int, a tuple/list of ints (negative values count from the end) or None
(all axes); `keepdims=True` keeps each reduced axis with length 1.

Gradient conventions: `max`/`min` send the gradient to every position holding the extreme
value, split evenly among ties (as TensorFlow's reduce_max and PyTorch's amax do). `var`
and `std` are population statistics (ddof = 0), as in Keras.
"""
from __future__ import annotations

import builtins
from typing import Any, Optional, Tuple

import numpy as np

from numnet.autograd.function import Function
from numnet.autograd.tensor import Tensor
from numnet.ops._op_utils import _float, normalize_axis

__all__ = [
    "sum", "mean", "max", "min", "amax", "amin", "var", "std", "logsumexp", "prod",
    "argmax", "argmin", "all", "any",
]

Axis = Optional[Any]


def _values(x: Any) -> np.ndarray:
    return x.data if isinstance(x, Tensor) else Tensor(x).data


def _count(shape: Tuple[int, ...], axes: Optional[Tuple[int, ...]]) -> int:
    if axes is None:
        return int(np.prod(shape, dtype=np.int64))
    return int(np.prod([shape[a] for a in axes], dtype=np.int64))


def _keep(grad: np.ndarray, shape: Tuple[int, ...], axes: Optional[Tuple[int, ...]],
          keepdims: bool) -> np.ndarray:
    """Reshape a reduced array so it broadcasts against the input again."""
    if keepdims:
        return grad
    if axes is None:
        return grad.reshape((1,) * len(shape))
    return np.expand_dims(grad, axes)


class Sum(Function):
    def forward(self, x, axes, keepdims, dtype):
        self.shape, self.axes, self.keepdims = x.shape, axes, keepdims
        return np.sum(x, axis=axes, keepdims=keepdims, dtype=dtype)

    def backward(self, grad):
        return (np.broadcast_to(_keep(grad, self.shape, self.axes, self.keepdims), self.shape),)


class Mean(Function):
    def forward(self, x, axes, keepdims):
        self.shape, self.axes, self.keepdims = x.shape, axes, keepdims
        return np.mean(_float(x), axis=axes, keepdims=keepdims)

    def backward(self, grad):
        n = _count(self.shape, self.axes)
        g = grad * (1.0 / n) if n else grad
        return (np.broadcast_to(_keep(g, self.shape, self.axes, self.keepdims), self.shape),)


class _Extreme(Function):
    name: str
    reduce: Any

    def forward(self, x, axes, keepdims, initial):
        if x.size == 0 and initial is None and (axes is None or builtins.any(x.shape[a] == 0 for a in axes)):
            raise ValueError(f"{self.name}: cannot reduce an empty axis without `initial` (shape {x.shape})")
        kwargs = {} if initial is None else {"initial": initial}
        out = self.reduce(x, axis=axes, keepdims=keepdims, **kwargs)
        self.x, self.out, self.axes, self.keepdims = x, out, axes, keepdims
        return out

    def backward(self, grad):
        x, axes = self.x, self.axes
        mask = x == _keep(self.out, x.shape, axes, self.keepdims)
        count = np.asarray(np.sum(mask, axis=axes, keepdims=True, dtype=grad.dtype))
        np.maximum(count, 1, out=count)  # `initial` may win everywhere
        share = _keep(grad, x.shape, axes, self.keepdims) / count
        return (np.multiply(mask, share, dtype=grad.dtype),)


class Max(_Extreme):
    name = "max"
    reduce = staticmethod(np.max)


class Min(_Extreme):
    name = "min"
    reduce = staticmethod(np.min)


class Var(Function):
    def forward(self, x, axes, keepdims):
        x = _float(x)
        self.shape, self.axes, self.keepdims = x.shape, axes, keepdims
        d = x - np.mean(x, axis=axes, keepdims=True)
        self.d = d
        return np.mean(np.square(d), axis=axes, keepdims=keepdims)

    def backward(self, grad):
        n = _count(self.shape, self.axes)
        g = _keep(grad * (2.0 / builtins.max(n, 1)), self.shape, self.axes, self.keepdims)
        return (self.d * g,)


class LogSumExp(Function):
    def forward(self, x, axes, keepdims):
        x = _float(x)
        self.shape, self.axes, self.keepdims = x.shape, axes, keepdims
        m = np.asarray(np.max(x, axis=axes, keepdims=True))
        m[~np.isfinite(m)] = 0
        e = np.asarray(np.subtract(x, m))
        np.exp(e, out=e)
        s = np.sum(e, axis=axes, keepdims=True)
        self.e, self.s = e, s
        with np.errstate(divide="ignore"):  # all -inf: log(0) = -inf is the answer
            out = np.log(s)
        out += m
        if not keepdims:
            out = out.reshape(()) if axes is None else np.squeeze(out, axis=axes)
        return out

    def backward(self, grad):
        g = _keep(grad, self.shape, self.axes, self.keepdims) / self.s
        return (self.e * g,)


class Prod(Function):
    def forward(self, x, axes, keepdims, dtype):
        self.x, self.axes, self.keepdims = x, axes, keepdims
        return np.prod(x, axis=axes, keepdims=keepdims, dtype=dtype)

    def backward(self, grad):
        # d prod / d x_i = product of all the others: exclusive prefix * exclusive suffix
        # products along the reduced axes (no division, so zeros are handled).
        x = self.x
        axes = tuple(range(x.ndim)) if self.axes is None else self.axes
        kept = [a for a in range(x.ndim) if a not in axes]
        moved = np.transpose(x, kept + list(axes))
        lead = moved.shape[: len(kept)]
        flat = moved.reshape(lead + (-1,))
        k = flat.shape[-1]
        others = np.ones_like(flat, dtype=grad.dtype)
        if k > 1:
            np.cumprod(flat[..., :-1], axis=-1, out=others[..., 1:])
            suffix = np.cumprod(flat[..., :0:-1], axis=-1)[..., ::-1]
            others[..., :-1] *= suffix
        g = _keep(grad, x.shape, self.axes, self.keepdims)
        g = np.transpose(np.broadcast_to(g, x.shape), kept + list(axes)).reshape(lead + (-1,))
        others *= g
        inverse = np.argsort(kept + list(axes))
        return (np.transpose(others.reshape(moved.shape), inverse),)


# ----- public functions ------------------------------------------------------------------
def sum(x: Any, axis: Axis = None, keepdims: bool = False, dtype: Any = None) -> Tensor:  # noqa: A001
    """Sum of elements over `axis`.

    Args:
        x: input tensor.
        axis: int, tuple of ints or None (all axes).
        keepdims: keep reduced axes with length 1.
        dtype: accumulator/output dtype (default: x's dtype; NumPy rules for ints).

    Raises:
        ValueError: an axis is out of range (the message names the shape).
    """
    data = _values(x)
    axes = normalize_axis("sum", axis, data.shape)
    return Sum.apply(x, axes=axes, keepdims=bool(keepdims), dtype=dtype)


def mean(x: Any, axis: Axis = None, keepdims: bool = False) -> Tensor:
    """Arithmetic mean over `axis` (float32 for integer input; float32 stays float32).

    Args:
        x: input tensor or array-like.
        axis: int, tuple of ints, or None to reduce over all axes.
        keepdims: keep the reduced axes as dimensions of length 1.

    Returns:
        A Tensor with `axis` reduced (kept as length 1 when `keepdims`).
    """
    axes = normalize_axis("mean", axis, _values(x).shape)
    return Mean.apply(x, axes=axes, keepdims=bool(keepdims))


def max(x: Any, axis: Axis = None, keepdims: bool = False, initial: Any = None) -> Tensor:  # noqa: A001
    """Maximum over `axis`; the gradient is split evenly among tied maxima.

    Args:
        x: input tensor or array-like.
        axis: int, tuple of ints, or None to reduce over all axes.
        keepdims: keep the reduced axes as dimensions of length 1.
        initial: starting value of the reduction (as in NumPy), e.g. for empty slices.

    Returns:
        A Tensor with `axis` reduced (kept as length 1 when `keepdims`).

    Raises:
        ValueError: an axis is out of range, or an empty axis is reduced without `initial`.
    """
    axes = normalize_axis("max", axis, _values(x).shape)
    return Max.apply(x, axes=axes, keepdims=bool(keepdims), initial=initial)


def min(x: Any, axis: Axis = None, keepdims: bool = False, initial: Any = None) -> Tensor:  # noqa: A001
    """Minimum over `axis`; the gradient is split evenly among tied minima.

    Args:
        x: input tensor or array-like.
        axis: int, tuple of ints, or None to reduce over all axes.
        keepdims: keep the reduced axes as dimensions of length 1.
        initial: starting value of the reduction (as in NumPy), e.g. for empty slices.

    Returns:
        A Tensor with `axis` reduced (kept as length 1 when `keepdims`).
    """
    axes = normalize_axis("min", axis, _values(x).shape)
    return Min.apply(x, axes=axes, keepdims=bool(keepdims), initial=initial)


amax = max
amin = min


def var(x: Any, axis: Axis = None, keepdims: bool = False) -> Tensor:
    """Population variance (mean of squared deviations) over `axis`.

    Args:
        x: input tensor or array-like.
        axis: int, tuple of ints, or None to reduce over all axes.
        keepdims: keep the reduced axes as dimensions of length 1.

    Returns:
        A Tensor with `axis` reduced (kept as length 1 when `keepdims`).
    """
    axes = normalize_axis("var", axis, _values(x).shape)
    return Var.apply(x, axes=axes, keepdims=bool(keepdims))


def std(x: Any, axis: Axis = None, keepdims: bool = False) -> Tensor:
    """Population standard deviation over `axis` (sqrt of `var`; infinite gradient at 0).

    Args:
        x: input tensor or array-like.
        axis: int, tuple of ints, or None to reduce over all axes.
        keepdims: keep the reduced axes as dimensions of length 1.

    Returns:
        A Tensor with `axis` reduced (kept as length 1 when `keepdims`).
    """
    from numnet.ops.elementwise import sqrt

    axes = normalize_axis("std", axis, _values(x).shape)
    return sqrt(Var.apply(x, axes=axes, keepdims=bool(keepdims)))


def logsumexp(x: Any, axis: Axis = None, keepdims: bool = False) -> Tensor:
    """log(sum(exp(x))) over `axis`, computed stably (shifted by the maximum).

    Args:
        x: input tensor or array-like.
        axis: int, tuple of ints, or None to reduce over all axes.
        keepdims: keep the reduced axes as dimensions of length 1.

    Returns:
        A Tensor with `axis` reduced (kept as length 1 when `keepdims`).
    """
    axes = normalize_axis("logsumexp", axis, _values(x).shape)
    return LogSumExp.apply(x, axes=axes, keepdims=bool(keepdims))


def prod(x: Any, axis: Axis = None, keepdims: bool = False, dtype: Any = None) -> Tensor:
    """Product of elements over `axis` (gradient exact also where x contains zeros).

    Args:
        x: input tensor or array-like.
        axis: int, tuple of ints, or None to reduce over all axes.
        keepdims: keep the reduced axes as dimensions of length 1.
        dtype: accumulator and output dtype (default: `x`'s dtype).

    Returns:
        A Tensor with `axis` reduced (kept as length 1 when `keepdims`).
    """
    axes = normalize_axis("prod", axis, _values(x).shape)
    return Prod.apply(x, axes=axes, keepdims=bool(keepdims), dtype=dtype)


def _arg(op: str, fn: Any, x: Any, axis: Any, keepdims: bool) -> Tensor:
    data = _values(x)
    if axis is not None:
        if isinstance(axis, (tuple, list)):
            raise TypeError(f"{op}: axis must be an int or None, got {axis!r}")
        axis = normalize_axis(op, axis, data.shape)[0]
    if data.size == 0:
        raise ValueError(f"{op}: cannot take the {op} of an empty tensor (shape {data.shape})")
    return Tensor._from_op(fn(data, axis=axis, keepdims=keepdims).astype(np.int32), None)


def argmax(x: Any, axis: Optional[int] = None, keepdims: bool = False) -> Tensor:
    """Indices (int32) of the maxima along `axis` (of the flattened tensor when None); no grad.

    Args:
        x: input tensor or array-like.
        axis: int, or None for the index into the flattened tensor.
        keepdims: keep the reduced axes as dimensions of length 1.

    Returns:
        An integer Tensor of indices (not differentiable).
    """
    return _arg("argmax", np.argmax, x, axis, keepdims)


def argmin(x: Any, axis: Optional[int] = None, keepdims: bool = False) -> Tensor:
    """Indices (int32) of the minima along `axis` (of the flattened tensor when None); no grad.

    Args:
        x: input tensor or array-like.
        axis: int, or None for the index into the flattened tensor.
        keepdims: keep the reduced axes as dimensions of length 1.

    Returns:
        An integer Tensor of indices (not differentiable).
    """
    return _arg("argmin", np.argmin, x, axis, keepdims)


def all(x: Any, axis: Axis = None, keepdims: bool = False) -> Tensor:  # noqa: A001
    """Whether every element along `axis` is true (bool tensor, no grad).

    Args:
        x: input tensor or array-like.
        axis: int, tuple of ints, or None to reduce over all axes.
        keepdims: keep the reduced axes as dimensions of length 1.

    Returns:
        A boolean Tensor with `axis` reduced (not differentiable).
    """
    data = _values(x)
    axes = normalize_axis("all", axis, data.shape)
    return Tensor._from_op(np.all(data, axis=axes, keepdims=keepdims), None)


def any(x: Any, axis: Axis = None, keepdims: bool = False) -> Tensor:  # noqa: A001
    """Whether any element along `axis` is true (bool tensor, no grad).

    Args:
        x: input tensor or array-like.
        axis: int, tuple of ints, or None to reduce over all axes.
        keepdims: keep the reduced axes as dimensions of length 1.

    Returns:
        A boolean Tensor with `axis` reduced (not differentiable).
    """
    data = _values(x)
    axes = normalize_axis("any", axis, data.shape)
    return Tensor._from_op(np.any(data, axis=axes, keepdims=keepdims), None)
