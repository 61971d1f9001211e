"""Optimizers with Keras 3 names, arguments and update rules, plus learning-rate schedules.

`get(identifier)` accepts a name (case-insensitive: "adam", "SGD", "rmsprop", ...), a config
dict, or an `Optimizer` instance.
"""
from __future__ import annotations

from typing import Any, Dict, Optional

from numnet.optimizers import schedules
from numnet.optimizers.adadelta import Adadelta
from numnet.optimizers.adagrad import Adagrad
from numnet.optimizers.adam import Adam
from numnet.optimizers.adamax import Adamax
from numnet.optimizers.adamw import AdamW
from numnet.optimizers.nadam import Nadam
from numnet.optimizers.optimizer import Optimizer
from numnet.optimizers.rmsprop import RMSprop
from numnet.optimizers.sgd import SGD
from numnet.utils import serialization as _serialization

__all__ = ["Optimizer", "SGD", "Adam", "AdamW", "Nadam", "RMSprop", "Adagrad", "Adadelta", "Adamax",
           "schedules", "get", "serialize", "deserialize"]

_CLASSES = (SGD, Adam, AdamW, Nadam, RMSprop, Adagrad, Adadelta, Adamax)
BUILTINS: Dict[str, Any] = {cls.__name__.lower(): cls for cls in _CLASSES}
BUILTINS.update({cls.__name__: cls for cls in _CLASSES})


def serialize(optimizer: Optimizer) -> Dict[str, Any]:
    """An optimizer as ``{"class_name": ..., "config": {...}}`` (its state is not included)."""
    return _serialization.serialize(optimizer)


def deserialize(config: Any, custom_objects: Optional[Dict[str, Any]] = None) -> Optimizer:
    """Build an optimizer from `serialize`'s output (class names are case-insensitive).

    Raises:
        ValueError: an unknown optimizer name (the message lists the valid names) or bad arguments.
    """
    if isinstance(config, dict) and isinstance(config.get("class_name"), str) \
            and config["class_name"].lower() in BUILTINS and not config.get("registered_name"):
        config = dict(config, class_name=config["class_name"].lower())
    try:
        return _serialization.deserialize(config, BUILTINS, custom_objects, kind="optimizer")
    except ValueError as exc:
        if "Unknown optimizer" in str(exc):
            raise ValueError(f"{exc} Valid names: {', '.join(sorted(c.__name__.lower() for c in _CLASSES))}") from None
        raise


def get(identifier: Any) -> Optional[Optimizer]:
    """Resolve an optimizer identifier as Keras does.

    Args:
        identifier: None, a name ("adam", "sgd", "rmsprop", "adamw", "nadam", "adagrad",
            "adadelta", "adamax"; any case), a config dict or an `Optimizer`.

    Returns:
        None or a new (for names/configs) or the given optimizer.

    Raises:
        ValueError: an unknown name (listing the valid ones) or an uninterpretable identifier.
    """
    if identifier is None or isinstance(identifier, Optimizer):
        return identifier
    names = ", ".join(sorted(c.__name__.lower() for c in _CLASSES))
    if isinstance(identifier, str):
        cls = BUILTINS.get(identifier.lower())
        if cls is None:
            raise ValueError(f"Could not interpret optimizer identifier: {identifier!r}. Valid names: {names}")
        return cls()
    if isinstance(identifier, dict):
        return deserialize(identifier)
    raise ValueError(f"Could not interpret optimizer identifier: {identifier!r} (expected a name such as "
                     f"{names}, a config dict or an Optimizer)")
