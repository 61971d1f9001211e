"""`LearningRateScheduler`: set the learning rate at the start of every epoch from a function."""
from __future__ import annotations

from typing import Callable, Optional

import numpy as np

from numnet.callbacks.callback import Callback

__all__ = ["LearningRateScheduler"]


class LearningRateScheduler(Callback):
    """At the start of each epoch, `optimizer.learning_rate = schedule(epoch, current_lr)`.

    Args:
        schedule: `(epoch: int (0-based), lr: float) -> float` (a one-argument `schedule(epoch)` also works).
        verbose: 1 prints the new rate each epoch.

    Also writes the rate into the epoch logs as `learning_rate`.

    Raises:
        ValueError: (at an epoch) the schedule returned something that is not a number.
    """

    def __init__(self, schedule: Callable[..., float], verbose: int = 0) -> None:
        super().__init__()
        if not callable(schedule):
            raise TypeError(f"LearningRateScheduler: schedule must be callable, got {schedule!r}")
        self.schedule = schedule
        self.verbose = verbose

    def on_epoch_begin(self, epoch: int, logs: Optional[dict] = None) -> None:
        optimizer = self.model.optimizer
        lr = float(np.asarray(optimizer.learning_rate))
        try:
            new_lr = self.schedule(epoch, lr)
        except TypeError:  # a schedule of the epoch only
            new_lr = self.schedule(epoch)
        new_lr = getattr(new_lr, "data", new_lr)
        if not isinstance(new_lr, (float, int, np.floating, np.integer)) and not (
                isinstance(new_lr, np.ndarray) and new_lr.size == 1):
            raise ValueError(f"The output of the `schedule` function should be a float. Got: {new_lr!r}")
        optimizer.learning_rate = float(new_lr)
        if self.verbose > 0:
            print(f"\nEpoch {epoch + 1}: LearningRateScheduler setting learning rate to {float(new_lr)}.")

    def on_epoch_end(self, epoch: int, logs: Optional[dict] = None) -> None:
        if logs is not None:
            logs["learning_rate"] = float(np.asarray(self.model.optimizer.learning_rate))
