"""`MonitorCallback`: shared logic of callbacks that watch one logged quantity (min or max is better)."""
from __future__ import annotations

import warnings
from typing import Any, Optional

import numpy as np

from numnet.callbacks.callback import Callback

__all__ = ["MonitorCallback", "infer_direction"]

_UP = ("acc", "auc", "precision", "recall", "f1", "fbeta", "iou", "top_k", "r2", "cosine_similarity",
       "true_positives", "true_negatives", "specificity", "sensitivity")
_DOWN = ("loss", "error", "mse", "mae", "mape", "msle", "rmse", "crossentropy", "hinge", "divergence",
         "poisson", "logcosh", "huber", "false_positives", "false_negatives")


def infer_direction(monitor: str, model: Any = None) -> Optional[str]:
    """'min' or 'max' for a logged name (`val_` ignored), or None when it cannot be told.

    A loss is minimised; a metric object of that name on `model.metrics` with a `_direction`
    ('up'/'down') decides; otherwise the name: accuracy/auc/precision/recall-like → max,
    error-like (mse, mae, crossentropy, ...) → min.
    """
    name = monitor[4:] if monitor.startswith("val_") else monitor
    if name == "loss" or name.endswith("_loss"):
        return "min"
    for m in getattr(model, "metrics", None) or []:
        if getattr(m, "name", None) == name and getattr(m, "_direction", None) in ("up", "down"):
            return "max" if m._direction == "up" else "min"
    lowered = name.lower()
    if "cosine_similarity" in lowered:
        return "max"
    if any(key in lowered for key in _DOWN):
        return "min"
    if any(key in lowered for key in _UP):
        return "max"
    return None


class MonitorCallback(Callback):
    """Base for EarlyStopping, ModelCheckpoint and ReduceLROnPlateau: the comparison for `monitor` and `mode`.

    Args:
        monitor: the logged quantity, e.g. "val_loss".
        mode: "min", "max" or "auto" (unknown modes warn and fall back to "auto").
        baseline: the initial best value (None: the first value is an improvement).
        min_delta: the smallest change counted as an improvement.

    Raises:
        ValueError: (when training starts) mode="auto" and the direction of `monitor` cannot be told.
    """

    def __init__(self, monitor: str = "val_loss", mode: str = "auto", baseline: Optional[float] = None,
                 min_delta: float = 0.0) -> None:
        super().__init__()
        if mode not in ("auto", "min", "max"):
            warnings.warn(f"{type(self).__name__} mode '{mode}' is unknown, fallback to auto mode.", stacklevel=3)
            mode = "auto"
        self.monitor = monitor
        self.mode = mode
        self.baseline = baseline
        self.best = baseline
        self.min_delta = abs(min_delta)
        self.monitor_op = None
        self._delta = 0.0

    def _set_monitor_op(self) -> None:
        direction = self.mode if self.mode != "auto" else infer_direction(self.monitor, self.model)
        if direction is None:
            raise ValueError(
                f"{type(self).__name__} callback received monitor={self.monitor}, but numnet isn't able to "
                "automatically determine whether that metric should be maximized or minimized. Pass "
                "`mode='max'` in order to monitor based on the highest metric value, or pass `mode='min'` "
                "in order to use the lowest value."
            )
        self.monitor_op = np.less if direction == "min" else np.greater
        self._delta = -self.min_delta if direction == "min" else self.min_delta

    def _is_improvement(self, value: float, reference: Optional[float]) -> bool:
        if reference is None:
            return True
        return bool(self.monitor_op(value - self._delta, reference))

    def _get_monitor_value(self, logs: Optional[dict], what: str) -> Optional[float]:
        logs = logs or {}
        value = logs.get(self.monitor)
        if value is None:
            warnings.warn(
                f"{what} conditioned on metric `{self.monitor}` which is not available. "
                f"Available metrics are: {','.join(logs.keys())}", stacklevel=3)
        return value
