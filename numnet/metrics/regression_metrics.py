"""Regression metrics: MSE, MAE, MAPE, MSLE, RMSE, cosine similarity, log-cosh error."""
from __future__ import annotations

import math
from typing import Any

import numpy as np

from numnet import losses as _losses
from numnet.losses.loss import same_rank_shapes
from numnet.metrics.metric import to_numpy
from numnet.metrics.reduction_metrics import Mean, MeanMetricWrapper

__all__ = [
    "cosine_similarity", "MeanSquaredError", "MeanAbsoluteError", "MeanAbsolutePercentageError",
    "MeanSquaredLogarithmicError", "RootMeanSquaredError", "CosineSimilarity", "LogCoshError",
]


def cosine_similarity(y_true: Any, y_pred: Any, axis: int = -1) -> np.ndarray:
    """Per-sample cosine similarity ``sum(l2_norm(y_true) * l2_norm(y_pred), axis)`` (positive: 1 = aligned)."""
    return -to_numpy(_losses.cosine_similarity(y_true, y_pred, axis=axis))


class MeanSquaredError(MeanMetricWrapper):
    """Mean of ``mean(square(y_true - y_pred), axis=-1)`` over samples (name default "mean_squared_error")."""

    _direction = "down"  # better when it goes down (mode="auto" of callbacks)

    def __init__(self, name: str = "mean_squared_error", dtype: Any = None) -> None:
        super().__init__(_losses.mean_squared_error, name=name, dtype=dtype)


class MeanAbsoluteError(MeanMetricWrapper):
    """Mean of ``mean(abs(y_true - y_pred), axis=-1)`` over samples (name default "mean_absolute_error")."""

    _direction = "down"  # better when it goes down (mode="auto" of callbacks)

    def __init__(self, name: str = "mean_absolute_error", dtype: Any = None) -> None:
        super().__init__(_losses.mean_absolute_error, name=name, dtype=dtype)


class MeanAbsolutePercentageError(MeanMetricWrapper):
    """Mean absolute percentage error (name default "mean_absolute_percentage_error")."""

    _direction = "down"  # better when it goes down (mode="auto" of callbacks)

    def __init__(self, name: str = "mean_absolute_percentage_error", dtype: Any = None) -> None:
        super().__init__(_losses.mean_absolute_percentage_error, name=name, dtype=dtype)


class MeanSquaredLogarithmicError(MeanMetricWrapper):
    """Mean squared logarithmic error (name default "mean_squared_logarithmic_error")."""

    _direction = "down"  # better when it goes down (mode="auto" of callbacks)

    def __init__(self, name: str = "mean_squared_logarithmic_error", dtype: Any = None) -> None:
        super().__init__(_losses.mean_squared_logarithmic_error, name=name, dtype=dtype)


class LogCoshError(MeanMetricWrapper):
    """Mean of ``log(cosh(y_pred - y_true))`` (name default "logcosh")."""

    _direction = "down"  # better when it goes down (mode="auto" of callbacks)

    def __init__(self, name: str = "logcosh", dtype: Any = None) -> None:
        super().__init__(_losses.log_cosh, name=name, dtype=dtype)


class CosineSimilarity(MeanMetricWrapper):
    """Mean cosine similarity between labels and predictions.

    Args:
        name: default "cosine_similarity".
        dtype: see `numnet.metrics.Metric`.
        axis: the features axis (default -1).
    """

    _direction = "up"  # better when it goes up (mode="auto" of callbacks)

    def __init__(self, name: str = "cosine_similarity", dtype: Any = None, axis: int = -1) -> None:
        super().__init__(cosine_similarity, name=name, dtype=dtype, axis=axis)


class RootMeanSquaredError(Mean):
    """``sqrt(mean(square(y_true - y_pred)))`` over everything seen (weighted per sample).

    Args:
        name: default "root_mean_squared_error".
        dtype: see `numnet.metrics.Metric`.
    """

    _direction = "down"  # better when it goes down (mode="auto" of callbacks)

    def __init__(self, name: str = "root_mean_squared_error", dtype: Any = None) -> None:
        super().__init__(name=name, dtype=dtype)

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        """Accumulate the squared errors of a batch.

        Raises:
            ValueError: the shapes do not match.
        """
        y_true = to_numpy(y_true).astype(np.float64)
        y_pred = to_numpy(y_pred).astype(np.float64)
        ts, ps = same_rank_shapes(y_true.shape, y_pred.shape)
        if ts != ps:
            raise ValueError(f"root_mean_squared_error: y_true of shape {y_true.shape} does not match y_pred "
                             f"of shape {y_pred.shape}")
        error = y_pred.reshape(ps) - y_true.reshape(ts)
        super().update_state(error * error, sample_weight=sample_weight)

    def result(self) -> float:
        return math.sqrt(super().result())
