"""``Task``: a unit of work whose ``run()`` output becomes a result.

Calling a task inside ``with Flow(...)`` copies it and binds its arguments (tasks become
edges, other values constants); ``.map()`` does the same with mapped edges.
"""

from __future__ import annotations

import copy
import datetime as dt
import functools
import inspect
import logging
import typing
import warnings
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any

from compat import triggers
from compat._deprecation import warn_deprecated
from compat.core._arguments import check_state_handlers, check_task_arguments
from compat.engine import cache_validators
from compat.engine.conversion import to_handler, to_result
from compat.engine.result.base import Result
from compat.engine.result_handlers.result_handler import ResultHandler
from compat.engine.results.result_handler_result import ResultHandlerResult
from compat.utilities.context import context as _context

if TYPE_CHECKING:
    from compat.core.flow import Flow

__all__ = ["Task", "resolve_result_argument"]

logger = logging.getLogger("compat.task")

ResultLike = Result | ResultHandler | None


def resolve_result_argument(
    owner: str, result: ResultLike, result_handler: ResultLike, *, spelled: str = ""
) -> Any:
    """Return the ``Result`` to use for ``result=``/``result_handler=`` (handler wins).

    A handler is converted through the conversion registry, with one deprecation warning
    pointing at the caller's line (``spelled`` is how the caller wrote it, by default
    ``<owner>(result_handler=...)``); a ``result`` given alongside it is ignored, as in
    Prefect 0.11–0.13, and the warning says so.
    """
    if result_handler is None:
        return to_result(result)
    detail = ""
    if result is not None:
        detail = (
            f"The result={result!r} argument was ignored because result_handler= was also "
            "given (as in Prefect 0.11-0.13); pass only result=."
        )
    converted = to_result(result_handler)
    handler_name = type(result_handler).__name__
    if isinstance(converted, ResultHandlerResult):
        replacement = f"result=ResultHandlerResult({handler_name}(...))"
    else:
        replacement = f"result={type(converted).__name__}(...) (for {handler_name})"
    warn_deprecated(spelled or f"{owner}(result_handler=...)", replacement, detail=detail)
    return converted


def _legacy_handler_property(owner_kind: str) -> property:
    """A ``result_handler`` attribute as in Prefect 0.10: a view of ``result`` as a handler.

    Reading it gives ``to_handler(result)`` (``None`` without a result); assigning a
    handler converts it into ``result``. Both warn, naming ``result`` as the replacement.
    """

    def read(self: Any) -> ResultHandler | None:
        owner = type(self).__name__
        warn_deprecated(
            f"{owner}.result_handler",
            f"{owner}.result",
            detail=f"It reads the {owner_kind}'s result.",
        )
        return None if self.result is None else to_handler(self.result)

    def assign(self: Any, handler: ResultLike) -> None:
        owner = type(self).__name__
        self.result = resolve_result_argument(
            owner, None, handler, spelled=f"{owner}.result_handler = ..."
        )

    return property(read, assign, doc="Prefect 0.10's handler view of ``result`` (deprecated).")


def _nout_from_annotation(run: Callable[..., Any]) -> int | None:
    try:
        hint = typing.get_type_hints(run).get("return")
    except Exception:  # unresolvable annotations simply give no hint
        return None
    if typing.get_origin(hint) is tuple:
        args = typing.get_args(hint)
        if args and Ellipsis not in args:
            return len(args)
    return None


