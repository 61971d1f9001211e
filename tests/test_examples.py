"""Every script in examples/ runs to the end and its printed claims hold.

Each example runs in a subprocess, the way a user runs it (`python examples/NAME.py`), with
fewer epochs (`NUMNET_EXAMPLE_EPOCHS`) and its files written to a temporary folder
(`NUMNET_EXAMPLE_DIR`). The thresholds are real: they are what the shortened runs reach with
margin (chance is 0.1), and the reload checks demand bit-identical predictions.
"""
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"

# name -> (NUMNET_EXAMPLE_EPOCHS, {printed label: minimum value}, [lines that must read True])
CASES = {
    "digits_cnn": (8, {"test accuracy": 0.93, "best checkpoint test accuracy": 0.93},
                   ["reloaded model predicts identically"]),
    "digits_mlp": (20, {"test accuracy": 0.88}, []),
    "functional_api": (8, {"test accuracy": 0.85}, ["reloaded model predicts identically"]),
    "custom_layer": (16, {"test accuracy": 0.85}, ["reloaded model predicts identically"]),
    "custom_training_loop": (6, {"part 1 test accuracy": 0.85, "part 2 test accuracy": 0.85},
                             ["custom loop weights equal fit weights"]),
    "callbacks": (40, {"test accuracy": 0.85},
                  ["restored best weights", "csv log matches history"]),
    "autograd_basics": (2, {}, ["gradient of sum(x^2) + 3 mean(x) correct", "gradient check passed",
                                "line recovered"]),
}


_RUNS = {}


def run_example(name, tmp_path_factory):
    """Run examples/NAME.py once (shortened, files into a fresh folder); (stdout, that folder)."""
    if name not in _RUNS:
        out_dir = tmp_path_factory.mktemp(name)
        env = {**os.environ, "NUMNET_EXAMPLE_EPOCHS": str(CASES[name][0]), "NUMNET_EXAMPLE_DIR": str(out_dir),
               "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
        # These models are small: one BLAS thread is fastest, and multi-threaded BLAS slows to a
        # crawl when the test machine is busy with other processes.
        for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
            env.setdefault(var, "1")
        result = subprocess.run([sys.executable, str(EXAMPLES / f"{name}.py")], cwd=out_dir, env=env,
                                capture_output=True, text=True, timeout=300)
        assert result.returncode == 0, f"{name}.py failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
        _RUNS[name] = (result.stdout, out_dir)
    return _RUNS[name]


def printed(stdout, label):
    """The value printed on the last line ``<label>: <value>``."""
    values = re.findall(rf"^{re.escape(label)}: (\S+)$", stdout, flags=re.MULTILINE)
    assert values, f"no line '{label}: ...' in the output:\n{stdout[-3000:]}"
    return values[-1]


def test_every_example_is_tested():
    assert {p.stem for p in EXAMPLES.glob("*.py") if not p.name.startswith("_")} == set(CASES)


@pytest.mark.parametrize("name", sorted(CASES))
def test_example_runs_and_its_claims_hold(name, tmp_path_factory):
    _, minimums, true_claims = CASES[name]
    stdout, _ = run_example(name, tmp_path_factory)
    for label, minimum in minimums.items():
        value = float(printed(stdout, label))
        assert value >= minimum, f"{name}.py: {label} {value} < {minimum}"
    for label in true_claims:
        assert printed(stdout, label) == "True", f"{name}.py: '{label}' is not True"
    # A pipe is not a terminal: the progress display writes whole lines, never \r or ANSI codes.
    assert "\r" not in stdout and "\x1b[" not in stdout


def test_digits_cnn_trains_with_validation_checkpoints_and_saves(tmp_path_factory):
    stdout, out_dir = run_example("digits_cnn", tmp_path_factory)
    epochs = CASES["digits_cnn"][0]
    assert re.search(rf"^Epoch 1/{epochs}$", stdout, flags=re.MULTILINE), stdout
    assert re.search(r"^41/41 - .* - loss: .* - accuracy: .* - val_loss: .* - val_accuracy: ", stdout,
                     flags=re.MULTILINE), stdout
    assert 1 <= int(printed(stdout, "epochs run")) <= epochs
    assert (out_dir / "digits_cnn.best.h5").is_file() and (out_dir / "digits_cnn.h5").is_file()


def test_callbacks_example_stops_early_and_lowers_the_learning_rate(tmp_path_factory):
    stdout, out_dir = run_example("callbacks", tmp_path_factory)
    run, of = re.search(r"^epochs run: (\d+) of (\d+)$", stdout, flags=re.MULTILINE).groups()
    assert int(run) < int(of), "EarlyStopping did not stop the run"
    assert "ReduceLROnPlateau reducing learning rate" in stdout
    assert (out_dir / "training_log.csv").is_file()
