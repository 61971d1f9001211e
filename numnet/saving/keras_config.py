"""Translating configs between Keras 3's `.keras` form and numnet's own form.

numnet's `get_config()` already uses Keras's class names, argument names and values; a
`.keras` file differs only in the envelope around each object:

* Keras writes ``{"module", "class_name", "config", "registered_name"}`` (plus
  ``"build_config"``/``"compile_config"`` where they apply, and ``"shared_object_id"`` for
  objects used twice); numnet reads ``{"class_name", "config"[, "registered_name"]}``.
* A layer's ``dtype`` is a ``DTypePolicy`` object in Keras, a dtype name in numnet; a layer's
  ``batch_input_shape`` is ``input_shape`` (without the batch size) in Keras 3.
* Keras-only options (``quantization_config``, ``lora_rank``, ...) that are off are dropped;
  one that is on is refused with a `ValueError` naming the class and option.

Reading is where safety matters: a class is built only if it is numnet's own class of the
kind the Keras module names (``keras.layers`` -> a layer, ...), a registered class or one
in `custom_objects`; a class from any other module, or one with a ``registered_name`` of
its own (Keras's mark of a custom class, ``"package>Name"``), must be registered or in
`custom_objects`. Python bytecode (``__lambda__``) and other special values are refused.
Nothing named in the file is ever imported.

A Keras functional config also holds the keras.ops nodes that computed the masks Keras
propagated (passed to a layer as ``mask=``); `strip_automatic_masks` takes them out, since
numnet propagates masks itself. Other keras.ops nodes are refused.
"""
from __future__ import annotations

import copy
import importlib
import inspect
from typing import Any, Dict, List, Mapping, NamedTuple, Optional, Set, Tuple

from numnet.utils import serialization

__all__ = ["to_keras", "from_keras", "to_keras_compile", "from_keras_compile", "strip_automatic_masks", "MaskSite"]

_TENSOR = "__keras_tensor__"
_POLICIES = ("DTypePolicy", "FloatDTypePolicy")
_PLAIN_DTYPES = ("float16", "float32", "float64", "bfloat16", "int8", "int16", "int32", "int64", "uint8",
                 "uint16", "uint32", "uint64", "bool")
_LAYER_KEYS = ("layer", "forward_layer", "backward_layer", "cell", "cells", "layers")
# numnet's Layer takes these through **kwargs.
_LAYER_KWARGS = ("name", "trainable", "dtype", "input_shape", "input_dim", "batch_input_shape", "batch_shape",
                 "activity_regularizer", "autocast")
# Keras-only options whose value has no effect while another option is off.
_COMPANIONS = {"renorm_momentum": "renorm", "renorm_clipping": "renorm", "lora_alpha": "lora_rank"}
# compile() arguments numnet accepts but does not keep (it always runs eagerly).
_COMPILE_EXTRAS = {"run_eagerly": False, "steps_per_execution": 1, "jit_compile": "auto"}
_KERAS_MODULES = {
    "layer": "keras.layers", "initializer": "keras.initializers", "regularizer": "keras.regularizers",
    "constraint": "keras.constraints", "schedule": "keras.optimizers.schedules",
    "optimizer": "keras.optimizers", "loss": "keras.losses", "metric": "keras.metrics",
}
_KIND_OF_MODULE = {module: kind for kind, module in _KERAS_MODULES.items()}
_KIND_OF_MODULE.update({"keras.models": "layer", "keras.src.models.functional": "layer",
                        "keras.src.models.sequential": "layer", "keras.src.models.model": "layer"})
_SEARCH_ORDER = ("layer", "initializer", "regularizer", "constraint", "schedule", "optimizer", "loss", "metric")


# ------------------------------------------------------------------------------------------------
# numnet's classes by kind
# ------------------------------------------------------------------------------------------------
_BUILTIN_TABLES = {
    "initializer": ("numnet.initializers", "_BUILTINS"),
    "regularizer": ("numnet.regularizers", "_BUILTINS"),
    "constraint": ("numnet.constraints", "_BUILTINS"),
    "schedule": ("numnet.optimizers.schedules", "_BUILTINS"),
    "optimizer": ("numnet.optimizers", "BUILTINS"),
    "loss": ("numnet.losses", "BUILTINS"),
    "metric": ("numnet.metrics", "BUILTINS"),
}


