"""Whether the training progress display may draw live, interactive bars."""
from __future__ import annotations

_state = {"enabled": True}


def enable_interactive_logging() -> None:
    """Let `fit`/`evaluate`/`predict` draw live progress bars on a terminal (the default)."""
    _state["enabled"] = True


def disable_interactive_logging() -> None:
    """Never draw live progress bars: print whole lines only, as on a non-terminal stream.

    Keras sends its messages to the logging system instead; numnet keeps printing to
    `sys.stdout` but without carriage returns, so logs stay readable in files.
    """
    _state["enabled"] = False


def is_interactive_logging_enabled() -> bool:
    """Whether live progress bars are allowed (see `disable_interactive_logging`).

    Returns:
        True unless `disable_interactive_logging` was called last.
    """
    return _state["enabled"]
