"""numnet vs Keras 3 (JAX backend) on the native `.keras` format, both directions.

Keras saves -> numnet loads, and numnet saves -> Keras loads, for a Sequential MLP, the Keras
MNIST convnet, a functional model with two inputs (Concatenate), BatchNormalization after
training, and Embedding + LSTM, each compiled and trained so that the optimizer's moments and
BatchNormalization's statistics are not at their initial values.

What is exact and what is close:
* weights, optimizer variables and compile configuration cross over bit for bit;
* the same framework on both sides of a transfer predicts bit-identically (Keras model ->
  numnet file -> Keras model, and numnet model -> Keras file -> numnet model);
* numnet and Keras predict within float32 rounding of each other (`_close`): XLA and
  NumPy/BLAS add the terms of a matrix product in different orders, so results can differ in
  the last one or two bits (convolution/pooling stacks usually match exactly).
"""
import io
import json
import os
import zipfile

os.environ.setdefault("KERAS_BACKEND", "jax")

import h5py  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

keras = pytest.importorskip("keras")
pytest.importorskip("jax")

import numnet  # noqa: E402

ATOL = 2e-6
RTOL = 1e-5


def _close(actual, expected, what=""):
    np.testing.assert_allclose(np.asarray(actual), np.asarray(expected), atol=ATOL, rtol=RTOL, err_msg=what)


def _same_arrays(a, b):
    return len(a) == len(b) and all(np.shape(x) == np.shape(y) and np.array_equal(np.asarray(x), np.asarray(y))
                                    for x, y in zip(a, b))


def _keras_optimizer_state(model):
    return [np.asarray(v) for v in model.optimizer.variables]


def _same_optimizer_state(keras_state, numnet_state):
    return len(keras_state) == len(numnet_state) and all(
        np.array_equal(k.astype(n.dtype), n) for k, n in zip(keras_state, numnet_state))


# ----- the models, written once for both frameworks ----------------------------------------------------------
def mlp(K):
    return K.Sequential([K.Input((6,)), K.layers.Dense(16, activation="relu"), K.layers.Dropout(0.2),
                         K.layers.Dense(3, activation="softmax")])


def mnist_convnet(K):
    """The convnet of Keras's "Simple MNIST convnet" example."""
    return K.Sequential([
        K.Input(shape=(28, 28, 1)),
        K.layers.Conv2D(32, kernel_size=(3, 3), activation="relu"),
        K.layers.MaxPooling2D(pool_size=(2, 2)),
        K.layers.Conv2D(64, kernel_size=(3, 3), activation="relu"),
        K.layers.MaxPooling2D(pool_size=(2, 2)),
        K.layers.Flatten(),
        K.layers.Dropout(0.5),
        K.layers.Dense(10, activation="softmax"),
    ])


def two_inputs(K):
    a = K.Input((3,), name="a")
    b = K.Input((5,), name="b")
    h = K.layers.Concatenate()([K.layers.Dense(4, activation="relu")(a), K.layers.Dense(4)(b), b])
    return K.Model([a, b], K.layers.Dense(2, name="out")(h))


def batchnorm(K):
    # No bias before BatchNormalization: its gradient is zero up to rounding noise, which the
    # optimizer would amplify differently in each framework.
    return K.Sequential([K.Input((6, 6, 2)), K.layers.Conv2D(4, 3, padding="same", use_bias=False),
                         K.layers.BatchNormalization(), K.layers.Activation("relu"),
                         K.layers.GlobalAveragePooling2D(), K.layers.Dense(8, use_bias=False),
                         K.layers.BatchNormalization(momentum=0.9, epsilon=1e-2), K.layers.Dense(2)])


def embedding_lstm(K):
    return K.Sequential([K.Input((12,), dtype="int32"), K.layers.Embedding(50, 8), K.layers.LSTM(16),
                         K.layers.Dense(1)])


def _rng(seed):
    return np.random.default_rng(seed)


