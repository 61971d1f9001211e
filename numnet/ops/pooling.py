"""Pooling (1D and 2D): max_pool and average_pool with Keras/TF 'valid'/'same' semantics.

Every window offset ``(a, b)`` of a pool of size ``ph x pw`` selects one strided slice of the
(padded) input, the same shape as the output; forward and backward loop over these
``ph*pw`` offsets only (each step a whole-array ufunc, faster than reducing a reshaped view), which covers the
non-overlapping and the overlapping case alike. Max-pool backward routes each output
gradient to the first maximum of its window (ties go to the earliest offset in row-major
window order, as PyTorch/TF), using the window offset of each maximum recorded by the
forward pass (one byte per output).
"""
from __future__ import annotations

from typing import Any, Optional, Sequence, Tuple, Union

import numpy as np

from numnet.autograd.function import Function
from numnet.autograd.grad_mode import is_grad_enabled
from numnet.autograd.tensor import Tensor
from numnet.ops.conv import (
    _ConvGeometry,
    _data_format,
    _from_nhwc,
    _grad_to_nhwc,
    _padding,
    _tuple,
)

__all__ = ["max_pool", "average_pool"]

IntOrTuple = Union[int, Sequence[int]]


def _to_nhwc(x: np.ndarray, channels_first: bool, one_d: bool) -> np.ndarray:
    if one_d:
        x = x[:, :, None, :] if channels_first else x[:, None, :, :]
    if channels_first:
        x = np.moveaxis(x, 1, -1)
    return x


def _pad(x: np.ndarray, pads, value) -> np.ndarray:
    top, bottom, left, right = pads
    if not (top or bottom or left or right):
        return x
    n, h, w, c = x.shape
    xp = np.full((n, h + top + bottom, w + left + right, c), value, dtype=x.dtype)
    xp[:, top:top + h, left:left + w, :] = x
    return xp


def _window(xp: np.ndarray, a: int, b: int, g) -> np.ndarray:
    """The strided slice of `xp` holding element (a, b) of every window."""
    return xp[:, a:a + (g.oh - 1) * g.s[0] + 1:g.s[0], b:b + (g.ow - 1) * g.s[1] + 1:g.s[1], :]


def _crop(dxp: np.ndarray, x_shape, pads) -> np.ndarray:
    if dxp.shape == x_shape:
        return dxp
    top, _, left, _ = pads
    return np.ascontiguousarray(dxp[:, top:top + x_shape[1], left:left + x_shape[2], :])


def _disjoint(g) -> bool:
    """Windows do not overlap (stride >= pool size on both axes)."""
    return g.s[0] >= g.kh and g.s[1] >= g.kw


def _grad_buffer(shape, dtype, g, disjoint: bool) -> np.ndarray:
    """The input-gradient buffer; left uninitialized when disjoint windows tile it exactly."""
    if disjoint and g.s == (g.kh, g.kw) and g.oh * g.kh == shape[1] and g.ow * g.kw == shape[2]:
        return np.empty(shape, dtype=dtype)
    return np.zeros(shape, dtype=dtype)


def _fill_value(dtype: np.dtype):
    if dtype.kind == "f":
        return -np.inf
    if dtype.kind == "b":
        return False
    return np.iinfo(dtype).min


class MaxPool2D(Function):
    def forward(self, x, geom=None, channels_first=False, one_d=False):
        x = _to_nhwc(x, channels_first, one_d)
        g = geom
        self.geom, self.cf, self.one_d, self.x_shape = g, channels_first, one_d, x.shape
        xp = _pad(x, g.pads, _fill_value(x.dtype))
        self.xp_shape = xp.shape
        out = _window(xp, 0, 0, g).copy()
        # While recording, remember which window offset holds each maximum (the first one on
        # ties: only a strictly greater value moves it), so backward never rereads the input.
        track = is_grad_enabled()
        if track:
            idx = np.zeros(out.shape, dtype=np.uint8 if g.kh * g.kw <= 256 else np.int32)
            greater = np.empty(out.shape, dtype=bool)
            moved = np.empty_like(idx)
        k = 0
        for a in range(g.kh):
            for b in range(g.kw):
                if a or b:
                    w = _window(xp, a, b, g)
                    if track:
                        np.greater(w, out, out=greater)
                        # offsets only grow, so max(idx, k*greater) sets idx=k where greater
                        np.multiply(greater.view(np.uint8), idx.dtype.type(k), out=moved)
                        np.maximum(idx, moved, out=idx)
                    np.maximum(out, w, out=out)
                k += 1
        self.argmax = idx if track else None
        return _from_nhwc(out, channels_first, one_d)

    def backward(self, grad):
        grad = _grad_to_nhwc(grad, self.cf, self.one_d)
        g, idx = self.geom, self.argmax
        disjoint = _disjoint(g)
        dxp = _grad_buffer(self.xp_shape, grad.dtype, g, disjoint)
        hit = np.empty(idx.shape, dtype=bool)
        k = 0
        for a in range(g.kh):
            for b in range(g.kw):
                np.equal(idx, k, out=hit)
                dst = _window(dxp, a, b, g)
                if disjoint:
                    np.multiply(grad, hit, out=dst)
                else:
                    dst += grad * hit
                k += 1
        return (_from_nhwc(_crop(dxp, self.x_shape, g.pads), self.cf, self.one_d),)


