"""EinsumDense: a dense layer whose product is an einsum equation (`keras.layers.EinsumDense`)."""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Tuple

import numpy as np

from numnet import activations, initializers, ops, regularizers
from numnet.autograd.tensor import Tensor
from numnet.layers._layer_utils import get_constraint, layer_label, lookup, pop_unsupported, serialize_constraint
from numnet.layers.layer import Layer

__all__ = ["EinsumDense"]


def _split_equation(owner: str, equation: str) -> Tuple[str, str, str, bool]:
    """`"ab,bc->ac"` -> ("ab", "bc", "ac", left_elided); a leading "..." on the input and the
    output (e.g. `"...b,bc->...c"`) stands for any number of leading axes."""
    eq = equation.replace(" ", "") if isinstance(equation, str) else None
    try:
        lhs, out = eq.split("->")
        inp, weight = lhs.split(",")
    except (AttributeError, ValueError):
        raise ValueError(f"{owner}: equation must look like 'ab,bc->ac' (input,kernel->output), "
                         f"got equation={equation!r}") from None
    elided = inp.startswith("...")
    if elided != out.startswith("...") or "." in inp.lstrip(".") or "." in out.lstrip(".") or "." in weight:
        raise ValueError(f"{owner}: only a leading '...' on both the input and the output is supported, "
                         f"got equation={equation!r}")
    inp, out = inp.lstrip("."), out.lstrip(".")
    for spec in (inp, weight, out):
        if not spec.isalpha() or len(set(spec)) != len(spec):
            raise ValueError(f"{owner}: equation subscripts must be distinct letters, got equation={equation!r}")
    missing = [c for c in out if c not in inp and c not in weight]
    if missing:
        raise ValueError(f"{owner}: output letter {missing[0]!r} appears in neither the input nor the kernel "
                         f"of equation={equation!r}")
    return inp, weight, out, elided