def _builtins(kind: str) -> Mapping[str, Any]:
    if kind == "layer":
        import numnet.models  # noqa: F401  (registers Model/Sequential/Functional as numnet's own layers)
        from numnet.layers.layer import _BUILTIN_LAYERS

        return {k: v for k, v in _BUILTIN_LAYERS.items() if not k.startswith(("_", "Base"))}
    if kind not in _BUILTIN_TABLES:
        return {}
    module, table = _BUILTIN_TABLES[kind]
    return getattr(importlib.import_module(module), table)


def _base_class(kind: str) -> Any:
    if kind == "layer":
        from numnet.layers import Layer

        return Layer
    if kind == "optimizer":
        from numnet.optimizers import Optimizer

        return Optimizer
    if kind == "schedule":
        from numnet.optimizers.schedules import LearningRateSchedule

        return LearningRateSchedule
    return None


def _is_functional(cls: Any) -> bool:
    from numnet.models import Functional

    return isinstance(cls, type) and issubclass(cls, Functional)


def _is_model(cls: Any) -> bool:
    from numnet.models import Model

    return isinstance(cls, type) and issubclass(cls, Model)


def _find_builtin(name: str, kind: Optional[str]) -> Tuple[Optional[str], Any]:
    """(kind, class) of numnet's own class `name` of `kind` (any kind when None)."""
    for k in ([kind] if kind else _SEARCH_ORDER):
        table = _builtins(k)
        obj = table.get(name)
        if obj is None and k == "optimizer":
            obj = table.get(name.lower())
        if isinstance(obj, type):
            return k, obj
    return None, None


# ------------------------------------------------------------------------------------------------
# numnet -> Keras
# ------------------------------------------------------------------------------------------------
def _module_of(cls: Any, kind: str) -> Tuple[str, Optional[str]]:
    """(module, registered_name) Keras writes for numnet's class `cls` of `kind`."""
    if _is_functional(cls):
        return "keras.src.models.functional", "Functional"
    if _is_model(cls):
        return "keras", None
    return _KERAS_MODULES.get(kind, "keras"), None


def _policy(name: str) -> Dict[str, Any]:
    return {"module": "keras", "class_name": "DTypePolicy", "config": {"name": name}, "registered_name": None}


def _child_kind(key: str, parent_kind: str) -> Optional[str]:
    if key.endswith("_initializer"):
        return "initializer"
    if key.endswith("_regularizer"):
        return "regularizer"
    if key.endswith("_constraint"):
        return "constraint"
    if key in _LAYER_KEYS:
        return "layer"
    if parent_kind == "optimizer" and key == "learning_rate":
        return "schedule"
    return None


def to_keras(value: Any, kind: Optional[str] = None) -> Any:
    """numnet's config form -> Keras 3's (module, registered_name, DTypePolicy, node numbering).

    Args:
        value: a config made by `numnet.utils.serialization.serialize` (or any JSON value in one).
        kind: what the object is ("layer", "initializer", "optimizer", "loss", "metric", ...);
            None looks the class name up among all of numnet's kinds.

    Returns:
        The same config in the form `keras.saving.deserialize_keras_object` reads.
    """
    return _to_keras(copy.deepcopy(value), kind)


