"""Comparisons and other non-differentiable elementwise results (returned as bool tensors)."""
from __future__ import annotations

from typing import Any

import numpy as np

from numnet.autograd.tensor import Tensor

__all__ = ["equal", "not_equal", "less", "less_equal", "greater", "greater_equal"]


def _values(x: Any) -> Any:
    return x.data if isinstance(x, Tensor) else x


def _compare(name: str, ufunc: np.ufunc, x1: Any, x2: Any) -> Tensor:
    a, b = _values(x1), _values(x2)
    try:
        return Tensor._from_op(ufunc(a, b), None)
    except ValueError:
        raise ValueError(
            f"{name}: shapes {np.shape(a)} and {np.shape(b)} cannot be broadcast together"
        ) from None


def equal(x1: Any, x2: Any) -> Tensor:
    """Elementwise `x1 == x2` (bool, no gradient).

    Args:
        x1: first operand (tensor or array-like).
        x2: second operand, broadcast against `x1` (NumPy rules).

    Returns:
        A boolean Tensor of the broadcast shape (not differentiable).
    """
    return _compare("equal", np.equal, x1, x2)


def not_equal(x1: Any, x2: Any) -> Tensor:
    """Elementwise `x1 != x2` (bool, no gradient).

    Args:
        x1: first operand (tensor or array-like).
        x2: second operand, broadcast against `x1` (NumPy rules).

    Returns:
        A boolean Tensor of the broadcast shape (not differentiable).
    """
    return _compare("not_equal", np.not_equal, x1, x2)


def less(x1: Any, x2: Any) -> Tensor:
    """Elementwise `x1 < x2` (bool, no gradient).

    Args:
        x1: first operand (tensor or array-like).
        x2: second operand, broadcast against `x1` (NumPy rules).

    Returns:
        A boolean Tensor of the broadcast shape (not differentiable).
    """
    return _compare("less", np.less, x1, x2)


def less_equal(x1: Any, x2: Any) -> Tensor:
    """Elementwise `x1 <= x2` (bool, no gradient).

    Args:
        x1: first operand (tensor or array-like).
        x2: second operand, broadcast against `x1` (NumPy rules).

    Returns:
        A boolean Tensor of the broadcast shape (not differentiable).
    """
    return _compare("less_equal", np.less_equal, x1, x2)


def greater(x1: Any, x2: Any) -> Tensor:
    """Elementwise `x1 > x2` (bool, no gradient).

    Args:
        x1: first operand (tensor or array-like).
        x2: second operand, broadcast against `x1` (NumPy rules).

    Returns:
        A boolean Tensor of the broadcast shape (not differentiable).
    """
    return _compare("greater", np.greater, x1, x2)


def greater_equal(x1: Any, x2: Any) -> Tensor:
    """Elementwise `x1 >= x2` (bool, no gradient).

    Args:
        x1: first operand (tensor or array-like).
        x2: second operand, broadcast against `x1` (NumPy rules).

    Returns:
        A boolean Tensor of the broadcast shape (not differentiable).
    """
    return _compare("greater_equal", np.greater_equal, x1, x2)
