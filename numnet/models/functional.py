"""`Functional`: a model defined by a graph of layer calls on symbolic tensors.

``x = Input((784,)); y = Dense(10)(Dense(64)(x)); model = Model(x, y)`` walks back from the
outputs to the inputs once, orders the nodes, and `call` replays them on real tensors.
"""
from __future__ import annotations

import heapq
from typing import Any, Dict, List, Optional, Tuple

import numpy as np

from numnet.autograd import Tensor
from numnet.autograd.masking import get_keras_mask, set_keras_mask
from numnet.layers._layer_utils import mask_array
from numnet.layers.input_layer import InputLayer
from numnet.layers.layer import Layer
from numnet.layers.symbolic import Node, SymbolicTensor, flatten, map_structure
from numnet.models.model import Model, is_shape, map_shapes

__all__ = ["Functional", "functional_from_config"]

_TENSOR_TAG = "__keras_tensor__"


def _check_structure(value: Any, what: str) -> None:
    for item in flatten(value):
        if not isinstance(item, SymbolicTensor):
            raise TypeError(
                f"Model {what} must be symbolic tensors (from numnet.Input and layer calls on them), "
                f"or lists/dicts of them; got {type(item).__name__} {item!r:.100}"
            )


def _shape_str(shape: Any) -> str:
    return "(" + ", ".join(str(d) for d in shape) + ("," if len(shape) == 1 else "") + ")"



def _replayed_kwargs(node: Node, substitute: Any, training: Optional[bool]) -> Dict[str, Any]:
    """A node's recorded keyword arguments with real tensors in place of symbolic ones; as in Keras, a
    `training` given to the model's call overrides the one recorded when the graph was built (so
    `Dropout(0.5)(x, training=False)` still drops out in `fit`)."""
    kwargs = map_structure(substitute, node.kwargs)
    if training is not None and "training" in kwargs:
        kwargs["training"] = training
    return kwargs

