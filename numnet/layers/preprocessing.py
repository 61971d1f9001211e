"""Preprocessing layers: Rescaling, Normalization (with `adapt`), CenterCrop, Resizing.

They run inside the model like any layer (and are differentiable), so a saved model
carries its preprocessing: Normalization's statistics are non-trainable weights.
"""
from __future__ import annotations

from typing import Any, Dict, Iterable, Optional, Tuple

import numpy as np

from numnet import ops
from numnet.autograd.tensor import Tensor
from numnet.layers._layer_utils import normalize_data_format
from numnet.layers.layer import Layer
from numnet.layers.reshaping import _resize_axis

__all__ = ["Rescaling", "Normalization", "CenterCrop", "Resizing"]

_EPSILON = 1e-7  # Keras's backend epsilon: the smallest standard deviation Normalization divides by


def _label(layer: Layer) -> str:
    return f"Layer '{layer.name}' ({type(layer).__name__})"


def _to_float(layer: Layer, x: Tensor) -> Tensor:
    """Integer images (uint8, ...) become the layer's float dtype, as in Keras."""
    return x if x.dtype == np.dtype(layer.dtype) else ops.cast(x, layer.dtype)


def _number_or_list(value: Any, owner: str, name: str) -> Any:
    """A float, or a (nested) list of floats for per-channel values; JSON-ready."""
    if isinstance(value, bool):
        raise ValueError(f"{owner}: {name} must be a number or a list of numbers, got {name}={value!r}")
    try:
        arr = np.asarray(getattr(value, "data", value), dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"{owner}: {name} must be a number or a list of numbers, got {name}={value!r}") from None
    return float(arr) if arr.ndim == 0 else arr.tolist()


class Rescaling(Layer):
    """Multiplies the inputs by `scale` and adds `offset` (e.g. `Rescaling(1 / 255)` for images).

    Integer inputs are cast to the layer's float dtype first.

    Args:
        scale: a float, or a list broadcast against the inputs (e.g. one per channel).
        offset: a float or a list, added after scaling.
        **kwargs: base `Layer` arguments.

    Raises:
        ValueError: `scale` or `offset` is not numeric.
    """

    _supports_masking = True

    def __init__(self, scale: Any, offset: Any = 0.0, **kwargs: Any) -> None:
        scale = _number_or_list(scale, "Rescaling", "scale")
        offset = _number_or_list(offset, "Rescaling", "offset")
        super().__init__(**kwargs)
        self.scale = scale
        self.offset = offset
        self._scale = np.asarray(scale, dtype=self.dtype)
        self._offset = np.asarray(offset, dtype=self.dtype)
        self.built = True

    def call(self, inputs: Tensor) -> Tensor:
        return ops.add(ops.multiply(_to_float(self, inputs), self._scale), self._offset)

    def compute_output_shape(self, input_shape: Any) -> Any:
        return input_shape

    def get_config(self) -> Dict[str, Any]:
        config = super().get_config()
        config.update({"scale": self.scale, "offset": self.offset})
        return config


