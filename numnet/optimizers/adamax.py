"""Adamax: Adam with the infinity norm (Kingma & Ba, section 7), Keras 3 form."""
from __future__ import annotations

from typing import Any, Optional

import numpy as np

from numnet.optimizers.adam import AdaptiveMomentOptimizer


class Adamax(AdaptiveMomentOptimizer):
    """Adamax, with t = iterations + 1::

        m += (g - m) * (1 - beta_1);  u = max(beta_2 * u, |g|)
        w -= lr * m / ((1 - beta_1**t) * (u + epsilon))

    Args:
        learning_rate: float >= 0 or a schedule (default 0.001).
        beta_1: decay rate of the first moment, in [0, 1) (default 0.9).
        beta_2: decay rate of the exponentially weighted infinity norm, in [0, 1) (default 0.999).
        epsilon: added to the denominator (default 1e-7).
        **kwargs: the common optimizer arguments (see `Optimizer`).
    """

    def __init__(self, learning_rate: Any = 0.001, beta_1: float = 0.9, beta_2: float = 0.999,
                 epsilon: float = 1e-7, weight_decay: Optional[float] = None, clipnorm: Optional[float] = None,
                 clipvalue: Optional[float] = None, global_clipnorm: Optional[float] = None,
                 name: str = "adamax", **kwargs: Any) -> None:
        super().__init__(learning_rate, beta_1, beta_2, epsilon, weight_decay=weight_decay, clipnorm=clipnorm,
                         clipvalue=clipvalue, global_clipnorm=global_clipnorm, name=name, **kwargs)

    def build(self, variables: Any) -> None:
        variables = list(variables)
        super().build(variables)
        self._m, self._u = self.add_optimizer_variables(variables, ["momentum", "norm"])

    def update_step(self, gradient: np.ndarray, variable: Any, learning_rate: Any) -> None:
        w = variable.data
        i = self._get_variable_index(variable)
        dt = w.dtype.type
        beta_1_power = dt(self.beta_1) ** dt(self.iterations + 1)
        m, u = self._m[i], self._u[i]
        tmp = gradient - m
        tmp *= 1 - self.beta_1
        m += tmp
        np.maximum(dt(self.beta_2) * u, np.abs(gradient), out=u)
        w -= (learning_rate * m) / ((dt(1) - beta_1_power) * (u + dt(self.epsilon)))
