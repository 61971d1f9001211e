"""Turning what users pass to `fit`/`evaluate`/`predict` into a stream of `(x, y, sample_weight)` batches.

Accepted inputs (Keras 3 semantics):

* NumPy arrays (or anything `np.asarray` takes, including numnet Tensors), and lists/tuples/dicts of
  them for multi-input/multi-output models: sliced into batches, shuffled per epoch when asked.
* A Python generator, iterator or re-iterable of batches `x`, `(x,)`, `(x, y)` or `(x, y, sample_weight)`.
* A `PyDataset`-style object with `__len__` and `__getitem__(index) -> batch` (and optional `on_epoch_end`).

float64 data is cast to float32 once (numnet stays float32 end to end); integer labels keep their dtype.
"""
from __future__ import annotations

import math
import warnings
from typing import Any, Iterator, List, Optional, Tuple

import numpy as np

from numnet.autograd.tensor import Tensor
from numnet.utils.random import global_rng

__all__ = [
    "DataAdapter", "ArrayDataAdapter", "GeneratorDataAdapter", "PyDatasetAdapter",
    "get_data_adapter", "unpack_x_y_sample_weight", "train_validation_split",
    "class_weight_to_sample_weights", "flatten", "pack_like",
]


# ----- nested structures -------------------------------------------------------------------
def flatten(structure: Any) -> List[Any]:
    """Leaves of a nested list/tuple/dict (dict values in insertion order); None counts as a leaf."""
    if isinstance(structure, dict):
        out: List[Any] = []
        for value in structure.values():
            out.extend(flatten(value))
        return out
    if isinstance(structure, (list, tuple)):
        out = []
        for value in structure:
            out.extend(flatten(value))
        return out
    return [structure]


def pack_like(structure: Any, flat: List[Any]) -> Any:
    """Inverse of `flatten`: rebuild `structure`'s nesting with the leaves taken from `flat`."""
    it = iter(flat)

    def build(s: Any) -> Any:
        if isinstance(s, dict):
            return {k: build(v) for k, v in s.items()}
        if isinstance(s, (list, tuple)):
            return type(s)(build(v) for v in s) if isinstance(s, list) else tuple(build(v) for v in s)
        return next(it)

    return build(structure)


def _to_array(value: Any, what: str) -> np.ndarray:
    if value is None:
        return None
    if isinstance(value, Tensor):
        arr = value.data
    else:
        try:
            arr = np.asarray(value)
        except (ValueError, TypeError) as exc:
            raise TypeError(f"{what}: cannot convert {type(value).__name__} to a NumPy array ({exc})") from None
    if arr.dtype == np.float64 or arr.dtype == np.float16:
        arr = arr.astype(np.float32)
    elif arr.dtype.kind not in "biuf":
        raise TypeError(f"{what}: expected numeric data, got an array of dtype {arr.dtype}")
    if arr.ndim == 0:
        raise ValueError(f"{what}: expected an array with a batch dimension, got a scalar {arr!r}")
    return arr


def _standardize(structure: Any, what: str) -> Any:
    """Convert every leaf of a (possibly nested) x/y/sample_weight to a NumPy array.

    A flat Python list of numbers (or of lists of numbers) is one array, not a list of inputs.
    """
    if structure is None:
        return None
    if isinstance(structure, dict):
        return {k: _standardize(v, f"{what}[{k!r}]") for k, v in structure.items()}
    if isinstance(structure, (list, tuple)):
        if all(isinstance(v, (np.ndarray, Tensor, dict)) or (isinstance(v, (list, tuple)) and v and
               isinstance(v[0], (np.ndarray, Tensor))) for v in structure):
            out = [_standardize(v, f"{what}[{i}]") for i, v in enumerate(structure)]
            return out if isinstance(structure, list) else tuple(out)
        return _to_array(structure, what)
    return _to_array(structure, what)


