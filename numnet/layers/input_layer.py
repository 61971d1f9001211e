"""`Input` / `InputLayer`: the entry points of a model."""
from __future__ import annotations

from typing import Any, Dict, Optional, Sequence

import numpy as np

from numnet.config.settings import floatx
from numnet.layers.layer import Layer
from numnet.layers.symbolic import Node, SymbolicTensor

__all__ = ["InputLayer", "Input"]


class InputLayer(Layer):
    """The layer behind `numnet.Input`: it holds the model input's shape and dtype.

    Args:
        shape: shape of one sample (without the batch dimension).
        batch_size: optional fixed batch size.
        dtype: input dtype (default `numnet.config.floatx()`, "float32").
        batch_shape: full shape including the batch dimension (instead of shape/batch_size).
        name: layer name.

    Raises:
        ValueError: neither or both of `shape` and `batch_shape` are given.
    """

    def __init__(self, shape: Optional[Sequence[Optional[int]]] = None, batch_size: Optional[int] = None,
                 dtype: Any = None, sparse: Optional[bool] = None, batch_shape: Optional[Sequence[Optional[int]]] = None,
                 input_tensor: Any = None, optional: bool = False, name: Optional[str] = None, **kwargs: Any) -> None:
        if "input_shape" in kwargs and shape is None:
            shape = kwargs.pop("input_shape")
        if "batch_input_shape" in kwargs and batch_shape is None:
            batch_shape = kwargs.pop("batch_input_shape")
        super().__init__(name=name, dtype=dtype, **kwargs)
        if (shape is None) == (batch_shape is None):
            raise ValueError(
                f"InputLayer '{self.name}': pass exactly one of shape= or batch_shape=, got shape={shape!r}, "
                f"batch_shape={batch_shape!r}"
            )
        if sparse:
            raise ValueError(f"InputLayer '{self.name}': sparse inputs are not supported by numnet")
        if batch_shape is None:
            if isinstance(shape, int):
                shape = (shape,)
            batch_shape = (batch_size,) + tuple(shape)
        for d in batch_shape:
            if d is not None and (not isinstance(d, (int, np.integer)) or d < 0):
                raise ValueError(f"InputLayer '{self.name}': dimensions must be non-negative ints or None, got {tuple(batch_shape)}")
        self._input_batch_shape = tuple(None if d is None else int(d) for d in batch_shape)
        input_dtype = np.dtype(dtype or floatx()).name
        self._dtype = input_dtype
        self.built = True
        Node(self, (), {}, SymbolicTensor(self._input_batch_shape, dtype=input_dtype, name=self.name))

    @property
    def batch_shape(self) -> tuple:
        """The input's shape, batch dimension first."""
        return self._input_batch_shape

    def call(self, inputs: Any) -> Any:
        return inputs

    def compute_output_shape(self, input_shape: Any) -> Any:
        return input_shape

    def get_config(self) -> Dict[str, Any]:
        return {"batch_shape": list(self._input_batch_shape), "dtype": self.dtype, "sparse": False, "name": self.name}


def Input(shape: Optional[Sequence[Optional[int]]] = None, batch_size: Optional[int] = None, dtype: Any = None,
          sparse: Optional[bool] = None, batch_shape: Optional[Sequence[Optional[int]]] = None,
          name: Optional[str] = None, tensor: Any = None, optional: bool = False) -> SymbolicTensor:
    """A symbolic model input: `x = numnet.Input(shape=(28, 28, 1))`.

    Args:
        shape: shape of one sample, without the batch dimension.
        batch_size: optional fixed batch size.
        dtype: input dtype (default `numnet.config.floatx()`, "float32"; use "int32" for token ids).
        batch_shape: full shape including the batch dimension (instead of shape).
        name: name of the input layer.

    Returns:
        A `SymbolicTensor` to call layers on and pass to `numnet.Model(inputs, outputs)`.
    """
    layer = InputLayer(shape=shape, batch_size=batch_size, dtype=dtype, sparse=sparse,
                       batch_shape=batch_shape, name=name)
    return layer.output
