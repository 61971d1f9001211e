"""Whole models in Keras 3's native `.keras` format (a zip of config, metadata and weights).

`save_keras` writes what `keras.saving.load_model` reads: ``config.json`` in Keras's object
form (numnet.saving.keras_config), ``model.weights.h5`` in Keras 3's weights layout with the
optimizer's variables under ``optimizer/vars`` (numnet.saving.keras_weights), and
``metadata.json``. `load_keras` reads such files written by Keras or by numnet, with the
safety rules of numnet.saving.keras_archive (the zip), numnet.saving.h5_io (the HDF5 inside)
and numnet.saving.keras_config (which classes may be built).

numnet adds one key Keras does not have: ``metadata.json["numnet"]`` keeps numnet's version
and the random-generator state of seeded layers (``Dropout(seed=...)``), so that training
resumes exactly; Keras ignores it.
"""
from __future__ import annotations

import datetime
from typing import Any, Dict, List, Mapping, Optional, Tuple

import numpy as np

from numnet.saving import h5_io, keras_archive, keras_config, keras_weights, model_io, weights_io
from numnet.saving.weights_io import FileGroup, ModelGroup

__all__ = ["KERAS_VERSION", "keras_model_config", "save_keras", "load_keras", "load_keras_weights"]

# The Keras release whose `.keras` format numnet writes (and was checked against).
KERAS_VERSION = "3.15.1"


# ------------------------------------------------------------------------------------------------
# Saving
# ------------------------------------------------------------------------------------------------
def _layer_build_config(layer: Any) -> Optional[Dict[str, Any]]:
    from numnet.layers import Layer

    shapes = getattr(layer, "_build_shapes", None)
    if shapes is None or not getattr(layer, "built", False) or type(layer).build is Layer.build:
        return None
    try:
        return model_io._json_check({"input_shape": shapes}, "build config")
    except ValueError:
        return None


def _add_build_configs(config: Dict[str, Any], layer: Any) -> None:
    """Give each layer of a Sequential/functional config its ``build_config``, as Keras does."""
    if not keras_weights._is_graph_model(layer):
        return
    entries = (config.get("config") or {}).get("layers")
    if not isinstance(entries, list):
        return
    by_name = {sub.name: sub for sub in getattr(layer, "_layers", layer.layers)}
    for entry in entries:
        name = entry.get("name", (entry.get("config") or {}).get("name"))
        sub = by_name.get(name)
        if sub is None:
            continue
        if keras_weights._is_graph_model(sub):
            _add_build_configs(entry, sub)
        build = _layer_build_config(sub)
        if build is not None and "build_config" not in entry:
            entry["build_config"] = build


def keras_model_config(model: Any) -> Dict[str, Any]:
    """The ``config.json`` Keras would write for `model` (without compile_config).

    Args:
        model: a numnet Sequential, functional or registered subclassed model.

    Returns:
        ``{"module", "class_name", "config", "registered_name", "build_config"}``.

    Raises:
        ValueError: the model holds a Python function or its config is not JSON.
    """
    model_io._refuse_code(model)
    config = keras_config.to_keras(model_io._model_config(model), "layer")
    _add_build_configs(config, model)
    from numnet.models import Functional

    if isinstance(model, Functional):
        config["build_config"] = {"input_shape": None}  # a functional model is built by its graph
    else:
        build = model_io._build_config(model)
        if build is not None:
            config["build_config"] = build
    return model_io._json_check(config, f"config of model '{model.name}'")


def save_keras(model: Any, filepath: Any, overwrite: bool = True, include_optimizer: bool = True) -> None:
    """Save `model` as a Keras 3 `.keras` archive, atomically.

    Args:
        model: a numnet Sequential, functional or registered subclassed model.
        filepath: the destination (ending in ``.keras``).
        overwrite: if False and the file exists, raise `FileExistsError`.
        include_optimizer: store the optimizer's variables (the compile config is always kept).

    Raises:
        ValueError: a layer holds a Python function, the config is not JSON, or a weight is
            not reachable the way Keras finds weights.
    """
    path = h5_io.check_filepath(filepath)
    config = keras_model_config(model)
    compile_config = None
    if getattr(model, "compiled", False) and hasattr(model, "get_compile_config"):
        numnet_compile = model.get_compile_config()
        if numnet_compile is not None:
            compile_config = model_io._json_check(keras_config.to_keras_compile(numnet_compile), "compile config")
    if compile_config is not None:
        config["compile_config"] = compile_config
    keras_weights.keras3_groups(model)  # refuse unreachable weights before writing anything
    optimizer = None
    if include_optimizer and compile_config is not None:
        opt = getattr(model, "optimizer", None)
        if opt is not None and hasattr(opt, "get_state"):
            optimizer = (str(getattr(opt, "name", type(opt).__name__.lower())),
                         [np.array(getattr(v, "data", v)) for v in opt.get_state()])
    numnet_meta: Dict[str, Any] = {"version": model_io._numnet_version()}
    rng_states = model_io._rng_states(model)
    if rng_states:
        numnet_meta["rng_state"] = rng_states
    metadata = {"keras_version": KERAS_VERSION,
                "date_saved": datetime.datetime.now().strftime("%Y-%m-%d@%H:%M:%S"),
                "numnet": model_io._json_check(numnet_meta, "metadata")}

    def write_weights(f: Any) -> None:
        keras_weights.write_keras3(f, model, optimizer)

    keras_archive.write_archive(path, config, metadata, write_weights, overwrite=overwrite)