def _to_keras(value: Any, kind: Optional[str]) -> Any:
    if isinstance(value, list):
        return [_to_keras(v, kind) for v in value]
    if not isinstance(value, dict):
        return value
    if not isinstance(value.get("class_name"), str) or "config" not in value:
        return {k: _to_keras(v, kind) for k, v in value.items()}
    name = value["class_name"]
    if name == _TENSOR:
        return value
    registered = value.get("registered_name")
    cls = None
    if registered:
        try:
            cls = serialization.resolve(registered, {})
        except (TypeError, ValueError):
            cls = None
        module = getattr(cls, "__module__", None) or "numnet.custom"
        if kind is None and isinstance(cls, type):
            kind = next((k for k in _SEARCH_ORDER if _base_class(k) is not None and issubclass(cls, _base_class(k))),
                        None)
    else:
        found_kind, cls = _find_builtin(name, kind)
        kind = kind or found_kind
        if cls is None:  # a user's class known only by name (custom_objects): Keras writes no module
            module, registered = None, None
        else:
            module, registered = _module_of(cls, kind or "layer")
    inner = value["config"]
    if isinstance(inner, dict):
        inner = _inner_to_keras(inner, kind or "", cls)
    out: Dict[str, Any] = {"module": module, "class_name": name, "config": inner, "registered_name": registered}
    for key, extra in value.items():
        if key not in out:
            out[key] = _to_keras(extra, kind) if key != "inbound_nodes" else extra
    return out


def _inner_to_keras(config: Dict[str, Any], kind: str, cls: Any) -> Dict[str, Any]:
    out: Dict[str, Any] = {}
    for key, item in config.items():
        if kind == "layer" and key == "dtype" and isinstance(item, str) and cls is not None \
                and cls.__name__ != "InputLayer":
            out[key] = _policy(item)
        elif kind == "layer" and key == "batch_input_shape" and isinstance(item, list) and item:
            out["input_shape"] = item[1:]  # Keras 3 layers take input_shape, not batch_input_shape
        else:
            out[key] = _to_keras(item, _child_kind(key, kind))
    return out


