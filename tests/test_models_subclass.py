"""Subclassed models: layers made in __init__, computation in call, weights tracked automatically."""
import numpy as np
import pytest

from numnet import layers, losses, optimizers
from numnet.layers import Input
from numnet.models import Model, Sequential

RNG = np.random.default_rng(0)


class MLP(Model):
    def __init__(self, hidden=8, classes=3, **kwargs):
        super().__init__(**kwargs)
        self.hidden = hidden
        self.body = [layers.Dense(hidden, activation="relu"), layers.Dense(hidden, activation="relu")]
        self.dropout = layers.Dropout(0.5, seed=0)
        self.head = layers.Dense(classes)

    def call(self, inputs, training=None):
        x = inputs
        for layer in self.body:
            x = layer(x)
        return self.head(self.dropout(x, training=training))


class TwoHeads(Model):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.heads = {"left": layers.Dense(2), "right": layers.Dense(1)}
        self.norm = layers.BatchNormalization()

    def call(self, inputs, training=None):
        a, b = inputs
        return self.heads["left"](self.norm(a)), self.heads["right"](b)


def test_weights_tracked_from_attributes_lists_and_dicts():
    model = MLP(name="mlp")
    assert model.name == "mlp" and not model.built
    assert len(model.layers) == 4
    model(np.zeros((2, 5)))
    assert model.built
    assert [v.shape for v in model.weights] == [(5, 8), (8,), (8, 8), (8,), (8, 3), (3,)]
    assert model.count_params() == 48 + 72 + 27
    two = TwoHeads()
    two([np.zeros((2, 4)), np.zeros((2, 3))])
    assert len(two.trainable_weights) == 2 + 2 + 2 and len(two.non_trainable_weights) == 2


def test_call_matches_numpy_and_training_flag():
    model = MLP()
    x = RNG.standard_normal((4, 5)).astype(np.float32)
    out = model(x).data
    h = x
    for layer in model.body:
        h = np.maximum(h @ layer.kernel.data + layer.bias.data, 0)
    expected = h @ model.head.kernel.data + model.head.bias.data
    np.testing.assert_allclose(out, expected, rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(model(x, training=False).data, out)
    assert not np.allclose(model(x, training=True).data, out)


def test_build_runs_call_on_zeros():
    model = MLP()
    model.build((None, 7))
    assert model.built and model.body[0].kernel.shape == (7, 8)
    assert model.count_params() == 7 * 8 + 8 + 72 + 27
    two = TwoHeads()
    two.build([(None, 4), (None, 6)])
    assert two.heads["right"].kernel.shape == (6, 1)
    # building did not move batch-norm statistics
    np.testing.assert_array_equal(two.norm.moving_mean.data, 0)


def test_count_params_before_build_raises():
    with pytest.raises(ValueError, match="not built"):
        MLP().count_params()


def test_constructor_arguments_checked():
    with pytest.raises(TypeError, match="unexpected keyword"):
        MLP(bogus=1)
    model = MLP(name="frozen", trainable=False, dtype="float32")
    model.build((None, 2))
    assert model.trainable_weights == []


def test_get_layer_and_summary():
    model = MLP()
    model.build((None, 5))
    assert model.get_layer(index=3) is model.head
    assert model.get_layer(model.head.name) is model.head
    with pytest.raises(ValueError, match="no layer named"):
        model.get_layer("missing")
    lines = []
    model.summary(print_fn=lines.append, line_length=90)
    text = "\n".join(lines)
    assert f"{model.head.name} (Dense)" in text and "(None, 3)" in text
    assert "Total params: 147 (588.00 B)" in text


def test_set_weights_validation():
    model = MLP()
    model(np.zeros((1, 5)))
    before = model.get_weights()
    with pytest.raises(ValueError, match="expected 6 arrays"):
        model.set_weights(before[:2])
    bad = list(before)
    bad[4] = np.zeros((3, 8))
    with pytest.raises(ValueError, match=r"kernel.*\(8, 3\).*\(3, 8\)"):
        model.set_weights(bad)
    for p, q in zip(before, model.get_weights()):
        np.testing.assert_array_equal(p, q)


def test_config_round_trip_of_simple_constructor_args():
    model = MLP(hidden=6, classes=2, name="cfg")
    config = model.get_config()
    assert config["hidden"] == 6 and config["classes"] == 2 and config["name"] == "cfg"
    restored = MLP.from_config(config)
    x = RNG.standard_normal((3, 4)).astype(np.float32)
    model(x)
    restored(x)
    restored.set_weights(model.get_weights())
    np.testing.assert_array_equal(restored(x).data, model(x).data)


def test_subclassed_model_trains_with_fit():
    rng = np.random.default_rng(3)
    x = rng.standard_normal((128, 4)).astype(np.float32)
    y = (x[:, 0] + x[:, 1] > 0).astype(np.int64)
    model = MLP(hidden=16, classes=2)
    model.compile(optimizer=optimizers.Adam(learning_rate=0.02), metrics=["accuracy"],
                  loss=losses.SparseCategoricalCrossentropy(from_logits=True))
    history = model.fit(x, y, epochs=25, batch_size=32, verbose=0)
    curve = history.history["loss"]
    assert curve[-1] < 0.5 * curve[0]
    assert model.evaluate(x, y, verbose=0, return_dict=True)["accuracy"] > 0.9


def test_subclassed_model_used_inside_other_models():
    inner = MLP(classes=2)
    inner.build((None, 3))
    seq = Sequential([Input((3,)), inner, layers.Dense(1)])
    assert seq.count_params() == inner.count_params() + 3
    x = Input((3,))
    fun = Model(x, inner(x))
    data = RNG.standard_normal((2, 3)).astype(np.float32)
    np.testing.assert_array_equal(fun(data).data, inner(data).data)


def test_gradients_reach_all_sublayers():
    model = TwoHeads()
    a, b = model([RNG.standard_normal((4, 3)), RNG.standard_normal((4, 2))], training=True)
    ((a ** 2).sum() + b.sum()).backward()
    assert all(v.grad is not None for v in model.trainable_weights)


def test_add_loss_in_subclassed_call():
    class Penalised(Model):
        def __init__(self):
            super().__init__()
            self.dense = layers.Dense(1, kernel_initializer="ones")

        def call(self, inputs):
            out = self.dense(inputs)
            self.add_loss((out ** 2).mean())
            return out

    model = Penalised()
    model(np.ones((2, 3)))
    assert len(model.losses) == 1 and float(model.losses[0].data) == pytest.approx(9.0)
    model(np.zeros((2, 3)))
    assert len(model.losses) == 1 and float(model.losses[0].data) == pytest.approx(0.0)
