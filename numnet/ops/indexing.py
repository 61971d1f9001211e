"""Indexing: `tensor[index]` with basic and advanced indices (gradient by scatter-add), and the
static blocks of `slice` (read one) and `slice_update` (write one into a copy)."""
from __future__ import annotations

import builtins
from typing import Any, Tuple

import numpy as np

from numnet.autograd.function import Function
from numnet.autograd.tensor import Tensor, as_tensor
from numnet.ops._op_utils import _int_array
from numnet.ops.cast import cast

__all__ = ["get_item", "slice", "slice_update"]


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


# ----- static blocks ---------------------------------------------------------------------
def _starts(op: str, start_indices: Any, shape: Tuple[int, ...]) -> Tuple[int, ...]:
    starts = _int_array(op, "start_indices", start_indices).reshape(-1)
    if starts.size != len(shape):
        raise ValueError(f"{op}: start_indices must have one entry per axis ({len(shape)}), got "
                         f"{starts.tolist()} for shape {shape}")
    return tuple(int(s) for s in starts)


def slice(inputs: Any, start_indices: Any, shape: Any) -> Tensor:  # noqa: A001 - keras name
    """`inputs[start : start + shape]` on every axis (`-1` in `shape`: up to the end).

    Args:
        inputs: input tensor.
        start_indices: one non-negative start per axis.
        shape: the shape of the slice; -1 takes the rest of that axis.

    Returns:
        A Tensor of shape `shape`, of `inputs`' dtype.

    Raises:
        ValueError: a start or size does not fit `inputs` (Keras on JAX clamps instead).
    """
    t = as_tensor(inputs)
    starts = _starts("slice", start_indices, t.shape)
    sizes = _int_array("slice", "shape", shape).reshape(-1)
    if sizes.size != t.ndim:
        raise ValueError(f"slice: shape {sizes.tolist()} must have one entry per axis of {t.shape}")
    index = []
    for s, n, dim in zip(starts, sizes, t.shape):
        n = dim - s if n == -1 else int(n)
        if s < 0 or n < 0 or s + n > dim:
            raise ValueError(f"slice: start {starts} with size {sizes.tolist()} does not fit shape {t.shape}")
        index.append(builtins.slice(s, s + n))
    return get_item(t, tuple(index))


class SliceUpdate(Function):
    def forward(self, x, updates, index):
        self.index = index
        out = x.copy()
        out[index] = updates
        return out

    def backward(self, grad):
        gx = gu = None
        if self.needs_input_grad[0]:
            gx = grad.copy()
            gx[self.index] = 0
        if self.needs_input_grad[1]:
            gu = grad[self.index].copy()
        return gx, gu


def slice_update(inputs: Any, start_indices: Any, updates: Any) -> Tensor:
    """A copy of `inputs` with the block starting at `start_indices` replaced by `updates`.

    Args:
        inputs: input tensor.
        start_indices: one non-negative start per axis.
        updates: the new block, of `inputs`' rank (cast to `inputs`' dtype).

    Returns:
        A Tensor of `inputs`' shape and dtype (differentiable in both).

    Raises:
        ValueError: the block does not fit `inputs`.
    """
    t = as_tensor(inputs)
    u = as_tensor(updates)
    if u.dtype != t.dtype:
        u = cast(u, t.dtype)
    starts = _starts("slice_update", start_indices, t.shape)
    if u.ndim != t.ndim or any(s < 0 or s + n > d for s, n, d in zip(starts, u.shape, t.shape)):
        raise ValueError(f"slice_update: updates of shape {u.shape} at {list(starts)} do not fit inputs "
                         f"of shape {t.shape}")
    return SliceUpdate.apply(t, u, index=tuple(builtins.slice(s, s + n) for s, n in zip(starts, u.shape)))
