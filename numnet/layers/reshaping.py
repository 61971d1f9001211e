"""Reshaping layers: Flatten, Reshape, Permute, RepeatVector, zero padding, cropping and up-sampling."""
from __future__ import annotations

from typing import Any, Dict, Optional, Sequence

import numpy as np

from numnet import ops
from numnet.autograd.tensor import Tensor
from numnet.layers._layer_utils import normalize_data_format, normalize_tuple
from numnet.layers.layer import Layer

__all__ = [
    "Flatten", "Reshape", "ZeroPadding1D", "ZeroPadding2D", "Cropping1D", "Cropping2D", "UpSampling1D",
    "UpSampling2D", "Permute", "RepeatVector",
]


def _prod(dims: Sequence[Optional[int]]) -> Optional[int]:
    if any(d is None for d in dims):
        return None
    return int(np.prod(dims)) if dims else 1


class Flatten(Layer):
    """Flattens each sample: `(batch, d1, d2, ...)` -> `(batch, d1 * d2 * ...)`.

    Args:
        data_format: "channels_last" (default) or "channels_first"; with channels_first the
            channel axis is moved last before flattening, so the order matches channels_last.
        **kwargs: base `Layer` arguments.
    """

    def __init__(self, data_format: Optional[str] = None, **kwargs: Any) -> None:
        fmt = normalize_data_format(data_format, "Flatten")
        super().__init__(**kwargs)
        self.data_format = fmt
        self.built = True

    def call(self, inputs: Tensor) -> Tensor:
        shape = inputs.shape
        if self.data_format == "channels_first" and len(shape) > 2:
            inputs = ops.transpose(inputs, (0,) + tuple(range(2, len(shape))) + (1,))
        if len(shape) == 1:
            return ops.reshape(inputs, (shape[0], 1))
        return ops.reshape(inputs, (shape[0], -1))

    def compute_output_shape(self, input_shape: Any) -> tuple:
        shape = tuple(input_shape)
        if len(shape) == 0:
            raise ValueError(f"Layer '{self.name}' (Flatten) needs an input with a batch dimension, got shape {shape}")
        return (shape[0], _prod(shape[1:]))

    def get_config(self) -> Dict[str, Any]:
        config = super().get_config()
        config["data_format"] = self.data_format
        return config


