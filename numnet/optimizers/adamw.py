"""AdamW: Adam with decoupled weight decay (Loshchilov & Hutter), as Keras 3."""
from __future__ import annotations

from typing import Any, Optional

from numnet.optimizers.adam import Adam


class AdamW(Adam):
    """Adam with decoupled weight decay: ``w -= w * weight_decay * lr`` before each Adam update.

    Args:
        learning_rate: float >= 0 or a schedule (default 0.001).
        weight_decay: the decay factor (default 0.004; must be a number).
        beta_1: as `Adam`.
        beta_2: as `Adam`.
        epsilon: as `Adam`.
        amsgrad: as `Adam`.
        **kwargs: the common optimizer arguments (see `Optimizer`).

    Raises:
        ValueError: weight_decay is None or an argument is out of range.
    """

    def __init__(self, learning_rate: Any = 0.001, weight_decay: Optional[float] = 0.004, beta_1: float = 0.9,
                 beta_2: float = 0.999, epsilon: float = 1e-7, amsgrad: bool = False,
                 clipnorm: Optional[float] = None, clipvalue: Optional[float] = None,
                 global_clipnorm: Optional[float] = None, name: str = "adamw", **kwargs: Any) -> None:
        if weight_decay is None:
            raise ValueError("AdamW: argument `weight_decay` must be a float, received weight_decay=None")
        super().__init__(learning_rate=learning_rate, beta_1=beta_1, beta_2=beta_2, epsilon=epsilon,
                         amsgrad=amsgrad, weight_decay=weight_decay, clipnorm=clipnorm, clipvalue=clipvalue,
                         global_clipnorm=global_clipnorm, name=name, **kwargs)
