"""Random initializers: normal, uniform, truncated normal, variance scaling, orthogonal."""
from __future__ import annotations

import math
from typing import Any, Dict, Optional, Sequence

import numpy as np

from numnet.initializers.initializer import (
    RandomInitializer, _float_dtype, compute_fans, standardize_shape,
)

__all__ = [
    "RandomNormal", "RandomUniform", "TruncatedNormal", "VarianceScaling",
    "GlorotUniform", "GlorotNormal", "HeUniform", "HeNormal", "LecunUniform", "LecunNormal",
    "OrthogonalInitializer", "Orthogonal",
]

# Standard deviation of a unit normal truncated to [-2, 2] (Keras's correction constant).
_TRUNCATED_STD = 0.87962566103423978


def _truncated_normal(rng: np.random.Generator, shape, mean: float, stddev: float) -> np.ndarray:
    """Normal samples with those beyond two standard deviations redrawn (float64)."""
    out = rng.standard_normal(shape)
    bad = np.abs(out) > 2.0
    while bad.any():
        out[bad] = rng.standard_normal(int(bad.sum()))
        bad = np.abs(out) > 2.0
    return out * stddev + mean


class RandomNormal(RandomInitializer):
    """Samples from a normal distribution.

    Args:
        mean: mean of the values.
        stddev: standard deviation of the values.
        seed: see `RandomInitializer`.
    """

    def __init__(self, mean: float = 0.0, stddev: float = 0.05, seed: Optional[int] = None) -> None:
        self.mean = mean
        self.stddev = stddev
        super().__init__(seed=seed)

    def __call__(self, shape: Sequence[int], dtype: Any = None) -> np.ndarray:
        shape = standardize_shape(shape)
        return self._rng().normal(self.mean, self.stddev, shape).astype(_float_dtype(dtype))

    def get_config(self) -> Dict[str, Any]:
        return {**super().get_config(), "mean": self.mean, "stddev": self.stddev}


class TruncatedNormal(RandomInitializer):
    """Normal samples; those more than two standard deviations from the mean are redrawn.

    Args:
        mean: mean of the (untruncated) distribution.
        stddev: standard deviation of the (untruncated) distribution.
        seed: see `RandomInitializer`.
    """

    def __init__(self, mean: float = 0.0, stddev: float = 0.05, seed: Optional[int] = None) -> None:
        self.mean = mean
        self.stddev = stddev
        super().__init__(seed=seed)

    def __call__(self, shape: Sequence[int], dtype: Any = None) -> np.ndarray:
        shape = standardize_shape(shape)
        return _truncated_normal(self._rng(), shape, self.mean, self.stddev).astype(_float_dtype(dtype))

    def get_config(self) -> Dict[str, Any]:
        return {**super().get_config(), "mean": self.mean, "stddev": self.stddev}


class RandomUniform(RandomInitializer):
    """Samples uniformly from `[minval, maxval)`.

    Args:
        minval: lower bound.
        maxval: upper bound.
        seed: see `RandomInitializer`.
    """

    def __init__(self, minval: float = -0.05, maxval: float = 0.05, seed: Optional[int] = None) -> None:
        self.minval = minval
        self.maxval = maxval
        super().__init__(seed=seed)

    def __call__(self, shape: Sequence[int], dtype: Any = None) -> np.ndarray:
        shape = standardize_shape(shape)
        return self._rng().uniform(self.minval, self.maxval, shape).astype(_float_dtype(dtype))

    def get_config(self) -> Dict[str, Any]:
        return {**super().get_config(), "minval": self.minval, "maxval": self.maxval}


class VarianceScaling(RandomInitializer):
    """Samples whose variance is `scale / n`, n the fan chosen by `mode`.

    `truncated_normal` draws a normal truncated at two standard deviations with
    `stddev = sqrt(scale / n) / 0.87962566103423978` (so the variance after truncation is
    `scale / n`); `untruncated_normal` uses `stddev = sqrt(scale / n)`; `uniform` draws from
    `[-limit, limit]`, `limit = sqrt(3 * scale / n)`.

    Args:
        scale: positive scaling factor.
        mode: "fan_in", "fan_out" or "fan_avg".
        distribution: "truncated_normal" (alias "normal"), "untruncated_normal" or "uniform".
        seed: see `RandomInitializer`.

    Raises:
        ValueError: an argument is outside the allowed values.
    """

    _MODES = ("fan_in", "fan_out", "fan_avg")
    _DISTRIBUTIONS = ("truncated_normal", "untruncated_normal", "uniform")

    def __init__(self, scale: float = 1.0, mode: str = "fan_in", distribution: str = "truncated_normal",
                 seed: Optional[int] = None) -> None:
        if not isinstance(scale, (int, float)) or isinstance(scale, bool) or not scale > 0:
            raise ValueError(f"VarianceScaling: scale must be a positive float, got {scale!r}")
        if mode not in self._MODES:
            raise ValueError(f"VarianceScaling: mode must be one of {self._MODES}, got {mode!r}")
        dist = str(distribution).lower()
        if dist == "normal":
            dist = "truncated_normal"
        if dist not in self._DISTRIBUTIONS:
            raise ValueError(f"VarianceScaling: distribution must be one of {self._DISTRIBUTIONS}, "
                             f"got {distribution!r}")
        self.scale = float(scale)
        self.mode = mode
        self.distribution = dist
        super().__init__(seed=seed)

    def __call__(self, shape: Sequence[int], dtype: Any = None) -> np.ndarray:
        shape = standardize_shape(shape)
        fan_in, fan_out = compute_fans(shape)
        n = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2.0}[self.mode]
        variance = self.scale / max(1.0, n)
        rng = self._rng()
        if self.distribution == "truncated_normal":
            values = _truncated_normal(rng, shape, 0.0, math.sqrt(variance) / _TRUNCATED_STD)
        elif self.distribution == "untruncated_normal":
            values = rng.normal(0.0, math.sqrt(variance), shape)
        else:
            limit = math.sqrt(3.0 * variance)
            values = rng.uniform(-limit, limit, shape)
        return values.astype(_float_dtype(dtype))

    def get_config(self) -> Dict[str, Any]:
        return {**super().get_config(), "scale": self.scale, "mode": self.mode,
                "distribution": self.distribution}


