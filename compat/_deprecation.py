"""One helper for every deprecation warning the package emits."""

from __future__ import annotations

import sys
import warnings
from collections.abc import Callable
from pathlib import Path
from types import FrameType

__all__ = ["warn_deprecated"]

_PACKAGE_DIR = str(Path(__file__).resolve().parent)


def _first_outside_frame_level(
    skip: tuple[str, ...] = (), skip_frame: Callable[[FrameType], bool] | None = None
) -> int:
    """Return the ``stacklevel`` of the first caller frame outside this package.

    Deprecations are raised deep inside constructors (``Task.__init__`` called from
    ``@task(...)`` called from a subclass's ``super().__init__``); a fixed ``stacklevel``
    would point at our own code, so walk up to the user's line instead. ``skip`` names more
    directories to walk past (the bridge passes Prefect's, whose constructors sit in between);
    ``skip_frame`` more frames (a user's constructor that only forwards the keyword).
    """
    prefixes = (_PACKAGE_DIR, *skip)
    frame = sys._getframe(2)  # the caller of warn_deprecated (stacklevel 2 there)
    level = 2
    while frame is not None and (
        frame.f_code.co_filename.startswith(prefixes)
        or (skip_frame is not None and skip_frame(frame))
    ):
        frame = frame.f_back
        level += 1
    return level


def warn_deprecated(
    what: str,
    instead: str,
    *,
    detail: str = "",
    skip: tuple[str, ...] = (),
    skip_frame: Callable[[FrameType], bool] | None = None,
) -> None:
    """Warn that ``what`` is deprecated, naming the replacement and pointing at user code.

    ``skip``: directories (besides this package) whose frames are not the user's line;
    ``skip_frame``: a test for other frames that are not it either.
    """
    message = f"{what} is deprecated; use {instead} instead."
    if detail:
        message = f"{message} {detail}"
    warnings.warn(
        message, DeprecationWarning, stacklevel=_first_outside_frame_level(skip, skip_frame)
    )
