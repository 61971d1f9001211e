"""Shape and gathering ops: reshape, transpose, concatenate, stack, split, pad, take, tile, roll, ...

Gathers (`take`, `take_along_axis`, `repeat` with per-element counts, `roll`) scatter-add
their gradient, so an index used several times accumulates. `one_hot` and `multi_hot` are
not differentiable.
"""
from __future__ import annotations

from typing import Any, List, Optional, Sequence, Tuple

import numpy as np

from numnet.autograd.function import Function, unbroadcast
from numnet.autograd.tensor import DEFAULT_FLOAT, Tensor, as_tensor
from numnet.ops._op_utils import _constant, _int, _one_axis, normalize_axis
from numnet.ops.indexing import get_item

__all__ = [
    "reshape", "transpose", "expand_dims", "squeeze", "concatenate", "stack", "split", "pad",
    "ravel", "flatten", "broadcast_to", "take", "take_along_axis", "one_hot", "tile", "repeat",
    "swapaxes", "moveaxis", "flip", "roll", "multi_hot",
]

_INDEX_PAD_MODES = ("edge", "reflect", "symmetric", "wrap")


def _values(x: Any) -> np.ndarray:
    return x.data if isinstance(x, Tensor) else Tensor(x).data


def _int_indices(op: str, indices: Any) -> np.ndarray:
    """Indices as an intp array; float arrays holding whole numbers are accepted."""
    idx = np.asarray(indices.data if isinstance(indices, Tensor) else indices)
    if idx.dtype.kind in "iu":
        return idx.astype(np.intp, copy=False)
    if idx.dtype.kind == "f" and np.all(np.mod(idx, 1) == 0):
        return idx.astype(np.intp)
    raise TypeError(f"{op}: indices must be integers, got dtype {idx.dtype}")


def _new_axis(op: str, axis: Any, out_rank: int, shape: Tuple[int, ...]) -> Tuple[int, ...]:
    """Validate positions of new axes in a result of rank `out_rank` (input `shape`)."""
    try:
        return normalize_axis(op, axis, (0,) * out_rank)
    except ValueError:
        raise ValueError(
            f"{op}: axis {axis!r} is out of range for a result of rank {out_rank} "
            f"(input shape {shape})"
        ) from None


# ----- views and re-layouts --------------------------------------------------------------
class Reshape(Function):
    def forward(self, x, shape):
        self.shape = x.shape
        try:
            return x.reshape(shape)
        except ValueError:
            raise ValueError(
                f"reshape: cannot reshape a tensor of shape {x.shape} ({x.size} elements) "
                f"into shape {shape}"
            ) from None

    def backward(self, grad):
        return (grad.reshape(self.shape),)


class Transpose(Function):
    def forward(self, x, axes):
        self.axes = axes
        return np.transpose(x, axes)

    def backward(self, grad):
        return (np.transpose(grad, np.argsort(self.axes)),)


class BroadcastTo(Function):
    def forward(self, x, shape):
        self.shape = x.shape
        try:
            return np.broadcast_to(x, shape)
        except ValueError:
            raise ValueError(f"broadcast_to: cannot broadcast a tensor of shape {x.shape} to shape {shape}") from None

    def backward(self, grad):
        return (unbroadcast(grad, self.shape),)


def reshape(x: Any, newshape: Any) -> Tensor:
    """Return `x` with shape `newshape` (one entry may be -1).

    Args:
        x: input tensor or array-like.
        newshape: the new shape; one entry may be -1 (inferred).

    Returns:
        A Tensor.

    Raises:
        ValueError: the number of elements differs (names both shapes).
    """
    shape = (int(newshape),) if isinstance(newshape, (int, np.integer)) else tuple(int(s) for s in newshape)
    return Reshape.apply(x, shape=shape)


def transpose(x: Any, axes: Optional[Sequence[int]] = None) -> Tensor:
    """Permute the axes of `x` (reverse them when `axes` is None).

    Args:
        x: input tensor or array-like.
        axes: permutation of the axes (None: reverse them).

    Returns:
        A Tensor.

    Raises:
        ValueError: `axes` is not a permutation of the axes of `x`.
    """
    shape = _values(x).shape
    if axes is None:
        perm = tuple(range(len(shape)))[::-1]
    else:
        axes = tuple(axes)
        if len(axes) != len(shape):
            raise ValueError(f"transpose: axes {axes} do not match a tensor of rank {len(shape)} (shape {shape})")
        normalize_axis("transpose", axes, shape)  # range and repeat checks
        perm = tuple(int(a) % len(shape) for a in axes)
    return Transpose.apply(x, axes=perm)


