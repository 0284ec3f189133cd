"""Every code example of the seed document ``results-concepts.md``, run against ``compat``.

One test per example, in document order; each docstring names the section it covers.
``prefect`` is replaced by ``compat``; directories are temporary (see ``conftest.py``).
"""

from __future__ import annotations

import re
from pathlib import Path

import cloudpickle
import pytest

from compat import Flow, Parameter, task
from compat.engine.result import NoResult, NoResultType, Result, SafeResult
from compat.engine.result_handlers import JSONResultHandler, LocalResultHandler
from compat.engine.state import Success
from compat.utilities.configuration import set_temporary_config
from tests.seeds._support import LOCAL_NAME, PICKLED_THREE


@task
def add(x, y=1):
    return x + y


@task
def make_dict():
    return {"a": 1}


def legacy_handler_warning():
    """``result_handler=`` is deprecated (as in Prefect 0.11-0.13) and says so."""
    return pytest.warns(DeprecationWarning, match="deprecated")


def run_add_flow(**flow_kwargs):
    """The document's running example: ``first_result = add(1, y=2)`` (= 3), then ``+ 100``."""
    with Flow("my handled flow!", **flow_kwargs) as flow:
        first_result = add(1, y=2)
        second_result = add(x=first_result, y=100)
    state = flow.run()
    assert state.is_successful()
    return state, first_result, second_result


def test_results_unconfigured_case(prefect_home):
    """Results: in the unconfigured case a state's _result is a plain Result, no handler."""
    with Flow("unconfigured") as flow:
        returns_dict = make_dict()
    state = flow.run()

    task_state = state.result[returns_dict]
    assert type(task_state._result) is Result
    assert type(task_state._result.value) is dict  # the type of the task's return value
    assert type(task_state._result.safe_value) is NoResultType
    assert type(task_state._result.result_handler) is type(None)

    # The flow state's own Result follows the same rule (its value is a dict of states).
    assert type(state._result) is Result
    assert type(state._result.value) is dict
    assert type(state._result.safe_value) is NoResultType
    assert type(state._result.result_handler) is type(None)
    # ...and nothing was written anywhere.
    assert not list(prefect_home.rglob("prefect-result-*"))


def test_results_noresult_vs_none_result():
    """Results (tip "NoResult vs. a None Result"): NoResult's methods all give NoResult back."""
    assert NoResult.to_result() is NoResult
    assert NoResult.value is None
    assert NoResult.safe_value is NoResult
    assert NoResult.store_safe_value() is None
    assert NoResult != Result(None)


def test_interacting_with_results(prefect_home):
    """Interacting with `Result`s: flow state maps tasks to states; task state holds <Result: 1>.

    The document writes ``flow.get_tasks[0]``; ``get_tasks`` is a method (in Prefect too), so
    the faithful call is ``flow.get_tasks()[0]``. Both ``add`` tasks return 1 so that the
    expected ``<Result: 1>`` holds whichever task comes first.
    """
    with Flow("adds") as flow:
        add(0, y=1)
        add(1, y=0)
    task_ref = flow.get_tasks()[0]
    state = flow.run()

    assert isinstance(state._result.value, dict)
    assert set(state._result.value) == set(flow.tasks)
    assert len(state._result.value) == 2
    for task_obj, task_state in state._result.value.items():
        assert repr(task_obj) == "<Task: add>"
        assert isinstance(task_state, Success)
        assert repr(task_state) == '<Success: "Task run succeeded.">'
    assert state.result == state._result.value  # the public property aliases the same API
    assert repr(state.result[task_ref]._result) == "<Result: 1>"


def test_result_handlers_local_safe_value_is_a_file_path(checkpointing, tmp_path):
    """Result Handlers: with LocalResultHandler, value is 3 and safe_value a SafeResult path."""
    results_dir = tmp_path / "HelloWorld" / "results"
    with legacy_handler_warning():
        state, first_result, _ = run_add_flow(result_handler=LocalResultHandler(str(results_dir)))

    result = state.result[first_result]._result
    assert result.value == 3
    assert isinstance(result.safe_value, SafeResult)
    pattern = re.escape(f"<SafeResult: '{results_dir}{'/'}") + LOCAL_NAME + re.escape("'>")
    assert re.fullmatch(pattern, repr(result.safe_value)), repr(result.safe_value)


def test_result_handlers_local_file_holds_cloudpickle_of_3(checkpointing, tmp_path):
    """Result Handlers: the file at safe_value.value holds b'\\x80\\x05K\\x03.' (pickled 3)."""
    with legacy_handler_warning():
        state, first_result, _ = run_add_flow(
            result_handler=LocalResultHandler(str(tmp_path / "results"))
        )

    with open(state.result[first_result]._result.safe_value.value, "rb") as f:
        content = f.read()
    assert content == PICKLED_THREE
    assert cloudpickle.loads(content) == 3


