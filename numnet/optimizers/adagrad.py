"""Adagrad: per-parameter rates from the accumulated squared gradients (Keras 3 form)."""
from __future__ import annotations

from typing import Any, Dict, Optional

import numpy as np

from numnet.optimizers.optimizer import Optimizer, _check_number


class Adagrad(Optimizer):
    """Adagrad: ``acc += g**2; w -= lr * g / sqrt(acc + epsilon)``.

    Args:
        learning_rate: float >= 0 or a schedule (default 0.001).
        initial_accumulator_value: starting value of the accumulators, >= 0 (default 0.1).
        epsilon: added inside the square root (default 1e-7).
        **kwargs: the common optimizer arguments (see `Optimizer`).
    """

    def __init__(self, learning_rate: Any = 0.001, initial_accumulator_value: float = 0.1, epsilon: float = 1e-7,
                 weight_decay: Optional[float] = None, clipnorm: Optional[float] = None,
                 clipvalue: Optional[float] = None, global_clipnorm: Optional[float] = None,
                 name: str = "adagrad", **kwargs: Any) -> None:
        super().__init__(learning_rate, weight_decay=weight_decay, clipnorm=clipnorm, clipvalue=clipvalue,
                         global_clipnorm=global_clipnorm, name=name, **kwargs)
        _check_number("Adagrad", "initial_accumulator_value", initial_accumulator_value, low=0)
        _check_number("Adagrad", "epsilon", epsilon, low=0)
        self.initial_accumulator_value = initial_accumulator_value
        self.epsilon = epsilon

    def build(self, variables: Any) -> None:
        variables = list(variables)
        super().build(variables)
        self._accumulators_sq = self.add_optimizer_variables(variables, "accumulator",
                                                             initializer=self.initial_accumulator_value)

    def update_step(self, gradient: np.ndarray, variable: Any, learning_rate: Any) -> None:
        w = variable.data
        acc = self._accumulators_sq[self._get_variable_index(variable)]
        acc += gradient * gradient
        w -= (learning_rate * gradient) / np.sqrt(acc + w.dtype.type(self.epsilon))

    def get_config(self) -> Dict[str, Any]:
        config = super().get_config()
        config.update({"initial_accumulator_value": self.initial_accumulator_value, "epsilon": self.epsilon})
        return config
