"""Utilities: seeding, gradient checking and data helpers (as `keras.utils`)."""
from numnet.autograd.gradcheck import gradient_check
from numnet.utils.numerical_utils import normalize, to_categorical
from numnet.utils.py_dataset import PyDataset
from numnet.utils.random import set_random_seed

__all__ = ["gradient_check", "set_random_seed", "to_categorical", "normalize", "PyDataset"]
