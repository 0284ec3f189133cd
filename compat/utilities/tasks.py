"""The ``@task`` decorator (with or without arguments), ``unmapped``, ``tags`` (tags for the
tasks created inside a block) and ``defaults_from_attrs`` (a ``run`` keyword left out or
``None`` takes the task's attribute)."""

from __future__ import annotations

import contextlib
import functools
import inspect
from collections.abc import Callable, Iterator
from typing import Any, TypeVar, overload

from compat.core.edge import unmapped
from compat.tasks.core.function import FunctionTask

__all__ = ["defaults_from_attrs", "tags", "task", "unmapped"]

_Method = TypeVar("_Method", bound=Callable[..., Any])


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


def defaults_from_attrs(*attr_names: str) -> Callable[[_Method], _Method]:
    """Fill the named keyword arguments of a method from ``self`` when left out or ``None``.

    Task subclasses use it on ``run`` so that ``Task(name=...)`` settings act as defaults a
    call can override: ``@defaults_from_attrs("query")`` makes ``run()`` read
    ``self.query`` unless ``run(query=...)`` gives one. A value passed positionally is
    left as given (where Prefect's version raised "multiple values" ``TypeError``).
    """

    def decorate(method: _Method) -> _Method:
        positional = [
            p.name
            for p in inspect.signature(method).parameters.values()
            if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
        ][1:]  # after ``self``

        @functools.wraps(method)
        def with_defaults(self: Any, *args: Any, **kwargs: Any) -> Any:
            given = positional[: len(args)]
            for name in attr_names:
                if name not in given and kwargs.get(name) is None:
                    kwargs[name] = getattr(self, name)
            return method(self, *args, **kwargs)

        return with_defaults  # type: ignore[return-value]

    return decorate


@contextlib.contextmanager
def tags(*names: str) -> Iterator[None]:
    """Add ``names`` to the tags of every task created or called inside the block, as
    ``prefect.tags`` does (blocks nest; the outer tags stay)."""
    from compat.utilities.context import context

    with context(tags=set(names) | set(context.get("tags") or ())):
        yield
