"""Elementwise math and activations: exp, log, tanh, sigmoid, relu, gelu, where, select, clip, ...

Conventions shared by every op here:

* float inputs keep their dtype (float32 stays float32); integer or bool inputs of
  transcendental ops (exp, log, sigmoid, ...) are computed in float32, as Keras does.
* Non-differentiable ops (sign, floor, ceil, round) return tensors that do not require grad.
* At kinks the gradient is a fixed subgradient: relu/relu6/leaky_relu/elu/clip use the
  derivative of the branch taken for ``x > 0`` (so relu'(0) = 0) and clip passes the gradient
  where ``x_min <= x <= x_max``; abs'(0) = 0; `maximum`/`minimum` split the gradient equally
  between both inputs where they are equal (as PyTorch does).
"""
from __future__ import annotations

import math
from typing import Any, List, Sequence

import numpy as np

from numnet.autograd.function import Function, unbroadcast
from numnet.autograd.tensor import Tensor, as_tensor
from numnet.ops._op_utils import _float
from numnet.ops.arithmetic import _scalar_safe
from numnet.ops.shape import broadcast_to

__all__ = [
    "exp", "log", "sqrt", "abs", "absolute", "square", "clip", "maximum", "minimum", "where",
    "select", "sign", "tanh", "sigmoid", "relu", "relu6", "leaky_relu", "elu", "selu", "gelu", "softplus",
    "softsign", "silu", "swish", "log_sigmoid", "hard_sigmoid", "hard_silu", "hard_swish",
    "log1p", "expm1", "reciprocal", "floor", "ceil", "round", "sin", "cos", "erf",
    "celu", "glu", "hard_tanh", "hard_shrink", "soft_shrink", "tanh_shrink", "squareplus", "sparse_plus",
    "sparse_sigmoid", "threshold", "sparsemax",
]

_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946
_SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)
_GELU_COEF = 0.044715
_INV_SQRT_2 = 1.0 / math.sqrt(2.0)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)
_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)


def _values(x: Any) -> np.ndarray:
    return x.data if isinstance(x, Tensor) else Tensor(x).data


def _constant(data: np.ndarray) -> Tensor:
    return Tensor._from_op(data, None)


# ----- erfc / erf ------------------------------------------------------------------------
# erfc(z) = t * exp(-z**2 + P(t)) for z >= 0 with t = 2 / (2 + z), where P is smooth on [0, 1]
# (it tends to -log(2 sqrt(pi)) as z -> inf). P is fitted once, on first use, by Chebyshev
# interpolation of values from `math.erfc` (and its asymptotic series where erfc underflows).
# 27 Chebyshev terms reach double precision; the first 14 are enough for float32. They are
# converted to a power series in y = 2t - 1 (its coefficients stay below 1 in magnitude).
_ERFC_COEFS: List[List[float]] = []


def _erfc_fit_target(y: np.ndarray) -> np.ndarray:
    values = []
    for ty in np.atleast_1d(y):
        t = (float(ty) + 1.0) / 2.0
        z = 2.0 / t - 2.0
        if z <= 20.0:
            v = math.log(math.erfc(z)) + z * z
        else:  # asymptotic expansion of log(erfc(z)) + z**2
            s, term = 0.0, 1.0
            for n in range(1, 8):
                term *= -(2 * n - 1) / (2.0 * z * z)
                s += term
            v = -math.log(z * math.sqrt(math.pi)) + math.log1p(s)
        values.append(v - math.log(t))
    return np.array(values)


def _erfc_coefficients(dtype: np.dtype) -> List[float]:
    """Power-series coefficients of P in y = 2t - 1 (well conditioned: all |c| < 1)."""
    if not _ERFC_COEFS:
        from numpy.polynomial import chebyshev

        coefs = chebyshev.chebinterpolate(_erfc_fit_target, 40)
        for n in (27, 14):
            _ERFC_COEFS.append(chebyshev.cheb2poly(coefs[:n]).tolist())
    return _ERFC_COEFS[0] if dtype.itemsize >= 8 else _ERFC_COEFS[1]


def _erfc_nonneg(z: np.ndarray) -> np.ndarray:
    """erfc(z) for z >= 0, computed in z's dtype."""
    if z.ndim == 0:
        return _erfc_nonneg(z.reshape(1)).reshape(())
    coefs = _erfc_coefficients(z.dtype)
    t = z + 2.0
    np.divide(2.0, t, out=t)
    y = t * 2.0
    y -= 1.0
    p = np.full_like(z, coefs[-1])
    for c in coefs[-2::-1]:  # Horner
        p *= y
        p += c
    y = np.square(z, out=y)
    p -= y
    np.exp(p, out=p)
    p *= t
    return p


def _erfc(x: np.ndarray) -> np.ndarray:
    out = _erfc_nonneg(np.abs(x))
    flip = np.asarray(x < 0, dtype=out.dtype)  # erfc(-z) = 2 - erfc(z)
    correction = np.subtract(1.0, out)
    correction *= 2.0
    correction *= flip
    out += correction
    return out


