"""The progress display behind `ProgbarLogger`: tqdm bars on a terminal, plain lines everywhere else.

* Interactive stream (a terminal), verbose=1: a tqdm bar per epoch (steps, elapsed<remaining, rate,
  running loss/metrics refreshed at most every `mininterval` seconds); the closed bar keeps the epoch's
  final logs including the `val_` entries.
* Non-interactive stream (file, pipe, CI), verbose=1: no carriage returns or ANSI codes ever; only
  whole lines at the end of each epoch (or of evaluate/predict).
* verbose=2: exactly one line per epoch: ``Epoch 3/10 - 1.2s - loss: 0.3312 - accuracy: 0.9041``.

Numbers print with 4 decimals (``0.3312``), or in scientific notation below 1e-3 (``1.2346e-05``),
as Keras does.
"""
from __future__ import annotations

import io
import os
import sys
import time
from typing import Any, Dict, Optional, TextIO

import numpy as np

from numnet.config.interactive_logging import is_interactive_logging_enabled

__all__ = ["format_value", "format_logs", "is_interactive", "resolve_verbose", "Bar"]


def format_value(value: Any) -> str:
    """One log value as the display shows it."""
    if isinstance(value, (float, np.floating, int, np.integer)) and not isinstance(value, bool):
        v = float(value)
        if v != 0.0 and abs(v) < 1e-3 and np.isfinite(v):
            return f"{v:.4e}"
        return f"{v:.4f}"
    return str(value)


def format_logs(logs: Optional[Dict[str, Any]]) -> str:
    """``"loss: 0.1234 - accuracy: 0.9000"`` (insertion order)."""
    return " - ".join(f"{k}: {format_value(v)}" for k, v in (logs or {}).items())


def is_interactive(stream: Optional[TextIO] = None) -> bool:
    """True when `stream` (default sys.stdout) is a terminal and interactive logging is enabled
    (`numnet.config.disable_interactive_logging` turns the live bars off)."""
    if not is_interactive_logging_enabled():
        return False
    stream = sys.stdout if stream is None else stream
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False


def resolve_verbose(verbose: Any) -> int:
    """'auto' → 1 on a terminal, 2 otherwise; ints pass through.

    Raises:
        ValueError: anything other than 'auto', 0, 1 or 2.
    """
    if verbose == "auto":
        return 1 if is_interactive() else 2
    if isinstance(verbose, bool) or verbose not in (0, 1, 2):
        raise ValueError(f"verbose must be 'auto', 0, 1 or 2, got {verbose!r}")
    return int(verbose)


_NO_TRIM = 1 << 16  # a width tqdm never has to cut a line to


def _terminal_width(stream: TextIO) -> int:
    """The width of the terminal behind `stream` in columns, 0 when unknown."""
    try:
        return os.get_terminal_size(stream.fileno()).columns
    except (AttributeError, ValueError, OSError, io.UnsupportedOperation):
        return 0


def _duration(seconds: float) -> str:
    return f"{seconds:.1f}s"


class Bar:
    """Progress of one pass (an epoch, an evaluate or a predict call).

    Args:
        total: number of steps, or None when unknown.
        interactive: draw a live tqdm bar (only on terminals).
        prefix: text starting the final plain line (e.g. ``"Epoch 3/10"``), or None.
        mininterval: seconds between refreshes of the live bar and its postfix.
        stream: where to write (default: sys.stdout at creation time).
    """

    def __init__(self, total: Optional[int], interactive: bool, prefix: Optional[str] = None,
                 mininterval: float = 0.1, stream: Optional[TextIO] = None) -> None:
        self.total = total
        self.interactive = interactive
        self.prefix = prefix
        self.stream = sys.stdout if stream is None else stream
        self.mininterval = mininterval
        self.start = time.monotonic()
        self.seen = 0
        self._next_refresh = self.start + mininterval
        self._tqdm = None
        if interactive:
            from tqdm import tqdm

            # A terminal that reports no width (some CI ptys, `script` without a tty) would make tqdm
            # draw an empty line: then never truncate instead.
            width = _terminal_width(self.stream)
            self._tqdm = tqdm(
                total=total, file=self.stream, mininterval=mininterval, leave=True, dynamic_ncols=width > 0,
                ncols=None if width > 0 else _NO_TRIM,
                unit="step", bar_format="{n_fmt}/{total_fmt} |{bar:20}| {elapsed}<{remaining}, {rate_fmt}{postfix}"
                if total else "{n_fmt} steps [{elapsed}, {rate_fmt}{postfix}]",
            )

    def update(self, step: int, logs: Optional[Dict[str, Any]] = None) -> None:
        """Record that step number `step` (0-based) finished; refresh the live bar when due."""
        n = step + 1
        delta = n - self.seen
        self.seen = n
        bar = self._tqdm
        if bar is None:
            return
        now = time.monotonic()
        if now >= self._next_refresh:
            self._next_refresh = now + self.mininterval
            if logs:
                bar.set_postfix_str(format_logs(logs), refresh=False)
        bar.update(delta)

    def close(self, logs: Optional[Dict[str, Any]] = None, line_prefix: Optional[str] = None) -> None:
        """Finish: the live bar shows `logs` and closes; otherwise one plain line is written."""
        elapsed = time.monotonic() - self.start
        if self._tqdm is not None:
            bar = self._tqdm
            if self.total is not None and bar.n < self.seen:
                bar.update(self.seen - bar.n)
            bar.set_postfix_str(format_logs(logs), refresh=False)
            # The live bar is cut at the terminal's width; the final line keeps every value
            # (the terminal wraps it), so the val_ entries are never lost.
            bar.dynamic_ncols = False
            bar.ncols = _NO_TRIM
            bar.close()
            self._tqdm = None
            return
        parts = []
        if line_prefix:
            parts.append(line_prefix)
        parts.append(_duration(elapsed))
        text = format_logs(logs)
        if text:
            parts.append(text)
        self.stream.write(" - ".join(parts) + "\n")
        self.stream.flush()
