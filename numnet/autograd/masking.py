"""Keras masks carried by tensors.

A Keras mask marks which entries of a tensor are real data and which are padding: a boolean
array shaped like the tensor without its feature axis (`(batch, timesteps)` for a sequence
`(batch, timesteps, features)`), True where the entry counts. Layers that make a mask
(`Embedding(mask_zero=True)`, `Masking`) attach it to their output as `tensor._keras_mask`;
the next layer's `__call__` reads it from there, as in Keras 3. Every `Tensor` has the
attribute, None by default, so reading it costs one attribute lookup.
"""
from __future__ import annotations

from typing import Any, Optional

import numpy as np

from numnet.autograd.tensor import Tensor

__all__ = ["get_keras_mask", "set_keras_mask"]


def get_keras_mask(x: Any) -> Optional[Any]:
    """The mask attached to `x` (`x._keras_mask`), or None.

    Args:
        x: a Tensor, a symbolic tensor, or anything else (which never carries a mask).

    Returns:
        The mask (a boolean Tensor, or a symbolic tensor while a model is being built), or None.
    """
    return getattr(x, "_keras_mask", None)


def set_keras_mask(x: Any, mask: Any) -> None:
    """Attach `mask` to `x` in place (None removes it).

    Args:
        x: a Tensor (or symbolic tensor).
        mask: None, a boolean Tensor or array-like (stored as a Tensor), or a symbolic tensor.

    Raises:
        TypeError: `x` cannot carry a mask (e.g. a NumPy array) and `mask` is not None, or
            `mask` is not numeric.
    """
    if not hasattr(type(x), "_keras_mask") and not hasattr(x, "__dict__"):
        if mask is None:
            return
        raise TypeError(f"set_keras_mask: only numnet Tensors (and symbolic tensors) carry a mask, "
                        f"got {type(x).__name__}; wrap the array with numnet.Tensor(...) first")
    if isinstance(mask, (np.ndarray, np.generic, list, tuple, bool, int, float)):
        arr = np.asarray(mask)
        if arr.dtype.kind not in "biuf":
            raise TypeError(f"set_keras_mask: the mask must be boolean (or 0/1 numbers), got an array of dtype "
                            f"{arr.dtype}")
        mask = Tensor._from_op(arr, None)
    x._keras_mask = mask
