"""Layers: the `Layer` contract, `Input`, and one module per layer family.

Each family module lists its classes in `__all__`; all are exported here.
"""
import importlib as _importlib

from numnet.layers.layer import Layer
from numnet.layers.input_layer import Input, InputLayer
from numnet.layers.symbolic import Node, SymbolicTensor

_FAMILIES = (
    "core", "reshaping", "regularization", "convolutional", "pooling", "normalization",
    "embedding", "merging", "activation_layers", "recurrent", "einsum_dense", "attention",
    "preprocessing",
)
for _family in _FAMILIES:
    _module = _importlib.import_module(f"numnet.layers.{_family}")
    for _name in getattr(_module, "__all__", ()):
        globals()[_name] = getattr(_module, _name)


def serialize(layer: Layer) -> dict:
    """The config dict of a layer: `{"class_name": ..., "config": layer.get_config()}`.

    Args:
        layer: a Layer or Model.

    Returns:
        `{'class_name': ..., 'config': ...}`, JSON-serialisable.
    """
    from numnet.utils import serialization

    return serialization.serialize(layer)


def deserialize(config: dict, custom_objects: dict = None) -> Layer:
    """Build a layer (or model) from `serialize`'s output.

    Only numnet's own layer classes, registered classes and `custom_objects` are built.

    Args:
        config: a dict as produced by `serialize`.
        custom_objects: extra names to resolve (user classes and functions).

    Returns:
        The rebuilt layer (new weights).

    Raises:
        ValueError: the class name is unknown (the message says how to make it known).
        TypeError: the name resolves to something that is not a Layer class.
    """
    from numnet.layers.layer import _BUILTIN_LAYERS
    from numnet.utils import serialization

    # Private helpers and abstract bases (`_Merge`, `BaseConv`) are not buildable by name.
    public = {k: v for k, v in _BUILTIN_LAYERS.items() if not k.startswith(("_", "Base"))}
    return serialization.deserialize(config, public, custom_objects, kind="layer", base=Layer)
