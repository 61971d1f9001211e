"""`model.summary()`: the layer table with parameter counts, laid out like Keras 3's."""
from __future__ import annotations

import re
import shutil
import textwrap
from typing import Any, Callable, List, Optional, Sequence

import numpy as np

__all__ = ["print_summary", "readable_memory_size"]


def readable_memory_size(num_bytes: float) -> str:
    """Bytes as a short string with two decimals: `136.04 KB`, `0.00 B`."""
    units = ["B", "KB", "MB", "GB", "TB", "PB"]
    size = float(num_bytes)
    for unit in units[:-1]:
        if size / 1024 < 1:
            return f"{size:.2f} {unit}"
        size /= 1024
    return f"{size:.2f} {units[-1]}"


def _count_and_bytes(weights: Sequence[Any]) -> tuple:
    unique = {id(w): w for w in weights}.values()
    count = 0
    size = 0
    for w in unique:
        arr = getattr(w, "data", w)
        arr = np.asarray(arr)
        count += int(arr.size)
        size += int(arr.size) * arr.dtype.itemsize
    return count, size


def _format_shape(shape: Sequence[Any]) -> str:
    return "(" + ", ".join(str(d) for d in shape) + ")"


def _format_shapes(shapes: List[tuple]) -> str:
    if len(shapes) == 1:
        return _format_shape(shapes[0])
    return "[" + ", ".join(_format_shape(s) for s in shapes) + "]"


def _flat_shapes(structure: Any) -> List[tuple]:
    from numnet.models.model import is_shape

    out: List[tuple] = []
    stack = [structure]
    while stack:
        item = stack.pop()
        if is_shape(item):
            out.append(tuple(item))
        elif isinstance(item, dict):
            stack.extend(item[k] for k in reversed(sorted(item)))
        elif isinstance(item, (list, tuple)):
            stack.extend(reversed(item))
    return out


def _map_shapes(func: Callable[[tuple], Any], structure: Any) -> Any:
    from numnet.models.model import map_shapes

    return map_shapes(func, structure)


def _layer_shape(layer: Any, owner: Any) -> str:
    """Output shape from the layer's node in `owner`'s graph, else from its build shape, else "?"."""
    node_ids = getattr(owner, "_node_ids", None) or set()
    nodes = [n for n in layer._inbound_nodes if id(n) in node_ids] or (list(layer._inbound_nodes) if not node_ids else [])
    if nodes:
        return _format_shapes([t.shape for t in nodes[-1].outputs])
    if layer.built and layer._build_shapes is not None:
        try:
            # the batch size of the data that built the layer is not part of its output shape
            in_shape = _map_shapes(lambda s: (None,) + tuple(s[1:]) if s else s, layer._build_shapes)
            return _format_shapes(_flat_shapes(layer.compute_output_shape(in_shape)))
        except Exception:  # a layer that cannot tell its output shape
            return "?"
    return "?"


def _connections(layer: Any, owner: Any) -> str:
    node_ids = getattr(owner, "_node_ids", set())
    node_index = getattr(owner, "_node_index", {})
    parts = []
    for node in layer._inbound_nodes:
        if id(node) not in node_ids:
            continue
        for t in node.input_tensors:
            parent = t.node
            parts.append(f"{parent.layer.name}[{node_index.get(id(parent), 0)}][{t.index}]")
    return ", ".join(parts) if parts else "-"


def _is_sequential_like(model: Any) -> bool:
    from numnet.models.functional import Functional
    from numnet.models.sequential import Sequential

    if isinstance(model, Sequential) or not isinstance(model, Functional):
        return True
    per_depth: dict = {}
    for node in model._nodes:
        per_depth.setdefault(model._node_depth[id(node)], []).append(node)
    for nodes in per_depth.values():
        if len(nodes) > 1 or len(nodes[0].input_tensors) > 1:
            return False
    for layer in model.layers:
        if sum(1 for n in layer._inbound_nodes if id(n) in model._node_ids) > 1:
            return False
    return True


def _layer_range(layers: List[Any], layer_range: Optional[Sequence[str]]) -> tuple:
    if layer_range is None:
        return 0, len(layers)
    if len(layer_range) != 2 or not all(isinstance(x, str) for x in layer_range):
        raise ValueError(f"summary: layer_range must be two layer-name patterns, got {layer_range!r}")
    low = [i for i, la in enumerate(layers) if re.match(layer_range[0], la.name)]
    high = [i for i, la in enumerate(layers) if re.match(layer_range[1], la.name)]
    if not low or not high:
        raise ValueError(f"summary: layer_range {list(layer_range)} matches no layer names "
                         f"{[la.name for la in layers]}")
    if min(low) > max(high):
        return min(high), max(low) + 1
    return min(low), max(high) + 1


def _wrap(text: str, width: int) -> List[str]:
    lines: List[str] = []
    for part in text.split("\n"):
        lines.extend(textwrap.wrap(part, width=width, break_long_words=True, break_on_hyphens=False) or [""])
    return lines


def _align(text: str, width: int, how: str) -> str:
    if how == "right":
        return text.rjust(width)
    if how == "center":
        return text.center(width)
    return text.ljust(width)


