"""Hinge losses for maximum-margin classifiers: hinge, squared hinge, categorical hinge."""
from __future__ import annotations

from typing import Any, Optional

import numpy as np

from numnet.autograd.tensor import Tensor
from numnet.losses.loss import LossFunctionWrapper
from numnet.losses.per_sample import mean_last, per_sample_loss

__all__ = [
    "hinge", "squared_hinge", "categorical_hinge", "convert_binary_labels_to_hinge",
    "Hinge", "SquaredHinge", "CategoricalHinge",
]


def convert_binary_labels_to_hinge(y_true: np.ndarray) -> np.ndarray:
    """Map 0/1 labels to -1/1 when every label is 0 or 1 (as Keras); return others unchanged."""
    if np.all((y_true == 0) | (y_true == 1)):
        return 2 * y_true - 1
    return y_true


def _hinge_kernel(t, p, need):
    t = convert_binary_labels_to_hinge(t)
    margin = 1 - t * p
    d = np.where(margin >= 0, -t, 0).astype(p.dtype, copy=False) if need else None
    return mean_last(np.maximum(margin, 0), d, need)


def _squared_hinge_kernel(t, p, need):
    t = convert_binary_labels_to_hinge(t)
    positive = np.maximum(1 - t * p, 0)
    return mean_last(positive * positive, (-2 * t * positive) if need else None, need)


def _categorical_hinge_kernel(t, p, need):
    pos = (t * p).sum(axis=-1)
    others = (1 - t) * p
    top = others.argmax(axis=-1)[..., None]
    neg = np.take_along_axis(others, top, axis=-1)[..., 0]
    margin = neg - pos + 1
    values = np.maximum(margin, 0)
    if not need:
        return values, None
    d = -t.copy()
    np.put_along_axis(d, top, np.take_along_axis(d, top, axis=-1) + np.take_along_axis(1 - t, top, axis=-1), axis=-1)
    return values, d * (margin >= 0)[..., None]


def hinge(y_true: Any, y_pred: Any) -> Tensor:
    """Per-sample ``mean(maximum(1 - y_true * y_pred, 0), axis=-1)``.

    Args:
        y_true: -1/1 targets (0/1 targets are converted to -1/1), y_pred's shape.
        y_pred: predicted scores.

    Raises:
        ValueError: the shapes do not match.
    """
    return per_sample_loss("hinge", _hinge_kernel, y_true, y_pred)


def squared_hinge(y_true: Any, y_pred: Any) -> Tensor:
    """Per-sample ``mean(square(maximum(1 - y_true * y_pred, 0)), axis=-1)`` (targets as `hinge`)."""
    return per_sample_loss("squared_hinge", _squared_hinge_kernel, y_true, y_pred)


def categorical_hinge(y_true: Any, y_pred: Any) -> Tensor:
    """Per-sample ``maximum(max((1 - y_true) * y_pred) - sum(y_true * y_pred) + 1, 0)`` over the last axis."""
    return per_sample_loss("categorical_hinge", _categorical_hinge_kernel, y_true, y_pred)


class Hinge(LossFunctionWrapper):
    """Hinge loss ``maximum(1 - y_true * y_pred, 0)`` with -1/1 (or 0/1) targets.

    Args:
        reduction: as `numnet.losses.Loss`.
        name: as `numnet.losses.Loss`.
        dtype: as `numnet.losses.Loss`.
    """

    def __init__(self, reduction: Optional[str] = "sum_over_batch_size", name: str = "hinge",
                 dtype: Any = None) -> None:
        super().__init__(hinge, reduction=reduction, name=name, dtype=dtype)


class SquaredHinge(LossFunctionWrapper):
    """Squared hinge loss ``square(maximum(1 - y_true * y_pred, 0))`` (arguments as `Hinge`)."""

    def __init__(self, reduction: Optional[str] = "sum_over_batch_size", name: str = "squared_hinge",
                 dtype: Any = None) -> None:
        super().__init__(squared_hinge, reduction=reduction, name=name, dtype=dtype)


class CategoricalHinge(LossFunctionWrapper):
    """Categorical hinge loss ``maximum(neg - pos + 1, 0)`` on one-hot targets (arguments as `Hinge`)."""

    def __init__(self, reduction: Optional[str] = "sum_over_batch_size", name: str = "categorical_hinge",
                 dtype: Any = None) -> None:
        super().__init__(categorical_hinge, reduction=reduction, name=name, dtype=dtype)
