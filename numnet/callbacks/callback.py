"""`Callback`, the base class of everything that hooks into fit/evaluate/predict, and `CallbackList`."""
from __future__ import annotations

from typing import Any, Dict, Iterable, List, Optional

__all__ = ["Callback", "CallbackList"]


class Callback:
    """Base class for callbacks: override any of the hooks below.

    `fit`, `evaluate` and `predict` call them with `logs` dicts of Python floats (the running means over
    the current epoch for batch hooks; the epoch's values, including `val_` entries, for
    `on_epoch_end`). Attributes:

    * `model`: the model being trained (set by `set_model`).
    * `params`: `{"verbose": ..., "epochs": ..., "steps": ...}` (set by `set_params`).

    A callback may stop training by setting `self.model.stop_training = True`.
    """

    def __init__(self) -> None:
        self.params: Dict[str, Any] = {}
        self._model = None

    def set_params(self, params: Dict[str, Any]) -> None:
        """Receive the run parameters."""
        self.params = params

    def set_model(self, model: Any) -> None:
        """Receive the model."""
        self._model = model

    @property
    def model(self) -> Any:
        """The model this callback is attached to."""
        return getattr(self, "_model", None)

    # Keras 2 names for the train batch hooks, still called by the defaults below.
    def on_batch_begin(self, batch: int, logs: Optional[dict] = None) -> None:
        """Alias of `on_train_batch_begin` (backwards compatibility)."""

    def on_batch_end(self, batch: int, logs: Optional[dict] = None) -> None:
        """Alias of `on_train_batch_end` (backwards compatibility)."""

    def on_epoch_begin(self, epoch: int, logs: Optional[dict] = None) -> None:
        """At the start of epoch `epoch` (0-based) of `fit`."""

    def on_epoch_end(self, epoch: int, logs: Optional[dict] = None) -> None:
        """At the end of an epoch; `logs` has the epoch's metrics and the `val_` ones."""

    def on_train_batch_begin(self, batch: int, logs: Optional[dict] = None) -> None:
        """Before training batch `batch` (index within the epoch)."""
        self.on_batch_begin(batch, logs)

    def on_train_batch_end(self, batch: int, logs: Optional[dict] = None) -> None:
        """After a training batch; `logs` has the running loss/metrics of the epoch."""
        self.on_batch_end(batch, logs)

    def on_test_batch_begin(self, batch: int, logs: Optional[dict] = None) -> None:
        """Before an evaluate (or validation) batch."""

    def on_test_batch_end(self, batch: int, logs: Optional[dict] = None) -> None:
        """After an evaluate (or validation) batch."""

    def on_predict_batch_begin(self, batch: int, logs: Optional[dict] = None) -> None:
        """Before a predict batch."""

    def on_predict_batch_end(self, batch: int, logs: Optional[dict] = None) -> None:
        """After a predict batch; `logs` is `{"outputs": batch outputs}`."""

    def on_train_begin(self, logs: Optional[dict] = None) -> None:
        """At the start of `fit`."""

    def on_train_end(self, logs: Optional[dict] = None) -> None:
        """At the end of `fit`; `logs` are the last epoch's logs."""

    def on_test_begin(self, logs: Optional[dict] = None) -> None:
        """At the start of `evaluate` (and of each validation pass)."""

    def on_test_end(self, logs: Optional[dict] = None) -> None:
        """At the end of `evaluate`; `logs` are its results."""

    def on_predict_begin(self, logs: Optional[dict] = None) -> None:
        """At the start of `predict`."""

    def on_predict_end(self, logs: Optional[dict] = None) -> None:
        """At the end of `predict`."""


def _overrides(cb: Callback, *names: str) -> bool:
    for name in names:
        if name in getattr(cb, "__dict__", {}):
            return True
        if getattr(type(cb), name, None) is not getattr(Callback, name):
            return True
    return False


