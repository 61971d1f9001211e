"""`Loss`: the base class of every loss, and the Keras rules for weighting and reducing.

A loss computes one value per sample (``call``), then `__call__` weights them by
``sample_weight`` and reduces them as Keras 3 does:

* ``"sum_over_batch_size"`` (default) and ``"mean"``: ``sum(values * weights) / values.size``
  (the number of elements of the per-sample loss array, *not* the sum of the weights);
* ``"mean_with_sample_weight"``: ``sum(values * weights) / sum(weights)`` (0 when that is 0);
* ``"sum"``: ``sum(values * weights)``;
* ``None`` / ``"none"``: the weighted per-sample values.

When ``y_pred`` carries a Keras mask (``y_pred._keras_mask``, e.g. the per-timestep output of
a model that starts with ``Embedding(mask_zero=True)``), the masked entries get weight 0, and
with ``"sum_over_batch_size"``/``"mean"`` the others weight ``size / number unmasked``: the
loss is the mean over the unmasked entries (Keras's `apply_mask`).

The weighting and reduction run as one graph node.
"""
from __future__ import annotations

from typing import Any, Dict, Optional, Tuple

import numpy as np

from numnet.autograd.function import Function, unbroadcast
from numnet.autograd.tensor import Tensor, as_tensor
from numnet.utils.naming import to_snake_case

REDUCTIONS = ("sum_over_batch_size", "sum", "mean", "mean_with_sample_weight", "none", None)


def standardize_reduction(reduction: Any) -> Optional[str]:
    """Return `reduction` if Keras knows it.

    Raises:
        ValueError: it is not one of "sum_over_batch_size", "sum", "mean",
            "mean_with_sample_weight", "none" or None.
    """
    if reduction not in REDUCTIONS:
        raise ValueError(
            f"Invalid value for argument `reduction`: expected one of {list(REDUCTIONS)}, "
            f"received reduction={reduction!r}"
        )
    return reduction


def same_rank_shapes(shape1: Tuple[int, ...], shape2: Tuple[int, ...]) -> Tuple[Tuple[int, ...], Tuple[int, ...]]:
    """Keras's `squeeze_or_expand_to_same_rank` on shapes.

    When the ranks differ by exactly one and the longer shape ends in 1, that 1 is
    squeezed away, except that a rank-1 partner is expanded instead.

    Returns:
        The two (possibly changed) shapes.
    """
    s1, s2 = tuple(shape1), tuple(shape2)
    if len(s1) == len(s2) + 1 and s1[-1] == 1:
        if len(s2) == 1:
            s2 = s2 + (1,)
        else:
            s1 = s1[:-1]
    elif len(s2) == len(s1) + 1 and s2[-1] == 1:
        if len(s1) == 1:
            s1 = s1 + (1,)
        else:
            s2 = s2[:-1]
    return s1, s2


def to_array(x: Any, dtype: Any = None) -> np.ndarray:
    """The ndarray behind `x` (a Tensor, array, list or number), optionally cast to `dtype`."""
    arr = x.data if isinstance(x, Tensor) else np.asarray(x)
    if dtype is not None and arr.dtype != dtype:
        arr = arr.astype(dtype)
    return arr


def float_tensor(x: Any, dtype: Any = None) -> Tensor:
    """`x` as a floating-point Tensor (integers become float32); Tensors keep their graph."""
    t = as_tensor(x)
    if dtype is not None and t.dtype != np.dtype(dtype):
        return t.astype(dtype)
    if t.dtype.kind != "f":
        return t.astype(np.float32)
    return t


class WeightedReduce(Function):
    """Weight per-sample loss values and reduce them, in one node.

    forward(values, weights=None, values_shape, mode, divisor): `values` is first viewed
    with `values_shape` (a squeeze/expand of a trailing 1), multiplied by `weights`
    (broadcast), then summed and divided by `divisor` (``mode="sum"``) or returned
    elementwise (``mode="none"``).
    """

    def forward(self, values, weights=None, values_shape=None, mode="sum", divisor=1.0):
        self.in_shape = values.shape
        if values_shape is not None and values_shape != values.shape:
            values = values.reshape(values_shape)
        self.shape = values.shape
        self.weights = weights
        self.mode = mode
        self.dtype = values.dtype
        weighted = values if weights is None else values * weights
        self.out_shape = weighted.shape
        if mode == "none":
            return weighted
        self.divisor = divisor
        total = weighted.sum(dtype=values.dtype)
        if divisor == 0:
            return np.zeros((), dtype=values.dtype)
        return np.asarray(total / np.asarray(divisor, dtype=values.dtype), dtype=values.dtype)

    def backward(self, grad):
        if self.mode == "none":
            g = grad if self.weights is None else grad * self.weights
        else:
            scale = 0.0 if self.divisor == 0 else grad / np.asarray(self.divisor, dtype=self.dtype)
            if self.weights is None:
                g = np.full(self.out_shape, scale, dtype=self.dtype)
            else:
                g = np.broadcast_to(self.weights * np.asarray(scale, dtype=self.dtype), self.out_shape)
        g = unbroadcast(np.asarray(g, dtype=self.dtype), self.shape)
        return (g.reshape(self.in_shape),)


