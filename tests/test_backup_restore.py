"""BackupAndRestore: a fit killed midway (a real killed process) resumes and ends with the exact weights.

The model has Dropout layers (seeded and unseeded) and the data is shuffled, so the resumed run
is only exact if the backup restores every random state.
"""
import json
import os
import signal
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from numnet import callbacks, optimizers
from numnet.layers import Dense, Input
from numnet.models import Sequential
from numnet.utils import set_random_seed

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

SCRIPT = textwrap.dedent("""
    import json, os, signal, sys
    import numpy as np
    from numnet import callbacks, optimizers
    from numnet.layers import Dense, Dropout, Input
    from numnet.models import Sequential
    from numnet.utils import set_random_seed

    backup_dir, out, kill_at, save_freq = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
    save_freq = "epoch" if save_freq == "epoch" else int(save_freq)
    set_random_seed(123)
    rng = np.random.default_rng(0)
    x = rng.normal(size=(96, 4)).astype(np.float32)
    y = (x[:, :1] * 2 - x[:, 1:2] + 0.1 * rng.normal(size=(96, 1))).astype(np.float32)
    # Dropout without a seed draws from the global generator at call time, the seeded one from its
    # own generator: the backup must hold both random states for the resumed run to be exact.
    model = Sequential([Input((4,)), Dense(8, activation="tanh"), Dropout(0.3), Dense(8, activation="tanh"),
                        Dropout(0.2, seed=5), Dense(1)])
    model.compile(optimizers.Adam(learning_rate=0.01), "mse")

    class Killer(callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            if kill_at == f"epoch{epoch}":
                os.kill(os.getpid(), signal.SIGKILL)

        def on_train_batch_end(self, batch, logs=None):
            if kill_at == f"batch{self.epoch}.{batch}":
                os._exit(3)

        def on_epoch_begin(self, epoch, logs=None):
            self.epoch = epoch

    backup = callbacks.BackupAndRestore(backup_dir, save_freq=save_freq)
    history = model.fit(x, y, batch_size=16, epochs=6, shuffle=True, verbose=0, callbacks=[backup, Killer()])
    np.savez(out, *model.get_weights())
    with open(out + ".json", "w") as f:
        json.dump({"epochs": history.epoch, "iterations": model.optimizer.iterations}, f)
""")


def run(tmp_path, backup_dir, out, kill_at="none", save_freq="epoch"):
    script = tmp_path / "train.py"
    script.write_text(SCRIPT)
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    return subprocess.run([sys.executable, str(script), str(backup_dir), str(out), kill_at, str(save_freq)],
                          env=env, capture_output=True, text=True, timeout=120)


def load(out):
    with np.load(out) as f:
        weights = [f[k] for k in sorted(f.files, key=lambda k: int(k.split("_")[1]))]
    with open(str(out) + ".json") as f:
        return weights, json.load(f)


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("reference")
    result = run(tmp, tmp / "backup", tmp / "ref.npz")
    assert result.returncode == 0, result.stderr
    assert not (tmp / "backup").exists()  # delete_checkpoint=True
    return load(tmp / "ref.npz")


def test_killed_after_the_backup_of_epoch_2_resumes_at_epoch_3(tmp_path, reference):
    # Killer runs after BackupAndRestore in the list, so epoch 2 (0-based) is backed up before the kill.
    backup = tmp_path / "backup"
    killed = run(tmp_path, backup, tmp_path / "out.npz", kill_at="epoch2")
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    assert os.listdir(backup) == ["backup.npz"]  # atomically replaced, no temp files left
    resumed = run(tmp_path, backup, tmp_path / "out.npz")
    assert resumed.returncode == 0, resumed.stderr
    weights, info = load(tmp_path / "out.npz")
    assert info["epochs"] == [3, 4, 5]
    assert info["iterations"] == reference[1]["iterations"] == 36
    for a, b in zip(weights, reference[0]):
        np.testing.assert_array_equal(a, b)
    assert not backup.exists()


def test_killed_mid_epoch_with_batch_backups_resumes_exactly(tmp_path, reference):
    backup = tmp_path / "backup"
    killed = run(tmp_path, backup, tmp_path / "out.npz", kill_at="batch1.3", save_freq=2)
    assert killed.returncode == 3, killed.stderr
    resumed = run(tmp_path, backup, tmp_path / "out.npz", save_freq=2)
    assert resumed.returncode == 0, resumed.stderr
    weights, info = load(tmp_path / "out.npz")
    assert info["epochs"] == [1, 2, 3, 4, 5] and info["iterations"] == 36
    for a, b in zip(weights, reference[0]):
        np.testing.assert_array_equal(a, b)


def test_backup_contents_and_arguments(tmp_path):
    set_random_seed(0)
    model = Sequential([Input((2,)), Dense(1)])
    model.compile(optimizers.Adam(), "mse")
    x = np.ones((8, 2), np.float32)
    keep = callbacks.BackupAndRestore(tmp_path / "b", delete_checkpoint=False)
    model.fit(x, x[:, :1], epochs=2, verbose=0, callbacks=[keep])
    with np.load(tmp_path / "b" / "backup.npz") as f:
        meta = json.loads(bytes(f["meta"]).decode())
        assert meta["epoch"] == 1 and meta["step"] is None
        np.testing.assert_array_equal(f["weight_00000"], model.get_weights()[0])
        assert int(f["optimizer_00000"]) == model.optimizer.iterations == 2
    # Running again with the finished backup resumes after the last epoch: nothing left to train.
    history = model.fit(x, x[:, :1], epochs=2, verbose=0, callbacks=[keep])
    assert history.epoch == []
    with pytest.raises(ValueError, match="save_freq"):
        callbacks.BackupAndRestore(tmp_path, save_freq=0)
    with pytest.raises(ValueError, match="backup_dir"):
        callbacks.BackupAndRestore("")
