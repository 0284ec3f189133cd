"""``Flow``: a graph of tasks, built with ``with Flow(...)`` and run with ``flow.run()``."""

from __future__ import annotations

import functools
import heapq
import logging
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any

from compat.core._arguments import (
    IGNORED_FLOW_ARGUMENTS,
    check_state_handlers,
    unsupported,
    warn_ignored,
)
from compat.core.edge import Edge, unmapped
from compat.core.task import (
    ResultLike,
    Task,
    _legacy_handler_property,
    _on_failure_handler,
    _required_run_arguments,
    resolve_result_argument,
)
from compat.engine.result.base import Result

if TYPE_CHECKING:
    from compat.core.parameter import Parameter
    from compat.engine.executors.base import Executor
    from compat.engine.state import State

__all__ = ["Flow"]

logger = logging.getLogger("compat.flow")


class Flow:
    """Tasks, the edges between them, constants bound to task arguments, and a result.

    ``result``/``result_handler`` set the flow-level result (task-level results win over
    it; the configuration default applies when neither is set). ``on_failure(flow, state)``
    is called when a run fails. Prefect's deployment arguments (``storage``,
    ``environment``, ``run_config``) are kept but ignored, with a warning; a ``schedule`` is
    kept, and ``flow.run()`` refuses to run on it (pass ``run_on_schedule=False``).
    """

    def __init__(
        self,
        name: str,
        schedule: Any = None,
        executor: Executor | None = None,
        environment: Any = None,
        run_config: Any = None,
        storage: Any = None,
        tasks: Iterable[Task] | None = None,
        edges: Iterable[Edge] | None = None,
        reference_tasks: Iterable[Task] | None = None,
        state_handlers: list[Callable[..., Any]] | None = None,
        on_failure: Callable[..., Any] | None = None,
        validate: bool | None = None,
        result_handler: ResultLike = None,
        result: ResultLike = None,
    ) -> None:
        if not name:
            msg = "a Flow needs a name, e.g. Flow('etl')"
            raise ValueError(msg)
        deployment = {"environment": environment, "run_config": run_config, "storage": storage}
        for argument, value in deployment.items():
            if value is not None:
                warn_ignored("Flow", argument, IGNORED_FLOW_ARGUMENTS[argument])
        self.environment, self.run_config, self.storage = environment, run_config, storage
        self.schedule = schedule
        self.name = name
        self._tasks: dict[Task, None] = {}  # insertion-ordered set
        self.edges: set[Edge] = set()
        # Indexes kept in step with ``edges`` so graph queries cost O(degree), not O(edges).
        self._edges_in: dict[Task, set[Edge]] = {}
        self._edges_out: dict[Task, set[Edge]] = {}
        self._slugs: set[str] = set()
        self._slug_counts: dict[str, int] = {}
        self.constants: dict[Task, dict[str, Any]] = {}
        self._reference_tasks: set[Task] = set()
        check_state_handlers(f"Flow {name!r}", state_handlers)
        self.state_handlers = list(state_handlers or [])
        if on_failure is not None:
            self.state_handlers.append(_on_failure_handler(on_failure))
        self.executor = executor
        self.validate_on_add = True if validate is None else validate
        self.result: Result | None = resolve_result_argument("Flow", result, result_handler)
        self._previous_flow: list[Any] = []
        for task in tasks or ():
            self.add_task(task)
        for edge in edges or ():
            self.add_edge(edge.upstream_task, edge.downstream_task, edge.key, edge.mapped)
        if reference_tasks:
            self.set_reference_tasks(reference_tasks)

    result_handler = _legacy_handler_property("flow")

    @functools.cached_property
    def logger(self) -> logging.Logger:
        """The ``prefect.<flow name>`` logger, Prefect's ``Flow.logger`` (made on first use)."""
        from compat.utilities.logging import get_logger

        return get_logger(self.name)

    def __repr__(self) -> str:
        return f"<Flow: name={self.name!r}>"

    # -- the context manager ---------------------------------------------------------------

    def __enter__(self) -> Flow:
        from compat.utilities.context import context

        self._previous_flow.append(context.get("flow"))
        context["flow"] = self
        return self

    def __exit__(self, *exc_info: object) -> None:
        from compat.utilities.context import context

        previous = self._previous_flow.pop()
        if previous is None:
            context.pop("flow", None)
        else:
            context["flow"] = previous

    # -- tasks and edges -------------------------------------------------------------------

    @property
    def tasks(self) -> set[Task]:
        """Every task in the flow."""
        return set(self._tasks)

    def add_task(self, task: Task) -> Task:
        """Add ``task`` (once); parameters must have unique names and slugs get assigned."""
        if not isinstance(task, Task):
            msg = f"flows contain Task objects, got {task!r} of type {type(task).__name__}"
            raise TypeError(msg)
        if task in self._tasks:
            return task
        from compat.core.parameter import Parameter

        if isinstance(task, Parameter) and any(p.name == task.name for p in self.parameters()):
            msg = f"{self!r} already has a parameter named {task.name!r}; names must be unique"
            raise ValueError(msg)
        if task.slug is None:
            n = self._slug_counts.get(task.name, 0) + 1
            while f"{task.name}-{n}" in self._slugs:
                n += 1
            self._slug_counts[task.name] = n
            task.slug = f"{task.name}-{n}"
        elif task.slug in self._slugs:
            msg = f"{self!r} already has a task with slug {task.slug!r}; slugs must be unique"
            raise ValueError(msg)
        self._slugs.add(task.slug)
        self._tasks[task] = None
        return task

    def add_edge(
        self,
        upstream_task: Any,
        downstream_task: Task,
        key: str | None = None,
        mapped: bool = False,
        validate: bool | None = None,
    ) -> Edge:
        """Add a dependency; refuses cycles and two edges feeding the same argument."""
        upstream = self._as_task(upstream_task)
        edge = Edge(upstream, downstream_task, key=key, mapped=mapped)
        if key is not None and (
            key in self.constants.get(downstream_task, {})
            or any(e.key == key for e in self.edges_to(downstream_task))
        ):
            msg = f"argument {key!r} of {downstream_task!r} is already bound; bind it only once"
            raise ValueError(msg)
        self.add_task(upstream)
        self.add_task(downstream_task)
        if (self.validate_on_add if validate is None else validate) and self._reaches(
            downstream_task, upstream
        ):
            msg = (
                f"cycle found in {self!r}: {downstream_task!r} already leads to {upstream!r}, "
                "so an edge back would close a loop; flows must be acyclic"
            )
            raise ValueError(msg)
        self.edges.add(edge)
        self._edges_in.setdefault(downstream_task, set()).add(edge)
        self._edges_out.setdefault(upstream, set()).add(edge)
        return edge

    def _reaches(self, start: Task, goal: Task) -> bool:
        """Whether ``goal`` is ``start`` or downstream of it."""
        seen: set[Task] = set()
        stack = [start]
        while stack:
            task = stack.pop()
            if task is goal:
                return True
            if task not in seen:
                seen.add(task)
                stack.extend(e.downstream_task for e in self._edges_out.get(task, ()))
        return False

    def _as_task(self, value: Any) -> Task:
        from compat.tasks.core.collections import as_task

        return as_task(value, self)

    def set_dependencies(
        self,
        task: Task,
        upstream_tasks: Iterable[Any] | None = None,
        downstream_tasks: Iterable[Task] | None = None,
        keyword_tasks: Mapping[str, Any] | None = None,
        mapped: bool = False,
        validate: bool | None = None,
    ) -> None:
        """Add ``task`` with its upstream, downstream and keyword dependencies.

        Keyword values that are not tasks become constants, except mapped ones, which
        become ``Constant`` tasks so that they can be split.
        """
        from compat.tasks.core.collections import contains_task
        from compat.tasks.core.constants import Constant

        self.add_task(task)
        for upstream in upstream_tasks or ():
            is_mapped = mapped and not isinstance(upstream, unmapped)
            value = upstream.value if isinstance(upstream, unmapped) else upstream
            self.add_edge(value, task, mapped=is_mapped, validate=validate)
        for downstream in downstream_tasks or ():
            self.add_edge(task, downstream, validate=validate)
        for key, raw in (keyword_tasks or {}).items():
            is_mapped = mapped and not isinstance(raw, unmapped)
            value = raw.value if isinstance(raw, unmapped) else raw
            if isinstance(value, Task) or contains_task(value):
                self.add_edge(value, task, key=key, mapped=is_mapped, validate=validate)
            elif is_mapped:
                self.add_edge(Constant(value), task, key=key, mapped=True, validate=validate)
            else:
                bound = self.constants.setdefault(task, {})
                if key in bound or any(e.key == key for e in self.edges_to(task)):
                    msg = f"argument {key!r} of {task!r} is already bound; bind it only once"
                    raise ValueError(msg)
                bound[key] = value

    # -- queries ---------------------------------------------------------------------------

    def get_tasks(
        self, name: str | None = None, slug: str | None = None, tags: Iterable[str] | None = None
    ) -> list[Task]:
        """Tasks matching every criterion given, in run order."""
        wanted = set(tags or ())
        return [
            t
            for t in self.sorted_tasks()
            if (name is None or t.name == name)
            and (slug is None or t.slug == slug)
            and wanted <= t.tags
        ]

    def parameters(self) -> list[Parameter]:
        """The flow's parameters."""
        from compat.core.parameter import Parameter

        return [t for t in self._tasks if isinstance(t, Parameter)]

    def edges_to(self, task: Task) -> set[Edge]:
        """Edges ending at ``task``."""
        return set(self._edges_in.get(task, ()))

    def edges_from(self, task: Task) -> set[Edge]:
        """Edges starting at ``task``."""
        return set(self._edges_out.get(task, ()))

    def upstream_tasks(self, task: Task) -> set[Task]:
        """Tasks that must finish before ``task``."""
        return {e.upstream_task for e in self._edges_in.get(task, ())}

    def downstream_tasks(self, task: Task) -> set[Task]:
        """Tasks that wait for ``task``."""
        return {e.downstream_task for e in self._edges_out.get(task, ())}

    def root_tasks(self) -> set[Task]:
        """Tasks without upstream tasks."""
        edges_in = self._edges_in
        return {t for t in self._tasks if not edges_in.get(t)}

    def terminal_tasks(self) -> set[Task]:
        """Tasks without downstream tasks."""
        edges_out = self._edges_out
        return {t for t in self._tasks if not edges_out.get(t)}

    def reference_tasks(self) -> set[Task]:
        """Tasks whose states decide the flow's state (default: the terminal tasks)."""
        return set(self._reference_tasks) or self.terminal_tasks()

    def set_reference_tasks(self, tasks: Iterable[Task]) -> None:
        """Choose the tasks whose states decide the flow's state."""
        chosen = set(tasks)
        missing = [t for t in chosen if t not in self._tasks]
        if missing:
            msg = f"reference tasks must belong to {self!r}; not in the flow: {missing}"
            raise ValueError(msg)
        self._reference_tasks = chosen

    def sorted_tasks(self) -> list[Task]:
        """Tasks in a run order (upstream first; ties in the order they were added)."""
        order = {t: i for i, t in enumerate(self._tasks)}
        waiting = {t: len(self.upstream_tasks(t)) for t in self._tasks}
        ready = [order[t] for t, n in waiting.items() if n == 0]
        tasks = list(self._tasks)
        heapq.heapify(ready)
        result: list[Task] = []
        while ready:
            task = tasks[heapq.heappop(ready)]
            result.append(task)
            for downstream in self.downstream_tasks(task):
                waiting[downstream] -= 1
                if waiting[downstream] == 0:
                    heapq.heappush(ready, order[downstream])
        if len(result) != len(self._tasks):
            placed = set(result)
            stuck = sorted(t.name for t in self._tasks if t not in placed)
            msg = f"cycle found in {self!r} among tasks {stuck}; flows must be acyclic"
            raise ValueError(msg)
        return result

    def validate(self) -> None:
        """Check the graph before a run: acyclic, edges inside the flow, arguments bound."""
        self._validated_order()

    def _validated_order(self) -> list[Task]:
        """:meth:`validate`, returning the run order it computed (the runner reuses it)."""
        order = self.sorted_tasks()
        tasks = self._tasks
        for edge in self.edges:
            for task in (edge.upstream_task, edge.downstream_task):
                if task not in tasks:
                    msg = f"{edge!r} refers to {task!r}, which is not in {self!r}"
                    raise ValueError(msg)
        constants, edges_in = self.constants, self._edges_in
        for task in tasks:
            required = _required_run_arguments(task)
            if not required:
                continue
            bound = constants.get(task, {})
            keys = {e.key for e in edges_in.get(task, ())}
            missing = [n for n in required if n not in bound and n not in keys]
            if missing:
                msg = (
                    f"{task!r} in {self!r} has unbound required arguments {missing}; bind them "
                    f"when calling the task or with set_upstream(..., key=...)"
                )
                raise ValueError(msg)
        return order

    # -- running ---------------------------------------------------------------------------

    def run(
        self,
        parameters: Mapping[str, Any] | None = None,
        run_on_schedule: bool | None = None,
        runner_cls: type | None = None,
        **kwargs: Any,
    ) -> State:
        """Run the flow once and return its state; ``state.result[task]`` is each task's state.

        Prefect's keywords: keyword arguments named like a parameter are parameter values;
        the others go to the runner (``executor``, ``context``, ``task_states``, ``state``,
        ``task_contexts``, ``task_runner_state_handlers``, ``flow_run_id``,
        ``flow_run_name``). ``runner_cls`` replaces :class:`FlowRunner`. ``run_on_schedule``
        (default: ``flows.run_on_schedule``, true) matters only with a ``schedule``, which
        compat cannot run on.
        """
        from compat.engine.flow_runner import FlowRunner
        from compat.utilities.configuration import config

        if "return_tasks" in kwargs:
            msg = (
                "flow.run() does not take return_tasks (every task state is returned, as in "
                "Prefect); to get a subset, call FlowRunner(flow).run(return_tasks=...)"
            )
            raise ValueError(msg)
        names = {p.name for p in self.parameters()}
        values = dict(parameters or {})
        values.update({k: kwargs.pop(k) for k in list(kwargs) if k in names})
        runner_kwargs = {k: kwargs.pop(k) for k in list(kwargs) if k in _RUNNER_KEYWORDS}
        if kwargs:
            msg = (
                f"{self!r}.run() got unknown keywords {sorted(kwargs)}: they are neither "
                f"parameters of the flow ({sorted(names)}) nor flow.run() keywords "
                f"({sorted(_RUNNER_KEYWORDS | {'parameters', 'run_on_schedule', 'runner_cls'})})"
            )
            raise ValueError(msg)
        if run_on_schedule is None:
            run_on_schedule = bool(config.get_nested("flows.run_on_schedule", True))
        if run_on_schedule and self.schedule is not None:
            raise unsupported(
                "Flow",
                "schedule",
                "compat runs a flow once per flow.run(); call flow.run(run_on_schedule=False) "
                "to run it once now",
            )
        context = dict(runner_kwargs.pop("context", None) or {})
        for key in ("flow_run_id", "flow_run_name"):
            if key in runner_kwargs:
                context.setdefault(key, runner_kwargs.pop(key))
        runner_cls = runner_cls or FlowRunner
        if not (isinstance(runner_cls, type) and issubclass(runner_cls, FlowRunner)):
            msg = (
                f"runner_cls must be compat's FlowRunner or a subclass of it, got "
                f"{runner_cls!r}; Prefect's own runners need real Prefect (compat.bridge)"
            )
            raise TypeError(msg)
        state = runner_cls(self).run(parameters=values, context=context, **runner_kwargs)
        if isinstance(state.result, Exception):  # the run ended before its tasks ran
            # Prefect's line, spelling included, on the flow's own logger ("prefect.<name>").
            self.logger.error(
                "Unexpected error occured in %s: %r", runner_cls.__name__, state.result
            )
        return state


#: Keywords ``flow.run()`` passes on to the runner, as Prefect 0.10–0.13 do.
_RUNNER_KEYWORDS = frozenset(
    {
        "context",
        "executor",
        "flow_run_id",
        "flow_run_name",
        "state",
        "task_contexts",
        "task_runner_state_handlers",
        "task_states",
    }
)
