"""Shared model builders for the saving tests (not a test module)."""
import numpy as np

import numnet
from numnet import layers


def sequential(seed=0, dropout_seed=None):
    from numnet import models

    numnet.utils.set_random_seed(seed)
    return models.Sequential([
        layers.Input(shape=(6,)),
        layers.Dense(8, activation="relu"),
        layers.BatchNormalization(),
        layers.Dropout(0.3, seed=dropout_seed),
        layers.Dense(3),
    ])


def perturb(model, seed=1):
    """Give every weight (BatchNormalization statistics too) distinctive values."""
    rng = np.random.default_rng(seed)
    for v in model.weights:
        if "variance" in v.name:
            v.assign(rng.uniform(0.5, 2.0, size=v.shape))
        else:
            v.assign(rng.normal(size=v.shape))


def snapshot(model):
    return [np.array(v.data, copy=True) for v in model.weights]


def same_weights(a, b):
    return len(a) == len(b) and all(x.dtype == y.dtype and np.array_equal(x, y) for x, y in zip(a, b))


def data(n=16, d=6, seed=3):
    return np.random.default_rng(seed).normal(size=(n, d)).astype("float32")
