"""Global settings read across numnet: default float dtype, fuzz factor, image data format.

These are the values behind `numnet.config` and `numnet.backend` (Keras: `keras.config`).
They live on the base floor so that every floor above can read them.
"""
from __future__ import annotations

from typing import Any

import numpy as np

_FLOATX = ("float32", "float64")
_FORMATS = ("channels_last", "channels_first")
_state = {"floatx": "float32", "epsilon": 1e-7, "image_data_format": "channels_last"}


def floatx() -> str:
    """The default float dtype name (``"float32"`` unless changed with `set_floatx`).

    Layers create their weights and compute in this dtype when given no `dtype`, and
    `numnet.random` draws samples in it.

    Returns:
        ``"float32"`` or ``"float64"``.
    """
    return _state["floatx"]


def set_floatx(value: Any) -> None:
    """Set the default float dtype (Keras: `keras.config.set_floatx`).

    numnet is float32-first: its kernels are tuned and tested in float32, and float64 is
    offered for numerical checks. Half precision (float16, bfloat16) is not supported.
    The new default applies to layers and random samples created afterwards.

    Args:
        value: ``"float32"`` or ``"float64"`` (a NumPy dtype or its name).

    Raises:
        ValueError: any other dtype.
    """
    try:
        name = None if value is None else np.dtype(value).name
    except TypeError:
        name = None
    if name not in _FLOATX:
        raise ValueError(f"set_floatx: numnet supports floatx 'float32' or 'float64', got {value!r}")
    _state["floatx"] = name


def epsilon() -> float:
    """The fuzz factor used to avoid division by zero (default ``1e-7``).

    Read by `numnet.constraints`; the built-in losses and metrics keep Keras's default
    ``1e-7`` fixed (see `set_epsilon`).

    Returns:
        The current value.
    """
    return _state["epsilon"]


def set_epsilon(value: float) -> None:
    """Set the fuzz factor returned by `epsilon` (Keras: `keras.config.set_epsilon`).

    The constraints (`numnet.constraints`) read it when they are applied; the clipping
    inside the built-in cross-entropy losses and the confusion metrics stays at ``1e-7``.

    Args:
        value: a positive float.

    Raises:
        TypeError: `value` is not a number.
        ValueError: `value` is not finite and positive.
    """
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"set_epsilon: value must be a float, got {type(value).__name__} {value!r}")
    value = float(value)
    if not (np.isfinite(value) and value > 0):
        raise ValueError(f"set_epsilon: value must be a finite positive float, got {value!r}")
    _state["epsilon"] = value


def image_data_format() -> str:
    """The default `data_format` of image layers (Conv, pooling, padding, ...).

    Returns:
        ``"channels_last"`` (the default) or ``"channels_first"``.
    """
    return _state["image_data_format"]


def set_image_data_format(data_format: str) -> None:
    """Set the `data_format` that image layers use when given none (Keras: `keras.config.set_image_data_format`).

    Args:
        data_format: ``"channels_last"`` or ``"channels_first"`` (case-insensitive).

    Raises:
        ValueError: any other value.
    """
    fmt = data_format.lower() if isinstance(data_format, str) else data_format
    if fmt not in _FORMATS:
        raise ValueError(f"set_image_data_format: data_format must be 'channels_last' or 'channels_first', "
                         f"got {data_format!r}")
    _state["image_data_format"] = fmt


def backend() -> str:
    """The name of the backend: always ``"numpy"`` (numnet runs on NumPy alone).

    Returns:
        ``"numpy"``.
    """
    return "numpy"


def enable_unsafe_deserialization() -> None:
    """Accepted for Keras compatibility; does nothing.

    Keras refuses to load Python lambdas from a model file unless this is called. numnet never
    runs or unpickles code stored in a file, so there is nothing to enable: a file that needs
    custom code loads only through registered classes or `custom_objects`.
    """