def _erf(x: np.ndarray) -> np.ndarray:
    ax = np.abs(x)
    out = _erfc_nonneg(ax)
    np.subtract(1.0, out, out=out)
    np.copysign(out, x, out=out)
    small = ax < 0.5
    if small.any():  # Maclaurin series keeps the relative accuracy near 0
        xs = x[small]
        x2 = xs * xs
        term = xs.copy()
        total = xs.copy()
        for n in range(1, 14):
            term *= x2
            term *= -1.0 / n
            total += term * (1.0 / (2 * n + 1))
        total *= _TWO_OVER_SQRT_PI
        out[small] = total
    return out


class _Unary(Function):
    """An op of one input computed elementwise by `_forward(x, **params) -> out` and
    `_backward(grad) -> grad_x`. A 0-d input runs as shape (1,), so the temporaries the
    subclasses update in place (``out=``) are always arrays, never NumPy scalars."""

    def forward(self, x, **params):
        self.scalar = x.ndim == 0
        out = self._forward(x.reshape(1) if self.scalar else x, **params)
        return out.reshape(()) if self.scalar else out

    def backward(self, grad):
        g = self._backward(np.reshape(grad, (1,)) if self.scalar else grad)
        return (g.reshape(()) if self.scalar else g,)


# ----- basic math ------------------------------------------------------------------------
class Exp(_Unary):
    def _forward(self, x):
        self.out = np.exp(_float(x))
        return self.out

    def _backward(self, grad):
        return grad * self.out


class Log(_Unary):
    def _forward(self, x):
        self.x = _float(x)
        return np.log(self.x)

    def _backward(self, grad):
        return grad / self.x


class Sqrt(_Unary):
    def _forward(self, x):
        self.out = np.sqrt(_float(x))
        return self.out

    def _backward(self, grad):
        g = np.divide(grad, self.out)
        g *= 0.5
        return g


class Abs(_Unary):
    def _forward(self, x):
        self.x = x
        return np.abs(x)

    def _backward(self, grad):
        return grad * np.sign(self.x)


class Square(_Unary):
    def _forward(self, x):
        self.x = x
        return np.square(x)

    def _backward(self, grad):
        g = grad * self.x
        g *= 2
        return g


class Reciprocal(_Unary):
    def _forward(self, x):
        self.out = np.reciprocal(_float(x))
        return self.out

    def _backward(self, grad):
        g = np.square(self.out)
        g *= grad
        np.negative(g, out=g)
        return g


class Log1p(_Unary):
    def _forward(self, x):
        self.x = _float(x)
        return np.log1p(self.x)

    def _backward(self, grad):
        return grad / (self.x + 1)


class Expm1(_Unary):
    def _forward(self, x):
        self.out = np.expm1(_float(x))
        return self.out

    def _backward(self, grad):
        return grad * (self.out + 1)


class Sin(_Unary):
    def _forward(self, x):
        self.x = _float(x)
        return np.sin(self.x)

    def _backward(self, grad):
        return grad * np.cos(self.x)


class Cos(_Unary):
    def _forward(self, x):
        self.x = _float(x)
        return np.cos(self.x)

    def _backward(self, grad):
        g = np.sin(self.x)
        g *= grad
        np.negative(g, out=g)
        return g


class Erf(_Unary):
    def _forward(self, x):
        self.x = _float(x)
        return _erf(self.x)

    def _backward(self, grad):
        g = np.square(self.x)
        np.negative(g, out=g)
        np.exp(g, out=g)
        g *= _TWO_OVER_SQRT_PI
        g *= grad
        return g


class Clip(_Unary):
    def _forward(self, x, x_min, x_max):
        if x.dtype.kind == "f":
            x_min = np.asarray(x_min, dtype=x.dtype)
            x_max = np.asarray(x_max, dtype=x.dtype)
        self.x, self.x_min, self.x_max = x, x_min, x_max
        return np.clip(x, x_min, x_max)

    def _backward(self, grad):
        inside = self.x >= self.x_min
        inside &= self.x <= self.x_max
        return grad * inside


class _Extremum(Function):
    """Shared backward of maximum/minimum: ties split the gradient equally."""

    ufunc: np.ufunc
    wins: np.ufunc
    wins_or_ties: np.ufunc

    def forward(self, a, b):
        self.a, self.b = a, b
        try:
            return self.ufunc(a, b)
        except ValueError:
            raise ValueError(
                f"{self.ufunc.__name__}: shapes {a.shape} and {b.shape} cannot be broadcast together"
            ) from None

    def backward(self, grad):
        a, b = self.a, self.b
        share = np.add(self.wins(a, b), self.wins_or_ties(a, b), dtype=grad.dtype)
        share *= 0.5  # 1 where a wins, 0.5 on ties, 0 where b wins
        ga = gb = None
        if self.needs_input_grad[0]:
            ga = unbroadcast(grad * share, a.shape)
        if self.needs_input_grad[1]:
            np.subtract(1, share, out=share)
            share *= grad
            gb = unbroadcast(share, b.shape)
        return ga, gb