# ------------------------------------------------------------------------------------------------
# Keras -> numnet
# ------------------------------------------------------------------------------------------------
class _Reader:
    """One translation of a file's config: the file's path and the user's custom objects."""

    def __init__(self, path: str, custom_objects: Optional[Mapping[str, Any]]) -> None:
        self.path = path
        self.custom_objects = dict(custom_objects or {})

    def error(self, message: str) -> ValueError:
        return ValueError(f"Cannot load '{self.path}': {message}")

    def user_object(self, name: str) -> Any:
        """A registered object or one in custom_objects (never numnet's built-ins), or None."""
        for candidate in (name, name.split(">")[-1]):
            try:
                return serialization.resolve(candidate, {}, self.custom_objects)
            except (TypeError, ValueError):
                continue
        return None

    def value(self, value: Any, kind: Optional[str]) -> Any:
        if isinstance(value, list):
            return [self.value(v, kind) for v in value]
        if not isinstance(value, dict):
            return value
        if not isinstance(value.get("class_name"), str):
            return {k: self.value(v, kind) for k, v in value.items()}
        return self.obj(value, kind)

    def obj(self, value: Dict[str, Any], kind: Optional[str]) -> Any:
        name = value["class_name"]
        module = value.get("module")
        if module is not None and not isinstance(module, str):
            raise self.error(f"the 'module' of {name!r:.80} must be a string, found {module!r:.80}")
        keras_module = module is None or module == "keras" or module.startswith("keras.")
        registered = value.get("registered_name")
        if registered is not None and not isinstance(registered, str):
            raise self.error(f"the 'registered_name' of {name!r:.80} must be a string, found {registered!r:.80}")
        if name == _TENSOR:
            return value
        if name == "__lambda__":
            raise self.error("the file contains a Python lambda (serialized bytecode); numnet never runs code "
                             "from a file. Register the function and refer to it by name, or rebuild the model "
                             "in code and load its weights")
        if name.startswith("__") and name.endswith("__"):
            raise self.error(f"the file contains a value of type {name!r:.40}, which numnet does not load")
        if name == "function":
            return self.function(value, keras_module, registered, module)
        if name in _POLICIES and keras_module:
            return self.policy(value)
        cls, kind = self.resolve_class(name, registered, kind, keras_module, module)
        inner = value.get("config", {})
        if not isinstance(inner, dict):
            raise self.error(f"the config of {name!r:.80} must be a JSON object, found {type(inner).__name__}")
        inner = self.inner(inner, kind, cls, name)
        out: Dict[str, Any] = {"class_name": name, "config": inner}
        if registered and not keras_module:
            out["registered_name"] = registered
        for key in ("name", "inbound_nodes"):
            if key in value:
                out[key] = value[key]
        return out

    def function(self, value: Dict[str, Any], keras_module: bool, registered: Optional[str],
                 module: Optional[str]) -> str:
        config = value.get("config")
        name = config if isinstance(config, str) else registered  # Keras keeps the function's name in config
        if not isinstance(name, str):
            raise self.error(f"a serialized function must be named by a string, found {name!r:.80}")
        if not keras_module and self.user_object(name) is None:
            raise self.error(f"the function {name!r:.80} from module {module!r:.80} is not known to numnet: "
                             f"register it with @numnet.saving.register_serializable() or pass it in "
                             f"custom_objects={{{name.split('>')[-1]!r}: ...}}")
        return name

    def policy(self, value: Dict[str, Any]) -> str:
        config = value.get("config")
        name = config.get("name") if isinstance(config, dict) else None
        if name not in _PLAIN_DTYPES:
            raise self.error(f"dtype policy {name!r:.80} is not supported: numnet computes in one dtype per layer "
                             f"(mixed precision and quantized policies are not implemented)")
        return name

    def resolve_class(self, name: str, registered: Optional[str], kind: Optional[str], keras_module: bool,
                      module: Optional[str]) -> Tuple[Any, Optional[str]]:
        module_kind = _KIND_OF_MODULE.get(module or "")
        if module == "keras" and name not in _POLICIES:
            module_kind = "layer"  # keras.Sequential, keras.Model
        kind = module_kind or kind
        user = self.user_object(registered) if registered else None
        if user is None:
            user = self.user_object(name)
        if user is not None:
            return user, kind or self.kind_of(user)
        if registered and registered != name:
            # Keras writes a registered name only for custom classes ("package>Name"); like Keras,
            # never let one resolve to a built-in class that happens to have the same name.
            raise self.error(f"class {registered!r:.80} is a custom class (registered under that name when the "
                             f"file was saved), unknown to numnet: pass it in custom_objects="
                             f"{{{registered.split('>')[-1]!r}: ...}} or register it with "
                             f"@numnet.saving.register_serializable()")
        if not keras_module:
            shown = registered or name
            raise self.error(f"class {shown!r:.80} from module {module!r:.80} is not known to numnet: pass it in "
                             f"custom_objects={{{shown.split('>')[-1]!r}: ...}} or register it with "
                             f"@numnet.saving.register_serializable(); numnet never imports modules named in a file")
        if _is_op_module(module):
            raise self.error(f"the Keras class '{module}.{name:.80}' is not supported by numnet (it is a keras.ops "
                             f"operation applied in the functional graph; numnet builds its graphs from layers "
                             f"only): wrap the computation in a layer, or pass an implementation in "
                             f"custom_objects={{{name!r:.80}: ...}} to load it")
        found_kind, cls = _find_builtin(name, kind)
        if cls is None:
            where = f"{module}.{name}" if module else name
            raise self.error(f"the Keras class {where!r:.120} is not supported by numnet (numnet has no "
                             f"{kind or 'object'} of that name); pass an implementation in custom_objects="
                             f"{{{name!r:.80}: ...}} to load it")
        return cls, kind or found_kind

    @staticmethod
    def kind_of(obj: Any) -> Optional[str]:
        if isinstance(obj, type):
            for k in ("layer", "optimizer", "schedule"):
                if issubclass(obj, _base_class(k)):
                    return k
        return None

    def inner(self, config: Dict[str, Any], kind: Optional[str], cls: Any, name: str) -> Dict[str, Any]:
        out = {}
        for key, item in config.items():
            if key == "shared_object_id":
                continue
            out[key] = self.value(item, _child_kind(key, kind or ""))
        if cls is not None and not _is_model(cls):
            self.drop_unknown(out, cls, name)
        return out

    def drop_unknown(self, config: Dict[str, Any], cls: Any, name: str) -> None:
        accepted = _accepted_keys(cls)
        if accepted is None:
            return
        unknown = [k for k in config if k not in accepted]
        refused = []
        for key in unknown:
            item = config[key]
            companion = _COMPANIONS.get(key)
            if item is None or item is False or (companion is not None and not config.get(companion)):
                del config[key]
            else:
                refused.append(f"{key}={item!r:.60}")
        if refused:
            label = f"{name} '{config['name']}'" if isinstance(config.get("name"), str) else name
            raise self.error(f"the Keras {label} uses {', '.join(refused)}, which numnet's {cls.__name__} "
                             f"does not support")


