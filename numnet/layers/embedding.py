"""Embedding: a lookup table from integer ids to dense vectors."""
from __future__ import annotations

from typing import Any, Dict, Optional

import numpy as np

from numnet import initializers, regularizers
from numnet.autograd.function import Function
from numnet.autograd.tensor import Tensor
from numnet.layers._layer_utils import (
    get_constraint, layer_label, lookup, pop_unsupported, reject_symbolic, serialize_constraint,
)
from numnet.layers.layer import Layer

__all__ = ["Embedding"]


class _Gather(Function):
    """`table[ids]` along axis 0; the gradient scatter-adds rows back into the table."""

    def forward(self, table, ids=None):
        self.ids, self.table_shape = ids, table.shape
        return table[ids]

    def backward(self, grad):
        full = np.zeros(self.table_shape, dtype=grad.dtype)
        np.add.at(full, self.ids.reshape(-1), grad.reshape(-1, self.table_shape[1]))
        return (full,)


class Embedding(Layer):
    """Maps non-negative integer ids to dense vectors of size `output_dim`.

    Args:
        input_dim: size of the vocabulary (ids are in `[0, input_dim)`).
        output_dim: size of each embedding vector.
        embeddings_initializer: initializer of the `(input_dim, output_dim)` table
            (default "uniform": RandomUniform(-0.05, 0.05)).
        embeddings_regularizer: penalty on the table.
        embeddings_constraint: callable applied after each update.
        mask_zero: whether id 0 is padding: the output then carries the mask `ids != 0`
            (`compute_mask`), which later layers (recurrent, pooling, attention, losses and
            metrics) use to skip the padded steps.
        weights: optional initial table, `[array]` or an array.
        **kwargs: base `Layer` arguments.

    Raises:
        ValueError: bad dimensions; at call, ids outside `[0, input_dim)` or non-integer values.
    """

    def __init__(self, input_dim: int, output_dim: int, embeddings_initializer: Any = "uniform",
                 embeddings_regularizer: Any = None, embeddings_constraint: Any = None,
                 mask_zero: bool = False, weights: Any = None, **kwargs: Any) -> None:
        for name, v in (("input_dim", input_dim), ("output_dim", output_dim)):
            if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v <= 0:
                raise ValueError(f"Embedding: {name} must be a positive int, got {name}={v!r}")
        label = layer_label(self, kwargs)
        init = lookup(initializers.get, embeddings_initializer, label, "embeddings_initializer")
        reg = lookup(regularizers.get, embeddings_regularizer, label, "embeddings_regularizer")
        kwargs.pop("input_length", None)
        pop_unsupported(kwargs, "Embedding")
        super().__init__(**kwargs)
        self.input_dim = int(input_dim)
        self.output_dim = int(output_dim)
        self.embeddings_initializer = init
        self.embeddings_regularizer = reg
        self.embeddings_constraint = get_constraint(embeddings_constraint, "Embedding", "embeddings_constraint")
        self.mask_zero = bool(mask_zero)
        self.supports_masking = self.mask_zero
        self.embeddings = None
        self._initial_weights = weights
        if weights is not None:
            self.build(None)
            self.built = True

    def build(self, input_shape: Any = None) -> None:
        if self.embeddings is not None:
            return
        self.embeddings = self.add_weight(shape=(self.input_dim, self.output_dim),
                                          initializer=self.embeddings_initializer,
                                          regularizer=self.embeddings_regularizer,
                                          constraint=self.embeddings_constraint, name="embeddings")
        if self._initial_weights is not None:
            w = self._initial_weights
            self.set_weights(w if isinstance(w, (list, tuple)) else [w])
            self._initial_weights = None

    def call(self, inputs: Tensor) -> Tensor:
        ids = inputs.data
        if ids.dtype.kind not in "iu":
            if ids.dtype.kind == "f" and ids.size and not np.all(ids == np.round(ids)):
                raise ValueError(f"Layer '{self.name}' (Embedding) expects integer ids, got non-integer values "
                                 f"of dtype {ids.dtype}")
            ids = ids.astype(np.int64)
        if ids.size and (ids.min() < 0 or ids.max() >= self.input_dim):
            raise ValueError(
                f"Layer '{self.name}' (Embedding) expects ids in [0, {self.input_dim}), got values in "
                f"[{ids.min()}, {ids.max()}] (inputs of shape {tuple(ids.shape)})"
            )
        return _Gather.apply(self.embeddings, ids=ids)

    def compute_mask(self, inputs: Any, mask: Any = None) -> Optional[Tensor]:
        """The padding mask of the ids.

        Args:
            inputs: the ids.
            mask: ignored (the mask comes from the ids).

        Returns:
            The boolean Tensor `inputs != 0` when `mask_zero`, else None.

        Raises:
            TypeError: `inputs` is a symbolic tensor.
        """
        reject_symbolic(f"Layer '{self.name}' (Embedding)", inputs)
        if not self.mask_zero:
            return None
        return Tensor(np.asarray(getattr(inputs, "data", inputs)) != 0)

    def compute_output_shape(self, input_shape: Any) -> tuple:
        return tuple(input_shape) + (self.output_dim,)

    def get_config(self) -> Dict[str, Any]:
        config = super().get_config()
        config.update({
            "input_dim": self.input_dim,
            "output_dim": self.output_dim,
            "embeddings_initializer": initializers.serialize(self.embeddings_initializer),
            "embeddings_regularizer": regularizers.serialize(self.embeddings_regularizer),
            "activity_regularizer": regularizers.serialize(self.activity_regularizer),
            "embeddings_constraint": serialize_constraint(self.embeddings_constraint),
            "mask_zero": self.mask_zero,
        })
        return config
