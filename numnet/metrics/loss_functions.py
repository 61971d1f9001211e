"""The per-sample loss functions that Keras 3 also exports from `keras.metrics`.

They are `numnet.losses`'s functions themselves (differentiable, one value per sample), so
``numnet.metrics.mean_squared_error is numnet.losses.mean_squared_error``.
"""
from __future__ import annotations

from numnet.losses import (  # noqa: F401 - re-exported as metric functions
    binary_crossentropy, binary_focal_crossentropy, categorical_crossentropy, categorical_focal_crossentropy,
    categorical_hinge, hinge, huber, kl_divergence, log_cosh, mean_absolute_error, mean_absolute_percentage_error,
    mean_squared_error, mean_squared_logarithmic_error, poisson, sparse_categorical_crossentropy, squared_hinge,
)

__all__ = [
    "binary_crossentropy", "binary_focal_crossentropy", "categorical_crossentropy",
    "categorical_focal_crossentropy", "categorical_hinge", "hinge", "huber", "kl_divergence", "log_cosh",
    "mean_absolute_error", "mean_absolute_percentage_error", "mean_squared_error",
    "mean_squared_logarithmic_error", "poisson", "sparse_categorical_crossentropy", "squared_hinge",
]