def _broadcastable_weights(weights: np.ndarray, values_shape: Tuple[int, ...]) -> np.ndarray:
    """Reshape `weights` so it broadcasts against `values_shape` (adding trailing axes if needed)."""
    try:
        np.broadcast_shapes(weights.shape, values_shape)
        return weights
    except ValueError:
        pass
    if weights.ndim < len(values_shape):
        expanded = weights.reshape(weights.shape + (1,) * (len(values_shape) - weights.ndim))
        try:
            np.broadcast_shapes(expanded.shape, values_shape)
            return expanded
        except ValueError:
            pass
    raise ValueError(
        f"sample_weight of shape {weights.shape} cannot be broadcast to the per-sample loss "
        f"of shape {values_shape}"
    )


def apply_mask(sample_weight: Any, mask: Any, dtype: Any, reduction: Optional[str]) -> Optional[np.ndarray]:
    """Fold a Keras mask into the sample weights (Keras's `apply_mask`).

    Args:
        sample_weight: None or array-like weights.
        mask: None or a boolean mask (Tensor or array).
        dtype: dtype of the result.
        reduction: the reduction that follows; with "sum_over_batch_size"/"mean" unmasked entries
            weigh `mask.size / number unmasked` (so the mean is over the unmasked entries), else 1.

    Returns:
        The weights as an ndarray (or `sample_weight` unchanged when `mask` is None).

    Raises:
        ValueError: the weights do not broadcast to the mask.
    """
    if mask is None:
        return sample_weight
    m = np.asarray(getattr(mask, "data", mask)).astype(bool, copy=False)
    dtype = np.dtype(dtype)
    if reduction in ("mean", "sum_over_batch_size"):
        valid = int(m.sum())
        weight = dtype.type(m.size / valid) if valid else dtype.type(0)
        float_mask = np.where(m, weight, dtype.type(0)).astype(dtype, copy=False)
    else:
        float_mask = m.astype(dtype)
    if sample_weight is None:
        return float_mask
    weights = to_array(sample_weight, dtype)
    mshape, wshape = same_rank_shapes(float_mask.shape, weights.shape)
    try:
        weights = _broadcastable_weights(weights.reshape(wshape), mshape)
        return float_mask.reshape(mshape) * weights
    except ValueError:
        raise ValueError(f"sample_weight of shape {weights.shape} does not fit the mask of y_pred of shape "
                         f"{m.shape}") from None


def reduce_weighted_values(values: Any, sample_weight: Any = None, mask: Optional[np.ndarray] = None,
                           reduction: Optional[str] = "sum_over_batch_size") -> Tensor:
    """Weight per-sample `values` by `sample_weight` (and a boolean `mask`) and reduce them.

    Args:
        values: the per-sample losses (a Tensor, kept in the graph).
        sample_weight: None or array-like broadcastable to `values` after Keras's rank fix.
        mask: None or a boolean array of `values`' shape (entries to count); with
            "sum_over_batch_size"/"mean" the result is divided by the number of True entries.
        reduction: see the module docstring.

    Returns:
        A scalar Tensor (an array of weighted values when the reduction is None/"none").

    Raises:
        ValueError: an unknown reduction or a sample_weight that does not fit the values.
    """
    reduction = standardize_reduction(reduction)
    values = float_tensor(values)
    dtype = values.dtype
    weights = None if sample_weight is None else to_array(sample_weight, dtype)
    if mask is not None:
        weights = apply_mask(weights, mask, dtype, reduction)
    vshape = values.shape
    if weights is not None:
        vshape, wshape = same_rank_shapes(values.shape, weights.shape)
        weights = _broadcastable_weights(weights.reshape(wshape), vshape)
    out_shape = vshape if weights is None else np.broadcast_shapes(vshape, weights.shape)
    if reduction in (None, "none") or out_shape in ((), (0,)):
        if weights is None and vshape == values.shape:
            return values
        return WeightedReduce.apply(values, weights=weights, values_shape=vshape, mode="none")
    divisor = 1.0
    if reduction == "mean_with_sample_weight" and weights is not None:
        divisor = float(np.sum(weights, dtype=np.float64))
    elif reduction != "sum":
        divisor = float(int(np.prod(out_shape)))
    return WeightedReduce.apply(values, weights=weights, values_shape=vshape, mode="sum", divisor=divisor)


