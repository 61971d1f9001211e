"""numnet.config and numnet.backend: Keras 3's global settings, dtype helpers and session state."""
import io

import numpy as np
import pytest

import numnet as keras
from numnet.trainers import progress


@pytest.fixture(autouse=True)
def restore_settings():
    yield
    keras.config.set_floatx("float32")
    keras.config.set_epsilon(1e-7)
    keras.config.set_image_data_format("channels_last")
    keras.config.enable_interactive_logging()


class _TTY(io.StringIO):
    def isatty(self):
        return True


def test_namespaces_have_the_keras_names():
    for name in ("floatx", "set_floatx", "epsilon", "set_epsilon", "image_data_format", "set_image_data_format",
                 "backend", "enable_unsafe_deserialization", "disable_interactive_logging",
                 "enable_interactive_logging", "is_interactive_logging_enabled"):
        assert callable(getattr(keras.config, name)), name
    for name in ("clear_session", "floatx", "set_floatx", "epsilon", "set_epsilon", "image_data_format",
                 "set_image_data_format", "backend", "is_keras_tensor", "standardize_dtype", "result_type",
                 "get_uid", "is_float_dtype", "is_int_dtype"):
        assert callable(getattr(keras.backend, name)), name
    assert keras.backend.backend() == keras.config.backend() == "numpy"
    assert keras.config.enable_unsafe_deserialization() is None


def test_floatx_sets_the_default_dtype_of_layers_inputs_and_random():
    assert keras.config.floatx() == "float32"
    keras.config.set_floatx("float64")
    assert keras.backend.floatx() == "float64"
    dense = keras.layers.Dense(2)
    y = dense(np.ones((1, 3)))
    assert dense.kernel.data.dtype == np.float64 and y.data.dtype == np.float64
    assert keras.Input((3,)).dtype == "float64"
    assert keras.random.normal((2,)).data.dtype == np.float64
    keras.config.set_floatx(np.float32)
    assert keras.layers.Dense(2).dtype == "float32"


@pytest.mark.parametrize("bad", ["float16", "bfloat16", "int32", "nope", None])
def test_set_floatx_accepts_only_float32_and_float64(bad):
    with pytest.raises(ValueError, match="float32"):
        keras.config.set_floatx(bad)
    assert keras.config.floatx() == "float32"


def test_epsilon_is_stored_and_read_by_constraints():
    assert keras.config.epsilon() == 1e-7
    keras.backend.set_epsilon(1.0)
    assert keras.config.epsilon() == 1.0
    out = keras.constraints.UnitNorm()(np.array([3.0, 4.0]))
    np.testing.assert_allclose(out.data, [0.5, 4.0 / 6.0])
    with pytest.raises(ValueError):
        keras.config.set_epsilon(-1.0)
    with pytest.raises(TypeError):
        keras.config.set_epsilon("small")
    assert keras.config.epsilon() == 1.0


def test_image_data_format_is_the_default_of_image_layers():
    assert keras.config.image_data_format() == "channels_last"
    keras.config.set_image_data_format("channels_first")
    assert keras.backend.image_data_format() == "channels_first"
    conv = keras.layers.Conv2D(4, 3)
    assert conv.data_format == "channels_first"
    assert conv(np.zeros((2, 3, 8, 8), dtype=np.float32)).shape == (2, 4, 6, 6)
    assert keras.layers.Conv2D(4, 3, data_format="channels_last").data_format == "channels_last"
    with pytest.raises(ValueError, match="channels_last"):
        keras.config.set_image_data_format("channels_middle")
    assert keras.config.image_data_format() == "channels_first"


def test_clear_session_restarts_names_and_uids():
    keras.backend.clear_session()
    assert keras.layers.Dense(1).name == "dense"
    assert keras.layers.Dense(1).name == "dense_1"
    assert keras.backend.get_uid("x") == 1 and keras.backend.get_uid("x") == 2
    keras.backend.clear_session(free_memory=False)
    assert keras.layers.Dense(1).name == "dense"
    assert keras.backend.get_uid("x") == 1
    assert keras.backend.clear_session is keras.utils.clear_session


def test_is_keras_tensor():
    assert keras.backend.is_keras_tensor(keras.Input((3,)))
    assert not keras.backend.is_keras_tensor(keras.Tensor(np.ones(3)))
    assert not keras.backend.is_keras_tensor(np.ones(3))


def test_standardize_dtype():
    sd = keras.backend.standardize_dtype
    assert sd(None) == "float32"
    assert sd(int) == "int32" and sd("int") == "int32" and sd(float) == "float32" and sd(bool) == "bool"
    assert sd(np.float64) == "float64" and sd(np.dtype("uint8")) == "uint8" and sd("float16") == "float16"
    assert sd(keras.Tensor(np.ones(2, dtype=np.int64))) == "int64"
    assert keras.backend.is_float_dtype("float64") and not keras.backend.is_float_dtype("int8")
    assert keras.backend.is_int_dtype("uint16") and not keras.backend.is_int_dtype("bool")
    for bad in ("object", "not_a_dtype", "datetime64"):
        with pytest.raises(ValueError):
            sd(bad)


@pytest.mark.parametrize("dtypes,expected", [
    (("int32", "float32"), "float32"),
    (("int64", "float16"), "float16"),
    (("int8", "uint8"), "int16"),
    (("float16", "float32"), "float32"),
    ((float,), "float32"),
    ((int, "int8"), "int8"),
    ((float, "int64"), "float32"),
    ((float, "float64"), "float64"),
    (("bool", "bool"), "bool"),
    ((), "float32"),
])
def test_result_type(dtypes, expected):
    assert keras.backend.result_type(*dtypes) == expected


def test_interactive_logging_switches_off_live_bars():
    assert keras.config.is_interactive_logging_enabled()
    assert progress.is_interactive(_TTY())
    keras.config.disable_interactive_logging()
    assert not keras.config.is_interactive_logging_enabled()
    assert not progress.is_interactive(_TTY())
    keras.config.enable_interactive_logging()
    assert progress.is_interactive(_TTY())


def test_fit_with_interactive_logging_disabled_prints_plain_lines(monkeypatch):
    stream = _TTY()
    monkeypatch.setattr("sys.stdout", stream)
    keras.config.disable_interactive_logging()
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    model.compile("sgd", "mse")
    model.fit(np.ones((8, 2)), np.ones((8, 1)), epochs=2, batch_size=4, verbose=1)
    text = stream.getvalue()
    assert "\r" not in text and "\x1b" not in text
    assert text.count("loss:") == 2
