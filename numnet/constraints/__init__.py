"""Weight constraints (`numnet.constraints`) and their lookup by name, as in `keras.constraints`.

A layer's ``kernel_constraint=`` (and the other ``*_constraint`` arguments) takes a name
(``"max_norm"``, ``"non_neg"``, ...), a config dict, a `Constraint` or any callable; the
optimizer applies it to the weight after each update.
"""
from __future__ import annotations

from typing import Any, Callable, Dict, Optional

from numnet.constraints.constraints import Constraint, MaxNorm, MinMaxNorm, NonNeg, UnitNorm
from numnet.utils import serialization as _ser

max_norm = MaxNorm
min_max_norm = MinMaxNorm
non_neg = NonNeg
unit_norm = UnitNorm

_BUILTINS: Dict[str, Any] = {
    "Constraint": Constraint, "MaxNorm": MaxNorm, "MinMaxNorm": MinMaxNorm, "NonNeg": NonNeg,
    "UnitNorm": UnitNorm, "constraint": Constraint, "max_norm": MaxNorm, "min_max_norm": MinMaxNorm,
    "non_neg": NonNeg, "unit_norm": UnitNorm,
}


def _valid_names() -> str:
    return ", ".join(sorted(k for k in _BUILTINS if k.lower() != "constraint"))


_uninterpretable = _ser.unknown_identifier("constraint", _valid_names, "a callable f(weight) -> weight")


def serialize(constraint: Any) -> Any:
    """Return the `{"class_name", "config"}` dict of a constraint (None passes through).

    Args:
        constraint: a constraint.

    Returns:
        A JSON-serialisable name or `{'class_name': ..., 'config': ...}` dict.
    """
    return _ser.serialize(constraint)


def deserialize(config: Any, custom_objects: Optional[Dict[str, Any]] = None) -> Any:
    """Build a constraint from a name or a config made by `serialize`.

    Args:
        config: a name such as 'max_norm' or a dict made by `serialize`.
        custom_objects: extra names to resolve (user classes and functions).

    Returns:
        The constraint (a class named by a bare string is built with no arguments).

    Raises:
        ValueError: the name is unknown (the message lists the valid constraint names) or the config is bad.
    """
    return _ser.deserialize_by_name(config, _BUILTINS, custom_objects, kind="constraint", valid_names=_valid_names())


def get(identifier: Any) -> Optional[Callable]:
    """Resolve None, a name ('max_norm', 'non_neg', ...), a config dict, a class or a callable.

    Args:
        identifier: a name (str), a config dict, a class, an instance, or None.

    Returns:
        The constraint, or None for None.

    Raises:
        ValueError: unknown name (the message lists the valid names) or not callable.
    """
    if identifier is None:
        return None
    return _ser.get_object(identifier, _BUILTINS, "constraint", deserialize, _uninterpretable)


__all__ = ["Constraint", "MaxNorm", "MinMaxNorm", "NonNeg", "UnitNorm", "max_norm", "min_max_norm",
           "non_neg", "unit_norm", "get", "serialize", "deserialize"]