class AveragePool2D(Function):
    def forward(self, x, geom=None, channels_first=False, one_d=False):
        x = _to_nhwc(x, channels_first, one_d)
        g = geom
        self.geom, self.cf, self.one_d, self.x_shape = g, channels_first, one_d, x.shape
        dtype = x.dtype if x.dtype.kind == "f" else np.dtype(np.float32)
        xp = _pad(x, g.pads, 0).astype(dtype, copy=False)
        self.xp_shape = xp.shape
        ph, pw = g.kh, g.kw
        if any(g.pads):
            # divide by the number of real (unpadded) elements of each window, as TF/Keras do
            ones = _pad(np.ones((1, x.shape[1], x.shape[2], 1), dtype=dtype), g.pads, 0)
            count = _window(ones, 0, 0, g).copy()
            for a in range(ph):
                for b in range(pw):
                    if a or b:
                        count += _window(ones, a, b, g)
            self.scale = np.reciprocal(count)
        else:
            self.scale = dtype.type(1.0 / (ph * pw))
        out = _window(xp, 0, 0, g).copy()
        for a in range(ph):
            for b in range(pw):
                if a or b:
                    out += _window(xp, a, b, g)
        out *= self.scale
        return _from_nhwc(out, channels_first, one_d)

    def backward(self, grad):
        grad = _grad_to_nhwc(grad, self.cf, self.one_d)
        g = self.geom
        gs = grad * self.scale
        disjoint = _disjoint(g)
        dxp = _grad_buffer(self.xp_shape, gs.dtype, g, disjoint)
        for a in range(g.kh):
            for b in range(g.kw):
                dst = _window(dxp, a, b, g)
                if disjoint:
                    np.copyto(dst, gs)
                else:
                    dst += gs
        return (_from_nhwc(_crop(dxp, self.x_shape, g.pads), self.cf, self.one_d),)


def _data(x: Any) -> np.ndarray:
    return x.data if isinstance(x, Tensor) else np.asarray(x)


def _prepare(op, inputs, pool_size, strides, padding, data_format):
    x = _data(inputs)
    cf = _data_format(op, data_format)
    padding = _padding(op, padding)
    if x.ndim not in (3, 4):
        raise ValueError(
            f"{op}: inputs must be 3-D (batch, width, channels) or 4-D (batch, height, width, channels), "
            f"got shape {x.shape}"
        )
    nsp = x.ndim - 2
    pool = _tuple(op, "pool_size", pool_size, nsp)
    strides = pool if strides is None else _tuple(op, "strides", strides, nsp)
    spatial = x.shape[2:] if cf else x.shape[1:-1]
    c = x.shape[1] if cf else x.shape[-1]
    one_d = nsp == 1
    if one_d:
        spatial, pool, strides = (1,) + tuple(spatial), (1,) + pool, (1,) + strides
    geom = _ConvGeometry(
        op, (x.shape[0],) + tuple(spatial) + (c,), pool, strides, padding, (1, 1),
        what="pool window", shapes_msg=f"inputs of shape {x.shape}, pool_size {pool[-nsp:]} ",
    )
    return geom, cf, one_d


def max_pool(
    inputs: Any,
    pool_size: IntOrTuple,
    strides: Optional[IntOrTuple] = None,
    padding: str = "valid",
    data_format: Optional[str] = None,
) -> Tensor:
    """Max pooling over 1-D ``(N, W, C)`` or 2-D ``(N, H, W, C)`` inputs, as `keras.ops.max_pool`.

    Args:
        inputs: the input tensor (``(N, C, ...)`` with channels_first).
        pool_size: int or tuple, the window size per spatial axis.
        strides: int or tuple; defaults to `pool_size`.
        padding: 'valid' or 'same' (output = ceil(input / stride); the padding never wins).
        data_format: 'channels_last' (default) or 'channels_first'.

    Returns:
        The pooled tensor, same dtype. The gradient goes to the first maximum of each window.

    Raises:
        ValueError: wrong rank, a window larger than the padded input, or bad arguments.
    """
    geom, cf, one_d = _prepare("max_pool", inputs, pool_size, strides, padding, data_format)
    return MaxPool2D.apply(inputs, geom=geom, channels_first=cf, one_d=one_d)


def average_pool(
    inputs: Any,
    pool_size: IntOrTuple,
    strides: Optional[IntOrTuple] = None,
    padding: str = "valid",
    data_format: Optional[str] = None,
) -> Tensor:
    """Average pooling over 1-D or 2-D inputs, as `keras.ops.average_pool`.

    With 'same' padding each window is averaged over its real (unpadded) elements only.

    Args:
        inputs: ``(N, W, C)`` or ``(N, H, W, C)`` (``(N, C, ...)`` with channels_first).
        pool_size: int or tuple, the window size per spatial axis.
        strides: int or tuple; defaults to `pool_size`.
        padding: 'valid' or 'same'.
        data_format: 'channels_last' (default) or 'channels_first'.

    Returns:
        The pooled tensor (float inputs keep their dtype).

    Raises:
        ValueError: wrong rank, a window larger than the padded input, or bad arguments.
    """
    geom, cf, one_d = _prepare("average_pool", inputs, pool_size, strides, padding, data_format)
    return AveragePool2D.apply(inputs, geom=geom, channels_first=cf, one_d=one_d)
