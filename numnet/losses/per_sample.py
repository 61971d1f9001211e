"""One fused graph node per per-sample loss.

Every per-sample loss here is a *kernel*: a NumPy function
``kernel(y_true, y_pred, need_grad, **params) -> (values, dvalues)`` where `values`
reduces the last axis of `y_pred` (one loss per sample / position) and `dvalues` has
`y_pred`'s shape: the derivative of each value w.r.t. the entries of `y_pred` it was
computed from (None when ``need_grad`` is False). `per_sample_loss` checks and aligns
the inputs as Keras does (`align`), and records the whole loss as a single `Function` node,
so the training loop builds one node for the loss instead of a dozen. (The cross-entropies
use the fused primitives of `numnet.ops.nn` instead.)

`y_true` is treated as a constant (no gradient flows to it).
"""
from __future__ import annotations

from typing import Any, Callable, Optional, Tuple

import numpy as np

from numnet.autograd import grad_mode
from numnet.autograd.function import Function
from numnet.autograd.tensor import Tensor
from numnet.losses.loss import float_tensor, same_rank_shapes, to_array

EPSILON = 1e-7  # keras.backend.epsilon()


class PerSampleLoss(Function):
    """forward(y_pred; y_true, kernel, need_grad, pred_shape, axis, params) -> per-sample values."""

    def forward(self, y_pred, y_true=None, kernel=None, need_grad=False, pred_shape=None, axis=-1, params=None):
        self.in_shape = y_pred.shape
        p = y_pred if pred_shape is None or pred_shape == y_pred.shape else y_pred.reshape(pred_shape)
        self.moved = axis not in (-1, p.ndim - 1)
        self.axis = axis
        if self.moved:
            p = np.moveaxis(p, axis, -1)
            if y_true.ndim == p.ndim:
                y_true = np.moveaxis(y_true, axis, -1)
        values, self.d = kernel(y_true, p, need_grad, **(params or {}))
        return np.asarray(values, dtype=y_pred.dtype)

    def backward(self, grad):
        g = np.expand_dims(grad, -1) * self.d
        if self.moved:
            g = np.moveaxis(g, -1, self.axis)
        return (g.reshape(self.in_shape),)


def align(name: str, y_true: Any, y_pred: Any) -> Tuple[np.ndarray, Tensor, Optional[Tuple[int, ...]]]:
    """Keras's alignment of targets and predictions of the same kind.

    y_pred becomes a float Tensor (integers become float32) and y_true an array of its dtype;
    a trailing dimension of size 1 on either side is squeezed/expanded as Keras does.

    Returns:
        (y_true array, y_pred Tensor, the shape y_pred must be viewed with, or None).

    Raises:
        ValueError: y_pred is a scalar, or the shapes still differ (both are named).
    """
    y_pred = float_tensor(y_pred)
    if y_pred.ndim == 0:
        raise ValueError(f"{name}: y_pred must have at least one dimension, received a scalar")
    yt = to_array(y_true, y_pred.dtype)
    tshape, pshape = same_rank_shapes(yt.shape, y_pred.shape)
    if tshape != pshape:
        raise ValueError(
            f"{name}: y_true and y_pred must have the same shape; received "
            f"y_true.shape={yt.shape} and y_pred.shape={y_pred.shape}"
        )
    if tshape != yt.shape:
        yt = yt.reshape(tshape)
    return yt, y_pred, (None if pshape == y_pred.shape else pshape)


def sparse_labels(name: str, y_true: Any, pred_shape: Tuple[int, ...], axis: int) -> np.ndarray:
    """Class-id targets as an array of `pred_shape` without `axis` (a trailing 1 is dropped).

    Raises:
        ValueError: the shape does not fit (both shapes are named).
    """
    labels = to_array(y_true)
    if labels.ndim == len(pred_shape) and labels.shape[-1:] == (1,):
        labels = labels.reshape(labels.shape[:-1])
    ax = axis % len(pred_shape) if pred_shape else 0
    expected = tuple(pred_shape[:ax]) + tuple(pred_shape[ax + 1:])
    if labels.shape != expected:
        raise ValueError(
            f"{name}: y_true (class ids) must have y_pred's shape without the class axis; "
            f"received y_true.shape={to_array(y_true).shape} and y_pred.shape={tuple(pred_shape)}"
        )
    return labels


def per_sample_loss(name: str, kernel: Callable, y_true: Any, y_pred: Any, *, axis: int = -1,
                    **params: Any) -> Tensor:
    """Run `kernel` on aligned inputs (see `align`) as one graph node.

    Args:
        name: the loss's name, for error messages.
        kernel: see the module docstring.
        y_true: targets (array-like or Tensor; a constant).
        y_pred: predictions (Tensor keeps its graph; others become float32 Tensors).
        axis: the axis `kernel` reduces (moved last before the kernel runs).
        **params: passed to `kernel`.

    Returns:
        The per-sample losses: a Tensor of y_pred's shape without `axis`.

    Raises:
        ValueError: y_pred is a scalar, or y_true's shape does not match y_pred's.
    """
    if isinstance(axis, bool) or not isinstance(axis, (int, np.integer)):
        raise ValueError(f"{name}: `axis` must be an int, received axis={axis!r}")
    yt, y_pred, pshape = align(name, y_true, y_pred)
    need = grad_mode.is_grad_enabled() and y_pred.requires_grad
    return PerSampleLoss.apply(y_pred, y_true=yt, kernel=kernel, need_grad=need, pred_shape=pshape, axis=axis,
                               params=params)


def mean_last(values: np.ndarray, d: Optional[np.ndarray], need_grad: bool):
    """Mean over the last axis of elementwise `values` with elementwise derivative `d`."""
    n = values.shape[-1]
    out = values.mean(axis=-1)
    if not need_grad:
        return out, None
    return out, d / np.asarray(n, dtype=d.dtype)
