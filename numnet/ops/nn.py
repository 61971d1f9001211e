"""Neural-network ops: softmax, log_softmax, the cross-entropies (Keras semantics), dropout.

The cross-entropies return per-sample values (reduced over the class axis only;
`binary_crossentropy` is elementwise) exactly as `keras.ops` does. Probabilities are
clipped to ``[EPSILON, 1 - EPSILON]`` (Keras's ``epsilon() == 1e-7``); logits take a fused,
numerically stable path whose backward is the analytic ``softmax - target``.
"""
from __future__ import annotations

from typing import Any, Optional, Sequence, Tuple, Union

import numpy as np

from numnet.autograd.function import Function
from numnet.autograd.tensor import Tensor
from numnet.utils.random import make_rng

__all__ = [
    "softmax",
    "log_softmax",
    "categorical_crossentropy",
    "sparse_categorical_crossentropy",
    "binary_crossentropy",
    "dropout",
    "EPSILON",
]

EPSILON = 1e-7
"""Keras's fuzz factor (`keras.config.epsilon()`): the clip bound for probabilities."""

Axis = Union[int, Tuple[int, ...]]


def _data(x: Any) -> np.ndarray:
    return x.data if isinstance(x, Tensor) else np.asarray(x)


def _check_axis(op: str, axis: Axis, ndim: int) -> Axis:
    axes = axis if isinstance(axis, tuple) else (axis,)
    for a in axes:
        if isinstance(a, bool) or not isinstance(a, (int, np.integer)):
            raise TypeError(f"{op}: axis must be an int or a tuple of ints, got {axis!r}")
        if not -ndim <= a < ndim:
            raise ValueError(f"{op}: axis {a} is out of range for an input of rank {ndim}")
    return axis


def _softmax_array(x: np.ndarray, axis: Axis) -> np.ndarray:
    y = x - x.max(axis=axis, keepdims=True)
    np.exp(y, out=y)
    y /= y.sum(axis=axis, keepdims=True)
    return y


def _log_softmax_array(x: np.ndarray, axis: Axis) -> np.ndarray:
    z = x - x.max(axis=axis, keepdims=True)
    z -= np.log(np.exp(z).sum(axis=axis, keepdims=True))
    return z


def _float_dtype(x: np.ndarray) -> np.dtype:
    return x.dtype if x.dtype.kind == "f" else np.dtype(np.float32)


# --------------------------------------------------------------------------- softmax
class Softmax(Function):
    def forward(self, x, axis=-1):
        self.axis = axis
        self.y = _softmax_array(x, axis)
        return self.y

    def backward(self, grad):
        y = self.y
        gx = grad * y
        gx -= y * gx.sum(axis=self.axis, keepdims=True)
        return (gx,)


class LogSoftmax(Function):
    def forward(self, x, axis=-1):
        self.axis = axis
        self.z = _log_softmax_array(x, axis)
        return self.z

    def backward(self, grad):
        gx = np.exp(self.z)
        gx *= -grad.sum(axis=self.axis, keepdims=True)
        gx += grad
        return (gx,)


def softmax(x: Any, axis: Axis = -1) -> Tensor:
    """Softmax along `axis`, computed stably (the max is subtracted first).

    Args:
        x: input tensor or array.
        axis: the axis (or tuple of axes) the probabilities sum to 1 over.

    Returns:
        A tensor of `x`'s shape and dtype.

    Raises:
        ValueError: `axis` is out of range.
    """
    return Softmax.apply(x, axis=_check_axis("softmax", axis, _data(x).ndim))


def log_softmax(x: Any, axis: Axis = -1) -> Tensor:
    """Logarithm of the softmax along `axis`, computed stably as ``x - logsumexp(x)``.

    Args:
        x: input tensor or array.
        axis: the axis (or tuple of axes) to normalize over.

    Returns:
        A tensor of `x`'s shape and dtype.

    Raises:
        ValueError: `axis` is out of range.
    """
    return LogSoftmax.apply(x, axis=_check_axis("log_softmax", axis, _data(x).ndim))