class Maximum(_Extremum):
    ufunc = np.maximum
    wins = np.greater
    wins_or_ties = np.greater_equal


class Minimum(_Extremum):
    ufunc = np.minimum
    wins = np.less
    wins_or_ties = np.less_equal


class Where(Function):
    def forward(self, a, b, condition):
        self.cond, self.shapes = condition, (a.shape, b.shape)
        try:
            return np.where(condition, a, b)
        except ValueError:
            raise ValueError(
                f"where: condition of shape {condition.shape} and values of shapes {a.shape} "
                f"and {b.shape} cannot be broadcast together"
            ) from None

    def backward(self, grad):
        sa, sb = self.shapes
        ga = gb = None
        if self.needs_input_grad[0]:
            ga = unbroadcast(grad * self.cond, sa)
        if self.needs_input_grad[1]:
            gb = unbroadcast(grad * ~self.cond, sb)
        return ga, gb


# ----- activations -----------------------------------------------------------------------
class Tanh(_Unary):
    def _forward(self, x):
        self.out = np.tanh(_float(x))
        return self.out

    def _backward(self, grad):
        g = np.square(self.out)
        np.subtract(1, g, out=g)
        g *= grad
        return g


def _sigmoid(x: np.ndarray) -> np.ndarray:
    out = np.negative(x)
    with np.errstate(over="ignore"):  # exp(-x) = inf gives the correct limit 0
        np.exp(out, out=out)
    out += 1
    np.reciprocal(out, out=out)
    return out


class Sigmoid(_Unary):
    def _forward(self, x):
        self.out = _sigmoid(_float(x))
        return self.out

    def _backward(self, grad):
        g = np.subtract(1, self.out)
        g *= self.out
        g *= grad
        return g


class Relu(_Unary):
    def _forward(self, x):
        self.x = x
        return np.maximum(x, 0)

    def _backward(self, grad):
        return grad * (self.x > 0)


class Relu6(_Unary):
    def _forward(self, x):
        self.x = x
        return np.clip(x, 0, 6)

    def _backward(self, grad):
        inside = self.x > 0
        inside &= self.x < 6
        return grad * inside


class LeakyRelu(_Unary):
    def _forward(self, x, negative_slope):
        self.x, self.slope = x, negative_slope
        scaled = x * x.dtype.type(negative_slope)
        if 0 <= negative_slope <= 1:
            return np.maximum(x, scaled, out=scaled)
        return np.where(x > 0, x, scaled)

    def _backward(self, grad):
        d = np.asarray(self.x > 0, dtype=grad.dtype)
        d *= 1 - self.slope
        d += self.slope  # 1 where x > 0, else the slope
        d *= grad
        return d


class Elu(_Unary):
    def _forward(self, x, alpha, scale):
        x = _float(x)
        self.pos = x > 0
        neg = np.minimum(x, 0)
        np.expm1(neg, out=neg)
        neg *= x.dtype.type(alpha)  # neg = alpha * (exp(x) - 1) where x <= 0
        self.neg_part = neg
        self.alpha, self.scale = alpha, scale
        out = np.maximum(x, 0)
        out += neg  # neg is 0 where x > 0
        if scale != 1.0:
            out *= scale
        return out

    def _backward(self, grad):
        d = np.asarray(self.pos, dtype=grad.dtype)
        d *= 1 - self.alpha
        d += self.neg_part
        d += self.alpha  # 1 where x > 0, else alpha * exp(x)
        if self.scale != 1.0:
            d *= self.scale
        d *= grad
        return d


class Gelu(_Unary):
    def _forward(self, x, approximate):
        x = _float(x)
        self.x, self.approximate = x, approximate
        if approximate:
            inner = x * x
            inner *= _GELU_COEF
            inner += 1
            inner *= x
            inner *= _SQRT_2_OVER_PI  # sqrt(2/pi) * (x + 0.044715 x^3)
            self.t = np.tanh(inner, out=inner)
            out = self.t + 1
        else:
            out = _erfc(x * -_INV_SQRT_2)  # 1 + erf(x / sqrt 2)
            self.cdf = out
        out = out * x
        out *= 0.5
        return out

    def _backward(self, grad):
        x = self.x
        if self.approximate:
            t = self.t
            dinner = x * x
            dinner *= 3 * _GELU_COEF
            dinner += 1
            dinner *= _SQRT_2_OVER_PI
            sech2 = np.square(t)
            np.subtract(1, sech2, out=sech2)
            sech2 *= x
            sech2 *= dinner
            sech2 += t
            sech2 += 1
            sech2 *= 0.5  # 0.5 (1 + t) + 0.5 x (1 - t^2) d(inner)/dx
            d = sech2
        else:
            pdf = np.square(x)
            pdf *= -0.5
            np.exp(pdf, out=pdf)
            pdf *= _INV_SQRT_2PI
            pdf *= x
            d = self.cdf * 0.5
            d += pdf  # Phi(x) + x phi(x)
        d *= grad
        return d


