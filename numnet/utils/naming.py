"""Automatic names: `dense`, `dense_1`, ... unique within the session (like Keras)."""
from __future__ import annotations

import collections
import gc
import re

_counts: "collections.Counter[str]" = collections.Counter()
_uids: "collections.Counter[str]" = collections.Counter()


def to_snake_case(name: str) -> str:
    """`BatchNormalization` -> `batch_normalization`, `Conv2D` -> `conv2d`."""
    name = re.sub(r"\W+", "", name)
    name = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub(r"([a-z])([A-Z])", r"\1_\2", name).lower()


def unique_name(prefix: str) -> str:
    """Return `prefix` the first time, then `prefix_1`, `prefix_2`, ..."""
    count = _counts[prefix]
    _counts[prefix] += 1
    return prefix if count == 0 else f"{prefix}_{count}"


def get_uid(prefix: str = "") -> int:
    """A counter per `prefix`: 1 on the first call, then 2, 3, ... (keras.backend.get_uid).

    Args:
        prefix: the name the counter belongs to.

    Returns:
        The next value of the counter, reset by `clear_session`.
    """
    _uids[prefix] += 1
    return _uids[prefix]


def clear_session(free_memory: bool = True) -> None:
    """Reset automatic naming, so the next Dense is called `dense` again (keras.utils.clear_session).

    The global random generator is left alone, so `set_random_seed` keeps its effect.

    Args:
        free_memory: also run Python's garbage collector.
    """
    _counts.clear()
    _uids.clear()
    if free_memory:
        gc.collect()
