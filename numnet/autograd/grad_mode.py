"""Switches for graph recording: `no_grad` and `enable_grad`."""
from __future__ import annotations

import functools
from typing import Any, Callable

_state = {"enabled": True}


def is_grad_enabled() -> bool:
    """Return True when operations on tensors are being recorded for backward."""
    return _state["enabled"]


class _GradMode:
    """Context manager and decorator that sets recording on or off inside its scope."""

    _mode: bool

    def __enter__(self) -> "_GradMode":
        self._previous = _state["enabled"]
        _state["enabled"] = self._mode
        return self

    def __exit__(self, *exc: Any) -> None:
        _state["enabled"] = self._previous

    def __call__(self, func: Callable) -> Callable:
        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with type(self)():
                return func(*args, **kwargs)

        return wrapper


class no_grad(_GradMode):
    """Record nothing inside this block (or decorated function).

    Example:
        >>> with numnet.no_grad():
        ...     y = model(x)      # no graph, no memory held for backward
    """

    _mode = False


class enable_grad(_GradMode):
    """Record operations inside this block even when an outer `no_grad` is active."""

    _mode = True
