"""Metric versions of the hinge losses."""
from __future__ import annotations

from typing import Any

from numnet import losses as _losses
from numnet.metrics.reduction_metrics import MeanMetricWrapper

__all__ = ["Hinge", "SquaredHinge", "CategoricalHinge"]


class Hinge(MeanMetricWrapper):
    """Mean hinge loss over samples (name default "hinge")."""

    _direction = "down"  # better when it goes down (mode="auto" of callbacks)

    def __init__(self, name: str = "hinge", dtype: Any = None) -> None:
        super().__init__(_losses.hinge, name=name, dtype=dtype)


class SquaredHinge(MeanMetricWrapper):
    """Mean squared hinge loss over samples (name default "squared_hinge")."""

    _direction = "down"  # better when it goes down (mode="auto" of callbacks)

    def __init__(self, name: str = "squared_hinge", dtype: Any = None) -> None:
        super().__init__(_losses.squared_hinge, name=name, dtype=dtype)


class CategoricalHinge(MeanMetricWrapper):
    """Mean categorical hinge loss over samples (name default "categorical_hinge")."""

    _direction = "down"  # better when it goes down (mode="auto" of callbacks)

    def __init__(self, name: str = "categorical_hinge", dtype: Any = None) -> None:
        super().__init__(_losses.categorical_hinge, name=name, dtype=dtype)