def _log1p_exp_neg_abs(x: np.ndarray) -> np.ndarray:
    """log(1 + exp(-|x|)): the bounded part of softplus, never overflowing."""
    out = np.abs(x)
    np.negative(out, out=out)
    np.exp(out, out=out)
    return np.log1p(out, out=out)


class Softplus(_Unary):
    def _forward(self, x):
        self.x = x = _float(x)
        out = _log1p_exp_neg_abs(x)
        out += np.maximum(x, 0)  # log(1 + e^x) = max(x, 0) + log(1 + e^-|x|)
        return out

    def _backward(self, grad):
        g = _sigmoid(self.x)
        g *= grad
        return g


class LogSigmoid(_Unary):
    def _forward(self, x):
        self.x = _float(x)
        out = _log1p_exp_neg_abs(self.x)
        np.subtract(np.minimum(self.x, 0), out, out=out)  # -softplus(-x)
        return out

    def _backward(self, grad):
        g = _sigmoid(np.negative(self.x))
        g *= grad
        return g


class Softsign(_Unary):
    def _forward(self, x):
        x = _float(x)
        self.denom = np.abs(x)
        self.denom += 1
        return x / self.denom

    def _backward(self, grad):
        g = np.square(self.denom)
        np.divide(grad, g, out=g)
        return g


class Silu(_Unary):
    def _forward(self, x):
        self.x = _float(x)
        self.s = _sigmoid(self.x)
        return self.x * self.s

    def _backward(self, grad):
        g = np.subtract(1, self.s)
        g *= self.x
        g += 1
        g *= self.s  # s (1 + x (1 - s))
        g *= grad
        return g


class HardSigmoid(_Unary):
    def _forward(self, x):
        self.x = _float(x)
        out = self.x + 3
        np.clip(out, 0, 6, out=out)
        out *= 1 / 6
        return out

    def _backward(self, grad):
        inside = self.x > -3
        inside &= self.x < 3
        g = grad * inside
        g *= 1 / 6
        return g


class HardSilu(_Unary):
    def _forward(self, x):
        self.x = _float(x)
        out = self.x + 3
        np.clip(out, 0, 6, out=out)
        out *= self.x
        out *= 1 / 6
        return out

    def _backward(self, grad):
        x = self.x
        d = x * (1 / 3)
        d += 0.5  # (2x + 3) / 6 inside (-3, 3)
        d[x <= -3] = 0
        d[x >= 3] = 1
        d *= grad
        return d


# ----- public functions ------------------------------------------------------------------
def exp(x: Any) -> Tensor:
    """Elementwise e**x.

    Args:
        x: input tensor or array-like.

    Returns:
        A Tensor of `x`'s shape.
    """
    return Exp.apply(x)


def log(x: Any) -> Tensor:
    """Elementwise natural logarithm.

    Args:
        x: input tensor or array-like.

    Returns:
        A Tensor of `x`'s shape.
    """
    return Log.apply(x)


def sqrt(x: Any) -> Tensor:
    """Elementwise square root.

    Args:
        x: input tensor or array-like.

    Returns:
        A Tensor of `x`'s shape.
    """
    return Sqrt.apply(x)


def abs(x: Any) -> Tensor:  # noqa: A001 - keras.ops name
    """Elementwise absolute value (gradient 0 at 0).

    Args:
        x: input tensor or array-like.

    Returns:
        A Tensor of `x`'s shape.
    """
    return Abs.apply(x)


absolute = abs


def square(x: Any) -> Tensor:
    """Elementwise x**2.

    Args:
        x: input tensor or array-like.

    Returns:
        A Tensor of `x`'s shape.
    """
    return Square.apply(x)


def reciprocal(x: Any) -> Tensor:
    """Elementwise 1 / x.

    Args:
        x: input tensor or array-like.

    Returns:
        A Tensor of `x`'s shape.
    """
    return Reciprocal.apply(x)


def log1p(x: Any) -> Tensor:
    """Elementwise log(1 + x), accurate for small x.

    Args:
        x: input tensor or array-like.

    Returns:
        A Tensor of `x`'s shape.
    """
    return Log1p.apply(x)


def expm1(x: Any) -> Tensor:
    """Elementwise exp(x) - 1, accurate for small x.

    Args:
        x: input tensor or array-like.

    Returns:
        A Tensor of `x`'s shape.
    """
    return Expm1.apply(x)