CASES = {
    # name: (builder, inputs, targets, compile kwargs by framework)
    "mlp": (mlp, lambda: _rng(0).normal(size=(32, 6)).astype("float32"),
            lambda: _rng(1).integers(0, 3, size=32),
            lambda K: dict(optimizer=K.optimizers.Adam(1e-2), loss="sparse_categorical_crossentropy",
                           metrics=["accuracy"])),
    "mnist-convnet": (mnist_convnet, lambda: _rng(2).uniform(size=(16, 28, 28, 1)).astype("float32"),
                      lambda: np.eye(10, dtype="float32")[_rng(3).integers(0, 10, size=16)],
                      lambda K: dict(loss="categorical_crossentropy", optimizer="adam", metrics=["accuracy"])),
    "two-inputs": (two_inputs, lambda: [_rng(4).normal(size=(32, 3)).astype("float32"),
                                        _rng(5).normal(size=(32, 5)).astype("float32")],
                   lambda: _rng(6).normal(size=(32, 2)).astype("float32"),
                   lambda K: dict(optimizer=K.optimizers.SGD(0.05, momentum=0.9), loss="mse", metrics=["mae"])),
    "batchnorm": (batchnorm, lambda: _rng(7).normal(size=(32, 6, 6, 2)).astype("float32"),
                  lambda: _rng(8).normal(size=(32, 2)).astype("float32"),
                  lambda K: dict(optimizer=K.optimizers.RMSprop(1e-2), loss="mse")),
    "embedding-lstm": (embedding_lstm, lambda: _rng(9).integers(0, 50, size=(32, 12)).astype("int32"),
                       lambda: _rng(10).normal(size=(32, 1)).astype("float32"),
                       lambda K: dict(optimizer=K.optimizers.AdamW(1e-2), loss="mse")),
}


def _trained(K, name, seed=0):
    build, inputs, targets, compile_kwargs = CASES[name]
    if K is keras:
        keras.utils.set_random_seed(seed)
    else:
        numnet.utils.set_random_seed(seed)
    model = build(K)
    model.compile(**compile_kwargs(K))
    model.fit(inputs(), targets(), batch_size=8, epochs=2, shuffle=False, verbose=0)
    return model


def _one_more_step(model, name):
    """One full-batch step; Dropout is switched off, since the frameworks draw different masks."""
    _, inputs, targets, _ = CASES[name]
    for layer in model.layers:
        if type(layer).__name__ == "Dropout":
            layer.rate = 0.0
    model.fit(inputs(), targets(), batch_size=32, epochs=1, shuffle=False, verbose=0)
    return model.get_weights()


# ----- Keras saves, numnet loads ------------------------------------------------------------------------------
@pytest.mark.parametrize("name", list(CASES))
def test_keras_saves_numnet_loads(tmp_path, name):
    kmodel = _trained(keras, name)
    kmodel.save(tmp_path / "k.keras")
    nmodel = numnet.models.load_model(tmp_path / "k.keras")
    assert _same_arrays(nmodel.get_weights(), kmodel.get_weights())
    assert _same_optimizer_state(_keras_optimizer_state(kmodel), nmodel.optimizer.get_state())
    assert type(nmodel.optimizer).__name__ == type(kmodel.optimizer).__name__
    kcompile, ncompile = kmodel.get_compile_config(), nmodel.get_compile_config()
    assert (ncompile["loss"], ncompile["metrics"]) == (kcompile["loss"], kcompile["metrics"])
    x = CASES[name][1]()
    # the transfer is exact: a numnet model built in code with Keras's weights predicts the same bits
    reference = CASES[name][0](numnet)
    reference.set_weights(kmodel.get_weights())
    assert np.array_equal(nmodel.predict(x, verbose=0), reference.predict(x, verbose=0))
    _close(nmodel.predict(x, verbose=0), kmodel.predict(x, verbose=0), f"{name}: numnet vs Keras predictions")
    # training continues from the same optimizer state in both
    for a, b in zip(_one_more_step(nmodel, name), _one_more_step(kmodel, name)):
        np.testing.assert_allclose(a, b, atol=1e-5, rtol=1e-4, err_msg=f"{name}: weights after one more step")


