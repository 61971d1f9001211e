"""Recurrent layers: SimpleRNN, LSTM, GRU, their cells, the generic RNN and Bidirectional.

Weights, gate order and equations are Keras 3's, so Keras weights load unchanged: a cell owns
`kernel` `(input_dim, k * units)`, `recurrent_kernel` `(units, k * units)` and `bias`, with the
gates in the order LSTM `i, f, c, o` and GRU `z, r, h` (`k` = 1, 4, 3).

The three built-in layers run the whole sequence as one differentiable node when their
activations are among tanh, sigmoid, hard_sigmoid, relu and linear: the input projection of
every step is one matrix product, then a fused loop keeps the gates of each step and its
backward runs backpropagation through time. Other activations (and custom cells in `RNN`)
step the cell with `numnet.ops`.

Masks: a boolean `(batch, timesteps)` mask, given as `call(..., mask=...)` or carried by the
input (from `Embedding(mask_zero=True)`, `Masking`, ...), has Keras's meaning: a masked step
keeps the previous state and repeats the previous output (zeros with `zero_output_for_mask`).
With `return_sequences=True` the output carries the mask on; otherwise it has none.
"""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Sequence

import numpy as np

from numnet import activations, initializers, ops, regularizers
from numnet.autograd.function import Function
from numnet.autograd.tensor import Tensor
from numnet.layers._layer_utils import get_constraint, layer_label, lookup, mask_array, serialize_constraint
from numnet.layers.layer import Layer
from numnet.utils.random import global_rng, make_rng

__all__ = ["SimpleRNNCell", "LSTMCell", "GRUCell", "RNN", "SimpleRNN", "LSTM", "GRU", "Bidirectional"]


# ----- activations the fused loops know: forward on arrays, derivative from the output -------
def _sigmoid(x: np.ndarray) -> np.ndarray:
    out = np.empty_like(x)
    pos = x >= 0
    out[pos] = 1.0 / (1.0 + np.exp(-x[pos]))
    e = np.exp(x[~pos])
    out[~pos] = e / (1.0 + e)
    return out


_FORWARD = {
    "tanh": np.tanh,
    "sigmoid": _sigmoid,
    "hard_sigmoid": lambda x: np.clip(x / 6.0 + 0.5, 0.0, 1.0).astype(x.dtype, copy=False),
    "relu": lambda x: np.maximum(x, 0),
    "linear": lambda x: x,
}
_DERIVATIVE = {  # d act / d input, written with the activation's output y
    "tanh": lambda y: 1.0 - y * y,
    "sigmoid": lambda y: y * (1.0 - y),
    "hard_sigmoid": lambda y: ((y > 0) & (y < 1)).astype(y.dtype) / y.dtype.type(6.0),
    "relu": lambda y: (y > 0).astype(y.dtype),
    "linear": lambda y: np.ones_like(y),
}


def _fusable_name(fn: Any) -> Optional[str]:
    for name in _FORWARD:
        if fn is getattr(activations, name):
            return name
    return None


def _rec_product(h: np.ndarray, rk: np.ndarray, rmask: Optional[np.ndarray]) -> np.ndarray:
    """`h @ recurrent_kernel`; with recurrent dropout, gate g sees `h * rmask[g]`."""
    if rmask is None:
        return h @ rk
    k = rmask.shape[0]
    u = rk.shape[1] // k
    return np.concatenate([(h * rmask[g]) @ rk[:, g * u:(g + 1) * u] for g in range(k)], axis=1)


def _rec_product_backward(dz: np.ndarray, h: np.ndarray, rk: np.ndarray, rmask: Optional[np.ndarray],
                          drk: np.ndarray) -> np.ndarray:
    """Accumulate d(recurrent_kernel) into `drk` and return d(h) for `_rec_product`."""
    if rmask is None:
        drk += h.T @ dz
        return dz @ rk.T
    k = rmask.shape[0]
    u = rk.shape[1] // k
    dh = np.zeros_like(h)
    for g in range(k):
        cols = slice(g * u, (g + 1) * u)
        drk[:, cols] += (h * rmask[g]).T @ dz[:, cols]
        dh += (dz[:, cols] @ rk[:, cols].T) * rmask[g]
    return dh


def _blend(mask_t: Optional[np.ndarray], new: np.ndarray, old: np.ndarray) -> np.ndarray:
    return new if mask_t is None else np.where(mask_t, new, old)


class _SimpleRNNLoop(Function):
    """`h_t = act(xw_t + h_{t-1} @ R)` over the sequence; output `(B, T + 1, U)`: every h_t, then h_T."""

    fresh_grads = True

    def forward(self, xw, rk, h0, act="tanh", mask=None, rmask=None):
        b, t_len, u = xw.shape
        fwd = _FORWARD[act]
        out = np.empty((b, t_len + 1, u), dtype=xw.dtype)
        hprev = np.empty((b, t_len, u), dtype=xw.dtype)
        new = np.empty((b, t_len, u), dtype=xw.dtype)
        h = h0
        for t in range(t_len):
            hprev[:, t] = h
            new[:, t] = fwd(xw[:, t] + _rec_product(h, rk, rmask))
            h = _blend(None if mask is None else mask[:, t, None], new[:, t], h)
            out[:, t] = h
        out[:, t_len] = h
        self.saved = (rk, hprev, new, act, mask, rmask)
        return out

    def backward(self, grad):
        rk, hprev, new, act, mask, rmask = self.saved
        t_len = new.shape[1]
        dxw = np.empty_like(new)
        drk = np.zeros_like(rk)
        dh = grad[:, t_len].copy()
        dact = _DERIVATIVE[act](new)
        for t in reversed(range(t_len)):
            g = dh + grad[:, t]
            if mask is not None:
                m = mask[:, t, None]
                keep, g = np.where(m, 0, g), np.where(m, g, 0)
            da = g * dact[:, t]
            dxw[:, t] = da
            dh = _rec_product_backward(da, hprev[:, t], rk, rmask, drk)
            if mask is not None:
                dh += keep
        return dxw, drk, dh


class _LSTMLoop(Function):
    """The LSTM recurrence (gates i, f, c, o); output `(B, T + 2, U)`: every h_t, then h_T, c_T."""

    fresh_grads = True

    def forward(self, xw, rk, h0, c0, act="tanh", ract="sigmoid", mask=None, rmask=None):
        b, t_len, u4 = xw.shape
        u = u4 // 4
        fa, fr = _FORWARD[act], _FORWARD[ract]
        out = np.empty((b, t_len + 2, u), dtype=xw.dtype)
        gates = np.empty((b, t_len, u4), dtype=xw.dtype)
        hprev = np.empty((b, t_len, u), dtype=xw.dtype)
        cprev = np.empty((b, t_len, u), dtype=xw.dtype)
        tc = np.empty((b, t_len, u), dtype=xw.dtype)
        h, c = h0, c0
        for t in range(t_len):
            hprev[:, t], cprev[:, t] = h, c
            z = xw[:, t] + _rec_product(h, rk, rmask)
            i, f, g, o = fr(z[:, :u]), fr(z[:, u:2 * u]), fa(z[:, 2 * u:3 * u]), fr(z[:, 3 * u:])
            gates[:, t, :u], gates[:, t, u:2 * u], gates[:, t, 2 * u:3 * u], gates[:, t, 3 * u:] = i, f, g, o
            c_new = f * c + i * g
            tc[:, t] = fa(c_new)
            h_new = o * tc[:, t]
            m = None if mask is None else mask[:, t, None]
            h, c = _blend(m, h_new, h), _blend(m, c_new, c)
            out[:, t] = h
        out[:, t_len], out[:, t_len + 1] = h, c
        self.saved = (rk, gates, hprev, cprev, tc, act, ract, mask, rmask)
        return out

    def backward(self, grad):
        rk, gates, hprev, cprev, tc, act, ract, mask, rmask = self.saved
        t_len, u = tc.shape[1], tc.shape[2]
        da, dr = _DERIVATIVE[act], _DERIVATIVE[ract]
        dxw = np.empty_like(gates)
        drk = np.zeros_like(rk)
        dh = grad[:, t_len].copy()
        dc = grad[:, t_len + 1].copy()
        for t in reversed(range(t_len)):
            gh = dh + grad[:, t]
            gc = dc
            if mask is not None:
                m = mask[:, t, None]
                keep_h, keep_c = np.where(m, 0, gh), np.where(m, 0, gc)
                gh, gc = np.where(m, gh, 0), np.where(m, gc, 0)
            gt = gates[:, t]
            i, f, g, o = gt[:, :u], gt[:, u:2 * u], gt[:, 2 * u:3 * u], gt[:, 3 * u:]
            tct = tc[:, t]
            gcn = gc + gh * o * da(tct)
            dz = dxw[:, t]
            dz[:, :u] = gcn * g * dr(i)
            dz[:, u:2 * u] = gcn * cprev[:, t] * dr(f)
            dz[:, 2 * u:3 * u] = gcn * i * da(g)
            dz[:, 3 * u:] = gh * tct * dr(o)
            dc = gcn * f
            dh = _rec_product_backward(dz, hprev[:, t], rk, rmask, drk)
            if mask is not None:
                dh += keep_h
                dc += keep_c
        return dxw, drk, dh, dc


