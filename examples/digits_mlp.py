"""A multilayer perceptron on the bundled digits, with one-hot labels.

The simplest complete workflow: flatten the 8x8 images into 64 features, one-hot the
labels with `numnet.utils.to_categorical`, train a Sequential stack of Dense layers with
`categorical_crossentropy`, and report the accuracy on the held-out test rows.

    python examples/digits_mlp.py

Environment variables:
    NUMNET_EXAMPLE_EPOCHS   number of epochs (default 30)
"""
import os

import numnet
from numnet import layers, models
from numnet.datasets import digits
from numnet.utils import to_categorical


def main():
    epochs = int(os.environ.get("NUMNET_EXAMPLE_EPOCHS") or 30)
    numnet.utils.set_random_seed(0)

    (x_train, y_train), (x_test, y_test) = digits.load_data()
    x_train = x_train.reshape(-1, 64).astype("float32") / 16.0
    x_test = x_test.reshape(-1, 64).astype("float32") / 16.0
    y_train_onehot = to_categorical(y_train, num_classes=10)
    y_test_onehot = to_categorical(y_test, num_classes=10)

    model = models.Sequential([
        layers.Input(shape=(64,)),
        layers.Dense(128, activation="relu"),
        layers.Dropout(0.2),
        layers.Dense(64, activation="relu"),
        layers.Dense(10, activation="softmax"),
    ], name="digits_mlp")
    model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
    model.summary()

    history = model.fit(x_train, y_train_onehot, batch_size=32, epochs=epochs,
                        validation_split=0.1, verbose=2)
    print(f"final training loss: {history.history['loss'][-1]:.4f} "
          f"(first epoch: {history.history['loss'][0]:.4f})")

    test_loss, test_accuracy = model.evaluate(x_test, y_test_onehot, verbose=0)
    predicted = model.predict(x_test, verbose=0).argmax(axis=-1)
    print("first 10 test digits:", y_test[:10].tolist())
    print("predicted:           ", predicted[:10].tolist())
    print(f"test loss: {test_loss:.4f}")
    print(f"test accuracy: {test_accuracy:.4f}")


if __name__ == "__main__":
    main()