# ------------------------------------------------------------------------------------------------
# Loading
# ------------------------------------------------------------------------------------------------
def _read(path: str) -> Tuple[Dict[str, Any], Dict[str, Any], Dict[str, List[np.ndarray]]]:
    """The archive's config, metadata and every ``vars`` group's arrays, all checked."""
    with keras_archive.open_archive(path) as archive:
        try:
            with h5_io.open_h5(archive.weights_path) as f:
                groups = keras_weights.read_vars_groups(f, archive.weights_path)
        except (h5_io.CorruptFileError, h5_io.UnsafeFileError, h5_io.FileLayoutError) as exc:
            inner = f"{path}' (its member '{keras_archive.WEIGHTS_MEMBER}')"
            raise type(exc)(str(exc).replace(f"{archive.weights_path}'", inner)) from None
        return archive.config, archive.metadata, groups


def _pairs(model: Any, groups: Dict[str, List[np.ndarray]], path: str
           ) -> List[Tuple[Optional[ModelGroup], Optional[FileGroup]]]:
    """Pair each layer's variables with the file's group at the layer's Keras path."""
    pairs: List[Tuple[Optional[ModelGroup], Optional[FileGroup]]] = []
    used = {"optimizer"}
    for i, (gpath, layer, variables) in enumerate(_groups_checked(model, path)):
        where = f"{gpath}/vars" if gpath else "vars"
        label = (f"the model's own weights ('{layer.name}')" if not gpath
                 else f"layer '{layer.name}' ({type(layer).__name__}, '{where}')")
        arrays = groups.get(gpath)
        used.add(gpath)
        if not variables and not arrays:
            continue
        mg = ModelGroup(label, layer.name, type(layer).__name__, i, list(variables)) if variables else None
        fg = FileGroup(f"'{where}' in the Keras file", list(arrays)) if arrays is not None else None
        pairs.append((mg, fg))
    graph = keras_weights._is_graph_model(model)
    for gpath, arrays in groups.items():
        if gpath not in used and arrays and not _ignorable(gpath, graph):
            pairs.append((None, FileGroup(f"'{gpath}/vars' in the Keras file" if gpath else "'vars'", arrays)))
    return pairs


def _ignorable(gpath: str, graph_model: bool) -> bool:
    """Groups of state numnet keeps elsewhere: random-generator states (``seed_generator``),
    and, beside a Sequential/functional model's ``layers``, trackers such as metrics."""
    parts = gpath.split("/")
    return any(p.endswith("seed_generator") for p in parts) or (graph_model and parts[0] != "layers")


def _groups_checked(model: Any, path: str) -> List[Tuple[str, Any, List[Any]]]:
    """`keras_weights.keras3_groups`, with a message naming the file on failure."""
    try:
        return keras_weights.keras3_groups(model)
    except ValueError as exc:
        raise ValueError(f"Cannot match the weights of '{path}': {exc}") from None


def _optimizer_state(groups: Dict[str, List[np.ndarray]]) -> Optional[Tuple[List[np.ndarray], bool]]:
    """The optimizer variables and whether they were saved after the optimizer was built.

    Keras stores only the counters (iterations, learning rate) of an optimizer that has not
    taken a step yet: then every array is a scalar and the slots start at zero.
    """
    arrays = groups.get("optimizer")
    if not arrays:
        return None
    return list(arrays), not all(np.ndim(a) == 0 for a in arrays)


def _split_config(config: Dict[str, Any], path: str) -> Tuple[Dict[str, Any], Any, Any]:
    if not isinstance(config.get("class_name"), str) or not isinstance(config.get("config", {}), dict):
        raise h5_io.FileLayoutError(f"'{path}': config.json must be an object with a string 'class_name' and an "
                                    f"object 'config', found keys {sorted(config)[:10]}")
    model_config = {k: v for k, v in config.items() if k not in ("build_config", "compile_config")}
    return model_config, config.get("build_config"), config.get("compile_config")


