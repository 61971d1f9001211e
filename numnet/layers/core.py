"""Core layers: Dense, Activation, Identity, Lambda, Masking."""
from __future__ import annotations

import inspect
from typing import Any, Dict, Optional

import numpy as np

from numnet import activations, initializers, ops, regularizers
from numnet.autograd.function import Function
from numnet.autograd.masking import set_keras_mask
from numnet.autograd.tensor import Tensor
from numnet.layers._layer_utils import (
    get_constraint, layer_label, lookup, pop_unsupported, reject_symbolic, serialize_constraint,
)
from numnet.layers.layer import Layer

__all__ = ["Dense", "Activation", "Identity", "Lambda", "Masking"]


class _DenseProduct(Function):
    """`x @ kernel (+ bias)` over the last axis of `x`, optionally followed by ReLU, as one node.

    With ``relu=True`` the ReLU runs in place on the product and its backward masks the
    incoming gradient by ``output > 0`` (the same values and gradient as a separate
    `ops.relu`, without its extra node and temporaries). Every gradient returned is a new
    array, so the engine adopts the kernel/bias gradients without copying them.
    """

    fresh_grads = True

    def forward(self, x, kernel, bias=None, relu=False):
        self.x, self.kernel = x, kernel
        y = np.matmul(x, kernel)
        if bias is not None:
            y += bias
        if relu:
            np.maximum(y, 0, out=y)
        self.y = y if relu else None
        return y

    def backward(self, grad):
        x, kernel = self.x, self.kernel
        if self.y is not None:
            grad = grad * (self.y > 0)
        needs = self.needs_input_grad
        gx = np.matmul(grad, kernel.T) if needs[0] else None
        gk = gb = None
        if len(needs) > 1 and (needs[1] or (len(needs) > 2 and needs[2])):
            g2 = grad.reshape(-1, grad.shape[-1])
            if needs[1]:
                gk = np.matmul(x.reshape(-1, x.shape[-1]).T, g2)
            if len(needs) > 2 and needs[2]:
                gb = g2.sum(axis=0)
        return (gx, gk) if len(needs) == 2 else (gx, gk, gb)


def _cast_input(layer: Layer, x: Tensor) -> Tensor:
    if x.data.dtype != layer._np_dtype:
        return ops.cast(x, layer._np_dtype)
    return x


