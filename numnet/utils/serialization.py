"""Turning objects into JSON-able configs and back, safely: only known classes are ever built.

A config is ``{"class_name": ..., "config": {...}}`` (plus ``"registered_name"`` for classes
registered with `register_serializable`). `deserialize` resolves a name only among
numnet's own classes of the expected kind, the registered ones and `custom_objects`;
it never imports modules or evaluates anything named in the data.
"""
from __future__ import annotations

import contextlib
import threading
from typing import Any, Callable, Dict, Iterator, Mapping, Optional

_REGISTERED: Dict[str, Any] = {}
_REGISTERED_NAMES: Dict[Any, str] = {}
_scope = threading.local()
_budget = threading.local()


@contextlib.contextmanager
def allocation_budget(max_bytes: int, what: str) -> Iterator[None]:
    """Within this block, `charge_allocation` refuses allocations beyond `max_bytes` in total.

    Loaders use it so that a config from an untrusted file (``Dense(units=10**9)``) is refused
    with a clear error before the memory is allocated.

    Args:
        max_bytes: the total the block may allocate through `charge_allocation`.
        what: what is being built, for the error message (e.g. "loading 'm.h5'").
    """
    previous = getattr(_budget, "state", None)
    _budget.state = [int(max_bytes), 0, what]
    try:
        yield
    finally:
        _budget.state = previous


def charge_allocation(nbytes: Any, what: str) -> None:
    """Count `nbytes` against the active `allocation_budget` (a no-op outside one).

    Raises:
        ValueError: the budget would be exceeded (nothing is counted then).
    """
    state = getattr(_budget, "state", None)
    if state is None:
        return
    nbytes = max(0, int(nbytes))
    if state[1] + nbytes > state[0]:
        raise ValueError(
            f"{what} would allocate {nbytes} bytes, which (with the {state[1]} bytes already allocated) exceeds "
            f"the {state[0]} bytes allowed while {state[2]}; the config asks for far more memory than the "
            f"saved weights can fill, so it is refused")
    state[1] += nbytes


def register_serializable(package: str = "Custom", name: Optional[str] = None) -> Callable[[Any], Any]:
    """Class/function decorator making a user object loadable by name (Keras: register_keras_serializable).

    Args:
        package: namespace of the registered name (``"package>Name"``).
        name: the name; defaults to the object's ``__name__``.

    Returns:
        The decorator, which returns the object unchanged.

    Raises:
        ValueError: the same registered name is already taken by a different object.
    """

    def decorator(obj: Any) -> Any:
        key = f"{package}>{name or obj.__name__}"
        existing = _REGISTERED.get(key)
        if existing is not None and existing is not obj and getattr(existing, "__qualname__", None) != getattr(obj, "__qualname__", None):
            raise ValueError(f"register_serializable: {key!r} is already registered to {existing!r}")
        if isinstance(obj, type) and not hasattr(obj, "get_config"):
            raise ValueError(f"register_serializable: class {obj.__name__} must define get_config()")
        _REGISTERED[key] = obj
        _REGISTERED_NAMES[obj] = key
        return obj

    return decorator


def get_registered_name(obj: Any) -> str:
    """The name `obj` is registered under, or its plain ``__name__`` when not registered.

    Args:
        obj: a class or function.

    Returns:
        ``"package>Name"`` for registered objects, else the object's name.
    """
    return _REGISTERED_NAMES.get(obj, getattr(obj, "__name__", type(obj).__name__))


@contextlib.contextmanager
def custom_object_scope(custom_objects: Optional[Mapping[str, Any]]) -> Iterator[None]:
    """Within this block, `deserialize` also resolves the names in `custom_objects`.

    Args:
        custom_objects: name -> class or function (None adds nothing).
    """
    previous = getattr(_scope, "objects", {})
    _scope.objects = {**previous, **(custom_objects or {})}
    try:
        yield
    finally:
        _scope.objects = previous


def get_custom_objects() -> Dict[str, Any]:
    """A copy of the global registry (registered name -> object)."""
    return dict(_REGISTERED)


def serialize(obj: Any) -> Any:
    """Return the config dict of an object with `get_config` (strings and None pass through)."""
    if obj is None or isinstance(obj, (str, int, float, bool)):
        return obj
    if not hasattr(obj, "get_config"):
        return get_registered_name(obj)
    config = {"class_name": type(obj).__name__, "config": obj.get_config()}
    if type(obj) in _REGISTERED_NAMES:
        config["registered_name"] = _REGISTERED_NAMES[type(obj)]
    return config


def resolve(name: str, builtins: Mapping[str, Any], custom_objects: Optional[Mapping[str, Any]] = None,
            kind: str = "object") -> Any:
    """Find the object called `name` among custom_objects, the scope, the registry and `builtins`.

    Raises:
        TypeError: `name` is not a string.
        ValueError: nothing of that name is known (the message says how to make it known).
    """
    if not isinstance(name, str):
        raise TypeError(f"Could not deserialize {kind}: expected a class name string, got {type(name).__name__} {name!r}")
    for table in (custom_objects or {}, getattr(_scope, "objects", {}), _REGISTERED, builtins):
        if name in table:
            return table[name]
    short = name.split(">")[-1]
    for table in (custom_objects or {}, getattr(_scope, "objects", {})):
        if short in table:
            return table[short]
    raise ValueError(
        f"Unknown {kind} {name!r}. If it is a custom {kind}, pass it in custom_objects="
        f"{{{short!r}: {short}}} or decorate it with @numnet.saving.register_serializable()."
    )


