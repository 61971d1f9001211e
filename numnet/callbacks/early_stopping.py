"""`EarlyStopping`: stop training when a monitored quantity has stopped improving."""
from __future__ import annotations

from typing import Optional

from numnet.callbacks.monitor_callback import MonitorCallback

__all__ = ["EarlyStopping"]


class EarlyStopping(MonitorCallback):
    """Stop training after `patience` epochs without improvement of `monitor` (Keras 3 semantics).

    Args:
        monitor: the logged quantity to watch.
        min_delta: changes smaller than this are not improvements.
        patience: epochs without improvement after which training stops.
        verbose: 1 prints a message when stopping / restoring.
        mode: "auto", "min" or "max" ("auto" infers it from the name; raises if it cannot).
        baseline: training stops if the quantity does not beat this within `patience` epochs.
        restore_best_weights: at the end of training (stopped early or not), restore the weights of
            the best epoch.
        start_from_epoch: epochs to wait before watching at all (warm-up).

    Attributes:
        stopped_epoch: the epoch at which training was stopped (0 if it was not).
        best_epoch: the epoch with the best value.
    """

    def __init__(self, monitor: str = "val_loss", min_delta: float = 0, patience: int = 0, verbose: int = 0,
                 mode: str = "auto", baseline: Optional[float] = None, restore_best_weights: bool = False,
                 start_from_epoch: int = 0) -> None:
        super().__init__(monitor, mode, None, min_delta)
        self.baseline = baseline
        self.patience = patience
        self.verbose = verbose
        self.restore_best_weights = restore_best_weights
        self.start_from_epoch = start_from_epoch
        self.wait = 0
        self.stopped_epoch = 0
        self.best_weights = None
        self.best_epoch = 0

    def on_train_begin(self, logs: Optional[dict] = None) -> None:
        self.wait = 0
        self.stopped_epoch = 0
        self.best_weights = None
        self.best_epoch = 0
        self.best = None
        self.monitor_op = None

    def on_epoch_end(self, epoch: int, logs: Optional[dict] = None) -> None:
        if self.monitor_op is None:
            self._set_monitor_op()
        current = self._get_monitor_value(logs, "Early stopping")
        if current is None or epoch < self.start_from_epoch:
            return
        if self.restore_best_weights and self.best_weights is None:
            self.best_weights = self.model.get_weights()
            self.best_epoch = epoch
        self.wait += 1
        if self._is_improvement(current, self.best):
            self.best = current
            self.best_epoch = epoch
            if self.restore_best_weights:
                self.best_weights = self.model.get_weights()
            if self.baseline is None or self._is_improvement(current, self.baseline):
                self.wait = 0
            return
        if self.wait >= self.patience and epoch > 0:
            self.stopped_epoch = epoch
            self.model.stop_training = True

    def on_train_end(self, logs: Optional[dict] = None) -> None:
        if self.stopped_epoch > 0 and self.verbose > 0:
            print(f"Epoch {self.stopped_epoch + 1}: early stopping")
        if self.restore_best_weights and self.best_weights is not None:
            if self.verbose > 0:
                print(f"Restoring model weights from the end of the best epoch: {self.best_epoch + 1}.")
            self.model.set_weights(self.best_weights)
