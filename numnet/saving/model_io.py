"""Whole-model files and weights files in numnet's own HDF5 layout (see docs/saving.md), and the
entry points that also hand `.keras` archives to numnet.saving.keras_format.

File layout (format version 1)::

    /                       attrs: numnet_format ("model" or "weights"), format_version (1),
                                   numnet_version (e.g. "0.1.0")
    /model_config           uint8 dataset: UTF-8 JSON {"class_name", "config"[, "registered_name"]}
    /build_config           uint8 JSON {"input_shape": ...} (only if the model was built)
    /compile_config         uint8 JSON of model.get_compile_config() (only if compiled)
    /model_weights          every weight (see numnet.saving.weights_io)
    /optimizer              attrs class_name, variable_count, built; datasets 0, 1, ...:
                            optimizer.variables (only the counters when saved unbuilt)
    /rng_state              uint8 JSON: bit-generator states of layers with their own RNG
                            (Dropout), keyed by position in the flattened layer list

Only ``/model_weights`` (and the root attributes) are present in a weights file.
"""
from __future__ import annotations

import json
from typing import Any, Callable, Dict, List, Mapping, Optional

import numpy as np

from numnet.saving import h5_io, keras_weights, weights_io
from numnet.utils import serialization

__all__ = ["FORMAT_VERSION", "save_model", "load_model", "save_weights", "load_weights"]

FORMAT_VERSION = 1
_WEIGHTS_SUFFIXES = (".h5", ".hdf5")
_MODEL_SUFFIXES = (".h5", ".hdf5", ".keras")


def _numnet_version() -> str:
    import numnet

    return str(getattr(numnet, "__version__", "unknown"))


def _write_header(f: Any, kind: str) -> None:
    f.attrs["numnet_format"] = np.bytes_(kind.encode("ascii"))
    f.attrs["format_version"] = FORMAT_VERSION
    f.attrs["numnet_version"] = np.bytes_(_numnet_version().encode("ascii"))


def _check_suffix(path: str, suffixes: tuple, what: str) -> None:
    if not path.lower().endswith(suffixes):
        raise ValueError(f"{what}: the filepath must end in {' or '.join(suffixes)}, got '{path}'")


def _check_model(model: Any, what: str) -> None:
    if not (hasattr(model, "weights") and hasattr(model, "layers") and hasattr(model, "name")):
        raise TypeError(f"{what}: expected a numnet model, got {type(model).__name__}")


def _read_header(f: Any, path: str) -> str:
    kind = h5_io.read_str_attr(f, "numnet_format", path)
    if kind not in ("model", "weights"):
        raise h5_io.FileLayoutError(f"'{path}': root attribute 'numnet_format' must be 'model' or 'weights', "
                                    f"found {kind!r}")
    version = h5_io.read_attr(f, "format_version", path)
    try:
        version = int(np.asarray(version).item())
    except (TypeError, ValueError):
        raise h5_io.FileLayoutError(f"'{path}': root attribute 'format_version' must be an int, found "
                                    f"{version!r:.50}") from None
    if version > FORMAT_VERSION or version < 1:
        raise h5_io.FileLayoutError(
            f"'{path}' has numnet format version {version}, but this numnet ({_numnet_version()}) reads "
            f"version {FORMAT_VERSION}; upgrade numnet to load it")
    return kind


# ------------------------------------------------------------------------------------------------
# Weights
# ------------------------------------------------------------------------------------------------
def save_weights(model: Any, filepath: Any, overwrite: bool = True, **kwargs: Any) -> None:
    """Save every weight of `model` (trainable and not) to an HDF5 file, atomically.

    Args:
        model: a numnet model (or layer).
        filepath: ending in ``.weights.h5``, ``.h5`` or ``.hdf5``.
        overwrite: if False and the file exists, raise `FileExistsError`.
        **kwargs: `max_shard_size=None` is accepted for Keras compatibility (no sharding).

    Raises:
        ValueError: the filepath does not end in .h5/.hdf5.
        TypeError: an unknown keyword argument.
    """
    if kwargs.pop("max_shard_size", None) is not None:
        raise ValueError("save_weights: numnet does not shard weight files; leave max_shard_size=None")
    if kwargs:
        raise TypeError(f"save_weights: unexpected keyword argument(s) {sorted(kwargs)}")
    path = h5_io.check_filepath(filepath)
    _check_suffix(path, _WEIGHTS_SUFFIXES, "save_weights")
    _check_model(model, "save_weights")

    def writer(f: Any) -> None:
        _write_header(f, "weights")
        weights_io.write_weights(f.create_group("model_weights"), model)
        h5_io.write_digest(f)

    h5_io.atomic_write(path, writer, overwrite=overwrite)


