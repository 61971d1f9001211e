"""Weight initializers (`numnet.initializers`) and their lookup by name, as in `keras.initializers`."""
from __future__ import annotations

import re
from typing import Any, Callable, Dict, Optional

from numnet.initializers.initializer import Initializer, compute_fans
from numnet.initializers.constant_initializers import *  # noqa: F401,F403
from numnet.initializers.random_initializers import *  # noqa: F401,F403
from numnet.initializers import constant_initializers as _const, random_initializers as _rand
from numnet.utils import serialization as _ser

_CLASSES = [Initializer] + [getattr(_const, n) for n in _const.__all__] + [getattr(_rand, n) for n in _rand.__all__]


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


_BUILTINS: Dict[str, Any] = {}
for _cls in _CLASSES:
    _BUILTINS[_cls.__name__] = _cls
    _BUILTINS[_snake(_cls.__name__)] = _cls
_BUILTINS.update({
    "Orthogonal": OrthogonalInitializer,  # noqa: F405
    "Identity": Identity,  # noqa: F405
    "uniform": RandomUniform,  # noqa: F405
    "normal": RandomNormal,  # noqa: F405
    "orthogonal": OrthogonalInitializer,  # noqa: F405
    "one": Ones,  # noqa: F405
    "zero": Zeros,  # noqa: F405
})
_BUILTINS.pop("initializer", None)


def _valid_names() -> str:
    return ", ".join(sorted(k for k in _BUILTINS if k[0].islower()))


def serialize(initializer: Any) -> Any:
    """Return the `{"class_name", "config"}` dict of an initializer (None passes through).

    Args:
        initializer: an initializer.

    Returns:
        A JSON-serialisable name or `{'class_name': ..., 'config': ...}` dict.
    """
    return _ser.serialize(initializer)


def deserialize(config: Any, custom_objects: Optional[Dict[str, Any]] = None) -> Any:
    """Build an initializer from a name or a config made by `serialize`.

    Args:
        config: a dict as produced by `serialize`.
        custom_objects: extra names to resolve (user classes and functions).

    Returns:
        The rebuilt object.

    Raises:
        ValueError: the name is unknown (the message lists the valid names) or the config is bad.
    """
    try:
        obj = _ser.deserialize(config, _BUILTINS, custom_objects, kind="initializer")
    except ValueError as exc:
        if "Unknown initializer" in str(exc):
            raise ValueError(f"{exc} Valid initializer names are: {_valid_names()}.") from None
        raise
    if isinstance(obj, type):
        obj = obj()
    return obj


def get(identifier: Any) -> Optional[Callable]:
    """Resolve `identifier` (None, a name such as 'glorot_uniform', a config dict, a class or a
callable `f(shape, dtype=None)`) to an initializer.

    Args:
        identifier: a name (str), a config dict, an instance, or None.

    Raises:
        ValueError: unknown name (the message lists the valid names) or not callable.
    """
    if identifier is None:
        return None
    if isinstance(identifier, str):
        cls = _BUILTINS.get(identifier)
        obj = cls() if cls is not None else deserialize({"class_name": identifier, "config": {}})
    elif isinstance(identifier, dict):
        obj = deserialize(identifier)
    else:
        obj = identifier
    if isinstance(obj, type):
        obj = obj()
    if not callable(obj):
        raise ValueError(f"Could not interpret initializer identifier {identifier!r}: expected one of "
                         f"{_valid_names()}, a config dict or a callable f(shape, dtype=None).")
    return obj


__all__ = (["Initializer", "compute_fans", "get", "serialize", "deserialize"]
           + list(_const.__all__) + list(_rand.__all__))
