"""``FunctionTask``: a task whose ``run`` is a plain function (what ``@task`` builds)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from compat.core.task import Task

__all__ = ["FunctionTask"]


class FunctionTask(Task):
    """Wraps ``fn``; the task is named after it unless ``name=`` is given."""

    def __init__(self, fn: Callable[..., Any], name: str | None = None, **kwargs: Any) -> None:
        if not callable(fn):
            msg = f"FunctionTask needs a callable, got {fn!r}"
            raise TypeError(msg)
        self.run = fn  # type: ignore[method-assign]
        functools.update_wrapper(self, fn)
        super().__init__(name=name or getattr(fn, "__name__", type(self).__name__), **kwargs)