def swapaxes(x: Any, axis1: int, axis2: int) -> Tensor:
    """Exchange two axes of `x`.

    Args:
        x: input tensor or array-like.
        axis1: first axis.
        axis2: second axis.

    Returns:
        A Tensor.
    """
    shape = _values(x).shape
    a, b = _one_axis("swapaxes", axis1, shape), _one_axis("swapaxes", axis2, shape)
    perm = list(range(len(shape)))
    perm[a], perm[b] = perm[b], perm[a]
    return Transpose.apply(x, axes=tuple(perm))


def moveaxis(x: Any, source: Any, destination: Any) -> Tensor:
    """Move axes of `x` from `source` to `destination` positions (ints or sequences).

    Args:
        x: input tensor or array-like.
        source: original position(s) of the axes to move.
        destination: new position(s), one per source axis.

    Returns:
        A Tensor.
    """
    shape = _values(x).shape
    src = source if isinstance(source, (tuple, list)) else [source]
    dst = destination if isinstance(destination, (tuple, list)) else [destination]
    if len(src) != len(dst):
        raise ValueError(f"moveaxis: source {source!r} and destination {destination!r} differ in length")
    src = [_one_axis("moveaxis", a, shape) for a in src]
    dst = [_one_axis("moveaxis", a, shape) for a in dst]
    if len(set(src)) != len(src) or len(set(dst)) != len(dst):
        raise ValueError(f"moveaxis: repeated axis in {source!r} or {destination!r}")
    perm = [a for a in range(len(shape)) if a not in src]
    for dest, origin in sorted(zip(dst, src)):
        perm.insert(dest, origin)
    return Transpose.apply(x, axes=tuple(perm))


def expand_dims(x: Any, axis: Any) -> Tensor:
    """Insert length-1 axes at `axis` (an int or tuple, positions in the result).

    Args:
        x: input tensor or array-like.
        axis: position of the new length-1 axis in the result.

    Returns:
        A Tensor.
    """
    shape = _values(x).shape
    count = len(axis) if isinstance(axis, (tuple, list)) else 1
    out_rank = len(shape) + count
    axes = _new_axis("expand_dims", axis, out_rank, shape)
    new = iter(shape)
    target = tuple(1 if i in axes else next(new) for i in range(out_rank))
    return Reshape.apply(x, shape=target)


def squeeze(x: Any, axis: Any = None) -> Tensor:
    """Remove length-1 axes (all of them, or those in `axis`).

    Args:
        x: input tensor or array-like.
        axis: axis or axes of length 1 to remove (None: all of them).

    Returns:
        A Tensor.

    Raises:
        ValueError: an axis in `axis` does not have length 1.
    """
    shape = _values(x).shape
    axes = normalize_axis("squeeze", axis, shape)
    if axes is None:
        axes = tuple(i for i, n in enumerate(shape) if n == 1)
    for a in axes:
        if shape[a] != 1:
            raise ValueError(f"squeeze: cannot squeeze axis {a} of length {shape[a]} (shape {shape})")
    return Reshape.apply(x, shape=tuple(n for i, n in enumerate(shape) if i not in axes))


def ravel(x: Any) -> Tensor:
    """Return `x` as one dimension.

    Args:
        x: input tensor or array-like.

    Returns:
        A Tensor of `x`'s shape.
    """
    return Reshape.apply(x, shape=(-1,))


flatten = ravel


def broadcast_to(x: Any, shape: Sequence[int]) -> Tensor:
    """Broadcast `x` to `shape` (a read-only view); the gradient sums back.

    Args:
        x: input tensor or array-like.
        shape: the target shape.

    Returns:
        A Tensor.

    Raises:
        ValueError: the shapes are not broadcast-compatible.
    """
    shape = (int(shape),) if isinstance(shape, (int, np.integer)) else tuple(int(s) for s in shape)
    return BroadcastTo.apply(x, shape=shape)


