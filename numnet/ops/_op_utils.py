"""Argument helpers shared by the op modules (not public API): axis normalization, int and
index-array checks, float promotion and constant (non-differentiable) results, so that every
op checks an `axis`, an int argument or an index array, and words its error, the same way.
"""
from __future__ import annotations

from typing import Any, Optional, Tuple

import numpy as np

from numnet.autograd.tensor import DEFAULT_FLOAT, Tensor, as_tensor
from numnet.ops.cast import cast


def normalize_axis(op: str, axis: Any, shape: Tuple[int, ...]) -> Optional[Tuple[int, ...]]:
    """Return `axis` as a sorted tuple of non-negative ints (None stays None).

    Raises:
        TypeError: an axis is not an int.
        ValueError: an axis is out of range for `shape`, or repeated.
    """
    if axis is None:
        return None
    axes = tuple(axis) if isinstance(axis, (tuple, list)) else (axis,)
    ndim = len(shape)
    out = []
    for a in axes:
        if isinstance(a, bool) or not isinstance(a, (int, np.integer)):
            raise TypeError(f"{op}: axis must be an int or a tuple of ints, got {axis!r}")
        if not -ndim <= a < ndim:
            raise ValueError(
                f"{op}: axis {int(a)} is out of range for a tensor of rank {ndim} (shape {shape})"
            )
        out.append(int(a) % ndim)
    if len(set(out)) != len(out):
        raise ValueError(f"{op}: repeated axis in {axis!r} (shape {shape})")
    return tuple(sorted(out))


def _float(a: np.ndarray) -> np.ndarray:
    """`a` itself when floating point, else converted to float32."""
    return a if a.dtype.kind == "f" else a.astype(DEFAULT_FLOAT)


def _float_t(x: Any) -> Tensor:
    """`x` as a floating-point Tensor (integers and bools become float32)."""
    t = as_tensor(x)
    return t if t.dtype.kind == "f" else cast(t, DEFAULT_FLOAT)


def _constant(data: Any) -> Tensor:
    """`data` as a Tensor outside the graph (a result that has no gradient)."""
    return Tensor._from_op(np.asarray(data), None)


def _int(op: str, name: str, value: Any) -> int:
    """`value` as an int; a bool or a non-integer is a TypeError naming `op` and `name`."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{op}: {name} must be an int, got {value!r}")
    return int(value)


def _int_array(op: str, name: str, value: Any) -> np.ndarray:
    """`value` as an intp array; floats holding whole numbers (and empty arrays) are accepted."""
    arr = np.asarray(value.data if isinstance(value, Tensor) else value)
    if arr.dtype.kind in "iu":
        return arr.astype(np.intp, copy=False)
    if arr.dtype.kind == "f" and arr.size and np.all(np.mod(arr, 1) == 0):
        return arr.astype(np.intp)
    if arr.size == 0:
        return arr.astype(np.intp)
    raise TypeError(f"{op}: {name} must be integers, got dtype {arr.dtype} (shape {arr.shape})")


def _one_axis(op: str, axis: Any, shape: Tuple[int, ...]) -> int:
    """A single `axis` (not a tuple) as a non-negative int, checked against `shape`."""
    if isinstance(axis, (tuple, list)):
        raise TypeError(f"{op}: axis must be an int, got {axis!r}")
    return normalize_axis(op, axis, shape)[0]
