"""numnet: a deep-learning framework on NumPy alone, with a Keras 3 API over its own autograd."""
__version__ = "0.1.0"

from numnet.autograd import Function, Tensor, Variable, enable_grad, is_grad_enabled, no_grad  # noqa: E402
from numnet import ops  # noqa: E402
from numnet import utils  # noqa: E402
from numnet import datasets  # noqa: E402
