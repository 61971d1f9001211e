"""Sequential: building (Input, input_shape, deferred, build()), calling, add/pop, configs, errors."""
import json

import numpy as np
import pytest

from numnet import Tensor, layers
from numnet.layers import Input, InputLayer
from numnet.models import Model, Sequential, clone_model, model_from_json

RNG = np.random.default_rng(0)


def mlp(**kwargs):
    return Sequential([Input((4,)), layers.Dense(8, activation="relu"), layers.Dense(3)], **kwargs)


def test_input_first_builds_immediately_and_layers_exclude_input():
    model = mlp()
    assert model.built
    assert [type(la).__name__ for la in model.layers] == ["Dense", "Dense"]
    assert [v.shape for v in model.weights] == [(4, 8), (8,), (8, 3), (3,)]
    assert model.count_params() == 4 * 8 + 8 + 8 * 3 + 3
    assert model.input_shape == (None, 4) and model.output_shape == (None, 3)
    assert model.inputs[0].shape == (None, 4) and model.outputs[0].shape == (None, 3)


def test_input_shape_argument_on_first_layer_builds():
    model = Sequential([layers.Dense(5, input_shape=(3,)), layers.Dense(1)])
    assert model.built and model.count_params() == 3 * 5 + 5 + 6
    assert len(model.layers) == 2
    assert model.get_config()["layers"][0]["class_name"] == "InputLayer"


def test_deferred_build_on_first_call():
    model = Sequential([layers.Dense(5), layers.Dense(2)])
    assert not model.built and model.weights == []
    with pytest.raises(ValueError, match="not built"):
        model.count_params()
    out = model(RNG.standard_normal((6, 7)))
    assert out.shape == (6, 2) and model.built
    assert model.count_params() == 7 * 5 + 5 + 5 * 2 + 2
    assert model.input_shape == (None, 7)  # batch size not frozen
    assert model(np.zeros((3, 7))).shape == (3, 2)


def test_explicit_build():
    model = Sequential([layers.Dense(5), layers.Dense(2)])
    model.build((None, 3))
    assert model.built and model.layers[0].kernel.shape == (3, 5)
    with pytest.raises(ValueError, match="cannot be built with input_shape"):
        model.build((None, 4))
    with pytest.raises(ValueError, match="needs an input_shape"):
        Sequential([layers.Dense(2)]).build()


