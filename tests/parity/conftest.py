"""Oracle parity tests: numnet against Keras 3 (JAX backend, CPU) and PyTorch.

They need keras+jax or torch installed and take minutes, so they are marked `parity` and
kept out of the default run (`pytest -m parity tests/parity` runs them); numnet's own tests
check the same behaviour against NumPy references in the default run. The Keras backend
must be chosen before keras is imported.
"""
import os

import pytest

os.environ.setdefault("KERAS_BACKEND", "jax")
os.environ.setdefault("JAX_PLATFORMS", "cpu")


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "tests/parity" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.parity)
