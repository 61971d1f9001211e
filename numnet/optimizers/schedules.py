"""Learning-rate schedules (Keras 3 `keras.optimizers.schedules`).

A schedule maps the optimizer's step count (`optimizer.iterations`, starting at 0 for the
first update) to a learning rate. Values are computed in float32, as Keras does, and
returned as `np.float32`.
"""
from __future__ import annotations

import math
from typing import Any, Dict, Optional, Sequence

import numpy as np

from numnet.utils import serialization as _serialization

__all__ = [
    "LearningRateSchedule", "ExponentialDecay", "PiecewiseConstantDecay", "PolynomialDecay",
    "InverseTimeDecay", "CosineDecay", "CosineDecayRestarts", "serialize", "deserialize",
]

_F = np.float32


def _positive(owner: str, name: str, value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)) or not value > 0:
        raise ValueError(f"{owner}: argument `{name}` must be a number > 0, received {name}={value!r}")


def _number(owner: str, name: str, value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)) or not math.isfinite(value):
        raise ValueError(f"{owner}: argument `{name}` must be a finite number, received {name}={value!r}")


class LearningRateSchedule:
    """Base class: subclasses implement ``__call__(step) -> learning rate`` and `get_config`."""

    def __call__(self, step: Any) -> np.float32:
        raise NotImplementedError(f"{type(self).__name__} must implement __call__(step)")

    def get_config(self) -> Dict[str, Any]:
        """The constructor arguments, JSON-serializable."""
        raise NotImplementedError(f"{type(self).__name__} must implement get_config()")

    @classmethod
    def from_config(cls, config: Dict[str, Any]) -> "LearningRateSchedule":
        """Rebuild the schedule from `get_config()`'s output."""
        return cls(**config)

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"


class _DecayRateSchedule(LearningRateSchedule):
    """The arguments ExponentialDecay and InverseTimeDecay share, and their decay progress
    ``step / decay_steps`` (floored if `staircase`)."""

    def __init__(self, initial_learning_rate: float, decay_steps: int, decay_rate: float, staircase: bool,
                 name: str) -> None:
        owner = type(self).__name__
        _number(owner, "initial_learning_rate", initial_learning_rate)
        _positive(owner, "decay_steps", decay_steps)
        _number(owner, "decay_rate", decay_rate)
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.decay_rate = decay_rate
        self.staircase = bool(staircase)
        self.name = name

    def _progress(self, step: Any) -> np.float32:
        p = _F(step) / _F(self.decay_steps)
        return np.floor(p) if self.staircase else p

    def get_config(self) -> Dict[str, Any]:
        return {"initial_learning_rate": self.initial_learning_rate, "decay_steps": self.decay_steps,
                "decay_rate": self.decay_rate, "staircase": self.staircase, "name": self.name}


class ExponentialDecay(_DecayRateSchedule):
    """``initial_learning_rate * decay_rate ** (step / decay_steps)`` (the exponent floored if `staircase`).

    Args:
        initial_learning_rate: the rate at step 0.
        decay_steps: steps per factor of `decay_rate` (> 0).
        decay_rate: the decay factor.
        staircase: decay in discrete jumps.
        name: a name.

    Raises:
        ValueError: decay_steps <= 0 or a non-numeric argument.
    """

    def __init__(self, initial_learning_rate: float, decay_steps: int, decay_rate: float, staircase: bool = False,
                 name: str = "ExponentialDecay") -> None:
        super().__init__(initial_learning_rate, decay_steps, decay_rate, staircase, name)

    def __call__(self, step: Any) -> np.float32:
        return _F(self.initial_learning_rate) * np.power(_F(self.decay_rate), self._progress(step))


class PiecewiseConstantDecay(LearningRateSchedule):
    """``values[0]`` while ``step <= boundaries[0]``, ``values[i]`` while ``boundaries[i-1] < step <= boundaries[i]``,
    and ``values[-1]`` after the last boundary.

    Args:
        boundaries: increasing step boundaries.
        values: one more value than boundaries.
        name: a name.

    Raises:
        ValueError: ``len(values) != len(boundaries) + 1`` or the boundaries are not increasing.
    """

    def __init__(self, boundaries: Sequence[float], values: Sequence[float], name: str = "PiecewiseConstant") -> None:
        boundaries, values = list(boundaries), list(values)
        if len(values) != len(boundaries) + 1:
            raise ValueError(
                "PiecewiseConstantDecay: the length of `values` must be the length of `boundaries` plus 1; "
                f"received len(boundaries)={len(boundaries)}, len(values)={len(values)}"
            )
        if any(a >= b for a, b in zip(boundaries, boundaries[1:])):
            raise ValueError(f"PiecewiseConstantDecay: `boundaries` must be strictly increasing, received {boundaries}")
        self.boundaries = boundaries
        self.values = values
        self.name = name

    def __call__(self, step: Any) -> np.float32:
        index = int(np.searchsorted(np.asarray(self.boundaries, dtype=np.float64), float(step), side="left"))
        return _F(self.values[index])

    def get_config(self) -> Dict[str, Any]:
        return {"boundaries": self.boundaries, "values": self.values, "name": self.name}


