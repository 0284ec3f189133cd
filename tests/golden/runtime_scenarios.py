"""Small flows run the same way on real Prefect and on ``compat``: states and log lines.

The module is standard library only at import time, so it runs inside the throwaway
environments of old Prefect releases (``make_golden.py generate-runtime``) and, in CI, under
``compat`` (``test_runtime_golden.py``). :func:`record_all` takes the package to run on
(``prefect`` or ``compat``) and returns, per scenario, the state transitions every state
handler saw, the log records at INFO and above (``logs``) and at DEBUG and above
(``debug_logs``), and each task's final state.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Callable
from typing import Any

Recording = dict[str, Any]


class _Records(logging.Handler):
    """Keeps (logger name, level name, message) of every record it sees."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[list[str]] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append([record.name, record.levelname, record.getMessage()])


def _recorder(root: Any, sink: list[list[Any]], owner: str) -> Callable[..., Any]:
    """A state handler that notes (owner, map_index, old state, new state)."""

    def handler(obj: Any, old: Any, new: Any) -> Any:
        sink.append([owner, root.context.get("map_index"), type(old).__name__, type(new).__name__])
        return new

    return handler


def _message_recorder(root: Any, sink: list[list[Any]], owner: str) -> Callable[..., Any]:
    """Like :func:`_recorder`, with both states' messages."""

    def handler(obj: Any, old: Any, new: Any) -> Any:
        sink.append(
            [
                owner,
                root.context.get("map_index"),
                type(old).__name__,
                type(new).__name__,
                old.message,
                new.message,
            ]
        )
        return new

    return handler