def _check_finite(structure: Any, what: str) -> None:
    for i, arr in enumerate(flatten(structure)):
        if arr is None or arr.dtype.kind != "f":
            continue
        if not arr.size or (np.isfinite(arr.min()) and np.isfinite(arr.max())):  # no temporary array
            continue
        bad = np.argwhere(~np.isfinite(arr))[0]
        which = f"{what}" if len(flatten(structure)) == 1 else f"{what} (input {i})"
        raise ValueError(
            f"{which} contains NaN or infinite values (first at index {tuple(int(b) for b in bad)}); "
            f"training on them gives a NaN loss. Clean or impute the data first."
        )


def unpack_x_y_sample_weight(data: Any) -> Tuple[Any, Any, Any]:
    """Split a batch into `(x, y, sample_weight)` as Keras does (a list counts as a tuple).

    Raises:
        ValueError: a tuple with more than 3 elements.
    """
    if isinstance(data, list):
        data = tuple(data)
    if not isinstance(data, tuple):
        return data, None, None
    if len(data) == 1:
        return data[0], None, None
    if len(data) == 2:
        return data[0], data[1], None
    if len(data) == 3:
        return data[0], data[1], data[2]
    raise ValueError(
        "Data is expected to be in format `x`, `(x,)`, `(x, y)`, or `(x, y, sample_weight)`, "
        f"found a tuple of {len(data)} elements"
    )


def _num_samples(structure: Any, what: str) -> Optional[int]:
    leaves = [a for a in flatten(structure) if a is not None]
    if not leaves:
        return None
    sizes = {int(a.shape[0]) for a in leaves}
    if len(sizes) > 1:
        raise ValueError(f"All arrays of {what} must have the same number of samples; got sizes "
                         f"{[int(a.shape[0]) for a in leaves]}")
    return sizes.pop()


def class_weight_to_sample_weights(y: Any, class_weight: dict) -> np.ndarray:
    """Per-sample weights `class_weight[class of y_i]` (1.0 for classes not in the dict), as Keras.

    The class of a sample is `y` itself for sparse labels (shape (n,) or (n, 1)) and `argmax(y)` for
    one-hot/probability targets.

    Raises:
        ValueError: `y` is nested (several outputs) or `class_weight` is not a dict of numbers.
    """
    if not isinstance(class_weight, dict):
        raise ValueError(f"class_weight must be a dict mapping class index to weight, got {type(class_weight).__name__}")
    leaves = flatten(y)
    if len(leaves) != 1:
        raise ValueError("`class_weight` is only supported for models with a single output; "
                         f"got targets with {len(leaves)} arrays")
    y = leaves[0]
    if y.ndim > 1 and y.shape[-1] != 1:
        classes = np.argmax(y, axis=-1)
    else:
        classes = np.round(y.reshape(y.shape[0], -1)[:, 0]).astype(np.int64)
    if classes.ndim != 1:
        raise ValueError(f"`class_weight` needs one class per sample; targets of shape {y.shape} give more")
    try:
        keys = np.array([int(k) for k in class_weight], dtype=np.int64)
        values = np.array([float(v) for v in class_weight.values()], dtype=np.float32)
    except (TypeError, ValueError):
        raise ValueError(f"class_weight must map int class indices to numbers, got {class_weight!r}") from None
    if keys.size and keys.min() < 0:
        raise ValueError(f"class_weight keys must be non-negative class indices, got {sorted(class_weight)}")
    size = int(max(keys.max() if keys.size else 0, classes.max() if classes.size else 0)) + 1
    table = np.ones(size, dtype=np.float32)
    table[keys] = values
    return table[np.clip(classes, 0, size - 1)]


def train_validation_split(arrays: Tuple[Any, ...], validation_split: float) -> Tuple[Tuple[Any, ...], Tuple[Any, ...]]:
    """Split x/y/sample_weight structures into the first `1 - validation_split` and the LAST part (views).

    Raises:
        ValueError: the data is not arrays, or the split would leave one side empty.
    """
    flat = [a for s in arrays for a in flatten(s) if a is not None]
    if not flat or not all(isinstance(a, np.ndarray) for a in flat):
        raise ValueError("validation_split is only supported for NumPy arrays (or lists/dicts of arrays); "
                         "for generators or PyDataset objects pass validation_data instead")
    n = int(flat[0].shape[0])
    split_at = int(math.floor(n * (1.0 - validation_split)))
    if split_at == 0 or split_at == n:
        raise ValueError(
            f"Training data contains {n} samples, which is not sufficient to split it into a validation and "
            f"training set as specified by validation_split={validation_split}. Either provide more data, or a "
            f"different value for validation_split."
        )

    def part(s: Any, sl: slice) -> Any:
        if s is None:
            return None
        return pack_like(s, [None if a is None else a[sl] for a in flatten(s)])

    train = tuple(part(s, slice(0, split_at)) for s in arrays)
    val = tuple(part(s, slice(split_at, None)) for s in arrays)
    return train, val


