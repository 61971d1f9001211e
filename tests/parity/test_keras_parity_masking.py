"""Masking against Keras 3 (JAX backend): which layers support masking, the masks models
propagate, the outputs of masked models with the same weights, masked losses and metrics,
`evaluate` and one `fit` step.

Keras's JAX trainer loses the mask between the forward pass and the metric update of a
training step (its metrics in `fit` are unmasked, while `evaluate`'s and the loss are masked);
its TensorFlow and PyTorch trainers keep it, as numnet does, so `fit`'s metrics are compared
with Keras on PyTorch (in a subprocess, when torch is installed). Skipped where keras (or jax)
is not installed.
"""
import json
import os
import subprocess
import sys
import warnings

os.environ.setdefault("KERAS_BACKEND", "jax")

import numpy as np
import pytest

keras = pytest.importorskip("keras")
jax = pytest.importorskip("jax")
jnp = jax.numpy
from keras.src.backend import get_keras_mask as k_get_mask  # noqa: E402
from keras.src.backend import set_keras_mask as k_set_mask  # noqa: E402

import numnet  # noqa: E402
from numnet import layers as nl  # noqa: E402
from numnet.autograd import set_keras_mask  # noqa: E402

kl = keras.layers
ATOL = 1e-5
IDS = np.array([[3, 4, 5, 0, 0], [1, 2, 0, 0, 0], [6, 7, 8, 9, 1], [2, 0, 0, 0, 0]], dtype="int32")
IDS2 = np.array([[1, 0, 3, 0, 0], [0, 2, 2, 0, 4], [6, 7, 0, 9, 1], [5, 5, 5, 5, 0]], dtype="int32")

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")