class PolynomialDecay(LearningRateSchedule):
    """``(initial - end) * (1 - step / decay_steps) ** power + end``, step capped at decay_steps
    (or, with `cycle`, decay_steps stretched to the next multiple above step).

    Args:
        initial_learning_rate: the rate at step 0.
        decay_steps: steps over which the rate falls to `end_learning_rate` (> 0).
        end_learning_rate: the final rate (default 1e-4).
        power: exponent of the polynomial (default 1.0: linear).
        cycle: restart the decay beyond `decay_steps` (default False).
        name: schedule name.
    """

    def __init__(self, initial_learning_rate: float, decay_steps: int, end_learning_rate: float = 0.0001,
                 power: float = 1.0, cycle: bool = False, name: str = "PolynomialDecay") -> None:
        _number("PolynomialDecay", "initial_learning_rate", initial_learning_rate)
        _positive("PolynomialDecay", "decay_steps", decay_steps)
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.end_learning_rate = end_learning_rate
        self.power = power
        self.cycle = bool(cycle)
        self.name = name

    def __call__(self, step: Any) -> np.float32:
        s = _F(step)
        steps = _F(self.decay_steps)
        if self.cycle:
            multiplier = _F(1.0) if s == 0 else np.ceil(s / steps)
            steps = steps * multiplier
        else:
            s = min(s, steps)
        p = s / steps
        init, end = _F(self.initial_learning_rate), _F(self.end_learning_rate)
        return (init - end) * np.power(_F(1) - p, _F(self.power)) + end

    def get_config(self) -> Dict[str, Any]:
        return {"initial_learning_rate": self.initial_learning_rate, "decay_steps": self.decay_steps,
                "end_learning_rate": self.end_learning_rate, "power": self.power, "cycle": self.cycle,
                "name": self.name}


class InverseTimeDecay(_DecayRateSchedule):
    """``initial_learning_rate / (1 + decay_rate * step / decay_steps)`` (the ratio floored if `staircase`).

    Args:
        initial_learning_rate: the rate at step 0.
        decay_steps: the decay period (> 0).
        decay_rate: the decay factor.
        staircase: decay in discrete steps (default False).
        name: schedule name.
    """

    def __init__(self, initial_learning_rate: float, decay_steps: int, decay_rate: float, staircase: bool = False,
                 name: str = "InverseTimeDecay") -> None:
        super().__init__(initial_learning_rate, decay_steps, decay_rate, staircase, name)

    def __call__(self, step: Any) -> np.float32:
        return _F(self.initial_learning_rate) / (_F(1) + _F(self.decay_rate) * self._progress(step))


