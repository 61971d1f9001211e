"""`Function`: one differentiable operation, its forward and backward side by side.

A subclass implements ``forward(self, *arrays, **params) -> ndarray`` on plain
NumPy arrays and ``backward(self, grad) -> tuple`` returning one gradient per
positional input (``None`` where an input needs none). Anything ``backward``
needs is stored on ``self`` during ``forward``. ``Subclass.apply(*inputs,
**params)`` runs it on tensors and records it in the graph::

    class Square(Function):
        def forward(self, x):
            self.x = x
            return x * x

        def backward(self, grad):
            return (2 * self.x * grad,)

    y = Square.apply(t)
"""
from __future__ import annotations

from typing import Any, Optional, Tuple

import numpy as np

from numnet.autograd import grad_mode
from numnet.autograd.tensor import Tensor, as_tensor


class Function:
    """Base class of every differentiable operation (see the module docstring).

    Attributes set by `apply`:
        inputs: the input tensors, in positional order (graph edges).
        needs_input_grad: one bool per input; `backward` may skip the others.
    """

    __slots__ = ("inputs", "needs_input_grad", "__dict__")

    fresh_grads = False
    """Set True on a subclass whose `backward` returns only newly allocated arrays, referenced
    nowhere else: the engine then adopts them as leaves' `.grad` without a copy."""

    def forward(self, *args: Any, **kwargs: Any) -> np.ndarray:
        """Compute the output array from the input arrays."""
        raise NotImplementedError(f"{type(self).__name__}.forward is not implemented")

    def backward(self, grad: np.ndarray) -> Tuple[Optional[np.ndarray], ...]:
        """Return d(loss)/d(input) for each positional input, given d(loss)/d(output)."""
        raise NotImplementedError(f"{type(self).__name__}.backward is not implemented")

    @classmethod
    def apply(cls, *inputs: Any, **params: Any) -> Tensor:
        """Run the operation on `inputs` (Tensors, arrays or numbers) and record it.

        Args:
            *inputs: the differentiable inputs; non-tensors are wrapped with `as_tensor`.
            **params: non-differentiable settings passed to `forward` unchanged.

        Returns:
            The output Tensor; it requires grad when any input does, recording is on and
            the result is floating point (integer/bool results are constants).
        """
        tensors = tuple(t if isinstance(t, Tensor) else as_tensor(t) for t in inputs)
        fn = cls()
        out = fn.forward(*[t.data for t in tensors], **params)
        if not isinstance(out, np.ndarray):  # ufuncs turn 0-d results into NumPy scalars
            out = np.asarray(out)
        if grad_mode._state["enabled"] and out.dtype.kind == "f":  # int/bool results: no grad
            needs = tuple(t.requires_grad for t in tensors)
            if any(needs):
                fn.inputs = tensors
                fn.needs_input_grad = needs
                return Tensor._from_op(out, fn)
        return Tensor._from_op(out, None)

    def release(self) -> None:
        """Drop the buffers saved for backward (called by the engine once used)."""
        self.__dict__.clear()


def unbroadcast(grad: np.ndarray, shape: Tuple[int, ...]) -> np.ndarray:
    """Sum `grad` over the axes NumPy broadcasting added or stretched to reach `shape`.

    Args:
        grad: a gradient of the broadcast result.
        shape: the shape of the input that was broadcast.

    Returns:
        `grad` summed down to `shape`.
    """
    if grad.shape == shape:
        return grad
    extra = grad.ndim - len(shape)
    if extra > 0:
        grad = grad.sum(axis=tuple(range(extra)))
    stretched = tuple(i for i, n in enumerate(shape) if n == 1 and grad.shape[i] != 1)
    if stretched:
        grad = grad.sum(axis=stretched, keepdims=True)
    return grad