def _read_weight_pairs(f: Any, model: Any, path: str) -> list:
    layout, group = keras_weights.detect_layout(f, path)
    if layout == keras_weights.NUMNET:
        _read_header(f, path)
        file_groups = weights_io.read_weights(h5_io.subgroup(f, "model_weights", path), path)
        return weights_io.pair_by_position(weights_io.model_weight_groups(model), file_groups)
    if layout == keras_weights.KERAS2:
        return keras_weights.read_keras2_pairs(group, model, path)
    return keras_weights.read_keras3_pairs(f, model, path)


def load_weights(model: Any, filepath: Any, skip_mismatch: bool = False, **kwargs: Any) -> None:
    """Load weights saved by numnet (weights or model file), Keras 3 (``.weights.h5`` or a
    ``.keras`` archive) or Keras 2 into `model`.

    Everything is read and checked (presence and shape of every weight) before any value is
    assigned; on error the model is unchanged.

    Args:
        model: a built numnet model with the same architecture as the saved one.
        filepath: the HDF5 file or `.keras` archive; its layout is detected automatically.
        skip_mismatch: skip layers whose weights are missing or differ in count/shape, with a
            warning, instead of raising.

    Raises:
        FileNotFoundError: no such file.
        OSError: not an HDF5 file, truncated or unreadable (`CorruptFileError`).
        ValueError: unsafe content, a layout numnet does not know, or (without skip_mismatch)
            an architecture mismatch naming the first layer/weight that differs with both shapes.
        TypeError: an unknown keyword argument.
    """
    if kwargs:
        raise TypeError(f"load_weights: unexpected keyword argument(s) {sorted(kwargs)}")
    path = h5_io.check_filepath(filepath)
    _check_model(model, "load_weights")
    if _is_keras_archive(path):
        from numnet.saving import keras_format

        keras_format.load_keras_weights(model, path, skip_mismatch=bool(skip_mismatch))
        return
    with h5_io.open_h5(path) as f:
        pairs = _read_weight_pairs(f, model, path)
    weights_io.require_built(model, path)
    assignments = weights_io.match_groups(pairs, path, bool(skip_mismatch))
    weights_io.assign_all(assignments)


# ------------------------------------------------------------------------------------------------
# Whole models
# ------------------------------------------------------------------------------------------------
def _all_layers(model: Any) -> List[Any]:
    """The model and every nested layer (through the public `layers`), depth first, each once."""
    out, seen, stack = [], set(), [model]
    while stack:
        layer = stack.pop()
        if id(layer) in seen:
            continue
        seen.add(id(layer))
        out.append(layer)
        stack.extend(reversed(list(getattr(layer, "layers", []) or [])))
    return out


def _refuse_code(model: Any) -> None:
    """Refuse layers holding Python functions: saving them would need code in the file."""
    for layer in _all_layers(model):
        fn = getattr(layer, "function", None)
        if type(layer).__name__ == "Lambda" or (fn is not None and callable(fn) and not isinstance(fn, type)):
            if fn is None or not callable(fn):
                continue
            registered = any(obj is fn for obj in serialization.get_custom_objects().values())
            if not registered:
                name = getattr(fn, "__name__", repr(fn))
                raise ValueError(
                    f"Cannot save layer '{layer.name}' ({type(layer).__name__}): it holds the Python function "
                    f"{name!r}, and numnet never writes code into a file (loading it would run that code). "
                    f"Decorate the function with @numnet.saving.register_serializable() and pass it again "
                    f"at load time, or write the computation as a Layer subclass (registered the same way), or use "
                    f"model.save_weights() and rebuild the model in code.")


