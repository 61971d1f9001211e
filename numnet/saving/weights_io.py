"""numnet's own weights layout, and the all-or-nothing matching used by every weights reader.

Layout of a weights group (``/model_weights`` in both weights files and model files)::

    /model_weights                      attrs: group_count (int), weight_count (int)
        /<k>                            k = 0, 1, ...: the k-th layer that has weights
                                        attrs: name, class_name, layer_index (position in
                                        model.layers; -1 = the model's own weights), weight_count
            /<j>                        j = 0, 1, ...: float/int dataset, the j-th weight
                                        attrs: name (e.g. "kernel"), path ("dense/kernel"), trainable

Weights of a layer are in `layer.weights` order (its own trainable, then non-trainable, then
nested layers'); layers are in `model.layers` order, weightless layers skipped; a Variable
shared by two layers is stored once, with the first.
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any, List, Optional, Sequence, Tuple

import numpy as np

from numnet.saving import h5_io

__all__ = ["ModelGroup", "FileGroup", "model_weight_groups", "write_weights", "read_weights",
           "match_groups", "assign_all", "require_built"]


@dataclass
class ModelGroup:
    """The weights of one layer of the model being saved/loaded."""

    label: str                 # e.g. "layer #2 'dense_1' (Dense)"
    name: str
    class_name: str
    layer_index: int
    variables: List[Any]


@dataclass
class FileGroup:
    """The weights of one layer as read from a file (arrays already in memory)."""

    label: str
    arrays: List[np.ndarray]
    names: List[str] = field(default_factory=list)


def _label(index: int, name: str, class_name: str) -> str:
    if index < 0:
        return f"the model's own weights ('{name}', {class_name})"
    return f"layer #{index} '{name}' ({class_name})"


def model_weight_groups(model: Any) -> List[ModelGroup]:
    """Split `model.weights` into per-layer groups (the model's own weights first).

    The concatenation of the groups' variables is exactly `model.weights`.
    """
    weights = list(model.weights)
    in_layers = set()
    layer_groups: List[ModelGroup] = []
    for i, layer in enumerate(getattr(model, "layers", [])):
        variables = [v for v in layer.weights if id(v) not in in_layers]
        in_layers.update(id(v) for v in variables)
        if variables:
            layer_groups.append(ModelGroup(_label(i, layer.name, type(layer).__name__), layer.name,
                                           type(layer).__name__, i, variables))
    own = [v for v in weights if id(v) not in in_layers]
    groups: List[ModelGroup] = []
    if own:
        groups.append(ModelGroup(_label(-1, model.name, type(model).__name__), model.name,
                                 type(model).__name__, -1, own))
    groups.extend(layer_groups)
    return groups


def write_weights(group: Any, model: Any) -> None:
    """Write every weight of `model` under the h5py group `group` (layout in the module doc)."""
    groups = model_weight_groups(model)
    group.attrs["group_count"] = len(groups)
    group.attrs["weight_count"] = sum(len(g.variables) for g in groups)
    for k, mg in enumerate(groups):
        g = group.create_group(str(k))
        g.attrs["name"] = np.bytes_(mg.name.encode("utf-8"))
        g.attrs["class_name"] = np.bytes_(mg.class_name.encode("utf-8"))
        g.attrs["layer_index"] = mg.layer_index
        g.attrs["weight_count"] = len(mg.variables)
        for j, var in enumerate(mg.variables):
            ds = g.create_dataset(str(j), data=np.asarray(var.data))
            ds.attrs["name"] = np.bytes_(str(var.name).encode("utf-8"))
            ds.attrs["path"] = np.bytes_(str(var.path).encode("utf-8"))
            ds.attrs["trainable"] = bool(var.trainable)


def _numeric_keys(group: Any, path: str) -> List[str]:
    keys = list(group.keys())
    bad = [k for k in keys if not k.isdigit()]
    if bad:
        raise h5_io.FileLayoutError(f"'{path}': unexpected entry '{group.name}/{bad[0]}' in a numnet weights "
                                    f"group (expected entries named 0, 1, 2, ...)")
    keys.sort(key=int)
    if [int(k) for k in keys] != list(range(len(keys))):
        raise h5_io.FileLayoutError(f"'{path}': entries of '{group.name}' must be numbered 0..n-1, found {keys}")
    return keys


def read_weights(group: Any, path: str) -> List[FileGroup]:
    """Read numnet's weights layout from `group` (validated, inside `open_h5`) into memory.

    Raises:
        FileLayoutError: the group is not laid out as documented.
    """
    out: List[FileGroup] = []
    for k in _numeric_keys(group, path):
        g = h5_io.subgroup(group, k, path)
        name = h5_io.read_str_attr(g, "name", path, default=f"?{k}")
        class_name = h5_io.read_str_attr(g, "class_name", path, default="?")
        index = h5_io.read_attr(g, "layer_index", path, default=-2)
        try:
            index = int(index)
        except (TypeError, ValueError):
            raise h5_io.FileLayoutError(f"'{path}': attribute 'layer_index' of '{g.name}' must be an int") from None
        arrays, names = [], []
        for j in _numeric_keys(g, path):
            arrays.append(h5_io.read_dataset(g, j, path))
            names.append(h5_io.read_str_attr(g[j], "name", path, default=j))
        out.append(FileGroup(_label(index, name, class_name), arrays, names))
    return out


def require_built(model: Any, path: str) -> None:
    """Raise a clear ValueError when the model has no weights because it was never built."""
    if not model.weights and not getattr(model, "built", True):
        raise ValueError(f"Cannot load weights from '{path}' into model '{model.name}': it is not built yet, "
                         f"so its weights do not exist. Call it on data or `model.build(input_shape)` first.")


def _describe(arrays: Sequence[np.ndarray]) -> str:
    return "[" + ", ".join(str(tuple(a.shape)) for a in arrays) + "]"


def match_groups(pairs: Sequence[Tuple[Optional[ModelGroup], Optional[FileGroup]]], path: str,
                 skip_mismatch: bool) -> List[Tuple[Any, np.ndarray]]:
    """Check every (model layer, file layer) pair; return the (variable, array) assignments.

    Args:
        pairs: matched groups; None on one side means that side has no counterpart.
        path: the file, for messages.
        skip_mismatch: warn and skip a mismatching layer instead of raising.

    Raises:
        ValueError: (without skip_mismatch) the first mismatch, naming the layer/weight and both shapes.
    """
    assignments: List[Tuple[Any, np.ndarray]] = []
    for mg, fg in pairs:
        problem = None
        if fg is None:
            problem = (f"{mg.label} has {len(mg.variables)} weight(s) {_describe([v.data for v in mg.variables])} "
                       f"but the file '{path}' has no weights for it")
        elif mg is None:
            problem = (f"the file '{path}' has weights for {fg.label} {_describe(fg.arrays)} but the model has no "
                       f"matching layer with weights")
        elif len(mg.variables) != len(fg.arrays):
            problem = (f"{mg.label} has {len(mg.variables)} weight(s) {_describe([v.data for v in mg.variables])} "
                       f"but the file '{path}' has {len(fg.arrays)} for {fg.label}: {_describe(fg.arrays)}")
        else:
            for var, arr in zip(mg.variables, fg.arrays):
                if tuple(arr.shape) != tuple(var.shape):
                    problem = (f"{mg.label}: weight '{var.path}' has shape {tuple(var.shape)} in the model but "
                               f"shape {tuple(arr.shape)} in the file '{path}' ({fg.label})")
                    break
                if arr.dtype.kind not in "biuf":
                    problem = f"{mg.label}: weight '{var.path}' has non-numeric dtype {arr.dtype} in the file"
                    break
        if problem is not None:
            if not skip_mismatch:
                raise ValueError(f"Cannot load weights: {problem}. Pass skip_mismatch=True to skip "
                                 f"mismatching layers.")
            warnings.warn(f"Skipping loading weights: {problem}.", stacklevel=4)
            continue
        assignments.extend(zip(mg.variables, fg.arrays))
    return assignments


def assign_all(assignments: Sequence[Tuple[Any, np.ndarray]]) -> None:
    """Assign validated arrays to their variables (shapes were checked beforehand)."""
    for var, arr in assignments:
        var.assign(arr)


def pair_by_position(model_groups: List[ModelGroup], file_groups: List[FileGroup]
                     ) -> List[Tuple[Optional[ModelGroup], Optional[FileGroup]]]:
    """Pair the i-th model group with the i-th file group (None where one list is shorter)."""
    n = max(len(model_groups), len(file_groups))
    return [(model_groups[i] if i < len(model_groups) else None,
             file_groups[i] if i < len(file_groups) else None) for i in range(n)]
