"""Transposed convolution (1D and 2D), as `keras.ops.conv_transpose`: the gradient of `conv`.

Every input position scatters ``x[p] * kernel`` into an output canvas at ``p * stride``:
forward is one GEMM ``x @ kernel^T`` (rows of ``kh*kw*F`` patch values) followed by a
col2im scatter-add over the ``kh*kw`` kernel offsets; backward gathers the same patches of
the output gradient (an im2col) and multiplies by the kernel (input gradient) or by the
input (kernel gradient). The canvas is then cropped (or zero-extended) to Keras's output
size, so 'same', 'valid' and `output_padding` place the result exactly where Keras does.
The kernel layout is Keras's ``(kh, kw, filters, in_channels)`` (``(k, filters, in)`` in 1D).
"""
from __future__ import annotations

from typing import Any, Optional, Sequence, Tuple, Union

import numpy as np

from numnet.autograd.function import Function
from numnet.autograd.tensor import Tensor

__all__ = ["conv_transpose"]

IntOrTuple = Union[int, Sequence[int]]


def _ints(op: str, name: str, value: Any, n: int, low: int) -> Tuple[int, ...]:
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        out = (int(value),) * n
    else:
        try:
            out = tuple(int(v) for v in value)
        except (TypeError, ValueError):
            raise ValueError(f"{op}: {name} must be an int or a tuple of {n} ints, got {name}={value!r}") from None
        if len(out) == 1:
            out = out * n
    if len(out) != n or any(v < low for v in out):
        raise ValueError(f"{op}: {name} must be an int or a tuple of {n} ints >= {low}, got {name}={value!r}")
    return out


