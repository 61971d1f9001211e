"""Bad input names the op or layer, the argument, what was expected and what was given, and
changes nothing (no weight, no automatic name consumed)."""
import numpy as np
import pytest

from numnet import Tensor, layers, ops
from numnet.layers import Layer
from numnet.utils.naming import clear_session, to_snake_case

STRINGS = np.array([["a", "b"], ["c", "d"]])


# ----- ops: a non-numeric array names the op, the dtype, the shape and the bad value -----------
@pytest.mark.parametrize("name,call", [
    ("exp", lambda x: ops.exp(x)),
    ("add", lambda x: ops.add(np.ones((2, 2)), x)),
    ("add", lambda x: Tensor(np.ones((2, 2))) + x),
    ("matmul", lambda x: ops.matmul(x, np.ones((2, 2)))),
    ("sum", lambda x: ops.sum(x, axis=0)),
    ("reshape", lambda x: ops.reshape(x, (4,))),
    ("concatenate", lambda x: ops.concatenate([np.ones((2, 2)), x])),
    ("softmax", lambda x: ops.softmax(x)),
    ("conv", lambda x: ops.conv(x[None, :, :, None], np.ones((1, 1, 1, 1)))),
    ("max_pool", lambda x: ops.max_pool(x[None, :, :, None], 1)),
    ("where", lambda x: ops.where(np.ones((2, 2), bool), x, 0.0)),
    ("sign", lambda x: ops.sign(x)),
])
def test_non_numeric_array_names_the_op_and_the_value(name, call):
    with pytest.raises(TypeError) as err:
        call(STRINGS)
    msg = str(err.value)
    assert msg.startswith(f"{name}: "), msg
    assert "numeric" in msg and "<U1" in msg and "2, 2" in msg and "'a'" in msg


def test_tensor_constructor_still_names_itself():
    with pytest.raises(TypeError, match=r"^Tensor: expected numeric data"):
        Tensor(STRINGS)
    with pytest.raises(TypeError, match=r"^Tensor: expected numeric data.*dtype object"):
        Tensor({"a": 1})
    with pytest.raises(TypeError, match=r"^Tensor: cannot convert list"):
        Tensor([[1.0, 2.0], [3.0]])
    with pytest.raises(TypeError, match=r"^mean: cannot convert list"):
        ops.mean([[1.0, 2.0], [3.0]])


# ----- layers: unknown activation / initializer / regularizer names ----------------------------
CASES = [
    (lambda **kw: layers.Dense(3, **kw), "activation", "relux", "relu"),
    (lambda **kw: layers.Dense(3, **kw), "kernel_initializer", "glorot_unifrom", "glorot_uniform"),
    (lambda **kw: layers.Dense(3, **kw), "bias_initializer", "zero_s", "zeros"),
    (lambda **kw: layers.Dense(3, **kw), "kernel_regularizer", "l3", "l2"),
    (lambda **kw: layers.Dense(3, **kw), "activity_regularizer", "l3", "l1"),
    (lambda **kw: layers.Activation(kw.pop("activation", "relu"), **kw), "activation", "softmaxx", "softmax"),
    (lambda **kw: layers.Conv2D(4, 3, **kw), "activation", "rectifier", "relu"),
    (lambda **kw: layers.Conv2D(4, 3, **kw), "kernel_initializer", "kaiming", "he_normal"),
    (lambda **kw: layers.Conv1D(4, 3, **kw), "bias_regularizer", "l9", "l2"),
    (lambda **kw: layers.Embedding(10, 3, **kw), "embeddings_initializer", "uniformm", "uniform"),
    (lambda **kw: layers.BatchNormalization(**kw), "gamma_initializer", "once", "ones"),
    (lambda **kw: layers.BatchNormalization(**kw), "moving_variance_initializer", "onez", "ones"),
    (lambda **kw: layers.LayerNormalization(**kw), "beta_regularizer", "l0", "l1"),
]


@pytest.mark.parametrize("make,arg,bad,valid", CASES, ids=[f"{c[1]}={c[2]}" for c in CASES])
@pytest.mark.parametrize("layer_name", [None, "my_layer"])
def test_unknown_name_names_layer_argument_given_and_valid_values(make, arg, bad, valid, layer_name):
    clear_session()
    kwargs = {arg: bad}
    if layer_name:
        kwargs["name"] = layer_name
    with pytest.raises(ValueError) as err:
        make(**kwargs)
    msg = str(err.value)
    cls_name = type(make(name="probe")).__name__
    assert msg.startswith(cls_name), msg
    if layer_name:
        assert f"'{layer_name}'" in msg
    assert f"{arg}={bad!r}" in msg and valid in msg, msg
    # nothing changed: the failed construction did not take the automatic name
    clear_session()
    with pytest.raises(ValueError):
        make(**{arg: bad})
    assert make().name == to_snake_case(cls_name)


def test_bad_dtype_names_the_layer():
    with pytest.raises(TypeError, match=r"Dense 'd': dtype must be .*'float3'"):
        layers.Dense(2, dtype="float3", name="d")


class Scaled(Layer):
    """A user layer whose add_weight gets a bad initializer name."""

    def build(self, input_shape):
        self.w = self.add_weight(shape=(input_shape[-1],), initializer="onse", name="w")

    def call(self, inputs):
        return inputs * self.w


def test_add_weight_with_unknown_initializer_names_layer_and_weight():
    layer = Scaled(name="scaled")
    with pytest.raises(ValueError) as err:
        layer(np.ones((2, 3), np.float32))
    msg = str(err.value)
    assert "scaled" in msg and "'w'" in msg and "initializer='onse'" in msg and "ones" in msg
    assert layer.weights == []
