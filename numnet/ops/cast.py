"""dtype conversion."""
from __future__ import annotations

from typing import Any

import numpy as np

from numnet.autograd.function import Function
from numnet.autograd.tensor import Tensor

__all__ = ["cast"]


class Cast(Function):
    def forward(self, a, dtype):
        self.dtype = a.dtype
        return a.astype(dtype)

    def backward(self, grad):
        return (grad.astype(self.dtype) if self.dtype.kind == "f" else None,)


def cast(x: Any, dtype: Any) -> Tensor:
    """Return `x` converted to `dtype` (gradients flow back to float inputs).

    Args:
        x: input tensor or array-like.
        dtype: target dtype (name or NumPy dtype).

    Returns:
        A Tensor of `dtype`; gradients flow back in the input's dtype.
    """
    return Cast.apply(x, dtype=np.dtype(dtype))