def _render_table(header: List[str], rows: List[List[str]], widths: List[int], alignment: List[str]) -> List[str]:
    def border(left: str, fill: str, mid: str, right: str) -> str:
        return left + mid.join(fill * (w + 2) for w in widths) + right

    def row_lines(cells: List[str], bar: str, header_row: bool = False) -> List[str]:
        wrapped = [_wrap(c, w) for c, w in zip(cells, widths)]
        height = max(len(w) for w in wrapped)
        out = []
        for i in range(height):
            parts = []
            for j, (lines, w) in enumerate(zip(wrapped, widths)):
                text = lines[i] if i < len(lines) else ""
                parts.append(" " + _align(text, w, alignment[j]) + " ")
            out.append(bar + bar.join(parts) + bar)
        return out

    lines = [border("┏", "━", "┳", "┓")]
    lines += row_lines(header, "┃", header_row=True)
    lines.append(border("┡", "━", "╇", "┩"))
    for i, cells in enumerate(rows):
        if i:
            lines.append(border("├", "─", "┼", "┤"))
        lines += row_lines(cells, "│")
    lines.append(border("└", "─", "┴", "┘"))
    return lines


def print_summary(model: Any, line_length: Optional[int] = None, positions: Optional[Sequence[float]] = None,
                  print_fn: Optional[Callable[..., Any]] = None, expand_nested: bool = False,
                  show_trainable: bool = False, layer_range: Optional[Sequence[str]] = None) -> None:
    """Print the summary table of `model` (see `Model.summary`).

    Raises:
        ValueError: the line is too short for the columns, or a bad `layer_range`.
    """
    sequential_like = _is_sequential_like(model)
    if sequential_like:
        default_length = 88
        positions = list(positions or [0.45, 0.80, 1.0])
        header = ["Layer (type)", "Output Shape", "Param #"]
        alignment = ["left", "left", "right"]
    else:
        default_length = 108
        positions = list(positions or [0.3, 0.56, 0.74, 1.0])
        header = ["Layer (type)", "Output Shape", "Param #", "Connected to"]
        alignment = ["left", "left", "right", "left"]
    if show_trainable:
        default_length += 12
        positions = [p * 0.90 for p in positions] + [1.0] if positions[-1] <= 1 else positions + [positions[-1] + 12]
        header.append("Trainable")
        alignment.append("center")
    default_length = min(default_length, shutil.get_terminal_size().columns - 4)
    line_length = int(line_length or default_length)
    if len(positions) != len(header):
        raise ValueError(f"summary: positions must have {len(header)} entries (one per column), got {positions}")
    bounds = [int(p * line_length) if positions[-1] <= 1 else int(p) for p in positions]
    widths = []
    current = 0
    for i, b in enumerate(bounds):
        w = b - current - (4 if i == len(bounds) - 1 else 3)
        if w < 1:
            raise ValueError(f"summary: line_length={line_length} is too short for the columns {header}")
        widths.append(w)
        current = b
    # Like a terminal table, never split a header word: borrow the width from the widest column.
    for i, title in enumerate(header):
        need = max(len(word) for word in title.split())
        while widths[i] < need:
            j = max(range(len(widths)), key=lambda k: widths[k])
            if j == i or widths[j] <= need:
                break
            widths[j] -= 1
            widths[i] += 1

    def fields(layer: Any, owner: Any, prefix: str) -> List[str]:
        name = f"{prefix}{layer.name} ({type(layer).__name__})"
        if not layer.built:
            params = "0 (unbuilt)"
        else:
            params = f"{layer.count_params():,}"
        out = [name, _layer_shape(layer, owner), params]
        if not sequential_like:
            out.append(_connections(layer, owner))
        if show_trainable:
            out.append(("Y" if layer.trainable else "N") if layer.weights else "-")
        return out

    def layer_rows(layer: Any, owner: Any, level: int) -> List[List[str]]:
        prefix = ("   " * level + "└ ") if level else ""
        rows = [fields(layer, owner, prefix)]
        nested = getattr(layer, "layers", None)
        if expand_nested and nested and hasattr(layer, "summary"):
            for sub in nested:
                rows.extend(layer_rows(sub, layer, level + 1))
        return rows

    layers = model.layers
    start, stop = _layer_range(layers, layer_range)
    rows: List[List[str]] = []
    for layer in layers[start:stop]:
        rows.extend(layer_rows(layer, model, 0))

    trainable_count, trainable_bytes = _count_and_bytes(model.trainable_weights)
    frozen_count, frozen_bytes = _count_and_bytes(model.non_trainable_weights)
    optimizer = getattr(model, "optimizer", None) if getattr(model, "compiled", False) else None
    opt_vars = list(getattr(optimizer, "variables", None) or []) if optimizer is not None and getattr(optimizer, "built", False) else []
    opt_count, opt_bytes = _count_and_bytes(opt_vars)

    lines = [f'Model: "{model.name}"']
    lines += _render_table(header, rows, widths, alignment)
    lines.append(f" Total params: {trainable_count + frozen_count + opt_count:,} "
                 f"({readable_memory_size(trainable_bytes + frozen_bytes + opt_bytes)})")
    lines.append(f" Trainable params: {trainable_count:,} ({readable_memory_size(trainable_bytes)})")
    lines.append(f" Non-trainable params: {frozen_count:,} ({readable_memory_size(frozen_bytes)})")
    if opt_vars:
        lines.append(f" Optimizer params: {opt_count:,} ({readable_memory_size(opt_bytes)})")
    text = "\n".join(lines)
    if print_fn is None:
        print(text)
    else:
        print_fn(text)
