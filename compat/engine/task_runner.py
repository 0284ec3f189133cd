"""``TaskRunner``: one run of one task (or one mapped child), from inputs to a final state.

Order of business: upstream skips, the trigger, inputs (hydrated with the *upstream*
task's result when only a location is known), then the target (or the cache), then the
run itself with signals, loops and retries, and finally checkpointing (reference §4.3):
write iff ``context.checkpointing is True``, ``task.checkpoint is not False`` and the value
is not ``None``; a result that cannot write (``ResultNotImplementedError``) keeps the value
in memory; any other error while writing, template errors included, fails the task.

The run logs Prefect's lines on ``prefect.TaskRunner`` and calls the state handlers with
Prefect's transitions (each loop iteration starts ``Pending → Running``); ``timeout`` and
``log_stdout`` apply to the call of ``task.run``. See ``docs/runtime.md``.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable, Mapping
from contextlib import redirect_stdout
from typing import Any

from compat._lazy import configuration
from compat._process import random_identifiers
from compat._templating import format_location, format_template
from compat.core.edge import Edge
from compat.core.task import Task
from compat.engine import signals
from compat.engine._timeouts import run_with_timeout
from compat.engine.cache_validators import hash_inputs
from compat.engine.conversion import to_handler
from compat.engine.result.base import NoResultType, Result, SafeResult
from compat.engine.result_handlers.result_handler import ResultHandler
from compat.engine.results.constant_result import ConstantResult
from compat.engine.state import (
    Cached,
    Failed,
    Looped,
    Mapped,
    Pending,
    Retrying,
    Running,
    Skipped,
    State,
    Success,
    TimedOut,
    TriggerFailed,
    utcnow,
)
from compat.exceptions import ResultNotImplementedError, ReturnTypeError
from compat.utilities.context import context
from compat.utilities.logging import RedirectToLog, configure_logging, get_logger

__all__ = [
    "EndRun",
    "HandlerCache",
    "TaskRunner",
    "call_state_handler",
    "checkpoint_value",
    "result_for_task",
    "run_task",
]

#: Prefect's name for the task runner's logger (``prefect.TaskRunner``).
logger = get_logger("TaskRunner")
_DEBUG, _INFO, _WARNING = 10, 20, 30

#: The run context under a name that ``context=`` parameters do not shadow.
_prefect_context = context

StateHandler = Callable[[Task, State, State], State | None]


class HandlerCache(dict[int, tuple[Result, ResultHandler]]):
    """A flow run's checkpoint handlers by source result; it never travels to another process.

    Pickled (for a process executor) it arrives empty: each process converts its own.
    """

    def __reduce__(self) -> tuple[type[HandlerCache], tuple[()]]:
        return (HandlerCache, ())


#: Bound constants become copies of this (a copy costs less than building a result anew).
_CONSTANT = ConstantResult()


def result_for_task(task: Task, flow_result: Result | None) -> Result:
    """The result a task's outputs use: the task's, else a copy of the flow's, else ``Result()``.

    A ``target`` becomes the location (a callable target becomes the location formatter).
    """
    if task.result is not None:
        result = task.result
    elif flow_result is not None:
        result = flow_result.copy()
    else:
        result = Result()
    if task.target is not None:
        result = result.copy()
        result._set_location(task.target)
    return result


def checkpoint_value(
    result: Result,
    value: Any,
    checkpoint: bool | None,
    *,
    handler: ResultHandler | None = None,
    **kwargs: Any,
) -> Result:
    """Return ``value`` in ``result``'s type, written to storage when §4.3 says so.

    After a write, ``safe_value`` is the legacy reference (``SafeResult(location, handler)``),
    so 0.10-style code reading ``_result.safe_value`` keeps working. ``handler`` is
    ``to_handler(result)`` when the caller already has it (it depends on the result's
    settings, not on the location).
    """
    if context.get("checkpointing") is True and checkpoint is not False and value is not None:
        return _written(result, value, handler, kwargs)
    return result.from_value(value)


def _written(
    result: Result, value: Any, handler: ResultHandler | None, kwargs: Mapping[str, Any]
) -> Result:
    """``value`` written by ``result`` (the write of :func:`checkpoint_value`)."""
    try:
        written = result.write(value, **kwargs)
    except ResultNotImplementedError:
        return result.from_value(value)
    try:
        location = written.location
    except AttributeError:  # only a broken write gets here: no cost on the common path
        msg = (
            f"{type(result).__name__}.write() returned {type(written).__name__}, not a "
            "Result; a Result's write must return the Result holding the value and its "
            "location (usually a copy of itself)"
        )
        raise ReturnTypeError(msg) from None
    written.safe_value = SafeResult(location, handler or to_handler(written))
    return written


class TaskRunner:
    """Runs a task once (retrying and looping as configured) and returns its final state."""

    def __init__(
        self,
        task: Task,
        state_handlers: list[StateHandler] | None = None,
        flow_result: Result | None = None,
        handler_cache: HandlerCache | None = None,
    ) -> None:
        self.task = task
        self.state_handlers = list(state_handlers or [])
        self._handlers = [*task.state_handlers, *self.state_handlers]
        self.flow_result = flow_result
        if task.result is None and task.target is None and flow_result is not None:
            # Only read here (every output is a new result: a write or ``from_value``), so
            # the flow's result itself serves, without a copy per task run.
            self.result = flow_result
        else:
            self.result = result_for_task(task, flow_result)
        self._last_loop_result: Any = None
        self._full_name = task.name
        self._handler: ResultHandler | None = None
        #: The flow run's handlers by source result (see :meth:`_handler_for`).
        self._handler_cache = handler_cache

    # -- states ----------------------------------------------------------------------------

    def set_state(self, old: State, new: State) -> State:
        """Move to ``new``, letting the task's and the runner's state handlers replace it."""
        if new is old:
            return new
        self._tag(new)
        if logger.isEnabledFor(_DEBUG):
            logger.debug(
                "Task '%s': Handling state change from %s to %s",
                self._full_name,
                type(old).__name__,
                type(new).__name__,
            )
        if not self._handlers:  # nothing can replace the new state (tagged already)
            return new
        try:
            for handler in self._handlers:
                new = call_state_handler(handler, self.task, old, new)
        except signals.PrefectStateSignal as signal:  # a handler may decide with a signal
            _reraise_if_asked(signal)
            return self._tag(signal.state)
        except Exception as exc:
            _reraise_if_asked(exc)
            raise EndRun.from_handler_error(exc, logger) from exc
        return self._tag(new)

    def _observed(self) -> bool:
        """Whether a state change can be seen: a state handler or a DEBUG line gets it.

        Only then are the task run's intermediate states (``Pending``, ``Running``) built;
        otherwise shared placeholders stand for them, which nothing reads or changes.
        """
        return bool(self._handlers) or logger.isEnabledFor(_DEBUG)

    def _tag(self, state: State) -> State:
        """As Prefect: a state made during a task run carries the task's tags in its context."""
        if "tags" not in state.context:
            state.context["tags"] = sorted(self.task.tags)
        return state

    def _log_start(self) -> None:
        if logger.isEnabledFor(_INFO):
            logger.info("Task '%s': Starting task run...", self._full_name)

    def _log_end(self, state: State) -> State:
        if logger.isEnabledFor(_INFO):
            logger.info(
                "Task '%s': Finished task run for task with final state: '%s'",
                self._full_name,
                type(state).__name__,
            )
        return state

    def _task_context(self, map_index: int | None, run_count: int) -> dict[str, Any]:
        """The keys a task run adds to the flow run's context."""
        task = self.task
        name = task.name
        full_name = name if map_index is None else f"{name}[{map_index}]"
        self._full_name = full_name
        return {
            "task_name": name,
            "task_slug": task.slug,
            "task_id": task.slug,
            "task_tags": set(task.tags),
            "task_full_name": full_name,
            "map_index": map_index,
            "task_run_count": run_count,
            "logger": get_logger(full_name),
        }

    def run_mapped_parent(self, outcome: State, context: Mapping[str, Any] | None = None) -> State:
        """Give a mapped parent its state before its children run (Pending → Mapped, as Prefect).

        ``outcome`` is ``Mapped`` when children will run, or the parent's final state when
        it cannot map (an upstream failed or skipped).
        """
        with _prefect_context(context or {}, self._task_context(None, 1)):
            self._log_start()
            try:
                state = self.set_state(Pending(), outcome)
            except EndRun as end:
                state = self._tag(end.state)
            return self._log_end(state)

    # -- inputs ----------------------------------------------------------------------------

    def _reader_for(self, edge: Edge, stored: Any) -> Result | None:
        upstream = edge.upstream_task
        reader = upstream.result if upstream.result is not None else self.flow_result
        return reader if reader is not None else (stored if isinstance(stored, Result) else None)

    def get_inputs(
        self,
        upstream_states: Mapping[Edge, State],
        constants: Mapping[str, Any] | None = None,
        cached_inputs: Mapping[str, Any] | None = None,
    ) -> dict[str, Result]:
        """The input results by argument name, hydrated through the upstream task's result."""
        inputs: dict[str, Result] = {}
        for edge, upstream_state in upstream_states.items():
            if edge.key is None:
                continue
            stored: Any = upstream_state._result
            if isinstance(stored, NoResultType) and cached_inputs and edge.key in cached_inputs:
                stored = cached_inputs[edge.key]
            location = getattr(stored, "location", None)
            if stored.value is None and location is not None:
                reader = self._reader_for(edge, stored)
                if reader is not None:
                    stored = reader.read(location)
            inputs[edge.key] = stored if isinstance(stored, Result) else Result(stored.value)
        if constants:
            for key, value in constants.items():
                inputs[key] = _CONSTANT.from_value(value)
        return inputs

    # -- the run ---------------------------------------------------------------------------

    def run(
        self,
        state: State | None = None,
        upstream_states: Mapping[Edge, State] | None = None,
        context: Mapping[str, Any] | None = None,
        constants: Mapping[str, Any] | None = None,
        map_index: int | None = None,
        extra_context: Mapping[str, Any] | None = None,
    ) -> State:
        """Run the task with the given upstream states inside the given context.

        ``extra_context`` is added on top (the flow runner's per-run keys, without copying
        the flow run's context twice).
        """
        state = state or (Pending() if self._observed() else _UNSTARTED)
        if state.is_finished():
            return state
        run_count = state.run_count + 1 if isinstance(state, Retrying) else 1
        task_context = self._task_context(map_index, run_count)
        if extra_context:
            task_context.update(extra_context)
        with _prefect_context(context or {}, task_context):
            if "checkpointing" not in _prefect_context:
                _prefect_context["checkpointing"] = _config_checkpointing()
            self._log_start()
            try:
                state = self._run(state, dict(upstream_states or {}), constants or {}, run_count)
            except EndRun as end:
                state = self._tag(end.state)
            return self._log_end(state)

    def _run(
        self,
        state: State,
        upstream_states: dict[Edge, State],
        constants: Mapping[str, Any],
        run_count: int,
    ) -> State:
        task = self.task
        skipped = mapped = False
        for upstream_state in upstream_states.values():  # one pass over them, not two
            skipped = skipped or upstream_state.is_skipped()
            mapped = mapped or isinstance(upstream_state, Mapped)
        if mapped and not skipped:  # a reduce step sees a mapped task's children, as Prefect
            skipped = _a_child_skipped(upstream_states)
        if skipped and task.skip_on_upstream_skip:
            message = (
                "Upstream task was skipped; if this was not the intended behavior, consider "
                "changing `skip_on_upstream_skip=False` for this task."
            )
            _debug("Task '%s': Upstream states were skipped; ending run.", self._full_name)
            return self.set_state(state, Skipped(message))
        try:
            view = _trigger_view(upstream_states) if mapped else dict(upstream_states)
            if not task.trigger(view):
                raise signals.TRIGGERFAIL(
                    f"Trigger {task.trigger.__name__!r} refused the upstream states."
                )
        except signals.PrefectStateSignal as exc:  # TRIGGERFAIL, or SKIP from not_all_skipped
            _debug(
                "Task '%s': %s signal raised during execution.",
                self._full_name,
                type(exc).__name__,
            )
            _reraise_if_asked(exc)
            return self.set_state(state, exc.state)
        except Exception as exc:  # Prefect's words: the trigger itself failed
            logger.exception(
                "Task '%s': Unexpected error while evaluating task trigger: %r",
                self._full_name,
                exc,
            )
            _reraise_if_asked(exc)
            message = f"Unexpected error while checking task trigger: {exc!r}"
            return self.set_state(state, TriggerFailed(message, result=exc))
        loop_count, loop_result = 1, None
        if isinstance(state, Retrying) and "_loop_count" in state.context:
            loop_count = int(state.context["_loop_count"])
            # A resumed loop reads its last (checkpointed) result back with the task's result.
            loop_result = state.load_result(self.result).result
        while True:
            try:
                inputs = self.get_inputs(upstream_states, constants, state.cached_inputs)
                raw = {key: result.value for key, result in inputs.items()}
                found = None
                # Only a run name or a target template reads them before the run.
                if task.task_run_name is not None or task.target is not None:
                    kwargs = self._formatting_kwargs(raw)
                    self._set_task_run_name(kwargs)
                    found = self._check_target(inputs, raw, kwargs)
                if found is None and task.cache_for is not None:
                    found = self._check_cache(raw)
            except Exception as exc:  # a target, validator or run name that failed: Prefect's words
                message = f"Unexpected error: {exc!r}"
                logger.exception(message)
                _reraise_if_asked(exc)
                state = self.set_state(state, Failed(message, result=exc))
                _debug(
                    "Task '%s': Can't set state to Running because it isn't Pending; ending run.",
                    self._full_name,
                )
                return state
            if found is not None:
                state = self.set_state(state, found)
                _debug(
                    "Task '%s': Can't set state to Running because it isn't Pending; ending run.",
                    self._full_name,
                )
                return state
            if self._observed():
                state = _still_running(self.set_state(state, _running()))
            else:  # nobody sees it (no state handler, no DEBUG line): nothing to build
                state = _STARTED
            state, loop_count, loop_result = self._run_attempt(state, raw, loop_count, loop_result)
            if not self._should_retry(state, run_count):
                return self._cache_result(state, raw)
            delay = task.retry_delay or dt.timedelta(0)
            retrying = Retrying(
                f"Retrying Task (after attempt {run_count} of {task.max_retries + 1})",
                result=self._last_loop_result if loop_count > 1 else None,
                run_count=run_count,
                start_time=utcnow() + delay,
                cached_inputs=inputs,
                context={"_loop_count": loop_count} if loop_count > 1 else None,
            )
            state = self.set_state(state, retrying)
            if logger.isEnabledFor(_INFO):  # the run ends here in Prefect, and starts again
                logger.info(
                    "Task '%s': Finished task run for task with final state: 'Retrying'",
                    self._full_name,
                )
            time.sleep(delay.total_seconds())
            run_count += 1
            context["task_run_count"] = run_count
            self._log_start()

    def _should_retry(self, state: State, run_count: int) -> bool:
        if isinstance(state, Retrying):
            return True
        return (
            state.is_failed()
            and not isinstance(state, TriggerFailed)
            and run_count <= self.task.max_retries
        )

    def _formatting_kwargs(self, raw_inputs: Mapping[str, Any]) -> dict[str, Any]:
        """Parameters, then context, then task inputs (inputs win, as in Prefect 0.13.15+)."""
        current = context._data
        return {**(current.get("parameters") or {}), **current, **raw_inputs}

    def _set_task_run_name(self, kwargs: Mapping[str, Any]) -> None:
        template = self.task.task_run_name
        if template is None:
            return
        name = (
            template(**kwargs)
            if callable(template)
            else format_template(template, kwargs, what="task_run_name")
        )
        context["task_run_name"] = name

    def _check_target(
        self, inputs: Mapping[str, Result], raw: Mapping[str, Any], kwargs: Mapping[str, Any]
    ) -> State | None:
        target = self.task.target
        if target is None:
            return None
        location = target(**kwargs) if callable(target) else format_location(target, kwargs)
        if not self.result.exists(location):
            return None
        found = self.result.read(location)
        return Cached(
            f"Result found at task target {location}",
            result=found,
            cached_parameters=dict(context.get("parameters") or {}),
            hashed_inputs=hash_inputs(raw),
        )

    def _check_cache(self, raw: Mapping[str, Any]) -> State | None:
        task = self.task
        if task.cache_for is None:
            return None
        candidates = (context.get("caches") or {}).get(task.cache_key or task.name, [])
        parameters = context.get("parameters")
        for candidate in candidates:
            if task.cache_validator(candidate, dict(raw), parameters):
                return candidate
        if logger.isEnabledFor(_WARNING):  # Prefect says so on every run the cache misses
            logger.warning("Task '%s': Can't use cache because it is now invalid", self._full_name)
        return None

    def _checkpoint(self, value: Any, raw: Mapping[str, Any]) -> Result:
        result = self.result
        if (
            value is None
            or context.get("checkpointing") is not True
            or self.task.checkpoint is False
        ):
            return result.from_value(value)  # no write (checkpoint_value's rule, decided early)
        handler = self._handler
        if handler is None and result.is_storage_backed:
            handler = self._handler = self._handler_for(result)
        if _uses_keywords_only_for_templates(result) and not _has_template(result):
            return _written(result, value, handler, {})  # nothing to render: no keywords
        return _written(result, value, handler, self._formatting_kwargs(raw))

    def _handler_for(self, result: Result) -> ResultHandler:
        """``to_handler(result)``, converted once per flow run and source result.

        Every task run of a flow run whose result is a copy of the same task or flow result
        gets the same handler: it depends on the result's settings, not on its location.
        """
        source = self.task.result if self.task.result is not None else self.flow_result
        cache = self._handler_cache
        if cache is None or source is None:
            return to_handler(result)
        found = cache.get(id(source))
        if found is not None and found[0] is source:
            return found[1]
        handler = to_handler(result)
        cache[id(source)] = (source, handler)
        return handler

    def _run_attempt(
        self, state: State, raw: Mapping[str, Any], loop_count: int, loop_result: Any
    ) -> tuple[State, int, Any]:
        """Run (and loop) once; return the state, the loop count and the last loop result.

        ``task_loop_count`` is in context from the first iteration (Prefect 0.13.15+ left it
        out there, so a ``{task_loop_count}`` location failed with ``KeyError``);
        ``task_loop_result`` from the second.
        """
        while True:
            # Set in the task run's own context, which the end of the run restores.
            context["task_loop_count"] = loop_count
            if loop_count > 1:
                context["task_loop_result"] = loop_result
            new, looped = self._run_once(raw, loop_count)
            state = self.set_state(state, new)
            if not looped:
                return state, loop_count, loop_result
            loop_result = looped[0]
            self._last_loop_result = new._result  # written when checkpointing, for Retrying
            # Prefect starts each further iteration as a new run: Pending → Running.
            pending = Pending(f"Looping task (on loop index {loop_count})")
            loop_count += 1
            state = _still_running(self.set_state(pending, _running()))

    def _call_run(self, raw: Mapping[str, Any]) -> Any:
        """``task.run(**raw)``, with stdout logged (``log_stdout``) and a ``timeout``."""
        task = self.task
        if task.timeout is None and not task.log_stdout:
            return task.run(**raw)
        if task.log_stdout:
            with redirect_stdout(RedirectToLog(logger)):  # type: ignore[type-var]
                return run_with_timeout(task.run, raw, task.timeout)
        return run_with_timeout(task.run, raw, task.timeout)

    def _run_once(self, raw: Mapping[str, Any], loop_count: int) -> tuple[State, tuple[Any, ...]]:
        _debug("Task '%s': Calling task.run() method...", self._full_name)
        try:
            value = self._call_run(raw)
        except TimeoutError as exc:
            _reraise_if_asked(exc)
            return TimedOut("Task timed out during execution.", result=exc), ()
        except signals.LOOP as loop:
            message = loop.message or f"Task is looping ({loop_count})"
            try:
                result = self._checkpoint(loop.result, raw)
            except Exception as exc:
                return _checkpoint_failed(self.task, exc), ()
            return Looped(message, result=result, loop_count=loop_count), (loop.result,)
        except signals.PrefectStateSignal as signal:
            # SUCCESS too: Prefect keeps the signal's state as it is (its message, its result
            # or the signal itself), unwritten.
            _log_signal(signal)
            _reraise_if_asked(signal)
            if isinstance(signal, signals.RETRY):
                return Retrying(signal.message, result=signal.state._result), ()
            return signal.state, ()
        except Exception as exc:
            message = f"Unexpected error: {exc!r}"
            logger.exception(message)
            _reraise_if_asked(exc)
            return Failed(message, result=exc), ()
        else:
            message = "Task run succeeded."
        try:
            result = self._checkpoint(value, raw)
        except Exception as exc:
            return _checkpoint_failed(self.task, exc), ()
        return Success(message, result=result), ()

    def _cache_result(self, state: State, raw: Mapping[str, Any]) -> State:
        task = self.task
        if task.cache_for is None or not isinstance(state, Success) or state.is_skipped():
            return state
        if isinstance(state, Cached):
            return state
        cached = Cached(
            state.message,
            result=state._result,
            cached_result_expiration=utcnow() + task.cache_for,
            cached_parameters=dict(context.get("parameters") or {}),
            hashed_inputs=hash_inputs(raw),
        )
        return self.set_state(state, cached)


