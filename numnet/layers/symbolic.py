"""Symbolic tensors and graph nodes: what functional models are built from.

`numnet.Input(shape)` returns a `SymbolicTensor` (a shape and dtype, no values). Calling a
layer on symbolic tensors records a `Node` (the layer, its inputs, its outputs) and returns
new symbolic tensors; `numnet.Model(inputs, outputs)` walks those nodes back.
"""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Tuple


class SymbolicTensor:
    """A placeholder with a shape (None for unknown dims) and a dtype (Keras: KerasTensor).

    Attributes:
        shape: tuple of ints or None.
        dtype: dtype name, e.g. "float32".
        node: the `Node` that produced it; `index` is its position among that node's outputs.
        _keras_mask: the symbolic mask (a boolean symbolic tensor) the producing layer computes
            for it, or None (Keras: `KerasTensor._keras_mask`).
    """

    def __init__(self, shape: Tuple[Optional[int], ...], dtype: str = "float32",
                 name: Optional[str] = None) -> None:
        self.shape = tuple(None if d is None else int(d) for d in shape)
        self.dtype = str(dtype)
        self.name = name
        self.node: Optional["Node"] = None
        self.index = 0
        self._keras_mask: Optional["SymbolicTensor"] = None

    @property
    def ndim(self) -> int:
        """Number of dimensions (batch included)."""
        return len(self.shape)

    def __repr__(self) -> str:
        return f"<SymbolicTensor shape={self.shape}, dtype={self.dtype}, name={self.name}>"

    def __bool__(self) -> bool:
        raise TypeError(
            "A symbolic tensor has no value: it stands for model inputs during model building. "
            "Use it only as an argument of layer calls."
        )

    __hash__ = object.__hash__


class Node:
    """One layer call on symbolic tensors.

    Attributes:
        layer: the layer called.
        args / kwargs: the call's arguments, with symbolic tensors in place.
        input_tensors: the symbolic tensors among the arguments, flattened in order.
        outputs: the flat list of output symbolic tensors; `output_structure` rebuilds the
            structure `call` returned (a tensor, or a list/tuple/dict of them).
        mask_feed: the symbolic mask a model passes to this call as `mask=` when it runs the graph
            (Keras records the mask it filled in for a call on one tensor), or None.
    """

    def __init__(self, layer: Any, args: tuple, kwargs: Dict[str, Any], outputs: Any) -> None:
        self.layer = layer
        self.args = args
        self.kwargs = kwargs
        self.input_tensors: List[SymbolicTensor] = [t for t in flatten((args, kwargs)) if isinstance(t, SymbolicTensor)]
        self.output_structure = outputs
        self.mask_feed: Optional[SymbolicTensor] = None
        self.outputs: List[SymbolicTensor] = [t for t in flatten(outputs) if isinstance(t, SymbolicTensor)]
        for i, t in enumerate(self.outputs):
            t.node = self
            t.index = i
        layer._inbound_nodes.append(self)

    @property
    def output_masks(self) -> List[Optional[SymbolicTensor]]:
        """The symbolic masks of the outputs (None for an output without a mask), in `outputs` order."""
        return [t._keras_mask for t in self.outputs]

    @property
    def parent_nodes(self) -> List["Node"]:
        """The nodes that produced this node's inputs."""
        return [t.node for t in self.input_tensors if t.node is not None]

    def __repr__(self) -> str:
        return f"<Node {self.layer.name}: {len(self.input_tensors)} in, {len(self.outputs)} out>"


def flatten(structure: Any) -> List[Any]:
    """Leaves of nested lists/tuples/dicts (dict values in key order), left to right."""
    out: List[Any] = []
    stack = [structure]
    while stack:
        item = stack.pop()
        if isinstance(item, (list, tuple)):
            stack.extend(reversed(item))
        elif isinstance(item, dict):
            stack.extend(item[k] for k in reversed(sorted(item)))
        else:
            out.append(item)
    return out


def map_structure(func: Any, structure: Any) -> Any:
    """Apply `func` to every leaf of nested lists/tuples/dicts, keeping the structure."""
    if isinstance(structure, list):
        return [map_structure(func, s) for s in structure]
    if isinstance(structure, tuple):
        return tuple(map_structure(func, s) for s in structure)
    if isinstance(structure, dict):
        return {k: map_structure(func, v) for k, v in structure.items()}
    return func(structure)