def sin(x: Any) -> Tensor:
    """Elementwise sine.

    Args:
        x: input tensor or array-like.

    Returns:
        A Tensor of `x`'s shape.
    """
    return Sin.apply(x)


def cos(x: Any) -> Tensor:
    """Elementwise cosine.

    Args:
        x: input tensor or array-like.

    Returns:
        A Tensor of `x`'s shape.
    """
    return Cos.apply(x)


def erf(x: Any) -> Tensor:
    """Elementwise Gauss error function (accurate to float64 precision).

    Args:
        x: input tensor or array-like.

    Returns:
        A Tensor of `x`'s shape.
    """
    return Erf.apply(x)


def clip(x: Any, x_min: Any, x_max: Any) -> Tensor:
    """Limit values to ``[x_min, x_max]``; the gradient passes where ``x_min <= x <= x_max``.

    Args:
        x: input tensor.
        x_min: bounds (numbers or arrays broadcastable to x; not differentiated).
        x_max: bounds (numbers or arrays broadcastable to x; not differentiated).
    """
    return Clip.apply(x, x_min=_values(x_min) if isinstance(x_min, Tensor) else x_min,
                      x_max=_values(x_max) if isinstance(x_max, Tensor) else x_max)


def maximum(x1: Any, x2: Any) -> Tensor:
    """Elementwise maximum with broadcasting; where x1 == x2 each gets half the gradient.

    Args:
        x1: first operand (tensor or array-like).
        x2: second operand, broadcast against `x1` (NumPy rules).

    Returns:
        A Tensor of the broadcast shape of `x1` and `x2`.
    """
    return Maximum.apply(*_scalar_safe(x1, x2))


def minimum(x1: Any, x2: Any) -> Tensor:
    """Elementwise minimum with broadcasting; where x1 == x2 each gets half the gradient.

    Args:
        x1: first operand (tensor or array-like).
        x2: second operand, broadcast against `x1` (NumPy rules).

    Returns:
        A Tensor of the broadcast shape of `x1` and `x2`.
    """
    return Minimum.apply(*_scalar_safe(x1, x2))


def where(condition: Any, x1: Any = None, x2: Any = None) -> Any:
    """Choose `x1` where `condition` is true, else `x2` (all three broadcast together).

    With only `condition`, return the indices of its non-zero elements (a tuple of int
    tensors, one per axis, like `np.nonzero`).

    Args:
        condition: boolean array-like: where True take `x1`, else `x2`.
        x1: values where `condition` is True.
        x2: values where `condition` is False.

    Returns:
        A Tensor of the broadcast shape of the three inputs.

    Raises:
        ValueError: only one of x1 and x2 is given, or the shapes do not broadcast.
    """
    cond = np.asarray(_values(condition), dtype=bool)
    if x1 is None and x2 is None:
        return tuple(_constant(i) for i in np.nonzero(cond))
    if x1 is None or x2 is None:
        raise ValueError("where: give both x1 and x2, or neither")
    if not isinstance(x1, Tensor) and not isinstance(x2, Tensor):
        x1, x2 = Tensor(x1), Tensor(x2)
    x1, x2 = _scalar_safe(x1, x2)
    return Where.apply(x1, x2, condition=cond)


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
    choices = [as_tensor(c) for c in choicelist]
    conds = [np.asarray(getattr(c, "data", c), dtype=bool) for c in condlist]
    shape = np.broadcast_shapes(*[c.shape for c in conds], *[c.shape for c in choices])
    out = default
    for cond, choice in zip(reversed(conds), reversed(choices)):
        out = where(cond, choice, out)
    return out if out.shape == shape else broadcast_to(out, shape)


def sign(x: Any) -> Tensor:
    """Elementwise sign (-1, 0 or 1); not differentiable.

    Args:
        x: input tensor or array-like.

    Returns:
        A Tensor of `x`'s shape (not differentiable).
    """
    return _constant(np.sign(_values(x)))


def floor(x: Any) -> Tensor:
    """Elementwise floor; not differentiable.

    Args:
        x: input tensor or array-like.

    Returns:
        A Tensor of `x`'s shape (not differentiable).
    """
    return _constant(np.floor(_values(x)))


def ceil(x: Any) -> Tensor:
    """Elementwise ceiling; not differentiable.

    Args:
        x: input tensor or array-like.

    Returns:
        A Tensor of `x`'s shape (not differentiable).
    """
    return _constant(np.ceil(_values(x)))


def round(x: Any, decimals: int = 0) -> Tensor:  # noqa: A001 - keras.ops name
    """Round half to even to `decimals` places; not differentiable.

    Args:
        x: input tensor or array-like.
        decimals: number of decimal places to round to.

    Returns:
        A Tensor of `x`'s shape (not differentiable).
    """
    return _constant(np.round(_values(x), decimals))


def tanh(x: Any) -> Tensor:
    """Elementwise hyperbolic tangent.

    Args:
        x: input tensor or array-like.

    Returns:
        A Tensor of `x`'s shape.
    """
    return Tanh.apply(x)


