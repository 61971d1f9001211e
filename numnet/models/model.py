"""`Model`: a `Layer` that can be trained (the `Trainer` mixin), summarised and saved.

`Model(inputs, outputs)` builds a functional model (`Functional`); subclassing `Model`
(layers made in `__init__`, computation in `call`) gives a model whose weights are
tracked from its attributes, as in Keras.
"""
from __future__ import annotations

import inspect
import json
from typing import Any, Callable, Dict, List, Optional, Sequence

import numpy as np

from numnet.autograd import no_grad
from numnet.layers.layer import Layer

from numnet.trainers.trainer import Trainer

__all__ = ["Model"]

_MODEL_KWARGS = ("name", "trainable", "dtype")
_FUNCTIONAL_SUBCLASSES: Dict[type, type] = {}


def is_functional_call(args: tuple, kwargs: Dict[str, Any]) -> bool:
    """True when constructor arguments are those of a functional model: (inputs, outputs)."""
    return (
        len(args) == 2
        or (len(args) == 1 and "outputs" in kwargs)
        or ("inputs" in kwargs and "outputs" in kwargs)
    )


def is_shape(value: Any) -> bool:
    """True for one shape: a tuple/list of ints and Nones (not a structure of shapes)."""
    return isinstance(value, (tuple, list)) and all(
        d is None or (isinstance(d, (int, np.integer)) and not isinstance(d, bool)) for d in value
    )


def map_shapes(func: Callable[[tuple], Any], structure: Any) -> Any:
    """Apply `func` to every shape in a structure of shapes (a shape is never descended into)."""
    if is_shape(structure):
        return func(tuple(structure))
    if isinstance(structure, dict):
        return {k: map_shapes(func, v) for k, v in structure.items()}
    if isinstance(structure, (list, tuple)):
        return type(structure)(map_shapes(func, s) for s in structure)
    raise ValueError(f"Expected a shape (tuple of ints/None) or a list/dict of shapes, got {structure!r}")


