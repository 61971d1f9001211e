"""The functional API: a model with two inputs and a residual connection.

Input 1 is the 8x8 image (through a small convolutional branch); input 2 is a hand-made
summary of it, the 16 row and column ink profiles (through a Dense branch). The branches
are concatenated, pass a residual block (``x + Dense(Dense(x))``) and a softmax head. The
model is saved and reloaded, and its predictions compared bit for bit.

    python examples/functional_api.py

Environment variables:
    NUMNET_EXAMPLE_EPOCHS   number of epochs (default 25)
    NUMNET_EXAMPLE_DIR      folder for the saved model (default: a new temporary folder)
"""
import os
import tempfile

# A small model: one BLAS thread is fastest, and multi-threaded BLAS slows down badly when
# the machine is busy (docs/guides/performance.md). Set OPENBLAS_NUM_THREADS to override.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import numpy as np  # noqa: E402  (after the thread settings, which NumPy reads on import)

import numnet  # noqa: E402
from numnet import layers, models  # noqa: E402
from numnet.datasets import digits  # noqa: E402


def profiles(images):
    """Row and column sums of each image, scaled to [0, 1]: shape (n, 16)."""
    return np.concatenate([images.sum(axis=2), images.sum(axis=1)], axis=1) / 8.0


def build_model():
    image = layers.Input(shape=(8, 8, 1), name="image")
    profile = layers.Input(shape=(16,), name="profile")

    x = layers.Conv2D(32, 3, padding="same", activation="relu")(image)
    x = layers.MaxPooling2D()(x)
    x = layers.Flatten()(x)
    p = layers.Dense(32, activation="relu")(profile)

    h = layers.Concatenate()([x, p])
    h = layers.Dense(64, activation="relu")(h)
    shortcut = h
    r = layers.Dense(64, activation="relu")(h)
    r = layers.Dense(64)(r)
    h = layers.Add()([shortcut, r])              # the residual connection
    h = layers.Activation("relu")(h)
    outputs = layers.Dense(10, activation="softmax", name="digit")(h)
    return models.Model(inputs=[image, profile], outputs=outputs, name="two_input_residual")


def main():
    epochs = int(os.environ.get("NUMNET_EXAMPLE_EPOCHS") or 25)
    out_dir = os.environ.get("NUMNET_EXAMPLE_DIR") or tempfile.mkdtemp(prefix="numnet-functional-")
    os.makedirs(out_dir, exist_ok=True)
    numnet.utils.set_random_seed(0)

    (x_train, y_train), (x_test, y_test) = digits.load_data()
    img_train = (x_train.astype("float32") / 16.0)[..., None]
    img_test = (x_test.astype("float32") / 16.0)[..., None]
    prof_train, prof_test = profiles(img_train[..., 0]), profiles(img_test[..., 0])

    model = build_model()
    model.summary()
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])

    # Inputs by name (a list in the order of `inputs=` works as well).
    model.fit({"image": img_train, "profile": prof_train}, y_train,
              batch_size=32, epochs=epochs, validation_split=0.1, verbose=2)

    test_loss, test_accuracy = model.evaluate([img_test, prof_test], y_test, verbose=0)
    print(f"test loss: {test_loss:.4f}")
    print(f"test accuracy: {test_accuracy:.4f}")

    path = os.path.join(out_dir, "functional.h5")
    model.save(path)
    reloaded = numnet.models.load_model(path)
    same = np.array_equal(reloaded.predict([img_test, prof_test], verbose=0),
                          model.predict([img_test, prof_test], verbose=0))
    print(f"reloaded model predicts identically: {same}")
    print(f"files written to: {out_dir}")


if __name__ == "__main__":
    main()
