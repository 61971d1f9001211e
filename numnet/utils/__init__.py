"""Utilities: seeding, gradient checking and data helpers (as `keras.utils`).

`numnet.utils` is the base floor (NumPy only). `gradient_check` belongs to the engine
(`numnet.autograd.gradcheck`); it is re-exported here on first access, so importing the
base floor never imports the engine above it.
"""
from typing import Any

from numnet.utils.file_utils import get_file
from numnet.utils.naming import clear_session
from numnet.utils.numerical_utils import normalize, to_categorical
from numnet.utils.progbar import Progbar
from numnet.utils.py_dataset import PyDataset
from numnet.utils.random import set_random_seed
from numnet.utils.sequence_utils import pad_sequences
from numnet.utils.serialization import (
    custom_object_scope,
    get_custom_objects,
    get_registered_name,
    register_serializable as register_keras_serializable,
)

__all__ = ["gradient_check", "set_random_seed", "clear_session", "to_categorical", "normalize", "PyDataset",
           "pad_sequences", "Progbar", "get_file", "register_keras_serializable", "custom_object_scope",
           "get_custom_objects", "get_registered_name"]


def __getattr__(name: str) -> Any:
    """Resolve `numnet.utils.gradient_check` lazily (it lives one floor up, in the engine).

    Raises:
        AttributeError: any other unknown name.
    """
    if name == "gradient_check":
        from numnet.autograd.gradcheck import gradient_check

        globals()["gradient_check"] = gradient_check
        return gradient_check
    raise AttributeError(f"module 'numnet.utils' has no attribute {name!r}")
