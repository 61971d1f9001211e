"""Denormal floats are flushed to zero inside numnet's training loops, and only there."""
import numpy as np
import pytest

import numnet
from numnet.utils import denormals
from numnet.utils.denormals import denormals_flushable, flush_denormals

TINY = np.full(4, 1e-38, np.float32)
SCALE = np.float32(0.01)

needs_flush = pytest.mark.skipif(not denormals_flushable(), reason="FTZ/DAZ not available on this platform")


def produces_denormals() -> bool:
    return bool(np.any(TINY * SCALE != 0))


@needs_flush
def test_context_sets_and_restores_the_mode():
    assert produces_denormals()
    with flush_denormals() as active:
        assert active
        assert not produces_denormals()
        assert np.all(np.full(3, 1e-40, np.float32) + np.float32(0) == 0)  # denormal inputs read as zero
    assert produces_denormals()


@needs_flush
def test_mode_is_restored_when_the_block_raises():
    with pytest.raises(RuntimeError):
        with flush_denormals():
            raise RuntimeError("boom")
    assert produces_denormals()


def test_opt_out_by_environment_variable(monkeypatch):
    monkeypatch.setenv("NUMNET_FLUSH_DENORMALS", "0")
    assert not denormals_flushable()
    with flush_denormals() as active:
        assert not active
        assert produces_denormals()


@needs_flush
def test_fit_and_predict_run_with_denormals_flushed_and_restore_the_mode():
    seen = []

    class Probe(numnet.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            seen.append(produces_denormals())

    model = numnet.Sequential([numnet.Input(shape=(3,)), numnet.layers.Dense(2)])
    model.compile(optimizer="adam", loss="mse")
    x = np.ones((8, 3), np.float32)
    model.fit(x, np.zeros((8, 2), np.float32), batch_size=4, epochs=1, verbose=0, callbacks=[Probe()])
    assert seen == [False, False]
    model.predict(x, verbose=0)
    assert produces_denormals()


def test_unavailable_platform_is_a_no_op(monkeypatch):
    monkeypatch.setattr(denormals, "_routines", None)
    monkeypatch.setattr(denormals, "_unavailable", True)
    with flush_denormals() as active:
        assert not active
