"""Saving and loading: Keras 3 `.keras` archives, HDF5 weights and model files, Keras weight files.

`save_model`/`load_model` keep architecture, weights, compile configuration and optimizer
state in one file: Keras 3's native `.keras` zip archive (read and written both ways with
Keras) or numnet's HDF5 layout (``.h5``); `save_weights`/`load_weights` keep only the weights
(and load Keras 3 ``.weights.h5``, ``.keras`` and Keras 2 ``.h5`` files too). Loading is safe
with untrusted files: nothing is unpickled or executed, and risky zip and HDF5 features are
refused (see docs/saving.md).
"""
from typing import Any, Optional

from numnet.saving.h5_io import CorruptFileError, FileLayoutError, UnsafeFileError
from numnet.saving.model_io import FORMAT_VERSION, load_model, load_weights, save_model, save_weights
from numnet.utils.serialization import (
    custom_object_scope,
    get_custom_objects,
    get_registered_name,
    register_serializable,
)

register_keras_serializable = register_serializable
CustomObjectScope = custom_object_scope


def get_registered_object(name: str, custom_objects: Optional[dict] = None, module_objects: Optional[dict] = None) -> Any:
    """The object registered (or passed in `custom_objects`/`module_objects`) under `name`, or None."""
    from numnet.utils import serialization

    try:
        return serialization.resolve(name, module_objects or {}, custom_objects, kind="object")
    except (TypeError, ValueError):
        return None


__all__ = [
    "save_model", "load_model", "save_weights", "load_weights", "register_serializable",
    "register_keras_serializable", "custom_object_scope", "CustomObjectScope", "get_custom_objects",
    "get_registered_name", "get_registered_object", "FORMAT_VERSION", "CorruptFileError",
    "UnsafeFileError", "FileLayoutError",
]
