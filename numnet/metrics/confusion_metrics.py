"""Confusion-matrix metrics: TP/FP/TN/FN counts, Precision, Recall and AUC (Keras 3 semantics).

Predictions count as positive when strictly greater than a threshold; labels count as
positive when non-zero. For evenly spaced thresholds (AUC's default) predictions are
bucketed in one pass, as Keras does (clipped to [0, 1], computed in float32).
"""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Sequence, Union

import numpy as np

from numnet.losses.loss import same_rank_shapes
from numnet.metrics.metric import Metric, to_numpy
from numnet.utils.serialization import charge_allocation

__all__ = ["TruePositives", "FalsePositives", "TrueNegatives", "FalseNegatives", "Precision", "Recall", "AUC",
           "update_confusion_matrix"]

EPSILON = 1e-7
NEG_INF = -1e10


def _parse_thresholds(owner: str, thresholds: Any, default: float) -> List[float]:
    if thresholds is None:
        return [default]
    values = [float(t) for t in (thresholds if isinstance(thresholds, (list, tuple, np.ndarray)) else [thresholds])]
    if not values or any(not 0 <= t <= 1 for t in values):
        raise ValueError(f"{owner}: threshold values must be in [0, 1], received thresholds={thresholds!r}")
    return values


def _evenly_distributed(thresholds: Sequence[float]) -> bool:
    n = len(thresholds)
    if n < 3:
        return False
    even = np.arange(n, dtype=np.float32) / (n - 1)
    return bool(np.allclose(thresholds, even, atol=EPSILON))


def _filter_top_k(x: np.ndarray, k: int) -> np.ndarray:
    """Keep the k largest entries of each row (lower index first among ties); others become -1e10."""
    order = np.argsort(-x, axis=-1, kind="stable")[..., :k]
    mask = np.zeros(x.shape, dtype=bool)
    np.put_along_axis(mask, order, True, axis=-1)
    return np.where(mask, x, np.float32(NEG_INF)).astype(x.dtype)


def update_confusion_matrix(variables: Dict[str, np.ndarray], y_true: Any, y_pred: Any, thresholds: Sequence[float],
                            top_k: Optional[int] = None, class_id: Optional[int] = None, sample_weight: Any = None,
                            multi_label: bool = False, label_weights: Any = None,
                            thresholds_distributed_evenly: bool = False) -> None:
    """Add weighted confusion-matrix counts per threshold into `variables` (keys "tp", "fp", "tn", "fn").

    Each variable has shape ``(len(thresholds),)`` or ``(len(thresholds), num_labels)`` with
    `multi_label`.

    Raises:
        ValueError: y_true and y_pred shapes differ, or class_id is used with rank-1 predictions.
    """
    y_true = to_numpy(y_true)
    y_pred = to_numpy(y_pred).astype(np.float32)
    ts, ps = same_rank_shapes(y_true.shape, y_pred.shape)
    if ts != ps:
        raise ValueError(f"confusion metrics: y_true of shape {y_true.shape} does not match y_pred of shape "
                         f"{y_pred.shape}")
    y_true, y_pred = y_true.reshape(ts), y_pred.reshape(ps)
    weights = None
    if sample_weight is not None:
        sw = to_numpy(sample_weight).astype(np.float64)
        pshape, wshape = same_rank_shapes(y_pred.shape, sw.shape)
        if pshape == y_pred.shape:
            sw = sw.reshape(wshape)
        if sw.ndim < y_pred.ndim:
            sw = sw.reshape(sw.shape + (1,) * (y_pred.ndim - sw.ndim))
        try:
            weights = np.broadcast_to(sw, y_pred.shape)
        except ValueError:
            raise ValueError(f"confusion metrics: sample_weight of shape {to_numpy(sample_weight).shape} does not "
                             f"fit y_pred of shape {y_pred.shape}") from None
    if top_k is not None:
        y_pred = _filter_top_k(y_pred, top_k)
    if class_id is not None:
        if y_pred.ndim == 1:
            raise ValueError("confusion metrics: class_id requires y_pred with a class axis (rank >= 2), "
                             f"received y_pred of shape {y_pred.shape}")
        y_true, y_pred = y_true[..., class_id:class_id + 1], y_pred[..., class_id:class_id + 1]
        if weights is not None:
            weights = weights[..., class_id:class_id + 1]
    positive = y_true.astype(bool)
    if weights is None:
        weights = np.ones(y_pred.shape, dtype=np.float64)
    if label_weights is not None and not multi_label:
        weights = weights * np.broadcast_to(np.asarray(label_weights, dtype=np.float64), y_pred.shape)
    thresholds = np.asarray(thresholds, dtype=np.float32)
    if multi_label:
        num_labels = y_pred.shape[-1]
        preds = y_pred.reshape(-1, num_labels)
        labels = positive.reshape(-1, num_labels)
        w = weights.reshape(-1, num_labels)
        for j in range(num_labels):
            counts = _counts(labels[:, j], preds[:, j], w[:, j], thresholds, thresholds_distributed_evenly)
            for key, value in counts.items():
                if key in variables:
                    variables[key][:, j] += value
        return
    counts = _counts(positive.ravel(), y_pred.ravel(), weights.ravel(), thresholds, thresholds_distributed_evenly)
    for key, value in counts.items():
        if key in variables:
            variables[key] += value


