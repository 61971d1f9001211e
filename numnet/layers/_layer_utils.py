"""Small argument helpers shared by the layer family modules (not public API)."""
from __future__ import annotations

from typing import Any, Optional, Sequence, Tuple

import numpy as np

from numnet import constraints
from numnet.config.settings import image_data_format


def normalize_tuple(value: Any, n: int, name: str, owner: str, allow_zero: bool = False) -> Tuple[int, ...]:
    """`value` (int or sequence of n ints) as a tuple of n ints.

    Raises:
        ValueError: wrong length or a non-positive value (zero allowed when `allow_zero`).
    """
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        out = (int(value),) * n
    else:
        try:
            out = tuple(int(v) for v in value)
        except (TypeError, ValueError):
            raise ValueError(f"{owner}: {name} must be an int or a tuple of {n} ints, got {name}={value!r}") from None
        if len(out) != n:
            raise ValueError(f"{owner}: {name} must be an int or a tuple of {n} ints, got {name}={value!r}")
    low = 0 if allow_zero else 1
    if any(v < low for v in out):
        raise ValueError(f"{owner}: {name} values must be >= {low}, got {name}={value!r}")
    return out


def normalize_padding(value: Any, owner: str, allowed: Sequence[str] = ("valid", "same")) -> str:
    """Lower-cased padding, checked against `allowed`."""
    p = value.lower() if isinstance(value, str) else value
    if p not in allowed:
        raise ValueError(f"{owner}: padding must be one of {tuple(allowed)}, got padding={value!r}")
    return p


def normalize_data_format(value: Optional[str], owner: str) -> str:
    """'channels_last' or 'channels_first'; None gives `numnet.config.image_data_format()`."""
    if value is None:
        return image_data_format()
    if value not in ("channels_last", "channels_first"):
        raise ValueError(f"{owner}: data_format must be 'channels_last' or 'channels_first', got {value!r}")
    return value


def conv_output_length(size: Optional[int], window: int, padding: str, stride: int, dilation: int = 1) -> Optional[int]:
    """Output length along one axis for a window sliding with `stride` (Keras rules)."""
    if size is None:
        return None
    eff = (window - 1) * dilation + 1
    if padding in ("same", "causal"):
        return -(-size // stride)
    return (size - eff) // stride + 1


def get_constraint(value: Any, owner: str, name: str) -> Any:
    """A constraint (projected onto the weight after each update): None, a callable, or a name
    or config dict resolved by `numnet.constraints.get`.

    Raises:
        ValueError: `value` names no known constraint (the message names the layer and argument).
    """
    if value is None or (callable(value) and not isinstance(value, type)):
        return value
    return lookup(constraints.get, value, owner, name)


def serialize_constraint(value: Any) -> Any:
    """Config of a constraint (None stays None)."""
    if value is None:
        return None
    from numnet.utils import serialization

    return serialization.serialize(value)


def shape_str(shape: Any) -> str:
    return str(tuple(shape))


_UNSUPPORTED = ("lora_rank", "lora_alpha", "dora_rank", "dora_alpha", "quantization_config")


def pop_unsupported(kwargs: dict, owner: str) -> None:
    """Drop Keras arguments numnet does not implement when they are unset (as in Keras configs);
    raise when one is actually set."""
    for name in _UNSUPPORTED:
        if name in kwargs:
            value = kwargs.pop(name)
            if value is not None:
                raise ValueError(f"{owner}: {name}={value!r} is not supported by numnet (only None)")


def layer_label(layer: Any, kwargs: dict) -> str:
    """How a layer is named in errors raised before its name is set: `Dense` or `Dense 'head'`."""
    name = kwargs.get("name")
    return f"{type(layer).__name__} '{name}'" if isinstance(name, str) else type(layer).__name__


def lookup(getter: Any, value: Any, owner: str, arg: str) -> Any:
    """`getter(value)` (e.g. `initializers.get`), re-raising a ValueError that names the layer
    and the argument: `Dense: invalid kernel_initializer='x'. Unknown initializer 'x'. Valid ...`.

    Raises:
        ValueError: `value` is not a name or object `getter` knows.
    """
    try:
        return getter(value)
    except ValueError as exc:
        raise ValueError(f"{owner}: invalid {arg}={value!r}. {exc}") from None


def mask_array(owner: str, mask: Any, name: str = "mask", shape: Optional[Tuple[int, ...]] = None,
               threshold: bool = False) -> Optional[np.ndarray]:
    """A Keras mask (Tensor, array or nested list) as a boolean ndarray, checked.

    Args:
        owner: who asks, for error messages (e.g. "Layer 'lstm' (LSTM)").
        mask: None, or a boolean (or 0/1 numeric) mask.
        name: the argument's name, for error messages.
        shape: the required shape, if any.
        threshold: read non-boolean masks as `mask > 0.5` (Keras's Softmax) instead of `mask != 0`.

    Returns:
        None, or a boolean ndarray.

    Raises:
        TypeError: the mask is not boolean or numeric.
        ValueError: it does not have `shape`.
    """
    if mask is None:
        return None
    arr = np.asarray(getattr(mask, "data", mask))
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"{owner}: {name} must be a boolean (or 0/1) array, got {type(mask).__name__} of dtype "
                        f"{arr.dtype}")
    if shape is not None and arr.shape != tuple(shape):
        raise ValueError(f"{owner}: {name} must have shape {tuple(shape)}, got a mask of shape {arr.shape}")
    if arr.dtype == bool:
        return arr
    return arr > 0.5 if threshold else arr != 0


def reject_symbolic(owner: str, inputs: Any) -> None:
    """`compute_mask` needs values: say so for a symbolic tensor (a model's masks travel with its tensors).

    Raises:
        TypeError: `inputs` is a symbolic tensor.
    """
    if type(inputs).__name__ == "SymbolicTensor":
        raise TypeError(f"{owner}: compute_mask needs real inputs, got a symbolic tensor; while a model is built, "
                        f"the layer's output carries its mask (`output._keras_mask`) and the layers called on it "
                        f"receive it automatically")
