"""numnet: a deep-learning framework on NumPy alone, with a Keras 3 API over its own autograd.

`import numnet as keras` gives the Keras names (`keras.Sequential`, `keras.layers.Dense`,
`keras.optimizers.Adam`, ...); `numnet.Tensor` and `numnet.no_grad` give the PyTorch-like
engine underneath.
"""
__version__ = "0.1.0"

from numnet.utils.memory import tune_malloc as _tune_malloc

_tune_malloc()  # glibc only: reuse heap memory for large arrays (see numnet/utils/memory.py)

from numnet.autograd import Function, Tensor, Variable, enable_grad, is_grad_enabled, no_grad
from numnet import config
from numnet import ops
from numnet import random
from numnet import utils
from numnet import activations, constraints, initializers, regularizers
from numnet import layers
from numnet import backend
from numnet import losses, metrics, optimizers, callbacks
from numnet import models
from numnet import saving
from numnet import datasets
from numnet.layers import Input, InputLayer, Layer
from numnet.layers import SymbolicTensor as KerasTensor
from numnet.models import Model, Sequential
from numnet.losses import Loss
from numnet.metrics import Metric
from numnet.optimizers import Optimizer
from numnet.initializers import Initializer
from numnet.regularizers import Regularizer


def version() -> str:
    """numnet's version string (as `keras.version()`).

    Returns:
        The same string as `numnet.__version__`.
    """
    return __version__

__all__ = [
    "Tensor", "Variable", "Function", "no_grad", "enable_grad", "is_grad_enabled",
    "ops", "utils", "activations", "initializers", "regularizers", "layers", "losses", "metrics",
    "optimizers", "callbacks", "models", "saving", "datasets",
    "Input", "InputLayer", "Layer", "Model", "Sequential",
    "backend", "config", "random", "constraints", "Loss", "Metric", "Optimizer", "Initializer", "Regularizer",
    "KerasTensor", "version", "__version__",
]