class EinsumDense(Layer):
    """A dense layer computing `einsum(equation, inputs, kernel) (+ bias)`.

    Shapes follow Keras: `output_shape` excludes the batch axis (and the axes under a leading
    "..."); a `None` entry takes the input's size of that letter. Kernel axes take their size
    from the input (shared letters) or from `output_shape`. The bias spans the output from its
    first `bias_axes` letter to the end, with size 1 on output letters not in `bias_axes`.

    Args:
        equation: e.g. `"ab,bc->ac"` (input, kernel -> output); a leading `"..."` on input and
            output covers any leading axes.
        output_shape: int or tuple: the output's shape without the batch axis.
        activation: activation name or callable (None: linear).
        bias_axes: letters of the output that get a bias (None: no bias).
        kernel_initializer: initializer of `kernel`.
        bias_initializer: initializer of `bias`.
        kernel_regularizer: penalty on `kernel`.
        bias_regularizer: penalty on `bias`.
        kernel_constraint: callable applied to `kernel` after each update.
        bias_constraint: callable applied to `bias` after each update.
        **kwargs: base `Layer` arguments.

    Raises:
        ValueError: a malformed equation or `bias_axes` letter not in the output; at build, an
            input whose rank does not match the equation.
    """

    def __init__(self, equation: str, output_shape: Any, activation: Any = None, bias_axes: Optional[str] = None,
                 kernel_initializer: Any = "glorot_uniform", bias_initializer: Any = "zeros",
                 kernel_regularizer: Any = None, bias_regularizer: Any = None, kernel_constraint: Any = None,
                 bias_constraint: Any = None, **kwargs: Any) -> None:
        owner = layer_label(self, kwargs)
        self._spec = _split_equation(owner, equation)
        out_spec = self._spec[2]
        shape = (output_shape,) if isinstance(output_shape, (int, np.integer)) or output_shape is None \
            else tuple(output_shape)
        self._out_shape = tuple(None if d is None else int(d) for d in shape)
        n_out = len(out_spec) - (0 if self._spec[3] else 1)
        if len(self._out_shape) != n_out:
            raise ValueError(f"{owner}: output_shape {output_shape!r} must give {n_out} sizes for the output "
                             f"'{out_spec}' of equation={equation!r} (the batch axis excluded)")
        if bias_axes is not None and (not isinstance(bias_axes, str) or any(c not in out_spec for c in bias_axes)):
            raise ValueError(f"{owner}: bias_axes must be letters of the output '{out_spec}', got "
                             f"bias_axes={bias_axes!r}")
        pop_unsupported(kwargs, "EinsumDense")
        kwargs.pop("gptq_unpacked_column_size", None)
        self._act_fn = lookup(activations.get, activation, owner, "activation")
        kernel_init = lookup(initializers.get, kernel_initializer, owner, "kernel_initializer")
        bias_init = lookup(initializers.get, bias_initializer, owner, "bias_initializer")
        kernel_reg = lookup(regularizers.get, kernel_regularizer, owner, "kernel_regularizer")
        bias_reg = lookup(regularizers.get, bias_regularizer, owner, "bias_regularizer")
        super().__init__(**kwargs)
        self.equation = equation
        self.partial_output_shape = output_shape
        self.activation = self._act_fn
        self.bias_axes = bias_axes
        self.kernel_initializer = kernel_init
        self.bias_initializer = bias_init
        self.kernel_regularizer = kernel_reg
        self.bias_regularizer = bias_reg
        self.kernel_constraint = get_constraint(kernel_constraint, "EinsumDense", "kernel_constraint")
        self.bias_constraint = get_constraint(bias_constraint, "EinsumDense", "bias_constraint")
        self.kernel = None
        self.bias = None
        self._full_output_shape: Optional[tuple] = None

    def _analyze(self, input_shape: tuple) -> Tuple[tuple, List[int], Optional[List[int]]]:
        inp, weight, out, elided = self._spec
        shape = tuple(input_shape)
        lead = len(shape) - len(inp)
        if (lead < 0) or (not elided and lead != 0):
            raise ValueError(f"Layer '{self.name}' (EinsumDense) equation {self.equation!r} expects inputs of "
                             f"rank {len(inp)}{' or more' if elided else ''}, got input shape {shape}")
        sizes = {c: shape[lead + i] for i, c in enumerate(inp)}
        given = self._out_shape if elided else (shape[0],) + self._out_shape
        out_sizes = {c: sizes.get(c) if d is None else d for c, d in zip(out, given)}
        kernel_shape = []
        for c in weight:
            d = sizes[c] if c in sizes else out_sizes.get(c)
            if d is None:
                raise ValueError(f"Layer '{self.name}' (EinsumDense): the size of kernel axis {c!r} is unknown "
                                 f"(input shape {shape}, output_shape {self.partial_output_shape!r})")
            kernel_shape.append(int(d))
        full = shape[:lead] + tuple(out_sizes[c] for c in out)
        bias_shape = None
        if self.bias_axes:
            first = min(out.index(c) for c in self.bias_axes)
            bias_shape = [int(out_sizes[c]) if c in self.bias_axes else 1 for c in out[first:]]
        return full, kernel_shape, bias_shape

    def build(self, input_shape: Any) -> None:
        full, kernel_shape, bias_shape = self._analyze(tuple(input_shape))
        self.kernel = self.add_weight(shape=kernel_shape, initializer=self.kernel_initializer,
                                      regularizer=self.kernel_regularizer, constraint=self.kernel_constraint,
                                      name="kernel")
        if bias_shape is not None:
            self.bias = self.add_weight(shape=bias_shape, initializer=self.bias_initializer,
                                        regularizer=self.bias_regularizer, constraint=self.bias_constraint,
                                        name="bias")
        self._full_output_shape = full
        self.built = True

    def call(self, inputs: Tensor) -> Tensor:
        inp, weight, out, elided = self._spec
        shape = tuple(inputs.shape)
        expected = tuple(self.kernel.shape)
        lead = len(shape) - len(inp)
        sizes = {c: shape[lead + i] for i, c in enumerate(inp)} if lead >= 0 else {}
        if lead < 0 or (not elided and lead) or any(c in sizes and sizes[c] != d for c, d in zip(weight, expected)):
            raise ValueError(f"Layer '{self.name}' (EinsumDense) with kernel shape {expected} and equation "
                             f"{self.equation!r} cannot take inputs of shape {shape}")
        eq = ("..." if elided else "") + inp + "," + weight + "->" + ("..." if elided else "") + out
        y = ops.einsum(eq, inputs, self.kernel)
        if self.bias is not None:
            y = y + self.bias
        if self._act_fn is not activations.linear:
            y = self._act_fn(y)
        return y

    def compute_output_shape(self, input_shape: Any) -> tuple:
        full, _, _ = self._analyze(tuple(input_shape))
        return tuple(None if d is None else int(d) for d in full)

    def get_config(self) -> Dict[str, Any]:
        config = super().get_config()
        out = self.partial_output_shape
        config.update({
            "equation": self.equation,
            "output_shape": list(out) if isinstance(out, (list, tuple)) else out,
            "activation": activations.serialize(self._act_fn),
            "bias_axes": self.bias_axes,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
            "kernel_constraint": serialize_constraint(self.kernel_constraint),
            "bias_constraint": serialize_constraint(self.bias_constraint),
        })
        return config
