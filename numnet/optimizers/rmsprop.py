"""RMSprop (Hinton), with optional momentum and the centered variant, in Keras 3's form."""
from __future__ import annotations

from typing import Any, Dict, Optional

import numpy as np

from numnet.optimizers.optimizer import Optimizer, _check_number


class RMSprop(Optimizer):
    """Divide the gradient by a running root-mean-square of recent gradients.

    Update (Keras 3)::

        v = rho * v + (1 - rho) * g**2
        a = rho * a + (1 - rho) * g;  denom = v - a**2 + epsilon      # centered
        denom = v + epsilon                                           # otherwise
        inc = lr * g / sqrt(denom)
        mom = momentum * mom + inc; w -= mom                          # momentum > 0
        w -= inc                                                      # otherwise

    Args:
        learning_rate: float >= 0 or a schedule (default 0.001).
        rho: discount of the squared-gradient average, in [0, 1) (default 0.9).
        momentum: >= 0 (default 0.0).
        epsilon: added inside the square root (default 1e-7).
        centered: normalise by the estimated variance instead of the second moment.
        **kwargs: the common optimizer arguments (see `Optimizer`).
    """

    def __init__(self, learning_rate: Any = 0.001, rho: float = 0.9, momentum: float = 0.0, epsilon: float = 1e-7,
                 centered: bool = False, weight_decay: Optional[float] = None, clipnorm: Optional[float] = None,
                 clipvalue: Optional[float] = None, global_clipnorm: Optional[float] = None,
                 name: str = "rmsprop", **kwargs: Any) -> None:
        super().__init__(learning_rate, weight_decay=weight_decay, clipnorm=clipnorm, clipvalue=clipvalue,
                         global_clipnorm=global_clipnorm, name=name, **kwargs)
        _check_number("RMSprop", "rho", rho, low=0, high=1, high_open=True)
        _check_number("RMSprop", "momentum", momentum, low=0)
        _check_number("RMSprop", "epsilon", epsilon, low=0)
        self.rho = rho
        self.momentum = momentum
        self.epsilon = epsilon
        self.centered = bool(centered)

    def build(self, variables: Any) -> None:
        variables = list(variables)
        super().build(variables)
        self._velocities = self.add_optimizer_variables(variables, "velocity")
        self._momentums = self.add_optimizer_variables(variables, "momentum") if self.momentum > 0 else []
        self._average_gradients = self.add_optimizer_variables(variables, "average_gradient") if self.centered else []

    def update_step(self, gradient: np.ndarray, variable: Any, learning_rate: Any) -> None:
        w = variable.data
        i = self._get_variable_index(variable)
        dt = w.dtype.type
        rho = dt(self.rho)
        v = self._velocities[i]
        v[...] = rho * v + dt(1 - self.rho) * (gradient * gradient)
        if self.centered:
            a = self._average_gradients[i]
            a[...] = rho * a + dt(1 - self.rho) * gradient
            denom = v - a * a + dt(self.epsilon)
        else:
            denom = v + dt(self.epsilon)
        increment = (learning_rate * gradient) / np.sqrt(denom)
        if self.momentum > 0:
            mom = self._momentums[i]
            mom[...] = dt(self.momentum) * mom + increment
            w -= mom
        else:
            w -= increment

    def get_config(self) -> Dict[str, Any]:
        config = super().get_config()
        config.update({"rho": self.rho, "momentum": self.momentum, "epsilon": self.epsilon,
                       "centered": self.centered})
        return config
