"""Functional models: graphs with several inputs/outputs, shared layers, residuals; configs; errors."""
import json

import numpy as np
import pytest

from numnet import Tensor, layers, ops
from numnet.layers import Input, InputLayer
from numnet.models import Functional, Model, Sequential, clone_model
from numnet.utils import gradient_check

RNG = np.random.default_rng(0)


def two_tower(dtype="float32"):
    """Two inputs, one Dense shared by both, a residual Add and a Concatenate; two outputs."""
    a = Input((4,), name="a", dtype=dtype)
    b = Input((4,), name="b", dtype=dtype)
    shared = layers.Dense(4, activation="tanh", name="shared", dtype=dtype)
    ha, hb = shared(a), shared(b)
    res = layers.Add(name="residual", dtype=dtype)([ha, a])
    joined = layers.Concatenate(name="concat", dtype=dtype)([res, hb])
    out1 = layers.Dense(3, name="head1", dtype=dtype)(joined)
    out2 = layers.Dense(1, activation="sigmoid", name="head2", dtype=dtype)(layers.Multiply(dtype=dtype)([hb, ha]))
    return Model([a, b], [out1, out2], name="towers")


def reference(model, xa, xb):
    shared, h1, h2 = (model.get_layer(n) for n in ("shared", "head1", "head2"))
    ha = np.tanh(xa @ shared.kernel.data + shared.bias.data)
    hb = np.tanh(xb @ shared.kernel.data + shared.bias.data)
    o1 = np.concatenate([ha + xa, hb], axis=-1) @ h1.kernel.data + h1.bias.data
    o2 = 1 / (1 + np.exp(-((hb * ha) @ h2.kernel.data + h2.bias.data)))
    return o1, o2


def test_model_constructor_dispatches_to_functional():
    x = Input((3,))
    y = layers.Dense(2)(x)
    for model in (Model(x, y), Model(inputs=x, outputs=y), Model(x, outputs=y, name="m")):
        assert type(model) is Functional and isinstance(model, Model)
    assert Model(x, y, name="named").name == "named"


