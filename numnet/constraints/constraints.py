"""Weight constraints: projections applied to a weight after each optimizer update (keras.constraints)."""
from __future__ import annotations

from typing import Any, Callable, Dict, Sequence, Union

import numpy as np

from numnet.autograd import Tensor
from numnet.config.settings import epsilon

Axis = Union[int, Sequence[int]]


def _array(w: Any) -> np.ndarray:
    return np.asarray(getattr(w, "data", w))


def _axis(axis: Any, owner: str) -> Any:
    if isinstance(axis, (int, np.integer)) and not isinstance(axis, bool):
        return int(axis)
    try:
        out = [int(a) for a in axis]
    except (TypeError, ValueError):
        raise ValueError(f"{owner}: axis must be an int or a list of ints, got axis={axis!r}") from None
    return out


def _norms(w: np.ndarray, axis: Any) -> np.ndarray:
    ax = tuple(axis) if isinstance(axis, list) else axis
    return np.sqrt(np.sum(np.square(w), axis=ax, keepdims=True))


def _rescaled(w: Any, axis: Any, desired: Callable[[np.ndarray, type], np.ndarray]) -> Tensor:
    """`w` with each vector along `axis` rescaled from its L2 norm to `desired(norms, scalar_type)`."""
    arr = _array(w)
    t = arr.dtype.type
    norms = _norms(arr, axis)
    return Tensor((arr * (desired(norms, t) / (t(epsilon()) + norms))).astype(arr.dtype, copy=False))


class Constraint:
    """Base class of weight constraints: `__call__(w)` returns the projected weight.

    Subclasses override `__call__` and, when they take arguments, `get_config`. A layer
    applies its constraint after each optimizer update (e.g. `Dense(kernel_constraint=...)`).
    """

    def __call__(self, w: Any) -> Any:
        """Return the constrained weight (the base class returns `w` unchanged).

        Args:
            w: the weight (a Tensor or an array).

        Returns:
            The projected weight.
        """
        return w

    def get_config(self) -> Dict[str, Any]:
        """The constructor arguments, JSON-serialisable.

        Returns:
            A dict such that ``cls(**config)`` rebuilds the constraint.
        """
        return {}

    @classmethod
    def from_config(cls, config: Dict[str, Any]) -> "Constraint":
        """Rebuild a constraint from `get_config`'s output.

        Args:
            config: the dict returned by `get_config`.

        Returns:
            The constraint.
        """
        return cls(**config)


class MaxNorm(Constraint):
    """Rescale each weight vector (the slices along `axis`) whose L2 norm exceeds `max_value`.

    Args:
        max_value: the largest norm a weight vector may have.
        axis: the axis (or axes) the norms are computed over: 0 for a Dense kernel
            ``(input_dim, units)`` constrains each unit's incoming weights; ``[0, 1, 2]``
            does the same for a Conv2D kernel ``(rows, cols, in, out)``.

    Raises:
        ValueError: `max_value` is negative or `axis` is not an int or a list of ints.
    """

    def __init__(self, max_value: float = 2, axis: Axis = 0) -> None:
        if float(max_value) < 0:
            raise ValueError(f"MaxNorm: max_value must be >= 0, got max_value={max_value!r}")
        self.max_value = max_value
        self.axis = _axis(axis, "MaxNorm")

    def __call__(self, w: Any) -> Tensor:
        """Return `w` with the norms along `axis` clipped to `max_value`.

        Args:
            w: the weight.

        Returns:
            A Tensor of `w`'s shape and dtype.
        """
        return _rescaled(w, self.axis, lambda norms, t: np.clip(norms, 0, t(self.max_value)))

    def get_config(self) -> Dict[str, Any]:
        """``{"max_value": ..., "axis": ...}``.

        Returns:
            The config dict.
        """
        return {"max_value": self.max_value, "axis": self.axis}


class MinMaxNorm(Constraint):
    """Keep the L2 norm of each weight vector (the slices along `axis`) between two bounds.

    Args:
        min_value: the smallest norm.
        max_value: the largest norm.
        rate: how strictly to enforce it: the norm becomes
            ``rate * clip(norm, min_value, max_value) + (1 - rate) * norm``; 1.0 is strict.
        axis: the axis (or axes) the norms are computed over (see `MaxNorm`).

    Raises:
        ValueError: ``min_value > max_value`` or `axis` is not an int or a list of ints.
    """

    def __init__(self, min_value: float = 0.0, max_value: float = 1.0, rate: float = 1.0, axis: Axis = 0) -> None:
        if float(min_value) > float(max_value):
            raise ValueError(f"MinMaxNorm: min_value must be <= max_value, got min_value={min_value!r}, "
                             f"max_value={max_value!r}")
        self.min_value = min_value
        self.max_value = max_value
        self.rate = rate
        self.axis = _axis(axis, "MinMaxNorm")

    def __call__(self, w: Any) -> Tensor:
        """Return `w` with the norms along `axis` moved into ``[min_value, max_value]`` at `rate`.

        Args:
            w: the weight.

        Returns:
            A Tensor of `w`'s shape and dtype.
        """
        def desired(norms: np.ndarray, t: type) -> np.ndarray:
            return t(self.rate) * np.clip(norms, t(self.min_value), t(self.max_value)) + t(1 - self.rate) * norms

        return _rescaled(w, self.axis, desired)

    def get_config(self) -> Dict[str, Any]:
        """``{"min_value", "max_value", "rate", "axis"}``.

        Returns:
            The config dict.
        """
        return {"min_value": self.min_value, "max_value": self.max_value, "rate": self.rate, "axis": self.axis}


class NonNeg(Constraint):
    """Set negative weights to zero."""

    def __call__(self, w: Any) -> Tensor:
        """Return `w` with its negative entries zeroed.

        Args:
            w: the weight.

        Returns:
            A Tensor of `w`'s shape and dtype.
        """
        arr = _array(w)
        return Tensor(arr * (arr >= 0).astype(arr.dtype))


class UnitNorm(Constraint):
    """Scale each weight vector (the slices along `axis`) to L2 norm 1.

    Args:
        axis: the axis (or axes) the norms are computed over (see `MaxNorm`).

    Raises:
        ValueError: `axis` is not an int or a list of ints.
    """

    def __init__(self, axis: Axis = 0) -> None:
        self.axis = _axis(axis, "UnitNorm")

    def __call__(self, w: Any) -> Tensor:
        """Return `w` divided by its norms along `axis`.

        Args:
            w: the weight.

        Returns:
            A Tensor of `w`'s shape and dtype.
        """
        arr = _array(w)
        t = arr.dtype.type
        return Tensor((arr / (t(epsilon()) + _norms(arr, self.axis))).astype(arr.dtype, copy=False))

    def get_config(self) -> Dict[str, Any]:
        """``{"axis": ...}``.

        Returns:
            The config dict.
        """
        return {"axis": self.axis}
