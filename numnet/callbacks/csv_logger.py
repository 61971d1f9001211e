"""`CSVLogger`: write each epoch's logs as a row of a CSV file."""
from __future__ import annotations

import csv
import os
from typing import Any, List, Optional

import numpy as np

from numnet.callbacks.callback import Callback

__all__ = ["CSVLogger"]


def _cell(value: Any) -> Any:
    if isinstance(value, str):
        return value
    arr = np.asarray(value)
    if arr.ndim == 0:
        return arr.item()
    return '"[%s]"' % ", ".join(str(v) for v in arr.ravel())


class CSVLogger(Callback):
    """Stream the epoch results to a CSV file: header `epoch` then the sorted log keys.

    Args:
        filename: the CSV file.
        separator: the field separator.
        append: append to an existing file (its header is kept) instead of overwriting it.

    Epoch numbers are 0-based, as Keras writes them; a value missing in an epoch is written as "NA"
    (when the first epoch has no `val_` entries, e.g. with `validation_freq > 1`, their columns are
    added after the others, as Keras does).
    """

    def __init__(self, filename: Any, separator: str = ",", append: bool = False) -> None:
        super().__init__()
        self.filename = os.fspath(filename)
        self.sep = separator
        self.append = append
        self.keys: Optional[List[str]] = None
        self.writer = None
        self.csv_file = None
        self.append_header = True

    def on_train_begin(self, logs: Optional[dict] = None) -> None:
        self.append_header = True
        if self.append:
            if os.path.exists(self.filename) and os.path.getsize(self.filename) > 0:
                self.append_header = False
            mode = "a"
        else:
            mode = "w"
        self.keys = None
        self.writer = None
        self.csv_file = open(self.filename, mode, newline="", encoding="utf-8")

    def on_epoch_end(self, epoch: int, logs: Optional[dict] = None) -> None:
        logs = logs or {}
        if self.keys is None:
            self.keys = sorted(logs.keys())
            # With validation_freq > 1 the first epoch has no val_ entries: reserve their columns.
            if self.keys and not any(k.startswith("val_") for k in self.keys):
                self.keys += ["val_" + k for k in self.keys]
        if self.writer is None:
            self.writer = csv.DictWriter(self.csv_file, fieldnames=["epoch"] + self.keys, delimiter=self.sep,
                                         restval="NA", extrasaction="ignore", lineterminator="\n")
            if self.append_header:
                self.writer.writeheader()
        row = {"epoch": epoch}
        row.update((k, _cell(logs[k])) for k in self.keys if k in logs)
        self.writer.writerow(row)
        self.csv_file.flush()

    def on_train_end(self, logs: Optional[dict] = None) -> None:
        if self.csv_file is not None:
            self.csv_file.close()
        self.csv_file = None
        self.writer = None
