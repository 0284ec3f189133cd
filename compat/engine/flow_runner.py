"""``FlowRunner``: runs every task of a flow through an executor and decides the flow state.

Before anything runs, the graph is validated and the parameters checked (unknown names and
missing required parameters are errors). The flow-level result is the flow's own, else the
configuration default (read now, so ``set_temporary_config`` applies). Task runs are
submitted as soon as their upstream tasks are finished; mapped tasks are split into one
run per element, after the parent's state handlers saw ``Pending → Mapped``. The reference
tasks (default: terminal tasks) decide the final state. The run logs Prefect's lines on
``prefect.FlowRunner`` and goes ``Scheduled → Running → <final>``, as Prefect's does.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from compat.core.edge import Edge
from compat.core.flow import Flow
from compat.core.task import Task
from compat.engine import signals
from compat.engine.default_result import default_result_from_config
from compat.engine.executors.base import Executor
from compat.engine.executors.local import CompletedFuture, LocalExecutor
from compat.engine.result.base import Result
from compat.engine.results.constant_result import ConstantResult
from compat.engine.state import (
    Cached,
    Failed,
    Mapped,
    Running,
    Scheduled,
    Skipped,
    State,
    Success,
    TriggerFailed,
)
from compat.engine.task_runner import (
    EndRun,
    HandlerCache,
    TaskRunner,
    call_state_handler,
    run_task,
)
from compat.tasks.core.constants import Constant
from compat.utilities.context import context
from compat.utilities.logging import configure_logging, get_logger

__all__ = ["FlowRunner"]

#: Prefect's name for the flow runner's logger (``prefect.FlowRunner``).
logger = get_logger("FlowRunner")
_DEBUG, _INFO = 10, 20


def _dates(now: dt.datetime) -> dict[str, Any]:
    day = dt.timedelta(days=1)
    return {
        "date": now,
        "today": now.strftime("%Y-%m-%d"),
        "yesterday": (now - day).strftime("%Y-%m-%d"),
        "tomorrow": (now + day).strftime("%Y-%m-%d"),
        "today_nodash": now.strftime("%Y%m%d"),
        "yesterday_nodash": (now - day).strftime("%Y%m%d"),
        "tomorrow_nodash": (now + day).strftime("%Y%m%d"),
    }


class FlowRunner:
    """Runs one flow run."""

    def __init__(self, flow: Flow) -> None:
        self.flow = flow

    # -- preparation -----------------------------------------------------------------------

    def check_parameters(self, parameters: Mapping[str, Any]) -> dict[str, Any]:
        """Return every parameter's value (defaults filled in), refusing bad input."""
        declared = {p.name: p for p in self.flow.parameters()}
        unknown = sorted(set(parameters) - set(declared))
        if unknown:
            msg = (
                f"{self.flow!r} has no parameters named {unknown}; its parameters are "
                f"{sorted(declared)}"
            )
            raise ValueError(msg)
        missing = sorted(n for n, p in declared.items() if p.required and n not in parameters)
        if missing:
            msg = f"{self.flow!r} needs values for the required parameters {missing}"
            raise ValueError(msg)
        values = {n: p.default for n, p in declared.items() if not p.required}
        values.update(parameters)
        return values

    def build_context(
        self, parameters: Mapping[str, Any], extra: Mapping[str, Any]
    ) -> dict[str, Any]:
        """The run's context: the caller's keys, then run identity, dates and parameters."""
        from compat.utilities.configuration import config

        run_context = {**context.to_dict(), **extra}
        run_context.pop("flow", None)
        date = run_context.get("date")
        if isinstance(date, str):
            date = dt.datetime.fromisoformat(date)
        now = date or dt.datetime.now(dt.timezone.utc)
        for key, value in _dates(now).items():
            run_context.setdefault(key, value)
        flow_run_id = str(uuid.uuid4())
        run_context.setdefault("flow_run_id", flow_run_id)
        run_context.setdefault("flow_run_name", flow_run_id)
        run_context.setdefault("scheduled_start_time", now)
        run_context.update(
            flow_name=self.flow.name,
            flow_id=self.flow.name,
            parameters={**(run_context.get("parameters") or {}), **parameters},
            config=config,
            logger=logger,
        )
        run_context.setdefault("checkpointing", config.get_nested("flows.checkpointing", False))
        run_context.setdefault("secrets", dict(config.get_nested("context.secrets") or {}))
        caches = context.get("caches")
        if caches is None:
            caches = {}
            context["caches"] = caches  # kept between runs in this thread, as in Prefect
        run_context.setdefault("caches", caches)
        return run_context

    # -- the run ---------------------------------------------------------------------------

    def run(
        self,
        state: State | None = None,
        task_states: Mapping[Task, State] | None = None,
        return_tasks: Iterable[Task] | None = None,
        parameters: Mapping[str, Any] | None = None,
        task_runner_state_handlers: Iterable[Callable[..., Any]] | None = None,
        executor: Executor | None = None,
        context: Mapping[str, Any] | None = None,
        task_contexts: Mapping[Task, Mapping[str, Any]] | None = None,
    ) -> State:
        """Validate, run every task and return the flow's state (Prefect's keywords).

        ``state`` is where the run starts (a finished one is returned as it is);
        ``return_tasks`` limits ``state.result`` to those tasks (default: all, as
        ``flow.run()`` does); ``task_contexts`` adds context keys per task.
        """
        flow = self.flow
        configure_logging()  # the configured level and format apply from this run on
        state = state if state is not None else Scheduled("Scheduled for execution.")
        if state.is_finished():
            if logger.isEnabledFor(_INFO):
                logger.info("Flow run has already finished.")
            return state
        order = flow._validated_order()
        values = self.check_parameters(dict(parameters or {}))
        flow_result = flow.result if flow.result is not None else default_result_from_config()
        run_context = self.build_context(values, context or {})
        executor = executor or flow.executor or LocalExecutor()
        if logger.isEnabledFor(_INFO):
            logger.info("Beginning Flow run for '%s'", flow.name)
        if logger.isEnabledFor(_DEBUG):
            logger.debug("Using executor type %s", type(executor).__name__)
        try:
            state = self._set_state(state, Running("Running flow."))
            schedule = _Schedule(
                flow,
                executor,
                flow_result,
                run_context,
                task_states,
                list(task_runner_state_handlers or ()),
                dict(task_contexts or {}),
                order,
            )
            try:
                with executor.start():
                    states = schedule.run()
            except Exception as exc:
                message = f"Unexpected error: {exc!r}"  # Prefect's words for this step
                logger.exception(message)
                if _raise_on_exception():
                    raise
                return self._set_state(state, Failed(message, result=exc))
            final = self.determine_final_state(states)
            if return_tasks is not None:
                wanted = set(return_tasks)
                final.result = {t: s for t, s in states.items() if t in wanted}
            return self._set_state(state, final)
        except EndRun as end:  # a flow state handler failed: the run ends there, as in Prefect
            return end.state

    def _set_state(self, old: State, new: State) -> State:
        if logger.isEnabledFor(_DEBUG):
            logger.debug(
                "Flow '%s': Handling state change from %s to %s",
                self.flow.name,
                type(old).__name__,
                type(new).__name__,
            )
        try:
            for handler in self.flow.state_handlers:
                new = call_state_handler(handler, self.flow, old, new)
        except signals.PrefectStateSignal as signal:
            if _raise_on_exception():
                raise
            return signal.state
        except Exception as exc:
            if _raise_on_exception():
                raise
            raise EndRun.from_handler_error(exc, logger) from exc
        return new

    def determine_final_state(self, states: dict[Task, State]) -> State:
        """Failed if a reference task failed, Success if none did, else still Running.

        Logs Prefect's verdict line (``Flow run SUCCESS: all reference tasks succeeded``).
        """
        key_states = _with_children(states[t] for t in self.flow.reference_tasks() if t in states)
        if not all(s.is_finished() for s in states.values()):
            verdict = "Flow run RUNNING: terminal tasks are incomplete."
            final: State = Running("Flow run in progress.", result=states)
        elif any(s.is_failed() for s in key_states):
            verdict = "Flow run FAILED: some reference tasks failed."
            final = Failed("Some reference tasks failed.", result=states)
        elif all(s.is_successful() for s in key_states):
            verdict = "Flow run SUCCESS: all reference tasks succeeded"
            final = Success("All reference tasks succeeded.", result=states)
        else:
            verdict = "Flow run SUCCESS: no reference tasks failed"
            final = Success("No reference tasks failed.", result=states)
        if logger.isEnabledFor(_INFO):
            logger.info(verdict)
        return final