def _json_check(value: Any, what: str) -> Any:
    def default(obj: Any) -> Any:
        if isinstance(obj, np.generic):
            return obj.item()
        if isinstance(obj, np.ndarray):
            return obj.tolist()
        if callable(obj):
            raise ValueError(f"Cannot save the {what}: it contains the Python callable {obj!r:.80}, which numnet "
                             f"never writes into a file. Register it with @numnet.saving.register_serializable() "
                             f"and refer to it by name.")
        raise ValueError(f"Cannot save the {what}: it contains {type(obj).__name__} {obj!r:.80}, which is not "
                         f"JSON-serialisable")

    return json.loads(json.dumps(value, default=default))


def _model_config(model: Any) -> Dict[str, Any]:
    try:
        config = serialization.serialize(model)
    except NotImplementedError as exc:
        raise ValueError(f"Cannot save model '{model.name}' ({type(model).__name__}): {exc}. Use "
                         f"save_weights() to save its weights only.") from None
    if not isinstance(config, dict):
        raise TypeError(f"save_model: {type(model).__name__} has no get_config(), so it cannot be rebuilt "
                        f"from a file; use save_weights()")
    return _json_check(config, f"config of model '{model.name}'")


def _build_config(model: Any) -> Optional[Dict[str, Any]]:
    shapes = getattr(model, "_build_shapes", None)
    if not getattr(model, "built", False) or shapes is None:
        return None
    try:
        return _json_check({"input_shape": shapes}, "build config")
    except ValueError:
        return None


def _layer_generators(model: Any) -> List[tuple]:
    """(position in the flattened layer list, generator) for layers with their own RNG (Dropout...)."""
    out = []
    for i, layer in enumerate(_all_layers(model)):
        rng = getattr(layer, "_rng", None)
        if isinstance(rng, np.random.Generator):
            out.append((i, layer, rng))
    return out


def _rng_states(model: Any) -> Dict[str, Any]:
    return {str(i): {"layer": layer.name, "state": rng.bit_generator.state}
            for i, layer, rng in _layer_generators(model)}


def _restore_rng_states(model: Any, states: Any, path: str) -> None:
    """Put each layer's random generator back where it was when saved (exact resume of Dropout)."""
    if states is None:
        return
    if not isinstance(states, dict):
        raise ValueError(f"'{path}': rng_state must be a JSON object")
    generators = {str(i): (layer, rng) for i, layer, rng in _layer_generators(model)}
    checked = []
    for key, entry in states.items():
        if key not in generators or not isinstance(entry, dict) or not isinstance(entry.get("state"), dict):
            raise ValueError(f"'{path}': rng_state entry {key!r} does not match a layer with a random generator")
        layer, rng = generators[key]
        state = entry["state"]
        if state.get("bit_generator") != type(rng.bit_generator).__name__:
            raise ValueError(f"'{path}': rng_state of layer '{layer.name}' is for bit generator "
                             f"{state.get('bit_generator')!r:.40}, expected {type(rng.bit_generator).__name__}")
        trial = type(rng.bit_generator)()
        try:
            trial.state = state
        except (TypeError, ValueError, KeyError, OverflowError) as exc:
            raise ValueError(f"'{path}': invalid rng_state for layer '{layer.name}': {exc}") from None
        checked.append((rng, trial.state))
    for rng, state in checked:
        rng.bit_generator.state = state


def _optimizer_state(model: Any) -> Optional[tuple]:
    opt = getattr(model, "optimizer", None)
    if opt is None or not hasattr(opt, "get_state"):
        return None
    arrays = [np.array(getattr(v, "data", v)) for v in opt.get_state()]
    return type(opt).__name__, arrays, bool(getattr(opt, "built", True))


