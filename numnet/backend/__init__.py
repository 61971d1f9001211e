"""Backend utilities (Keras: `keras.backend`): global settings, dtype helpers, session state.

numnet has a single backend, NumPy: `backend()` returns ``"numpy"``.
"""
from typing import Any

from numnet.backend.dtypes import is_float_dtype, is_int_dtype, result_type, standardize_dtype
from numnet.config.settings import (
    backend,
    epsilon,
    floatx,
    image_data_format,
    set_epsilon,
    set_floatx,
    set_image_data_format,
)
from numnet.layers.symbolic import SymbolicTensor
from numnet.utils.naming import clear_session, get_uid


def is_keras_tensor(x: Any) -> bool:
    """Whether `x` is a symbolic tensor (`numnet.KerasTensor`), as made by `numnet.Input`.

    Args:
        x: any value.

    Returns:
        True for symbolic tensors, False for Tensors, arrays and everything else.
    """
    return isinstance(x, SymbolicTensor)


__all__ = [
    "backend", "clear_session", "get_uid", "epsilon", "set_epsilon", "floatx", "set_floatx",
    "image_data_format", "set_image_data_format", "is_keras_tensor", "standardize_dtype", "result_type",
    "is_float_dtype", "is_int_dtype",
]
