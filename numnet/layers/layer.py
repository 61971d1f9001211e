"""`Layer`: the contract every layer and model follows (Keras 3's, on numnet's engine).

A layer owns Variables (made in `build` with `add_weight`), computes `call(inputs)` with
numnet.ops, and describes itself with `get_config`. `__call__` converts arrays to Tensors,
builds on first use, passes `training` down to nested layers, propagates Keras masks (the
input's `_keras_mask` goes to `call(..., mask=...)`, and `compute_mask` gives the output's),
and, on symbolic inputs (`numnet.Input`), records a node for a functional model instead of
computing.
"""
from __future__ import annotations

import inspect
import math
import threading
import warnings
from typing import Any, Dict, List, NamedTuple, Optional, Sequence

import numpy as np

from numnet.autograd import Tensor, Variable, no_grad
from numnet.autograd.masking import get_keras_mask, set_keras_mask
from numnet.config.settings import floatx
from numnet.layers.symbolic import Node, SymbolicTensor, flatten, map_structure
from numnet.utils.naming import to_snake_case, unique_name
from numnet.utils.serialization import charge_allocation

_call_context = threading.local()
_BUILTIN_LAYERS: Dict[str, type] = {}


class _CallSpec(NamedTuple):
    """What `Layer.__call__` needs to know about a class's `call`, worked out once per class."""

    params: tuple  # parameter names of `call` (without self)
    has_mask: bool  # `call` takes `mask`
    named_masks: bool  # `call` takes some `<arg>_mask` for another argument `<arg>`
    computes_mask: bool  # the class overrides `compute_mask`
    fills_masks: bool  # has_mask or named_masks
    accepts_training: bool  # `call` takes `training` (or **kwargs)
    training_default: Any  # the default of `call`'s `training`


_CALL_SPECS: Dict[type, _CallSpec] = {}
_layers_with_losses: set = set()  # ids of layers holding add_loss values (may hold stale ids)


def _context_stack() -> list:
    stack = getattr(_call_context, "stack", None)
    if stack is None:
        stack = _call_context.stack = []
    return stack


def _is_tensor_argument(value: Any) -> bool:
    """Keras's notion of a tensor argument of `call`: a tensor, or a non-empty structure of tensors
    (Nones allowed)."""
    if isinstance(value, (Tensor, np.ndarray, SymbolicTensor)):
        return True
    if isinstance(value, (list, tuple, dict)) and len(value) > 0:
        return all(v is None or isinstance(v, (Tensor, np.ndarray, SymbolicTensor)) for v in flatten(value))
    return False


def _cast_keeping_mask(x: Tensor, dtype: Any) -> Tensor:
    """`ops.cast(x, dtype)` carrying `x`'s Keras mask over (a layer's input autocast keeps the mask).

    Args:
        x: the input tensor.
        dtype: the layer's dtype.

    Returns:
        The cast tensor, with `x._keras_mask` attached.
    """
    from numnet import ops

    out = ops.cast(x, dtype)
    out._keras_mask = x._keras_mask
    return out


def _any_mask(masks: Any) -> bool:
    return masks is not None and any(m is not None for m in flatten(masks))


def _json_safe(value: Any) -> bool:
    if value is None or isinstance(value, (bool, int, float, str)):
        return True
    if isinstance(value, (list, tuple)):
        return all(_json_safe(v) for v in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and _json_safe(v) for k, v in value.items())
    return False


