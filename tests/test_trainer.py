"""compile / fit / evaluate / predict: real learning, exact bookkeeping, bad input."""
import math

import numpy as np
import pytest

import numnet
from numnet import callbacks, losses, metrics, optimizers
from numnet.layers import Dense, Input
from numnet.models import Model, Sequential
from numnet.trainers import compile_utils
from numnet.trainers.data_adapters import ArrayDataAdapter
from numnet.utils import set_random_seed
from numnet.utils.py_dataset import PyDataset



def assert_history_close(history, reference, rel=1e-6):
    """Same keys, and each per-epoch list equal within `rel`."""
    assert sorted(history) == sorted(reference)
    for key in reference:
        assert history[key] == pytest.approx(reference[key], rel=rel), key

def mlp(inputs=2, hidden=8, outputs=1, activation="tanh", out_activation=None, **kw):
    return Sequential([Input((inputs,)), Dense(hidden, activation=activation), Dense(outputs, activation=out_activation, **kw)])


def blobs(n=600, seed=0):
    rng = np.random.default_rng(seed)
    centers = np.array([[0.0, 3.0], [3.0, -2.0], [-3.0, -2.0]], dtype=np.float32)
    y = rng.integers(0, 3, size=n)
    x = (centers[y] + rng.normal(scale=0.9, size=(n, 2))).astype(np.float32)
    return x, y.astype(np.int64)


# ----- real learning ---------------------------------------------------------------------------
def test_xor_is_learned_by_a_two_layer_net():
    set_random_seed(0)
    x = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float32)
    y = np.array([[0], [1], [1], [0]], dtype=np.float32)
    model = mlp(2, 8, 1, "tanh", "sigmoid")
    model.compile(optimizers.Adam(learning_rate=0.05), "binary_crossentropy", ["accuracy"])
    history = model.fit(x, y, batch_size=4, epochs=400, verbose=0)
    assert history.history["loss"][-1] < 0.05 < history.history["loss"][0]
    assert history.history["accuracy"][-1] == 1.0
    np.testing.assert_array_equal(np.round(model.predict(x, verbose=0)), y)


def test_linear_regression_recovers_the_coefficients():
    set_random_seed(1)
    rng = np.random.default_rng(1)
    x = rng.normal(size=(512, 3)).astype(np.float32)
    w = np.array([[1.5], [-2.0], [0.5]], dtype=np.float32)
    y = x @ w + 0.3
    model = Sequential([Input((3,)), Dense(1)])
    model.compile(optimizer=optimizers.SGD(learning_rate=0.1), loss="mse")
    model.fit(x, y, batch_size=32, epochs=30, verbose=0)
    kernel, bias = model.get_weights()
    np.testing.assert_allclose(kernel, w, atol=1e-2)
    np.testing.assert_allclose(bias, [0.3], atol=1e-2)


def test_mlp_reaches_95_percent_on_held_out_blobs():
    set_random_seed(2)
    x, y = blobs(900)
    model = mlp(2, 16, 3, "relu", "softmax")
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(x[:600], y[:600], batch_size=32, epochs=15, verbose=0)
    loss, acc = model.evaluate(x[600:], y[600:], verbose=0)
    assert acc >= 0.95
    assert acc == pytest.approx(np.mean(np.argmax(model.predict(x[600:], verbose=0), -1) == y[600:]))


# ----- history and bookkeeping -----------------------------------------------------------------
def test_history_keys_lengths_epoch_and_params():
    set_random_seed(3)
    x, y = blobs(200)
    model = mlp(2, 8, 3, "relu", "softmax")
    model.compile("adam", "sparse_categorical_crossentropy", ["accuracy"])
    history = model.fit(x, y, batch_size=16, epochs=4, validation_split=0.25, verbose=0)
    assert list(history.history) == ["loss", "accuracy", "val_loss", "val_accuracy"]
    assert all(len(v) == 4 for v in history.history.values())
    assert history.epoch == [0, 1, 2, 3]
    assert history.params == {"verbose": 0, "epochs": 4, "steps": math.ceil(150 / 16)}
    assert model.history is history
    assert model.metrics_names == ["loss", "accuracy"]


