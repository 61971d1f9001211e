"""`Optimizer`: the Keras 3 optimizer base (clipping, decoupled weight decay, EMA, gradient
accumulation, schedules) with in-place NumPy updates and a PyTorch-style `step()`.

Per apply, in Keras's order: gradients are clipped (`clipnorm` per variable,
`global_clipnorm` over all, or `clipvalue`), weight decay ``w -= w * weight_decay * lr``
is applied, the subclass's `update_step` runs for each (gradient, variable), variable
constraints are applied, the EMA is updated, and the call counter grows by one. The learning
rate of a step is the float, or the schedule evaluated at the call count before the increment
(with gradient accumulation `iterations` is calls // steps, as in Keras).

State (`variables`) is a list of NumPy arrays in Keras's order: the iteration count
(int64 scalar), the learning rate (float32 scalar; only when it was given as a number),
then the EMA averages and gradient accumulators when enabled, then the subclass's slots
(created at `build`, float32 like the variables). `get_state()`/`set_state()` copy them
out and in for saving.
"""
from __future__ import annotations

import math
import re
import warnings
from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple

import numpy as np

from numnet.autograd.tensor import Tensor
from numnet.optimizers import schedules as _schedules

_NUMBER = (int, float, np.integer, np.floating)


def _check_number(owner: str, name: str, value: Any, low: Optional[float] = None, high: Optional[float] = None,
                  low_open: bool = False, high_open: bool = False, allow_none: bool = False) -> None:
    """Raise ValueError unless `value` is a finite number within the given bounds."""
    if value is None and allow_none:
        return
    if isinstance(value, bool) or not isinstance(value, _NUMBER) or not math.isfinite(float(value)):
        raise ValueError(f"{owner}: argument `{name}` must be a finite number, received {name}={value!r}")
    bad = (low is not None and (value <= low if low_open else value < low)) or \
          (high is not None and (value >= high if high_open else value > high))
    if bad:
        lo = "-inf" if low is None else f"{low}"
        hi = "inf" if high is None else f"{high}"
        interval = ("(" if low_open else "[") + f"{lo}, {hi}" + (")" if high_open else "]")
        raise ValueError(f"{owner}: argument `{name}` must be in {interval}, received {name}={value!r}")


