"""Convolution (1D and 2D, Keras kernel layouts) as im2col + GEMM.

Both ranks run through one 2-D implementation (a 1-D input is a 2-D input of height 1).
Forward: pad, take a strided *view* of every patch (``as_strided``), copy it into a
contiguous ``(rows, kh*kw*C)`` patch matrix and multiply by the kernel reshaped to
``(kh*kw*C, F)`` -- one GEMM per batch chunk sized to stay in cache (one chunk for small
inputs). Backward: the kernel gradient is ``cols.T @ grad`` and the input gradient
``grad @ kernel.T`` followed by a col2im that loops over the kh*kw kernel offsets only,
each a strided slice-add.
"""
from __future__ import annotations

from typing import Any, Sequence, Tuple, Union

import numpy as np
from numpy.lib.stride_tricks import as_strided

from numnet.autograd.function import Function
from numnet.autograd.tensor import Tensor

__all__ = ["conv", "depthwise_conv"]

IntOrTuple = Union[int, Sequence[int]]


# --------------------------------------------------------------------------- helpers
def _tuple(op: str, name: str, value: IntOrTuple, n: int) -> Tuple[int, ...]:
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        out = (int(value),) * n
    else:
        try:
            out = tuple(int(v) for v in value)
        except TypeError:
            raise TypeError(f"{op}: {name} must be an int or a tuple of {n} ints, got {value!r}") from None
        if len(out) == 1:
            out = out * n
        if len(out) != n:
            raise ValueError(f"{op}: {name} must be an int or a tuple of {n} ints, got {value!r}")
    if any(v < 1 for v in out):
        raise ValueError(f"{op}: {name} must be positive, got {value!r}")
    return out


def _padding(op: str, padding: str) -> str:
    p = padding.lower() if isinstance(padding, str) else padding
    if p not in ("valid", "same"):
        raise ValueError(f"{op}: padding must be 'valid' or 'same', got {padding!r}")
    return p


def _data_format(op: str, data_format: Any) -> bool:
    """True when channels_first."""
    if data_format is None or data_format == "channels_last":
        return False
    if data_format == "channels_first":
        return True
    raise ValueError(f"{op}: data_format must be 'channels_last' or 'channels_first', got {data_format!r}")


