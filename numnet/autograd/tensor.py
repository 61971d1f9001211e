"""`Tensor`: an `np.ndarray` that remembers how it was made, so gradients can flow back."""
from __future__ import annotations

import sys
from typing import Any, Optional, Tuple, Union

import numpy as np

from numnet.autograd import grad_mode

DEFAULT_FLOAT = np.float32
_PROMOTE_TO_FLOAT = frozenset("iuf")


def _caller_op() -> str:
    """The public `numnet.ops` function being run (outermost), for error messages; else "Tensor"."""
    name = "Tensor"
    frame = sys._getframe(2)
    while frame is not None:
        module = frame.f_globals.get("__name__", "")
        code = frame.f_code.co_name
        if module.startswith("numnet.ops.") and not code.startswith("_") and code not in ("apply", "forward"):
            name = code
        frame = frame.f_back
    return name


def _to_array(data: Any, dtype: Any) -> np.ndarray:
    if isinstance(data, Tensor):
        arr = data.data
    elif isinstance(data, (np.ndarray, np.generic)):
        arr = np.asarray(data)
    else:
        try:
            arr = np.asarray(data)
        except (ValueError, TypeError) as exc:
            raise TypeError(
                f"{_caller_op()}: cannot convert {type(data).__name__} to a numeric array ({exc})"
            ) from None
        if dtype is None and arr.dtype.kind in _PROMOTE_TO_FLOAT:
            arr = arr.astype(DEFAULT_FLOAT)
    if arr.dtype.kind not in "biuf":
        sample = arr.flat[0] if arr.size else "<empty>"
        raise TypeError(
            f"{_caller_op()}: expected numeric data, got an array of dtype {arr.dtype} of shape "
            f"{arr.shape} (first value {sample!r})"
        )
    if dtype is not None:
        arr = arr.astype(np.dtype(dtype), copy=False)
    return arr


