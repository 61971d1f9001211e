"""Regression losses: MSE, MAE, MAPE, MSLE, Huber, log-cosh, cosine similarity (Keras 3 formulas)."""
from __future__ import annotations

import math
from typing import Any, Optional

import numpy as np

from numnet.autograd.tensor import Tensor
from numnet.losses.loss import LossFunctionWrapper
from numnet.losses.per_sample import EPSILON, mean_last, per_sample_loss

__all__ = [
    "mean_squared_error", "mean_absolute_error", "mean_absolute_percentage_error",
    "mean_squared_logarithmic_error", "huber", "log_cosh", "cosine_similarity",
    "mse", "mae", "mape", "msle", "logcosh",
    "MeanSquaredError", "MeanAbsoluteError", "MeanAbsolutePercentageError",
    "MeanSquaredLogarithmicError", "Huber", "LogCosh", "CosineSimilarity",
]

_LOG2 = math.log(2.0)


# ----- kernels (see numnet.losses.per_sample) ---------------------------------------------
def _mse_kernel(t, p, need):
    diff = p - t
    return mean_last(diff * diff, 2 * diff if need else None, need)


def _mae_kernel(t, p, need):
    diff = p - t
    return mean_last(np.abs(diff), np.sign(diff) if need else None, need)


def _mape_kernel(t, p, need):
    denom = np.maximum(np.abs(t), EPSILON)
    values = 100 * np.abs((t - p) / denom).mean(axis=-1)
    if not need:
        return values, None
    return values, (100 / p.shape[-1]) * np.sign(p - t) / denom


def _msle_kernel(t, p, need):
    shifted = np.maximum(p, EPSILON) + 1
    diff = np.log(shifted) - np.log(np.maximum(t, EPSILON) + 1)
    d = None
    if need:
        d = np.where(p >= EPSILON, 2 * diff / shifted, 0).astype(p.dtype, copy=False)
    return mean_last(diff * diff, d, need)


def _huber_kernel(t, p, need, delta=1.0):
    err = p - t
    abs_err = np.abs(err)
    quadratic = abs_err <= delta
    values = np.where(quadratic, 0.5 * err * err, delta * abs_err - 0.5 * delta * delta).astype(p.dtype, copy=False)
    d = None
    if need:
        d = np.where(quadratic, err, delta * np.sign(err)).astype(p.dtype, copy=False)
    return mean_last(values, d, need)


def _log_cosh_kernel(t, p, need):
    x = p - t
    values = x + np.logaddexp(0, -2 * x) - _LOG2
    return mean_last(values, np.tanh(x) if need else None, need)


def _cosine_kernel(t, p, need):
    t_hat = t / np.maximum(np.sqrt(np.sum(t * t, axis=-1, keepdims=True)), EPSILON)
    norm = np.sqrt(np.sum(p * p, axis=-1, keepdims=True))
    safe = np.maximum(norm, EPSILON)
    p_hat = p / safe
    cos = np.sum(t_hat * p_hat, axis=-1, keepdims=True)
    values = -cos[..., 0]
    if not need:
        return values, None
    return values, -(t_hat - np.where(norm > EPSILON, p_hat * cos, 0)) / safe


# ----- per-sample functions ----------------------------------------------------------------
def mean_squared_error(y_true: Any, y_pred: Any) -> Tensor:
    """Per-sample ``mean(square(y_true - y_pred), axis=-1)``.

    Args:
        y_true: targets, y_pred's shape (a trailing 1 may be squeezed/expanded as Keras does).
        y_pred: predictions.

    Returns:
        A Tensor of shape ``y_pred.shape[:-1]``.

    Raises:
        ValueError: the shapes do not match.
    """
    return per_sample_loss("mean_squared_error", _mse_kernel, y_true, y_pred)


def mean_absolute_error(y_true: Any, y_pred: Any) -> Tensor:
    """Per-sample ``mean(abs(y_true - y_pred), axis=-1)`` (shapes as `mean_squared_error`)."""
    return per_sample_loss("mean_absolute_error", _mae_kernel, y_true, y_pred)


def mean_absolute_percentage_error(y_true: Any, y_pred: Any) -> Tensor:
    """Per-sample ``100 * mean(abs((y_true - y_pred) / maximum(abs(y_true), 1e-7)), axis=-1)``."""
    return per_sample_loss("mean_absolute_percentage_error", _mape_kernel, y_true, y_pred)


def mean_squared_logarithmic_error(y_true: Any, y_pred: Any) -> Tensor:
    """Per-sample ``mean(square(log(max(y_pred, eps) + 1) - log(max(y_true, eps) + 1)), axis=-1)``."""
    return per_sample_loss("mean_squared_logarithmic_error", _msle_kernel, y_true, y_pred)


