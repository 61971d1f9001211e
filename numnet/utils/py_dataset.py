"""`PyDataset`: a dataset written in Python that hands out whole batches by index (as in Keras)."""
from __future__ import annotations

from typing import Any, Iterator, Optional

__all__ = ["PyDataset"]

_DEFAULTS = {"workers": 1, "use_multiprocessing": False, "max_queue_size": 10}


def _check_positive_int(name: str, value) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"PyDataset: {name} must be a positive integer, got {value!r}")
    return value


class PyDataset:
    """Base class for a dataset that returns complete batches by index.

    Subclasses implement ``__len__`` (the number of batches per epoch) and
    ``__getitem__(index)`` (batch number `index`: ``x``, ``(x, y)`` or
    ``(x, y, sample_weight)``), and may override `on_epoch_begin` / `on_epoch_end`, e.g.
    to reshuffle. Because every batch is addressed by index, each sample is seen once per
    epoch. A subclass that passes ``**kwargs`` to ``super().__init__`` accepts Keras's
    parallelism arguments; without a ``__len__`` it must define `num_batches` (``None``
    for an endless dataset).

    Args:
        workers: the number of workers `fit` may use to read batches in parallel.
        use_multiprocessing: whether those workers may be processes rather than threads
            (the dataset must then be picklable).
        max_queue_size: the most batches to prepare ahead when reading in parallel.

    These three arguments configure how a trainer may read the dataset; the dataset itself
    does not use them, and iterating over it by hand is sequential.

    Raises:
        ValueError: `workers` or `max_queue_size` is not a positive integer.
        TypeError: `use_multiprocessing` is not a bool.

    Example:
        ```python
        import math
        import numpy as np
        from numnet.utils import PyDataset

        class Batches(PyDataset):
            def __init__(self, x, y, batch_size, **kwargs):
                super().__init__(**kwargs)
                self.x, self.y, self.batch_size = x, y, batch_size

            def __len__(self):
                return math.ceil(len(self.x) / self.batch_size)

            def __getitem__(self, index):
                part = slice(index * self.batch_size, (index + 1) * self.batch_size)
                return self.x[part], self.y[part]

        data = Batches(np.zeros((10, 3)), np.zeros(10), batch_size=4)
        assert len(data) == 3 and data[2][0].shape == (2, 3)
        ```
    """

    def __init__(self, workers: int = 1, use_multiprocessing: bool = False, max_queue_size: int = 10):
        self._workers = _check_positive_int("workers", workers)
        if not isinstance(use_multiprocessing, bool):
            raise TypeError(
                f"PyDataset: use_multiprocessing must be a bool, got {type(use_multiprocessing).__name__}"
            )
        self._use_multiprocessing = use_multiprocessing
        self._max_queue_size = _check_positive_int("max_queue_size", max_queue_size)

    # Subclasses that forget super().__init__() still get the defaults.
    def _setting(self, name: str):
        return self.__dict__.get("_" + name, _DEFAULTS[name])

    @property
    def workers(self) -> int:
        """The number of workers `fit` may use."""
        return self._setting("workers")

    @workers.setter
    def workers(self, value: int) -> None:
        self._workers = _check_positive_int("workers", value)

    @property
    def use_multiprocessing(self) -> bool:
        """Whether the workers may be processes."""
        return self._setting("use_multiprocessing")

    @use_multiprocessing.setter
    def use_multiprocessing(self, value: bool) -> None:
        if not isinstance(value, bool):
            raise TypeError(f"PyDataset: use_multiprocessing must be a bool, got {type(value).__name__}")
        self._use_multiprocessing = value

    @property
    def max_queue_size(self) -> int:
        """The most batches to prepare ahead."""
        return self._setting("max_queue_size")

    @max_queue_size.setter
    def max_queue_size(self, value: int) -> None:
        self._max_queue_size = _check_positive_int("max_queue_size", value)

    def __getitem__(self, index: int) -> Any:
        """Return batch number `index` (0-based). Subclasses must implement this."""
        raise NotImplementedError(f"{type(self).__name__} must implement __getitem__(index) returning a batch")

    @property
    def num_batches(self) -> Optional[int]:
        """The number of batches per epoch: ``len(self)``; ``None`` means endless.

        Raises:
            NotImplementedError: the subclass defines neither ``__len__`` nor `num_batches`.
        """
        if hasattr(self, "__len__"):
            return len(self)
        raise NotImplementedError(
            f"{type(self).__name__} must implement __len__ (the number of batches) "
            "or the num_batches property (None for an endless dataset)"
        )

    def on_epoch_begin(self) -> None:
        """Called at the start of every epoch. Does nothing unless overridden."""

    def on_epoch_end(self) -> None:
        """Called at the end of every epoch (e.g. to reshuffle). Does nothing unless overridden."""

    def __iter__(self) -> Iterator[Any]:
        """Yield the batches in index order (endlessly when `num_batches` is None)."""
        n = self.num_batches
        index = 0
        while n is None or index < n:
            yield self[index]
            index += 1