class Reshape(Layer):
    """Reshapes each sample to `target_shape` (the batch dimension is kept).

    Args:
        target_shape: tuple of ints (without the batch dimension); one entry may be -1.
        **kwargs: base `Layer` arguments.

    Raises:
        ValueError: a bad target shape, or (at call) a sample size that does not fit it.
    """

    def __init__(self, target_shape: Sequence[int], **kwargs: Any) -> None:
        try:
            target = tuple(int(d) for d in target_shape)
        except (TypeError, ValueError):
            raise ValueError(f"Reshape: target_shape must be a tuple of ints, got {target_shape!r}") from None
        if sum(d == -1 for d in target) > 1 or any(d < -1 or d == 0 for d in target):
            raise ValueError(f"Reshape: target_shape must have positive entries and at most one -1, got {target_shape!r}")
        super().__init__(**kwargs)
        self.target_shape = target
        self.built = True

    def _resolve(self, sample_shape: Sequence[Optional[int]]) -> tuple:
        target = self.target_shape
        if -1 not in target:
            total = _prod(sample_shape)
            if total is not None and total != _prod(target):
                raise ValueError(
                    f"Layer '{self.name}' (Reshape) cannot reshape samples of shape {tuple(sample_shape)} "
                    f"({total} values) to target_shape {target} ({_prod(target)} values)"
                )
            return target
        total = _prod(sample_shape)
        known = int(np.prod([d for d in target if d != -1])) if len(target) > 1 else 1
        if total is None:
            return tuple(None if d == -1 else d for d in target)
        if total % known:
            raise ValueError(
                f"Layer '{self.name}' (Reshape) cannot reshape samples of shape {tuple(sample_shape)} "
                f"({total} values) to target_shape {target}"
            )
        return tuple(total // known if d == -1 else d for d in target)

    def call(self, inputs: Tensor) -> Tensor:
        shape = inputs.shape
        return ops.reshape(inputs, (shape[0],) + self._resolve(shape[1:]))

    def compute_output_shape(self, input_shape: Any) -> tuple:
        shape = tuple(input_shape)
        return (shape[0],) + self._resolve(shape[1:])

    def get_config(self) -> Dict[str, Any]:
        config = super().get_config()
        config["target_shape"] = list(self.target_shape)
        return config


# ----- padding, cropping, up-sampling, axis shuffles --------------------------------------------------
def _pair(value: Any) -> Optional[tuple]:
    """`value` as a (before, after) pair of non-negative ints, or None if it is not one."""
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        return (int(value), int(value)) if value >= 0 else None
    if isinstance(value, (list, tuple)) and len(value) == 2 and all(
            isinstance(v, (int, np.integer)) and not isinstance(v, bool) and v >= 0 for v in value):
        return (int(value[0]), int(value[1]))
    return None


def _pairs_1d(value: Any, owner: str, name: str) -> tuple:
    pair = _pair(value)
    if pair is None:
        raise ValueError(f"{owner}: {name} must be a non-negative int or a tuple of 2 non-negative ints "
                         f"(before, after), got {name}={value!r}")
    return pair


def _pairs_2d(value: Any, owner: str, name: str) -> tuple:
    """int -> ((p, p), (p, p)); (h, w) -> ((h, h), (w, w)); ((top, bottom), (left, right)) as is."""
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool) and value >= 0:
        return ((int(value),) * 2,) * 2
    if isinstance(value, (list, tuple)) and len(value) == 2:
        if all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) and v >= 0 for v in value):
            return ((int(value[0]),) * 2, (int(value[1]),) * 2)
        pairs = [_pair(v) if isinstance(v, (list, tuple)) else None for v in value]
        if all(p is not None for p in pairs):
            return tuple(pairs)
    raise ValueError(f"{owner}: {name} must be a non-negative int, a tuple of 2 ints (symmetric height, width) "
                     f"or a tuple of 2 tuples of 2 ints ((top, bottom), (left, right)), got {name}={value!r}")


def _label(layer: Layer) -> str:
    return f"Layer '{layer.name}' ({type(layer).__name__})"


def _check_rank(layer: Layer, shape: Sequence[Any], rank: int, layout: str) -> tuple:
    shape = tuple(shape)
    if len(shape) != rank:
        raise ValueError(f"{_label(layer)} expects inputs of rank {rank} {layout}, got inputs of shape {shape}")
    return shape


def _spatial_axes(data_format: str, n: int) -> tuple:
    """Positions of the n spatial axes in a (batch, ..., channels) or (batch, channels, ...) shape."""
    return tuple(range(1, n + 1)) if data_format == "channels_last" else tuple(range(2, n + 2))


class _Pad(Layer):
    """Zero padding of the spatial axes (`_n` of them); `self.padding` holds one pair per axis."""

    _n = 1

    def _layout(self) -> str:
        if self._n == 1:
            return "(batch, steps, channels)" if self.data_format == "channels_last" else "(batch, channels, steps)"
        return ("(batch, height, width, channels)" if self.data_format == "channels_last"
                else "(batch, channels, height, width)")

    def _pads(self) -> tuple:
        return (self.padding,) if self._n == 1 else self.padding

    def call(self, inputs: Tensor) -> Tensor:
        _check_rank(self, inputs.shape, self._n + 2, self._layout())
        widths = [(0, 0)] * (self._n + 2)
        for ax, pair in zip(_spatial_axes(self.data_format, self._n), self._pads()):
            widths[ax] = pair
        return ops.pad(inputs, widths)

    def compute_output_shape(self, input_shape: Any) -> tuple:
        out = list(_check_rank(self, input_shape, self._n + 2, self._layout()))
        for ax, (a, b) in zip(_spatial_axes(self.data_format, self._n), self._pads()):
            out[ax] = None if out[ax] is None else out[ax] + a + b
        return tuple(out)

    def get_config(self) -> Dict[str, Any]:
        config = super().get_config()
        config["padding"] = [list(p) for p in self.padding] if self._n == 2 else list(self.padding)
        config["data_format"] = self.data_format
        return config