def transpose_output_length(size: int, kernel: int, stride: int, padding: str, output_padding: Optional[int] = None,
                            dilation: int = 1) -> Tuple[int, int]:
    """Keras's output length of a transposed convolution along one axis, and its offset.

    The full scatter canvas is ``(size - 1) * stride + eff`` long (``eff = (kernel-1)*dilation + 1``);
    the output is the canvas from ``offset`` on, cut or zero-extended to the returned length.

    Args:
        size: input length.
        kernel: kernel length.
        stride: the stride.
        padding: "valid" or "same".
        output_padding: extra length (< stride) or None for Keras's default.
        dilation: dilation rate.

    Returns:
        ``(length, offset)``.
    """
    eff = (kernel - 1) * dilation + 1
    if padding == "valid":
        extra = max(stride - eff, 0) if output_padding is None else output_padding
        return (size - 1) * stride + eff + extra, 0
    total = stride + eff - 2 if output_padding is None else eff + eff % 2 - 2 + output_padding
    left = min(total // 2 + total % 2, eff - 1)
    return (size - 1) * stride + total - eff + 2, eff - 1 - left


class ConvTranspose2D(Function):
    """NHWC input ``(N, H, W, C)``, kernel ``(kh, kw, F, C)`` -> ``(N, OH, OW, F)``; see the module docstring."""

    fresh_grads = True

    def forward(self, x, kernel, strides=(1, 1), dilation=(1, 1), out_size=(1, 1), offset=(0, 0),
                channels_first=False, one_d=False):
        if one_d:
            x = x[:, :, None, :] if channels_first else x[:, None, :, :]
            kernel = kernel[None]
        if channels_first:
            x = np.moveaxis(x, 1, -1)
        n, h, w, c = x.shape
        kh, kw, f, _ = kernel.shape
        dtype = np.result_type(x.dtype, kernel.dtype)
        k2 = kernel.reshape(kh * kw * f, c)
        cols = np.matmul(x.reshape(-1, c), k2.T).reshape(n, h, w, kh, kw, f)
        (sh, sw), (dh, dw) = strides, dilation
        canvas = np.zeros((n, (h - 1) * sh + (kh - 1) * dh + 1, (w - 1) * sw + (kw - 1) * dw + 1, f), dtype=dtype)
        for i in range(kh):
            for j in range(kw):
                rspan = slice(i * dh, i * dh + (h - 1) * sh + 1, sh)
                cspan = slice(j * dw, j * dw + (w - 1) * sw + 1, sw)
                canvas[:, rspan, cspan] += cols[:, :, :, i, j]
        self.x, self.k2, self.kshape = x, k2, kernel.shape
        self.geom = (strides, dilation, out_size, offset, canvas.shape)
        self.channels_first, self.one_d = channels_first, one_d
        out = np.zeros((n,) + tuple(out_size) + (f,), dtype=dtype)
        (oh, ow), (ah, aw) = out_size, offset
        rh, rw = min(oh, canvas.shape[1] - ah), min(ow, canvas.shape[2] - aw)
        out[:, :rh, :rw] = canvas[:, ah:ah + rh, aw:aw + rw]
        if channels_first:
            out = np.moveaxis(out, -1, 1)
        if one_d:
            out = out[:, :, 0, :] if channels_first else out[:, 0]
        return np.ascontiguousarray(out)

    def backward(self, grad):
        if self.one_d:
            grad = grad[:, :, None, :] if self.channels_first else grad[:, None]
        if self.channels_first:
            grad = np.moveaxis(grad, 1, -1)
        (sh, sw), (dh, dw), (oh, ow), (ah, aw), cshape = self.geom
        x, k2 = self.x, self.k2
        n, h, w, c = x.shape
        kh, kw, f, _ = self.kshape
        gcanvas = np.zeros(cshape, dtype=np.result_type(grad.dtype, k2.dtype))
        rh, rw = min(oh, cshape[1] - ah), min(ow, cshape[2] - aw)
        gcanvas[:, ah:ah + rh, aw:aw + rw] = grad[:, :rh, :rw]
        patches = np.empty((n, h, w, kh, kw, f), dtype=gcanvas.dtype)
        for i in range(kh):
            for j in range(kw):
                patches[:, :, :, i, j] = gcanvas[:, i * dh:i * dh + (h - 1) * sh + 1:sh,
                                                 j * dw:j * dw + (w - 1) * sw + 1:sw]
        p2 = patches.reshape(n * h * w, kh * kw * f)
        gx = gk = None
        if self.needs_input_grad[0]:
            gx = np.matmul(p2, k2).reshape(n, h, w, c)
            if self.channels_first:
                gx = np.moveaxis(gx, -1, 1)
            if self.one_d:
                gx = gx[:, :, 0, :] if self.channels_first else gx[:, 0]
            gx = np.ascontiguousarray(gx)
        if self.needs_input_grad[1]:
            gk = np.matmul(p2.T, x.reshape(-1, c)).reshape(self.kshape)
            if self.one_d:
                gk = gk[0].copy()
        return gx, gk


def conv_transpose(
    inputs: Any,
    kernel: Any,
    strides: IntOrTuple = 1,
    padding: str = "valid",
    output_padding: Any = None,
    data_format: Optional[str] = None,
    dilation_rate: IntOrTuple = 1,
) -> Tensor:
    """1-D or 2-D transposed convolution (the gradient of `conv` w.r.t. its input), as `keras.ops.conv_transpose`.

    Output length per spatial axis (``eff = (k-1)*dilation + 1``): with `output_padding` None,
    'valid' gives ``size*stride + max(eff - stride, 0)`` and 'same' ``size*stride``; with it,
    ``(size-1)*stride + eff - 2*pad + output_padding`` where ``pad`` is 0 ('valid') or
    ``eff // 2`` ('same').

    Args:
        inputs: ``(N, W, C)`` or ``(N, H, W, C)`` (``(N, C, ...)`` with channels_first).
        kernel: ``(k, F, C)`` or ``(kh, kw, F, C)``: Keras's transposed layout (filters before input channels).
        strides: int or tuple, one per spatial axis.
        padding: "valid" or "same".
        output_padding: None, or an int / tuple of ints each smaller than its stride.
        data_format: "channels_last" (default) or "channels_first".
        dilation_rate: int or tuple, one per spatial axis.

    Returns:
        ``(N, OW, F)`` or ``(N, OH, OW, F)`` (channels first: ``(N, F, ...)``).

    Raises:
        ValueError: rank or channel mismatch between inputs and kernel, a bad
            strides/padding/output_padding/dilation/data_format value.
    """
    op = "conv_transpose"
    x = inputs.data if isinstance(inputs, Tensor) else np.asarray(inputs)
    k = kernel.data if isinstance(kernel, Tensor) else np.asarray(kernel)
    if data_format not in (None, "channels_last", "channels_first"):
        raise ValueError(f"{op}: data_format must be 'channels_last' or 'channels_first', got {data_format!r}")
    cf = data_format == "channels_first"
    pad = padding.lower() if isinstance(padding, str) else padding
    if pad not in ("valid", "same"):
        raise ValueError(f"{op}: padding must be 'valid' or 'same', got padding={padding!r}")
    if x.ndim not in (3, 4) or k.ndim != x.ndim:
        raise ValueError(f"{op}: expected 3-D inputs with a (k, filters, in) kernel or 4-D inputs with a "
                         f"(kh, kw, filters, in) kernel, got inputs of shape {x.shape} and kernel of shape {k.shape}")
    nsp = x.ndim - 2
    c = x.shape[1] if cf else x.shape[-1]
    if k.shape[-1] != c:
        raise ValueError(f"{op}: channel mismatch: inputs have {c} channels but the kernel's last axis (input "
                         f"channels) is {k.shape[-1]} (inputs of shape {x.shape}, kernel of shape {k.shape})")
    strides = _ints(op, "strides", strides, nsp, 1)
    dilation = _ints(op, "dilation_rate", dilation_rate, nsp, 1)
    out_pad = (None,) * nsp if output_padding is None else _ints(op, "output_padding", output_padding, nsp, 0)
    for i in range(nsp):
        if out_pad[i] is not None and out_pad[i] >= strides[i]:
            raise ValueError(f"{op}: output_padding must be smaller than strides on every axis, got "
                             f"output_padding={output_padding!r} with strides={strides}")
    spatial = x.shape[2:] if cf else x.shape[1:-1]
    dims = [transpose_output_length(spatial[i], k.shape[i], strides[i], pad, out_pad[i], dilation[i])
            for i in range(nsp)]
    if any(d[0] < 1 for d in dims):
        raise ValueError(f"{op}: the output would be empty for inputs of shape {x.shape}, kernel of shape "
                         f"{k.shape}, padding={padding!r}")
    out_size, offset = tuple(d[0] for d in dims), tuple(d[1] for d in dims)
    if nsp == 1:
        strides, dilation, out_size, offset = (1,) + strides, (1,) + dilation, (1,) + out_size, (0,) + offset
    return ConvTranspose2D.apply(inputs, kernel, strides=strides, dilation=dilation, out_size=out_size,
                                 offset=offset, channels_first=cf, one_d=nsp == 1)
