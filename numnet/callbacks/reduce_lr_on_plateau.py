"""`ReduceLROnPlateau`: divide the learning rate when a monitored quantity stops improving."""
from __future__ import annotations

from typing import Optional

import numpy as np

from numnet.callbacks.monitor_callback import MonitorCallback

__all__ = ["ReduceLROnPlateau"]


class ReduceLROnPlateau(MonitorCallback):
    """Multiply `optimizer.learning_rate` by `factor` after `patience` epochs without improvement.

    Args:
        monitor: the logged quantity to watch.
        factor: the multiplier (< 1).
        patience: epochs without improvement before reducing.
        verbose: 1 prints a message at each reduction.
        mode: "min", "max" or "auto" (the direction of `monitor`: loss-like → min,
            accuracy-like → max; raises at the first epoch end if it cannot be told).
        min_delta: threshold for measuring a new best value.
        cooldown: epochs to wait after a reduction before counting again.
        min_lr: lower bound on the learning rate.

    Also writes the current rate into the epoch logs as `learning_rate`.

    Raises:
        ValueError: factor >= 1; mode="auto" with a monitor whose direction is unknown.
    """

    def __init__(self, monitor: str = "val_loss", factor: float = 0.1, patience: int = 10, verbose: int = 0,
                 mode: str = "auto", min_delta: float = 1e-4, cooldown: int = 0, min_lr: float = 0.0,
                 **kwargs) -> None:
        super().__init__(monitor, mode, None, min_delta)
        if factor >= 1.0:
            raise ValueError(f"ReduceLROnPlateau does not support a factor >= 1.0. Received factor={factor}")
        if kwargs:
            raise TypeError(f"ReduceLROnPlateau: unexpected keyword argument(s) {sorted(kwargs)}")
        self.factor = factor
        self.patience = patience
        self.verbose = verbose
        self.cooldown = cooldown
        self.min_lr = min_lr
        self.cooldown_counter = 0
        self.wait = 0

    def _reset(self) -> None:
        self.best = None
        self.cooldown_counter = 0
        self.wait = 0

    def in_cooldown(self) -> bool:
        """Whether a reduction happened less than `cooldown` epochs ago."""
        return self.cooldown_counter > 0

    def on_train_begin(self, logs: Optional[dict] = None) -> None:
        self._reset()

    def on_epoch_end(self, epoch: int, logs: Optional[dict] = None) -> None:
        if self.monitor_op is None:
            self._set_monitor_op()
        logs = logs if logs is not None else {}
        optimizer = self.model.optimizer
        logs["learning_rate"] = float(np.asarray(optimizer.learning_rate))
        current = self._get_monitor_value(logs, "Learning rate reduction is")
        if current is None:
            return
        if self.in_cooldown():
            self.cooldown_counter -= 1
            self.wait = 0
        if self._is_improvement(current, self.best):
            self.best = current
            self.wait = 0
        elif not self.in_cooldown():
            self.wait += 1
            if self.wait >= self.patience:
                old_lr = float(np.asarray(optimizer.learning_rate))
                if old_lr > np.float32(self.min_lr):
                    new_lr = max(old_lr * self.factor, self.min_lr)
                    optimizer.learning_rate = new_lr
                    if self.verbose > 0:
                        print(f"\nEpoch {epoch + 1}: ReduceLROnPlateau reducing learning rate to {new_lr}.")
                    self.cooldown_counter = self.cooldown
                    self.wait = 0
