"""Best value of one rate subject to a floor on another (Keras 3 semantics).

`PrecisionAtRecall`, `RecallAtPrecision`, `SensitivityAtSpecificity` and
`SpecificityAtSensitivity` accumulate confusion counts at ``num_thresholds`` thresholds
(``[-1e-7, 1/(n-1), ..., (n-2)/(n-1), 1 + 1e-7]``, or just 0.5 for ``n = 1``), and report
the largest value of the first rate among the thresholds where the second rate is at least
the given value (0 when no threshold qualifies).
"""
from __future__ import annotations

import numbers
from typing import Any, Dict, Optional

import numpy as np

from numnet.metrics.confusion_metrics import EPSILON, update_confusion_matrix
from numnet.metrics.metric import Metric
from numnet.utils.serialization import charge_allocation

__all__ = ["PrecisionAtRecall", "RecallAtPrecision", "SensitivityAtSpecificity", "SpecificityAtSensitivity"]


def _ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    return np.divide(num, den, out=np.zeros(num.shape), where=den != 0)


class _AtConstraint(Metric):
    """Confusion counts at evenly spaced thresholds; subclasses pick the rates."""

    _direction = "up"  # better when it goes up (mode="auto" of callbacks)
    _value_name = "value"

    def __init__(self, value: float, num_thresholds: int = 200, class_id: Optional[int] = None,
                 name: Optional[str] = None, dtype: Any = None) -> None:
        owner, arg = type(self).__name__, self._value_name
        if isinstance(value, bool) or not isinstance(value, numbers.Real) or not 0 <= value <= 1:
            raise ValueError(f"{owner}: `{arg}` must be in the range [0, 1], received {arg}={value!r}")
        if isinstance(num_thresholds, bool) or not isinstance(num_thresholds, (int, np.integer)) \
                or num_thresholds <= 0:
            raise ValueError(f"{owner}: `num_thresholds` must be an int > 0, received "
                             f"num_thresholds={num_thresholds!r}")
        if class_id is not None and (isinstance(class_id, bool) or not isinstance(class_id, (int, np.integer))):
            raise ValueError(f"{owner}: `class_id` must be an int or None, received class_id={class_id!r}")
        charge_allocation(64 * int(num_thresholds), f"{owner}: {num_thresholds} thresholds")
        super().__init__(name=name, dtype=dtype)
        self.value = float(value)
        self.num_thresholds = int(num_thresholds)
        self.class_id = class_id
        if self.num_thresholds == 1:
            self.thresholds = [0.5]
            self._evenly = False
        else:
            n = self.num_thresholds
            inner = [(i + 1) * 1.0 / (n - 1) for i in range(n - 2)]
            self.thresholds = [0.0 - EPSILON] + inner + [1.0 + EPSILON]
            self._evenly = True
        shape = (self.num_thresholds,)
        self.true_positives = self.add_variable(shape, name="true_positives")
        self.false_positives = self.add_variable(shape, name="false_positives")
        self.true_negatives = self.add_variable(shape, name="true_negatives")
        self.false_negatives = self.add_variable(shape, name="false_negatives")

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        """Accumulate the batch's confusion counts at every threshold.

        Raises:
            ValueError: the shapes do not match.
        """
        update_confusion_matrix(
            {"tp": self.true_positives, "fp": self.false_positives, "tn": self.true_negatives,
             "fn": self.false_negatives},
            y_true, y_pred, self.thresholds, class_id=self.class_id, sample_weight=sample_weight,
            thresholds_distributed_evenly=self._evenly,
        )

    def _best(self, constrained: np.ndarray, dependent: np.ndarray) -> float:
        feasible = constrained >= self.value
        return float(np.max(dependent[feasible])) if np.any(feasible) else 0.0

    def _rates(self):
        tp, fp, tn, fn = self.true_positives, self.false_positives, self.true_negatives, self.false_negatives
        recall = _ratio(tp, tp + fn)
        return {"recall": recall, "precision": _ratio(tp, tp + fp), "specificity": _ratio(tn, tn + fp)}

    def get_config(self) -> Dict[str, Any]:
        return {**super().get_config(), self._value_name: self.value, "num_thresholds": self.num_thresholds,
                "class_id": self.class_id}