class Layer:
    """Base class of all layers (and of models).

    Subclasses implement `build(input_shape)` (create weights with `add_weight`),
    `call(inputs, training=None)` (the computation, on Tensors, with numnet.ops),
    `compute_output_shape(input_shape)` when it can be given without running `call`,
    and `get_config()` returning the constructor arguments. For masks (Keras 3's rules),
    `call` may take `mask=None`, and `supports_masking` / `compute_mask(inputs, mask)` give
    the output's mask.

    Args:
        trainable: whether the layer's weights are updated by training.
        name: unique name; generated from the class name (`dense`, `dense_1`, ...) if None.
        dtype: dtype of the weights and of float computations (default `numnet.config.floatx()`, "float32").
        **kwargs: `input_shape`/`input_dim`/`batch_input_shape` (let a Sequential model
            build from its first layer) and `activity_regularizer` (a penalty on the
            outputs, divided by the batch size as in Keras, added to `losses`).

    Raises:
        TypeError: an unknown keyword argument.
    """

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if cls.__module__.startswith("numnet."):
            _BUILTIN_LAYERS[cls.__name__] = cls

    def __new__(cls, *args: Any, **kwargs: Any) -> "Layer":
        instance = super().__new__(cls)
        try:
            signature = inspect.signature(cls.__init__)
            params = dict(signature.bind(None, *args, **kwargs).arguments)
            params.pop(next(iter(params)), None)  # self
            for p in signature.parameters.values():
                if p.kind is p.VAR_KEYWORD:
                    params.update(params.pop(p.name, None) or {})
            instance._auto_config = params if _json_safe(params) else None
        except TypeError:
            instance._auto_config = None
        return instance

    def __init__(self, trainable: bool = True, name: Optional[str] = None, dtype: Any = None, **kwargs: Any) -> None:
        input_shape = kwargs.pop("input_shape", None)
        input_dim = kwargs.pop("input_dim", None)
        batch_input_shape = kwargs.pop("batch_input_shape", kwargs.pop("batch_shape", None))
        activity_regularizer = kwargs.pop("activity_regularizer", None)
        kwargs.pop("autocast", None)
        if kwargs:
            raise TypeError(f"{type(self).__name__}: unexpected keyword argument(s) {sorted(kwargs)}")
        if name is not None and not isinstance(name, str):
            raise TypeError(f"{type(self).__name__}: name must be a string, got {name!r}")
        from numnet import regularizers
        from numnet.layers._layer_utils import layer_label, lookup

        label = layer_label(self, {"name": name})
        activity_regularizer = lookup(regularizers.get, activity_regularizer, label, "activity_regularizer")
        try:
            np_dtype = np.dtype(dtype or floatx())
        except TypeError:
            raise TypeError(f"{label}: dtype must be a NumPy dtype name such as 'float32', got dtype={dtype!r}") from None
        object.__setattr__(self, "_layers", [])
        object.__setattr__(self, "_tracked_variables", [])
        self.name = name or unique_name(to_snake_case(type(self).__name__))
        self._dtype = np_dtype.name
        self._trainable = bool(trainable)
        self.built = False
        self._losses: List[Tensor] = []
        self._inbound_nodes: List[Node] = []
        self._build_shapes: Any = None
        if batch_input_shape is not None:
            self._batch_input_shape = tuple(batch_input_shape)
        elif input_shape is not None:
            self._batch_input_shape = (None,) + tuple(input_shape)
        elif input_dim is not None:
            self._batch_input_shape = (None, int(input_dim))
        else:
            self._batch_input_shape = None
        self.activity_regularizer = activity_regularizer

    # ----- attribute tracking: sub-layers and variables assigned as attributes --------------
    def __setattr__(self, key: str, value: Any) -> None:
        if not key.startswith("_") or key == "_layers":
            tracked = self.__dict__.get("_layers")
            if tracked is not None:
                items = value if isinstance(value, (list, tuple)) else tuple(value.values()) if isinstance(value, dict) else (value,)
                for item in items:
                    if isinstance(item, Layer) and item is not self and not any(x is item for x in tracked):
                        tracked.append(item)
                    elif isinstance(item, Variable) and not any(x is item for x in self._tracked_variables):
                        self._tracked_variables.append(item)
        object.__setattr__(self, key, value)

    # ----- properties -----------------------------------------------------------------------
    @property
    def dtype(self) -> str:
        """The layer's float dtype name (weights and computations)."""
        return self._dtype

    compute_dtype = dtype
    variable_dtype = dtype

    _supports_masking: Optional[bool] = None  # None: True exactly when the class overrides compute_mask

    @property
    def supports_masking(self) -> bool:
        """Whether the layer computes an output mask with `compute_mask` (else an input mask is dropped).

        As in Keras, it defaults to True for a class that overrides `compute_mask`; built-in
        layers that let a mask through (Dense, Dropout, normalization, activations, ...) set it.
        """
        value = self._supports_masking
        if value is None:
            return type(self).compute_mask is not Layer.compute_mask
        return value

    @supports_masking.setter
    def supports_masking(self, value: bool) -> None:
        self._supports_masking = bool(value)

    @property
    def trainable(self) -> bool:
        """Whether training updates this layer's weights; setting it (un)freezes sub-layers too."""
        return self._trainable

    @trainable.setter
    def trainable(self, value: bool) -> None:
        value = bool(value)
        for layer in self._flatten_layers():
            layer._trainable = value
            for v in layer._tracked_variables:
                v.requires_grad = value and v.trainable and v.data.dtype.kind == "f"

    @property
    def layers(self) -> List["Layer"]:
        """Directly nested layers (tracked from attributes)."""
        return list(self._layers)

    def _flatten_layers(self, include_self: bool = True) -> List["Layer"]:
        """This layer and every nested layer, depth first, each once."""
        out, seen, stack = [], set(), [self] if include_self else list(reversed(self._layers))
        while stack:
            layer = stack.pop()
            if id(layer) in seen:
                continue
            seen.add(id(layer))
            out.append(layer)
            stack.extend(reversed(layer._layers))
        return out

    @property
    def weights(self) -> List[Variable]:
        """All weights: this layer's own (trainable first, then non-trainable), then nested layers'."""
        own = self._tracked_variables
        ordered = [v for v in own if v.trainable] + [v for v in own if not v.trainable]
        seen = {id(v) for v in ordered}
        for layer in self._layers:
            for v in layer.weights:
                if id(v) not in seen:
                    seen.add(id(v))
                    ordered.append(v)
        return ordered

    variables = weights

    @property
    def trainable_weights(self) -> List[Variable]:
        """Weights that training updates (none when the layer is frozen)."""
        if not self._trainable:
            return []
        return [v for v in self.weights if v.trainable and v.requires_grad]

    trainable_variables = trainable_weights

    @property
    def non_trainable_weights(self) -> List[Variable]:
        """Weights training leaves alone (all of them when the layer is frozen)."""
        if not self._trainable:
            return self.weights
        return [v for v in self.weights if not (v.trainable and v.requires_grad)]

    non_trainable_variables = non_trainable_weights

    @property
    def losses(self) -> List[Tensor]:
        """Losses from `add_loss` during the last call plus the weight regularization penalties."""
        out: List[Tensor] = []
        for layer in self._flatten_layers():
            out.extend(layer._losses)
            for v in layer._tracked_variables:
                if v.regularizer is not None and v.trainable and layer._trainable:
                    out.append(v.regularizer(v))
        return out

    @property
    def input(self) -> Any:
        """The symbolic input of the layer's first call on symbolic tensors (functional models).

        Raises:
            AttributeError: the layer was never called on symbolic tensors.
        """
        if not self._inbound_nodes:
            raise AttributeError(f"Layer '{self.name}' has never been called on symbolic inputs, so it has no input")
        node = self._inbound_nodes[0]
        return node.args[0] if node.args else node.output_structure

    @property
    def output(self) -> Any:
        """The symbolic output of the layer's first call on symbolic tensors (functional models).

        Raises:
            AttributeError: the layer was never called on symbolic tensors.
        """
        if not self._inbound_nodes:
            raise AttributeError(f"Layer '{self.name}' has never been called on symbolic inputs, so it has no output")
        return self._inbound_nodes[0].output_structure

    @property
    def input_shape(self) -> Any:
        """The (batch) input shape the layer was built with."""
        if self._build_shapes is None:
            raise AttributeError(f"Layer '{self.name}' has not been built yet, so it has no input shape")
        return self._build_shapes

    # ----- weights ------------------------------------------------------------------------------
    def add_weight(self, shape: Sequence[int] = (), initializer: Any = None, dtype: Any = None,
                   trainable: bool = True, regularizer: Any = None, constraint: Any = None,
                   name: Optional[str] = None, **kwargs: Any) -> Variable:
        """Create a Variable owned by this layer.

        Args:
            shape: the weight's shape.
            initializer: name, initializer object or callable `(shape, dtype) -> array`;
                default "glorot_uniform" for floats, "zeros" otherwise.
            dtype: defaults to the layer's dtype.
            trainable: whether training updates it.
            regularizer: name or callable penalising the weight (added to `losses`).
            constraint: optional callable applied after each optimizer update.
            name: short name; its `path` is `"<layer name>/<name>"`.

        Returns:
            The new Variable.
        """
        from numnet import initializers, regularizers
        from numnet.layers._layer_utils import lookup

        dtype = np.dtype(dtype or self._dtype)
        if initializer is None:
            initializer = "glorot_uniform" if dtype.kind == "f" else "zeros"
        owner = f"Layer '{self.name}': add_weight(name={name!r})"
        init = lookup(initializers.get, initializer, owner, "initializer")
        reg = lookup(regularizers.get, regularizer, owner, "regularizer")
        shape = tuple(int(d) for d in shape)
        if all(d >= 0 for d in shape):  # loaders bound what a config from a file may allocate
            charge_allocation(int(np.prod(shape, dtype=object)) * dtype.itemsize,
                              f"Layer '{self.name}': weight '{name}' of shape {shape}")
        value = np.asarray(init(shape, dtype=dtype), dtype=dtype)
        if value.shape != shape:
            raise ValueError(
                f"Layer '{self.name}': initializer for weight '{name}' returned shape {value.shape}, expected {shape}"
            )
        var = Variable(value, trainable=trainable, name=name or f"variable_{len(self._tracked_variables)}", dtype=dtype)
        var.path = f"{self.name}/{var.name}"
        var.regularizer = reg
        var.constraint = constraint
        if not self._trainable:
            var.requires_grad = False
        self._tracked_variables.append(var)
        return var

    def get_weights(self) -> List[np.ndarray]:
        """Copies of all weights as NumPy arrays, in `weights` order."""
        return [v.data.copy() for v in self.weights]

    def set_weights(self, weights: Sequence[Any]) -> None:
        """Set all weights from NumPy arrays, in `weights` order.

        Every count and shape is validated before any value changes.

        Raises:
            ValueError: wrong number of arrays, or an array of the wrong shape (names the weight).
        """
        variables = self.weights
        weights = list(weights)
        if len(weights) != len(variables):
            raise ValueError(
                f"Layer '{self.name}': set_weights expected {len(variables)} arrays "
                f"({[v.path for v in variables]}), got {len(weights)}"
            )
        arrays = []
        for v, w in zip(variables, weights):
            arr = np.asarray(getattr(w, "data", w))
            if arr.shape != v.shape:
                raise ValueError(
                    f"Layer '{self.name}': weight '{v.path}' has shape {v.shape}, "
                    f"but set_weights was given an array of shape {arr.shape}"
                )
            arrays.append(arr)
        for v, arr in zip(variables, arrays):
            v.assign(arr)

    def count_params(self) -> int:
        """Total number of scalars in all weights.

        Raises:
            ValueError: the layer is not built yet.
        """
        if not self.built:
            raise ValueError(
                f"Layer '{self.name}' is not built yet, so its weights do not exist: call it on "
                f"data or build it (e.g. model.build(input_shape)) first"
            )
        return int(sum(v.size for v in self.weights))

    # ----- losses --------------------------------------------------------------------------------
    def add_loss(self, loss: Any) -> None:
        """Add a scalar loss term (e.g. an activity penalty) to the training loss of this call."""
        self._losses.append(loss if isinstance(loss, Tensor) else Tensor(loss))
        _layers_with_losses.add(id(self))

    def _clear_losses(self) -> None:
        if not _layers_with_losses:  # nothing to clear: skip walking the layers (hot path)
            return
        for layer in self._flatten_layers():
            if layer._losses:
                layer._losses = []
                _layers_with_losses.discard(id(layer))

    # ----- the contract subclasses implement -------------------------------------------------
    def build(self, input_shape: Any) -> None:
        """Create the layer's weights for inputs of `input_shape` (batch dimension first)."""
        self.built = True

    def call(self, inputs: Any, *args: Any, **kwargs: Any) -> Any:
        """The layer's computation on Tensors."""
        return inputs

    def compute_mask(self, inputs: Any, previous_mask: Any = None) -> Any:
        """The mask of the outputs for these inputs (Keras 3 semantics).

        `__call__` calls it, when `supports_masking` is True, with the first input and the mask
        passed to `call` (or else the first input's own mask); its result is attached to the
        outputs as `_keras_mask`. The default lets the previous mask through unchanged.

        Args:
            inputs: the first input of the call.
            previous_mask: the input's mask (a boolean Tensor, or a list for list inputs), or None.

        Returns:
            The output mask (a boolean Tensor, a list with one per output, or None).
        """
        return previous_mask

    def compute_output_shape(self, input_shape: Any) -> Any:
        """Output shape for an input shape (None for unknown dims).

        The default runs `call` on zeros of that shape (unknown dims set to 1) without
        recording, so custom layers need not implement it.
        """
        def dummy(shape: Any) -> Tensor:
            return Tensor(np.zeros(tuple(1 if d is None else d for d in shape), dtype=self._dtype))

        is_single = isinstance(input_shape, tuple) and all(d is None or isinstance(d, int) for d in input_shape)
        inputs = dummy(input_shape) if is_single else [dummy(s) for s in input_shape]
        self._maybe_build(input_shape)
        with no_grad():
            outputs = self.call(inputs)
        batch_unknown = (input_shape if is_single else input_shape[0])[:1] == (None,)

        def shape_of(t: Any) -> tuple:
            shape = tuple(t.shape)
            return ((None,) + shape[1:]) if batch_unknown and shape else shape

        return map_structure(shape_of, outputs)

    def get_config(self) -> Dict[str, Any]:
        """The constructor arguments, JSON-serialisable, so `from_config` can rebuild the layer.

        Raises:
            NotImplementedError: a custom layer whose constructor takes arguments that are not
                JSON-serialisable and that does not override `get_config`.
        """
        config: Dict[str, Any] = {"name": self.name, "trainable": self.trainable, "dtype": self.dtype}
        if self._batch_input_shape is not None:
            config["batch_input_shape"] = list(self._batch_input_shape)
        if type(self).get_config is Layer.get_config and type(self).__init__ is not Layer.__init__:
            if self._auto_config is None:
                raise NotImplementedError(
                    f"Layer {type(self).__name__} has constructor arguments that are not JSON-serialisable; "
                    f"override get_config() to describe them"
                )
            config.update(self._auto_config)
        return config

    @classmethod
    def from_config(cls, config: Dict[str, Any]) -> "Layer":
        """Build a layer from `get_config()`'s output."""
        return cls(**config)

    # ----- calling ---------------------------------------------------------------------------------
    def _maybe_build(self, input_shape: Any) -> None:
        if self.built:
            return
        if self._build_shapes is None:
            self._build_shapes = input_shape
        if type(self).build is not Layer.build:
            self.build(input_shape)
        self.built = True

    @classmethod
    def _call_spec(cls) -> _CallSpec:
        """This class's `_CallSpec`, computed on first use."""
        spec = _CALL_SPECS.get(cls)
        if spec is None:
            signature = inspect.signature(cls.call).parameters
            params = tuple(p for p in signature if p != "self")
            has_mask = "mask" in params
            named_masks = any(p.endswith("_mask") and p[:-5] in params for p in params)
            training = signature.get("training")
            accepts_training = training is not None or any(p.kind is p.VAR_KEYWORD for p in signature.values())
            default = training.default if training is not None and training.default is not inspect.Parameter.empty \
                else None
            spec = _CallSpec(params, has_mask, named_masks, cls.compute_mask is not Layer.compute_mask,
                             has_mask or named_masks, accepts_training, default)
            _CALL_SPECS[cls] = spec
        return spec

    @classmethod
    def _accepts_training(cls) -> bool:
        return cls._call_spec().accepts_training

    @classmethod
    def _training_default(cls) -> Any:
        """The default value of `call`'s `training` parameter (None if it has none), cached per class."""
        return cls._call_spec().training_default

    def _convert_input(self, x: Any) -> Any:
        if isinstance(x, Tensor):
            if x.data.dtype.kind == "f" and x.data.dtype != self._dtype:
                return _cast_keeping_mask(x, self._dtype)
            return x
        if isinstance(x, (np.ndarray, np.generic, list, float, int)) and not isinstance(x, bool):
            arr = np.asarray(x)
            if arr.dtype.kind == "f" or isinstance(x, (list, float)) and arr.dtype.kind in "iu":
                arr = arr.astype(self._dtype, copy=False)
            elif arr.dtype.kind not in "biu":
                raise TypeError(f"Layer '{self.name}': expected numeric input, got an array of dtype {arr.dtype}")
            return Tensor._from_op(arr, None)
        return x

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if not args:
            raise TypeError(f"Layer '{self.name}': __call__ needs the inputs as its first argument")
        inputs = args[0]
        plain = (len(args) == 1 and isinstance(inputs, (Tensor, np.ndarray))
                 and not any(isinstance(v, (SymbolicTensor, list, tuple, dict)) for v in kwargs.values()))
        if not plain and any(isinstance(t, SymbolicTensor) for t in flatten((args, kwargs))):
            outputs = self._symbolic_call(args, kwargs)
            self._set_symbolic_masks(args[0], kwargs, outputs)
            if (len(args) == 1 and not kwargs and isinstance(inputs, SymbolicTensor) and inputs._keras_mask is not None
                    and (_CALL_SPECS.get(type(self)) or self._call_spec()).has_mask and inputs.dtype == self.dtype
                    and self._inbound_nodes):
                # Keras bakes the mask it fills in for such a call into the graph: a model passes it on replay
                self._inbound_nodes[-1].mask_feed = inputs._keras_mask
            return outputs
        if isinstance(inputs, (list, tuple)):
            inputs = type(inputs)(self._convert_input(x) for x in inputs)
        elif isinstance(inputs, dict):
            inputs = {k: self._convert_input(x) for k, x in inputs.items()}
        else:
            inputs = self._convert_input(inputs)
        # masks: Keras 3's rules (the input's mask fills `mask=`; the output mask comes from compute_mask)
        spec = _CALL_SPECS.get(type(self)) or self._call_spec()
        if plain:
            previous_mask = inputs._keras_mask if isinstance(inputs, Tensor) else None
            if spec.fills_masks:
                if spec.named_masks:
                    self._populate_masks(inputs, args, kwargs, spec)
                elif (previous_mask is not None and kwargs.get("mask") is None
                      and not any(isinstance(v, (Tensor, np.ndarray)) for v in kwargs.values())):
                    kwargs["mask"] = previous_mask
                given = kwargs.get("mask")
                if given is not None:
                    previous_mask = given
        else:
            previous_mask = map_structure(get_keras_mask, inputs)
            if spec.fills_masks:
                self._populate_masks(inputs, args, kwargs, spec)
                given = kwargs.get("mask")
                if given is not None:
                    previous_mask = given
        stack = _context_stack()
        training = kwargs.get("training")
        if training is None:
            training = stack[-1] if stack else None
            if spec.accepts_training:
                if training is None:
                    training = spec.training_default
                kwargs["training"] = training
        elif not spec.accepts_training:
            kwargs.pop("training")
        if not self.built:
            self._maybe_build(map_structure(lambda t: tuple(t.shape) if isinstance(t, Tensor) else t, inputs))
        if not stack:
            self._clear_losses()
        stack.append(bool(training) if training is not None else None)
        try:
            outputs = self.call(inputs, *args[1:], **kwargs)
        finally:
            stack.pop()
        if self.activity_regularizer is not None:
            for out in flatten(outputs):
                if isinstance(out, Tensor):
                    penalty = self.activity_regularizer(out)
                    if out.ndim > 0 and out.shape[0] > 0:  # Keras averages it over the batch
                        penalty = penalty / out.shape[0]
                    self.add_loss(penalty)
        if previous_mask is not None or spec.computes_mask:
            if self.supports_masking:
                self._set_mask_metadata(inputs, outputs, previous_mask)
            elif _any_mask(previous_mask):
                self._warn_mask_dropped()
        return outputs

    # ----- masks ------------------------------------------------------------------------------------
    def _populate_masks(self, first: Any, args: tuple, kwargs: Dict[str, Any], spec: _CallSpec) -> None:
        """Fill `mask=` (one tensor argument) or `<arg>_mask=` (several) from the arguments' masks."""
        params = spec.params
        named: Dict[str, Any] = {}
        for i, value in enumerate((first,) + tuple(args[1:])):
            named[params[i] if i < len(params) else f"*{i}"] = value
        named.update(kwargs)
        tensors = [(k, v) for k, v in named.items() if _is_tensor_argument(v)]
        if len(tensors) == 1:
            if spec.has_mask and named.get("mask") is None:
                kwargs["mask"] = map_structure(get_keras_mask, tensors[0][1])
        elif len(tensors) > 1:
            for name, value in tensors:
                key = f"{name}_mask"
                if key in params and named.get(key) is None:
                    kwargs[key] = map_structure(get_keras_mask, value)

    def _set_mask_metadata(self, inputs: Any, outputs: Any, previous_mask: Any, symbolic: bool = False) -> None:
        """Attach `compute_mask(inputs, previous_mask)` to the outputs that have no mask yet."""
        flat = flatten(outputs)
        if all(get_keras_mask(t) is not None for t in flat):
            return
        if not symbolic:
            masks = self.compute_mask(inputs, previous_mask)
        elif type(self).compute_mask is Layer.compute_mask:
            masks = previous_mask
        else:
            masks = self._evaluate_symbolic_masks(inputs, previous_mask)
        if masks is None:
            return
        for t, m in zip(flat, flatten(masks)):
            if m is not None and isinstance(t, (Tensor, SymbolicTensor)) and t._keras_mask is None:
                set_keras_mask(t, m)

    def _set_symbolic_masks(self, first: Any, kwargs: Dict[str, Any], outputs: Any) -> None:
        given = kwargs.get("mask")
        previous_mask = given if given is not None else map_structure(get_keras_mask, first)
        if self.supports_masking:
            if previous_mask is not None or type(self).compute_mask is not Layer.compute_mask:
                self._set_mask_metadata(first, outputs, previous_mask, symbolic=True)
        elif _any_mask(previous_mask):
            self._warn_mask_dropped()

    def _evaluate_symbolic_masks(self, inputs: Any, previous_mask: Any) -> Any:
        """`compute_mask` on symbolic tensors: run it twice on zeros standing in for the inputs (unknown
        dimensions 2, then 3) and read the mask's shape off the results (dimensions that differ are
        unknown). A mask passed through unchanged keeps its symbolic tensor."""
        runs = []
        for fill in (2, 3):
            stand_ins: Dict[int, SymbolicTensor] = {}

            def concrete(t: Any, dtype: Any = None) -> Any:
                if not isinstance(t, SymbolicTensor):
                    return t
                shape = tuple(fill if d is None else d for d in t.shape)
                itemsize = np.dtype(dtype if dtype is not None else t.dtype).itemsize
                charge_allocation(math.prod(shape) * itemsize,
                                  f"Layer '{self.name}': a stand-in of shape {shape} for computing its mask")
                if dtype is None:
                    return Tensor._from_op(np.zeros(shape, dtype=t.dtype), None)
                out = Tensor._from_op(np.ones(shape, dtype=dtype), None)
                stand_ins[id(out)] = t
                return out

            stand_in_inputs = map_structure(concrete, inputs)
            stand_in_masks = map_structure(lambda m: concrete(m, bool), previous_mask)
            with no_grad():
                # the stand-ins are kept alive with the result, so their ids stay theirs
                runs.append((self.compute_mask(stand_in_inputs, stand_in_masks), stand_ins, stand_in_masks))
        (first, ids_a, _), (second, ids_b, _) = runs

        def combine(a: Any, b: Any) -> Any:
            if a is None or b is None:
                return None
            if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)) and len(a) == len(b):
                return type(a)(combine(x, y) for x, y in zip(a, b))
            if isinstance(a, dict) and isinstance(b, dict):
                return {k: combine(a[k], b.get(k)) for k in a}
            if id(a) in ids_a and ids_a[id(a)] is ids_b.get(id(b)):
                return ids_a[id(a)]
            sa, sb = np.shape(getattr(a, "data", a)), np.shape(getattr(b, "data", b))
            if len(sa) != len(sb):
                return SymbolicTensor((None,) * len(sa), dtype="bool")
            return SymbolicTensor(tuple(x if x == y else None for x, y in zip(sa, sb)), dtype="bool")

        return combine(first, second)

    def _warn_mask_dropped(self) -> None:
        warnings.warn(
            f"Layer '{self.name}' ({type(self).__name__}) got an input that carries a mask, but it does not "
            f"support masking: the mask is dropped and the layers after it will not see it.",
            stacklevel=3,
        )

    def _symbolic_call(self, args: tuple, kwargs: Dict[str, Any]) -> Any:
        inputs = args[0]
        input_shape = map_structure(lambda t: t.shape if isinstance(t, SymbolicTensor) else t, inputs)
        if not self.built:
            self._maybe_build(input_shape)
        shapes = self.compute_output_shape(input_shape)
        dtype = self._dtype

        def make(shape: Any) -> SymbolicTensor:
            return SymbolicTensor(shape, dtype=dtype)

        is_shape = isinstance(shapes, tuple) and all(d is None or isinstance(d, int) for d in shapes)
        if is_shape:
            outputs: Any = make(shapes)
        elif isinstance(shapes, dict):
            outputs = {k: make(s) for k, s in shapes.items()}
        else:
            outputs = [make(s) for s in shapes]
        Node(self, args, kwargs, outputs)
        return outputs

    def __repr__(self) -> str:
        return f"<{type(self).__name__} name={self.name}, built={self.built}>"
