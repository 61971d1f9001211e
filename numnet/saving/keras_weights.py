"""Weight files of Keras: reading Keras 3 ``.weights.h5`` and Keras 2 / tf.keras ``.h5``, and
writing Keras 3's layout (the ``model.weights.h5`` inside a ``.keras`` archive).

Keras 3 stores a layer's variables at ``layers/<key>/vars/<0, 1, ...>`` where ``<key>`` is the
snake_case class name (``dense``, ``conv2d``, ``batch_normalization``) with ``_1``, ``_2`` ...
for later layers of the same class, in ``model.layers`` order; nested models repeat the scheme
under ``layers/<key>/layers/...``. Variables are numbered trainable first, then non-trainable.
Other nested layers (an LSTM's ``cell``) sit under the attribute that holds them, attributes
taken in sorted order with private ones last (``layers/lstm/cell/vars``), a list attribute
adding a key per item (``<attribute>/<key>``). Every layer's ``vars`` group carries the
attribute ``name`` (the layer's name); the optimizer's variables are at ``optimizer/vars``.

Keras 2 stores a root attribute ``layer_names`` (``model.layers`` order) and, per layer group, a
``weight_names`` attribute listing dataset paths inside that group (``dense/kernel:0``), in the
layer's ``trainable_weights + non_trainable_weights`` order; ``model.save('x.h5')`` puts the same
under ``/model_weights``. A list too long for one HDF5 object header is split into attributes
``layer_names0``, ``layer_names1``, ... Layers are matched by position, skipping weightless ones.
"""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Tuple

import numpy as np

from numnet.saving import h5_io
from numnet.saving.weights_io import FileGroup, ModelGroup, pair_by_position
from numnet.utils.naming import to_snake_case

__all__ = ["detect_layout", "read_keras2_pairs", "read_keras3_pairs", "keras3_groups", "write_keras3",
           "read_vars_groups"]

NUMNET, KERAS2, KERAS3 = "numnet", "keras2", "keras3"


def detect_layout(f: Any, path: str) -> Tuple[str, Any]:
    """Which weights layout the (validated) file uses, and the group holding the weights.

    Returns:
        ("numnet", file), ("keras2", group with `layer_names`) or ("keras3", file).

    Raises:
        FileLayoutError: an HDF5 file of none of these layouts.
    """
    if "numnet_format" in f.attrs:
        return NUMNET, f
    if _has_list_attr(f, "layer_names"):
        return KERAS2, f
    if "model_weights" in f:
        g = f["model_weights"]
        if hasattr(g, "attrs") and _has_list_attr(g, "layer_names"):
            return KERAS2, g
    if "layers" in f and hasattr(f["layers"], "keys"):
        return KERAS3, f
    raise h5_io.FileLayoutError(
        f"'{path}' is an HDF5 file, but not a weights file numnet can read: expected numnet's layout "
        f"(root attribute 'numnet_format'), a Keras 3 .weights.h5 layout (groups 'layers/<name>/vars') "
        f"or a Keras 2 .h5 layout (root or '/model_weights' attribute 'layer_names'); found root entries "
        f"{sorted(f.keys())[:10]} and attributes {sorted(f.attrs.keys())[:10]}"
    )


def _has_list_attr(obj: Any, name: str) -> bool:
    return name in obj.attrs or f"{name}0" in obj.attrs


def _read_list_attr(obj: Any, name: str, path: str) -> List[str]:
    """A Keras 2 list attribute; Keras splits one longer than an HDF5 object header holds into
    ``name0``, ``name1``, ... (as it does for the layers of big models)."""
    if name in obj.attrs:
        return h5_io.read_str_list_attr(obj, name, path) or []
    out: List[str] = []
    chunk = 0
    while f"{name}{chunk}" in obj.attrs:
        out.extend(h5_io.read_str_list_attr(obj, f"{name}{chunk}", path) or [])
        chunk += 1
    return out


def _label(index: int, layer: Any) -> str:
    return f"layer #{index} '{layer.name}' ({type(layer).__name__})"


def _dedupe(variables: List[Any]) -> List[Any]:
    seen, out = set(), []
    for v in variables:
        if id(v) not in seen:
            seen.add(id(v))
            out.append(v)
    return out


# ----------------------------------------------------------------------------------------------
# Keras 2
# ----------------------------------------------------------------------------------------------
def _keras2_order(layer: Any) -> List[Any]:
    return _dedupe(list(layer.trainable_weights) + list(layer.non_trainable_weights))


