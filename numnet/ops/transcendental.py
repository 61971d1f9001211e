"""Transcendental elementwise functions beyond `numnet.ops.elementwise`: logarithms and powers
in base 2 and 10, the trigonometric and hyperbolic functions and their inverses, `arctan2` and
`erfinv`. Float inputs keep their dtype; integer or bool inputs are computed in float32, as
Keras does. Outside a function's domain the result is NaN, as in NumPy (no warning).
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np

from numnet.autograd.function import Function, unbroadcast
from numnet.autograd.tensor import Tensor
from numnet.ops._op_utils import _float
from numnet.ops.arithmetic import _binary_operands
from numnet.ops.elementwise import _erf

__all__ = [
    "log2", "log10", "exp2", "tan", "sinh", "cosh", "arcsin", "arccos", "arctan", "arcsinh",
    "arccosh", "arctanh", "arctan2", "erfinv",
]


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