def _call_masks(model: Any, site: keras_config.MaskSite) -> Optional[List[Any]]:
    """numnet's symbolic masks for the argument of a layer call that Keras passed a mask for
    (flattened as Keras's), or None when the call cannot be found."""
    from numnet.autograd.masking import get_keras_mask
    from numnet.layers.symbolic import SymbolicTensor, flatten, map_structure

    for name in site.model_path:
        try:
            model = model.get_layer(name)
        except (AttributeError, ValueError):
            return None
    try:
        layer = model.get_layer(site.layer)
    except (AttributeError, ValueError):
        return None
    node_ids = getattr(model, "_node_ids", None)
    if node_ids is None:
        return None
    nodes = [n for n in layer._inbound_nodes if id(n) in node_ids]
    if site.node_index >= len(nodes):
        return None
    node = nodes[site.node_index]
    params = layer._call_spec().params
    named: Dict[str, Any] = {params[i] if i < len(params) else f"*{i}": v for i, v in enumerate(node.args)}
    named.update(node.kwargs)
    if site.key == "mask":
        tensors = [v for v in named.values() if any(isinstance(t, SymbolicTensor) for t in flatten(v))]
        value = tensors[0] if len(tensors) == 1 else (node.args[0] if node.args else None)
    else:
        value = named.get(site.key[:-len("_mask")])
    return flatten(map_structure(lambda t: get_keras_mask(t) if isinstance(t, SymbolicTensor) else None, value))


def _check_mask_sites(model: Any, sites: List[keras_config.MaskSite], path: str) -> None:
    """Refuse a model in which numnet would not compute a mask Keras computed in the graph."""
    for site in sites:
        masks = _call_masks(model, site)
        if masks is None:
            continue
        ok = len(masks) == len(site.shapes)
        for mask, shape in zip(masks, site.shapes) if ok else ():
            if shape is None:
                ok = ok and mask is None
            else:
                ok = ok and mask is not None and len(mask.shape) == len(shape) and all(
                    a is None or b is None or a == b for a, b in zip(mask.shape, shape))
        if not ok:
            where = "/".join(site.model_path + (site.layer,))
            found = [None if m is None else list(m.shape) for m in masks]
            raise ValueError(f"Cannot load '{path}': Keras passes layer '{where}' (call {site.node_index}) "
                             f"{site.key}= computed with keras.ops in the graph (shapes {site.shapes}), "
                             f"which numnet's own mask propagation does not reproduce (it gives {found}); "
                             f"numnet rebuilds only the masks layers compute themselves")


def _saved_bytes(groups: Dict[str, List[np.ndarray]]) -> int:
    return sum(int(a.nbytes) for arrays in groups.values() for a in arrays)


def load_keras(filepath: Any, custom_objects: Optional[Mapping[str, Any]] = None, compile: bool = True) -> Any:
    """Load a model from a Keras 3 `.keras` archive (written by Keras or by numnet).

    Everything is read and checked (archive, JSON, HDF5 content, which classes the config
    names, every weight's presence and shape) before the model is returned.

    Args:
        filepath: the `.keras` file.
        custom_objects: the user's classes and functions by name.
        compile: restore the compile configuration and the optimizer's variables.

    Returns:
        The model, with the file's weights bit for bit.

    Raises:
        FileNotFoundError: no such file.
        OSError: a damaged or truncated archive or weights file (`CorruptFileError`).
        ValueError: unsafe content, a missing member, malformed JSON, a class numnet does not
            have or will not build, a Keras option numnet does not implement, or weights that
            do not fit the architecture.
    """
    path = h5_io.check_filepath(filepath)
    config, metadata, groups = _read(path)
    model_config, build_config, compile_config = _split_config(config, path)
    model_config, mask_sites = keras_config.strip_automatic_masks(model_config)
    numnet_config = keras_config.from_keras(model_config, path, custom_objects, "layer")
    numnet_compile = keras_config.from_keras_compile(compile_config, path, custom_objects) if compile else None
    numnet_meta = metadata.get("numnet") if isinstance(metadata.get("numnet"), dict) else {}
    if build_config is not None and not isinstance(build_config, dict):
        raise h5_io.FileLayoutError(f"'{path}': build_config must be a JSON object, found "
                                    f"{type(build_config).__name__}")
    budget = model_io._load_budget(_saved_bytes(groups))
    model = model_io._build_for_loading(numnet_config, build_config, custom_objects, path, budget)
    _check_mask_sites(model, mask_sites, path)
    model_io._finish_loading(model, lambda: _pairs(model, groups, path), path, numnet_meta.get("rng_state"),
                            numnet_compile, _optimizer_state(groups), custom_objects, budget)
    return model


def load_keras_weights(model: Any, filepath: Any, skip_mismatch: bool = False) -> None:
    """Load the weights of a `.keras` archive into an existing model of the same architecture.

    Args:
        model: a built numnet model.
        filepath: the `.keras` file.
        skip_mismatch: skip (with a warning) layers whose weights do not fit.

    Raises:
        FileNotFoundError: no such file.
        OSError: a damaged or truncated archive (`CorruptFileError`).
        ValueError: unsafe content, or (without skip_mismatch) weights that do not fit; the
            model is then unchanged.
    """
    path = h5_io.check_filepath(filepath)
    _, _, groups = _read(path)
    weights_io.require_built(model, path)
    assignments = weights_io.match_groups(_pairs(model, groups, path), path, bool(skip_mismatch))
    weights_io.assign_all(assignments)
