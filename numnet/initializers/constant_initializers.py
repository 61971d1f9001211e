"""Deterministic initializers: Zeros, Ones, Constant, Identity."""
from __future__ import annotations

from typing import Any, Dict, Sequence

import numpy as np

from numnet.initializers.initializer import Initializer, _float_dtype, standardize_shape

__all__ = ["Zeros", "Ones", "Constant", "Identity", "IdentityInitializer"]


class Zeros(Initializer):
    """Fill with 0."""

    def __call__(self, shape: Sequence[int], dtype: Any = None) -> np.ndarray:
        return np.zeros(standardize_shape(shape), dtype=_float_dtype(dtype))


class Ones(Initializer):
    """Fill with 1."""

    def __call__(self, shape: Sequence[int], dtype: Any = None) -> np.ndarray:
        return np.ones(standardize_shape(shape), dtype=_float_dtype(dtype))


class Constant(Initializer):
    """Fill with `value` (a scalar, or an array broadcastable to the shape).

    Args:
        value: the constant.
    """

    def __init__(self, value: Any = 0.0) -> None:
        self.value = value

    def __call__(self, shape: Sequence[int], dtype: Any = None) -> np.ndarray:
        shape = standardize_shape(shape)
        value = np.asarray(self.value, dtype=_float_dtype(dtype))
        try:
            return np.array(np.broadcast_to(value, shape), copy=True)
        except ValueError:
            raise ValueError(f"Constant: value of shape {value.shape} cannot fill shape {shape}") from None

    def get_config(self) -> Dict[str, Any]:
        value = self.value
        if isinstance(value, np.ndarray):
            value = value.tolist()
        elif isinstance(value, np.generic):
            value = value.item()
        return {"value": value}


class Identity(Initializer):
    """`gain` times the identity matrix (2-D shapes only; rectangular allowed).

    Args:
        gain: the multiplier.

    Raises:
        ValueError: the shape is not 2-D.
    """

    def __init__(self, gain: float = 1.0) -> None:
        self.gain = gain

    def __call__(self, shape: Sequence[int], dtype: Any = None) -> np.ndarray:
        shape = standardize_shape(shape)
        if len(shape) != 2:
            raise ValueError(f"Identity initializer: the shape must be 2-D, got shape={shape} of rank {len(shape)}")
        dt = _float_dtype(dtype)
        return (np.eye(shape[0], shape[1], dtype=dt) * dt.type(self.gain)).astype(dt, copy=False)

    def get_config(self) -> Dict[str, Any]:
        return {"gain": self.gain}


IdentityInitializer = Identity
