"""Random sampling (Keras: `keras.random`): `SeedGenerator` and the sampling functions.

Every function takes `seed`: None draws from numnet's global generator (reproducible under
`numnet.utils.set_random_seed`), an int gives the same values at every call, and a
`SeedGenerator` gives new, reproducible values at every call.
"""
from numnet.random.random_ops import (
    beta,
    binomial,
    categorical,
    dropout,
    gamma,
    normal,
    randint,
    shuffle,
    truncated_normal,
    uniform,
)
from numnet.random.seed_generator import SeedGenerator

__all__ = ["SeedGenerator", "normal", "uniform", "randint", "truncated_normal", "dropout", "shuffle",
           "categorical", "gamma", "beta", "binomial"]