def _counts(labels: np.ndarray, preds: np.ndarray, weights: np.ndarray, thresholds: np.ndarray,
            evenly: bool) -> Dict[str, np.ndarray]:
    true_w = np.where(labels, weights, 0.0)
    false_w = np.where(labels, 0.0, weights)
    if evenly:
        n = len(thresholds)
        with_epsilon = bool(thresholds[0] < 0 or thresholds[-1] > 1)
        clipped = np.clip(preds, np.float32(0), np.float32(1))
        buckets = np.ceil(clipped * np.float32(n - 1)) - np.float32(1)
        if with_epsilon:
            buckets = np.maximum(buckets, 0)
        buckets = buckets.astype(np.int64)
        keep = buckets >= 0
        tp_bucket = np.bincount(buckets[keep], weights=true_w[keep], minlength=n)[:n]
        fp_bucket = np.bincount(buckets[keep], weights=false_w[keep], minlength=n)[:n]
        tp = np.cumsum(tp_bucket[::-1])[::-1]
        fp = np.cumsum(fp_bucket[::-1])[::-1]
    else:
        above = preds[None, :] > thresholds[:, None]
        tp = above @ true_w
        fp = above @ false_w
    total_true, total_false = true_w.sum(), false_w.sum()
    return {"tp": tp, "fp": fp, "tn": total_false - fp, "fn": total_true - tp}


class _ConfusionCount(Metric):
    _key = ""

    def __init__(self, thresholds: Any = None, name: Optional[str] = None, dtype: Any = None) -> None:
        super().__init__(name=name, dtype=dtype)
        self.init_thresholds = thresholds
        self.thresholds = _parse_thresholds(type(self).__name__, thresholds, 0.5)
        self._evenly = _evenly_distributed(self.thresholds)
        self.accumulator = self.add_variable((len(self.thresholds),), name="accumulator")

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        """Accumulate the weighted count of a batch."""
        update_confusion_matrix({self._key: self.accumulator}, y_true, y_pred, self.thresholds,
                                sample_weight=sample_weight, thresholds_distributed_evenly=self._evenly)

    def result(self) -> Union[float, np.ndarray]:
        return float(self.accumulator[0]) if len(self.thresholds) == 1 else self.accumulator.copy()

    def get_config(self) -> Dict[str, Any]:
        return {**super().get_config(), "thresholds": self.init_thresholds}


class TruePositives(_ConfusionCount):
    """Weighted count of true positives (predictions > threshold, default 0.5, with non-zero labels).

    Args:
        thresholds: a float or list of floats in [0, 1] (default 0.5); one count per threshold.
        name: see `numnet.metrics.Metric`.
        dtype: see `numnet.metrics.Metric`.
    """

    _key = "tp"