# ----- numnet saves, Keras loads ------------------------------------------------------------------------------
@pytest.mark.parametrize("name", list(CASES))
def test_numnet_saves_keras_loads(tmp_path, name):
    nmodel = _trained(numnet, name)
    nmodel.save(tmp_path / "n.keras")
    kmodel = keras.saving.load_model(tmp_path / "n.keras")
    assert _same_arrays(kmodel.get_weights(), nmodel.get_weights())
    assert _same_optimizer_state(_keras_optimizer_state(kmodel), nmodel.optimizer.get_state())
    assert type(kmodel.optimizer).__name__ == type(nmodel.optimizer).__name__
    assert kmodel.optimizer.get_config()["learning_rate"] == nmodel.optimizer.get_config()["learning_rate"]
    kcompile, ncompile = kmodel.get_compile_config(), nmodel.get_compile_config()
    assert (kcompile["loss"], kcompile["metrics"]) == (ncompile["loss"], ncompile["metrics"])
    x = CASES[name][1]()
    reference = CASES[name][0](keras)                  # Keras with numnet's weights: the same bits
    reference.set_weights(nmodel.get_weights())
    assert np.array_equal(kmodel.predict(x, verbose=0), reference.predict(x, verbose=0))
    _close(kmodel.predict(x, verbose=0), nmodel.predict(x, verbose=0), f"{name}: Keras vs numnet predictions")
    for a, b in zip(_one_more_step(kmodel, name), _one_more_step(nmodel, name)):
        np.testing.assert_allclose(a, b, atol=1e-5, rtol=1e-4, err_msg=f"{name}: weights after one more step")


@pytest.mark.parametrize("name", list(CASES))
def test_keras_numnet_keras_round_trip_is_bit_identical(tmp_path, name):
    kmodel = _trained(keras, name)
    kmodel.save(tmp_path / "k.keras")
    numnet.models.load_model(tmp_path / "k.keras").save(tmp_path / "n.keras")
    again = keras.saving.load_model(tmp_path / "n.keras")
    x = CASES[name][1]()
    assert np.array_equal(again.predict(x, verbose=0), kmodel.predict(x, verbose=0))
    assert _same_arrays(_keras_optimizer_state(again), _keras_optimizer_state(kmodel))
    before, after = kmodel.get_compile_config(), again.get_compile_config()
    for key in ("optimizer", "loss", "loss_weights", "metrics", "weighted_metrics"):
        assert after[key] == before[key], key


@pytest.mark.parametrize("name", list(CASES))
def test_numnet_writes_the_weights_layout_keras_writes(tmp_path, name):
    """The same model saved by both: the same datasets at the same paths, the same JSON envelopes."""
    _trained(keras, name).save(tmp_path / "k.keras")
    _trained(numnet, name).save(tmp_path / "n.keras")

    def layout(path):
        with zipfile.ZipFile(path) as zf:
            names = [i.filename for i in zf.infolist()]
            config = json.loads(zf.read("config.json"))
            shapes = {}
            with h5py.File(io.BytesIO(zf.read("model.weights.h5")), "r") as f:
                f.visititems(lambda p, o: shapes.__setitem__(p, o.shape) if isinstance(o, h5py.Dataset) else None)
        envelopes = [(e["module"], e["class_name"], e["registered_name"]) for e in config["config"]["layers"]]
        return names, sorted(config), (config["module"], config["class_name"]), envelopes, shapes

    assert layout(tmp_path / "n.keras") == layout(tmp_path / "k.keras")


# ----- more layers, nesting, shared layers, compile objects -------------------------------------------------
def _layer_stacks(K):
    L = K.layers
    return {
        "conv1d": ((10, 3), [L.Conv1D(4, 3, padding="same", strides=2), L.MaxPooling1D(2),
                             L.GlobalAveragePooling1D()]),
        "conv-transpose": ((5, 5, 2), [L.Conv2DTranspose(3, 3, strides=2), L.GlobalMaxPooling2D()]),
        "separable": ((6, 6, 2), [L.DepthwiseConv2D(3, depth_multiplier=2), L.SeparableConv2D(3, 2),
                                  L.AveragePooling2D(1), L.Flatten()]),
        "norms": ((6,), [L.LayerNormalization(), L.Dense(4, kernel_regularizer="l2", bias_constraint="non_neg"),
                         L.UnitNormalization()]),
        "group-norm": ((4, 4), [L.GroupNormalization(groups=2)]),
        "activations": ((6,), [L.Activation("gelu"), L.ReLU(max_value=2.0), L.LeakyReLU(negative_slope=0.1),
                               L.PReLU(), L.Softmax()]),
        "reshaping": ((6,), [L.Reshape((2, 3)), L.Permute((2, 1)), L.Flatten(), L.RepeatVector(2), L.Flatten()]),
        "recurrent": ((5, 3), [L.SimpleRNN(4, return_sequences=True), L.GRU(4, return_sequences=True),
                               L.Bidirectional(L.LSTM(3))]),
        "einsum": ((6,), [L.EinsumDense("ab,bc->ac", output_shape=4, bias_axes="c")]),
    }