# ----- adapters ----------------------------------------------------------------------------
class DataAdapter:
    """Base class: `num_batches` (None when unknown) and `epoch(steps)` yielding `(step, (x, y, sw))`."""

    num_batches: Optional[int] = None
    batch_size: Optional[int] = None
    one_shot = False  # True when the data cannot be iterated again (a generator).

    def epoch(self, steps: Optional[int] = None, skip: int = 0) -> Iterator[Tuple[int, Tuple[Any, Any, Any]]]:
        """Yield `(step, batch)` for one epoch: at most `steps` batches, the first `skip` consumed unseen."""
        raise NotImplementedError

    def peek(self) -> Tuple[Any, Any, Any]:
        """A first batch for building the model (without consuming data of one-shot iterators)."""
        raise NotImplementedError

    def on_epoch_end(self) -> None:
        """Called after each epoch."""

    @property
    def arrays(self) -> Optional[Tuple[Any, Any, Any]]:
        """The full `(x, y, sample_weight)` arrays when the data is in memory, else None."""
        return None


class ArrayDataAdapter(DataAdapter):
    """Batches sliced from in-memory arrays.

    Without shuffling a batch is a contiguous slice (a view, no copy); with `shuffle=True` each epoch
    draws a permutation from numnet's global generator and a batch is gathered by fancy indexing;
    `shuffle="batch"` shuffles the order of contiguous batches.

    Raises:
        ValueError: arrays of different lengths (naming them), bad batch_size.
    """

    def __init__(self, x: Any, y: Any = None, sample_weight: Any = None, batch_size: Optional[int] = None,
                 shuffle: Any = False, class_weight: Optional[dict] = None, check_finite: bool = False) -> None:
        self.x = _standardize(x, "x")
        self.y = _standardize(y, "y")
        self.sample_weight = _standardize(sample_weight, "sample_weight")
        n_x = _num_samples(self.x, "x")
        n_y = _num_samples(self.y, "y")
        if n_x is None:
            raise ValueError("x is empty: expected at least one array of samples")
        if n_y is not None and n_y != n_x:
            raise ValueError(
                f"Data cardinality is ambiguous: x has {n_x} samples but y has {n_y} samples. "
                "Make sure all arrays contain the same number of samples."
            )
        if self.sample_weight is not None:
            n_sw = _num_samples(self.sample_weight, "sample_weight")
            if n_sw != n_x:
                raise ValueError(f"sample_weight has {n_sw} samples but x has {n_x}; they must match")
        if class_weight is not None:
            if self.y is None:
                raise ValueError("class_weight needs targets y")
            if self.sample_weight is not None:
                raise ValueError("You cannot use `class_weight` and `sample_weight` at the same time.")
            self.sample_weight = class_weight_to_sample_weights(self.y, class_weight)
        if check_finite:
            _check_finite(self.x, "x")
            if self.y is not None:
                _check_finite(self.y, "y")
        if batch_size is None:
            batch_size = 32
        if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) or batch_size < 1:
            raise ValueError(f"batch_size must be a positive integer, got {batch_size!r}")
        if shuffle not in (True, False, "batch"):
            raise ValueError(f"shuffle must be True, False or 'batch', got {shuffle!r}")
        self.n = n_x
        self.batch_size = int(batch_size)
        self.shuffle = shuffle
        self.num_batches = int(math.ceil(n_x / self.batch_size))
        self._flat = [flatten(s) if s is not None else None for s in (self.x, self.y, self.sample_weight)]
        self._single = [s is not None and not isinstance(s, (list, tuple, dict)) for s in (self.x, self.y, self.sample_weight)]
        self._position = None  # for steps_per_epoch spanning epochs: (order, next batch index)

    @property
    def arrays(self) -> Tuple[Any, Any, Any]:
        return self.x, self.y, self.sample_weight

    def _take(self, which: int, index: Any) -> Any:
        structure = (self.x, self.y, self.sample_weight)[which]
        if structure is None:
            return None
        if self._single[which]:
            return structure[index]
        return pack_like(structure, [None if a is None else a[index] for a in self._flat[which]])

    def _batch(self, order: Optional[np.ndarray], i: int) -> Tuple[Any, Any, Any]:
        start = i * self.batch_size
        stop = min(start + self.batch_size, self.n)
        index = slice(start, stop) if order is None else order[start:stop]
        return self._take(0, index), self._take(1, index), self._take(2, index)

    def _new_order(self) -> Optional[np.ndarray]:
        if self.shuffle is True:
            return global_rng().permutation(self.n)
        if self.shuffle == "batch":
            batches = global_rng().permutation(self.num_batches)
            return np.concatenate([np.arange(b * self.batch_size, min((b + 1) * self.batch_size, self.n))
                                   for b in batches])
        return None

    def peek(self) -> Tuple[Any, Any, Any]:
        index = slice(0, min(self.batch_size, self.n))
        return self._take(0, index), self._take(1, index), self._take(2, index)

    def epoch(self, steps: Optional[int] = None, skip: int = 0):
        if steps is None:
            order = self._new_order()
            for i in range(skip, self.num_batches):
                yield i, self._batch(order, i)
            return
        # steps_per_epoch given (Keras 3): continue where the previous epoch stopped; a pass over
        # the data that ends within an epoch ends that epoch early (with a warning), and the next
        # epoch starts a new (re-shuffled) pass.
        if self._position is None or self._position[1] >= self.num_batches:
            self._position = [self._new_order(), 0]
        for step in range(steps):
            order, i = self._position
            if i >= self.num_batches:
                warnings.warn(
                    "Your input ran out of data; interrupting the epoch. Make sure that your data has at least "
                    "`steps_per_epoch` batches (here: steps_per_epoch * batch_size samples).", stacklevel=3)
                return
            self._position[1] += 1
            if step >= skip:
                yield step, self._batch(order, i)