class Flip(Function):
    def forward(self, x, axes):
        self.axes = axes
        return np.flip(x, axes)

    def backward(self, grad):
        return (np.flip(grad, self.axes),)


def flip(x: Any, axis: Any = None) -> Tensor:
    """Reverse the order of elements along `axis` (all axes when None).

    Args:
        x: input tensor or array-like.
        axis: axis or axes to reverse (None: all).

    Returns:
        A Tensor.
    """
    return Flip.apply(x, axes=normalize_axis("flip", axis, _values(x).shape))


def roll(x: Any, shift: Any, axis: Any = None) -> Tensor:
    """Shift elements along `axis` cyclically (of the flattened tensor when None).

    Args:
        x: input tensor.
        shift: int, or a tuple of ints matched with the tuple `axis`.
        axis: int, tuple of ints, or None.

    Returns:
        A Tensor of `x`'s shape.

    Raises:
        ValueError: `shift` and `axis` have different lengths, or an axis is out of range.
    """
    t = as_tensor(x)
    if axis is None:
        flat = ravel(t)
        n = flat.shape[0]
        s = int(np.sum(shift)) if n else 0
        return reshape(take(flat, (np.arange(n) - s) % max(n, 1), axis=0), t.shape)
    shifts = tuple(shift) if isinstance(shift, (tuple, list)) else (shift,)
    axes = tuple(axis) if isinstance(axis, (tuple, list)) else (axis,)
    if len(shifts) == 1 and len(axes) > 1:
        shifts = shifts * len(axes)
    if len(shifts) != len(axes):
        raise ValueError(f"roll: shift {shift!r} and axis {axis!r} must have the same length")
    total = {}
    for s, a in zip(shifts, axes):
        ax = _one_axis("roll", a, t.shape)
        total[ax] = total.get(ax, 0) + _int("roll", "shift", s)
    for ax, s in total.items():
        n = t.shape[ax]
        if n:
            t = take(t, (np.arange(n) - s) % n, axis=ax)
    return t


# ----- joining and splitting -------------------------------------------------------------
class Concatenate(Function):
    def forward(self, *arrays, axis):
        self.axis = axis
        self.sizes = [a.shape[axis] for a in arrays]
        return np.concatenate(arrays, axis=axis)

    def backward(self, grad):
        cuts = np.cumsum(self.sizes[:-1])
        return tuple(np.split(grad, cuts, axis=self.axis))


class Stack(Function):
    def forward(self, *arrays, axis):
        self.axis = axis
        return np.stack(arrays, axis=axis)

    def backward(self, grad):
        moved = np.moveaxis(grad, self.axis, 0)
        return tuple(moved[i] for i in range(moved.shape[0]))


def _tensors(op: str, xs: Any) -> List[Tensor]:
    if isinstance(xs, (Tensor, np.ndarray)):
        xs = list(xs)
    xs = [as_tensor(x) for x in xs]
    if not xs:
        raise ValueError(f"{op}: needs at least one tensor")
    return xs


def concatenate(xs: Sequence[Any], axis: Optional[int] = 0) -> Tensor:
    """Join tensors along an existing axis (`axis=None` flattens them first).

    Args:
        xs: sequence of tensors with equal shapes except along `axis`.
        axis: axis to join along (None: flatten the inputs first).

    Returns:
        A Tensor.

    Raises:
        ValueError: ranks differ, or shapes differ on another axis (names the shapes).
    """
    tensors = _tensors("concatenate", xs)
    if axis is None:
        tensors, axis = [ravel(t) for t in tensors], 0
    first = tensors[0].shape
    if len(first) == 0:
        raise ValueError("concatenate: zero-dimensional tensors cannot be concatenated")
    ax = _one_axis("concatenate", axis, first)
    for t in tensors[1:]:
        s = t.shape
        if len(s) != len(first) or any(a != b for i, (a, b) in enumerate(zip(s, first)) if i != ax):
            raise ValueError(
                f"concatenate: all inputs must have the same shape except along axis {axis}; "
                f"got shapes {first} and {s}"
            )
    return Concatenate.apply(*tensors, axis=ax)


