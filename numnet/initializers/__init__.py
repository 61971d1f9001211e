"""Weight initializers (`numnet.initializers`) and their lookup by name, as in `keras.initializers`."""
from __future__ import annotations

from typing import Any, Callable, Dict, Optional

from numnet.initializers.initializer import Initializer, compute_fans
from numnet.initializers.constant_initializers import *  # noqa: F401,F403
from numnet.initializers.random_initializers import *  # noqa: F401,F403
from numnet.initializers import constant_initializers as _const, random_initializers as _rand
from numnet.utils import serialization as _ser
from numnet.utils.naming import to_snake_case

_CLASSES = [Initializer] + [getattr(_const, n) for n in _const.__all__] + [getattr(_rand, n) for n in _rand.__all__]


_BUILTINS: Dict[str, Any] = {}
for _cls in _CLASSES:
    _BUILTINS[_cls.__name__] = _cls
    _BUILTINS[to_snake_case(_cls.__name__)] = _cls
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


_uninterpretable = _ser.unknown_identifier("initializer", _valid_names, "a callable f(shape, dtype=None)")


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
        config: a name such as 'he_normal' or a dict made by `serialize`.
        custom_objects: extra names to resolve (user classes and functions).

    Returns:
        The initializer (a class named by a bare string is built with no arguments).

    Raises:
        ValueError: the name is unknown (the message lists the valid initializer names) or the config is bad.
    """
    return _ser.deserialize_by_name(config, _BUILTINS, custom_objects, kind="initializer", valid_names=_valid_names())


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
    return _ser.get_object(identifier, _BUILTINS, "initializer", deserialize, _uninterpretable)


__all__ = (["Initializer", "compute_fans", "get", "serialize", "deserialize"]
           + list(_const.__all__) + list(_rand.__all__))
