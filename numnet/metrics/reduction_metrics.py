"""Reduction metrics: `Sum`, `Mean`, and `MeanMetricWrapper` (a per-sample function, averaged)."""
from __future__ import annotations

from typing import Any, Callable, Dict, Optional, Tuple

import numpy as np

from numnet.autograd.grad_mode import no_grad
from numnet.losses.loss import apply_mask, same_rank_shapes
from numnet.metrics.metric import Metric, to_numpy


def reduce_to_samplewise_values(values: Any, sample_weight: Any, reduce_fn: Callable) -> Tuple[np.ndarray, Any]:
    """Keras's rule for weighting per-sample values (in float64).

    Values are reduced (with `reduce_fn`) down to the rank of the weights, multiplied by
    them, then reduced to one value per sample; weights of rank > 1 are reduced likewise.
    As in Keras, a mask carried by `values` (`values._keras_mask`) multiplies the weights
    when weights are given.

    Returns:
        (values, weights or None).

    Raises:
        ValueError: sample_weight does not broadcast to the values.
    """
    mask = getattr(values, "_keras_mask", None)
    values = to_numpy(values).astype(np.float64, copy=False)
    weights = None
    if sample_weight is not None:
        weights = to_numpy(sample_weight).astype(np.float64, copy=False)
        if mask is not None:
            weights = apply_mask(weights, mask, np.float64, "sum")
        vshape, wshape = same_rank_shapes(values.shape, weights.shape)
        values, weights = values.reshape(vshape), weights.reshape(wshape)
        if values.ndim > weights.ndim:
            values = reduce_fn(values, axis=tuple(range(weights.ndim, values.ndim)))
        try:
            weights = np.broadcast_to(weights, values.shape)
        except ValueError:
            raise ValueError(f"sample_weight of shape {to_numpy(sample_weight).shape} does not fit values of "
                             f"shape {to_numpy(values).shape}") from None
        values = values * weights
        if weights.ndim > 1:
            weights = reduce_fn(weights, axis=tuple(range(1, weights.ndim)))
    if values.ndim > 1:
        values = reduce_fn(values, axis=tuple(range(1, values.ndim)))
    return values, weights


class Sum(Metric):
    """The (weighted) sum of the given values.

    Args:
        name: default "sum".
        dtype: see `Metric`.
    """

    def __init__(self, name: str = "sum", dtype: Any = None) -> None:
        super().__init__(name=name, dtype=dtype)
        self.total = self.add_variable((), name="total")

    def update_state(self, values: Any, sample_weight: Any = None) -> None:
        """Add ``sum(values * sample_weight)``."""
        values, _ = reduce_to_samplewise_values(values, sample_weight, np.sum)
        self.total += np.sum(values)

    def result(self) -> float:
        return float(self.total)


class Mean(Metric):
    """The (weighted) mean of the given values: ``sum(values * w) / sum(w)`` over all updates.

    Values of rank > 1 are first averaged per sample (over all axes but the first).

    Args:
        name: default "mean".
        dtype: see `Metric`.
    """

    def __init__(self, name: str = "mean", dtype: Any = None) -> None:
        super().__init__(name=name, dtype=dtype)
        self.total = self.add_variable((), name="total")
        self.count = self.add_variable((), name="count")

    def update_state(self, values: Any, sample_weight: Any = None) -> None:
        """Accumulate a batch of values (and optional weights broadcastable to them)."""
        values, weights = reduce_to_samplewise_values(values, sample_weight, np.mean)
        self.total += np.sum(values)
        if weights is not None:
            self.count += np.sum(weights)
        else:
            self.count += values.shape[0] if values.ndim >= 1 else 1

    def result(self) -> float:
        count = float(self.count)
        return float(self.total) / count if count else 0.0


class MeanMetricWrapper(Mean):
    """The mean of a per-sample function ``fn(y_true, y_pred, **kwargs)`` over all samples seen.

    Args:
        fn: the function (NumPy or numnet loss function; Tensors are read without a graph).
        name: the metric's name (default: fn's name).
        dtype: see `Metric`.
        **kwargs: extra arguments for `fn` (kept in the config).
    """

    def __init__(self, fn: Callable, name: Optional[str] = None, dtype: Any = None, **kwargs: Any) -> None:
        super().__init__(name=name or getattr(fn, "__name__", "mean_metric_wrapper"), dtype=dtype)
        self._fn = fn
        self._fn_kwargs = kwargs

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        """Evaluate `fn` on the batch and accumulate its per-sample values.

        A Keras mask carried by `y_pred` (`y_pred._keras_mask`) weights the masked entries 0,
        so the metric averages over the unmasked entries (as in Keras).

        Args:
            y_true: the targets.
            y_pred: the predictions (a Tensor may carry a mask).
            sample_weight: optional weights broadcastable to the per-sample values.

        Raises:
            ValueError: weights or a mask that do not fit the values.
        """
        mask = getattr(y_pred, "_keras_mask", None)
        with no_grad():
            values = self._fn(to_numpy(y_true), to_numpy(y_pred), **self._fn_kwargs)
        if mask is not None:
            sample_weight = apply_mask(sample_weight, mask, np.float64, "sum")
        super().update_state(to_numpy(values), sample_weight=sample_weight)

    def get_config(self) -> Dict[str, Any]:
        config = super().get_config()
        config.update(self._fn_kwargs)
        if type(self) is MeanMetricWrapper:
            config["fn"] = getattr(self._fn, "__name__", repr(self._fn))
        return config

    @classmethod
    def from_config(cls, config: Dict[str, Any]) -> "Metric":
        if cls is MeanMetricWrapper:
            from numnet.metrics import get_function

            config = dict(config)
            config["fn"] = get_function(config["fn"])
        return cls(**config)
