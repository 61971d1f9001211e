"""More `keras.ops` math: trigonometry, sorting, quantiles, norms, triangles and diagonals,
scatters and segments, slices, and the `keras.ops.nn` helpers moments/normalize/batch_normalization.

Conventions (the same as in `numnet.ops.elementwise`):

* float inputs keep their dtype (float32 stays float32); integer or bool inputs of
  transcendental ops, norms and quantiles are computed in float32, as Keras does.
* Index results (`argsort`-like parts of `top_k`) are int32, as in Keras.
* Gradients: `sort`, `top_k` (values), `median` and `quantile` send the gradient to the
  elements that were picked (through the sorting permutation; for `"linear"` and
  `"midpoint"` split between the two neighbours); `segment_max` and `scatter_update` with
  `reduction="max"`/`"min"` split it evenly among ties; `mod` uses NumPy's subgradient
  (d/dx1 = 1, d/dx2 = -floor(x1 / x2)); `floor_divide` and `linspace` are constants.
  The 2-norm has the subgradient 0 at the zero vector (as PyTorch), not NaN.
"""
from __future__ import annotations

import builtins
import math
from typing import Any, Optional, Sequence, Tuple, Union

import numpy as np

from numnet.autograd.function import Function, unbroadcast
from numnet.autograd.tensor import DEFAULT_FLOAT, Tensor, as_tensor
from numnet.ops.arithmetic import _scalar_safe, add, divide, multiply, power, subtract
from numnet.ops.cast import cast
from numnet.ops.elementwise import _erf, abs as _abs, maximum, sqrt, square, where
from numnet.ops.indexing import get_item
from numnet.ops.reduction import max as _max, mean, min as _min, normalize_axis, sum as _sum, var
from numnet.ops.shape import (
    broadcast_to, expand_dims, moveaxis, one_hot, ravel, reshape, stack, take,
    take_along_axis,
)

__all__ = [
    "log2", "log10", "exp2", "tan", "sinh", "cosh", "arcsin", "arccos", "arctan", "arcsinh",
    "arccosh", "arctanh", "arctan2", "erfinv", "floor_divide", "mod",
    "sort", "top_k", "cumprod", "diff", "diagonal", "diag", "trace", "tril", "triu",
    "norm", "median", "quantile", "kron", "cross", "linspace", "meshgrid", "roll", "select",
    "slice", "slice_update", "scatter", "scatter_update", "segment_sum", "segment_max",
    "multi_hot", "moments", "normalize", "batch_normalization",
]

_EPSILON = 1e-7  # Keras's backend.epsilon() default


def _t(x: Any) -> Tensor:
    return x if isinstance(x, Tensor) else as_tensor(x)


def _float(a: np.ndarray) -> np.ndarray:
    return a if a.dtype.kind == "f" else a.astype(DEFAULT_FLOAT)


def _float_t(x: Any) -> Tensor:
    """`x` as a floating-point Tensor (integers and bools become float32)."""
    t = _t(x)
    return t if t.dtype.kind == "f" else cast(t, DEFAULT_FLOAT)


def _constant(data: Any) -> Tensor:
    return Tensor._from_op(np.asarray(data), None)