def _uses_keywords_only_for_templates(result: Result) -> bool:
    """compat's own results read ``write(**kwargs)`` only to render a location template."""
    return type(result).write.__module__.startswith("compat.")


def _has_template(result: Result) -> bool:
    return isinstance(result.location, str) or getattr(result, "_formatter", None) is not None


def _running() -> State:
    return Running("Starting task run.")


#: Stand-ins for a task run's first states when no one can observe them (see
#: ``TaskRunner._observed``): never tagged, handed to a handler or returned.
_UNSTARTED: State = Pending()
_STARTED: State = _running()


class EndRun(BaseException):
    """Ends a task or flow run early with ``state``, as Prefect's ``ENDRUN``.

    A ``BaseException`` so that no ``except Exception`` between the failing state handler
    and the runner's entry point takes it for an error of the task itself.
    """

    def __init__(self, state: State) -> None:
        super().__init__(state.message)
        self.state = state

    @classmethod
    def from_handler_error(cls, exc: Exception, runner_logger: logging.Logger) -> EndRun:
        """Prefect's outcome when a state handler raises: the run ends ``Failed``, logged."""
        message = f"Unexpected error while calling state handlers: {exc!r}"
        runner_logger.exception(message)
        return cls(Failed(message, result=exc))


def call_state_handler(handler: Callable[..., Any], owner: Any, old: State, new: State) -> State:
    """``handler(owner, old, new)``: the state it returns, or ``new`` when it returns nothing.

    Anything else is the handler's fault, named here (Prefect failed later, somewhere
    inside the runner, with an ``AttributeError``).
    """
    returned = handler(owner, old, new) or new
    if not isinstance(returned, State):
        name = getattr(handler, "__qualname__", repr(handler))
        msg = (
            f"state handler {name} of {owner!r} returned {type(returned).__name__} "
            f"{_short_repr(returned)}; a state handler must return a State (or None to keep "
            f"the new state, {type(new).__name__})"
        )
        raise ReturnTypeError(msg)
    return returned


