"""The progress display (ProgbarLogger over tqdm), captured."""
import io
import re
import sys

import numpy as np
import pytest

from numnet import optimizers
from numnet.layers import Dense, Input
from numnet.models import Sequential
from numnet.trainers.progress import format_logs, format_value, resolve_verbose
from numnet.utils import set_random_seed


def fitted_model():
    set_random_seed(0)
    model = Sequential([Input((2,)), Dense(3, activation="softmax")])
    model.compile(optimizers.Adam(0.01), "sparse_categorical_crossentropy", ["accuracy"])
    return model


def data(n=64):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(n, 2)).astype(np.float32)
    return x, (x[:, 0] > 0).astype(np.int64)


class FakeTerminal(io.StringIO):
    def isatty(self):
        return True


def test_verbose_2_prints_one_line_per_epoch_with_the_history_values(capsys):
    x, y = data()
    history = fitted_model().fit(x, y, epochs=3, batch_size=16, validation_split=0.25, verbose=2)
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 3
    for epoch, line in enumerate(lines):
        assert re.fullmatch(rf"Epoch {epoch + 1}/3 - \d+\.\ds - loss: [\d.]+ - accuracy: [\d.]+ - "
                            r"val_loss: [\d.]+ - val_accuracy: [\d.]+", line), line
        for key, values in history.history.items():
            assert f" {key}: {values[epoch]:.4f}" in line


def test_verbose_0_prints_nothing(capsys):
    x, y = data()
    model = fitted_model()
    model.fit(x, y, epochs=2, verbose=0, validation_data=(x, y))
    model.evaluate(x, y, verbose=0)
    model.predict(x, verbose=0)
    assert capsys.readouterr().out == ""


def test_auto_is_like_2_when_stdout_is_not_a_terminal(capsys):
    x, y = data()
    fitted_model().fit(x, y, epochs=2, batch_size=16)
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2 and lines[1].startswith("Epoch 2/2 - ")
    assert resolve_verbose("auto") == 2


def test_verbose_1_into_a_file_writes_no_carriage_returns_or_ansi_codes(capsys):
    x, y = data()
    model = fitted_model()
    history = model.fit(x, y, epochs=2, batch_size=8, verbose=1, validation_data=(x, y))
    model.evaluate(x, y, verbose=1)
    model.predict(x, verbose=1)
    out = capsys.readouterr().out
    assert "\r" not in out and "\x1b" not in out
    lines = out.splitlines()
    assert lines[0] == "Epoch 1/2" and lines[2] == "Epoch 2/2"
    assert lines[1].startswith("8/8 - ") and f"val_loss: {history.history['val_loss'][0]:.4f}" in lines[1]
    assert lines[4].startswith("2/2 - ") and "loss: " in lines[4]  # evaluate, batch_size 32
    assert lines[5].startswith("2/2 - ") and len(lines) == 6  # predict


def test_verbose_1_on_a_terminal_draws_a_live_tqdm_bar(monkeypatch):
    term = FakeTerminal()
    monkeypatch.setattr(sys, "stdout", term)
    x, y = data()
    history = fitted_model().fit(x, y, epochs=2, batch_size=8, verbose=1, validation_data=(x, y))
    monkeypatch.undo()
    out = term.getvalue()
    assert "Epoch 1/2\n" in out and "Epoch 2/2\n" in out
    assert "\r" in out and "8/8" in out
    final = out.split("Epoch 2/2\n")[1].split("\r")[-1]
    assert f"val_accuracy: {history.history['val_accuracy'][1]:.4f}" in final
    assert f"loss: {history.history['loss'][1]:.4f}" in final


def test_number_formatting():
    assert format_value(0.33124) == "0.3312"
    assert format_value(1.23456e-5) == "1.2346e-05"
    assert format_value(0.0) == "0.0000"
    assert format_value(float("nan")) == "nan"
    assert format_logs({"loss": 1.0, "acc": 0.5}) == "loss: 1.0000 - acc: 0.5000"
    with pytest.raises(ValueError, match="verbose"):
        resolve_verbose(3)


PTY_SCRIPT = r"""
import fcntl, json, struct, sys, termios
import numpy as np
from numnet import optimizers
from numnet.layers import Dense, Input
from numnet.models import Sequential
from numnet.utils import set_random_seed

def set_width(columns):
    fcntl.ioctl(sys.stdout.fileno(), termios.TIOCSWINSZ, struct.pack("HHHH", 24, columns, 0, 0))

rng = np.random.default_rng(0)
x = rng.normal(size=(64, 2)).astype(np.float32)
y = (x[:, 0] > 0).astype(np.int64)
for columns in (0, 50):  # a pty reporting no width, and a narrow terminal
    set_width(columns)
    set_random_seed(0)
    model = Sequential([Input((2,)), Dense(3, activation="softmax")])
    model.compile(optimizers.Adam(0.01), "sparse_categorical_crossentropy", ["accuracy"])
    history = model.fit(x, y, epochs=2, batch_size=8, validation_data=(x, y))  # verbose="auto"
    model.evaluate(x, y, verbose=1)
    sys.stdout.write("HISTORY " + json.dumps(history.history) + "\n")
"""


def test_real_terminal_shows_tqdm_bars_whose_final_lines_keep_every_value(tmp_path):
    pty = pytest.importorskip("pty")
    import json
    import os
    import subprocess

    script = tmp_path / "train.py"
    script.write_text(PTY_SCRIPT)
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    env = dict(os.environ, PYTHONPATH=root + os.pathsep + os.environ.get("PYTHONPATH", ""))
    master, slave = pty.openpty()
    proc = subprocess.Popen([sys.executable, str(script)], stdin=slave, stdout=slave, stderr=slave, env=env)
    os.close(slave)
    chunks = []
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(master)
    assert proc.wait(timeout=60) == 0, b"".join(chunks).decode(errors="replace")
    out = b"".join(chunks).decode().replace("\r\n", "\n")
    runs = out.split("HISTORY ")
    assert len(runs) == 3
    for i, run in enumerate(runs[:2]):
        history = json.loads(runs[i + 1].split("\n")[0])
        assert "Epoch 1/2\n" in run and "Epoch 2/2\n" in run
        epochs = run.split("Epoch 2/2\n")
        for epoch, text in enumerate([epochs[0].split("Epoch 1/2\n")[1], epochs[1]]):
            lines = text.split("\n")
            assert "\r" in lines[0]  # a live bar redrawn in place
            final = lines[0].split("\r")[-1]
            assert final.startswith("8/8 |")
            for key, values in history.items():
                assert f"{key}: {values[epoch]:.4f}" in final, (key, final)
        evaluate = epochs[1].split("\n")[1].split("\r")[-1]
        assert evaluate.startswith("2/2 |") and "accuracy: " in evaluate
