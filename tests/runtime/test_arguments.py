"""Prefect's flow.run keywords and Flow/Task arguments: accepted, acted on, or refused clearly."""

from __future__ import annotations

import inspect
import json
import time
from pathlib import Path

import pytest

from compat import Flow, Parameter, Task, context, task
from compat.engine.flow_runner import FlowRunner
from compat.engine.state import Failed, Success, TimedOut
from compat.exceptions import IgnoredArgumentWarning, UnsupportedArgumentError
from compat.utilities.configuration import set_temporary_config

RUNTIME_DATA = Path(__file__).parents[1] / "golden" / "data" / "runtime"
VERSIONS = ["0.10.7", "0.13.19"]


def signatures(version: str) -> dict[str, list[str]]:
    data = json.loads((RUNTIME_DATA / f"{version}.json").read_text(encoding="utf-8"))
    return data["signatures"]


@task
def plus_one(x):
    """Add one."""
    return x + 1


def small_flow(**flow_kwargs):
    with Flow("small", **flow_kwargs) as flow:
        result = plus_one(Parameter("x", default=1))
    return flow, result


# -- the keywords of flow.run and FlowRunner.run ---------------------------------------------


def test_run_on_schedule_is_a_keyword_not_a_parameter():
    """The issue's example: run_on_schedule=False used to be taken as a parameter."""
    flow, result = small_flow()
    state = flow.run(run_on_schedule=False)
    assert state.is_successful()
    assert state.result[result].result == 2


@pytest.mark.parametrize("version", VERSIONS)
def test_every_prefect_flow_run_keyword_is_accepted(version):
    """Every keyword of Prefect's Flow.run and FlowRunner.run exists in compat's runner API."""
    recorded = signatures(version)
    run_keywords = set(inspect.signature(Flow.run).parameters)
    assert set(recorded["Flow.run"]) <= run_keywords
    runner_keywords = set(inspect.signature(FlowRunner.run).parameters)
    assert set(recorded["FlowRunner.run"]) <= runner_keywords


def test_runner_keywords_reach_the_runner():
    """state, task_contexts, task_runner_state_handlers, flow_run_id and context all apply."""
    seen = []

    @task
    def look():
        return context.flow_run_id, context.get("extra"), context.get("per_task")

    with Flow("kw") as flow:
        looked = look()
    state = flow.run(
        flow_run_id="run-7",
        context={"extra": "from context"},
        task_contexts={looked: {"per_task": "only here"}},
        task_runner_state_handlers=[lambda t, old, new: seen.append(type(new).__name__)],
    )
    assert state.result[looked].result == ("run-7", "from context", "only here")
    assert seen == ["Running", "Success"]


def test_a_finished_state_is_returned_as_it_is():
    """state= a finished state: nothing runs (Prefect's "Flow run has already finished")."""
    flow, _ = small_flow()
    done = Success("done before")
    assert flow.run(state=done) is done


def test_runner_cls_is_used():
    """runner_cls replaces FlowRunner."""

    class Counting(FlowRunner):
        runs = 0

        def run(self, *args, **kwargs):
            Counting.runs += 1
            return super().run(*args, **kwargs)

    flow, _ = small_flow()
    assert flow.run(runner_cls=Counting).is_successful()
    assert Counting.runs == 1
    with pytest.raises(TypeError, match="runner_cls must be compat's FlowRunner"):
        flow.run(runner_cls=dict)


def test_return_tasks_and_unknown_keywords_are_refused_by_name():
    """return_tasks is refused as in Prefect; an unknown keyword is named with the valid ones."""
    flow, _ = small_flow()
    with pytest.raises(ValueError, match="return_tasks"):
        flow.run(return_tasks=[])
    with pytest.raises(ValueError, match=r"unknown keywords \['colour'\].*'x'.*run_on_schedule"):
        flow.run(colour="red")


def test_return_tasks_on_the_runner_limits_the_result():
    """FlowRunner(flow).run(return_tasks=...) returns only those task states."""
    flow, result = small_flow()
    state = FlowRunner(flow).run(return_tasks=[result])
    assert list(state.result) == [result]