def save_model(model: Any, filepath: Any, overwrite: bool = True, **kwargs: Any) -> None:
    """Save architecture, weights, compile configuration and optimizer state to one file.

    A ``.keras`` path gets Keras 3's native format (a zip archive that `keras.saving.load_model`
    opens, see numnet.saving.keras_format); ``.h5``/``.hdf5`` get numnet's HDF5 layout. The
    file is written atomically (temp file + `os.replace`).

    Args:
        model: a numnet Sequential, functional or registered subclassed model.
        filepath: ending in ``.keras``, ``.h5`` or ``.hdf5``.
        overwrite: if False and the file exists, raise `FileExistsError`.
        **kwargs: accepted for Keras compatibility: `include_optimizer` (default True) and
            `zipped` (True or None; a `.keras` file is always a zip archive).

    Raises:
        ValueError: bad suffix or `zipped=False` for ``.keras``; a layer holds a Python
            function (e.g. `Lambda`), or the model's config cannot be represented as JSON.
        TypeError: an unknown keyword argument.
    """
    path = h5_io.check_filepath(filepath)
    _check_suffix(path, _MODEL_SUFFIXES, "save_model")
    _check_model(model, "save_model")
    include_optimizer = bool(kwargs.pop("include_optimizer", True))
    zipped = kwargs.pop("zipped", None)
    if kwargs:
        raise TypeError(f"save_model: unexpected keyword argument(s) {sorted(kwargs)}")
    if path.lower().endswith(".keras"):
        if zipped is not None and not zipped:
            raise ValueError(f"save_model: a .keras file is a zip archive; zipped=False (a folder) is not "
                             f"supported, got '{path}'")
        from numnet.saving import keras_format

        keras_format.save_keras(model, path, overwrite=overwrite, include_optimizer=include_optimizer)
        return
    _refuse_code(model)
    config = _model_config(model)
    build = _build_config(model)
    compile_config = None
    if getattr(model, "compiled", False) and hasattr(model, "get_compile_config"):
        compile_config = model.get_compile_config()
        if compile_config is not None:
            compile_config = _json_check(compile_config, "compile config")
    optimizer = _optimizer_state(model) if include_optimizer and compile_config is not None else None
    rng_states = _rng_states(model)

    def writer(f: Any) -> None:
        _write_header(f, "model")
        h5_io.write_json_dataset(f, "model_config", config)
        if build is not None:
            h5_io.write_json_dataset(f, "build_config", build)
        if compile_config is not None:
            h5_io.write_json_dataset(f, "compile_config", compile_config)
        if rng_states:
            h5_io.write_json_dataset(f, "rng_state", rng_states)
        weights_io.write_weights(f.create_group("model_weights"), model)
        if optimizer is not None:
            g = f.create_group("optimizer")
            g.attrs["class_name"] = np.bytes_(optimizer[0].encode("utf-8"))
            g.attrs["variable_count"] = len(optimizer[1])
            g.attrs["built"] = optimizer[2]
            for i, arr in enumerate(optimizer[1]):
                g.create_dataset(str(i), data=arr)
        h5_io.write_digest(f)

    h5_io.atomic_write(path, writer, overwrite=overwrite)


def _read_model_file(path: str) -> Dict[str, Any]:
    with h5_io.open_h5(path) as f:
        if "numnet_format" not in f.attrs:
            layout, _ = keras_weights.detect_layout(f, path)  # raises for unknown layouts
            raise h5_io.FileLayoutError(
                f"'{path}' is a {'Keras 2' if layout == keras_weights.KERAS2 else 'Keras 3'} weights file, not a "
                f"numnet model file: build the same model in numnet and call model.load_weights('{path}')")
        kind = _read_header(f, path)
        if kind != "model":
            raise h5_io.FileLayoutError(f"'{path}' is a numnet weights file (numnet_format='weights'), not a "
                                        f"model file: build the model in code and call model.load_weights()")
        out: Dict[str, Any] = {"model_config": h5_io.read_json_dataset(f, "model_config", path)}
        for key in ("build_config", "compile_config", "rng_state"):
            out[key] = h5_io.read_json_dataset(f, key, path) if key in f else None
        out["weights"] = weights_io.read_weights(h5_io.subgroup(f, "model_weights", path), path)
        opt = h5_io.subgroup(f, "optimizer", path, required=False)
        if opt is not None:
            keys = sorted(opt.keys(), key=lambda k: int(k) if k.isdigit() else -1)
            if any(not k.isdigit() for k in keys) or [int(k) for k in keys] != list(range(len(keys))):
                raise h5_io.FileLayoutError(f"'{path}': optimizer variables must be datasets named 0..n-1")
            built = h5_io.read_attr(opt, "built", path, default=True)
            if np.asarray(built).dtype.kind not in "biu" or np.asarray(built).size != 1:
                raise h5_io.FileLayoutError(f"'{path}': attribute 'built' of '/optimizer' must be a boolean")
            out["optimizer"] = ([h5_io.read_dataset(opt, k, path) for k in keys], bool(np.asarray(built).item()))
        else:
            out["optimizer"] = None
    return out


