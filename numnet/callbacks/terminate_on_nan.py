"""`TerminateOnNaN`: stop training as soon as the loss becomes NaN or infinite."""
from __future__ import annotations

from typing import Optional

import numpy as np

from numnet.callbacks.callback import Callback

__all__ = ["TerminateOnNaN"]


class TerminateOnNaN(Callback):
    """Sets `model.stop_training` when a batch's loss is NaN or infinite (checked after every batch)."""

    def on_batch_end(self, batch: int, logs: Optional[dict] = None) -> None:
        loss = (logs or {}).get("loss")
        if loss is not None and not np.isfinite(loss):
            print(f"Batch {batch}: Invalid loss, terminating training")
            self.model.stop_training = True
