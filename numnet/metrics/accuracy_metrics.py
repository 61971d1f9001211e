"""Accuracy metrics (Keras 3 rules) and the rule that resolves "accuracy" from shapes."""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from numnet.losses.loss import same_rank_shapes
from numnet.metrics.metric import to_numpy
from numnet.metrics.reduction_metrics import MeanMetricWrapper

__all__ = [
    "accuracy", "binary_accuracy", "categorical_accuracy", "sparse_categorical_accuracy",
    "top_k_categorical_accuracy", "sparse_top_k_categorical_accuracy",
    "Accuracy", "BinaryAccuracy", "CategoricalAccuracy", "SparseCategoricalAccuracy",
    "TopKCategoricalAccuracy", "SparseTopKCategoricalAccuracy", "accuracy_class_for",
]


def _same_rank(y_true: np.ndarray, y_pred: np.ndarray):
    ts, ps = same_rank_shapes(y_true.shape, y_pred.shape)
    return y_true.reshape(ts), y_pred.reshape(ps)


def _check_batch(name: str, y_true: np.ndarray, y_pred: np.ndarray, expected_true_shape: Sequence[int]) -> None:
    if tuple(y_true.shape) != tuple(expected_true_shape):
        raise ValueError(f"{name}: y_true of shape {y_true.shape} does not match y_pred of shape {y_pred.shape}")


def accuracy(y_true: Any, y_pred: Any) -> np.ndarray:
    """Elementwise ``y_true == y_pred`` as floats (1.0 / 0.0)."""
    y_pred = to_numpy(y_pred)
    y_true, y_pred = _same_rank(to_numpy(y_true).astype(y_pred.dtype, copy=False), y_pred)
    return (y_true == y_pred).astype(np.float32)


def binary_accuracy(y_true: Any, y_pred: Any, threshold: float = 0.5) -> np.ndarray:
    """Elementwise ``y_true == (y_pred > threshold)`` as floats."""
    y_pred = to_numpy(y_pred)
    y_true, y_pred = _same_rank(to_numpy(y_true), y_pred)
    _check_batch("binary_accuracy", y_true, y_pred, y_pred.shape)
    return (y_true.astype(np.float64) == (y_pred > threshold)).astype(np.float32)


def categorical_accuracy(y_true: Any, y_pred: Any) -> np.ndarray:
    """Per sample, whether ``argmax(y_true) == argmax(y_pred)`` (one-hot targets)."""
    y_true, y_pred = to_numpy(y_true), to_numpy(y_pred)
    if y_true.shape != y_pred.shape:
        raise ValueError(f"categorical_accuracy: y_true of shape {y_true.shape} (one-hot) does not match "
                         f"y_pred of shape {y_pred.shape}")
    return (np.argmax(y_true, axis=-1) == np.argmax(y_pred, axis=-1)).astype(np.float32)


def sparse_categorical_accuracy(y_true: Any, y_pred: Any) -> np.ndarray:
    """Per sample, whether the integer label equals ``argmax(y_pred)`` (labels of shape (N,) or (N, 1))."""
    y_true, y_pred = to_numpy(y_true), to_numpy(y_pred)
    if y_true.ndim == y_pred.ndim and y_true.shape[-1:] == (1,):
        y_true = y_true.reshape(y_true.shape[:-1])
    _check_batch("sparse_categorical_accuracy", y_true, y_pred, y_pred.shape[:-1])
    return (y_true.astype(np.float64) == np.argmax(y_pred, axis=-1)).astype(np.float32)


def _in_top_k(targets: np.ndarray, predictions: np.ndarray, k: int) -> np.ndarray:
    """Whether each target's score is >= the k-th largest score of its row (ties count as in)."""
    num_classes = predictions.shape[-1]
    k = min(int(k), num_classes)
    kth = -np.partition(-predictions, k - 1, axis=-1)[..., k - 1]
    target_scores = np.take_along_axis(predictions, targets[..., None].astype(np.int64), axis=-1)[..., 0]
    return target_scores >= kth


def top_k_categorical_accuracy(y_true: Any, y_pred: Any, k: int = 5) -> np.ndarray:
    """Per sample, whether the one-hot target is among the `k` highest predictions."""
    y_true, y_pred = to_numpy(y_true), to_numpy(y_pred)
    if y_true.shape != y_pred.shape:
        raise ValueError(f"top_k_categorical_accuracy: y_true of shape {y_true.shape} (one-hot) does not match "
                         f"y_pred of shape {y_pred.shape}")
    return _in_top_k(np.argmax(y_true, axis=-1), y_pred, k).astype(np.float32)


