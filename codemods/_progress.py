"""A one-line progress bar on stderr, shown only when stderr is a terminal."""

from __future__ import annotations

import sys
import time
from typing import TextIO

__all__ = ["Progress"]


class Progress:
    """Redraws ``[#####.....] done/total label`` at most ten times a second."""

    def __init__(self, *, enabled: bool, stream: TextIO | None = None) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.enabled = enabled
        self.total = 0
        self.done = 0
        self.label = ""
        self._last = 0.0
        self._width = 0

    def start(self, total: int, label: str) -> None:
        """Begin a phase of ``total`` steps (a phase of one step is not worth a bar)."""
        self.total, self.done, self.label, self._last = total, 0, label, 0.0

    def advance(self) -> None:
        """Count one more step and redraw if enough time has passed."""
        self.done += 1
        now = time.monotonic()
        if self.enabled and self.total > 1 and (now - self._last >= 0.1 or self.done >= self.total):
            self._last = now
            self._draw(self.label)

    def _draw(self, label: str) -> None:
        filled = int(30 * self.done / max(self.total, 1))
        line = f"[{'#' * filled}{'.' * (30 - filled)}] {self.done}/{self.total} {label}"
        line = line[:100]
        padding = " " * max(self._width - len(line), 0)
        self._width = len(line)
        self.stream.write(f"\r{line}{padding}")
        self.stream.flush()

    def close(self) -> None:
        """Erase the bar so later output starts on a clean line."""
        if self.enabled and self._width:
            self.stream.write("\r" + " " * self._width + "\r")
            self.stream.flush()
