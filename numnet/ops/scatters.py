"""Scatters and segment reductions: scatter, scatter_update, segment_sum, segment_max. Indices
are rows of ints into the leading axes of the target, checked against its shape before
anything is written. Each value gets the gradient of the position it went to: with
`reduction=None` only the last write to a position (and the overwritten entries of `inputs`
none), with "mul" the product of the others, and `segment_max` and the "max"/"min"
reductions split it evenly among ties.
"""
from __future__ import annotations

from typing import Any, Optional, Tuple

import numpy as np

from numnet.autograd.function import Function
from numnet.autograd.tensor import Tensor, as_tensor
from numnet.ops._op_utils import _int, _int_array
from numnet.ops.cast import cast

__all__ = ["scatter", "scatter_update", "segment_sum", "segment_max"]


def _scatter_index(op: str, indices: Any, values_shape: Tuple[int, ...],
                   shape: Tuple[int, ...]) -> Tuple[np.ndarray, ...]:
    idx = _int_array(op, "indices", indices)
    if idx.ndim < 1 or idx.shape[-1] > len(shape) or idx.shape[-1] == 0:
        raise ValueError(f"{op}: indices must have shape (N, k) with 1 <= k <= {len(shape)}, got {idx.shape} "
                         f"(target shape {shape})")
    k = idx.shape[-1]
    expected = idx.shape[:-1] + tuple(shape[k:])
    if tuple(values_shape) != expected:
        raise ValueError(f"{op}: values/updates must have shape {expected} for indices of shape {idx.shape} "
                         f"and target shape {shape}, got {tuple(values_shape)}")
    bounds = np.asarray(shape[:k])
    if idx.size and ((idx < 0).any() or (idx >= bounds).any()):
        rows = idx.reshape(-1, k)
        bad = rows[((rows < 0) | (rows >= bounds)).any(axis=1)][:3].tolist()
        raise ValueError(f"{op}: indices out of bounds for shape {shape}: {bad}")
    return tuple(idx[..., j] for j in range(k))


class Scatter(Function):
    def forward(self, values, index, shape):
        self.index = index
        out = np.zeros(shape, dtype=values.dtype)
        np.add.at(out, index, values)
        return out

    def backward(self, grad):
        return (grad[self.index],)


def scatter(indices: Any, values: Any, shape: Any) -> Tensor:
    """A zero tensor of `shape` with `values` added at `indices` (duplicates are summed).

    Args:
        indices: integer tensor of shape `(N, k)`, each row an index into the first k axes.
        values: tensor of shape `(N,) + shape[k:]`.
        shape: the shape of the result.

    Returns:
        A Tensor of `shape` and `values`' dtype (differentiable in `values`).

    Raises:
        ValueError: the shapes do not match or an index is out of bounds.
    """
    v = as_tensor(values)
    shape = tuple(int(s) for s in _int_array("scatter", "shape", shape).reshape(-1))
    index = _scatter_index("scatter", indices, v.shape, shape)
    return Scatter.apply(v, index=index, shape=shape)


class ScatterUpdate(Function):
    def forward(self, x, updates, index, reduction):
        self.index, self.reduction = index, reduction
        out = x.copy()
        if reduction is None:
            out[index] = updates
        else:
            {"add": np.add, "max": np.maximum, "min": np.minimum, "mul": np.multiply}[reduction].at(out, index, updates)
        self.x, self.updates, self.out = x, updates, out
        return out

    def _winners(self) -> np.ndarray:
        """For reduction None: whether each update is the last one written to its position."""
        flat = np.ravel_multi_index(self.index, self.x.shape[:len(self.index)]).reshape(-1)
        last = {}
        for i, f in enumerate(flat.tolist()):
            last[f] = i
        won = np.zeros(flat.shape, dtype=bool)
        won[list(last.values())] = True
        return won.reshape(self.index[0].shape)

    def backward(self, grad):
        index, red, x, u = self.index, self.reduction, self.x, self.updates
        picked = grad[index]
        extra = (None,) * (u.ndim - self.index[0].ndim)
        if red is None:
            gx = grad.copy()
            gx[index] = 0
            gu = picked * self._winners()[(Ellipsis,) + extra]
        elif red == "add":
            gx, gu = grad, picked
        elif red == "mul":
            prod = np.ones_like(x)
            np.multiply.at(prod, index, u)
            gx = grad * prod
            with np.errstate(divide="ignore", invalid="ignore"):
                gu = picked * x[index] * np.where(u != 0, prod[index] / np.where(u != 0, u, 1), 0)
            zero = np.argwhere(u == 0)
            for pos in map(tuple, zero):  # exact product of the others where an update is 0
                row = pos[:self.index[0].ndim]
                at = tuple(ix[row] for ix in index) + pos[self.index[0].ndim:]
                others = 1.0
                flat_rows = np.argwhere(np.all([ix == ix[row] for ix in index], axis=0))
                for r in map(tuple, flat_rows):
                    if r != row:
                        others = others * u[r + pos[self.index[0].ndim:]]
                gu[pos] = grad[at] * x[at] * others
        else:  # max / min: split among everything equal to the result
            at_x = x == self.out
            at_u = u == self.out[index]
            count = at_x.astype(grad.dtype)
            np.add.at(count, index, at_u.astype(grad.dtype))
            share = grad / np.maximum(count, 1)
            gx = share * at_x
            gu = share[index] * at_u
        return gx, np.asarray(gu, dtype=grad.dtype)


