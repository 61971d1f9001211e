"""Merging layers: combine a list of inputs (Add, Subtract, Multiply, Average, Maximum, Minimum,
Concatenate, Dot)."""
from __future__ import annotations

from functools import reduce
from typing import Any, Dict, List, Optional, Sequence

from numnet import ops
from numnet.autograd.tensor import Tensor
from numnet.layers.layer import Layer
from numnet.layers.normalization import _l2_normalize

__all__ = [
    "Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum", "Concatenate", "Dot",
    "add", "subtract", "multiply", "average", "maximum", "minimum", "concatenate", "dot",
]


def _is_shape(s: Any) -> bool:
    return isinstance(s, (tuple, list)) and all(d is None or isinstance(d, int) for d in s)


def _broadcast_dims(a: Optional[int], b: Optional[int], layer: Layer, shapes: Any) -> Optional[int]:
    if a == 1:
        return b
    if b == 1 or a == b:
        return a
    if a is None or b is None:
        return a if b is None else b
    raise ValueError(f"Layer '{layer.name}' ({type(layer).__name__}) got inputs whose shapes cannot be "
                     f"broadcast together: {[tuple(s) for s in shapes]}")


class _Merge(Layer):
    _min_inputs = 1
    _max_inputs: Optional[int] = None

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.built = True

    def _check_list(self, inputs: Any) -> List[Any]:
        if not isinstance(inputs, (list, tuple)) or _is_shape(inputs) and inputs and not isinstance(inputs[0], (tuple, list)):
            raise ValueError(f"Layer '{self.name}' ({type(self).__name__}) must be called on a list of inputs, "
                             f"got {type(inputs).__name__}")
        n = len(inputs)
        if n < self._min_inputs or (self._max_inputs is not None and n > self._max_inputs):
            want = (f"exactly {self._min_inputs}" if self._max_inputs == self._min_inputs
                    else f"at least {self._min_inputs}")
            raise ValueError(f"Layer '{self.name}' ({type(self).__name__}) must be called on a list of {want} "
                             f"inputs, got {n}")
        return list(inputs)

    def _merge(self, inputs: List[Tensor]) -> Tensor:
        raise NotImplementedError

    def call(self, inputs: Sequence[Tensor]) -> Tensor:
        inputs = self._check_list(inputs)
        try:
            return self._merge(inputs)
        except ValueError:
            self.compute_output_shape([tuple(t.shape) for t in inputs])
            raise

    def compute_output_shape(self, input_shape: Any) -> tuple:
        shapes = self._check_list(input_shape)
        shapes = [tuple(s) for s in shapes]
        rank = max(len(s) for s in shapes)
        padded = [(1,) * (rank - len(s)) + s for s in shapes]
        out = padded[0]
        for s in padded[1:]:
            out = tuple(_broadcast_dims(a, b, self, shapes) for a, b in zip(out, s))
        return out


class Add(_Merge):
    """Elementwise sum of a list of inputs (broadcasting like NumPy).

    Args:
        **kwargs: base `Layer` arguments.
    """

    def _merge(self, inputs: List[Tensor]) -> Tensor:
        return reduce(ops.add, inputs)


class Subtract(_Merge):
    """`inputs[0] - inputs[1]` (exactly two inputs).

    Args:
        **kwargs: base `Layer` arguments.
    """

    _min_inputs = 2
    _max_inputs = 2

    def _merge(self, inputs: List[Tensor]) -> Tensor:
        return ops.subtract(inputs[0], inputs[1])


class Multiply(_Merge):
    """Elementwise product of a list of inputs.

    Args:
        **kwargs: base `Layer` arguments.
    """

    def _merge(self, inputs: List[Tensor]) -> Tensor:
        return reduce(ops.multiply, inputs)


class Average(_Merge):
    """Elementwise mean of a list of inputs.

    Args:
        **kwargs: base `Layer` arguments.
    """

    def _merge(self, inputs: List[Tensor]) -> Tensor:
        total = reduce(ops.add, inputs)
        return ops.multiply(total, 1.0 / len(inputs))


class Maximum(_Merge):
    """Elementwise maximum of a list of inputs.

    Args:
        **kwargs: base `Layer` arguments.
    """

    def _merge(self, inputs: List[Tensor]) -> Tensor:
        return reduce(ops.maximum, inputs)


class Minimum(_Merge):
    """Elementwise minimum of a list of inputs.

    Args:
        **kwargs: base `Layer` arguments.
    """

    def _merge(self, inputs: List[Tensor]) -> Tensor:
        return reduce(ops.minimum, inputs)


