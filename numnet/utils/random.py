"""The global random state behind initializers, dropout and shuffling."""
from __future__ import annotations

import random as _py_random
from typing import Optional

import numpy as np

_state = {"rng": np.random.default_rng(), "seed": None}


def set_random_seed(seed: int) -> None:
    """Make weights, shuffling and dropout reproducible.

    Seeds numnet's global generator, Python's `random` and NumPy's legacy global state,
    as `keras.utils.set_random_seed` does.

    Args:
        seed: a non-negative integer.

    Raises:
        TypeError: `seed` is not an integer.
    """
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise TypeError(f"set_random_seed: seed must be an int, got {type(seed).__name__} {seed!r}")
    seed = int(seed)
    _state["rng"] = np.random.default_rng(seed)
    _state["seed"] = seed
    _py_random.seed(seed)
    np.random.seed(seed % (2**32))


def global_rng() -> np.random.Generator:
    """numnet's global NumPy Generator (reseeded by `set_random_seed`)."""
    return _state["rng"]


def make_rng(seed: Optional[int] = None) -> np.random.Generator:
    """A Generator seeded by `seed`, or drawn from the global generator when `seed` is None."""
    if seed is None:
        return np.random.default_rng(global_rng().integers(0, 2**63 - 1))
    return np.random.default_rng(seed)


def get_rng_state() -> dict:
    """The global generator's state (for checkpoints that must resume the same random stream)."""
    return _state["rng"].bit_generator.state


def set_rng_state(state: dict) -> None:
    """Restore a state returned by `get_rng_state`."""
    _state["rng"].bit_generator.state = state
