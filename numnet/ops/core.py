"""Conversion and creation ops named as in `keras.ops`: convert_to_tensor, convert_to_numpy,
stop_gradient, zeros, ones, full, zeros_like, ones_like, full_like, arange, eye.

Created values default to float32 (Keras's floatx); `arange` of integers gives int32, as in Keras.
"""
from __future__ import annotations

from typing import Any, Optional, Sequence, Union

import numpy as np

from numnet.autograd.tensor import Tensor

__all__ = [
    "convert_to_tensor", "convert_to_numpy", "stop_gradient", "zeros", "ones", "full", "zeros_like",
    "ones_like", "full_like", "arange", "eye",
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
