"""`Sequential`: a plain stack of layers, each feeding the next."""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Sequence

import numpy as np

from numnet.autograd import Tensor
from numnet.autograd.masking import set_keras_mask
from numnet.layers._layer_utils import mask_array
from numnet.layers.input_layer import InputLayer
from numnet.layers.layer import Layer, _cast_keeping_mask
from numnet.layers.symbolic import SymbolicTensor
from numnet.models.model import Model, is_shape

__all__ = ["Sequential"]


def _shape_str(shape: Sequence[Any]) -> str:
    return "(" + ", ".join(str(d) for d in shape) + ("," if len(shape) == 1 else "") + ")"


class Sequential(Model):
    """A model made of layers applied one after the other.

    The input shape comes from an `Input`/`InputLayer` given as the first layer, or from
    `input_shape=` on the first layer; the model (and every layer) is then built at once.
    Otherwise it is built on the first call, or by `build(input_shape)`.

    Args:
        layers: optional list of layers to add.
        trainable: whether training updates the weights.
        name: model name (default "sequential", "sequential_1", ...).

    Raises:
        TypeError: an element of `layers` is not a layer.
        ValueError: duplicate layer names, or a misplaced `Input`.

    Example:
        >>> model = Sequential([Input((4,)), Dense(8, activation="relu"), Dense(1)])
        >>> model(np.zeros((2, 4))).shape
        (2, 1)
    """

    def __init__(self, layers: Optional[Sequence[Any]] = None, trainable: Any = True, name: Optional[str] = None,
                 **kwargs: Any) -> None:
        if isinstance(trainable, str) and name is None:  # Keras 2 order: Sequential(layers, name)
            trainable, name = True, trainable
        super().__init__(trainable=trainable, name=name, **kwargs)
        self._run_layers: List[Layer] = []
        self._input_batch_shape: Optional[tuple] = None
        self._input_dtype: Optional[str] = None
        self._input_name: Optional[str] = None
        self._input_explicit = False
        self._sym_inputs: List[SymbolicTensor] = []
        self._sym_outputs: List[SymbolicTensor] = []
        self._node_ids: set = set()
        if layers is not None:
            if isinstance(layers, Layer) or not isinstance(layers, (list, tuple)):
                raise TypeError(f"Sequential '{self.name}': layers must be a list of layers, got {type(layers).__name__}")
            for layer in layers:
                self.add(layer, rebuild=False)
            self._maybe_rebuild()

    # ----- composing ---------------------------------------------------------------------------
    def add(self, layer: Any, rebuild: bool = True) -> None:
        """Append a layer (or an `Input`, which must come first).

        Raises:
            TypeError: `layer` is not a Layer.
            ValueError: its name is already used in the model, or an `Input` is added after
                other layers.
        """
        if isinstance(layer, SymbolicTensor) and layer.node is not None and isinstance(layer.node.layer, InputLayer):
            layer = layer.node.layer
        if not isinstance(layer, Layer):
            raise TypeError(
                f"Sequential '{self.name}': add() expects a Layer instance, got {type(layer).__name__} {layer!r:.80}"
            )
        if layer is self:
            raise ValueError(f"Sequential '{self.name}': cannot add a model to itself")
        if isinstance(layer, InputLayer):
            if self._layers and isinstance(self._layers[0], InputLayer):
                raise ValueError(
                    f"Sequential '{self.name}' already has the input shape {self._layers[0].batch_shape}; "
                    f"it cannot take another Input"
                )
            if self._layers:
                raise ValueError(
                    f"Sequential '{self.name}': an Input must be the first layer, but the model already has "
                    f"layers {[la.name for la in self._layers]}"
                )
        for existing in self._layers:
            if existing.name == layer.name:
                raise ValueError(
                    f"Sequential '{self.name}': layer names must be unique, and {layer.name!r} is already the name "
                    f"of a layer in this model; pass a different name= to the layer"
                )
        if not self._layers and not isinstance(layer, InputLayer) and layer._batch_input_shape is not None:
            auto = InputLayer(batch_shape=layer._batch_input_shape, dtype=layer.dtype)
            auto._auto_input = True
            self._layers.append(auto)
        self._layers.append(layer)
        self._refresh()
        if rebuild:
            self._maybe_rebuild()
        else:
            self.built = False

    def pop(self, rebuild: bool = True) -> Layer:
        """Remove and return the last layer.

        Raises:
            TypeError: the model has no layers.
        """
        if not self._run_layers:
            raise TypeError(f"Sequential '{self.name}': there are no layers to pop")
        layer = self._layers.pop()
        self._refresh()
        if rebuild:
            self._maybe_rebuild()
        else:
            self.built = False
        return layer

    def _refresh(self) -> None:
        """Recompute the cached call list and input spec after the layers changed."""
        layers = self._layers
        first = layers[0] if layers else None
        self._run_layers = [la for la in layers if not isinstance(la, InputLayer)]
        if isinstance(first, InputLayer):
            self._input_batch_shape = first.batch_shape
            self._input_dtype = first.dtype
            self._input_name = first.name
            self._input_explicit = not getattr(first, "_auto_input", False)
        else:
            self._input_batch_shape = None
            self._input_dtype = self._run_layers[0].dtype if self._run_layers else None
            self._input_name = None
            self._input_explicit = False
        self.built = False
        self._sym_inputs, self._sym_outputs, self._node_ids = [], [], set()

    def _maybe_rebuild(self) -> None:
        self.built = False
        if self._layers and isinstance(self._layers[0], InputLayer) and len(self._layers) > 1:
            self.build(self._layers[0].batch_shape)

    # ----- building ---------------------------------------------------------------------------
    @property
    def layers(self) -> List[Layer]:
        """The layers, without the InputLayer (as in Keras)."""
        return list(self._run_layers)

    def build(self, input_shape: Any = None) -> None:
        """Build every layer for inputs of `input_shape` (batch dimension first, None allowed).

        Raises:
            ValueError: no input shape is known, it conflicts with the model's Input, or a
                layer cannot take the shape its predecessor produces.
        """
        first = self._layers[0] if self._layers else None
        if input_shape is None:
            if not isinstance(first, InputLayer):
                raise ValueError(
                    f"Sequential '{self.name}': build() needs an input_shape, e.g. model.build((None, 784)), "
                    f"since the model has no Input"
                )
            input_shape = first.batch_shape
        if not is_shape(input_shape):
            raise ValueError(
                f"Sequential '{self.name}': input_shape must be a tuple of ints/None (batch first), got {input_shape!r}"
            )
        input_shape = tuple(None if d is None else int(d) for d in input_shape)
        added = None
        if isinstance(first, InputLayer):
            if first.batch_shape != input_shape:
                raise ValueError(
                    f"Sequential '{self.name}' was given the input shape {first.batch_shape}; "
                    f"it cannot be built with input_shape {input_shape}"
                )
        else:
            added = InputLayer(batch_shape=input_shape, dtype=self._input_dtype or self.dtype)
            added._auto_input = True
            self._layers.insert(0, added)
            self._refresh()
        input_layer = self._layers[0]
        try:
            x = input_layer._inbound_nodes[0].outputs[0]
            node_ids = {id(x.node)}
            for layer in self._run_layers:
                x = layer(x)
                if not isinstance(x, SymbolicTensor):
                    raise ValueError(
                        f"Sequential '{self.name}': layer '{layer.name}' returns several tensors; every layer "
                        f"of a Sequential model must return a single tensor (use the functional API)"
                    )
                node_ids.add(id(x.node))
        except Exception:
            if added is not None:
                self._layers.remove(added)
                self._refresh()
            raise
        self._sym_inputs = [input_layer._inbound_nodes[0].outputs[0]]
        self._sym_outputs = [x]
        self._node_ids = node_ids
        self._build_shapes = input_shape
        self.built = True

    def _maybe_build(self, input_shape: Any) -> None:
        if self.built:
            return
        if is_shape(input_shape) and len(input_shape) >= 1 and self._run_layers:
            first = self._layers[0]
            if isinstance(first, InputLayer):
                self.build(first.batch_shape)
            else:
                self.build((None,) + tuple(input_shape[1:]))
        else:
            # Inputs that are not a single array (or no layers): layers build as they are called.
            self._build_shapes = input_shape
            self.built = True

    # ----- running -----------------------------------------------------------------------------
    def _convert_input(self, x: Any) -> Any:
        target = self._input_dtype or self._dtype
        if isinstance(x, Tensor):
            if x.data.dtype.kind == "f" and np.dtype(target).kind == "f" and x.data.dtype != target:
                return _cast_keeping_mask(x, target)
            return x
        if isinstance(x, (np.ndarray, np.generic, list, float, int)) and not isinstance(x, bool):
            arr = np.asarray(x)
            if arr.dtype.kind not in "biuf":
                raise TypeError(f"Sequential '{self.name}': expected numeric input, got an array of dtype {arr.dtype}")
            if arr.dtype != target:
                target_kind = np.dtype(target).kind
                if (arr.dtype.kind == "f" and target_kind == "f") or isinstance(x, (list, float)) \
                        or (self._input_explicit and (arr.dtype.kind == "f" or target_kind == "f")):
                    arr = arr.astype(target)
            return Tensor._from_op(arr, None)
        return x

    def call(self, inputs: Any, training: Optional[bool] = None, mask: Any = None) -> Any:
        """Apply the layers in order; masks pass from layer to layer as in Keras.

        Args:
            inputs: the input batch.
            training: training mode (dropout, batch statistics).
            mask: optional mask of the input (its leading dimensions, e.g. `(batch, timesteps)`),
                attached to it before the first layer.

        Raises:
            ValueError: the input's shape does not match the model's input shape (names the
                input, expected and given shapes), or a mask of the wrong shape.
            TypeError: a mask that is not boolean or numeric.
        """
        expected = self._input_batch_shape
        if expected is not None:
            shape = getattr(inputs, "shape", None)
            if shape is None or len(shape) != len(expected) or any(
                    e is not None and e != g for e, g in zip(expected, shape)):
                given = _shape_str(shape) if shape is not None else type(inputs).__name__
                raise ValueError(
                    f"Sequential '{self.name}': input '{self._input_name}' is incompatible with the model: "
                    f"expected shape {_shape_str(expected)}, got an input of shape {given}"
                )
        if mask is not None and getattr(inputs, "_keras_mask", None) is not mask:
            arr = mask_array(f"Sequential '{self.name}'", mask)
            shape = tuple(getattr(inputs, "shape", ()))
            if not isinstance(inputs, Tensor) or arr.ndim > len(shape) or arr.shape != shape[:arr.ndim]:
                raise ValueError(f"Sequential '{self.name}': the mask must have the input's leading dimensions "
                                 f"(e.g. {shape[:2]} for an input of shape {shape}), got a mask of shape {arr.shape}")
            set_keras_mask(inputs, arr)
        x = inputs
        for layer in self._run_layers:
            x = layer(x)
        return x

    def compute_output_shape(self, input_shape: Any) -> Any:
        """The output shape for `input_shape`, through every layer's `compute_output_shape`."""
        shape = input_shape
        for layer in self._run_layers:
            if not layer.built:
                layer._maybe_build(shape)
            shape = layer.compute_output_shape(shape)
        return shape

    # ----- graph-like properties (once built) ---------------------------------------------------
    @property
    def inputs(self) -> List[SymbolicTensor]:
        """The model's input symbolic tensor (a list of one), once built."""
        return list(self._sym_inputs)

    @property
    def outputs(self) -> List[SymbolicTensor]:
        """The model's output symbolic tensor (a list of one), once built."""
        return list(self._sym_outputs)

    @property
    def input(self) -> SymbolicTensor:
        """The input symbolic tensor.

        Raises:
            AttributeError: the model is not built.
        """
        if not self._sym_inputs:
            raise AttributeError(f"Sequential '{self.name}' has no defined input yet: build it or give it an Input")
        return self._sym_inputs[0]

    @property
    def output(self) -> SymbolicTensor:
        """The output symbolic tensor.

        Raises:
            AttributeError: the model is not built.
        """
        if not self._sym_outputs:
            raise AttributeError(f"Sequential '{self.name}' has no defined output yet: build it or give it an Input")
        return self._sym_outputs[0]

    @property
    def input_shape(self) -> Any:
        """The batch input shape.

        Raises:
            AttributeError: the model is not built.
        """
        if self._input_batch_shape is None:
            raise AttributeError(f"Sequential '{self.name}' has no input shape yet")
        return self._input_batch_shape

    @property
    def output_shape(self) -> Any:
        """The batch output shape (model built)."""
        return self.output.shape

    @property
    def input_names(self) -> List[str]:
        """The InputLayer's name (once known)."""
        return [self._input_name] if self._input_name is not None else []

    @property
    def output_names(self) -> List[str]:
        """The last layer's name."""
        return [self._run_layers[-1].name] if self._run_layers else []

    # ----- config ----------------------------------------------------------------------------
    def get_config(self) -> Dict[str, Any]:
        """`{"name", "trainable", "dtype", "layers": [InputLayer config first if known, ...], "build_input_shape"}`."""
        from numnet.layers import serialize

        config: Dict[str, Any] = {
            "name": self.name,
            "trainable": self.trainable,
            "dtype": self.dtype,
            "layers": [serialize(layer) for layer in self._layers],
        }
        if self._input_batch_shape is not None and self.built:
            config["build_input_shape"] = list(self._input_batch_shape)
        return config

    @classmethod
    def from_config(cls, config: Any, custom_objects: Optional[Dict[str, Any]] = None) -> "Sequential":
        """Rebuild a Sequential model from `get_config()` (also accepts a bare list of layer configs).

        Raises:
            ValueError: a malformed config or an unknown layer class.
        """
        from numnet.layers import deserialize

        if isinstance(config, list):
            config = {"layers": config}
        if not isinstance(config, dict):
            raise ValueError(f"Sequential.from_config expects a dict, got {type(config).__name__}")
        layer_configs = config.get("layers")
        if not isinstance(layer_configs, list):
            raise ValueError(f"Sequential.from_config: 'layers' must be a list, got {type(layer_configs).__name__}")
        name = config.get("name")
        if name is not None and not isinstance(name, str):
            raise ValueError(f"Sequential.from_config: 'name' must be a string, got {name!r}")
        dtype = config.get("dtype")
        try:
            model = cls(name=name, **({"dtype": dtype} if isinstance(dtype, str) else {}))
        except TypeError:
            model = cls(name=name)
        for i, layer_config in enumerate(layer_configs):
            try:
                layer = deserialize(layer_config, custom_objects)
            except TypeError as exc:
                raise ValueError(f"Sequential.from_config: layer {i}: {exc}") from None
            model.add(layer, rebuild=False)
        build_shape = config.get("build_input_shape")
        if model._input_batch_shape is not None and len(model._layers) > 1:
            model.build(model._input_batch_shape)
        elif build_shape is not None:
            if not is_shape(build_shape):
                raise ValueError(f"Sequential.from_config: bad build_input_shape {build_shape!r}")
            model.build(tuple(build_shape))
        if config.get("trainable") is False:
            model.trainable = False
        return model