def test_result_handlers_json_safe_value_is_the_value(checkpointing):
    """Result Handlers: with JSONResultHandler, value is 3 and safe_value <SafeResult: '3'>."""
    with legacy_handler_warning():
        state, first_result, second_result = run_add_flow(result_handler=JSONResultHandler())

    assert state.result[first_result]._result.value == 3
    assert repr(state.result[first_result]._result.safe_value) == "<SafeResult: '3'>"
    assert repr(state.result[second_result]._result.safe_value) == "<SafeResult: '103'>"
    assert not list(checkpointing.rglob("prefect-result-*"))  # nothing written to files


# -- How to specify a `ResultHandler`: the hierarchy, level by level ---------------------------


#: The legacy config key naming the global default handler (a dotted class path).
LOCAL_HANDLER_PATH = "compat.engine.result_handlers.LocalResultHandler"


def local_files(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir()) if directory.exists() else []


def test_hierarchy_no_checkpointing_means_no_handler_calls(prefect_home, tmp_path):
    """How to specify a `ResultHandler`: read/write are only called with checkpointing on."""
    results_dir = tmp_path / "results"
    with legacy_handler_warning():
        state, first_result, _ = run_add_flow(result_handler=LocalResultHandler(str(results_dir)))
    assert state.result[first_result]._result.value == 3
    assert state.result[first_result]._result.safe_value is NoResult
    assert local_files(results_dir) == []


def test_hierarchy_config_default_is_used_when_nothing_else_is_set(checkpointing):
    """How to specify a `ResultHandler` (1): the config default handler is always used."""
    default = {"engine.result_handler.default_class": LOCAL_HANDLER_PATH}
    with set_temporary_config(default), legacy_handler_warning():
        state, first_result, second_result = run_add_flow()

    results_dir = checkpointing / "results"  # LocalResultHandler() writes to home_dir/results
    for ref, value in ((first_result, 3), (second_result, 103)):
        result = state.result[ref]._result
        assert result.value == value
        assert re.fullmatch(re.escape(f"{results_dir}/") + LOCAL_NAME, result.safe_value.value)
        with open(result.safe_value.value, "rb") as f:
            assert cloudpickle.loads(f.read()) == value
    assert len(local_files(results_dir)) == 2


def test_hierarchy_flow_handler_beats_config_default(checkpointing):
    """How to specify a `ResultHandler` (2): a Flow-level handler is used over the config's."""
    default = {"engine.result_handler.default_class": LOCAL_HANDLER_PATH}
    with set_temporary_config(default), legacy_handler_warning():
        state, first_result, second_result = run_add_flow(result_handler=JSONResultHandler())

    assert repr(state.result[first_result]._result.safe_value) == "<SafeResult: '3'>"
    assert repr(state.result[second_result]._result.safe_value) == "<SafeResult: '103'>"
    assert local_files(checkpointing / "results") == []


def test_hierarchy_task_handler_beats_flow_handler(checkpointing, tmp_path):
    """How to specify a `ResultHandler` (3): a Task-level handler is always used over the Flow's."""
    results_dir = tmp_path / "task-level"
    with legacy_handler_warning():

        @task(result_handler=LocalResultHandler(str(results_dir)))
        def add_locally(x, y=1):
            return x + y

    with legacy_handler_warning(), Flow("mixed", result_handler=JSONResultHandler()) as flow:
        first_result = add_locally(1, y=2)
        second_result = add(x=first_result, y=100)
    state = flow.run()
    assert state.is_successful()

    first = state.result[first_result]._result
    assert re.fullmatch(re.escape(f"{results_dir}/") + LOCAL_NAME, first.safe_value.value)
    with open(first.safe_value.value, "rb") as f:
        assert f.read() == PICKLED_THREE
    assert repr(state.result[second_result]._result.safe_value) == "<SafeResult: '103'>"
    assert len(local_files(results_dir)) == 1


def test_hierarchy_parameters_always_use_json(checkpointing, tmp_path):
    """How to specify a `ResultHandler` (warning "Parameters are different"): always JSON."""
    results_dir = tmp_path / "results"
    with (
        legacy_handler_warning(),
        Flow("with a parameter", result_handler=LocalResultHandler(str(results_dir))) as flow,
    ):
        x = Parameter("x", default=2)
        total = add(x, y=1)
    state = flow.run()
    assert state.is_successful()

    parameter_result = state.result[x]._result
    assert parameter_result.value == 2
    assert repr(parameter_result.safe_value) == "<SafeResult: '2'>"
    assert parameter_result.location == "2"
    assert type(parameter_result).__name__ == "PrefectResult"  # the JSON handler's Result
    # The ordinary task next to it still goes to the flow's local handler.
    assert state.result[total]._result.value == 3
    assert local_files(results_dir) == [Path(state.result[total]._result.safe_value.value).name]
