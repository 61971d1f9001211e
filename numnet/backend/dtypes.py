"""Dtype names as Keras spells them: `standardize_dtype`, `result_type`, `is_float_dtype`, `is_int_dtype`."""
from __future__ import annotations

from typing import Any

import numpy as np

from numnet.config.settings import floatx

_PYTHON_TYPES = {bool: "bool", int: "int32", float: "float32", str: "string"}
_ALLOWED = {"bool", "string", "float16", "float32", "float64", "int8", "int16", "int32", "int64",
            "uint8", "uint16", "uint32", "uint64", "complex64", "complex128"}


def standardize_dtype(dtype: Any) -> str:
    """The canonical name of a dtype (``np.float32`` → ``"float32"``); None gives `floatx()`.

    Args:
        dtype: None, a name (``"float32"``; ``"int"`` gives ``"int32"``), a Python type
            (`int` → ``"int32"``, `float` → ``"float32"``, `bool`, `str` → ``"string"``), a
            NumPy dtype or type, or an object with a `dtype` attribute (a Tensor, an array).

    Returns:
        The dtype name.

    Raises:
        ValueError: `dtype` names no dtype Keras knows (object and datetime dtypes included).
    """
    if dtype is None:
        return floatx()
    if isinstance(dtype, type) and dtype in _PYTHON_TYPES:
        return _PYTHON_TYPES[dtype]
    if isinstance(dtype, str) and dtype in ("int", "string"):
        return "int32" if dtype == "int" else "string"
    if not isinstance(dtype, (type, np.dtype, str)):
        dtype = getattr(dtype, "dtype", dtype)
    try:
        name = np.dtype(dtype).name
    except TypeError:
        name = None
    if name not in _ALLOWED:
        raise ValueError(f"standardize_dtype: invalid dtype {dtype!r}")
    return name


def is_float_dtype(dtype: Any) -> bool:
    """Whether `dtype` is a floating-point dtype.

    Args:
        dtype: anything `standardize_dtype` accepts.

    Returns:
        True for float16/32/64.
    """
    return standardize_dtype(dtype).startswith(("float", "bfloat"))


def is_int_dtype(dtype: Any) -> bool:
    """Whether `dtype` is a (signed or unsigned) integer dtype.

    Args:
        dtype: anything `standardize_dtype` accepts.

    Returns:
        True for int8 ... int64 and uint8 ... uint64.
    """
    return standardize_dtype(dtype).startswith(("int", "uint"))


def result_type(*dtypes: Any) -> str:
    """The dtype of the result of an operation on values of `dtypes`, as Keras promotes them.

    Floats win over integers without widening (``int64`` with ``float32`` gives ``float32``,
    where NumPy would give float64); Python `int`/`float` are weak and only decide the result
    when nothing stronger is present (`float` alone gives `floatx()`). Integers and floats
    among themselves promote as in NumPy (``int8`` with ``uint8`` gives ``int16``).

    Args:
        *dtypes: dtypes, Python types `bool`/`int`/`float`, or values with a `dtype`.

    Returns:
        The dtype name (`floatx()` when no dtype is given).
    """
    strong = []
    weak = set()
    for d in dtypes:
        if d is int or d is float:
            weak.add(d)
            continue
        if isinstance(d, (int, float)) and not isinstance(d, (bool, np.generic)):
            weak.add(type(d))
            continue
        strong.append(np.dtype(standardize_dtype(d)))
    floats = [d for d in strong if d.kind == "f"]
    if floats:
        return np.result_type(*floats).name
    if float in weak:
        return floatx()
    ints = [d for d in strong if d.kind in "iu"]
    if ints:
        return np.result_type(*ints).name
    if int in weak:
        return "int32"
    if strong:
        return "bool"
    return floatx()