def _check_config(config: Any, path: str) -> None:
    if not isinstance(config, dict) or not isinstance(config.get("class_name"), str) \
            or not isinstance(config.get("config", {}), dict):
        raise ValueError(f"'{path}': model_config must be an object with a string 'class_name' and an object "
                         f"'config', found {str(config)[:200]}")


def _build_model(config: Any, build_config: Any, custom_objects: Optional[Mapping[str, Any]], path: str) -> Any:
    import numnet.layers
    import numnet.models  # noqa: F401  (registers Model/Sequential/functional as numnet's own layers)

    _check_config(config, path)
    try:
        with serialization.custom_object_scope(custom_objects):
            model = numnet.layers.deserialize(config, custom_objects=custom_objects)
            if not getattr(model, "built", False) and isinstance(build_config, dict) \
                    and build_config.get("input_shape") is not None:
                _build_from_shape(model, build_config["input_shape"])
    except ValueError as exc:
        if "custom_objects" in str(exc):
            raise ValueError(f"Cannot load model from '{path}': {exc}") from None
        raise ValueError(f"Cannot load model from '{path}': its config is invalid ({exc})") from exc
    except Exception as exc:  # wrong-type config values surface as any error inside constructors
        raise ValueError(f"Cannot load model from '{path}': its config is invalid "
                         f"({type(exc).__name__}: {exc})") from exc
    return model


def _to_shape(value: Any) -> Any:
    if isinstance(value, list) and all(v is None or isinstance(v, int) for v in value):
        return tuple(value)
    if isinstance(value, list):
        return [_to_shape(v) for v in value]
    if isinstance(value, dict):
        return {k: _to_shape(v) for k, v in value.items()}
    raise ValueError(f"build_config input_shape has an invalid entry {value!r:.80}")


def _charge_input(shape: Any) -> None:
    if isinstance(shape, tuple):
        if any(d is not None and (not isinstance(d, int) or d < 0) for d in shape):
            raise ValueError(f"invalid input shape {shape}")
        n = int(np.prod([1 if d is None else d for d in shape], dtype=object))
        serialization.charge_allocation(4 * n, f"the build input of shape {shape}")
    elif isinstance(shape, list):
        for s in shape:
            _charge_input(s)
    elif isinstance(shape, dict):
        for s in shape.values():
            _charge_input(s)


def _build_from_shape(model: Any, shape: Any) -> None:
    shape = _to_shape(shape)
    _charge_input(shape)  # building runs `call` on zeros of this shape
    if hasattr(model, "build") and type(model).build is not _layer_build():
        model.build(shape)
    if not model.built:
        from numnet.autograd import Tensor, no_grad

        def zeros(s: Any) -> Any:
            if isinstance(s, tuple):
                return Tensor(np.zeros(tuple(1 if d is None else d for d in s), dtype=np.float32))
            if isinstance(s, list):
                return [zeros(x) for x in s]
            return {k: zeros(v) for k, v in s.items()}

        with no_grad():
            model(zeros(shape), training=False)


def _layer_build() -> Any:
    from numnet.layers import Layer

    return Layer.build


def _resolve_custom_names(compile_config: Dict[str, Any]) -> Dict[str, Any]:
    """Replace the names of custom losses/metrics by the objects (inside a custom_object_scope).

    `compile` resolves names lazily, at the first `fit`/`evaluate`, outside the scope of the
    `custom_objects` given to `load_model`; resolving them now keeps that mapping in force.
    Built-in names are left as they are (their meaning can depend on the data's shapes).
    """
    from numnet import losses, metrics

    def resolve(value: Any, builtins: Mapping[str, Any], reserved: tuple, kinds: tuple) -> Any:
        if isinstance(value, str):
            if value in builtins or value in reserved:
                return value
            try:
                obj = serialization.resolve(value, {})
            except (TypeError, ValueError):
                return value  # compile reports it, naming custom_objects
            if isinstance(obj, type) and not issubclass(obj, kinds):
                return value  # a class of another kind: compile refuses the name
            return obj
        if isinstance(value, list):
            return [resolve(v, builtins, reserved, kinds) for v in value]
        if isinstance(value, dict) and "class_name" not in value:
            return {k: resolve(v, builtins, reserved, kinds) for k, v in value.items()}
        return value

    out = dict(compile_config)
    if "loss" in out:
        out["loss"] = resolve(out["loss"], losses.BUILTINS, (), (losses.Loss,))
    for key in ("metrics", "weighted_metrics"):
        if key in out:
            out[key] = resolve(out[key], metrics.BUILTINS, ("accuracy", "acc", "crossentropy", "ce"),
                               (metrics.Metric, losses.Loss))
    return out