def huber(y_true: Any, y_pred: Any, delta: float = 1.0) -> Tensor:
    """Per-sample Huber loss: mean of ``0.5 e^2`` where ``|e| <= delta``, else ``delta |e| - 0.5 delta^2``.

    Args:
        y_true: as `mean_squared_error`.
        y_pred: as `mean_squared_error`.
        delta: where the loss turns from quadratic to linear.
    """
    return per_sample_loss("huber", _huber_kernel, y_true, y_pred, delta=float(delta))


def log_cosh(y_true: Any, y_pred: Any) -> Tensor:
    """Per-sample ``mean(log(cosh(y_pred - y_true)), axis=-1)``, computed stably."""
    return per_sample_loss("log_cosh", _log_cosh_kernel, y_true, y_pred)


def cosine_similarity(y_true: Any, y_pred: Any, axis: int = -1) -> Tensor:
    """Per-sample ``-sum(l2_normalize(y_true) * l2_normalize(y_pred), axis)`` (norms floored at 1e-7).

    Args:
        y_true: as `mean_squared_error`.
        y_pred: as `mean_squared_error`.
        axis: the features axis.
    """
    return per_sample_loss("cosine_similarity", _cosine_kernel, y_true, y_pred, axis=axis)


mse = MSE = mean_squared_error
mae = MAE = mean_absolute_error
mape = MAPE = mean_absolute_percentage_error
msle = MSLE = mean_squared_logarithmic_error
logcosh = log_cosh


# ----- classes -----------------------------------------------------------------------------
class MeanSquaredError(LossFunctionWrapper):
    """Mean of squares of errors: ``mean(square(y_true - y_pred))``.

    Args:
        reduction: "sum_over_batch_size" (default), "sum", "mean", "mean_with_sample_weight" or None.
        name: the loss's name.
        dtype: computation dtype (None: follow y_pred).
    """

    def __init__(self, reduction: Optional[str] = "sum_over_batch_size", name: str = "mean_squared_error",
                 dtype: Any = None) -> None:
        super().__init__(mean_squared_error, reduction=reduction, name=name, dtype=dtype)


class MeanAbsoluteError(LossFunctionWrapper):
    """Mean of absolute errors: ``mean(abs(y_true - y_pred))`` (arguments as `MeanSquaredError`)."""

    def __init__(self, reduction: Optional[str] = "sum_over_batch_size", name: str = "mean_absolute_error",
                 dtype: Any = None) -> None:
        super().__init__(mean_absolute_error, reduction=reduction, name=name, dtype=dtype)


class MeanAbsolutePercentageError(LossFunctionWrapper):
    """``100 * mean(abs((y_true - y_pred) / y_true))`` (arguments as `MeanSquaredError`)."""

    def __init__(self, reduction: Optional[str] = "sum_over_batch_size",
                 name: str = "mean_absolute_percentage_error", dtype: Any = None) -> None:
        super().__init__(mean_absolute_percentage_error, reduction=reduction, name=name, dtype=dtype)


class MeanSquaredLogarithmicError(LossFunctionWrapper):
    """``mean(square(log(y_true + 1) - log(y_pred + 1)))`` (arguments as `MeanSquaredError`)."""

    def __init__(self, reduction: Optional[str] = "sum_over_batch_size",
                 name: str = "mean_squared_logarithmic_error", dtype: Any = None) -> None:
        super().__init__(mean_squared_logarithmic_error, reduction=reduction, name=name, dtype=dtype)


class Huber(LossFunctionWrapper):
    """Huber loss (quadratic for ``|error| <= delta``, linear beyond).

    Args:
        delta: the switch point (default 1.0).
        reduction: as `MeanSquaredError`.
        name: as `MeanSquaredError`.
        dtype: as `MeanSquaredError`.
    """

    def __init__(self, delta: float = 1.0, reduction: Optional[str] = "sum_over_batch_size",
                 name: str = "huber_loss", dtype: Any = None) -> None:
        super().__init__(huber, reduction=reduction, name=name, dtype=dtype, delta=delta)


class LogCosh(LossFunctionWrapper):
    """Logarithm of the hyperbolic cosine of the error (arguments as `MeanSquaredError`)."""

    def __init__(self, reduction: Optional[str] = "sum_over_batch_size", name: str = "log_cosh",
                 dtype: Any = None) -> None:
        super().__init__(log_cosh, reduction=reduction, name=name, dtype=dtype)


class CosineSimilarity(LossFunctionWrapper):
    """``-sum(l2_norm(y_true) * l2_norm(y_pred), axis)``: -1 for aligned vectors, 0 for orthogonal.

    Args:
        axis: the features axis (default -1).
        reduction: as `MeanSquaredError`.
        name: as `MeanSquaredError`.
        dtype: as `MeanSquaredError`.
    """

    def __init__(self, axis: int = -1, reduction: Optional[str] = "sum_over_batch_size",
                 name: str = "cosine_similarity", dtype: Any = None) -> None:
        super().__init__(cosine_similarity, reduction=reduction, name=name, dtype=dtype, axis=axis)