def _short_repr(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else f"{text[:77]}..."


def _reraise_if_asked(exc: BaseException) -> None:
    """Under ``raise_on_exception()`` errors and signals leave the run, as in Prefect."""
    if context.get("raise_on_exception"):
        raise exc


def _still_running(state: State) -> State:
    """``state`` if it is ``Running``; else a state handler chose another state: end there."""
    if not state.is_running():
        _debug(
            "Task '%s': Can't run task because it's not in a Running state; ending run.",
            context.get("task_full_name"),
        )
        raise EndRun(state)
    return state


def _debug(message: str, *args: Any) -> None:
    """A DEBUG line of Prefect's task runner, formatted only when DEBUG is on."""
    if logger.isEnabledFor(_DEBUG):
        logger.debug(message, *args)


def _log_signal(signal: signals.PrefectStateSignal) -> None:
    if logger.isEnabledFor(_INFO):
        logger.info("%s signal raised: %r", type(signal).__name__, signal)


def _checkpoint_failed(task: Task, exc: Exception) -> State:
    logger.error("Task '%s': checkpointing failed: %s", task.name, exc)
    message = f"Error while checkpointing the result of task {task.name!r}: {exc}"
    return Failed(message, result=exc)


def _config_checkpointing() -> Any:
    config = context.get("config")
    if config is None:
        config = configuration()
    return config.get_nested("flows.checkpointing", False)


def run_task(
    task: Task,
    state: State | None,
    upstream_states: Mapping[Edge, State],
    constants: Mapping[str, Any],
    flow_result: Result | None,
    run_context: Mapping[str, Any],
    map_index: int | None = None,
    state_handlers: list[StateHandler] | None = None,
    handler_cache: HandlerCache | None = None,
) -> State:
    """Run one task (used by the flow runner; picklable for process executors).

    A fresh ``task_run_id`` is drawn per run; a context that travelled to another process
    carries its own copy of the configuration, which is applied for the run's duration.
    ``state_handlers`` are the flow run's ``task_runner_state_handlers``; ``handler_cache``
    is the flow run's, shared by its task runs (see :meth:`TaskRunner._handler_for`).
    """
    config = configuration()
    travelled = run_context.get("config")
    saved = None
    if travelled is not None and travelled is not config:
        saved = dict(config)
        config.clear()
        config.update(travelled)
        configure_logging()
    try:
        runner = TaskRunner(
            task,
            state_handlers=state_handlers,
            flow_result=flow_result,
            handler_cache=handler_cache,
        )
        return runner.run(
            state=state,
            upstream_states=upstream_states,
            context=run_context,
            constants=constants,
            map_index=map_index,
            extra_context={"task_run_id": _new_run_id()},
        )
    finally:
        if saved is not None:
            config.clear()
            config.update(saved)


def _uuid4_text(raw: bytes) -> str:
    """``str(uuid.uuid4())`` from 16 random bytes, without building a ``UUID``."""
    data = bytearray(raw)
    data[6] = (data[6] & 0x0F) | 0x40  # version 4
    data[8] = (data[8] & 0x3F) | 0x80  # RFC 4122 variant
    text = data.hex()
    return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"


#: A fresh ``task_run_id`` per task run (the same 122 random bits as ``uuid.uuid4()``).
_new_run_id = random_identifiers(16, _uuid4_text)


def _a_child_skipped(upstream_states: dict[Edge, State]) -> bool:
    """Whether a child of a ``Mapped`` upstream state, reduced over here, was skipped.

    Prefect's ``skip_on_upstream_skip`` looks at those children: one skipped element skips
    the reduce step. An edge mapped over is judged child by child instead.
    """
    return any(
        child.is_skipped()
        for edge, state in upstream_states.items()
        if isinstance(state, Mapped) and not edge.mapped
        for child in state.map_states
    )


def _trigger_view(upstream_states: dict[Edge, State]) -> dict[Any, State]:
    """Upstream states for a trigger, with each ``Mapped`` state's children in its place.

    A mapped upstream task succeeded only if every child did; Prefect's triggers judge the
    children, so a failed child fails ``all_successful`` downstream of a reduce step.
    """
    view: dict[Any, State] = {}
    for edge, state in upstream_states.items():
        children = state.map_states if isinstance(state, Mapped) else None
        if children:
            view.update({(edge, index): child for index, child in enumerate(children)})
        else:
            view[edge] = state
    return view
