"""The UCI handwritten digits, bundled with numnet (no download).

1,797 grayscale images of 8x8 pixels with integer intensities 0..16 (each pixel counts the
"on" pixels of a 4x4 block of the original 32x32 bitmap) and labels 0..9, about 180 per
class: the same 1,797 rows scikit-learn ships as ``load_digits``.

Split: the rows are kept in the file's order; the first 1,437 are the training set and the
last 360 the test set (an 80/20 split; the file cycles through the classes, so each class
has 141-146 training and 33-37 test images). The split is fixed: every call returns the
same arrays.

Credit: E. Alpaydin, C. Kaynak (1998). Optical Recognition of Handwritten Digits.
UCI Machine Learning Repository, https://doi.org/10.24432/C50P49. Licensed under
CC BY 4.0 (https://creativecommons.org/licenses/by/4.0/); see `CREDIT`.
"""
from __future__ import annotations

import functools
import gzip
import importlib.resources
from typing import Tuple

import numpy as np

__all__ = ["load_data", "CREDIT", "LICENSE", "NUM_TRAIN", "NUM_TEST"]

CREDIT = (
    'E. Alpaydin, C. Kaynak (1998). "Optical Recognition of Handwritten Digits". '
    "UCI Machine Learning Repository. https://doi.org/10.24432/C50P49"
)
LICENSE = "CC BY 4.0 (https://creativecommons.org/licenses/by/4.0/)"

NUM_TRAIN = 1437
NUM_TEST = 360
_NUM_PIXELS = 64

Split = Tuple[np.ndarray, np.ndarray]


@functools.lru_cache(maxsize=1)
def _read_table() -> np.ndarray:
    resource = importlib.resources.files("numnet.datasets").joinpath("data", "digits.csv.gz")
    with resource.open("rb") as raw, gzip.open(raw, "rt") as text:
        table = np.loadtxt(text, delimiter=",", dtype=np.uint8)
    if table.shape != (NUM_TRAIN + NUM_TEST, _NUM_PIXELS + 1):
        raise ValueError(
            f"numnet's bundled digits.csv.gz is damaged: expected {NUM_TRAIN + NUM_TEST} rows of "
            f"{_NUM_PIXELS + 1} values, got shape {table.shape}; reinstall numnet"
        )
    table.setflags(write=False)
    return table


def load_data() -> Tuple[Split, Split]:
    """Load the bundled UCI digits with its fixed train/test split.

    Returns:
        ``(x_train, y_train), (x_test, y_test)``: ``x_train`` uint8 of shape (1437, 8, 8)
        with values 0..16 (divide by 16 to scale to [0, 1]), ``y_train`` uint8 of shape
        (1437,) with values 0..9; ``x_test`` (360, 8, 8) and ``y_test`` (360,) likewise.
        Training rows are the file's first 1,437, test rows its last 360, in file order.
        The arrays are fresh copies the caller may modify.

    Example:
        ```python
        from numnet.datasets import digits

        (x_train, y_train), (x_test, y_test) = digits.load_data()
        assert x_train.shape == (1437, 8, 8) and x_test.shape == (360, 8, 8)
        ```
    """
    table = _read_table()
    x = table[:, :_NUM_PIXELS].reshape(-1, 8, 8)
    y = table[:, _NUM_PIXELS]
    train = (x[:NUM_TRAIN].copy(), y[:NUM_TRAIN].copy())
    test = (x[NUM_TRAIN:].copy(), y[NUM_TRAIN:].copy())
    return train, test