def output_length(size: int, window: int, stride: int, padding: str, dilation: int = 1) -> Tuple[int, int, int]:
    """Keras/TF output size and (before, after) padding along one spatial axis.

    'valid': ``out = (size - eff) // stride + 1`` with ``eff = (window-1)*dilation + 1``;
    'same': ``out = ceil(size / stride)`` and total padding
    ``max((out-1)*stride + eff - size, 0)``, the odd element going after (bottom/right).

    Returns:
        ``(out, pad_before, pad_after)``; ``out`` may be < 1 when the window does not fit.
    """
    eff = (window - 1) * dilation + 1
    if padding == "same":
        out = -(-size // stride)
        total = max((out - 1) * stride + eff - size, 0)
        return out, total // 2, total - total // 2
    return (size - eff) // stride + 1, 0, 0


def _patches(xp: np.ndarray, kh: int, kw: int, oh: int, ow: int, s: Tuple[int, int], d: Tuple[int, int]) -> np.ndarray:
    """Read-only view (N, OH, OW, kh, kw, C) of the patches of padded NHWC `xp`."""
    sn, sh, sw, sc = xp.strides
    n, _, _, c = xp.shape
    return as_strided(
        xp,
        shape=(n, oh, ow, kh, kw, c),
        strides=(sn, sh * s[0], sw * s[1], sh * d[0], sw * d[1], sc),
        writeable=False,
    )


SMALL_CHANNELS = 4
"""Up to this many input channels, im2col is built transposed (see `_im2col`)."""


CHUNK_BYTES = 1 << 21
"""Target size of one chunk's patch matrix plus output rows: small enough to stay in the L2 cache."""


def _im2col(xp: np.ndarray, kh: int, kw: int, g, dtype, buf=None) -> np.ndarray:
    """The (n*OH*OW, kh*kw*C) patch matrix of padded NHWC `xp` (C-order or a transposed view).

    With many channels, one copy of the strided patch view gives a C-contiguous matrix (its
    inner runs are kw*C long). With few channels (e.g. C=1 images) those runs are tiny, so
    the matrix is built as a contiguous (kh*kw*C, n*OH*OW) array instead, one long-run copy
    per kernel offset, and returned transposed: BLAS takes either layout at full speed.
    `buf`, when given, is a previous result of the same shape to write into.
    """
    n, _, _, c = xp.shape
    m = n * g.oh * g.ow
    if c > SMALL_CHANNELS:
        cols = np.empty((n, g.oh, g.ow, kh, kw, c), dtype=dtype) if buf is None else buf.reshape(n, g.oh, g.ow, kh, kw, c)
        np.copyto(cols, _patches(xp, kh, kw, g.oh, g.ow, g.s, g.d))
        return cols.reshape(m, kh * kw * c)
    cols_t = np.empty((kh, kw, c, n, g.oh, g.ow), dtype=dtype) if buf is None else buf.T.reshape(kh, kw, c, n, g.oh, g.ow)
    for i in range(kh):
        r0 = i * g.d[0]
        rows = slice(r0, r0 + (g.oh - 1) * g.s[0] + 1, g.s[0])
        for j in range(kw):
            c0 = j * g.d[1]
            np.copyto(cols_t[i, j], xp[:, rows, c0:c0 + (g.ow - 1) * g.s[1] + 1:g.s[1], :].transpose(3, 0, 1, 2))
    return cols_t.reshape(kh * kw * c, m).T


def _chunks(n: int, per_sample_bytes: int):
    """Batch slices of about CHUNK_BYTES each (`per_sample_bytes`: one sample's share)."""
    step = max(1, CHUNK_BYTES // max(per_sample_bytes, 1))
    return [slice(i, min(i + step, n)) for i in range(0, n, step)]


def _pad_nhwc(x: np.ndarray, pads: Tuple[int, int, int, int]) -> np.ndarray:
    top, bottom, left, right = pads
    if not (top or bottom or left or right):
        return x
    n, h, w, c = x.shape
    xp = np.zeros((n, h + top + bottom, w + left + right, c), dtype=x.dtype)
    xp[:, top:top + h, left:left + w, :] = x
    return xp


def _col2im_add(dxp: np.ndarray, dcols: np.ndarray, s, d) -> None:
    """Scatter-add patch gradients (n, OH, OW, kh, kw, C) into the padded gradient `dxp`."""
    n, oh, ow, kh, kw, c = dcols.shape
    for i in range(kh):
        r0 = i * d[0]
        rows = slice(r0, r0 + (oh - 1) * s[0] + 1, s[0])
        for j in range(kw):
            c0 = j * d[1]
            dxp[:, rows, c0:c0 + (ow - 1) * s[1] + 1:s[1], :] += dcols[:, :, :, i, j, :]


def _crop_nhwc(dxp: np.ndarray, size, pads) -> np.ndarray:
    top, _, left, _ = pads
    h, w = size
    if dxp.shape[1] == h and dxp.shape[2] == w:
        return dxp
    return np.ascontiguousarray(dxp[:, top:top + h, left:left + w, :])


class _ConvGeometry:
    """Shapes, padding and output size of a 2-D convolution/pooling, checked once."""

    __slots__ = ("kh", "kw", "oh", "ow", "pads", "s", "d")

    def __init__(self, op, x_shape, window, strides, padding, dilation, what="kernel", shapes_msg=""):
        h, w = x_shape[1], x_shape[2]
        kh, kw = window
        oh, pt, pb = output_length(h, kh, strides[0], padding, dilation[0])
        ow, pl, pr = output_length(w, kw, strides[1], padding, dilation[1])
        if oh < 1 or ow < 1:
            eff = ((kh - 1) * dilation[0] + 1, (kw - 1) * dilation[1] + 1)
            raise ValueError(
                f"{op}: the {what} is larger than the padded input: {shapes_msg}(effective window "
                f"{eff[0]}x{eff[1]} with dilation {tuple(dilation)}, padded spatial size "
                f"{h + pt + pb}x{w + pl + pr}, padding={padding!r})"
            )
        self.kh, self.kw, self.oh, self.ow = kh, kw, oh, ow
        self.pads = (pt, pb, pl, pr)
        self.s, self.d = tuple(strides), tuple(dilation)


def _to_nhwc(x, kernel, channels_first, one_d):
    if one_d:
        x = x[:, :, None, :] if channels_first else x[:, None, :, :]
        kernel = kernel[None]
    if channels_first:
        x = np.moveaxis(x, 1, -1)
    return x, kernel


def _from_nhwc(y, channels_first, one_d):
    if channels_first:
        y = np.moveaxis(y, -1, 1)
    if one_d:
        y = y[:, :, 0, :] if channels_first else y[:, 0]
    return y


def _grad_to_nhwc(grad, channels_first, one_d):
    if one_d:
        grad = grad[:, :, None, :] if channels_first else grad[:, None]
    if channels_first:
        grad = np.moveaxis(grad, 1, -1)
    return grad


# ------------------------------------------------------------------------------ conv
class Conv2D(Function):
    """NHWC input, (kh, kw, C, F) kernel, optional (F,) bias and ReLU; see the module docstring.

    The batch is processed in chunks whose patch matrix and output rows fit in the L2 cache:
    each chunk is one im2col copy and one GEMM, followed (while the chunk is still in cache)
    by the bias add and the ReLU when they are fused in (`bias` input, ``relu=True``: the same
    values as separate `add` and `relu` nodes). Backward rebuilds each chunk's patches from
    the saved (small) input rather than keeping the whole (large) patch matrix alive from
    forward, which is faster on memory-bound machines and keeps peak memory low; the ReLU mask,
    the bias gradient and both GEMMs are applied chunk by chunk too. Every gradient returned
    is a new array (so the engine adopts it without a copy).
    """

    fresh_grads = True

    def forward(self, x, kernel, bias=None, geom=None, channels_first=False, one_d=False, relu=False):
        x, kernel = _to_nhwc(x, kernel, channels_first, one_d)
        g = geom
        self.geom, self.channels_first, self.one_d = g, channels_first, one_d
        self.x_shape = x.shape
        xp = _pad_nhwc(x, g.pads)
        n, c = x.shape[0], x.shape[3]
        kh, kw, _, f = kernel.shape
        k = kh * kw * c
        dtype = np.result_type(x.dtype, kernel.dtype)
        k2 = kernel.reshape(k, f)
        self.xp, self.k2, self.kshape, self.dtype = xp, k2, kernel.shape, dtype
        rows = g.oh * g.ow
        self.chunks = _chunks(n, rows * (k + f) * dtype.itemsize)
        out = np.empty((n * rows, f), dtype=dtype)
        if bias is not None and bias.dtype != dtype:
            bias = bias.astype(dtype)
        buf = None
        for sl in self.chunks:
            cols = _im2col(xp[sl], kh, kw, g, dtype, buf if sl.stop - sl.start == self.chunks[0].stop else None)
            buf = cols if buf is None else buf
            part = out[sl.start * rows:sl.stop * rows]
            np.matmul(cols, k2, out=part)
            if bias is not None:
                part += bias
            if relu:
                np.maximum(part, 0, out=part)
        self.y = out if relu else None
        return _from_nhwc(out.reshape(n, g.oh, g.ow, f), channels_first, one_d)

    def backward(self, grad):
        grad = _grad_to_nhwc(grad, self.channels_first, self.one_d)
        g, xp, k2, y, dtype = self.geom, self.xp, self.k2, self.y, self.dtype
        kh, kw, c, f = self.kshape
        rows = g.oh * g.ow
        g2 = np.ascontiguousarray(grad, dtype=dtype).reshape(-1, f)
        needs = self.needs_input_grad
        need_x, need_k = needs[0], needs[1]
        need_b = len(needs) > 2 and needs[2]
        gk = np.zeros(self.kshape, dtype=dtype) if need_k else None
        gk2 = gk.reshape(kh * kw * c, f) if need_k else None
        gb = np.zeros(f, dtype=dtype) if need_b else None
        dxp = np.zeros(xp.shape, dtype=dtype) if need_x else None
        buf = gk_part = dbuf = masked = None
        full = self.chunks[0].stop
        for sl in self.chunks:
            nb = sl.stop - sl.start
            r0, r1 = sl.start * rows, sl.stop * rows
            g2c = g2[r0:r1]
            if y is not None:
                if masked is None or nb != full:
                    masked = np.empty((r1 - r0, f), dtype=dtype)
                np.multiply(g2c, y[r0:r1] > 0, out=masked)
                g2c = masked
            if need_b:
                gb += g2c.sum(axis=0)
            if need_k:
                cols = _im2col(xp[sl], kh, kw, g, dtype, buf if nb == full else None)
                buf = cols if buf is None else buf
                if gk_part is None:
                    gk_part = np.empty_like(gk2)
                np.matmul(cols.T, g2c, out=gk_part)
                gk2 += gk_part
            if need_x:
                if dbuf is None or nb != full:
                    dbuf = np.empty((nb * rows, kh * kw * c), dtype=dtype)
                np.matmul(g2c, k2.T, out=dbuf)
                _col2im_add(dxp[sl], dbuf.reshape(nb, g.oh, g.ow, kh, kw, c), g.s, g.d)
        gx = None
        if need_k and self.one_d:
            gk = gk[0].copy()
        if need_x:
            gx = _from_nhwc(_crop_nhwc(dxp, self.x_shape[1:3], g.pads), self.channels_first, self.one_d)
        return (gx, gk) if len(needs) == 2 else (gx, gk, gb)


def _data(x: Any) -> np.ndarray:
    return x.data if isinstance(x, Tensor) else np.asarray(x)


def _prepare(op, inputs, kernel, strides, padding, data_format, dilation_rate):
    """Validate a 1-D or 2-D problem once; returns (2-D geometry, channels_first, is_1d, 4-D kernel shape)."""
    x, k = _data(inputs), _data(kernel)
    cf = _data_format(op, data_format)
    padding = _padding(op, padding)
    if x.ndim not in (3, 4):
        raise ValueError(
            f"{op}: inputs must be 3-D (batch, width, channels) or 4-D (batch, height, width, channels), "
            f"got inputs of shape {x.shape} with kernel of shape {k.shape}"
        )
    if k.ndim != x.ndim:
        raise ValueError(
            f"{op}: rank mismatch: a {x.ndim}-D input needs a {x.ndim}-D kernel "
            f"({'(k, in, out)' if x.ndim == 3 else '(kh, kw, in, out)'}), got inputs of shape {x.shape} "
            f"and kernel of shape {k.shape}"
        )
    nsp = x.ndim - 2
    c = x.shape[1] if cf else x.shape[-1]
    if k.shape[-2] != c:
        raise ValueError(
            f"{op}: channel mismatch: inputs have {c} channels but the kernel expects {k.shape[-2]} "
            f"(inputs of shape {x.shape}, kernel of shape {k.shape}, data_format="
            f"{'channels_first' if cf else 'channels_last'})"
        )
    strides = _tuple(op, "strides", strides, nsp)
    dilation = _tuple(op, "dilation_rate", dilation_rate, nsp)
    is_1d = nsp == 1
    spatial = x.shape[2:] if cf else x.shape[1:-1]
    kshape = k.shape
    if is_1d:
        spatial, strides, dilation, kshape = (1,) + spatial, (1,) + strides, (1,) + dilation, (1,) + kshape
    nhwc_shape = (x.shape[0],) + tuple(spatial) + (c,)
    geom = _ConvGeometry(
        op, nhwc_shape, kshape[:2], strides, padding, dilation,
        shapes_msg=f"inputs of shape {x.shape}, kernel of shape {k.shape} ",
    )
    return geom, cf, is_1d, kshape


def conv(
    inputs: Any,
    kernel: Any,
    strides: IntOrTuple = 1,
    padding: str = "valid",
    data_format: str = "channels_last",
    dilation_rate: IntOrTuple = 1,
) -> Tensor:
    """1-D or 2-D convolution (cross-correlation, no bias), as `keras.ops.conv`.

    Args:
        inputs: ``(N, W, C)`` or ``(N, H, W, C)`` (``(N, C, ...)`` with channels_first).
        kernel: ``(k, C, F)`` or ``(kh, kw, C, F)`` (Keras layout, for either data_format).
        strides: int or tuple, one per spatial axis.
        padding: 'valid' (no padding) or 'same' (output = ceil(input / stride), TF's padding
            split with the extra element at the bottom/right).
        data_format: 'channels_last' or 'channels_first'.
        dilation_rate: int or tuple, one per spatial axis.

    Returns:
        ``(N, OW, F)`` or ``(N, OH, OW, F)`` (channels first: ``(N, F, ...)``) in the input dtype.

    Raises:
        ValueError: rank or channel mismatch between inputs and kernel, a kernel larger than
            the padded input, or a bad strides/padding/dilation/data_format value.
    """
    geom, cf, is_1d, kshape = _prepare("conv", inputs, kernel, strides, padding, data_format, dilation_rate)
    return Conv2D.apply(inputs, kernel, geom=geom, channels_first=cf, one_d=is_1d)


def conv_bias_relu(inputs: Any, kernel: Any, bias: Any = None, relu: bool = False, strides: IntOrTuple = 1,
                   padding: str = "valid", data_format: str = "channels_last", dilation_rate: IntOrTuple = 1) -> Tensor:
    """`conv(inputs, kernel, ...)` plus a per-filter `bias` and an optional ReLU, as one fused node.

    The values equal ``relu(conv(...) + bias)`` computed as separate ops (the bias gradient
    is summed chunk by chunk, so it may differ from the unfused one in float rounding); used by
    the convolution layers.

    Args:
        inputs: as in `conv`.
        kernel: as in `conv`.
        strides: as in `conv`.
        padding: as in `conv`.
        data_format: as in `conv`.
        dilation_rate: as in `conv`.
        bias: None or a ``(F,)`` tensor added to every output position.
        relu: apply ``max(., 0)`` to the result.

    Raises:
        ValueError: as `conv`, or a bias whose shape is not ``(F,)``.
    """
    geom, cf, is_1d, kshape = _prepare("conv", inputs, kernel, strides, padding, data_format, dilation_rate)
    if bias is None:
        return Conv2D.apply(inputs, kernel, geom=geom, channels_first=cf, one_d=is_1d, relu=bool(relu))
    if _data(bias).shape != (kshape[-1],):
        raise ValueError(f"conv: bias must have shape ({kshape[-1]},) (one value per filter), "
                         f"got {_data(bias).shape}")
    return Conv2D.apply(inputs, kernel, bias, geom=geom, channels_first=cf, one_d=is_1d, relu=bool(relu))


# -------------------------------------------------------------------- depthwise conv
class DepthwiseConv2D(Function):
    """NHWC input, (kh, kw, C, M) kernel -> (N, OH, OW, C*M)."""

    def forward(self, x, kernel, geom=None, channels_first=False, one_d=False):
        x, kernel = _to_nhwc(x, kernel, channels_first, one_d)
        g = geom
        self.geom, self.channels_first, self.one_d = g, channels_first, one_d
        self.x_shape = x.shape
        xp = _pad_nhwc(x, g.pads)
        self.xp_shape = xp.shape
        n, c = x.shape[0], x.shape[3]
        kh, kw, _, mult = kernel.shape
        # (N*OH*OW, C, kh*kw) so each channel is a small batched matmul with its (kh*kw, M) kernel
        cols = np.empty((n, g.oh, g.ow, c, kh, kw), dtype=np.result_type(x.dtype, kernel.dtype))
        np.copyto(cols, _patches(xp, kh, kw, g.oh, g.ow, g.s, g.d).transpose(0, 1, 2, 5, 3, 4))
        cols = cols.reshape(-1, c, kh * kw).transpose(1, 0, 2)  # (C, M_rows, kh*kw)
        k3 = kernel.reshape(kh * kw, c, mult).transpose(1, 0, 2)  # (C, kh*kw, M)
        self.cols, self.k3, self.kshape = cols, k3, kernel.shape
        out = np.matmul(cols, k3)  # (C, rows, M)
        out = out.transpose(1, 0, 2).reshape(n, g.oh, g.ow, c * mult)
        return _from_nhwc(out, channels_first, one_d)

    def backward(self, grad):
        grad = _grad_to_nhwc(grad, self.channels_first, self.one_d)
        g = self.geom
        kh, kw, c, mult = self.kshape
        g3 = grad.reshape(-1, c, mult).transpose(1, 0, 2)  # (C, rows, M)
        gx = gk = None
        if self.needs_input_grad[1]:
            gk = np.matmul(self.cols.transpose(0, 2, 1), g3)  # (C, kh*kw, M)
            gk = gk.transpose(1, 0, 2).reshape(self.kshape)
            if self.one_d:
                gk = gk[0]
        if self.needs_input_grad[0]:
            n = self.x_shape[0]
            dcols = np.matmul(g3, self.k3.transpose(0, 2, 1))  # (C, rows, kh*kw)
            dcols = dcols.transpose(1, 2, 0).reshape(n, g.oh, g.ow, kh, kw, c)
            dxp = np.zeros(self.xp_shape, dtype=dcols.dtype)
            _col2im_add(dxp, dcols, g.s, g.d)
            gx = _crop_nhwc(dxp, self.x_shape[1:3], g.pads)
            gx = _from_nhwc(gx, self.channels_first, self.one_d)
        return gx, gk


def depthwise_conv(
    inputs: Any,
    kernel: Any,
    strides: IntOrTuple = 1,
    padding: str = "valid",
    data_format: str = "channels_last",
    dilation_rate: IntOrTuple = 1,
) -> Tensor:
    """1-D or 2-D depthwise convolution, as `keras.ops.depthwise_conv`.

    Args:
        inputs: ``(N, W, C)`` or ``(N, H, W, C)`` (``(N, C, ...)`` with channels_first).
        kernel: ``(k, C, M)`` or ``(kh, kw, C, M)``: M output channels per input channel.
        strides: as in `conv`.
        padding: as in `conv`.
        data_format: as in `conv`.
        dilation_rate: as in `conv`.

    Returns:
        ``(..., C*M)`` outputs; channel ``c*M + m`` is input channel c convolved with kernel[..., c, m].

    Raises:
        ValueError: as `conv`.
    """
    geom, cf, is_1d, kshape = _prepare(
        "depthwise_conv", inputs, kernel, strides, padding, data_format, dilation_rate
    )
    return DepthwiseConv2D.apply(inputs, kernel, geom=geom, channels_first=cf, one_d=is_1d)