def read_keras2_pairs(group: Any, model: Any, path: str) -> List[Tuple[Optional[ModelGroup], Optional[FileGroup]]]:
    """Read a Keras 2 weights group into memory and pair its layers with the model's by position."""
    layer_names = _read_list_attr(group, "layer_names", path)
    file_groups: List[FileGroup] = []
    for lname in layer_names:
        lg = h5_io.subgroup(group, lname, path)
        weight_names = _read_list_attr(lg, "weight_names", path)
        if not weight_names:
            continue
        arrays = [h5_io.read_dataset(lg, w, path) for w in weight_names]
        file_groups.append(FileGroup(f"layer '{lname}' of the Keras file", arrays, list(weight_names)))
    model_groups: List[ModelGroup] = []
    seen: set = set()
    for i, layer in enumerate(model.layers):
        variables = [v for v in _keras2_order(layer) if id(v) not in seen]
        seen.update(id(v) for v in variables)
        if variables:
            model_groups.append(ModelGroup(_label(i, layer), layer.name, type(layer).__name__, i, variables))
    own = [v for v in model.weights if id(v) not in seen]
    if own:
        model_groups.insert(0, ModelGroup(f"the model's own weights ('{model.name}')", model.name,
                                          type(model).__name__, -1, own))
    return pair_by_position(model_groups, file_groups)


# ----------------------------------------------------------------------------------------------
# Keras 3
# ----------------------------------------------------------------------------------------------
def _vars_arrays(group: Any, path: str) -> List[np.ndarray]:
    vg = h5_io.subgroup(group, "vars", path, required=False)
    if vg is None:
        return []
    keys = list(vg.keys())
    bad = [k for k in keys if not k.isdigit()]
    if bad:
        raise h5_io.FileLayoutError(f"'{path}': unexpected entry '{vg.name}/{bad[0]}' (Keras variables are "
                                    f"numbered 0, 1, ...)")
    return [h5_io.read_dataset(vg, k, path) for k in sorted(keys, key=int)]


def _container_keys(items: List[Any]) -> List[str]:
    used: dict = {}
    keys = []
    for item in items:
        name = to_snake_case(type(item).__name__)
        if name in used:
            used[name] += 1
            name = f"{name}_{used[name]}"
        else:
            used[name] = 0
        keys.append(name)
    return keys


def _has_weights(layer: Any) -> bool:
    return bool(layer.weights)


class _Mismatch(Exception):
    pass


def _collect(layer: Any, group: Any, gpath: str, path: str, seen_layers: set, seen_vars: set,
             variables: List[Any], arrays: List[np.ndarray], consumed: set) -> None:
    """Walk `layer` and its file group together, appending matching variables and arrays."""
    seen_layers.add(id(layer))
    consumed.add(gpath)
    sublayers = list(layer.layers) if hasattr(layer, "layers") else []
    nested_ids = {id(v) for s in sublayers for v in s.weights}
    own = [v for v in layer.weights if id(v) not in nested_ids and id(v) not in seen_vars]
    own = [v for v in own if v.trainable] + [v for v in own if not v.trainable]
    seen_vars.update(id(v) for v in own)
    variables.extend(own)
    arrays.extend(_vars_arrays(group, path))
    if not sublayers:
        return
    container = h5_io.subgroup(group, "layers", path, required=False)
    if container is not None:
        keys = _container_keys(sublayers)
        for sub, key in zip(sublayers, keys):
            if id(sub) in seen_layers or not _has_weights(sub):
                continue
            if key not in container:
                raise _Mismatch(f"'{gpath}/layers/{key}' (for {type(sub).__name__} '{sub.name}') is missing")
            _collect(sub, h5_io.subgroup(container, key, path), f"{gpath}/layers/{key}", path,
                     seen_layers, seen_vars, variables, arrays, consumed)
        return
    attrs = {id(v): k for k, v in vars(layer).items() if not k.startswith("__")}
    lists = {k: v for k, v in vars(layer).items() if isinstance(v, (list, tuple))}
    keras_paths: dict = {}
    for rel, sub in _attribute_sublayers(layer):
        keras_paths.setdefault(id(sub), rel)
    for sub in sublayers:
        if id(sub) in seen_layers or not _has_weights(sub):
            continue
        name = attrs.get(id(sub))
        sub_path = None
        if keras_paths.get(id(sub)) is not None and keras_paths[id(sub)] in group:
            sub_path = keras_paths[id(sub)]
        elif name is not None and name in group:
            sub_path = name
        else:
            for lname, items in lists.items():
                if any(x is sub for x in items):
                    key = _container_keys(list(items))[[i for i, x in enumerate(items) if x is sub][0]]
                    sub_path = f"{lname}/{key}"
                    break
        if sub_path is None or sub_path not in group:
            raise _Mismatch(f"no group for nested {type(sub).__name__} '{sub.name}' under '{gpath}'")
        _collect(sub, h5_io.subgroup(group, sub_path, path), f"{gpath}/{sub_path}", path,
                 seen_layers, seen_vars, variables, arrays, consumed)