def sigmoid(x: Any) -> Tensor:
    """Elementwise logistic sigmoid 1 / (1 + exp(-x)), without overflow warnings.

    Args:
        x: input tensor or array-like.

    Returns:
        A Tensor of `x`'s shape.
    """
    return Sigmoid.apply(x)


def relu(x: Any) -> Tensor:
    """Elementwise max(x, 0); gradient 0 at x == 0.

    Args:
        x: input tensor or array-like.

    Returns:
        A Tensor of `x`'s shape.
    """
    return Relu.apply(x)


def relu6(x: Any) -> Tensor:
    """Elementwise min(max(x, 0), 6).

    Args:
        x: input tensor or array-like.

    Returns:
        A Tensor of `x`'s shape.
    """
    return Relu6.apply(x)


def leaky_relu(x: Any, negative_slope: float = 0.2) -> Tensor:
    """Elementwise x for x > 0, else `negative_slope * x`.

    Args:
        x: input tensor or array-like.
        negative_slope: slope applied to negative inputs.

    Returns:
        A Tensor of `x`'s shape.
    """
    return LeakyRelu.apply(x, negative_slope=negative_slope)


def elu(x: Any, alpha: float = 1.0) -> Tensor:
    """Exponential linear unit: x for x > 0, else alpha * (exp(x) - 1).

    Args:
        x: input tensor or array-like.
        alpha: scale of the negative part, `alpha * (exp(x) - 1)`.

    Returns:
        A Tensor of `x`'s shape.
    """
    return Elu.apply(x, alpha=alpha, scale=1.0)


def selu(x: Any) -> Tensor:
    """Scaled ELU with the self-normalizing constants (alpha ~ 1.6733, scale ~ 1.0507).

    Args:
        x: input tensor or array-like.

    Returns:
        A Tensor of `x`'s shape.
    """
    return Elu.apply(x, alpha=_SELU_ALPHA, scale=_SELU_SCALE)


def gelu(x: Any, approximate: bool = True) -> Tensor:
    """Gaussian error linear unit.

    Args:
        x: input tensor.
        approximate: use the tanh approximation
            ``0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))`` (keras.ops default);
            when False, the exact ``x * Phi(x) = 0.5 x (1 + erf(x / sqrt(2)))``.
    """
    return Gelu.apply(x, approximate=bool(approximate))


def softplus(x: Any) -> Tensor:
    """Elementwise log(1 + exp(x)), computed stably as logaddexp(x, 0).

    Args:
        x: input tensor or array-like.

    Returns:
        A Tensor of `x`'s shape.
    """
    return Softplus.apply(x)


def softsign(x: Any) -> Tensor:
    """Elementwise x / (1 + |x|).

    Args:
        x: input tensor or array-like.

    Returns:
        A Tensor of `x`'s shape.
    """
    return Softsign.apply(x)


def silu(x: Any) -> Tensor:
    """Elementwise x * sigmoid(x) (also called swish).

    Args:
        x: input tensor or array-like.

    Returns:
        A Tensor of `x`'s shape.
    """
    return Silu.apply(x)


swish = silu


def log_sigmoid(x: Any) -> Tensor:
    """Elementwise log(sigmoid(x)) = -softplus(-x), stable for large |x|.

    Args:
        x: input tensor or array-like.

    Returns:
        A Tensor of `x`'s shape.
    """
    return LogSigmoid.apply(x)


def hard_sigmoid(x: Any) -> Tensor:
    """Piecewise-linear sigmoid as in Keras 3: relu6(x + 3) / 6.

    Args:
        x: input tensor or array-like.

    Returns:
        A Tensor of `x`'s shape.
    """
    return HardSigmoid.apply(x)


def hard_silu(x: Any) -> Tensor:
    """x * hard_sigmoid(x) (also called hard_swish).

    Args:
        x: input tensor or array-like.

    Returns:
        A Tensor of `x`'s shape.
    """
    return HardSilu.apply(x)


hard_swish = hard_silu


# ----- more activations (Keras 3 names) ----------------------------------------------------
class Celu(_Unary):
    def _forward(self, x, alpha):
        x = _float(x)
        self.pos = x > 0
        neg = np.minimum(x, 0)
        neg *= x.dtype.type(1.0 / alpha)
        out = np.expm1(neg)
        self.exp_neg = out + 1  # exp(x / alpha) where x <= 0, 1 elsewhere
        out *= x.dtype.type(alpha)
        out += np.maximum(x, 0)
        return out

    def _backward(self, grad):
        return np.where(self.pos, grad, grad * self.exp_neg).astype(grad.dtype, copy=False)


class HardTanh(_Unary):
    def _forward(self, x):
        x = _float(x)
        self.inside = (x >= -1) & (x <= 1)
        return np.clip(x, -1, 1)

    def _backward(self, grad):
        return grad * self.inside


