"""`Trainer`: the mixin giving `Model` compile / fit / evaluate / predict (Keras 3 semantics).

The model provides (see docs/dev/contracts.md): ``model(x, training=bool)`` returning a Tensor or a
list/dict of Tensors, `trainable_weights`, `weights`, `losses` (regularization penalties and the
`add_loss` values of the last call), `get_weights`/`set_weights`, `built`, and optionally
`output_names`.
"""
from __future__ import annotations

import functools
import warnings
from typing import Any, Callable, Dict, List, Optional, Tuple

import numpy as np

from numnet.autograd.grad_mode import no_grad
from numnet.autograd.tensor import Tensor
from numnet.trainers import compile_utils
from numnet.trainers.compile_utils import CompileLoss, CompileMetrics, MeanTracker, flatten_outputs
from numnet.trainers.data_adapters import (
    ArrayDataAdapter, DataAdapter, _standardize, flatten, get_data_adapter,
    train_validation_split, unpack_x_y_sample_weight,
)
from numnet.trainers.progress import resolve_verbose
from numnet.utils.denormals import flush_denormals

__all__ = ["Trainer"]


def _check_int(name: str, value: Any, minimum: int = 0, allow_none: bool = False) -> None:
    if value is None and allow_none:
        return
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}")


def _to_numpy(value: Any) -> Any:
    if isinstance(value, Tensor):
        return value.data
    if isinstance(value, dict):
        return {k: _to_numpy(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_to_numpy(v) for v in value)
    return value


def _concat(batches: List[Any]) -> Any:
    first = batches[0]
    if isinstance(first, dict):
        return {k: _concat([b[k] for b in batches]) for k in first}
    if isinstance(first, (list, tuple)):
        return type(first)(_concat([b[i] for b in batches]) for i in range(len(first)))
    if isinstance(first, np.ndarray) and first.ndim > 0:
        return np.concatenate(batches, axis=0)
    return np.asarray(batches)


def _trim(batch: Tuple[Any, Any, Any]) -> tuple:
    """A batch as user-facing steps receive it: `(x,)`, `(x, y)` or `(x, y, sample_weight)`."""
    x, y, sw = batch
    if sw is not None:
        return batch
    return (x,) if y is None else (x, y)


def _batch_size_of(x: Any) -> int:
    if isinstance(x, np.ndarray):
        return x.shape[0]
    for leaf in flatten(x):
        if leaf is not None:
            return int(np.shape(getattr(leaf, "data", leaf))[0])
    return 1



def _flushing_denormals(method: Callable) -> Callable:
    """Run a training/inference entry point with denormals flushed to zero (see numnet.utils.denormals)."""

    @functools.wraps(method)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with flush_denormals():
            return method(*args, **kwargs)

    return wrapper

class Trainer:
    """Training methods of `numnet.Model` (a mixin; see Model for the rest).

    Attributes:
        optimizer: the compiled optimizer.
        compiled: whether `compile` was called.
        stop_training: set to True (e.g. by a callback) to end `fit` after the current batch.
        history: the `History` of the last `fit`.
    """

    compiled = False
    optimizer = None
    stop_training = False
    history = None
    _compile_loss = None
    _compile_metrics = None
    _loss_tracker = None
    _compile_config = None
    _initial_epoch = None
    _initial_step = 0
    _output_names_resolved = None
    _pred_keys = None
    _train_vars = None
    _use_step = False

    def __init__(self) -> None:
        self.compiled = False
        self.optimizer = None
        self.stop_training = False
        self.history = None
        self._compile_loss = None
        self._compile_metrics = None
        self._loss_tracker = None
        self._compile_config = None
        self._initial_epoch = None
        self._initial_step = 0
        self._output_names_resolved = None
        self._pred_keys = None

    # ----- compile ----------------------------------------------------------------------------
    def compile(self, optimizer: Any = "rmsprop", loss: Any = None, metrics: Any = None, loss_weights: Any = None,
                weighted_metrics: Any = None, run_eagerly: bool = False, steps_per_execution: int = 1,
                jit_compile: Any = "auto", auto_scale_loss: bool = True) -> None:
        """Configure the model for training.

        Args:
            optimizer: name (e.g. "adam") or optimizer object.
            loss: name, `Loss` object or function `(y_true, y_pred) -> per-sample losses`; for a model
                with several outputs, one loss for all, a list (one per output, None to skip one) or a
                dict keyed by output name. None: only the model's `add_loss` terms are minimised.
            metrics: list of metric names/objects/functions (a list per output, or a dict keyed by
                output name, for multi-output models). "accuracy"/"acc" picks binary, sparse
                categorical or categorical accuracy from the shapes, and is logged under the name
                passed. Plain metrics ignore sample weights.
            loss_weights: a float (single output), list or dict: the coefficients of the outputs' losses.
            weighted_metrics: like `metrics`, but weighted by `sample_weight`/`class_weight`.
            run_eagerly, steps_per_execution, jit_compile, auto_scale_loss: accepted for Keras
                compatibility; numnet always runs eagerly one step at a time.

        Raises:
            ValueError: an unknown optimizer, loss or metric name (the message lists the valid names),
                or malformed `metrics`/`loss_weights`. Nothing is changed when it raises.
        """
        from numnet import optimizers

        opt = optimizers.get(optimizer)
        compile_loss = CompileLoss(loss, loss_weights)
        compile_metrics = CompileMetrics(metrics, weighted_metrics)
        self.optimizer = opt
        self._compile_loss = compile_loss
        self._compile_metrics = compile_metrics
        self._loss_tracker = MeanTracker("loss")
        self._compile_config = {"optimizer": optimizer, "loss": loss, "metrics": metrics,
                                "loss_weights": loss_weights, "weighted_metrics": weighted_metrics}
        self._output_names_resolved = None
        self.stop_training = False
        self.compiled = True

    def get_compile_config(self) -> Optional[Dict[str, Any]]:
        """The `compile` arguments as JSON-able configs (None if not compiled), for saving."""
        if not self.compiled or self._compile_config is None:
            return None
        from numnet import losses, metrics as metrics_module, optimizers

        cfg = self._compile_config

        def ser(value: Any, module: Any) -> Any:
            if value is None or isinstance(value, (str, int, float, bool)):
                return value
            if isinstance(value, dict):
                return {k: ser(v, module) for k, v in value.items()}
            if isinstance(value, (list, tuple)):
                return [ser(v, module) for v in value]
            return module.serialize(value)

        return {
            "optimizer": optimizers.serialize(self.optimizer),
            "loss": ser(cfg["loss"], losses),
            "metrics": ser(cfg["metrics"], metrics_module),
            "loss_weights": ser(cfg["loss_weights"], losses),
            "weighted_metrics": ser(cfg["weighted_metrics"], metrics_module),
        }

    def compile_from_config(self, config: Dict[str, Any]) -> None:
        """Compile from `get_compile_config()`'s output (and build the optimizer if the model is built).

        Raises:
            ValueError / TypeError: the config names unknown objects or is malformed.
        """
        if not isinstance(config, dict):
            raise TypeError(f"compile_from_config: expected a dict, got {type(config).__name__}")
        from numnet import losses, metrics as metrics_module, optimizers

        def de(value: Any, module: Any) -> Any:
            if isinstance(value, dict):
                if "class_name" in value:
                    return module.deserialize(value)
                return {k: de(v, module) for k, v in value.items()}
            if isinstance(value, list):
                return [de(v, module) for v in value]
            return value

        optimizer = config.get("optimizer", "rmsprop")
        optimizer = optimizers.deserialize(optimizer) if isinstance(optimizer, dict) else optimizer
        self.compile(
            optimizer=optimizer,
            loss=de(config.get("loss"), losses),
            metrics=de(config.get("metrics"), metrics_module),
            loss_weights=config.get("loss_weights"),
            weighted_metrics=de(config.get("weighted_metrics"), metrics_module),
        )
        if getattr(self, "built", False):
            self._build_optimizer()

    def _assert_compiled(self, method: str) -> None:
        if not self.compiled:
            raise RuntimeError(f"You must call compile() before {method}(): e.g. model.compile(optimizer='adam', "
                               "loss='mse'). The model has not been configured for training yet.")

    # ----- metrics ----------------------------------------------------------------------------
    @property
    def metrics(self) -> List[Any]:
        """The metric objects: the loss tracker, per-output loss trackers, then the compiled metrics."""
        out: List[Any] = []
        if self._loss_tracker is not None:
            out.append(self._loss_tracker)
        if self._compile_loss is not None:
            out.extend(self._compile_loss.trackers)
        if self._compile_metrics is not None and self._compile_metrics.built:
            out.extend(self._compile_metrics.metrics)
        return out

    @property
    def metrics_names(self) -> List[str]:
        """The names under which `evaluate`/`fit` log their values, in order."""
        names = []
        if self._loss_tracker is not None:
            names.append("loss")
        if self._compile_loss is not None:
            names.extend(t.name for t in self._compile_loss.trackers)
        if self._compile_metrics is not None and self._compile_metrics.built:
            names.extend(self._compile_metrics.names)
        return names

    def reset_metrics(self) -> None:
        """Reset the loss tracker and every compiled metric."""
        if self._loss_tracker is not None:
            self._loss_tracker.reset_state()
        if self._compile_loss is not None:
            self._compile_loss.reset_state()
        if self._compile_metrics is not None and self._compile_metrics.built:
            self._compile_metrics.reset_state()

    def get_metrics_result(self) -> Dict[str, float]:
        """The current value of every metric, as Python floats keyed by logged name."""
        logs: Dict[str, Any] = {"loss": self._loss_tracker.result()}
        for t in self._compile_loss.trackers:
            logs[t.name] = t.result()
        if self._compile_metrics.built:
            self._compile_metrics.results(logs)
        return logs

    # ----- structures -------------------------------------------------------------------------
    def _flat_pred(self, y_pred: Any) -> List[Any]:
        if isinstance(y_pred, Tensor):
            return [y_pred]
        if isinstance(y_pred, dict):
            keys = self._pred_keys or list(y_pred.keys())
            return [y_pred[k] for k in keys]
        if isinstance(y_pred, (list, tuple)):
            return list(y_pred)
        return [y_pred]

    def _flat_targets(self, y: Any, n: int, what: str = "y") -> List[Any]:
        if y is None:
            return [None] * n
        if n == 1 and not isinstance(y, (list, tuple, dict)):
            return [y]
        return flatten_outputs(y, self._output_names_resolved, what)

    def _flat_weights(self, sample_weight: Any, n: int) -> List[Any]:
        if sample_weight is None:
            return [None] * n
        if not isinstance(sample_weight, (list, tuple, dict)):
            return [sample_weight] * n
        return flatten_outputs(sample_weight, self._output_names_resolved, "sample_weight")

    def _build_compile(self, y: Any, y_pred: Any) -> None:
        if isinstance(y_pred, dict):
            names = list(getattr(self, "output_names", None) or [])
            self._pred_keys = names if sorted(names) == sorted(y_pred) else list(y_pred.keys())
        flat_pred = self._flat_pred(y_pred)
        names = compile_utils.resolve_output_names(self, len(flat_pred), y_pred)
        if isinstance(y_pred, dict):
            names = list(self._pred_keys)
        self._output_names_resolved = names
        flat_true = self._flat_targets(y, len(flat_pred))
        flat_pred_arrays = [p.data if isinstance(p, Tensor) else np.asarray(p) for p in flat_pred]
        if not self._compile_loss.built:
            self._compile_loss.build(flat_true, flat_pred_arrays, names)
        if not self._compile_metrics.built:
            if any(t is None for t in flat_true) and (self._compile_metrics._user_metrics or
                                                      self._compile_metrics._user_weighted_metrics):
                missing = [names[i] for i, t in enumerate(flat_true) if t is None]
                raise ValueError(f"Metrics need targets, but no y was given for output(s) {missing}")
            self._compile_metrics.build(flat_true, flat_pred_arrays, names)
        self._pred_shapes = [a.shape for a in flat_pred_arrays]

    def _build_optimizer(self) -> None:
        opt = self.optimizer
        if opt is not None and hasattr(opt, "build") and not getattr(opt, "built", False):
            opt.build(self.trainable_weights)

    def _symbolic_build(self, batch: Tuple[Any, Any, Any]) -> None:
        """Build the model (weights), the compiled loss/metrics (shapes) and the optimizer (state)."""
        x, y, _ = batch
        if (not getattr(self, "built", False) or not self._compile_loss.built or not self._compile_metrics.built
                or self._output_names_resolved is None):
            with no_grad():
                y_pred = self(x, training=False)
            self._build_compile(y, y_pred)
        if self._compile_loss.entries:  # a compiled loss needs targets (checked before any update)
            flat_y = self._flat_targets(y, len(self._output_names_resolved))
            missing = [name for i, _, _, name in self._compile_loss.entries if flat_y[i] is None]
            if missing:
                raise ValueError(f"No target (y) was given for output(s) {missing}, which have a loss in "
                                 "compile(); pass y (or batches of (x, y)).")
        self._build_optimizer()

    def _validate_sparse_targets(self, adapter: DataAdapter, what: str = "y") -> None:
        """Check integer labels of sparse-categorical outputs against the output size, once per call."""
        arrays = adapter.arrays
        if arrays is None or arrays[1] is None:
            return
        flat_y = self._flat_targets(arrays[1], len(self._output_names_resolved), what)
        for i in self._compile_loss.sparse_outputs():
            labels = flat_y[i]
            if labels is None or not labels.size:
                continue
            loss = next(fn for j, fn, _, _ in self._compile_loss.entries if j == i)
            ignore = getattr(loss, "ignore_class", None)
            num_classes = self._pred_shapes[i][-1]
            checked = labels if ignore is None else labels[labels != ignore]
            if not checked.size:
                continue
            low, high = checked.min(), checked.max()
            if low < 0 or high >= num_classes or (checked.dtype.kind == "f" and not np.all(checked == np.round(checked))):
                name = self._output_names_resolved[i]
                raise ValueError(
                    f"{what}: sparse class labels for output '{name}' must be integers in [0, {num_classes}) "
                    f"(the output has {num_classes} units), got min={low}, max={high}. Check the labels or the "
                    f"size of the last layer."
                )

    # ----- one step ---------------------------------------------------------------------------
    def compute_loss(self, x: Any = None, y: Any = None, y_pred: Any = None, sample_weight: Any = None,
                     training: bool = True) -> Tensor:
        """The total loss: the compiled (weighted) losses plus `self.losses` (regularization, add_loss).

        Raises:
            ValueError: there is nothing to minimise (no compiled loss and no `add_loss`).
        """
        flat_pred = self._flat_pred(y_pred)
        n = len(flat_pred)
        total = self._compile_loss(self._flat_targets(y, n), flat_pred, self._flat_weights(sample_weight, n),
                                   _batch_size_of(x) if x is not None else 1)
        for extra in self.losses:
            if extra.ndim:
                extra = extra.sum()
            total = extra if total is None else total + extra
        if total is None:
            raise ValueError("No loss to compute. Provide a `loss` argument in `compile()`.")
        return total

    def compute_metrics(self, x: Any, y: Any, y_pred: Any, sample_weight: Any = None) -> Dict[str, float]:
        """Update the compiled metrics with this batch and return all current results."""
        self._update_metrics(y, y_pred, sample_weight)
        return self.get_metrics_result()

    def _update_metrics(self, y: Any, y_pred: Any, sample_weight: Any) -> None:
        cm = self._compile_metrics
        if not (cm.plain or cm.weighted):
            return
        # arrays for speed; a prediction carrying a Keras mask stays a Tensor so metrics can apply it
        flat_pred = [(p if p._keras_mask is not None else p.data) if isinstance(p, Tensor) else p
                     for p in self._flat_pred(y_pred)]
        n = len(flat_pred)
        cm.update_state(self._flat_targets(y, n), flat_pred, self._flat_weights(sample_weight, n))

    def _train_step(self, data: Tuple[Any, Any, Any]) -> None:
        x, y, sample_weight = data
        y_pred = self(x, training=True)
        loss = self.compute_loss(x, y, y_pred, sample_weight, training=True)
        self._loss_tracker.update_state(float(loss.data), _batch_size_of(x))
        variables = self._train_vars
        if loss.requires_grad:
            loss.backward()
            self._apply_gradients(variables)
        elif variables:
            warnings.warn("The loss does not depend on any trainable weight; nothing was updated.", stacklevel=3)
        self._update_metrics(y, y_pred, sample_weight)

    def _apply_gradients(self, variables: List[Any]) -> None:
        opt = self.optimizer
        if self._use_step:
            opt.step()
        else:
            pairs = [(v.grad, v) for v in variables if v.grad is not None]
            if pairs:
                opt.apply_gradients(pairs)
        for v in variables:
            v.grad = None

    def _prepare_train_vars(self) -> None:
        """Cache the trainable weights for a run; use `optimizer.step()` when it was built on exactly them."""
        variables = list(self.trainable_weights)
        self._train_vars = variables
        built = getattr(self.optimizer, "_trainable_variables", None)
        self._use_step = bool(
            getattr(self.optimizer, "built", False) and hasattr(self.optimizer, "step") and built is not None
            and len(built) == len(variables) and all(a is b for a, b in zip(built, variables)))

    def train_step(self, data: Any) -> Dict[str, float]:
        """One optimisation step on a batch `(x, y, sample_weight)`; returns the running logs.

        Override to customise training (as in Keras); the default computes the loss, back-propagates,
        applies the optimizer and updates the metrics.
        """
        if getattr(self, "_train_vars", None) is None:
            self._prepare_train_vars()
        self._train_step(unpack_x_y_sample_weight(data))
        return self.get_metrics_result()

    def _test_step(self, data: Tuple[Any, Any, Any]) -> None:
        x, y, sample_weight = data
        y_pred = self(x, training=False)
        loss = self.compute_loss(x, y, y_pred, sample_weight, training=False)
        self._loss_tracker.update_state(float(loss.data), _batch_size_of(x))
        self._update_metrics(y, y_pred, sample_weight)

    def test_step(self, data: Any) -> Dict[str, float]:
        """One evaluation step on a batch (no gradients); returns the running logs."""
        self._test_step(unpack_x_y_sample_weight(data))
        return self.get_metrics_result()

    def predict_step(self, data: Any) -> Any:
        """The model's outputs for one batch (`training=False`)."""
        x, _, _ = unpack_x_y_sample_weight(data)
        return self(x, training=False)

    def _custom(self, name: str) -> bool:
        return getattr(type(self), name) is not getattr(Trainer, name)

    # ----- fit --------------------------------------------------------------------------------
    @_flushing_denormals
    def fit(self, x: Any = None, y: Any = None, batch_size: Optional[int] = None, epochs: int = 1,
            verbose: Any = "auto", callbacks: Any = None, validation_split: float = 0.0,
            validation_data: Any = None, shuffle: Any = True, class_weight: Optional[Dict[int, float]] = None,
            sample_weight: Any = None, initial_epoch: int = 0, steps_per_epoch: Optional[int] = None,
            validation_steps: Optional[int] = None, validation_batch_size: Optional[int] = None,
            validation_freq: int = 1) -> Any:
        """Train the model for `epochs` epochs (Keras 3 `Model.fit`).

        Args:
            x: inputs: an array, a list/dict of arrays (multi-input), a generator/iterable of
                `(x, y)` / `(x, y, sample_weight)` batches, or a PyDataset.
            y: targets (arrays only; a list/dict for multi-output models).
            batch_size: samples per step for array data (default 32).
            epochs: index of the last epoch (training runs from `initial_epoch` to `epochs`).
            verbose: "auto" (1 on a terminal, 2 otherwise), 0 silent, 1 progress bar, 2 one line per epoch.
            callbacks: list of `numnet.callbacks.Callback`.
            validation_split: fraction in [0, 1) of the array data held out for validation: the LAST
                samples, taken before shuffling.
            validation_data: `(x_val, y_val)`, `(x_val, y_val, sample_weight_val)`, a generator or a
                PyDataset, evaluated at the end of epochs; overrides `validation_split`.
            shuffle: shuffle array data every epoch (numnet's seeded global generator); "batch"
                shuffles the order of batches; for a PyDataset the order of batch indices.
            class_weight: dict class index -> weight, turned into per-sample weights.
            sample_weight: per-sample weights of the training loss (and of `weighted_metrics`).
            initial_epoch: epoch to start from (for resuming).
            steps_per_epoch: steps per epoch (default: one pass over the data).
            validation_steps: steps of each validation pass (default: all validation data).
            validation_batch_size: batch size for validation arrays (default: `batch_size`).
            validation_freq: validate after every `validation_freq`-th epoch.

        Returns:
            The `History` callback (`.history` has a list per logged value: loss, metrics, val_ ...).

        Raises:
            RuntimeError: the model was not compiled.
            ValueError: x and y (or sample weights) of different lengths, a validation_split outside
                [0, 1), sparse labels outside the output's range, NaN or infinite values in array
                x or y (checked once, up front: such data cannot be trained on), a malformed argument.
        """
        self._assert_compiled("fit")
        _check_int("epochs", epochs)
        _check_int("initial_epoch", initial_epoch)
        _check_int("steps_per_epoch", steps_per_epoch, 1, allow_none=True)
        _check_int("validation_steps", validation_steps, 1, allow_none=True)
        _check_int("validation_freq", validation_freq, 1)
        if isinstance(validation_split, bool) or not isinstance(validation_split, (int, float)) or \
                not 0.0 <= validation_split < 1.0:
            raise ValueError(f"validation_split must be a float in [0, 1), got {validation_split!r}")
        verbose = resolve_verbose(verbose)
        if validation_split and validation_data is None:
            x_std, y_std, sw_std = _standardize(x, "x"), _standardize(y, "y"), _standardize(sample_weight, "sample_weight")
            ArrayDataAdapter(x_std, y_std, sw_std, batch_size=batch_size)  # validates lengths before splitting
            (x, y, sample_weight), validation_data = train_validation_split((x_std, y_std, sw_std), validation_split)
            if validation_data[2] is None:
                validation_data = validation_data[:2]
        train_adapter = get_data_adapter(x, y, sample_weight, batch_size=batch_size, shuffle=shuffle,
                                         class_weight=class_weight, check_finite=True)
        val_adapter = None
        if validation_data is not None:
            if isinstance(validation_data, (tuple, list)):
                vx, vy, vsw = unpack_x_y_sample_weight(tuple(validation_data))
                try:
                    val_adapter = get_data_adapter(vx, vy, vsw, batch_size=validation_batch_size or batch_size,
                                                   shuffle=False, check_finite=True, argument="validation_data")
                except (ValueError, TypeError) as exc:
                    raise type(exc)(f"validation_data: {exc}") from None
            else:
                val_adapter = get_data_adapter(validation_data, batch_size=validation_batch_size or batch_size,
                                               shuffle=False, argument="validation_data")

        self._symbolic_build(train_adapter.peek())
        self._validate_sparse_targets(train_adapter, "y")
        if val_adapter is not None:
            self._validate_sparse_targets(val_adapter, "validation_data")

        steps = steps_per_epoch if steps_per_epoch is not None else train_adapter.num_batches
        from numnet.callbacks.callback import CallbackList

        if not isinstance(callbacks, CallbackList):
            callbacks = CallbackList(callbacks, add_history=True, add_progbar=verbose != 0, model=self,
                                     verbose=verbose, epochs=epochs, steps=steps)
        self._prepare_train_vars()
        self.stop_training = False
        self._initial_epoch = None
        self._initial_step = 0
        custom_train = self._custom("train_step")
        begin_cbs = bool(callbacks._train_batch_begin)
        end_cbs = bool(callbacks._train_batch_end)
        need_logs = any(getattr(cb, "_needs_batch_logs", True) for cb in callbacks._train_batch_end)

        callbacks.on_train_begin()
        if self._initial_epoch is not None:  # set by BackupAndRestore
            initial_epoch = self._initial_epoch
        skip = self._initial_step
        training_logs = None
        train_step = self.train_step if custom_train else self._train_step
        for epoch in range(initial_epoch, epochs):
            self.reset_metrics()
            callbacks.on_epoch_begin(epoch)
            logs = None
            for step, batch in train_adapter.epoch(steps_per_epoch, skip=skip):
                if begin_cbs:
                    callbacks.on_train_batch_begin(step)
                if custom_train:
                    logs = train_step(_trim(batch))
                else:
                    train_step(batch)
                    if need_logs:
                        logs = self.get_metrics_result()
                if end_cbs:
                    callbacks.on_train_batch_end(step, logs)
                if self.stop_training:
                    break
            skip = 0
            if getattr(train_adapter, "exhausted", False) and logs is None and self._loss_tracker.count == 0:
                self.stop_training = True
                break
            epoch_logs = dict(logs) if custom_train and logs else self.get_metrics_result()
            epoch_logs = {k: compile_utils._to_float(v) for k, v in epoch_logs.items()}
            train_adapter.on_epoch_end()
            if val_adapter is not None and (epoch + 1) % validation_freq == 0:
                val_logs = self._run_evaluation(val_adapter, callbacks, validation_steps)
                epoch_logs.update({"val_" + k: v for k, v in val_logs.items()})
                val_adapter.on_epoch_end()
            callbacks.on_epoch_end(epoch, epoch_logs)
            training_logs = epoch_logs
            if self.stop_training or getattr(train_adapter, "exhausted", False):
                break
        finalize = getattr(self.optimizer, "finalize_variable_values", None)
        if callable(finalize) and epochs > initial_epoch:
            finalize(self._train_vars)
        callbacks.on_train_end(logs=training_logs)
        return self.history

    # ----- evaluate ---------------------------------------------------------------------------
    def _run_evaluation(self, adapter: DataAdapter, callbacks: Any, steps: Optional[int]) -> Dict[str, float]:
        self.reset_metrics()
        callbacks.on_test_begin()
        custom = self._custom("test_step")
        begin_cbs = bool(callbacks._test_batch_begin)
        end_cbs = bool(callbacks._test_batch_end)
        need_logs = any(getattr(cb, "_needs_batch_logs", True) for cb in callbacks._test_batch_end)
        logs = None
        with no_grad():
            for step, batch in adapter.epoch(steps):
                if begin_cbs:
                    callbacks.on_test_batch_begin(step)
                if custom:
                    logs = self.test_step(_trim(batch))
                else:
                    self._test_step(batch)
                    if need_logs:
                        logs = self.get_metrics_result()
                if end_cbs:
                    callbacks.on_test_batch_end(step, logs)
        result = dict(logs) if custom and logs else self.get_metrics_result()
        result = {k: compile_utils._to_float(v) for k, v in result.items()}
        callbacks.on_test_end(result)
        return result

    @_flushing_denormals
    def evaluate(self, x: Any = None, y: Any = None, batch_size: Optional[int] = None, verbose: Any = "auto",
                 sample_weight: Any = None, steps: Optional[int] = None, callbacks: Any = None,
                 return_dict: bool = False, **kwargs: Any) -> Any:
        """Compute the loss and metrics on data, without training (no graph is recorded).

        Args:
            x, y, batch_size, sample_weight: as in `fit`.
            verbose: "auto", 0, 1 (progress bar) or 2 (one final line).
            steps: number of batches (default: all the data).
            callbacks: callbacks receiving the test hooks.
            return_dict: return `{name: value}` instead of a list.

        Returns:
            The loss (a float) when there are no metrics, else `[loss, *metrics]` in `metrics_names`
            order, or a dict with `return_dict=True`.

        Raises:
            RuntimeError: the model was not compiled.
            ValueError: bad data (see `fit`).
        """
        self._assert_compiled("evaluate")
        if kwargs:
            raise TypeError(f"evaluate: unexpected keyword argument(s) {sorted(kwargs)}")
        _check_int("steps", steps, 1, allow_none=True)
        verbose = resolve_verbose(verbose)
        adapter = get_data_adapter(x, y, sample_weight, batch_size=batch_size, shuffle=False, check_finite=True)
        self._symbolic_build(adapter.peek())
        self._validate_sparse_targets(adapter, "y")
        from numnet.callbacks.callback import CallbackList

        if not isinstance(callbacks, CallbackList):
            callbacks = CallbackList(callbacks, add_progbar=verbose != 0, model=self, verbose=verbose, epochs=1,
                                     steps=steps if steps is not None else adapter.num_batches)
        logs = self._run_evaluation(adapter, callbacks, steps)
        if return_dict:
            return logs
        return self._flatten_logs(logs)

    def _flatten_logs(self, logs: Dict[str, float]) -> Any:
        names = [n for n in self.metrics_names if n in logs]
        names += [k for k in logs if k not in names]
        values = [logs[n] for n in names]
        return values[0] if len(values) == 1 else values

    # ----- predict ----------------------------------------------------------------------------
    @_flushing_denormals
    def predict(self, x: Any, batch_size: Optional[int] = None, verbose: Any = "auto", steps: Optional[int] = None,
                callbacks: Any = None) -> Any:
        """Run the model on inputs in batches under `no_grad` and return NumPy outputs.

        Args:
            x: arrays, a list/dict of arrays, a generator/iterable of batches (x or (x, y, ...)), or a PyDataset.
            batch_size: samples per batch for array input (default 32).
            verbose: "auto", 0, 1 (progress bar) or 2 (one final line).
            steps: number of batches (default: all).
            callbacks: callbacks receiving the predict hooks.

        Returns:
            An array (concatenated over batches), or a list/dict of arrays for multi-output models.
        """
        _check_int("steps", steps, 1, allow_none=True)
        verbose = resolve_verbose(verbose)
        adapter = get_data_adapter(x, None, None, batch_size=batch_size, shuffle=False)
        from numnet.callbacks.callback import CallbackList

        if not isinstance(callbacks, CallbackList):
            callbacks = CallbackList(callbacks, add_progbar=verbose != 0, model=self, verbose=verbose, epochs=1,
                                     steps=steps if steps is not None else adapter.num_batches)
        custom = self._custom("predict_step")
        begin_cbs = bool(callbacks._predict_batch_begin)
        end_cbs = bool(callbacks._predict_batch_end)
        outputs: List[Any] = []
        callbacks.on_predict_begin()
        with no_grad():
            for step, batch in adapter.epoch(steps):
                if begin_cbs:
                    callbacks.on_predict_batch_begin(step)
                out = _to_numpy(self.predict_step(_trim(batch)) if custom else self(batch[0], training=False))
                outputs.append(out)
                if end_cbs:
                    callbacks.on_predict_batch_end(step, {"outputs": out})
        callbacks.on_predict_end()
        if not outputs:
            raise ValueError("predict: the input yielded no batches")
        return _concat(outputs)

    # ----- single batches ---------------------------------------------------------------------
    def _prepare_batch(self, x: Any, y: Any, sample_weight: Any, class_weight: Any) -> Tuple[Any, Any, Any]:
        adapter = ArrayDataAdapter(x, y, sample_weight, batch_size=max(1, _batch_size_of(_standardize(x, "x"))),
                                   class_weight=class_weight)
        return adapter.x, adapter.y, adapter.sample_weight

    @_flushing_denormals
    def train_on_batch(self, x: Any, y: Any = None, sample_weight: Any = None, class_weight: Any = None,
                       return_dict: bool = False) -> Any:
        """One optimisation step on one batch.

        As in Keras 3, the metrics are reset first, so the results are those of this batch
        (the loss and metrics computed before the update).

        Returns:
            The loss, `[loss, *metrics]`, or a dict with `return_dict=True`.
        """
        self._assert_compiled("train_on_batch")
        batch = self._prepare_batch(x, y, sample_weight, class_weight)
        self._symbolic_build(batch)
        self._prepare_train_vars()
        self.reset_metrics()
        if self._custom("train_step"):
            logs = self.train_step(_trim(batch))
        else:
            self._train_step(batch)
            logs = self.get_metrics_result()
        logs = {k: compile_utils._to_float(v) for k, v in logs.items()}
        return logs if return_dict else self._flatten_logs(logs)

    @_flushing_denormals
    def test_on_batch(self, x: Any, y: Any = None, sample_weight: Any = None, return_dict: bool = False) -> Any:
        """Loss and metrics on one batch (no update); as in Keras 3 the metrics are reset first."""
        self._assert_compiled("test_on_batch")
        batch = self._prepare_batch(x, y, sample_weight, None)
        self._symbolic_build(batch)
        self.reset_metrics()
        with no_grad():
            if self._custom("test_step"):
                logs = self.test_step(_trim(batch))
            else:
                self._test_step(batch)
                logs = self.get_metrics_result()
        logs = {k: compile_utils._to_float(v) for k, v in logs.items()}
        return logs if return_dict else self._flatten_logs(logs)

    @_flushing_denormals
    def predict_on_batch(self, x: Any) -> Any:
        """The model's outputs on one batch, as NumPy arrays (no graph recorded)."""
        with no_grad():
            return _to_numpy(self(_standardize(x, "x"), training=False))
