"""Parity tests run Keras on its JAX backend (CPU); the backend must be chosen before keras is imported."""
import os

os.environ.setdefault("KERAS_BACKEND", "jax")
os.environ.setdefault("JAX_PLATFORMS", "cpu")
