"""model.summary(): the Keras-style table, parameter totals and byte sizes."""
import re

import numpy as np
import pytest

from numnet import layers
from numnet.layers import Input
from numnet.models import Model, Sequential
from numnet.models.summary import readable_memory_size
from numnet.utils.naming import clear_session


def capture(model, **kwargs):
    out = []
    kwargs.setdefault("line_length", 88)  # independent of the terminal width
    model.summary(print_fn=out.append, **kwargs)
    assert len(out) == 1
    return out[0]


def rows(text):
    """Table body rows as lists of cell texts (a cell wrapped over several lines is joined by spaces)."""
    out, current = [], None
    for line in text.splitlines():
        if line.startswith("│"):
            cells = [c.strip() for c in line.strip("│").split("│")]
            if current is None:
                current = cells
            else:
                current = [f"{a} {b}".strip() for a, b in zip(current, cells)]
        elif current is not None:
            out.append(current)
            current = None
    return out


def mnist_convnet():
    return Sequential([
        Input(shape=(28, 28, 1)),
        layers.Conv2D(32, kernel_size=(3, 3), activation="relu"),
        layers.MaxPooling2D(pool_size=(2, 2)),
        layers.Conv2D(64, kernel_size=(3, 3), activation="relu"),
        layers.MaxPooling2D(pool_size=(2, 2)),
        layers.Flatten(),
        layers.Dropout(0.5),
        layers.Dense(10, activation="softmax"),
    ])


def test_keras_mnist_convnet_counts_34826_parameters():
    clear_session()
    model = mnist_convnet()
    text = capture(model, line_length=100)
    assert text.splitlines()[0] == 'Model: "sequential"'
    assert rows(text) == [
        ["conv2d (Conv2D)", "(None, 26, 26, 32)", "320"],
        ["max_pooling2d (MaxPooling2D)", "(None, 13, 13, 32)", "0"],
        ["conv2d_1 (Conv2D)", "(None, 11, 11, 64)", "18,496"],
        ["max_pooling2d_1 (MaxPooling2D)", "(None, 5, 5, 64)", "0"],
        ["flatten (Flatten)", "(None, 1600)", "0"],
        ["dropout (Dropout)", "(None, 1600)", "0"],
        ["dense (Dense)", "(None, 10)", "16,010"],
    ]
    tail = text.splitlines()[-3:]
    assert tail == [
        " Total params: 34,826 (136.04 KB)",
        " Trainable params: 34,826 (136.04 KB)",
        " Non-trainable params: 0 (0.00 B)",
    ]
    assert model.count_params() == 34826
    assert model(np.zeros((2, 28, 28, 1), dtype=np.float32)).shape == (2, 10)


def test_table_layout():
    text = capture(mnist_convnet(), line_length=88)
    lines = text.splitlines()
    table = [line for line in lines[1:] if line[:1] in "┏┃┡│├└"]
    assert all(len(line) == 88 for line in table)
    assert lines[1].startswith("┏") and lines[2].startswith("┃ Layer (type)")
    assert re.search(r"┃ Output Shape\s+┃\s+Param # ┃", lines[2])
    assert lines[3].startswith("┡") and "╇" in lines[3]
    assert sum(line.startswith("├") for line in lines) == 6  # a rule between the 7 rows
    assert lines[-4].startswith("└")
    wide = capture(mnist_convnet(), line_length=120).splitlines()
    assert len(wide[1]) == 120


def test_non_trainable_params_and_frozen_layers():
    model = Sequential([Input((4,)), layers.Dense(8), layers.BatchNormalization(), layers.Dense(2)])
    text = capture(model)
    assert " Total params: 90 (360.00 B)" in text
    assert " Trainable params: 74 (296.00 B)" in text
    assert " Non-trainable params: 16 (64.00 B)" in text
    model.layers[0].trainable = False
    text = capture(model, show_trainable=True)
    assert " Trainable params: 34 (136.00 B)" in text and " Non-trainable params: 56 (224.00 B)" in text
    trainable_col = [r[-1] for r in rows(text)]
    assert trainable_col == ["N", "Y", "Y"]
    assert "Trainable" in text.splitlines()[2]


def test_functional_multi_input_has_connected_to_column():
    a = Input((4,), name="left")
    b = Input((4,), name="right")
    shared = layers.Dense(3, name="shared")
    out = layers.Add(name="add")([shared(a), shared(b)])
    model = Model([a, b], layers.Dense(1, name="out")(out), name="siamese")
    text = capture(model, line_length=110)
    header = text.splitlines()[2]
    assert "Connected to" in header
    body = {r[0]: r for r in rows(text) if r[0]}
    assert body["left (InputLayer)"][1:] == ["(None, 4)", "0", "-"]
    assert body["shared (Dense)"][2:] == ["15", "left[0][0], right[0][0]"]
    assert body["add (Add)"][3] == "shared[0][0], shared[1][0]"
    assert body["out (Dense)"][1:] == ["(None, 1)", "4", "add[0][0]"]
    assert " Total params: 19 (76.00 B)" in text


def test_linear_functional_model_is_printed_like_sequential():
    x = Input((3,), name="inp")
    model = Model(x, layers.Dense(2, name="d")(x))
    text = capture(model)
    assert "Connected to" not in text
    assert rows(text) == [["inp (InputLayer)", "(None, 3)", "0"], ["d (Dense)", "(None, 2)", "8"]]


def test_unbuilt_model_shows_unknown_shapes():
    model = Sequential([layers.Dense(4, name="later")])
    text = capture(model)
    assert rows(text) == [["later (Dense)", "?", "0 (unbuilt)"]]
    assert " Total params: 0 (0.00 B)" in text


def test_expand_nested():
    inner = Sequential([Input((3,)), layers.Dense(2, name="inner_dense")], name="inner")
    outer = Sequential([Input((3,)), inner, layers.Dense(1, name="top")])
    flat = rows(capture(outer))
    assert [r[0] for r in flat] == ["inner (Sequential)", "top (Dense)"]
    nested = rows(capture(outer, expand_nested=True, line_length=100))
    assert [r[0] for r in nested] == ["inner (Sequential)", "└ inner_dense (Dense)", "top (Dense)"]
    assert nested[1][1:] == ["(None, 2)", "8"]


def test_default_print_and_layer_range(capsys):
    model = Sequential([Input((2,)), layers.Dense(2, name="one"), layers.Dense(2, name="two"),
                        layers.Dense(2, name="three")])
    model.summary()
    printed = capsys.readouterr().out
    assert 'Model: "' in printed and "Total params: 18 (72.00 B)" in printed
    only = rows(capture(model, layer_range=["two", "three"]))
    assert [r[0] for r in only] == ["two (Dense)", "three (Dense)"]
    with pytest.raises(ValueError, match="layer_range"):
        model.summary(layer_range=["nope", "two"])


def test_long_names_wrap_inside_their_column():
    x = Input((2,))
    model = Model(x, layers.Dense(2, name="a_really_long_layer_name_that_cannot_fit_in_the_column")(x))
    text = capture(model, line_length=60)
    table = [line for line in text.splitlines()[1:] if line[:1] in "┏┃┡│├└"]
    assert all(len(line) == 60 for line in table)
    assert "a_really_long" in text


def test_readable_memory_size():
    assert readable_memory_size(0) == "0.00 B"
    assert readable_memory_size(1023) == "1023.00 B"
    assert readable_memory_size(34826 * 4) == "136.04 KB"
    assert readable_memory_size(3 * 1024 ** 2) == "3.00 MB"