class _Shrink(_Unary):
    """hard_shrink / soft_shrink: zero inside [-threshold, threshold]; the gradient passes outside."""

    def _forward(self, x, threshold, soft):
        x = _float(x)
        self.outside = np.abs(x) > threshold
        out = x - np.sign(x) * x.dtype.type(threshold) if soft else x.copy()
        out[~self.outside] = 0
        return out

    def _backward(self, grad):
        return grad * self.outside


class TanhShrink(_Unary):
    def _forward(self, x):
        x = _float(x)
        self.t = np.tanh(x)
        return x - self.t

    def _backward(self, grad):
        return grad * np.square(self.t)


class Squareplus(_Unary):
    def _forward(self, x, b):
        x = _float(x)
        self.x = x
        self.root = np.sqrt(x * x + x.dtype.type(b))
        out = x + self.root
        out *= 0.5
        return out

    def _backward(self, grad):
        d = np.divide(self.x, self.root, out=np.zeros_like(self.x), where=self.root != 0)
        d += 1
        d *= 0.5
        d *= grad
        return d


class SparsePlus(_Unary):
    def _forward(self, x):
        x = _float(x)
        self.x = x
        mid = np.square(x + 1)
        mid *= 0.25
        return np.where(x <= -1, 0, np.where(x >= 1, x, mid)).astype(x.dtype, copy=False)

    def _backward(self, grad):
        d = np.clip((self.x + 1) * 0.5, 0, 1)  # sparse_sigmoid(x)
        d *= grad
        return d


class SparseSigmoid(_Unary):
    def _forward(self, x):
        x = _float(x)
        self.inside = (x > -1) & (x < 1)
        return np.clip((x + 1) * 0.5, 0, 1).astype(x.dtype, copy=False)

    def _backward(self, grad):
        return grad * self.inside * grad.dtype.type(0.5)


class Threshold(_Unary):
    def _forward(self, x, threshold, default_value):
        x = _float(x)
        self.keep = x > threshold
        return np.where(self.keep, x, x.dtype.type(default_value))

    def _backward(self, grad):
        return grad * self.keep


class Glu(Function):
    """forward(x; axis): ``a * sigmoid(b)`` with `a`, `b` the two halves of `x` along `axis`."""

    def forward(self, x, axis=-1):
        x = _float(x)
        self.axis = axis
        a, b = np.split(x, 2, axis=axis)
        self.a, self.s = a, _sigmoid(b)
        return a * self.s

    def backward(self, grad):
        da = grad * self.s
        db = grad * self.a * self.s * (1 - self.s)
        return (np.concatenate([da, db], axis=self.axis),)


class Sparsemax(Function):
    """forward(x; axis): the Euclidean projection of `x` onto the probability simplex along `axis`."""

    def forward(self, x, axis=-1):
        x = _float(x)
        self.axis = axis
        z = np.moveaxis(x, axis, -1)
        z_sorted = -np.sort(-z, axis=-1)
        cumsum = np.cumsum(z_sorted, axis=-1)
        k = np.arange(1, z.shape[-1] + 1, dtype=x.dtype)
        support = 1 + k * z_sorted > cumsum
        k_z = support.sum(axis=-1, keepdims=True)
        tau = (np.take_along_axis(cumsum, k_z - 1, axis=-1) - 1) / k_z.astype(x.dtype)
        out = np.maximum(z - tau, 0).astype(x.dtype, copy=False)
        self.support = out > 0
        return np.moveaxis(out, -1, axis)

    def backward(self, grad):
        g = np.moveaxis(grad, self.axis, -1)
        s = self.support
        mean = (g * s).sum(axis=-1, keepdims=True) / np.maximum(s.sum(axis=-1, keepdims=True), 1).astype(g.dtype)
        return (np.moveaxis(s * (g - mean), -1, self.axis).astype(grad.dtype, copy=False),)


def _check_axis(name: str, ndim: int, axis: Any) -> int:
    if isinstance(axis, bool) or not isinstance(axis, (int, np.integer)) or not -max(ndim, 1) <= axis < max(ndim, 1):
        raise ValueError(f"{name}: `axis` must be an int in [-{ndim}, {ndim}) for an input of rank {ndim}, "
                         f"received axis={axis!r}")
    return int(axis)


def _check_nonneg(name: str, arg: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)) or not value >= 0:
        raise ValueError(f"{name}: `{arg}` must be a number >= 0, received {arg}={value!r}")
    return float(value)


def celu(x: Any, alpha: float = 1.0) -> Tensor:
    """Continuously differentiable ELU: x for x > 0, else ``alpha * (exp(x / alpha) - 1)``.

    Args:
        x: input tensor or array-like.
        alpha: the scale of the negative part (> 0).

    Returns:
        A Tensor of `x`'s shape.

    Raises:
        ValueError: `alpha` is not > 0.
    """
    if isinstance(alpha, bool) or not isinstance(alpha, (int, float, np.integer, np.floating)) or not alpha > 0:
        raise ValueError(f"celu: `alpha` must be a number > 0, received alpha={alpha!r}")
    return Celu.apply(x, alpha=float(alpha))


