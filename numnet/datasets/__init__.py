"""Datasets with Keras's names and return formats.

* `digits`: the UCI handwritten digits (8x8), bundled with numnet, no network needed.
* `mnist`, `fashion_mnist`: downloaded on first use into the dataset cache folder,
  ``~/.numnet/datasets`` by default; set ``NUMNET_DATASETS_DIR`` to use another folder, or
  ``NUMNET_HOME`` to use ``$NUMNET_HOME/datasets``. Every file's SHA-256 is checked.

Each module has ``load_data()`` returning ``(x_train, y_train), (x_test, y_test)``.
"""
from numnet.datasets import digits, fashion_mnist, mnist
from numnet.datasets._download import DownloadError, datasets_dir

__all__ = ["digits", "mnist", "fashion_mnist", "DownloadError", "datasets_dir"]
