"""The reverse-mode engine: walk the recorded graph backwards, once, iteratively."""
from __future__ import annotations

from typing import Any, List

import numpy as np


def _topological_order(root_fn: Any) -> List[Any]:
    """Functions reachable from `root_fn`, each after all functions that produced its inputs."""
    order: List[Any] = []
    visited = set()
    stack = [(root_fn, False)]
    while stack:
        fn, expanded = stack.pop()
        if expanded:
            order.append(fn)
            continue
        if id(fn) in visited:
            continue
        if fn.inputs is None:
            raise RuntimeError(
                "backward: trying to backward through the graph a second time; its buffers "
                "were freed. Call backward(retain_graph=True) the first time to keep them."
            )
        visited.add(id(fn))
        stack.append((fn, True))
        for t in fn.inputs:
            ctx = t._ctx
            if ctx is not None and id(ctx) not in visited:
                stack.append((ctx, False))
    return order


def _accumulate_leaf(tensor: Any, grad: np.ndarray, owned: bool = False) -> None:
    """Add `grad` into `tensor.grad`; an `owned` array (fresh, referenced nowhere else) is
    adopted as the first gradient instead of copied."""
    if grad.shape != tensor.data.shape:
        grad = np.broadcast_to(grad, tensor.data.shape)
        owned = False
    if tensor.grad is None:
        if owned and grad.dtype == tensor.data.dtype and grad.base is None and grad.flags.writeable:
            tensor.grad = grad
        else:
            tensor.grad = np.array(grad, dtype=tensor.data.dtype, copy=True)
    else:
        tensor.grad += grad


def run_backward(root: Any, grad: Any, retain_graph: bool) -> None:
    """Implementation of `Tensor.backward` (see there)."""
    if not root.requires_grad:
        raise ValueError(
            "backward: this tensor does not require grad (no input had requires_grad=True, "
            "or it was computed under no_grad)"
        )
    if grad is None:
        if root.data.size != 1:
            raise ValueError(
                f"backward: grad can be omitted only for a one-element tensor; this one has "
                f"shape {root.shape}. Pass grad= of that shape (e.g. ones) or reduce it first."
            )
        grad = np.ones_like(root.data)
    else:
        grad = np.asarray(getattr(grad, "data", grad), dtype=root.data.dtype)
        if grad.shape != root.data.shape:
            raise ValueError(f"backward: grad has shape {grad.shape}, expected the tensor's shape {root.shape}")
    if root._ctx is None:
        _accumulate_leaf(root, grad)
        return
    if root._retain:
        _accumulate_leaf(root, grad)

    order = _topological_order(root._ctx)
    grads = {id(root._ctx): grad}
    for fn in reversed(order):
        out_grad = grads.pop(id(fn), None)
        input_grads = () if out_grad is None else fn.backward(out_grad)
        fresh = fn.fresh_grads
        for t, needs, g in zip(fn.inputs, fn.needs_input_grad, input_grads):
            if not needs or g is None:
                continue
            ctx = t._ctx
            if ctx is None:
                _accumulate_leaf(t, g, fresh and g is not out_grad and sum(x is g for x in input_grads) == 1)
                continue
            if t._retain:
                _accumulate_leaf(t, g)
            key = id(ctx)
            previous = grads.get(key)
            grads[key] = g if previous is None else previous + g
        if not retain_graph:
            fn.release()
            fn.inputs = None