class Dense(Layer):
    """Densely connected layer: `activation(inputs @ kernel + bias)` on the last axis.

    Args:
        units: output dimension (positive int).
        activation: activation name or callable (None: linear).
        use_bias: whether to add a bias vector.
        kernel_initializer: initializer of the `(input_dim, units)` kernel.
        bias_initializer: initializer of the `(units,)` bias.
        kernel_regularizer: penalty on the kernel.
        bias_regularizer: penalty on the bias.
        activity_regularizer: penalty on the output.
        kernel_constraint: applied to the kernel after each update.
        bias_constraint: applied to the bias after each update.
        **kwargs: base `Layer` arguments (name, dtype, trainable, input_shape, ...).

    Raises:
        ValueError: bad `units`, unknown activation/initializer/regularizer name; at call, an
            input whose last dimension differs from the one the layer was built with.
    """

    _supports_masking = True

    def __init__(self, units: int, activation: Any = None, use_bias: bool = True,
                 kernel_initializer: Any = "glorot_uniform", bias_initializer: Any = "zeros",
                 kernel_regularizer: Any = None, bias_regularizer: Any = None, activity_regularizer: Any = None,
                 kernel_constraint: Any = None, bias_constraint: Any = None, **kwargs: Any) -> None:
        if isinstance(units, bool) or not isinstance(units, (int, np.integer)) or units <= 0:
            raise ValueError(f"Dense: units must be a positive int, got units={units!r}")
        owner = layer_label(self, kwargs)
        self._act_fn = lookup(activations.get, activation, owner, "activation")
        pop_unsupported(kwargs, "Dense")
        kernel_init = lookup(initializers.get, kernel_initializer, owner, "kernel_initializer")
        bias_init = lookup(initializers.get, bias_initializer, owner, "bias_initializer")
        kernel_reg = lookup(regularizers.get, kernel_regularizer, owner, "kernel_regularizer")
        bias_reg = lookup(regularizers.get, bias_regularizer, owner, "bias_regularizer")
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        self.units = int(units)
        self.activation = self._act_fn
        self.use_bias = bool(use_bias)
        self.kernel_initializer = kernel_init
        self.bias_initializer = bias_init
        self.kernel_regularizer = kernel_reg
        self.bias_regularizer = bias_reg
        self.kernel_constraint = get_constraint(kernel_constraint, "Dense", "kernel_constraint")
        self.bias_constraint = get_constraint(bias_constraint, "Dense", "bias_constraint")
        self._np_dtype = np.dtype(self.dtype)
        self._in_tail: Optional[tuple] = None
        self.kernel = None
        self.bias = None

    def build(self, input_shape: Any) -> None:
        shape = tuple(input_shape)
        if len(shape) < 2 or shape[-1] is None:
            raise ValueError(
                f"Layer '{self.name}' (Dense) expects inputs of rank >= 2 with a known last dimension, "
                f"got input shape {shape}"
            )
        in_dim = int(shape[-1])
        self.kernel = self.add_weight(shape=(in_dim, self.units), initializer=self.kernel_initializer,
                                      regularizer=self.kernel_regularizer, constraint=self.kernel_constraint,
                                      name="kernel")
        if self.use_bias:
            self.bias = self.add_weight(shape=(self.units,), initializer=self.bias_initializer,
                                        regularizer=self.bias_regularizer, constraint=self.bias_constraint,
                                        name="bias")
        self._in_tail = (in_dim,)
        self.built = True

    def call(self, inputs: Tensor) -> Tensor:
        if inputs.shape[-1:] != self._in_tail:
            raise ValueError(
                f"Layer '{self.name}' (Dense) expected inputs with last dimension {self._in_tail[0]} "
                f"(kernel shape {self.kernel.shape}), got inputs of shape {tuple(inputs.shape)}"
            )
        if inputs.data.dtype != self._np_dtype:
            inputs = ops.cast(inputs, self._np_dtype)
        act = self._act_fn
        relu = act is activations.relu
        if self.bias is not None:
            y = _DenseProduct.apply(inputs, self.kernel, self.bias, relu=relu)
        else:
            y = _DenseProduct.apply(inputs, self.kernel, relu=relu)
        if not relu and act is not activations.linear:
            y = act(y)
        return y

    def compute_output_shape(self, input_shape: Any) -> tuple:
        shape = tuple(input_shape)
        if len(shape) < 1:
            raise ValueError(f"Layer '{self.name}' (Dense) cannot take a scalar input shape {shape}")
        if self._in_tail is not None and shape[-1] is not None and (shape[-1],) != self._in_tail:
            raise ValueError(
                f"Layer '{self.name}' (Dense) expected inputs with last dimension {self._in_tail[0]}, "
                f"got input shape {shape}"
            )
        return shape[:-1] + (self.units,)

    def get_config(self) -> Dict[str, Any]:
        config = super().get_config()
        config.update({
            "units": self.units,
            "activation": activations.serialize(self._act_fn),
            "use_bias": self.use_bias,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
            "activity_regularizer": regularizers.serialize(self.activity_regularizer),
            "kernel_constraint": serialize_constraint(self.kernel_constraint),
            "bias_constraint": serialize_constraint(self.bias_constraint),
        })
        return config


class Activation(Layer):
    """Applies an activation function to its input.

    Args:
        activation: name (e.g. "relu") or callable.
        **kwargs: base `Layer` arguments.

    Raises:
        ValueError: unknown activation name (the message lists the valid names).
    """

    _supports_masking = True

    def __init__(self, activation: Any, **kwargs: Any) -> None:
        fn = lookup(activations.get, activation, layer_label(self, kwargs), "activation")
        super().__init__(**kwargs)
        self.activation = fn
        self.built = True

    def call(self, inputs: Tensor) -> Tensor:
        return self.activation(inputs)

    def compute_output_shape(self, input_shape: Any) -> Any:
        return input_shape

    def get_config(self) -> Dict[str, Any]:
        config = super().get_config()
        config["activation"] = activations.serialize(self.activation)
        return config


class Identity(Layer):
    """Returns its input unchanged (a placeholder layer).

    Args:
        **kwargs: base `Layer` arguments (name, dtype, trainable, input_shape, ...).
    """

    _supports_masking = True

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.built = True

    def call(self, inputs: Any) -> Any:
        return inputs

    def compute_output_shape(self, input_shape: Any) -> Any:
        return input_shape