def _int(op: str, name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{op}: {name} must be an int, got {value!r}")
    return int(value)


def _int_array(op: str, name: str, value: Any) -> np.ndarray:
    arr = np.asarray(value.data if isinstance(value, Tensor) else value)
    if arr.dtype.kind in "iu":
        return arr.astype(np.intp, copy=False)
    if arr.dtype.kind == "f" and arr.size and np.all(np.mod(arr, 1) == 0):
        return arr.astype(np.intp)
    if arr.size == 0:
        return arr.astype(np.intp)
    raise TypeError(f"{op}: {name} must be integers, got dtype {arr.dtype} (shape {arr.shape})")


def _one_axis(op: str, axis: Any, shape: Tuple[int, ...]) -> int:
    if isinstance(axis, (tuple, list)):
        raise TypeError(f"{op}: axis must be an int, got {axis!r}")
    return normalize_axis(op, axis, shape)[0]


# ----- elementwise math ------------------------------------------------------------------
class _UnaryMath(Function):
    """Elementwise `fn` with derivative `deriv(x, out)`; integer input runs in float32."""

    fn: Any
    deriv: Any

    def forward(self, x):
        self.x = _float(x)
        with np.errstate(divide="ignore", invalid="ignore"):
            self.out = np.asarray(type(self).fn(self.x))
        return self.out

    def backward(self, grad):
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            return (np.asarray(grad * type(self).deriv(self.x, self.out)),)


def _unary(name: str, fn: Any, deriv: Any) -> type:
    return type(name, (_UnaryMath,), {"fn": staticmethod(fn), "deriv": staticmethod(deriv)})


_LN2, _LN10 = math.log(2.0), math.log(10.0)
Log2 = _unary("Log2", np.log2, lambda x, y: 1.0 / (x * _LN2))
Log10 = _unary("Log10", np.log10, lambda x, y: 1.0 / (x * _LN10))
Exp2 = _unary("Exp2", np.exp2, lambda x, y: y * _LN2)
Tan = _unary("Tan", np.tan, lambda x, y: 1.0 + y * y)
Sinh = _unary("Sinh", np.sinh, lambda x, y: np.cosh(x))
Cosh = _unary("Cosh", np.cosh, lambda x, y: np.sinh(x))
Arcsin = _unary("Arcsin", np.arcsin, lambda x, y: 1.0 / np.sqrt(1.0 - x * x))
Arccos = _unary("Arccos", np.arccos, lambda x, y: -1.0 / np.sqrt(1.0 - x * x))
Arctan = _unary("Arctan", np.arctan, lambda x, y: 1.0 / (1.0 + x * x))
Arcsinh = _unary("Arcsinh", np.arcsinh, lambda x, y: 1.0 / np.sqrt(x * x + 1.0))
Arccosh = _unary("Arccosh", np.arccosh, lambda x, y: 1.0 / np.sqrt(x * x - 1.0))
Arctanh = _unary("Arctanh", np.arctanh, lambda x, y: 1.0 / (1.0 - x * x))


def _erfinv(x: np.ndarray) -> np.ndarray:
    """erfinv in float64: Winitzki's closed form (error ~2e-3) polished by Newton steps on erf."""
    x64 = np.asarray(x, dtype=np.float64)
    inside = np.abs(x64) < 1.0
    xs = np.where(inside, x64, 0.0)
    a = 0.147
    ln = np.log1p(-xs * xs)
    b = 2.0 / (math.pi * a) + 0.5 * ln
    y = np.copysign(np.sqrt(np.sqrt(b * b - ln / a) - b), xs)
    for _ in range(4):
        err = _erf(y) - xs
        y = y - err / (2.0 / math.sqrt(math.pi) * np.exp(-y * y))
    with np.errstate(invalid="ignore"):
        edge = np.where(np.abs(x64) == 1.0, np.copysign(np.inf, x64), np.nan)
    return np.where(inside, y, edge)


class Erfinv(Function):
    def forward(self, x):
        x = _float(x)
        self.out = np.asarray(_erfinv(x).astype(x.dtype))
        return self.out

    def backward(self, grad):
        with np.errstate(over="ignore"):
            return (np.asarray(grad * (math.sqrt(math.pi) / 2.0) * np.exp(self.out * self.out)),)


def log2(x: Any) -> Tensor:
    """Elementwise base-2 logarithm.

    Args:
        x: input tensor (integers are computed in float32).

    Returns:
        A float Tensor.
    """
    return Log2.apply(x)


def log10(x: Any) -> Tensor:
    """Elementwise base-10 logarithm.

    Args:
        x: input tensor (integers are computed in float32).

    Returns:
        A float Tensor.
    """
    return Log10.apply(x)


def exp2(x: Any) -> Tensor:
    """Elementwise `2 ** x`.

    Args:
        x: input tensor (integers are computed in float32).

    Returns:
        A float Tensor.
    """
    return Exp2.apply(x)


def tan(x: Any) -> Tensor:
    """Elementwise tangent.

    Args:
        x: input tensor, in radians.

    Returns:
        A float Tensor.
    """
    return Tan.apply(x)


def sinh(x: Any) -> Tensor:
    """Elementwise hyperbolic sine.

    Args:
        x: input tensor.

    Returns:
        A float Tensor.
    """
    return Sinh.apply(x)


def cosh(x: Any) -> Tensor:
    """Elementwise hyperbolic cosine.

    Args:
        x: input tensor.

    Returns:
        A float Tensor.
    """
    return Cosh.apply(x)


def arcsin(x: Any) -> Tensor:
    """Elementwise inverse sine (NaN outside [-1, 1]).

    Args:
        x: input tensor.

    Returns:
        A float Tensor, in radians.
    """
    return Arcsin.apply(x)


def arccos(x: Any) -> Tensor:
    """Elementwise inverse cosine (NaN outside [-1, 1]).

    Args:
        x: input tensor.

    Returns:
        A float Tensor, in radians.
    """
    return Arccos.apply(x)


def arctan(x: Any) -> Tensor:
    """Elementwise inverse tangent.

    Args:
        x: input tensor.

    Returns:
        A float Tensor, in radians.
    """
    return Arctan.apply(x)


def arcsinh(x: Any) -> Tensor:
    """Elementwise inverse hyperbolic sine.

    Args:
        x: input tensor.

    Returns:
        A float Tensor.
    """
    return Arcsinh.apply(x)


def arccosh(x: Any) -> Tensor:
    """Elementwise inverse hyperbolic cosine (NaN below 1).

    Args:
        x: input tensor.

    Returns:
        A float Tensor.
    """
    return Arccosh.apply(x)


def arctanh(x: Any) -> Tensor:
    """Elementwise inverse hyperbolic tangent (NaN outside [-1, 1]).

    Args:
        x: input tensor.

    Returns:
        A float Tensor.
    """
    return Arctanh.apply(x)


def erfinv(x: Any) -> Tensor:
    """Elementwise inverse error function (±inf at ±1, NaN outside [-1, 1]).

    Args:
        x: input tensor (integers are computed in float32).

    Returns:
        A float Tensor `y` with `erf(y) == x`.
    """
    return Erfinv.apply(x)


def _binary_operands(op: str, x1: Any, x2: Any) -> Tuple[Any, Any]:
    if not isinstance(x1, Tensor) and not isinstance(x2, Tensor):
        x1 = _t(x1)
    a, b = _scalar_safe(x1, x2)
    sa, sb = np.shape(getattr(a, "data", a)), np.shape(getattr(b, "data", b))
    try:
        np.broadcast_shapes(sa, sb)
    except ValueError:
        raise ValueError(f"{op}: shapes {sa} and {sb} cannot be broadcast together") from None
    return a, b


class Arctan2(Function):
    def forward(self, a, b):
        dtype = np.result_type(_float(a), _float(b))
        self.a, self.b = a.astype(dtype, copy=False), b.astype(dtype, copy=False)
        return np.arctan2(self.a, self.b)

    def backward(self, grad):
        with np.errstate(divide="ignore", invalid="ignore"):
            scale = grad / (self.a * self.a + self.b * self.b)
        ga = unbroadcast(scale * self.b, self.a.shape) if self.needs_input_grad[0] else None
        gb = unbroadcast(-scale * self.a, self.b.shape) if self.needs_input_grad[1] else None
        return ga, gb


def arctan2(x1: Any, x2: Any) -> Tensor:
    """Elementwise angle of the point `(x2, x1)`, choosing the quadrant correctly.

    Args:
        x1: y coordinates.
        x2: x coordinates, broadcast against `x1`.

    Returns:
        A float Tensor of angles in radians, in [-pi, pi].
    """
    return Arctan2.apply(*_binary_operands("arctan2", x1, x2))


class Mod(Function):
    def forward(self, a, b):
        self.a, self.b = a, b
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.mod(a, b)

    def backward(self, grad):
        ga = unbroadcast(grad, self.a.shape) if self.needs_input_grad[0] else None
        gb = None
        if self.needs_input_grad[1]:
            with np.errstate(divide="ignore", invalid="ignore"):
                gb = unbroadcast(-grad * np.floor_divide(self.a, self.b), self.b.shape)
        return ga, gb


def mod(x1: Any, x2: Any) -> Tensor:
    """Elementwise remainder of floor division; the result has the sign of `x2` (as `np.mod`).

    Args:
        x1: dividend.
        x2: divisor, broadcast against `x1`.

    Returns:
        A Tensor of the promoted dtype (Python numbers do not upcast a tensor).

    Raises:
        ValueError: the shapes do not broadcast.
    """
    return Mod.apply(*_binary_operands("mod", x1, x2))


def floor_divide(x1: Any, x2: Any) -> Tensor:
    """Elementwise `x1 // x2` (floor of the quotient); not differentiable.

    Args:
        x1: dividend.
        x2: divisor, broadcast against `x1`.

    Returns:
        A Tensor of the promoted dtype (a constant: no gradient).

    Raises:
        ValueError: the shapes do not broadcast.
    """
    a, b = _binary_operands("floor_divide", x1, x2)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.floor_divide(getattr(a, "data", a), getattr(b, "data", b))
    return _constant(out)


# ----- sorting ---------------------------------------------------------------------------
class Sort(Function):
    def forward(self, x, axis):
        self.axis, self.shape = axis, x.shape
        self.idx = np.argsort(x, axis=axis, kind="stable")
        return np.take_along_axis(x, self.idx, axis=axis)

    def backward(self, grad):
        g = np.empty(self.shape, dtype=grad.dtype)
        np.put_along_axis(g, self.idx, grad, axis=self.axis)
        return (g,)


def sort(x: Any, axis: Optional[int] = -1) -> Tensor:
    """Sort along `axis` in ascending order (the gradient follows the permutation).

    Args:
        x: input tensor.
        axis: the axis to sort along; None sorts the flattened tensor.

    Returns:
        A Tensor of the same dtype.

    Raises:
        ValueError: `axis` is out of range (or `x` is a scalar).
    """
    t = _t(x)
    if axis is None:
        t, axis = ravel(t), 0
    if t.ndim == 0:
        raise ValueError("sort: cannot sort a scalar (shape ())")
    return Sort.apply(t, axis=_one_axis("sort", axis, t.shape))


def top_k(x: Any, k: int, sorted: bool = True) -> Tuple[Tensor, Tensor]:  # noqa: A002 - keras name
    """The `k` largest entries along the last axis and their int32 indices.

    Ties keep the lower index first. The values are differentiable (the gradient goes to the
    positions picked); the indices are not.

    Args:
        x: input tensor of rank >= 1.
        k: how many entries to keep, `0 <= k <= x.shape[-1]`.
        sorted: return them in descending order (they always are here, as on JAX).

    Returns:
        A tuple `(values, indices)`, each of shape `x.shape[:-1] + (k,)`.

    Raises:
        TypeError: `k` is not an int.
        ValueError: `x` is a scalar or `k` is out of range.
    """
    t = _t(x)
    k = _int("top_k", "k", k)
    if t.ndim == 0:
        raise ValueError("top_k: input must have rank >= 1, got a scalar (shape ())")
    n = t.shape[-1]
    if not 0 <= k <= n:
        raise ValueError(f"top_k: k must be in [0, {n}] for a last axis of length {n}, got k={k} (shape {t.shape})")
    data = t.data
    key = -data.astype(np.float64) if data.dtype.kind in "biu" else -data
    idx = np.argsort(key, axis=-1, kind="stable")[..., :k]
    return take_along_axis(t, idx, axis=-1), _constant(idx.astype(np.int32))


class CumProd(Function):
    def forward(self, x, axis):
        self.x, self.axis = x, axis
        self.out = np.cumprod(x, axis=axis, dtype=np.int32 if x.dtype.kind == "b" else x.dtype)
        return self.out

    def backward(self, grad):
        x, ax = self.x, self.axis
        if not (x == 0).any():
            acc = np.flip(np.cumsum(np.flip(grad * self.out, ax), axis=ax), ax)
            return (acc / x,)
        # exact with zeros: d out_j / d x_i = prod_{k <= j, k != i} x_k for j >= i
        n = x.shape[ax]
        g = np.zeros_like(x, dtype=grad.dtype)
        for i in range(n):
            xi = np.moveaxis(x.copy(), ax, 0)
            xi[i] = 1
            partial = np.moveaxis(np.cumprod(xi, axis=0), 0, ax)
            part = np.moveaxis(partial * grad, ax, 0)[i:].sum(axis=0)
            np.moveaxis(g, ax, 0)[i] = part
        return (g,)


def cumprod(x: Any, axis: Optional[int] = None, dtype: Any = None) -> Tensor:
    """Cumulative product along `axis` (of the flattened tensor when None).

    Args:
        x: input tensor.
        axis: int, or None to work on the flattened tensor.
        dtype: output dtype (default: `x`'s dtype).

    Returns:
        A Tensor; its gradient is exact also where `x` holds zeros.
    """
    t = _t(x)
    if axis is None:
        t, axis = ravel(t), 0
    out = CumProd.apply(t, axis=_one_axis("cumprod", axis, t.shape))
    return out if dtype is None else cast(out, dtype)


def diff(a: Any, n: int = 1, axis: int = -1) -> Tensor:
    """The `n`-th discrete difference `a[i + 1] - a[i]` along `axis`.

    Args:
        a: input tensor.
        n: how many times to take the difference (0 returns `a`).
        axis: the axis along which to take it.

    Returns:
        A Tensor whose `axis` is `n` shorter.

    Raises:
        ValueError: `n` is negative or `axis` is out of range.
    """
    t = _t(a)
    n = _int("diff", "n", n)
    if n < 0:
        raise ValueError(f"diff: order n must be non-negative, got {n}")
    if t.ndim == 0:
        raise ValueError("diff: input must have rank >= 1, got a scalar (shape ())")
    ax = _one_axis("diff", axis, t.shape)
    lead = (builtins.slice(None),) * ax
    for _ in range(n):
        t = subtract(get_item(t, lead + (builtins.slice(1, None),)), get_item(t, lead + (builtins.slice(None, -1),)))
    return t


# ----- diagonals and triangles -----------------------------------------------------------
def _diag_index(n: int, m: int, offset: int) -> Tuple[np.ndarray, np.ndarray]:
    rows = np.arange(builtins.max(0, -offset), builtins.min(n, m - offset)) if -n < offset < m else np.arange(0)
    return rows, rows + offset


class Diagonal(Function):
    def forward(self, x, offset, axis1, axis2):
        self.shape, self.dtype, self.args = x.shape, x.dtype, (offset, axis1, axis2)
        return np.diagonal(x, offset, axis1, axis2).copy()

    def backward(self, grad):
        offset, a1, a2 = self.args
        g = np.zeros(self.shape, dtype=grad.dtype)
        view = np.moveaxis(g, (a1, a2), (-2, -1))
        rows, cols = _diag_index(self.shape[a1], self.shape[a2], offset)
        view[..., rows, cols] = grad
        return (g,)


def diagonal(x: Any, offset: int = 0, axis1: int = 0, axis2: int = 1) -> Tensor:
    """The diagonal of the 2-D sub-arrays on axes (`axis1`, `axis2`), moved to the last axis.

    Args:
        x: input tensor of rank >= 2.
        offset: which diagonal (positive above the main one).
        axis1: the first axis of the 2-D sub-arrays.
        axis2: the second axis of the 2-D sub-arrays.

    Returns:
        A Tensor of rank `x.ndim - 1`.

    Raises:
        ValueError: `x` has rank < 2 or the axes are out of range or equal.
    """
    t = _t(x)
    if t.ndim < 2:
        raise ValueError(f"diagonal: input must have rank >= 2, got shape {t.shape}")
    a1, a2 = (normalize_axis("diagonal", a, t.shape)[0] for a in (axis1, axis2))
    if a1 == a2:
        raise ValueError(f"diagonal: axis1 and axis2 must differ, got {axis1} and {axis2} (shape {t.shape})")
    return Diagonal.apply(t, offset=_int("diagonal", "offset", offset), axis1=a1, axis2=a2)


class DiagMatrix(Function):
    def forward(self, v, k):
        self.k = k
        return np.diag(v, k)

    def backward(self, grad):
        return (np.diagonal(grad, self.k).copy(),)


def diag(x: Any, k: int = 0) -> Tensor:
    """Build a matrix with `x` on diagonal `k` (1-D `x`) or extract diagonal `k` (2-D `x`).

    Args:
        x: a 1-D or 2-D tensor.
        k: the diagonal (0 the main one, positive above it).

    Returns:
        A 2-D Tensor (from 1-D input) or a 1-D Tensor (from 2-D input).

    Raises:
        ValueError: `x` is not 1-D or 2-D.
    """
    t = _t(x)
    k = _int("diag", "k", k)
    if t.ndim == 1:
        return DiagMatrix.apply(t, k=k)
    if t.ndim == 2:
        return diagonal(t, offset=k)
    raise ValueError(f"diag: input must be 1-D or 2-D, got shape {t.shape}")


def trace(x: Any, offset: int = 0, axis1: int = 0, axis2: int = 1) -> Tensor:
    """Sum along a diagonal of the 2-D sub-arrays on axes (`axis1`, `axis2`).

    Args:
        x: input tensor of rank >= 2.
        offset: which diagonal (positive above the main one).
        axis1: the first axis of the 2-D sub-arrays.
        axis2: the second axis of the 2-D sub-arrays.

    Returns:
        A Tensor of rank `x.ndim - 2`, of `x`'s dtype (bool gives int32).
    """
    d = diagonal(x, offset, axis1, axis2)
    dtype = d.dtype if d.dtype.kind != "b" else np.dtype(np.int32)
    return _sum(d, axis=-1, dtype=dtype)


class _Triangle(Function):
    upper = False

    def forward(self, x, k):
        n, m = x.shape[-2:]
        self.mask = ~np.tri(n, m, k - 1, dtype=bool) if self.upper else np.tri(n, m, k, dtype=bool)
        return np.where(self.mask, x, np.zeros((), dtype=x.dtype))

    def backward(self, grad):
        return (grad * self.mask,)


class Tril(_Triangle):
    upper = False


class Triu(_Triangle):
    upper = True


def _triangle(op: str, cls: type, x: Any, k: Any) -> Tensor:
    t = _t(x)
    if t.ndim < 2:
        raise ValueError(f"{op}: input must have rank >= 2, got shape {t.shape}")
    return cls.apply(t, k=_int(op, "k", k))


def tril(x: Any, k: int = 0) -> Tensor:
    """Zero the entries above diagonal `k` of the last two axes.

    Args:
        x: input tensor of rank >= 2.
        k: the diagonal kept last (0 the main one, positive above it).

    Returns:
        A Tensor of `x`'s shape and dtype.

    Raises:
        ValueError: `x` has rank < 2.
    """
    return _triangle("tril", Tril, x, k)


def triu(x: Any, k: int = 0) -> Tensor:
    """Zero the entries below diagonal `k` of the last two axes.

    Args:
        x: input tensor of rank >= 2.
        k: the first diagonal kept (0 the main one, positive above it).

    Returns:
        A Tensor of `x`'s shape and dtype.

    Raises:
        ValueError: `x` has rank < 2.
    """
    return _triangle("triu", Triu, x, k)


# ----- norms -----------------------------------------------------------------------------
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


# ----- quantiles -------------------------------------------------------------------------
_QUANTILE_METHODS = ("linear", "lower", "higher", "midpoint", "nearest")


def quantile(x: Any, q: Any, axis: Any = None, method: str = "linear", keepdims: bool = False) -> Tensor:
    """The `q`-th quantile(s) of `x` over `axis` (NumPy's definitions of the methods).

    Differentiable through the sort: the gradient goes to the one or two order statistics
    each quantile is made of. With `method="nearest"`, a quantile exactly halfway between
    two order statistics takes the lower one (as Keras on JAX).

    Args:
        x: input tensor (integers are computed in float32).
        q: a probability or a 1-D sequence of probabilities, each in [0, 1].
        axis: int, tuple of ints, or None for the flattened tensor.
        method: "linear", "lower", "higher", "midpoint" or "nearest".
        keepdims: keep the reduced axes as dimensions of length 1.

    Returns:
        A float Tensor; with a sequence `q` its first axis runs over the probabilities.

    Raises:
        ValueError: `q` is outside [0, 1], `method` is unknown, `axis` is bad or `x` is empty.
    """
    t = _float_t(x)
    if method not in _QUANTILE_METHODS:
        raise ValueError(f"quantile: method must be one of {_QUANTILE_METHODS}, got {method!r}")
    qs = np.asarray(q.data if isinstance(q, Tensor) else q, dtype=np.float64)
    if qs.ndim > 1:
        raise ValueError(f"quantile: q must be a number or 1-D, got shape {qs.shape}")
    if qs.size and (np.isnan(qs).any() or qs.min() < 0 or qs.max() > 1):
        raise ValueError(f"quantile: q must be in [0, 1], got {qs.tolist()!r}")
    shape = t.shape
    axes = normalize_axis("quantile", axis, shape)
    axes = tuple(range(t.ndim)) if axes is None else axes
    kept = [i for i in range(t.ndim) if i not in axes]
    n = int(np.prod([shape[a] for a in axes], dtype=np.int64))
    if n == 0:
        raise ValueError(f"quantile: cannot take a quantile over an empty axis (shape {shape}, axis {axis!r})")
    flat = reshape(moveaxis(t, axes, tuple(range(t.ndim - len(axes), t.ndim))) if axes else t,
                   tuple(shape[i] for i in kept) + (n,))
    ordered = sort(flat, axis=-1)
    pos = np.atleast_1d(qs) * (n - 1)
    lo = np.floor(pos).astype(np.intp)
    hi = np.minimum(lo + 1, n - 1)
    frac = pos - lo
    if method == "lower":
        out = take(ordered, lo, axis=-1)
    elif method == "higher":
        out = take(ordered, np.ceil(pos).astype(np.intp), axis=-1)
    elif method == "nearest":
        out = take(ordered, np.where(frac <= 0.5, lo, hi), axis=-1)
    else:
        lo_v, hi_v = take(ordered, lo, axis=-1), take(ordered, hi, axis=-1)
        if method == "midpoint":
            w = np.where(frac > 0, 0.5, 0.0).astype(t.dtype)
        else:
            w = frac.astype(t.dtype)
        out = add(multiply(lo_v, (1 - w).astype(t.dtype)), multiply(hi_v, w))
    out = moveaxis(out, -1, 0)  # (len(q),) + kept shape
    if keepdims:
        out = reshape(out, (out.shape[0],) + tuple(1 if i in axes else shape[i] for i in range(len(shape))))
    return reshape(out, out.shape[1:]) if qs.ndim == 0 else out


def median(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:
    """Median of `x` over `axis` (the mean of the two middle values for even counts).

    Args:
        x: input tensor (integers are computed in float32).
        axis: int, tuple of ints, or None for the flattened tensor.
        keepdims: keep the reduced axes as dimensions of length 1.

    Returns:
        A float Tensor (differentiable through the sort).
    """
    return quantile(x, 0.5, axis=axis, method="midpoint", keepdims=keepdims)


# ----- products, grids, rolls ------------------------------------------------------------
def kron(x1: Any, x2: Any) -> Tensor:
    """Kronecker product of two tensors (the lower-rank one gets leading axes of length 1).

    Args:
        x1: first tensor.
        x2: second tensor.

    Returns:
        A Tensor whose axis i has length `x1.shape[i] * x2.shape[i]`.
    """
    a, b = _t(x1), _t(x2)
    nd = builtins.max(a.ndim, b.ndim)
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
    a, b = _t(x1), _t(x2)
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


def linspace(start: Any, stop: Any, num: int = 50, endpoint: bool = True, retstep: bool = False,
             dtype: Any = None, axis: int = 0) -> Any:
    """`num` evenly spaced values from `start` to `stop` (not differentiable).

    Args:
        start: the first value (a number or an array, broadcast against `stop`).
        stop: the last value (included when `endpoint`).
        num: how many values, >= 0.
        endpoint: include `stop`.
        retstep: also return the spacing.
        dtype: output dtype (default float32; an integer dtype floors the values).
        axis: where the new axis goes when `start`/`stop` are arrays.

    Returns:
        A Tensor, or `(samples, step)` when `retstep`.

    Raises:
        ValueError: `num` is negative.
    """
    num = _int("linspace", "num", num)
    if num < 0:
        raise ValueError(f"linspace: num must be non-negative, got {num}")
    s = np.asarray(getattr(start, "data", start), dtype=np.float64)
    e = np.asarray(getattr(stop, "data", stop), dtype=np.float64)
    out, step = np.linspace(s, e, num, endpoint=endpoint, retstep=True, axis=axis)
    target = np.dtype(dtype or DEFAULT_FLOAT)
    if target.kind in "iu":
        out = np.floor(out)
    samples = _constant(out.astype(target))
    if retstep:
        return samples, _constant(np.asarray(step, dtype=target if target.kind == "f" else DEFAULT_FLOAT))
    return samples


def meshgrid(*x: Any, indexing: str = "xy") -> list:
    """Coordinate grids from 1-D coordinate vectors (differentiable in each vector).

    Args:
        *x: 1-D tensors of coordinates (higher ranks are flattened, as NumPy does).
        indexing: "xy" (Cartesian: the first two output axes swapped) or "ij" (matrix).

    Returns:
        A list of Tensors, one per input, all of the grid's shape.

    Raises:
        ValueError: `indexing` is not "xy" or "ij".
    """
    if indexing not in ("xy", "ij"):
        raise ValueError(f"meshgrid: indexing must be 'xy' or 'ij', got {indexing!r}")
    vecs = [ravel(_t(v)) for v in x]
    sizes = [v.shape[0] for v in vecs]
    n = len(vecs)
    if indexing == "xy" and n >= 2:
        sizes[0], sizes[1] = sizes[1], sizes[0]
    out = []
    for i, v in enumerate(vecs):
        pos = i
        if indexing == "xy" and n >= 2 and i < 2:
            pos = 1 - i
        shape = [1] * n
        shape[pos] = v.shape[0]
        out.append(broadcast_to(reshape(v, tuple(shape)), tuple(sizes)))
    return out


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
    t = _t(x)
    if axis is None:
        flat = ravel(t)
        n = flat.shape[0]
        s = int(np.sum(shift)) if n else 0
        return reshape(take(flat, (np.arange(n) - s) % builtins.max(n, 1), axis=0), t.shape)
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


def select(condlist: Sequence[Any], choicelist: Sequence[Any], default: Any = 0) -> Tensor:
    """Pick from `choicelist[i]` where `condlist[i]` is the first true condition, else `default`.

    Args:
        condlist: boolean tensors (broadcast together with the choices).
        choicelist: tensors to choose from, as many as `condlist`.
        default: the value where no condition holds.

    Returns:
        A Tensor of the broadcast shape (differentiable in the choices and `default`).

    Raises:
        ValueError: the two lists differ in length or are empty.
    """
    if not isinstance(condlist, (list, tuple)) or not isinstance(choicelist, (list, tuple)):
        raise TypeError("select: condlist and choicelist must be lists of tensors")
    if len(condlist) != len(choicelist) or not condlist:
        raise ValueError(f"select: condlist ({len(condlist)} items) and choicelist ({len(choicelist)} "
                         "items) must have the same non-zero length")
    choices = [_t(c) for c in choicelist]
    conds = [np.asarray(getattr(c, "data", c), dtype=bool) for c in condlist]
    shape = np.broadcast_shapes(*[c.shape for c in conds], *[c.shape for c in choices])
    out = default
    for cond, choice in zip(reversed(conds), reversed(choices)):
        out = where(cond, choice, out)
    return out if out.shape == shape else broadcast_to(out, shape)


# ----- slices, scatters and segments -----------------------------------------------------
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
    t = _t(inputs)
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
    t = _t(inputs)
    u = _t(updates)
    if u.dtype != t.dtype:
        u = cast(u, t.dtype)
    starts = _starts("slice_update", start_indices, t.shape)
    if u.ndim != t.ndim or any(s < 0 or s + n > d for s, n, d in zip(starts, u.shape, t.shape)):
        raise ValueError(f"slice_update: updates of shape {u.shape} at {list(starts)} do not fit inputs "
                         f"of shape {t.shape}")
    return SliceUpdate.apply(t, u, index=tuple(builtins.slice(s, s + n) for s, n in zip(starts, u.shape)))


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
    v = _t(values)
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
    t, u = _t(inputs), _t(updates)
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
    t = _t(data)
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
    t = _t(data)
    ids, num = _segments("segment_max", t, segment_ids, num_segments)
    return SegmentMax.apply(t, ids=ids, num=num)


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


# ----- keras.ops.nn statistics -----------------------------------------------------------
def moments(x: Any, axes: Any, keepdims: bool = False, synchronized: bool = False) -> Tuple[Tensor, Tensor]:
    """Mean and (population) variance of `x` over `axes`.

    Args:
        x: input tensor (integers are computed in float32; float16 in float32 and cast back).
        axes: the axes to reduce (an int or a list of ints).
        keepdims: keep the reduced axes as dimensions of length 1.
        synchronized: TensorFlow-only option of Keras; ignored.

    Returns:
        A tuple `(mean, variance)` of Tensors.
    """
    t = _float_t(x)
    low = t.dtype == np.float16
    if low:
        t = cast(t, np.float32)
    m, v = mean(t, axis=axes, keepdims=keepdims), var(t, axis=axes, keepdims=keepdims)
    if low:
        m, v = cast(m, np.float16), cast(v, np.float16)
    return m, v


def normalize(x: Any, axis: Any = -1, order: int = 2, epsilon: Optional[float] = None) -> Tensor:
    """`x / max(norm(x), epsilon)` over `axis` (the `order`-norm).

    Args:
        x: input tensor (integers are computed in float32).
        axis: the axis or axes of the norm.
        order: the norm's order, an int >= 1.
        epsilon: the lower bound of the norm (default 1e-7, Keras's `backend.epsilon()`).

    Returns:
        A Tensor of `x`'s shape.

    Raises:
        ValueError: `order` is not an int >= 1.
    """
    if isinstance(order, bool) or not isinstance(order, (int, np.integer)) or order < 1:
        raise ValueError(f"normalize: order must be an int >= 1, got order={order!r}")
    t = _float_t(x)
    if t.ndim == 0:
        t = expand_dims(t, 0)
    eps = _EPSILON if epsilon is None else float(epsilon)
    if order == 2:
        sq = _sum(square(t), axis=axis, keepdims=True)
        denom = sqrt(maximum(sq, np.asarray(eps * eps, dtype=t.dtype)))
    else:
        denom = maximum(norm(t, ord=int(order), axis=axis, keepdims=True), np.asarray(eps, dtype=t.dtype))
    return divide(t, denom)


def batch_normalization(x: Any, mean: Any, variance: Any, axis: int, offset: Any = None,  # noqa: A002
                        scale: Any = None,
                        epsilon: float = 1e-3) -> Tensor:
    """`(x - mean) / sqrt(variance + epsilon) * scale + offset`, statistics along `axis`.

    Args:
        x: input tensor.
        mean: 1-D tensor of length `x.shape[axis]`.
        variance: 1-D tensor of length `x.shape[axis]`.
        axis: the feature axis of `x` the statistics run along.
        offset: optional 1-D shift (beta).
        scale: optional 1-D scale (gamma).
        epsilon: added to the variance.

    Returns:
        A Tensor of `x`'s shape (differentiable in every tensor argument).

    Raises:
        ValueError: a statistic is not 1-D of length `x.shape[axis]`.
    """
    t = _float_t(x)
    ax = _one_axis("batch_normalization", axis, t.shape)
    shape = [1] * t.ndim
    shape[ax] = t.shape[ax]

    def prep(name: str, v: Any) -> Optional[Tensor]:
        if v is None:
            return None
        v = _t(v)
        if v.shape != (t.shape[ax],):
            raise ValueError(f"batch_normalization: {name} must have shape ({t.shape[ax]},) for axis {axis} "
                             f"of x of shape {t.shape}, got {v.shape}")
        if v.dtype != t.dtype:
            v = cast(v, t.dtype)
        return reshape(v, tuple(shape))

    m, v, b, g = prep("mean", mean), prep("variance", variance), prep("offset", offset), prep("scale", scale)
    inv = divide(np.ones((), dtype=t.dtype), sqrt(add(v, np.asarray(epsilon, dtype=t.dtype))))
    if g is not None:
        inv = multiply(inv, g)
    out = multiply(subtract(t, m), inv)
    return add(out, b) if b is not None else out
