"""Train without `fit`: a PyTorch-style loop on numnet's autograd engine.

Part 1 trains a Keras-style model with a hand-written loop:
``loss.backward(); optimizer.step(); optimizer.zero_grad()`` after
``optimizer.build(model.trainable_weights)``, with the metric objects updated by hand.
Part 2 goes one level lower: a two-layer network made of bare `Variable`s and numnet.ops,
updated with the Keras-style ``optimizer.apply_gradients(zip(grads, variables))``.
Part 3 shows that such a loop is exactly what `fit` does: with the same seed, data and
random draws (each epoch's shuffle, then the Dropout masks, all from numnet's global
generator) it ends with the same weights as `fit`, bit for bit.

    python examples/custom_training_loop.py

Environment variables:
    NUMNET_EXAMPLE_EPOCHS   number of epochs of each part (default 15)
"""
import os
import time

import numpy as np

import numnet
from numnet import layers, losses, metrics, models, ops, optimizers
from numnet.datasets import digits


def batches(n, batch_size, rng):
    """Shuffled index batches covering range(n) once."""
    order = rng.permutation(n)
    for start in range(0, n, batch_size):
        yield order[start:start + batch_size]


def part1_model_and_step(x_train, y_train, x_test, y_test, epochs, rng):
    model = models.Sequential([
        layers.Input(shape=(64,)),
        layers.Dense(128, activation="relu"),
        layers.Dense(10),                       # logits
    ])
    loss_fn = losses.SparseCategoricalCrossentropy(from_logits=True)
    optimizer = optimizers.Adam(learning_rate=3e-3)
    optimizer.build(model.trainable_weights)    # once: the optimizer owns these variables
    train_accuracy = metrics.SparseCategoricalAccuracy()

    for epoch in range(epochs):
        start, total, seen = time.perf_counter(), 0.0, 0
        train_accuracy.reset_state()
        for idx in batches(len(x_train), 32, rng):
            logits = model(x_train[idx], training=True)   # records the graph
            loss = loss_fn(y_train[idx], logits)           # a scalar Tensor
            loss.backward()                                # fills each weight's .grad
            optimizer.step()                               # updates the weights from .grad
            optimizer.zero_grad()                          # clears .grad for the next batch
            train_accuracy.update_state(y_train[idx], logits.data)
            total, seen = total + float(loss.data) * len(idx), seen + len(idx)
        print(f"part 1 epoch {epoch + 1}/{epochs} - {time.perf_counter() - start:.1f}s - "
              f"loss: {total / seen:.4f} - accuracy: {float(train_accuracy.result()):.4f}")

    with numnet.no_grad():                                 # inference: no graph is recorded
        logits = model(x_test, training=False)
    return float(np.mean(logits.data.argmax(axis=-1) == y_test))


def part2_bare_variables(x_train, y_train, x_test, y_test, epochs, rng):
    init = numnet.initializers.GlorotUniform(seed=0)
    w1 = numnet.Variable(init((64, 64)), name="w1")
    b1 = numnet.Variable(np.zeros(64, "float32"), name="b1")
    w2 = numnet.Variable(init((64, 10)), name="w2")
    b2 = numnet.Variable(np.zeros(10, "float32"), name="b2")
    variables = [w1, b1, w2, b2]

    def forward(x):
        hidden = ops.relu(ops.matmul(x, w1) + b1)
        return ops.matmul(hidden, w2) + b2

    optimizer = optimizers.SGD(learning_rate=0.1, momentum=0.9)
    for epoch in range(epochs):
        total, seen = 0.0, 0
        for idx in batches(len(x_train), 32, rng):
            per_sample = ops.sparse_categorical_crossentropy(y_train[idx], forward(x_train[idx]), from_logits=True)
            loss = per_sample.mean()
            loss.backward()
            optimizer.apply_gradients(zip([v.grad for v in variables], variables))
            for v in variables:
                v.grad = None
            total, seen = total + float(loss.data) * len(idx), seen + len(idx)
        print(f"part 2 epoch {epoch + 1}/{epochs} - loss: {total / seen:.4f}")

    with numnet.no_grad():
        predicted = forward(x_test).data.argmax(axis=-1)
    return float(np.mean(predicted == y_test))


def part3_same_weights_as_fit(x_train, y_train, epochs):
    def make_model():
        return models.Sequential([
            layers.Input(shape=(64,)),
            layers.Dense(64, activation="relu"),
            layers.Dropout(0.2),
            layers.Dense(10),
        ])

    loss_fn = losses.SparseCategoricalCrossentropy(from_logits=True)

    numnet.utils.set_random_seed(1)
    fitted = make_model()
    fitted.compile(optimizer=optimizers.Adam(learning_rate=1e-3), loss=loss_fn)
    fitted.fit(x_train, y_train, batch_size=32, epochs=epochs, shuffle=True, verbose=0)

    numnet.utils.set_random_seed(1)
    model = make_model()
    optimizer = optimizers.Adam(learning_rate=1e-3)
    optimizer.build(model.trainable_weights)
    global_rng = numnet.utils.random.global_rng
    for _ in range(epochs):
        order = global_rng().permutation(len(x_train))     # fit's shuffle for this epoch
        for start in range(0, len(x_train), 32):
            idx = order[start:start + 32]
            loss = loss_fn(y_train[idx], model(x_train[idx], training=True))  # Dropout draws here
            loss.backward()
            optimizer.step()
            optimizer.zero_grad()
    return all(np.array_equal(a, b) for a, b in zip(fitted.get_weights(), model.get_weights()))


def main():
    epochs = int(os.environ.get("NUMNET_EXAMPLE_EPOCHS") or 15)
    numnet.utils.set_random_seed(0)
    rng = np.random.default_rng(0)

    (x_train, y_train), (x_test, y_test) = digits.load_data()
    x_train = x_train.reshape(-1, 64).astype("float32") / 16.0
    x_test = x_test.reshape(-1, 64).astype("float32") / 16.0

    accuracy1 = part1_model_and_step(x_train, y_train, x_test, y_test, epochs, rng)
    print(f"part 1 test accuracy: {accuracy1:.4f}")
    accuracy2 = part2_bare_variables(x_train, y_train, x_test, y_test, epochs, rng)
    print(f"part 2 test accuracy: {accuracy2:.4f}")
    same = part3_same_weights_as_fit(x_train, y_train, epochs=min(epochs, 3))
    print(f"custom loop weights equal fit weights: {same}")


if __name__ == "__main__":
    main()