@pytest.mark.parametrize("name", list(_layer_stacks(numnet)))
def test_more_layers_both_ways(tmp_path, name):
    shape, nlayers = _layer_stacks(numnet)[name]
    _, klayers = _layer_stacks(keras)[name]
    x = _rng(11).normal(size=(3,) + shape).astype("float32")
    nmodel = numnet.Sequential([numnet.Input(shape)] + nlayers)
    nmodel.set_weights([_rng(i).uniform(0.5, 1.5, size=w.shape).astype("float32")
                        for i, w in enumerate(nmodel.get_weights())])
    nmodel.save(tmp_path / "n.keras")
    kmodel = keras.saving.load_model(tmp_path / "n.keras")
    assert _same_arrays(kmodel.get_weights(), nmodel.get_weights())
    _close(kmodel.predict(x, verbose=0), nmodel.predict(x, verbose=0), name)
    kmodel = keras.Sequential([keras.Input(shape)] + klayers)
    kmodel.set_weights([_rng(i + 50).uniform(0.5, 1.5, size=w.shape).astype("float32")
                        for i, w in enumerate(kmodel.get_weights())])
    kmodel.save(tmp_path / "k.keras")
    nmodel = numnet.models.load_model(tmp_path / "k.keras")
    assert _same_arrays(nmodel.get_weights(), kmodel.get_weights())
    _close(nmodel.predict(x, verbose=0), kmodel.predict(x, verbose=0), name)


def nested_shared(K):
    a, b = K.Input((3,), name="a"), K.Input((5,), name="b")
    shared = K.layers.Dense(4, name="shared")
    inner_in = K.Input((4,))
    inner = K.Model(inner_in, K.layers.Dense(4, activation="relu")(inner_in), name="inner")
    seq = K.Sequential([K.layers.Dense(4), K.layers.BatchNormalization()], name="seqsub")
    hb = K.layers.Dense(4)(b)
    h = K.layers.Concatenate()([hb, inner(shared(K.layers.Dense(3)(a))), seq(hb)])
    return K.Model([a, b], [K.layers.Dense(2, name="o1")(h), K.layers.Dense(1, name="o2")(shared(
        K.layers.Dense(3)(hb)))])


def test_nested_models_and_shared_layers_both_ways(tmp_path):
    xs = [_rng(12).normal(size=(4, 3)).astype("float32"), _rng(13).normal(size=(4, 5)).astype("float32")]
    for source, target in ((keras, numnet), (numnet, keras)):
        model = nested_shared(source)
        model.set_weights([_rng(i).uniform(0.5, 1.5, size=w.shape).astype("float32")
                           for i, w in enumerate(model.get_weights())])
        model.save(tmp_path / "m.keras")
        loaded = (numnet.models.load_model if target is numnet else keras.saving.load_model)(tmp_path / "m.keras")
        assert _same_arrays(loaded.get_weights(), model.get_weights())
        for a, b in zip(loaded.predict(xs, verbose=0), model.predict(xs, verbose=0)):
            _close(a, b, f"{source.__name__} -> {target.__name__}")


def test_loss_and_metric_objects_and_schedules_round_trip(tmp_path):
    x, y = _rng(14).normal(size=(32, 6)).astype("float32"), _rng(15).integers(0, 3, size=32)
    keras.utils.set_random_seed(0)
    kmodel = mlp(keras)
    kmodel.compile(optimizer=keras.optimizers.Adam(keras.optimizers.schedules.ExponentialDecay(1e-2, 3, 0.5)),
                   loss=keras.losses.SparseCategoricalCrossentropy(from_logits=False),
                   metrics=[keras.metrics.SparseTopKCategoricalAccuracy(k=2), "accuracy"])
    kmodel.fit(x, y, batch_size=8, epochs=1, shuffle=False, verbose=0)
    kmodel.save(tmp_path / "k.keras")
    nmodel = numnet.models.load_model(tmp_path / "k.keras")
    assert nmodel.optimizer.iterations == 4
    assert _same_optimizer_state(_keras_optimizer_state(kmodel), nmodel.optimizer.get_state())
    _close(nmodel.evaluate(x, y, verbose=0), kmodel.evaluate(x, y, verbose=0), "loss and metrics")
    nmodel.save(tmp_path / "n.keras")
    again = keras.saving.load_model(tmp_path / "n.keras")
    before, after = kmodel.get_compile_config(), again.get_compile_config()
    assert after["optimizer"]["config"]["learning_rate"] == before["optimizer"]["config"]["learning_rate"]
    assert after["loss"] == before["loss"] and after["metrics"] == before["metrics"]
    _close(again.evaluate(x, y, verbose=0), kmodel.evaluate(x, y, verbose=0), "after the round trip")