class ZeroPadding1D(_Pad):
    """Pads the steps axis of `(batch, steps, channels)` inputs with zeros.

    Args:
        padding: int (the same on both sides) or tuple `(left, right)`.
        data_format: "channels_last" (default) or "channels_first".
        **kwargs: base `Layer` arguments.

    Raises:
        ValueError: a negative or badly shaped `padding`; at call, an input that is not rank 3.
    """

    _n = 1

    def __init__(self, padding: Any = 1, data_format: Optional[str] = None, **kwargs: Any) -> None:
        pads = _pairs_1d(padding, "ZeroPadding1D", "padding")
        fmt = normalize_data_format(data_format, "ZeroPadding1D")
        super().__init__(**kwargs)
        self.padding = pads
        self.data_format = fmt
        self.built = True


class ZeroPadding2D(_Pad):
    """Pads the height and width of images with zeros.

    Args:
        padding: int (all four sides), tuple `(h, w)` (symmetric per axis) or
            `((top, bottom), (left, right))`.
        data_format: "channels_last" (default) or "channels_first".
        **kwargs: base `Layer` arguments.

    Raises:
        ValueError: a negative or badly shaped `padding`; at call, an input that is not rank 4.
    """

    _n = 2

    def __init__(self, padding: Any = (1, 1), data_format: Optional[str] = None, **kwargs: Any) -> None:
        pads = _pairs_2d(padding, "ZeroPadding2D", "padding")
        fmt = normalize_data_format(data_format, "ZeroPadding2D")
        super().__init__(**kwargs)
        self.padding = pads
        self.data_format = fmt
        self.built = True


class _Crop(_Pad):
    """Cropping of the spatial axes; `self.cropping` holds one pair per axis."""

    def _pads(self) -> tuple:
        return (self.cropping,) if self._n == 1 else self.cropping

    def call(self, inputs: Tensor) -> Tensor:
        self.compute_output_shape(tuple(inputs.shape))
        index = [slice(None)] * (self._n + 2)
        for ax, (a, b) in zip(_spatial_axes(self.data_format, self._n), self._pads()):
            index[ax] = slice(a, inputs.shape[ax] - b)
        return ops.get_item(inputs, tuple(index))

    def compute_output_shape(self, input_shape: Any) -> tuple:
        out = list(_check_rank(self, input_shape, self._n + 2, self._layout()))
        for ax, (a, b) in zip(_spatial_axes(self.data_format, self._n), self._pads()):
            if out[ax] is None:
                continue
            if a + b >= out[ax]:
                raise ValueError(f"{_label(self)}: cropping={self.cropping} leaves nothing of axis {ax} "
                                 f"(size {out[ax]}) of inputs of shape {tuple(input_shape)}")
            out[ax] -= a + b
        return tuple(out)

    def get_config(self) -> Dict[str, Any]:
        config = Layer.get_config(self)
        config["cropping"] = [list(p) for p in self.cropping] if self._n == 2 else list(self.cropping)
        if self._n == 2:
            config["data_format"] = self.data_format
        return config


class Cropping1D(_Crop):
    """Crops the steps axis of `(batch, steps, channels)` inputs.

    Args:
        cropping: int (the same on both sides) or tuple `(start, end)`: how many steps to drop.
        **kwargs: base `Layer` arguments.

    Raises:
        ValueError: a negative or badly shaped `cropping`; at call, an input that is not rank 3
            or not longer than the cropping.
    """

    _n = 1

    def __init__(self, cropping: Any = (1, 1), **kwargs: Any) -> None:
        crops = _pairs_1d(cropping, "Cropping1D", "cropping")
        super().__init__(**kwargs)
        self.cropping = crops
        self.data_format = "channels_last"
        self.built = True


