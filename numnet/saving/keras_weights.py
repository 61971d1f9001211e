"""Reading weight files written by Keras: Keras 3 ``.weights.h5`` and Keras 2 / tf.keras ``.h5``.

Keras 3 stores a layer's variables at ``layers/<key>/vars/<0, 1, ...>`` where ``<key>`` is the
snake_case class name (``dense``, ``conv2d``, ``batch_normalization``) with ``_1``, ``_2`` ...
for later layers of the same class, in ``model.layers`` order; nested models repeat the scheme
under ``layers/<key>/layers/...``. Variables are numbered trainable first, then non-trainable.

Keras 2 stores a root attribute ``layer_names`` (``model.layers`` order) and, per layer group, a
``weight_names`` attribute listing dataset paths inside that group (``dense/kernel:0``), in the
layer's ``trainable_weights + non_trainable_weights`` order; ``model.save('x.h5')`` puts the same
under ``/model_weights``. A list too long for one HDF5 object header is split into attributes
``layer_names0``, ``layer_names1``, ... Layers are matched by position, skipping weightless ones.
"""
from __future__ import annotations

from typing import Any, List, Optional, Tuple

import numpy as np

from numnet.saving import h5_io
from numnet.saving.weights_io import FileGroup, ModelGroup, pair_by_position
from numnet.utils.naming import to_snake_case

__all__ = ["detect_layout", "read_keras2_pairs", "read_keras3_pairs"]

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
    for sub in sublayers:
        if id(sub) in seen_layers or not _has_weights(sub):
            continue
        name = attrs.get(id(sub))
        sub_path = None
        if name is not None and name in group:
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