def _standardize_batch(batch: Any) -> Tuple[Any, Any, Any]:
    x, y, sw = unpack_x_y_sample_weight(batch)
    return _standardize(x, "x"), _standardize(y, "y"), _standardize(sw, "sample_weight")


class GeneratorDataAdapter(DataAdapter):
    """Batches from a generator/iterator (consumed once, across epochs) or a re-iterable (restarted each epoch)."""

    def __init__(self, data: Any, class_weight: Optional[dict] = None) -> None:
        self._data = data
        self.one_shot = iter(data) is data
        self._iterator = iter(data) if self.one_shot else None
        self._peeked: List[Any] = []
        self.class_weight = class_weight
        self.exhausted = False
        try:
            self.num_batches = None if self.one_shot else len(data)
        except TypeError:
            self.num_batches = None

    def _convert(self, batch: Any) -> Tuple[Any, Any, Any]:
        x, y, sw = _standardize_batch(batch)
        if self.class_weight is not None:
            if sw is not None:
                raise ValueError("You cannot use `class_weight` and `sample_weight` at the same time.")
            sw = class_weight_to_sample_weights(y, self.class_weight)
        return x, y, sw

    def peek(self) -> Tuple[Any, Any, Any]:
        if self.one_shot:
            if not self._peeked:
                try:
                    self._peeked.append(next(self._iterator))
                except StopIteration:
                    raise ValueError("The data generator yielded no batches") from None
            return self._convert(self._peeked[0])
        for batch in self._data:
            return self._convert(batch)
        raise ValueError("The data iterable yielded no batches")

    def _source(self) -> Iterator[Any]:
        if not self.one_shot:
            yield from iter(self._data)
            return
        while self._peeked:
            yield self._peeked.pop(0)
        # Not `yield from`: closing this per-epoch generator must not close the user's iterator.
        iterator = self._iterator
        while True:
            try:
                batch = next(iterator)
            except StopIteration:
                return
            yield batch

    def epoch(self, steps: Optional[int] = None, skip: int = 0):
        source = self._source()
        step = 0
        while steps is None or step < steps:
            try:
                batch = next(source)
            except StopIteration:
                if steps is not None or step == 0:
                    self.exhausted = True
                    warnings.warn(
                        "Your input ran out of data; interrupting training. Make sure that your dataset or "
                        "generator can generate at least `steps_per_epoch * epochs` batches.", stacklevel=3)
                return
            if step >= skip:
                yield step, self._convert(batch)
            step += 1