def _accepted_keys(cls: Any) -> Optional[set]:
    """Constructor argument names of a numnet class (following **kwargs up to `Layer`), or None
    when they cannot be known (a user's class, whose own from_config decides)."""
    from numnet.layers import Layer

    if not isinstance(cls, type) or not cls.__module__.startswith("numnet."):
        return None
    names: set = set()
    for klass in cls.__mro__:
        init = klass.__dict__.get("__init__")
        if init is None:
            continue
        if klass is Layer:
            names.update(_LAYER_KWARGS)
            return names
        if klass is object:
            break
        params = inspect.signature(init).parameters.values()
        names.update(p.name for p in params if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY))
        if not any(p.kind is p.VAR_KEYWORD for p in params):
            return names
    return None


MAX_NESTING = 200
"""Deepest nesting of lists/objects accepted in a config (real Keras configs stay far below it)."""


def _nesting_depth(value: Any) -> int:
    """How deeply `value` nests lists, tuples and dicts, found without recursion."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children = item.values()
        elif isinstance(item, (list, tuple)):
            children = item
        else:
            continue
        deepest = max(deepest, depth)
        if deepest > MAX_NESTING:
            return deepest
        stack.extend((child, depth + 1) for child in children)
    return deepest


def from_keras(config: Any, path: str, custom_objects: Optional[Mapping[str, Any]] = None,
               kind: Optional[str] = "layer") -> Any:
    """Keras 3's config form -> numnet's, refusing anything numnet would not build safely.

    Args:
        config: a config as found in a `.keras` file's ``config.json`` (or part of one).
        path: the file, for messages.
        custom_objects: the user's classes and functions by name.
        kind: what `config` describes ("layer" for a model; "optimizer", "loss", ...).

    Returns:
        The config in numnet's form (`numnet.layers.deserialize` and friends read it).

    Raises:
        ValueError: a class numnet does not have, a class from a foreign module that is neither
            registered nor in `custom_objects`, Python bytecode, an unsupported dtype policy, or
            a Keras option numnet does not implement (each message names the class).
    """
    if _nesting_depth(config) > MAX_NESTING:
        raise ValueError(f"Cannot load '{path}': its config is nested too deeply (more than {MAX_NESTING} levels)")
    try:
        return _Reader(path, custom_objects).value(copy.deepcopy(config), kind)
    except RecursionError:
        raise ValueError(f"Cannot load '{path}': its config is nested too deeply") from None


# ------------------------------------------------------------------------------------------------
# Masks Keras bakes into a functional graph
# ------------------------------------------------------------------------------------------------
class MaskSite(NamedTuple):
    """A mask argument Keras computed with keras.ops nodes, taken out of a layer call.

    Attributes:
        model_path: names of the nested models (from the outermost) holding the call; () for the model itself.
        layer: the name of the called layer.
        node_index: which of the layer's calls in that model (Keras's node index).
        key: the argument (``"mask"`` or ``"<arg>_mask"``).
        shapes: the Keras mask's shape for each leaf of the argument (None where it had no mask).
    """

    model_path: Tuple[str, ...]
    layer: str
    node_index: int
    key: str
    shapes: List[Optional[List[Optional[int]]]]


def _is_op_module(module: Any) -> bool:
    return isinstance(module, str) and (module.startswith("keras.src.ops.") or module.startswith("keras.ops"))


def _entry_name(entry: Any) -> Optional[str]:
    """The name of a layer entry of a functional config, or None."""
    if not isinstance(entry, dict):
        return None
    config = entry.get("config")
    name = entry.get("name", config.get("name") if isinstance(config, dict) else None)
    return name if isinstance(name, str) else None


def _is_tensor_ref(value: Any) -> bool:
    return isinstance(value, dict) and value.get("class_name") == _TENSOR


def _history(value: Dict[str, Any]) -> Optional[str]:
    config = value.get("config")
    history = config.get("keras_history") if isinstance(config, dict) else None
    if isinstance(history, list) and history and isinstance(history[0], str):
        return history[0]
    return None


def _leaves(value: Any) -> List[Any]:
    """Tensor references and other leaves of a call argument, in numnet's `flatten` order."""
    out: List[Any] = []
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, (list, tuple)):
            stack.extend(reversed(item))
        elif isinstance(item, dict) and not _is_tensor_ref(item):
            stack.extend(item[k] for k in reversed(sorted(item)))
        else:
            out.append(item)
    return out