class Loss:
    """Base class of losses (Keras 3 `keras.losses.Loss`).

    Subclasses implement ``call(y_true, y_pred) -> Tensor`` of per-sample losses;
    ``__call__`` weights and reduces them.

    Args:
        name: the loss's name (default: the class name in snake_case).
        reduction: "sum_over_batch_size" (default), "sum", "mean",
            "mean_with_sample_weight", "none" or None (see the module docstring).
        dtype: computation dtype; None follows y_pred's float dtype (float32 for
            non-float inputs), so float32 stays float32 and float64 stays float64.

    Raises:
        ValueError: an unknown reduction.
    """

    def __init__(self, name: Optional[str] = None, reduction: Optional[str] = "sum_over_batch_size",
                 dtype: Any = None) -> None:
        self.name = name or to_snake_case(type(self).__name__)
        self.reduction = standardize_reduction(reduction)
        self.dtype = None if dtype is None else np.dtype(dtype).name

    def __call__(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> Tensor:
        """Return the weighted, reduced loss (a Tensor differentiable w.r.t. `y_pred`).

        Args:
            y_true: targets (array-like or Tensor; treated as a constant).
            y_pred: predictions (Tensor or array-like); a Keras mask it carries
                (`y_pred._keras_mask`) leaves the masked entries out (see the module docstring).
            sample_weight: optional weights broadcastable to the per-sample losses.

        Returns:
            A scalar Tensor, or the per-sample weighted losses when reduction is None/"none".

        Raises:
            ValueError: a sample_weight or a mask that does not fit the per-sample losses.
        """
        in_mask = getattr(y_pred, "_keras_mask", None)
        y_pred = float_tensor(y_pred, self.dtype)
        values, mask = self._call_with_mask(y_true, y_pred)
        if in_mask is not None:
            in_mask = np.asarray(getattr(in_mask, "data", in_mask)).astype(bool, copy=False)
            mask = in_mask if mask is None else np.logical_and(in_mask, mask)
            mshape, vshape = same_rank_shapes(mask.shape, values.shape)
            try:
                np.broadcast_shapes(mshape, vshape)
            except ValueError:
                raise ValueError(f"Loss '{self.name}': y_pred carries a mask of shape {in_mask.shape}, which does not "
                                 f"fit the per-sample losses of shape {tuple(values.shape)}") from None
        return reduce_weighted_values(values, sample_weight, mask=mask, reduction=self.reduction)

    def _call_with_mask(self, y_true: Any, y_pred: Tensor) -> Tuple[Tensor, Optional[np.ndarray]]:
        """Per-sample losses and an optional boolean mask of entries that count."""
        return float_tensor(self.call(y_true, y_pred)), None

    def call(self, y_true: Any, y_pred: Any) -> Tensor:
        """Return the per-sample losses; implemented by subclasses."""
        raise NotImplementedError(f"{type(self).__name__}.call is not implemented")

    def get_config(self) -> Dict[str, Any]:
        """The constructor arguments, JSON-serializable."""
        config: Dict[str, Any] = {"name": self.name, "reduction": self.reduction}
        if self.dtype is not None:
            config["dtype"] = self.dtype
        return config

    @classmethod
    def from_config(cls, config: Dict[str, Any]) -> "Loss":
        """Rebuild a loss from `get_config()`'s output."""
        return cls(**config)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} name={self.name!r} reduction={self.reduction!r}>"


class LossFunctionWrapper(Loss):
    """A `Loss` around a per-sample function ``fn(y_true, y_pred, **kwargs)``.

    Args:
        fn: the per-sample loss function.
        reduction: as `Loss`.
        name: as `Loss`.
        dtype: as `Loss`.
        **kwargs: extra arguments passed to `fn` (and stored in the config).
    """

    def __init__(self, fn: Any, reduction: Optional[str] = "sum_over_batch_size", name: Optional[str] = None,
                 dtype: Any = None, **kwargs: Any) -> None:
        super().__init__(name=name or getattr(fn, "__name__", None), reduction=reduction, dtype=dtype)
        self.fn = fn
        self._fn_kwargs = kwargs

    def call(self, y_true: Any, y_pred: Any) -> Tensor:
        return self.fn(y_true, y_pred, **self._fn_kwargs)

    def get_config(self) -> Dict[str, Any]:
        config = super().get_config()
        config.update(self._fn_kwargs)
        if type(self) is LossFunctionWrapper:
            config["fn"] = getattr(self.fn, "__name__", repr(self.fn))
        return config

    @classmethod
    def from_config(cls, config: Dict[str, Any]) -> "Loss":
        if cls is LossFunctionWrapper:
            from numnet.losses import get as _get

            config = dict(config)
            config["fn"] = _get(config["fn"])
        return cls(**config)

    def __repr__(self) -> str:
        return f"<{type(self).__name__}({getattr(self.fn, '__name__', self.fn)}, kwargs={self._fn_kwargs})>"
