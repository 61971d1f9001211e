"""Probabilistic losses: binary/categorical/sparse cross-entropy, KL divergence, Poisson.

Probabilities are clipped to ``[1e-7, 1 - 1e-7]`` like Keras (no gradient flows through a
clipped entry); ``from_logits=True`` uses the stable log-sigmoid / log-softmax forms.
The cross-entropies run on the fused per-sample primitives of `numnet.ops.nn` (one graph
node each, plus a mean for the binary one); KL divergence and Poisson are fused kernels
(see `numnet.losses.per_sample`).
"""
from __future__ import annotations

import warnings
from typing import Any, Optional, Tuple

import numpy as np

from numnet.autograd.tensor import Tensor
from numnet.losses.loss import LossFunctionWrapper, float_tensor, to_array
from numnet import ops
from numnet.losses.per_sample import EPSILON, align, mean_last, per_sample_loss, sparse_labels

__all__ = [
    "binary_crossentropy", "categorical_crossentropy", "sparse_categorical_crossentropy",
    "kl_divergence", "poisson", "kld", "KLD", "kullback_leibler_divergence", "bce", "BCE",
    "BinaryCrossentropy", "CategoricalCrossentropy", "SparseCategoricalCrossentropy",
    "KLDivergence", "Poisson",
]


# ----- kernels -----------------------------------------------------------------------------
def _kld_kernel(t, p, need):
    tc = np.clip(t, EPSILON, 1)
    pc = np.clip(p, EPSILON, 1)
    values = (tc * np.log(tc / pc)).sum(axis=-1)
    if not need:
        return values, None
    return values, np.where(pc == p, -tc / pc, 0).astype(p.dtype, copy=False)


def _poisson_kernel(t, p, need):
    shifted = p + EPSILON
    values = p - t * np.log(shifted)
    return mean_last(values, (1 - t / shifted) if need else None, need)


# ----- per-sample functions ----------------------------------------------------------------
def binary_crossentropy(y_true: Any, y_pred: Any, from_logits: bool = False, label_smoothing: float = 0.0,
                        axis: int = -1) -> Tensor:
    """Per-sample binary cross-entropy, the mean over `axis` of the elementwise losses.

    Args:
        y_true: 0/1 targets of y_pred's shape (a trailing 1 may be squeezed/expanded).
        y_pred: probabilities (clipped to [1e-7, 1-1e-7]) or logits when `from_logits`.
        from_logits: whether y_pred holds logits.
        label_smoothing: targets become ``y * (1 - s) + 0.5 * s``.
        axis: the axis averaged over.

    Returns:
        A Tensor of y_pred's shape without `axis`.

    Raises:
        ValueError: the shapes do not match.
    """
    t, p, shape = align("binary_crossentropy", y_true, y_pred)
    if shape is not None:
        p = ops.reshape(p, shape)
    if label_smoothing:
        t = t * (1 - label_smoothing) + 0.5 * label_smoothing
    return ops.mean(ops.binary_crossentropy(t, p, from_logits=bool(from_logits)), axis=axis)


def categorical_crossentropy(y_true: Any, y_pred: Any, from_logits: bool = False, label_smoothing: float = 0.0,
                             axis: int = -1) -> Tensor:
    """Per-sample categorical cross-entropy ``-sum(y_true * log(y_pred), axis)``.

    Probabilities are first renormalised to sum to 1 along `axis`, then clipped; with
    `from_logits` the log-softmax of y_pred is used.

    Args:
        y_true: one-hot (or soft) targets of y_pred's shape.
        y_pred: probabilities or logits.
        from_logits: whether y_pred holds logits.
        label_smoothing: targets become ``y * (1 - s) + s / num_classes``.
        axis: the class axis.

    Raises:
        ValueError: the shapes do not match.
    """
    if to_array(y_pred).shape[-1:] == (1,):
        warnings.warn(
            "categorical_crossentropy: expected y_pred of shape (batch_size, num_classes) with "
            f"num_classes > 1, received y_pred.shape={to_array(y_pred).shape}. Consider "
            "binary_crossentropy for two classes.", SyntaxWarning, stacklevel=2,
        )
    t, p, shape = align("categorical_crossentropy", y_true, y_pred)
    if shape is not None:
        p = ops.reshape(p, shape)
    if label_smoothing:
        t = t * (1 - label_smoothing) + label_smoothing / t.shape[axis]
    return ops.categorical_crossentropy(t, p, from_logits=bool(from_logits), axis=axis)


def sparse_categorical_crossentropy(y_true: Any, y_pred: Any, from_logits: bool = False,
                                    ignore_class: Optional[int] = None, axis: int = -1) -> Tensor:
    """Per-sample cross-entropy with integer class ids as targets.

    Args:
        y_true: class ids, y_pred's shape without the class axis (a trailing 1 is allowed).
        y_pred: probabilities or logits with the classes on `axis`.
        from_logits: whether y_pred holds logits.
        ignore_class: a class id whose entries get loss 0 (and no gradient).
        axis: the class axis.

    Raises:
        ValueError: the shapes do not fit, or a class id is outside ``[0, num_classes)``.
    """
    p = float_tensor(y_pred)
    if p.ndim == 0:
        raise ValueError("sparse_categorical_crossentropy: y_pred must have at least one dimension, received a scalar")
    labels = sparse_labels("sparse_categorical_crossentropy", y_true, p.shape, axis)
    if ignore_class is None:
        return ops.sparse_categorical_crossentropy(labels, p, from_logits=bool(from_logits), axis=axis)
    valid = labels != ignore_class
    values = ops.sparse_categorical_crossentropy(np.where(valid, labels, 0), p, from_logits=bool(from_logits),
                                                 axis=axis)
    return ops.multiply(values, valid.astype(values.dtype))