class FalsePositives(_ConfusionCount):
    """Weighted count of false positives (arguments as `TruePositives`)."""

    _key = "fp"


class TrueNegatives(_ConfusionCount):
    """Weighted count of true negatives (arguments as `TruePositives`)."""

    _key = "tn"


class FalseNegatives(_ConfusionCount):
    """Weighted count of false negatives (arguments as `TruePositives`)."""

    _key = "fn"


class _PrecisionRecall(Metric):
    def __init__(self, thresholds: Any = None, top_k: Optional[int] = None, class_id: Optional[int] = None,
                 name: Optional[str] = None, dtype: Any = None) -> None:
        super().__init__(name=name, dtype=dtype)
        if top_k is not None and (isinstance(top_k, bool) or not isinstance(top_k, (int, np.integer)) or top_k < 1):
            raise ValueError(f"{type(self).__name__}: `top_k` must be an int >= 1, received top_k={top_k!r}")
        self.init_thresholds = thresholds
        self.top_k = top_k
        self.class_id = class_id
        self.thresholds = _parse_thresholds(type(self).__name__, thresholds, 0.5 if top_k is None else NEG_INF)
        self._evenly = _evenly_distributed(self.thresholds)
        n = len(self.thresholds)
        self.true_positives = self.add_variable((n,), name="true_positives")
        self.false_positives = self.add_variable((n,), name="false_positives")
        self.false_negatives = self.add_variable((n,), name="false_negatives")

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        """Accumulate the batch's true/false positives and false negatives."""
        update_confusion_matrix(
            {"tp": self.true_positives, "fp": self.false_positives, "fn": self.false_negatives},
            y_true, y_pred, self.thresholds, top_k=self.top_k, class_id=self.class_id,
            sample_weight=sample_weight, thresholds_distributed_evenly=self._evenly,
        )

    def _ratio(self, denominator_extra: np.ndarray) -> Union[float, np.ndarray]:
        denom = self.true_positives + denominator_extra
        value = np.divide(self.true_positives, denom, out=np.zeros_like(denom), where=denom != 0)
        return float(value[0]) if len(self.thresholds) == 1 else value

    def get_config(self) -> Dict[str, Any]:
        return {**super().get_config(), "thresholds": self.init_thresholds, "top_k": self.top_k,
                "class_id": self.class_id}


class Precision(_PrecisionRecall):
    """Precision ``tp / (tp + fp)`` over everything seen (0 when nothing was predicted positive).

    Args:
        thresholds: a float or list in [0, 1]; default 0.5 (or "in the top k" when `top_k` is set).
            With several thresholds `result()` returns an array, one value per threshold.
        top_k: only the k highest-scoring classes of each sample count as predicted positive.
        class_id: compute the metric for this class only.
        name: see `numnet.metrics.Metric` (default name "precision").
        dtype: see `numnet.metrics.Metric` (default name "precision").
    """

    _direction = "up"  # better when it goes up (mode="auto" of callbacks)

    def __init__(self, thresholds: Any = None, top_k: Optional[int] = None, class_id: Optional[int] = None,
                 name: Optional[str] = None, dtype: Any = None) -> None:
        super().__init__(thresholds, top_k, class_id, name or "precision", dtype)

    def result(self) -> Union[float, np.ndarray]:
        return self._ratio(self.false_positives)


class Recall(_PrecisionRecall):
    """Recall ``tp / (tp + fn)`` over everything seen (arguments as `Precision`; default name "recall")."""

    _direction = "up"  # better when it goes up (mode="auto" of callbacks)

    def __init__(self, thresholds: Any = None, top_k: Optional[int] = None, class_id: Optional[int] = None,
                 name: Optional[str] = None, dtype: Any = None) -> None:
        super().__init__(thresholds, top_k, class_id, name or "recall", dtype)

    def result(self) -> Union[float, np.ndarray]:
        return self._ratio(self.false_negatives)


