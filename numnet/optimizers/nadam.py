"""Nadam: Adam with Nesterov momentum (Dozat), in Keras 3's form."""
from __future__ import annotations

from typing import Any, Optional

import numpy as np

from numnet.optimizers.adam import AdaptiveMomentOptimizer


class Nadam(AdaptiveMomentOptimizer):
    """Nesterov-accelerated Adam with Keras's momentum schedule.

    With t = iterations + 1 and ``u_t = beta_1 * (1 - 0.5 * 0.96**t)``, the optimizer keeps
    ``u_product = prod(u_1..u_t)`` (one float state, updated once per step) and::

        m += (g - m) * (1 - beta_1);  v += (g**2 - v) * (1 - beta_2)
        m_hat = u_{t+1} * m / (1 - u_product * u_{t+1}) + (1 - u_t) * g / (1 - u_product)
        v_hat = v / (1 - beta_2**t)
        w -= m_hat * lr / (sqrt(v_hat) + epsilon)

    Args:
        learning_rate: float >= 0 or a schedule (default 0.001).
        beta_1: as in `Adam` (default 0.9).
        beta_2: as in `Adam` (default 0.999).
        epsilon: as in `Adam` (default 1e-7).
        **kwargs: the common optimizer arguments (see `Optimizer`).
    """

    def __init__(self, learning_rate: Any = 0.001, beta_1: float = 0.9, beta_2: float = 0.999,
                 epsilon: float = 1e-7, weight_decay: Optional[float] = None, clipnorm: Optional[float] = None,
                 clipvalue: Optional[float] = None, global_clipnorm: Optional[float] = None,
                 name: str = "nadam", **kwargs: Any) -> None:
        super().__init__(learning_rate, beta_1, beta_2, epsilon, weight_decay=weight_decay, clipnorm=clipnorm,
                         clipvalue=clipvalue, global_clipnorm=global_clipnorm, name=name, **kwargs)

    def build(self, variables: Any) -> None:
        variables = list(variables)
        super().build(variables)
        self._momentums, self._velocities = self.add_optimizer_variables(variables, ["momentum", "velocity"])
        dtype = variables[0].data.dtype if variables else np.float32
        self._u_product = self.add_variable((), dtype=dtype, initializer="ones", name="u_product")

    def _before_update_step(self) -> None:
        dt = self._u_product.dtype.type
        t = dt(self.iterations + 1)
        self._u_product[...] = self._u_product * dt(self.beta_1) * (dt(1.0) - dt(0.5) * dt(0.96) ** t)

    def update_step(self, gradient: np.ndarray, variable: Any, learning_rate: Any) -> None:
        w = variable.data
        i = self._get_variable_index(variable)
        dt = w.dtype.type
        t = dt(self.iterations + 1)
        beta_1, beta_2 = dt(self.beta_1), dt(self.beta_2)
        u_t = beta_1 * (dt(1) - dt(0.5) * dt(0.96) ** t)
        u_t_1 = beta_1 * (dt(1) - dt(0.5) * dt(0.96) ** (t + dt(1)))
        u_product_t = dt(self._u_product[()])
        u_product_t_1 = u_product_t * u_t_1
        beta_2_power = beta_2 ** t
        m, v = self._momentums[i], self._velocities[i]
        tmp = gradient - m
        tmp *= dt(1) - beta_1
        m += tmp
        tmp = gradient * gradient
        tmp -= v
        tmp *= dt(1) - beta_2
        v += tmp
        m_hat = (u_t_1 * m) / (dt(1) - u_product_t_1) + ((dt(1) - u_t) * gradient) / (dt(1) - u_product_t)
        v_hat = v / (dt(1) - beta_2_power)
        w -= (m_hat * learning_rate) / (np.sqrt(v_hat) + dt(self.epsilon))