def test_keras_file_weights_into_a_numnet_model_built_in_code(tmp_path):
    kmodel = _trained(keras, "two-inputs")
    kmodel.save(tmp_path / "k.keras")
    nmodel = two_inputs(numnet)
    nmodel.load_weights(tmp_path / "k.keras")
    assert _same_arrays(nmodel.get_weights(), kmodel.get_weights())


def test_unbuilt_optimizer_is_stored_as_keras_stores_it(tmp_path):
    for source in (keras, numnet):
        model = mlp(source)
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
        model.save(tmp_path / f"{source.__name__}.keras")
    with zipfile.ZipFile(tmp_path / "keras.keras") as kz, zipfile.ZipFile(tmp_path / "numnet.keras") as nz:
        with h5py.File(io.BytesIO(kz.read("model.weights.h5"))) as kf, \
                h5py.File(io.BytesIO(nz.read("model.weights.h5"))) as nf:
            assert sorted(kf["optimizer/vars"]) == sorted(nf["optimizer/vars"]) == ["0", "1"]
    assert numnet.models.load_model(tmp_path / "keras.keras").optimizer.iterations == 0
    with pytest.warns(UserWarning, match="Skipping variable loading for optimizer"):   # Keras's own behaviour
        keras.saving.load_model(tmp_path / "numnet.keras")


def two_outputs(K):
    a, b = K.Input((4,), name="a"), K.Input((3,), name="b")
    h = K.layers.Concatenate()([K.layers.Dense(8, activation="relu")(a), K.layers.Dense(8, activation="tanh")(b)])
    h = K.layers.Dropout(0.3)(K.layers.BatchNormalization()(h))
    model = K.Model([a, b], {"cls": K.layers.Dense(3, activation="softmax", name="cls")(h),
                             "reg": K.layers.Dense(1, name="reg")(h)})
    model.compile(optimizer=K.optimizers.Adam(1e-2), loss={"cls": "sparse_categorical_crossentropy", "reg": "mse"},
                  loss_weights={"cls": 1.0, "reg": 0.5},
                  metrics={"cls": ["accuracy"], "reg": ["mae", K.metrics.RootMeanSquaredError()]})
    return model


def _without_envelope(value):
    if isinstance(value, dict):
        return {k: _without_envelope(v) for k, v in value.items() if k not in ("module", "registered_name")}
    if isinstance(value, list):
        return [_without_envelope(v) for v in value]
    return value


def test_two_outputs_with_per_output_losses_and_metrics_both_ways(tmp_path):
    rng = _rng(16)
    x = [rng.normal(size=(64, 4)).astype("float32"), rng.normal(size=(64, 3)).astype("float32")]
    y = {"cls": rng.integers(0, 3, size=64), "reg": rng.normal(size=(64, 1)).astype("float32")}
    for source in (keras, numnet):
        (keras.utils.set_random_seed if source is keras else numnet.utils.set_random_seed)(0)
        model = two_outputs(source)
        model.fit(x, y, epochs=2, batch_size=16, verbose=0)
        model.save(tmp_path / "m.keras")
        loaded = (numnet.models.load_model if source is keras else keras.saving.load_model)(tmp_path / "m.keras")
        assert int(loaded.optimizer.iterations) == int(model.optimizer.iterations) == 8
        for key in ("loss", "loss_weights", "metrics"):               # numnet's configs carry no module
            assert _without_envelope(loaded.get_compile_config()[key]) == \
                _without_envelope(model.get_compile_config()[key]), key
        for name in ("cls", "reg"):
            _close(loaded.predict(x, verbose=0)[name], model.predict(x, verbose=0)[name], name)
        expected, got = model.evaluate(x, y, verbose=0, return_dict=True), loaded.evaluate(x, y, verbose=0,
                                                                                           return_dict=True)
        assert sorted(got) == sorted(expected)
        for key in expected:
            _close(got[key], expected[key], f"{source.__name__} -> evaluate {key}")


