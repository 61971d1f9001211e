"""Overlap losses for segmentation: Dice and Tversky (Keras 3 formulas).

Both reduce over `axis` (None: every axis, giving one scalar for the batch) and add
``1e-7`` to the denominator:

* ``dice = 1 - 2 * sum(y * p) / (sum(y) + sum(p) + 1e-7)``;
* ``tversky = 1 - tp / (tp + alpha * sum(y * (1 - p)) + beta * sum((1 - y) * p) + 1e-7)``
  with ``tp = sum(y * p)`` (Keras's weighting: `alpha` multiplies the mass of `y_true`
  that `y_pred` misses, `beta` the mass `y_pred` puts outside `y_true`).
"""
from __future__ import annotations

import numbers
from typing import Any, Optional, Sequence, Union

import numpy as np

from numnet import ops
from numnet.autograd.tensor import Tensor
from numnet.losses.loss import LossFunctionWrapper
from numnet.losses.per_sample import EPSILON, align

__all__ = ["dice", "tversky", "Dice", "Tversky"]

Axis = Union[None, int, Sequence[int]]


def _check_axis(owner: str, axis: Any) -> Axis:
    ok = axis is None or (isinstance(axis, (int, np.integer)) and not isinstance(axis, bool)) or (
        isinstance(axis, (list, tuple)) and all(isinstance(a, (int, np.integer)) and not isinstance(a, bool)
                                                for a in axis))
    if not ok:
        raise ValueError(f"{owner}: `axis` must be None, an int or a tuple of ints, received axis={axis!r}")
    return tuple(int(a) for a in axis) if isinstance(axis, (list, tuple)) else axis


def _check_weight(owner: str, arg: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not value >= 0:
        raise ValueError(f"{owner}: `{arg}` must be a number >= 0, received {arg}={value!r}")
    return float(value)


def dice(y_true: Any, y_pred: Any, axis: Axis = None) -> Tensor:
    """Dice loss ``1 - 2 * sum(y_true * y_pred) / (sum(y_true) + sum(y_pred) + 1e-7)``.

    Args:
        y_true: targets (0/1 masks or soft), y_pred's shape.
        y_pred: predictions.
        axis: the axes summed over (None: all, giving a scalar).

    Returns:
        A Tensor of y_pred's shape without `axis` (a scalar for None).

    Raises:
        ValueError: the shapes do not match or `axis` is not an int / tuple of ints / None.
    """
    axis = _check_axis("dice", axis)
    t, p, shape = align("dice", y_true, y_pred)
    if shape is not None:
        p = ops.reshape(p, shape)
    intersection = ops.sum(ops.multiply(t, p), axis=axis)
    denominator = ops.add(ops.sum(p, axis=axis), np.sum(t, axis=axis) + EPSILON)
    return ops.subtract(1, ops.divide(ops.multiply(intersection, 2), denominator))


def tversky(y_true: Any, y_pred: Any, alpha: float = 0.5, beta: float = 0.5, axis: Axis = None) -> Tensor:
    """Tversky loss ``1 - tp / (tp + alpha * fn + beta * fp + 1e-7)`` (see the module docstring).

    With ``alpha = beta = 0.5`` it equals the Dice loss.

    Args:
        y_true: targets (0/1 masks or soft), y_pred's shape.
        y_pred: predictions.
        alpha: the weight (>= 0) of ``sum(y_true * (1 - y_pred))``.
        beta: the weight (>= 0) of ``sum((1 - y_true) * y_pred)``.
        axis: the axes summed over (None: all, giving a scalar).

    Returns:
        A Tensor of y_pred's shape without `axis` (a scalar for None).

    Raises:
        ValueError: the shapes do not match, or an argument is invalid.
    """
    alpha = _check_weight("tversky", "alpha", alpha)
    beta = _check_weight("tversky", "beta", beta)
    axis = _check_axis("tversky", axis)
    t, p, shape = align("tversky", y_true, y_pred)
    if shape is not None:
        p = ops.reshape(p, shape)
    intersection = ops.sum(ops.multiply(t, p), axis=axis)
    missed = ops.sum(ops.multiply(t, ops.subtract(1, p)), axis=axis)
    extra = ops.sum(ops.multiply(1 - t, p), axis=axis)
    denominator = ops.add(ops.add(intersection, ops.multiply(missed, alpha)), ops.multiply(extra, beta))
    return ops.subtract(1, ops.divide(intersection, ops.add(denominator, EPSILON)))


class Dice(LossFunctionWrapper):
    """Dice loss (see `dice`).

    Args:
        reduction: as `numnet.losses.Loss`.
        name: as `numnet.losses.Loss` (default "dice").
        axis: the axes summed over (None: all, one value per batch).
        dtype: as `numnet.losses.Loss`.

    Raises:
        ValueError: `axis` is invalid.
    """

    def __init__(self, reduction: Optional[str] = "sum_over_batch_size", name: str = "dice", axis: Axis = None,
                 dtype: Any = None) -> None:
        axis = _check_axis("Dice", axis)
        super().__init__(dice, reduction=reduction, name=name, dtype=dtype, axis=axis)
        self.axis = axis


class Tversky(LossFunctionWrapper):
    """Tversky loss (see `tversky`).

    Args:
        alpha: the weight of ``sum(y_true * (1 - y_pred))`` (default 0.5).
        beta: the weight of ``sum((1 - y_true) * y_pred)`` (default 0.5).
        reduction: as `numnet.losses.Loss`.
        name: as `numnet.losses.Loss` (default "tversky").
        axis: the axes summed over (None: all, one value per batch).
        dtype: as `numnet.losses.Loss`.

    Raises:
        ValueError: an argument is invalid.
    """

    def __init__(self, alpha: float = 0.5, beta: float = 0.5, reduction: Optional[str] = "sum_over_batch_size",
                 name: str = "tversky", axis: Axis = None, dtype: Any = None) -> None:
        _check_weight("Tversky", "alpha", alpha)
        _check_weight("Tversky", "beta", beta)
        axis = _check_axis("Tversky", axis)
        super().__init__(tversky, reduction=reduction, name=name, dtype=dtype, alpha=alpha, beta=beta, axis=axis)
        self.alpha = alpha
        self.beta = beta
        self.axis = axis
