"""Attention layers: MultiHeadAttention (Vaswani et al. 2017) and Attention (Luong dot-product)."""
from __future__ import annotations

import math
from typing import Any, Dict, List, Optional

import numpy as np

from numnet import initializers, ops, regularizers
from numnet.autograd.masking import get_keras_mask, set_keras_mask
from numnet.autograd.tensor import Tensor
from numnet.layers._layer_utils import get_constraint, layer_label, lookup, serialize_constraint
from numnet.layers.einsum_dense import EinsumDense
from numnet.layers.layer import Layer
from numnet.layers.symbolic import Node, SymbolicTensor
from numnet.utils.random import make_rng

__all__ = ["MultiHeadAttention", "Attention"]

_LARGE_NEGATIVE = -1e9  # what Keras's masked softmax puts at masked positions (float32/64)


def _bool_array(owner: str, name: str, value: Any) -> Optional[np.ndarray]:
    if value is None:
        return None
    arr = np.asarray(getattr(value, "data", value))
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"{owner}: {name} must be a boolean (or 0/1) array, got dtype {arr.dtype}")
    return arr > 0.5 if arr.dtype.kind == "f" else arr.astype(bool)


def _masked_softmax(scores: Tensor, mask: Optional[np.ndarray], zero_masked: bool = True) -> Tensor:
    """Keras's `Softmax` with a mask: masked scores become -1e9, masked outputs 0.

    With `zero_masked=False` the masked outputs are left as the softmax gives them, as Keras's
    fused `dot_product_attention` path does: a query that may attend to no key then attends
    to every key equally."""
    if mask is None:
        return ops.softmax(scores, axis=-1)
    dtype = scores.data.dtype
    keep = Tensor(np.broadcast_to(mask, scores.shape).astype(dtype))
    filled = scores * keep + Tensor(np.where(np.broadcast_to(mask, scores.shape), 0, _LARGE_NEGATIVE).astype(dtype))
    probs = ops.softmax(filled, axis=-1)
    return probs * keep if zero_masked else probs


def _causal(t_q: int, t_v: int) -> np.ndarray:
    """`(t_q, t_v)` lower-triangular mask: query i sees keys j <= i."""
    return np.arange(t_q)[:, None] >= np.arange(t_v)[None, :]


