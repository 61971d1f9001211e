"""Conversion and creation ops named as in `keras.ops`: convert_to_tensor, convert_to_numpy,
stop_gradient, zeros, ones, full, zeros_like, ones_like, full_like, arange, eye, linspace,
meshgrid.

Created values default to float32 (Keras's floatx); `arange` of integers gives int32, as in Keras.
"""
from __future__ import annotations

from typing import Any, Optional, Sequence, Union

import numpy as np

from numnet.autograd.tensor import DEFAULT_FLOAT, Tensor, as_tensor
from numnet.ops._op_utils import _constant, _int
from numnet.ops.shape import broadcast_to, ravel, reshape

__all__ = [
    "convert_to_tensor", "convert_to_numpy", "stop_gradient", "zeros", "ones", "full", "zeros_like",
    "ones_like", "full_like", "arange", "eye", "linspace", "meshgrid",
]

Shape = Union[int, Sequence[int]]


def _dtype(dtype: Any, default: Any = np.float32) -> np.dtype:
    return np.dtype(default if dtype is None else dtype)


def _default_dtype_of(arr: np.ndarray) -> np.dtype:
    """Keras's standardization: Python floats/float64 data -> float32, Python ints -> int32."""
    if arr.dtype == np.float64:
        return np.dtype(np.float32)
    if arr.dtype == np.int64:
        return np.dtype(np.int32)
    return arr.dtype


def convert_to_tensor(x: Any, dtype: Any = None, sparse: Any = None, ragged: Any = None) -> Tensor:
    """`x` as a Tensor (a Tensor of the right dtype is returned as is).

    Args:
        x: a Tensor, NumPy array, number or nested list.
        dtype: target dtype; None keeps the data's dtype, except that float64 becomes float32
            and int64 int32 (as Keras does on its default backend).
        sparse: accepted for Keras compatibility; only None/False is supported.
        ragged: accepted for Keras compatibility; only None/False is supported.

    Returns:
        A Tensor.

    Raises:
        ValueError: `sparse` or `ragged` is True.
    """
    if sparse or ragged:
        raise ValueError("convert_to_tensor: numnet has no sparse or ragged tensors (sparse/ragged must be None)")
    if isinstance(x, Tensor):
        if dtype is None or x.data.dtype == np.dtype(dtype):
            return x
        from numnet.ops.cast import cast

        return cast(x, dtype)
    arr = np.asarray(x)
    if dtype is None:
        dtype = _default_dtype_of(arr)
    return Tensor(arr, dtype=dtype)


def convert_to_numpy(x: Any) -> np.ndarray:
    """The values of `x` as a NumPy array.

    Args:
        x: a Tensor, array or nested list.

    Returns:
        An ndarray (a copy for Tensors).
    """
    if isinstance(x, Tensor):
        return np.array(x.data, copy=True)
    return np.asarray(x)


def stop_gradient(variable: Any) -> Tensor:
    """The same values, cut from the graph.

    Args:
        variable: a Tensor (or array-like).

    Returns:
        A Tensor through which no gradient flows back.
    """
    if isinstance(variable, Tensor):
        return variable.detach()
    return convert_to_tensor(variable)


def zeros(shape: Shape, dtype: Any = None) -> Tensor:
    """A Tensor of zeros.

    Args:
        shape: int or tuple of ints.
        dtype: the dtype (default float32).

    Returns:
        The new Tensor.
    """
    return Tensor(np.zeros(shape, dtype=_dtype(dtype)))


def ones(shape: Shape, dtype: Any = None) -> Tensor:
    """A Tensor of ones.

    Args:
        shape: int or tuple of ints.
        dtype: the dtype (default float32).

    Returns:
        The new Tensor.
    """
    return Tensor(np.ones(shape, dtype=_dtype(dtype)))


def full(shape: Shape, fill_value: Any, dtype: Any = None) -> Tensor:
    """A Tensor filled with `fill_value`.

    Args:
        shape: int or tuple of ints.
        fill_value: the value.
        dtype: the dtype (default float32, Keras's floatx).

    Returns:
        The new Tensor.
    """
    value = np.asarray(getattr(fill_value, "data", fill_value))
    return Tensor(np.full(shape, value, dtype=_dtype(dtype)))


def _like_dtype(x: Any, dtype: Any) -> np.dtype:
    if dtype is not None:
        return np.dtype(dtype)
    return np.asarray(getattr(x, "data", x)).dtype


def zeros_like(x: Any, dtype: Any = None) -> Tensor:
    """Zeros with the shape of `x`.

    Args:
        x: a Tensor or array-like.
        dtype: the dtype (default: that of `x`).

    Returns:
        The new Tensor.
    """
    return Tensor(np.zeros(np.shape(getattr(x, "data", x)), dtype=_like_dtype(x, dtype)))


