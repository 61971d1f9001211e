"""`BackupAndRestore`: resume an interrupted `fit` exactly where its last backup left it."""
from __future__ import annotations

import json
import os
import tempfile
from typing import Any, Dict, List, Optional

import numpy as np

from numnet.callbacks.callback import Callback
from numnet.callbacks.save_frequency import SaveFrequency, is_save_freq
from numnet.utils.random import get_rng_state, set_rng_state

__all__ = ["BackupAndRestore"]

_FILE = "backup.npz"


def optimizer_state(optimizer: Any) -> List[np.ndarray]:
    """Copies of the optimizer's state arrays (`get_state()` if it has one, else `variables`)."""
    if optimizer is None:
        return []
    getter = getattr(optimizer, "get_state", None)
    state = getter() if callable(getter) else getattr(optimizer, "variables", [])
    return [np.array(getattr(v, "data", v), copy=True) for v in state]


def set_optimizer_state(optimizer: Any, state: List[np.ndarray]) -> None:
    """Restore arrays from `optimizer_state` (in place)."""
    if optimizer is None or not state:
        return
    setter = getattr(optimizer, "set_state", None)
    if callable(setter):
        setter(state)
        return
    variables = list(getattr(optimizer, "variables", []))
    if len(variables) != len(state):
        raise ValueError(f"BackupAndRestore: the backup holds {len(state)} optimizer arrays but the optimizer has "
                         f"{len(variables)}; was the model or optimizer changed since the backup was written?")
    for var, value in zip(variables, state):
        target = getattr(var, "data", var)
        np.copyto(target, value.reshape(target.shape), casting="unsafe")
    if hasattr(optimizer, "iterations") and state[0].size == 1:
        try:
            optimizer.iterations = int(state[0])
        except (AttributeError, TypeError):
            pass


def layer_generators(model: Any) -> List[np.random.Generator]:
    """The private generators of the model's layers (e.g. `Dropout(seed=...)`), in layer order."""
    flatten_layers = getattr(model, "_flatten_layers", None)
    layers = flatten_layers() if callable(flatten_layers) else []
    return [layer._rng for layer in layers if isinstance(getattr(layer, "_rng", None), np.random.Generator)]


