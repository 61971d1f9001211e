"""`Variable`: a named, persistent Tensor that layers own and optimizers update."""
from __future__ import annotations

from typing import Any, Optional

import numpy as np

from numnet.autograd.tensor import Tensor


class Variable(Tensor):
    """A model weight: a leaf Tensor with a name, a trainable flag and in-place `assign`.

    Args:
        value: initial value (array-like); float data is stored as float32 unless `dtype` says.
        trainable: whether optimizers update it (and whether it requires grad).
        name: a short name such as "kernel"; `path` adds the owning layer's name.
        dtype: storage dtype (default float32 for float data).
    """

    __slots__ = ("name", "path", "_trainable", "regularizer", "constraint")

    def __init__(self, value: Any, trainable: bool = True, name: Optional[str] = None,
                 dtype: Any = None) -> None:
        arr = np.array(getattr(value, "data", value), copy=True)
        if dtype is None and arr.dtype.kind == "f":
            dtype = np.float32
        super().__init__(arr, requires_grad=False, dtype=dtype)
        self.name = name or "variable"
        self.path = self.name
        self.regularizer = None
        self.constraint = None
        self._trainable = False
        self.trainable = trainable

    @property
    def trainable(self) -> bool:
        """Whether optimizers update this variable; setting it also sets `requires_grad`."""
        return self._trainable

    @trainable.setter
    def trainable(self, value: bool) -> None:
        self._trainable = bool(value)
        self.requires_grad = self._trainable and self.data.dtype.kind == "f"

    @property
    def value(self) -> Tensor:
        """The variable itself, as a Tensor (Keras compatibility)."""
        return self

    def assign(self, value: Any) -> "Variable":
        """Overwrite the values in place (same shape required; cast to this dtype).

        Raises:
            ValueError: `value` has a different shape.
        """
        arr = np.asarray(getattr(value, "data", value))
        if arr.shape != self.data.shape:
            raise ValueError(
                f"Variable '{self.path}': cannot assign a value of shape {arr.shape} "
                f"to a variable of shape {self.data.shape}"
            )
        np.copyto(self.data, arr, casting="unsafe")
        return self

    def assign_add(self, delta: Any) -> "Variable":
        """Add `delta` in place."""
        self.data += np.asarray(getattr(delta, "data", delta), dtype=self.data.dtype)
        return self

    def assign_sub(self, delta: Any) -> "Variable":
        """Subtract `delta` in place."""
        self.data -= np.asarray(getattr(delta, "data", delta), dtype=self.data.dtype)
        return self

    def __repr__(self) -> str:
        return f"<Variable path={self.path}, shape={self.shape}, dtype={self.dtype}, trainable={self.trainable}>"

    __hash__ = object.__hash__
