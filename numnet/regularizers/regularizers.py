"""Weight penalties: L1, L2, L1L2 and OrthogonalRegularizer (Keras 3 semantics)."""
from __future__ import annotations

import math
from typing import Any, Dict

import numpy as np

from numnet import ops
from numnet.autograd.tensor import Tensor, as_tensor

__all__ = ["Regularizer", "L1", "L2", "L1L2", "OrthogonalRegularizer"]


def _factor(value: Any, name: str, owner: str) -> float:
    if (isinstance(value, bool) or not isinstance(value, (int, float, np.floating, np.integer))
            or math.isnan(value) or math.isinf(value) or value < 0):
        raise ValueError(f"{owner}: {name} must be a non-negative float, got {name}={value!r}")
    return float(value)


class Regularizer:
    """Base class: `__call__(x)` returns a scalar Tensor penalty (differentiable in `x`).

    Any callable `f(weight) -> scalar Tensor` can be used as a regularizer; subclass this to
    get `get_config`/`from_config` for saving.
    """

    def __call__(self, x: Any) -> Tensor:
        """Return the penalty for `x` (0 in the base class)."""
        x = as_tensor(x)
        return Tensor(np.zeros((), dtype=x.dtype))

    def get_config(self) -> Dict[str, Any]:
        """The constructor arguments, JSON-serialisable."""
        raise NotImplementedError(f"{type(self).__name__} does not implement get_config()")

    @classmethod
    def from_config(cls, config: Dict[str, Any]) -> "Regularizer":
        """Build the regularizer back from `get_config()`'s output."""
        return cls(**config)

    def __repr__(self) -> str:
        try:
            args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        except NotImplementedError:
            args = ""
        return f"{type(self).__name__}({args})"


class L1L2(Regularizer):
    """`l1 * sum(|x|) + l2 * sum(x**2)`.

    Args:
        l1: L1 factor (non-negative).
        l2: L2 factor (non-negative).

    Raises:
        ValueError: a factor is negative, NaN or infinite.
    """

    def __init__(self, l1: float = 0.0, l2: float = 0.0) -> None:
        self.l1 = _factor(0.0 if l1 is None else l1, "l1", "L1L2")
        self.l2 = _factor(0.0 if l2 is None else l2, "l2", "L1L2")

    def __call__(self, x: Any) -> Tensor:
        x = as_tensor(x)
        penalty = None
        if self.l1:
            penalty = ops.multiply(ops.sum(ops.abs(x)), self.l1)
        if self.l2:
            term = ops.multiply(ops.sum(ops.square(x)), self.l2)
            penalty = term if penalty is None else ops.add(penalty, term)
        if penalty is None:
            return Tensor(np.zeros((), dtype=x.dtype))
        return penalty

    def get_config(self) -> Dict[str, Any]:
        return {"l1": self.l1, "l2": self.l2}


class L1(Regularizer):
    """`l1 * sum(|x|)`.

    Args:
        l1: the factor (default 0.01, also used for the string 'l1').
    """

    def __init__(self, l1: float = 0.01) -> None:
        self.l1 = _factor(0.01 if l1 is None else l1, "l1", "L1")

    def __call__(self, x: Any) -> Tensor:
        return ops.multiply(ops.sum(ops.abs(as_tensor(x))), self.l1)

    def get_config(self) -> Dict[str, Any]:
        return {"l1": self.l1}


class L2(Regularizer):
    """`l2 * sum(x**2)` (no factor 1/2, as Keras).

    Args:
        l2: the factor (default 0.01, also used for the string 'l2').
    """

    def __init__(self, l2: float = 0.01) -> None:
        self.l2 = _factor(0.01 if l2 is None else l2, "l2", "L2")

    def __call__(self, x: Any) -> Tensor:
        return ops.multiply(ops.sum(ops.square(as_tensor(x))), self.l2)

    def get_config(self) -> Dict[str, Any]:
        return {"l2": self.l2}


class OrthogonalRegularizer(Regularizer):
    """Penalise non-orthogonality of the rows (or columns) of a 2-D weight.

    The penalty is `factor * 0.5 * sum(|P - diag(P)|) / (n (n - 1) / 2)`, P the matrix of dot
    products between the L2-normalised rows (`mode="rows"`) or columns.

    Args:
        factor: the factor.
        mode: "rows" or "columns".

    Raises:
        ValueError: bad factor or mode; at call, a weight that is not 2-D.
    """

    def __init__(self, factor: float = 0.01, mode: str = "rows") -> None:
        self.factor = _factor(factor, "factor", "OrthogonalRegularizer")
        if mode not in ("rows", "columns"):
            raise ValueError(f"OrthogonalRegularizer: mode must be 'rows' or 'columns', got {mode!r}")
        self.mode = mode

    def __call__(self, x: Any) -> Tensor:
        x = as_tensor(x)
        if x.ndim != 2:
            raise ValueError(f"OrthogonalRegularizer: the weight must be 2-D, got shape {x.shape}")
        if self.mode == "columns":
            x = ops.transpose(x)
        eps = np.asarray(1e-12, dtype=x.dtype)
        norm = ops.sqrt(ops.maximum(ops.sum(ops.square(x), axis=1, keepdims=True), eps))
        x = ops.divide(x, norm)
        product = ops.matmul(x, ops.transpose(x))
        n = x.shape[0]
        off_diagonal = ops.multiply(product, (1.0 - np.eye(n)).astype(x.dtype))
        pairs = max(n * (n - 1) / 2.0, 1.0)
        return ops.multiply(ops.sum(ops.abs(off_diagonal)), self.factor * 0.5 / pairs)

    def get_config(self) -> Dict[str, Any]:
        return {"factor": self.factor, "mode": self.mode}