class CallbackList(Callback):
    """Calls the same hook on a list of callbacks, in order (History and ProgbarLogger last).

    Batch hooks are only dispatched to callbacks that override them, so an epoch with no such callback
    costs nothing per step.

    Args:
        callbacks: Callback instances.
        add_history: append a `History` if none is given.
        add_progbar: append a `ProgbarLogger` if none is given.
        model: the model, given to every callback.
        **params: the run parameters, given to every callback.

    Raises:
        TypeError: an entry is not a Callback.
    """

    def __init__(self, callbacks: Optional[Iterable[Callback]] = None, add_history: bool = False,
                 add_progbar: bool = False, model: Any = None, **params: Any) -> None:
        super().__init__()
        if isinstance(callbacks, Callback):
            raise TypeError(f"callbacks: expected a list of Callback instances, got a single "
                            f"{type(callbacks).__name__}; pass callbacks=[...]")
        self.callbacks: List[Callback] = list(callbacks or [])
        for cb in self.callbacks:
            if not isinstance(cb, Callback):
                raise TypeError(f"callbacks: expected Callback instances, got {type(cb).__name__} {cb!r:.80}")
        from numnet.callbacks.history import History
        from numnet.callbacks.progbar_logger import ProgbarLogger

        self._history = next((cb for cb in self.callbacks if isinstance(cb, History)), None)
        self._progbar = next((cb for cb in self.callbacks if isinstance(cb, ProgbarLogger)), None)
        if self._history is None and add_history:
            self._history = History()
            self.callbacks.append(self._history)
        if self._progbar is None and add_progbar:
            self._progbar = ProgbarLogger()
            self.callbacks.append(self._progbar)
        self._refresh_dispatch()
        if model is not None:
            self.set_model(model)
        if params:
            self.set_params(params)

    def _refresh_dispatch(self) -> None:
        cbs = self.callbacks
        self._train_batch_begin = [cb for cb in cbs if _overrides(cb, "on_train_batch_begin", "on_batch_begin")]
        self._train_batch_end = [cb for cb in cbs if _overrides(cb, "on_train_batch_end", "on_batch_end")]
        self._test_batch_begin = [cb for cb in cbs if _overrides(cb, "on_test_batch_begin")]
        self._test_batch_end = [cb for cb in cbs if _overrides(cb, "on_test_batch_end")]
        self._predict_batch_begin = [cb for cb in cbs if _overrides(cb, "on_predict_batch_begin")]
        self._predict_batch_end = [cb for cb in cbs if _overrides(cb, "on_predict_batch_end")]

    def append(self, callback: Callback) -> None:
        """Add a callback at the end."""
        self.callbacks.append(callback)
        if self.model is not None:
            callback.set_model(self.model)
        callback.set_params(self.params)
        self._refresh_dispatch()

    @property
    def needs_train_batch_logs(self) -> bool:
        """Whether any callback reads the logs after training batches."""
        return bool(self._train_batch_end)

    @property
    def needs_test_batch_logs(self) -> bool:
        """Whether any callback reads the logs after test batches."""
        return bool(self._test_batch_end)

    def set_params(self, params: Dict[str, Any]) -> None:
        self.params = params
        for cb in self.callbacks:
            cb.set_params(params)

    def set_model(self, model: Any) -> None:
        super().set_model(model)
        for cb in self.callbacks:
            cb.set_model(model)

    def __iter__(self):
        return iter(self.callbacks)

    def __len__(self) -> int:
        return len(self.callbacks)

    # ----- dispatch ---------------------------------------------------------------------------
    def on_train_begin(self, logs: Optional[dict] = None) -> None:
        for cb in self.callbacks:
            cb.on_train_begin(logs)

    def on_train_end(self, logs: Optional[dict] = None) -> None:
        for cb in self.callbacks:
            cb.on_train_end(logs)

    def on_epoch_begin(self, epoch: int, logs: Optional[dict] = None) -> None:
        for cb in self.callbacks:
            cb.on_epoch_begin(epoch, logs)

    def on_epoch_end(self, epoch: int, logs: Optional[dict] = None) -> None:
        for cb in self.callbacks:
            cb.on_epoch_end(epoch, logs)

    def on_train_batch_begin(self, batch: int, logs: Optional[dict] = None) -> None:
        for cb in self._train_batch_begin:
            cb.on_train_batch_begin(batch, logs)

    def on_train_batch_end(self, batch: int, logs: Optional[dict] = None) -> None:
        for cb in self._train_batch_end:
            cb.on_train_batch_end(batch, logs)

    def on_test_begin(self, logs: Optional[dict] = None) -> None:
        for cb in self.callbacks:
            cb.on_test_begin(logs)

    def on_test_end(self, logs: Optional[dict] = None) -> None:
        for cb in self.callbacks:
            cb.on_test_end(logs)

    def on_test_batch_begin(self, batch: int, logs: Optional[dict] = None) -> None:
        for cb in self._test_batch_begin:
            cb.on_test_batch_begin(batch, logs)

    def on_test_batch_end(self, batch: int, logs: Optional[dict] = None) -> None:
        for cb in self._test_batch_end:
            cb.on_test_batch_end(batch, logs)

    def on_predict_begin(self, logs: Optional[dict] = None) -> None:
        for cb in self.callbacks:
            cb.on_predict_begin(logs)

    def on_predict_end(self, logs: Optional[dict] = None) -> None:
        for cb in self.callbacks:
            cb.on_predict_end(logs)

    def on_predict_batch_begin(self, batch: int, logs: Optional[dict] = None) -> None:
        for cb in self._predict_batch_begin:
            cb.on_predict_batch_begin(batch, logs)

    def on_predict_batch_end(self, batch: int, logs: Optional[dict] = None) -> None:
        for cb in self._predict_batch_end:
            cb.on_predict_batch_end(batch, logs)