def _groups_with_vars(group: Any, gpath: str, out: List[str]) -> None:
    for key in group.keys():
        obj = group[key]
        if not hasattr(obj, "keys"):
            continue
        sub = f"{gpath}/{key}" if gpath else key
        if key == "vars":
            if len(obj.keys()):
                out.append(gpath)
        else:
            _groups_with_vars(obj, sub, out)


def read_keras3_pairs(f: Any, model: Any, path: str) -> List[Tuple[Optional[ModelGroup], Optional[FileGroup]]]:
    """Read a Keras 3 ``.weights.h5`` file into memory and pair its layers with the model's by key."""
    pairs: List[Tuple[Optional[ModelGroup], Optional[FileGroup]]] = []
    seen_layers: set = {id(model)}
    seen_vars: set = set()
    consumed: set = {"", "optimizer"}
    layers = list(model.layers)
    nested = {id(v) for layer in layers for v in layer.weights}
    own = [v for v in model.weights if id(v) not in nested]
    own = [v for v in own if v.trainable] + [v for v in own if not v.trainable]
    seen_vars.update(id(v) for v in own)
    if own:
        mg = ModelGroup(f"the model's own weights ('{model.name}')", model.name, type(model).__name__, -1, own)
        pairs.append((mg, FileGroup("'/vars'", _vars_arrays(f, path))))
    container = h5_io.subgroup(f, "layers", path)
    for i, (layer, key) in enumerate(zip(layers, _container_keys(layers))):
        if id(layer) in seen_layers:
            continue
        variables: List[Any] = []
        arrays: List[np.ndarray] = []
        probe = [v for v in layer.weights if id(v) not in seen_vars]
        if not probe:
            seen_layers.add(id(layer))
            continue
        mg = ModelGroup(_label(i, layer), layer.name, type(layer).__name__, i, [])
        gpath = f"layers/{key}"
        if key not in container:
            mg.variables = probe
            mg.label = f"{mg.label} (looked for '{gpath}')"
            pairs.append((mg, None))
            continue
        try:
            _collect(layer, h5_io.subgroup(container, key, path), gpath, path, seen_layers, seen_vars,
                     variables, arrays, consumed)
        except _Mismatch as exc:
            mg.variables = probe
            mg.label = f"{mg.label} ({exc})"
            pairs.append((mg, None))
            continue
        mg.variables = variables
        pairs.append((mg, FileGroup(f"'{gpath}' in the Keras file", arrays)))
    found: List[str] = []
    _groups_with_vars(container, "layers", found)
    for gpath in found:
        if gpath not in consumed:
            arrays = _vars_arrays(f[gpath], path)
            pairs.append((None, FileGroup(f"'{gpath}' in the Keras file", arrays)))
    return pairs


# ----------------------------------------------------------------------------------------------
# Writing Keras 3's layout
# ----------------------------------------------------------------------------------------------
_BASE_ATTRIBUTES: Optional[frozenset] = None


def _base_attributes() -> frozenset:
    """Attributes every layer has (Keras skips those of a bare Layer when it looks for sublayers)."""
    global _BASE_ATTRIBUTES
    if _BASE_ATTRIBUTES is None:
        from numnet.layers import Layer

        _BASE_ATTRIBUTES = frozenset(vars(Layer(name="attribute_probe"))) | frozenset(dir(Layer))
    return _BASE_ATTRIBUTES


def _attribute_key(name: str) -> str:
    return f"~{name}" if name.startswith("_") else name  # Keras visits private attributes last


def _attribute_sublayers(layer: Any) -> List[Tuple[str, Any]]:
    """(path relative to the layer, sublayer) as Keras finds a layer's sublayers: attributes in
    sorted order, private ones last, a list/tuple/dict attribute giving ``<attribute>/<key>``."""
    from numnet.layers import Layer

    skip = _base_attributes()
    out: List[Tuple[str, Any]] = []
    for name in sorted((k for k in vars(layer) if k not in skip and not k.startswith("__")), key=_attribute_key):
        value = vars(layer)[name]
        if isinstance(value, Layer) and value is not layer:
            out.append((name, value))
        elif isinstance(value, (list, tuple, dict)):
            items = [x for x in (value.values() if isinstance(value, dict) else value)
                     if isinstance(x, Layer) and x is not layer]
            out.extend((f"{name}/{key}", sub) for sub, key in zip(items, _container_keys(items)))
    return out