class Tensor:
    """A multi-dimensional array with reverse-mode automatic differentiation.

    Args:
        data: an ndarray (its dtype is kept, so float64 stays float64), a Python number or
            a nested list (floats and ints become float32), or another Tensor.
        requires_grad: record operations on this tensor so `backward` fills `.grad`.
        dtype: cast the data to this dtype.

    Attributes:
        _keras_mask: the Keras mask attached by a layer (a boolean Tensor, e.g. `(batch, timesteps)`
            for a padded sequence) or None; see `numnet.autograd.get_keras_mask`.

    Raises:
        TypeError: the data is not numeric, or `requires_grad` is asked of a non-float tensor.
    """

    __slots__ = ("data", "grad", "requires_grad", "_ctx", "_retain", "_keras_mask", "__weakref__")
    __array_priority__ = 1000  # NumPy defers `array + tensor` to Tensor.__radd__.
    __array_ufunc__ = None

    def __init__(self, data: Any, requires_grad: bool = False, dtype: Any = None) -> None:
        self.data = _to_array(data, dtype)
        if requires_grad and self.data.dtype.kind != "f":
            raise TypeError(
                f"Tensor: only floating-point tensors can require gradients, got dtype {self.data.dtype}"
            )
        self.requires_grad = bool(requires_grad)
        self.grad: Optional[np.ndarray] = None
        self._ctx = None
        self._retain = False
        self._keras_mask = None

    @classmethod
    def _from_op(cls, data: np.ndarray, ctx: Any) -> "Tensor":
        """Wrap an op's output without re-validating it (hot path)."""
        t = object.__new__(Tensor)
        t.data = data
        t.grad = None
        t.requires_grad = ctx is not None
        t._ctx = ctx
        t._retain = False
        t._keras_mask = None
        return t

    # ----- array-like properties -------------------------------------------------------
    @property
    def shape(self) -> Tuple[int, ...]:
        """The shape of the underlying array."""
        return self.data.shape

    @property
    def dtype(self) -> np.dtype:
        """The NumPy dtype of the underlying array."""
        return self.data.dtype

    @property
    def ndim(self) -> int:
        """Number of dimensions."""
        return self.data.ndim

    @property
    def size(self) -> int:
        """Number of elements."""
        return self.data.size

    @property
    def T(self) -> "Tensor":
        """The tensor with its axes reversed."""
        return ops.transpose(self)

    @property
    def is_leaf(self) -> bool:
        """True for tensors made by the user rather than by a recorded operation."""
        return self._ctx is None

    def numpy(self) -> np.ndarray:
        """Return the underlying ndarray (shared, not copied)."""
        return self.data

    def item(self) -> Union[float, int, bool]:
        """Return the value of a one-element tensor as a Python number."""
        if self.data.size != 1:
            raise ValueError(f"Tensor.item: only one-element tensors convert to a number, got shape {self.shape}")
        return self.data.item()

    def detach(self) -> "Tensor":
        """Return a tensor sharing the data but cut from the graph."""
        return Tensor._from_op(self.data, None)

    def zero_grad(self) -> None:
        """Forget the accumulated gradient (sets `.grad` to None)."""
        self.grad = None

    def retain_grad(self) -> None:
        """Keep `.grad` on this non-leaf tensor after `backward`."""
        self._retain = True

    def astype(self, dtype: Any) -> "Tensor":
        """Return a copy cast to `dtype`; gradients flow back cast to the original dtype."""
        return ops.cast(self, dtype)

    def backward(self, grad: Any = None, retain_graph: bool = False) -> None:
        """Back-propagate from this tensor, accumulating into the `.grad` of leaf tensors.

        Args:
            grad: d(something)/d(self); may be omitted only for a one-element tensor.
            retain_graph: keep the saved buffers so backward can run through the graph again.

        Raises:
            ValueError: this tensor does not require grad, `grad` is missing for a
                non-scalar, or `grad`'s shape differs from this tensor's.
        """
        from numnet.autograd.backward import run_backward

        run_backward(self, grad, retain_graph)

    # ----- Python protocol -------------------------------------------------------------
    def __repr__(self) -> str:
        body = np.array2string(self.data, separator=", ", prefix="Tensor(")
        extra = ", requires_grad=True" if self.requires_grad else ""
        return f"Tensor({body}, dtype={self.data.dtype}{extra})"

    def __len__(self) -> int:
        return len(self.data)

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        return self.data if dtype is None else self.data.astype(dtype)

    def __bool__(self) -> bool:
        return bool(self.data)

    def __float__(self) -> float:
        return float(self.item())

    def __int__(self) -> int:
        return int(self.item())

    def __iter__(self):
        for i in range(len(self)):
            yield self[i]

    __hash__ = object.__hash__

    # ----- operators (sugar for numnet.ops) ----------------------------------------------
    def __add__(self, other: Any) -> "Tensor":
        return ops.add(self, other)

    def __radd__(self, other: Any) -> "Tensor":
        return ops.add(other, self)

    def __sub__(self, other: Any) -> "Tensor":
        return ops.subtract(self, other)

    def __rsub__(self, other: Any) -> "Tensor":
        return ops.subtract(other, self)

    def __mul__(self, other: Any) -> "Tensor":
        return ops.multiply(self, other)

    def __rmul__(self, other: Any) -> "Tensor":
        return ops.multiply(other, self)

    def __truediv__(self, other: Any) -> "Tensor":
        return ops.divide(self, other)

    def __rtruediv__(self, other: Any) -> "Tensor":
        return ops.divide(other, self)

    def __pow__(self, other: Any) -> "Tensor":
        return ops.power(self, other)

    def __rpow__(self, other: Any) -> "Tensor":
        return ops.power(other, self)

    def __matmul__(self, other: Any) -> "Tensor":
        return ops.matmul(self, other)

    def __rmatmul__(self, other: Any) -> "Tensor":
        return ops.matmul(other, self)

    def __neg__(self) -> "Tensor":
        return ops.negative(self)

    def __pos__(self) -> "Tensor":
        return self

    def __abs__(self) -> "Tensor":
        return ops.abs(self)

    def __getitem__(self, index: Any) -> "Tensor":
        return ops.get_item(self, index)

    def __lt__(self, other: Any) -> "Tensor":
        return ops.less(self, other)

    def __le__(self, other: Any) -> "Tensor":
        return ops.less_equal(self, other)

    def __gt__(self, other: Any) -> "Tensor":
        return ops.greater(self, other)

    def __ge__(self, other: Any) -> "Tensor":
        return ops.greater_equal(self, other)

    def __eq__(self, other: Any) -> "Tensor":  # type: ignore[override]
        return ops.equal(self, other)

    def __ne__(self, other: Any) -> "Tensor":  # type: ignore[override]
        return ops.not_equal(self, other)

    # ----- common methods (sugar for numnet.ops) -----------------------------------------
    def reshape(self, *shape: Any) -> "Tensor":
        """Return the tensor with a new shape (`t.reshape(2, 3)` or `t.reshape((2, 3))`)."""
        if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
            shape = tuple(shape[0])
        return ops.reshape(self, shape)

    def transpose(self, *axes: Any) -> "Tensor":
        """Permute the axes (reversed when none are given)."""
        if len(axes) == 1 and isinstance(axes[0], (tuple, list)):
            axes = tuple(axes[0])
        return ops.transpose(self, axes or None)

    def sum(self, axis: Any = None, keepdims: bool = False) -> "Tensor":
        """Sum over `axis` (all axes when None)."""
        return ops.sum(self, axis=axis, keepdims=keepdims)

    def mean(self, axis: Any = None, keepdims: bool = False) -> "Tensor":
        """Mean over `axis` (all axes when None)."""
        return ops.mean(self, axis=axis, keepdims=keepdims)

    def max(self, axis: Any = None, keepdims: bool = False) -> "Tensor":
        """Maximum over `axis` (all axes when None)."""
        return ops.max(self, axis=axis, keepdims=keepdims)

    def min(self, axis: Any = None, keepdims: bool = False) -> "Tensor":
        """Minimum over `axis` (all axes when None)."""
        return ops.min(self, axis=axis, keepdims=keepdims)

    def exp(self) -> "Tensor":
        """Elementwise e**x."""
        return ops.exp(self)

    def log(self) -> "Tensor":
        """Elementwise natural logarithm."""
        return ops.log(self)

    def sqrt(self) -> "Tensor":
        """Elementwise square root."""
        return ops.sqrt(self)

    def tanh(self) -> "Tensor":
        """Elementwise hyperbolic tangent."""
        return ops.tanh(self)

    def sigmoid(self) -> "Tensor":
        """Elementwise logistic sigmoid."""
        return ops.sigmoid(self)

    def relu(self) -> "Tensor":
        """Elementwise max(x, 0)."""
        return ops.relu(self)

    def flatten(self) -> "Tensor":
        """Return the tensor as one dimension."""
        return ops.reshape(self, (-1,))

    def argmax(self, axis: Any = None) -> "Tensor":
        """Indices of the maxima along `axis` (not differentiable)."""
        return ops.argmax(self, axis=axis)


def as_tensor(value: Any, dtype: Any = None) -> Tensor:
    """Return `value` as a Tensor (itself when it already is one of the right dtype).

    Args:
        value: a Tensor, array, number or nested list.
        dtype: dtype to cast to (None: keep / default rules of `Tensor`).

    Returns:
        `value` itself when it already is a Tensor of that dtype, else a new Tensor.
    """
    if isinstance(value, Tensor) and (dtype is None or value.data.dtype == np.dtype(dtype)):
        return value
    return Tensor(value, dtype=dtype)


# Operator overloads are sugar for numnet.ops, which is built on this module; bound last.
from numnet import ops  # noqa: E402
