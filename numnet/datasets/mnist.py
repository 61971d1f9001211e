"""MNIST handwritten digits, as `keras.datasets.mnist`.

60,000 training and 10,000 test grayscale images of 28x28 pixels, labels 0..9.
Data by Yann LeCun, Corinna Cortes and Christopher J.C. Burges. The file is the
``mnist.npz`` Keras publishes; it is downloaded on first use into the dataset cache
(``~/.numnet/datasets``, or ``$NUMNET_DATASETS_DIR``, or ``$NUMNET_HOME/datasets``)
and its SHA-256 is checked on every load.
"""
from __future__ import annotations

import os
import zipfile
from typing import Tuple, Union

import numpy as np

from numnet.datasets._download import get_file

__all__ = ["load_data"]

ORIGINS = ("https://storage.googleapis.com/tensorflow/tf-keras-datasets/mnist.npz",)
SHA256 = "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1"

_KEYS = ("x_train", "y_train", "x_test", "y_test")

Split = Tuple[np.ndarray, np.ndarray]


def load_data(path: Union[str, os.PathLike] = "mnist.npz") -> Tuple[Split, Split]:
    """Load the MNIST dataset, downloading it on first use.

    Args:
        path: where the file is cached: a name relative to the dataset cache folder, or an
            absolute path. To install it by hand, put Keras's ``mnist.npz`` there.

    Returns:
        ``(x_train, y_train), (x_test, y_test)``: ``x_train`` uint8 of shape (60000, 28, 28)
        with values 0..255, ``y_train`` uint8 of shape (60000,) with values 0..9, and
        ``x_test``/``y_test`` likewise with 10,000 images.

    Raises:
        numnet.datasets.DownloadError: the file is absent and cannot be downloaded (the
            message says where to put it by hand).
        ValueError: the cached file fails its SHA-256 check or is not a valid MNIST archive.
    """
    file = get_file(path, ORIGINS, SHA256)
    try:
        with np.load(file, allow_pickle=False) as archive:
            missing = [k for k in _KEYS if k not in archive.files]
            if missing:
                raise ValueError(
                    f"{file}: not an MNIST archive: missing arrays {missing} (has {sorted(archive.files)})"
                )
            x_train, y_train, x_test, y_test = (archive[k] for k in _KEYS)
    except (zipfile.BadZipFile, OSError, EOFError) as e:
        raise ValueError(f"{file}: not a readable .npz archive ({e})") from e
    for name, x, y in (("train", x_train, y_train), ("test", x_test, y_test)):
        if x.ndim != 3 or y.ndim != 1 or x.shape[0] != y.shape[0]:
            raise ValueError(
                f"{file}: {name} arrays have shapes x {x.shape}, y {y.shape}; "
                "expected x (n, rows, cols) and y (n,) with the same n"
            )
    return (x_train, y_train), (x_test, y_test)
