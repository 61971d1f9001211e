"""Arithmetic with NumPy broadcasting: add, subtract, multiply, divide, power, negative, mod,
floor_divide.

A Python number takes the dtype of the tensor operand (`x * 2.0` keeps float16). `mod` uses NumPy's
subgradient (d/dx1 = 1, d/dx2 = -floor(x1 / x2)); `floor_divide` is a constant (no gradient).
"""
from __future__ import annotations

from typing import Any, Tuple

import numpy as np

from numnet.autograd.function import Function, unbroadcast
from numnet.autograd.tensor import DEFAULT_FLOAT, Tensor, as_tensor
from numnet.ops._op_utils import _constant

__all__ = ["add", "subtract", "multiply", "divide", "true_divide", "power", "negative", "mod", "floor_divide"]


def _broadcast_shape(op: str, a: np.ndarray, b: np.ndarray) -> None:
    try:
        np.broadcast_shapes(a.shape, b.shape)
    except ValueError:
        raise ValueError(f"{op}: shapes {a.shape} and {b.shape} cannot be broadcast together") from None


class Add(Function):
    def forward(self, a, b):
        self.shapes = (a.shape, b.shape)
        try:
            return a + b
        except ValueError:
            _broadcast_shape("add", a, b)
            raise

    def backward(self, grad):
        sa, sb = self.shapes
        return unbroadcast(grad, sa), unbroadcast(grad, sb)


class Subtract(Function):
    def forward(self, a, b):
        self.shapes = (a.shape, b.shape)
        try:
            return a - b
        except ValueError:
            _broadcast_shape("subtract", a, b)
            raise

    def backward(self, grad):
        sa, sb = self.shapes
        return unbroadcast(grad, sa), unbroadcast(-grad, sb) if self.needs_input_grad[1] else None


class Multiply(Function):
    def forward(self, a, b):
        self.a, self.b = a, b
        try:
            return a * b
        except ValueError:
            _broadcast_shape("multiply", a, b)
            raise

    def backward(self, grad):
        ga = unbroadcast(grad * self.b, self.a.shape) if self.needs_input_grad[0] else None
        gb = unbroadcast(grad * self.a, self.b.shape) if self.needs_input_grad[1] else None
        return ga, gb


class Divide(Function):
    def forward(self, a, b):
        self.a, self.b = a, b
        try:
            return a / b
        except ValueError:
            _broadcast_shape("divide", a, b)
            raise

    def backward(self, grad):
        ga = unbroadcast(grad / self.b, self.a.shape) if self.needs_input_grad[0] else None
        gb = None
        if self.needs_input_grad[1]:
            gb = unbroadcast(-grad * self.a / (self.b * self.b), self.b.shape)
        return ga, gb


class Power(Function):
    def forward(self, a, b):
        self.a, self.b = a, b
        try:
            self.out = np.power(a, b)
        except ValueError:
            _broadcast_shape("power", a, b)
            raise
        return self.out

    def backward(self, grad):
        a, b = self.a, self.b
        ga = gb = None
        if self.needs_input_grad[0]:
            ga = unbroadcast(grad * b * np.power(a, b - 1), a.shape)
        if self.needs_input_grad[1]:
            with np.errstate(divide="ignore", invalid="ignore"):
                log_a = np.where(a > 0, np.log(np.where(a > 0, a, 1)), 0).astype(self.out.dtype)
            gb = unbroadcast(grad * self.out * log_a, b.shape)
        return ga, gb


class Negative(Function):
    def forward(self, a):
        return -a

    def backward(self, grad):
        return (-grad,)


def _is_number(x: Any) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool)


def _number_with(num: Any, t: Tensor):
    """Pair a Python number with tensor `t` without upcasting: a float tensor keeps its dtype,
    an integer tensor keeps its dtype with an int, and goes to float32 with a float."""
    kind = t.dtype.kind
    if kind == "f":
        return np.asarray(num, dtype=t.dtype), t
    if isinstance(num, float):
        return np.asarray(num, dtype=DEFAULT_FLOAT), Tensor._from_op(t.data.astype(DEFAULT_FLOAT), None)
    if kind in "iu" and np.can_cast(np.min_scalar_type(num), t.dtype):
        return np.asarray(num, dtype=t.dtype), t
    return np.asarray(num), t