class Normalization(Layer):
    """Standardizes features: `(x - mean) / sqrt(variance)`, with statistics given or learned by `adapt`.

    The standard deviation is floored at 1e-7, as in Keras. Without `mean`/`variance`, the
    layer owns three non-trainable weights, in Keras's order: `mean` and `variance` (shaped
    like the kept axes) and an int32 `count` (kept at 0, as Keras 3 leaves it); `adapt(data)`
    fills them.

    Args:
        axis: int, tuple of ints or None: the axes with their own mean and variance (default -1,
            the features); None normalizes with one scalar mean and variance.
        mean: the mean (a float or values broadcast to the kept axes); given with `variance`.
        variance: the variance, likewise.
        invert: apply the inverse, `mean + x * sqrt(variance)`.
        **kwargs: base `Layer` arguments.

    Raises:
        ValueError: only one of `mean`/`variance` given, a bad `axis`; at build, an axis out of
            range or statistics that do not broadcast to the kept axes.
    """

    _supports_masking = True

    def __init__(self, axis: Any = -1, mean: Any = None, variance: Any = None, invert: bool = False,
                 **kwargs: Any) -> None:
        if axis is None:
            axes: Optional[Tuple[int, ...]] = ()
        elif isinstance(axis, (int, np.integer)) and not isinstance(axis, bool):
            axes = (int(axis),)
        elif isinstance(axis, (list, tuple)) and all(
                isinstance(a, (int, np.integer)) and not isinstance(a, bool) for a in axis):
            axes = tuple(int(a) for a in axis)
        else:
            raise ValueError(f"Normalization: axis must be an int, a tuple of ints or None, got axis={axis!r}")
        if (mean is None) != (variance is None):
            raise ValueError(f"Normalization: set both mean and variance, or neither (to learn them with "
                             f"adapt()), got mean={mean!r} and variance={variance!r}")
        if mean is not None:
            mean = _number_or_list(mean, "Normalization", "mean")
            variance = _number_or_list(variance, "Normalization", "variance")
        super().__init__(**kwargs)
        self.axis = axes
        self.input_mean = mean
        self.input_variance = variance
        self.invert = bool(invert)
        self.mean = self.variance = self.count = None
        self._stats: Optional[Tuple[np.ndarray, np.ndarray]] = None

    def _geometry(self, input_shape: Any) -> Tuple[Tuple[int, ...], Tuple[int, ...], Tuple[int, ...]]:
        """(kept axes, kept shape, broadcast shape) for inputs of `input_shape`."""
        shape = tuple(input_shape)
        ndim = len(shape)
        for a in self.axis:
            if not -ndim <= a < ndim:
                raise ValueError(f"{_label(self)}: axis={list(self.axis)} is out of range for inputs of shape "
                                 f"{shape}")
        keep = tuple(sorted({a % ndim for a in self.axis}))
        if any(shape[a] is None for a in keep):
            raise ValueError(f"{_label(self)}: the normalized axes {list(keep)} must have known sizes, got input "
                             f"shape {shape}")
        kept = tuple(int(shape[a]) for a in keep)
        bshape = tuple(int(shape[i]) if i in keep else 1 for i in range(ndim))
        return keep, kept, bshape

    def build(self, input_shape: Any) -> None:
        keep, kept, bshape = self._geometry(input_shape)
        self._ndim, self._keep, self._kept, self._bshape = len(tuple(input_shape)), keep, kept, bshape
        if self.input_mean is None:
            self.mean = self.add_weight(shape=kept, initializer="zeros", trainable=False, name="mean")
            self.variance = self.add_weight(shape=kept, initializer="ones", trainable=False, name="variance")
            self.count = self.add_weight(shape=(), initializer="zeros", dtype="int32", trainable=False, name="count")
        else:
            try:
                mean = np.broadcast_to(np.asarray(self.input_mean, dtype=self.dtype), kept)
                var = np.broadcast_to(np.asarray(self.input_variance, dtype=self.dtype), kept)
            except ValueError:
                raise ValueError(f"{_label(self)}: mean {np.shape(self.input_mean)} and variance "
                                 f"{np.shape(self.input_variance)} do not broadcast to the kept axes' shape {kept} "
                                 f"(input shape {tuple(input_shape)})") from None
            self._stats = (mean.reshape(bshape).copy(), var.reshape(bshape).copy())
        self.built = True

    def adapt(self, data: Any) -> None:
        """Compute the mean and variance of `data` over every axis but `axis` and store them.

        Args:
            data: an array (or Tensor) of samples, or an iterable of such batches (e.g. a
                generator); statistics are combined exactly across batches.

        Raises:
            ValueError: the layer was given `mean`/`variance`, `data` is empty, or its shape does
                not match the shape the layer was built with.
        """
        if self.input_mean is not None:
            raise ValueError(f"{_label(self)}: adapt() cannot be used when mean and variance were given to the "
                             f"constructor")
        if isinstance(data, (np.ndarray, Tensor, list)) or np.isscalar(data):
            batches: Iterable[Any] = [data]
        else:
            batches = data
        total = 0
        mean = m2 = None
        for batch in batches:
            arr = np.asarray(getattr(batch, "data", batch))
            if arr.dtype.kind not in "biuf":
                raise ValueError(f"{_label(self)}: adapt() needs numeric data, got dtype {arr.dtype}")
            arr = arr.astype(np.float64)
            if not self.built:
                keep = {a % arr.ndim for a in self.axis if -arr.ndim <= a < arr.ndim}
                self._maybe_build(arr.shape if 0 in keep else (None,) + arr.shape[1:])
            if arr.ndim != self._ndim or tuple(arr.shape[a] for a in self._keep) != self._kept:
                raise ValueError(f"{_label(self)}: adapt() got data of shape {arr.shape}, but the layer normalizes "
                                 f"axes {list(self._keep)} of size {self._kept} in inputs of rank {self._ndim}")
            reduce_axes = tuple(i for i in range(arr.ndim) if i not in self._keep)
            n = int(np.prod([arr.shape[i] for i in reduce_axes])) if reduce_axes else 1
            if n == 0:
                continue
            b_mean = arr.mean(axis=reduce_axes, keepdims=True)
            b_m2 = np.square(arr - b_mean).sum(axis=reduce_axes, keepdims=True)
            if mean is None:
                mean, m2, total = b_mean, b_m2, n
            else:  # Chan et al.'s pairwise combination of means and sums of squared deviations
                delta = b_mean - mean
                new_total = total + n
                mean = mean + delta * (n / new_total)
                m2 = m2 + b_m2 + np.square(delta) * (total * n / new_total)
                total = new_total
        if mean is None:
            raise ValueError(f"{_label(self)}: adapt() got no data")
        self.mean.assign(mean.reshape(self._kept).astype(self.dtype))
        self.variance.assign((m2 / total).reshape(self._kept).astype(self.dtype))

    def _statistics(self) -> Tuple[np.ndarray, np.ndarray]:
        if self._stats is not None:
            return self._stats
        return self.mean.data.reshape(self._bshape), self.variance.data.reshape(self._bshape)

    def call(self, inputs: Tensor) -> Tensor:
        shape = tuple(inputs.shape)
        if len(shape) != self._ndim or tuple(shape[a] for a in self._keep) != self._kept:
            raise ValueError(f"{_label(self)} expected inputs of rank {self._ndim} with sizes {self._kept} on axes "
                             f"{list(self._keep)}, got inputs of shape {shape}")
        x = _to_float(self, inputs)
        mean, var = self._statistics()
        std = np.maximum(np.sqrt(var), np.asarray(_EPSILON, dtype=var.dtype)).astype(x.dtype)
        mean = mean.astype(x.dtype)
        if self.invert:
            return ops.add(ops.multiply(x, std), mean)
        return ops.divide(ops.subtract(x, mean), std)

    def compute_output_shape(self, input_shape: Any) -> Any:
        self._geometry(input_shape)
        return input_shape

    def get_config(self) -> Dict[str, Any]:
        config = super().get_config()
        config.update({"axis": list(self.axis) if self.axis else None, "invert": self.invert,
                       "mean": self.input_mean, "variance": self.input_variance})
        return config