class AUC(Metric):
    """Area under the ROC or precision-recall curve, from confusion counts at fixed thresholds.

    Thresholds are ``[0 - 1e-7, 1/(n-1), ..., (n-2)/(n-1), 1 + 1e-7]`` for ``num_thresholds=n``
    (or the given `thresholds` plus those two ends). The area is a Riemann sum with
    trapezoids ("interpolation"; for PR the Davis & Goadrich interpolation), lower
    ("minoring") or upper ("majoring") heights.

    Args:
        num_thresholds: > 1 (default 200).
        curve: "ROC" (default) or "PR".
        summation_method: "interpolation" (default), "minoring" or "majoring".
        name: see `numnet.metrics.Metric` (default name "auc").
        dtype: see `numnet.metrics.Metric` (default name "auc").
        thresholds: explicit thresholds in [0, 1] (overrides num_thresholds).
        multi_label: one curve per label (last axis), averaged (weighted by `label_weights`).
        num_labels: number of labels (multi_label; otherwise taken from the first batch).
        label_weights: per-label weights.
        from_logits: apply a sigmoid to y_pred first.

    Raises:
        ValueError: num_thresholds <= 1, unknown curve or summation method, thresholds outside [0, 1].
    """

    _direction = "up"  # better when it goes up (mode="auto" of callbacks)

    def __init__(self, num_thresholds: int = 200, curve: str = "ROC", summation_method: str = "interpolation",
                 name: Optional[str] = None, dtype: Any = None, thresholds: Any = None, multi_label: bool = False,
                 num_labels: Optional[int] = None, label_weights: Any = None, from_logits: bool = False) -> None:
        super().__init__(name=name or "auc", dtype=dtype)
        if str(curve).upper() not in ("ROC", "PR"):
            raise ValueError(f"AUC: invalid curve {curve!r}; expected 'ROC' or 'PR'")
        if str(summation_method).lower() not in ("interpolation", "minoring", "majoring"):
            raise ValueError(f"AUC: invalid summation_method {summation_method!r}; expected 'interpolation', "
                             "'minoring' or 'majoring'")
        self.curve = str(curve).upper()
        self.summation_method = str(summation_method).lower()
        if thresholds is not None:
            inner = sorted(_parse_thresholds("AUC", thresholds, 0.5))
            self.num_thresholds = len(inner) + 2
            self._evenly = _evenly_distributed([0.0] + inner + [1.0])
        else:
            if isinstance(num_thresholds, bool) or not isinstance(num_thresholds, (int, np.integer)) \
                    or num_thresholds <= 1:
                raise ValueError(f"AUC: `num_thresholds` must be an int > 1, received {num_thresholds!r}")
            self.num_thresholds = int(num_thresholds)
            charge_allocation(40 * self.num_thresholds, f"AUC: {self.num_thresholds} thresholds")
            inner = [(i + 1) * 1.0 / (self.num_thresholds - 1) for i in range(self.num_thresholds - 2)]
            self._evenly = True
        self._init_thresholds = thresholds
        self._thresholds = [0.0 - EPSILON] + inner + [1.0 + EPSILON]
        self.multi_label = bool(multi_label)
        self.num_labels = num_labels
        self.label_weights = None if label_weights is None else np.asarray(label_weights, dtype=np.float64)
        if self.label_weights is not None and np.any(self.label_weights < 0):
            raise ValueError("AUC: all values of `label_weights` must be non-negative")
        self._from_logits = bool(from_logits)
        self._built = False
        if not self.multi_label or num_labels is not None:
            self._build(num_labels)

    @property
    def thresholds(self) -> List[float]:
        """The thresholds used, including the two epsilon ends."""
        return list(self._thresholds)

    def _build(self, num_labels: Optional[int]) -> None:
        shape = (self.num_thresholds, num_labels) if self.multi_label else (self.num_thresholds,)
        self.true_positives = self.add_variable(shape, name="true_positives")
        self.false_positives = self.add_variable(shape, name="false_positives")
        self.true_negatives = self.add_variable(shape, name="true_negatives")
        self.false_negatives = self.add_variable(shape, name="false_negatives")
        self.num_labels = num_labels
        self._built = True

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        """Accumulate the batch's confusion counts at every threshold.

        Raises:
            ValueError: shapes that do not match (or a label count that changed, with multi_label).
        """
        y_pred = to_numpy(y_pred).astype(np.float32)
        if self.multi_label:
            if y_pred.ndim < 2:
                raise ValueError(f"AUC(multi_label=True) needs y_pred of rank >= 2, received shape {y_pred.shape}")
            if not self._built:
                self._build(y_pred.shape[-1])
            elif y_pred.shape[-1] != self.num_labels:
                raise ValueError(f"AUC: expected {self.num_labels} labels, received y_pred of shape {y_pred.shape}")
        if self._from_logits:
            y_pred = (1 / (1 + np.exp(-y_pred.astype(np.float64)))).astype(np.float32)
        update_confusion_matrix(
            {"tp": self.true_positives, "fp": self.false_positives, "tn": self.true_negatives,
             "fn": self.false_negatives},
            y_true, y_pred, self._thresholds, sample_weight=sample_weight, multi_label=self.multi_label,
            label_weights=None if self.multi_label else self.label_weights,
            thresholds_distributed_evenly=self._evenly,
        )

    def _average(self, by_threshold: np.ndarray) -> float:
        if not self.multi_label:
            return float(np.sum(by_threshold))
        by_label = np.sum(by_threshold, axis=0)
        if self.label_weights is None:
            return float(np.mean(by_label))
        total = float(np.sum(self.label_weights))
        return float(np.sum(by_label * self.label_weights)) / total if total else 0.0

    def _interpolate_pr_auc(self) -> float:
        tp, fp, fn = self.true_positives, self.false_positives, self.false_negatives
        dtp = tp[:-1] - tp[1:]
        p = tp + fp
        dp = p[:-1] - p[1:]
        slope = _div_no_nan(dtp, np.maximum(dp, 0))
        intercept = tp[1:] - slope * p[1:]
        both = (p[:-1] > 0) & (p[1:] > 0)
        ratio = np.where(both, _div_no_nan(p[:-1], np.maximum(p[1:], 0)), 1.0)
        increment = _div_no_nan(slope * (dtp + intercept * np.log(ratio)), np.maximum(tp[1:] + fn[1:], 0))
        return self._average(increment)

    def result(self) -> float:
        if not self._built:
            return 0.0
        if self.curve == "PR" and self.summation_method == "interpolation":
            return self._interpolate_pr_auc()
        tp, fp, tn, fn = self.true_positives, self.false_positives, self.true_negatives, self.false_negatives
        recall = _div_no_nan(tp, tp + fn)
        if self.curve == "ROC":
            x, y = _div_no_nan(fp, fp + tn), recall
        else:
            x, y = recall, _div_no_nan(tp, tp + fp)
        if self.summation_method == "interpolation":
            heights = (y[:-1] + y[1:]) / 2
        elif self.summation_method == "minoring":
            heights = np.minimum(y[:-1], y[1:])
        else:
            heights = np.maximum(y[:-1], y[1:])
        return self._average((x[:-1] - x[1:]) * heights)

    def reset_state(self) -> None:
        if self._built:
            super().reset_state()

    def get_config(self) -> Dict[str, Any]:
        config = {
            **super().get_config(),
            "num_thresholds": self.num_thresholds, "curve": self.curve,
            "summation_method": self.summation_method, "multi_label": self.multi_label,
            "num_labels": self.num_labels,
            "label_weights": None if self.label_weights is None else self.label_weights.tolist(),
            "from_logits": self._from_logits,
        }
        if self._init_thresholds is not None:
            config["thresholds"] = list(self._thresholds[1:-1])
        return config


def _div_no_nan(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    a, b = np.broadcast_arrays(np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64))
    return np.divide(a, b, out=np.zeros(a.shape), where=b != 0)