def _scenarios(root: Any, sink: list[list[Any]]) -> dict[str, Callable[[], Any]]:
    from importlib import import_module

    signals = import_module(f"{root.__name__}.engine.signals")
    Flow, Parameter, task = root.Flow, root.Parameter, root.task

    def handlers(owner: str) -> list[Callable[..., Any]]:
        return [_recorder(root, sink, owner)]

    def chain() -> Any:
        @task(state_handlers=handlers("inc"))
        def inc(x):
            root.context.logger.info("incrementing %s", x)
            return x + 1

        @task(name="double", state_handlers=handlers("double"))
        def double(x):
            return 2 * x

        with Flow("chain", state_handlers=handlers("flow")) as flow:
            double(inc(Parameter("x", default=1)))
        return flow.run()

    def failure() -> Any:
        @task(state_handlers=handlers("boom"))
        def boom():
            raise ValueError("no luck")

        @task(state_handlers=handlers("after"))
        def after(x):
            return x

        with Flow("failure", state_handlers=handlers("flow")) as flow:
            after(boom())
        return flow.run()

    def mapped() -> Any:
        @task(state_handlers=handlers("square"))
        def square(x):
            return x * x

        @task(state_handlers=handlers("total"))
        def total(values):
            return sum(values)

        with Flow("mapped", state_handlers=handlers("flow")) as flow:
            total(square.map([1, 2, 3]))
        return flow.run()

    def looping() -> Any:
        @task(state_handlers=handlers("count_up"))
        def count_up():
            count = root.context.get("task_loop_count", 1)
            if count < 3:
                raise signals.LOOP(result=count)
            return count

        with Flow("looping", state_handlers=handlers("flow")) as flow:
            count_up()
        return flow.run()

    def retry() -> Any:
        attempts: list[int] = []

        @task(
            max_retries=1,
            retry_delay=datetime.timedelta(seconds=0),
            state_handlers=handlers("flaky"),
        )
        def flaky():
            attempts.append(1)
            if len(attempts) == 1:
                raise RuntimeError("first attempt fails")
            return len(attempts)

        with Flow("retry", state_handlers=handlers("flow")) as flow:
            flaky()
        return flow.run()

    def skip() -> Any:
        @task(state_handlers=handlers("skipper"))
        def skipper():
            raise signals.SKIP("nothing to do")

        @task(state_handlers=handlers("downstream"))
        def downstream(x):
            return x

        with Flow("skip", state_handlers=handlers("flow")) as flow:
            downstream(skipper())
        return flow.run()

    def stdout() -> Any:
        @task(log_stdout=True, state_handlers=handlers("chatty"))
        def chatty():
            print("printed by the task")
            return 1

        with Flow("stdout", state_handlers=handlers("flow")) as flow:
            chatty()
        return flow.run()

    def cache() -> Any:
        validators = import_module(f"{root.__name__}.engine.cache_validators")

        @task(
            cache_for=datetime.timedelta(hours=1),
            cache_validator=validators.all_inputs,
            tags=["pricing"],
            state_handlers=handlers("tax"),
        )
        def tax(amount):
            return amount * 2

        with Flow("cache", state_handlers=handlers("flow")) as flow:
            tax(Parameter("amount"))
        flow.run(amount=1)  # computed: no cache yet
        flow.run(amount=1)  # taken from the cache
        return flow.run(amount=2)  # other inputs: the cached state does not validate

    def handler_errors() -> Any:
        states = import_module(f"{root.__name__}.engine.state")

        def broken(obj, old, new):
            if new.is_running():
                raise RuntimeError("handler broke")
            return new

        def forgive(obj, old, new):
            if new.is_failed():
                return states.Success("forgiven", result="replacement")
            return new

        def skip_instead(obj, old, new):
            if new.is_running():
                raise signals.SKIP("a handler skipped it")
            return new

        def broken_on_map(obj, old, new):
            if type(new).__name__ == "Mapped":
                raise RuntimeError("map handler broke")
            return new

        @task(state_handlers=[*handlers("a"), broken])
        def a():
            return 1

        @task(state_handlers=[*handlers("b"), forgive])
        def b():
            raise ValueError("nope")

        @task(state_handlers=handlers("c"))
        def c(x):
            return x

        @task(state_handlers=[*handlers("s"), skip_instead])
        def s():
            return 2

        @task(state_handlers=[*handlers("m"), broken_on_map])
        def m(x):
            return x

        # One flow per case: the order of independent tasks differs between Prefect runs.
        for name, build in (("a", a), ("s", s), ("m", lambda: m.map([1, 2]))):
            with Flow(f"handler errors {name}", state_handlers=handlers("flow")) as flow:
                build()
            flow.run()
        with Flow("handler errors", state_handlers=handlers("flow")) as flow:
            c(b())
        return flow.run()

    def flow_handler_error() -> Any:
        def broken(obj, old, new):
            if new.is_running():
                raise RuntimeError("flow handler broke")
            return new

        @task(state_handlers=handlers("never"))
        def never():
            return 1

        with Flow("flow handler error", state_handlers=[*handlers("flow"), broken]) as flow:
            never()
        return flow.run()

    def mapped_skip() -> Any:
        triggers = import_module(f"{root.__name__}.triggers")

        @task(state_handlers=handlers("part"))
        def part(x):
            if x == 2:
                raise signals.SKIP("two is skipped")
            return x

        @task(trigger=triggers.all_finished, state_handlers=handlers("reduce"))
        def reduce(values):
            return len(values)

        @task(skip_on_upstream_skip=False, state_handlers=handlers("keep"))
        def keep(values):
            root.context.logger.info("kept %s values", len(values))
            return len(values)

        @task(state_handlers=handlers("again"))
        def again(x):
            return x

        # One flow per reader of the mapped task: independent tasks run in no fixed order.
        for name, reader in (("reduce", reduce), ("again", again.map)):
            with Flow(f"mapped skip {name}", state_handlers=handlers("flow")) as flow:
                reader(part.map([1, 2, 3]))
            flow.run()
        with Flow("mapped skip keep", state_handlers=handlers("flow")) as flow:
            keep(part.map([1, 2, 3]))
        return flow.run()

    def signal_results() -> Any:
        @task(state_handlers=handlers("bare"))
        def bare():
            raise signals.SUCCESS()

        @task(state_handlers=handlers("valued"))
        def valued():
            raise signals.SUCCESS("done early", result=7)

        @task(state_handlers=handlers("reader"))
        def reader(x, y):
            root.context.logger.info("got a %s and %r", type(x).__name__, y)
            return y

        @task(state_handlers=handlers("failing"))
        def failing():
            raise signals.FAIL()

        with Flow("signal results", state_handlers=handlers("flow")) as flow:
            first = bare()
            second = valued(upstream_tasks=[first])
            read = reader(first, second)
            failing(upstream_tasks=[read])
        return flow.run()

    def loop_messages() -> Any:
        def recorded(owner: str) -> list[Callable[..., Any]]:
            return [_message_recorder(root, sink, owner)]

        @task(state_handlers=recorded("quiet"))
        def quiet():
            count = root.context.get("task_loop_count", 1)
            if count < 3:
                raise signals.LOOP(result=count)
            return count

        @task(state_handlers=recorded("told"))
        def told(x):
            count = root.context.get("task_loop_count", 1)
            if count < 2:
                raise signals.LOOP(message=f"round {count}", result=count)
            return x + count

        with Flow("loop messages") as flow:
            told(quiet())
        return flow.run()

    def task_logger() -> Any:
        class Shout(root.Task):
            def run(self, x):
                self.logger.info("shouting %s", x)
                return x

        with Flow("task logger", state_handlers=handlers("flow")) as flow:
            Shout(name="shout", state_handlers=handlers("shout")).map([1, 2])
        flow.logger.info("flow %s built", flow.name)
        return flow.run()

    def trigger_error() -> Any:
        def picky(upstream_states):
            raise RuntimeError("trigger broke")

        @task(state_handlers=handlers("first"))
        def first():
            return 1

        @task(trigger=picky, state_handlers=handlers("second"))
        def second(x):
            return x

        with Flow("trigger error", state_handlers=handlers("flow")) as flow:
            second(first())
        return flow.run()

    def executor_error() -> Any:
        from contextlib import contextmanager

        executors = import_module(f"{root.__name__}.engine.executors")

        class NoWorkers(executors.LocalExecutor):
            @contextmanager
            def start(self):
                raise RuntimeError("no workers today")
                yield

        @task(state_handlers=handlers("idle"))
        def idle():
            return 1

        with Flow("executor error", state_handlers=handlers("flow")) as flow:
            idle()
        return flow.run(executor=NoWorkers())

    def validator_error() -> Any:
        def broken_validator(state, inputs, parameters):
            raise RuntimeError("validator broke")

        @task(
            cache_for=datetime.timedelta(hours=1),
            cache_validator=broken_validator,
            state_handlers=handlers("cached"),
        )
        def cached():
            return 1

        with Flow("validator error", state_handlers=handlers("flow")) as flow:
            cached()
        flow.run()  # nothing cached yet: the validator is not asked
        return flow.run()  # asked now, and it fails

    def filter_task() -> Any:
        control_flow = import_module(f"{root.__name__}.tasks.control_flow")

        @task(state_handlers=handlers("divide"))
        def divide(x):
            return 12 // x

        @task(state_handlers=handlers("total"))
        def total(values):
            root.context.logger.info("summing %s", values)
            return sum(values)

        keep = control_flow.FilterTask(name="keep", state_handlers=handlers("keep"))
        evens = control_flow.FilterTask(filter_func=lambda v: v % 2 == 0, name="evens")
        with Flow("filter task", state_handlers=handlers("flow")) as flow:
            total(evens(keep(divide.map([1, 0, 3, 4]))))
        return flow.run()

    def branches() -> Any:
        control_flow = import_module(f"{root.__name__}.tasks.control_flow")

        @task(state_handlers=handlers("check"))
        def check(x):
            return x > 2

        @task(state_handlers=handlers("big"))
        def big():
            return "big"

        @task(state_handlers=handlers("small"))
        def small():
            return "small"

        @task(state_handlers=handlers("report"))
        def report(size):
            root.context.logger.info("it was %s", size)
            return size

        with Flow("branches", state_handlers=handlers("flow")) as flow:
            with root.tags("sizing"):
                first, second = big(), small()
            control_flow.ifelse(check(Parameter("x")), first, second)
            report(control_flow.merge(first, second))
        flow.run(x=5)
        return flow.run(x=1)

    def switch_all_skipped() -> Any:
        control_flow = import_module(f"{root.__name__}.tasks.control_flow")

        @task(state_handlers=handlers("pick"))
        def pick():
            return "c"

        @task(state_handlers=handlers("a"))
        def a():
            return "a"

        # One case: with two, Prefect runs the two CompareValue tasks in no fixed order.
        with Flow("switch all skipped", state_handlers=handlers("flow")) as flow:
            first = a()
            control_flow.switch(pick(), {"a": first})
            control_flow.merge(first)
        return flow.run()

    return {
        "cache": cache,
        "branches": branches,
        "switch_all_skipped": switch_all_skipped,
        "filter_task": filter_task,
        "validator_error": validator_error,
        "executor_error": executor_error,
        "trigger_error": trigger_error,
        "mapped_skip": mapped_skip,
        "signal_results": signal_results,
        "loop_messages": loop_messages,
        "task_logger": task_logger,
        "handler_errors": handler_errors,
        "flow_handler_error": flow_handler_error,
        "chain": chain,
        "failure": failure,
        "mapped": mapped,
        "looping": looping,
        "retry": retry,
        "skip": skip,
        "stdout": stdout,
    }