class MultiHeadAttention(Layer):
    """Multi-head scaled dot-product attention (`keras.layers.MultiHeadAttention`).

    Projects query, key and value with `EinsumDense` sublayers `query_dense`, `key_dense`,
    `value_dense` (kernels `(dim, num_heads, key_dim)`, biases `(num_heads, key_dim)`; value
    with `value_dim`), computes `softmax(q k^T / sqrt(key_dim))` per head, applies it to the
    values and projects the heads back with `output_dense` (kernel `(num_heads, value_dim, dim)`,
    bias `(dim,)`). Inputs are `(batch, timesteps, features)`; weights are created on the first
    call (from the query, value and key shapes), in Keras's order.

    Masks, as in Keras 3: the masks the query, value and key carry (e.g. from
    `Embedding(mask_zero=True)`) are combined with `attention_mask` and the causal mask (a query
    step attends only to unmasked value steps; masked query steps give probabilities of 0); the
    output carries the query's mask; and the masks are removed from the input tensors during
    the call (Keras handles them inside the layer), so a later layer reading the same input
    tensor sees no mask. `value_mask`/`key_mask` (`(batch, S)`) may also be passed explicitly.

    Args:
        num_heads: number of attention heads.
        key_dim: size of each head for query and key.
        value_dim: size of each head for value (default `key_dim`).
        dropout: dropout rate on the attention probabilities (training only).
        use_bias: whether the projections have biases.
        output_shape: size (int or tuple) of the output's last axes (default: the query's
            feature size).
        attention_axes: None (attention over the time axis); `(1,)` is accepted as the same.
        kernel_initializer: initializer of the projection kernels.
        bias_initializer: initializer of the projection biases.
        kernel_regularizer: penalty on the kernels.
        bias_regularizer: penalty on the biases.
        activity_regularizer: penalty on the output.
        kernel_constraint: callable applied to the kernels after each update.
        bias_constraint: callable applied to the biases after each update.
        seed: int seed of the attention dropout (None: numnet's global generator).
        **kwargs: base `Layer` arguments.

    Raises:
        ValueError: bad sizes or rates, `attention_axes` other than None / `(1,)`; at call,
            inputs that are not rank 3, mismatched batch sizes or mask shapes.
    """

    _supports_masking = True

    def __init__(self, num_heads: int, key_dim: int, value_dim: Optional[int] = None, dropout: float = 0.0,
                 use_bias: bool = True, output_shape: Any = None, attention_axes: Any = None,
                 kernel_initializer: Any = "glorot_uniform", bias_initializer: Any = "zeros",
                 kernel_regularizer: Any = None, bias_regularizer: Any = None, activity_regularizer: Any = None,
                 kernel_constraint: Any = None, bias_constraint: Any = None, seed: Optional[int] = None,
                 **kwargs: Any) -> None:
        owner = layer_label(self, kwargs)
        for name, v in (("num_heads", num_heads), ("key_dim", key_dim), ("value_dim", value_dim)):
            if v is None and name == "value_dim":
                continue
            if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v <= 0:
                raise ValueError(f"{owner}: {name} must be a positive int, got {name}={v!r}")
        if isinstance(dropout, bool) or not isinstance(dropout, (int, float)) or not 0.0 <= dropout < 1.0:
            raise ValueError(f"{owner}: dropout must be a float in [0, 1), got dropout={dropout!r}")
        axes = attention_axes
        if isinstance(axes, (int, np.integer)) and not isinstance(axes, bool):
            axes = (int(axes),)
        if axes is not None and tuple(axes) not in ((1,), (-2,)):
            raise ValueError(f"{owner}: attention_axes={attention_axes!r} is not supported by numnet: only None "
                             f"(attention over the time axis of (batch, timesteps, features) inputs)")
        for name in ("sliding_window", "flash_attention", "use_gate"):
            value = kwargs.pop(name, None)
            if value:
                raise ValueError(f"{owner}: {name}={value!r} is not supported by numnet")
        if output_shape is not None and not isinstance(output_shape, (int, np.integer)):
            output_shape = tuple(int(d) for d in output_shape)
        self.kernel_initializer = lookup(initializers.get, kernel_initializer, owner, "kernel_initializer")
        self.bias_initializer = lookup(initializers.get, bias_initializer, owner, "bias_initializer")
        self.kernel_regularizer = lookup(regularizers.get, kernel_regularizer, owner, "kernel_regularizer")
        self.bias_regularizer = lookup(regularizers.get, bias_regularizer, owner, "bias_regularizer")
        self.kernel_constraint = get_constraint(kernel_constraint, "MultiHeadAttention", "kernel_constraint")
        self.bias_constraint = get_constraint(bias_constraint, "MultiHeadAttention", "bias_constraint")
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, (int, np.integer))):
            raise ValueError(f"{owner}: seed must be None or an int, got seed={seed!r}")
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        self.num_heads = int(num_heads)
        self.key_dim = int(key_dim)
        self.value_dim = int(value_dim) if value_dim is not None else self.key_dim
        self.dropout = float(dropout)
        self.use_bias = bool(use_bias)
        self.output_shape_arg = output_shape
        self.attention_axes = None if axes is None else (1,)
        self.seed = None if seed is None else int(seed)
        self._rng = None if self.seed is None else make_rng(self.seed)
        self._shapes: Optional[tuple] = None
        self.query_dense = self.key_dense = self.value_dense = self.output_dense = None

    # ----- building ----------------------------------------------------------------------------
    def _dense(self, equation: str, output_shape: Any, bias_axes: str, name: str) -> EinsumDense:
        return EinsumDense(equation, output_shape, bias_axes=bias_axes if self.use_bias else None,
                           kernel_initializer=self.kernel_initializer, bias_initializer=self.bias_initializer,
                           kernel_regularizer=self.kernel_regularizer, bias_regularizer=self.bias_regularizer,
                           kernel_constraint=self.kernel_constraint, bias_constraint=self.bias_constraint,
                           name=name, dtype=self.dtype)

    def _check(self, name: str, shape: tuple) -> None:
        if len(shape) != 3:
            raise ValueError(f"Layer '{self.name}' (MultiHeadAttention) expects {name} of shape "
                             f"(batch, timesteps, features) (rank 3), got {name} shape {shape}")

    def build(self, query_shape: Any, value_shape: Any = None, key_shape: Any = None) -> None:
        """Create the four projections for these input shapes (value/key default to the query's).

        Args:
            query_shape: `(batch, T, dim)` of the query.
            value_shape: `(batch, S, dim_v)` of the value.
            key_shape: `(batch, S, dim_k)` of the key (default `value_shape`).
        """
        if value_shape is None:  # called by __call__ with the query alone: wait for the first call
            self.built = True
            return
        q, v = tuple(query_shape), tuple(value_shape)
        k = v if key_shape is None else tuple(key_shape)
        for name, s in (("query", q), ("value", v), ("key", k)):
            self._check(name, s)
        if self._shapes is not None:
            return
        h, kd, vd = self.num_heads, self.key_dim, self.value_dim
        self.query_dense = self._dense("abc,cde->abde", (None, h, kd), "de", "query")
        self.query_dense._maybe_build(q)
        self.key_dense = self._dense("abc,cde->abde", (None, h, kd), "de", "key")
        self.key_dense._maybe_build(k)
        self.value_dense = self._dense("abc,cde->abde", (None, h, vd), "de", "value")
        self.value_dense._maybe_build(v)
        out = self.output_shape_arg
        out = (q[-1],) if out is None else ((int(out),) if isinstance(out, (int, np.integer)) else tuple(out))
        letters = "efghij"[:len(out)]
        self.output_dense = self._dense(f"abcd,cd{letters}->ab{letters}", (None,) + out, letters,
                                        "attention_output")
        self.output_dense._maybe_build(q[:2] + (h, vd))
        self._shapes = (q[-1], v[-1], k[-1])
        self.built = True

    def _output_tail(self, query_dim: int) -> tuple:
        out = self.output_shape_arg
        if out is None:
            return (query_dim,)
        return (int(out),) if isinstance(out, (int, np.integer)) else tuple(out)

    def compute_output_shape(self, query_shape: Any, value_shape: Any = None, key_shape: Any = None) -> tuple:
        """Shape of the attention output for these input shapes.

        Args:
            query_shape: `(batch, T, dim)`.
            value_shape: `(batch, S, dim_v)` (unused: the output follows the query).
            key_shape: unused.

        Returns:
            `(batch, T) + output_shape` (default `(batch, T, dim)`).
        """
        q = tuple(query_shape)
        self._check("query", q)
        return q[:2] + self._output_tail(q[-1])

    # ----- calling -----------------------------------------------------------------------------------
    @staticmethod
    def _args(args: tuple, kwargs: Dict[str, Any]) -> tuple:
        query = args[0]
        value = args[1] if len(args) > 1 else kwargs.get("value")
        key = args[2] if len(args) > 2 else kwargs.get("key")
        return query, value, key

    def _symbolic_call(self, args: tuple, kwargs: Dict[str, Any]) -> Any:
        query, value, key = self._args(args, kwargs)
        if value is None:
            raise ValueError(f"Layer '{self.name}' (MultiHeadAttention) needs a value: call(query, value)")
        shape = lambda t: tuple(t.shape)  # noqa: E731
        self.build(shape(query), shape(value), None if key is None else shape(key))
        out = SymbolicTensor(self.compute_output_shape(shape(query)), dtype=self.dtype)
        outputs: Any = out
        if kwargs.get("return_attention_scores"):
            q, v = shape(query), shape(value)
            outputs = [out, SymbolicTensor((q[0], self.num_heads, q[1], v[1]), dtype=self.dtype)]
        Node(self, args, kwargs, outputs)
        return outputs

    def _attention_mask(self, q_shape: tuple, v_shape: tuple, attention_mask: Any, query_mask: Any,
                        value_mask: Any, key_mask: Any, use_causal_mask: bool) -> Optional[np.ndarray]:
        """The combined boolean mask, broadcastable to `(batch, T, S)` (Keras: query/value/key masks, causal,
        explicit), in the shape Keras gives it (e.g. `(batch, T, 1)` from a query mask alone)."""
        owner = f"Layer '{self.name}' (MultiHeadAttention)"
        b, t_q, t_v = q_shape[0], q_shape[1], v_shape[1]
        mask = None

        def both(m: Optional[np.ndarray], new: np.ndarray) -> np.ndarray:
            return new if m is None else np.logical_and(m, new)

        for name, value, view in (("query_mask", query_mask, (b, t_q, 1)), ("value_mask", value_mask, (b, 1, t_v)),
                                  ("key_mask", key_mask, (b, 1, t_v))):
            arr = _bool_array(owner, name, value)
            if arr is not None:
                if arr.shape != (view[0], max(view[1], view[2])):
                    raise ValueError(f"{owner}: {name} must have shape {(view[0], max(view[1], view[2]))}, "
                                     f"got {arr.shape}")
                mask = both(mask, arr.reshape(view))
        if use_causal_mask:
            mask = both(mask, _causal(t_q, t_v)[None])
        arr = _bool_array(owner, "attention_mask", attention_mask)
        if arr is not None:
            try:
                np.broadcast_to(arr, (b, t_q, t_v))
            except ValueError:
                raise ValueError(f"{owner}: attention_mask must broadcast to (batch, T, S) = {(b, t_q, t_v)}, "
                                 f"got shape {arr.shape}") from None
            mask = both(arr, mask) if mask is not None else arr
        return mask

    def call(self, query: Tensor, value: Any = None, key: Any = None, query_mask: Any = None,
             value_mask: Any = None, key_mask: Any = None, attention_mask: Any = None,
             return_attention_scores: bool = False, training: Any = None, use_causal_mask: bool = False) -> Any:
        if value is None:
            raise ValueError(f"Layer '{self.name}' (MultiHeadAttention) needs a value: call(query, value)")
        value = self._convert_input(value)
        key = value if key is None else self._convert_input(key)
        q_shape, v_shape, k_shape = tuple(query.shape), tuple(value.shape), tuple(key.shape)
        self.build(q_shape, v_shape, k_shape)
        if not (q_shape[0] == v_shape[0] == k_shape[0]) or v_shape[1] != k_shape[1]:
            raise ValueError(f"Layer '{self.name}' (MultiHeadAttention): query, value and key must share the batch "
                             f"size and value/key the length; got shapes {q_shape}, {v_shape}, {k_shape}")
        for name, s, built in (("query", q_shape, self._shapes[0]), ("value", v_shape, self._shapes[1]),
                               ("key", k_shape, self._shapes[2])):
            if s[-1] != built:
                raise ValueError(f"Layer '{self.name}' (MultiHeadAttention) was built for {name} features "
                                 f"{built}, got {name} shape {s}")
        # Keras reads the query's mask from the query itself and takes the masks off the inputs
        query_mask = get_keras_mask(query)
        for t in (query, value, key):
            set_keras_mask(t, None)
        raw_mask = self._attention_mask(q_shape, v_shape, attention_mask, query_mask, value_mask, key_mask,
                                        use_causal_mask)
        mask = None if raw_mask is None else np.broadcast_to(raw_mask, (q_shape[0], q_shape[1], v_shape[1]))
        q = self.query_dense(query)  # (B, T, H, kd)
        k = self.key_dense(key)  # (B, S, H, kd)
        v = self.value_dense(value)  # (B, S, H, vd)
        q = q * (1.0 / math.sqrt(float(self.key_dim)))
        scores = ops.matmul(ops.transpose(q, (0, 2, 1, 3)), ops.transpose(k, (0, 2, 3, 1)))  # (B, H, T, S)
        # Keras takes its fused attention kernel when there is no dropout and no scores are asked for
        fused = self.dropout == 0 and not return_attention_scores
        probs = _masked_softmax(scores, None if mask is None else mask[:, None], zero_masked=not fused)
        if training and self.dropout > 0:
            probs_dropped = ops.dropout(probs, self.dropout, seed=self._rng)
        else:
            probs_dropped = probs
        context = ops.matmul(probs_dropped, ops.transpose(v, (0, 2, 1, 3)))  # (B, H, T, vd)
        out = self.output_dense(ops.transpose(context, (0, 2, 1, 3)))
        if query_mask is not None:
            set_keras_mask(out, query_mask)
        if return_attention_scores:
            if raw_mask is not None:  # Keras's inner Softmax layer passes its mask on to the scores
                scores_mask = raw_mask
                while scores_mask.ndim < 4:
                    scores_mask = np.expand_dims(scores_mask, -3)
                set_keras_mask(probs, scores_mask)
            return out, probs
        return out

    def get_config(self) -> Dict[str, Any]:
        config = super().get_config()
        out = self.output_shape_arg
        config.update({
            "num_heads": self.num_heads,
            "key_dim": self.key_dim,
            "value_dim": self.value_dim,
            "dropout": self.dropout,
            "use_bias": self.use_bias,
            "output_shape": list(out) if isinstance(out, tuple) else out,
            "attention_axes": None if self.attention_axes is None else list(self.attention_axes),
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
            "activity_regularizer": regularizers.serialize(self.activity_regularizer),
            "kernel_constraint": serialize_constraint(self.kernel_constraint),
            "bias_constraint": serialize_constraint(self.bias_constraint),
            "seed": self.seed,
        })
        return config