class BackupAndRestore(SaveFrequency, Callback):
    """Back up the training state so that a `fit` killed midway resumes when run again.

    At the end of every epoch (or every `save_freq` batches) the weights, the optimizer state, the
    epoch (and step) counter, numnet's global random state (shuffling, `Dropout()` without a seed)
    and the private generators of seeded layers (`Dropout(seed=...)`) are written to
    ``backup_dir/backup.npz`` atomically (a temporary file renamed over the old one), so a crash
    while writing leaves the previous backup intact. When `fit` starts with a backup present, all of
    that is restored and training continues from the first unfinished epoch; the run then ends with
    exactly the weights of an uninterrupted run (given the same data, model and seed, and random
    draws taken only from numnet's global generator). Metrics of a partly-finished epoch restart
    from the resumed step.

    Args:
        backup_dir: directory for the backup (created if needed).
        save_freq: "epoch", or an int: also back up every that many training batches.
        double_checkpoint: keep the previous backup as ``backup.prev.npz`` too, used if the latest one
            cannot be read.
        delete_checkpoint: delete the backup when `fit` finishes normally.

    Raises:
        ValueError: an empty `backup_dir` or a bad `save_freq`.
    """

    def __init__(self, backup_dir: Any, save_freq: Any = "epoch", double_checkpoint: bool = False,
                 delete_checkpoint: bool = True) -> None:
        super().__init__()
        if not backup_dir:
            raise ValueError("BackupAndRestore: backup_dir must be a non-empty path")
        if not is_save_freq(save_freq):
            raise ValueError(f"Invalid value for argument `save_freq`. Received: save_freq={save_freq!r}. "
                             "Expected either 'epoch' or a positive integer value.")
        self.backup_dir = os.fspath(backup_dir)
        self.save_freq = save_freq
        self.double_checkpoint = double_checkpoint
        self.delete_checkpoint = delete_checkpoint
        self._path = os.path.join(self.backup_dir, _FILE)
        self._prev_path = os.path.join(self.backup_dir, "backup.prev.npz")
        self._batches_seen = 0
        self._epoch = 0
        self._epoch_rng: Optional[dict] = None
        self._resume_rng: Optional[dict] = None

    # ----- file format ------------------------------------------------------------------------
    def _write(self, meta: Dict[str, Any]) -> None:
        os.makedirs(self.backup_dir, exist_ok=True)
        arrays = {}
        for i, w in enumerate(self.model.get_weights()):
            arrays[f"weight_{i:05d}"] = np.asarray(w)
        for i, s in enumerate(optimizer_state(self.model.optimizer)):
            arrays[f"optimizer_{i:05d}"] = s
        meta = dict(meta, layer_rngs=[g.bit_generator.state for g in layer_generators(self.model)])
        arrays["meta"] = np.frombuffer(json.dumps(meta).encode("utf-8"), dtype=np.uint8)
        fd, tmp = tempfile.mkstemp(prefix=".backup-", suffix=".tmp", dir=self.backup_dir)
        try:
            with os.fdopen(fd, "wb") as f:
                np.savez(f, **arrays)
                f.flush()
                os.fsync(f.fileno())
            if self.double_checkpoint and os.path.exists(self._path):
                os.replace(self._path, self._prev_path)
            os.replace(tmp, self._path)
        except BaseException:
            if os.path.exists(tmp):
                os.remove(tmp)
            raise

    def _read(self) -> Optional[tuple]:
        for path in (self._path, self._prev_path):
            if not os.path.exists(path):
                continue
            try:
                with np.load(path, allow_pickle=False) as data:
                    meta = json.loads(bytes(data["meta"]).decode("utf-8"))
                    weights = [data[k] for k in sorted(k for k in data.files if k.startswith("weight_"))]
                    opt = [data[k] for k in sorted(k for k in data.files if k.startswith("optimizer_"))]
                return meta, weights, opt
            except (OSError, ValueError, KeyError) as exc:
                if path == self._prev_path or not self.double_checkpoint:
                    raise ValueError(f"BackupAndRestore: cannot read the backup {path}: {exc}") from None
        return None

    # ----- hooks ------------------------------------------------------------------------------
    def on_train_begin(self, logs: Optional[dict] = None) -> None:
        self._batches_seen = 0
        self._resume_rng = None
        found = self._read()
        if found is None:
            return
        meta, weights, opt = found
        generators = layer_generators(self.model)
        layer_rngs = meta.get("layer_rngs", [])
        if len(layer_rngs) != len(generators):
            raise ValueError(f"BackupAndRestore: the backup holds the random state of {len(layer_rngs)} seeded "
                             f"layers but the model has {len(generators)}; was the model changed since the "
                             "backup was written?")
        self.model.set_weights(weights)
        set_optimizer_state(self.model.optimizer, opt)
        for generator, state in zip(generators, layer_rngs):
            generator.bit_generator.state = state
        if meta.get("step") is None:
            set_rng_state(meta["rng"])
            self.model._initial_epoch = meta["epoch"] + 1
            self.model._initial_step = 0
        else:  # mid-epoch backup: replay the epoch's shuffle, skip the finished steps
            set_rng_state(meta["epoch_rng"])
            self.model._initial_epoch = meta["epoch"]
            self.model._initial_step = meta["step"] + 1
            self._resume_rng = meta["rng"]

    def on_epoch_begin(self, epoch: int, logs: Optional[dict] = None) -> None:
        self._epoch = epoch
        if self.save_freq != "epoch":
            self._epoch_rng = get_rng_state()

    def on_train_batch_begin(self, batch: int, logs: Optional[dict] = None) -> None:
        if self._resume_rng is not None:
            set_rng_state(self._resume_rng)
            self._resume_rng = None

    def on_train_batch_end(self, batch: int, logs: Optional[dict] = None) -> None:
        if self._batch_save_due():
            self._write({"epoch": self._epoch, "step": batch, "rng": get_rng_state(), "epoch_rng": self._epoch_rng})

    def on_epoch_end(self, epoch: int, logs: Optional[dict] = None) -> None:
        self._write({"epoch": epoch, "step": None, "rng": get_rng_state()})

    def on_train_end(self, logs: Optional[dict] = None) -> None:
        if self.delete_checkpoint and os.path.isdir(self.backup_dir):
            for path in (self._path, self._prev_path):
                if os.path.exists(path):
                    os.remove(path)
            try:
                os.rmdir(self.backup_dir)
            except OSError:
                pass
