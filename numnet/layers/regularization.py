"""Regularization layers: Dropout."""
from __future__ import annotations

from typing import Any, Dict, Optional, Sequence

import numpy as np

from numnet import ops
from numnet.autograd.tensor import Tensor
from numnet.layers.layer import Layer
from numnet.utils.random import make_rng

__all__ = ["Dropout"]


class Dropout(Layer):
    """Sets inputs to 0 with probability `rate` during training, scaling the rest by 1/(1-rate).

    Inactive (the identity) unless called with `training=True` (as `fit` does).

    Args:
        rate: drop probability in [0, 1).
        noise_shape: shape of the binary mask broadcast over the input (None entries take
            the input's size), e.g. `(batch, 1, features)`.
        seed: int for a reproducible sequence of masks from the layer's own generator; None
            draws each mask from numnet's global generator at call time, so
            `set_random_seed` and checkpoints of the global random state cover it.
        **kwargs: base `Layer` arguments.

    Raises:
        ValueError: `rate` outside [0, 1).
    """

    _supports_masking = True

    def __init__(self, rate: float, noise_shape: Optional[Sequence[Optional[int]]] = None,
                 seed: Optional[int] = None, **kwargs: Any) -> None:
        if isinstance(rate, bool) or not isinstance(rate, (int, float, np.integer, np.floating)) \
                or not 0.0 <= float(rate) < 1.0:
            raise ValueError(f"Dropout: rate must be a float in [0, 1), got rate={rate!r}")
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, (int, np.integer))):
            raise ValueError(f"Dropout: seed must be None or an int, got seed={seed!r}")
        super().__init__(**kwargs)
        self.rate = float(rate)
        self.noise_shape = None if noise_shape is None else tuple(None if d is None else int(d) for d in noise_shape)
        self.seed = None if seed is None else int(seed)
        self._rng = None if self.seed is None else make_rng(self.seed)
        self.built = True

    def call(self, inputs: Tensor, training: Optional[bool] = None) -> Tensor:
        if training and self.rate > 0.0:
            return ops.dropout(inputs, self.rate, noise_shape=self.noise_shape, seed=self._rng)
        return inputs

    def compute_output_shape(self, input_shape: Any) -> Any:
        return input_shape

    def get_config(self) -> Dict[str, Any]:
        config = super().get_config()
        config.update({"rate": self.rate, "seed": self.seed,
                       "noise_shape": None if self.noise_shape is None else list(self.noise_shape)})
        return config
