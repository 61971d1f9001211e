"""F-scores: `FBetaScore` and `F1Score` (Keras 3 semantics), one score per class or averaged.

Predictions are binarised first: with a `threshold`, ``y_pred > threshold``; without one,
the highest score of each row (ties included, exact zeros excluded) counts as predicted.
Per class ``precision = tp / (tp + fp + 1e-7)``, ``recall = tp / (tp + fn + 1e-7)`` and
``F = (1 + beta**2) * precision * recall / (beta**2 * precision + recall + 1e-7)``.
"""
from __future__ import annotations

import numbers
from typing import Any, Dict, Optional, Union

import numpy as np

from numnet.metrics.metric import Metric, to_numpy

__all__ = ["FBetaScore", "F1Score"]

EPSILON = 1e-7
AVERAGES = (None, "micro", "macro", "weighted")


class FBetaScore(Metric):
    """F-beta score: the weighted harmonic mean of precision and recall, per class or averaged.

    Inputs are 2-D: y_true of 0/1 labels and y_pred of scores, shape (batch_size, num_classes).

    Args:
        average: None (one score per class), "micro" (counts pooled over classes), "macro"
            (unweighted mean of the class scores) or "weighted" (mean weighted by the
            number of true instances of each class).
        beta: how much more recall weighs than precision (a float > 0).
        threshold: a float in (0, 1]: scores above it count as predicted; None: the
            highest score of each row counts.
        name: see `numnet.metrics.Metric` (default "fbeta_score").
        dtype: see `numnet.metrics.Metric`.

    Raises:
        ValueError: an invalid `average`, `beta` or `threshold`.
    """

    _direction = "up"  # better when it goes up (mode="auto" of callbacks)

    def __init__(self, average: Optional[str] = None, beta: float = 1.0, threshold: Optional[float] = None,
                 name: str = "fbeta_score", dtype: Any = None) -> None:
        owner = type(self).__name__
        if average not in AVERAGES:
            raise ValueError(f"{owner}: invalid `average` argument value, expected one of {list(AVERAGES)}, "
                             f"received average={average!r}")
        if isinstance(beta, bool) or not isinstance(beta, numbers.Real) or not beta > 0:
            raise ValueError(f"{owner}: `beta` must be a float > 0, received beta={beta!r}")
        if threshold is not None and (isinstance(threshold, bool) or not isinstance(threshold, numbers.Real)
                                      or not 0 < threshold <= 1):
            raise ValueError(f"{owner}: `threshold` must be a float in (0, 1] or None, received "
                             f"threshold={threshold!r}")
        super().__init__(name=name, dtype=dtype)
        self.average = average
        self.beta = float(beta)
        self.threshold = None if threshold is None else float(threshold)
        self.num_classes: Optional[int] = None
        self._built = False

    def _build(self, num_classes: int) -> None:
        shape = () if self.average == "micro" else (num_classes,)
        self.true_positives = self.add_variable(shape, name="true_positives")
        self.false_positives = self.add_variable(shape, name="false_positives")
        self.false_negatives = self.add_variable(shape, name="false_negatives")
        self.intermediate_weights = self.add_variable((num_classes,), name="intermediate_weights")
        self.num_classes = num_classes
        self._built = True

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        """Accumulate the batch's weighted true positives, false positives and false negatives.

        Raises:
            ValueError: inputs that are not 2-D of the same shape, a class count that
                changed, or a sample_weight that is not one value per sample.
        """
        owner = type(self).__name__
        y_true = to_numpy(y_true).astype(np.float64)
        y_pred = to_numpy(y_pred).astype(np.float64)
        if y_pred.ndim != 2 or y_true.shape != y_pred.shape:
            raise ValueError(f"{owner} expects 2D inputs of the same shape (batch_size, num_classes); received "
                             f"y_true.shape={y_true.shape} and y_pred.shape={y_pred.shape}")
        if not self._built:
            self._build(y_pred.shape[-1])
        elif y_pred.shape[-1] != self.num_classes:
            raise ValueError(f"{owner}: expected {self.num_classes} classes, received y_pred.shape={y_pred.shape}")
        if self.threshold is None:
            top = y_pred.max(axis=-1, keepdims=True)
            predicted = (y_pred >= top) & (np.abs(y_pred) > 1e-9)
        else:
            predicted = y_pred > self.threshold
        predicted = predicted.astype(np.float64)
        weights = np.ones((y_pred.shape[0], 1))
        if sample_weight is not None:
            sw = to_numpy(sample_weight).astype(np.float64)
            if sw.size != y_pred.shape[0]:
                raise ValueError(f"{owner}: sample_weight must hold one value per sample, received "
                                 f"sample_weight.shape={sw.shape} for y_pred.shape={y_pred.shape}")
            weights = sw.reshape(-1, 1)
        axis = None if self.average == "micro" else 0
        self.true_positives += np.sum(predicted * y_true * weights, axis=axis)
        self.false_positives += np.sum(predicted * (1 - y_true) * weights, axis=axis)
        self.false_negatives += np.sum((1 - predicted) * y_true * weights, axis=axis)
        self.intermediate_weights += np.sum(y_true * weights, axis=0)

    def result(self) -> Union[float, np.ndarray]:
        """The score: a float when averaged, else one score per class (an ndarray)."""
        if not self._built:
            return 0.0 if self.average is not None else np.zeros(0)
        tp, fp, fn = self.true_positives, self.false_positives, self.false_negatives
        precision = tp / (tp + fp + EPSILON)
        recall = tp / (tp + fn + EPSILON)
        beta2 = self.beta ** 2
        score = (1 + beta2) * (precision * recall) / (beta2 * precision + recall + EPSILON)
        if self.average == "weighted":
            weights = self.intermediate_weights / (np.sum(self.intermediate_weights) + EPSILON)
            return float(np.sum(score * weights))
        if self.average is not None:
            return float(np.mean(score))
        return np.array(score)

    def reset_state(self) -> None:
        if self._built:
            super().reset_state()

    def get_config(self) -> Dict[str, Any]:
        return {**super().get_config(), "average": self.average, "beta": self.beta, "threshold": self.threshold}


class F1Score(FBetaScore):
    """F1 score: the harmonic mean of precision and recall (`FBetaScore` with ``beta=1``).

    Args:
        average: as `FBetaScore`.
        threshold: as `FBetaScore`.
        name: see `numnet.metrics.Metric` (default "f1_score").
        dtype: see `numnet.metrics.Metric`.

    Raises:
        ValueError: an invalid `average` or `threshold`.
    """

    def __init__(self, average: Optional[str] = None, threshold: Optional[float] = None, name: str = "f1_score",
                 dtype: Any = None) -> None:
        super().__init__(average=average, beta=1.0, threshold=threshold, name=name, dtype=dtype)

    def get_config(self) -> Dict[str, Any]:
        config = super().get_config()
        del config["beta"]
        return config