def _randn(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype(np.float32)


def _list(x):
    return list(x) if isinstance(x, (list, tuple)) else [x]


def _kmask(t):
    m = k_get_mask(t)
    return None if m is None else np.asarray(m)


def _nmask(t):
    return None if t._keras_mask is None else np.asarray(t._keras_mask.data)


def _compare_models(kmodel, nmodel, x, atol=ATOL, **call):
    nmodel.set_weights(kmodel.get_weights())
    expected, got = _list(kmodel(x, **call)), _list(nmodel(x, **call))
    assert len(expected) == len(got)
    for i, (e, g) in enumerate(zip(expected, got)):
        np.testing.assert_allclose(g.data, np.asarray(e), atol=atol, rtol=1e-4, err_msg=f"output {i}")
        ke, ne = _kmask(e), _nmask(g)
        assert (ke is None) == (ne is None), f"output {i}: keras mask {ke}, numnet mask {ne}"
        if ke is not None:
            np.testing.assert_array_equal(ne, ke, err_msg=f"mask of output {i}")


# ----- supports_masking, layer by layer ------------------------------------------------------------
LAYER_ARGS = {
    "Activation": ("relu",), "Dense": (3,), "Dropout": (0.5,), "Embedding": (10, 3), "Conv1D": (2, 3),
    "Conv2D": (2, 3), "Conv1DTranspose": (2, 3), "Conv2DTranspose": (2, 3), "DepthwiseConv2D": (3,),
    "SeparableConv2D": (2, 3), "CenterCrop": (2, 2), "Resizing": (2, 2), "Reshape": ((2,),), "Permute": ((1,),),
    "RepeatVector": (2,), "EinsumDense": ("ab,bc->ac", 3), "Lambda": (lambda x: x,), "MultiHeadAttention": (2, 2),
    "GRU": (2,), "LSTM": (2,), "SimpleRNN": (2,), "GRUCell": (2,), "LSTMCell": (2,), "SimpleRNNCell": (2,),
    "Rescaling": (1.0,), "GroupNormalization": (1,), "Dot": (1,), "AveragePooling1D": (2,), "AveragePooling2D": (2,),
    "MaxPooling1D": (2,), "MaxPooling2D": (2,),
}
LAYER_NAMES = sorted({getattr(nl, n).__name__ for n in dir(nl)
                      if isinstance(getattr(nl, n), type) and issubclass(getattr(nl, n), nl.Layer)
                      and hasattr(kl, getattr(nl, n).__name__)} - {"Layer", "InputLayer", "RNN", "Bidirectional"})


@pytest.mark.parametrize("name", LAYER_NAMES)
def test_supports_masking_matches_keras(name):
    args = LAYER_ARGS.get(name, ())
    assert getattr(nl, name)(*args).supports_masking == getattr(kl, name)(*args).supports_masking


def test_supports_masking_of_wrappers_models_and_mask_makers():
    pairs = [
        (kl.RNN(kl.LSTMCell(2)), nl.RNN(nl.LSTMCell(2))),
        (kl.Bidirectional(kl.LSTM(2)), nl.Bidirectional(nl.LSTM(2))),
        (kl.Embedding(10, 3, mask_zero=True), nl.Embedding(10, 3, mask_zero=True)),
        (kl.Lambda(lambda x: x, mask=lambda x, m: m), nl.Lambda(lambda x: x, mask=lambda x, m: m)),
        (keras.Sequential([keras.Input((3,)), kl.Dense(2)]), numnet.Sequential([numnet.Input((3,)), nl.Dense(2)])),
    ]
    for k, n in pairs:
        assert n.supports_masking == k.supports_masking, type(n).__name__


# ----- masked models: same weights, same outputs and masks --------------------------------------------
def _embedded(lib, layers, *rest, dim=4):
    inp = lib.Input((None,), dtype="int32")
    x = layers.Embedding(10, dim, mask_zero=True)(inp)
    for make in rest:
        x = make(layers)(x)
    return lib.Model(inp, x)


RECURRENT = [
    ("LSTM", dict(units=3)), ("LSTM", dict(units=3, return_sequences=True)),
    ("GRU", dict(units=3, return_sequences=True)), ("GRU", dict(units=3, reset_after=False)),
    ("SimpleRNN", dict(units=3, return_sequences=True, go_backwards=True)),
    ("LSTM", dict(units=3, return_sequences=True, zero_output_for_mask=True)),
    ("GRU", dict(units=3, return_sequences=True, return_state=True)),
]


@pytest.mark.parametrize("name,kwargs", RECURRENT, ids=[f"{n}-{i}" for i, (n, _) in enumerate(RECURRENT)])
def test_embedding_mask_zero_into_recurrent_layers(name, kwargs):
    make = lambda L: getattr(L, name)(**kwargs)  # noqa: E731
    _compare_models(_embedded(keras, kl, make, lambda L: L.Dense(2)) if not kwargs.get("return_state")
                    else _embedded(keras, kl, make),
                    _embedded(numnet, nl, make, lambda L: L.Dense(2)) if not kwargs.get("return_state")
                    else _embedded(numnet, nl, make), IDS)


@pytest.mark.parametrize("mode", ["concat", "sum", "mul", "ave", None])
@pytest.mark.parametrize("sequences", [True, False])
def test_bidirectional_with_masks(mode, sequences):
    make = lambda L: L.Bidirectional(L.LSTM(3, return_sequences=sequences), merge_mode=mode)  # noqa: E731
    _compare_models(_embedded(keras, kl, make), _embedded(numnet, nl, make), IDS)


def test_sequential_embedding_lstm_dense():
    def build(lib, L):
        return lib.Sequential([lib.Input((None,), dtype="int32"), L.Embedding(1000, 16, mask_zero=True), L.LSTM(8),
                               L.Dense(1)])

    _compare_models(build(keras, kl), build(numnet, nl), IDS * 97)


def test_masking_layer_and_global_average_pooling():
    x = _randn(4, 6, 3)
    x[0, 4:] = 0.0
    x[1, 1] = 0.0
    x[3, :] = 0.0
    x[3, 2] = 1.5

    def build(lib, L):
        return lib.Sequential([lib.Input((6, 3)), L.Masking(), L.Dense(4), L.GRU(3, return_sequences=True),
                               L.GlobalAveragePooling1D(), L.Dense(1)])

    _compare_models(build(keras, kl), build(numnet, nl), x)

    def pooled(lib, L):
        inp = lib.Input((6, 3))
        m = L.Masking(mask_value=1.5)(inp)
        return lib.Model(inp, [m, L.GlobalAveragePooling1D(keepdims=True)(m)])

    _compare_models(pooled(keras, kl), pooled(numnet, nl), x)


def test_transformer_block_with_masks():
    # MultiHeadAttention takes the masks off its inputs, so Add's output carries none, while the
    # pooling after it gets the mask Keras recorded in the graph
    def build(lib, L):
        inp = lib.Input((None,), dtype="int32")
        x = L.Embedding(10, 6, mask_zero=True)(inp)
        a = L.MultiHeadAttention(2, 3)(x, x)
        z = L.LayerNormalization()(L.Add()([x, a]))
        d = L.Dense(4, activation="relu")(z)
        return lib.Model(inp, [L.GlobalAveragePooling1D()(d), d, a])

    _compare_models(build(keras, kl), build(numnet, nl), IDS)


def test_attention_layers_with_masks():
    def build(lib, L):
        inp, inp2 = lib.Input((None,), dtype="int32"), lib.Input((None,), dtype="int32")
        q = L.Embedding(10, 4, mask_zero=True)(inp)
        v = L.Embedding(10, 4, mask_zero=True)(inp2)
        a = L.Attention(use_scale=True)([q, v])
        m1 = L.MultiHeadAttention(2, 3)(q, v)
        m2, scores = L.MultiHeadAttention(2, 2, value_dim=3)(q, v, v, return_attention_scores=True)
        m3 = L.MultiHeadAttention(2, 2)(v, v, use_causal_mask=True)
        return lib.Model([inp, inp2], [a, m1, m2, scores, m3])

    _compare_models(build(keras, kl), build(numnet, nl), [IDS, IDS2])


def test_merging_layers_with_masks():
    def build(lib, L):
        inp, inp2 = lib.Input((None,), dtype="int32"), lib.Input((None,), dtype="int32")
        x, y = L.Embedding(10, 3, mask_zero=True)(inp), L.Embedding(10, 3, mask_zero=True)(inp2)
        w = L.Dense(3)(L.Embedding(10, 3)(inp))
        outs = [L.Add()([x, y]), L.Subtract()([x, w]), L.Multiply()([x, y]), L.Multiply()([x, w]),
                L.Maximum()([x, y]), L.Minimum()([w, y]), L.Average()([x, y, w]), L.Concatenate()([x, w]),
                L.Concatenate(axis=1)([x, y]), L.Dot(axes=2)([x, y])]
        return lib.Model([inp, inp2], outs)

    _compare_models(build(keras, kl), build(numnet, nl), [IDS, IDS2])


def test_layers_that_pass_or_drop_masks_in_a_model():
    def build(lib, L):
        inp = lib.Input((5,), dtype="int32")
        x = L.Embedding(10, 4, mask_zero=True)(inp)
        x = L.Dropout(0.3)(L.Activation("tanh")(L.BatchNormalization()(L.Dense(4)(x))))
        x = L.LayerNormalization()(L.UnitNormalization()(L.Rescaling(0.5)(x)))
        c = L.Conv1D(2, 2)(x)
        return lib.Model(inp, [x, c, L.Flatten()(x), L.GlobalMaxPooling1D()(x), L.LSTM(2)(x)])

    _compare_models(build(keras, kl), build(numnet, nl), IDS)


def test_batch_normalization_in_training_uses_the_mask():
    def build(lib, L):
        inp = lib.Input((None,), dtype="int32")
        return lib.Model(inp, L.BatchNormalization()(L.Embedding(10, 4, mask_zero=True)(inp)))

    kmodel, nmodel = build(keras, kl), build(numnet, nl)
    _compare_models(kmodel, nmodel, IDS, training=True)
    for k, n in zip(kmodel.layers[-1].weights, nmodel.layers[-1].weights):
        np.testing.assert_allclose(n.data, np.asarray(k), atol=1e-6, err_msg=n.path)


def test_model_mask_argument_and_lambda_masks():
    x = _randn(4, 5, 3)
    mask = IDS != 0

    def build(lib, L):
        inp = lib.Input((5, 3))
        h = L.SimpleRNN(2, return_sequences=True)(inp)
        g = L.Lambda(lambda t: t * 2.0, mask=lambda t, m: m)(h)
        return lib.Model(inp, [h, g])

    _compare_models(build(keras, kl), build(numnet, nl), x, mask=mask)


# ----- losses and metrics on a masked y_pred ------------------------------------------------------------
def _masked_pair(p, mask):
    kp = jnp.asarray(p)
    k_set_mask(kp, jnp.asarray(mask))
    n = numnet.Tensor(p)
    set_keras_mask(n, mask)
    return kp, n


LOSSES = [
    ("MeanSquaredError", {}, "reg"), ("MeanAbsoluteError", {"reduction": "sum"}, "reg"),
    ("Huber", {"reduction": None}, "reg"), ("BinaryCrossentropy", {}, "bin"),
    ("BinaryCrossentropy", {"from_logits": True, "reduction": "mean_with_sample_weight"}, "bin"),
    ("SparseCategoricalCrossentropy", {"from_logits": True}, "sparse"),
    ("SparseCategoricalCrossentropy", {"from_logits": True, "ignore_class": 2}, "sparse"),
    ("CategoricalCrossentropy", {}, "cat"),
]


@pytest.mark.parametrize("name,kwargs,kind", LOSSES, ids=[f"{n}-{i}" for i, (n, _, _) in enumerate(LOSSES)])
@pytest.mark.parametrize("weighted", [False, True])
def test_losses_with_a_masked_prediction(name, kwargs, kind, weighted):
    rng = np.random.default_rng(0)
    mask = IDS != 0
    if kind == "sparse":
        y, p = rng.integers(0, 3, (4, 5)), _randn(4, 5, 3)
    elif kind == "cat":
        y, p = np.eye(3, dtype=np.float32)[rng.integers(0, 3, (4, 5))], rng.dirichlet(np.ones(3), (4, 5)).astype("f4")
    elif kind == "bin":
        y, p = rng.integers(0, 2, (4, 5, 1)).astype("f4"), rng.random((4, 5, 1)).astype("f4")
    else:
        y, p = _randn(4, 5, 2, seed=1), _randn(4, 5, 2, seed=2)
    sw = rng.random((4, 5)).astype("f4") if weighted else None
    kp, n_p = _masked_pair(p, mask)
    expected = np.asarray(getattr(keras.losses, name)(**kwargs)(y, kp, sample_weight=sw))
    got = getattr(numnet.losses, name)(**kwargs)(y, n_p, sample_weight=sw)
    np.testing.assert_allclose(got.data, expected, atol=1e-6, rtol=1e-5)


METRICS = [("BinaryAccuracy", "bin"), ("Accuracy", "bin"), ("MeanSquaredError", "reg"), ("MeanAbsoluteError", "reg"),
           ("SparseCategoricalAccuracy", "sparse"), ("CategoricalAccuracy", "cat"), ("BinaryCrossentropy", "bin")]


@pytest.mark.parametrize("name,kind", METRICS)
@pytest.mark.parametrize("weighted", [False, True])
def test_metrics_with_a_masked_prediction(name, kind, weighted):
    rng = np.random.default_rng(1)
    mask = IDS != 0
    if kind == "sparse":
        y, p = rng.integers(0, 3, (4, 5)), rng.random((4, 5, 3)).astype("f4")
    elif kind == "cat":
        y, p = np.eye(3, dtype=np.float32)[rng.integers(0, 3, (4, 5))], rng.random((4, 5, 3)).astype("f4")
    elif kind == "bin":
        y, p = rng.integers(0, 2, (4, 5, 1)).astype("f4"), rng.random((4, 5, 1)).astype("f4")
        if name == "Accuracy":
            p = (p > 0.5).astype("f4")
    else:
        y, p = _randn(4, 5, 2, seed=1), _randn(4, 5, 2, seed=2)
    sw = rng.random((4, 5)).astype("f4") if weighted else None
    kp, n_p = _masked_pair(p, mask)
    km, nm = getattr(keras.metrics, name)(), getattr(numnet.metrics, name)()
    km.update_state(y, kp, sample_weight=sw)
    nm.update_state(y, n_p, sample_weight=sw)
    km.update_state(y, p)  # a second, unmasked batch
    nm.update_state(y, p)
    np.testing.assert_allclose(float(nm.result()), float(km.result()), atol=1e-6, rtol=1e-5)


# ----- evaluate and one fit step ---------------------------------------------------------------------------
def _sequence_model(lib, L):
    return lib.Sequential([lib.Input((None,), dtype="int32"), L.Embedding(10, 4, mask_zero=True),
                           L.Bidirectional(L.GRU(3, return_sequences=True)), L.LSTM(3, return_sequences=True),
                           L.Dense(1, activation="sigmoid")])


def _data():
    rng = np.random.default_rng(0)
    # per-step weights: Keras cannot combine per-sample weights (batch,) with a (batch, steps) mask
    return rng.integers(0, 2, (4, 5, 1)).astype("f4"), rng.random((4, 5)).astype("f4")


def _compiled(lib, L, opt):
    model = _sequence_model(lib, L)
    model.compile(optimizer=opt, loss="binary_crossentropy", metrics=["accuracy", "mae"], weighted_metrics=["mse"])
    return model


def test_evaluate_and_one_fit_step_match_keras():
    y, _ = _data()
    kmodel = _compiled(keras, kl, keras.optimizers.SGD(0.5))
    nmodel = _compiled(numnet, nl, numnet.optimizers.SGD(0.5))
    nmodel.set_weights(kmodel.get_weights())
    kev = kmodel.evaluate(IDS, y, verbose=0, return_dict=True)
    nev = nmodel.evaluate(IDS, y, verbose=0, return_dict=True)
    assert set(kev) == set(nev)
    for key in kev:
        np.testing.assert_allclose(nev[key], kev[key], rtol=1e-5, atol=1e-6, err_msg=key)
    khist = kmodel.fit(IDS, y, batch_size=4, epochs=1, verbose=0, shuffle=False).history
    nhist = nmodel.fit(IDS, y, batch_size=4, epochs=1, verbose=0, shuffle=False).history
    np.testing.assert_allclose(nhist["loss"][0], khist["loss"][0], rtol=1e-5)
    for kw, nw in zip(kmodel.get_weights(), nmodel.get_weights()):
        np.testing.assert_allclose(nw, kw, atol=1e-6)
    # the metrics of a training step are masked (Keras's JAX trainer is the exception, see the module doc)
    for key in ("accuracy", "mae", "mse"):
        np.testing.assert_allclose(nhist[key][0], kev[key], rtol=1e-5, atol=1e-6, err_msg=key)


_TORCH_SCRIPT = r"""
import json, os, sys
os.environ["KERAS_BACKEND"] = "torch"
import numpy as np, keras
L = keras.layers
args = json.loads(sys.argv[1])
model = keras.Sequential([keras.Input((None,), dtype="int32"), L.Embedding(10, 4, mask_zero=True),
                          L.Bidirectional(L.GRU(3, return_sequences=True)), L.LSTM(3, return_sequences=True),
                          L.Dense(1, activation="sigmoid")])
model.compile(optimizer=keras.optimizers.SGD(0.5), loss="binary_crossentropy", metrics=["accuracy", "mae"],
              weighted_metrics=["mse"])
model.set_weights([np.asarray(w, "float32") for w in args["weights"]])
hist = model.fit(np.asarray(args["x"], "int32"), np.asarray(args["y"], "float32"),
                 sample_weight=np.asarray(args["sw"], "float32"), batch_size=4, epochs=1, verbose=0, shuffle=False)
print(json.dumps({k: float(v[0]) for k, v in hist.history.items()}))
"""


def test_fit_metrics_with_sample_weights_match_keras_on_torch():
    pytest.importorskip("torch")
    y, sw = _data()
    nmodel = _compiled(numnet, nl, numnet.optimizers.SGD(0.5))
    kmodel = _sequence_model(keras, kl)  # for Keras's initial weights, copied to both
    weights = kmodel.get_weights()
    nmodel.set_weights(weights)
    args = json.dumps({"weights": [w.tolist() for w in weights], "x": IDS.tolist(), "y": y.tolist(), "sw": sw.tolist()})
    env = {k: v for k, v in os.environ.items() if k != "KERAS_BACKEND"}
    result = subprocess.run([sys.executable, "-c", _TORCH_SCRIPT, args], capture_output=True, text=True, timeout=300,
                            env=env)
    if result.returncode != 0 and "ModuleNotFoundError" in result.stderr:
        pytest.skip(f"Keras on PyTorch is not usable here: {result.stderr[-300:]}")
    assert result.returncode == 0, result.stderr[-2000:]
    expected = json.loads(result.stdout.strip().splitlines()[-1])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        got = nmodel.fit(IDS, y, sample_weight=sw, batch_size=4, epochs=1, verbose=0, shuffle=False).history
    for key, value in expected.items():
        np.testing.assert_allclose(got[key][0], value, rtol=1e-5, atol=1e-6, err_msg=key)