class _FixedVarianceScaling(VarianceScaling):
    _ARGS: Dict[str, Any] = {}

    def __init__(self, seed: Optional[int] = None) -> None:
        super().__init__(seed=seed, **self._ARGS)

    def get_config(self) -> Dict[str, Any]:
        return {"seed": self.seed}


class GlorotUniform(_FixedVarianceScaling):
    """Xavier uniform: `U(-limit, limit)`, `limit = sqrt(6 / (fan_in + fan_out))`.

    Args:
        seed: see `RandomInitializer`.
    """

    _ARGS = {"scale": 1.0, "mode": "fan_avg", "distribution": "uniform"}


class GlorotNormal(_FixedVarianceScaling):
    """Xavier normal: truncated normal with variance `2 / (fan_in + fan_out)`.

    Args:
        seed: see `RandomInitializer`.
    """

    _ARGS = {"scale": 1.0, "mode": "fan_avg", "distribution": "truncated_normal"}


class HeUniform(_FixedVarianceScaling):
    """Kaiming uniform: `U(-limit, limit)`, `limit = sqrt(6 / fan_in)`.

    Args:
        seed: see `RandomInitializer`.
    """

    _ARGS = {"scale": 2.0, "mode": "fan_in", "distribution": "uniform"}


class HeNormal(_FixedVarianceScaling):
    """Kaiming normal: truncated normal with variance `2 / fan_in`.

    Args:
        seed: see `RandomInitializer`.
    """

    _ARGS = {"scale": 2.0, "mode": "fan_in", "distribution": "truncated_normal"}


class LecunUniform(_FixedVarianceScaling):
    """LeCun uniform: `U(-limit, limit)`, `limit = sqrt(3 / fan_in)`.

    Args:
        seed: see `RandomInitializer`.
    """

    _ARGS = {"scale": 1.0, "mode": "fan_in", "distribution": "uniform"}


class LecunNormal(_FixedVarianceScaling):
    """LeCun normal: truncated normal with variance `1 / fan_in`.

    Args:
        seed: see `RandomInitializer`.
    """

    _ARGS = {"scale": 1.0, "mode": "fan_in", "distribution": "truncated_normal"}


class OrthogonalInitializer(RandomInitializer):
    """An orthogonal matrix (from the QR decomposition of a normal matrix) times `gain`.

    Shapes with more than two dimensions are treated as `(prod(shape[:-1]), shape[-1])`.
    With fewer rows than columns the rows are orthonormal, otherwise the columns.

    Args:
        gain: multiplier.
        seed: see `RandomInitializer`.

    Raises:
        ValueError: the shape has fewer than two dimensions.
    """

    def __init__(self, gain: float = 1.0, seed: Optional[int] = None) -> None:
        self.gain = gain
        super().__init__(seed=seed)

    def __call__(self, shape: Sequence[int], dtype: Any = None) -> np.ndarray:
        shape = standardize_shape(shape)
        if len(shape) < 2:
            raise ValueError(f"Orthogonal initializer: the shape must be at least 2-D, got shape={shape} "
                             f"of rank {len(shape)}")
        rows = int(np.prod(shape[:-1]))
        cols = shape[-1]
        a = self._rng().standard_normal((max(rows, cols), min(rows, cols)))
        q, r = np.linalg.qr(a)
        d = np.sign(np.diag(r))
        d[d == 0] = 1.0
        q = q * d
        if rows < cols:
            q = q.T
        return (self.gain * q).reshape(shape).astype(_float_dtype(dtype))

    def get_config(self) -> Dict[str, Any]:
        return {**super().get_config(), "gain": self.gain}


Orthogonal = OrthogonalInitializer
