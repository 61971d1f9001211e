"""`clone_model`: the same architecture with fresh (or shared, via `clone_function`) layers."""
from __future__ import annotations

from typing import Any, Callable, Optional

from numnet.layers.input_layer import InputLayer
from numnet.layers.layer import Layer

__all__ = ["clone_model"]


def _default_clone(layer: Layer) -> Layer:
    return type(layer).from_config(layer.get_config())


def clone_model(model: Any, input_tensors: Any = None, clone_function: Optional[Callable[[Layer], Layer]] = None,
                **kwargs: Any) -> Any:
    """A new model with the architecture of `model` and newly initialised weights (Keras semantics).

    Args:
        model: a Sequential, functional or subclassed model.
        input_tensors: not supported (must be None).
        clone_function: maps each original layer to the layer used in the clone (default:
            `layer.__class__.from_config(layer.get_config())`; return the layer itself to share it).

    Returns:
        The cloned model (same names, new weights unless `clone_function` shares layers).

    Raises:
        ValueError: `input_tensors` is given, or `model` is not a model.
    """
    from numnet.models.functional import Functional, functional_from_config
    from numnet.models.model import Model
    from numnet.models.sequential import Sequential

    if input_tensors is not None:
        raise ValueError("clone_model: input_tensors is not supported by numnet; clone, then call the clone on them")
    if not isinstance(model, Model):
        raise ValueError(f"clone_model expects a model, got {type(model).__name__}")
    clone = clone_function or _default_clone
    if isinstance(model, Sequential):
        layers = []
        first = model._layers[0] if model._layers else None
        if isinstance(first, InputLayer) and not getattr(first, "_auto_input", False):
            layers.append(InputLayer.from_config(first.get_config()))
        layers += [clone(layer) for layer in model.layers]
        new = Sequential(layers, name=model.name, trainable=model.trainable)
        if model.built and not new.built and model._input_batch_shape is not None:
            new.build(model._input_batch_shape)
        return new
    if isinstance(model, Functional):
        originals = {layer.name: layer for layer in model.layers}

        def factory(layer_config: dict) -> Layer:
            original = originals[layer_config["config"]["name"]]
            if isinstance(original, InputLayer):
                return InputLayer.from_config(original.get_config())
            return clone(original)

        return functional_from_config(Functional, model.get_config(), layer_factory=factory)
    return type(model).from_config(model.get_config())
