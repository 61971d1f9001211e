"""Memory does not grow over 1,000 training steps: graph buffers are freed after every step.

Two independent measures, each robust to noise: the number of live engine objects (Tensors
and Function nodes, counted through the garbage collector) is the same after 1,000 steps as
after the first 100, and the bytes allocated by Python/NumPy (tracemalloc) do not drift.
"""
import gc
import tracemalloc

import numpy as np

import numnet
from numnet import layers
from numnet.autograd import Function, Tensor


def _live_engine_objects() -> int:
    gc.collect()
    return sum(1 for o in gc.get_objects() if issubclass(type(o), (Tensor, Function)))


def _model():
    numnet.utils.set_random_seed(0)
    model = numnet.Sequential([
        layers.Input((12,)),
        layers.Dense(16, activation="relu"),
        layers.Dropout(0.2),
        layers.Dense(4, activation="softmax"),
    ])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def test_memory_does_not_grow_over_1000_training_steps():
    rng = np.random.default_rng(0)
    x = rng.random((4000, 12), dtype=np.float32)
    y = rng.integers(0, 4, 4000)
    model = _model()
    model.fit(x[:400], y[:400], batch_size=4, epochs=1, verbose=0)  # 100 warm-up steps
    objects_before = _live_engine_objects()
    tracemalloc.start()
    try:
        model.fit(x[:400], y[:400], batch_size=4, epochs=1, verbose=0)
        gc.collect()
        bytes_before = tracemalloc.get_traced_memory()[0]
        history = model.fit(x, y, batch_size=4, epochs=1, verbose=0)  # 1,000 steps
        gc.collect()
        bytes_after = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    objects_after = _live_engine_objects()
    assert np.isfinite(history.history["loss"][0])
    assert objects_after == objects_before, (objects_before, objects_after)
    # A leak of one saved activation per step would be 1,000 * 4 * 16 * 4 bytes = 256 KB.
    assert bytes_after - bytes_before < 64 * 1024, (bytes_before, bytes_after)


def test_backward_frees_the_graph_of_a_custom_loop():
    model = _model()
    x = np.random.default_rng(1).random((8, 12), dtype=np.float32)
    model(x)
    baseline = _live_engine_objects()
    for _ in range(200):
        loss = model(x, training=True).sum()
        loss.backward()
        for w in model.trainable_weights:
            w.grad = None
    del loss
    assert _live_engine_objects() == baseline