def glu(x: Any, axis: int = -1) -> Tensor:
    """Gated linear unit: ``a * sigmoid(b)`` where `x` is split in halves `a`, `b` along `axis`.

    Args:
        x: input tensor; its size along `axis` must be even.
        axis: the axis split in two.

    Returns:
        A Tensor of `x`'s shape with `axis` halved.

    Raises:
        ValueError: `axis` is out of range or the size along it is odd.
    """
    data = _values(x)
    axis = _check_axis("glu", data.ndim, axis)
    if data.ndim == 0 or data.shape[axis] % 2:
        raise ValueError(f"glu: the size of `axis` must be divisible by 2, received x.shape={data.shape} "
                         f"and axis={axis}")
    return Glu.apply(x, axis=axis)


def hard_tanh(x: Any) -> Tensor:
    """Elementwise ``clip(x, -1, 1)``.

    Args:
        x: input tensor or array-like.

    Returns:
        A Tensor of `x`'s shape.
    """
    return HardTanh.apply(x)


def hard_shrink(x: Any, threshold: float = 0.5) -> Tensor:
    """x where ``|x| > threshold``, else 0.

    Args:
        x: input tensor or array-like.
        threshold: the half-width (>= 0) of the band set to zero.

    Returns:
        A Tensor of `x`'s shape.

    Raises:
        ValueError: `threshold` is negative or not a number.
    """
    return _Shrink.apply(x, threshold=_check_nonneg("hard_shrink", "threshold", threshold), soft=False)


def soft_shrink(x: Any, threshold: float = 0.5) -> Tensor:
    """``x - threshold`` above `threshold`, ``x + threshold`` below `-threshold`, else 0.

    Args:
        x: input tensor or array-like.
        threshold: the half-width (>= 0) of the band set to zero.

    Returns:
        A Tensor of `x`'s shape.

    Raises:
        ValueError: `threshold` is negative or not a number.
    """
    return _Shrink.apply(x, threshold=_check_nonneg("soft_shrink", "threshold", threshold), soft=True)


def tanh_shrink(x: Any) -> Tensor:
    """Elementwise ``x - tanh(x)``.

    Args:
        x: input tensor or array-like.

    Returns:
        A Tensor of `x`'s shape.
    """
    return TanhShrink.apply(x)


def squareplus(x: Any, b: float = 4) -> Tensor:
    """Elementwise ``(x + sqrt(x**2 + b)) / 2``, a smooth relu.

    Args:
        x: input tensor or array-like.
        b: the smoothness (>= 0; 0 gives relu).

    Returns:
        A Tensor of `x`'s shape.

    Raises:
        ValueError: `b` is negative or not a number.
    """
    return Squareplus.apply(x, b=_check_nonneg("squareplus", "b", b))


def sparse_plus(x: Any) -> Tensor:
    """0 for ``x <= -1``, ``(x + 1)**2 / 4`` for ``-1 < x < 1``, x for ``x >= 1``.

    Args:
        x: input tensor or array-like.

    Returns:
        A Tensor of `x`'s shape.
    """
    return SparsePlus.apply(x)


def sparse_sigmoid(x: Any) -> Tensor:
    """0 for ``x <= -1``, ``(x + 1) / 2`` for ``-1 < x < 1``, 1 for ``x >= 1``.

    Args:
        x: input tensor or array-like.

    Returns:
        A Tensor of `x`'s shape.
    """
    return SparseSigmoid.apply(x)


def threshold(x: Any, threshold: float, default_value: float) -> Tensor:  # noqa: F811 - keras.ops name
    """x where ``x > threshold``, else `default_value`.

    Args:
        x: input tensor or array-like.
        threshold: values at or below it are replaced.
        default_value: the replacement.

    Returns:
        A Tensor of `x`'s shape.
    """
    return Threshold.apply(x, threshold=float(threshold), default_value=float(default_value))


def sparsemax(x: Any, axis: int = -1) -> Tensor:
    """Sparsemax: the Euclidean projection of `x` onto the probability simplex along `axis`.

    Like softmax its outputs are >= 0 and sum to 1, but small inputs get exactly 0
    (Martins & Astudillo, 2016).

    Args:
        x: input tensor or array-like (rank >= 1).
        axis: the axis normalized.

    Returns:
        A Tensor of `x`'s shape.

    Raises:
        ValueError: `axis` is out of range.
    """
    data = _values(x)
    if data.ndim == 0:
        raise ValueError("sparsemax: x must have at least one dimension, received a scalar")
    return Sparsemax.apply(x, axis=_check_axis("sparsemax", data.ndim, axis))
