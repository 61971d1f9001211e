"""`ProgbarLogger`: the progress display of fit/evaluate/predict (see `numnet.trainers.progress`)."""
from __future__ import annotations

from typing import Any, Dict, Optional

from numnet.callbacks.callback import Callback
from numnet.trainers.progress import Bar, is_interactive, resolve_verbose

__all__ = ["ProgbarLogger"]


class ProgbarLogger(Callback):
    """Prints progress to sys.stdout (added automatically when `verbose != 0`).

    verbose=1: on a terminal an ``Epoch 3/10`` header and a live tqdm bar per epoch (steps,
    elapsed<remaining, running loss/metrics), left showing the epoch's logs and `val_` logs; when
    stdout is not a terminal, plain lines only (no carriage returns or ANSI codes): the header and
    one line at the end of each epoch. verbose=2: exactly one line per epoch,
    ``Epoch 3/10 - 1.2s - loss: 0.3312 - accuracy: 0.9041 - val_loss: ...``.
    evaluate/predict show a bar with verbose=1 and a final line with verbose=2.
    Validation passes inside `fit` print nothing.
    """

    def __init__(self) -> None:
        super().__init__()
        self.verbose = 1
        self.epochs = 1
        self._bar: Optional[Bar] = None
        self._in_fit = False
        self._epoch = 0

    def set_params(self, params: Dict[str, Any]) -> None:
        super().set_params(params)
        self.verbose = resolve_verbose(params.get("verbose", 1))
        self.epochs = params.get("epochs", 1)

    @property
    def _needs_batch_logs(self) -> bool:
        # Running values are only shown by the live bar; plain-line modes never read batch logs.
        return self.verbose == 1 and is_interactive()

    def _steps(self) -> Optional[int]:
        return self.params.get("steps")

    def _start(self, prefix: Optional[str] = None) -> None:
        live = self.verbose == 1 and is_interactive()
        if self.verbose == 1 and prefix:
            import sys

            sys.stdout.write(prefix + "\n")
            sys.stdout.flush()
        self._bar = Bar(self._steps(), interactive=live, prefix=prefix)

    def _finish(self, logs: Optional[dict], line_prefix: Optional[str]) -> None:
        if self._bar is not None:
            self._bar.close(logs, line_prefix=line_prefix)
            self._bar = None

    def _steps_text(self) -> Optional[str]:
        if self._bar is None:
            return None
        total = self._steps() if self._steps() is not None else self._bar.seen
        return f"{self._bar.seen}/{total}"

    # ----- fit ------------------------------------------------------------------------------
    def on_train_begin(self, logs: Optional[dict] = None) -> None:
        self._in_fit = True

    def on_train_end(self, logs: Optional[dict] = None) -> None:
        self._in_fit = False
        self._finish(None, None)

    def on_epoch_begin(self, epoch: int, logs: Optional[dict] = None) -> None:
        if self.verbose == 0:
            return
        self._epoch = epoch
        self._start(f"Epoch {epoch + 1}/{self.epochs}")

    def on_train_batch_end(self, batch: int, logs: Optional[dict] = None) -> None:
        if self._bar is not None:
            self._bar.update(batch, logs)

    def on_epoch_end(self, epoch: int, logs: Optional[dict] = None) -> None:
        if self._bar is None:
            return
        if self.verbose == 2:
            prefix = f"Epoch {epoch + 1}/{self.epochs}"
        else:
            prefix = self._steps_text()
        self._finish(logs, prefix)

    # ----- evaluate / predict (silent during fit's validation) -------------------------------
    def on_test_begin(self, logs: Optional[dict] = None) -> None:
        if not self._in_fit and self.verbose:
            self._start()

    def on_test_batch_end(self, batch: int, logs: Optional[dict] = None) -> None:
        if not self._in_fit and self._bar is not None:
            self._bar.update(batch, logs)

    def on_test_end(self, logs: Optional[dict] = None) -> None:
        if not self._in_fit:
            self._finish(logs, self._steps_text())

    def on_predict_begin(self, logs: Optional[dict] = None) -> None:
        if self.verbose:
            self._start()

    def on_predict_batch_end(self, batch: int, logs: Optional[dict] = None) -> None:
        if self._bar is not None:
            self._bar.update(batch)

    def on_predict_end(self, logs: Optional[dict] = None) -> None:
        self._finish(None, self._steps_text())
