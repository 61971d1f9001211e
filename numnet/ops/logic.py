"""Logical and predicate ops, and index-valued results (not differentiable): logical_and/or/
not/xor, isnan/isinf/isfinite, count_nonzero, nonzero, argsort, unique.

Predicates return bool tensors; counts and indices are int32, as in Keras.
"""
from __future__ import annotations

from typing import Any, Optional, Tuple, Union

import numpy as np

from numnet.autograd.tensor import Tensor, as_tensor
from numnet.ops._op_utils import _constant, normalize_axis

__all__ = [
    "logical_and", "logical_or", "logical_not", "logical_xor", "isnan", "isinf", "isfinite",
    "count_nonzero", "nonzero", "argsort", "unique",
]


def _values(x: Any) -> np.ndarray:
    return x.data if isinstance(x, Tensor) else as_tensor(x).data


def _binary(op: str, ufunc: np.ufunc, x1: Any, x2: Any) -> Tensor:
    a, b = _values(x1), _values(x2)
    try:
        return _constant(ufunc(a, b))
    except ValueError:
        raise ValueError(f"{op}: shapes {a.shape} and {b.shape} cannot be broadcast together") from None


def logical_and(x1: Any, x2: Any) -> Tensor:
    """Elementwise truth of `x1 and x2` (non-zero is true).

    Args:
        x1: first operand.
        x2: second operand, broadcast against `x1`.

    Returns:
        A bool Tensor.
    """
    return _binary("logical_and", np.logical_and, x1, x2)


def logical_or(x1: Any, x2: Any) -> Tensor:
    """Elementwise truth of `x1 or x2` (non-zero is true).

    Args:
        x1: first operand.
        x2: second operand, broadcast against `x1`.

    Returns:
        A bool Tensor.
    """
    return _binary("logical_or", np.logical_or, x1, x2)


def logical_xor(x1: Any, x2: Any) -> Tensor:
    """Elementwise truth of exactly one of `x1`, `x2` (non-zero is true).

    Args:
        x1: first operand.
        x2: second operand, broadcast against `x1`.

    Returns:
        A bool Tensor.
    """
    return _binary("logical_xor", np.logical_xor, x1, x2)


def logical_not(x: Any) -> Tensor:
    """Elementwise `not x` (zero becomes True).

    Args:
        x: input tensor.

    Returns:
        A bool Tensor.
    """
    return _constant(np.logical_not(_values(x)))


def isnan(x: Any) -> Tensor:
    """Elementwise test for NaN (always False for integers).

    Args:
        x: input tensor.

    Returns:
        A bool Tensor.
    """
    return _constant(np.isnan(_values(x)))


def isinf(x: Any) -> Tensor:
    """Elementwise test for positive or negative infinity.

    Args:
        x: input tensor.

    Returns:
        A bool Tensor.
    """
    return _constant(np.isinf(_values(x)))


def isfinite(x: Any) -> Tensor:
    """Elementwise test for finite values (not NaN, not infinite).

    Args:
        x: input tensor.

    Returns:
        A bool Tensor.
    """
    return _constant(np.isfinite(_values(x)))


def count_nonzero(x: Any, axis: Any = None) -> Tensor:
    """Number of non-zero elements over `axis`.

    Args:
        x: input tensor.
        axis: int, tuple of ints, or None (all axes).

    Returns:
        An int32 Tensor.
    """
    data = _values(x)
    axes = normalize_axis("count_nonzero", axis, data.shape)
    return _constant(np.count_nonzero(data, axis=axes).astype(np.int32))


def nonzero(x: Any) -> Tuple[Tensor, ...]:
    """Indices of the non-zero elements, one int32 tensor per axis (as `np.nonzero`).

    Args:
        x: input tensor.

    Returns:
        A tuple of `x.ndim` int32 Tensors (a 0-d input counts as 1-D).
    """
    data = np.atleast_1d(_values(x))
    return tuple(_constant(i.astype(np.int32)) for i in np.nonzero(data))


def argsort(x: Any, axis: Optional[int] = -1) -> Tensor:
    """Indices that sort `x` along `axis` (stable: equal values keep their order).

    Args:
        x: input tensor.
        axis: the axis to sort along; None sorts the flattened tensor.

    Returns:
        An int32 Tensor of `x`'s shape (flattened when `axis` is None).

    Raises:
        ValueError: `axis` is out of range.
    """
    data = _values(x)
    if axis is None:
        data, axis = data.reshape(-1), 0
    if data.ndim == 0:
        raise ValueError("argsort: cannot sort a scalar (shape ())")
    if isinstance(axis, (tuple, list)):
        raise TypeError(f"argsort: axis must be an int or None, got {axis!r}")
    ax = normalize_axis("argsort", axis, data.shape)[0]
    return _constant(np.argsort(data, axis=ax, kind="stable").astype(np.int32))


def _pad(arr: np.ndarray, size: int, axis: int, fill: Any) -> np.ndarray:
    n = arr.shape[axis]
    if n >= size:
        return np.take(arr, np.arange(size), axis=axis)
    pad_shape = list(arr.shape)
    pad_shape[axis] = size - n
    return np.concatenate([arr, np.full(pad_shape, fill, dtype=arr.dtype)], axis=axis)


def unique(x: Any, sorted: bool = True, return_index: bool = False, return_inverse: bool = False,  # noqa: A002
           return_counts: bool = False, axis: Optional[int] = None, size: Optional[int] = None,
           fill_value: Any = None) -> Union[Tensor, Tuple[Tensor, ...]]:
    """The unique elements of `x` (sorted), optionally with indices and counts.

    Args:
        x: input tensor.
        sorted: sort the unique values (they always are here, as on JAX).
        return_index: also return the index of each value's first occurrence.
        return_inverse: also return, for each element of `x`, the index of its unique value.
        return_counts: also return how often each unique value occurs.
        axis: treat the sub-arrays along this axis as the elements (None: flatten `x`).
        size: pad (with `fill_value`) or truncate the result to this many unique elements.
        fill_value: the padding value when `size` is larger (default 0); indices and
            counts are padded with 0.

    Returns:
        The unique values, or a tuple `(values, [index], [inverse], [counts])` in that order;
        the index, inverse and count tensors are int32.

    Raises:
        ValueError: `size` is negative or `axis` is out of range.
    """
    data = _values(x)
    ax = None
    if axis is not None:
        if isinstance(axis, (tuple, list)):
            raise TypeError(f"unique: axis must be an int or None, got {axis!r}")
        ax = normalize_axis("unique", axis, data.shape)[0]
    values, index, inverse, counts = np.unique(data, return_index=True, return_inverse=True,
                                               return_counts=True, axis=ax)
    if size is not None:
        if isinstance(size, bool) or not isinstance(size, (int, np.integer)) or size < 0:
            raise ValueError(f"unique: size must be a non-negative int, got {size!r}")
        values = _pad(values, int(size), 0 if ax is None else ax, 0 if fill_value is None else fill_value)
        index, counts = _pad(index, int(size), 0, 0), _pad(counts, int(size), 0, 0)
    out = [_constant(values)]
    if return_index:
        out.append(_constant(index.astype(np.int32)))
    if return_inverse:
        inv = inverse.reshape(data.shape) if ax is None else inverse.reshape(-1)
        out.append(_constant(inv.astype(np.int32)))
    if return_counts:
        out.append(_constant(counts.astype(np.int32)))
    return out[0] if len(out) == 1 else tuple(out)
