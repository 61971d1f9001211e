"""Train a small convolutional network on the handwritten digits bundled with numnet.

The main job: load the 8x8 digits (no download), train a Conv2D network with a validation
split, EarlyStopping and ModelCheckpoint, watch the progress bars, report the test accuracy,
save the model, load it back and check that the reloaded model predicts bit-identically.

    python examples/digits_cnn.py

Environment variables:
    NUMNET_EXAMPLE_EPOCHS   number of epochs (default 40; EarlyStopping usually ends sooner)
    NUMNET_EXAMPLE_DIR      folder for the checkpoint and the saved model (default: a new
                            temporary folder, printed at the end)
"""
import os
import tempfile

# A small model: one BLAS thread is fastest, and multi-threaded BLAS slows down badly when
# the machine is busy (docs/guides/performance.md). Set OPENBLAS_NUM_THREADS to override.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import numpy as np  # noqa: E402  (after the thread settings, which NumPy reads on import)

import numnet  # noqa: E402
from numnet import callbacks, layers, models, optimizers  # noqa: E402
from numnet.datasets import digits  # noqa: E402


def settings(name, default_epochs):
    """The number of epochs and the output folder, from the environment or the defaults."""
    epochs = int(os.environ.get("NUMNET_EXAMPLE_EPOCHS") or default_epochs)
    out_dir = os.environ.get("NUMNET_EXAMPLE_DIR") or tempfile.mkdtemp(prefix=f"numnet-{name}-")
    os.makedirs(out_dir, exist_ok=True)
    return epochs, out_dir


def load_digits():
    """The bundled digits as float32 images of shape (8, 8, 1) scaled to [0, 1]."""
    (x_train, y_train), (x_test, y_test) = digits.load_data()
    x_train = (x_train.astype("float32") / 16.0).reshape(-1, 8, 8, 1)
    x_test = (x_test.astype("float32") / 16.0).reshape(-1, 8, 8, 1)
    return (x_train, y_train), (x_test, y_test)


def build_model():
    return models.Sequential([
        layers.Input(shape=(8, 8, 1)),
        layers.Conv2D(32, 3, padding="same", activation="relu"),
        layers.Conv2D(32, 3, padding="same", activation="relu"),
        layers.MaxPooling2D(),                                     # -> (4, 4, 32)
        layers.Conv2D(64, 3, padding="same", activation="relu"),
        layers.MaxPooling2D(),                                     # -> (2, 2, 64)
        layers.Flatten(),
        layers.Dense(128, activation="relu"),
        layers.Dropout(0.5),
        layers.Dense(10, activation="softmax"),
    ], name="digits_cnn")


def main():
    epochs, out_dir = settings("digits_cnn", default_epochs=40)
    numnet.utils.set_random_seed(0)  # same weights, shuffling and dropout on every run

    (x_train, y_train), (x_test, y_test) = load_digits()
    print(f"train: {x_train.shape}, test: {x_test.shape}")

    model = build_model()
    model.compile(
        optimizer=optimizers.Adam(learning_rate=3e-3),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    model.summary()

    checkpoint_path = os.path.join(out_dir, "digits_cnn.best.h5")
    history = model.fit(
        x_train, y_train,
        batch_size=32,
        epochs=epochs,
        validation_split=0.1,  # the last 10% of the training rows
        callbacks=[
            callbacks.EarlyStopping(monitor="val_loss", patience=5, restore_best_weights=True),
            callbacks.ModelCheckpoint(checkpoint_path, monitor="val_loss", save_best_only=True),
        ],
        verbose=1,  # tqdm bars in a terminal, one plain line per epoch in a pipe or a log file
    )
    print(f"epochs run: {len(history.history['loss'])}")

    test_loss, test_accuracy = model.evaluate(x_test, y_test, verbose=0)
    print(f"test loss: {test_loss:.4f}")
    print(f"test accuracy: {test_accuracy:.4f}")

    model_path = os.path.join(out_dir, "digits_cnn.h5")
    model.save(model_path)
    reloaded = numnet.models.load_model(model_path)
    same = np.array_equal(reloaded.predict(x_test, verbose=0), model.predict(x_test, verbose=0))
    print(f"reloaded model predicts identically: {same}")

    best = numnet.models.load_model(checkpoint_path)
    _, best_accuracy = best.evaluate(x_test, y_test, verbose=0)
    print(f"best checkpoint test accuracy: {best_accuracy:.4f}")
    print(f"files written to: {out_dir}")


if __name__ == "__main__":
    main()