def test_keras_custom_class_named_like_a_builtin_needs_custom_objects(tmp_path):
    """Keras writes a registered subclass as {"module": None, "registered_name": "package>Name"}."""
    @keras.saving.register_keras_serializable(package="parity_keras_format")
    class Dense(keras.layers.Dense):
        def call(self, inputs):
            return super().call(inputs) * 10.0

    kmodel = keras.Sequential([keras.Input((4,)), Dense(2)])
    kmodel.save(tmp_path / "k.keras")
    with pytest.raises(ValueError, match=r"'parity_keras_format>Dense' is a custom class.*custom_objects"):
        numnet.models.load_model(tmp_path / "k.keras")

    class Dense(numnet.layers.Dense):                   # the same class name: Keras keys weights by it
        def call(self, inputs):
            return super().call(inputs) * 10.0

    nmodel = numnet.models.load_model(tmp_path / "k.keras", custom_objects={"Dense": Dense})
    x = _rng(17).normal(size=(3, 4)).astype("float32")
    _close(nmodel.predict(x, verbose=0), kmodel.predict(x, verbose=0), "custom Dense subclass")


# ----- masks Keras bakes into a functional graph (keras.ops nodes feeding `mask=`) ----------------------------
def _ids(seed, lengths, width=7):
    """Token ids (1..49) padded with zeros after each row's length (0: a fully padded row; Keras's
    GlobalAveragePooling1D gives NaN there, 0/0, and so does numnet)."""
    rng = _rng(seed)
    ids = rng.integers(1, 50, size=(len(lengths), width)).astype("int32")
    for row, n in enumerate(lengths):
        ids[row, n:] = 0
    return ids


def _features(seed, lengths, width=6):
    x = _rng(seed).normal(size=(len(lengths), width, 3)).astype("float32")
    for row, n in enumerate(lengths):
        x[row, n:] = 0.0
    return x


LENGTHS = [7, 4, 1, 0, 5]


def _lengths(x):
    """Per row, the unpadded length of each input."""
    arrays = x if isinstance(x, list) else [x]
    return list(zip(*[[int(np.flatnonzero(row.reshape(row.shape[0], -1).any(axis=-1)).max(initial=-1)) + 1
                       for row in a] for a in arrays]))


def masked_lstm(K):
    i = K.Input((None,), dtype="int32")
    x = K.layers.LSTM(5)(K.layers.Embedding(50, 6, mask_zero=True)(i))
    return K.Model(i, K.layers.Dense(2)(x))


def masked_gru_pooling(K):
    i = K.Input((None,), dtype="int32")
    x = K.layers.GRU(5, return_sequences=True)(K.layers.Embedding(50, 6, mask_zero=True)(i))
    return K.Model(i, K.layers.Dense(2)(K.layers.GlobalAveragePooling1D()(x)))


def masked_bidirectional(K):
    i = K.Input((None,), dtype="int32")
    x = K.layers.Bidirectional(K.layers.LSTM(4))(K.layers.Embedding(50, 6, mask_zero=True)(i))
    return K.Model(i, K.layers.Dense(2)(x))


def masking_simple_rnn(K):
    i = K.Input((None, 3))
    return K.Model(i, K.layers.Dense(2)(K.layers.SimpleRNN(5)(K.layers.Masking(0.0)(i))))


def merged_masks(K):
    a, b = K.Input((None,), dtype="int32", name="a"), K.Input((None,), dtype="int32", name="b")
    h = K.layers.Concatenate()([K.layers.Embedding(50, 4, mask_zero=True)(a),
                                K.layers.Embedding(50, 3, mask_zero=True)(b)])
    return K.Model([a, b], K.layers.Dense(2)(K.layers.LSTM(5)(h)))


MASKED = {
    # name: (builder, padded inputs, the keras.ops classes Keras writes for the masks)
    "embedding-lstm": (masked_lstm, lambda: _ids(20, LENGTHS), {"NotEqual"}),
    "gru-pooling": (masked_gru_pooling, lambda: _ids(21, LENGTHS), {"NotEqual"}),
    "bidirectional": (masked_bidirectional, lambda: _ids(22, LENGTHS), {"NotEqual"}),
    "masking-simple-rnn": (masking_simple_rnn, lambda: _features(23, [6, 3, 1, 0, 4]), {"NotEqual", "Any"}),
    "merged-masks": (merged_masks, lambda: [_ids(24, LENGTHS), _ids(25, [7, 2, 1, 0, 6])],
                     {"NotEqual", "ExpandDims", "ZerosLike", "LogicalOr", "Concatenate", "Any"}),
}