def _producers(value: Any) -> List[Optional[str]]:
    """The layer names behind the tensor references in `value` (lists, dicts, Keras 2 node rows)."""
    names: List[Optional[str]] = []
    stack = [value]
    while stack:
        item = stack.pop()
        if _is_tensor_ref(item):
            names.append(_history(item))
        elif isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list):
            if len(item) >= 3 and isinstance(item[0], str) and all(isinstance(i, int) for i in item[1:3]):
                names.append(item[0])  # [layer, node, tensor] (outputs, Keras 2 nodes)
            stack.extend(item)
    return names


def _is_mask_key(key: Any) -> bool:
    return key == "mask" or (isinstance(key, str) and key.endswith("_mask") and len(key) > 5)


def _strip_graph(config: Dict[str, Any], model_path: Tuple[str, ...], sites: List[MaskSite]) -> None:
    """Take the keras.ops mask nodes out of one functional config (in place)."""
    entries = config["layers"]
    ops: Set[str] = set()
    for entry in entries:
        if isinstance(entry, dict) and _is_op_module(entry.get("module")) and "inbound_nodes" in entry \
                and _entry_name(entry) is not None:
            ops.add(_entry_name(entry))
    if not ops:
        return
    used: Set[Optional[str]] = set(_producers(config.get("output_layers")))  # what real computations consume
    mask_roots: Set[str] = set()
    op_inputs: Dict[str, List[Optional[str]]] = {}
    for entry in entries:
        if not isinstance(entry, dict) or not isinstance(entry.get("inbound_nodes"), list):
            continue
        name = _entry_name(entry)
        if name in ops:
            op_inputs[name] = _producers(entry["inbound_nodes"])
            continue
        for index, node in enumerate(entry["inbound_nodes"]):
            kwargs = node.get("kwargs") if isinstance(node, dict) else None
            if not isinstance(kwargs, dict):
                used.update(_producers(node))
                continue
            used.update(_producers(node.get("args")))
            for key in list(kwargs):
                producers = _producers(kwargs[key])
                if _is_mask_key(key) and producers and all(p in ops for p in producers):
                    shapes = []
                    for leaf in _leaves(kwargs[key]):
                        config_ = leaf.get("config") if _is_tensor_ref(leaf) else None
                        shape = config_.get("shape") if isinstance(config_, dict) else None
                        shapes.append(shape if isinstance(shape, list) else None)
                    sites.append(MaskSite(model_path, name, index, key, shapes))
                    mask_roots.update(producers)
                    del kwargs[key]
                else:
                    used.update(producers)
    # an op node a real computation needs stays (and is refused when read); the rest goes
    needed: Set[str] = set()
    stack = [n for n in used if n in ops]
    while stack:
        name = stack.pop()
        if name in needed:
            continue
        needed.add(name)
        stack.extend(p for p in op_inputs.get(name, ()) if p in ops)
    removable: Set[str] = set()
    stack = [n for n in mask_roots if n not in needed]
    while stack:
        name = stack.pop()
        if name in removable or name in needed:
            continue
        removable.add(name)
        stack.extend(p for p in op_inputs.get(name, ()) if p in ops)
    config["layers"] = [e for e in entries if _entry_name(e) not in removable]


