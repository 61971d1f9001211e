"""Automatic names: `dense`, `dense_1`, ... unique within the session (like Keras)."""
from __future__ import annotations

import collections
import re

_counts: "collections.Counter[str]" = collections.Counter()


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


def clear_session() -> None:
    """Reset automatic naming, so the next Dense is called `dense` again (keras.utils.clear_session)."""
    _counts.clear()