# ------------------------------------------------------------- categorical crossentropy
class CategoricalCrossentropy(Function):
    def forward(self, target, output, from_logits=False, axis=-1):
        dtype = output.dtype
        t = target.astype(dtype, copy=False)
        self.axis, self.from_logits, self.t = axis, from_logits, t
        if from_logits:
            log_p = _log_softmax_array(output, axis)
            self.log_p = log_p
            return -(t * log_p).sum(axis=axis)
        s = output.sum(axis=axis, keepdims=True)
        scaled = output / s
        p = np.clip(scaled, EPSILON, 1.0 - EPSILON)
        self.s, self.scaled, self.p = s, scaled, p
        self.log_p = np.log(p)
        return -(t * self.log_p).sum(axis=axis)

    def backward(self, grad):
        g = np.expand_dims(grad, self.axis)
        t, axis = self.t, self.axis
        gt = go = None
        if self.needs_input_grad[0]:
            gt = -self.log_p * g
        if self.needs_input_grad[1]:
            if self.from_logits:
                # d/dx of -sum(t * log_softmax(x)) = softmax(x) * sum(t) - t
                go = np.exp(self.log_p)
                go *= t.sum(axis=axis, keepdims=True)
                go -= t
                go *= g
            else:
                scaled, eps = self.scaled, EPSILON
                inside = (scaled >= eps) & (scaled <= 1.0 - eps)
                gc = np.where(inside, -t / self.p, 0).astype(scaled.dtype, copy=False)
                gc *= g
                # through the rescaling scaled = o / sum(o)
                go = (gc - (gc * scaled).sum(axis=axis, keepdims=True)) / self.s
        return gt, go


def _check_same_shape(op: str, target: np.ndarray, output: np.ndarray) -> None:
    if target.shape != output.shape:
        raise ValueError(
            f"{op}: `target` and `output` must have the same shape, got target.shape={target.shape} "
            f"and output.shape={output.shape}"
        )


def categorical_crossentropy(target: Any, output: Any, from_logits: bool = False, axis: int = -1) -> Tensor:
    """Categorical cross-entropy between one-hot (or soft) targets and predictions.

    With probabilities, `output` is first rescaled to sum to 1 along `axis`, then clipped to
    ``[1e-7, 1 - 1e-7]``; the loss is ``-sum(target * log(output), axis)`` (as Keras).
    With logits, a fused stable log-softmax is used.

    Args:
        target: targets, same shape as `output`.
        output: probabilities, or logits when `from_logits` is True.
        from_logits: whether `output` holds logits.
        axis: the class axis.

    Returns:
        Per-sample losses: `output`'s shape without `axis`.

    Raises:
        ValueError: the shapes differ or `axis` is out of range.
    """
    t, o = _data(target), _data(output)
    _check_same_shape("categorical_crossentropy", t, o)
    if o.ndim < 1:
        raise ValueError(f"categorical_crossentropy: output must have rank >= 1, got shape {o.shape}")
    _check_axis("categorical_crossentropy", axis, o.ndim)
    return CategoricalCrossentropy.apply(target, output, from_logits=bool(from_logits), axis=int(axis))


# ------------------------------------------------------- sparse categorical crossentropy
class SparseCategoricalCrossentropy(Function):
    def forward(self, output, labels=None, from_logits=False, axis=-1):
        # `output` arrives with the class axis moved last; `labels` has output.shape[:-1].
        self.from_logits, self.axis = from_logits, axis
        x = np.moveaxis(output, axis, -1) if axis not in (-1, output.ndim - 1) else output
        self.labels = labels[..., None]
        if from_logits:
            log_p = _log_softmax_array(x, -1)
            self.log_p = log_p
            return -np.take_along_axis(log_p, self.labels, -1)[..., 0]
        s = x.sum(axis=-1, keepdims=True)
        picked = np.take_along_axis(x, self.labels, -1) / s
        p = np.clip(picked, EPSILON, 1.0 - EPSILON)
        self.x, self.s, self.picked, self.p = x, s, picked, p
        return -np.log(p)[..., 0]

    def backward(self, grad):
        g = grad[..., None]
        if self.from_logits:
            go = np.exp(self.log_p)
            idx = self.labels
            np.put_along_axis(go, idx, np.take_along_axis(go, idx, -1) - 1, -1)
            go *= g
        else:
            eps = EPSILON
            picked = self.picked
            inside = (picked >= eps) & (picked <= 1.0 - eps)
            # d/dscaled_label of -log(clip(scaled_label)), then through scaled = o / sum(o)
            gc = np.where(inside, -g / self.p, 0).astype(picked.dtype, copy=False)
            go = np.broadcast_to(-gc * picked / self.s, self.x.shape).copy()
            np.put_along_axis(go, self.labels, np.take_along_axis(go, self.labels, -1) + gc / self.s, -1)
        if self.axis not in (-1, go.ndim - 1):
            go = np.moveaxis(go, -1, self.axis)
        return (go,)