def test_validation_freq_and_initial_epoch():
    set_random_seed(3)
    x, y = blobs(64)
    model = mlp(2, 4, 3, "relu", "softmax")
    model.compile("sgd", "sparse_categorical_crossentropy")
    history = model.fit(x, y, epochs=5, initial_epoch=1, validation_data=(x, y), validation_freq=2, verbose=0)
    assert history.epoch == [1, 2, 3, 4]
    assert len(history.history["loss"]) == 4
    assert len(history.history["val_loss"]) == 2  # after epochs 2 and 4 (1-based)


def test_validation_split_takes_the_last_samples_before_shuffling():
    set_random_seed(4)
    rng = np.random.default_rng(4)
    x = rng.normal(size=(100, 3)).astype(np.float32)
    y = rng.normal(size=(100, 1)).astype(np.float32)
    model = Sequential([Input((3,)), Dense(1)])
    model.compile(optimizers.SGD(0.05), "mse")
    seen = []
    spy = callbacks.LambdaCallback(on_train_batch_begin=lambda b, logs: seen.append(b))
    history = model.fit(x, y, batch_size=10, epochs=1, validation_split=0.3, shuffle=True, verbose=0, callbacks=[spy])
    assert len(seen) == 7  # 70 training samples
    last = model.evaluate(x[70:], y[70:], verbose=0)
    assert history.history["val_loss"][0] == pytest.approx(last, rel=1e-6)
    first = model.evaluate(x[:30], y[:30], verbose=0)
    assert history.history["val_loss"][0] != pytest.approx(first, rel=1e-3)


def test_shuffling_is_reproducible_under_a_seed():
    x = np.arange(50, dtype=np.float32)[:, None]
    def order(seed, shuffle=True):
        set_random_seed(seed)
        adapter = ArrayDataAdapter(x, x, batch_size=8, shuffle=shuffle)
        return [np.concatenate([b[0][:, 0] for _, b in adapter.epoch()]) for _ in range(2)]
    a, b = order(7), order(7)
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])
    assert not np.array_equal(a[0], a[1])  # a new permutation each epoch
    assert sorted(a[0]) == list(range(50)) and not np.array_equal(a[0], np.arange(50))
    assert not np.array_equal(order(8)[0], a[0])
    np.testing.assert_array_equal(order(7, shuffle=False)[0], np.arange(50))

    def trained(seed):
        set_random_seed(seed)
        xs, ys = blobs(96, seed=1)
        model = mlp(2, 4, 3, "relu", "softmax")
        model.compile("adam", "sparse_categorical_crossentropy")
        model.fit(xs, ys, batch_size=8, epochs=2, verbose=0)
        return model.get_weights()
    for u, v in zip(trained(5), trained(5)):
        np.testing.assert_array_equal(u, v)


def test_unshuffled_batches_are_views_not_copies():
    x = np.arange(40, dtype=np.float32).reshape(20, 2)
    adapter = ArrayDataAdapter(x, x[:, :1], batch_size=8, shuffle=False)
    batches = [b for _, b in adapter.epoch()]
    assert np.shares_memory(batches[0][0], x)
    assert [len(b[0]) for b in batches] == [8, 8, 4]


def test_loss_is_the_batch_size_weighted_mean_and_metrics_are_exact():
    set_random_seed(5)
    x, y = blobs(1000)
    model = mlp(2, 8, 3, "relu", "softmax")
    model.compile("adam", "sparse_categorical_crossentropy", ["accuracy"])
    model.fit(x[:200], y[:200], epochs=1, verbose=0)
    loss, acc = model.evaluate(x, y, batch_size=128, verbose=0)  # 7 full batches + 1 of 104
    probs = model.predict(x, batch_size=1000, verbose=0).astype(np.float64)
    expected_loss = -np.mean(np.log(np.clip(probs[np.arange(1000), y], 1e-7, 1 - 1e-7)))
    assert loss == pytest.approx(expected_loss, rel=1e-5)
    assert acc == pytest.approx(np.mean(probs.argmax(-1) == y), abs=1e-7)