def _scalar_safe(a: Any, b: Any):
    """Convert a Python-number operand to a 0-d array that does not upcast the tensor operand."""
    if _is_number(a) and isinstance(b, Tensor):
        a, b = _number_with(a, b)
    elif _is_number(b) and isinstance(a, Tensor):
        b, a = _number_with(b, a)
    return a, b


def add(x1: Any, x2: Any) -> Tensor:
    """Elementwise `x1 + x2` with broadcasting.

    Args:
        x1: first operand (tensor or array-like).
        x2: second operand, broadcast against `x1` (NumPy rules).

    Returns:
        A Tensor of the broadcast shape of `x1` and `x2`.
    """
    return Add.apply(*_scalar_safe(x1, x2))


def subtract(x1: Any, x2: Any) -> Tensor:
    """Elementwise `x1 - x2` with broadcasting.

    Args:
        x1: first operand (tensor or array-like).
        x2: second operand, broadcast against `x1` (NumPy rules).

    Returns:
        A Tensor of the broadcast shape of `x1` and `x2`.
    """
    return Subtract.apply(*_scalar_safe(x1, x2))


def multiply(x1: Any, x2: Any) -> Tensor:
    """Elementwise `x1 * x2` with broadcasting.

    Args:
        x1: first operand (tensor or array-like).
        x2: second operand, broadcast against `x1` (NumPy rules).

    Returns:
        A Tensor of the broadcast shape of `x1` and `x2`.
    """
    return Multiply.apply(*_scalar_safe(x1, x2))


def divide(x1: Any, x2: Any) -> Tensor:
    """Elementwise true division `x1 / x2` with broadcasting (integers divide in float32).

    Args:
        x1: first operand (tensor or array-like).
        x2: second operand, broadcast against `x1` (NumPy rules).

    Returns:
        A Tensor of the broadcast shape of `x1` and `x2`.
    """
    a, b = _scalar_safe(x1, x2)
    a_arr, b_arr = np.asarray(getattr(a, "data", a)), np.asarray(getattr(b, "data", b))
    if a_arr.dtype.kind in "biu" and b_arr.dtype.kind in "biu":
        a = Tensor._from_op(a_arr.astype(DEFAULT_FLOAT), None)
        b = Tensor._from_op(b_arr.astype(DEFAULT_FLOAT), None)
    return Divide.apply(a, b)


true_divide = divide


def power(x1: Any, x2: Any) -> Tensor:
    """Elementwise `x1 ** x2`; the gradient for the exponent is defined where x1 > 0.

    Args:
        x1: first operand (tensor or array-like).
        x2: second operand, broadcast against `x1` (NumPy rules).

    Returns:
        A Tensor of the broadcast shape of `x1` and `x2`.
    """
    return Power.apply(*_scalar_safe(x1, x2))


def negative(x: Any) -> Tensor:
    """Elementwise `-x`.

    Args:
        x: input tensor or array-like.

    Returns:
        A Tensor of `x`'s shape.
    """
    return Negative.apply(x)


def _binary_operands(op: str, x1: Any, x2: Any) -> Tuple[Any, Any]:
    """The operands of a binary op, checked to broadcast (a Python number does not upcast)."""
    if not isinstance(x1, Tensor) and not isinstance(x2, Tensor):
        x1 = as_tensor(x1)
    a, b = _scalar_safe(x1, x2)
    sa, sb = np.shape(getattr(a, "data", a)), np.shape(getattr(b, "data", b))
    try:
        np.broadcast_shapes(sa, sb)
    except ValueError:
        raise ValueError(f"{op}: shapes {sa} and {sb} cannot be broadcast together") from None
    return a, b


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
