"""A Keras 3 user's training script runs unchanged after `import numnet as keras`.

The script below is written against Keras's public API only (names, argument names, return
types); the assertions check what a Keras user relies on.
"""
import numpy as np
import pytest

import numnet as keras


def test_keras_training_script_runs_unchanged(tmp_path):
    keras.utils.set_random_seed(42)
    (x_train, y_train), (x_test, y_test) = keras.datasets.digits.load_data()
    x_train = x_train.reshape(-1, 64).astype("float32") / 16
    x_test = x_test.reshape(-1, 64).astype("float32") / 16

    model = keras.Sequential([
        keras.Input(shape=(64,)),
        keras.layers.Dense(64, activation="relu"),
        keras.layers.Dropout(0.2),
        keras.layers.Dense(10, activation="softmax"),
    ])
    model.compile("adam", "sparse_categorical_crossentropy", ["accuracy"])  # positional, Keras 2 style
    callbacks = [
        keras.callbacks.EarlyStopping(patience=3, restore_best_weights=True),
        keras.callbacks.ModelCheckpoint(str(tmp_path / "best.keras"), save_best_only=True),
        keras.callbacks.ReduceLROnPlateau(patience=2),
        keras.callbacks.CSVLogger(str(tmp_path / "log.csv")),
    ]
    history = model.fit(x_train, y_train, batch_size=64, epochs=8, validation_data=(x_test, y_test),
                        callbacks=callbacks, verbose=0)
    assert sorted(history.history) == ["accuracy", "learning_rate", "loss", "val_accuracy", "val_loss"]
    assert history.history["val_accuracy"][-1] > 0.8

    loss, accuracy = model.evaluate(x_test, y_test, verbose=0)
    scores = model.evaluate(x_test, y_test, verbose=0, return_dict=True)
    assert scores == {"loss": loss, "accuracy": accuracy}
    # restore_best_weights: the model holds the epoch with the lowest val_loss
    assert loss == pytest.approx(min(history.history["val_loss"]), rel=1e-6)
    probabilities = model.predict(x_test[:5], verbose=0)
    assert probabilities.shape == (5, 10) and probabilities.dtype == np.float32
    np.testing.assert_allclose(probabilities.sum(axis=-1), 1.0, rtol=1e-5)

    best = keras.models.load_model(str(tmp_path / "best.keras"))
    np.testing.assert_array_equal(best.predict(x_test, verbose=0), model.predict(x_test, verbose=0))

    # Keras 3 keyword style, and the return forms without metrics
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=1e-3),
                  loss=keras.losses.SparseCategoricalCrossentropy(), metrics=[keras.metrics.SparseCategoricalAccuracy()])
    assert model.evaluate(x_test, y_test, verbose=0) == pytest.approx([loss, accuracy], rel=1e-6)
    assert model.metrics_names == ["loss", "sparse_categorical_accuracy"]  # known once built on data
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    assert isinstance(model.evaluate(x_test, y_test, verbose=0), float)
    assert isinstance(model.train_on_batch(x_test[:8], y_test[:8]), float)
    assert isinstance(model.test_on_batch(x_test[:8], y_test[:8]), float)
    assert model.predict_on_batch(x_test[:8]).shape == (8, 10)


def test_multi_output_losses_and_metrics_as_lists():
    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    x = rng.normal(size=(128, 4)).astype("float32")
    y_reg, y_cls = x[:, :1] * 2, (x[:, 0] > 0).astype("int64")
    inputs = keras.Input((4,))
    hidden = keras.layers.Dense(16, activation="relu")(inputs)
    model = keras.Model(inputs, [keras.layers.Dense(1, name="r")(hidden),
                                 keras.layers.Dense(2, activation="softmax", name="c")(hidden)])
    model.compile(optimizer=keras.optimizers.Adam(0.01), loss=["mse", "sparse_categorical_crossentropy"],
                  loss_weights=[1.0, 0.5],
                  metrics=[["mae"], ["accuracy"]])
    history = model.fit(x, [y_reg, y_cls], epochs=10, verbose=0)
    assert sorted(history.history) == ["c_accuracy", "c_loss", "loss", "r_loss", "r_mae"]  # as Keras 3 logs them
    assert history.history["loss"][-1] < 0.5 * history.history["loss"][0]
    logs = model.evaluate(x, [y_reg, y_cls], verbose=0, return_dict=True)
    assert logs["loss"] == pytest.approx(logs["r_loss"] + 0.5 * logs["c_loss"], rel=1e-5)
    reg, cls = model.predict(x, verbose=0)
    assert reg.shape == (128, 1) and cls.shape == (128, 2)
    model.compile(optimizer="adam", loss=["mse", None], metrics=[["mae"], None])
    assert sorted(model.fit(x, [y_reg, y_cls], epochs=1, verbose=0).history) == ["loss", "r_mae"]