class CosineDecay(LearningRateSchedule):
    """Cosine decay, optionally after a linear warmup.

    Without warmup: ``lr * ((1 - alpha) * 0.5 * (1 + cos(pi * min(step, decay_steps) / decay_steps)) + alpha)``.
    With ``warmup_target``: linear from `initial_learning_rate` to `warmup_target` over
    `warmup_steps`, then the cosine decay from `warmup_target` over `decay_steps`.

    Args:
        initial_learning_rate: the starting rate.
        decay_steps: length of the cosine decay (> 0).
        alpha: the final rate as a fraction of the decayed-from rate.
        name: a name.
        warmup_target: the rate reached after warmup (None: no warmup).
        warmup_steps: warmup length.
    """

    def __init__(self, initial_learning_rate: float, decay_steps: int, alpha: float = 0.0, name: str = "CosineDecay",
                 warmup_target: Optional[float] = None, warmup_steps: int = 0) -> None:
        _number("CosineDecay", "initial_learning_rate", initial_learning_rate)
        _positive("CosineDecay", "decay_steps", decay_steps)
        _number("CosineDecay", "alpha", alpha)
        if warmup_target is not None:
            _number("CosineDecay", "warmup_target", warmup_target)
        if warmup_steps < 0:
            raise ValueError(f"CosineDecay: argument `warmup_steps` must be >= 0, received {warmup_steps!r}")
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.alpha = alpha
        self.name = name
        self.warmup_target = warmup_target
        self.warmup_steps = warmup_steps

    def _decay(self, step: np.float32, decay_from: np.float32) -> np.float32:
        fraction = step / _F(self.decay_steps)
        cosine = _F(0.5) * (_F(1) + np.cos(_F(math.pi) * fraction))
        return decay_from * ((_F(1) - _F(self.alpha)) * cosine + _F(self.alpha))

    def __call__(self, step: Any) -> np.float32:
        s = _F(step)
        init = _F(self.initial_learning_rate)
        if self.warmup_target is None:
            return self._decay(min(s, _F(self.decay_steps)), init)
        warmup_steps = _F(self.warmup_steps)
        target = _F(self.warmup_target)
        s = min(s, _F(self.decay_steps) + warmup_steps)
        if s < warmup_steps:
            return (target - init) * (s / warmup_steps) + init
        return self._decay(s - warmup_steps, target)

    def get_config(self) -> Dict[str, Any]:
        return {"initial_learning_rate": self.initial_learning_rate, "decay_steps": self.decay_steps,
                "alpha": self.alpha, "name": self.name, "warmup_target": self.warmup_target,
                "warmup_steps": self.warmup_steps}


class CosineDecayRestarts(LearningRateSchedule):
    """Cosine decay with warm restarts (SGDR): periods grow by `t_mul`, peaks shrink by `m_mul`.

    Args:
        initial_learning_rate: the rate at step 0.
        first_decay_steps: length of the first period (> 0).
        t_mul: factor by which each period is longer than the previous (default 2.0).
        m_mul: factor by which each restart's rate is lower than the previous (default 1.0).
        alpha: minimum rate as a fraction of `initial_learning_rate` (default 0.0).
        name: schedule name.
    """

    def __init__(self, initial_learning_rate: float, first_decay_steps: int, t_mul: float = 2.0, m_mul: float = 1.0,
                 alpha: float = 0.0, name: str = "SGDRDecay") -> None:
        _number("CosineDecayRestarts", "initial_learning_rate", initial_learning_rate)
        _positive("CosineDecayRestarts", "first_decay_steps", first_decay_steps)
        self.initial_learning_rate = initial_learning_rate
        self.first_decay_steps = first_decay_steps
        self._t_mul = t_mul
        self._m_mul = m_mul
        self.alpha = alpha
        self.name = name

    def __call__(self, step: Any) -> np.float32:
        fraction = _F(step) / _F(self.first_decay_steps)
        t_mul, m_mul = _F(self._t_mul), _F(self._m_mul)
        if t_mul == 1:
            i_restart = np.floor(fraction)
            fraction = fraction - i_restart
        else:
            i_restart = np.floor(np.log(_F(1) - fraction * (_F(1) - t_mul)) / np.log(t_mul))
            sum_r = (_F(1) - np.power(t_mul, i_restart)) / (_F(1) - t_mul)
            fraction = (fraction - sum_r) / np.power(t_mul, i_restart)
        cosine = _F(0.5) * np.power(m_mul, i_restart) * (_F(1) + np.cos(_F(math.pi) * fraction))
        return _F(self.initial_learning_rate) * ((_F(1) - _F(self.alpha)) * cosine + _F(self.alpha))

    def get_config(self) -> Dict[str, Any]:
        return {"initial_learning_rate": self.initial_learning_rate, "first_decay_steps": self.first_decay_steps,
                "t_mul": self._t_mul, "m_mul": self._m_mul, "alpha": self.alpha, "name": self.name}


_BUILTINS = {cls.__name__: cls for cls in (
    LearningRateSchedule, ExponentialDecay, PiecewiseConstantDecay, PolynomialDecay,
    InverseTimeDecay, CosineDecay, CosineDecayRestarts)}


def serialize(schedule: LearningRateSchedule) -> Dict[str, Any]:
    """A schedule as ``{"class_name": ..., "config": {...}}``."""
    return _serialization.serialize(schedule)


def deserialize(config: Any, custom_objects: Optional[Dict[str, Any]] = None) -> LearningRateSchedule:
    """Build a schedule from `serialize`'s output.

    Raises:
        ValueError: unknown schedule name or bad arguments.
    """
    return _serialization.deserialize(config, _BUILTINS, custom_objects, kind="learning rate schedule")
