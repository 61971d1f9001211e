"""Reshaping layers: Flatten, Reshape."""
from __future__ import annotations

from typing import Any, Dict, Optional, Sequence

import numpy as np

from numnet import ops
from numnet.autograd.tensor import Tensor
from numnet.layers._layer_utils import normalize_data_format
from numnet.layers.layer import Layer

__all__ = ["Flatten", "Reshape"]


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