def kl_divergence(y_true: Any, y_pred: Any) -> Tensor:
    """Per-sample ``sum(y_true * log(y_true / y_pred), axis=-1)``, both clipped to [1e-7, 1]."""
    return per_sample_loss("kl_divergence", _kld_kernel, y_true, y_pred)


def poisson(y_true: Any, y_pred: Any) -> Tensor:
    """Per-sample ``mean(y_pred - y_true * log(y_pred + 1e-7), axis=-1)``."""
    return per_sample_loss("poisson", _poisson_kernel, y_true, y_pred)


kld = KLD = kullback_leibler_divergence = kl_divergence
bce = BCE = binary_crossentropy


# ----- classes -----------------------------------------------------------------------------
class BinaryCrossentropy(LossFunctionWrapper):
    """Binary cross-entropy between 0/1 targets and predicted probabilities (or logits).

    Args:
        from_logits: whether y_pred holds logits (the stable fused path) rather than probabilities.
        label_smoothing: in [0, 1]; targets become ``y * (1 - s) + 0.5 * s``.
        axis: the axis the elementwise losses are averaged over (default -1).
        reduction: as `numnet.losses.Loss`.
        name: as `numnet.losses.Loss`.
        dtype: as `numnet.losses.Loss`.
    """

    def __init__(self, from_logits: bool = False, label_smoothing: float = 0.0, axis: int = -1,
                 reduction: Optional[str] = "sum_over_batch_size", name: str = "binary_crossentropy",
                 dtype: Any = None) -> None:
        super().__init__(binary_crossentropy, reduction=reduction, name=name, dtype=dtype,
                         from_logits=from_logits, label_smoothing=label_smoothing, axis=axis)
        self.from_logits = from_logits
        self.label_smoothing = label_smoothing
        self.axis = axis


class CategoricalCrossentropy(LossFunctionWrapper):
    """Cross-entropy between one-hot targets and predicted class probabilities (or logits).

    Args:
        from_logits: whether y_pred holds logits.
        label_smoothing: in [0, 1]; targets become ``y * (1 - s) + s / num_classes``.
        axis: the class axis (default -1).
        reduction: as `numnet.losses.Loss`.
        name: as `numnet.losses.Loss`.
        dtype: as `numnet.losses.Loss`.
    """

    def __init__(self, from_logits: bool = False, label_smoothing: float = 0.0, axis: int = -1,
                 reduction: Optional[str] = "sum_over_batch_size", name: str = "categorical_crossentropy",
                 dtype: Any = None) -> None:
        super().__init__(categorical_crossentropy, reduction=reduction, name=name, dtype=dtype,
                         from_logits=from_logits, label_smoothing=label_smoothing, axis=axis)
        self.from_logits = from_logits
        self.label_smoothing = label_smoothing
        self.axis = axis


class SparseCategoricalCrossentropy(LossFunctionWrapper):
    """Cross-entropy between integer class ids and predicted class probabilities (or logits).

    With `ignore_class`, entries of that class count neither in the sum nor in the
    "sum_over_batch_size" denominator (Keras: the loss is divided by the number of
    non-ignored entries).

    Args:
        from_logits: whether y_pred holds logits.
        ignore_class: a class id to ignore (e.g. -1 or 255 for "void" pixels), or None.
        reduction: as `numnet.losses.Loss`.
        name: as `numnet.losses.Loss`.
        dtype: as `numnet.losses.Loss`.
        axis: the class axis of y_pred (default -1).
    """

    def __init__(self, from_logits: bool = False, ignore_class: Optional[int] = None,
                 reduction: Optional[str] = "sum_over_batch_size", name: str = "sparse_categorical_crossentropy",
                 dtype: Any = None, axis: int = -1) -> None:
        super().__init__(sparse_categorical_crossentropy, reduction=reduction, name=name, dtype=dtype,
                         from_logits=from_logits, ignore_class=ignore_class, axis=axis)
        self.axis = axis
        self.from_logits = from_logits
        self.ignore_class = ignore_class

    def _call_with_mask(self, y_true: Any, y_pred: Tensor) -> Tuple[Tensor, Optional[np.ndarray]]:
        values = self.call(y_true, y_pred)
        if self.ignore_class is None:
            return values, None
        labels = to_array(y_true)
        if labels.shape != values.shape:
            labels = labels.reshape(values.shape)
        return values, labels != self.ignore_class


class KLDivergence(LossFunctionWrapper):
    """Kullback-Leibler divergence ``sum(y_true * log(y_true / y_pred))`` (arguments as `Loss`)."""

    def __init__(self, reduction: Optional[str] = "sum_over_batch_size", name: str = "kl_divergence",
                 dtype: Any = None) -> None:
        super().__init__(kl_divergence, reduction=reduction, name=name, dtype=dtype)


class Poisson(LossFunctionWrapper):
    """Poisson loss ``mean(y_pred - y_true * log(y_pred))`` (arguments as `Loss`)."""

    def __init__(self, reduction: Optional[str] = "sum_over_batch_size", name: str = "poisson",
                 dtype: Any = None) -> None:
        super().__init__(poisson, reduction=reduction, name=name, dtype=dtype)
