"""Losses with Keras 3 names: classes (`MeanSquaredError`, ...) and per-sample functions (`mse`, ...).

`get(identifier)` follows Keras: a function name or alias ("mse", "binary_crossentropy")
gives the per-sample function, a class name ("MeanSquaredError") an instance, a config
dict the deserialized object, and a `Loss` or callable passes through. `as_loss` always
gives a `Loss` object (wrapping plain functions), which is what a trainer wants.
"""
from __future__ import annotations

from typing import Any, Callable, Dict, Optional, Union

from numnet.losses.focal import *  # noqa: F401,F403
from numnet.losses.focal import __all__ as _focal_all
from numnet.losses.hinge import *  # noqa: F401,F403
from numnet.losses.hinge import __all__ as _hinge_all
from numnet.losses.loss import Loss, LossFunctionWrapper, reduce_weighted_values, standardize_reduction
from numnet.losses.overlap import *  # noqa: F401,F403
from numnet.losses.overlap import __all__ as _overlap_all
from numnet.losses.probabilistic import *  # noqa: F401,F403
from numnet.losses.probabilistic import __all__ as _probabilistic_all
from numnet.losses.regression import *  # noqa: F401,F403
from numnet.losses.regression import __all__ as _regression_all
from numnet.utils import serialization as _serialization

_EXPORTED = _regression_all + _probabilistic_all + _focal_all + _hinge_all + _overlap_all
BUILTINS: Dict[str, Any] = {name: globals()[name] for name in _EXPORTED if name != "convert_binary_labels_to_hinge"}
BUILTINS.update({"Loss": Loss, "LossFunctionWrapper": LossFunctionWrapper})

__all__ = ["Loss", "LossFunctionWrapper", "get", "as_loss", "serialize", "deserialize",
           "reduce_weighted_values", "standardize_reduction"] + list(_EXPORTED)


def serialize(loss: Any) -> Any:
    """A loss object as a config dict (a function as its name)."""
    return _serialization.serialize(loss)


def deserialize(config: Any, custom_objects: Optional[Dict[str, Any]] = None) -> Any:
    """Build a loss (or loss function) from `serialize`'s output or a name.

    Raises:
        ValueError: the config names an unknown loss.
    """
    return _serialization.deserialize(config, BUILTINS, custom_objects, kind="loss")


_BY_NAME = {name: obj for name, obj in BUILTINS.items() if name not in ("Loss", "LossFunctionWrapper")}


def _unknown(identifier: Any) -> ValueError:
    names = sorted(_BY_NAME)
    return ValueError(f"Could not interpret loss identifier: {identifier!r}. Valid names: {', '.join(names)}. "
                      f"A custom loss must be decorated with @numnet.saving.register_serializable() or passed "
                      f"in custom_objects when loading")


def get(identifier: Any) -> Union[Loss, Callable, None]:
    """Resolve a loss identifier as Keras does.

    Args:
        identifier: None, a name string, a config dict, a `Loss` instance or class, or a callable.

    Returns:
        None, a `Loss` instance, or a per-sample loss function.

    Raises:
        ValueError: an unknown name (the message lists the valid names) or an uninterpretable object.
    """
    if identifier is None:
        return None
    return _serialization.get_object(identifier, _BY_NAME, "loss", deserialize, _unknown, base=Loss)


def as_loss(identifier: Any) -> Optional[Loss]:
    """Like `get`, but plain functions are wrapped in a `LossFunctionWrapper` named after them.

    Returns:
        None (for None) or a `Loss` whose ``__call__(y_true, y_pred, sample_weight)`` gives a scalar.
    """
    obj = get(identifier)
    if obj is None or isinstance(obj, Loss):
        return obj
    return LossFunctionWrapper(obj, name=getattr(obj, "__name__", None))