def _random_weights(model, seed):
    model.set_weights([_rng(seed + i).uniform(-0.8, 0.8, size=w.shape).astype("float32")
                       for i, w in enumerate(model.get_weights())])


def _op_nodes(path):
    with zipfile.ZipFile(path) as zf:
        layers = json.loads(zf.read("config.json"))["config"]["layers"]
    return {e["class_name"] for e in layers if e["module"].startswith("keras.src.ops.")}


@pytest.mark.parametrize("name", list(MASKED))
def test_keras_masked_functional_models_load_and_predict_as_keras(tmp_path, name):
    build, inputs, ops = MASKED[name]
    kmodel = build(keras)
    _random_weights(kmodel, 30)
    kmodel.save(tmp_path / "k.keras")
    assert _op_nodes(tmp_path / "k.keras") == ops              # what Keras 3.15 bakes into the graph
    nmodel = numnet.models.load_model(tmp_path / "k.keras")
    assert _same_arrays(nmodel.get_weights(), kmodel.get_weights())
    x = inputs()
    expected = kmodel.predict(x, verbose=0)
    _close(nmodel.predict(x, verbose=0), expected, f"{name}: numnet vs Keras on padded inputs")
    reference = build(numnet)                                   # the same model built in numnet's code
    reference.set_weights(kmodel.get_weights())
    assert np.array_equal(nmodel.predict(x, verbose=0), reference.predict(x, verbose=0), equal_nan=True)
    for row in range(len(LENGTHS)):                             # the masks take effect: padding changes nothing
        n = max(_lengths(x)[row])
        if n:
            cut = [a[row:row + 1, :n] for a in x] if isinstance(x, list) else x[row:row + 1, :n]
            _close(nmodel.predict(cut, verbose=0)[0], expected[row], f"{name}: row {row} without its padding")


@pytest.mark.parametrize("name", list(MASKED))
def test_numnet_masked_functional_models_load_in_keras(tmp_path, name):
    """numnet writes no op nodes; Keras recomputes the masks when it rebuilds the graph."""
    build, inputs, _ = MASKED[name]
    nmodel = build(numnet)
    _random_weights(nmodel, 40)
    nmodel.save(tmp_path / "n.keras")
    assert _op_nodes(tmp_path / "n.keras") == set()
    kmodel = keras.saving.load_model(tmp_path / "n.keras")
    x = inputs()
    reference = build(keras)
    reference.set_weights(nmodel.get_weights())
    assert np.array_equal(kmodel.predict(x, verbose=0), reference.predict(x, verbose=0), equal_nan=True)
    _close(kmodel.predict(x, verbose=0), nmodel.predict(x, verbose=0), f"{name}: Keras vs numnet on padded inputs")
    kmodel.save(tmp_path / "k.keras")                          # and back: Keras's file, with op nodes, loads
    again = numnet.models.load_model(tmp_path / "k.keras")
    assert np.array_equal(again.predict(x, verbose=0), nmodel.predict(x, verbose=0), equal_nan=True)


def test_keras_ops_computing_a_value_in_the_graph_are_still_refused(tmp_path):
    i = keras.Input((None,), dtype="int32")
    e = keras.layers.Embedding(50, 4, mask_zero=True)(i)
    h = keras.layers.LSTM(3)(e)
    kmodel = keras.Model(i, keras.ops.concatenate([h, keras.ops.add(h, 1.0)], axis=-1))
    kmodel.save(tmp_path / "k.keras")
    assert {"NotEqual", "Add", "Concatenate"} <= _op_nodes(tmp_path / "k.keras")
    with pytest.raises(ValueError, match=r"'keras\.src\.ops\.numpy\.(Add|Concatenate)' is not supported by numnet"):
        numnet.models.load_model(tmp_path / "k.keras")


def test_explicit_keras_ops_mask_numnet_does_not_compute_is_refused(tmp_path):
    i = keras.Input((None, 3))
    flag = keras.Input((None,), dtype="int32")
    kmodel = keras.Model([i, flag], keras.layers.LSTM(3)(i, mask=keras.ops.not_equal(flag, 0)))
    kmodel.save(tmp_path / "k.keras")
    with pytest.raises(ValueError, match=r"layer 'lstm\w*' \(call 0\) mask= computed with keras\.ops"):
        numnet.models.load_model(tmp_path / "k.keras")
