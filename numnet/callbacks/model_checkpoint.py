"""`ModelCheckpoint`: save the model or its weights during training."""
from __future__ import annotations

import os
import warnings
from typing import Any, Optional

import numpy as np

from numnet.callbacks.monitor_callback import MonitorCallback
from numnet.callbacks.save_frequency import SaveFrequency, is_save_freq

__all__ = ["ModelCheckpoint"]


class ModelCheckpoint(SaveFrequency, MonitorCallback):
    """Save the model (`model.save`) or its weights (`model.save_weights`) every epoch or every N batches.

    Args:
        filepath: the file to write; may contain `str.format` fields filled from the epoch
            (1-based) and the logs, e.g. ``"ckpt-{epoch:02d}-{val_loss:.4f}.weights.h5"``.
        monitor: the quantity compared when `save_best_only`.
        verbose: 1 prints a message at each save decision.
        save_best_only: only save when `monitor` improved on the best value so far.
        save_weights_only: write only the weights.
        mode: "auto", "min" or "max".
        save_freq: "epoch", or an int: save every that many batches.
        initial_value_threshold: the initial "best" value (only with `save_best_only`).

    Raises:
        ValueError: a `save_freq` that is neither "epoch" nor a positive int.
        KeyError: (when saving) `filepath` names a field that is not in the logs.
    """

    def __init__(self, filepath: Any, monitor: str = "val_loss", verbose: int = 0, save_best_only: bool = False,
                 save_weights_only: bool = False, mode: str = "auto", save_freq: Any = "epoch",
                 initial_value_threshold: Optional[float] = None) -> None:
        super().__init__(monitor, mode, initial_value_threshold)
        self.filepath = os.fspath(filepath)
        self.verbose = verbose
        self.save_best_only = save_best_only
        self.save_weights_only = save_weights_only
        if not is_save_freq(save_freq):
            raise ValueError(f"Unrecognized save_freq: {save_freq!r}. Expected save_freq are 'epoch' or a "
                             "positive integer (a number of batches)")
        self.save_freq = save_freq
        self._batches_seen = 0
        self._current_epoch = 0

    def on_train_begin(self, logs: Optional[dict] = None) -> None:
        self._batches_seen = 0
        if self.monitor_op is None and self.save_best_only:
            self._set_monitor_op()

    def on_epoch_begin(self, epoch: int, logs: Optional[dict] = None) -> None:
        self._current_epoch = epoch

    def on_train_batch_end(self, batch: int, logs: Optional[dict] = None) -> None:
        if self._batch_save_due():
            self._save(self._current_epoch, batch, logs)

    def on_epoch_end(self, epoch: int, logs: Optional[dict] = None) -> None:
        if self.save_freq == "epoch":
            self._save(epoch, None, logs)

    def _file_path(self, epoch: int, batch: Optional[int], logs: dict) -> str:
        fields = dict(logs)
        fields["epoch"] = epoch + 1
        if batch is not None and "batch" not in logs:
            fields["batch"] = batch + 1
        try:
            return self.filepath.format(**fields)
        except KeyError as exc:
            raise KeyError(f'Failed to format this callback filepath: "{self.filepath}". Reason: {exc} is not '
                           f"in the logs (available: {sorted(fields)})") from None

    def _should_save(self, epoch: int, logs: dict, filepath: str) -> bool:
        if not self.save_best_only:
            if self.verbose > 0:
                print(f"\nEpoch {epoch + 1}: saving model to {filepath}")
            return True
        if self.monitor_op is None:
            self._set_monitor_op()
        current = logs.get(self.monitor)
        if current is None:
            warnings.warn(f"Can save best model only with {self.monitor} available.", stacklevel=3)
            return True
        best = "None" if self.best is None else f"{self.best:.5f}"
        if self._is_improvement(float(np.asarray(current)), self.best):
            if self.verbose > 0:
                print(f"\nEpoch {epoch + 1}: {self.monitor} improved from {best} to {current:.5f}, "
                      f"saving model to {filepath}")
            self.best = current
            return True
        if self.verbose > 0:
            print(f"\nEpoch {epoch + 1}: {self.monitor} did not improve from {best}")
        return False

    def _save(self, epoch: int, batch: Optional[int], logs: Optional[dict]) -> None:
        logs = logs or {}
        filepath = self._file_path(epoch, batch, logs)
        if os.path.isdir(filepath):
            raise IsADirectoryError(f"Please specify a non-directory filepath for ModelCheckpoint. Filepath used "
                                    f"is an existing directory: {filepath}")
        if not self._should_save(epoch, logs, filepath):
            return
        directory = os.path.dirname(filepath)
        if directory:
            os.makedirs(directory, exist_ok=True)
        if self.save_weights_only:
            self.model.save_weights(filepath)
        else:
            self.model.save(filepath)
