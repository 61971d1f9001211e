"""Callbacks: hooks, History, EarlyStopping, ModelCheckpoint, LR callbacks, CSVLogger, TerminateOnNaN."""
import csv
import inspect
import os
import warnings

import numpy as np
import pytest

from numnet import callbacks, optimizers
from numnet.layers import Dense, Input
from numnet.models import Sequential
from numnet.utils import set_random_seed


def regression(n=64, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 3)).astype(np.float32)
    return x, (x @ np.array([[1.0], [-1.0], [2.0]], np.float32)).astype(np.float32)


def small_model(lr=0.01):
    set_random_seed(0)
    model = Sequential([Input((3,)), Dense(4, activation="tanh"), Dense(1)])
    model.compile(optimizers.SGD(learning_rate=lr), "mse")
    return model


def scripted(key, values):
    """A callback writing values[epoch] into the epoch logs under `key` (runs before the others)."""
    return callbacks.LambdaCallback(on_epoch_end=lambda epoch, logs: logs.__setitem__(key, values[epoch]))


class WeightRecorder(callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.weights = []

    def on_epoch_end(self, epoch, logs=None):
        self.weights.append(self.model.get_weights())


class Recorder(callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.events = []

    def _log(self, name, *args):
        self.events.append(name)

    def on_train_begin(self, logs=None): self._log("train_begin")
    def on_train_end(self, logs=None): self._log("train_end")
    def on_epoch_begin(self, epoch, logs=None): self._log(f"epoch_begin{epoch}")
    def on_epoch_end(self, epoch, logs=None): self._log(f"epoch_end{epoch}:{','.join(sorted(logs))}")
    def on_train_batch_begin(self, batch, logs=None): self._log(f"train_batch_begin{batch}")
    def on_train_batch_end(self, batch, logs=None): self._log(f"train_batch_end{batch}:{','.join(sorted(logs))}")
    def on_test_begin(self, logs=None): self._log("test_begin")
    def on_test_end(self, logs=None): self._log("test_end")
    def on_test_batch_begin(self, batch, logs=None): self._log(f"test_batch_begin{batch}")
    def on_test_batch_end(self, batch, logs=None): self._log(f"test_batch_end{batch}")
    def on_predict_begin(self, logs=None): self._log("predict_begin")
    def on_predict_end(self, logs=None): self._log("predict_end")
    def on_predict_batch_begin(self, batch, logs=None): self._log(f"predict_batch_begin{batch}")
    def on_predict_batch_end(self, batch, logs=None): self._log(f"predict_batch_end{batch}:{sorted(logs)}")


def test_every_hook_is_called_in_order_with_model_and_params():
    x, y = regression(8)
    model = small_model()
    rec = Recorder()
    model.fit(x, y, batch_size=4, epochs=1, validation_data=(x, y), callbacks=[rec], verbose=0)
    assert rec.model is model and rec.params == {"verbose": 0, "epochs": 1, "steps": 2}
    assert rec.events == [
        "train_begin", "epoch_begin0", "train_batch_begin0", "train_batch_end0:loss", "train_batch_begin1",
        "train_batch_end1:loss", "test_begin", "test_batch_begin0", "test_batch_end0", "test_batch_begin1",
        "test_batch_end1", "test_end", "epoch_end0:loss,val_loss", "train_end",
    ]
    rec.events.clear()
    model.evaluate(x, y, batch_size=8, callbacks=[rec], verbose=0)
    assert rec.events == ["test_begin", "test_batch_begin0", "test_batch_end0", "test_end"]
    rec.events.clear()
    model.predict(x, batch_size=8, callbacks=[rec], verbose=0)
    assert rec.events == ["predict_begin", "predict_batch_begin0", "predict_batch_end0:['outputs']", "predict_end"]


def test_keras2_batch_aliases_and_lambda_callback():
    x, y = regression(8)
    seen = []

    class Old(callbacks.Callback):
        def on_batch_end(self, batch, logs=None):
            seen.append(("old", batch))

    lam = callbacks.LambdaCallback(on_train_begin=lambda logs: seen.append("begin"),
                                   on_batch_begin=lambda batch, logs: seen.append(("lam", batch)),
                                   on_predict_end=lambda logs: seen.append("pend"))
    model = small_model()
    model.fit(x, y, batch_size=4, epochs=1, callbacks=[Old(), lam], verbose=0)
    model.predict(x, callbacks=[lam], verbose=0)
    assert seen == ["begin", ("lam", 0), ("old", 0), ("lam", 1), ("old", 1), "pend"]
    with pytest.raises(TypeError, match="unknown hook"):
        callbacks.LambdaCallback(on_epoch_middle=print)
    with pytest.raises(TypeError, match="Callback instances"):
        small_model().fit(x, y, callbacks=[print], verbose=0)


def test_callback_list_skips_batch_hooks_nobody_overrides():
    cbl = callbacks.CallbackList([callbacks.History(), callbacks.EarlyStopping()])
    assert cbl._train_batch_end == [] and not cbl.needs_train_batch_logs
    cbl = callbacks.CallbackList([callbacks.TerminateOnNaN()], add_history=True)
    assert cbl.needs_train_batch_logs and isinstance(cbl.callbacks[-1], callbacks.History)


# ----- EarlyStopping ---------------------------------------------------------------------------
def test_early_stopping_stops_at_the_right_epoch_and_restores_the_best_weights(capsys):
    x, y = regression()
    model = small_model()
    rec = WeightRecorder()
    stop = callbacks.EarlyStopping(monitor="score", mode="min", patience=2, restore_best_weights=True, verbose=1)
    history = model.fit(x, y, epochs=10, verbose=0,
                        callbacks=[scripted("score", [1.0, 0.8, 0.9, 0.85, 0.7, 0.6]), rec, stop])
    assert history.epoch == [0, 1, 2, 3] and stop.stopped_epoch == 3 and stop.best_epoch == 1
    assert capsys.readouterr().out.splitlines() == [
        "Epoch 4: early stopping", "Restoring model weights from the end of the best epoch: 2."]
    for a, b in zip(model.get_weights(), rec.weights[1]):
        np.testing.assert_array_equal(a, b)
    assert not np.array_equal(rec.weights[3][0], rec.weights[1][0])


def test_early_stopping_restores_best_weights_when_training_ends_normally():
    x, y = regression()
    model = small_model()
    rec = WeightRecorder()
    stop = callbacks.EarlyStopping(monitor="score", patience=10, restore_best_weights=True, mode="max")
    model.fit(x, y, epochs=4, verbose=0, callbacks=[scripted("score", [0.1, 0.9, 0.5, 0.4]), rec, stop])
    assert stop.stopped_epoch == 0
    for a, b in zip(model.get_weights(), rec.weights[1]):
        np.testing.assert_array_equal(a, b)


def test_early_stopping_min_delta_baseline_and_start_from_epoch():
    x, y = regression()
    stop = callbacks.EarlyStopping(monitor="val_loss", min_delta=0.1, patience=1)
    h = small_model().fit(x, y, epochs=10, verbose=0, callbacks=[scripted("val_loss", [1.0, 0.95, 0.5, 0.45, 0.44]), stop])
    assert h.epoch == [0, 1]  # 0.95 is not 0.1 better than 1.0
    seq = [0.9, 0.8, 0.85, 0.9, 0.95, 1.0]
    stop = callbacks.EarlyStopping(monitor="val_loss", baseline=0.5, patience=2)
    h = small_model().fit(x, y, epochs=6, verbose=0, callbacks=[scripted("val_loss", seq), stop])
    assert h.epoch == [0, 1, 2]  # improvements that do not beat the baseline do not reset the wait
    stop = callbacks.EarlyStopping(monitor="val_loss", patience=2)
    h = small_model().fit(x, y, epochs=6, verbose=0, callbacks=[scripted("val_loss", seq), stop])
    assert h.epoch == [0, 1, 2, 3]
    stop = callbacks.EarlyStopping(monitor="val_loss", patience=0, start_from_epoch=3)
    h = small_model().fit(x, y, epochs=10, verbose=0, callbacks=[scripted("val_loss", [1, 2, 3, 4, 5, 6]), stop])
    assert h.epoch == [0, 1, 2, 3, 4]


def test_monitor_mode_auto_and_unknown_keys():
    x, y = regression()
    # accuracy-like -> max
    stop = callbacks.EarlyStopping(monitor="val_accuracy", patience=0)
    h = small_model().fit(x, y, epochs=5, verbose=0, callbacks=[scripted("val_accuracy", [0.5, 0.6, 0.55, 0.7, 0.8]), stop])
    assert h.epoch == [0, 1, 2]
    with pytest.raises(ValueError, match="maximized or minimized"):
        small_model().fit(x, y, epochs=2, verbose=0, callbacks=[callbacks.EarlyStopping(monitor="zorglub")])
    with pytest.warns(UserWarning, match="not available"):
        small_model().fit(x, y, epochs=1, verbose=0, callbacks=[callbacks.EarlyStopping(monitor="val_loss")])
    with pytest.warns(UserWarning, match="unknown"):
        callbacks.EarlyStopping(mode="sideways")


# ----- ModelCheckpoint -------------------------------------------------------------------------
def test_model_checkpoint_writes_only_improvements(tmp_path):
    x, y = regression()
    model = small_model()
    rec = WeightRecorder()
    pattern = str(tmp_path / "ckpt-{epoch:02d}-{score:.2f}.weights.h5")
    ckpt = callbacks.ModelCheckpoint(pattern, monitor="score", mode="min", save_best_only=True, save_weights_only=True)
    model.fit(x, y, epochs=5, verbose=0, callbacks=[scripted("score", [0.5, 0.7, 0.4, 0.4, 0.3]), rec, ckpt])
    assert sorted(os.listdir(tmp_path)) == ["ckpt-01-0.50.weights.h5", "ckpt-03-0.40.weights.h5",
                                            "ckpt-05-0.30.weights.h5"]
    other = small_model()
    other.load_weights(str(tmp_path / "ckpt-03-0.40.weights.h5"))
    for a, b in zip(other.get_weights(), rec.weights[2]):
        np.testing.assert_array_equal(a, b)


def test_model_checkpoint_every_epoch_whole_model_and_threshold(tmp_path):
    x, y = regression()
    model = small_model()
    path = str(tmp_path / "model-{epoch}.keras")
    model.fit(x, y, epochs=2, verbose=0, callbacks=[callbacks.ModelCheckpoint(path, monitor="loss")])
    assert sorted(os.listdir(tmp_path)) == ["model-1.keras", "model-2.keras"]
    ckpt = callbacks.ModelCheckpoint(str(tmp_path / "best.weights.h5"), monitor="score", save_best_only=True,
                                     save_weights_only=True, initial_value_threshold=0.2, mode="min")
    model.fit(x, y, epochs=2, verbose=0, callbacks=[scripted("score", [0.5, 0.3]), ckpt])
    assert not (tmp_path / "best.weights.h5").exists()
    with pytest.raises(ValueError, match="save_freq"):
        callbacks.ModelCheckpoint("x.weights.h5", save_freq="sometimes")
    with pytest.raises(KeyError, match="nope"):
        model.fit(x, y, epochs=1, verbose=0, callbacks=[callbacks.ModelCheckpoint(str(tmp_path / "{nope}.keras"))])


def test_model_checkpoint_save_freq_in_batches_counts_across_epochs(tmp_path):
    x, y = regression(64)
    model = small_model()
    ckpt = callbacks.ModelCheckpoint(str(tmp_path / "e{epoch}-b{batch}-{loss:.3f}.weights.h5"), save_weights_only=True,
                                     save_freq=3)
    model.fit(x, y, batch_size=8, epochs=2, verbose=0, callbacks=[ckpt])  # 8 batches per epoch
    names = sorted(os.listdir(tmp_path), key=lambda n: (int(n.split("-")[0][1:]), int(n.split("-")[1][1:])))
    assert [n.split("-")[0] + "-" + n.split("-")[1] for n in names] == ["e1-b3", "e1-b6", "e2-b1", "e2-b4", "e2-b7"]


# ----- learning-rate callbacks -----------------------------------------------------------------
def test_reduce_lr_on_plateau_changes_the_learning_rate_as_specified():
    x, y = regression()
    model = small_model(lr=0.1)
    rlr = callbacks.ReduceLROnPlateau(monitor="score", factor=0.5, patience=2, cooldown=1, min_lr=0.02, min_delta=0.0,
                                      mode="min")
    seq = [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0]
    h = model.fit(x, y, epochs=8, verbose=0, callbacks=[scripted("score", seq), rlr]).history
    # logged: the rate used during the epoch. Reductions after epochs 3, 5, 7 (1-based): patience 2 with a
    # cooldown epoch that also counts towards the next wait; the last one is floored at min_lr.
    np.testing.assert_allclose(h["learning_rate"], [0.1, 0.1, 0.1, 0.05, 0.05, 0.025, 0.025, 0.02], rtol=1e-6)
    assert float(model.optimizer.learning_rate) == pytest.approx(0.02)
    with pytest.raises(ValueError, match="factor"):
        callbacks.ReduceLROnPlateau(factor=1.5)


def test_reduce_lr_on_plateau_mode_auto_and_min_delta():
    x, y = regression()
    # accuracy-like -> max: a rising value is an improvement, a falling one is not
    model = small_model(lr=0.1)
    rlr = callbacks.ReduceLROnPlateau(monitor="val_accuracy", factor=0.5, patience=1)
    h = model.fit(x, y, epochs=4, verbose=0, callbacks=[scripted("val_accuracy", [0.5, 0.6, 0.55, 0.7]), rlr]).history
    np.testing.assert_allclose(h["learning_rate"], [0.1, 0.1, 0.1, 0.05], rtol=1e-6)
    # loss-like -> min; an improvement smaller than min_delta (default 1e-4) does not count
    model = small_model(lr=0.1)
    rlr = callbacks.ReduceLROnPlateau(monitor="val_loss", factor=0.5, patience=1)
    h = model.fit(x, y, epochs=3, verbose=0, callbacks=[scripted("val_loss", [1.0, 0.99995, 0.5]), rlr]).history
    np.testing.assert_allclose(h["learning_rate"], [0.1, 0.1, 0.05], rtol=1e-6)
    with pytest.raises(ValueError, match="maximized or minimized"):
        small_model().fit(x, y, epochs=1, verbose=0, callbacks=[callbacks.ReduceLROnPlateau(monitor="zorglub")])


def test_learning_rate_scheduler_sets_the_rate_each_epoch():
    x, y = regression()
    model = small_model(lr=0.1)
    seen = []
    spy = callbacks.LambdaCallback(on_epoch_begin=lambda e, logs: seen.append(float(model.optimizer.learning_rate)))
    sched = callbacks.LearningRateScheduler(lambda epoch, lr: lr * 0.5 if epoch else lr)
    h = model.fit(x, y, epochs=4, verbose=0, callbacks=[sched, spy]).history
    np.testing.assert_allclose(seen, [0.1, 0.05, 0.025, 0.0125], rtol=1e-6)
    np.testing.assert_allclose(h["learning_rate"], seen, rtol=1e-6)
    callbacks.LearningRateScheduler(lambda epoch: 0.3).set_model(model)
    model.fit(x, y, epochs=1, verbose=0, callbacks=[callbacks.LearningRateScheduler(lambda epoch: 0.3)])
    assert float(model.optimizer.learning_rate) == pytest.approx(0.3)
    with pytest.raises(ValueError, match="should be a float"):
        model.fit(x, y, epochs=1, verbose=0, callbacks=[callbacks.LearningRateScheduler(lambda e, lr: "fast")])


# ----- TerminateOnNaN, CSVLogger, History ------------------------------------------------------
def test_terminate_on_nan_stops_a_diverging_run(capsys):
    x, y = regression(256)
    model = small_model(lr=1e6)
    batches = []
    spy = callbacks.LambdaCallback(on_train_batch_end=lambda b, logs: batches.append(logs["loss"]))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        history = model.fit(x, y, batch_size=8, epochs=20, verbose=0, callbacks=[spy, callbacks.TerminateOnNaN()])
    assert len(history.epoch) == 1 and len(batches) < 32
    assert not np.isfinite(batches[-1]) and np.all(np.isfinite(batches[:-1]))
    assert "Invalid loss, terminating training" in capsys.readouterr().out
    model = small_model(lr=1e6)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        with pytest.raises(RuntimeError, match="NaN or Inf loss encountered at batch"):
            model.fit(x, y, batch_size=8, epochs=20, verbose=0, callbacks=[callbacks.TerminateOnNaN(raise_error=True)])


def test_csv_logger_file_parses(tmp_path):
    x, y = regression()
    path = tmp_path / "log.csv"
    model = small_model()
    history = model.fit(x, y, epochs=3, validation_split=0.25, verbose=0, callbacks=[callbacks.CSVLogger(path)])
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    assert list(rows[0]) == ["epoch", "loss", "val_loss"]
    assert [int(r["epoch"]) for r in rows] == [0, 1, 2]
    np.testing.assert_allclose([float(r["val_loss"]) for r in rows], history.history["val_loss"], rtol=1e-12)
    model.fit(x, y, epochs=2, verbose=0, validation_split=0.25,
              callbacks=[callbacks.CSVLogger(path, separator=";", append=True)])
    lines = path.read_text().splitlines()
    assert len(lines) == 6 and lines[0] == "epoch,loss,val_loss" and lines[-1].startswith("1;")


def test_csv_logger_reserves_val_columns_when_the_first_epoch_has_none(tmp_path):
    x, y = regression()
    path = tmp_path / "log.csv"
    history = small_model().fit(x, y, epochs=4, validation_data=(x, y), validation_freq=2, verbose=0,
                                callbacks=[callbacks.CSVLogger(path)])
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    assert list(rows[0]) == ["epoch", "loss", "val_loss"]
    assert [r["val_loss"] for r in rows[::2]] == ["NA", "NA"]
    np.testing.assert_allclose([float(r["val_loss"]) for r in rows[1::2]], history.history["val_loss"], rtol=1e-12)


def test_history_records_logs_added_by_other_callbacks():
    x, y = regression()
    model = small_model()
    h = model.fit(x, y, epochs=2, verbose=0, callbacks=[scripted("extra", [3, 4])])
    assert h.history["extra"] == [3, 4]


# ----- Keras arguments and mode="auto" ---------------------------------------------------------
KERAS_SIGNATURES = {  # Keras 3 argument names and defaults, in order
    "EarlyStopping": [("monitor", "val_loss"), ("min_delta", 0), ("patience", 0), ("verbose", 0), ("mode", "auto"),
                      ("baseline", None), ("restore_best_weights", False), ("start_from_epoch", 0)],
    "ModelCheckpoint": [("filepath", inspect.Parameter.empty), ("monitor", "val_loss"), ("verbose", 0),
                        ("save_best_only", False), ("save_weights_only", False), ("mode", "auto"),
                        ("save_freq", "epoch"), ("initial_value_threshold", None)],
    "ReduceLROnPlateau": [("monitor", "val_loss"), ("factor", 0.1), ("patience", 10), ("verbose", 0), ("mode", "auto"),
                          ("min_delta", 1e-4), ("cooldown", 0), ("min_lr", 0.0)],
    "LearningRateScheduler": [("schedule", inspect.Parameter.empty), ("verbose", 0)],
    "CSVLogger": [("filename", inspect.Parameter.empty), ("separator", ","), ("append", False)],
    "TerminateOnNaN": [("raise_error", False)],
    "BackupAndRestore": [("backup_dir", inspect.Parameter.empty), ("save_freq", "epoch"),
                         ("double_checkpoint", False), ("delete_checkpoint", True)],
    "LambdaCallback": [("on_epoch_begin", None), ("on_epoch_end", None), ("on_train_begin", None),
                       ("on_train_end", None), ("on_train_batch_begin", None), ("on_train_batch_end", None)],
    "History": [], "ProgbarLogger": [], "Callback": [],
}


@pytest.mark.parametrize("name", sorted(KERAS_SIGNATURES))
def test_callback_arguments_and_defaults_are_keras(name):
    params = [p for p in inspect.signature(getattr(callbacks, name)).parameters.values()
              if p.kind not in (p.VAR_KEYWORD, p.VAR_POSITIONAL)]
    assert [(p.name, p.default) for p in params] == KERAS_SIGNATURES[name]


@pytest.mark.parametrize("monitor, expected", [
    ("loss", "min"), ("val_loss", "min"), ("val_out_a_loss", "min"), ("val_mae", "min"),
    ("mean_squared_error", "min"), ("val_sparse_categorical_crossentropy", "min"),
    ("accuracy", "max"), ("val_acc", "max"), ("val_out_b_accuracy", "max"), ("auc", "max"),
    ("val_precision", "max"), ("recall", "max"), ("top_k_categorical_accuracy", "max"), ("zorglub", None),
])
def test_infer_direction_from_the_name(monitor, expected):
    from numnet.callbacks.monitor_callback import infer_direction

    assert infer_direction(monitor) == expected


def test_mode_auto_takes_the_direction_from_the_models_metric_objects():
    from numnet import metrics
    from numnet.callbacks.monitor_callback import infer_direction

    x, y = regression()
    model = small_model()
    model.compile(optimizers.SGD(0.01), "mse", metrics=[metrics.MeanAbsoluteError(name="score")])
    model.fit(x, y, epochs=1, verbose=0)
    assert infer_direction("val_score", model) == "min"  # the metric object says "down"


@pytest.mark.parametrize("monitor, values, saved", [
    ("val_loss", [0.5, 0.7, 0.4], ["e1", "e3"]),
    ("val_accuracy", [0.5, 0.7, 0.4], ["e1", "e2"]),
])
def test_model_checkpoint_mode_auto(tmp_path, monitor, values, saved):
    x, y = regression()
    model = small_model()
    ckpt = callbacks.ModelCheckpoint(str(tmp_path / "e{epoch}.weights.h5"), monitor=monitor, save_best_only=True,
                                     save_weights_only=True)
    model.fit(x, y, epochs=3, verbose=0, callbacks=[scripted(monitor, values), ckpt])
    assert sorted(p[:-len(".weights.h5")] for p in os.listdir(tmp_path)) == saved
    with pytest.raises(ValueError, match="maximized or minimized"):
        model.fit(x, y, epochs=1, verbose=0, callbacks=[scripted("zorglub", [1.0]), callbacks.ModelCheckpoint(
            str(tmp_path / "z.weights.h5"), monitor="zorglub", save_best_only=True, save_weights_only=True)])
