"""Stochastic gradient descent, with optional (Nesterov) momentum (Keras 3 rules)."""
from __future__ import annotations

from typing import Any, Dict, Optional

import numpy as np

from numnet.optimizers.optimizer import Optimizer, _check_number


class SGD(Optimizer):
    """Gradient descent with momentum.

    Update (Keras 3): without momentum ``w -= lr * g``; with momentum
    ``m = momentum * m - lr * g`` then ``w += m``, or with Nesterov
    ``w += momentum * m - lr * g`` (using the new m).

    Args:
        learning_rate: float >= 0 or a schedule (default 0.01).
        momentum: in [0, 1] (default 0.0).
        nesterov: use Nesterov momentum.
        **kwargs: the common optimizer arguments (weight_decay, clipnorm, clipvalue,
            global_clipnorm, use_ema, ..., name) — see `Optimizer`.

    Raises:
        ValueError: momentum outside [0, 1] or a bad common argument.
    """

    def __init__(self, learning_rate: Any = 0.01, momentum: float = 0.0, nesterov: bool = False,
                 weight_decay: Optional[float] = None, clipnorm: Optional[float] = None,
                 clipvalue: Optional[float] = None, global_clipnorm: Optional[float] = None,
                 name: str = "SGD", **kwargs: Any) -> None:
        super().__init__(learning_rate, weight_decay=weight_decay, clipnorm=clipnorm, clipvalue=clipvalue,
                         global_clipnorm=global_clipnorm, name=name, **kwargs)
        _check_number("SGD", "momentum", momentum, low=0, high=1)
        self.momentum = momentum
        self.nesterov = bool(nesterov)

    def build(self, variables: Any) -> None:
        variables = list(variables)
        super().build(variables)
        self._momentums = self.add_optimizer_variables(variables, "momentum") if self.momentum != 0 else []

    def update_step(self, gradient: np.ndarray, variable: Any, learning_rate: Any) -> None:
        w = variable.data
        if self.momentum == 0:
            w -= gradient * learning_rate
            return
        m = self._momentums[self._get_variable_index(variable)]
        momentum = w.dtype.type(self.momentum)
        step = -gradient * learning_rate
        m *= momentum
        m += step
        if self.nesterov:
            w += step + m * momentum
        else:
            w += m

    def get_config(self) -> Dict[str, Any]:
        config = super().get_config()
        config.update({"momentum": self.momentum, "nesterov": self.nesterov})
        return config
