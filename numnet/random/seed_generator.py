"""`SeedGenerator`: a seeded stream of seeds for `numnet.random`, and how each seed becomes a Generator."""
from __future__ import annotations

from typing import Any, Dict, Optional

import numpy as np

from numnet.autograd import Tensor, Variable
from numnet.utils.random import global_rng


def _check_seed(seed: Any, owner: str) -> int:
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"{owner}: seed must be None, a non-negative int or a SeedGenerator, got {seed!r}")
    return int(seed)


class SeedGenerator:
    """A stream of seeds: pass it as `seed=` to get new random values on every call (keras.random.SeedGenerator).

    An int `seed` gives the same values at each call; a `SeedGenerator` seeded with an int gives
    a different but reproducible draw at each call.

    Args:
        seed: the initial seed; None draws one from numnet's global generator, so it is
            reproducible under `numnet.utils.set_random_seed`.
        name: an optional name.
        **kwargs: accepted for Keras compatibility (``backend``, ``dtype``), ignored.

    Raises:
        ValueError: `seed` is not None or a non-negative int.

    Attributes:
        state: a non-trainable `Variable` of shape (2,), ``[seed, counter]`` (uint32).
    """

    def __init__(self, seed: Optional[int] = None, name: Optional[str] = None, **kwargs: Any) -> None:
        if seed is None:
            seed = int(global_rng().integers(0, 2**31 - 1))
        self._initial_seed = _check_seed(seed, "SeedGenerator")
        self.name = name or "seed_generator"
        state = np.array([self._initial_seed % 2**32, 0], dtype=np.uint32)
        self.state = Variable(state, trainable=False, name="seed_generator_state", dtype=np.uint32)

    def next(self, ordered: bool = True) -> Tensor:
        """The current seed state; advances the stream so the next call gives a new one.

        Args:
            ordered: accepted for Keras compatibility (numnet always advances in order).

        Returns:
            A uint32 Tensor of shape (2,).
        """
        current = self.state.data.copy()
        self.state.data[1] += np.uint32(1)
        return Tensor(current)

    def get_config(self) -> Dict[str, Any]:
        """The initial seed: ``{"seed": ...}``.

        Returns:
            The config dict.
        """
        return {"seed": self._initial_seed}

    @classmethod
    def from_config(cls, config: Dict[str, Any]) -> "SeedGenerator":
        """A new generator from `get_config`'s output.

        Args:
            config: the dict returned by `get_config`.

        Returns:
            The generator, back at the start of its stream.
        """
        return cls(**config)


def rng_from_seed(seed: Any, owner: str) -> np.random.Generator:
    """The NumPy Generator a `seed=` argument of `numnet.random` stands for.

    Args:
        seed: None (numnet's global generator, reseeded by `set_random_seed`), an int (a
            fresh generator, the same values every time) or a `SeedGenerator` (its next seed).
        owner: the function's name, for error messages.

    Returns:
        The Generator to draw from.

    Raises:
        ValueError: `seed` is none of these.
    """
    if seed is None:
        return global_rng()
    if isinstance(seed, SeedGenerator):
        return np.random.default_rng([int(v) for v in seed.next().data])
    return np.random.default_rng(_check_seed(seed, owner))
