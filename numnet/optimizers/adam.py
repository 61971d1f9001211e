"""Adam (Kingma & Ba), with the AMSGrad variant, in Keras 3's form."""
from __future__ import annotations

import threading
from typing import Any, Dict, Optional

import numpy as np

from numnet.optimizers.optimizer import Optimizer, _check_number


def check_betas(owner: str, beta_1: float, beta_2: float, epsilon: float) -> None:
    """Raise ValueError unless 0 <= beta_1, beta_2 < 1 and epsilon >= 0."""
    _check_number(owner, "beta_1", beta_1, low=0, high=1, high_open=True)
    _check_number(owner, "beta_2", beta_2, low=0, high=1, high_open=True)
    _check_number(owner, "epsilon", epsilon, low=0)


class AdaptiveMomentOptimizer(Optimizer):
    """The base of Adam, Adamax and Nadam: the moment decay rates and epsilon they all take.

    Args:
        learning_rate: float >= 0 or a schedule.
        beta_1: first-moment decay rate in [0, 1).
        beta_2: second-moment decay rate in [0, 1).
        epsilon: added to the denominator (>= 0).
        **kwargs: the common optimizer arguments (see `Optimizer`).

    Raises:
        ValueError: an argument out of range (named with the optimizer's class).
    """

    def __init__(self, learning_rate: Any, beta_1: float, beta_2: float, epsilon: float, **kwargs: Any) -> None:
        super().__init__(learning_rate, **kwargs)
        check_betas(type(self).__name__, beta_1, beta_2, epsilon)
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon

    def get_config(self) -> Dict[str, Any]:
        config = super().get_config()
        config.update({"beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon})
        return config


_CHUNK = 32768
"""Elements per chunk of the in-place update: 6 arrays of 128 KiB stay in the L2 cache."""


_local = threading.local()


def _scratch(dtype: np.dtype) -> tuple:
    """Two reusable temporaries of `_CHUNK` elements for this thread (not optimizer state)."""
    bufs = getattr(_local, "bufs", None)
    if bufs is None or bufs[0].dtype != dtype:
        bufs = _local.bufs = (np.empty(_CHUNK, dtype), np.empty(_CHUNK, dtype))
    return bufs


def _adam_kernel(g, m, v, w, v_hat, alpha, c1, c2, eps, t1, t2) -> None:
    """Keras's Adam update in place, with `t1`/`t2` as temporaries (all arrays of one shape).

    The same float32 operations in the same order as
    ``m += (g - m) * c1; v += (g*g - v) * c2; w -= (m * alpha) / (sqrt(v) + eps)``.
    """
    np.subtract(g, m, out=t1)
    t1 *= c1
    m += t1
    np.multiply(g, g, out=t1)
    t1 -= v
    t1 *= c2
    v += t1
    if v_hat is not None:
        np.maximum(v_hat, v, out=v_hat)
        v = v_hat
    np.sqrt(v, out=t1)
    t1 += eps
    np.multiply(m, alpha, out=t2)
    t2 /= t1
    w -= t2


class Adam(AdaptiveMomentOptimizer):
    """Adam: adaptive moment estimation.

    Update (Keras 3), with t = iterations + 1::

        alpha = lr * sqrt(1 - beta_2**t) / (1 - beta_1**t)
        m += (g - m) * (1 - beta_1);  v += (g**2 - v) * (1 - beta_2)
        v_hat = max(v_hat, v)                 # amsgrad only; then v_hat replaces v
        w -= m * alpha / (sqrt(v) + epsilon)

    Args:
        learning_rate: float >= 0 or a schedule (default 0.001).
        beta_1: decay rate of the first moment, in [0, 1) (default 0.9).
        beta_2: decay rate of the second moment, in [0, 1) (default 0.999).
        epsilon: added to the denominator (default 1e-7).
        amsgrad: use the AMSGrad variant.
        **kwargs: the common optimizer arguments (see `Optimizer`).

    Raises:
        ValueError: an argument out of range.
    """

    def __init__(self, learning_rate: Any = 0.001, beta_1: float = 0.9, beta_2: float = 0.999,
                 epsilon: float = 1e-7, amsgrad: bool = False, weight_decay: Optional[float] = None,
                 clipnorm: Optional[float] = None, clipvalue: Optional[float] = None,
                 global_clipnorm: Optional[float] = None, name: str = "adam", **kwargs: Any) -> None:
        super().__init__(learning_rate, beta_1, beta_2, epsilon, weight_decay=weight_decay, clipnorm=clipnorm,
                         clipvalue=clipvalue, global_clipnorm=global_clipnorm, name=name, **kwargs)
        self.amsgrad = bool(amsgrad)

    def build(self, variables: Any) -> None:
        variables = list(variables)
        super().build(variables)
        self._momentums, self._velocities = self.add_optimizer_variables(variables, ["momentum", "velocity"])
        self._velocity_hats = self.add_optimizer_variables(variables, "velocity_hat") if self.amsgrad else []

    def update_step(self, gradient: np.ndarray, variable: Any, learning_rate: Any) -> None:
        w = variable.data
        i = self._get_variable_index(variable)
        dt = w.dtype.type
        step = dt(self.iterations + 1)
        alpha = learning_rate * np.sqrt(dt(1) - dt(self.beta_2) ** step) / (dt(1) - dt(self.beta_1) ** step)
        m, v = self._momentums[i], self._velocities[i]
        v_hat = self._velocity_hats[i] if self.amsgrad else None
        c1, c2, eps = dt(1 - self.beta_1), dt(1 - self.beta_2), dt(self.epsilon)
        arrays = (gradient, m, v, w) if v_hat is None else (gradient, m, v, w, v_hat)
        if all(a.flags.c_contiguous for a in arrays) and gradient.dtype == w.dtype:
            # In cache-sized chunks of the flattened arrays: each element's dozen operations
            # then run on data still in L2 instead of streaming every array a dozen times.
            flat = [a.reshape(-1) for a in arrays]
            n = w.size
            s1, s2 = _scratch(w.dtype)
            for lo in range(0, n, _CHUNK):
                hi = min(lo + _CHUNK, n)
                k = hi - lo
                parts = [a[lo:hi] for a in flat]
                _adam_kernel(parts[0], parts[1], parts[2], parts[3], parts[4] if v_hat is not None else None,
                             alpha, c1, c2, eps, s1[:k], s2[:k])
        else:
            shape = w.shape
            _adam_kernel(gradient, m, v, w, v_hat, alpha, c1, c2, eps, np.empty(shape, w.dtype),
                         np.empty(shape, w.dtype))

    def get_config(self) -> Dict[str, Any]:
        config = super().get_config()
        config["amsgrad"] = self.amsgrad
        return config
