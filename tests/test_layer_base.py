"""The Layer contract: naming, lazy building, weights, freezing, configs, losses, training flag."""
import json

import numpy as np
import pytest

from numnet import Tensor, layers, ops, optimizers, regularizers
from numnet.layers import Layer
from numnet.models import Model, Sequential
from numnet.utils.naming import clear_session


class Scale(Layer):
    """A user layer: y = x * w + b (per feature), with a non-trainable call counter."""

    def __init__(self, init_value=1.0, **kwargs):
        super().__init__(**kwargs)
        self.init_value = init_value

    def build(self, input_shape):
        self.w = self.add_weight(shape=(input_shape[-1],), initializer="ones", name="w")
        self.b = self.add_weight(shape=(input_shape[-1],), initializer="zeros", name="b")
        self.calls = self.add_weight(shape=(), initializer="zeros", trainable=False, name="calls")

    def call(self, inputs):
        self.calls.assign(self.calls.data + 1)
        return inputs * self.w * self.init_value + self.b


class TrainingSpy(Layer):
    """Records the `training` value each call sees."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.seen = []

    def call(self, inputs, training=None):
        self.seen.append(training)
        return inputs


class ActivityPenalty(Layer):
    """Adds sum(|x|) * rate as a loss."""

    def __init__(self, rate=0.5, **kwargs):
        super().__init__(**kwargs)
        self.rate = rate

    def call(self, inputs):
        self.add_loss(ops.sum(ops.abs(inputs)) * self.rate)
        return inputs


def test_automatic_names_count_per_class():
    clear_session()
    assert layers.Dense(2).name == "dense"
    assert layers.Dense(2).name == "dense_1"
    assert layers.Conv2D(2, 3).name == "conv2d"
    assert layers.BatchNormalization().name == "batch_normalization"
    assert Scale().name == "scale"
    assert layers.Dense(2, name="head").name == "head"
    with pytest.raises(TypeError):
        layers.Dense(2, name=3)


def test_lazy_build_creates_weights_on_first_call():
    layer = layers.Dense(3)
    assert not layer.built and layer.weights == []
    with pytest.raises(ValueError, match="not built"):
        layer.count_params()
    out = layer(np.ones((2, 5), dtype=np.float32))
    assert layer.built and out.shape == (2, 3)
    assert [v.shape for v in layer.weights] == [(5, 3), (3,)]
    assert layer.count_params() == 18
    assert [v.path for v in layer.weights] == [f"{layer.name}/kernel", f"{layer.name}/bias"]


def test_add_weight_trainable_and_non_trainable():
    layer = Scale()
    layer(np.ones((4, 3), dtype=np.float32))
    assert [v.name for v in layer.weights] == ["w", "b", "calls"]
    assert [v.name for v in layer.trainable_weights] == ["w", "b"]
    assert [v.name for v in layer.non_trainable_weights] == ["calls"]
    assert layer.calls.data == 1
    bn = layers.BatchNormalization()
    bn(np.ones((4, 3), dtype=np.float32))
    assert len(bn.trainable_weights) == 2 and len(bn.non_trainable_weights) == 2


def test_set_weights_validates_everything_before_changing():
    layer = layers.Dense(2)
    layer(np.ones((1, 3), dtype=np.float32))
    before = layer.get_weights()
    with pytest.raises(ValueError, match=r"expected 2 arrays.*got 1"):
        layer.set_weights([np.zeros((3, 2))])
    with pytest.raises(ValueError, match=r"kernel.*\(3, 2\).*\(3, 3\)"):
        layer.set_weights([np.zeros((3, 3)), np.zeros(2)])
    with pytest.raises(ValueError, match=r"bias.*\(2,\).*\(5,\)"):
        layer.set_weights([np.full((3, 2), 7.0), np.zeros(5)])
    for a, b in zip(before, layer.get_weights()):
        np.testing.assert_array_equal(a, b)
    layer.set_weights([np.full((3, 2), 2.0), np.ones(2)])
    np.testing.assert_array_equal(layer(np.ones((1, 3), dtype=np.float32)).data, [[7.0, 7.0]])


def test_get_weights_returns_copies():
    layer = layers.Dense(2)
    layer(np.ones((1, 3), dtype=np.float32))
    w = layer.get_weights()
    w[0][...] = 123.0
    assert not np.any(layer.kernel.data == 123.0)


def test_trainable_freeze_stops_gradients_and_propagates():
    model = Sequential([layers.Input((3,)), layers.Dense(4), Scale()])
    inner = model.layers[0]
    inner.trainable = False
    assert inner.trainable_weights == [] and len(inner.non_trainable_weights) == 2
    assert len(model.trainable_weights) == 2  # Scale's w and b
    out = ops.sum(model(np.ones((2, 3), dtype=np.float32)))
    out.backward()
    assert inner.kernel.grad is None and model.layers[1].w.grad is not None
    model.trainable = False
    assert model.trainable_weights == [] and len(model.non_trainable_weights) == 5
    assert all(not la.trainable for la in model.layers)
    model.trainable = True
    assert len(model.trainable_weights) == 4 and inner.trainable


def test_get_config_from_config_round_trip():
    dense = layers.Dense(4, activation="relu", use_bias=False, kernel_regularizer=regularizers.L2(0.01), name="d")
    config = dense.get_config()
    json.dumps(config)
    clone = layers.Dense.from_config(config)
    assert clone.get_config() == config
    custom = Scale(init_value=2.5, name="my_scale")
    assert custom.get_config()["init_value"] == 2.5
    again = Scale.from_config(custom.get_config())
    assert again.init_value == 2.5 and again.name == "my_scale"
    # serialize/deserialize finds numnet's own classes and custom ones passed explicitly
    restored = layers.deserialize(layers.serialize(dense))
    assert isinstance(restored, layers.Dense) and restored.units == 4
    with pytest.raises(ValueError, match="Scale"):
        layers.deserialize(layers.serialize(custom))
    assert isinstance(layers.deserialize(layers.serialize(custom), custom_objects={"Scale": Scale}), Scale)


def test_custom_layer_in_sequential_functional_and_subclassed_models():
    x = np.random.default_rng(0).standard_normal((4, 3)).astype(np.float32)
    seq = Sequential([layers.Input((3,)), Scale(init_value=2.0), layers.Dense(2)])
    assert seq.count_params() == 3 + 3 + 1 + 8
    inp = layers.Input((3,))
    fun = Model(inp, layers.Dense(2)(Scale(init_value=2.0)(inp)))

    class Sub(Model):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.scale = Scale(init_value=2.0)
            self.head = layers.Dense(2)

        def call(self, inputs):
            return self.head(self.scale(inputs))

    sub = Sub()
    sub(x)
    fun.set_weights(seq.get_weights())
    sub.set_weights(seq.get_weights())
    expected = (x * 2.0) @ seq.layers[1].kernel.data + seq.layers[1].bias.data
    for model in (seq, fun, sub):
        np.testing.assert_allclose(model(x).data, expected, rtol=1e-5, atol=1e-6)


def test_custom_layer_trains_with_fit():
    rng = np.random.default_rng(1)
    x = rng.standard_normal((64, 3)).astype(np.float32)
    y = (x @ np.array([[1.0], [-2.0], [0.5]], dtype=np.float32)).astype(np.float32)
    model = Sequential([layers.Input((3,)), Scale(), layers.Dense(1)])
    model.compile(optimizer=optimizers.Adam(learning_rate=0.05), loss="mse")
    first = model.evaluate(x, y, verbose=0)
    model.fit(x, y, epochs=30, batch_size=16, verbose=0)
    assert model.evaluate(x, y, verbose=0) < 0.05 * first
    assert model.layers[0].w.data.tolist() != [1.0, 1.0, 1.0]  # the custom layer's weights trained too


def test_training_flag_reaches_nested_layers():
    spy = TrainingSpy()
    inner = Sequential([layers.Input((2,)), spy])
    outer = Sequential([layers.Input((2,)), inner, layers.Identity()])
    x = np.ones((1, 2), dtype=np.float32)
    spy.seen.clear()
    outer(x)
    outer(x, training=True)
    outer(x, training=False)
    assert spy.seen == [None, True, False]
    # an argument recorded in a functional graph applies when the model is called without one; a
    # model-level `training` overrides it (Keras 3's functional replay)
    inp = layers.Input((2,))
    model = Model(inp, spy(inp, training=True))
    spy.seen.clear()
    model(x)
    model(x, training=False)
    assert spy.seen == [True, False]


def test_add_loss_collected_per_call_and_regularization_losses():
    model = Sequential([
        layers.Input((2,)),
        layers.Dense(2, kernel_initializer="ones", kernel_regularizer=regularizers.L2(0.1)),
        ActivityPenalty(rate=0.5),
    ])
    x = np.array([[1.0, -1.0]], dtype=np.float32)
    model(x)
    values = sorted(float(t.data) for t in model.losses)
    # L2: 0.1 * 4 ones = 0.4; activity: 0.5 * |[0, 0]| = 0
    np.testing.assert_allclose(values, [0.0, 0.4], rtol=1e-6)
    model(np.array([[1.0, 2.0]], dtype=np.float32))
    values = sorted(float(t.data) for t in model.losses)
    np.testing.assert_allclose(values, [0.4, 3.0], rtol=1e-6)  # not accumulated across calls
    assert len(model.losses) == 2


def test_compute_output_shape_default_runs_call():
    layer = Scale()
    assert layer.compute_output_shape((None, 7)) == (None, 7)


def test_layer_output_property_after_symbolic_call():
    inp = layers.Input((3,))
    dense = layers.Dense(2)
    out = dense(inp)
    assert dense.output is out and dense.input is inp
    with pytest.raises(AttributeError, match="never been called"):
        layers.Dense(2).output


def test_layer_accepts_numpy_and_tensor_inputs():
    layer = layers.Dense(2, kernel_initializer="ones")
    a = layer(np.ones((1, 3)))
    b = layer(Tensor(np.ones((1, 3), dtype=np.float32)))
    assert a.dtype == np.float32
    np.testing.assert_array_equal(a.data, b.data)
