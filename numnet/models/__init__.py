"""Models: `Model` (functional graphs and subclassing), `Sequential`, and loading helpers."""
from __future__ import annotations

import json
from typing import Any, Dict, Optional

from numnet.models.model import Model
from numnet.models.functional import Functional
from numnet.models.sequential import Sequential
from numnet.models.cloning import clone_model

__all__ = ["Model", "Functional", "Sequential", "clone_model", "load_model", "save_model", "model_from_json"]


def save_model(model: Model, filepath: Any, overwrite: bool = True, **kwargs: Any) -> None:
    """Save a whole model to one file, as `model.save` does (delegates to `numnet.saving.save_model`).

    Args:
        model: the model to save.
        filepath: the path of the file to write.
        overwrite: replace an existing file (False raises instead).
        **kwargs: passed on to `numnet.saving.save_model`.
    """
    from numnet import saving

    saving.save_model(model, filepath, overwrite=overwrite, **kwargs)


def load_model(filepath: Any, custom_objects: Optional[Dict[str, Any]] = None, compile: bool = True,
               **kwargs: Any) -> Model:
    """Load a model saved with `model.save` (delegates to `numnet.saving.load_model`).

    Args:
        filepath: path of the file written by `model.save`.
        custom_objects: extra names to resolve (user classes and functions).
        compile: also restore the compile state (optimizer, loss, metrics) saved with the model.
        **kwargs: passed on to `numnet.saving.load_model`.

    Returns:
        The model.
    """
    from numnet import saving

    return saving.load_model(filepath, custom_objects=custom_objects, compile=compile, **kwargs)


def model_from_json(json_string: str, custom_objects: Optional[Dict[str, Any]] = None) -> Model:
    """Rebuild a model (new weights) from `model.to_json()`.

    Args:
        json_string: the output of `model.to_json()`.
        custom_objects: extra names to resolve (user classes and functions).

    Returns:
        The model.

    Raises:
        ValueError: the string is not valid JSON or not a model config.
    """
    from numnet.layers import deserialize

    try:
        config = json.loads(json_string)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"model_from_json: not a valid JSON model description ({exc})") from None
    model = deserialize(config, custom_objects)
    if not isinstance(model, Model):
        raise ValueError(f"model_from_json: the JSON describes a {type(model).__name__}, not a model")
    return model
