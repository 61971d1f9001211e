"""What `compile` turns its `loss`, `loss_weights`, `metrics` and `weighted_metrics` arguments into.

`CompileLoss` and `CompileMetrics` are built on the first batch, when the number of outputs and the
shapes of `y_true`/`y_pred` are known (needed to resolve `"accuracy"` and `"crossentropy"`).
Both work on *flat lists* in `model.output_names` order; `flatten_outputs` makes those lists from
whatever structure the model returns and the user passes.
"""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Sequence

import numpy as np

from numnet.autograd.tensor import Tensor

__all__ = ["CompileLoss", "CompileMetrics", "MeanTracker", "flatten_outputs", "resolve_output_names",
           "is_binary_or_sparse_categorical", "get_metric", "get_loss"]


class MeanTracker:
    """A weighted running mean of Python floats (the `loss` entry of the logs).

    Keras weights each batch's loss by the batch size, so the epoch's `loss` is the mean over samples.
    Kept in float64 and free of Tensor overhead because it is updated on every step.
    """

    _direction = "down"

    def __init__(self, name: str = "loss") -> None:
        self.name = name
        self.total = 0.0
        self.count = 0.0

    def update_state(self, value: float, sample_weight: float = 1.0) -> None:
        """Add `value` with weight `sample_weight`."""
        self.total += float(value) * sample_weight
        self.count += sample_weight

    def result(self) -> float:
        """The weighted mean so far (0.0 before any update)."""
        return self.total / self.count if self.count else 0.0

    def reset_state(self) -> None:
        """Forget all updates."""
        self.total = 0.0
        self.count = 0.0

    @property
    def variables(self) -> List[np.ndarray]:
        """The state (total, count) as arrays."""
        return [np.array(self.total), np.array(self.count)]

    def __repr__(self) -> str:
        return f"<MeanTracker name={self.name}>"


# ----- structures --------------------------------------------------------------------------
def resolve_output_names(model: Any, n: int, y_pred: Any = None) -> List[str]:
    """`model.output_names` when it has `n` entries; dict keys of `y_pred`; else output_0, output_1, ..."""
    if isinstance(y_pred, dict) and len(y_pred) == n:
        names = list(getattr(model, "output_names", None) or [])
        if sorted(names) == sorted(y_pred):
            return names
        return list(y_pred.keys())
    names = list(getattr(model, "output_names", None) or [])
    if len(names) == n:
        return names
    return ["output"] if n == 1 else [f"output_{i}" for i in range(n)]


def flatten_outputs(value: Any, output_names: Sequence[str], what: str = "y") -> List[Any]:
    """Turn a single value, a list/tuple or a dict keyed by output name into a list in output order.

    Missing dict entries become None.

    Raises:
        ValueError: a list of the wrong length or a dict with unknown keys (names them).
    """
    n = len(output_names)
    if isinstance(value, dict):
        unknown = [k for k in value if k not in output_names]
        if unknown:
            raise ValueError(f"{what}: keys {unknown} do not correspond to any model output; "
                             f"the outputs are {list(output_names)}")
        return [value.get(name) for name in output_names]
    if isinstance(value, (list, tuple)):
        if len(value) != n:
            raise ValueError(f"{what}: expected {n} entries (one per output {list(output_names)}), got {len(value)}")
        return list(value)
    if n == 1:
        return [value]
    raise ValueError(f"{what}: the model has {n} outputs {list(output_names)}; pass a list or a dict keyed by "
                     f"output name, got a single {type(value).__name__}")


def _shape(v: Any) -> tuple:
    return tuple(np.shape(getattr(v, "data", v)))


def is_binary_or_sparse_categorical(y_true: Any, y_pred: Any) -> tuple:
    """Keras's rule: binary when y_pred's last dim is 1; sparse categorical when y_true has lower rank
    than y_pred, or y_true's last dim is 1 and y_pred's is larger."""
    ts, ps = _shape(y_true), _shape(y_pred)
    t_last = ts[-1] if ts else 1
    p_last = ps[-1] if ps else 1
    is_binary = p_last == 1
    is_sparse = len(ts) < len(ps) or (t_last == 1 and p_last > 1)
    return is_binary, is_sparse


