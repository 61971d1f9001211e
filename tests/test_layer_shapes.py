"""compute_output_shape agrees with the real output for every layer over a grid of configs."""
import itertools

import numpy as np
import pytest

from numnet import layers

RNG = np.random.default_rng(0)


def _grid():
    cases = []
    for units, shape in itertools.product([1, 3], [(2, 4), (2, 3, 4)]):
        cases.append((lambda u=units: layers.Dense(u), shape))
    for filters, k, s, p, d, in_shape in itertools.product(
            [2], [1, 2, 3], [1, 2, 3], ["valid", "same"], [1, 2], [(2, 7, 8, 3), (1, 5, 5, 2)]):
        if s > 1 and d > 1:
            continue
        cases.append((lambda f=filters, k=k, s=s, p=p, d=d: layers.Conv2D(f, k, strides=s, padding=p, dilation_rate=d),
                      in_shape))
    cases.append((lambda: layers.Conv2D(4, 3, strides=2, padding="same", data_format="channels_first"), (2, 3, 7, 6)))
    cases.append((lambda: layers.Conv2D(4, (3, 1), groups=2), (2, 6, 6, 4)))
    for k, s, p, d in itertools.product([1, 3], [1, 2], ["valid", "same", "causal"], [1, 2]):
        if s > 1 and d > 1:
            continue
        cases.append((lambda k=k, s=s, p=p, d=d: layers.Conv1D(3, k, strides=s, padding=p, dilation_rate=d),
                      (2, 9, 2)))
    for cls, pool, s, p in itertools.product([layers.MaxPooling2D, layers.AveragePooling2D], [2, 3, (2, 3)],
                                             [None, 1, 2], ["valid", "same"]):
        cases.append((lambda c=cls, pool=pool, s=s, p=p: c(pool, s, p), (2, 7, 8, 3)))
    cases.append((lambda: layers.MaxPooling2D(2, data_format="channels_first"), (2, 3, 7, 8)))
    for cls, pool, s, p in itertools.product([layers.MaxPooling1D, layers.AveragePooling1D], [2, 3], [None, 1],
                                             ["valid", "same"]):
        cases.append((lambda c=cls, pool=pool, s=s, p=p: c(pool, s, p), (2, 9, 3)))
    for cls, kd, fmt in itertools.product([layers.GlobalAveragePooling2D, layers.GlobalMaxPooling2D], [False, True],
                                          [None, "channels_first"]):
        cases.append((lambda c=cls, kd=kd, fmt=fmt: c(data_format=fmt, keepdims=kd), (2, 3, 4, 5)))
    for cls, kd in itertools.product([layers.GlobalAveragePooling1D, layers.GlobalMaxPooling1D], [False, True]):
        cases.append((lambda c=cls, kd=kd: c(keepdims=kd), (2, 6, 5)))
    for shape in [(2, 3), (2, 3, 4), (2, 3, 4, 5)]:
        cases.append((lambda: layers.Flatten(), shape))
        cases.append((lambda: layers.Flatten(data_format="channels_first"), shape))
        cases.append((lambda: layers.BatchNormalization(), shape))
        cases.append((lambda: layers.LayerNormalization(), shape))
        cases.append((lambda: layers.Dropout(0.5), shape))
        cases.append((lambda: layers.Activation("relu"), shape))
        cases.append((lambda: layers.Identity(), shape))
        cases.append((lambda: layers.ReLU(), shape))
        cases.append((lambda: layers.LeakyReLU(), shape))
        cases.append((lambda: layers.ELU(), shape))
        cases.append((lambda: layers.Softmax(), shape))
    cases.append((lambda: layers.BatchNormalization(axis=1), (2, 3, 4, 5)))
    cases.append((lambda: layers.LayerNormalization(axis=[1, 2]), (2, 3, 4, 5)))
    for target in [(12,), (3, 4), (-1, 2), (2, -1, 3)]:
        cases.append((lambda t=target: layers.Reshape(t), (2, 3, 4)))
    return cases


GRID = _grid()


@pytest.mark.parametrize("make,shape", GRID, ids=[f"case{i}" for i in range(len(GRID))])
@pytest.mark.parametrize("training", [False, True])
def test_single_input_layers(make, shape, training):
    layer = make()
    x = RNG.standard_normal(shape).astype(np.float32)
    y = layer(x, training=training)
    assert layer.compute_output_shape(shape) == y.shape
    assert layer.compute_output_shape((None,) + shape[1:]) == (None,) + y.shape[1:]


@pytest.mark.parametrize("ids_shape", [(2,), (2, 5), (3, 2, 4)])
def test_embedding_shapes(ids_shape):
    layer = layers.Embedding(10, 3)
    y = layer(RNG.integers(0, 10, ids_shape))
    assert layer.compute_output_shape(ids_shape) == y.shape
    assert layer.compute_output_shape((None,) + ids_shape[1:]) == (None,) + y.shape[1:]


@pytest.mark.parametrize("cls", [layers.Add, layers.Multiply, layers.Average, layers.Maximum, layers.Minimum,
                                 layers.Subtract, layers.Concatenate, lambda: layers.Concatenate(axis=1)])
@pytest.mark.parametrize("shapes", [[(2, 3), (2, 3)], [(2, 3, 4), (2, 3, 4)], [(2, 1, 4), (2, 3, 4)]])
def test_merging_shapes(cls, shapes):
    layer = cls()
    if isinstance(layer, layers.Concatenate) and shapes[0] != shapes[1]:
        axis = layer.axis % len(shapes[0])
        if any(a != b for i, (a, b) in enumerate(zip(*shapes)) if i != axis):
            with pytest.raises(ValueError, match="concat axis"):
                layer.compute_output_shape(shapes)
            with pytest.raises(ValueError):
                layer([np.zeros(s, np.float32) for s in shapes])
            return
    y = layer([RNG.standard_normal(s).astype(np.float32) for s in shapes])
    assert layer.compute_output_shape(shapes) == y.shape
    assert layer.compute_output_shape([(None,) + s[1:] for s in shapes]) == (None,) + y.shape[1:]
