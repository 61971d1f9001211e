"""The autograd engine: `Tensor`, `Function`, graph recording switches, Keras masks and the gradient checker."""
from numnet.autograd.grad_mode import enable_grad, is_grad_enabled, no_grad
from numnet.autograd.tensor import Tensor, as_tensor
from numnet.autograd.function import Function, unbroadcast
from numnet.autograd.variable import Variable
from numnet.autograd.masking import get_keras_mask, set_keras_mask

__all__ = [
    "Tensor", "as_tensor", "Function", "unbroadcast", "Variable",
    "no_grad", "enable_grad", "is_grad_enabled", "get_keras_mask", "set_keras_mask",
]