def _is_graph_model(layer: Any) -> bool:
    """Sequential and functional models keep their layers under ``layers/`` (Keras's rule)."""
    from numnet.models import Functional, Sequential

    return isinstance(layer, (Functional, Sequential))


def keras3_groups(model: Any) -> List[Tuple[str, Any, List[Any]]]:
    """Where Keras 3 keeps each layer's variables: ``(group path, layer, own variables)``.

    The group path is relative to the file's root ("" for the model itself, whose
    variables then go to ``/vars``); every layer gets a group, weightless ones too.

    Args:
        model: a numnet model (or layer).

    Returns:
        One entry per layer, the model first, then nested layers depth first.

    Raises:
        ValueError: a weight of the model is held by no layer reachable the way Keras looks.
    """
    out: List[Tuple[str, Any, List[Any]]] = []
    seen_layers: set = set()
    seen_vars: set = set()

    def visit(layer: Any, gpath: str) -> None:
        seen_layers.add(id(layer))
        sublayers = list(getattr(layer, "layers", []) or [])
        nested = {id(v) for sub in sublayers for v in sub.weights}
        own = [v for v in layer.weights if id(v) not in nested and id(v) not in seen_vars]
        own = [v for v in own if v.trainable] + [v for v in own if not v.trainable]
        seen_vars.update(id(v) for v in own)
        out.append((gpath, layer, own))
        if _is_graph_model(layer):
            children = [(f"layers/{key}", sub) for sub, key in zip(sublayers, _container_keys(sublayers))]
        else:
            children = _attribute_sublayers(layer)
        for rel, sub in children:
            if id(sub) not in seen_layers:
                visit(sub, f"{gpath}/{rel}" if gpath else rel)

    visit(model, "")
    missing = [v for v in model.weights if id(v) not in seen_vars]
    if missing:
        raise ValueError(f"Cannot save model '{model.name}' in Keras's layout: weight '{missing[0].path}' belongs "
                         f"to no layer that Keras would find (sublayers must be attributes of their layer)")
    return out


def write_keras3(f: Any, model: Any, optimizer: Optional[Tuple[str, List[np.ndarray]]] = None) -> None:
    """Write `model`'s weights (and optionally the optimizer's state) in Keras 3's layout.

    Args:
        f: an open, empty, writable `h5py.File`.
        model: the numnet model.
        optimizer: ``(optimizer name, state arrays)`` to store under ``optimizer/vars``, or None.
    """
    for gpath, layer, variables in keras3_groups(model):
        group = f.create_group(f"{gpath}/vars" if gpath else "vars")
        group.attrs["name"] = str(layer.name)
        for i, var in enumerate(variables):
            group.create_dataset(str(i), data=np.asarray(var.data))
    if optimizer is not None:
        name, arrays = optimizer
        group = f.create_group("optimizer/vars")
        group.attrs["name"] = str(name)
        for i, arr in enumerate(arrays):
            group.create_dataset(str(i), data=np.asarray(arr))


def read_vars_groups(f: Any, path: str) -> Dict[str, List[np.ndarray]]:
    """Every ``vars`` group of a (validated) Keras 3 weights file, read into memory.

    Args:
        f: the file, opened with `numnet.saving.h5_io.open_h5`.
        path: the file's path, for messages.

    Returns:
        ``{parent path: [arrays in order 0, 1, ...]}``; the parent path is relative to the
        root ("" for ``/vars``, "optimizer" for the optimizer's variables).

    Raises:
        FileLayoutError: a ``vars`` group holds entries not numbered 0..n-1.
    """
    out: Dict[str, List[np.ndarray]] = {}
    stack = [(f, "")]
    while stack:
        group, gpath = stack.pop()
        for key in group.keys():
            obj = group[key]
            if not hasattr(obj, "keys"):
                continue
            if key == "vars":
                arrays = _vars_arrays(group, path)
                if [int(k) for k in sorted(obj.keys(), key=int)] != list(range(len(arrays))):
                    raise h5_io.FileLayoutError(f"'{path}': the entries of '{obj.name}' must be numbered 0..n-1")
                out[gpath] = arrays
            else:
                stack.append((obj, f"{gpath}/{key}" if gpath else key))
    return out