def _check_base(obj: Any, base: Optional[Any], name: Any, kind: str) -> None:
    if base is None:
        return
    ok = isinstance(obj, base) or (isinstance(obj, type) and issubclass(obj, base))
    if not ok:
        raise TypeError(f"Could not deserialize {kind} {name!r}: it names {obj!r:.100}, which is not a {kind}")


def deserialize(config: Any, builtins: Mapping[str, Any], custom_objects: Optional[Mapping[str, Any]] = None,
                kind: str = "object", base: Optional[Any] = None) -> Any:
    """Build an object from a config made by `serialize`, resolving names only via `resolve`.

    Args:
        config: ``{"class_name": ..., "config": {...}}`` or a bare name string.
        builtins: numnet's own objects of this kind, by name.
        custom_objects: extra user objects, by name.
        kind: what is being built ("layer", "loss", ...), for error messages.
        base: if given, the class (or tuple of classes) the resolved object must be or
            subclass; checked before anything is built (a registered loss is not a layer).

    Raises:
        TypeError / ValueError: the config is malformed, names an unknown object, or names an
            object of another kind.
    """
    if isinstance(config, str):
        obj = resolve(config, builtins, custom_objects, kind)
        _check_base(obj, base, config, kind)
        return obj
    if not isinstance(config, Mapping) or "class_name" not in config:
        raise TypeError(f"Could not deserialize {kind}: expected a dict with 'class_name' and 'config', got {config!r:.200}")
    name = config.get("registered_name") or config["class_name"]
    inner = config.get("config", {})
    if not isinstance(inner, Mapping):
        raise TypeError(f"Could not deserialize {kind} {name!r}: 'config' must be a dict, got {type(inner).__name__}")
    try:
        cls = resolve(name, builtins, custom_objects, kind)
    except ValueError:
        if config.get("registered_name") is None:
            raise
        cls = resolve(config["class_name"], builtins, custom_objects, kind)
    _check_base(cls, base, name, kind)
    if not hasattr(cls, "from_config"):
        raise TypeError(f"Could not deserialize {kind} {name!r}: {cls!r} has no from_config")
    with custom_object_scope(custom_objects):
        try:
            return cls.from_config(dict(inner))
        except (TypeError, ValueError, KeyError) as exc:
            raise ValueError(f"Could not deserialize {kind} {name!r} from its config: {exc}") from None


def deserialize_by_name(config: Any, builtins: Mapping[str, Any], custom_objects: Optional[Mapping[str, Any]] = None,
                        kind: str = "object", valid_names: str = "") -> Any:
    """`deserialize` as `numnet.activations`, `.initializers` and `.regularizers` offer it.

    A class named by a bare string is built with no arguments (``"l2"`` gives ``L2()``), and the
    error for an unknown name also lists the valid names.

    Args:
        config: a name or a ``{"class_name": ..., "config": {...}}`` dict.
        builtins: numnet's own objects of this kind, by name.
        custom_objects: extra user objects, by name.
        kind: what is being built ("initializer", ...), for error messages.
        valid_names: the names to list when `config` names an unknown object.

    Returns:
        The object (a class named by a bare string is built).

    Raises:
        TypeError / ValueError: as `deserialize`.
    """
    try:
        obj = deserialize(config, builtins, custom_objects, kind=kind)
    except ValueError as exc:
        if f"Unknown {kind}" in str(exc):
            raise ValueError(f"{exc} Valid {kind} names are: {valid_names}.") from None
        raise
    return obj() if isinstance(obj, type) else obj


def unknown_identifier(kind: str, valid_names: Callable[[], str], expected: str) -> Callable[[Any], ValueError]:
    """The `unknown` error builder for `get_object` of a kind whose message lists its valid names.

    Args:
        kind: what is being resolved ("constraint", ...).
        valid_names: returns the names to list.
        expected: what else `get` accepts besides a name or a config dict ("a callable ...").

    Returns:
        A function of the identifier that builds the `ValueError`.
    """
    def error(identifier: Any) -> ValueError:
        return ValueError(f"Could not interpret {kind} identifier {identifier!r}: expected one of "
                          f"{valid_names()}, a config dict or {expected}.")

    return error


def get_object(identifier: Any, builtins: Mapping[str, Any], kind: str,
               deserialize_config: Callable[[Any], Any], unknown: Callable[[Any], Exception],
               base: Optional[type] = None) -> Any:
    """The shared body of the `get(identifier)` of activations, initializers, regularizers, losses and metrics.

    As Keras does: a name is looked up in `builtins`, then among the registered objects and
    `custom_objects` in scope; a config dict is deserialized; anything else is taken as it is.
    A class (named or given) is built with no arguments, and the result must be callable.

    Args:
        identifier: a name, a config dict, a class or an object (None is the caller's to handle).
        builtins: the objects `get` accepts by name.
        kind: what is being resolved ("loss", ...), for the registry lookup.
        deserialize_config: the kind's `deserialize`, for config dicts.
        unknown: builds the error for a name nothing answers to or a result that is not callable.
        base: if given, a class found by name must be a subclass of it.

    Returns:
        The resolved object.

    Raises:
        ValueError: `unknown(identifier)`, or an error of `deserialize_config`.
    """
    if isinstance(identifier, dict):
        obj = deserialize_config(identifier)
    elif isinstance(identifier, str):
        obj = builtins.get(identifier)
        if obj is None:  # a registered name, or one in custom_objects / custom_object_scope
            try:
                obj = resolve(identifier, {}, kind=kind)
            except ValueError:
                raise unknown(identifier) from None
        if base is not None and isinstance(obj, type) and not issubclass(obj, base):
            raise unknown(identifier)
    else:
        obj = identifier
    if isinstance(obj, type):
        obj = obj()
    if not callable(obj):
        raise unknown(identifier)
    return obj
