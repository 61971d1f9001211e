"""Fashion-MNIST, as `keras.datasets.fashion_mnist`.

60,000 training and 10,000 test grayscale images of 28x28 pixels of Zalando articles in
10 classes: 0 T-shirt/top, 1 Trouser, 2 Pullover, 3 Dress, 4 Coat, 5 Sandal, 6 Shirt,
7 Sneaker, 8 Bag, 9 Ankle boot. Copyright Zalando SE, MIT licence
(https://github.com/zalandoresearch/fashion-mnist).

The four gzipped IDX files are downloaded on first use into the ``fashion-mnist``
sub-folder of the dataset cache (``~/.numnet/datasets``, or ``$NUMNET_DATASETS_DIR``, or
``$NUMNET_HOME/datasets``), from Keras's mirror or else Zalando's, and each is checked
against the SHA-256 of the published file on every load.
"""
from __future__ import annotations

from typing import Tuple

import numpy as np

from numnet.datasets._download import get_file
from numnet.datasets._idx import load_idx

__all__ = ["load_data", "CLASS_NAMES"]

CLASS_NAMES = (
    "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
    "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
)

MIRRORS = (
    "https://storage.googleapis.com/tensorflow/tf-keras-datasets/",
    "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
)
CACHE_SUBDIR = "fashion-mnist"
# SHA-256 of the published files (whose MD5s are listed in Fashion-MNIST's README).
FILES = {
    "train-images-idx3-ubyte.gz": "3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84",
    "train-labels-idx1-ubyte.gz": "a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845",
    "t10k-images-idx3-ubyte.gz": "346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073",
    "t10k-labels-idx1-ubyte.gz": "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5",
}

Split = Tuple[np.ndarray, np.ndarray]


def _load(fname: str) -> np.ndarray:
    path = get_file(fname, [m + fname for m in MIRRORS], FILES[fname], cache_subdir=CACHE_SUBDIR)
    return load_idx(path)


def _split(images_name: str, labels_name: str) -> Split:
    x, y = _load(images_name), _load(labels_name)
    if x.ndim != 3 or x.dtype != np.uint8:
        raise ValueError(f"{images_name}: expected uint8 images of shape (n, rows, cols), got {x.dtype} {x.shape}")
    if y.ndim != 1 or y.dtype != np.uint8:
        raise ValueError(f"{labels_name}: expected uint8 labels of shape (n,), got {y.dtype} {y.shape}")
    if x.shape[0] != y.shape[0]:
        raise ValueError(f"{images_name} has {x.shape[0]} images but {labels_name} has {y.shape[0]} labels")
    return x, y


def load_data() -> Tuple[Split, Split]:
    """Load the Fashion-MNIST dataset, downloading it on first use.

    Returns:
        ``(x_train, y_train), (x_test, y_test)``: ``x_train`` uint8 of shape (60000, 28, 28)
        with values 0..255, ``y_train`` uint8 of shape (60000,) with values 0..9 (see
        `CLASS_NAMES`), and ``x_test``/``y_test`` likewise with 10,000 images.

    Raises:
        numnet.datasets.DownloadError: a file is absent and cannot be downloaded (the message
            says where to put it by hand).
        ValueError: a cached file fails its SHA-256 check or is not a valid IDX file.
    """
    train = _split("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz")
    test = _split("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz")
    return train, test
