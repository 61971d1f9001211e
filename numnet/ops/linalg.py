"""Linear algebra: matmul (batched, broadcasting), dot, tensordot, einsum, and the outer,
Kronecker and cross products."""
from __future__ import annotations

from typing import Any, List, Optional, Sequence, Tuple

import numpy as np

from numnet.autograd.function import Function, unbroadcast
from numnet.autograd.tensor import Tensor, as_tensor
from numnet.ops._op_utils import _one_axis
from numnet.ops.arithmetic import _scalar_safe, multiply, subtract
from numnet.ops.indexing import get_item
from numnet.ops.shape import broadcast_to, moveaxis, reshape, stack

__all__ = ["matmul", "dot", "tensordot", "einsum", "outer", "kron", "cross"]


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
        if a.ndim == 1 and b.ndim == 1:
            grad = np.reshape(grad, (1, 1))
        elif a.ndim == 1:
            grad = np.expand_dims(grad, -2)
        elif b.ndim == 1:
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

    Args:
        x1: first operand (tensor or array-like).
        x2: second operand; its second-to-last axis meets `x1`'s last axis.

    Returns:
        A Tensor: the product, in the inputs' (promoted) dtype.

    Raises:
        ValueError: the inner dimensions or batch dimensions do not match (names both shapes).
    """
    return MatMul.apply(x1, x2)


# ----- tensordot / dot -------------------------------------------------------------------
def _tensordot_axes(op: str, a_shape: Tuple[int, ...], b_shape: Tuple[int, ...], axes: Any):
    """Normalize `axes` to two equal-length lists of non-negative axes, checking sizes."""
    if isinstance(axes, (int, np.integer)):
        n = int(axes)
        if n < 0 or n > len(a_shape) or n > len(b_shape):
            raise ValueError(f"{op}: cannot contract {n} axes of shapes {a_shape} and {b_shape}")
        ca, cb = list(range(len(a_shape) - n, len(a_shape))), list(range(n))
    else:
        try:
            ca, cb = axes
        except (TypeError, ValueError):
            raise ValueError(f"{op}: axes must be an int or a pair of axis lists, got {axes!r}") from None
        ca = [ca] if isinstance(ca, (int, np.integer)) else list(ca)
        cb = [cb] if isinstance(cb, (int, np.integer)) else list(cb)
        if len(ca) != len(cb):
            raise ValueError(f"{op}: axes {axes!r} name different numbers of axes for the two inputs")
        for axs, shape in ((ca, a_shape), (cb, b_shape)):
            for i, ax in enumerate(axs):
                if not -len(shape) <= ax < len(shape):
                    raise ValueError(
                        f"{op}: axis {ax} is out of range for a tensor of rank {len(shape)} (shape {shape})"
                    )
                axs[i] = int(ax) % len(shape)
        if len(set(ca)) != len(ca) or len(set(cb)) != len(cb):
            raise ValueError(f"{op}: repeated axis in {axes!r}")
    for i, j in zip(ca, cb):
        if a_shape[i] != b_shape[j]:
            raise ValueError(
                f"{op}: shapes {a_shape} and {b_shape} are not aligned: axis {i} of the first "
                f"({a_shape[i]}) != axis {j} of the second ({b_shape[j]})"
            )
    return ca, cb


class TensorDot(Function):
    def forward(self, a, b, ca, cb):
        self.a, self.b, self.ca, self.cb = a, b, ca, cb
        return np.tensordot(a, b, axes=(ca, cb))

    def backward(self, grad):
        a, b, ca, cb = self.a, self.b, self.ca, self.cb
        fa = [i for i in range(a.ndim) if i not in ca]
        fb = [i for i in range(b.ndim) if i not in cb]
        ga = gb = None
        if self.needs_input_grad[0]:
            # axes of the result: a's free axes, then b's contracted axes in b's order
            g = np.tensordot(grad, b, axes=(list(range(len(fa), grad.ndim)), fb))
            labels = fa + [ca[cb.index(j)] for j in sorted(cb)]
            ga = np.transpose(g, np.argsort(labels))
        if self.needs_input_grad[1]:
            g = np.tensordot(a, grad, axes=(fa, list(range(len(fa)))))
            labels = [cb[ca.index(i)] for i in sorted(ca)] + fb
            gb = np.transpose(g, np.argsort(labels))
        return ga, gb


def tensordot(x1: Any, x2: Any, axes: Any = 2) -> Tensor:
    """Sum products over the given axes (NumPy `tensordot` rules).

    Args:
        axes: an int n (last n axes of x1 with first n of x2) or a pair of axis lists.

    Raises:
        ValueError: contracted axes differ in length (names both shapes).
    """
    a, b = as_tensor(x1), as_tensor(x2)
    ca, cb = _tensordot_axes("tensordot", a.shape, b.shape, axes)
    return TensorDot.apply(a, b, ca=ca, cb=cb)


def dot(x1: Any, x2: Any) -> Tensor:
    """Dot product with NumPy `dot` rules.

    Scalars multiply; 1-D and 2-D inputs follow `matmul`; otherwise the last axis of x1
    is contracted with the second-to-last axis of x2 (its only axis when 1-D).

    Args:
        x1: first operand (tensor or array-like).
        x2: second operand.

    Returns:
        A Tensor: the product, in the inputs' (promoted) dtype.

    Raises:
        ValueError: the contracted axes differ in length (names both shapes).
    """
    a, b = as_tensor(x1), as_tensor(x2)
    if a.ndim == 0 or b.ndim == 0:
        from numnet.ops.arithmetic import multiply

        return multiply(a, b)
    cb = 0 if b.ndim == 1 else b.ndim - 2
    if a.shape[-1] != b.shape[cb]:
        raise ValueError(
            f"dot: shapes {a.shape} and {b.shape} are not aligned: {a.shape[-1]} (last axis of the "
            f"first) != {b.shape[cb]} (axis {cb} of the second)"
        )
    if a.ndim <= 2 and b.ndim <= 2:
        return MatMul.apply(a, b)
    return TensorDot.apply(a, b, ca=[a.ndim - 1], cb=[cb])


def outer(x1: Any, x2: Any) -> Tensor:
    """Outer product of the flattened inputs (shape (x1.size, x2.size)).

    Args:
        x1: first operand (flattened).
        x2: second operand (flattened).

    Returns:
        A Tensor: the product, in the inputs' (promoted) dtype.
    """
    return MatMul.apply(reshape(x1, (-1, 1)), reshape(x2, (1, -1)))


# ----- kron / cross ----------------------------------------------------------------------
def kron(x1: Any, x2: Any) -> Tensor:
    """Kronecker product of two tensors (the lower-rank one gets leading axes of length 1).

    Args:
        x1: first tensor.
        x2: second tensor.

    Returns:
        A Tensor whose axis i has length `x1.shape[i] * x2.shape[i]`.
    """
    a, b = as_tensor(x1), as_tensor(x2)
    nd = max(a.ndim, b.ndim)
    sa, sb = (1,) * (nd - a.ndim) + a.shape, (1,) * (nd - b.ndim) + b.shape
    a = reshape(a, tuple(v for s in sa for v in (s, 1)))
    b = reshape(b, tuple(v for s in sb for v in (1, s)))
    a, b = _scalar_safe(a, b)
    return reshape(multiply(a, b), tuple(p * q for p, q in zip(sa, sb)))


def cross(x1: Any, x2: Any, axisa: int = -1, axisb: int = -1, axisc: int = -1, axis: Optional[int] = None) -> Tensor:
    """Cross product of vectors of length 2 or 3 (NumPy's `cross`).

    Two 2-vectors give the z component only (a scalar per pair); a 2-vector is otherwise
    taken as a 3-vector with z = 0.

    Args:
        x1: first vectors, along `axisa`.
        x2: second vectors, along `axisb`; the other axes broadcast against `x1`'s.
        axisa: the vector axis of `x1`.
        axisb: the vector axis of `x2`.
        axisc: the vector axis of the result.
        axis: if given, overrides `axisa`, `axisb` and `axisc`.

    Returns:
        A Tensor of cross products.

    Raises:
        ValueError: a vector axis does not have length 2 or 3.
    """
    if axis is not None:
        axisa = axisb = axisc = axis
    a, b = as_tensor(x1), as_tensor(x2)
    a = moveaxis(a, _one_axis("cross", axisa, a.shape), -1)
    b = moveaxis(b, _one_axis("cross", axisb, b.shape), -1)
    for name, v in (("x1", a), ("x2", b)):
        if v.shape[-1] not in (2, 3):
            raise ValueError(f"cross: the vector axis of {name} must have length 2 or 3, got {v.shape[-1]} "
                             f"(shape {v.shape})")

    def comp(v: Tensor, i: int) -> Any:
        return get_item(v, (Ellipsis, i)) if i < v.shape[-1] else None

    a0, a1, a2 = comp(a, 0), comp(a, 1), comp(a, 2)
    b0, b1, b2 = comp(b, 0), comp(b, 1), comp(b, 2)
    z = subtract(multiply(a0, b1), multiply(a1, b0))
    if a2 is None and b2 is None:
        return z
    if a2 is None:
        x, y = multiply(a1, b2), _negative_mul(a0, b2)
    elif b2 is None:
        x, y = _negative_mul(a2, b1), multiply(a2, b0)
    else:
        x = subtract(multiply(a1, b2), multiply(a2, b1))
        y = subtract(multiply(a2, b0), multiply(a0, b2))
    full = np.broadcast_shapes(x.shape, y.shape, z.shape)
    out = stack([broadcast_to(v, full) for v in (x, y, z)], axis=-1)
    return moveaxis(out, -1, _one_axis("cross", axisc, out.shape))


def _negative_mul(u: Tensor, v: Tensor) -> Tensor:
    """-(u * v)."""
    return subtract(np.zeros((), dtype=np.result_type(u.dtype, v.dtype)), multiply(u, v))


# ----- einsum ----------------------------------------------------------------------------
_LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"


def _parse_einsum(subscripts: str, shapes: Sequence[Tuple[int, ...]]) -> Tuple[List[str], str]:
    """Return explicit per-operand subscripts and output subscripts, with '...' expanded."""
    spec = subscripts.replace(" ", "")
    if "->" in spec:
        lhs, out = spec.split("->", 1)
        explicit = True
    else:
        lhs, out, explicit = spec, "", False
    inputs = lhs.split(",")
    if len(inputs) != len(shapes):
        raise ValueError(
            f"einsum: subscripts {subscripts!r} name {len(inputs)} operands but {len(shapes)} were given"
        )
    used = set(spec) - set(".,->")
    bad = [c for c in used if c not in _LETTERS]
    if bad:
        raise ValueError(f"einsum: invalid subscript character {bad[0]!r} in {subscripts!r}")
    free = [c for c in _LETTERS if c not in used]
    ell_rank = 0
    for sub, shape in zip(inputs, shapes):
        if "..." in sub:
            ell_rank = max(ell_rank, len(shape) - (len(sub) - 3))
    ell = "".join(free[:ell_rank])
    expanded = []
    for i, (sub, shape) in enumerate(zip(inputs, shapes)):
        if "..." in sub:
            k = len(shape) - (len(sub) - 3)
            if k < 0:
                raise ValueError(f"einsum: operand {i} of shape {shape} has too few axes for {sub!r}")
            sub = sub.replace("...", ell[ell_rank - k:] if k else "")
        if "." in sub or len(sub) != len(shape):
            raise ValueError(
                f"einsum: operand {i} has shape {shape} ({len(shape)} axes) but its subscripts "
                f"{sub!r} name {len(sub)}"
            )
        expanded.append(sub)
    if explicit:
        out = out.replace("...", ell)
        if "." in out:
            raise ValueError(f"einsum: invalid output subscripts in {subscripts!r}")
        missing = [c for c in out if c not in "".join(expanded)]
        if missing or len(set(out)) != len(out):
            raise ValueError(f"einsum: output subscripts {out!r} must be distinct letters from the inputs")
    else:
        joined = "".join(expanded)
        out = ell + "".join(sorted(c for c in set(joined) if joined.count(c) == 1 and c not in ell))
    return expanded, out


class Einsum(Function):
    def forward(self, *arrays, subs, out):
        self.arrays, self.subs, self.out = arrays, subs, out
        spec = ",".join(subs) + "->" + out
        try:
            return np.einsum(spec, *arrays, optimize=len(arrays) > 1)
        except ValueError as exc:
            shapes = ", ".join(str(a.shape) for a in arrays)
            raise ValueError(f"einsum: cannot apply {spec!r} to shapes {shapes}: {exc}") from None

    def backward(self, grad):
        grads = []
        for i, (arr, sub) in enumerate(zip(self.arrays, self.subs)):
            if not self.needs_input_grad[i]:
                grads.append(None)
                continue
            others = [(s, a) for j, (s, a) in enumerate(zip(self.subs, self.arrays)) if j != i]
            available = set(self.out).union(*[set(s) for s, _ in others])
            unique = "".join(dict.fromkeys(sub))
            kept = "".join(c for c in unique if c in available)
            spec = ",".join([self.out] + [s for s, _ in others]) + "->" + kept
            g = np.einsum(spec, grad, *[a for _, a in others], optimize=len(others) > 0)
            # letters only this operand sums over: broadcast back; size-1 axes: sum back
            sizes = {c: arr.shape[sub.index(c)] for c in unique}
            g = g.reshape(tuple(g.shape[kept.index(c)] if c in kept else 1 for c in unique))
            stretched = tuple(k for k, c in enumerate(unique) if sizes[c] == 1 and g.shape[k] != 1)
            if stretched:
                g = g.sum(axis=stretched, keepdims=True)
            g = np.broadcast_to(g, tuple(sizes[c] for c in unique))
            if len(unique) != len(sub):  # repeated letters: the gradient lives on the diagonal
                full = np.zeros(arr.shape, dtype=grad.dtype)
                index = []
                for c in sub:
                    view = [1] * len(unique)
                    view[unique.index(c)] = sizes[c]
                    index.append(np.arange(sizes[c]).reshape(view))
                full[tuple(index)] = g
                g = full
            grads.append(g)
        return tuple(grads)


def einsum(subscripts: str, *operands: Any) -> Tensor:
    """Einstein summation (`np.einsum` notation, implicit or explicit output, '...').

    Differentiable in every operand, including repeated letters (diagonals, traces),
    letters summed within one operand and size-1 broadcasting.

    Args:
        subscripts: Einstein summation subscripts, e.g. `'ij,jk->ik'`.
        *operands: the tensors, one per input subscript.

    Returns:
        A Tensor.

    Raises:
        ValueError: the subscripts do not match the operands' number of axes or sizes.
    """
    tensors = [as_tensor(x) for x in operands]
    subs, out = _parse_einsum(subscripts, [t.shape for t in tensors])
    return Einsum.apply(*tensors, subs=subs, out=out)
