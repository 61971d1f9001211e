"""Focal cross-entropies (Lin et al., 2018): cross-entropy down-weighted on easy examples.

Both follow Keras 3's formulas: the binary one multiplies the elementwise binary
cross-entropy by ``(1 - p_t) ** gamma`` (``p_t`` the probability given to the true class)
and, with `apply_class_balancing`, by ``alpha`` for positives and ``1 - alpha`` for
negatives, then averages over `axis`; the categorical one renormalises and clips the
probabilities to ``[1e-7, 1 - 1e-7]`` and sums ``alpha * (1 - p) ** gamma * -y * log(p)``
over `axis`. They are composed of differentiable `numnet.ops`, so gradients flow as in
Keras (none through a clipped probability).
"""
from __future__ import annotations

import numbers
from typing import Any, Optional, Sequence, Union

import numpy as np

from numnet import ops
from numnet.autograd.tensor import Tensor
from numnet.losses.loss import LossFunctionWrapper
from numnet.losses.per_sample import EPSILON, align

__all__ = ["binary_focal_crossentropy", "categorical_focal_crossentropy",
           "BinaryFocalCrossentropy", "CategoricalFocalCrossentropy"]


def _number(owner: str, arg: str, value: Any, low: float, high: float = float("inf")) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not low <= value <= high:
        bounds = f"in [{low}, {high}]" if high != float("inf") else f">= {low}"
        raise ValueError(f"{owner}: `{arg}` must be a number {bounds}, received {arg}={value!r}")
    return float(value)


def _axis(owner: str, axis: Any) -> int:
    if isinstance(axis, bool) or not isinstance(axis, (int, np.integer)):
        raise ValueError(f"{owner}: `axis` must be an int, received axis={axis!r}")
    return int(axis)


def binary_focal_crossentropy(y_true: Any, y_pred: Any, apply_class_balancing: bool = False, alpha: float = 0.25,
                              gamma: float = 2.0, from_logits: bool = False, label_smoothing: float = 0.0,
                              axis: int = -1) -> Tensor:
    """Per-sample binary focal cross-entropy, the mean over `axis` of the elementwise losses.

    Args:
        y_true: 0/1 targets of y_pred's shape (a trailing 1 may be squeezed/expanded).
        y_pred: probabilities, or logits when `from_logits`.
        apply_class_balancing: weight positives by `alpha` and negatives by ``1 - alpha``.
        alpha: the weight of class 1 (in [0, 1]) when `apply_class_balancing`.
        gamma: the focusing parameter (>= 0; 0 gives the binary cross-entropy).
        from_logits: whether y_pred holds logits (a sigmoid is applied first).
        label_smoothing: in [0, 1]; targets become ``y * (1 - s) + 0.5 * s``.
        axis: the axis averaged over.

    Returns:
        A Tensor of y_pred's shape without `axis`.

    Raises:
        ValueError: the shapes do not match, or an argument is out of range.
    """
    name = "binary_focal_crossentropy"
    alpha = _number(name, "alpha", alpha, 0.0, 1.0)
    gamma = _number(name, "gamma", gamma, 0.0)
    label_smoothing = _number(name, "label_smoothing", label_smoothing, 0.0, 1.0)
    axis = _axis(name, axis)
    t, p, shape = align(name, y_true, y_pred)
    if shape is not None:
        p = ops.reshape(p, shape)
    if label_smoothing:
        t = t * (1 - label_smoothing) + 0.5 * label_smoothing
    if from_logits:
        p = ops.sigmoid(p)
    bce = ops.binary_crossentropy(t, p, from_logits=False)
    p_t = ops.add(ops.multiply(2 * t - 1, p), 1 - t)  # t * p + (1 - t) * (1 - p)
    loss = ops.multiply(ops.power(ops.subtract(1, p_t), gamma), bce)
    if apply_class_balancing:
        loss = ops.multiply(loss, t * alpha + (1 - t) * (1 - alpha))
    return ops.mean(loss, axis=axis)


def _alpha_array(owner: str, alpha: Any) -> Union[float, np.ndarray]:
    if isinstance(alpha, (list, tuple, np.ndarray)):
        arr = np.asarray(alpha, dtype=np.float64)
        if arr.ndim != 1 or not np.all(np.isfinite(arr)):
            raise ValueError(f"{owner}: `alpha` must be a number or a list of numbers (one per class), "
                             f"received alpha={alpha!r}")
        return arr
    return _number(owner, "alpha", alpha, float("-inf"))


