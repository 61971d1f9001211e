"""Checking autograd against central finite differences (run it in float64)."""
from __future__ import annotations

from typing import Any, Callable, Sequence

import numpy as np

from numnet.autograd.grad_mode import no_grad
from numnet.autograd.tensor import Tensor


def _relative_error(analytic: np.ndarray, numeric: np.ndarray) -> float:
    scale = np.linalg.norm(analytic) + np.linalg.norm(numeric)
    if scale == 0.0:
        return 0.0
    return float(np.linalg.norm(analytic - numeric) / scale)


def gradient_check(
    func: Callable[..., Tensor],
    inputs: Sequence[Any],
    params: Sequence[Tensor] = (),
    eps: float = 1e-6,
    seed: int = 0,
) -> float:
    """Compare the gradients autograd computes with central differences.

    The output of `func` is reduced to a scalar by a fixed random projection, so every
    element of its gradient is exercised. Each input and parameter is perturbed one
    element at a time by ±`eps`.

    Args:
        func: maps Tensors made from `inputs` (one positional argument each) to a Tensor.
        inputs: float64 arrays; each becomes a Tensor with `requires_grad=True`.
        params: extra float64 leaf tensors `func` uses (e.g. layer weights); checked too.
        eps: finite-difference step.
        seed: seed of the random projection.

    Returns:
        The largest relative error ``|a - n| / (|a| + |n|)`` (norms over each array) among
        all inputs and params. Values below 1e-6 mean the gradients agree.

    Raises:
        TypeError: an input or parameter is not float64 (float32 differences are too coarse).
    """
    arrays = [np.array(getattr(x, "data", x), copy=True) for x in inputs]
    for i, a in enumerate(arrays):
        if a.dtype != np.float64:
            raise TypeError(f"gradient_check: input {i} must be float64, got {a.dtype}")
    for i, p in enumerate(params):
        if not isinstance(p, Tensor) or p.dtype != np.float64:
            raise TypeError(f"gradient_check: param {i} must be a float64 Tensor, got {getattr(p, 'dtype', type(p))}")
    tensors = [Tensor(a, requires_grad=True) for a in arrays]
    for p in params:
        p.requires_grad = True
        p.grad = None
    out = func(*tensors)
    weights = np.random.default_rng(seed).standard_normal(out.shape)
    out.backward(weights.astype(out.dtype))

    def scalar(*xs: np.ndarray) -> float:
        with no_grad():
            return float(np.sum(func(*[Tensor(x) for x in xs]).data * weights))

    worst = 0.0
    targets = [(t.data, t.grad) for t in tensors] + [(p.data, p.grad) for p in params]
    for data, analytic in targets:
        if analytic is None:
            analytic = np.zeros_like(data)
        numeric = np.zeros_like(data)
        for idx in np.ndindex(*data.shape):
            original = data[idx]
            data[idx] = original + eps
            plus = scalar(*arrays)
            data[idx] = original - eps
            minus = scalar(*arrays)
            data[idx] = original
            numeric[idx] = (plus - minus) / (2 * eps)
        worst = max(worst, _relative_error(analytic, numeric))
    return worst
