"""SimpleRNN, LSTM, GRU, their cells, RNN and Bidirectional: gradients (float64 central
differences through the fused BPTT loops), forward values against NumPy loops of Keras's
equations, shapes, configs, errors and real learning."""
import numpy as np
import pytest

import numnet
from numnet import layers
from numnet.utils import gradient_check

RNG = np.random.default_rng(0)


def _x(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


def _sig(z):
    return 1.0 / (1.0 + np.exp(-z))


# ----- NumPy references (Keras 3 equations, gate orders i f c o and z r h) ---------------------
def ref_simple(x, k, rk, b, h0=None, act=np.tanh):
    h = np.zeros((x.shape[0], rk.shape[0])) if h0 is None else h0
    out = []
    for t in range(x.shape[1]):
        h = act(x[:, t] @ k + h @ rk + (0 if b is None else b))
        out.append(h)
    return np.stack(out, 1), [h]


def ref_lstm(x, k, rk, b, h0=None, c0=None, mask=None):
    u = rk.shape[0]
    h = np.zeros((x.shape[0], u)) if h0 is None else h0
    c = np.zeros((x.shape[0], u)) if c0 is None else c0
    out = []
    for t in range(x.shape[1]):
        z = x[:, t] @ k + h @ rk + b
        i, f, g, o = _sig(z[:, :u]), _sig(z[:, u:2 * u]), np.tanh(z[:, 2 * u:3 * u]), _sig(z[:, 3 * u:])
        c_new = f * c + i * g
        h_new = o * np.tanh(c_new)
        if mask is not None:
            m = mask[:, t, None]
            h_new, c_new = np.where(m, h_new, h), np.where(m, c_new, c)
        h, c = h_new, c_new
        out.append(h)
    return np.stack(out, 1), [h, c]


def ref_gru(x, k, rk, b, reset_after=True, h0=None):
    u = rk.shape[0]
    h = np.zeros((x.shape[0], u)) if h0 is None else h0
    out = []
    for t in range(x.shape[1]):
        if reset_after:
            xw = x[:, t] @ k + b[0]
            rw = h @ rk + b[1]
            z = _sig(xw[:, :u] + rw[:, :u])
            r = _sig(xw[:, u:2 * u] + rw[:, u:2 * u])
            hh = np.tanh(xw[:, 2 * u:] + r * rw[:, 2 * u:])
        else:
            xw = x[:, t] @ k + b
            z = _sig(xw[:, :u] + h @ rk[:, :u])
            r = _sig(xw[:, u:2 * u] + h @ rk[:, u:2 * u])
            hh = np.tanh(xw[:, 2 * u:] + (r * h) @ rk[:, 2 * u:])
        h = z * h + (1 - z) * hh
        out.append(h)
    return np.stack(out, 1), [h]


def _weights(layer):
    return [w.data.astype(np.float64) for w in layer.weights]


def _randomize(layer, seed=1):
    rng = np.random.default_rng(seed)
    layer.set_weights([rng.standard_normal(w.shape) * 0.5 for w in layer.weights])


# ----- forward values ------------------------------------------------------------------------
@pytest.mark.parametrize("go_backwards", [False, True])
def test_lstm_matches_numpy_reference(go_backwards):
    x = _x(3, 6, 4)
    layer = layers.LSTM(5, return_sequences=True, return_state=True, go_backwards=go_backwards, dtype="float64")
    layer(x)
    _randomize(layer)
    seq, h, c = layer(x)
    xs = x[:, ::-1] if go_backwards else x
    ref_seq, (ref_h, ref_c) = ref_lstm(xs, *_weights(layer))
    np.testing.assert_allclose(seq.data, ref_seq, atol=1e-12)
    np.testing.assert_allclose(h.data, ref_h, atol=1e-12)
    np.testing.assert_allclose(c.data, ref_c, atol=1e-12)


def test_simple_rnn_and_gru_match_numpy_reference():
    x = _x(2, 5, 3)
    s = layers.SimpleRNN(4, return_sequences=True, dtype="float64")
    s(x)
    _randomize(s)
    np.testing.assert_allclose(s(x).data, ref_simple(x, *_weights(s))[0], atol=1e-12)
    for reset_after in (True, False):
        g = layers.GRU(4, return_sequences=True, reset_after=reset_after, dtype="float64")
        g(x)
        _randomize(g)
        np.testing.assert_allclose(g(x).data, ref_gru(x, *_weights(g), reset_after=reset_after)[0], atol=1e-12)


def test_float32_stays_float32_and_matches_float64():
    x = _x(2, 4, 3).astype(np.float32)
    layer = layers.LSTM(3)
    y = layer(x)
    assert y.dtype == np.float32
    ref = ref_lstm(x.astype(np.float64), *_weights(layer))[0][:, -1]
    np.testing.assert_allclose(y.data, ref, atol=1e-5)


def test_non_fusable_activation_uses_the_cell_loop():
    x = _x(2, 5, 3)
    layer = layers.SimpleRNN(4, activation="softsign", return_sequences=True, dtype="float64")
    layer(x)
    _randomize(layer)
    ref = ref_simple(x, *_weights(layer), act=lambda z: z / (1 + np.abs(z)))[0]
    np.testing.assert_allclose(layer(x).data, ref, atol=1e-12)
    err = gradient_check(lambda t: layer(t), [x[:1, :3]], params=layer.weights)
    assert err < 1e-6


@pytest.mark.parametrize("make", [
    lambda: layers.SimpleRNN(3, return_sequences=True, dtype="float64"),
    lambda: layers.LSTM(3, return_sequences=True, dtype="float64"),
    lambda: layers.GRU(3, return_sequences=True, dtype="float64"),
    lambda: layers.GRU(3, return_sequences=True, reset_after=False, dtype="float64"),
    lambda: layers.LSTM(3, return_sequences=True, activation="relu", recurrent_activation="hard_sigmoid",
                        dtype="float64"),
])
def test_fused_loop_equals_the_generic_cell_loop(make):
    x = _x(2, 5, 4)
    layer = make()
    layer(x)
    _randomize(layer)
    generic = layers.RNN(layer.cell, return_sequences=True, dtype="float64")
    mask = np.array([[1, 1, 0, 1, 0], [0, 1, 1, 1, 1]], bool)
    for m in (None, mask):
        fused = layer(x, mask=m)
        stepped, _ = generic._loop(numnet.Tensor(x), generic._initial_states(numnet.Tensor(x), None), m, False)
        np.testing.assert_allclose(fused.data, stepped.data, atol=1e-12)


def test_mask_keeps_state_and_repeats_output():
    x = _x(2, 5, 3)
    mask = np.array([[1, 1, 0, 1, 0], [1, 0, 0, 1, 1]], bool)
    layer = layers.LSTM(4, return_sequences=True, return_state=True, dtype="float64")
    layer(x)
    seq, h, c = layer(x, mask=mask)
    ref_seq, (ref_h, ref_c) = ref_lstm(x, *_weights(layer), mask=mask)
    np.testing.assert_allclose(seq.data, ref_seq, atol=1e-12)
    np.testing.assert_allclose(c.data, ref_c, atol=1e-12)
    np.testing.assert_allclose(seq.data[0, 2], seq.data[0, 1])


def test_initial_state():
    x = _x(2, 4, 3)
    h0, c0 = _x(2, 5, seed=3), _x(2, 5, seed=4)
    layer = layers.LSTM(5, dtype="float64")
    y = layer(x, initial_state=[h0, c0])
    np.testing.assert_allclose(y.data, ref_lstm(x, *_weights(layer), h0=h0, c0=c0)[0][:, -1], atol=1e-12)
    with pytest.raises(ValueError, match=r"2 initial state"):
        layer(x, initial_state=[h0])
    with pytest.raises(ValueError, match=r"initial state must have shape \(2, 5\)"):
        layer(x, initial_state=[h0[:, :2], c0])


# ----- gradients ---------------------------------------------------------------------------------
GRAD_CASES = [
    ("simple", lambda: layers.SimpleRNN(3, return_sequences=True, return_state=True, dtype="float64"), {}),
    ("lstm", lambda: layers.LSTM(3, return_sequences=True, return_state=True, dtype="float64"), {}),
    ("lstm_back", lambda: layers.LSTM(3, return_state=True, go_backwards=True, dtype="float64"), {}),
    ("gru", lambda: layers.GRU(3, return_sequences=True, return_state=True, dtype="float64"), {}),
    ("gru_before", lambda: layers.GRU(3, return_sequences=True, reset_after=False, dtype="float64"), {}),
    ("gru_nobias", lambda: layers.GRU(3, return_sequences=True, use_bias=False, dtype="float64"), {}),
    ("lstm_mask", lambda: layers.LSTM(3, return_sequences=True, return_state=True, dtype="float64"),
     {"mask": np.array([[1, 0, 1, 1], [0, 1, 1, 0]], bool)}),
    ("gru_mask", lambda: layers.GRU(3, return_sequences=True, dtype="float64"),
     {"mask": np.array([[1, 0, 1, 1], [0, 1, 1, 0]], bool)}),
    ("simple_mask", lambda: layers.SimpleRNN(3, return_sequences=True, dtype="float64"),
     {"mask": np.array([[1, 0, 1, 1], [0, 1, 1, 0]], bool)}),
]


@pytest.mark.parametrize("name,make,kwargs", GRAD_CASES, ids=[c[0] for c in GRAD_CASES])
def test_gradients_wrt_inputs_and_all_weights(name, make, kwargs):
    layer = make()
    x = _x(2, 4, 3) * 0.8
    layer(x)
    _randomize(layer)

    def f(t):
        out = layer(t, **kwargs)
        if isinstance(out, list):
            return numnet.ops.concatenate([numnet.ops.reshape(o, (2, -1)) for o in out], axis=1)
        return out

    assert gradient_check(f, [x], params=layer.weights) < 1e-6


def test_gradients_wrt_initial_states():
    layer = layers.LSTM(3, return_sequences=True, dtype="float64")
    x = _x(2, 3, 2)
    layer(x)
    err = gradient_check(lambda t, h, c: layer(t, initial_state=[h, c]), [x, _x(2, 3, seed=5), _x(2, 3, seed=6)],
                         params=layer.weights)
    assert err < 1e-6


@pytest.mark.parametrize("cls", [layers.SimpleRNN, layers.LSTM, layers.GRU])
def test_gradients_with_dropout_masks(cls):
    layer = cls(3, dropout=0.3, recurrent_dropout=0.4, return_sequences=True, seed=1, dtype="float64")
    x = _x(2, 4, 3)
    layer(x)

    def f(t):
        layer.cell._rng = np.random.default_rng(7)  # the same masks on every evaluation
        return layer(t, training=True)

    assert gradient_check(f, [x], params=layer.weights) < 1e-6


def test_dropout_only_in_training_and_reproducible():
    x = _x(4, 5, 3).astype(np.float32)
    layer = layers.LSTM(4, dropout=0.5, recurrent_dropout=0.5, seed=3)
    infer = layer(x).data
    np.testing.assert_array_equal(infer, layer(x, training=False).data)
    train = layer(x, training=True).data
    assert not np.allclose(train, infer)
    again = layers.LSTM(4, dropout=0.5, recurrent_dropout=0.5, seed=3)
    again(x)
    again.set_weights(layer.get_weights())
    layer.cell._rng = np.random.default_rng(11)
    again.cell._rng = np.random.default_rng(11)
    np.testing.assert_array_equal(layer(x, training=True).data, again(x, training=True).data)


# ----- weights, shapes, config, errors ----------------------------------------------------------------
def test_weight_names_shapes_and_lstm_forget_bias():
    x = _x(1, 2, 7).astype(np.float32)
    lstm, gru, gru2, rnn = layers.LSTM(5), layers.GRU(5), layers.GRU(5, reset_after=False), layers.SimpleRNN(5)
    for layer in (lstm, gru, gru2, rnn):
        layer(x)
    assert [(w.name, w.shape) for w in lstm.weights] == [("kernel", (7, 20)), ("recurrent_kernel", (5, 20)),
                                                         ("bias", (20,))]
    assert [w.shape for w in gru.weights] == [(7, 15), (5, 15), (2, 15)]
    assert [w.shape for w in gru2.weights] == [(7, 15), (5, 15), (15,)]
    assert [w.shape for w in rnn.weights] == [(7, 5), (5, 5), (5,)]
    np.testing.assert_array_equal(lstm.cell.bias.data, np.r_[np.zeros(5), np.ones(5), np.zeros(10)])
    assert lstm.cell.name == "lstm_cell" and lstm.units == 5 and lstm.kernel is lstm.cell.kernel
    rk = lstm.cell.recurrent_kernel.data  # orthogonal: (5, 20) has orthonormal rows
    np.testing.assert_allclose(rk @ rk.T, np.eye(5), atol=1e-5)


@pytest.mark.parametrize("cls", [layers.SimpleRNN, layers.LSTM, layers.GRU])
@pytest.mark.parametrize("seq", [False, True])
@pytest.mark.parametrize("state", [False, True])
def test_compute_output_shape_matches_call(cls, seq, state):
    layer = cls(3, return_sequences=seq, return_state=state)
    out = layer(_x(2, 5, 4).astype(np.float32))
    expected = layer.compute_output_shape((2, 5, 4))
    actual = [o.shape for o in out] if isinstance(out, list) else out.shape
    assert expected == actual
    sym = layer(numnet.Input((5, 4)))
    sym_shapes = [s.shape for s in sym] if isinstance(sym, list) else sym.shape
    assert sym_shapes == layer.compute_output_shape((None, 5, 4))


@pytest.mark.parametrize("make", [
    lambda: layers.LSTM(3, activation="relu", unit_forget_bias=False, dropout=0.1, return_sequences=True,
                        go_backwards=True, kernel_regularizer="l2", seed=4),
    lambda: layers.GRU(2, reset_after=False, recurrent_dropout=0.2, return_state=True),
    lambda: layers.SimpleRNN(4, use_bias=False, activation="sigmoid"),
    lambda: layers.Bidirectional(layers.LSTM(3, return_sequences=True), merge_mode="sum"),
    lambda: layers.RNN(layers.GRUCell(3), return_sequences=True),
])
def test_config_round_trip(make):
    layer = make()
    x = _x(2, 4, 3).astype(np.float32)
    layer(x)
    clone = layers.deserialize(layers.serialize(layer))
    assert clone.get_config() == layer.get_config()
    clone(x)
    clone.set_weights(layer.get_weights())
    a, b = layer(x), clone(x)
    for u, v in zip(a if isinstance(a, list) else [a], b if isinstance(b, list) else [b]):
        np.testing.assert_array_equal(u.data, v.data)


def test_keras_config_keys_are_accepted():
    config = layers.GRU(3).get_config()
    config.update(zero_output_for_mask=False, implementation=2, use_cudnn="auto")
    assert layers.GRU.from_config(config).units == 3


@pytest.mark.parametrize("cls", [layers.SimpleRNN, layers.LSTM, layers.GRU])
def test_rank2_input_names_layer_and_shape(cls):
    layer = cls(3, name="rec")
    with pytest.raises(ValueError, match=r"Layer 'rec' \(" + cls.__name__ + r"\).*rank 3.*\(4, 5\)"):
        layer(np.zeros((4, 5), np.float32))
    assert not layer.weights
    layer(np.zeros((1, 2, 5), np.float32))
    with pytest.raises(ValueError, match=r"built for 5 input features.*\(1, 2, 6\)"):
        layer(np.zeros((1, 2, 6), np.float32))


def test_bad_arguments():
    with pytest.raises(ValueError, match=r"LSTM: units must be a positive int"):
        layers.LSTM(0)
    with pytest.raises(ValueError, match=r"stateful=True is not supported"):
        layers.GRU(3, stateful=True)
    with pytest.raises(ValueError, match=r"dropout must be a float in \[0, 1\]"):
        layers.SimpleRNN(3, dropout=1.5)
    with pytest.raises(ValueError, match=r"invalid recurrent_activation='sigmoidd'"):
        layers.LSTM(3, recurrent_activation="sigmoidd")
    with pytest.raises(ValueError, match=r"merge_mode must be one of"):
        layers.Bidirectional(layers.LSTM(3), merge_mode="max")
    with pytest.raises(ValueError, match=r"must be a recurrent layer"):
        layers.Bidirectional(layers.Dense(3))
    with pytest.raises(ValueError, match=r"mask must have shape"):
        layers.LSTM(3)(np.zeros((2, 4, 1), np.float32), mask=np.ones((2, 3), bool))


# ----- Bidirectional --------------------------------------------------------------------------------------
def test_bidirectional_is_forward_and_reversed_backward():
    x = _x(2, 5, 3)
    bi = layers.Bidirectional(layers.GRU(4, return_sequences=True, dtype="float64"), dtype="float64")
    y = bi(x)
    assert bi.forward_layer.name.startswith("forward_") and bi.backward_layer.go_backwards
    _randomize(bi)
    y = bi(x).data
    w = _weights(bi)
    f = ref_gru(x, *w[:3])[0]
    b = ref_gru(x[:, ::-1], *w[3:])[0][:, ::-1]
    np.testing.assert_allclose(y, np.concatenate([f, b], -1), atol=1e-12)
    assert bi.compute_output_shape((2, 5, 3)) == y.shape


@pytest.mark.parametrize("mode", ["concat", "sum", "ave", "mul", None])
@pytest.mark.parametrize("state", [False, True])
def test_bidirectional_shapes(mode, state):
    bi = layers.Bidirectional(layers.LSTM(3, return_state=state), merge_mode=mode)
    out = bi(_x(2, 4, 2).astype(np.float32))
    actual = [o.shape for o in out] if isinstance(out, list) else out.shape
    assert bi.compute_output_shape((2, 4, 2)) == actual


def test_bidirectional_gradients():
    bi = layers.Bidirectional(layers.LSTM(2, return_sequences=True, dtype="float64"), dtype="float64")
    x = _x(2, 3, 2)
    bi(x)
    assert gradient_check(lambda t: bi(t), [x], params=bi.weights) < 1e-6


# ----- real learning ------------------------------------------------------------------------------------
@pytest.mark.parametrize("cls", [layers.LSTM, layers.GRU])
def test_learns_the_sign_of_a_running_sum(cls):
    numnet.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    x = rng.choice([-1.0, 1.0], size=(256, 7, 1)).astype(np.float32)
    y = (x.sum(axis=(1, 2)) > 0).astype(np.float32)
    model = numnet.Sequential([numnet.Input((7, 1)), cls(8), layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer=numnet.optimizers.Adam(0.03), loss="binary_crossentropy", metrics=["accuracy"])
    history = model.fit(x, y, epochs=12, batch_size=32, verbose=0)
    losses = history.history["loss"]
    assert losses[-1] < 0.5 * losses[0]
    assert history.history["accuracy"][-1] > 0.9


def test_stacked_bidirectional_trains_through_fit():
    numnet.utils.set_random_seed(1)
    rng = np.random.default_rng(1)
    x = rng.standard_normal((64, 5, 2)).astype(np.float32)
    y = x[:, 0, :1] - x[:, -1, 1:]  # needs both the first and the last step
    model = numnet.Sequential([numnet.Input((5, 2)), layers.Bidirectional(layers.SimpleRNN(6, return_sequences=True)),
                               layers.GRU(6), layers.Dense(1)])
    model.compile(optimizer=numnet.optimizers.Adam(0.02), loss="mse")
    losses = model.fit(x, y, epochs=15, batch_size=16, verbose=0).history["loss"]
    assert losses[-1] < 0.3 * losses[0]
