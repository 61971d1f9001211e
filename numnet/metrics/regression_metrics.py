"""Regression metrics: MSE, MAE, MAPE, MSLE, RMSE, cosine similarity, log-cosh error, R2 score."""
from __future__ import annotations

import math
import numbers
import warnings
from typing import Any, Dict, Optional, Union

import numpy as np

from numnet import losses as _losses
from numnet.losses.loss import same_rank_shapes
from numnet.metrics.metric import Metric, to_numpy
from numnet.metrics.reduction_metrics import Mean, MeanMetricWrapper

__all__ = [
    "cosine_similarity", "MeanSquaredError", "MeanAbsoluteError", "MeanAbsolutePercentageError",
    "MeanSquaredLogarithmicError", "RootMeanSquaredError", "CosineSimilarity", "LogCoshError", "R2Score",
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


class R2Score(Metric):
    """Coefficient of determination ``1 - sum((y - y_hat)**2) / sum((y - mean(y))**2)`` per output.

    Inputs are 2-D, shape (batch_size, num_outputs); each output (column) gets its own
    score, computed from sums accumulated over every batch (so batches equal all at once).
    A constant target column with errors scores 0; a constant column without errors gives
    NaN (0 / 0), as in Keras.

    Args:
        class_aggregation: None (one score per output), "uniform_average" (their mean) or
            "variance_weighted_average" (weighted by each output's variance).
        num_regressors: the number of independent regressors p, for the adjusted score
            ``1 - (1 - R2) * (n - 1) / (n - p - 1)``, n being the number of target values
            seen (rows x outputs, as Keras counts); 0: the plain score; falls back to the
            plain score, with a warning, when ``p >= n - 1``.
        name: see `numnet.metrics.Metric` (default "r2_score").
        dtype: see `numnet.metrics.Metric`.

    Raises:
        ValueError: an unknown `class_aggregation` or a negative `num_regressors`.
    """

    _direction = "up"  # better when it goes up (mode="auto" of callbacks)
    AGGREGATIONS = (None, "uniform_average", "variance_weighted_average")

    def __init__(self, class_aggregation: Optional[str] = "uniform_average", num_regressors: int = 0,
                 name: str = "r2_score", dtype: Any = None) -> None:
        if class_aggregation not in self.AGGREGATIONS:
            raise ValueError(f"R2Score: invalid value for argument `class_aggregation`, expected one of "
                             f"{self.AGGREGATIONS}, received class_aggregation={class_aggregation!r}")
        if isinstance(num_regressors, bool) or not isinstance(num_regressors, numbers.Integral) or num_regressors < 0:
            raise ValueError(f"R2Score: invalid value for argument `num_regressors`, expected an int >= 0, "
                             f"received num_regressors={num_regressors!r}")
        super().__init__(name=name, dtype=dtype)
        self.class_aggregation = class_aggregation
        self.num_regressors = int(num_regressors)
        self.num_samples = self.add_variable((), name="num_samples")
        self.num_outputs: Optional[int] = None
        self._built = False

    def _build(self, num_outputs: int) -> None:
        self.squared_sum = self.add_variable((num_outputs,), name="squared_sum")
        self.sum = self.add_variable((num_outputs,), name="sum")
        self.total_mse = self.add_variable((num_outputs,), name="residual")
        self.count = self.add_variable((num_outputs,), name="count")
        self.num_outputs = num_outputs
        self._built = True

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        """Accumulate the batch's weighted sums.

        Raises:
            ValueError: inputs that are not 2-D of the same shape, an output count that
                changed, or a sample_weight that does not fit.
        """
        y_true = to_numpy(y_true).astype(np.float64)
        y_pred = to_numpy(y_pred).astype(np.float64)
        if y_pred.ndim != 2 or y_true.ndim != 2:
            raise ValueError(f"R2Score expects 2D inputs with shape (batch_size, output_dim); received "
                             f"y_true.shape={y_true.shape} and y_pred.shape={y_pred.shape}")
        if y_true.shape != y_pred.shape:
            raise ValueError(f"R2Score: y_true and y_pred must have the same shape; received "
                             f"y_true.shape={y_true.shape} and y_pred.shape={y_pred.shape}")
        if not self._built:
            self._build(y_pred.shape[1])
        elif y_pred.shape[1] != self.num_outputs:
            raise ValueError(f"R2Score: expected {self.num_outputs} outputs, received y_pred.shape={y_pred.shape}")
        weights = np.ones_like(y_true)
        if sample_weight is not None:
            sw = to_numpy(sample_weight).astype(np.float64)
            if sw.ndim == 1:
                sw = sw.reshape(-1, 1)
            try:
                weights = np.broadcast_to(sw, y_true.shape)
            except ValueError:
                raise ValueError(f"R2Score: sample_weight of shape {to_numpy(sample_weight).shape} does not fit "
                                 f"y_true of shape {y_true.shape}") from None
        weighted = y_true * weights
        self.sum += weighted.sum(axis=0)
        self.squared_sum += (y_true * weighted).sum(axis=0)
        self.total_mse += (np.square(y_true - y_pred) * weights).sum(axis=0)
        self.count += weights.sum(axis=0)
        self.num_samples += y_true.size  # Keras counts every element, not every row

    def result(self) -> Union[float, np.ndarray]:
        """The score: a float when aggregated, else one score per output (an ndarray)."""
        if not self._built:
            return 0.0 if self.class_aggregation is not None else np.zeros(0)
        with np.errstate(divide="ignore", invalid="ignore"):
            mean = self.sum / self.count
            total = self.squared_sum - self.sum * mean
            raw = 1 - self.total_mse / total
        raw = np.where(np.isinf(raw), 0.0, raw)
        if self.class_aggregation == "uniform_average":
            r2: Any = float(np.mean(raw))
        elif self.class_aggregation == "variance_weighted_average":
            with np.errstate(divide="ignore", invalid="ignore"):
                r2 = float(np.sum(total * raw) / np.sum(total))
        else:
            r2 = np.array(raw)
        if self.num_regressors:
            n, p = float(self.num_samples), self.num_regressors
            if p >= n - 1:
                warnings.warn(f"R2Score: num_regressors={p} is not below num_samples - 1 = {n - 1:g}; returning "
                              f"the unadjusted R2 score", UserWarning, stacklevel=2)
            else:
                r2 = 1 - (1 - r2) * (n - 1) / (n - p - 1)
        return r2

    def get_config(self) -> Dict[str, Any]:
        return {**super().get_config(), "class_aggregation": self.class_aggregation,
                "num_regressors": self.num_regressors}
