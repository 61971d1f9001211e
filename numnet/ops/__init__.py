"""Differentiable functional operations on Tensors and arrays, named after `keras.ops`.

Each module defines `__all__`; everything listed there is exported here.
"""
from numnet.ops.arithmetic import *  # noqa: F401,F403
from numnet.ops.cast import *  # noqa: F401,F403
from numnet.ops.core import *  # noqa: F401,F403
from numnet.ops.comparison import *  # noqa: F401,F403
from numnet.ops.indexing import *  # noqa: F401,F403
from numnet.ops.linalg import *  # noqa: F401,F403
from numnet.ops.elementwise import *  # noqa: F401,F403
from numnet.ops.reduction import *  # noqa: F401,F403
from numnet.ops.shape import *  # noqa: F401,F403
from numnet.ops.nn import *  # noqa: F401,F403
from numnet.ops.conv import *  # noqa: F401,F403
from numnet.ops.conv_transpose import *  # noqa: F401,F403
from numnet.ops.pooling import *  # noqa: F401,F403
from numnet.ops.math_extra import *  # noqa: F401,F403
from numnet.ops.logic import *  # noqa: F401,F403
