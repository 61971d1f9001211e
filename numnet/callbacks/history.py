"""`History`: records the logs of every epoch; `fit` returns it."""
from __future__ import annotations

from typing import Any, Dict, List, Optional

from numnet.callbacks.callback import Callback

__all__ = ["History"]


class History(Callback):
    """Records each epoch's logs (added to every `fit` automatically and returned by it).

    Attributes:
        history: dict of lists, e.g. ``{"loss": [...], "accuracy": [...], "val_loss": [...]}``.
        epoch: the epoch indices recorded (0-based).
        params: the run parameters.
    """

    def __init__(self) -> None:
        super().__init__()
        self.history: Dict[str, List[Any]] = {}
        self.epoch: List[int] = []

    def set_model(self, model: Any) -> None:
        super().set_model(model)
        try:
            model.history = self
        except AttributeError:
            pass

    def on_train_begin(self, logs: Optional[dict] = None) -> None:
        self.epoch = []

    def on_epoch_end(self, epoch: int, logs: Optional[dict] = None) -> None:
        logs = logs or {}
        self.epoch.append(epoch)
        for key, value in logs.items():
            self.history.setdefault(key, []).append(value)
