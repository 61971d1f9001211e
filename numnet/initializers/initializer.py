"""`Initializer`: the base class of weight initializers (`__call__(shape, dtype)` -> ndarray)."""
from __future__ import annotations

from typing import Any, Dict, Optional, Sequence, Tuple

import numpy as np

from numnet.utils.random import global_rng

__all__ = ["Initializer", "compute_fans", "standardize_shape"]


def standardize_shape(shape: Any) -> Tuple[int, ...]:
    """Return `shape` as a tuple of non-negative ints.

    Raises:
        ValueError: a dimension is not a non-negative integer.
    """
    if isinstance(shape, (int, np.integer)):
        shape = (shape,)
    try:
        dims = tuple(shape)
    except TypeError:
        raise ValueError(f"Initializer: shape must be a tuple of ints, got {shape!r}") from None
    for d in dims:
        if isinstance(d, bool) or not isinstance(d, (int, np.integer)) or d < 0:
            raise ValueError(f"Initializer: shape must be a tuple of non-negative ints, got {shape!r}")
    return tuple(int(d) for d in dims)


def compute_fans(shape: Sequence[int]) -> Tuple[int, int]:
    """Return `(fan_in, fan_out)` of a weight shape, as Keras computes them.

    Dense kernels `(in, out)` give `(in, out)`; convolution kernels `(*window, in, out)` give
    `(prod(window) * in, prod(window) * out)`; a vector gives its length twice; a scalar 1.

    Args:
        shape: weight shape: `(in, out)` for dense kernels, `(*window, in, out)` for conv kernels.

    Returns:
        `(fan_in, fan_out)` as ints.
    """
    shape = tuple(shape)
    if len(shape) == 0:
        return 1, 1
    if len(shape) == 1:
        return int(shape[0]), int(shape[0])
    receptive = int(np.prod(shape[:-2])) if len(shape) > 2 else 1
    return int(shape[-2]) * receptive, int(shape[-1]) * receptive


def _float_dtype(dtype: Any) -> np.dtype:
    dt = np.dtype(np.float32 if dtype is None else dtype)
    return dt


class Initializer:
    """Base class: subclasses implement `__call__(shape, dtype=None)` and `get_config()`.

    Any callable `f(shape, dtype=None)` returning an array works wherever an initializer is
    accepted; subclassing adds `get_config`/`from_config` for saving.
    """

    def __call__(self, shape: Sequence[int], dtype: Any = None) -> np.ndarray:
        """Return a new array of `shape` and `dtype` (float32 when None)."""
        raise NotImplementedError(f"{type(self).__name__}.__call__ is not implemented")

    def get_config(self) -> Dict[str, Any]:
        """The constructor arguments, JSON-serialisable."""
        return {}

    @classmethod
    def from_config(cls, config: Dict[str, Any]) -> "Initializer":
        """Build the initializer back from `get_config()`'s output."""
        return cls(**config)

    def clone(self) -> "Initializer":
        """A new initializer with the same configuration."""
        return self.__class__.from_config(self.get_config())

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"


class RandomInitializer(Initializer):
    """An initializer drawing random numbers.

    Args:
        seed: an int makes every call return the same values (as Keras); None draws from
            numnet's global generator, reproducible under `numnet.utils.set_random_seed`.

    Raises:
        ValueError: `seed` is neither None nor a non-negative int.
    """

    def __init__(self, seed: Optional[int] = None) -> None:
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0):
            raise ValueError(f"{type(self).__name__}: seed must be None or a non-negative int, got {seed!r}")
        self.seed = None if seed is None else int(seed)

    def _rng(self) -> np.random.Generator:
        return global_rng() if self.seed is None else np.random.default_rng(self.seed)

    def get_config(self) -> Dict[str, Any]:
        return {"seed": self.seed}
