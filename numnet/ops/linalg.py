"""Linear algebra: matmul (batched, broadcasting), dot, einsum."""
from __future__ import annotations

from typing import Any

import numpy as np

from numnet.autograd.function import Function, unbroadcast
from numnet.autograd.tensor import Tensor

__all__ = ["matmul"]


def _check_matmul(a: np.ndarray, b: np.ndarray) -> None:
    if a.ndim == 0 or b.ndim == 0:
        raise ValueError(f"matmul: inputs must have at least 1 dimension, got shapes {a.shape} and {b.shape}")
    k_a = a.shape[-1]
    k_b = b.shape[0] if b.ndim == 1 else b.shape[-2]
    if k_a != k_b:
        raise ValueError(
            f"matmul: incompatible shapes {a.shape} and {b.shape}: the last axis of the first "
            f"({k_a}) must equal the {'only' if b.ndim == 1 else 'second-to-last'} axis of the second ({k_b})"
        )
    if a.ndim > 2 and b.ndim > 2:
        try:
            np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
        except ValueError:
            raise ValueError(
                f"matmul: batch dimensions of shapes {a.shape} and {b.shape} cannot be broadcast"
            ) from None


class MatMul(Function):
    def forward(self, a, b):
        self.a, self.b = a, b
        try:
            return np.matmul(a, b)
        except ValueError:
            _check_matmul(a, b)
            raise

    def backward(self, grad):
        a, b = self.a, self.b
        a2 = a[None, :] if a.ndim == 1 else a
        b2 = b[:, None] if b.ndim == 1 else b
        if a.ndim == 1:
            grad = np.expand_dims(grad, -2)
        if b.ndim == 1:
            grad = np.expand_dims(grad, -1)
        ga = gb = None
        if self.needs_input_grad[0]:
            ga = np.matmul(grad, np.swapaxes(b2, -1, -2))
            ga = unbroadcast(ga, a2.shape).reshape(a.shape)
        if self.needs_input_grad[1]:
            gb = np.matmul(np.swapaxes(a2, -1, -2), grad)
            gb = unbroadcast(gb, b2.shape).reshape(b.shape)
        return ga, gb


def matmul(x1: Any, x2: Any) -> Tensor:
    """Matrix product with NumPy's `matmul` rules (1-D promotion, batched broadcasting).

    Raises:
        ValueError: the inner dimensions or batch dimensions do not match (names both shapes).
    """
    return MatMul.apply(x1, x2)
