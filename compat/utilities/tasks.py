"""The ``@task`` decorator (with or without arguments) and ``unmapped``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, overload

from compat.core.edge import unmapped
from compat.tasks.core.function import FunctionTask

__all__ = ["task", "unmapped"]


@overload
def task(fn: Callable[..., Any]) -> FunctionTask: ...


@overload
def task(
    fn: None = None, **task_init_kwargs: Any
) -> Callable[[Callable[..., Any]], FunctionTask]: ...


def task(fn: Callable[..., Any] | None = None, **task_init_kwargs: Any) -> Any:
    """Turn a function into a ``FunctionTask``: ``@task`` or ``@task(max_retries=2, ...)``.

    Keyword arguments are those of :class:`~compat.core.task.Task` (``result_handler=``
    included: it is converted, warning once, at the ``@task(...)`` line).
    """
    if fn is None:
        return lambda fn: FunctionTask(fn=fn, **task_init_kwargs)
    return FunctionTask(fn=fn, **task_init_kwargs)
