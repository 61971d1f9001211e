"""Merging layers: combine a list of inputs (Add, Subtract, Multiply, Average, Maximum, Minimum,
Concatenate, Dot).

Masks follow Keras 3: the output of Add, Subtract, Average, Multiply, Maximum and Minimum is
masked where any input is unmasked (the OR of the masks), and only when every input has a
mask; Multiply, Maximum and Minimum also leave masked entries out of the result. Concatenate
joins the masks (an input without one counts as unmasked); Dot gives no mask.
"""
from __future__ import annotations

from functools import reduce
from typing import Any, Dict, List, Optional, Sequence

import numpy as np

from numnet import ops
from numnet.autograd.masking import get_keras_mask, set_keras_mask
from numnet.autograd.tensor import Tensor
from numnet.layers._layer_utils import mask_array
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


def _input_masks(layer: Layer, inputs: List[Any]) -> List[Optional[np.ndarray]]:
    """The inputs' own masks, each broadcast over the input's last axis (None for an unmasked input).
    Like Keras, masks are only read when the inputs have the same rank."""
    if len({len(t.shape) for t in inputs}) != 1:
        return [None] * len(inputs)
    out: List[Optional[np.ndarray]] = []
    for i, x in enumerate(inputs):
        m = mask_array(f"Layer '{layer.name}' ({type(layer).__name__})", get_keras_mask(x), f"the mask of input {i}")
        if m is not None:
            try:
                m = np.broadcast_to(m[..., None], tuple(x.shape))
            except ValueError:
                raise ValueError(f"Layer '{layer.name}' ({type(layer).__name__}): input {i} of shape "
                                 f"{tuple(x.shape)} carries a mask of shape {m.shape}, which does not fit it "
                                 f"(expected the input's shape without its last axis)") from None
        out.append(m)
    return out


class _Merge(Layer):
    _min_inputs = 1
    _max_inputs: Optional[int] = None
    _supports_masking = True

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

    def _check_masks(self, inputs: Any, mask: Any) -> Optional[list]:
        if mask is None:
            return None
        owner = f"Layer '{self.name}' ({type(self).__name__})"
        if not isinstance(mask, (list, tuple)):
            raise ValueError(f"{owner}: the mask must be a list (one mask or None per input), got "
                             f"{type(mask).__name__}")
        if not isinstance(inputs, (list, tuple)):
            raise ValueError(f"{owner}: the inputs must be a list, got {type(inputs).__name__}")
        if len(mask) != len(inputs):
            raise ValueError(f"{owner}: got {len(inputs)} inputs but {len(mask)} masks; give one mask (or None) "
                             f"per input")
        return list(mask)

    def compute_mask(self, inputs: Any, mask: Any = None) -> Any:
        """The output mask: the OR of the inputs' masks, or None when some input has none.

        Args:
            inputs: the list of inputs.
            mask: one mask (or None) per input.

        Returns:
            A boolean Tensor, or None.

        Raises:
            ValueError: `mask` is not a list as long as `inputs`.
        """
        masks = self._check_masks(inputs, mask)
        if masks is None or any(m is None for m in masks):
            return None
        owner = f"Layer '{self.name}' ({type(self).__name__})"
        out = mask_array(owner, masks[0])
        for m in masks[1:]:
            out = np.logical_or(out, mask_array(owner, m))
        return Tensor(out)

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
        masks = _input_masks(self, inputs)
        if all(m is None for m in masks):
            return reduce(ops.multiply, inputs)
        # masked entries count as 1 in the product; the result is 0 where every input is masked
        has_output_mask = all(m is not None for m in masks)
        output = output_mask = None
        for x, m in zip(inputs, masks):
            if m is not None:
                x = ops.where(m, x, x.data.dtype.type(1))
                if has_output_mask:
                    output_mask = m if output_mask is None else np.logical_or(output_mask, m)
            output = x if output is None else ops.multiply(output, x)
        if has_output_mask:
            output = ops.where(output_mask, output, output.data.dtype.type(0))
            set_keras_mask(output, np.any(output_mask, axis=-1))
        return output


def _masked_extremum(layer: Layer, op: Any, inputs: List[Tensor]) -> Tensor:
    """Keras's Maximum/Minimum with masks: a masked entry takes the other operand's value, and the
    output is masked (OR of the masks) only when every input has a mask."""
    masks = _input_masks(layer, inputs)
    if all(m is None for m in masks):
        return reduce(op, inputs)
    output = output_mask = None
    for x, m in zip(inputs, masks):
        if output is None:
            output, output_mask = x, m
            continue
        if m is not None:
            x = ops.where(m, x, output)
        if output_mask is not None:
            output = ops.where(output_mask, output, x)
        output_mask = np.logical_or(output_mask, m) if m is not None and output_mask is not None else None
        output = op(output, x)
    if output_mask is not None:
        set_keras_mask(output, np.any(output_mask, axis=-1))
    return output


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
        return _masked_extremum(self, ops.maximum, inputs)


class Minimum(_Merge):
    """Elementwise minimum of a list of inputs.

    Args:
        **kwargs: base `Layer` arguments.
    """

    def _merge(self, inputs: List[Tensor]) -> Tensor:
        return _masked_extremum(self, ops.minimum, inputs)


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

    def compute_mask(self, inputs: Any, mask: Any = None) -> Any:
        """The output mask: the inputs' masks (all True for an input without one), each broadcast to
        its input, joined along `axis`, then reduced over the last axis with OR.

        Args:
            inputs: the list of inputs.
            mask: one mask (or None) per input.

        Returns:
            A boolean Tensor, or None when no input has a mask.

        Raises:
            ValueError: `mask` is not a list as long as `inputs`, or a mask does not fit its input.
        """
        masks = self._check_masks(inputs, mask)
        if masks is None or all(m is None for m in masks):
            return None
        owner = f"Layer '{self.name}' (Concatenate)"
        full = []
        for i, (x, m) in enumerate(zip(inputs, masks)):
            shape = tuple(x.shape)
            if m is None:
                full.append(np.ones(shape, dtype=bool))
                continue
            m = mask_array(owner, m, f"the mask of input {i}")
            if m.ndim < len(shape):
                m = m[..., None]
            try:
                full.append(np.broadcast_to(m, shape))
            except ValueError:
                raise ValueError(f"{owner}: input {i} of shape {shape} has a mask of shape {m.shape}, which does "
                                 f"not fit it") from None
        return Tensor(np.any(np.concatenate(full, axis=self.axis), axis=-1))

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

    def compute_mask(self, inputs: Any, mask: Any = None) -> None:
        """No output mask (as in Keras).

        Args:
            inputs: the two inputs.
            mask: their masks.

        Returns:
            None.
        """
        return None

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
