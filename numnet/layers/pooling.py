"""Pooling layers: max/average pooling (1-D, 2-D) and their global versions."""
from __future__ import annotations

from typing import Any, Dict, Optional

from numnet import ops
from numnet.autograd.tensor import Tensor
from numnet.layers._layer_utils import (
    conv_output_length, mask_array, normalize_data_format, normalize_padding, normalize_tuple,
)
from numnet.layers.layer import Layer

__all__ = [
    "MaxPooling1D", "MaxPooling2D", "AveragePooling1D", "AveragePooling2D",
    "GlobalMaxPooling1D", "GlobalMaxPooling2D", "GlobalAveragePooling1D", "GlobalAveragePooling2D",
    "MaxPool1D", "MaxPool2D", "AvgPool1D", "AvgPool2D",
    "GlobalMaxPool1D", "GlobalMaxPool2D", "GlobalAvgPool1D", "GlobalAvgPool2D",
]


def _check_rank(layer: Layer, shape: tuple, rank: int) -> None:
    if len(shape) != rank + 2:
        raise ValueError(
            f"Layer '{layer.name}' ({type(layer).__name__}) expects inputs of rank {rank + 2}, "
            f"got inputs of shape {tuple(shape)} (rank {len(shape)})"
        )


class _Pooling(Layer):
    rank = 2
    _op = staticmethod(ops.max_pool)

    def __init__(self, pool_size: Any = 2, strides: Any = None, padding: str = "valid",
                 data_format: Optional[str] = None, **kwargs: Any) -> None:
        owner = type(self).__name__
        pool_size = normalize_tuple(pool_size, self.rank, "pool_size", owner)
        strides = pool_size if strides is None else normalize_tuple(strides, self.rank, "strides", owner)
        padding = normalize_padding(padding, owner)
        data_format = normalize_data_format(data_format, owner)
        super().__init__(**kwargs)
        self.pool_size = pool_size
        self.strides = strides
        self.padding = padding
        self.data_format = data_format
        self.built = True

    def call(self, inputs: Tensor) -> Tensor:
        if inputs.ndim != self.rank + 2:
            _check_rank(self, inputs.shape, self.rank)
        return type(self)._op(inputs, self.pool_size, strides=self.strides, padding=self.padding,
                              data_format=self.data_format)

    def compute_output_shape(self, input_shape: Any) -> tuple:
        shape = tuple(input_shape)
        _check_rank(self, shape, self.rank)
        last = self.data_format == "channels_last"
        spatial = shape[1:-1] if last else shape[2:]
        out = []
        for i, size in enumerate(spatial):
            n = conv_output_length(size, self.pool_size[i], self.padding, self.strides[i])
            if n is not None and n < 1:
                raise ValueError(f"Layer '{self.name}' ({type(self).__name__}): input shape {shape} is smaller "
                                 f"than pool_size={self.pool_size} with padding='{self.padding}'")
            out.append(n)
        return (shape[0],) + tuple(out) + (shape[-1],) if last else (shape[0], shape[1]) + tuple(out)

    def get_config(self) -> Dict[str, Any]:
        config = super().get_config()
        config.update({"pool_size": list(self.pool_size), "strides": list(self.strides),
                       "padding": self.padding, "data_format": self.data_format})
        return config


class MaxPooling1D(_Pooling):
    """Max over windows of `pool_size` steps of `(batch, steps, channels)` inputs.

    Args:
        pool_size: window length (default 2).
        strides: step between windows (default `pool_size`).
        padding: "valid" or "same".
        data_format: "channels_last" (default) or "channels_first".
        **kwargs: base `Layer` arguments.
    """

    rank = 1
    _op = staticmethod(ops.max_pool)


class MaxPooling2D(_Pooling):
    """Max over `pool_size` windows of `(batch, height, width, channels)` inputs.

    Args:
        pool_size: int or 2-tuple (default (2, 2)).
        strides: int or 2-tuple (default `pool_size`).
        padding: "valid" or "same".
        data_format: "channels_last" (default) or "channels_first".
        **kwargs: base `Layer` arguments.
    """

    rank = 2
    _op = staticmethod(ops.max_pool)


class AveragePooling1D(_Pooling):
    """Mean over windows of `pool_size` steps (with "same" padding, of the real elements only).

    Args: as `MaxPooling1D`.
    """

    rank = 1
    _op = staticmethod(ops.average_pool)


class AveragePooling2D(_Pooling):
    """Mean over `pool_size` windows (with "same" padding, of the real elements only).

    Args: as `MaxPooling2D`.
    """

    rank = 2
    _op = staticmethod(ops.average_pool)


