"""Indexing: `tensor[index]` with basic and advanced indices (gradient by scatter-add)."""
from __future__ import annotations

from typing import Any

import numpy as np

from numnet.autograd.function import Function
from numnet.autograd.tensor import Tensor

__all__ = ["get_item"]


def _normalize_index(index: Any) -> Any:
    if isinstance(index, Tensor):
        return index.data
    if isinstance(index, tuple):
        return tuple(i.data if isinstance(i, Tensor) else i for i in index)
    return index


def _is_advanced(index: Any) -> bool:
    parts = index if isinstance(index, tuple) else (index,)
    return any(isinstance(i, (list, np.ndarray)) for i in parts)


class GetItem(Function):
    def forward(self, a, index):
        self.shape, self.dtype, self.index = a.shape, a.dtype, index
        try:
            return a[index]
        except IndexError as exc:
            raise IndexError(f"get_item: index {index!r} is invalid for shape {a.shape}: {exc}") from None

    def backward(self, grad):
        full = np.zeros(self.shape, dtype=self.dtype)
        if _is_advanced(self.index):
            np.add.at(full, self.index, grad)
        else:
            full[self.index] = grad
        return (full,)


def get_item(x: Any, key: Any) -> Tensor:
    """Return `x[key]` (argument named as in `keras.ops.get_item`).

    Args:
        x: input tensor.
        key: a basic or advanced NumPy index (ints, slices, Ellipsis, None, int arrays, masks).

    Returns:
        The selected values; repeated advanced indices accumulate their gradients.

    Raises:
        IndexError: the key does not fit the shape of `x`.
    """
    return GetItem.apply(x, index=_normalize_index(key))
