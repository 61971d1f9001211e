"""Metric versions of the probabilistic losses: cross-entropies, KL divergence, Poisson."""
from __future__ import annotations

from typing import Any

from numnet import losses as _losses
from numnet.metrics.reduction_metrics import MeanMetricWrapper

__all__ = ["BinaryCrossentropy", "CategoricalCrossentropy", "SparseCategoricalCrossentropy",
           "KLDivergence", "Poisson"]


class BinaryCrossentropy(MeanMetricWrapper):
    """Mean binary cross-entropy over samples.

    Args:
        name: default "binary_crossentropy".
        dtype: see `numnet.metrics.Metric`.
        from_logits: whether y_pred holds logits.
        label_smoothing: as `numnet.losses.BinaryCrossentropy`.
    """

    _direction = "down"  # better when it goes down (mode="auto" of callbacks)

    def __init__(self, name: str = "binary_crossentropy", dtype: Any = None, from_logits: bool = False,
                 label_smoothing: float = 0.0) -> None:
        super().__init__(_losses.binary_crossentropy, name=name, dtype=dtype, from_logits=from_logits,
                         label_smoothing=label_smoothing)


class CategoricalCrossentropy(MeanMetricWrapper):
    """Mean categorical cross-entropy over samples.

    Args:
        name: default "categorical_crossentropy".
        dtype: see `numnet.metrics.Metric`.
        from_logits: as `numnet.losses.CategoricalCrossentropy`.
        label_smoothing: as `numnet.losses.CategoricalCrossentropy`.
        axis: as `numnet.losses.CategoricalCrossentropy`.
    """

    _direction = "down"  # better when it goes down (mode="auto" of callbacks)

    def __init__(self, name: str = "categorical_crossentropy", dtype: Any = None, from_logits: bool = False,
                 label_smoothing: float = 0.0, axis: int = -1) -> None:
        super().__init__(_losses.categorical_crossentropy, name=name, dtype=dtype, from_logits=from_logits,
                         label_smoothing=label_smoothing, axis=axis)


class SparseCategoricalCrossentropy(MeanMetricWrapper):
    """Mean sparse categorical cross-entropy over samples.

    Args:
        name: default "sparse_categorical_crossentropy".
        dtype: see `numnet.metrics.Metric`.
        from_logits: as `numnet.losses.sparse_categorical_crossentropy`.
        axis: as `numnet.losses.sparse_categorical_crossentropy`.
    """

    _direction = "down"  # better when it goes down (mode="auto" of callbacks)

    def __init__(self, name: str = "sparse_categorical_crossentropy", dtype: Any = None,
                 from_logits: bool = False, axis: int = -1) -> None:
        super().__init__(_losses.sparse_categorical_crossentropy, name=name, dtype=dtype,
                         from_logits=from_logits, axis=axis)


class KLDivergence(MeanMetricWrapper):
    """Mean Kullback-Leibler divergence over samples (name default "kl_divergence")."""

    _direction = "down"  # better when it goes down (mode="auto" of callbacks)

    def __init__(self, name: str = "kl_divergence", dtype: Any = None) -> None:
        super().__init__(_losses.kl_divergence, name=name, dtype=dtype)


class Poisson(MeanMetricWrapper):
    """Mean Poisson loss over samples (name default "poisson")."""

    _direction = "down"  # better when it goes down (mode="auto" of callbacks)

    def __init__(self, name: str = "poisson", dtype: Any = None) -> None:
        super().__init__(_losses.poisson, name=name, dtype=dtype)
