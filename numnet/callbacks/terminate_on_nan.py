"""`TerminateOnNaN`: stop training as soon as the loss becomes NaN or infinite."""
from __future__ import annotations

from typing import Optional

import numpy as np

from numnet.callbacks.callback import Callback

__all__ = ["TerminateOnNaN"]


class TerminateOnNaN(Callback):
    """Stop training when a batch's loss is NaN or infinite (checked after every batch).

    Args:
        raise_error: raise a `RuntimeError` at once instead of setting `model.stop_training`
            (which lets the epoch's remaining callbacks and `on_train_end` run).
    """

    def __init__(self, raise_error: bool = False) -> None:
        super().__init__()
        self.raise_error = raise_error

    def on_batch_end(self, batch: int, logs: Optional[dict] = None) -> None:
        loss = (logs or {}).get("loss")
        if loss is not None and not np.isfinite(loss):
            if self.raise_error:
                raise RuntimeError(f"NaN or Inf loss encountered at batch {batch}. Loss value: {loss}. "
                                   "Terminating training immediately.")
            print(f"Batch {batch}: Invalid loss, terminating training")
            self.model.stop_training = True
