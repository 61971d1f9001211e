"""Weight regularizers (`numnet.regularizers`) and their lookup by name, as in `keras.regularizers`."""
from __future__ import annotations

from typing import Any, Callable, Dict, Optional

from numnet.regularizers.regularizers import L1, L1L2, L2, OrthogonalRegularizer, Regularizer
from numnet.utils import serialization as _ser

l1 = L1
l2 = L2
l1_l2 = L1L2
orthogonal_regularizer = OrthogonalRegularizer

_BUILTINS: Dict[str, Any] = {
    "Regularizer": Regularizer, "L1": L1, "L2": L2, "L1L2": L1L2,
    "OrthogonalRegularizer": OrthogonalRegularizer,
    "regularizer": Regularizer, "l1": L1, "l2": L2, "l1_l2": L1L2, "l1l2": L1L2,
    "orthogonal_regularizer": OrthogonalRegularizer,
}


def _valid_names() -> str:
    return ", ".join(sorted(k for k in _BUILTINS if k != "regularizer" and k != "Regularizer"))


_uninterpretable = _ser.unknown_identifier("regularizer", _valid_names, "a callable f(weight) -> scalar")


def serialize(regularizer: Any) -> Any:
    """Return the `{"class_name", "config"}` dict of a regularizer (None passes through).

    Args:
        regularizer: a regularizer.

    Returns:
        A JSON-serialisable name or `{'class_name': ..., 'config': ...}` dict.
    """
    return _ser.serialize(regularizer)


def deserialize(config: Any, custom_objects: Optional[Dict[str, Any]] = None) -> Any:
    """Build a regularizer from a name or a config made by `serialize`.

    Args:
        config: a name such as 'l2' or a dict made by `serialize`.
        custom_objects: extra names to resolve (user classes and functions).

    Returns:
        The regularizer (a class named by a bare string is built with no arguments).

    Raises:
        ValueError: the name is unknown (the message lists the valid regularizer names) or the config is bad.
    """
    return _ser.deserialize_by_name(config, _BUILTINS, custom_objects, kind="regularizer", valid_names=_valid_names())


def get(identifier: Any) -> Optional[Callable]:
    """Resolve None, a name ('l1', 'l2', 'l1_l2', ...), a config dict, a class or a callable.

    Args:
        identifier: a name (str), a config dict, an instance, or None.

    Raises:
        ValueError: unknown name (the message lists the valid names) or not callable.
    """
    if identifier is None:
        return None
    return _ser.get_object(identifier, _BUILTINS, "regularizer", deserialize, _uninterpretable)


__all__ = ["Regularizer", "L1", "L2", "L1L2", "OrthogonalRegularizer", "l1", "l2", "l1_l2",
           "orthogonal_regularizer", "get", "serialize", "deserialize"]