class Functional(Model):
    """A model whose computation is a recorded graph of layer calls.

    Args:
        inputs: a symbolic tensor from `numnet.Input`, or a list/dict of them.
        outputs: symbolic tensors computed from `inputs` by layer calls (tensor, list or dict).
        name: the model name.
        trainable: whether training updates the weights.

    Raises:
        TypeError: inputs/outputs are not symbolic tensors.
        ValueError: an input is not an `Input` tensor, the outputs do not depend only on the
            inputs ("graph disconnected"), or two different layers share a name.
    """

    def __init__(self, inputs: Any, outputs: Any, name: Optional[str] = None, trainable: bool = True,
                 **kwargs: Any) -> None:
        if isinstance(inputs, tuple):
            inputs = list(inputs)
        if isinstance(outputs, tuple):
            outputs = list(outputs)
        _check_structure(inputs, "inputs")
        _check_structure(outputs, "outputs")
        Layer.__init__(self, name=name or None, trainable=trainable, **kwargs)
        self._init_trainer()
        self._inputs_struct = inputs
        self._outputs_struct = outputs
        self._input_tensors: List[SymbolicTensor] = flatten(inputs)
        self._output_tensors: List[SymbolicTensor] = flatten(outputs)
        for t in self._input_tensors:
            layer = t.node.layer if t.node is not None else None
            if not isinstance(layer, InputLayer):
                raise ValueError(
                    f"Model '{self.name}': inputs must come straight from numnet.Input(...); "
                    f"{t!r} was produced by layer '{getattr(layer, 'name', None)}'"
                )
        self._build_graph()
        self._build_shapes = map_structure(lambda t: t.shape, inputs)
        self.built = True

    # ----- graph ------------------------------------------------------------------------------------
    def _build_graph(self) -> None:
        """Collect the nodes between inputs and outputs, order them, and index the layers."""
        input_node_ids = {id(t.node) for t in self._input_tensors}
        # Depth-first walk from the outputs (iterative): a post-order of nodes (parents first)
        # and the order in which layers are first met.
        post_order: List[Node] = []
        layer_index: Dict[int, int] = {}
        done: set = set()
        stack: List[Tuple[Node, bool, Optional[Node]]] = []
        for t in reversed(self._output_tensors):
            if t.node is None:
                raise ValueError(f"Model '{self.name}': output {t!r} was not produced by a layer call")
            stack.append((t.node, False, None))
        while stack:
            node, expanded, consumer = stack.pop()
            if id(node) in done:
                continue
            if expanded:
                done.add(id(node))
                post_order.append(node)
                continue
            if isinstance(node.layer, InputLayer) and id(node) not in input_node_ids:
                raise ValueError(
                    f"Model '{self.name}': graph disconnected: "
                    + (f"layer '{consumer.layer.name}' uses " if consumer is not None else "the outputs use ")
                    + f"the input '{node.layer.name}', which is not among the model's inputs "
                    f"{[x.node.layer.name for x in self._input_tensors]}"
                )
            layer_index.setdefault(id(node.layer), len(layer_index))
            stack.append((node, True, consumer))
            if id(node) not in input_node_ids:
                for t in reversed(node.input_tensors):
                    if t.node is None:
                        raise ValueError(f"Model '{self.name}': layer '{node.layer.name}' uses {t!r}, "
                                         f"which no layer or Input produced")
                    stack.append((t.node, False, node))
        # Inputs not used by any output are still inputs of the model (Keras keeps them too).
        for t in self._input_tensors:
            if id(t.node) not in done:
                done.add(id(t.node))
                layer_index.setdefault(id(t.node.layer), len(layer_index))
                post_order.append(t.node)
        # Depths as in Keras: outputs at depth 0, each parent deeper than its consumers, a shared
        # layer at the largest depth of its nodes.
        node_depth: Dict[int, int] = {}
        layer_depth: Dict[int, int] = {}
        for node in reversed(post_order):
            d = max(node_depth.setdefault(id(node), 0), layer_depth.get(id(node.layer), 0))
            layer_depth[id(node.layer)] = d
            node_depth[id(node)] = d
            for parent in node.parent_nodes:
                if id(parent) in done:
                    node_depth[id(parent)] = max(d + 1, node_depth.get(id(parent), 0))
        # Run order as Keras's: deepest first, then in the order the depth walk first met each node
        # (observable when a layer changes its inputs, as MultiHeadAttention takes their masks off).
        position = {key: i for i, key in enumerate(node_depth)}
        self._nodes: List[Node] = sorted(post_order, key=lambda n: (-node_depth[id(n)], position.get(id(n), -1)))
        self._node_ids = {id(n) for n in post_order}
        self._node_depth = {id(n): node_depth[id(n)] for n in post_order}
        layers_by_id: Dict[int, Layer] = {}
        for n in post_order:
            layers_by_id.setdefault(id(n.layer), n.layer)
        # InputLayers first, in input order; then by depth (deepest first), ties by first visit.
        input_rank = {id(t.node.layer): i for i, t in enumerate(self._input_tensors)}
        ordered = sorted(layers_by_id.values(), key=lambda la: (
            0 if id(la) in input_rank else 1, input_rank.get(id(la), 0), -layer_depth[id(la)], layer_index[id(la)]))
        names: Dict[str, Layer] = {}
        for la in ordered:
            if la.name in names:
                raise ValueError(
                    f"Model '{self.name}': the layer name {la.name!r} is used by two different layers; "
                    f"layer names in a model must be unique"
                )
            names[la.name] = la
        object.__setattr__(self, "_layers", ordered)
        # Execution plan: every non-input node, flagged when it is a plain one-tensor call, with the
        # symbolic mask Keras feeds it as `mask=` and whether it makes masks (see `call`).
        self._plan = [
            (node, len(node.args) == 1 and isinstance(node.args[0], SymbolicTensor) and not node.kwargs,
             node.mask_feed, node.mask_feed is not None or any(t._keras_mask is not None for t in node.outputs))
            for node in self._nodes if id(node) not in input_node_ids
        ]
        # Index of each node among this model's nodes of the same layer (used in configs).
        self._node_index: Dict[int, int] = {}
        for la in ordered:
            k = 0
            for n in la._inbound_nodes:
                if id(n) in self._node_ids:
                    self._node_index[id(n)] = k
                    k += 1

    # ----- public graph properties ---------------------------------------------------------
    @property
    def layers(self) -> List[Layer]:
        """All layers of the graph in topological order, the InputLayers first (as in Keras)."""
        return list(self._layers)

    @property
    def inputs(self) -> List[SymbolicTensor]:
        """The input symbolic tensors (flat list)."""
        return list(self._input_tensors)

    @property
    def outputs(self) -> List[SymbolicTensor]:
        """The output symbolic tensors (flat list)."""
        return list(self._output_tensors)

    @property
    def input(self) -> Any:
        """The inputs in the structure the model was built with (tensor, list or dict)."""
        return self._inputs_struct

    @property
    def output(self) -> Any:
        """The outputs in the structure the model was built with (tensor, list or dict)."""
        return self._outputs_struct

    @property
    def input_names(self) -> List[str]:
        """Names of the inputs: dict keys for dict inputs, else the InputLayers' names."""
        if isinstance(self._inputs_struct, dict):
            return sorted(self._inputs_struct)
        return [t.node.layer.name for t in self._input_tensors]

    @property
    def output_names(self) -> List[str]:
        """Names of the outputs: dict keys for dict outputs, else the names of the producing layers."""
        if isinstance(self._outputs_struct, dict):
            return sorted(self._outputs_struct)
        return [t.node.layer.name for t in self._output_tensors]

    @property
    def input_shape(self) -> Any:
        """Input shape(s), batch dimension first."""
        return map_structure(lambda t: t.shape, self._inputs_struct)

    @property
    def output_shape(self) -> Any:
        """Output shape(s), batch dimension first."""
        return map_structure(lambda t: t.shape, self._outputs_struct)

    def build(self, input_shape: Any = None) -> None:
        """A functional model is built when it is created; nothing to do."""
        self.built = True

    # ----- running -----------------------------------------------------------------------------
    def _convert_input(self, x: Any) -> Any:
        # Casting is done per input in `call`, to each Input's own dtype.
        if isinstance(x, (Tensor, np.ndarray)):
            return x
        if isinstance(x, (np.generic, list, float, int)) and not isinstance(x, bool):
            return np.asarray(x)
        return x

    def _flat_inputs(self, inputs: Any) -> List[Any]:
        """Match the call's inputs to the model's inputs (count, names), as a flat list."""
        expected = self._input_tensors
        n = len(expected)
        struct = self._inputs_struct
        if isinstance(inputs, dict):
            keys = self.input_names if isinstance(struct, dict) else [t.node.layer.name for t in expected]
            missing = [k for k in keys if k not in inputs]
            if missing:
                raise ValueError(
                    f"Model '{self.name}' expects inputs named {keys}, but the input dict is missing "
                    f"{missing} (got keys {sorted(inputs)})"
                )
            return [inputs[k] for k in keys]
        if isinstance(inputs, (list, tuple)):
            if n == 1 and len(inputs) != 1 and not isinstance(struct, (list, dict)):
                # a single-input model called on a list: treat the list as the array itself
                return [inputs]
            if len(inputs) != n:
                raise ValueError(
                    f"Model '{self.name}' expects {n} input(s) {self.input_names}, but it was called on "
                    f"{len(inputs)} input(s)"
                )
            return list(inputs)
        if n != 1:
            raise ValueError(
                f"Model '{self.name}' expects {n} inputs {self.input_names}, but it was called on a single input "
                f"of shape {tuple(getattr(inputs, 'shape', ()))}"
            )
        return [inputs]

    def _prepare_input(self, x: Any, spec: SymbolicTensor) -> Tensor:
        if isinstance(x, Tensor):
            arr = x.data
        else:
            arr = np.asarray(x)
            if arr.dtype.kind not in "biuf":
                raise TypeError(
                    f"Model '{self.name}': input '{spec.node.layer.name}' must be numeric, got dtype {arr.dtype}"
                )
        shape = arr.shape
        expected = spec.shape
        if len(shape) != len(expected) or any(e is not None and e != g for e, g in zip(expected, shape)):
            raise ValueError(
                f"Model '{self.name}': input '{spec.node.layer.name}' is incompatible with the model: "
                f"expected shape {_shape_str(expected)}, got an input of shape {_shape_str(shape)}"
            )
        target = spec.dtype
        if isinstance(x, Tensor):
            if arr.dtype.name != target and arr.dtype.kind == "f" and np.dtype(target).kind == "f":
                from numnet import ops

                cast = ops.cast(x, target)
                cast._keras_mask = x._keras_mask
                return cast
            return x
        if arr.dtype.name != target and (arr.dtype.kind == "f" or np.dtype(target).kind == "f"):
            arr = arr.astype(target)
        return Tensor._from_op(arr, None)

    def call(self, inputs: Any, training: Optional[bool] = None, mask: Any = None) -> Any:
        """Run the graph on real inputs.

        Masks follow Keras 3: `mask` (one per input) is attached to the inputs; each layer call
        passes its input's mask on; and a one-tensor call whose input had a mask when the model
        was built is given that mask (as computed along the graph) as `mask=`, as Keras does.

        Raises:
            ValueError: wrong number of inputs, a missing named input, or an input whose shape
                differs from the model's input shape (names the input, expected and given); a
                `mask` that does not match the inputs.
            TypeError: a mask that is not boolean or numeric.
        """
        flat = self._flat_inputs(inputs)
        values: Dict[int, Any] = {}
        for spec, x in zip(self._input_tensors, flat):
            values[id(spec)] = self._prepare_input(x, spec)
        if mask is not None:
            self._attach_input_masks([values[id(t)] for t in self._input_tensors], mask)

        def substitute(t: Any) -> Any:
            return values[id(t)] if isinstance(t, SymbolicTensor) else t

        graph_masks: Dict[int, Any] = {}  # runtime value of each symbolic mask, as the graph computes it
        for node, simple, feed, masked in self._plan:
            differ = False
            if masked:
                out, differ = self._run_masked_node(node, simple, feed, values, graph_masks, substitute, training)
            elif simple:
                out = node.layer(values[id(node.args[0])])
            else:
                args = map_structure(substitute, node.args)
                out = node.layer(*args, **_replayed_kwargs(node, substitute, training))
            outs = node.outputs
            if len(outs) == 1 and not isinstance(node.output_structure, (list, tuple, dict)):
                values[id(outs[0])] = out
            else:
                self._store_outputs(node, out, values)
            if masked:
                self._record_graph_masks(node, differ, values, graph_masks, substitute)
        return map_structure(substitute, self._outputs_struct)

    def _store_outputs(self, node: Node, out: Any, values: Dict[int, Any]) -> None:
        outs = node.outputs
        if len(outs) == 1 and not isinstance(node.output_structure, (list, tuple, dict)):
            values[id(outs[0])] = out
            return
        flat_out = flatten(out)
        if len(flat_out) != len(outs):
            raise ValueError(
                f"Layer '{node.layer.name}' returned {len(flat_out)} outputs when called, but "
                f"{len(outs)} when the model was built"
            )
        for t, v in zip(outs, flat_out):
            values[id(t)] = v

    # ----- masks ---------------------------------------------------------------------------------------
    def _attach_input_masks(self, tensors: List[Any], mask: Any) -> None:
        """`call(..., mask=...)`: one mask (or None) per input, attached to the input tensors."""
        n = len(tensors)
        if isinstance(mask, dict):
            masks = [mask.get(name) for name in self.input_names]
        elif isinstance(mask, (list, tuple)) and all(m is None or isinstance(m, (Tensor, np.ndarray)) for m in mask):
            masks = list(mask)
        else:
            masks = [mask]
        if len(masks) != n:
            raise ValueError(f"Model '{self.name}' has {n} input(s) {self.input_names} but was given {len(masks)} "
                             f"mask(s); pass one mask (or None) per input")
        for i, (x, m) in enumerate(zip(tensors, masks)):
            arr = mask_array(f"Model '{self.name}'", m, f"the mask of input '{self.input_names[i]}'")
            if arr is None:
                continue
            shape = tuple(x.shape)
            if arr.ndim > len(shape) or arr.shape != shape[:arr.ndim]:
                raise ValueError(f"Model '{self.name}': the mask of input '{self.input_names[i]}' must have the "
                                 f"input's leading dimensions (e.g. {shape[:2]} for an input of shape {shape}), "
                                 f"got a mask of shape {arr.shape}")
            set_keras_mask(x, arr)

    @staticmethod
    def _expected_mask(t: SymbolicTensor, graph_masks: Dict[int, Any]) -> Any:
        return graph_masks.get(id(t._keras_mask)) if t._keras_mask is not None else None

    def _run_masked_node(self, node: Node, simple: bool, feed: Any, values: Dict[int, Any],
                         graph_masks: Dict[int, Any], substitute: Any, training: Optional[bool]) -> Tuple[Any, bool]:
        """Run a node that takes or makes masks; also say whether its inputs' masks differed from the
        graph's (a layer such as MultiHeadAttention takes the masks off its inputs)."""
        first = node.args[0] if node.args else None
        differ = feed is None and any(
            get_keras_mask(values[id(t)]) is not self._expected_mask(t, graph_masks)
            for t in flatten(first) if isinstance(t, SymbolicTensor))
        fed = graph_masks.get(id(feed)) if feed is not None else None
        if simple:
            x = values[id(node.args[0])]
            return (node.layer(x, mask=fed) if fed is not None else node.layer(x)), differ
        args = map_structure(substitute, node.args)
        return node.layer(*args, **_replayed_kwargs(node, substitute, training)), differ

    def _record_graph_masks(self, node: Node, differ: bool, values: Dict[int, Any], graph_masks: Dict[int, Any],
                            substitute: Any) -> None:
        """The runtime values of the symbolic masks of a node's outputs: the masks the outputs carry,
        or, when the inputs' masks were changed, `compute_mask` on the graph's input masks."""
        pending = [(i, t) for i, t in enumerate(node.outputs)
                   if t._keras_mask is not None and id(t._keras_mask) not in graph_masks]
        if not pending:
            return
        if not differ:
            for _, t in pending:
                graph_masks[id(t._keras_mask)] = get_keras_mask(values[id(t)])
            return
        layer = node.layer
        first = node.args[0] if node.args else None
        computed = None
        if layer.supports_masking:
            previous = map_structure(
                lambda t: self._expected_mask(t, graph_masks) if isinstance(t, SymbolicTensor) else None, first)
            computed = layer.compute_mask(map_structure(substitute, first), previous)
        flat_masks = flatten(computed) if computed is not None else []
        for i, t in pending:
            graph_masks[id(t._keras_mask)] = flat_masks[i] if i < len(flat_masks) else None

    def compute_output_shape(self, input_shape: Any) -> Any:
        """Output shape(s) for input shape(s), propagated through the graph without computing."""
        flat_shapes: List[tuple] = []
        if is_shape(input_shape):
            flat_shapes = [tuple(input_shape)]
        elif isinstance(input_shape, dict):
            flat_shapes = [tuple(input_shape[k]) for k in self.input_names]
        else:
            flat_shapes = [tuple(s) for s in input_shape]
        if len(flat_shapes) != len(self._input_tensors):
            raise ValueError(
                f"Model '{self.name}' expects {len(self._input_tensors)} input shape(s), got {input_shape!r}"
            )
        shapes: Dict[int, tuple] = {id(t): s for t, s in zip(self._input_tensors, flat_shapes)}
        for node, *_ in self._plan:
            first = node.args[0] if node.args else None
            in_shape = map_structure(lambda t: shapes[id(t)] if isinstance(t, SymbolicTensor) else t, first)
            out = node.layer.compute_output_shape(in_shape)
            flat_out: List[Any] = []
            map_shapes(lambda s: flat_out.append(s), out)
            for t, s in zip(node.outputs, flat_out):
                shapes[id(t)] = tuple(s)

        return map_structure(lambda t: shapes[id(t)], self._outputs_struct)

    # ----- config ----------------------------------------------------------------------------
    def get_config(self) -> Dict[str, Any]:
        """Keras-layout functional config: layers with their inbound nodes, input and output layers."""
        from numnet.layers import serialize

        def tensor_ref(t: SymbolicTensor) -> list:
            return [t.node.layer.name, self._node_index[id(t.node)], t.index]

        def serialize_arg(value: Any) -> Any:
            if isinstance(value, SymbolicTensor):
                return {"class_name": _TENSOR_TAG,
                        "config": {"shape": list(value.shape), "dtype": value.dtype, "keras_history": tensor_ref(value)}}
            if isinstance(value, (list, tuple)):
                return [serialize_arg(v) for v in value]
            if isinstance(value, dict):
                return {str(k): serialize_arg(v) for k, v in value.items()}
            if isinstance(value, np.generic):
                return value.item()
            if value is None or isinstance(value, (bool, int, float, str)):
                return value
            raise NotImplementedError(
                f"Model '{self.name}': cannot serialise the call argument {value!r:.80} of a layer call"
            )

        layer_configs = []
        for layer in self._layers:
            entry = serialize(layer)
            entry["name"] = layer.name
            nodes = []
            if not isinstance(layer, InputLayer):
                for n in layer._inbound_nodes:
                    if id(n) in self._node_ids:
                        nodes.append({"args": serialize_arg(list(n.args)), "kwargs": serialize_arg(n.kwargs)})
            entry["inbound_nodes"] = nodes
            layer_configs.append(entry)

        def refs(struct: Any) -> Any:
            if isinstance(struct, SymbolicTensor):
                return [tensor_ref(struct)]
            if isinstance(struct, dict):
                return {k: tensor_ref(v) for k, v in struct.items()}
            return [tensor_ref(t) for t in struct]

        return {
            "name": self.name,
            "trainable": self.trainable,
            "layers": layer_configs,
            "input_layers": refs(self._inputs_struct),
            "output_layers": refs(self._outputs_struct),
        }

    @classmethod
    def from_config(cls, config: Dict[str, Any], custom_objects: Optional[Dict[str, Any]] = None) -> "Functional":
        """Rebuild a functional model from `get_config()` (layers built via numnet.layers.deserialize).

        Raises:
            ValueError: a malformed config (wrong types, unknown layer references, cycles).
        """
        return functional_from_config(cls, config, custom_objects)