class Cropping2D(_Crop):
    """Crops the height and width of images.

    Args:
        cropping: int (all four sides), tuple `(h, w)` (symmetric per axis) or
            `((top, bottom), (left, right))`.
        data_format: "channels_last" (default) or "channels_first".
        **kwargs: base `Layer` arguments.

    Raises:
        ValueError: a negative or badly shaped `cropping`; at call, an input that is not rank 4
            or not larger than the cropping.
    """

    _n = 2

    def __init__(self, cropping: Any = ((0, 0), (0, 0)), data_format: Optional[str] = None, **kwargs: Any) -> None:
        crops = _pairs_2d(cropping, "Cropping2D", "cropping")
        fmt = normalize_data_format(data_format, "Cropping2D")
        super().__init__(**kwargs)
        self.cropping = crops
        self.data_format = fmt
        self.built = True


_INTERPOLATIONS = ("nearest", "bilinear")


def _resize_axis(x: Tensor, axis: int, size: int, interpolation: str) -> Tensor:
    """Resize one axis of `x` to `size` (half-pixel centers, as Keras's image resizing without antialias).

    "nearest" takes input index ``floor((i + 0.5) * in / out)``; "bilinear" blends the two
    neighbours of ``(i + 0.5) * in / out - 0.5``, clamped at the edges. Both are gathers, so
    the gradient scatters back.

    Args:
        x: the tensor.
        axis: the axis to resize.
        size: its new length.
        interpolation: "nearest" or "bilinear".

    Returns:
        The resized tensor.
    """
    n = x.shape[axis]
    if size == n:
        return x
    scale = n / size
    if interpolation == "nearest":
        if size % n == 0:
            return ops.repeat(x, size // n, axis=axis)
        index = np.minimum(np.floor((np.arange(size) + 0.5) * scale).astype(np.intp), n - 1)
        return ops.take(x, index, axis=axis)
    pos = np.clip((np.arange(size) + 0.5) * scale - 0.5, 0, n - 1)
    lo = np.floor(pos).astype(np.intp)
    hi = np.minimum(lo + 1, n - 1)
    bshape = [1] * x.ndim
    bshape[axis] = size
    frac = (pos - lo).astype(x.dtype).reshape(bshape)
    return ops.add(ops.multiply(ops.take(x, lo, axis=axis), 1 - frac), ops.multiply(ops.take(x, hi, axis=axis), frac))


class UpSampling1D(Layer):
    """Repeats each step of `(batch, steps, features)` inputs `size` times.

    Args:
        size: the up-sampling factor (positive int).
        **kwargs: base `Layer` arguments.

    Raises:
        ValueError: a non-positive `size`; at call, an input that is not rank 3.
    """

    def __init__(self, size: int = 2, **kwargs: Any) -> None:
        (size,) = normalize_tuple(size, 1, "size", "UpSampling1D")
        super().__init__(**kwargs)
        self.size = size
        self.built = True

    def call(self, inputs: Tensor) -> Tensor:
        _check_rank(self, inputs.shape, 3, "(batch, steps, features)")
        return ops.repeat(inputs, self.size, axis=1)

    def compute_output_shape(self, input_shape: Any) -> tuple:
        b, steps, f = _check_rank(self, input_shape, 3, "(batch, steps, features)")
        return (b, None if steps is None else steps * self.size, f)

    def get_config(self) -> Dict[str, Any]:
        config = super().get_config()
        config["size"] = self.size
        return config


class UpSampling2D(Layer):
    """Up-samples images by `size`: repeats rows and columns ("nearest") or interpolates ("bilinear").

    Args:
        size: int or tuple `(rows, cols)` of positive up-sampling factors.
        data_format: "channels_last" (default) or "channels_first".
        interpolation: "nearest" (default) or "bilinear" (half-pixel centers, as Keras).
        **kwargs: base `Layer` arguments.

    Raises:
        ValueError: a bad `size`, `data_format` or `interpolation`; at call, an input that is not rank 4.
    """

    def __init__(self, size: Any = (2, 2), data_format: Optional[str] = None, interpolation: str = "nearest",
                 **kwargs: Any) -> None:
        size = normalize_tuple(size, 2, "size", "UpSampling2D")
        fmt = normalize_data_format(data_format, "UpSampling2D")
        if interpolation not in _INTERPOLATIONS:
            raise ValueError(f"UpSampling2D: interpolation must be one of {_INTERPOLATIONS} (numnet implements "
                             f"these two), got interpolation={interpolation!r}")
        super().__init__(**kwargs)
        self.size = size
        self.data_format = fmt
        self.interpolation = interpolation
        self.built = True

    def _layout(self) -> str:
        return ("(batch, height, width, channels)" if self.data_format == "channels_last"
                else "(batch, channels, height, width)")

    def call(self, inputs: Tensor) -> Tensor:
        shape = _check_rank(self, inputs.shape, 4, self._layout())
        y = inputs
        for ax, factor in zip(_spatial_axes(self.data_format, 2), self.size):
            y = _resize_axis(y, ax, shape[ax] * factor, self.interpolation)
        return y

    def compute_output_shape(self, input_shape: Any) -> tuple:
        out = list(_check_rank(self, input_shape, 4, self._layout()))
        for ax, factor in zip(_spatial_axes(self.data_format, 2), self.size):
            out[ax] = None if out[ax] is None else out[ax] * factor
        return tuple(out)

    def get_config(self) -> Dict[str, Any]:
        config = super().get_config()
        config.update({"size": list(self.size), "data_format": self.data_format,
                       "interpolation": self.interpolation})
        return config


class Permute(Layer):
    """Permutes the non-batch axes: `dims` is a permutation of `1..rank-1` (1-indexed, as Keras).

    Args:
        dims: tuple of ints, e.g. `(2, 1)` swaps the two axes of `(batch, a, b)` inputs.
        **kwargs: base `Layer` arguments.

    Raises:
        ValueError: `dims` is not a permutation of `1..len(dims)`; at call, an input of another rank.
    """

    def __init__(self, dims: Sequence[int], **kwargs: Any) -> None:
        try:
            perm = tuple(int(d) for d in dims)
        except (TypeError, ValueError):
            perm = None
        if perm is None or sorted(perm) != list(range(1, len(perm) + 1)):
            raise ValueError(f"Permute: dims must be a permutation of the axes 1..n (the batch axis 0 stays), "
                             f"e.g. (2, 1), got dims={dims!r}")
        super().__init__(**kwargs)
        self.dims = perm
        self.built = True

    def call(self, inputs: Tensor) -> Tensor:
        self.compute_output_shape(tuple(inputs.shape))
        return ops.transpose(inputs, (0,) + self.dims)

    def compute_output_shape(self, input_shape: Any) -> tuple:
        shape = tuple(input_shape)
        if len(shape) != len(self.dims) + 1:
            raise ValueError(f"{_label(self)} with dims={self.dims} expects inputs of rank {len(self.dims) + 1}, "
                             f"got inputs of shape {shape}")
        return (shape[0],) + tuple(shape[d] for d in self.dims)

    def get_config(self) -> Dict[str, Any]:
        config = super().get_config()
        config["dims"] = list(self.dims)
        return config


class RepeatVector(Layer):
    """Repeats each `(features,)` vector `n` times: `(batch, features)` -> `(batch, n, features)`.

    Args:
        n: the number of repetitions (positive int).
        **kwargs: base `Layer` arguments.

    Raises:
        ValueError: a non-positive `n`; at call, an input that is not rank 2.
    """

    def __init__(self, n: int, **kwargs: Any) -> None:
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
            raise ValueError(f"RepeatVector: n must be a positive int, got n={n!r}")
        super().__init__(**kwargs)
        self.n = int(n)
        self.built = True

    def call(self, inputs: Tensor) -> Tensor:
        _check_rank(self, inputs.shape, 2, "(batch, features)")
        return ops.tile(ops.expand_dims(inputs, 1), (1, self.n, 1))

    def compute_output_shape(self, input_shape: Any) -> tuple:
        b, f = _check_rank(self, input_shape, 2, "(batch, features)")
        return (b, self.n, f)

    def get_config(self) -> Dict[str, Any]:
        config = super().get_config()
        config["n"] = self.n
        return config
