"""Utilities: seeding, gradient checking, and (later) data helpers."""
from numnet.autograd.gradcheck import gradient_check
from numnet.utils.random import set_random_seed

__all__ = ["gradient_check", "set_random_seed"]