_REDUCTIONS = (None, "add", "max", "min", "mul")


def scatter_update(inputs: Any, indices: Any, updates: Any, reduction: Optional[str] = None) -> Tensor:
    """A copy of `inputs` with `updates` written at `indices` (`inputs[indices] = updates`).

    Args:
        inputs: the tensor to update.
        indices: integer tensor of shape `(N, k)`, each row an index into the first k axes.
        updates: tensor of shape `(N,) + inputs.shape[k:]` (cast to `inputs`' dtype).
        reduction: None (replace; the last write wins), "add", "max", "min" or "mul".

    Returns:
        A Tensor of `inputs`' shape and dtype (differentiable in `inputs` and `updates`).

    Raises:
        ValueError: the shapes do not match, an index is out of bounds, or `reduction` is unknown.
    """
    if reduction not in _REDUCTIONS:
        raise ValueError(f"scatter_update: reduction must be one of {_REDUCTIONS}, got {reduction!r}")
    t, u = as_tensor(inputs), as_tensor(updates)
    if u.dtype != t.dtype:
        u = cast(u, t.dtype)
    index = _scatter_index("scatter_update", indices, u.shape, t.shape)
    return ScatterUpdate.apply(t, u, index=index, reduction=reduction)


def _segments(op: str, data: Tensor, segment_ids: Any, num_segments: Any) -> Tuple[np.ndarray, int]:
    ids = _int_array(op, "segment_ids", segment_ids)
    if data.shape[:ids.ndim] != ids.shape or ids.ndim == 0:
        raise ValueError(f"{op}: segment_ids of shape {ids.shape} must match the leading axes of data "
                         f"of shape {data.shape}")
    if num_segments is None:
        num_segments = int(ids.max()) + 1 if ids.size else 0
    num_segments = _int(op, "num_segments", num_segments)
    if num_segments < 0:
        raise ValueError(f"{op}: num_segments must be non-negative, got {num_segments}")
    return ids, num_segments


class SegmentSum(Function):
    def forward(self, data, ids, num):
        self.valid = (ids >= 0) & (ids < num)
        self.ids = ids
        out = np.zeros((num,) + data.shape[ids.ndim:], dtype=data.dtype)
        np.add.at(out, ids[self.valid], data[self.valid])
        return out

    def backward(self, grad):
        g = np.zeros(self.ids.shape + grad.shape[1:], dtype=grad.dtype)
        g[self.valid] = grad[self.ids[self.valid]]
        return (g,)


class SegmentMax(Function):
    def forward(self, data, ids, num):
        self.valid, self.ids = (ids >= 0) & (ids < num), ids
        low = -np.inf if data.dtype.kind == "f" else np.iinfo(data.dtype).min if data.dtype.kind in "iu" else False
        out = np.full((num,) + data.shape[ids.ndim:], low, dtype=data.dtype)
        np.maximum.at(out, ids[self.valid], data[self.valid])
        self.data, self.out = data, out
        return out

    def backward(self, grad):
        ids, valid = self.ids, self.valid
        hit = np.zeros(self.data.shape, dtype=bool)
        hit[valid] = self.data[valid] == self.out[ids[valid]]
        count = np.zeros(grad.shape, dtype=grad.dtype)
        np.add.at(count, ids[valid], hit[valid].astype(grad.dtype))
        g = np.zeros(self.data.shape, dtype=grad.dtype)
        g[valid] = (grad / np.maximum(count, 1))[ids[valid]]
        return (g * hit,)


def segment_sum(data: Any, segment_ids: Any, num_segments: Optional[int] = None,
                sorted: bool = False) -> Tensor:  # noqa: A002 - keras name
    """Sum of `data` over each segment: `out[s] = sum(data[i] for i with segment_ids[i] == s)`.

    Args:
        data: input tensor.
        segment_ids: integer ids matching the leading axes of `data`; ids outside
            `[0, num_segments)` are dropped (as on JAX).
        num_segments: number of segments (default: the largest id + 1).
        sorted: whether the ids are sorted (a hint; the result does not depend on it).

    Returns:
        A Tensor of shape `(num_segments,) + data.shape[segment_ids.ndim:]`.

    Raises:
        ValueError: the ids do not match `data`'s leading axes.
    """
    t = as_tensor(data)
    ids, num = _segments("segment_sum", t, segment_ids, num_segments)
    return SegmentSum.apply(t, ids=ids, num=num)


def segment_max(data: Any, segment_ids: Any, num_segments: Optional[int] = None,
                sorted: bool = False) -> Tensor:  # noqa: A002 - keras name
    """Maximum of `data` over each segment (-inf, or the dtype's minimum, for empty ones).

    The gradient goes to the elements holding their segment's maximum, split among ties.

    Args:
        data: input tensor.
        segment_ids: integer ids matching the leading axes of `data`; ids outside
            `[0, num_segments)` are dropped (as on JAX).
        num_segments: number of segments (default: the largest id + 1).
        sorted: whether the ids are sorted (a hint; the result does not depend on it).

    Returns:
        A Tensor of shape `(num_segments,) + data.shape[segment_ids.ndim:]`.

    Raises:
        ValueError: the ids do not match `data`'s leading axes.
    """
    t = as_tensor(data)
    ids, num = _segments("segment_max", t, segment_ids, num_segments)
    return SegmentMax.apply(t, ids=ids, num=num)