class _GlobalPooling(Layer):
    rank = 2
    _reduce = staticmethod(ops.max)

    def __init__(self, data_format: Optional[str] = None, keepdims: bool = False, **kwargs: Any) -> None:
        data_format = normalize_data_format(data_format, type(self).__name__)
        super().__init__(**kwargs)
        self.data_format = data_format
        self.keepdims = bool(keepdims)
        self._axes = tuple(range(1, self.rank + 1)) if data_format == "channels_last" \
            else tuple(range(2, self.rank + 2))
        self.built = True

    def call(self, inputs: Tensor) -> Tensor:
        if inputs.ndim != self.rank + 2:
            _check_rank(self, inputs.shape, self.rank)
        return type(self)._reduce(inputs, axis=self._axes, keepdims=self.keepdims)

    def compute_output_shape(self, input_shape: Any) -> tuple:
        shape = tuple(input_shape)
        _check_rank(self, shape, self.rank)
        if self.keepdims:
            return tuple(1 if i in self._axes else d for i, d in enumerate(shape))
        return tuple(d for i, d in enumerate(shape) if i not in self._axes)

    def get_config(self) -> Dict[str, Any]:
        config = super().get_config()
        config.update({"data_format": self.data_format, "keepdims": self.keepdims})
        return config


class GlobalMaxPooling1D(_GlobalPooling):
    """Max over the steps axis: `(batch, steps, channels)` -> `(batch, channels)`.

    Args:
        data_format: "channels_last" (default) or "channels_first".
        keepdims: keep the reduced axis with length 1.
        **kwargs: base `Layer` arguments.
    """

    rank = 1
    _reduce = staticmethod(ops.max)


class GlobalMaxPooling2D(_GlobalPooling):
    """Max over height and width: `(batch, h, w, channels)` -> `(batch, channels)`.

    Args: as `GlobalMaxPooling1D`.
    """

    rank = 2
    _reduce = staticmethod(ops.max)


class GlobalAveragePooling1D(_GlobalPooling):
    """Mean over the steps axis: `(batch, steps, channels)` -> `(batch, channels)`.

    With a mask `(batch, steps)` (passed as `mask=`, or carried by the input, e.g. from
    `Embedding(mask_zero=True)` or `Masking`), the mean is over the unmasked steps only, as in
    Keras; the output carries no mask.

    Args:
        data_format: "channels_last" (default) or "channels_first".
        keepdims: keep the reduced axis with length 1.
        **kwargs: base `Layer` arguments.

    Raises:
        ValueError: at call, inputs that are not rank 3, or a mask that is not `(batch, steps)`.
        TypeError: a mask that is not boolean or numeric.
    """

    rank = 1
    _reduce = staticmethod(ops.mean)
    _supports_masking = True

    def call(self, inputs: Tensor, mask: Any = None) -> Tensor:
        if mask is None:
            return super().call(inputs)
        if inputs.ndim != 3:
            _check_rank(self, inputs.shape, self.rank)
        steps = self._axes[0]
        shape = tuple(inputs.shape)
        m = mask_array(f"Layer '{self.name}' (GlobalAveragePooling1D)", mask, shape=(shape[0], shape[steps]))
        keep = m[:, :, None] if steps == 1 else m[:, None, :]
        total = ops.sum(ops.where(keep, inputs, inputs.data.dtype.type(0)), axis=steps, keepdims=self.keepdims)
        count = keep.sum(axis=steps, keepdims=self.keepdims).astype(inputs.data.dtype)
        return total / count

    def compute_mask(self, inputs: Any, mask: Any = None) -> None:
        """No output mask: the steps axis is pooled away.

        Args:
            inputs: the layer's input.
            mask: the input's mask.

        Returns:
            None.
        """
        return None


class GlobalAveragePooling2D(_GlobalPooling):
    """Mean over height and width: `(batch, h, w, channels)` -> `(batch, channels)`.

    Args: as `GlobalMaxPooling1D`.
    """

    rank = 2
    _reduce = staticmethod(ops.mean)


MaxPool1D = MaxPooling1D
MaxPool2D = MaxPooling2D
AvgPool1D = AveragePooling1D
AvgPool2D = AveragePooling2D
GlobalMaxPool1D = GlobalMaxPooling1D
GlobalMaxPool2D = GlobalMaxPooling2D
GlobalAvgPool1D = GlobalAveragePooling1D
GlobalAvgPool2D = GlobalAveragePooling2D