def _task_states(flow_state: Any) -> dict[str, list[Any]]:
    """Per task name: the final state's class, message and ``context["tags"]``."""
    described: dict[str, list[Any]] = {}
    if not isinstance(flow_state.result, dict):  # the flow run ended before its tasks ran
        return described
    for task_obj, state in flow_state.result.items():
        tags = state.context.get("tags")
        described[task_obj.name] = [
            type(state).__name__,
            state.message,
            sorted(tags) if tags is not None else None,
        ]
    return dict(sorted(described.items()))


def record_all(root: Any, names: list[str] | None = None) -> dict[str, Recording]:
    """Run every scenario (or those named) on ``root``; return what each one showed."""
    prefect_logger = logging.getLogger("prefect")
    results: dict[str, Recording] = {}
    sink: list[list[Any]] = []
    for name, scenario in _scenarios(root, sink).items():
        if names is not None and name not in names:
            continue
        sink.clear()
        records = _Records()
        saved = prefect_logger.level, prefect_logger.handlers[:]
        prefect_logger.handlers = [records]  # the package's own console handler stays quiet
        prefect_logger.setLevel(logging.DEBUG)
        try:
            state = scenario()
        finally:
            prefect_logger.setLevel(saved[0])
            prefect_logger.handlers = saved[1]
        results[name] = {
            "final_state": type(state).__name__,
            "transitions": [list(t) for t in sink],
            "logs": [line for line in records.lines if line[1] != "DEBUG"],
            "debug_logs": records.lines,
            "task_states": _task_states(state),
        }
    return results
