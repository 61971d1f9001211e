"""`Progbar`: a text progress bar for custom loops (keras.utils.Progbar)."""
from __future__ import annotations

import sys
import time
from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple


def _format_value(value: float) -> str:
    return f"{value:.4f}" if abs(value) > 1e-3 else f"{value:.4e}"


def _interactive(stream: Any) -> bool:
    from numnet.config.interactive_logging import is_interactive_logging_enabled

    if not is_interactive_logging_enabled():
        return False
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False


class Progbar:
    """A text progress bar: ``12/100 [==>...........] - ETA: 3s - loss: 0.4321``.

    On a terminal the bar is redrawn in place (at most every `interval` seconds); elsewhere
    (files, pipes, or after `numnet.config.disable_interactive_logging`) one line is written
    when the bar finishes.

    Args:
        target: the total number of steps, or None when unknown.
        width: the width of the bar in characters.
        verbose: 0 silent, 1 the bar, 2 one line at the end.
        interval: the minimum number of seconds between redraws.
        stateful_metrics: names of values shown as given; all others are averaged over the
            steps seen so far.
        unit_name: what a step is called (``"step"`` or ``"sample"``).
        stream: where to write (default: `sys.stdout` when the bar is created).

    Raises:
        ValueError: `verbose` is not 0, 1 or 2, or `width` is not a positive int.
    """

    def __init__(self, target: Optional[int], width: int = 20, verbose: int = 1, interval: float = 0.05,
                 stateful_metrics: Optional[Iterable[str]] = None, unit_name: str = "step",
                 stream: Any = None) -> None:
        if verbose not in (0, 1, 2) or isinstance(verbose, bool):
            raise ValueError(f"Progbar: verbose must be 0, 1 or 2, got verbose={verbose!r}")
        if isinstance(width, bool) or not isinstance(width, int) or width < 1:
            raise ValueError(f"Progbar: width must be a positive int, got width={width!r}")
        self.target = target
        self.width = width
        self.verbose = verbose
        self.interval = interval
        self.unit_name = unit_name
        self.stateful_metrics = set(stateful_metrics or ())
        self.stream = sys.stdout if stream is None else stream
        self._dynamic = _interactive(self.stream)
        self._values: Dict[str, List[float]] = {}
        self._order: List[str] = []
        self._seen = 0
        self._start = time.monotonic()
        self._last_draw = 0.0
        self._last_len = 0
        self._finished = False

    def update(self, current: int, values: Optional[Sequence[Tuple[str, Any]]] = None,
               finalize: Optional[bool] = None) -> None:
        """Move the bar to step `current` and record `values` for the steps since the last call.

        Args:
            current: the index of the current step (steps done so far).
            values: ``(name, value)`` pairs for the latest step; values not in `stateful_metrics`
                are shown as their average over the steps seen, weighted by step count.
            finalize: whether this is the last update; None means ``current >= target``.
        """
        if finalize is None:
            finalize = self.target is not None and current >= self.target
        delta = max(current - self._seen, 1)
        for name, value in values or ():
            value = float(getattr(value, "data", value))
            if name not in self._values:
                self._order.append(name)
            if name in self.stateful_metrics:
                self._values[name] = [value, 1]
            else:
                total, count = self._values.get(name, [0.0, 0])
                self._values[name] = [total + value * delta, count + delta]
        self._seen = current
        if self.verbose == 0 or self._finished:
            return
        now = time.monotonic()
        if self.verbose == 1 and self._dynamic and not finalize:
            if now - self._last_draw >= self.interval:
                self._write("\r" + self._line(current, now, final=False), pad=True)
                self._last_draw = now
        elif finalize:
            prefix = "\r" if self.verbose == 1 and self._dynamic else ""
            line = self._line(current, now, final=True) if self.verbose == 1 else self._summary(current, now)
            self._write(prefix + line, pad=bool(prefix))
            self._write("\n")
            self._finished = True

    def add(self, n: int, values: Optional[Sequence[Tuple[str, Any]]] = None) -> None:
        """Advance the bar by `n` steps (``update(seen + n, values)``).

        Args:
            n: the number of steps done since the last call.
            values: ``(name, value)`` pairs, as in `update`.
        """
        self.update(self._seen + n, values)

    def _logs(self) -> str:
        parts = []
        for name in self._order:
            total, count = self._values[name]
            parts.append(f"{name}: {_format_value(total / max(count, 1))}")
        return "".join(f" - {p}" for p in parts)

    def _counter(self, current: int) -> str:
        if self.target is None:
            return f"{current}/Unknown"
        digits = len(str(self.target))
        return f"{current:>{digits}}/{self.target}"

    def _line(self, current: int, now: float, final: bool) -> str:
        text = self._counter(current)
        if self.target:
            done = int(self.width * min(current, self.target) / self.target)
            arrow = "=" * done if done >= self.width else "=" * max(done - 1, 0) + (">" if done else "")
            text += " [" + arrow + "." * (self.width - len(arrow)) + "]"
        elapsed = now - self._start
        if final:
            per = elapsed / max(current, 1)
            text += f" - {elapsed:.0f}s {per * 1e3:.0f}ms/{self.unit_name}"
        elif self.target and current:
            text += f" - ETA: {elapsed / current * (self.target - current):.0f}s"
        return text + self._logs()

    def _summary(self, current: int, now: float) -> str:
        return f"{self._counter(current)} - {now - self._start:.0f}s{self._logs()}"

    def _write(self, text: str, pad: bool = False) -> None:
        if pad:
            visible = len(text.lstrip("\r"))
            text += " " * max(self._last_len - visible, 0)
            self._last_len = visible
        self.stream.write(text)
        self.stream.flush()