def stack(x: Sequence[Any], axis: int = 0) -> Tensor:
    """Join same-shaped tensors along a new axis `axis`.

    Args:
        x: sequence of tensors of one shape.
        axis: position of the new axis in the result.

    Returns:
        A Tensor.

    Raises:
        ValueError: the shapes differ (names them) or `axis` is out of range.
    """
    tensors = _tensors("stack", x)
    first = tensors[0].shape
    for t in tensors[1:]:
        if t.shape != first:
            raise ValueError(f"stack: all inputs must have the same shape; got shapes {first} and {t.shape}")
    if isinstance(axis, (tuple, list)):
        raise TypeError(f"stack: axis must be an int, got {axis!r}")
    ax = _new_axis("stack", axis, len(first) + 1, first)[0]
    return Stack.apply(*tensors, axis=ax)


def split(x: Any, indices_or_sections: Any, axis: int = 0) -> List[Tensor]:
    """Split `x` along `axis` into equal sections (an int) or at the given indices.

    Args:
        x: input tensor or array-like.
        indices_or_sections: number of equal sections, or the indices to split at.
        axis: axis to split along.

    Returns:
        A list of Tensors.

    Returns:
        A list of Tensors.

    Raises:
        ValueError: an int number of sections does not divide the axis length.
    """
    t = as_tensor(x)
    ax = _one_axis("split", axis, t.shape)
    size = t.shape[ax]
    if isinstance(indices_or_sections, (int, np.integer)):
        n = int(indices_or_sections)
        if n <= 0 or size % n:
            raise ValueError(
                f"split: axis {axis} of length {size} (shape {t.shape}) cannot be split "
                f"into {n} equal sections"
            )
        edges = [i * (size // n) for i in range(n + 1)]
    else:
        edges = [0] + [int(i) for i in np.asarray(_int_indices("split", indices_or_sections))] + [size]
    lead = (slice(None),) * ax
    return [get_item(t, lead + (slice(a, b),)) for a, b in zip(edges[:-1], edges[1:])]


# ----- padding, tiling, repeating --------------------------------------------------------
class PadConstant(Function):
    def forward(self, x, pad_width, value):
        self.inner = tuple(slice(b, b + n) for (b, _), n in zip(pad_width, x.shape))
        return np.pad(x, pad_width, mode="constant", constant_values=value)

    def backward(self, grad):
        return (grad[self.inner],)


class Gather(Function):
    """out = x.flat[index] for an integer index array; the gradient scatter-adds back."""

    def forward(self, x, index):
        self.shape, self.index = x.shape, index
        return x.reshape(-1)[index]

    def backward(self, grad):
        g = np.zeros(int(np.prod(self.shape)), dtype=grad.dtype)
        np.add.at(g, self.index.reshape(-1), grad.reshape(-1))
        return (g.reshape(self.shape),)


def pad(x: Any, pad_width: Any, mode: str = "constant", constant_values: Any = None) -> Tensor:
    """Pad `x` with `pad_width` entries per axis (int, (before, after) or one pair per axis).

    Args:
        mode: "constant" (with `constant_values`, default 0), "edge", "reflect",
            "symmetric" or "wrap" — all differentiable.

    Raises:
        ValueError: a negative or badly shaped `pad_width`, an unsupported mode, or
            `constant_values` given with a mode other than "constant".
    """
    data = _values(x)
    try:
        widths = np.broadcast_to(np.asarray(pad_width, dtype=np.int64), (data.ndim, 2))
    except (ValueError, TypeError):
        raise ValueError(
            f"pad: pad_width {pad_width!r} does not fit a tensor of rank {data.ndim} (shape {data.shape})"
        ) from None
    if (widths < 0).any():
        raise ValueError(f"pad: pad_width must be non-negative, got {pad_width!r}")
    widths = tuple((int(a), int(b)) for a, b in widths)
    if mode == "constant":
        value = 0 if constant_values is None else constant_values
        return PadConstant.apply(x, pad_width=widths, value=value)
    if constant_values is not None:
        raise ValueError(f"pad: constant_values can only be given with mode='constant', not {mode!r}")
    if mode not in _INDEX_PAD_MODES:
        raise ValueError(f"pad: unsupported mode {mode!r}; use 'constant' or one of {_INDEX_PAD_MODES}")
    index = np.pad(np.arange(data.size).reshape(data.shape), widths, mode=mode)
    return Gather.apply(x, index=index)


class Tile(Function):
    def forward(self, x, reps):
        self.shape = x.shape
        return np.tile(x, reps)

    def backward(self, grad):
        d = grad.ndim
        base = (1,) * (d - len(self.shape)) + self.shape
        reps = tuple(g // b if b else 0 for g, b in zip(grad.shape, base))
        interleaved = [n for pair in zip(reps, base) for n in pair]
        g = grad.reshape(interleaved).sum(axis=tuple(range(0, 2 * d, 2)))
        return (g.reshape(self.shape),)


def tile(x: Any, repeats: Any) -> Tensor:
    """Repeat the whole of `x` `repeats` times along each axis (NumPy `tile` rules).

    Args:
        x: input tensor or array-like.
        repeats: number of repetitions per axis (int or sequence).

    Returns:
        A Tensor.
    """
    reps = (int(repeats),) if isinstance(repeats, (int, np.integer)) else tuple(int(r) for r in repeats)
    if any(r < 0 for r in reps):
        raise ValueError(f"tile: repeats must be non-negative, got {repeats!r}")
    return Tile.apply(x, reps=reps)


class RepeatInt(Function):
    def forward(self, x, repeats, axis):
        self.shape, self.repeats, self.axis = x.shape, repeats, axis
        return np.repeat(x, repeats, axis=axis)

    def backward(self, grad):
        ax, r = self.axis, self.repeats
        split_shape = self.shape[:ax] + (self.shape[ax], r) + self.shape[ax + 1:]
        return (grad.reshape(split_shape).sum(axis=ax + 1),)


def repeat(x: Any, repeats: Any, axis: Optional[int] = None) -> Tensor:
    """Repeat each element of `x` `repeats` times along `axis` (the flattened x when None).

    Args:
        repeats: an int, or one count per element along the axis.
    """
    t = as_tensor(x)
    if axis is None:
        t, axis = ravel(t), 0
    ax = _one_axis("repeat", axis, t.shape)
    reps = _int_indices("repeat", repeats)
    if (reps < 0).any():
        raise ValueError(f"repeat: repeats must be non-negative, got {repeats!r}")
    if reps.ndim == 0 or reps.size == 1:
        return RepeatInt.apply(t, repeats=int(reps.reshape(-1)[0]), axis=ax)
    n = t.shape[ax]
    if reps.shape != (n,):
        raise ValueError(f"repeat: {reps.size} repeat counts do not match axis {axis} of length {n} (shape {t.shape})")
    return take(t, np.repeat(np.arange(n), reps), axis=ax)


# ----- gathering -------------------------------------------------------------------------
class Take(Function):
    def forward(self, x, indices, axis):
        self.shape, self.indices, self.axis = x.shape, indices, axis
        try:
            return np.take(x, indices, axis=axis)
        except IndexError as exc:
            raise IndexError(f"take: {exc} (tensor shape {x.shape})") from None

    def backward(self, grad):
        g = np.zeros(self.shape, dtype=grad.dtype)
        if self.axis is None:
            np.add.at(g.reshape(-1), self.indices.reshape(-1), grad.reshape(-1))
        else:
            np.add.at(g, (slice(None),) * self.axis + (self.indices,), grad)
        return (g,)


def take(x: Any, indices: Any, axis: Optional[int] = None) -> Tensor:
    """Gather elements of `x` at `indices` along `axis` (of the flattened x when None).

    Negative indices count from the end. Repeated indices accumulate their gradients.

    Args:
        x: input tensor or array-like.
        indices: integer indices; repeated indices add up their gradients.
        axis: axis to take along (None: index the flattened tensor).

    Returns:
        A Tensor.

    Raises:
        TypeError: `indices` are not integers.
        IndexError: an index is out of bounds.
    """
    idx = _int_indices("take", indices)
    shape = _values(x).shape
    ax = None if axis is None else _one_axis("take", axis, shape)
    return Take.apply(x, indices=idx, axis=ax)


class TakeAlongAxis(Function):
    def forward(self, x, indices, axis):
        self.shape, self.indices, self.axis = x.shape, indices, axis
        try:
            return np.take_along_axis(x, indices, axis=axis)
        except (IndexError, ValueError) as exc:
            raise type(exc)(
                f"take_along_axis: indices of shape {indices.shape} do not fit a tensor of shape "
                f"{x.shape} along axis {axis}: {exc}"
            ) from None

    def backward(self, grad):
        g = np.zeros(self.shape, dtype=grad.dtype)
        idx = self.indices
        nd = len(self.shape)
        full = []
        for d in range(nd):
            if d == self.axis:
                full.append(idx)
            else:
                view = [1] * nd
                view[d] = self.shape[d]
                full.append(np.arange(self.shape[d]).reshape(view))
        np.add.at(g, tuple(full), grad)
        return (g,)


def take_along_axis(x: Any, indices: Any, axis: Optional[int] = None) -> Tensor:
    """Pick values of `x` with `indices` matched along `axis` (NumPy `take_along_axis`).

    With `axis=None`, `x` is flattened and `indices` must be 1-D.

    Args:
        x: input tensor or array-like.
        indices: integer indices, broadcastable against `x` except along `axis`.
        axis: axis to take along.

    Returns:
        A Tensor.
    """
    idx = _int_indices("take_along_axis", indices)
    t = as_tensor(x)
    if axis is None:
        t, axis = ravel(t), 0
    ax = _one_axis("take_along_axis", axis, t.shape)
    if idx.ndim != t.ndim:
        raise ValueError(
            f"take_along_axis: indices of shape {idx.shape} must have the same rank as the "
            f"tensor of shape {t.shape}"
        )
    return TakeAlongAxis.apply(t, indices=idx, axis=ax)


def one_hot(x: Any, num_classes: int, axis: int = -1, dtype: Any = None) -> Tensor:
    """One-hot encode integer labels (not differentiable).

    Args:
        x: integer class ids (whole-number floats are accepted).
        num_classes: length of the new axis.
        axis: where the new axis goes in the result.
        dtype: output dtype (default float32).

    Returns:
        A tensor of shape x.shape with `num_classes` inserted at `axis`; ids outside
        ``[0, num_classes)`` give an all-zero vector (as Keras on TensorFlow/JAX).
    """
    idx = _int_indices("one_hot", x)
    num_classes = int(num_classes)
    if num_classes <= 0:
        raise ValueError(f"one_hot: num_classes must be positive, got {num_classes}")
    ax = _new_axis("one_hot", int(axis), idx.ndim + 1, idx.shape)[0]
    out = np.zeros(idx.shape + (num_classes,), dtype=np.dtype(dtype or DEFAULT_FLOAT))
    flat = idx.reshape(-1)
    rows = np.nonzero((flat >= 0) & (flat < num_classes))[0]
    out.reshape(-1, num_classes)[rows, flat[rows]] = 1
    if ax != idx.ndim:
        out = np.ascontiguousarray(np.moveaxis(out, -1, ax))
    return Tensor._from_op(out, None)


def multi_hot(inputs: Any, num_classes: Optional[int] = None, axis: int = -1, dtype: Any = None,
              sparse: bool = False, **kwargs: Any) -> Tensor:
    """Multi-hot encode integer labels: one-hot, then reduced over the label axis (no grad).

    A 1-D `inputs` gives one vector of length `num_classes`; for higher ranks axis 1 of
    the one-hot encoding is reduced (so `(batch, labels)` gives `(batch, num_classes)`),
    exactly as Keras.

    Args:
        inputs: integer labels (ids outside `[0, num_classes)` are ignored).
        num_classes: the number of classes (`num_tokens` is accepted as an alias).
        axis: where the class axis goes in the one-hot encoding.
        dtype: output dtype (default float32).
        sparse: sparse output; not supported by numnet.
        **kwargs: `num_tokens`, the legacy name of `num_classes`.

    Returns:
        A Tensor of 0s and 1s.

    Raises:
        ValueError: `num_classes` is missing or `sparse=True`.
    """
    if num_classes is None:
        num_classes = kwargs.pop("num_tokens", None)
    if kwargs:
        raise TypeError(f"multi_hot: unexpected arguments {sorted(kwargs)}")
    if num_classes is None:
        raise ValueError("multi_hot: num_classes is required")
    if sparse:
        raise ValueError("multi_hot: sparse=True is not supported (numnet has no sparse tensors)")
    rank = np.ndim(getattr(inputs, "data", inputs))
    encoded = one_hot(inputs, num_classes, axis=axis, dtype=dtype)
    return _constant(np.max(encoded.data, axis=1 if rank > 1 else 0))
