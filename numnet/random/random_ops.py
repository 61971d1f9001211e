"""Random sampling with `keras.random` names; results are numnet Tensors, `floatx()` by default."""
from __future__ import annotations

from typing import Any, Optional, Sequence, Tuple, Union

import numpy as np

from numnet import ops
from numnet.autograd import Tensor
from numnet.config.settings import floatx
from numnet.random.seed_generator import SeedGenerator, rng_from_seed

Seed = Union[int, SeedGenerator, None]


def _shape(shape: Any, owner: str) -> Tuple[int, ...]:
    if isinstance(shape, (int, np.integer)) and not isinstance(shape, bool):
        shape = (shape,)
    try:
        out = tuple(int(d) for d in shape)
    except (TypeError, ValueError):
        raise ValueError(f"{owner}: shape must be a tuple of non-negative ints, got shape={shape!r}") from None
    if any(d < 0 for d in out) or any(isinstance(d, bool) for d in shape):
        raise ValueError(f"{owner}: shape must be a tuple of non-negative ints, got shape={shape!r}")
    return out


def _dtype(dtype: Any, owner: str, kinds: str = "f") -> np.dtype:
    try:
        dt = np.dtype(floatx() if dtype is None else dtype)
    except TypeError:
        raise ValueError(f"{owner}: invalid dtype={dtype!r}") from None
    if dt.kind not in kinds:
        wanted = "a floating-point" if kinds == "f" else "an integer"
        raise ValueError(f"{owner}: dtype must be {wanted} dtype, got dtype={dtype!r}")
    return dt


def _float_draw(values: np.ndarray, dt: np.dtype) -> Tensor:
    return Tensor(np.asarray(values).astype(dt, copy=False))


def normal(shape: Sequence[int], mean: float = 0.0, stddev: float = 1.0, dtype: Any = None, seed: Seed = None) -> Tensor:
    """Samples from a normal (Gaussian) distribution.

    Args:
        shape: the output shape.
        mean: the mean of the distribution.
        stddev: its standard deviation.
        dtype: a float dtype; defaults to `numnet.config.floatx()`.
        seed: None (the global generator), an int (the same values each call) or a `SeedGenerator`.

    Returns:
        A Tensor of `shape` and `dtype`.

    Raises:
        ValueError: bad shape, a non-float dtype or a bad seed.
    """
    shape, dt = _shape(shape, "normal"), _dtype(dtype, "normal")
    rng = rng_from_seed(seed, "normal")
    draw = rng.standard_normal(shape, dtype=dt if dt in (np.float32, np.float64) else np.float32)
    return _float_draw(draw * draw.dtype.type(stddev) + draw.dtype.type(mean), dt)


def uniform(shape: Sequence[int], minval: float = 0.0, maxval: float = 1.0, dtype: Any = None,
            seed: Seed = None) -> Tensor:
    """Samples from a uniform distribution on ``[minval, maxval)``.

    Args:
        shape: the output shape.
        minval: the lower bound (included).
        maxval: the upper bound (excluded).
        dtype: a float dtype; defaults to `numnet.config.floatx()` (use `randint` for integers).
        seed: None (the global generator), an int (the same values each call) or a `SeedGenerator`.

    Returns:
        A Tensor of `shape` and `dtype`.

    Raises:
        ValueError: bad shape, a non-float dtype or a bad seed.
    """
    shape, dt = _shape(shape, "uniform"), _dtype(dtype, "uniform")
    rng = rng_from_seed(seed, "uniform")
    draw = rng.random(shape, dtype=dt if dt in (np.float32, np.float64) else np.float32)
    t = draw.dtype.type
    return _float_draw(draw * (t(maxval) - t(minval)) + t(minval), dt)


def randint(shape: Sequence[int], minval: int, maxval: int, dtype: Any = "int32", seed: Seed = None) -> Tensor:
    """Random integers drawn uniformly from ``[minval, maxval)``.

    Args:
        shape: the output shape.
        minval: the lower bound (included).
        maxval: the upper bound (excluded).
        dtype: an integer dtype.
        seed: None (the global generator), an int (the same values each call) or a `SeedGenerator`.

    Returns:
        A Tensor of `shape` and `dtype`.

    Raises:
        ValueError: bad shape, a non-integer dtype, ``maxval <= minval`` or a bad seed.
    """
    shape, dt = _shape(shape, "randint"), _dtype(dtype, "randint", kinds="iu")
    if int(maxval) <= int(minval):
        raise ValueError(f"randint: maxval must be greater than minval, got minval={minval!r}, maxval={maxval!r}")
    rng = rng_from_seed(seed, "randint")
    return Tensor(rng.integers(int(minval), int(maxval), size=shape, dtype=dt))