# -- Flow and Task arguments -------------------------------------------------------------------


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("cls", [Flow, Task])
def test_every_prefect_constructor_argument_is_accepted(version, cls):
    """Every Flow/Task argument of Prefect 0.10.7 and 0.13.19 is an argument of compat's."""
    recorded = set(signatures(version)[f"{cls.__name__}.__init__"])
    assert recorded <= set(inspect.signature(cls.__init__).parameters)


@pytest.mark.parametrize("argument", ["storage", "environment", "run_config"])
def test_deployment_arguments_are_kept_and_ignored_with_a_warning(argument):
    """The warning names the argument, says it is ignored and points to the bridge."""
    marker = object()
    with pytest.warns(IgnoredArgumentWarning, match=rf"Flow\({argument}=...\) is ignored") as got:
        flow, result = small_flow(**{argument: marker})
    assert "compat.bridge" in str(got[0].message)
    assert got[0].filename == __file__  # points at the user's line
    assert getattr(flow, argument) is marker
    assert flow.run().result[result].result == 2


def test_a_schedule_is_refused_when_it_would_be_run_on():
    """A schedule cannot be run on: a clear error, and run_on_schedule=False runs once."""
    flow, result = small_flow(schedule=object())
    with pytest.raises(UnsupportedArgumentError, match=r"Flow\(schedule=...\) is not supported"):
        flow.run()
    with pytest.raises(TypeError, match=r"run_on_schedule=False.*compat\.bridge"):
        flow.run()
    assert flow.run(run_on_schedule=False).result[result].result == 2
    with set_temporary_config({"flows.run_on_schedule": False}):
        assert flow.run().is_successful()


def test_flow_on_failure_is_called_with_the_failed_state():
    """Flow(on_failure=callback) is called once, when the flow run fails."""
    calls = []

    @task
    def boom():
        raise ValueError("no")

    with Flow("f", on_failure=lambda flow, state: calls.append((flow.name, state))) as flow:
        boom()
    state = flow.run()
    assert isinstance(state, Failed)
    assert calls == [("f", state)]
    calls.clear()
    small_flow(on_failure=lambda f, s: calls.append(s))[0].run()
    assert calls == []


def test_task_timeout_times_out_and_fast_tasks_finish():
    """Task(timeout=...) gives TimedOut to a run that takes longer, as in Prefect."""

    @task(timeout=0.2)
    def slow():
        time.sleep(3)

    @task(timeout=5)
    def fast():
        return context.task_name  # the context reaches the helper thread

    with Flow("t") as flow:
        s, f = slow(), fast()
    state = flow.run()
    assert isinstance(state.result[s], TimedOut)
    assert state.result[s].message == "Task timed out during execution."
    assert state.result[f].result == "fast"


def test_task_timeout_keeps_the_task_error():
    """An error raised within the timeout fails the task as usual."""

    @task(timeout=5)
    def bad():
        raise KeyError("k")

    with Flow("t") as flow:
        b = bad()
    state = flow.run().result[b]
    assert isinstance(state, Failed)
    assert state.message == "Unexpected error: KeyError('k')"


def test_reference_tasks_neither_failed_nor_successful_give_success():
    """Prefect: "Flow run SUCCESS: no reference tasks failed" (compat said Failed before)."""
    from compat.engine.state import Cancelled

    flow, result = small_flow()
    state = flow.run(task_states={result: Cancelled("stopped by hand")})
    assert isinstance(state, Success)
    assert state.message == "No reference tasks failed."


def test_a_custom_result_write_still_gets_the_formatting_keywords(checkpointing):
    """The runner skips rendering keywords only for compat's own results without templates."""
    from compat.engine.result import Result

    seen = []

    class Recording(Result):
        def write(self, value_, **kwargs):
            seen.append((kwargs.get("task_name"), kwargs.get("x")))
            new = self.copy()
            new.value, new.location = value_, f"memory/{kwargs['task_name']}"
            return new

    @task(result=Recording())
    def keep(x):
        return x

    with Flow("f") as flow:
        kept = keep(3)
    assert flow.run().result[kept]._result.location == "memory/keep"
    assert seen == [("keep", 3)]


