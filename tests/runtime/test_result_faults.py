"""Hydrating states with any reader, and failing where the fault is.

* ``State.load_result(reader)`` converts a legacy handler like every other entry point and
  raises ``TypeError`` on anything that is neither a ``Result`` nor a handler.
* A handler whose ``write`` returns something a state payload cannot store (not JSON) fails
  the task that wrote, naming the handler; the rest of the run and the state dumps go on.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from compat import Flow, task
from compat.engine import state as states
from compat.engine.result import Result
from compat.engine.result_handlers import JSONResultHandler, LocalResultHandler, ResultHandler
from compat.engine.results import LocalResult, ResultHandlerResult
from compat.exceptions import ConversionError, PayloadError
from compat.serialization.state import StateSchema, dump_state, load_state


class TextHandler(ResultHandler):
    """A custom handler keeping values in a dict; the reference is ``"key-<n>"``."""

    store: dict[str, Any] = {}

    def write(self, result: Any) -> str:
        key = f"key-{len(self.store)}"
        self.store[key] = result
        return key

    def read(self, loc: str) -> Any:
        return self.store[loc]


class SetReferenceHandler(ResultHandler):
    """A broken handler: its reference (a set) cannot be stored in a JSON payload."""

    def write(self, result: Any) -> Any:
        return {1, 2}

    def read(self, loc: Any) -> Any:
        return None


def _loaded(state: states.State) -> states.State:
    """The state as an old reader would get it: through its JSON payload."""
    return load_state(json.loads(json.dumps(dump_state(state))))


# -- load_result -----------------------------------------------------------------------------


def test_load_result_with_a_builtin_handler(tmp_path: Path) -> None:
    """A handler is converted to its result class, which reads the location."""
    written = LocalResult(dir=str(tmp_path)).write({"a": [1, 2]})
    loaded = _loaded(states.Success("ok", result=written))
    assert loaded.result is None
    loaded.load_result(LocalResultHandler(dir=str(tmp_path)))
    assert loaded.result == {"a": [1, 2]}
    assert isinstance(loaded._result, LocalResult)
    assert loaded._result.location == written.location


def test_load_result_with_a_custom_handler() -> None:
    """A custom handler is wrapped in ``ResultHandlerResult`` and reads its own reference."""
    written = ResultHandlerResult(TextHandler()).write("payload")
    loaded = _loaded(states.Success("ok", result=written))
    loaded.load_result(TextHandler())
    assert loaded.result == "payload"
    assert isinstance(loaded._result, ResultHandlerResult)


def test_load_result_of_a_legacy_safe_result_with_a_handler(tmp_path: Path) -> None:
    """A 0.10-shaped payload hydrates with the handler given to ``load_result``."""
    stored = Result([1, "two"], result_handler=JSONResultHandler())
    stored.store_safe_value()
    loaded = _loaded(states.Success("ok", result=stored))
    loaded.load_result(JSONResultHandler())
    assert loaded.result == [1, "two"]


def test_mapped_load_result_converts_once_for_every_child(tmp_path: Path) -> None:
    children = [
        states.Success(result=LocalResult(dir=str(tmp_path)).write(i * 10)) for i in range(3)
    ]
    loaded = [_loaded(child) for child in children]
    parent = states.Mapped("m", map_states=loaded)
    parent.load_result(LocalResultHandler(dir=str(tmp_path)))
    assert [child.result for child in parent.map_states] == [0, 10, 20]


def test_load_cached_results_converts_handlers(tmp_path: Path) -> None:
    written = LocalResult(dir=str(tmp_path)).write("upstream")
    state = _loaded(states.Retrying("r", cached_inputs={"x": written}))
    state.load_cached_results({"x": LocalResultHandler(dir=str(tmp_path))})
    assert state.cached_inputs["x"].value == "upstream"


@pytest.mark.parametrize("junk", ["LocalResultHandler", 42, LocalResultHandler, object()])
def test_load_result_refuses_junk(tmp_path: Path, junk: Any) -> None:
    """A string, a number, a class...: ``TypeError`` naming what was given, even when there
    is nothing to read (today's silent ``None`` hid the mistake)."""
    written = LocalResult(dir=str(tmp_path)).write(1)
    for state in (_loaded(states.Success(result=written)), states.Success(result=7)):
        with pytest.raises(TypeError, match=r"State.load_result\(\) reads the stored location"):
            state.load_result(junk)
        with pytest.raises(ConversionError):
            state.load_result(junk)
    with pytest.raises(TypeError, match=r"Mapped.load_result\(\)"):
        states.Mapped(map_states=[]).load_result(junk)
    with pytest.raises(TypeError, match=r"load_cached_results\(\) for 'x'"):
        states.Retrying(cached_inputs={}).load_cached_results({"x": junk})


# -- failing where the fault is ---------------------------------------------------------------


def _run_with(handler: ResultHandler) -> tuple[states.State, Any, Any]:
    @task(result=ResultHandlerResult(handler))
    def produce() -> int:
        return 3

    @task
    def consume(x: int) -> int:
        return x + 1

    with Flow("faults") as flow:
        first = produce()
        second = consume(first)
    return flow.run(), first, second


@pytest.mark.usefixtures("checkpointing")
def test_non_json_reference_fails_that_task_naming_the_handler() -> None:
    flow_state, first, second = _run_with(SetReferenceHandler())
    failed = flow_state.result[first]
    assert failed.is_failed()
    assert (
        "<ResultHandler: SetReferenceHandler>.write() returned a set, which is not "
        "JSON-compatible (Object of type set is not JSON serializable)" in failed.message
    )
    assert isinstance(failed.result, PayloadError)
    assert flow_state.result[second].is_failed()  # the trigger refuses the failed upstream
    for state in flow_state.result.values():  # every state still dumps to JSON
        json.dumps(StateSchema().dump(state))


@pytest.mark.usefixtures("checkpointing")
def test_json_compatible_references_of_any_type_still_work() -> None:
    class DictReferenceHandler(TextHandler):
        def write(self, result: Any) -> Any:
            return {"key": super().write(result)}

        def read(self, loc: Any) -> Any:
            return super().read(loc["key"])

    flow_state, first, second = _run_with(DictReferenceHandler())
    assert flow_state.is_successful()
    assert flow_state.result[second].result == 4
    payload = json.loads(json.dumps(dump_state(flow_state.result[first])))
    assert payload["_result"]["location"]["key"].startswith("key-")


def test_store_safe_value_checks_the_reference_too() -> None:
    """The legacy path (``Result.store_safe_value``) fails at the write as well."""
    result = Result(5, result_handler=SetReferenceHandler())
    with pytest.raises(ValueError, match=r"SetReferenceHandler.*not JSON-compatible") as info:
        result.store_safe_value()
    assert isinstance(info.value, PayloadError)


def test_a_result_write_returning_no_result_fails_that_task_naming_the_class(
    tmp_path: Path,
) -> None:
    """A ``Result`` subclass whose ``write`` returns a path instead of a ``Result``: Prefect
    stored the string as the task's result silently; here that task fails, saying why."""
    from compat import context
    from compat.exceptions import ReturnTypeError

    class PathOnlyResult(LocalResult):
        def write(self, value_, **kwargs):
            return str(tmp_path / "out.pkl")

    @task(result=PathOnlyResult(dir=str(tmp_path)))
    def produce():
        return 1

    @task
    def other():
        return 2

    with Flow("broken write") as flow:
        broken, fine = produce(), other()
    with context(checkpointing=True):
        state = flow.run()
    assert isinstance(state.result[broken], states.Failed)
    assert isinstance(state.result[broken].result, ReturnTypeError)
    assert "PathOnlyResult.write() returned str, not a Result" in state.result[broken].message
    assert state.result[fine].result == 2
