"""Running flows: the flow state, task states, result views of both models."""

from __future__ import annotations

import cloudpickle
import pytest

from compat import Flow, Parameter, task
from compat.engine.result.base import NoResult, NoResultType, Result, SafeResult
from compat.engine.result_handlers import JSONResultHandler, LocalResultHandler
from compat.engine.results import LocalResult, PrefectResult
from compat.engine.state import Failed, Success


@task
def add(x, y=1):
    """Add two numbers."""
    return x + y


def build(**flow_kwargs):
    """The seeds' flow: add(1, y=2) then add(x=first, y=100)."""
    with Flow("my handled flow!", **flow_kwargs) as flow:
        first = add(1, y=2)
        second = add(x=first, y=100)
    return flow, first, second


def test_unconfigured_results_hold_only_the_value():
    """Without configuration, task results are plain Results: value only, no handler."""
    flow, first, second = build()
    state = flow.run()
    assert isinstance(state, Success)
    assert state.message == "All reference tasks succeeded."
    assert state.result is state._result.value
    assert set(state.result) == {first, second}
    result = state.result[first]._result
    assert type(result) is Result
    assert result.value == 3
    assert repr(result) == "<Result: 3>"
    assert isinstance(result.safe_value, NoResultType)
    assert result.result_handler is None
    assert repr(state.result[first]) == '<Success: "Task run succeeded.">'
    assert state.result[second].result == 103


def test_local_handler_safe_value_is_the_pickle_path(tmp_path, checkpointing):
    """With a LocalResultHandler the safe value is the pickle file's absolute path."""
    with pytest.warns(DeprecationWarning, match="result_handler"):
        flow, first, _ = build(result_handler=LocalResultHandler(dir=str(tmp_path)))
    result = flow.run().result[first]._result
    assert result.value == 3
    safe = result.safe_value
    assert isinstance(safe, SafeResult)
    assert safe.value.startswith(str(tmp_path / "prefect-result-"))
    assert repr(safe) == f"<SafeResult: {safe.value!r}>"
    assert isinstance(safe.result_handler, LocalResultHandler)
    with open(safe.value, "rb") as handle:
        content = handle.read()
    assert content == b"\x80\x05K\x03."
    assert cloudpickle.loads(content) == 3
    assert result.location == safe.value


def test_json_handler_safe_value_is_the_json_text(checkpointing):
    """With a JSONResultHandler the safe value is the value's JSON text."""
    with pytest.warns(DeprecationWarning, match="result_handler"):
        flow, first, _ = build(result_handler=JSONResultHandler())
    result = flow.run().result[first]._result
    assert result.value == 3
    assert repr(result.safe_value) == "<SafeResult: '3'>"
    assert isinstance(result.safe_value.result_handler, JSONResultHandler)


def test_prefect_result_location_is_the_value(checkpointing):
    """With PrefectResult the location holds the JSON of the value."""
    flow, first, _ = build(result=PrefectResult())
    result = flow.run().result[first]._result
    assert (result.value, result.location) == (3, "3")


def test_parameter_results_are_json_in_both_models(checkpointing):
    """Parameters store their value as PrefectResult, whose legacy view is JSON."""
    with Flow("f") as flow:
        p = Parameter("p", default={"a": [1, 2]})
        add(p["a"][0])
    result = flow.run().result[p]._result
    assert isinstance(result, PrefectResult)
    assert result.location == '{"a": [1, 2]}'
    assert repr(result.safe_value) == "<SafeResult: '{\"a\": [1, 2]}'>"
    assert isinstance(result.safe_value.result_handler, JSONResultHandler)


def test_failed_task_fails_the_flow_and_keeps_the_exception():
    """An exception fails the task (result: the exception) and, as a reference task, the flow."""

    @task
    def boom():
        raise ValueError("no")

    with Flow("f") as flow:
        b = boom()
        after = add(b)
    state = flow.run()
    assert isinstance(state, Failed)
    assert state.message == "Some reference tasks failed."
    assert isinstance(state.result[b].result, ValueError)
    assert "ValueError('no')" in state.result[b].message
    assert state.result[after].is_failed()


def test_reference_tasks_decide_the_flow_state():
    """Only reference tasks count: a failing non-reference task leaves the flow successful."""

    @task
    def boom():
        raise ValueError("no")

    with Flow("f") as flow:
        ok = add(1)
        boom()
    flow.set_reference_tasks([ok])
    assert flow.run().is_successful()


def test_task_states_given_to_run_are_not_rerun():
    """A finished state passed in task_states is used instead of running the task."""
    calls = []

    @task
    def expensive():
        calls.append(1)
        return 1

    with Flow("f") as flow:
        e = expensive()
        total = add(e)
    state = flow.run(task_states={e: Success(result=Result(41))})
    assert calls == []
    assert state.result[total].result == 42


def test_flow_state_handlers_see_transitions():
    """Flow state handlers are called with Running then the final state."""
    seen = []

    def handler(flow, old, new):
        seen.append(type(new).__name__)

    with Flow("f", state_handlers=[handler]) as flow:
        add(1)
    flow.run()
    assert seen == ["Running", "Success"]


def test_task_state_handlers_may_replace_states():
    """A task state handler's return value replaces the new state."""

    def replace(task, old, new):
        if new.is_successful():
            return Success("replaced", result=Result(0))
        return None

    with Flow("f") as flow:
        t = add.copy(state_handlers=[replace])(1)
    assert flow.run().result[t].message == "replaced"


def test_no_result_is_not_a_none_result():
    """A task that never ran has NoResult; a task returning None has a None-valued Result."""

    @task
    def nothing():
        return None

    with Flow("f") as flow:
        n = nothing()
    state = flow.run()
    assert state.result[n]._result == Result(None)
    assert state.result[n]._result != NoResult
    assert Success().result is None
    assert Success()._result is NoResult


def test_local_result_from_value_when_not_checkpointing(tmp_path):
    """A configured LocalResult without checkpointing keeps the value in its own type."""
    flow, first, _ = build(result=LocalResult(dir=str(tmp_path)))
    result = flow.run().result[first]._result
    assert isinstance(result, LocalResult)
    assert result.value == 3
    assert result.location is None
    assert list(tmp_path.iterdir()) == []