def test_call_matches_numpy():
    model = mlp()
    x = RNG.standard_normal((5, 4)).astype(np.float32)
    d1, d2 = model.layers
    h = np.maximum(x @ d1.kernel.data + d1.bias.data, 0)
    expected = h @ d2.kernel.data + d2.bias.data
    out = model(x)
    assert isinstance(out, Tensor) and out.dtype == np.float32
    np.testing.assert_allclose(out.data, expected, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(model(Tensor(x)).data, expected, rtol=1e-5, atol=1e-6)


def test_add_and_pop():
    model = Sequential()
    model.add(Input((4,)))
    assert not model.built
    model.add(layers.Dense(8))
    assert model.built and model.output_shape == (None, 8)
    model.add(layers.Dense(2))
    assert model.output_shape == (None, 2)
    popped = model.pop()
    assert isinstance(popped, layers.Dense) and popped.units == 2
    assert model.output_shape == (None, 8) and model(np.zeros((1, 4))).shape == (1, 8)
    assert len(model.weights) == 2
    model.pop()
    with pytest.raises(TypeError, match="no layers"):
        model.pop()
    with pytest.raises(TypeError, match="Layer instance"):
        model.add("dense")
    model.add(layers.Dense(3, name="same"))
    with pytest.raises(ValueError, match="unique"):
        model.add(layers.Dense(3, name="same"))
    with pytest.raises(ValueError, match="cannot take another Input"):
        model.add(Input((4,)))
    with pytest.raises(ValueError, match="first layer"):
        Sequential([layers.Dense(2), Input((4,))])


def test_add_symbolic_input_tensor():
    model = Sequential()
    model.add(Input((2,)))
    model.add(layers.Dense(1))
    assert model.built and isinstance(model._layers[0], InputLayer)


def test_dropout_active_only_in_training():
    model = Sequential([Input((200,)), layers.Dropout(0.5, seed=1)])
    x = np.ones((4, 200), dtype=np.float32)
    np.testing.assert_array_equal(model(x).data, x)
    np.testing.assert_array_equal(model(x, training=False).data, x)
    out = model(x, training=True).data
    assert 0.3 < np.mean(out == 0) < 0.7
    np.testing.assert_allclose(out[out != 0], 2.0)


def test_batch_norm_statistics_follow_training_flag():
    model = Sequential([Input((3,)), layers.BatchNormalization(momentum=0.5)])
    bn = model.layers[0]
    x = (RNG.standard_normal((32, 3)) * 3 + 5).astype(np.float32)
    out = model(x).data  # inference: moving stats (0, 1) -> nearly the input
    np.testing.assert_allclose(out, x / np.sqrt(1 + 1e-3), rtol=1e-5)
    np.testing.assert_array_equal(bn.moving_mean.data, 0)
    out = model(x, training=True).data
    np.testing.assert_allclose(out.mean(axis=0), 0, atol=1e-5)
    np.testing.assert_allclose(bn.moving_mean.data, 0.5 * x.mean(axis=0), rtol=1e-5)


def test_config_round_trip_same_predictions():
    model = Sequential([
        Input((6,)), layers.Dense(5, activation="tanh"), layers.Dropout(0.2),
        layers.BatchNormalization(), layers.Dense(2, activation="softmax"),
    ], name="my_seq")
    x = RNG.standard_normal((4, 6)).astype(np.float32)
    model(x, training=True)  # move batch-norm statistics away from the initial values
    config = model.get_config()
    assert config["name"] == "my_seq"
    assert [c["class_name"] for c in config["layers"]] == ["InputLayer", "Dense", "Dropout", "BatchNormalization", "Dense"]
    assert config["build_input_shape"] == [None, 6]
    restored = Sequential.from_config(json.loads(json.dumps(config)))
    assert restored.built and restored.name == "my_seq"
    assert [la.name for la in restored.layers] == [la.name for la in model.layers]
    assert not np.allclose(restored(x).data, model(x).data)
    restored.set_weights(model.get_weights())
    np.testing.assert_array_equal(restored(x).data, model(x).data)
    # through the generic layer deserializer and JSON helpers too
    again = model_from_json(model.to_json())
    assert isinstance(again, Sequential) and len(again.layers) == 4


def test_config_round_trip_of_unbuilt_model():
    model = Sequential([layers.Dense(3), layers.Dense(1)])
    config = model.get_config()
    assert [c["class_name"] for c in config["layers"]] == ["Dense", "Dense"]
    restored = Sequential.from_config(config)
    assert not restored.built and len(restored.layers) == 2


def test_from_config_rejects_bad_configs():
    with pytest.raises(ValueError, match="dict"):
        Sequential.from_config("nope")
    with pytest.raises(ValueError, match="'layers' must be a list"):
        Sequential.from_config({"name": "x", "layers": 3})
    with pytest.raises(ValueError, match="Unknown layer"):
        Sequential.from_config({"layers": [{"class_name": "NoSuchLayer", "config": {}}]})
    with pytest.raises((ValueError, TypeError)):
        Sequential.from_config({"layers": [{"class_name": "Dense", "config": {"units": "many"}}]})


def test_get_layer():
    model = Sequential([Input((2,)), layers.Dense(3, name="hidden"), layers.Dense(1, name="out")])
    assert model.get_layer("hidden") is model.layers[0]
    assert model.get_layer(index=1).name == "out"
    with pytest.raises(ValueError, match=r"no layer named 'missing'.*\['hidden', 'out'\]"):
        model.get_layer("missing")
    with pytest.raises(ValueError, match="out of range"):
        model.get_layer(index=5)
    with pytest.raises(ValueError, match="not both"):
        model.get_layer("hidden", 0)


def test_wrong_input_shape_raises_naming_input_and_shapes():
    model = Sequential([Input((4,), name="features"), layers.Dense(2)])
    with pytest.raises(ValueError, match=r"'features'.*\(None, 4\).*\(3, 5\)"):
        model(np.zeros((3, 5)))
    with pytest.raises(ValueError, match=r"'features'.*\(None, 4\).*\(4,\)"):
        model(np.zeros(4))


def test_set_weights_errors_leave_weights_unchanged():
    model = mlp()
    before = model.get_weights()
    with pytest.raises(ValueError, match="expected 4 arrays"):
        model.set_weights(before[:3])
    bad = [w.copy() + 1 for w in before]
    bad[3] = np.zeros(4)
    with pytest.raises(ValueError, match=r"dense.*bias.*\(3,\).*\(4,\)"):
        model.set_weights(bad)
    for a, b in zip(before, model.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_trainable_freeze_propagates():
    model = mlp()
    model.trainable = False
    assert model.trainable_weights == [] and len(model.non_trainable_weights) == 4
    assert not model.layers[0].trainable
    model.trainable = True
    model.layers[1].trainable = False
    assert len(model.trainable_weights) == 2


def test_nested_sequential():
    inner = Sequential([Input((4,)), layers.Dense(3)])
    outer = Sequential([Input((4,)), inner, layers.Dense(1)])
    assert outer.count_params() == 15 + 4
    x = RNG.standard_normal((2, 4)).astype(np.float32)
    expected = (x @ inner.layers[0].kernel.data + inner.layers[0].bias.data) @ outer.layers[1].kernel.data \
        + outer.layers[1].bias.data
    np.testing.assert_allclose(outer(x).data, expected, rtol=1e-5, atol=1e-6)
    config = outer.get_config()
    restored = Sequential.from_config(config)
    restored.set_weights(outer.get_weights())
    np.testing.assert_array_equal(restored(x).data, outer(x).data)


def test_sequential_as_feature_extractor_in_functional_model():
    model = mlp()
    features = Model(model.inputs, model.layers[0].output)
    x = RNG.standard_normal((2, 4)).astype(np.float32)
    d1 = model.layers[0]
    np.testing.assert_allclose(features(x).data, np.maximum(x @ d1.kernel.data + d1.bias.data, 0), rtol=1e-5)


def test_clone_model_has_same_architecture_new_weights():
    model = mlp()
    clone = clone_model(model)
    assert [la.name for la in clone.layers] == [la.name for la in model.layers]
    assert clone.count_params() == model.count_params()
    assert not np.allclose(clone.layers[0].kernel.data, model.layers[0].kernel.data)


def test_float64_model_keeps_float64():
    model = Sequential([Input((3,), dtype="float64"), layers.Dense(2, dtype="float64")])
    out = model(np.ones((1, 3)))
    assert out.dtype == np.float64


def test_gradients_flow_to_all_weights():
    model = mlp()
    loss = (model(RNG.standard_normal((3, 4)), training=True) ** 2).sum()
    loss.backward()
    assert all(v.grad is not None and v.grad.shape == v.shape for v in model.trainable_weights)