def truncated_normal(shape: Sequence[int], mean: float = 0.0, stddev: float = 1.0, dtype: Any = None,
                     seed: Seed = None) -> Tensor:
    """Normal samples, re-drawing any that fall more than two standard deviations from the mean.

    Args:
        shape: the output shape.
        mean: the mean of the distribution before truncation.
        stddev: its standard deviation before truncation.
        dtype: a float dtype; defaults to `numnet.config.floatx()`.
        seed: None (the global generator), an int (the same values each call) or a `SeedGenerator`.

    Returns:
        A Tensor of `shape` and `dtype`, every value within ``mean ± 2 * stddev``.

    Raises:
        ValueError: bad shape, a non-float dtype or a bad seed.
    """
    shape, dt = _shape(shape, "truncated_normal"), _dtype(dtype, "truncated_normal")
    rng = rng_from_seed(seed, "truncated_normal")
    z = rng.standard_normal(shape)
    bad = np.abs(z) > 2.0
    while bad.any():
        z[bad] = rng.standard_normal(int(bad.sum()))
        bad = np.abs(z) > 2.0
    return _float_draw(z * stddev + mean, dt)


def dropout(inputs: Any, rate: float, noise_shape: Optional[Sequence[Optional[int]]] = None,
            seed: Seed = None) -> Tensor:
    """Zero each element with probability `rate` and scale the others by ``1 / (1 - rate)``.

    Differentiable (the gradient is the same mask, scaled); see `numnet.ops.dropout`.

    Args:
        inputs: a float tensor or array.
        rate: the drop probability, in [0, 1).
        noise_shape: the mask's shape, broadcast over `inputs` (None entries take the input's size).
        seed: None (the global generator), an int (the same mask each call) or a `SeedGenerator`.

    Returns:
        A Tensor of the shape and dtype of `inputs`.

    Raises:
        ValueError: `rate` outside [0, 1), a `noise_shape` that does not fit, or a bad seed.
    """
    return ops.dropout(inputs, rate, noise_shape=noise_shape, seed=rng_from_seed(seed, "dropout"))


def shuffle(x: Any, axis: int = 0, seed: Seed = None) -> Tensor:
    """Shuffle the entries of `x` along `axis` (differentiable: gradients flow back to their places).

    Args:
        x: a tensor or array.
        axis: the axis to shuffle along.
        seed: None (the global generator), an int (the same order each call) or a `SeedGenerator`.

    Returns:
        A Tensor of `x`'s shape and dtype.

    Raises:
        ValueError: `axis` is out of range for `x`, or a bad seed.
    """
    x = x if isinstance(x, Tensor) else Tensor(np.asarray(x))
    ndim = x.data.ndim
    if isinstance(axis, bool) or not isinstance(axis, (int, np.integer)) or not -ndim <= axis < ndim:
        raise ValueError(f"shuffle: axis must be an int in [{-ndim}, {ndim}), got axis={axis!r}")
    perm = rng_from_seed(seed, "shuffle").permutation(x.data.shape[axis])
    return ops.take(x, perm, axis=int(axis))


