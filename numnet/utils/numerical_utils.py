"""Label and feature helpers on NumPy arrays: `to_categorical`, `normalize` (as in Keras)."""
from __future__ import annotations

from typing import Optional, Union

import numpy as np
from numpy.typing import ArrayLike

__all__ = ["to_categorical", "normalize"]


def _as_array(x) -> np.ndarray:
    # A numnet Tensor (or anything else wrapping an ndarray in `.data`) is read through `.data`.
    if not isinstance(x, np.ndarray) and isinstance(getattr(x, "data", None), np.ndarray):
        x = x.data
    return np.asarray(x)


def _shown(values: np.ndarray, limit: int = 5) -> str:
    values = np.unique(values)
    text = ", ".join(str(v) for v in values[:limit].tolist())
    return text + (", ..." if values.size > limit else "")


def to_categorical(x: ArrayLike, num_classes: Optional[int] = None) -> np.ndarray:
    """Convert integer class labels to one-hot vectors (for `categorical_crossentropy`).

    A trailing axis of size 1 (labels shaped ``(n, 1)``) is dropped before encoding, as in
    Keras, so both ``(n,)`` and ``(n, 1)`` give ``(n, num_classes)``.

    Args:
        x: array-like of integer labels in ``[0, num_classes)``, any shape; floats are
            accepted when they hold whole numbers, booleans as 0 and 1.
        num_classes: the number of classes; ``None`` means ``max(x) + 1``.

    Returns:
        A float32 array of shape ``x.shape + (num_classes,)`` (trailing 1 dropped) holding
        1.0 at each label's index and 0.0 elsewhere.

    Raises:
        ValueError: labels are not whole numbers, are negative, or are ``>= num_classes``;
            `num_classes` is not a positive integer; or `x` is empty and `num_classes` is None.
        TypeError: `x` is not numeric.

    Example:
        ```python
        from numnet.utils import to_categorical

        to_categorical([0, 2, 1], num_classes=3)
        # array([[1., 0., 0.], [0., 0., 1.], [0., 1., 0.]], dtype=float32)
        ```
    """
    labels = _as_array(x)
    if labels.dtype == bool:
        labels = labels.astype(np.int64)
    if not (np.issubdtype(labels.dtype, np.integer) or np.issubdtype(labels.dtype, np.floating)):
        raise TypeError(f"to_categorical: x must hold integer class labels, got dtype {labels.dtype}")
    if np.issubdtype(labels.dtype, np.floating):
        bad = labels[~np.isfinite(labels) | (labels != np.round(labels))]
        if bad.size:
            raise ValueError(f"to_categorical: labels must be whole numbers, got {_shown(bad)}")
    shape = labels.shape
    if len(shape) > 1 and shape[-1] == 1:
        shape = shape[:-1]
    flat = labels.reshape(-1).astype(np.int64)
    if num_classes is None:
        if flat.size == 0:
            raise ValueError("to_categorical: cannot infer num_classes from empty labels; pass num_classes")
        num_classes = int(flat.max()) + 1
    elif isinstance(num_classes, bool) or not isinstance(num_classes, (int, np.integer)) or num_classes < 1:
        raise ValueError(f"to_categorical: num_classes must be a positive integer, got {num_classes!r}")
    num_classes = int(num_classes)
    negative = flat[flat < 0]
    if negative.size:
        raise ValueError(f"to_categorical: labels must be >= 0, got {_shown(negative)}")
    too_big = flat[flat >= num_classes]
    if too_big.size:
        raise ValueError(
            f"to_categorical: labels must be < num_classes={num_classes}, got {_shown(too_big)}"
        )
    out = np.zeros((flat.size, num_classes), dtype=np.float32)
    out[np.arange(flat.size), flat] = 1.0
    return out.reshape(shape + (num_classes,))


def normalize(x: ArrayLike, axis: int = -1, order: Union[int, float] = 2) -> np.ndarray:
    """Scale `x` so that its `order`-norm along `axis` is 1.

    Slices whose norm is 0 are left unchanged (all zeros).

    Args:
        x: array-like to normalize.
        axis: the axis along which the norm is taken.
        order: the norm's order, as `numpy.linalg.norm`'s ``ord`` for vectors (2 for L2,
            1 for L1, ``numpy.inf`` for the max-norm).

    Returns:
        A normalized copy of `x`. float32 and float64 inputs keep their dtype; other numeric
        inputs become float32.

    Raises:
        ValueError: `axis` is out of range for `x`.
        TypeError: `x` is not numeric.
    """
    array = _as_array(x)
    if array.dtype == bool or not np.issubdtype(array.dtype, np.number):
        raise TypeError(f"normalize: x must be numeric, got dtype {array.dtype}")
    if not np.issubdtype(array.dtype, np.floating) or array.dtype not in (np.float32, np.float64):
        array = array.astype(np.float32)
    if not isinstance(axis, (int, np.integer)) or not -array.ndim <= axis < array.ndim:
        raise ValueError(f"normalize: axis {axis!r} is out of range for an input of shape {array.shape}")
    norm = np.linalg.norm(array, ord=order, axis=int(axis), keepdims=True)
    norm[norm == 0] = 1
    return (array / norm).astype(array.dtype, copy=False)