class Model(Trainer, Layer):
    """A trainable group of layers, with `compile`/`fit`/`evaluate`/`predict` and `summary`.

    Two ways to make one (as in Keras):

    * functional: ``Model(inputs, outputs, name=None)`` with symbolic tensors from
      `numnet.Input`, returning a `Functional` model;
    * subclassing: ``class MyModel(Model)`` creating layers in ``__init__`` (after
      ``super().__init__()``) and computing in ``call(inputs, training=None)``.

    Constructor arguments, positional or by keyword:

    * ``inputs``, ``outputs`` (functional form): symbolic tensors, or lists/dicts of them;
    * ``name``: model name (default generated: "model", "model_1", ... or the class name);
    * ``trainable``: whether training updates the weights;
    * ``dtype``: float dtype of the model's own computations (default "float32").

    Raises:
        TypeError: an unknown keyword argument.
    """

    def __new__(cls, *args: Any, **kwargs: Any) -> "Model":
        if cls is Model and is_functional_call(args, kwargs):
            from numnet.models.functional import Functional

            return Functional.__new__(Functional, *args, **kwargs)
        return super().__new__(cls, *args, **kwargs)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        from numnet.models.functional import Functional

        if is_functional_call(args, kwargs) and not isinstance(self, Functional):
            # A subclass calling super().__init__(inputs, outputs): make it a functional subclass.
            cls = type(self)
            functional_cls = _FUNCTIONAL_SUBCLASSES.get(cls)
            if functional_cls is None:
                functional_cls = type(cls.__name__, (cls, Functional),
                                      {"__module__": cls.__module__, "__qualname__": cls.__qualname__})
                _FUNCTIONAL_SUBCLASSES[cls] = functional_cls
            self.__class__ = functional_cls
            Functional.__init__(self, *args, **kwargs)
            return
        if args:
            raise TypeError(
                f"{type(self).__name__}: Model() takes (inputs, outputs) or keyword arguments "
                f"{list(_MODEL_KWARGS)}, got {len(args)} positional argument(s)"
            )
        unknown = [k for k in kwargs if k not in _MODEL_KWARGS]
        if unknown:
            raise TypeError(
                f"{type(self).__name__}: unexpected keyword argument(s) {sorted(unknown)} for Model "
                f"(accepted: {list(_MODEL_KWARGS)})"
            )
        Layer.__init__(self, **kwargs)
        self._init_trainer()

    def _init_trainer(self) -> None:
        init = Trainer.__dict__.get("__init__")
        if init is not None:
            init(self)

    # ----- building ---------------------------------------------------------------------------
    def build(self, input_shape: Any = None) -> None:
        """Build a subclassed model by running `call` once on zeros of `input_shape`.

        Args:
            input_shape: a shape (batch dimension first, None allowed) or a list/dict of shapes.

        Raises:
            ValueError: `input_shape` is missing or malformed, or `call` fails on it.
        """
        if self.built:
            return
        if input_shape is None:
            raise ValueError(f"Model '{self.name}': build() needs the input shape, e.g. model.build((None, 784))")
        try:
            dummy = map_shapes(
                lambda s: np.zeros(tuple(1 if d is None else int(d) for d in s), dtype=self._dtype), input_shape
            )
        except ValueError as exc:
            raise ValueError(f"Model '{self.name}': build(input_shape) got a bad input_shape: {exc}") from None
        self.built = True
        self._build_shapes = map_shapes(tuple, input_shape)
        try:
            with no_grad():
                self(dummy, training=False)
        except Exception:
            self.built = False
            raise
        self._clear_losses()

    def _maybe_build(self, input_shape: Any) -> None:
        if self.built:
            return
        if type(self).build is Model.build:
            # `call` is about to run on real data and builds every sub-layer on the way.
            if self._build_shapes is None:
                self._build_shapes = input_shape
            self.built = True
            return
        super()._maybe_build(input_shape)

    # ----- introspection ----------------------------------------------------------------------------
    @property
    def layers(self) -> List[Layer]:
        """The model's layers (sub-layers assigned as attributes, in assignment order)."""
        return list(self._layers)

    def get_layer(self, name: Optional[str] = None, index: Optional[int] = None) -> Layer:
        """Return a layer by name or by index in `layers`.

        Raises:
            ValueError: both or neither of name/index given, or no such layer (lists the names).
        """
        if name is not None and index is not None:
            raise ValueError(f"Model '{self.name}': get_layer takes a name or an index, not both "
                             f"(got name={name!r}, index={index!r})")
        layers = self.layers
        if index is not None:
            if not isinstance(index, (int, np.integer)) or isinstance(index, bool):
                raise ValueError(f"Model '{self.name}': get_layer index must be an int, got {index!r}")
            if not -len(layers) <= index < len(layers):
                raise ValueError(f"Model '{self.name}': get_layer index {index} is out of range: "
                                 f"the model has {len(layers)} layers")
            return layers[index]
        if name is not None:
            for layer in layers:
                if layer.name == name:
                    return layer
            raise ValueError(f"Model '{self.name}' has no layer named {name!r}. "
                             f"Its layers are: {[layer.name for layer in layers]}")
        raise ValueError(f"Model '{self.name}': get_layer needs a layer name or index")

    def summary(self, line_length: Optional[int] = None, positions: Optional[Sequence[float]] = None,
                print_fn: Optional[Callable[..., Any]] = None, expand_nested: bool = False,
                show_trainable: bool = False, layer_range: Optional[Sequence[str]] = None) -> None:
        """Print a table of the layers (name and type, output shape, parameter count) and the totals.

        Args:
            line_length: total width of the table (default 88, or 108 with "Connected to").
            positions: right edges of the columns, as fractions of the width or absolute.
            print_fn: called with the whole summary text instead of `print`.
            expand_nested: also list the layers of nested models.
            show_trainable: add a "Trainable" column (Y/N, "-" for layers without weights).
            layer_range: (first name, last name) regexes: print only that slice of layers.

        Unbuilt layers show "?" as output shape and "0 (unbuilt)" as parameter count (as in Keras).

        Raises:
            ValueError: `line_length`/`positions` leave no room for a column, or `layer_range`
                matches no layer.
        """
        from numnet.models.summary import print_summary

        print_summary(self, line_length=line_length, positions=positions, print_fn=print_fn,
                      expand_nested=expand_nested, show_trainable=show_trainable, layer_range=layer_range)

    # ----- config ----------------------------------------------------------------------------
    @classmethod
    def from_config(cls, config: Dict[str, Any], custom_objects: Optional[Dict[str, Any]] = None) -> "Model":
        """Rebuild a model from `get_config()`: a functional config makes a `Functional`.

        Raises:
            ValueError: a malformed config.
        """
        from numnet.models.functional import Functional, functional_from_config

        if not isinstance(config, dict):
            raise ValueError(f"{cls.__name__}.from_config expects a dict, got {type(config).__name__}")
        if all(k in config for k in ("layers", "input_layers", "output_layers")):
            if cls is Model or cls is Functional:
                return functional_from_config(Functional, config, custom_objects)
            params = [p for p in inspect.signature(cls.__init__).parameters.values()][1:]
            names = [p.name for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
            kinds = {p.kind for p in params}
            if names[:2] == ["inputs", "outputs"] or (
                    not names and inspect.Parameter.VAR_POSITIONAL in kinds and inspect.Parameter.VAR_KEYWORD in kinds):
                return functional_from_config(cls, config, custom_objects)
        try:
            return cls(**config)
        except TypeError as exc:
            raise ValueError(
                f"Could not rebuild {cls.__name__} from its config ({exc}). A subclassed model must return "
                f"every constructor argument from get_config() (or implement from_config())."
            ) from None

    def to_json(self, **kwargs: Any) -> str:
        """The model's architecture as a JSON string (`numnet.models.model_from_json` reads it)."""
        from numnet.layers import serialize

        return json.dumps(serialize(self), **kwargs)

    # ----- saving (numnet.saving does the work) -------------------------------------------------
    def save(self, filepath: Any, overwrite: bool = True, **kwargs: Any) -> None:
        """Save the whole model (architecture, weights, optimizer state) to an HDF5 file."""
        from numnet import saving

        saving.save_model(self, filepath, overwrite=overwrite, **kwargs)

    def save_weights(self, filepath: Any, overwrite: bool = True, **kwargs: Any) -> None:
        """Save the weights to an HDF5 file."""
        from numnet import saving

        saving.save_weights(self, filepath, overwrite=overwrite, **kwargs)

    def load_weights(self, filepath: Any, skip_mismatch: bool = False, **kwargs: Any) -> None:
        """Load weights saved by `save_weights` (or a Keras weights file)."""
        from numnet import saving

        saving.load_weights(self, filepath, skip_mismatch=skip_mismatch, **kwargs)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} name={self.name}, built={self.built}>"
