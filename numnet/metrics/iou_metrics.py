"""Intersection-over-union metrics (Keras 3 semantics): IoU, MeanIoU, BinaryIoU, OneHotIoU, OneHotMeanIoU.

Each accumulates a weighted confusion matrix ``cm[true_class, predicted_class]`` over
every element seen. Per class, ``iou = tp / (tp + fp + fn)``; the result is the mean over
the target classes whose denominator is non-zero (0 when none is).
"""
from __future__ import annotations

from typing import Any, Dict, Optional, Sequence

import numpy as np

from numnet.metrics.metric import Metric, to_numpy
from numnet.utils.serialization import charge_allocation

__all__ = ["IoU", "MeanIoU", "BinaryIoU", "OneHotIoU", "OneHotMeanIoU"]


def _check_int(owner: str, arg: str, value: Any, low: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
        raise ValueError(f"{owner}: `{arg}` must be an int >= {low}, received {arg}={value!r}")
    return int(value)


class _IoUBase(Metric):
    """The confusion-matrix state shared by the IoU metrics."""

    _direction = "up"  # better when it goes up (mode="auto" of callbacks)

    def __init__(self, num_classes: int, name: Optional[str] = None, dtype: Any = None,
                 ignore_class: Optional[int] = None, sparse_y_true: bool = True, sparse_y_pred: bool = True,
                 axis: int = -1) -> None:
        owner = type(self).__name__
        num_classes = _check_int(owner, "num_classes", num_classes, 1)
        if ignore_class is not None and (isinstance(ignore_class, bool)
                                         or not isinstance(ignore_class, (int, np.integer))):
            raise ValueError(f"{owner}: `ignore_class` must be an int or None, received ignore_class={ignore_class!r}")
        if isinstance(axis, bool) or not isinstance(axis, (int, np.integer)):
            raise ValueError(f"{owner}: `axis` must be an int, received axis={axis!r}")
        charge_allocation(8 * num_classes * num_classes, f"{owner}: {num_classes} classes")
        super().__init__(name=name, dtype=dtype or "int32")  # Keras's declared dtype of the IoU metrics
        self.num_classes = num_classes
        self.ignore_class = None if ignore_class is None else int(ignore_class)
        self.sparse_y_true = bool(sparse_y_true)
        self.sparse_y_pred = bool(sparse_y_pred)
        self.axis = int(axis)
        self.total_cm = self.add_variable((num_classes, num_classes), name="total_confusion_matrix")

    def _class_ids(self, values: np.ndarray, sparse: bool, what: str) -> np.ndarray:
        if not sparse:
            if values.ndim == 0:
                raise ValueError(f"{type(self).__name__}: one-hot {what} needs a class axis, received a scalar")
            values = np.argmax(values, axis=self.axis)
        return values.reshape(-1)

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        """Add the batch's (weighted) class pairs to the confusion matrix.

        Raises:
            ValueError: the sizes do not match, or a class id is outside ``[0, num_classes)``.
        """
        owner = type(self).__name__
        yt_raw, yp_raw = to_numpy(y_true), to_numpy(y_pred)
        yt = self._class_ids(yt_raw, self.sparse_y_true, "y_true")
        yp = self._class_ids(yp_raw, self.sparse_y_pred, "y_pred")
        if yt.size != yp.size:
            raise ValueError(f"{owner}: y_true and y_pred hold different numbers of elements; received "
                             f"y_true.shape={yt_raw.shape} and y_pred.shape={yp_raw.shape}")
        yt = yt.astype(np.int64)
        yp = yp.astype(np.int64)
        if sample_weight is None:
            w = np.ones(yt.shape, dtype=np.float64)
        else:
            sw = to_numpy(sample_weight).astype(np.float64)
            try:
                w = np.broadcast_to(sw.reshape(-1) if sw.size == yt.size else sw, yt.shape).astype(np.float64)
            except ValueError:
                raise ValueError(f"{owner}: sample_weight of shape {sw.shape} does not fit the {yt.size} "
                                 f"elements of y_true (shape {yt_raw.shape})") from None
        if np.dtype(self.dtype).kind in "iub":
            w = w.astype(self.dtype).astype(np.float64)  # Keras casts the weights to the metric's dtype
        if self.ignore_class is not None:
            keep = yt != self.ignore_class
            yt, yp, w = yt[keep], yp[keep], w[keep]
        for what, ids in (("y_true", yt), ("y_pred", yp)):
            if ids.size and (ids.min() < 0 or ids.max() >= self.num_classes):
                bad = ids[(ids < 0) | (ids >= self.num_classes)][0]
                raise ValueError(f"{owner}: {what} holds class id {bad}, outside [0, {self.num_classes}) "
                                 f"(num_classes={self.num_classes})")
        np.add.at(self.total_cm, (yt, yp), w)

    def get_config(self) -> Dict[str, Any]:
        return {**super().get_config(), "num_classes": self.num_classes, "ignore_class": self.ignore_class,
                "sparse_y_true": self.sparse_y_true, "sparse_y_pred": self.sparse_y_pred, "axis": self.axis}


class IoU(_IoUBase):
    """Mean intersection-over-union of the classes in `target_class_ids`.

    Args:
        num_classes: the number of classes (the confusion matrix is num_classes x num_classes).
        target_class_ids: the class ids whose IoU is averaged.
        name: see `numnet.metrics.Metric`.
        dtype: the metric's dtype (default "int32", as Keras; sample weights are cast to it,
            so pass dtype="float32" for fractional weights).
        ignore_class: a class id of y_true whose elements are skipped (e.g. "void"), or None.
        sparse_y_true: whether y_true holds class ids (True) or one-hot / scores along `axis`.
        sparse_y_pred: whether y_pred holds class ids (True) or scores along `axis` (argmax taken).
        axis: the class axis of the non-sparse inputs.

    Raises:
        ValueError: `num_classes` < 1, or a target class id outside ``[0, num_classes)``.
    """

    def __init__(self, num_classes: int, target_class_ids: Sequence[int], name: Optional[str] = None,
                 dtype: Any = None, ignore_class: Optional[int] = None, sparse_y_true: bool = True,
                 sparse_y_pred: bool = True, axis: int = -1) -> None:
        super().__init__(num_classes, name=name, dtype=dtype, ignore_class=ignore_class,
                         sparse_y_true=sparse_y_true, sparse_y_pred=sparse_y_pred, axis=axis)
        ids = list(target_class_ids) if isinstance(target_class_ids, (list, tuple, range, np.ndarray)) else None
        if not ids or any(isinstance(i, bool) or not isinstance(i, (int, np.integer)) for i in ids):
            raise ValueError(f"{type(self).__name__}: `target_class_ids` must be a non-empty list of ints, "
                             f"received target_class_ids={target_class_ids!r}")
        if max(ids) >= self.num_classes or min(ids) < 0:
            raise ValueError(f"{type(self).__name__}: target class id {max(ids) if max(ids) >= num_classes else min(ids)} "
                             f"is out of range [0, {self.num_classes}) (num_classes={self.num_classes})")
        self.target_class_ids = [int(i) for i in ids]

    def result(self) -> float:
        cm = self.total_cm
        tp = np.diag(cm)
        denominator = (cm.sum(axis=0) + cm.sum(axis=1) - tp)[self.target_class_ids]
        tp = tp[self.target_class_ids]
        valid = int(np.sum(denominator != 0))
        iou = np.divide(tp, denominator, out=np.zeros_like(tp), where=denominator != 0)
        return float(np.sum(iou)) / valid if valid else 0.0

    def get_config(self) -> Dict[str, Any]:
        return {**super().get_config(), "target_class_ids": list(self.target_class_ids)}


class MeanIoU(IoU):
    """Mean intersection-over-union over all `num_classes` classes (arguments as `IoU`)."""

    def __init__(self, num_classes: int, name: Optional[str] = None, dtype: Any = None,
                 ignore_class: Optional[int] = None, sparse_y_true: bool = True, sparse_y_pred: bool = True,
                 axis: int = -1) -> None:
        _check_int(type(self).__name__, "num_classes", num_classes, 1)
        super().__init__(num_classes, list(range(num_classes)), name=name, dtype=dtype, ignore_class=ignore_class,
                         sparse_y_true=sparse_y_true, sparse_y_pred=sparse_y_pred, axis=axis)

    def get_config(self) -> Dict[str, Any]:
        config = super().get_config()
        del config["target_class_ids"]
        return config


class BinaryIoU(IoU):
    """IoU for binary labels: predictions become class 1 when ``y_pred >= threshold``.

    Args:
        target_class_ids: which of the classes 0 and 1 are averaged (default both).
        threshold: the decision threshold on y_pred (default 0.5).
        name: see `numnet.metrics.Metric`.
        dtype: see `numnet.metrics.Metric`.

    Raises:
        ValueError: a target class id other than 0 or 1.
    """

    def __init__(self, target_class_ids: Sequence[int] = (0, 1), threshold: float = 0.5, name: Optional[str] = None,
                 dtype: Any = None) -> None:
        super().__init__(2, target_class_ids, name=name, dtype=dtype)
        self.threshold = float(threshold)

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        """Threshold y_pred and add the batch to the confusion matrix."""
        y_pred = (to_numpy(y_pred).astype(np.float64) >= self.threshold).astype(np.int64)
        y_true = to_numpy(y_true).astype(np.float64).astype(np.int64)
        super().update_state(y_true, y_pred, sample_weight)

    def get_config(self) -> Dict[str, Any]:
        return {"name": self.name, "dtype": self.dtype, "target_class_ids": list(self.target_class_ids),
                "threshold": self.threshold}


class OneHotIoU(IoU):
    """`IoU` for one-hot y_true (and, by default, per-class scores in y_pred).

    Args:
        num_classes: as `IoU`.
        target_class_ids: as `IoU`.
        name: see `numnet.metrics.Metric`.
        dtype: see `numnet.metrics.Metric`.
        ignore_class: as `IoU`.
        sparse_y_pred: whether y_pred holds class ids (default False: scores, argmax taken).
        axis: the class axis.
    """

    def __init__(self, num_classes: int, target_class_ids: Sequence[int], name: Optional[str] = None,
                 dtype: Any = None, ignore_class: Optional[int] = None, sparse_y_pred: bool = False,
                 axis: int = -1) -> None:
        super().__init__(num_classes, target_class_ids, name=name, dtype=dtype, ignore_class=ignore_class,
                         sparse_y_true=False, sparse_y_pred=sparse_y_pred, axis=axis)

    def get_config(self) -> Dict[str, Any]:
        config = super().get_config()
        del config["sparse_y_true"]
        return config


class OneHotMeanIoU(MeanIoU):
    """`MeanIoU` for one-hot y_true (arguments as `OneHotIoU` without `target_class_ids`)."""

    def __init__(self, num_classes: int, name: Optional[str] = None, dtype: Any = None,
                 ignore_class: Optional[int] = None, sparse_y_pred: bool = False, axis: int = -1) -> None:
        super().__init__(num_classes, name=name, dtype=dtype, ignore_class=ignore_class, sparse_y_true=False,
                         sparse_y_pred=sparse_y_pred, axis=axis)

    def get_config(self) -> Dict[str, Any]:
        config = super().get_config()
        del config["sparse_y_true"]
        return config