def _restore_compile(model: Any, compile_config: Any, optimizer_state: Optional[tuple],
                     custom_objects: Optional[Mapping[str, Any]], path: str) -> None:
    if not isinstance(compile_config, dict):
        raise ValueError(f"Cannot load model from '{path}': compile_config must be a JSON object, found "
                         f"{type(compile_config).__name__}")
    try:
        with serialization.custom_object_scope(custom_objects):
            model.compile_from_config(_resolve_custom_names(compile_config))
    except Exception as exc:
        hint = "" if "custom_objects" in str(exc) else " (load with compile=False to skip compiling)"
        raise ValueError(f"Cannot load model from '{path}': could not compile it from the saved compile "
                         f"configuration: {type(exc).__name__}: {exc}{hint}") from exc
    opt = getattr(model, "optimizer", None)
    if optimizer_state is None or opt is None:
        return
    saved, saved_built = optimizer_state
    try:
        if not getattr(opt, "built", False):
            opt.build(model.trainable_weights)
        current = opt.get_state()
        if not saved_built and len(saved) < len(current):
            # Saved before its first step: only the counters exist; the slots start at zero.
            saved = list(saved) + current[len(saved):]
        for i, (cur, arr) in enumerate(zip(current, saved)):
            if np.asarray(cur).dtype.kind in "iub" and np.asarray(arr).dtype.kind not in "iub":
                raise ValueError(f"state array {i} must be integer (it is {np.asarray(cur).dtype}), found "
                                 f"{np.asarray(arr).dtype}")
        opt.set_state(list(saved))
    except Exception as exc:
        raise ValueError(f"Cannot load model from '{path}': the saved optimizer state does not fit the "
                         f"optimizer ({type(exc).__name__}: {exc})") from exc


# What building a model from a file may allocate beyond twice its saved weights (metrics,
# the dummy input of a subclassed model's build, small weights of another dtype).
_BUILD_SLACK = 256 << 20


def _load_budget(saved_bytes: int) -> int:
    """Memory a model built from a file's config may claim: twice its saved weights + slack.

    Args:
        saved_bytes: the bytes of all weight arrays in the file.

    Returns:
        The allocation budget in bytes.
    """
    return 2 * saved_bytes + _BUILD_SLACK


def _build_for_loading(config: Any, build_config: Any, custom_objects: Optional[Mapping[str, Any]], path: str,
                      budget: int) -> Any:
    """Build the model a file describes within `budget`, leaving the global random stream untouched.

    Building draws initial weights, which the file's weights then replace; the global stream
    (shuffling, dropout) stays where it was, so loading does not change what comes after.

    Args:
        config: numnet's model config.
        build_config: the input shape(s) to build with, or None.
        custom_objects: the user's classes and functions by name.
        path: the file, for messages.
        budget: bytes the build may allocate (`_load_budget`).

    Returns:
        The built model (weights not yet loaded).

    Raises:
        ValueError: the config names classes numnet will not build, or asks for more memory than `budget`.
    """
    from numnet.utils.random import global_rng

    global_state = global_rng().bit_generator.state
    try:
        with serialization.allocation_budget(budget, f"loading '{path}'"):
            return _build_model(config, build_config, custom_objects, path)
    finally:
        global_rng().bit_generator.state = global_state


