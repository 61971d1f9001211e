"""Callbacks: EarlyStopping with restore_best_weights, ReduceLROnPlateau and CSVLogger.

A small network trains on the digits with a deliberately high learning rate, so the
validation loss soon stops improving: ReduceLROnPlateau halves the learning rate on each
plateau, EarlyStopping ends training when nothing helps any more and puts back the weights
of the best epoch, and CSVLogger writes one row per epoch. The script then checks each claim
against the data: the restored model's validation loss is the best one in the history, and
the CSV file has one row per epoch with the learning rates used.

    python examples/callbacks.py

Environment variables:
    NUMNET_EXAMPLE_EPOCHS   maximum number of epochs (default 100; EarlyStopping ends sooner)
    NUMNET_EXAMPLE_DIR      folder for the CSV log (default: a new temporary folder)
"""
import csv
import os
import tempfile

import numpy as np

import numnet
from numnet import callbacks, layers, models, optimizers
from numnet.datasets import digits


def main():
    epochs = int(os.environ.get("NUMNET_EXAMPLE_EPOCHS") or 100)
    out_dir = os.environ.get("NUMNET_EXAMPLE_DIR") or tempfile.mkdtemp(prefix="numnet-callbacks-")
    os.makedirs(out_dir, exist_ok=True)
    numnet.utils.set_random_seed(0)

    (x_train, y_train), (x_test, y_test) = digits.load_data()
    x_train = x_train.reshape(-1, 64).astype("float32") / 16.0
    x_test = x_test.reshape(-1, 64).astype("float32") / 16.0
    x_val, y_val = x_train[-300:], y_train[-300:]          # explicit validation data
    x_train, y_train = x_train[:-300], y_train[:-300]

    model = models.Sequential([
        layers.Input(shape=(64,)),
        layers.Dense(128, activation="relu"),
        layers.Dense(10, activation="softmax"),
    ])
    model.compile(optimizer=optimizers.Adam(learning_rate=0.01),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])

    log_path = os.path.join(out_dir, "training_log.csv")
    history = model.fit(
        x_train, y_train,
        validation_data=(x_val, y_val),
        epochs=epochs,
        batch_size=32,
        callbacks=[
            callbacks.ReduceLROnPlateau(monitor="val_loss", factor=0.5, patience=2, min_lr=1e-4, verbose=1),
            callbacks.EarlyStopping(monitor="val_loss", patience=5, restore_best_weights=True, verbose=1),
            callbacks.CSVLogger(log_path),
        ],
        verbose=2,
    )

    val_losses = history.history["val_loss"]
    best_epoch = int(np.argmin(val_losses))
    rates = history.history["learning_rate"]
    print(f"epochs run: {len(val_losses)} of {epochs}")
    print(f"best epoch: {best_epoch + 1} (val_loss {val_losses[best_epoch]:.4f})")
    print("learning rates used:", sorted({round(r, 6) for r in rates}, reverse=True))

    restored_val_loss, _ = model.evaluate(x_val, y_val, verbose=0)
    restored = bool(np.isclose(restored_val_loss, val_losses[best_epoch], rtol=1e-5, atol=1e-7))
    print(f"restored val_loss: {restored_val_loss:.4f}")
    print(f"restored best weights: {restored}")

    with open(log_path, newline="") as f:
        rows = list(csv.DictReader(f))
    print(f"CSV columns: {list(rows[0])}")
    csv_ok = len(rows) == len(val_losses) and all(
        np.isclose(float(row["val_loss"]), v, rtol=1e-6) for row, v in zip(rows, val_losses))
    print(f"csv log matches history: {csv_ok}")

    _, test_accuracy = model.evaluate(x_test, y_test, verbose=0)
    print(f"test accuracy: {test_accuracy:.4f}")
    print(f"files written to: {out_dir}")


if __name__ == "__main__":
    main()