def sparse_categorical_crossentropy(
    target: Any, output: Any, from_logits: bool = False, axis: int = -1
) -> Tensor:
    """Categorical cross-entropy with integer class targets.

    Args:
        target: integer class indices of shape ``output.shape`` without `axis` (a trailing
            dimension of size 1 is also accepted). Float arrays holding whole numbers are
            accepted too. Not differentiable.
        output: probabilities, or logits when `from_logits` is True.
        from_logits: whether `output` holds logits.
        axis: the class axis of `output`.

    Returns:
        Per-sample losses: `output`'s shape without `axis`.

    Raises:
        ValueError: the shapes do not match or a label is outside ``[0, num_classes)``.
    """
    op = "sparse_categorical_crossentropy"
    t, o = _data(target), _data(output)
    if o.ndim < 1:
        raise ValueError(f"{op}: output must have rank >= 1, got shape {o.shape}")
    _check_axis(op, axis, o.ndim)
    axis = int(axis) % o.ndim
    expected = o.shape[:axis] + o.shape[axis + 1:]
    if t.ndim == o.ndim and t.shape[-1] == 1 and t.shape[:-1] == expected:
        t = t.reshape(expected)
    if t.shape != expected:
        raise ValueError(
            f"{op}: `target` must have the shape of `output` without the class axis {axis}, i.e. "
            f"{expected}, got target.shape={t.shape} and output.shape={o.shape}"
        )
    if t.dtype.kind == "f":
        labels = t.astype(np.intp)
        if not np.array_equal(labels, t):
            raise ValueError(f"{op}: targets must be whole class indices, got non-integer values in {t.dtype} target")
    elif t.dtype.kind in "iub":
        labels = t.astype(np.intp, copy=False)
    else:
        raise TypeError(f"{op}: targets must be integer class indices, got dtype {t.dtype}")
    n_classes = o.shape[axis]
    if labels.size and (labels.min() < 0 or labels.max() >= n_classes):
        raise ValueError(
            f"{op}: target labels must be in [0, {n_classes}) for output.shape={o.shape}, got values "
            f"from {labels.min()} to {labels.max()}"
        )
    return SparseCategoricalCrossentropy.apply(output, labels=labels, from_logits=bool(from_logits), axis=axis)


# ------------------------------------------------------------ binary crossentropy
class BinaryCrossentropy(Function):
    def forward(self, target, output, from_logits=False):
        dtype = _float_dtype(output)
        t = target.astype(dtype, copy=False)
        self.t, self.from_logits = t, from_logits
        if from_logits:
            x = output
            self.x = x
            # max(x, 0) - x * t + log1p(exp(-|x|))
            loss = np.maximum(x, 0) - x * t
            loss += np.log1p(np.exp(-np.abs(x)))
            return loss
        p = np.clip(output, EPSILON, 1.0 - EPSILON)
        self.output, self.p = output, p
        self.log_p, self.log_1mp = np.log(p), np.log1p(-p)
        loss = t * self.log_p
        loss += (1 - t) * self.log_1mp
        return np.negative(loss, out=loss)

    def backward(self, grad):
        t = self.t
        gt = go = None
        if self.from_logits:
            x = self.x
            if self.needs_input_grad[0]:
                gt = -x * grad
            if self.needs_input_grad[1]:
                # sigmoid(x) - t, with sigmoid computed stably
                e = np.exp(-np.abs(x))
                sig = np.where(x >= 0, 1 / (1 + e), e / (1 + e)).astype(x.dtype, copy=False)
                go = (sig - t) * grad
        else:
            if self.needs_input_grad[0]:
                gt = (self.log_1mp - self.log_p) * grad
            if self.needs_input_grad[1]:
                o, p = self.output, self.p
                inside = (o >= EPSILON) & (o <= 1.0 - EPSILON)
                d = (1 - t) / (1 - p) - t / p
                go = np.where(inside, d * grad, 0).astype(p.dtype, copy=False)
        return gt, go