def categorical(logits: Any, num_samples: int, dtype: Any = "int32", seed: Seed = None) -> Tensor:
    """Draw class indices from categorical distributions given by unnormalized log-probabilities.

    Args:
        logits: shape ``(batch, num_classes)``; each row holds the log-probabilities of one distribution.
        num_samples: how many samples to draw per row.
        dtype: an integer dtype for the indices.
        seed: None (the global generator), an int (the same samples each call) or a `SeedGenerator`.

    Returns:
        A Tensor of shape ``(batch, num_samples)`` of indices into the classes.

    Raises:
        ValueError: `logits` is not 2-D, `num_samples` is negative, or a bad dtype or seed.
    """
    arr = np.asarray(getattr(logits, "data", logits), dtype=np.float64)
    if arr.ndim != 2:
        raise ValueError(f"categorical: logits must be 2-D (batch, num_classes), got shape {arr.shape}")
    if isinstance(num_samples, bool) or not isinstance(num_samples, (int, np.integer)) or num_samples < 0:
        raise ValueError(f"categorical: num_samples must be a non-negative int, got {num_samples!r}")
    dt = _dtype(dtype, "categorical", kinds="iu")
    rng = rng_from_seed(seed, "categorical")
    gumbel = -np.log(-np.log(rng.random((arr.shape[0], int(num_samples), arr.shape[1])) + 1e-300) + 1e-300)
    return Tensor(np.argmax(arr[:, None, :] + gumbel, axis=-1).astype(dt))


def gamma(shape: Sequence[int], alpha: float, dtype: Any = None, seed: Seed = None) -> Tensor:
    """Samples from the Gamma distribution with shape parameter `alpha` and scale 1.

    Args:
        shape: the output shape.
        alpha: the concentration (shape) parameter, > 0.
        dtype: a float dtype; defaults to `numnet.config.floatx()`.
        seed: None (the global generator), an int (the same values each call) or a `SeedGenerator`.

    Returns:
        A Tensor of `shape` and `dtype`.

    Raises:
        ValueError: bad shape, ``alpha <= 0``, a non-float dtype or a bad seed.
    """
    shape, dt = _shape(shape, "gamma"), _dtype(dtype, "gamma")
    if not np.all(np.asarray(alpha) > 0):
        raise ValueError(f"gamma: alpha must be > 0, got alpha={alpha!r}")
    return _float_draw(rng_from_seed(seed, "gamma").gamma(alpha, 1.0, size=shape), dt)


def beta(shape: Sequence[int], alpha: float, beta: float, dtype: Any = None, seed: Seed = None) -> Tensor:
    """Samples from the Beta distribution with parameters `alpha` and `beta`.

    Args:
        shape: the output shape.
        alpha: the first concentration parameter, > 0.
        beta: the second concentration parameter, > 0.
        dtype: a float dtype; defaults to `numnet.config.floatx()`.
        seed: None (the global generator), an int (the same values each call) or a `SeedGenerator`.

    Returns:
        A Tensor of `shape` and `dtype`, values in [0, 1].

    Raises:
        ValueError: bad shape, a parameter <= 0, a non-float dtype or a bad seed.
    """
    shape, dt = _shape(shape, "beta"), _dtype(dtype, "beta")
    if not (np.all(np.asarray(alpha) > 0) and np.all(np.asarray(beta) > 0)):
        raise ValueError(f"beta: alpha and beta must be > 0, got alpha={alpha!r}, beta={beta!r}")
    return _float_draw(rng_from_seed(seed, "beta").beta(alpha, beta, size=shape), dt)


def binomial(shape: Sequence[int], counts: Any, probabilities: Any, dtype: Any = None, seed: Seed = None) -> Tensor:
    """Samples from the Binomial distribution: successes in `counts` trials of probability `probabilities`.

    Args:
        shape: the output shape.
        counts: the number of trials (broadcast to `shape`).
        probabilities: the success probability of each trial, in [0, 1] (broadcast to `shape`).
        dtype: a float dtype; defaults to `numnet.config.floatx()`.
        seed: None (the global generator), an int (the same values each call) or a `SeedGenerator`.

    Returns:
        A Tensor of `shape` and `dtype` holding whole numbers.

    Raises:
        ValueError: bad shape, probabilities outside [0, 1], negative counts, a non-float dtype or a bad seed.
    """
    shape, dt = _shape(shape, "binomial"), _dtype(dtype, "binomial")
    counts = np.asarray(getattr(counts, "data", counts))
    p = np.asarray(getattr(probabilities, "data", probabilities), dtype=np.float64)
    if np.any(counts < 0) or np.any((p < 0) | (p > 1)):
        raise ValueError(f"binomial: counts must be >= 0 and probabilities in [0, 1], got counts={counts!r}, "
                         f"probabilities={probabilities!r}")
    return _float_draw(rng_from_seed(seed, "binomial").binomial(counts.astype(np.int64), p, size=shape), dt)