class Optimizer:
    """Base class of optimizers (Keras 3 `keras.optimizers.Optimizer`).

    Args:
        learning_rate: a float >= 0, a `LearningRateSchedule`, or a callable of no arguments.
        weight_decay: decoupled weight decay factor (``w -= w * weight_decay * lr`` before each update).
        clipnorm: clip each gradient to this L2 norm.
        clipvalue: clip each gradient elementwise to [-clipvalue, clipvalue].
        global_clipnorm: clip all gradients jointly to this global L2 norm.
        use_ema: keep an exponential moving average of the variables (see `finalize_variable_values`).
        ema_momentum: the EMA's momentum.
        ema_overwrite_frequency: every this many iterations, copy the averages into the variables.
        loss_scale_factor: gradients are divided by this before use.
        gradient_accumulation_steps: apply the averaged gradients only every this many calls.
        name: the optimizer's name.

    Raises:
        ValueError: a negative/non-finite setting, more than one clipping option, or an unknown keyword.

    Subclasses define ``build(variables)`` (call ``super().build(variables)`` then create slots
    with `add_variable_from_reference`) and ``update_step(gradient, variable, learning_rate)``
    updating ``variable.data`` in place (gradient: ndarray of the variable's dtype; learning_rate:
    a scalar of that dtype).
    """

    def __init__(self, learning_rate: Any, weight_decay: Optional[float] = None, clipnorm: Optional[float] = None,
                 clipvalue: Optional[float] = None, global_clipnorm: Optional[float] = None, use_ema: bool = False,
                 ema_momentum: float = 0.99, ema_overwrite_frequency: Optional[int] = None,
                 loss_scale_factor: Optional[float] = None, gradient_accumulation_steps: Optional[int] = None,
                 name: Optional[str] = None, **kwargs: Any) -> None:
        owner = type(self).__name__
        if kwargs.pop("decay", None) is not None:
            warnings.warn(f"{owner}: argument `decay` is no longer supported and will be ignored; use a schedule.")
        if kwargs:
            raise ValueError(f"{owner}: argument(s) not recognized: {sorted(kwargs)}")
        _check_number(owner, "weight_decay", weight_decay, low=0, allow_none=True)
        for arg, value in (("clipnorm", clipnorm), ("clipvalue", clipvalue), ("global_clipnorm", global_clipnorm)):
            _check_number(owner, arg, value, low=0, low_open=True, allow_none=True)
        if sum(v is not None for v in (clipnorm, clipvalue, global_clipnorm)) > 1:
            raise ValueError(
                f"{owner}: only one of `clipnorm`, `clipvalue` and `global_clipnorm` can be set; received "
                f"clipnorm={clipnorm}, clipvalue={clipvalue}, global_clipnorm={global_clipnorm}"
            )
        if use_ema:
            _check_number(owner, "ema_momentum", ema_momentum, low=0, high=1)
            if ema_overwrite_frequency is not None and (
                    not isinstance(ema_overwrite_frequency, (int, np.integer)) or ema_overwrite_frequency < 1):
                raise ValueError(f"{owner}: `ema_overwrite_frequency` must be an int >= 1 or None, "
                                 f"received {ema_overwrite_frequency!r}")
        if gradient_accumulation_steps is not None and (
                not isinstance(gradient_accumulation_steps, (int, np.integer)) or gradient_accumulation_steps < 2):
            raise ValueError(f"{owner}: `gradient_accumulation_steps` must be an int >= 2, "
                             f"received {gradient_accumulation_steps!r}")
        _check_number(owner, "loss_scale_factor", loss_scale_factor, low=0, low_open=True, allow_none=True)
        self.name = name or type(self).__name__.lower()
        self.weight_decay = weight_decay
        self.clipnorm = clipnorm
        self.clipvalue = clipvalue
        self.global_clipnorm = global_clipnorm
        self.use_ema = bool(use_ema)
        self.ema_momentum = ema_momentum
        self.ema_overwrite_frequency = ema_overwrite_frequency
        self.loss_scale_factor = loss_scale_factor
        self.gradient_accumulation_steps = gradient_accumulation_steps
        self._iterations = np.zeros((), dtype=np.int64)
        self._variables: List[np.ndarray] = [self._iterations]
        self._lr_array: Optional[np.ndarray] = None
        if isinstance(learning_rate, _schedules.LearningRateSchedule) or (
                callable(learning_rate) and not isinstance(learning_rate, _NUMBER)):
            self._learning_rate: Any = learning_rate
        else:
            _check_number(owner, "learning_rate", learning_rate, low=0)
            self._lr_array = np.array(learning_rate, dtype=np.float32)
            self._variables.append(self._lr_array)
            self._learning_rate = self._lr_array
        self._exclude_ids: set = set()
        self._exclude_pattern: Optional[re.Pattern] = None
        self.built = False
        self._trainable_variables: List[Tensor] = []
        self._index: Dict[int, int] = {}
        self._averages: List[np.ndarray] = []
        self._accumulators: List[np.ndarray] = []

    # ----- learning rate and counters ------------------------------------------------------
    @property
    def iterations(self) -> int:
        """The number of updates applied so far.

        With `gradient_accumulation_steps`, as in Keras, this counts real updates (calls //
        steps); Adam-style bias corrections and the EMA use it, while a learning-rate schedule
        sees the number of `apply` calls.
        """
        if self.gradient_accumulation_steps:
            return int(self._iterations) // self.gradient_accumulation_steps
        return int(self._iterations)

    @property
    def learning_rate(self) -> np.float32:
        """The current learning rate (a schedule is evaluated at the number of `apply` calls so far).

        Setting a number stores it (ValueError if negative); setting a schedule or callable
        replaces the rate. As in Keras, an optimizer created with a schedule cannot be given
        a number (TypeError): create it with a float to make the rate settable.
        """
        return self._current_learning_rate()

    @learning_rate.setter
    def learning_rate(self, value: Any) -> None:
        if isinstance(value, _schedules.LearningRateSchedule) or (callable(value) and not isinstance(value, _NUMBER)):
            self._learning_rate = value
            return
        if self._lr_array is None:
            raise TypeError(
                f"{type(self).__name__}: this optimizer was created with a LearningRateSchedule (or callable) "
                "as its learning_rate, so its learning rate is not settable to a number. Create the optimizer "
                "with a float learning_rate to make it settable."
            )
        value = float(getattr(value, "data", value)) if isinstance(value, (Tensor, np.ndarray)) else value
        _check_number(type(self).__name__, "learning_rate", value, low=0)
        self._lr_array[...] = value
        self._learning_rate = self._lr_array

    def _current_learning_rate(self) -> np.float32:
        lr = self._learning_rate
        if isinstance(lr, np.ndarray):
            return lr[()]
        if isinstance(lr, _schedules.LearningRateSchedule):
            return np.float32(lr(int(self._iterations)))
        return np.float32(lr())

    # ----- building ------------------------------------------------------------------------
    @property
    def variables(self) -> List[np.ndarray]:
        """The optimizer's state arrays, live (see the module docstring for the order)."""
        return list(self._variables)

    def add_variable(self, shape: Tuple[int, ...], dtype: Any = np.float32, initializer: Any = "zeros",
                     name: Optional[str] = None) -> np.ndarray:
        """Create and track a state array (zeros, ones, or a constant/array initial value)."""
        if initializer == "zeros":
            arr = np.zeros(shape, dtype=dtype)
        elif initializer == "ones":
            arr = np.ones(shape, dtype=dtype)
        else:
            arr = np.array(np.broadcast_to(np.asarray(initializer, dtype=dtype), shape), dtype=dtype)
        self._variables.append(arr)
        return arr

    def add_variable_from_reference(self, reference: Any, name: Optional[str] = None,
                                    initializer: Any = "zeros") -> np.ndarray:
        """Create and track a state array with `reference`'s shape and dtype."""
        data = getattr(reference, "data", reference)
        return self.add_variable(data.shape, data.dtype, initializer, name)

    def add_optimizer_variables(self, variables: Sequence[Any], names: Any,
                                initializer: Any = "zeros") -> Any:
        """One slot per variable for each of `names`, created variable by variable (Keras order).

        Returns:
            A list of arrays (one name) or a tuple of such lists (several names).
        """
        single = isinstance(names, str)
        names = [names] if single else list(names)
        out: Tuple[List[np.ndarray], ...] = tuple([] for _ in names)
        for var in variables:
            for i, n in enumerate(names):
                out[i].append(self.add_variable_from_reference(var, n, initializer))
        return out[0] if single else out

    def build(self, variables: Iterable[Any]) -> None:
        """Create the state for `variables` (the optimizer then updates exactly these).

        Raises:
            ValueError: a variable is not a floating-point Tensor, or appears twice.
        """
        variables = list(variables)
        for i, v in enumerate(variables):
            if not isinstance(v, Tensor) or v.data.dtype.kind != "f":
                raise ValueError(
                    f"{type(self).__name__}.build: variable {i} must be a floating-point Variable/Tensor, "
                    f"received {type(v).__name__}{'' if not isinstance(v, Tensor) else ' of dtype ' + str(v.dtype)}"
                )
            if id(v) in self._index:
                raise ValueError(f"{type(self).__name__}.build: variable {i} ({_var_name(v)}) is listed twice")
            self._index[id(v)] = i
        if self.use_ema:
            self._averages = self.add_optimizer_variables(variables, "average")
        if self.gradient_accumulation_steps:
            self._accumulators = self.add_optimizer_variables(variables, "gradient_accumulator")
        self._trainable_variables = variables
        self.built = True

    def _get_variable_index(self, variable: Any) -> int:
        try:
            return self._index[id(variable)]
        except KeyError:
            raise ValueError(
                f"{type(self).__name__}: variable {_var_name(variable)} is not one of the variables this optimizer "
                "was built with; create a new optimizer (or build it) for a different set of variables"
            ) from None

    def exclude_from_weight_decay(self, var_list: Optional[Sequence[Any]] = None,
                                  var_names: Optional[Sequence[str]] = None) -> None:
        """Exempt variables (by object, or by a regex on their name/path) from weight decay.

        Raises:
            ValueError: called after the optimizer is built.
        """
        if self.built:
            raise ValueError("exclude_from_weight_decay() can only be configured before the optimizer is built")
        self._exclude_ids = {id(v) for v in (var_list or [])}
        self._exclude_pattern = re.compile("|".join(sorted(set(var_names)))) if var_names else None

    def _use_weight_decay(self, variable: Any) -> bool:
        if id(variable) in self._exclude_ids:
            return False
        if self._exclude_pattern is not None:
            for text in (getattr(variable, "name", None), getattr(variable, "path", None)):
                if text and self._exclude_pattern.search(text):
                    return False
        return True

    # ----- applying gradients --------------------------------------------------------------
    def apply_gradients(self, grads_and_vars: Iterable[Tuple[Any, Any]]) -> int:
        """Apply ``(gradient, variable)`` pairs (Keras `apply_gradients`); gradients may be arrays or Tensors.

        Returns:
            The iteration count after the update.
        """
        pairs = list(grads_and_vars)
        grads = [g for g, _ in pairs]
        variables = [v for _, v in pairs]
        return self.apply(grads, variables)

    def apply(self, grads: Sequence[Any], trainable_variables: Optional[Sequence[Any]] = None) -> int:
        """Apply `grads` to `trainable_variables` (default: the variables the optimizer was built with).

        The optimizer is built on the first call. Pairs whose gradient is None are skipped
        (with a warning).

        Returns:
            The iteration count after the update.

        Raises:
            ValueError: no gradient at all, lengths or shapes that differ, unknown variables,
                or no variables given to an optimizer that is not built.
        """
        grads = list(grads)
        if trainable_variables is None:
            if not self.built:
                raise ValueError(
                    f"{type(self).__name__}.apply: when `trainable_variables` is not given the optimizer must be "
                    "built first (call optimizer.build(variables))"
                )
            trainable_variables = self._trainable_variables
        trainable_variables = list(trainable_variables)
        if len(grads) != len(trainable_variables):
            raise ValueError(f"{type(self).__name__}.apply: got {len(grads)} gradients for "
                             f"{len(trainable_variables)} variables")
        if not self.built:
            self.build(trainable_variables)
        kept_g, kept_v, missing = [], [], []
        for g, v in zip(grads, trainable_variables):
            if g is None:
                missing.append(_var_name(v))
                continue
            index = self._get_variable_index(v)
            arr = np.asarray(getattr(g, "data", g))
            if arr.shape != v.data.shape:
                raise ValueError(
                    f"{type(self).__name__}: gradient of shape {arr.shape} does not match variable "
                    f"{_var_name(v)} of shape {v.data.shape}"
                )
            if arr.dtype != v.data.dtype:
                arr = arr.astype(v.data.dtype)
            kept_g.append(arr)
            kept_v.append((index, v))
        if not kept_g:
            raise ValueError(f"{type(self).__name__}: no gradients provided for any variable "
                             f"({len(trainable_variables)} variables)")
        if missing:
            warnings.warn(f"Gradients do not exist for variables {missing} when minimizing the loss.", stacklevel=2)
        self._apply_arrays(kept_g, kept_v)
        return self.iterations

    def step(self) -> None:
        """PyTorch style: update each built variable from its `.grad` (variables with None are skipped).

        Does nothing (and does not count an iteration) when no variable has a gradient.

        Raises:
            RuntimeError: the optimizer was not built (call `build(variables)` first).
        """
        if not self.built:
            raise RuntimeError(f"{type(self).__name__}.step: call optimizer.build(variables) once before step()")
        grads, pairs = [], []
        for i, v in enumerate(self._trainable_variables):
            if v.grad is not None:
                g = v.grad
                if g.dtype != v.data.dtype:
                    g = g.astype(v.data.dtype)
                grads.append(g)
                pairs.append((i, v))
        if grads:
            self._apply_arrays(grads, pairs)

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Clear the `.grad` of every built variable (to None, or to zeros in place)."""
        for v in self._trainable_variables:
            if set_to_none:
                v.grad = None
            elif v.grad is not None:
                v.grad[...] = 0

    def _apply_arrays(self, grads: List[np.ndarray], pairs: List[Tuple[int, Any]]) -> None:
        if self.loss_scale_factor is not None:
            grads = [g / np.asarray(self.loss_scale_factor, dtype=g.dtype) for g in grads]
        if self.gradient_accumulation_steps:
            steps = self.gradient_accumulation_steps
            accs = [self._accumulators[i] for i, _ in pairs]
            if (int(self._iterations) + 1) % steps == 0:
                grads = [(g + acc) / np.asarray(steps, dtype=g.dtype) for g, acc in zip(grads, accs)]
                self._update(grads, pairs)
                for acc in self._accumulators:
                    acc[...] = 0
            else:
                for g, acc in zip(grads, accs):
                    acc += g
        else:
            self._update(grads, pairs)
        if self.use_ema:
            self._update_moving_averages()
        self._iterations += 1

    def _update(self, grads: List[np.ndarray], pairs: List[Tuple[int, Any]]) -> None:
        grads = self._clip_gradients(grads)
        lr = self._current_learning_rate()
        if self.weight_decay:
            for _, v in pairs:
                if self._use_weight_decay(v):
                    dt = v.data.dtype.type
                    v.data -= v.data * dt(self.weight_decay) * dt(lr)
        self._before_update_step()
        for g, (_, v) in zip(grads, pairs):
            self.update_step(g, v, v.data.dtype.type(lr))
            constraint = getattr(v, "constraint", None)
            if constraint is not None:
                _assign(v, constraint(v))

    def _before_update_step(self) -> None:
        """Hook run once per update before the per-variable steps (Nadam keeps a product here)."""

    def update_step(self, gradient: np.ndarray, variable: Any, learning_rate: Any) -> None:
        """Update `variable.data` in place from `gradient`; implemented by subclasses."""
        raise NotImplementedError(f"{type(self).__name__}.update_step is not implemented")

    def _clip_gradients(self, grads: List[np.ndarray]) -> List[np.ndarray]:
        if self.clipnorm:
            out = []
            for g in grads:
                norm = np.sqrt(np.sum(g * g))
                dt = g.dtype.type
                out.append(g * dt(self.clipnorm) / np.maximum(norm, dt(self.clipnorm)))
            return out
        if self.global_clipnorm:
            norm = np.sqrt(sum(float(np.sum(np.square(g, dtype=np.float64))) for g in grads))
            scale = self.global_clipnorm * min(1.0 / norm if norm else math.inf, 1.0 / self.global_clipnorm)
            if not math.isfinite(norm):
                scale = math.nan
            return [g * g.dtype.type(scale) for g in grads]
        if self.clipvalue:
            v = self.clipvalue
            return [np.clip(g, -v, v) for g in grads]
        return grads

    # ----- exponential moving average -------------------------------------------------------
    def _update_moving_averages(self) -> None:
        momentum = self.ema_momentum if self.iterations != 0 else 0.0
        for v, avg in zip(self._trainable_variables, self._averages):
            dt = avg.dtype.type
            avg[...] = dt(momentum) * avg + dt(1 - momentum) * v.data
        freq = self.ema_overwrite_frequency
        if freq and (self.iterations + 1) % freq == 0:
            self._overwrite_with_averages()

    def _overwrite_with_averages(self) -> None:
        for v, avg in zip(self._trainable_variables, self._averages):
            np.copyto(v.data, avg)

    def finalize_variable_values(self, var_list: Optional[Sequence[Any]] = None) -> None:
        """At the end of training with ``use_ema=True``, copy the moving averages into the variables."""
        if self.use_ema and self.built:
            self._overwrite_with_averages()

    # ----- state for saving -----------------------------------------------------------------
    def get_state(self) -> List[np.ndarray]:
        """Copies of `variables` (iteration count first), for saving."""
        return [np.array(v, copy=True) for v in self._variables]

    def set_state(self, state: Sequence[Any]) -> None:
        """Restore `get_state()`'s output; everything is checked before anything changes.

        Build the optimizer on the model's trainable variables first when the state holds slots.

        Raises:
            ValueError: the number of arrays or any shape differs from this optimizer's variables.
        """
        state = list(state)
        if len(state) != len(self._variables):
            raise ValueError(
                f"{type(self).__name__}.set_state: the optimizer has {len(self._variables)} state arrays "
                f"(built={self.built}) but {len(state)} were given; build it on the same variables "
                "(and with the same settings) as the saved optimizer"
            )
        arrays = []
        for i, (current, new) in enumerate(zip(self._variables, state)):
            arr = np.asarray(getattr(new, "data", new))
            if arr.shape != current.shape:
                raise ValueError(f"{type(self).__name__}.set_state: state array {i} has shape {arr.shape}, "
                                 f"expected {current.shape}")
            if arr.dtype.kind not in "biuf":
                raise ValueError(f"{type(self).__name__}.set_state: state array {i} is not numeric ({arr.dtype})")
            arrays.append(arr)
        for current, arr in zip(self._variables, arrays):
            np.copyto(current, arr, casting="unsafe")

    def save_own_variables(self, store: Dict[str, Any]) -> None:
        """Keras-style: write the state into `store` under keys "0", "1", ..."""
        for i, v in enumerate(self._variables):
            store[str(i)] = np.array(v, copy=True)

    def load_own_variables(self, store: Dict[str, Any]) -> None:
        """Keras-style: read the state from `store` (keys "0", "1", ...); validated like `set_state`."""
        self.set_state([store[str(i)] for i in range(len(store))])

    # ----- config ----------------------------------------------------------------------------
    def get_config(self) -> Dict[str, Any]:
        """The constructor arguments, JSON-serializable (a schedule as its config dict)."""
        lr = self._learning_rate
        if isinstance(lr, np.ndarray):
            lr_config: Any = float(lr)
        elif isinstance(lr, _schedules.LearningRateSchedule):
            lr_config = _schedules.serialize(lr)
        else:
            lr_config = lr
        return {
            "name": self.name,
            "learning_rate": lr_config,
            "weight_decay": self.weight_decay,
            "clipnorm": self.clipnorm,
            "global_clipnorm": self.global_clipnorm,
            "clipvalue": self.clipvalue,
            "use_ema": self.use_ema,
            "ema_momentum": self.ema_momentum,
            "ema_overwrite_frequency": self.ema_overwrite_frequency,
            "loss_scale_factor": self.loss_scale_factor,
            "gradient_accumulation_steps": self.gradient_accumulation_steps,
        }

    @classmethod
    def from_config(cls, config: Dict[str, Any], custom_objects: Optional[Dict[str, Any]] = None) -> "Optimizer":
        """Rebuild an optimizer from `get_config()`'s output (state is not included)."""
        config = dict(config)
        if isinstance(config.get("learning_rate"), dict):
            config["learning_rate"] = _schedules.deserialize(config["learning_rate"], custom_objects)
        return cls(**config)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} name={self.name!r} iterations={self.iterations}>"


def _var_name(v: Any) -> str:
    return repr(getattr(v, "path", None) or getattr(v, "name", None) or f"<{type(v).__name__} {getattr(v, 'shape', '')}>")


def _assign(variable: Any, value: Any) -> None:
    if hasattr(variable, "assign"):
        variable.assign(value)
    else:
        np.copyto(variable.data, np.asarray(getattr(value, "data", value)), casting="unsafe")
