"""`Metric`: the base of stateful metrics (Keras 3 `keras.metrics.Metric`), on NumPy.

A metric accumulates state over batches with ``update_state(...)`` and reports
``result()``; ``reset_state()`` starts over. State arrays are float64 (exact enough that
an epoch in batches equals the epoch at once) and are listed, live, in `variables`.
`result()` returns a Python float (an ndarray for metrics with several thresholds).
"""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Tuple

import numpy as np

from numnet.utils.naming import to_snake_case
from numnet.utils.serialization import charge_allocation


def to_numpy(x: Any) -> np.ndarray:
    """The ndarray behind a Tensor / array / list / number (no copy when possible)."""
    return np.asarray(getattr(x, "data", x))


class Metric:
    """Base class of metrics.

    Args:
        dtype: the metric's declared dtype (default "float32", kept for Keras compatibility;
            accumulation happens in float64).
        name: the metric's name (default: the class name in snake_case).

    Subclasses create state with `add_variable` in ``__init__`` and implement
    ``update_state`` and ``result``.
    """

    def __init__(self, dtype: Any = None, name: Optional[str] = None) -> None:
        self.name = name or to_snake_case(type(self).__name__)
        self.dtype = np.dtype(dtype or "float32").name
        self._variables: List[np.ndarray] = []
        self._initial_values: List[np.ndarray] = []

    def add_variable(self, shape: Tuple[int, ...] = (), initializer: Any = "zeros", dtype: Any = np.float64,
                     name: Optional[str] = None) -> np.ndarray:
        """Create and track a state array (reset to its initial value by `reset_state`)."""
        if isinstance(initializer, str):
            value = {"zeros": 0.0, "ones": 1.0}[initializer]
        else:
            value = initializer
        dims = (shape,) if isinstance(shape, (int, np.integer)) else tuple(shape)
        charge_allocation(2 * int(np.prod(dims, dtype=object)) * np.dtype(dtype).itemsize,
                          f"Metric '{getattr(self, 'name', type(self).__name__)}': state '{name}' of shape {dims}")
        arr = np.array(np.broadcast_to(np.asarray(value, dtype=dtype), shape), dtype=dtype)
        self._variables.append(arr)
        self._initial_values.append(arr.copy())
        return arr

    @property
    def variables(self) -> List[np.ndarray]:
        """The state arrays, live."""
        return list(self._variables)

    def update_state(self, *args: Any, **kwargs: Any) -> None:
        """Accumulate statistics from one batch; implemented by subclasses."""
        raise NotImplementedError(f"{type(self).__name__}.update_state is not implemented")

    def result(self) -> Any:
        """The metric's value from the accumulated state; implemented by subclasses."""
        raise NotImplementedError(f"{type(self).__name__}.result is not implemented")

    def reset_state(self) -> None:
        """Set every state array back to its initial value."""
        for arr, init in zip(self._variables, self._initial_values):
            arr[...] = init

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        """Update the state with one batch and return the new result."""
        self.update_state(*args, **kwargs)
        return self.result()

    def get_config(self) -> Dict[str, Any]:
        """The constructor arguments, JSON-serializable."""
        return {"name": self.name, "dtype": self.dtype}

    @classmethod
    def from_config(cls, config: Dict[str, Any]) -> "Metric":
        """Rebuild a metric (with fresh state) from `get_config()`'s output."""
        return cls(**config)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} name={self.name!r}>"