def test_multi_input_shared_layer_residual_forward():
    model = two_tower()
    xa, xb = RNG.standard_normal((5, 4)), RNG.standard_normal((5, 4))
    o1, o2 = model([xa, xb])
    e1, e2 = reference(model, xa.astype(np.float32), xb.astype(np.float32))
    np.testing.assert_allclose(o1.data, e1, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(o2.data, e2, rtol=1e-5, atol=1e-6)
    # the shared layer's weights exist once
    assert model.count_params() == (16 + 4) + (8 * 3 + 3) + (4 + 1)
    assert len(model.weights) == 6
    assert model.input_names == ["a", "b"] and model.output_names == ["head1", "head2"]
    assert [t.shape for t in model.outputs] == [(None, 3), (None, 1)]
    # dict inputs keyed by input name work too
    p1, _ = model({"a": xa, "b": xb})
    np.testing.assert_array_equal(p1.data, o1.data)


def test_gradients_through_two_inputs_shared_layer_and_residual():
    model = two_tower(dtype="float64")
    assert all(v.dtype == np.float64 for v in model.weights)
    xa, xb = RNG.standard_normal((3, 4)), RNG.standard_normal((3, 4))

    def func(a, b):
        o1, o2 = model([a, b])
        return ops.concatenate([o1, o2], axis=-1)

    assert func(Tensor(xa), Tensor(xb)).dtype == np.float64
    err = gradient_check(func, [xa, xb], params=model.trainable_weights)
    assert err < 1e-6


def test_layers_in_topological_order_with_inputs():
    model = two_tower()
    names = [la.name for la in model.layers]
    assert names[:2] == ["a", "b"] and isinstance(model.get_layer("b"), InputLayer)
    position = {n: i for i, n in enumerate(names)}
    for layer in model.layers:  # every layer comes after the layers feeding it (shared ones aside)
        if len(layer._inbound_nodes) > 1:
            continue
        for node in layer._inbound_nodes:
            assert all(position[t.node.layer.name] < position[layer.name] for t in node.input_tensors)
    assert position["shared"] < position["residual"] < position["concat"] < position["head1"]
    assert len(names) == len(set(names)) == 8


def test_dict_inputs_and_outputs():
    x = Input((3,), name="x")
    y = Input((2,), name="y")
    h = layers.Concatenate()([x, y])
    model = Model({"x": x, "y": y}, {"sum": layers.Dense(1, name="sum_head")(h), "id": layers.Identity()(h)})
    assert model.input_names == ["x", "y"] and model.output_names == ["id", "sum"]
    out = model({"x": np.ones((2, 3)), "y": np.zeros((2, 2))})
    assert set(out) == {"sum", "id"} and out["id"].shape == (2, 5)
    with pytest.raises(ValueError, match=r"missing \['y'\]"):
        model({"x": np.ones((2, 3))})
    restored = Model.from_config(model.get_config())
    restored.set_weights(model.get_weights())
    again = restored({"x": np.ones((2, 3)), "y": np.ones((2, 2))})
    ref = model({"x": np.ones((2, 3)), "y": np.ones((2, 2))})
    np.testing.assert_array_equal(again["sum"].data, ref["sum"].data)


def test_wrong_number_of_inputs():
    model = two_tower()
    with pytest.raises(ValueError, match=r"expects 2 input\(s\).*called on 3"):
        model([np.zeros((1, 4))] * 3)
    with pytest.raises(ValueError, match=r"expects 2 inputs \['a', 'b'\].*single input of shape \(1, 4\)"):
        model(np.zeros((1, 4)))


def test_wrong_input_shape_names_input_and_shapes():
    model = two_tower()
    with pytest.raises(ValueError, match=r"input 'b'.*expected shape \(None, 4\).*shape \(2, 5\)"):
        model([np.zeros((2, 4)), np.zeros((2, 5))])
    with pytest.raises(ValueError, match=r"input 'a'.*\(None, 4\).*\(2, 4, 1\)"):
        model([np.zeros((2, 4, 1)), np.zeros((2, 4))])


def test_graph_disconnected_and_bad_arguments():
    a = Input((2,), name="first")
    b = Input((2,), name="second")
    out = layers.Add()([a, b])
    with pytest.raises(ValueError, match="graph disconnected.*'second'"):
        Model(a, out)
    with pytest.raises(TypeError, match="symbolic tensors"):
        Model(a, np.zeros(2))
    h = layers.Dense(2)(a)
    with pytest.raises(ValueError, match="numnet.Input"):
        Model(h, layers.Dense(1)(h))


def test_duplicate_layer_names_rejected():
    x = Input((2,))
    h = layers.Dense(2, name="twin")(x)
    with pytest.raises(ValueError, match="'twin'.*unique"):
        Model(x, layers.Dense(2, name="twin")(h))


def test_get_layer():
    model = two_tower()
    assert model.get_layer("shared").units == 4
    assert model.get_layer(index=0) is model.layers[0]
    with pytest.raises(ValueError, match=r"no layer named 'nope'.*'shared'"):
        model.get_layer("nope")


def test_config_round_trip_same_predictions():
    model = two_tower()
    config = model.get_config()
    text = json.dumps(config)
    assert config["input_layers"] == [["a", 0, 0], ["b", 0, 0]]
    assert config["output_layers"] == [["head1", 0, 0], ["head2", 0, 0]]
    shared = next(entry for entry in config["layers"] if entry["name"] == "shared")
    assert len(shared["inbound_nodes"]) == 2  # called twice
    restored = Model.from_config(json.loads(text))
    assert isinstance(restored, Functional) and restored.name == "towers"
    assert [la.name for la in restored.layers] == [la.name for la in model.layers]
    assert len(restored.weights) == len(model.weights)
    restored.set_weights(model.get_weights())
    xa, xb = RNG.standard_normal((4, 4)), RNG.standard_normal((4, 4))
    for p, q in zip(restored([xa, xb]), model([xa, xb])):
        np.testing.assert_array_equal(p.data, q.data)
    # Functional.from_config and the generic layer deserializer give the same
    assert isinstance(layers.deserialize({"class_name": "Functional", "config": config}), Functional)


def test_from_config_rejects_malformed_configs():
    config = two_tower().get_config()
    cases = [
        "not a dict",
        {**config, "layers": "x"},
        {**config, "layers": [1, 2]},
        {**config, "input_layers": "a"},
        {**config, "output_layers": [["nowhere", 0, 0]]},
        {**config, "layers": [config["layers"][0], {**config["layers"][2], "inbound_nodes": 5}]},
        {**config, "layers": [{**e, "inbound_nodes": [{"args": [{"class_name": "__keras_tensor__",
                                                                  "config": {"keras_history": ["ghost", 0, 0]}}],
                                                        "kwargs": {}}]} if e["name"] == "head1" else e
                              for e in config["layers"]]},
        {**config, "name": 5},
    ]
    for bad in cases:
        with pytest.raises(ValueError):
            Model.from_config(bad)


def test_training_flag_in_functional_model():
    x = Input((100,))
    model = Model(x, layers.Dense(100, kernel_initializer="identity" if False else "ones")(layers.Dropout(0.5, seed=3)(x)))
    data = np.ones((2, 100), dtype=np.float32)
    np.testing.assert_array_equal(model(data).data, model(data).data)
    np.testing.assert_allclose(model(data).data, 100.0)
    assert not np.allclose(model(data, training=True).data, 100.0)


def test_nested_models():
    inner = Sequential([Input((4,)), layers.Dense(3, activation="relu")], name="inner")
    x = Input((4,))
    sub = Model(x, layers.Dense(2)(x), name="sub")
    y = Input((4,))
    merged = layers.Concatenate()([inner(y), sub(y)])
    model = Model(y, layers.Dense(1)(merged))
    assert model.count_params() == inner.count_params() + sub.count_params() + 6
    data = RNG.standard_normal((3, 4)).astype(np.float32)
    d = inner.layers[0]
    h = np.concatenate([np.maximum(data @ d.kernel.data + d.bias.data, 0), sub(data).data], axis=-1)
    head = model.layers[-1]
    np.testing.assert_allclose(model(data).data, h @ head.kernel.data + head.bias.data, rtol=1e-5, atol=1e-6)
    restored = Model.from_config(model.get_config())
    restored.set_weights(model.get_weights())
    np.testing.assert_array_equal(restored(data).data, model(data).data)


def test_compute_output_shape_and_symbolic_reuse():
    model = two_tower()
    assert model.compute_output_shape([(None, 4), (None, 4)]) == [(None, 3), (None, 1)]
    a, b = Input((4,)), Input((4,))
    o1, o2 = model([a, b])
    assert o1.shape == (None, 3) and o2.shape == (None, 1)
    outer = Model([a, b], o1)
    xa = RNG.standard_normal((2, 4))
    np.testing.assert_array_equal(outer([xa, xa]).data, model([xa, xa])[0].data)


def test_single_output_may_be_a_list_of_one():
    x = Input((2,))
    model = Model([x], [layers.Dense(1)(x)])
    out = model([np.zeros((3, 2))])
    assert isinstance(out, list) and out[0].shape == (3, 1)
    assert model(np.zeros((3, 2)))[0].shape == (3, 1)


def test_set_weights_validation_leaves_weights_unchanged():
    model = two_tower()
    before = model.get_weights()
    with pytest.raises(ValueError, match="expected 6 arrays"):
        model.set_weights(before[:-1])
    bad = [w + 1 for w in before]
    bad[2] = np.zeros((3, 8))
    with pytest.raises(ValueError, match=r"head1/kernel.*\(8, 3\).*\(3, 8\)"):
        model.set_weights(bad)
    for p, q in zip(before, model.get_weights()):
        np.testing.assert_array_equal(p, q)


def test_functional_subclass_via_super_init():
    class Wrapped(Model):
        def __init__(self, units=2, **kwargs):
            x = Input((3,))
            super().__init__(x, layers.Dense(units)(x), **kwargs)
            self.units = units

    model = Wrapped(units=5, name="wrapped")
    assert isinstance(model, Functional) and isinstance(model, Wrapped)
    assert model(np.ones((1, 3))).shape == (1, 5) and model.name == "wrapped"


def test_clone_functional():
    model = two_tower()
    clone = clone_model(model)
    assert [la.name for la in clone.layers] == [la.name for la in model.layers]
    clone.set_weights(model.get_weights())
    xa = RNG.standard_normal((2, 4))
    np.testing.assert_array_equal(clone([xa, xa])[1].data, model([xa, xa])[1].data)


def test_model_level_training_overrides_a_recorded_training_argument():
    """As in Keras 3: `Dropout(0.5)(x, training=False)` in a functional graph still drops out when the
    model runs with training=True (fit), and not at inference."""
    import numnet
    from numnet import layers

    numnet.utils.set_random_seed(0)
    inp = layers.Input((200,))
    model = numnet.Model(inp, layers.Dropout(0.5)(inp, training=False))
    x = np.ones((4, 200), "float32")
    dropped = (model(x, training=True).numpy() == 0).mean()
    assert 0.4 < dropped < 0.6
    assert np.array_equal(model(x).numpy(), x)
    assert np.array_equal(model(x, training=False).numpy(), x)