def test_custom_loop_reaches_the_same_weights_as_fit():
    rng = np.random.default_rng(6)
    x = rng.normal(size=(64, 3)).astype(np.float32)
    y = rng.normal(size=(64, 2)).astype(np.float32)

    set_random_seed(11)
    fitted = mlp(3, 5, 2)
    fitted.compile(optimizers.SGD(learning_rate=0.05, momentum=0.9), "mse")
    fitted.fit(x, y, batch_size=16, epochs=3, shuffle=False, verbose=0)

    set_random_seed(11)
    model = mlp(3, 5, 2)
    optimizer = optimizers.SGD(learning_rate=0.05, momentum=0.9)
    optimizer.build(model.trainable_weights)
    loss_fn = losses.MeanSquaredError()
    for _ in range(3):
        for start in range(0, 64, 16):
            loss = loss_fn(y[start:start + 16], model(x[start:start + 16], training=True))
            loss.backward()
            optimizer.step()
            optimizer.zero_grad()
    for a, b in zip(fitted.get_weights(), model.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_custom_loop_with_shuffling_dropout_and_apply_gradients_equals_fit():
    """fit draws each epoch's permutation, then the Dropout masks, from the global generator:
    a hand-written loop making the same draws in the same order lands on the same weights."""
    from numnet.layers import Dropout
    from numnet.utils.random import global_rng

    x, y = blobs(100, seed=4)

    def model_fn():
        return Sequential([Input((2,)), Dense(16, activation="relu"), Dropout(0.3), Dense(3)])

    loss_fn = losses.SparseCategoricalCrossentropy(from_logits=True)
    set_random_seed(12)
    fitted = model_fn()
    fitted.compile(optimizers.Adam(learning_rate=0.01), loss_fn)
    history = fitted.fit(x, y, batch_size=16, epochs=3, verbose=0)

    set_random_seed(12)
    model = model_fn()
    optimizer = optimizers.Adam(learning_rate=0.01)
    variables = model.trainable_weights
    epoch_losses = []
    for _ in range(3):
        order = global_rng().permutation(len(x))
        total = 0.0
        for start in range(0, len(x), 16):
            rows = order[start:start + 16]
            loss = loss_fn(y[rows], model(x[rows], training=True))
            loss.backward()
            optimizer.apply_gradients(zip([v.grad for v in variables], variables))
            for v in variables:
                v.grad = None
            total += float(loss.data) * len(rows)
        epoch_losses.append(total / len(x))
    assert history.history["loss"] == pytest.approx(epoch_losses, rel=1e-6)
    assert history.history["loss"][-1] < 0.5 * history.history["loss"][0]
    for a, b in zip(fitted.get_weights(), model.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_regularization_and_add_loss_are_in_the_training_loss():
    set_random_seed(7)
    x = np.ones((8, 2), np.float32)
    y = np.zeros((8, 1), np.float32)
    model = Sequential([Input((2,)), Dense(1, kernel_regularizer="l2", kernel_initializer="ones")])
    model.compile(optimizers.SGD(learning_rate=0.0), "mse")
    history = model.fit(x, y, batch_size=4, epochs=1, verbose=0)
    pred = model.predict(x, verbose=0)
    expected = np.mean(pred ** 2) + 0.01 * np.sum(model.get_weights()[0] ** 2)
    assert history.history["loss"][0] == pytest.approx(expected, rel=1e-6)

    class ActivityPenalty(numnet.layers.Layer):
        def call(self, inputs):
            self.add_loss(0.5 * (inputs ** 2).mean())
            return inputs

    model = Sequential([Input((2,)), Dense(1, kernel_regularizer="l2", kernel_initializer="ones"), ActivityPenalty()])
    model.compile(optimizers.SGD(learning_rate=0.0), "mse")
    history = model.fit(x, y, batch_size=4, epochs=1, verbose=0)
    pred = model.predict(x, verbose=0)
    expected = 1.5 * np.mean(pred ** 2) + 0.01 * np.sum(model.get_weights()[0] ** 2)
    assert history.history["loss"][0] == pytest.approx(expected, rel=1e-6)
    assert model.evaluate(x, y, verbose=0) == pytest.approx(expected, rel=1e-6)
    # with no compiled loss, fit minimises the add_loss and regularization terms alone
    model.compile(optimizers.SGD(learning_rate=0.1), loss=None)
    history = model.fit(x, y, batch_size=4, epochs=5, verbose=0)
    assert history.history["loss"][-1] < 0.1 * history.history["loss"][0]


def test_class_weight_and_sample_weight_weight_the_loss_but_not_plain_metrics():
    set_random_seed(8)
    x, y = blobs(64)
    model = mlp(2, 4, 3, "relu", "softmax")
    model.compile(optimizers.SGD(learning_rate=0.0), "sparse_categorical_crossentropy",
                  metrics=["accuracy"], weighted_metrics=["accuracy"])
    probs = model.predict(x, verbose=0).astype(np.float64)
    per_sample = -np.log(np.clip(probs[np.arange(64), y], 1e-7, 1))
    correct = probs.argmax(-1) == y
    cw = {0: 0.0, 1: 2.0, 2: 1.0}
    w = np.array([cw[c] for c in y])
    h = model.fit(x, y, batch_size=64, epochs=1, class_weight=cw, verbose=0).history
    assert h["loss"][0] == pytest.approx(np.mean(per_sample * w), rel=1e-5)
    assert h["accuracy"][0] == pytest.approx(correct.mean())
    assert h["weighted_accuracy"][0] == pytest.approx((correct * w).sum() / w.sum(), rel=1e-6)
    sw = np.linspace(0, 1, 64).astype(np.float32)
    h = model.fit(x, y, batch_size=64, epochs=1, sample_weight=sw, verbose=0).history
    assert h["loss"][0] == pytest.approx(np.mean(per_sample * sw), rel=1e-5)
    with pytest.raises(ValueError, match="class_weight.*sample_weight"):
        model.fit(x, y, class_weight=cw, sample_weight=sw, verbose=0)


def test_accuracy_string_resolves_by_shapes_and_keeps_the_users_name():
    ones = np.zeros((4, 1))
    assert isinstance(compile_utils.get_metric("acc", ones, np.zeros((4, 1))), metrics.BinaryAccuracy)
    assert isinstance(compile_utils.get_metric("accuracy", np.zeros(4), np.zeros((4, 3))),
                      metrics.SparseCategoricalAccuracy)
    assert isinstance(compile_utils.get_metric("accuracy", ones, np.zeros((4, 3))), metrics.SparseCategoricalAccuracy)
    m = compile_utils.get_metric("acc", np.zeros((4, 3)), np.zeros((4, 3)))
    assert isinstance(m, metrics.CategoricalAccuracy) and m.name == "acc"
    set_random_seed(0)
    x, y = blobs(32)
    model = mlp(2, 4, 3, "relu", "softmax")
    model.compile("adam", "categorical_crossentropy", metrics=["acc"])
    onehot = np.eye(3, dtype=np.float32)[y]
    assert list(model.fit(x, onehot, epochs=1, verbose=0).history) == ["loss", "acc"]


def test_evaluate_return_forms():
    set_random_seed(0)
    x, y = blobs(40)
    model = mlp(2, 4, 3, "relu", "softmax")
    model.compile("adam", "sparse_categorical_crossentropy")
    assert isinstance(model.evaluate(x, y, verbose=0), float)
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    values = model.evaluate(x, y, verbose=0)
    assert isinstance(values, list) and len(values) == 2
    assert model.evaluate(x, y, verbose=0, return_dict=True) == dict(zip(["loss", "accuracy"], values))


def test_predict_runs_without_a_graph_and_concatenates_batches():
    modes = []

    class Probe(Model):
        def __init__(self):
            super().__init__()
            self.dense = Dense(3)

        def call(self, x, training=None):
            modes.append(numnet.is_grad_enabled())
            return self.dense(x)

    model = Probe()
    out = model.predict(np.ones((70, 2), np.float32), batch_size=32, verbose=0)
    assert isinstance(out, np.ndarray) and out.shape == (70, 3) and out.dtype == np.float32
    assert modes and not any(modes)
    one = model.predict_on_batch(np.ones((5, 2), np.float32))
    assert isinstance(one, np.ndarray) and one.shape == (5, 3)


def test_train_test_on_batch_and_stop_training():
    set_random_seed(0)
    x, y = blobs(64)
    model = mlp(2, 4, 3, "relu", "softmax")
    model.compile("adam", "sparse_categorical_crossentropy", ["accuracy"])
    before = model.get_weights()
    loss, acc = model.train_on_batch(x[:16], y[:16])
    assert not np.array_equal(before[0], model.get_weights()[0])
    model.reset_metrics()
    logs = model.test_on_batch(x, y, return_dict=True)
    assert set(logs) == {"loss", "accuracy"}
    assert logs["loss"] == pytest.approx(model.evaluate(x, y, verbose=0, batch_size=64)[0], rel=1e-6)

    calls = []

    class Stop(callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            calls.append(batch)
            if batch == 2:
                self.model.stop_training = True
    history = model.fit(x, y, batch_size=8, epochs=5, callbacks=[Stop()], verbose=0)
    assert calls == [0, 1, 2] and len(history.epoch) == 1


def test_multi_input_multi_output_with_dict_losses():
    class TwoHeads(Model):
        def __init__(self):
            super().__init__()
            self.a = Dense(8, activation="relu")
            self.b = Dense(8, activation="relu")
            self.reg = Dense(1)
            self.cls = Dense(3, activation="softmax")

        def call(self, inputs, training=None):
            h = self.a(inputs[0]) + self.b(inputs[1])
            return {"reg": self.reg(h), "cls": self.cls(h)}

    set_random_seed(9)
    rng = np.random.default_rng(9)
    xa = rng.normal(size=(256, 4)).astype(np.float32)
    xb = rng.normal(size=(256, 3)).astype(np.float32)
    y_reg = (xa[:, :1] - xb[:, :1]).astype(np.float32)
    y_cls = (xa[:, 0] > 0).astype(np.int64) + (xb[:, 0] > 0)
    model = TwoHeads()
    model.compile(optimizers.Adam(0.01), loss={"reg": "mse", "cls": "sparse_categorical_crossentropy"},
                  loss_weights={"reg": 1.0, "cls": 0.5}, metrics={"cls": ["accuracy"]})
    history = model.fit([xa, xb], {"reg": y_reg, "cls": y_cls}, batch_size=32, epochs=20, verbose=0)
    assert list(history.history) == ["loss", "reg_loss", "cls_loss", "cls_accuracy"]
    assert history.history["loss"][-1] < 0.5 * history.history["loss"][0]
    logs = model.evaluate([xa, xb], {"reg": y_reg, "cls": y_cls}, verbose=0, return_dict=True)
    assert logs["loss"] == pytest.approx(logs["reg_loss"] + 0.5 * logs["cls_loss"], rel=1e-5)
    assert logs["cls_accuracy"] > 0.85
    out = model.predict([xa, xb], verbose=0)
    assert set(out) == {"reg", "cls"} and out["cls"].shape == (256, 3)
    with pytest.raises(ValueError, match="do not correspond to any model output"):
        model.compile("adam", loss={"nope": "mse"})
        model.fit([xa, xb], {"reg": y_reg, "cls": y_cls}, verbose=0)


def test_generator_and_pydataset_inputs():
    x, y = blobs(256, seed=3)

    def batches():
        while True:
            for i in range(0, 256, 32):
                yield x[i:i + 32], y[i:i + 32]

    set_random_seed(10)
    model = mlp(2, 8, 3, "relu", "softmax")
    model.compile("adam", "sparse_categorical_crossentropy", ["accuracy"])
    h = model.fit(batches(), steps_per_epoch=8, epochs=10, verbose=0).history
    assert h["loss"][-1] < h["loss"][0] and h["accuracy"][-1] > 0.9
    assert model.history.params["steps"] == 8

    class Data(PyDataset):
        def __init__(self):
            super().__init__()
            self.ends = 0

        def __len__(self):
            return 8

        def __getitem__(self, i):
            return x[i * 32:(i + 1) * 32], y[i * 32:(i + 1) * 32]

        def on_epoch_end(self):
            self.ends += 1

    data = Data()
    set_random_seed(10)
    model = mlp(2, 8, 3, "relu", "softmax")
    model.compile("adam", "sparse_categorical_crossentropy", ["accuracy"])
    h = model.fit(data, epochs=10, verbose=0, validation_data=Data()).history
    assert data.ends == 10 and h["val_accuracy"][-1] > 0.9
    assert model.evaluate(Data(), verbose=0, return_dict=True)["accuracy"] == pytest.approx(h["val_accuracy"][-1])
    assert model.predict(Data(), verbose=0).shape == (256, 3)
    # a finite re-iterable (list of batches) restarts each epoch
    h = model.fit(iter_list(x, y), epochs=2, verbose=0).history
    assert len(h["loss"]) == 2


class iter_list:
    """A re-iterable of (x, y) batches with a length."""

    def __init__(self, x, y):
        self.x, self.y = x, y

    def __iter__(self):
        for i in range(0, len(self.x), 64):
            yield self.x[i:i + 64], self.y[i:i + 64]


def test_compile_config_round_trip():
    model = mlp(2, 4, 3, "relu", "softmax")
    model.compile(optimizers.Adam(learning_rate=0.003), losses.SparseCategoricalCrossentropy(), metrics=["accuracy"])
    config = model.get_compile_config()
    other = mlp(2, 4, 3, "relu", "softmax")
    other.compile_from_config(config)
    assert isinstance(other.optimizer, optimizers.Adam)
    assert float(other.optimizer.learning_rate) == pytest.approx(0.003)
    x, y = blobs(32)
    assert list(other.fit(x, y, epochs=1, verbose=0).history) == ["loss", "accuracy"]
    assert mlp().get_compile_config() is None


# ----- bad input -------------------------------------------------------------------------------
def test_fit_evaluate_before_compile_raise_runtime_error():
    model = mlp()
    with pytest.raises(RuntimeError, match=r"compile\(\)"):
        model.fit(np.zeros((4, 2)), np.zeros((4, 1)), verbose=0)
    with pytest.raises(RuntimeError, match=r"compile\(\)"):
        model.evaluate(np.zeros((4, 2)), np.zeros((4, 1)), verbose=0)
    assert model.predict(np.zeros((4, 2)), verbose=0).shape == (4, 1)  # predict needs no compile


def test_x_and_y_of_different_lengths():
    model = mlp()
    model.compile("sgd", "mse")
    with pytest.raises(ValueError, match="x has 10 samples but y has 9"):
        model.fit(np.zeros((10, 2)), np.zeros((9, 1)), verbose=0)


def test_sparse_labels_out_of_range_raise_before_training():
    set_random_seed(0)
    model = mlp(2, 4, 3, "relu", "softmax")
    model.compile("adam", "sparse_categorical_crossentropy")
    x, y = blobs(64)
    y = y.copy()
    y[-1] = 3
    model.build((None, 2))
    before = model.get_weights()
    with pytest.raises(ValueError, match=r"\[0, 3\)"):
        model.fit(x, y, batch_size=8, verbose=0)
    for a, b in zip(before, model.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_nan_in_x_is_a_clear_error():
    model = mlp()
    model.compile("sgd", "mse")
    x = np.zeros((10, 2), np.float32)
    x[3, 1] = np.nan
    with pytest.raises(ValueError, match=r"x contains NaN.*\(3, 1\)"):
        model.fit(x, np.zeros((10, 1)), verbose=0)


@pytest.mark.parametrize("kwargs, name", [
    ({"optimizer": "adamm", "loss": "mse"}, "adam"),
    ({"optimizer": "sgd", "loss": "msee"}, "mean_squared_error"),
    ({"optimizer": "sgd", "loss": "mse", "metrics": ["acuracy"]}, "accuracy"),
])
def test_unknown_names_list_the_valid_ones(kwargs, name):
    model = mlp()
    with pytest.raises(ValueError, match=name):
        model.compile(**kwargs)
    assert not model.compiled


@pytest.mark.parametrize("split", [-0.1, 1.0, 1.5])
def test_validation_split_outside_0_1(split):
    model = mlp()
    model.compile("sgd", "mse")
    with pytest.raises(ValueError, match=r"validation_split must be a float in \[0, 1\)"):
        model.fit(np.zeros((10, 2)), np.zeros((10, 1)), validation_split=split, verbose=0)


def test_generator_running_out_of_data_warns_and_stops():
    model = mlp()
    model.compile("sgd", "mse")
    gen = ((np.zeros((4, 2), np.float32), np.zeros((4, 1), np.float32)) for _ in range(3))
    with pytest.warns(UserWarning, match="ran out of data"):
        history = model.fit(gen, epochs=3, steps_per_epoch=2, verbose=0)
    assert len(history.epoch) == 2  # the second epoch got 1 batch, then training stopped


def test_missing_targets_and_bad_validation_data_name_the_argument_and_change_nothing():
    set_random_seed(0)
    model = mlp(2, 4, 3, "relu", "softmax")
    model.compile("adam", "sparse_categorical_crossentropy")
    x, y = blobs(32)
    model.fit(x, y, epochs=1, verbose=0)
    before = model.get_weights()
    iterations = model.optimizer.iterations
    with pytest.raises(ValueError, match=r"No target \(y\) was given for output"):
        model.fit(x, epochs=1, verbose=0)
    with pytest.raises(ValueError, match="validation_data: .*x has 32 samples but y has 31"):
        model.fit(x, y, validation_data=(x, y[:-1]), verbose=0)
    with pytest.raises(TypeError, match="expected a list of Callback instances, got a single EarlyStopping"):
        model.fit(x, y, callbacks=callbacks.EarlyStopping(), verbose=0)
    for a, b in zip(before, model.get_weights()):
        np.testing.assert_array_equal(a, b)
    assert model.optimizer.iterations == iterations


def test_steps_per_epoch_on_arrays_continues_and_cuts_the_epoch_at_the_end_of_the_data():
    """Keras 3: the next epoch continues where the last one stopped; a pass over the data that
    ends within an epoch ends that epoch early with a warning (10 batches, 4 steps: 4, 4, 2, 4, 4)."""
    x = np.random.default_rng(0).normal(size=(40, 2)).astype(np.float32)
    model = Sequential([Input((2,)), Dense(1)])
    model.compile("sgd", "mse")
    seen = []
    spy = callbacks.LambdaCallback(on_epoch_end=lambda e, logs: seen.append(model.optimizer.iterations))
    with pytest.warns(UserWarning, match="ran out of data"):
        history = model.fit(x, x[:, :1], batch_size=4, steps_per_epoch=4, epochs=5, verbose=0, callbacks=[spy])
    assert history.epoch == [0, 1, 2, 3, 4] and seen == [4, 8, 10, 14, 18]
    seen.clear()
    with pytest.warns(UserWarning, match="ran out of data"):
        model.fit(x, x[:, :1], batch_size=4, steps_per_epoch=15, epochs=2, verbose=0, callbacks=[spy])
    assert seen == [28, 38]


def test_validation_steps_and_validation_batch_size():
    set_random_seed(0)
    x, y = blobs(64)
    model = mlp(2, 4, 3, "relu", "softmax")
    model.compile(optimizers.SGD(0.0), "sparse_categorical_crossentropy", ["accuracy"])
    sizes = []
    spy = callbacks.LambdaCallback(on_test_batch_begin=lambda b, logs: sizes.append(b))
    h = model.fit(x, y, epochs=1, batch_size=16, validation_data=(x, y), validation_steps=2,
                  validation_batch_size=8, verbose=0, callbacks=[spy]).history
    assert sizes == [0, 1]
    loss, acc = model.evaluate(x[:16], y[:16], verbose=0)
    assert h["val_loss"][0] == pytest.approx(loss, rel=1e-6) and h["val_accuracy"][0] == pytest.approx(acc)


def test_shuffle_batch_permutes_whole_batches():
    set_random_seed(3)
    x = np.arange(20, dtype=np.float32)[:, None]
    adapter = ArrayDataAdapter(x, x, batch_size=4, shuffle="batch")
    batches = [b[0][:, 0] for _, b in adapter.epoch()]
    assert all(np.array_equal(b, np.arange(b[0], b[0] + 4)) and b[0] % 4 == 0 for b in batches)
    assert sorted(b[0] for b in batches) == [0, 4, 8, 12, 16] and [b[0] for b in batches] != [0, 4, 8, 12, 16]


def test_generator_and_pydataset_batches_with_sample_weights_equal_arrays():
    x, y = blobs(96, seed=5)
    sw = np.linspace(0.1, 1.0, 96).astype(np.float32)

    class Weighted(PyDataset):
        def __len__(self):
            return 3

        def __getitem__(self, i):
            return x[i * 32:(i + 1) * 32], y[i * 32:(i + 1) * 32], sw[i * 32:(i + 1) * 32]

    def run(data, **kwargs):
        set_random_seed(1)
        model = mlp(2, 4, 3, "relu", "softmax")
        model.compile("adam", "sparse_categorical_crossentropy", ["accuracy"], weighted_metrics=["accuracy"])
        history = model.fit(data, epochs=1, verbose=0, shuffle=False, **kwargs).history
        return history, model.get_weights()

    reference, weights = run(x, y=y, sample_weight=sw, batch_size=32)
    assert reference["weighted_accuracy"][0] != pytest.approx(reference["accuracy"][0])
    for data in (((x[i:i + 32], y[i:i + 32], sw[i:i + 32]) for i in range(0, 96, 32)), Weighted()):
        history, other = run(data)
        assert_history_close(history, reference)
        for a, b in zip(weights, other):
            np.testing.assert_allclose(a, b, rtol=1e-6)
    cw = {0: 2.0, 1: 0.5, 2: 1.0}
    reference, _ = run(x, y=y, class_weight=cw, batch_size=32)
    history, _ = run(((x[i:i + 32], y[i:i + 32]) for i in range(0, 96, 32)), class_weight=cw)
    assert_history_close(history, reference)
