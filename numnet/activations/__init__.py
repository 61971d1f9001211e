"""Activation functions (`numnet.activations`) and their lookup by name, as in `keras.activations`."""
from __future__ import annotations

from typing import Any, Callable, Dict, Optional

from numnet.activations.activations import *  # noqa: F401,F403
from numnet.activations import activations as _acts
from numnet.utils import serialization as _ser

_BUILTINS: Dict[str, Callable] = {name: getattr(_acts, name) for name in _acts.__all__}
_NAMES_OF: Dict[Callable, str] = {}
for _name, _fn in _BUILTINS.items():
    _NAMES_OF.setdefault(_fn, _fn.__name__)


def _unknown(identifier: Any) -> ValueError:
    valid = ", ".join(sorted(_BUILTINS))
    return ValueError(f"Unknown activation {identifier!r}. Valid names are: {valid}; "
                      f"or pass a callable.")


def serialize(activation: Callable) -> Any:
    """Return the name of a built-in activation, or the config of a custom one.

    Args:
        activation: an activation function.

    Returns:
        A JSON-serialisable name or `{'class_name': ..., 'config': ...}` dict.

    Raises:
        ValueError: `activation` is a plain function that is neither built in nor registered.
    """
    if activation in _NAMES_OF:
        return _NAMES_OF[activation]
    if hasattr(activation, "get_config"):
        return _ser.serialize(activation)
    name = _ser.get_registered_name(activation)
    if name != getattr(activation, "__name__", None):
        return name
    raise ValueError(
        f"Cannot serialize activation {activation!r}: it is not a numnet activation. Register it with "
        f"@numnet.saving.register_serializable() so it can be saved by name."
    )


def deserialize(config: Any, custom_objects: Optional[Dict[str, Any]] = None) -> Callable:
    """Return the activation named by `config` (a name or a serialized object config).

    Args:
        config: a name such as 'relu' or a dict made by `serialize`.
        custom_objects: extra names to resolve (user classes and functions).

    Returns:
        The activation (a class named by a bare string is built with no arguments).

    Raises:
        ValueError: the name is unknown (the message lists the valid activation names) or the config is bad.
    """
    return _ser.deserialize_by_name(config, _BUILTINS, custom_objects, kind="activation",
                                    valid_names=", ".join(sorted(_BUILTINS)))


def get(identifier: Any) -> Callable:
    """Resolve `identifier` (None, a name, a config dict or a callable) to an activation function.

    None means `linear`.

    Args:
        identifier: a name (str), a config dict, an instance, or None.

    Raises:
        ValueError: the name is unknown (the message lists the valid names) or the
            identifier is not callable.
    """
    if identifier is None:
        return linear  # noqa: F405
    return _ser.get_object(identifier, _BUILTINS, "activation", deserialize, _unknown)


__all__ = list(_acts.__all__) + ["get", "serialize", "deserialize"]