class _Schedule:
    """Submits ready task runs, collects finished ones, assembles mapped parents."""

    def __init__(
        self,
        flow: Flow,
        executor: Executor,
        flow_result: Result | None,
        run_context: dict[str, Any],
        task_states: Mapping[Task, State] | None,
        task_runner_state_handlers: list[Callable[..., Any]] | None = None,
        task_contexts: dict[Task, Mapping[str, Any]] | None = None,
        order: list[Task] | None = None,
    ) -> None:
        self.flow = flow
        self.order = order
        self.executor = executor
        self.flow_result = flow_result
        self.run_context = run_context
        self.state_handlers = task_runner_state_handlers or None
        #: Result handlers for checkpoints, converted once per source result in this run.
        self.handler_cache = HandlerCache()
        self.task_contexts = task_contexts or {}
        self.given = dict(task_states or {})
        self.states: dict[Task, State] = {}
        self._finished: list[Task] = []
        self.running: dict[Any, tuple[Task, int | None]] = {}
        self.children: dict[Task, list[State | None]] = {}
        #: A mapped parent's state once its handlers saw it; its children complete it.
        self.parents: dict[Task, State] = {}
        #: Tasks with a mapped upstream edge (known when the run starts).
        self.mapped_tasks: set[Task] = set()

    def run(self) -> dict[Task, State]:
        order = self.order if self.order is not None else self.flow.sorted_tasks()
        position = {t: i for i, t in enumerate(order)}
        upstream: dict[Task, set[Task]] = {t: set() for t in order}
        downstream: dict[Task, list[Task]] = {t: [] for t in order}
        for task, edges in self.flow._edges_in.items():
            for edge in edges:
                if edge.mapped:
                    self.mapped_tasks.add(task)
                if edge.upstream_task not in upstream[task]:
                    upstream[task].add(edge.upstream_task)
                    downstream[edge.upstream_task].append(task)
        waiting = {t: len(upstream[t]) for t in order}
        ready = [position[t] for t in order if waiting[t] == 0]
        while ready or self.running:
            batch, ready = sorted(ready), []
            for index in batch:
                self.start(order[index])
            if not batch:
                for future in self.executor.wait(list(self.running)):
                    task, index = self.running.pop(future)
                    self.finish(task, index, self.executor.result(future))
            # Release the tasks whose last upstream task has just got its final state.
            finished, self._finished = self._finished, []
            for task in finished:
                for waiter in downstream[task]:
                    waiting[waiter] -= 1
                    if waiting[waiter] == 0:
                        ready.append(position[waiter])
        for task, state in self.states.items():  # as Prefect: shared once the run is over
            self.remember_cache(task, state)
        return self.states

    def record(self, task: Task, state: State) -> None:
        """Keep ``task``'s final state and queue its downstream tasks for release."""
        self.states[task] = state
        self._finished.append(task)

    def upstream_states(self, task: Task) -> dict[Edge, State]:
        states = self.states
        return {edge: states[edge.upstream_task] for edge in self.flow._edges_in.get(task, ())}

    def context_for(self, task: Task) -> dict[str, Any]:
        extra = self.task_contexts.get(task)
        return {**self.run_context, **extra} if extra else self.run_context

    def submit(self, task: Task, upstream: dict[Edge, State], index: int | None) -> None:
        state = self.given.get(task) if index is None else None
        future = self.executor.submit(
            run_task,
            task,
            state,
            upstream,
            self.flow.constants.get(task, {}),
            self.flow_result,
            self.context_for(task),
            index,
            self.state_handlers,
            self.handler_cache,
        )
        if isinstance(future, CompletedFuture):  # ran already (LocalExecutor): no waiting
            self.finish(task, index, future.result())
        else:
            self.running[future] = (task, index)

    def parent_state(self, task: Task, outcome: State) -> State:
        """Pass a mapped parent through its state handlers (here, before its children run)."""
        runner = TaskRunner(task, state_handlers=self.state_handlers, flow_result=self.flow_result)
        return runner.run_mapped_parent(outcome, self.context_for(task))

    def start(self, task: Task) -> None:
        given = self.given.get(task)
        if given is not None and given.is_finished():
            self.record(task, given)
            return
        if given is None and isinstance(task, Constant):
            # As Prefect: a constant's value is known, so it gets no task run (no log lines,
            # no handlers), only its Success state.
            result = task.result if task.result is not None else ConstantResult()
            self.record(task, Success(result=result.from_value(task.value)))
            return
        upstream = self.upstream_states(task)
        if task not in self.mapped_tasks:
            self.submit(task, upstream, None)
            return
        children = self.split(task, upstream)
        if isinstance(children, State):
            self.record(task, self.parent_state(task, children))
            return
        if not children:
            empty = Mapped("No mapped children to run.", result=[], map_states=[])
            self.record(task, self.parent_state(task, empty))
            return
        parent = self.parent_state(task, Mapped("Ready to proceed with mapping."))
        if not isinstance(parent, Mapped):  # its state handlers ended the parent's run
            self.record(task, parent)
            return
        self.parents[task] = parent
        self.children[task] = [None] * len(children)
        for index, child_upstream in enumerate(children):
            self.submit(task, child_upstream, index)

    def split(self, task: Task, upstream: dict[Edge, State]) -> list[dict[Edge, State]] | State:
        """One upstream mapping per child, or the parent's final state if it cannot map."""
        mapped = {e: s for e, s in upstream.items() if e.mapped}
        if any(s.is_skipped() for s in upstream.values()) and task.skip_on_upstream_skip:
            return Skipped("Upstream task was skipped.")
        if not all(s.is_successful() for s in mapped.values()):
            return TriggerFailed("Some upstream tasks to map over did not succeed.")
        for edge, state in mapped.items():
            reader = edge.upstream_task.result or self.flow_result
            if not isinstance(state, Mapped):
                state.load_result(reader)
        try:
            lengths = {
                len(s.map_states) if isinstance(s, Mapped) else _length(e, s)
                for e, s in mapped.items()
            }
        except TypeError as exc:
            return Failed(f"At least one upstream state has an unmappable result: {exc}")
        n = min(lengths) if lengths else 0
        children = []
        for i in range(n):
            child = dict(upstream)
            for edge, state in mapped.items():
                child[edge] = (
                    state.map_states[i] if isinstance(state, Mapped) else _element(state, i)
                )
            children.append(child)
        return children

    def finish(self, task: Task, index: int | None, state: State) -> None:
        if index is None:
            self.record(task, state)
            return
        slots = self.children[task]
        slots[index] = state
        if all(s is not None for s in slots):
            done = [s for s in slots if s is not None]
            parent = self.parents.pop(task)
            mapped = Mapped(
                parent.message,  # as Prefect 0.13: the message the handlers saw
                result=[s.result for s in done],
                map_states=done,
                context=parent.context,
            )
            self.record(task, mapped)

    def remember_cache(self, task: Task, state: State) -> None:
        if isinstance(state, Cached) and state.cached_result_expiration is not None:
            caches = self.run_context["caches"]
            bucket = caches.setdefault(task.cache_key or task.name, [])
            if state not in bucket:
                bucket.insert(0, state)


def _raise_on_exception() -> bool:
    """Whether ``raise_on_exception()`` asks errors to leave the run (Prefect's debug helper)."""
    return bool(context.get("raise_on_exception"))


def _with_children(states: Iterable[State]) -> list[State]:
    """States with every ``Mapped`` state replaced by its children (as Prefect judges them)."""
    expanded: list[State] = []
    for state in states:
        children = state.map_states if isinstance(state, Mapped) else None
        expanded.extend(children if children else [state])
    return expanded


def _length(edge: Edge, state: State) -> int:
    try:
        return len(state.result)
    except TypeError as exc:
        msg = f"cannot map over the output of {edge.upstream_task!r}: {exc}"
        raise TypeError(msg) from exc


def _element(state: State, index: int) -> State:
    return Success(result=state._result.from_value(state.result[index]))  # type: ignore[union-attr]