class Task:
    """Subclass and implement ``run()``; configure results, retries, caching and triggers.

    ``result_handler=`` is accepted for 0.x code and converted (see
    :func:`resolve_result_argument`). ``checkpoint=None`` means "yes, when checkpointing is
    on". ``target`` (a template or a callable) skips the run when a value exists there.
    """

    def __init__(
        self,
        name: str | None = None,
        slug: str | None = None,
        tags: Iterable[str] | None = None,
        max_retries: int | None = None,
        retry_delay: dt.timedelta | None = None,
        timeout: int | None = None,
        trigger: Callable[..., bool] | None = None,
        skip_on_upstream_skip: bool = True,
        cache_for: dt.timedelta | None = None,
        cache_validator: Callable[..., bool] | None = None,
        cache_key: str | None = None,
        checkpoint: bool | None = None,
        state_handlers: list[Callable[..., Any]] | None = None,
        on_failure: Callable[..., Any] | None = None,
        log_stdout: bool = False,
        result: ResultLike = None,
        target: str | Callable[..., str] | None = None,
        task_run_name: str | Callable[..., str] | None = None,
        nout: int | None = None,
        result_handler: ResultLike = None,
    ) -> None:
        from compat.utilities.configuration import config

        self.name = name or type(self).__name__
        owner = f"Task {self.name!r}"
        check_task_arguments(owner, tags, timeout, trigger, retry_delay, cache_for)
        check_state_handlers(owner, state_handlers)
        self.slug = slug
        self.tags = set(tags or ()) | set(_context.get("tags") or ())  # `with tags(...)`
        if max_retries is None:
            max_retries = int(config.get_nested("tasks.defaults.max_retries", 0) or 0)
        if retry_delay is None and config.get_nested("tasks.defaults.retry_delay") is not None:
            retry_delay = dt.timedelta(seconds=config.get_nested("tasks.defaults.retry_delay"))
        if max_retries > 0 and retry_delay is None:
            msg = (
                f"Task {self.name!r}: a datetime.timedelta retry_delay must be provided "
                "if max_retries > 0 (e.g. retry_delay=timedelta(seconds=10))"
            )
            raise ValueError(msg)
        self.max_retries = max_retries
        self.retry_delay = retry_delay
        self.timeout = timeout
        self.trigger = trigger or triggers.all_successful
        self.skip_on_upstream_skip = skip_on_upstream_skip
        if cache_validator is None:
            cache_validator = (
                cache_validators.never_use if cache_for is None else cache_validators.duration_only
            )
        elif cache_for is None and cache_validator is not cache_validators.never_use:
            warnings.warn(
                "cache_validator provided without specifying cache expiration (cache_for); "
                "this Task will not be cached.",
                UserWarning,
                stacklevel=2,
            )
        self.cache_for = cache_for
        self.cache_validator = cache_validator
        self.cache_key = cache_key
        self.checkpoint = checkpoint
        self.state_handlers = list(state_handlers or [])
        if on_failure is not None:
            self.state_handlers.append(_on_failure_handler(on_failure))
        self.log_stdout = log_stdout
        self.result: Result | None = resolve_result_argument(
            type(self).__name__, result, result_handler
        )
        self.target = target
        self.task_run_name = task_run_name
        self.nout = nout if nout is not None else _nout_from_annotation(self.run)

    @functools.cached_property
    def logger(self) -> logging.Logger:
        """The ``prefect.<task name>`` logger, Prefect's ``Task.logger`` (made on first use)."""
        from compat.utilities.logging import get_logger

        return get_logger(self.name)

    # -- the work --------------------------------------------------------------------------

    def run(self) -> Any:
        """The task's work; subclasses override it (the default returns ``None``)."""

    def __repr__(self) -> str:
        return f"<Task: {self.name}>"

    result_handler = _legacy_handler_property("task")

    def copy(self, **task_args: Any) -> Task:
        """Return a shallow copy, with some attributes changed (``name=``, ``tags=``, ...)."""
        unknown = [k for k in task_args if k != "result_handler" and not hasattr(self, k)]
        if unknown:
            msg = (
                f"copy() got unknown Task attributes {unknown}; valid ones are {sorted(vars(self))}"
            )
            raise AttributeError(msg)
        new = copy.copy(self)
        if "result_handler" in task_args or "result" in task_args:
            new.result = resolve_result_argument(
                type(self).__name__,
                task_args.pop("result", None),
                task_args.pop("result_handler", None),
            )
        if (
            task_args.get("cache_for") is not None
            and "cache_validator" not in task_args
            and new.cache_validator is cache_validators.never_use
        ):
            task_args["cache_validator"] = cache_validators.duration_only
        for key, value in task_args.items():
            setattr(new, key, value)
        new.slug = task_args.get("slug")
        new.tags = set(new.tags) | set(_context.get("tags") or ())  # `with tags(...)`
        return new

    # -- building flows --------------------------------------------------------------------

    def __call__(
        self,
        *args: Any,
        mapped: bool = False,
        task_args: dict[str, Any] | None = None,
        upstream_tasks: Iterable[Any] | None = None,
        flow: Flow | None = None,
        **kwargs: Any,
    ) -> Task:
        """Copy the task and bind arguments to the copy in the active (or given) flow."""
        new = self.copy(**(task_args or {}))
        return new.bind(*args, mapped=mapped, upstream_tasks=upstream_tasks, flow=flow, **kwargs)

    def bind(
        self,
        *args: Any,
        mapped: bool = False,
        upstream_tasks: Iterable[Any] | None = None,
        flow: Flow | None = None,
        **kwargs: Any,
    ) -> Task:
        """Bind ``run()`` arguments (positional or keyword) to this task in a flow."""
        signature = _run_signature(self)
        try:
            callargs = dict(signature.bind(*args, **kwargs).arguments)
        except TypeError as exc:
            msg = f"cannot bind arguments to {self!r}: {exc} (run{signature})"
            raise TypeError(msg) from exc
        for parameter in signature.parameters.values():
            if parameter.kind is inspect.Parameter.VAR_KEYWORD:
                callargs.update(callargs.pop(parameter.name, {}))
            elif parameter.kind is inspect.Parameter.VAR_POSITIONAL and callargs.get(
                parameter.name
            ):
                msg = f"{self!r}: *{parameter.name} arguments cannot be bound in a flow"
                raise TypeError(msg)
            else:
                continue
        _active_flow(flow, self).set_dependencies(
            self, upstream_tasks=upstream_tasks, keyword_tasks=callargs, mapped=mapped
        )
        return self

    def map(
        self,
        *args: Any,
        upstream_tasks: Iterable[Any] | None = None,
        flow: Flow | None = None,
        task_args: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> Task:
        """Run one copy per element of the mapped arguments (``unmapped`` ones go whole).

        A mapped constant that cannot be indexed (a number, a generator) is a ``TypeError``
        here, as in Prefect, rather than a failed run.
        """
        from compat.core.edge import unmapped

        for key, value in (*enumerate(args), *kwargs.items()):
            if not hasattr(value, "__getitem__") and not isinstance(value, unmapped):
                where = f"argument {key!r}" if isinstance(key, str) else f"argument #{key}"
                msg = (
                    f"{self!r}.map(): cannot map over {where}, a {type(value).__name__} "
                    f"({repr(value)[:40]}): it has no elements to index; pass a list, or wrap "
                    "it in unmapped(...) to give every copy the whole value"
                )
                raise TypeError(msg)
        new = self.copy(**(task_args or {}))
        return new.bind(*args, mapped=True, upstream_tasks=upstream_tasks, flow=flow, **kwargs)

    def set_upstream(
        self, task: Any, flow: Flow | None = None, key: str | None = None, mapped: bool = False
    ) -> Task:
        """Make ``task`` run before this one (feeding argument ``key``, if given)."""
        flow = _active_flow(flow, self)
        if key is None:
            flow.set_dependencies(self, upstream_tasks=[task], mapped=mapped)
        else:
            flow.set_dependencies(self, keyword_tasks={key: task}, mapped=mapped)
        return self

    def set_downstream(
        self, task: Task, flow: Flow | None = None, key: str | None = None, mapped: bool = False
    ) -> Task:
        """Make ``task`` run after this one (fed through its argument ``key``, if given)."""
        task.set_upstream(self, flow=flow, key=key, mapped=mapped)
        return self

    def set_dependencies(self, flow: Flow | None = None, **kwargs: Any) -> Task:
        """``flow.set_dependencies(self, ...)`` on the active flow."""
        _active_flow(flow, self).set_dependencies(self, **kwargs)
        return self

    def __getitem__(self, key: Any) -> Task:
        """A task returning ``self``'s output indexed by ``key`` (``a, b = task()``)."""
        from compat.tasks.core.operators import GetItem

        name = f"{self.name}[{key!r}]"
        return GetItem(name=name, checkpoint=False, result=self.result).bind(self, key)

    def __iter__(self) -> Iterator[Task]:
        if self.nout is None:
            msg = (
                f"{self!r} is not iterable; if it returns several values, pass nout= to the "
                "task (or annotate run() with a Tuple[...] return type)"
            )
            raise TypeError(msg)
        return (self[i] for i in range(self.nout))

    def inputs(self) -> dict[str, dict[str, Any]]:
        """The ``run()`` arguments: name → ``{"required": bool, "type": annotation}``."""
        return {
            name: {
                "required": p.default is inspect.Parameter.empty,
                "type": p.annotation if p.annotation is not inspect.Parameter.empty else Any,
            }
            for name, p in _run_signature(self).parameters.items()
            if p.kind not in (inspect.Parameter.VAR_KEYWORD, inspect.Parameter.VAR_POSITIONAL)
        }


def _run_signature(task: Task) -> inspect.Signature:
    """``inspect.signature(task.run)``, computed once per ``run`` function (copies share it)."""
    return _signature_entry(task)[1]


def _required_run_arguments(task: Task) -> tuple[str, ...]:
    """Names of ``task.run()``'s arguments without a default (``*args``/``**kwargs`` aside).

    Kept with the signature: every flow run checks every task's arguments are bound.
    """
    return _signature_entry(task)[2]


def _signature_entry(task: Task) -> tuple[Any, inspect.Signature, tuple[str, ...]]:
    """``(run function, its signature, its required argument names)``, cached on the task."""
    run = task.run
    key = getattr(run, "__func__", run)
    cached = task.__dict__.get("_signature_cache")
    if cached is not None and cached[0] is key:
        return cached
    signature = inspect.signature(run)
    variadic = (inspect.Parameter.VAR_KEYWORD, inspect.Parameter.VAR_POSITIONAL)
    required = tuple(
        name
        for name, p in signature.parameters.items()
        if p.default is inspect.Parameter.empty and p.kind not in variadic
    )
    entry = task.__dict__["_signature_cache"] = (key, signature, required)
    return entry


def _active_flow(flow: Flow | None, task: Task) -> Flow:
    from compat.utilities.context import context

    active = flow or context.get("flow")
    if active is None:
        msg = (
            f"no active Flow while binding {task!r}: call tasks inside `with Flow(...):` "
            "or pass flow=..."
        )
        raise ValueError(msg)
    return active


def _on_failure_handler(callback: Callable[..., Any]) -> Callable[..., Any]:
    """A state handler calling ``callback(task_or_flow, state)`` when the run fails."""

    def handler(task: Any, old_state: Any, new_state: Any) -> Any:
        if new_state.is_failed():
            callback(task, new_state)
        return new_state

    return handler