def binary_crossentropy(target: Any, output: Any, from_logits: bool = False) -> Tensor:
    """Elementwise binary cross-entropy (not reduced), as `keras.ops.binary_crossentropy`.

    From probabilities: ``-(t*log(p) + (1-t)*log(1-p))`` with ``p`` clipped to
    ``[1e-7, 1 - 1e-7]``. From logits: the stable ``max(x,0) - x*t + log1p(exp(-|x|))``.

    Args:
        target: targets in [0, 1], same shape as `output`.
        output: probabilities, or logits when `from_logits` is True.
        from_logits: whether `output` holds logits.

    Returns:
        A tensor of `output`'s shape.

    Raises:
        ValueError: the shapes differ.
    """
    t, o = _data(target), _data(output)
    _check_same_shape("binary_crossentropy", t, o)
    return BinaryCrossentropy.apply(target, output, from_logits=bool(from_logits))


# ------------------------------------------------------------------------ dropout
class Dropout(Function):
    def forward(self, x, mask=None):
        self.mask = mask
        return x * mask

    def backward(self, grad):
        return (grad * self.mask,)


def _noise_shape(noise_shape: Optional[Sequence[Optional[int]]], shape: Tuple[int, ...]) -> Tuple[int, ...]:
    if noise_shape is None:
        return shape
    ns = tuple(shape[i] if d is None else int(d) for i, d in enumerate(noise_shape)) if len(noise_shape) == len(shape) else None
    if ns is None:
        raise ValueError(f"dropout: noise_shape {tuple(noise_shape)} must have the rank of the input shape {shape}")
    for d, n in zip(ns, shape):
        if d not in (1, n):
            raise ValueError(
                f"dropout: noise_shape {tuple(noise_shape)} is not broadcastable to the input shape {shape}"
            )
    return ns


def dropout(
    x: Any,
    rate: float,
    noise_shape: Optional[Sequence[Optional[int]]] = None,
    seed: Union[int, np.random.Generator, None] = None,
) -> Tensor:
    """Inverted dropout: zero each element with probability `rate`, scale the rest by 1/(1-rate).

    Args:
        x: input tensor (floating point).
        rate: drop probability in [0, 1).
        noise_shape: shape of the mask, broadcast over `x` (entries of None take `x`'s size),
            e.g. ``(batch, 1, features)`` to drop the same features at every time step.
        seed: an int (the same seed gives the same mask), a `np.random.Generator` to draw
            from, or None to draw from numnet's global generator (`set_random_seed`).

    Returns:
        A tensor of `x`'s shape and dtype; its gradient is ``grad * mask``.

    Raises:
        ValueError: `rate` is outside [0, 1) or `noise_shape` does not fit `x`.
    """
    if isinstance(rate, bool) or not isinstance(rate, (int, float, np.integer, np.floating)):
        raise TypeError(f"dropout: rate must be a float in [0, 1), got {type(rate).__name__} {rate!r}")
    rate = float(rate)
    if not 0.0 <= rate < 1.0:
        raise ValueError(f"dropout: rate must be in [0, 1), got rate={rate}")
    arr = _data(x)
    dtype = _float_dtype(arr)
    shape = _noise_shape(noise_shape, arr.shape)
    rng = seed if isinstance(seed, np.random.Generator) else make_rng(seed)
    keep = rng.random(shape, dtype=np.float32 if dtype == np.float32 else np.float64) >= rate
    mask = keep.astype(dtype)
    mask *= dtype.type(1.0 / (1.0 - rate))
    return Dropout.apply(x, mask=mask)