def categorical_focal_crossentropy(y_true: Any, y_pred: Any, alpha: Union[float, Sequence[float]] = 0.25,
                                   gamma: float = 2.0, from_logits: bool = False, label_smoothing: float = 0.0,
                                   axis: int = -1) -> Tensor:
    """Per-sample categorical focal cross-entropy ``sum(alpha * (1 - p)**gamma * -y * log(p), axis)``.

    Args:
        y_true: one-hot (or soft) targets of y_pred's shape.
        y_pred: probabilities (renormalised along `axis`, then clipped) or logits.
        alpha: the weighting factor: a number, or one number per class.
        gamma: the focusing parameter (>= 0).
        from_logits: whether y_pred holds logits (a softmax over `axis` is applied first).
        label_smoothing: in [0, 1]; targets become ``y * (1 - s) + s / num_classes``.
        axis: the class axis.

    Returns:
        A Tensor of y_pred's shape without `axis`.

    Raises:
        ValueError: the shapes do not match, an argument is out of range, or a per-class
            `alpha` does not have one entry per class.
    """
    name = "categorical_focal_crossentropy"
    alpha_value = _alpha_array(name, alpha)
    gamma = _number(name, "gamma", gamma, 0.0)
    label_smoothing = _number(name, "label_smoothing", label_smoothing, 0.0, 1.0)
    axis = _axis(name, axis)
    t, p, shape = align(name, y_true, y_pred)
    if shape is not None:
        p = ops.reshape(p, shape)
    if isinstance(alpha_value, np.ndarray):
        if alpha_value.shape[0] != p.shape[-1]:
            raise ValueError(f"{name}: `alpha` needs one value per class ({p.shape[-1]}), received "
                             f"{alpha_value.shape[0]} values")
        alpha_value = alpha_value.astype(p.dtype)
    if label_smoothing:
        t = t * (1 - label_smoothing) + label_smoothing / t.shape[-1]
    if from_logits:
        p = ops.softmax(p, axis=axis)
    p = ops.divide(p, ops.sum(p, axis=axis, keepdims=True))
    p = ops.clip(p, EPSILON, 1.0 - EPSILON)
    cce = ops.multiply(-t, ops.log(p))
    weighting = ops.multiply(ops.power(ops.subtract(1, p), gamma), alpha_value)
    return ops.sum(ops.multiply(weighting, cce), axis=axis)


class BinaryFocalCrossentropy(LossFunctionWrapper):
    """Binary focal cross-entropy: binary cross-entropy scaled by ``(1 - p_t) ** gamma``.

    Args:
        apply_class_balancing: weight positives by `alpha` and negatives by ``1 - alpha``.
        alpha: the weight of class 1 (default 0.25) when `apply_class_balancing`.
        gamma: the focusing parameter (default 2.0).
        from_logits: whether y_pred holds logits.
        label_smoothing: in [0, 1]; targets become ``y * (1 - s) + 0.5 * s``.
        axis: the axis the elementwise losses are averaged over (default -1).
        reduction: as `numnet.losses.Loss`.
        name: as `numnet.losses.Loss`.
        dtype: as `numnet.losses.Loss`.

    Raises:
        ValueError: an argument is out of range.
    """

    def __init__(self, apply_class_balancing: bool = False, alpha: float = 0.25, gamma: float = 2.0,
                 from_logits: bool = False, label_smoothing: float = 0.0, axis: int = -1,
                 reduction: Optional[str] = "sum_over_batch_size", name: str = "binary_focal_crossentropy",
                 dtype: Any = None) -> None:
        owner = type(self).__name__
        _number(owner, "alpha", alpha, 0.0, 1.0)
        _number(owner, "gamma", gamma, 0.0)
        _number(owner, "label_smoothing", label_smoothing, 0.0, 1.0)
        _axis(owner, axis)
        super().__init__(binary_focal_crossentropy, reduction=reduction, name=name, dtype=dtype,
                         apply_class_balancing=apply_class_balancing, alpha=alpha, gamma=gamma,
                         from_logits=from_logits, label_smoothing=label_smoothing, axis=axis)
        self.apply_class_balancing = apply_class_balancing
        self.alpha = alpha
        self.gamma = gamma
        self.from_logits = from_logits
        self.label_smoothing = label_smoothing
        self.axis = axis


class CategoricalFocalCrossentropy(LossFunctionWrapper):
    """Categorical focal cross-entropy: ``sum(alpha * (1 - p)**gamma * -y * log(p))`` over classes.

    Args:
        alpha: the weighting factor (default 0.25): a number, or one number per class.
        gamma: the focusing parameter (default 2.0).
        from_logits: whether y_pred holds logits.
        label_smoothing: in [0, 1]; targets become ``y * (1 - s) + s / num_classes``.
        axis: the class axis (default -1).
        reduction: as `numnet.losses.Loss`.
        name: as `numnet.losses.Loss`.
        dtype: as `numnet.losses.Loss`.

    Raises:
        ValueError: an argument is out of range.
    """

    def __init__(self, alpha: Union[float, Sequence[float]] = 0.25, gamma: float = 2.0, from_logits: bool = False,
                 label_smoothing: float = 0.0, axis: int = -1, reduction: Optional[str] = "sum_over_batch_size",
                 name: str = "categorical_focal_crossentropy", dtype: Any = None) -> None:
        owner = type(self).__name__
        alpha_value = _alpha_array(owner, alpha)
        _number(owner, "gamma", gamma, 0.0)
        _number(owner, "label_smoothing", label_smoothing, 0.0, 1.0)
        _axis(owner, axis)
        alpha = alpha_value.tolist() if isinstance(alpha_value, np.ndarray) else alpha
        super().__init__(categorical_focal_crossentropy, reduction=reduction, name=name, dtype=dtype,
                         alpha=alpha, gamma=gamma, from_logits=from_logits, label_smoothing=label_smoothing,
                         axis=axis)
        self.alpha = alpha
        self.gamma = gamma
        self.from_logits = from_logits
        self.label_smoothing = label_smoothing
        self.axis = axis