class Concatenate(_Merge):
    """Joins a list of inputs along `axis`; all other dimensions must match.

    Args:
        axis: the concatenation axis (default -1).
        **kwargs: base `Layer` arguments.

    Raises:
        ValueError: fewer than one input, different ranks, or mismatched dimensions off `axis`.
    """

    def __init__(self, axis: int = -1, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.axis = int(axis)

    def _merge(self, inputs: List[Tensor]) -> Tensor:
        shapes = [tuple(t.shape) for t in inputs]
        if any(len(s) != len(shapes[0]) for s in shapes):
            self.compute_output_shape(shapes)
        return ops.concatenate(inputs, axis=self.axis)

    def compute_output_shape(self, input_shape: Any) -> tuple:
        shapes = [tuple(s) for s in self._check_list(input_shape)]
        rank = len(shapes[0])
        if any(len(s) != rank for s in shapes) or not -rank <= self.axis < rank:
            raise ValueError(f"Layer '{self.name}' (Concatenate) needs inputs of equal rank with axis={self.axis} "
                             f"in range, got input shapes {shapes}")
        ax = self.axis % rank
        out: List[Optional[int]] = []
        for i in range(rank):
            dims = [s[i] for s in shapes]
            if i == ax:
                out.append(None if any(d is None for d in dims) else sum(dims))
                continue
            known = {d for d in dims if d is not None}
            if len(known) > 1:
                raise ValueError(f"Layer '{self.name}' (Concatenate) needs inputs with matching shapes except on "
                                 f"the concat axis {self.axis}, got input shapes {shapes}")
            out.append(known.pop() if known else None)
        return tuple(out)

    def get_config(self) -> Dict[str, Any]:
        config = super().get_config()
        config["axis"] = self.axis
        return config


class Dot(_Merge):
    """Per-sample dot product of two inputs along `axes` (Keras's `batch_dot`).

    For `(batch, n)` inputs the result is `(batch, 1)`; in general the contracted axes are
    removed and the remaining axes of the first input are followed by those of the second.

    Args:
        axes: int (the same axis in both inputs) or a pair of ints, one per input; not the batch axis.
        normalize: L2-normalize both inputs along `axes` first, so the result is the cosine similarity.
        **kwargs: base `Layer` arguments.

    Raises:
        ValueError: bad `axes`; at call, not exactly two inputs, an axis out of range or the
            batch axis, or contracted axes of different sizes.
    """

    _min_inputs = 2
    _max_inputs = 2

    def __init__(self, axes: Any, normalize: bool = False, **kwargs: Any) -> None:
        def is_int(a: Any) -> bool:
            return isinstance(a, int) and not isinstance(a, bool)

        if not (is_int(axes) or isinstance(axes, (list, tuple)) and len(axes) == 2 and all(is_int(a) for a in axes)):
            raise ValueError(f"Dot: axes must be an int or a tuple of 2 ints, got axes={axes!r}")
        super().__init__(**kwargs)
        self.axes = list(axes) if isinstance(axes, (list, tuple)) else axes
        self.normalize = bool(normalize)

    def _resolve(self, shapes: List[tuple]) -> List[int]:
        pair = self.axes if isinstance(self.axes, list) else [self.axes, self.axes]
        out = []
        for a, s in zip(pair, shapes):
            if not -len(s) <= a < len(s) or a % len(s) == 0:
                raise ValueError(f"Layer '{self.name}' (Dot): axes={self.axes} must name a non-batch axis of each "
                                 f"input, got input shapes {shapes}")
            out.append(a % len(s))
        (a0, a1), (s0, s1) = out, shapes
        if s0[a0] is not None and s1[a1] is not None and s0[a0] != s1[a1]:
            raise ValueError(f"Layer '{self.name}' (Dot): the contracted axes must have the same size, got "
                             f"{s0[a0]} (axis {a0} of {s0}) and {s1[a1]} (axis {a1} of {s1})")
        return out

    def _merge(self, inputs: List[Tensor]) -> Tensor:
        x, y = inputs
        a0, a1 = self._resolve([tuple(x.shape), tuple(y.shape)])
        if self.normalize:
            x, y = _l2_normalize(x, a0), _l2_normalize(y, a1)
        x = ops.moveaxis(x, a0, -1)
        y = ops.moveaxis(y, a1, 1)
        b, rest_x, rest_y = x.shape[0], tuple(x.shape[1:-1]), tuple(y.shape[2:])
        k = x.shape[-1]
        out = ops.matmul(ops.reshape(x, (b, -1, k)), ops.reshape(y, (b, k, -1)))
        shape = (b,) + rest_x + rest_y
        return ops.reshape(out, shape if len(shape) > 1 else (b, 1))

    def compute_output_shape(self, input_shape: Any) -> tuple:
        shapes = [tuple(s) for s in self._check_list(input_shape)]
        a0, a1 = self._resolve(shapes)
        s0, s1 = shapes
        shape = (s0[0],) + s0[1:a0] + s0[a0 + 1:] + s1[1:a1] + s1[a1 + 1:]
        return shape if len(shape) > 1 else (s0[0], 1)

    def get_config(self) -> Dict[str, Any]:
        config = super().get_config()
        config.update({"axes": self.axes, "normalize": self.normalize})
        return config


def add(inputs: Sequence[Any], **kwargs: Any) -> Any:
    """Functional form of `Add`: `Add(**kwargs)(inputs)`.

    Args:
        inputs: list of tensors (or symbolic tensors) to merge.
        **kwargs: arguments of the layer's constructor (e.g. `name`).

    Returns:
        The merged tensor (symbolic when the inputs are).
    """
    return Add(**kwargs)(inputs)


def subtract(inputs: Sequence[Any], **kwargs: Any) -> Any:
    """Functional form of `Subtract`: `Subtract(**kwargs)(inputs)`.

    Args:
        inputs: list of tensors (or symbolic tensors) to merge.
        **kwargs: arguments of the layer's constructor (e.g. `name`).

    Returns:
        The merged tensor (symbolic when the inputs are).
    """
    return Subtract(**kwargs)(inputs)


def multiply(inputs: Sequence[Any], **kwargs: Any) -> Any:
    """Functional form of `Multiply`: `Multiply(**kwargs)(inputs)`.

    Args:
        inputs: list of tensors (or symbolic tensors) to merge.
        **kwargs: arguments of the layer's constructor (e.g. `name`).

    Returns:
        The merged tensor (symbolic when the inputs are).
    """
    return Multiply(**kwargs)(inputs)


def average(inputs: Sequence[Any], **kwargs: Any) -> Any:
    """Functional form of `Average`: `Average(**kwargs)(inputs)`.

    Args:
        inputs: list of tensors (or symbolic tensors) to merge.
        **kwargs: arguments of the layer's constructor (e.g. `name`).

    Returns:
        The merged tensor (symbolic when the inputs are).
    """
    return Average(**kwargs)(inputs)


def maximum(inputs: Sequence[Any], **kwargs: Any) -> Any:
    """Functional form of `Maximum`: `Maximum(**kwargs)(inputs)`.

    Args:
        inputs: list of tensors (or symbolic tensors) to merge.
        **kwargs: arguments of the layer's constructor (e.g. `name`).

    Returns:
        The merged tensor (symbolic when the inputs are).
    """
    return Maximum(**kwargs)(inputs)


def minimum(inputs: Sequence[Any], **kwargs: Any) -> Any:
    """Functional form of `Minimum`: `Minimum(**kwargs)(inputs)`.

    Args:
        inputs: list of tensors (or symbolic tensors) to merge.
        **kwargs: arguments of the layer's constructor (e.g. `name`).

    Returns:
        The merged tensor (symbolic when the inputs are).
    """
    return Minimum(**kwargs)(inputs)


def concatenate(inputs: Sequence[Any], axis: int = -1, **kwargs: Any) -> Any:
    """Functional form of `Concatenate`: `Concatenate(axis=axis, **kwargs)(inputs)`.

    Args:
        inputs: list of tensors (or symbolic tensors) to merge.
        axis: axis to join along (default -1, the feature axis).
        **kwargs: arguments of the layer's constructor (e.g. `name`).

    Returns:
        The merged tensor (symbolic when the inputs are).
    """
    return Concatenate(axis=axis, **kwargs)(inputs)


def dot(inputs: Sequence[Any], axes: Any = -1, normalize: bool = False, **kwargs: Any) -> Any:
    """Functional form of `Dot`: `Dot(axes=axes, normalize=normalize, **kwargs)(inputs)`.

    Args:
        inputs: list of two tensors (or symbolic tensors).
        axes: int or pair of ints, the contracted axes (default -1).
        normalize: L2-normalize the inputs along `axes` first (cosine similarity).
        **kwargs: arguments of the layer's constructor (e.g. `name`).

    Returns:
        The dot product (symbolic when the inputs are).
    """
    return Dot(axes=axes, normalize=normalize, **kwargs)(inputs)