def _image_axes(layer: Layer, shape: Any) -> Tuple[int, int]:
    shape = tuple(shape)
    if len(shape) not in (3, 4):
        raise ValueError(f"{_label(layer)} expects images of rank 4 (batch, height, width, channels) or rank 3 "
                         f"(one image), got inputs of shape {shape}")
    first = 1 if len(shape) == 4 else 0
    return (first + 1, first + 2) if layer.data_format == "channels_first" else (first, first + 1)


def _positive(owner: str, name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{owner}: {name} must be a positive int, got {name}={value!r}")
    return int(value)


def _crop_to_ratio(x: Tensor, axes: Tuple[int, int], height: int, width: int) -> Tensor:
    """Center crop with the target aspect ratio (Keras's rule, truncating sizes and offsets)."""
    h, w = x.shape[axes[0]], x.shape[axes[1]]
    ch = max(min(h, int(float(w * height) / width)), 1)
    cw = max(min(w, int(float(h * width) / height)), 1)
    top, left = int(float(h - ch) / 2), int(float(w - cw) / 2)
    index = [slice(None)] * x.ndim
    index[axes[0]], index[axes[1]] = slice(top, top + ch), slice(left, left + cw)
    return ops.get_item(x, tuple(index))


def _resize(x: Tensor, axes: Tuple[int, int], height: int, width: int, interpolation: str) -> Tensor:
    return _resize_axis(_resize_axis(x, axes[0], height, interpolation), axes[1], width, interpolation)


class CenterCrop(Layer):
    """Crops the central `height` x `width` window of images.

    An image smaller than the target on either side is first cropped to the target's aspect
    ratio and resized to it (bilinear), as Keras does. Integer images are cast to float.

    Args:
        height: target height.
        width: target width.
        data_format: "channels_last" (default) or "channels_first".
        **kwargs: base `Layer` arguments.

    Raises:
        ValueError: a non-positive height/width; at call, inputs that are not images.
    """

    def __init__(self, height: int, width: int, data_format: Optional[str] = None, **kwargs: Any) -> None:
        height = _positive("CenterCrop", "height", height)
        width = _positive("CenterCrop", "width", width)
        fmt = normalize_data_format(data_format, "CenterCrop")
        super().__init__(**kwargs)
        self.height, self.width, self.data_format = height, width, fmt
        self.built = True

    def call(self, inputs: Tensor) -> Tensor:
        axes = _image_axes(self, inputs.shape)
        x = _to_float(self, inputs)
        h, w = x.shape[axes[0]], x.shape[axes[1]]
        if h < self.height or w < self.width:
            return _resize(_crop_to_ratio(x, axes, self.height, self.width), axes, self.height, self.width,
                           "bilinear")
        top, left = (h - self.height) // 2, (w - self.width) // 2
        index = [slice(None)] * x.ndim
        index[axes[0]], index[axes[1]] = slice(top, top + self.height), slice(left, left + self.width)
        return ops.get_item(x, tuple(index))

    def compute_output_shape(self, input_shape: Any) -> tuple:
        out = list(input_shape)
        axes = _image_axes(self, input_shape)
        out[axes[0]], out[axes[1]] = self.height, self.width
        return tuple(out)

    def get_config(self) -> Dict[str, Any]:
        config = super().get_config()
        config.update({"height": self.height, "width": self.width, "data_format": self.data_format})
        return config


class Resizing(Layer):
    """Resizes images to `height` x `width` (half-pixel centers, as Keras).

    Args:
        height: target height.
        width: target width.
        interpolation: "bilinear" (default) or "nearest".
        crop_to_aspect_ratio: first center-crop to the target aspect ratio (no distortion).
        pad_to_aspect_ratio: only False (padding to the aspect ratio is not implemented).
        fill_mode: padding mode of `pad_to_aspect_ratio`; only "constant".
        fill_value: padding value of `pad_to_aspect_ratio` (kept in the config).
        antialias: only False (numnet does not filter when down-sampling).
        data_format: "channels_last" (default) or "channels_first".
        **kwargs: base `Layer` arguments.

    Raises:
        ValueError: a bad size, an unsupported interpolation/fill_mode/antialias/pad_to_aspect_ratio;
            at call, inputs that are not images.
    """

    def __init__(self, height: int, width: int, interpolation: str = "bilinear", crop_to_aspect_ratio: bool = False,
                 pad_to_aspect_ratio: bool = False, fill_mode: str = "constant", fill_value: float = 0.0,
                 antialias: bool = False, data_format: Optional[str] = None, **kwargs: Any) -> None:
        height = _positive("Resizing", "height", height)
        width = _positive("Resizing", "width", width)
        if interpolation not in ("bilinear", "nearest"):
            raise ValueError(f"Resizing: interpolation must be 'bilinear' or 'nearest' (the ones numnet implements), "
                             f"got interpolation={interpolation!r}")
        if pad_to_aspect_ratio:
            raise ValueError("Resizing: pad_to_aspect_ratio=True is not supported by numnet (only False)")
        if fill_mode != "constant":
            raise ValueError(f"Resizing: fill_mode must be 'constant', got fill_mode={fill_mode!r}")
        if antialias:
            raise ValueError("Resizing: antialias=True is not supported by numnet (only False)")
        fmt = normalize_data_format(data_format, "Resizing")
        super().__init__(**kwargs)
        self.height, self.width = height, width
        self.interpolation = interpolation
        self.crop_to_aspect_ratio = bool(crop_to_aspect_ratio)
        self.pad_to_aspect_ratio = False
        self.fill_mode, self.fill_value = fill_mode, float(fill_value)
        self.antialias = False
        self.data_format = fmt
        self.built = True

    def call(self, inputs: Tensor) -> Tensor:
        axes = _image_axes(self, inputs.shape)
        x = _to_float(self, inputs)
        if self.crop_to_aspect_ratio:
            x = _crop_to_ratio(x, axes, self.height, self.width)
        return _resize(x, axes, self.height, self.width, self.interpolation)

    def compute_output_shape(self, input_shape: Any) -> tuple:
        out = list(input_shape)
        axes = _image_axes(self, input_shape)
        out[axes[0]], out[axes[1]] = self.height, self.width
        return tuple(out)

    def get_config(self) -> Dict[str, Any]:
        config = super().get_config()
        config.update({
            "height": self.height, "width": self.width, "interpolation": self.interpolation,
            "crop_to_aspect_ratio": self.crop_to_aspect_ratio, "pad_to_aspect_ratio": self.pad_to_aspect_ratio,
            "fill_mode": self.fill_mode, "fill_value": self.fill_value, "antialias": self.antialias,
            "data_format": self.data_format,
        })
        return config