def _is_registered(obj: Any) -> bool:
    from numnet.utils import serialization

    return any(v is obj for v in serialization.get_custom_objects().values())


class Lambda(Layer):
    """Wraps a Python function of tensors as a layer: `function(inputs, **arguments)`.

    The function is code, and numnet never writes code into a file: `model.save` refuses a
    model holding a `Lambda` unless its function is registered with
    `@numnet.saving.register_serializable()` (the file then names it, and loading looks the
    name up). For anything you want to save and share, write a small `Layer` subclass instead.

    Args:
        function: callable taking the inputs (and `training` if it has such a parameter).
        output_shape: the output shape without the batch axis (tuple), a callable mapping the
            input shape to the output shape, or None to infer it by running `function`.
        mask: None (the layer drops an input mask, as in Keras), a callable
            `mask(inputs, previous_mask)` returning the output mask (like `compute_mask`), or a
            boolean array used as the output mask whatever the input. `function` receives the
            input's mask as `mask=` when it has such a parameter.
        arguments: optional dict of keyword arguments passed to `function`.
        **kwargs: base `Layer` arguments.

    Raises:
        TypeError: `function` is not callable.
        ValueError: a bad `output_shape`, `arguments` or `mask`.
    """

    def __init__(self, function: Any, output_shape: Any = None, mask: Any = None, arguments: Any = None,
                 **kwargs: Any) -> None:
        label = layer_label(self, kwargs)
        if not callable(function):
            raise TypeError(f"{label}: function must be callable, got function={function!r:.80}")
        if output_shape is not None and not callable(output_shape):
            try:
                output_shape = tuple(None if d is None else int(d) for d in output_shape)
            except (TypeError, ValueError):
                raise ValueError(f"{label}: output_shape must be a tuple of ints (without the batch axis), a "
                                 f"callable or None, got output_shape={output_shape!r}") from None
        if arguments is not None and not isinstance(arguments, dict):
            raise ValueError(f"{label}: arguments must be a dict of keyword arguments or None, got "
                             f"arguments={arguments!r:.80}")
        if mask is not None and not callable(mask):
            arr = np.asarray(getattr(mask, "data", mask))
            if arr.dtype.kind not in "biu":
                raise ValueError(f"{label}: mask must be None, a callable (inputs, previous_mask) -> mask, or a "
                                 f"boolean array, got mask={mask!r:.80}")
            mask = arr.astype(bool)
        super().__init__(**kwargs)
        self.function = function
        self.output_shape_arg = output_shape
        self.arguments = dict(arguments or {})
        self.mask = mask
        self.supports_masking = mask is not None
        try:
            params = inspect.signature(function).parameters
            self._pass_training = "training" in params or any(p.kind is p.VAR_KEYWORD for p in params.values())
            self._pass_mask = "mask" in params
        except (TypeError, ValueError):
            self._pass_training = self._pass_mask = False
        self.built = True

    def call(self, inputs: Any, mask: Any = None, training: Optional[bool] = None) -> Any:
        kwargs = dict(self.arguments)
        if self._pass_mask and "mask" not in kwargs:
            kwargs["mask"] = mask
        if self._pass_training and "training" not in kwargs:
            kwargs["training"] = training
        return self.function(inputs, **kwargs)

    def compute_mask(self, inputs: Any, mask: Any = None) -> Any:
        """The output mask: `self.mask(inputs, mask)` for a callable `mask`, else the fixed `mask`.

        Args:
            inputs: the layer's input.
            mask: the input's mask.

        Returns:
            The output mask, or None when the layer has no `mask`.
        """
        if callable(self.mask):
            return self.mask(inputs, mask)
        return None if self.mask is None else Tensor(self.mask)

    def compute_output_shape(self, input_shape: Any) -> Any:
        spec = self.output_shape_arg
        if spec is None:
            return super().compute_output_shape(input_shape)
        if callable(spec):
            out = spec(input_shape)
            return tuple(out) if isinstance(out, list) and all(d is None or isinstance(d, int) for d in out) else out
        first = input_shape[0] if isinstance(input_shape, (list, tuple)) and input_shape else None
        batch = first[0] if isinstance(first, (list, tuple)) else first
        return (batch,) + spec

    def get_config(self) -> Dict[str, Any]:
        """The config; functions (`function`, a callable `output_shape` or `mask`) are named by their
        registered names.

        Raises:
            ValueError: a callable `mask` that is not registered.
        """
        from numnet.utils import serialization

        spec = self.output_shape_arg
        config = super().get_config()
        config.update({
            "function": serialization.get_registered_name(self.function),
            # an unregistered output_shape function is left out: loading then infers the shape
            "output_shape": (serialization.get_registered_name(spec) if _is_registered(spec) else None)
            if callable(spec) else (list(spec) if spec is not None else None),
            "arguments": self.arguments,
        })
        if callable(self.mask):
            if not _is_registered(self.mask):
                raise ValueError(
                    f"Layer '{self.name}' (Lambda): its mask function {getattr(self.mask, '__name__', self.mask)!r} "
                    f"is not registered, so the config cannot name it; decorate it with "
                    f"@numnet.saving.register_serializable()")
            config["mask"] = serialization.get_registered_name(self.mask)
        elif self.mask is not None:
            config["mask"] = self.mask.tolist()
        return config

    @classmethod
    def from_config(cls, config: Dict[str, Any]) -> "Lambda":
        """Rebuild from `get_config()`: the function (and a callable output_shape) are looked up by
        name among registered objects and `custom_objects` only; no code is read from the config.

        Raises:
            ValueError: a name that is not registered or passed in custom_objects.
        """
        from numnet.utils import serialization

        config = dict(config)
        fn = config.pop("function", None)
        if isinstance(fn, str):
            fn = serialization.resolve(fn, {}, kind="function")
        if not callable(fn):
            raise ValueError(f"Lambda.from_config: 'function' must name a registered function, got {fn!r:.80}")
        spec = config.pop("output_shape", None)
        if isinstance(spec, str):
            spec = serialization.resolve(spec, {}, kind="function")
        mask = config.pop("mask", None)
        if isinstance(mask, str):
            mask = serialization.resolve(mask, {}, kind="function")
        return cls(fn, output_shape=spec, mask=mask, **config)