class PyDatasetAdapter(DataAdapter):
    """Batches from an object with `__len__` and `__getitem__` (Keras `PyDataset` / `Sequence`).

    With `shuffle=True` the order of batch indices is shuffled each epoch; the dataset's own
    `on_epoch_end()` is called after every epoch.
    """

    def __init__(self, dataset: Any, shuffle: bool = False, class_weight: Optional[dict] = None) -> None:
        self.dataset = dataset
        self.shuffle = bool(shuffle)
        self.class_weight = class_weight
        n = getattr(dataset, "num_batches", None)
        self.num_batches = int(n) if n is not None else len(dataset)

    _convert = GeneratorDataAdapter._convert

    def peek(self) -> Tuple[Any, Any, Any]:
        if self.num_batches == 0:
            raise ValueError("The PyDataset has no batches (len 0)")
        return self._convert(self.dataset[0])

    def epoch(self, steps: Optional[int] = None, skip: int = 0):
        order = global_rng().permutation(self.num_batches) if self.shuffle else range(self.num_batches)
        limit = self.num_batches if steps is None else min(steps, self.num_batches)
        for step in range(skip, limit):
            yield step, self._convert(self.dataset[int(order[step])])

    def on_epoch_end(self) -> None:
        hook = getattr(self.dataset, "on_epoch_end", None)
        if callable(hook):
            hook()


def _is_pydataset(x: Any) -> bool:
    return (hasattr(x, "__getitem__") and hasattr(x, "__len__") and not isinstance(x, (np.ndarray, Tensor, list, tuple, dict, str))
            and not hasattr(x, "__array__"))


def get_data_adapter(x: Any, y: Any = None, sample_weight: Any = None, batch_size: Optional[int] = None,
                     shuffle: Any = False, class_weight: Optional[dict] = None, check_finite: bool = False,
                     argument: str = "x") -> DataAdapter:
    """Choose the adapter for `x` (see the module docstring).

    Raises:
        ValueError: `y`/`sample_weight` given together with a generator or PyDataset (they carry their
            own targets), or `x` is None.
        TypeError: `x` is of an unsupported type.
    """
    if isinstance(x, DataAdapter):
        return x
    if x is None:
        raise ValueError(f"{argument} is None: pass input data (arrays, a generator or a PyDataset)")
    if _is_pydataset(x):
        if y is not None or sample_weight is not None:
            raise ValueError("When x is a PyDataset, y and sample_weight must not be given (the dataset "
                             "returns (x, y[, sample_weight]) batches)")
        return PyDatasetAdapter(x, shuffle=shuffle is True, class_weight=class_weight)
    if not isinstance(x, (np.ndarray, Tensor, list, tuple, dict)) and (hasattr(x, "__next__") or (
            hasattr(x, "__iter__") and not hasattr(x, "__array__"))):
        if y is not None or sample_weight is not None:
            raise ValueError("When x is a generator or iterable of batches, y and sample_weight must not be "
                             "given (the batches are (x, y[, sample_weight]) tuples)")
        return GeneratorDataAdapter(x, class_weight=class_weight)
    return ArrayDataAdapter(x, y, sample_weight, batch_size=batch_size, shuffle=shuffle,
                            class_weight=class_weight, check_finite=check_finite)
