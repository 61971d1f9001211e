"""`save_freq`: "epoch", or every N training batches, as ModelCheckpoint and BackupAndRestore take it."""
from __future__ import annotations

from typing import Any

__all__ = ["SaveFrequency", "is_save_freq"]


def is_save_freq(value: Any) -> bool:
    """Whether `value` is a valid `save_freq`.

    Args:
        value: the `save_freq` argument.

    Returns:
        True for "epoch" or a positive int (a number of batches).
    """
    return not (value != "epoch" and (isinstance(value, bool) or not isinstance(value, int) or value < 1))


class SaveFrequency:
    """Mixin for callbacks with a `save_freq`: counts the training batches towards the next save.

    The callback sets `save_freq` and resets `_batches_seen` to 0 when training begins.
    """

    save_freq: Any = "epoch"
    _batches_seen: int = 0

    def _batch_save_due(self) -> bool:
        """Count one finished training batch; True, and the count starts again, every `save_freq` batches
        (never when `save_freq` is "epoch")."""
        if self.save_freq == "epoch":
            return False
        self._batches_seen += 1
        if self._batches_seen < self.save_freq:
            return False
        self._batches_seen = 0
        return True
