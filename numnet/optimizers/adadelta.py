"""Adadelta (Zeiler): step sizes from running averages of gradients and updates (Keras 3 form)."""
from __future__ import annotations

from typing import Any, Dict, Optional

import numpy as np

from numnet.optimizers.optimizer import Optimizer, _check_number


class Adadelta(Optimizer):
    """Adadelta::

        acc_g = rho * acc_g + (1 - rho) * g**2
        delta = -sqrt(acc_d + eps) * g / sqrt(acc_g + eps)
        acc_d = rho * acc_d + (1 - rho) * delta**2
        w += lr * delta

    Args:
        learning_rate: float >= 0 or a schedule (default 0.001).
        rho: decay rate in [0, 1) (default 0.95).
        epsilon: (default 1e-7).
        **kwargs: the common optimizer arguments (see `Optimizer`).
    """

    def __init__(self, learning_rate: Any = 0.001, rho: float = 0.95, epsilon: float = 1e-7,
                 weight_decay: Optional[float] = None, clipnorm: Optional[float] = None,
                 clipvalue: Optional[float] = None, global_clipnorm: Optional[float] = None,
                 name: str = "adadelta", **kwargs: Any) -> None:
        super().__init__(learning_rate, weight_decay=weight_decay, clipnorm=clipnorm, clipvalue=clipvalue,
                         global_clipnorm=global_clipnorm, name=name, **kwargs)
        _check_number("Adadelta", "rho", rho, low=0, high=1, high_open=True)
        _check_number("Adadelta", "epsilon", epsilon, low=0)
        self.rho = rho
        self.epsilon = epsilon

    def build(self, variables: Any) -> None:
        variables = list(variables)
        super().build(variables)
        self._accumulated_grads, self._accumulated_delta_vars = self.add_optimizer_variables(
            variables, ["accumulated_grad", "accumulated_delta_var"])

    def update_step(self, gradient: np.ndarray, variable: Any, learning_rate: Any) -> None:
        w = variable.data
        i = self._get_variable_index(variable)
        dt = w.dtype.type
        rho, eps = dt(self.rho), dt(self.epsilon)
        acc_g, acc_d = self._accumulated_grads[i], self._accumulated_delta_vars[i]
        acc_g[...] = rho * acc_g + dt(1 - self.rho) * (gradient * gradient)
        delta = -(np.sqrt(acc_d + eps) * gradient) / np.sqrt(acc_g + eps)
        acc_d[...] = rho * acc_d + dt(1 - self.rho) * (delta * delta)
        w += learning_rate * delta

    def get_config(self) -> Dict[str, Any]:
        config = super().get_config()
        config.update({"rho": self.rho, "epsilon": self.epsilon})
        return config