class _GRULoop(Function):
    """The GRU recurrence (gates z, r, h); output `(B, T + 1, U)`: every h_t, then h_T.

    `xw` holds the input projections with the input bias; `rb` is the recurrent bias of
    `reset_after=True` (None otherwise or without bias).
    """

    fresh_grads = True

    def forward(self, xw, rk, h0, rb=None, act="tanh", ract="sigmoid", reset_after=True, mask=None, rmask=None):
        b, t_len, u3 = xw.shape
        u = u3 // 3
        fa, fr = _FORWARD[act], _FORWARD[ract]
        out = np.empty((b, t_len + 1, u), dtype=xw.dtype)
        gates = np.empty((b, t_len, u3), dtype=xw.dtype)  # z, r, hh
        rhh = np.empty((b, t_len, u), dtype=xw.dtype)  # the recurrent part r multiplies
        hprev = np.empty((b, t_len, u), dtype=xw.dtype)
        h = h0
        for t in range(t_len):
            hprev[:, t] = h
            x = xw[:, t]
            if reset_after:
                rec = _rec_product(h, rk, rmask)
                if rb is not None:
                    rec = rec + rb
                z = fr(x[:, :u] + rec[:, :u])
                r = fr(x[:, u:2 * u] + rec[:, u:2 * u])
                rhh[:, t] = rec[:, 2 * u:]
                hh = fa(x[:, 2 * u:] + r * rec[:, 2 * u:])
            else:
                rec = _rec_product(h, rk[:, :2 * u], None if rmask is None else rmask[:2])
                z = fr(x[:, :u] + rec[:, :u])
                r = fr(x[:, u:2 * u] + rec[:, u:2 * u])
                hm = h if rmask is None else h * rmask[2]
                rhh[:, t] = hm
                hh = fa(x[:, 2 * u:] + (r * hm) @ rk[:, 2 * u:])
            gates[:, t, :u], gates[:, t, u:2 * u], gates[:, t, 2 * u:] = z, r, hh
            h_new = z * h + (1 - z) * hh
            h = _blend(None if mask is None else mask[:, t, None], h_new, h)
            out[:, t] = h
        out[:, t_len] = h
        self.saved = (rk, rb is not None, gates, rhh, hprev, act, ract, reset_after, mask, rmask)
        return out

    def backward(self, grad):
        rk, has_rb, gates, rhh, hprev, act, ract, reset_after, mask, rmask = self.saved
        t_len, u = hprev.shape[1], hprev.shape[2]
        da, dr = _DERIVATIVE[act], _DERIVATIVE[ract]
        dxw = np.empty_like(gates)
        drk = np.zeros_like(rk)
        drb = np.zeros((3 * u,), dtype=gates.dtype) if has_rb else None
        dh = grad[:, t_len].copy()
        for t in reversed(range(t_len)):
            gh = dh + grad[:, t]
            if mask is not None:
                m = mask[:, t, None]
                keep = np.where(m, 0, gh)
                gh = np.where(m, gh, 0)
            gt = gates[:, t]
            z, r, hh = gt[:, :u], gt[:, u:2 * u], gt[:, 2 * u:]
            hp = hprev[:, t]
            dx = dxw[:, t]
            dah = gh * (1 - z) * da(hh)
            dx[:, :u] = gh * (hp - hh) * dr(z)
            dx[:, 2 * u:] = dah
            if reset_after:
                dx[:, u:2 * u] = dah * rhh[:, t] * dr(r)
                drec = np.concatenate([dx[:, :2 * u], dah * r], axis=1)
                if drb is not None:
                    drb += drec.sum(axis=0)
                dh = _rec_product_backward(drec, hp, rk, rmask, drk)
            else:
                hm = rhh[:, t]
                d_rhm = dah @ rk[:, 2 * u:].T
                drk[:, 2 * u:] += (r * hm).T @ dah
                dx[:, u:2 * u] = d_rhm * hm * dr(r)
                dh = _rec_product_backward(dx[:, :2 * u], hp, rk[:, :2 * u],
                                           None if rmask is None else rmask[:2], drk[:, :2 * u])
                dh += d_rhm * r * (1 if rmask is None else rmask[2])
            dh += gh * z
            if mask is not None:
                dh += keep
        grads = (dxw, drk, dh)
        return grads + (drb,) if has_rb else grads


# ----- cells ----------------------------------------------------------------------------------
def _check_units(owner: str, units: Any) -> int:
    if isinstance(units, bool) or not isinstance(units, (int, np.integer)) or units <= 0:
        raise ValueError(f"{owner}: units must be a positive int, got units={units!r}")
    return int(units)


def _check_rate(owner: str, name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)) \
            or not 0.0 <= float(value) <= 1.0:
        raise ValueError(f"{owner}: {name} must be a float in [0, 1], got {name}={value!r}")
    return float(value)