def sparse_top_k_categorical_accuracy(y_true: Any, y_pred: Any, k: int = 5) -> np.ndarray:
    """Per sample, whether the integer label is among the `k` highest predictions."""
    y_true, y_pred = to_numpy(y_true), to_numpy(y_pred)
    if y_true.ndim == y_pred.ndim and y_true.shape[-1:] == (1,):
        y_true = y_true.reshape(y_true.shape[:-1])
    _check_batch("sparse_top_k_categorical_accuracy", y_true, y_pred, y_pred.shape[:-1])
    labels = y_true.astype(np.int64)
    valid = (labels >= 0) & (labels < y_pred.shape[-1])
    hits = _in_top_k(np.where(valid, labels, 0), y_pred, k) & valid
    return hits.astype(np.float32)


class Accuracy(MeanMetricWrapper):
    """How often predictions equal labels exactly.

    Args:
        name: default "accuracy".
        dtype: see `numnet.metrics.Metric`.
    """

    _direction = "up"  # better when it goes up (mode="auto" of callbacks)

    def __init__(self, name: str = "accuracy", dtype: Any = None) -> None:
        super().__init__(accuracy, name=name, dtype=dtype)


class BinaryAccuracy(MeanMetricWrapper):
    """How often ``(y_pred > threshold)`` equals the 0/1 label.

    Args:
        name: default "binary_accuracy".
        dtype: see `numnet.metrics.Metric`.
        threshold: decision threshold on y_pred (default 0.5).
    """

    _direction = "up"  # better when it goes up (mode="auto" of callbacks)

    def __init__(self, name: str = "binary_accuracy", dtype: Any = None, threshold: float = 0.5) -> None:
        super().__init__(binary_accuracy, name=name, dtype=dtype, threshold=threshold)
        self.threshold = threshold


class CategoricalAccuracy(MeanMetricWrapper):
    """How often ``argmax(y_pred)`` equals ``argmax(y_true)`` (one-hot labels).

    Args:
        name: default "categorical_accuracy".
        dtype: see `numnet.metrics.Metric`.
    """

    _direction = "up"  # better when it goes up (mode="auto" of callbacks)

    def __init__(self, name: str = "categorical_accuracy", dtype: Any = None) -> None:
        super().__init__(categorical_accuracy, name=name, dtype=dtype)


class SparseCategoricalAccuracy(MeanMetricWrapper):
    """How often ``argmax(y_pred)`` equals the integer label.

    Args:
        name: default "sparse_categorical_accuracy".
        dtype: see `numnet.metrics.Metric`.
    """

    _direction = "up"  # better when it goes up (mode="auto" of callbacks)

    def __init__(self, name: str = "sparse_categorical_accuracy", dtype: Any = None) -> None:
        super().__init__(sparse_categorical_accuracy, name=name, dtype=dtype)


class TopKCategoricalAccuracy(MeanMetricWrapper):
    """How often the one-hot target is among the top `k` predictions.

    Args:
        k: how many top predictions count (default 5).
        name: default "top_k_categorical_accuracy".
        dtype: see `numnet.metrics.Metric`.
    """

    _direction = "up"  # better when it goes up (mode="auto" of callbacks)

    def __init__(self, k: int = 5, name: str = "top_k_categorical_accuracy", dtype: Any = None) -> None:
        super().__init__(top_k_categorical_accuracy, name=name, dtype=dtype, k=k)
        self.k = k


class SparseTopKCategoricalAccuracy(MeanMetricWrapper):
    """How often the integer label is among the top `k` predictions.

    Args:
        k: how many top predictions count (default 5).
        name: default "sparse_top_k_categorical_accuracy".
        dtype: see `numnet.metrics.Metric`.
    """

    _direction = "up"  # better when it goes up (mode="auto" of callbacks)

    def __init__(self, k: int = 5, name: str = "sparse_top_k_categorical_accuracy", dtype: Any = None) -> None:
        super().__init__(sparse_top_k_categorical_accuracy, name=name, dtype=dtype, k=k)
        self.k = k


def accuracy_class_for(y_true_shape: Sequence[int], y_pred_shape: Sequence[int]) -> type:
    """Keras's rule for "accuracy"/"acc" in compile, from the target and output shapes.

    Binary when y_pred's last dimension is 1 (or y_pred has rank <= 1); sparse categorical
    when y_true has a lower rank than y_pred, or y_true's last dimension is 1 and y_pred's is
    larger; categorical otherwise.

    Returns:
        BinaryAccuracy, SparseCategoricalAccuracy or CategoricalAccuracy (the class).
    """
    t, p = tuple(y_true_shape), tuple(y_pred_shape)
    if len(p) <= 1 or p[-1] == 1:
        return BinaryAccuracy
    if len(t) < len(p) or (len(t) >= 1 and t[-1] == 1 and p[-1] > 1):
        return SparseCategoricalAccuracy
    return CategoricalAccuracy