def test_a_timed_out_run_is_interrupted_in_the_main_thread(tmp_path):
    """As on real 0.10.7 and 0.13.19: the overdue run stops, so its later effects never happen."""
    marker = tmp_path / "finished anyway"

    @task(timeout=0.2)
    def slow():
        time.sleep(1.5)
        marker.write_text("late")

    with Flow("t") as flow:
        s = slow()
    state = flow.run()
    assert isinstance(state.result[s], TimedOut)
    time.sleep(2)
    assert not marker.exists()


def test_a_timeout_in_another_thread_abandons_the_run():
    """Off the main thread no alarm is possible: the run is abandoned (Prefect's fallback)."""
    import threading

    @task(timeout=0.2)
    def slow():
        time.sleep(1)

    with Flow("t") as flow:
        s = slow()
    states = []
    worker = threading.Thread(target=lambda: states.append(flow.run()))
    worker.start()
    worker.join(30)
    assert isinstance(states[0].result[s], TimedOut)


# -- mistakes in arguments: named when the flow is built, as Prefect does (review of issue 11)


@pytest.mark.parametrize(
    ("arguments", "named"),
    [
        ({"tags": "nightly"}, "tags must be a collection of strings, not a string"),
        ({"timeout": "10"}, "timeout must be a number of seconds, got str '10'"),
        ({"trigger": "any_failed"}, "trigger must be a callable"),
        ({"state_handlers": print}, "state_handlers must be a list of callables"),
        ({"state_handlers": ["not callable"]}, "every state handler must be callable"),
        ({"cache_for": 5}, "cache_for must be a datetime.timedelta, got int 5"),
        (
            {"max_retries": 1, "retry_delay": "5s"},
            "retry_delay must be a datetime.timedelta, got str '5s'",
        ),
    ],
)
def test_task_argument_mistakes_are_type_errors_naming_the_task(arguments, named):
    """Prefect refuses string tags, non-int timeouts and a bare handler with TypeError too;
    a string of tags would otherwise become a set of letters. A cache_for or retry_delay
    that is not a timedelta used to end the whole flow run at the first run of the task."""
    with pytest.raises(TypeError, match="Task 'checked'") as caught:
        Task(name="checked", **arguments)
    assert named in str(caught.value)


def test_flow_state_handlers_must_be_a_list():
    with pytest.raises(TypeError, match="Flow 'etl': state_handlers must be a list"):
        Flow("etl", state_handlers=print)


def test_mapping_over_a_value_without_elements_fails_when_the_flow_is_built():
    """Prefect: TypeError at .map() ("Cannot map over unsubscriptable object"), not a run."""
    with Flow("m"), pytest.raises(TypeError, match=r"cannot map over argument #0, a int \(5\)"):
        plus_one.map(5)
    with Flow("m") as flow:
        from compat import unmapped

        mapped = plus_one.map([1, 2])
        plus_one.map(x=unmapped(3))  # a mapped call with nothing mapped: allowed, as in Prefect
    assert flow.run().result[mapped].result == [2, 3]


def test_a_state_handler_returning_junk_fails_its_task_by_name():
    """Prefect failed far away (AttributeError: 'str' object has no attribute 'is_running'),
    and compat used to end the whole flow run; now only that task fails, naming the handler."""

    def careless(task_obj, old, new):
        return "done"

    @task(state_handlers=[careless])
    def first():
        return 1

    with Flow("junk") as flow:
        bad = first()
        fine = plus_one(2)
    state = flow.run()
    assert isinstance(state.result[bad], Failed)
    assert "state handler test_a_state_handler_returning_junk_fails_its_task_by_name." in (
        state.result[bad].message
    )
    assert "careless of <Task: first> returned str 'done'" in state.result[bad].message
    assert state.result[fine].result == 3


def test_a_flow_state_handler_returning_junk_fails_the_flow_by_name():
    def careless(flow_obj, old, new):
        return 42

    flow, _ = small_flow(state_handlers=[careless])
    state = flow.run()
    assert isinstance(state, Failed)
    assert "careless of <Flow: name='small'> returned int 42" in state.message