class _Cell(Layer):
    """Shared constructor, weights and config of the three built-in cells (`k` gates)."""

    _gates = 1
    _has_recurrent_activation = True

    def __init__(self, units: int, activation: Any = "tanh", recurrent_activation: Any = "sigmoid",
                 use_bias: bool = True, kernel_initializer: Any = "glorot_uniform",
                 recurrent_initializer: Any = "orthogonal", bias_initializer: Any = "zeros",
                 kernel_regularizer: Any = None, recurrent_regularizer: Any = None, bias_regularizer: Any = None,
                 kernel_constraint: Any = None, recurrent_constraint: Any = None, bias_constraint: Any = None,
                 dropout: float = 0.0, recurrent_dropout: float = 0.0, seed: Optional[int] = None,
                 **kwargs: Any) -> None:
        cls = type(self).__name__
        owner = layer_label(self, kwargs)
        kwargs.pop("implementation", None)
        self.units = _check_units(owner, units)
        self.activation = lookup(activations.get, activation, owner, "activation")
        self.recurrent_activation = lookup(activations.get, recurrent_activation, owner, "recurrent_activation")
        self.use_bias = bool(use_bias)
        self.kernel_initializer = lookup(initializers.get, kernel_initializer, owner, "kernel_initializer")
        self.recurrent_initializer = lookup(initializers.get, recurrent_initializer, owner, "recurrent_initializer")
        self.bias_initializer = lookup(initializers.get, bias_initializer, owner, "bias_initializer")
        self.kernel_regularizer = lookup(regularizers.get, kernel_regularizer, owner, "kernel_regularizer")
        self.recurrent_regularizer = lookup(regularizers.get, recurrent_regularizer, owner, "recurrent_regularizer")
        self.bias_regularizer = lookup(regularizers.get, bias_regularizer, owner, "bias_regularizer")
        self.kernel_constraint = get_constraint(kernel_constraint, cls, "kernel_constraint")
        self.recurrent_constraint = get_constraint(recurrent_constraint, cls, "recurrent_constraint")
        self.bias_constraint = get_constraint(bias_constraint, cls, "bias_constraint")
        self.dropout = min(1.0, max(0.0, _check_rate(owner, "dropout", dropout)))
        self.recurrent_dropout = _check_rate(owner, "recurrent_dropout", recurrent_dropout)
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, (int, np.integer))):
            raise ValueError(f"{owner}: seed must be None or an int, got seed={seed!r}")
        self.seed = None if seed is None else int(seed)
        super().__init__(**kwargs)
        self._rng = None if self.seed is None else make_rng(self.seed)
        self.kernel = self.recurrent_kernel = self.bias = None

    @property
    def state_size(self) -> Any:
        """Size of each state (an int, or a list for several states)."""
        return self.units

    @property
    def output_size(self) -> int:
        """Size of the output of one step."""
        return self.units

    def _bias_shape(self) -> tuple:
        return (self._gates * self.units,)

    def _bias_init(self) -> Any:
        return self.bias_initializer

    def build(self, input_shape: Any) -> None:
        shape = tuple(input_shape)
        if not shape or shape[-1] is None:
            raise ValueError(f"Layer '{self.name}' ({type(self).__name__}) needs a known last input dimension, "
                             f"got input shape {shape}")
        k = self._gates * self.units
        self.kernel = self.add_weight(shape=(int(shape[-1]), k), initializer=self.kernel_initializer,
                                      regularizer=self.kernel_regularizer, constraint=self.kernel_constraint,
                                      name="kernel")
        self.recurrent_kernel = self.add_weight(shape=(self.units, k), initializer=self.recurrent_initializer,
                                                regularizer=self.recurrent_regularizer,
                                                constraint=self.recurrent_constraint, name="recurrent_kernel")
        if self.use_bias:
            self.bias = self.add_weight(shape=self._bias_shape(), initializer=self._bias_init(),
                                        regularizer=self.bias_regularizer, constraint=self.bias_constraint,
                                        name="bias")
        self.built = True

    # dropout masks (Keras semantics: drawn once per sequence, reused at every step)
    def _draw(self, rate: float, shape: tuple, count: Optional[int], dtype: Any) -> np.ndarray:
        rng = self._rng if self._rng is not None else global_rng()
        full = (count,) + shape if count else shape
        keep = rng.random(full) >= rate
        return keep.astype(dtype) * np.asarray(1.0 / (1.0 - rate), dtype=dtype)

    def _masks(self, batch: int, input_dim: int, training: Any, dtype: Any) -> tuple:
        """Input and recurrent dropout masks: per gate (k, B, .) when recurrent dropout is on."""
        per_gate = self._gates if self.recurrent_dropout > 0 else None
        dp = rdp = None
        if training and 0.0 < self.dropout < 1.0:
            dp = self._draw(self.dropout, (batch, input_dim), per_gate, dtype)
        if training and 0.0 < self.recurrent_dropout < 1.0:
            rdp = self._draw(self.recurrent_dropout, (batch, self.units), self._gates, dtype)
        return dp, rdp

    def _input_projection(self, x: Tensor, dp: Optional[np.ndarray], bias: Any) -> Tensor:
        """`x @ kernel + bias` for every step at once; per-gate input dropout when `dp` has a gate axis."""
        b, t_len, d = x.shape
        if dp is not None and dp.ndim == 3:
            u = self.units
            parts = [ops.matmul(ops.reshape(x * Tensor(dp[g][:, None, :]), (b * t_len, d)),
                                self.kernel[:, g * u:(g + 1) * u]) for g in range(dp.shape[0])]
            xw = ops.concatenate(parts, axis=-1)
        else:
            if dp is not None:
                x = x * Tensor(dp[:, None, :])
            xw = ops.matmul(ops.reshape(x, (b * t_len, d)), self.kernel)
        if bias is not None:
            xw = xw + bias
        return ops.reshape(xw, (b, t_len, xw.shape[-1]))

    def _fusable(self) -> bool:
        return _fusable_name(self.activation) is not None and (
            not self._has_recurrent_activation or _fusable_name(self.recurrent_activation) is not None)

    def get_config(self) -> Dict[str, Any]:
        config = super().get_config()
        config.update({
            "units": self.units,
            "activation": activations.serialize(self.activation),
            "use_bias": self.use_bias,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "recurrent_initializer": initializers.serialize(self.recurrent_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
            "recurrent_regularizer": regularizers.serialize(self.recurrent_regularizer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
            "kernel_constraint": serialize_constraint(self.kernel_constraint),
            "recurrent_constraint": serialize_constraint(self.recurrent_constraint),
            "bias_constraint": serialize_constraint(self.bias_constraint),
            "dropout": self.dropout,
            "recurrent_dropout": self.recurrent_dropout,
            "seed": self.seed,
        })
        if self._has_recurrent_activation:
            config["recurrent_activation"] = activations.serialize(self.recurrent_activation)
        return config

    def _step_masks(self, inputs: Tensor, training: Any) -> tuple:
        dp, rdp = self._masks(inputs.shape[0], inputs.shape[-1], training, inputs.data.dtype)
        return dp, rdp

    @staticmethod
    def _gate_input(x: Tensor, mask: Optional[np.ndarray], g: int) -> Tensor:
        if mask is None:
            return x
        return x * Tensor(mask[g] if mask.ndim == 3 else mask)


class SimpleRNNCell(_Cell):
    """One step of a fully connected RNN: `h = activation(x @ kernel + h_prev @ recurrent_kernel + bias)`.

    Args:
        units: size of the output and of the state.
        activation: activation (default tanh; None: linear).
        use_bias: whether to add a bias vector.
        kernel_initializer: initializer of `kernel` `(input_dim, units)`.
        recurrent_initializer: initializer of `recurrent_kernel` `(units, units)`.
        bias_initializer: initializer of `bias` `(units,)`.
        kernel_regularizer: penalty on `kernel`.
        recurrent_regularizer: penalty on `recurrent_kernel`.
        bias_regularizer: penalty on `bias`.
        kernel_constraint: callable applied to `kernel` after each update.
        recurrent_constraint: callable applied to `recurrent_kernel` after each update.
        bias_constraint: callable applied to `bias` after each update.
        dropout: fraction of the inputs dropped (training only; one mask per sequence).
        recurrent_dropout: fraction of the previous state dropped in the recurrent product.
        seed: int seed of the dropout masks (None: numnet's global generator).
        **kwargs: base `Layer` arguments.

    Raises:
        ValueError: bad units, rates or names.
    """

    _gates = 1
    _has_recurrent_activation = False

    def __init__(self, units: int, activation: Any = "tanh", use_bias: bool = True,
                 kernel_initializer: Any = "glorot_uniform", recurrent_initializer: Any = "orthogonal",
                 bias_initializer: Any = "zeros", kernel_regularizer: Any = None, recurrent_regularizer: Any = None,
                 bias_regularizer: Any = None, kernel_constraint: Any = None, recurrent_constraint: Any = None,
                 bias_constraint: Any = None, dropout: float = 0.0, recurrent_dropout: float = 0.0,
                 seed: Optional[int] = None, **kwargs: Any) -> None:
        super().__init__(units, activation=activation, recurrent_activation="sigmoid", use_bias=use_bias,
                         kernel_initializer=kernel_initializer, recurrent_initializer=recurrent_initializer,
                         bias_initializer=bias_initializer, kernel_regularizer=kernel_regularizer,
                         recurrent_regularizer=recurrent_regularizer, bias_regularizer=bias_regularizer,
                         kernel_constraint=kernel_constraint, recurrent_constraint=recurrent_constraint,
                         bias_constraint=bias_constraint, dropout=dropout, recurrent_dropout=recurrent_dropout,
                         seed=seed, **kwargs)

    def call(self, inputs: Tensor, states: Any, training: Any = False) -> tuple:
        """One step: returns `(output, new_states)` (a list when `states` is a list)."""
        h = states[0] if isinstance(states, (list, tuple)) else states
        dp, rdp = self._step_masks(inputs, training)
        x = self._gate_input(inputs, dp, 0)
        y = ops.matmul(x, self.kernel)
        if self.bias is not None:
            y = y + self.bias
        y = self.activation(y + ops.matmul(self._gate_input(h, rdp, 0), self.recurrent_kernel))
        return y, ([y] if isinstance(states, (list, tuple)) else y)

    def _sequence(self, x: Tensor, states: List[Tensor], mask: Optional[np.ndarray], training: Any) -> tuple:
        dp, rdp = self._masks(x.shape[0], x.shape[-1], training, x.data.dtype)
        xw = self._input_projection(x, dp, self.bias)
        out = _SimpleRNNLoop.apply(xw, self.recurrent_kernel, states[0], act=_fusable_name(self.activation),
                                   mask=mask, rmask=rdp)
        t_len = x.shape[1]
        return out[:, :t_len], [out[:, t_len]]


class LSTMCell(_Cell):
    """One LSTM step (Hochreiter 1997), gates in Keras's order i, f, c, o.

    `z = x @ kernel + h_prev @ recurrent_kernel + bias`; `i, f, o = recurrent_activation(z_i, z_f, z_o)`;
    `c = f * c_prev + i * activation(z_c)`; `h = o * activation(c)`. States `[h, c]`.

    Args:
        units: size of the output and of each state.
        activation: activation of the candidate and of the cell state (default tanh).
        recurrent_activation: activation of the gates (default sigmoid).
        use_bias: whether to add a bias vector `(4 * units,)`.
        kernel_initializer: initializer of `kernel` `(input_dim, 4 * units)`.
        recurrent_initializer: initializer of `recurrent_kernel` `(units, 4 * units)`.
        bias_initializer: initializer of `bias`.
        unit_forget_bias: start the forget-gate bias at 1 (the rest from `bias_initializer`).
        kernel_regularizer: penalty on `kernel`.
        recurrent_regularizer: penalty on `recurrent_kernel`.
        bias_regularizer: penalty on `bias`.
        kernel_constraint: callable applied to `kernel` after each update.
        recurrent_constraint: callable applied to `recurrent_kernel` after each update.
        bias_constraint: callable applied to `bias` after each update.
        dropout: fraction of the inputs dropped (training only; one mask per sequence, per gate
            when `recurrent_dropout` is on, as Keras).
        recurrent_dropout: fraction of `h_prev` dropped in the recurrent product (per gate).
        seed: int seed of the dropout masks (None: numnet's global generator).
        **kwargs: base `Layer` arguments.

    Raises:
        ValueError: bad units, rates or names.
    """

    _gates = 4

    def __init__(self, units: int, activation: Any = "tanh", recurrent_activation: Any = "sigmoid",
                 use_bias: bool = True, kernel_initializer: Any = "glorot_uniform",
                 recurrent_initializer: Any = "orthogonal", bias_initializer: Any = "zeros",
                 unit_forget_bias: bool = True, kernel_regularizer: Any = None, recurrent_regularizer: Any = None,
                 bias_regularizer: Any = None, kernel_constraint: Any = None, recurrent_constraint: Any = None,
                 bias_constraint: Any = None, dropout: float = 0.0, recurrent_dropout: float = 0.0,
                 seed: Optional[int] = None, **kwargs: Any) -> None:
        super().__init__(units, activation=activation, recurrent_activation=recurrent_activation,
                         use_bias=use_bias, kernel_initializer=kernel_initializer,
                         recurrent_initializer=recurrent_initializer, bias_initializer=bias_initializer,
                         kernel_regularizer=kernel_regularizer, recurrent_regularizer=recurrent_regularizer,
                         bias_regularizer=bias_regularizer, kernel_constraint=kernel_constraint,
                         recurrent_constraint=recurrent_constraint, bias_constraint=bias_constraint,
                         dropout=dropout, recurrent_dropout=recurrent_dropout, seed=seed, **kwargs)
        self.unit_forget_bias = bool(unit_forget_bias)

    @property
    def state_size(self) -> List[int]:
        """`[units, units]`: the hidden state h and the cell state c."""
        return [self.units, self.units]

    def _bias_init(self) -> Any:
        if not self.unit_forget_bias:
            return self.bias_initializer
        base, u = self.bias_initializer, self.units

        def init(shape: Any, dtype: Any = None) -> np.ndarray:
            return np.concatenate([np.asarray(base((u,), dtype=dtype)), np.ones((u,), dtype=dtype),
                                   np.asarray(base((2 * u,), dtype=dtype))]).astype(dtype)

        return init

    def call(self, inputs: Tensor, states: Any, training: Any = False) -> tuple:
        """One step: returns `(h, [h, c])`."""
        h, c = states[0], states[1]
        dp, rdp = self._step_masks(inputs, training)
        u = self.units
        zs = []
        for g in range(4):
            cols = slice(g * u, (g + 1) * u)
            z = ops.matmul(self._gate_input(inputs, dp, g), self.kernel[:, cols])
            z = z + ops.matmul(self._gate_input(h, rdp, g), self.recurrent_kernel[:, cols])
            if self.bias is not None:
                z = z + self.bias[cols]
            zs.append(z)
        ra = self.recurrent_activation
        i, f, o = ra(zs[0]), ra(zs[1]), ra(zs[3])
        c = f * c + i * self.activation(zs[2])
        h = o * self.activation(c)
        return h, [h, c]

    def get_config(self) -> Dict[str, Any]:
        config = super().get_config()
        config["unit_forget_bias"] = self.unit_forget_bias
        return config

    def _sequence(self, x: Tensor, states: List[Tensor], mask: Optional[np.ndarray], training: Any) -> tuple:
        dp, rdp = self._masks(x.shape[0], x.shape[-1], training, x.data.dtype)
        xw = self._input_projection(x, dp, self.bias)
        out = _LSTMLoop.apply(xw, self.recurrent_kernel, states[0], states[1],
                              act=_fusable_name(self.activation), ract=_fusable_name(self.recurrent_activation),
                              mask=mask, rmask=rdp)
        t_len = x.shape[1]
        return out[:, :t_len], [out[:, t_len], out[:, t_len + 1]]


class GRUCell(_Cell):
    """One GRU step (Cho et al. 2014), gates in Keras's order z, r, h.

    `z, r = recurrent_activation(...)`; with `reset_after=True` (Keras 3's default) the reset gate
    multiplies the recurrent product, `hh = activation(x_h + r * (h_prev @ R_h + b_rec_h))`, and the
    bias is `(2, 3 * units)` (input bias, recurrent bias); with `reset_after=False`,
    `hh = activation(x_h + (r * h_prev) @ R_h)` and the bias is `(3 * units,)`.
    Then `h = z * h_prev + (1 - z) * hh`.

    Args:
        units: size of the output and of the state.
        activation: activation of the candidate (default tanh).
        recurrent_activation: activation of the gates (default sigmoid).
        use_bias: whether to use biases.
        kernel_initializer: initializer of `kernel` `(input_dim, 3 * units)`.
        recurrent_initializer: initializer of `recurrent_kernel` `(units, 3 * units)`.
        bias_initializer: initializer of `bias`.
        kernel_regularizer: penalty on `kernel`.
        recurrent_regularizer: penalty on `recurrent_kernel`.
        bias_regularizer: penalty on `bias`.
        kernel_constraint: callable applied to `kernel` after each update.
        recurrent_constraint: callable applied to `recurrent_kernel` after each update.
        bias_constraint: callable applied to `bias` after each update.
        dropout: fraction of the inputs dropped (training only; one mask per sequence, per gate
            when `recurrent_dropout` is on, as Keras).
        recurrent_dropout: fraction of `h_prev` dropped in the recurrent product (per gate).
        reset_after: apply the reset gate after the recurrent product (True) or before (False).
        seed: int seed of the dropout masks (None: numnet's global generator).
        **kwargs: base `Layer` arguments.

    Raises:
        ValueError: bad units, rates or names.
    """

    _gates = 3

    def __init__(self, units: int, activation: Any = "tanh", recurrent_activation: Any = "sigmoid",
                 use_bias: bool = True, kernel_initializer: Any = "glorot_uniform",
                 recurrent_initializer: Any = "orthogonal", bias_initializer: Any = "zeros",
                 kernel_regularizer: Any = None, recurrent_regularizer: Any = None, bias_regularizer: Any = None,
                 kernel_constraint: Any = None, recurrent_constraint: Any = None, bias_constraint: Any = None,
                 dropout: float = 0.0, recurrent_dropout: float = 0.0, reset_after: bool = True,
                 seed: Optional[int] = None, **kwargs: Any) -> None:
        super().__init__(units, activation=activation, recurrent_activation=recurrent_activation,
                         use_bias=use_bias, kernel_initializer=kernel_initializer,
                         recurrent_initializer=recurrent_initializer, bias_initializer=bias_initializer,
                         kernel_regularizer=kernel_regularizer, recurrent_regularizer=recurrent_regularizer,
                         bias_regularizer=bias_regularizer, kernel_constraint=kernel_constraint,
                         recurrent_constraint=recurrent_constraint, bias_constraint=bias_constraint,
                         dropout=dropout, recurrent_dropout=recurrent_dropout, seed=seed, **kwargs)
        self.reset_after = bool(reset_after)

    def _bias_shape(self) -> tuple:
        return (2, 3 * self.units) if self.reset_after else (3 * self.units,)

    def _biases(self) -> tuple:
        if self.bias is None:
            return None, None
        if self.reset_after:
            return self.bias[0], self.bias[1]
        return self.bias, None

    def call(self, inputs: Tensor, states: Any, training: Any = False) -> tuple:
        """One step: returns `(h, new_states)` (a list when `states` is a list)."""
        h = states[0] if isinstance(states, (list, tuple)) else states
        dp, rdp = self._step_masks(inputs, training)
        u = self.units
        in_bias, rec_bias = self._biases()
        xs, rs = [], []
        for g in range(3):
            cols = slice(g * u, (g + 1) * u)
            x = ops.matmul(self._gate_input(inputs, dp, g), self.kernel[:, cols])
            if in_bias is not None:
                x = x + in_bias[cols]
            xs.append(x)
            hg = self._gate_input(h, rdp, g)
            rs.append(hg)
        rz = ops.matmul(rs[0], self.recurrent_kernel[:, :u])
        rr = ops.matmul(rs[1], self.recurrent_kernel[:, u:2 * u])
        if rec_bias is not None:
            rz, rr = rz + rec_bias[:u], rr + rec_bias[u:2 * u]
        z = self.recurrent_activation(xs[0] + rz)
        r = self.recurrent_activation(xs[1] + rr)
        if self.reset_after:
            rh = ops.matmul(rs[2], self.recurrent_kernel[:, 2 * u:])
            if rec_bias is not None:
                rh = rh + rec_bias[2 * u:]
            rh = r * rh
        else:
            rh = ops.matmul(r * rs[2], self.recurrent_kernel[:, 2 * u:])
        hh = self.activation(xs[2] + rh)
        new = z * h + (1 - z) * hh
        return new, ([new] if isinstance(states, (list, tuple)) else new)

    def get_config(self) -> Dict[str, Any]:
        config = super().get_config()
        config["reset_after"] = self.reset_after
        return config

    def _sequence(self, x: Tensor, states: List[Tensor], mask: Optional[np.ndarray], training: Any) -> tuple:
        dp, rdp = self._masks(x.shape[0], x.shape[-1], training, x.data.dtype)
        in_bias, rec_bias = self._biases()
        xw = self._input_projection(x, dp, in_bias)
        params = dict(act=_fusable_name(self.activation), ract=_fusable_name(self.recurrent_activation),
                      reset_after=self.reset_after, mask=mask, rmask=rdp)
        if rec_bias is not None:
            out = _GRULoop.apply(xw, self.recurrent_kernel, states[0], rec_bias, **params)
        else:
            out = _GRULoop.apply(xw, self.recurrent_kernel, states[0], **params)
        t_len = x.shape[1]
        return out[:, :t_len], [out[:, t_len]]


# ----- layers -------------------------------------------------------------------------------------
_BUILTIN_CELLS = (SimpleRNNCell, LSTMCell, GRUCell)


class RNN(Layer):
    """Runs a cell over the time axis of `(batch, timesteps, features)` inputs.

    A cell is a layer with `state_size` (int or list of ints) and
    `call(inputs, states, training=...) -> (output, new_states)`.

    Args:
        cell: the cell (a Layer as described above).
        return_sequences: return the output of every step `(batch, timesteps, units)`
            instead of the last one `(batch, units)`.
        return_state: also return the final states (`[output] + states`).
        go_backwards: process the sequence in reverse (the returned sequence is reversed too).
        stateful: not supported (must be False).
        unroll: accepted for compatibility; numnet always loops.
        zero_output_for_mask: with a mask, output zeros at masked steps instead of the
            previous output.
        **kwargs: base `Layer` arguments.

    Raises:
        ValueError: `stateful=True`; at call, inputs that are not rank 3 or whose feature size
            differs from the built one, or a mask / initial state of the wrong shape.
    """

    _supports_masking = True

    def __init__(self, cell: Any, return_sequences: bool = False, return_state: bool = False,
                 go_backwards: bool = False, stateful: bool = False, unroll: bool = False,
                 zero_output_for_mask: bool = False, **kwargs: Any) -> None:
        owner = layer_label(self, kwargs)
        if stateful:
            raise ValueError(f"{owner}: stateful=True is not supported by numnet (only stateful=False)")
        if isinstance(cell, (list, tuple)):
            raise ValueError(f"{owner}: a list of cells (stacked cells) is not supported; pass one cell")
        if not isinstance(cell, Layer) or not hasattr(cell, "state_size"):
            raise ValueError(f"{owner}: cell must be a Layer with a `state_size` and "
                             f"`call(inputs, states)`, got {cell!r}")
        for name in ("time_major", "use_cudnn"):
            kwargs.pop(name, None)
        super().__init__(**kwargs)
        self.cell = cell
        self.return_sequences = bool(return_sequences)
        self.return_state = bool(return_state)
        self.go_backwards = bool(go_backwards)
        self.stateful = False
        self.unroll = bool(unroll)
        self.zero_output_for_mask = bool(zero_output_for_mask)
        self._in_dim: Optional[int] = None

    def _state_sizes(self) -> List[int]:
        size = self.cell.state_size
        return [int(s) for s in size] if isinstance(size, (list, tuple)) else [int(size)]

    def _output_size(self) -> int:
        return int(getattr(self.cell, "output_size", self._state_sizes()[0]))

    def _check_shape(self, shape: tuple) -> None:
        if len(shape) != 3:
            raise ValueError(f"Layer '{self.name}' ({type(self).__name__}) expects inputs of shape "
                             f"(batch, timesteps, features) (rank 3), got input shape {shape}")
        if self._in_dim is not None and shape[-1] is not None and shape[-1] != self._in_dim:
            raise ValueError(f"Layer '{self.name}' ({type(self).__name__}) was built for {self._in_dim} input "
                             f"features, got input shape {shape}")

    def build(self, input_shape: Any) -> None:
        shape = tuple(input_shape)
        self._check_shape(shape)
        if shape[-1] is None:
            raise ValueError(f"Layer '{self.name}' ({type(self).__name__}) needs a known feature dimension, "
                             f"got input shape {shape}")
        if not self.cell.built:
            self.cell._maybe_build((shape[0], shape[-1]))
        self._in_dim = int(shape[-1])
        self.built = True

    def compute_output_shape(self, input_shape: Any) -> Any:
        shape = tuple(input_shape)
        self._check_shape(shape)
        units = self._output_size()
        out = (shape[0], shape[1], units) if self.return_sequences else (shape[0], units)
        if self.return_state:
            return [out] + [(shape[0], s) for s in self._state_sizes()]
        return out

    def _initial_states(self, x: Tensor, initial_state: Any) -> List[Tensor]:
        sizes = self._state_sizes()
        batch = x.shape[0]
        if initial_state is None:
            return [Tensor(np.zeros((batch, s), dtype=x.data.dtype)) for s in sizes]
        states = list(initial_state) if isinstance(initial_state, (list, tuple)) else [initial_state]
        if len(states) != len(sizes):
            raise ValueError(f"Layer '{self.name}' ({type(self).__name__}) expects {len(sizes)} initial "
                             f"state(s), got {len(states)}")
        out = []
        for s, size in zip(states, sizes):
            t = self._convert_input(s)
            if tuple(t.shape) != (batch, size):
                raise ValueError(f"Layer '{self.name}' ({type(self).__name__}): an initial state must have shape "
                                 f"{(batch, size)}, got {tuple(t.shape)}")
            out.append(t)
        return out

    def _mask_array(self, mask: Any, shape: tuple) -> Optional[np.ndarray]:
        if isinstance(mask, (list, tuple)):  # a mask per input: the timesteps are those of the first
            mask = mask[0] if mask else None
        return mask_array(f"Layer '{self.name}' ({type(self).__name__})", mask, "mask",
                          shape=shape[:2])

    def compute_mask(self, inputs: Any, mask: Any = None) -> Any:
        """The output mask: the input's `(batch, timesteps)` mask with `return_sequences`, else None
        (and None for each state with `return_state`).

        Args:
            inputs: the layer's input.
            mask: the input's mask (a list: its first entry).

        Returns:
            The mask, None, or a list `[output mask] + [None] * number of states`.
        """
        if isinstance(mask, (list, tuple)):
            mask = mask[0] if mask else None
        out = mask if self.return_sequences else None
        if self.return_state:
            return [out] + [None] * len(self._state_sizes())
        return out

    def _loop(self, x: Tensor, states: List[Tensor], mask: Optional[np.ndarray], training: Any) -> tuple:
        """Step the cell with numnet.ops (custom cells and non-fusable activations)."""
        outputs = []
        single = not isinstance(self.cell.state_size, (list, tuple))
        for t in range(x.shape[1]):
            y, new = self.cell(x[:, t], states[0] if single else list(states), training=training)
            new = [new] if single and not isinstance(new, (list, tuple)) else list(new)
            if mask is not None:
                m = Tensor(mask[:, t, None])
                y = ops.where(m, y, states[0])
                new = [ops.where(m, n, s) for n, s in zip(new, states)]
            outputs.append(y)
            states = new
        return ops.stack(outputs, axis=1), states

    def call(self, inputs: Tensor, initial_state: Any = None, mask: Any = None, training: Any = False) -> Any:
        shape = tuple(inputs.shape)
        self._check_shape(shape)
        if shape[1] == 0:
            raise ValueError(f"Layer '{self.name}' ({type(self).__name__}) needs at least one timestep, "
                             f"got input shape {shape}")
        m = self._mask_array(mask, shape)
        states = self._initial_states(inputs, initial_state)
        x = inputs
        if self.go_backwards:
            x = ops.flip(x, axis=1)
            m = None if m is None else m[:, ::-1].copy()
        if isinstance(self.cell, _BUILTIN_CELLS) and self.cell._fusable():
            seq, states = self.cell._sequence(x, states, m, training)
        else:
            seq, states = self._loop(x, states, m, training)
        if m is not None and self.zero_output_for_mask:
            seq = seq * Tensor(m[:, :, None].astype(seq.data.dtype))
        out = seq if self.return_sequences else seq[:, -1]
        if self.return_state:
            return [out] + list(states)
        return out

    def get_config(self) -> Dict[str, Any]:
        config = super().get_config()
        config.update({
            "return_sequences": self.return_sequences,
            "return_state": self.return_state,
            "go_backwards": self.go_backwards,
            "stateful": self.stateful,
            "unroll": self.unroll,
            "zero_output_for_mask": self.zero_output_for_mask,
        })
        if type(self) is RNN:
            from numnet.utils import serialization

            config["cell"] = serialization.serialize(self.cell)
        return config

    @classmethod
    def from_config(cls, config: Dict[str, Any]) -> "RNN":
        """Build the layer from `get_config()`'s output (the cell is rebuilt from its config)."""
        config = dict(config)
        if cls is RNN and isinstance(config.get("cell"), dict):
            from numnet.layers import deserialize

            config["cell"] = deserialize(config["cell"])
        return cls(**config)


_CELL_ARGS = ("units", "activation", "recurrent_activation", "use_bias", "kernel_initializer",
              "recurrent_initializer", "bias_initializer", "unit_forget_bias", "kernel_regularizer",
              "recurrent_regularizer", "bias_regularizer", "kernel_constraint", "recurrent_constraint",
              "bias_constraint", "dropout", "recurrent_dropout", "reset_after", "seed")
# The arguments of SimpleRNN/LSTM/GRU that belong to the layer, not to its cell.
_RNN_LAYER_ARGS = ("return_sequences", "return_state", "go_backwards", "stateful", "unroll", "activity_regularizer")


class _CellRNN(RNN):
    """SimpleRNN/LSTM/GRU: an `RNN` that makes its own cell from the constructor arguments."""

    _cell_class: type = SimpleRNNCell

    def _make_from_arguments(self, arguments: Dict[str, Any]) -> None:
        """`_make` from a subclass constructor's `locals()`: the layer's own arguments
        (`_RNN_LAYER_ARGS`) and `**kwargs` go to the layer, every other one to the cell."""
        cell_kwargs = {k: v for k, v in arguments.items() if k not in _RNN_LAYER_ARGS + ("self", "kwargs")}
        self._make(cell_kwargs, dict(arguments["kwargs"], **{k: arguments[k] for k in _RNN_LAYER_ARGS}))

    def _make(self, cell_kwargs: Dict[str, Any], kwargs: Dict[str, Any]) -> None:
        for name in ("implementation", "use_cudnn", "time_major"):
            kwargs.pop(name, None)
        activity_regularizer = kwargs.pop("activity_regularizer", None)
        label = layer_label(self, kwargs)
        try:
            cell = self._cell_class(**cell_kwargs, name=_cell_name(type(self).__name__), dtype=kwargs.get("dtype"))
        except ValueError as exc:
            raise ValueError(f"{label}: {str(exc).split(': ', 1)[-1]}") from None
        super().__init__(cell, activity_regularizer=activity_regularizer, **kwargs)

    def get_config(self) -> Dict[str, Any]:
        config = super().get_config()
        cell_config = self.cell.get_config()
        for name in _CELL_ARGS:
            if name in cell_config:
                config[name] = cell_config[name]
        config["activity_regularizer"] = regularizers.serialize(self.activity_regularizer)
        return config


def _cell_name(layer_class: str) -> str:
    """The name Keras gives a layer's cell: `lstm_cell`, `gru_cell`, `simple_rnn_cell`."""
    from numnet.utils.naming import to_snake_case

    return to_snake_case(layer_class) + "_cell"


def _delegate(name: str) -> property:
    return property(lambda self: getattr(self.cell, name), doc=f"The cell's `{name}`.")


for _attr in _CELL_ARGS + ("kernel", "recurrent_kernel", "bias"):
    setattr(_CellRNN, _attr, _delegate(_attr))


class SimpleRNN(_CellRNN):
    """Fully connected RNN whose output is fed back as its input (`keras.layers.SimpleRNN`).

    Weights (in the cell `simple_rnn_cell`): `kernel` `(features, units)`, `recurrent_kernel`
    `(units, units)`, `bias` `(units,)`.

    Args:
        units: size of the output.
        activation: activation (default tanh).
        use_bias: whether to add a bias.
        kernel_initializer: initializer of `kernel`.
        recurrent_initializer: initializer of `recurrent_kernel`.
        bias_initializer: initializer of `bias`.
        kernel_regularizer: penalty on `kernel`.
        recurrent_regularizer: penalty on `recurrent_kernel`.
        bias_regularizer: penalty on `bias`.
        activity_regularizer: penalty on the output.
        kernel_constraint: callable applied to `kernel` after each update.
        recurrent_constraint: callable applied to `recurrent_kernel` after each update.
        bias_constraint: callable applied to `bias` after each update.
        dropout: fraction of the inputs dropped during training.
        recurrent_dropout: fraction of the recurrent state dropped during training.
        return_sequences: return every step's output instead of the last.
        return_state: also return the final state.
        go_backwards: process the sequence in reverse.
        stateful: not supported (must be False).
        unroll: ignored (numnet always loops).
        seed: int seed of the dropout masks.
        **kwargs: base `Layer` arguments.

    Raises:
        ValueError: bad arguments; at call, inputs that are not `(batch, timesteps, features)`.
    """

    _cell_class = SimpleRNNCell

    def __init__(self, units: int, activation: Any = "tanh", use_bias: bool = True,
                 kernel_initializer: Any = "glorot_uniform", recurrent_initializer: Any = "orthogonal",
                 bias_initializer: Any = "zeros", kernel_regularizer: Any = None, recurrent_regularizer: Any = None,
                 bias_regularizer: Any = None, activity_regularizer: Any = None, kernel_constraint: Any = None,
                 recurrent_constraint: Any = None, bias_constraint: Any = None, dropout: float = 0.0,
                 recurrent_dropout: float = 0.0, return_sequences: bool = False, return_state: bool = False,
                 go_backwards: bool = False, stateful: bool = False, unroll: bool = False,
                 seed: Optional[int] = None, **kwargs: Any) -> None:
        self._make_from_arguments(locals())


class LSTM(_CellRNN):
    """Long Short-Term Memory layer (`keras.layers.LSTM`, Hochreiter 1997).

    Weights (in the cell `lstm_cell`): `kernel` `(features, 4 * units)`, `recurrent_kernel`
    `(units, 4 * units)`, `bias` `(4 * units,)`, gates in the order i, f, c, o. With
    `return_state=True` the call returns `[output, h, c]`.

    Args:
        units: size of the output.
        activation: activation of the candidate and cell state (default tanh).
        recurrent_activation: activation of the gates (default sigmoid).
        use_bias: whether to add a bias.
        kernel_initializer: initializer of `kernel`.
        recurrent_initializer: initializer of `recurrent_kernel`.
        bias_initializer: initializer of `bias`.
        unit_forget_bias: start the forget-gate bias at 1.
        kernel_regularizer: penalty on `kernel`.
        recurrent_regularizer: penalty on `recurrent_kernel`.
        bias_regularizer: penalty on `bias`.
        activity_regularizer: penalty on the output.
        kernel_constraint: callable applied to `kernel` after each update.
        recurrent_constraint: callable applied to `recurrent_kernel` after each update.
        bias_constraint: callable applied to `bias` after each update.
        dropout: fraction of the inputs dropped during training.
        recurrent_dropout: fraction of the recurrent state dropped during training.
        seed: int seed of the dropout masks.
        return_sequences: return every step's output instead of the last.
        return_state: also return the final states h and c.
        go_backwards: process the sequence in reverse.
        stateful: not supported (must be False).
        unroll: ignored (numnet always loops).
        **kwargs: base `Layer` arguments (`use_cudnn` and `implementation` are accepted and ignored).

    Raises:
        ValueError: bad arguments; at call, inputs that are not `(batch, timesteps, features)`.
    """

    _cell_class = LSTMCell

    def __init__(self, units: int, activation: Any = "tanh", recurrent_activation: Any = "sigmoid",
                 use_bias: bool = True, kernel_initializer: Any = "glorot_uniform",
                 recurrent_initializer: Any = "orthogonal", bias_initializer: Any = "zeros",
                 unit_forget_bias: bool = True, kernel_regularizer: Any = None, recurrent_regularizer: Any = None,
                 bias_regularizer: Any = None, activity_regularizer: Any = None, kernel_constraint: Any = None,
                 recurrent_constraint: Any = None, bias_constraint: Any = None, dropout: float = 0.0,
                 recurrent_dropout: float = 0.0, seed: Optional[int] = None, return_sequences: bool = False,
                 return_state: bool = False, go_backwards: bool = False, stateful: bool = False,
                 unroll: bool = False, **kwargs: Any) -> None:
        self._make_from_arguments(locals())


class GRU(_CellRNN):
    """Gated Recurrent Unit layer (`keras.layers.GRU`, Cho et al. 2014).

    Weights (in the cell `gru_cell`): `kernel` `(features, 3 * units)`, `recurrent_kernel`
    `(units, 3 * units)`, `bias` `(2, 3 * units)` with `reset_after=True` (Keras 3's default) or
    `(3 * units,)`; gates in the order z, r, h.

    Args:
        units: size of the output.
        activation: activation of the candidate (default tanh).
        recurrent_activation: activation of the gates (default sigmoid).
        use_bias: whether to use biases.
        kernel_initializer: initializer of `kernel`.
        recurrent_initializer: initializer of `recurrent_kernel`.
        bias_initializer: initializer of `bias`.
        kernel_regularizer: penalty on `kernel`.
        recurrent_regularizer: penalty on `recurrent_kernel`.
        bias_regularizer: penalty on `bias`.
        activity_regularizer: penalty on the output.
        kernel_constraint: callable applied to `kernel` after each update.
        recurrent_constraint: callable applied to `recurrent_kernel` after each update.
        bias_constraint: callable applied to `bias` after each update.
        dropout: fraction of the inputs dropped during training.
        recurrent_dropout: fraction of the recurrent state dropped during training.
        seed: int seed of the dropout masks.
        return_sequences: return every step's output instead of the last.
        return_state: also return the final state.
        go_backwards: process the sequence in reverse.
        stateful: not supported (must be False).
        unroll: ignored (numnet always loops).
        reset_after: reset gate after (True) or before (False) the recurrent product.
        **kwargs: base `Layer` arguments (`use_cudnn` and `implementation` are accepted and ignored).

    Raises:
        ValueError: bad arguments; at call, inputs that are not `(batch, timesteps, features)`.
    """

    _cell_class = GRUCell

    def __init__(self, units: int, activation: Any = "tanh", recurrent_activation: Any = "sigmoid",
                 use_bias: bool = True, kernel_initializer: Any = "glorot_uniform",
                 recurrent_initializer: Any = "orthogonal", bias_initializer: Any = "zeros",
                 kernel_regularizer: Any = None, recurrent_regularizer: Any = None, bias_regularizer: Any = None,
                 activity_regularizer: Any = None, kernel_constraint: Any = None, recurrent_constraint: Any = None,
                 bias_constraint: Any = None, dropout: float = 0.0, recurrent_dropout: float = 0.0,
                 seed: Optional[int] = None, return_sequences: bool = False, return_state: bool = False,
                 go_backwards: bool = False, stateful: bool = False, unroll: bool = False,
                 reset_after: bool = True, **kwargs: Any) -> None:
        self._make_from_arguments(locals())


# ----- Bidirectional -------------------------------------------------------------------------------
_MERGE_MODES = ("concat", "sum", "ave", "mul", None)


class Bidirectional(Layer):
    """Runs a recurrent layer forwards and a copy of it backwards and merges the two outputs.

    The wrapped layer is copied from its config into `forward_layer` (named `forward_<name>`)
    and `backward_layer` (`backward_<name>`, `go_backwards` flipped), as Keras does; with
    `return_sequences` the backward outputs are reversed back to the input's time order.

    Args:
        layer: an `RNN` layer (SimpleRNN, LSTM, GRU or RNN).
        merge_mode: "concat" (default), "sum", "ave", "mul", or None (return a list of both).
        weights: optional initial weights (forward layer's, then backward layer's).
        backward_layer: optional explicit backward layer (must have `go_backwards=True`
            relative to `layer` and the same `return_sequences`/`return_state`).
        **kwargs: base `Layer` arguments.

    As in Keras, both copies output zeros at masked steps when they return sequences
    (`zero_output_for_mask = return_sequences`), and the output carries the input's mask when
    `return_sequences` (one per output with `merge_mode=None`).

    Raises:
        ValueError: `layer` is not a recurrent layer, an unknown `merge_mode`, or a mismatched
            `backward_layer`.
    """

    _supports_masking = True

    def __init__(self, layer: Any, merge_mode: Optional[str] = "concat", weights: Any = None,
                 backward_layer: Any = None, **kwargs: Any) -> None:
        owner = layer_label(self, kwargs)
        if not isinstance(layer, RNN):
            raise ValueError(f"{owner}: layer must be a recurrent layer (SimpleRNN, LSTM, GRU or RNN), got {layer!r}")
        if merge_mode not in _MERGE_MODES:
            raise ValueError(f"{owner}: merge_mode must be one of {_MERGE_MODES}, got merge_mode={merge_mode!r}")
        if backward_layer is not None and not isinstance(backward_layer, RNN):
            raise ValueError(f"{owner}: backward_layer must be a recurrent layer, got {backward_layer!r}")
        if backward_layer is not None and (backward_layer.return_sequences != layer.return_sequences
                                           or backward_layer.return_state != layer.return_state
                                           or backward_layer.go_backwards == layer.go_backwards):
            raise ValueError(f"{owner}: backward_layer must have the same return_sequences and return_state as "
                             f"layer and the opposite go_backwards")
        super().__init__(**kwargs)
        self.forward_layer = self._copy(layer, f"forward_{layer.name}", layer.go_backwards)
        if backward_layer is None:
            self.backward_layer = self._copy(layer, f"backward_{layer.name}", not layer.go_backwards)
        else:
            self.backward_layer = backward_layer
        for sub in (self.forward_layer, self.backward_layer):
            sub.zero_output_for_mask = sub.return_sequences
        self._layer_config = self._serialize(layer)
        self._backward_config = None if backward_layer is None else self._serialize(backward_layer)
        self.merge_mode = merge_mode
        self.return_sequences = layer.return_sequences
        self.return_state = layer.return_state
        self._initial_weights = weights

    @staticmethod
    def _serialize(layer: Layer) -> Dict[str, Any]:
        from numnet.utils import serialization

        return serialization.serialize(layer)

    @staticmethod
    def _copy(layer: RNN, name: str, go_backwards: bool) -> RNN:
        config = layer.get_config()
        config.update(name=name, go_backwards=go_backwards)
        return type(layer).from_config(config)

    def build(self, input_shape: Any) -> None:
        self.forward_layer._maybe_build(tuple(input_shape))
        self.backward_layer._maybe_build(tuple(input_shape))
        if self._initial_weights is not None:
            self.set_weights(self._initial_weights)
            self._initial_weights = None
        self.built = True

    def _merge(self, y_f: Any, y_b: Any) -> Any:
        if self.merge_mode == "concat":
            return ops.concatenate([y_f, y_b], axis=-1)
        if self.merge_mode == "sum":
            return y_f + y_b
        if self.merge_mode == "ave":
            return (y_f + y_b) * 0.5
        if self.merge_mode == "mul":
            return y_f * y_b
        return [y_f, y_b]

    def compute_output_shape(self, input_shape: Any) -> Any:
        out = self.forward_layer.compute_output_shape(tuple(input_shape))
        states: list = []
        if self.return_state:
            out, states = out[0], list(out[1:])
        if self.merge_mode == "concat":
            out = tuple(out[:-1]) + (out[-1] * 2,)
        outputs = [out, out] if self.merge_mode is None else [out]
        if self.return_state:
            return outputs + states + states
        return outputs if self.merge_mode is None else out

    def call(self, inputs: Tensor, initial_state: Any = None, mask: Any = None, training: Any = False) -> Any:
        init_f = init_b = None
        if initial_state is not None:
            states = list(initial_state)
            half = len(states) // 2
            init_f, init_b = states[:half], states[half:]
        y_f = self.forward_layer(inputs, initial_state=init_f, mask=mask, training=training)
        y_b = self.backward_layer(inputs, initial_state=init_b, mask=mask, training=training)
        s_f = s_b = []
        if self.return_state:
            y_f, s_f = y_f[0], list(y_f[1:])
            y_b, s_b = y_b[0], list(y_b[1:])
        if self.return_sequences:
            y_b = ops.flip(y_b, axis=1)
        out = self._merge(y_f, y_b)
        if self.return_state:
            return (out if isinstance(out, list) else [out]) + s_f + s_b
        return out

    def compute_mask(self, inputs: Any, mask: Any = None) -> Any:
        """The output mask: the input's with `return_sequences` (twice with `merge_mode=None`), else
        None; None for each state with `return_state`.

        Args:
            inputs: the layer's input.
            mask: the input's mask (a list: its first entry).

        Returns:
            The mask, None, or a list of them (one per output).
        """
        if isinstance(mask, (list, tuple)):
            mask = mask[0] if mask else None
        if self.return_sequences:
            out: Any = [mask, mask] if self.merge_mode is None else mask
        else:
            out = [None, None] if self.merge_mode is None else None
        if self.return_state:
            n = len(self.forward_layer._state_sizes())
            return (out if isinstance(out, list) else [out]) + [None] * (2 * n)
        return out

    def get_config(self) -> Dict[str, Any]:
        config = super().get_config()
        config["layer"] = self._layer_config
        config["merge_mode"] = self.merge_mode
        if self._backward_config is not None:
            config["backward_layer"] = self._backward_config
        return config

    @classmethod
    def from_config(cls, config: Dict[str, Any]) -> "Bidirectional":
        """Build the wrapper from `get_config()`'s output (the wrapped layers are rebuilt)."""
        from numnet.layers import deserialize

        config = dict(config)
        config["layer"] = deserialize(config["layer"])
        if isinstance(config.get("backward_layer"), dict):
            config["backward_layer"] = deserialize(config["backward_layer"])
        return cls(**config)
