"""Vector and matrix norms: `norm`, with NumPy's `linalg.norm` semantics as `keras.ops.norm`
has them. Integer inputs are computed in float32. The 2-norm and the Frobenius norm have the
subgradient 0 at the zero vector (as PyTorch), not NaN; the singular-value norms ("nuc", 2,
-2) differentiate through the SVD; `ord=0` counts non-zeros and has no gradient.
"""
from __future__ import annotations

from typing import Any, Tuple, Union

import numpy as np

from numnet.autograd.function import Function
from numnet.autograd.tensor import Tensor
from numnet.ops._op_utils import _constant, _float_t, _one_axis
from numnet.ops.arithmetic import power
from numnet.ops.elementwise import abs as _abs
from numnet.ops.reduction import max as _max, min as _min, sum as _sum
from numnet.ops.shape import moveaxis, reshape

__all__ = ["norm"]


class L2Norm(Function):
    def forward(self, x, axes):
        self.x = x
        self.out = np.sqrt(np.sum(x * x, axis=axes, keepdims=True))
        return self.out

    def backward(self, grad):
        safe = np.where(self.out > 0, self.out, 1)
        return (grad * np.where(self.out > 0, self.x / safe, 0),)


class SingularValueNorm(Function):
    """nuc (sum), 2 (largest) or -2 (smallest singular value) of the last two axes."""

    def forward(self, x, which):
        self.which = which
        u, s, vt = np.linalg.svd(x, full_matrices=False)
        if which == "nuc":
            self.u, self.vt = u, vt
            return s.sum(axis=-1)
        i = 0 if which == 2 else s.shape[-1] - 1
        self.u, self.vt = u[..., :, i:i + 1], vt[..., i:i + 1, :]
        return s[..., i]

    def backward(self, grad):
        return (grad[..., None, None] * (self.u @ self.vt),)


def _norm_out_shape(shape: Tuple[int, ...], axes: Tuple[int, ...], keepdims: bool) -> Tuple[int, ...]:
    if keepdims:
        return tuple(1 if i in axes else n for i, n in enumerate(shape))
    return tuple(n for i, n in enumerate(shape) if i not in axes)


def norm(x: Any, ord: Union[None, int, float, str] = None, axis: Any = None,  # noqa: A002 - keras name
         keepdims: bool = False) -> Tensor:
    """Matrix or vector norm, as `keras.ops.norm` (NumPy's `linalg.norm` semantics).

    Vector norms (`axis` an int, or 1-D `x`): `ord` None or 2 (Euclidean), 1, inf
    (max |x|), -inf (min |x|), 0 (number of non-zeros, no gradient), or any other number p
    (`sum(|x|**p) ** (1/p)`). Matrix norms (`axis` a 2-tuple, or 2-D `x`): None or "fro",
    "nuc", 1, -1, inf, -inf, 2, -2 (singular values). With `axis=None` and `ord=None` the
    2-norm of the flattened tensor is returned.

    Args:
        x: input tensor (integers are computed in float32).
        ord: the order of the norm (see above).
        axis: None, an int (vector norms) or a 2-tuple of ints (matrix norms).
        keepdims: keep the reduced axes as dimensions of length 1.

    Returns:
        A float Tensor.

    Raises:
        ValueError: an unsupported `ord` for the kind of norm, or a bad `axis`.
    """
    t = _float_t(x)
    shape = t.shape
    if axis is None:
        if ord is None:
            axes = tuple(range(t.ndim))
            return reshape(L2Norm.apply(t, axes=axes), _norm_out_shape(shape, axes, keepdims))
        if t.ndim not in (1, 2):
            raise ValueError(f"norm: with ord={ord!r} and axis=None the input must be 1-D or 2-D, got shape {shape}")
        axes = tuple(range(t.ndim))
    else:
        raw = tuple(axis) if isinstance(axis, (tuple, list)) else (axis,)
        if len(raw) not in (1, 2):
            raise ValueError(f"norm: axis must be an int or a 2-tuple of ints, got {axis!r} (shape {shape})")
        axes = tuple(_one_axis("norm", a, shape) for a in raw)
        if len(set(axes)) != len(axes):
            raise ValueError(f"norm: repeated axis in {axis!r} (shape {shape})")
    out_shape = _norm_out_shape(shape, axes, keepdims)
    if len(axes) == 1:
        out = _vector_norm(t, ord, axes[0])
    else:
        out = _matrix_norm(t, ord, axes)
    return reshape(out, out_shape)


def _vector_norm(t: Tensor, ord: Any, ax: int) -> Tensor:  # noqa: A002
    if ord is None or (not isinstance(ord, str) and ord == 2):
        return L2Norm.apply(t, axes=(ax,))
    if isinstance(ord, str) or isinstance(ord, bool) or not isinstance(ord, (int, float, np.number)):
        raise ValueError(f"norm: invalid ord={ord!r} for a vector norm (use None, a number, inf or -inf)")
    if ord == np.inf:
        return _max(_abs(t), axis=ax, keepdims=True)
    if ord == -np.inf:
        return _min(_abs(t), axis=ax, keepdims=True)
    if ord == 0:
        return _constant(np.sum(t.data != 0, axis=ax, keepdims=True).astype(t.dtype))
    if ord == 1:
        return _sum(_abs(t), axis=ax, keepdims=True)
    p = np.asarray(ord, dtype=t.dtype)
    return power(_sum(power(_abs(t), p), axis=ax, keepdims=True), np.asarray(1.0 / float(ord), dtype=t.dtype))


def _matrix_norm(t: Tensor, ord: Any, axes: Tuple[int, int]) -> Tensor:  # noqa: A002
    r, c = axes
    if ord is None or ord == "fro":
        return L2Norm.apply(t, axes=axes)
    if ord == "nuc" or (not isinstance(ord, str) and ord in (2, -2)):
        moved = moveaxis(t, (r, c), (-2, -1))
        out = SingularValueNorm.apply(moved, which="nuc" if ord == "nuc" else int(ord))
        return out
    if not isinstance(ord, str) and ord in (1, -1, np.inf, -np.inf):
        inner, outer = (r, c) if ord in (1, -1) else (c, r)
        s = _sum(_abs(t), axis=inner, keepdims=True)
        return _max(s, axis=outer, keepdims=True) if ord > 0 else _min(s, axis=outer, keepdims=True)
    raise ValueError(f"norm: invalid ord={ord!r} for a matrix norm (use None, 'fro', 'nuc', 1, -1, 2, -2, inf or -inf)")