def strip_automatic_masks(config: Any) -> Tuple[Any, List[MaskSite]]:
    """Take out of a Keras functional config the mask computations Keras bakes into it.

    When a layer call gets an input that carries a mask, Keras passes the mask on as
    ``mask=`` (or ``<arg>_mask=``) and records the keras.ops nodes that computed it
    (``NotEqual`` for ``Embedding(mask_zero=True)``, ``Any`` for ``Masking``, ``LogicalOr`` and
    ``Concatenate`` for ``Concatenate``, ...) in the graph. numnet propagates masks itself, so a
    mask argument made only of keras.ops nodes is dropped from the call, and so are the op nodes
    nothing else consumes. Op nodes a real computation uses stay (`from_keras` refuses them).

    Args:
        config: a model config as found in a `.keras` file's ``config.json`` (not modified).

    Returns:
        The config without those arguments and nodes, and where the arguments were (for checking
        that the rebuilt model computes a mask there).
    """
    config = copy.deepcopy(config)
    sites: List[MaskSite] = []
    stack: List[Tuple[Any, Tuple[str, ...]]] = [(config, ())]
    while stack:
        value, path = stack.pop()
        if isinstance(value, list):
            stack.extend((v, path) for v in value)
            continue
        if not isinstance(value, dict):
            continue
        inner = value.get("config")
        if isinstance(value.get("class_name"), str) and isinstance(inner, dict) \
                and isinstance(inner.get("layers"), list):
            is_graph = "output_layers" in inner
            if is_graph:
                _strip_graph(inner, path, sites)
            for entry in inner["layers"]:
                name = _entry_name(entry)
                stack.append((entry, path + (name,) if name is not None else path))
            continue
        stack.extend((v, path) for k, v in value.items() if k != "inbound_nodes")
    return config, sites


# ------------------------------------------------------------------------------------------------
# Compile configs
# ------------------------------------------------------------------------------------------------
def to_keras_compile(config: Dict[str, Any]) -> Dict[str, Any]:
    """numnet's `get_compile_config()` -> the ``compile_config`` Keras writes.

    Args:
        config: the output of `model.get_compile_config()`.

    Returns:
        ``{"optimizer", "loss", "loss_weights", "metrics", "weighted_metrics", "run_eagerly",
        "steps_per_execution", "jit_compile"}`` with Keras's object envelopes.
    """
    out = {
        "optimizer": to_keras(config.get("optimizer"), "optimizer"),
        "loss": to_keras(config.get("loss"), "loss"),
        "loss_weights": config.get("loss_weights"),
        "metrics": to_keras(config.get("metrics"), "metric"),
        "weighted_metrics": to_keras(config.get("weighted_metrics"), "metric"),
    }
    out.update(_COMPILE_EXTRAS)
    return out


def from_keras_compile(config: Any, path: str, custom_objects: Optional[Mapping[str, Any]] = None
                       ) -> Optional[Dict[str, Any]]:
    """A ``compile_config`` from a `.keras` file -> numnet's (None when the model was not compiled).

    Args:
        config: the ``compile_config`` value (None or ``{}`` when not compiled).
        path: the file, for messages.
        custom_objects: the user's classes and functions by name.

    Returns:
        A dict for `model.compile_from_config`, or None.

    Raises:
        ValueError: the config is not an object, or names objects numnet cannot build.
    """
    if config is None or config == {}:
        return None
    if not isinstance(config, dict):
        raise ValueError(f"Cannot load '{path}': compile_config must be a JSON object, found "
                         f"{type(config).__name__}")
    reader = _Reader(path, custom_objects)
    out: Dict[str, Any] = {}
    for key, kind in (("optimizer", "optimizer"), ("loss", "loss"), ("metrics", "metric"),
                      ("weighted_metrics", "metric")):
        if key in config:
            try:
                if _nesting_depth(config[key]) > MAX_NESTING:
                    raise RecursionError  # reported below, like Python's own limit
                out[key] = reader.value(config[key], kind)
            except RecursionError:
                raise ValueError(f"Cannot load '{path}': the {key!r} of its compile_config is nested too deeply "
                                 f"(load with compile=False to skip compiling)") from None
    if "loss_weights" in config:
        if _nesting_depth(config["loss_weights"]) > MAX_NESTING:
            raise ValueError(f"Cannot load '{path}': the 'loss_weights' of its compile_config is nested too deeply")
        out["loss_weights"] = config["loss_weights"]
    return out