class Attention(Layer):
    """Dot-product (Luong-style) attention (`keras.layers.Attention`).

    `call([query, value])` or `call([query, value, key])` (key defaults to value) with shapes
    `(batch, Tq, dim)`, `(batch, Tv, dim)`: scores `query @ key^T` ("dot", times the trainable
    scalar `scale` when `use_scale`) or `concat_score_weight * sum(tanh(scale * (q + k)))`
    ("concat"), softmax over Tv, then `weights @ value`.

    Args:
        use_scale: learn a scalar `scale` (initialised to 1) multiplying the scores.
        score_mode: "dot" or "concat".
        dropout: dropout rate on the attention weights (training only).
        seed: int seed of the dropout (None: numnet's global generator).
        **kwargs: base `Layer` arguments.

    Call args:
        mask: a list `[query_mask, value_mask]` (or with a third, unused, key mask) of
            `(batch, Tq)` / `(batch, Tv)` boolean masks or None; filled from the inputs' own masks
            when not given. Masked value steps get no attention; masked query steps output 0, and
            the output carries the query mask.

    Raises:
        ValueError: an unknown `score_mode` or a bad rate; at call, not a list of 2 or 3 inputs,
            a mask that is not a list of 2 or 3, or masks of the wrong shape.
    """

    def __init__(self, use_scale: bool = False, score_mode: str = "dot", dropout: float = 0.0,
                 seed: Optional[int] = None, **kwargs: Any) -> None:
        owner = layer_label(self, kwargs)
        if score_mode not in ("dot", "concat"):
            raise ValueError(f"{owner}: score_mode must be 'dot' or 'concat', got score_mode={score_mode!r}")
        if isinstance(dropout, bool) or not isinstance(dropout, (int, float)) or not 0.0 <= dropout < 1.0:
            raise ValueError(f"{owner}: dropout must be a float in [0, 1), got dropout={dropout!r}")
        super().__init__(**kwargs)
        self.use_scale = bool(use_scale)
        self.score_mode = score_mode
        self.dropout = float(dropout)
        self.seed = None if seed is None else int(seed)
        self._rng = None if self.seed is None else make_rng(self.seed)
        self.scale = self.concat_score_weight = None

    def _validate(self, inputs: Any) -> List[Any]:
        if not isinstance(inputs, (list, tuple)) or len(inputs) not in (2, 3):
            raise ValueError(f"Layer '{self.name}' (Attention) expects a list [query, value] or [query, value, key], "
                             f"got {type(inputs).__name__}")
        return list(inputs)

    def _validate_mask(self, mask: Any) -> None:
        if mask is not None and (not isinstance(mask, (list, tuple)) or not 2 <= len(mask) <= 3):
            raise ValueError(f"Layer '{self.name}' (Attention): mask must be a list [query_mask, value_mask] "
                             f"(optionally with a key mask), got {type(mask).__name__}"
                             + (f" of length {len(mask)}" if isinstance(mask, (list, tuple)) else ""))

    def compute_mask(self, inputs: Any, mask: Any = None) -> Any:
        """The output mask: the query mask (`mask[0]`), or None.

        Args:
            inputs: `[query, value]` or `[query, value, key]`.
            mask: `[query_mask, value_mask(, key_mask)]` or None.

        Returns:
            The query mask as a Tensor, or None.

        Raises:
            ValueError: bad inputs or mask lists.
        """
        self._validate(inputs)
        self._validate_mask(mask)
        if mask is None or mask[0] is None:
            return None
        return mask[0] if isinstance(mask[0], (Tensor, SymbolicTensor)) else Tensor(np.asarray(mask[0]))

    def build(self, input_shape: Any) -> None:
        shapes = self._validate(input_shape)
        for s in shapes:
            if len(tuple(s)) != 3:
                raise ValueError(f"Layer '{self.name}' (Attention) expects inputs of shape (batch, T, dim), "
                                 f"got shapes {[tuple(x) for x in shapes]}")
        if self.use_scale:
            self.scale = self.add_weight(shape=(), initializer="ones", name="scale")
        if self.score_mode == "concat":
            self.concat_score_weight = self.add_weight(shape=(), initializer="ones", name="concat_score_weight")
        self.built = True

    def compute_output_shape(self, input_shape: Any) -> tuple:
        shapes = self._validate(input_shape)
        return tuple(shapes[0][:-1]) + (tuple(shapes[1])[-1],)

    def _scores(self, q: Tensor, k: Tensor) -> Tensor:
        if self.score_mode == "dot":
            scores = ops.matmul(q, ops.swapaxes(k, -2, -1))
            return scores * self.scale if self.scale is not None else scores
        s = ops.expand_dims(q, -2) + ops.expand_dims(k, -3)
        if self.scale is not None:
            s = self.scale * s
        return self.concat_score_weight * ops.sum(ops.tanh(s), axis=-1)

    def call(self, inputs: Any, mask: Any = None, training: Any = False, return_attention_scores: bool = False,
             use_causal_mask: bool = False) -> Any:
        q, v, *rest = self._validate(inputs)
        k = rest[0] if rest else v
        owner = f"Layer '{self.name}' (Attention)"
        q_mask = v_mask = None
        self._validate_mask(mask)
        if mask is not None:
            q_mask = _bool_array(owner, "mask[0]", mask[0])
            v_mask = _bool_array(owner, "mask[1]", mask[1])
            for name, m, t in (("query mask", q_mask, q), ("value mask", v_mask, v)):
                if m is not None and m.shape != tuple(t.shape[:2]):
                    raise ValueError(f"{owner}: the {name} must have shape {tuple(t.shape[:2])}, got {m.shape}")
        scores = self._scores(q, k)
        score_mask = None if v_mask is None else v_mask[:, None, :]
        if use_causal_mask:
            causal = _causal(scores.shape[-2], scores.shape[-1])[None]
            score_mask = causal if score_mask is None else np.logical_and(score_mask, causal)
        if score_mask is not None:
            pad = np.broadcast_to(~score_mask, scores.shape).astype(scores.data.dtype)
            scores = scores - Tensor(pad * scores.data.dtype.type(1e9))
        weights = ops.softmax(scores, axis=-1)
        used = ops.dropout(weights, self.dropout, seed=self._rng) if training and self.dropout > 0 else weights
        out = ops.matmul(used, v)
        if q_mask is not None:
            out = out * Tensor(q_mask[..., None].astype(out.data.dtype))
        if return_attention_scores:
            return out, weights
        return out

    def get_config(self) -> Dict[str, Any]:
        config = super().get_config()
        config.update({"use_scale": self.use_scale, "score_mode": self.score_mode, "dropout": self.dropout,
                       "seed": self.seed})
        return config