class PrecisionAtRecall(_AtConstraint):
    """The best precision among the thresholds where recall >= `recall`.

    Args:
        recall: the recall floor, in [0, 1].
        num_thresholds: how many thresholds to try (default 200).
        class_id: compute the metric for this class only (the last axis of the inputs).
        name: see `numnet.metrics.Metric`.
        dtype: see `numnet.metrics.Metric`.

    Raises:
        ValueError: `recall` outside [0, 1] or `num_thresholds` <= 0.
    """

    _value_name = "recall"

    def __init__(self, recall: float, num_thresholds: int = 200, class_id: Optional[int] = None,
                 name: Optional[str] = None, dtype: Any = None) -> None:
        super().__init__(recall, num_thresholds, class_id, name, dtype)
        self.recall = self.value

    def result(self) -> float:
        rates = self._rates()
        return self._best(rates["recall"], rates["precision"])


class RecallAtPrecision(_AtConstraint):
    """The best recall among the thresholds where precision >= `precision`.

    Args:
        precision: the precision floor, in [0, 1].
        num_thresholds: as `PrecisionAtRecall`.
        class_id: as `PrecisionAtRecall`.
        name: see `numnet.metrics.Metric`.
        dtype: see `numnet.metrics.Metric`.

    Raises:
        ValueError: `precision` outside [0, 1] or `num_thresholds` <= 0.
    """

    _value_name = "precision"

    def __init__(self, precision: float, num_thresholds: int = 200, class_id: Optional[int] = None,
                 name: Optional[str] = None, dtype: Any = None) -> None:
        super().__init__(precision, num_thresholds, class_id, name, dtype)
        self.precision = self.value

    def result(self) -> float:
        rates = self._rates()
        return self._best(rates["precision"], rates["recall"])


class SensitivityAtSpecificity(_AtConstraint):
    """The best sensitivity (recall) among the thresholds where specificity >= `specificity`.

    Args:
        specificity: the specificity floor, in [0, 1].
        num_thresholds: as `PrecisionAtRecall`.
        class_id: as `PrecisionAtRecall`.
        name: see `numnet.metrics.Metric`.
        dtype: see `numnet.metrics.Metric`.

    Raises:
        ValueError: `specificity` outside [0, 1] or `num_thresholds` <= 0.
    """

    _value_name = "specificity"

    def __init__(self, specificity: float, num_thresholds: int = 200, class_id: Optional[int] = None,
                 name: Optional[str] = None, dtype: Any = None) -> None:
        super().__init__(specificity, num_thresholds, class_id, name, dtype)
        self.specificity = self.value

    def result(self) -> float:
        rates = self._rates()
        return self._best(rates["specificity"], rates["recall"])


class SpecificityAtSensitivity(_AtConstraint):
    """The best specificity among the thresholds where sensitivity (recall) >= `sensitivity`.

    Args:
        sensitivity: the sensitivity floor, in [0, 1].
        num_thresholds: as `PrecisionAtRecall`.
        class_id: as `PrecisionAtRecall`.
        name: see `numnet.metrics.Metric`.
        dtype: see `numnet.metrics.Metric`.

    Raises:
        ValueError: `sensitivity` outside [0, 1] or `num_thresholds` <= 0.
    """

    _value_name = "sensitivity"

    def __init__(self, sensitivity: float, num_thresholds: int = 200, class_id: Optional[int] = None,
                 name: Optional[str] = None, dtype: Any = None) -> None:
        super().__init__(sensitivity, num_thresholds, class_id, name, dtype)
        self.sensitivity = self.value

    def result(self) -> float:
        rates = self._rates()
        return self._best(rates["recall"], rates["specificity"])
