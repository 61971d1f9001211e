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
from numnet.ops.transcendental import *  # noqa: F401,F403
from numnet.ops.sorting import *  # noqa: F401,F403
from numnet.ops.cumulative import *  # noqa: F401,F403
from numnet.ops.diagonals import *  # noqa: F401,F403
from numnet.ops.norms import *  # noqa: F401,F403
from numnet.ops.scatters import *  # noqa: F401,F403
from numnet.ops.normalization import *  # noqa: F401,F403
from numnet.ops.logic import *  # noqa: F401,F403