def ones_like(x: Any, dtype: Any = None) -> Tensor:
    """Ones with the shape of `x`.

    Args:
        x: a Tensor or array-like.
        dtype: the dtype (default: that of `x`).

    Returns:
        The new Tensor.
    """
    return Tensor(np.ones(np.shape(getattr(x, "data", x)), dtype=_like_dtype(x, dtype)))


def full_like(x: Any, fill_value: Any, dtype: Any = None) -> Tensor:
    """`fill_value` with the shape of `x`.

    Args:
        x: a Tensor or array-like.
        fill_value: the value.
        dtype: the dtype (default: that of `x`).

    Returns:
        The new Tensor.
    """
    return Tensor(np.full(np.shape(getattr(x, "data", x)), getattr(fill_value, "data", fill_value),
                          dtype=_like_dtype(x, dtype)))


def arange(start: Any, stop: Any = None, step: Any = None, dtype: Any = None) -> Tensor:
    """Evenly spaced values in `[start, stop)`, as `keras.ops.arange`.

    Args:
        start: the first value (or, when `stop` is None, the end and 0 is the start).
        stop: the end (excluded).
        step: the spacing (default 1).
        dtype: the dtype; None gives int32 for integer arguments and float32 otherwise.

    Returns:
        A 1-D Tensor.
    """
    if stop is None:
        start, stop = 0, start
    if step is None:
        step = 1
    if dtype is None:
        is_float = any(isinstance(v, (float, np.floating)) for v in (start, stop, step))
        dtype = np.float32 if is_float else np.int32
    return Tensor(np.arange(start, stop, step, dtype=np.dtype(dtype)))


def eye(N: int, M: Optional[int] = None, k: int = 0, dtype: Any = None) -> Tensor:
    """A matrix with ones on a diagonal.

    Args:
        N: number of rows.
        M: number of columns (default N).
        k: the diagonal (0 the main one, positive above it).
        dtype: the dtype (default float32).

    Returns:
        An `(N, M)` Tensor.
    """
    return Tensor(np.eye(N, M, k, dtype=_dtype(dtype)))


def linspace(start: Any, stop: Any, num: int = 50, endpoint: bool = True, retstep: bool = False,
             dtype: Any = None, axis: int = 0) -> Any:
    """`num` evenly spaced values from `start` to `stop` (not differentiable).

    Args:
        start: the first value (a number or an array, broadcast against `stop`).
        stop: the last value (included when `endpoint`).
        num: how many values, >= 0.
        endpoint: include `stop`.
        retstep: also return the spacing.
        dtype: output dtype (default float32; an integer dtype floors the values).
        axis: where the new axis goes when `start`/`stop` are arrays.

    Returns:
        A Tensor, or `(samples, step)` when `retstep`.

    Raises:
        ValueError: `num` is negative.
    """
    num = _int("linspace", "num", num)
    if num < 0:
        raise ValueError(f"linspace: num must be non-negative, got {num}")
    s = np.asarray(getattr(start, "data", start), dtype=np.float64)
    e = np.asarray(getattr(stop, "data", stop), dtype=np.float64)
    out, step = np.linspace(s, e, num, endpoint=endpoint, retstep=True, axis=axis)
    target = np.dtype(dtype or DEFAULT_FLOAT)
    if target.kind in "iu":
        out = np.floor(out)
    samples = _constant(out.astype(target))
    if retstep:
        return samples, _constant(np.asarray(step, dtype=target if target.kind == "f" else DEFAULT_FLOAT))
    return samples


def meshgrid(*x: Any, indexing: str = "xy") -> list:
    """Coordinate grids from 1-D coordinate vectors (differentiable in each vector).

    Args:
        *x: 1-D tensors of coordinates (higher ranks are flattened, as NumPy does).
        indexing: "xy" (Cartesian: the first two output axes swapped) or "ij" (matrix).

    Returns:
        A list of Tensors, one per input, all of the grid's shape.

    Raises:
        ValueError: `indexing` is not "xy" or "ij".
    """
    if indexing not in ("xy", "ij"):
        raise ValueError(f"meshgrid: indexing must be 'xy' or 'ij', got {indexing!r}")
    vecs = [ravel(as_tensor(v)) for v in x]
    sizes = [v.shape[0] for v in vecs]
    n = len(vecs)
    if indexing == "xy" and n >= 2:
        sizes[0], sizes[1] = sizes[1], sizes[0]
    out = []
    for i, v in enumerate(vecs):
        pos = i
        if indexing == "xy" and n >= 2 and i < 2:
            pos = 1 - i
        shape = [1] * n
        shape[pos] = v.shape[0]
        out.append(broadcast_to(reshape(v, tuple(shape)), tuple(sizes)))
    return out