def _finish_loading(model: Any, make_pairs: Callable[[], list], path: str, rng_state: Any,
                   compile_config: Optional[Dict[str, Any]], optimizer_state: Optional[tuple],
                   custom_objects: Optional[Mapping[str, Any]], budget: int) -> None:
    """Check every saved weight against the built model, then assign them, the generator states and the
    compile configuration with the optimizer's variables (nothing is assigned if a check fails).

    Args:
        model: the model from `_build_for_loading`.
        make_pairs: pairs the model's weight groups with the file's (may raise ValueError).
        path: the file, for messages.
        rng_state: the saved states of seeded layers' generators, or None.
        compile_config: numnet's compile config to restore, or None not to compile.
        optimizer_state: the optimizer's saved variables (see `_restore_compile`), or None.
        custom_objects: the user's classes and functions by name.
        budget: bytes compiling may allocate.

    Raises:
        ValueError: weights that do not fit the architecture, bad generator states, or a compile
            configuration that cannot be restored.
    """
    try:
        assignments = weights_io.match_groups(make_pairs(), path, skip_mismatch=False)
    except ValueError as exc:
        raise ValueError(f"Cannot load model from '{path}': the weights do not fit the architecture in its "
                         f"config: {exc}") from None
    _restore_rng_states(model, rng_state, path)
    weights_io.assign_all(assignments)
    if compile_config is not None and hasattr(model, "compile_from_config"):
        with serialization.allocation_budget(budget, f"compiling the model loaded from '{path}'"):
            _restore_compile(model, compile_config, optimizer_state, custom_objects, path)


def _is_keras_archive(path: str) -> bool:
    """Whether the file is a zip (Keras 3 `.keras`) rather than HDF5, judged by its content."""
    from numnet.saving import keras_archive

    return keras_archive.is_zip_file(path)


def load_model(filepath: Any, custom_objects: Optional[Mapping[str, Any]] = None, compile: bool = True,
               safe_mode: bool = True) -> Any:
    """Load a model saved by `save_model` / `model.save`, by numnet or by Keras 3.

    The format is recognised by the content, whatever the name says: a zip archive is Keras
    3's `.keras` format (written by Keras or numnet); an HDF5 file is numnet's own layout
    (including `.keras` files written by numnet before it wrote Keras's format). Only numnet's
    own classes, classes registered with `register_serializable` and `custom_objects` are ever
    built; nothing in the file is unpickled or executed.

    Args:
        filepath: the `.keras` archive or HDF5 file.
        custom_objects: dict name -> class/function for user layers, losses, metrics, activations.
        compile: restore the compile configuration and optimizer state (if saved).
        safe_mode: accepted for Keras compatibility; numnet is always safe (never runs file code).

    Returns:
        The model, with bit-identical weights (and compiled, when `compile` and it was compiled).

    Raises:
        FileNotFoundError: no such file.
        OSError: neither a zip archive nor an HDF5 file, truncated or unreadable (`CorruptFileError`).
        ValueError: unsafe content (zip bombs, escaping or duplicate member names, refused HDF5
            features), a missing member or malformed JSON, another layout, an unknown or
            unsupported class name (the message says to pass `custom_objects` or register the
            class), an invalid config, or a config asking for far more memory than the saved
            weights (refused before allocating it).
    """
    path = h5_io.check_filepath(filepath)
    if custom_objects is not None and not isinstance(custom_objects, Mapping):
        raise TypeError(f"load_model: custom_objects must be a dict, got {type(custom_objects).__name__}")
    if _is_keras_archive(path):
        from numnet.saving import keras_format

        return keras_format.load_keras(path, custom_objects=custom_objects, compile=compile)
    try:
        data = _read_model_file(path)
    except h5_io.CorruptFileError as exc:
        if "no HDF5 signature" not in str(exc):
            raise
        raise h5_io.CorruptFileError(f"'{path}' is not an HDF5 file (no HDF5 signature) and not a Keras .keras "
                                     f"archive (no zip signature)") from None
    budget = _load_budget(sum(int(a.nbytes) for g in data["weights"] for a in g.arrays))
    model = _build_for_loading(data["model_config"], data["build_config"], custom_objects, path, budget)
    _finish_loading(model, lambda: weights_io.pair_by_position(weights_io.model_weight_groups(model), data["weights"]),
                   path, data["rng_state"], data["compile_config"] if compile else None, data["optimizer"],
                   custom_objects, budget)
    return model