def _bad(msg: str) -> ValueError:
    return ValueError(f"Invalid functional model config: {msg}")


def _is_ref(value: Any) -> bool:
    return (isinstance(value, (list, tuple)) and len(value) == 3 and isinstance(value[0], str)
            and all(isinstance(i, int) and not isinstance(i, bool) and i >= 0 for i in value[1:]))


def functional_from_config(cls: type, config: Any, custom_objects: Optional[Dict[str, Any]] = None,
                           layer_factory: Any = None) -> "Functional":
    """Rebuild a functional model (of class `cls`) from its config.

    Args:
        cls: `Functional` or a functional subclass taking (inputs, outputs, name=...).
        config: the output of `Functional.get_config()`.
        custom_objects: user classes by name, for custom layers.
        layer_factory: optional `(layer_config_dict) -> Layer` used instead of deserialize.

    Raises:
        ValueError: the config is malformed or references unknown layers or nodes.
    """
    from numnet.layers import deserialize

    if not isinstance(config, dict):
        raise _bad(f"expected a dict, got {type(config).__name__}")
    layer_entries = config.get("layers")
    if not isinstance(layer_entries, list):
        raise _bad(f"'layers' must be a list, got {type(layer_entries).__name__}")
    created: Dict[str, Layer] = {}
    pending: List[Tuple[Layer, List[Any]]] = []
    for i, entry in enumerate(layer_entries):
        if not isinstance(entry, dict) or not isinstance(entry.get("class_name"), str) \
                or not isinstance(entry.get("config"), dict):
            raise _bad(f"layer entry {i} must be a dict with 'class_name' (str) and 'config' (dict), got {entry!r:.200}")
        name = entry.get("name", entry["config"].get("name"))
        if not isinstance(name, str):
            raise _bad(f"layer entry {i} has no valid 'name' (got {name!r})")
        if name in created:
            raise _bad(f"layer name {name!r} appears twice")
        nodes = entry.get("inbound_nodes", [])
        if not isinstance(nodes, list):
            raise _bad(f"'inbound_nodes' of layer {name!r} must be a list, got {type(nodes).__name__}")
        layer_cfg = {k: v for k, v in entry.items() if k not in ("name", "inbound_nodes")}
        try:
            layer = layer_factory(layer_cfg) if layer_factory is not None else deserialize(layer_cfg, custom_objects)
        except TypeError as exc:
            raise _bad(f"layer {name!r}: {exc}") from None
        if not isinstance(layer, Layer):
            raise _bad(f"layer {name!r} deserialised to {type(layer).__name__}, not a Layer")
        created[name] = layer
        pending.append((layer, list(nodes)))

    # Output tensors of each rebuilt node: (layer name, node index) -> flat outputs.
    node_outputs: Dict[Tuple[str, int], List[SymbolicTensor]] = {}
    next_index: Dict[str, int] = {}
    for name, layer in created.items():
        if isinstance(layer, InputLayer):
            node_outputs[(name, 0)] = [layer._inbound_nodes[-1].outputs[0]]
            next_index[name] = 1
        else:
            next_index[name] = 0

    def missing(value: Any) -> Optional[Tuple[str, int]]:
        """The first (layer, node) output `value` refers to that is not rebuilt yet, or None."""
        if isinstance(value, dict):
            if value.get("class_name") == _TENSOR_TAG:
                hist = value.get("config", {}).get("keras_history") if isinstance(value.get("config"), dict) else None
                if not _is_ref(hist):
                    raise _bad(f"bad tensor reference {value!r:.200}")
                if hist[0] not in created:
                    raise _bad(f"a node refers to unknown layer {hist[0]!r}")
                key = (hist[0], hist[1])
                return None if key in node_outputs else key
            value = list(value.values())
        if isinstance(value, list):
            for v in value:
                key = missing(v)
                if key is not None:
                    return key
        return None

    def rebuild(value: Any) -> Any:
        if isinstance(value, dict):
            if value.get("class_name") == _TENSOR_TAG:
                lname, nidx, tidx = value["config"]["keras_history"]
                outs = node_outputs[(lname, nidx)]
                if tidx >= len(outs):
                    raise _bad(f"tensor index {tidx} out of range for layer {lname!r} node {nidx}")
                return outs[tidx]
            return {k: rebuild(v) for k, v in value.items()}
        if isinstance(value, list):
            return [rebuild(v) for v in value]
        return value

    queues = {layer.name: list(nodes) for layer, nodes in pending}
    by_name = {layer.name: layer for layer, _ in pending}
    # A worklist, so that a config listing its layers in any order is rebuilt in linear time:
    # a layer whose next node waits for a tensor is woken when that tensor is produced.
    position = {name: i for i, name in enumerate(queues)}
    waiting: Dict[Tuple[str, int], List[str]] = {}
    work = [(position[name], name) for name, queue in queues.items() if queue]  # a heap: list order first
    while work:
        name = heapq.heappop(work)[1]
        queue = queues[name]
        while queue:
            node = queue[0]
            if not isinstance(node, dict):
                # Keras 2 layout: [[name, node_index, tensor_index, kwargs], ...]
                if isinstance(node, list) and node and all(isinstance(r, list) and len(r) >= 3 for r in node):
                    tensors = [{"class_name": _TENSOR_TAG, "config": {"keras_history": list(r[:3])}} for r in node]
                    kwargs = node[0][3] if len(node[0]) > 3 and isinstance(node[0][3], dict) else {}
                    node = {"args": [tensors[0] if len(tensors) == 1 else tensors], "kwargs": kwargs}
                    queue[0] = node
                else:
                    raise _bad(f"an inbound node of layer {name!r} must be a dict with 'args' and 'kwargs', got {node!r:.200}")
            args, kwargs = node.get("args", []), node.get("kwargs", {})
            if not isinstance(args, list) or not isinstance(kwargs, dict):
                raise _bad(f"inbound node of layer {name!r}: 'args' must be a list and 'kwargs' a dict")
            need = missing(args) or missing(kwargs)
            if need is not None:
                waiting.setdefault(need, []).append(name)
                break
            layer = by_name[name]
            try:
                out = layer(*rebuild(args), **rebuild(kwargs))
            except (TypeError, ValueError) as exc:
                raise _bad(f"calling layer {name!r} while rebuilding the graph failed: {exc}") from None
            node_outputs[(name, next_index[name])] = [t for t in flatten(out) if isinstance(t, SymbolicTensor)]
            for woken in waiting.pop((name, next_index[name]), ()):
                heapq.heappush(work, (position[woken], woken))
            next_index[name] += 1
            queue.pop(0)
    stuck = [n for n, q in queues.items() if q]
    if stuck:
        raise _bad(f"the inbound nodes of layers {stuck} refer to tensors that are never produced")

    def lookup(ref: Any) -> SymbolicTensor:
        if not _is_ref(ref):
            raise _bad(f"bad input/output reference {ref!r:.200} (expected [layer_name, node_index, tensor_index])")
        key = (ref[0], ref[1])
        if key not in node_outputs or ref[2] >= len(node_outputs[key]):
            raise _bad(f"reference {ref!r} points to no tensor of the rebuilt graph")
        return node_outputs[key][ref[2]]

    def structure(refs: Any, what: str) -> Any:
        if isinstance(refs, dict):
            return {k: lookup(v) for k, v in refs.items()}
        if _is_ref(refs):
            return lookup(refs)
        if isinstance(refs, list) and refs:
            if len(refs) == 1:
                return lookup(refs[0])
            return [lookup(r) for r in refs]
        raise _bad(f"'{what}' must be a list of [layer_name, node_index, tensor_index] or a dict of them, got {refs!r:.200}")

    inputs = structure(config.get("input_layers"), "input_layers")
    outputs = structure(config.get("output_layers"), "output_layers")
    name = config.get("name")
    if name is not None and not isinstance(name, str):
        raise _bad(f"'name' must be a string, got {name!r}")
    trainable = config.get("trainable", True)
    model = cls(inputs=inputs, outputs=outputs, name=name)
    if not trainable:
        model.trainable = False
    return model