# ----- losses ------------------------------------------------------------------------------
class _LossFunctionWrapper:
    """Make a per-sample loss function `fn(y_true, y_pred)` a reduced, weighted loss (sum over batch size)."""

    def __init__(self, fn: Any, name: str) -> None:
        self.fn = fn
        self.name = name

    def __call__(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> Tensor:
        values = self.fn(y_true, y_pred)
        if not isinstance(values, Tensor):
            values = Tensor(values)
        count = values.data.size
        if sample_weight is not None:
            sw = np.asarray(getattr(sample_weight, "data", sample_weight), dtype=values.data.dtype)
            while sw.ndim > values.ndim and sw.shape[-1] == 1:
                sw = sw[..., 0]
            while sw.ndim < values.ndim:
                sw = sw[..., None]
            values = values * sw
        total = values.sum()
        return total / np.asarray(max(count, 1), dtype=values.data.dtype)

    def get_config(self) -> dict:
        return {"name": self.name}


def _losses_module():
    from numnet import losses

    return losses


def _metrics_module():
    from numnet import metrics

    return metrics


def _check_loss_identifier(identifier: Any) -> None:
    """Resolve string identifiers now so an unknown name fails in `compile` (ValueError from `get`)."""
    if isinstance(identifier, str) and identifier.lower() not in ("crossentropy", "ce"):
        _losses_module().get(identifier)


def get_loss(identifier: Any, y_true: Any, y_pred: Any) -> Any:
    """Resolve one output's loss to a callable `(y_true, y_pred, sample_weight) -> scalar Tensor`."""
    if identifier is None:
        return None
    losses = _losses_module()
    if isinstance(identifier, str) and identifier.lower() in ("crossentropy", "ce"):
        is_binary, is_sparse = is_binary_or_sparse_categorical(y_true, y_pred)
        identifier = ("binary_crossentropy" if is_binary else
                      "sparse_categorical_crossentropy" if is_sparse else "categorical_crossentropy")
    obj = losses.get(identifier)
    loss_base = getattr(losses, "Loss", None)
    if isinstance(obj, type) and loss_base is not None and issubclass(obj, loss_base):
        obj = obj()
    if loss_base is not None and isinstance(obj, loss_base):
        return obj
    if not callable(obj):
        raise TypeError(f"loss: expected a loss name, a Loss object or a function, got {identifier!r}")
    name = identifier if isinstance(identifier, str) else getattr(obj, "__name__", type(obj).__name__)
    wrapper = getattr(losses, "LossFunctionWrapper", None)
    if wrapper is not None:
        try:
            return wrapper(obj, name=name)
        except TypeError:
            pass
    return _LossFunctionWrapper(obj, name)


def _loss_kind(loss: Any) -> str:
    """'sparse' when `loss` is a sparse categorical cross-entropy (used to validate labels)."""
    name = type(loss).__name__
    fn = getattr(loss, "fn", None)
    fn_name = getattr(fn, "__name__", "") if fn is not None else ""
    if "SparseCategorical" in name or "sparse_categorical" in fn_name:
        return "sparse"
    return ""


class CompileLoss:
    """The compiled loss: one loss per output, weighted by `loss_weights` and summed.

    Args:
        loss: a loss (name, Loss object or function) applied to every output, or a list (one per
            output, None for none) or a dict keyed by output name.
        loss_weights: a float (single output), a list or a dict keyed by output name.

    Raises:
        ValueError: an unknown loss name (listing the valid ones), bad `loss_weights` types.
    """

    def __init__(self, loss: Any, loss_weights: Any = None) -> None:
        if loss_weights is not None and not isinstance(loss_weights, (list, tuple, dict, float, int)) or \
                isinstance(loss_weights, bool):
            raise ValueError("Expected `loss_weights` argument to be a float (single output case) or a list or "
                             f"dict (multiple output case), got {loss_weights!r} of type {type(loss_weights).__name__}")
        for item in (loss.values() if isinstance(loss, dict) else loss if isinstance(loss, (list, tuple)) else [loss]):
            _check_loss_identifier(item)
        self._user_loss = loss
        self._user_loss_weights = loss_weights
        self.built = False
        self.entries: List[tuple] = []  # (output index, loss, weight or None, output name)
        self.trackers: List[MeanTracker] = []

    def build(self, y_true: List[Any], y_pred: List[Any], output_names: List[str]) -> None:
        """Resolve the per-output losses given flat y_true/y_pred lists in output order."""
        n = len(output_names)
        loss = self._user_loss
        if isinstance(loss, (dict, list, tuple)):
            flat_loss = flatten_outputs(loss if isinstance(loss, dict) else list(loss), output_names, "loss")
        else:
            flat_loss = [loss] * n
        weights = self._user_loss_weights
        if weights is None:
            flat_weights = [None] * n
        elif isinstance(weights, (int, float)):
            if n != 1:
                raise ValueError(f"loss_weights: a single number is only valid for a single-output model; this "
                                 f"one has outputs {output_names}. Pass a list or a dict.")
            flat_weights = [float(weights)]
        elif isinstance(weights, dict):
            flat_weights = flatten_outputs(weights, output_names, "loss_weights")
        else:
            flat_weights = flatten_outputs(weights, output_names, "loss_weights")
        self.entries = []
        for i, (l, w) in enumerate(zip(flat_loss, flat_weights)):
            if l is None:
                continue
            if y_true[i] is None:
                raise ValueError(f"No target (y) was given for output '{output_names[i]}', which has a loss")
            fn = get_loss(l, y_true[i], y_pred[i])
            self.entries.append((i, fn, None if w is None else float(w), output_names[i]))
        self.trackers = [MeanTracker(f"{name}_loss") for _, _, _, name in self.entries] if len(self.entries) > 1 else []
        self.built = True

    def sparse_outputs(self) -> List[int]:
        """Indices of outputs whose loss is a sparse categorical cross-entropy."""
        return [i for i, fn, _, _ in self.entries if _loss_kind(fn) == "sparse"]

    def __call__(self, y_true: List[Any], y_pred: List[Any], sample_weight: List[Any], batch_size: int) -> Optional[Tensor]:
        """The weighted sum of the per-output losses (None when no output has a loss)."""
        total = None
        trackers = self.trackers
        for k, (i, fn, w, _) in enumerate(self.entries):
            value = fn(y_true[i], y_pred[i], sample_weight[i])
            if trackers:
                trackers[k].update_state(float(value.data), batch_size)
            if w is not None:
                value = value * w
            total = value if total is None else total + value
        return total

    def reset_state(self) -> None:
        """Reset the per-output loss trackers."""
        for t in self.trackers:
            t.reset_state()


# ----- metrics -----------------------------------------------------------------------------
class _MeanMetricWrapper:
    """Turn a per-sample function `fn(y_true, y_pred)` into a stateful mean metric (fallback)."""

    def __init__(self, fn: Any, name: str) -> None:
        self.fn = fn
        self.name = name
        self.reset_state()

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        values = self.fn(y_true, y_pred)
        values = np.asarray(getattr(values, "data", values), dtype=np.float64)
        values = values.reshape(values.shape[0], -1).mean(axis=1) if values.ndim > 1 else values
        sw = np.ones_like(values) if sample_weight is None else np.asarray(sample_weight, dtype=np.float64).reshape(values.shape)
        self.total += float((values * sw).sum())
        self.count += float(sw.sum())

    def result(self) -> float:
        return self.total / self.count if self.count else 0.0

    def reset_state(self) -> None:
        self.total = 0.0
        self.count = 0.0

    @property
    def variables(self) -> list:
        return [np.array(self.total), np.array(self.count)]

    def get_config(self) -> dict:
        return {"name": self.name}


def _set_name(metric: Any, name: str) -> None:
    try:
        metric.name = name
    except AttributeError:
        metric._name = name


def _check_metric_identifier(identifier: Any) -> None:
    if isinstance(identifier, str) and identifier.lower() not in ("accuracy", "acc"):
        _metrics_module().get(identifier)


def get_metric(identifier: Any, y_true: Any, y_pred: Any) -> Any:
    """Resolve a metric identifier for one output; 'accuracy'/'acc' by Keras's shape rule.

    The metric's name is the string the user passed (or the object's own name).
    """
    if identifier is None:
        return None
    metrics = _metrics_module()
    if isinstance(identifier, str) and identifier.lower() in ("accuracy", "acc"):
        is_binary, is_sparse = is_binary_or_sparse_categorical(y_true, y_pred)
        cls = (metrics.BinaryAccuracy if is_binary else
               metrics.SparseCategoricalAccuracy if is_sparse else metrics.CategoricalAccuracy)
        obj = cls(name=identifier)
    else:
        obj = metrics.get(identifier)
        if isinstance(obj, type):
            obj = obj()
    if not hasattr(obj, "update_state"):
        if not callable(obj):
            raise TypeError(f"metrics: expected a metric name, a Metric object or a function, got {identifier!r}")
        name = identifier if isinstance(identifier, str) else getattr(obj, "__name__", type(obj).__name__)
        wrapper = getattr(metrics, "MeanMetricWrapper", None)
        obj = wrapper(obj, name=name) if wrapper is not None else _MeanMetricWrapper(obj, name)
    if isinstance(identifier, str):
        _set_name(obj, identifier)
    return obj


def _per_output(value: Any, n: int, output_names: List[str], argument: str) -> List[list]:
    """Normalize a metrics argument into one list of identifiers per output."""
    if not value:
        return [[] for _ in range(n)]
    if not isinstance(value, (list, tuple, dict)):
        raise ValueError(f"Expected `{argument}` argument to be a list, tuple, or dict. Received instead: "
                         f"{argument}={value!r} of type {type(value).__name__}")
    if isinstance(value, dict):
        flat = flatten_outputs(value, output_names, argument)
        return [[] if v is None else list(v) if isinstance(v, (list, tuple)) else [v] for v in flat]
    if n == 1:
        return [[m for m in value if m is not None]]
    if len(value) != n:
        raise ValueError(f"For a model with multiple outputs, when providing the `{argument}` argument as a list, "
                         f"it should have as many entries as the model has outputs. Received: {argument}={value!r} "
                         f"of length {len(value)} whereas the model has {n} outputs {output_names}.")
    return [[] if v is None else list(v) if isinstance(v, (list, tuple)) else [v] for v in value]


class CompileMetrics:
    """The compiled metrics: plain `metrics` (never weighted) and `weighted_metrics` (use sample_weight).

    Logged names: the metric's name, prefixed with the output name for multi-output models; a clash
    between a plain and a weighted metric gives the weighted one a `weighted_` prefix (as Keras).
    """

    def __init__(self, metrics: Any, weighted_metrics: Any) -> None:
        for argument, value in (("metrics", metrics), ("weighted_metrics", weighted_metrics)):
            if value and not isinstance(value, (list, tuple, dict)):
                raise ValueError(f"Expected `{argument}` argument to be a list, tuple, or dict. Received instead: "
                                 f"{argument}={value!r} of type {type(value).__name__}")
            items = value.values() if isinstance(value, dict) else (value or [])
            for item in items:
                for m in (item if isinstance(item, (list, tuple)) else [item]):
                    _check_metric_identifier(m)
        self._user_metrics = metrics
        self._user_weighted_metrics = weighted_metrics
        self.built = False
        self.plain: List[tuple] = []     # (output index, metric, logged name)
        self.weighted: List[tuple] = []

    def build(self, y_true: List[Any], y_pred: List[Any], output_names: List[str]) -> None:
        """Resolve the metrics for each output."""
        n = len(output_names)
        plain = _per_output(self._user_metrics, n, output_names, "metrics")
        weighted = _per_output(self._user_weighted_metrics, n, output_names, "weighted_metrics")
        used: Dict[str, int] = {}

        def logged(metric: Any, i: int, prefix: str = "") -> str:
            base = f"{prefix}{metric.name}"
            name = f"{output_names[i]}_{base}" if n > 1 else base
            if name in used:
                used[name] += 1
                name = f"{name}_{used[name] - 1}"
            else:
                used[name] = 1
            return name

        self.plain = []
        for i, ids in enumerate(plain):
            for ident in ids:
                m = get_metric(ident, y_true[i], y_pred[i])
                self.plain.append((i, m, logged(m, i)))
        self.weighted = []
        for i, ids in enumerate(weighted):
            for ident in ids:
                m = get_metric(ident, y_true[i], y_pred[i])
                name = f"{output_names[i]}_{m.name}" if n > 1 else m.name
                self.weighted.append((i, m, logged(m, i, "weighted_" if name in used else "")))
        self.built = True

    @property
    def metrics(self) -> List[Any]:
        """The metric objects, plain first."""
        return [m for _, m, _ in self.plain] + [m for _, m, _ in self.weighted]

    @property
    def names(self) -> List[str]:
        """The logged names, in the same order as `metrics`."""
        return [name for _, _, name in self.plain] + [name for _, _, name in self.weighted]

    def update_state(self, y_true: List[Any], y_pred: List[Any], sample_weight: List[Any]) -> None:
        """Update every metric with NumPy arrays (flat lists in output order)."""
        for i, m, _ in self.plain:
            m.update_state(y_true[i], y_pred[i])
        for i, m, _ in self.weighted:
            m.update_state(y_true[i], y_pred[i], sample_weight=sample_weight[i])

    def reset_state(self) -> None:
        """Reset every metric."""
        for m in self.metrics:
            m.reset_state()

    def results(self, logs: Dict[str, float]) -> None:
        """Write each metric's current result (a Python float) into `logs`."""
        for _, m, name in self.plain:
            logs[name] = _to_float(m.result())
        for _, m, name in self.weighted:
            logs[name] = _to_float(m.result())


def _to_float(value: Any) -> Any:
    value = getattr(value, "data", value)
    try:
        return float(value)
    except (TypeError, ValueError):
        return np.asarray(value)