class Masking(Layer):
    """Skips padded timesteps: a step whose features all equal `mask_value` is masked (`keras.layers.Masking`).

    For inputs `(batch, timesteps, features)` the output is the input with the masked steps set
    to 0, carrying the mask `(batch, timesteps)`: True where some feature differs from
    `mask_value`. Layers after it that support masking (recurrent layers, GlobalAveragePooling1D,
    attention, losses and metrics in `fit`/`evaluate`) then ignore those steps.

    Args:
        mask_value: the padding value (default 0.0).
        **kwargs: base `Layer` arguments.

    Raises:
        ValueError: `mask_value` is not a number; at call, a scalar input.
    """

    _supports_masking = True

    def __init__(self, mask_value: float = 0.0, **kwargs: Any) -> None:
        label = layer_label(self, kwargs)
        if isinstance(mask_value, bool) or not isinstance(mask_value, (int, float, np.integer, np.floating)):
            raise ValueError(f"{label}: mask_value must be a number, got mask_value={mask_value!r:.80}")
        super().__init__(**kwargs)
        self.mask_value = float(mask_value)
        self.built = True

    def _keep(self, inputs: Any) -> np.ndarray:
        data = np.asarray(getattr(inputs, "data", inputs))
        if data.ndim < 1:
            raise ValueError(f"Layer '{self.name}' (Masking) expects inputs with a feature axis, got a scalar")
        return np.any(data != self.mask_value, axis=-1, keepdims=True)

    def compute_mask(self, inputs: Any, mask: Any = None) -> Tensor:
        """The mask: True where some feature of the step differs from `mask_value`.

        Args:
            inputs: the layer's input `(batch, timesteps, features)`.
            mask: ignored (the mask comes from the values).

        Returns:
            A boolean Tensor of the input's shape without the last axis.

        Raises:
            TypeError: `inputs` is a symbolic tensor.
        """
        reject_symbolic(f"Layer '{self.name}' (Masking)", inputs)
        return Tensor(self._keep(inputs)[..., 0])

    def call(self, inputs: Tensor) -> Tensor:
        keep = self._keep(inputs)
        outputs = ops.where(keep, inputs, inputs.data.dtype.type(0))
        set_keras_mask(outputs, keep[..., 0])
        return outputs

    def compute_output_shape(self, input_shape: Any) -> Any:
        return input_shape

    def get_config(self) -> Dict[str, Any]:
        config = super().get_config()
        config["mask_value"] = self.mask_value
        return config
