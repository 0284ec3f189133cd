"""``task.result_handler`` and ``flow.result_handler`` as in Prefect 0.10: readable, assignable,
and accepted by ``copy()`` and ``task_args`` (each use warns at the user's line)."""

from __future__ import annotations

import os

import pytest

from compat import Flow, task
from compat.engine.result_handlers import JSONResultHandler, LocalResultHandler
from compat.engine.results import LocalResult, PrefectResult

pytestmark = pytest.mark.filterwarnings("ignore:.*result_handler.*:DeprecationWarning")


@task
def one() -> int:
    return 1


def test_reading_gives_the_result_as_a_handler(tmp_path) -> None:
    with pytest.warns(DeprecationWarning, match=r"FunctionTask\.result_handler is deprecated"):
        assert one.result_handler is None
    given = LocalResultHandler(dir=str(tmp_path))
    assert one.copy(result_handler=given).result_handler is given  # the handler it came from
    handler = one.copy(result=LocalResult(dir=str(tmp_path))).result_handler
    location = handler.write(5)  # a result works as a handler of its own storage
    assert os.path.dirname(location) == str(tmp_path)
    assert handler.read(location) == 5


def test_assigning_a_handler_converts_it_and_warns_at_the_users_line(tmp_path) -> None:
    configured = one.copy()
    with pytest.warns(DeprecationWarning, match=r"result_handler = \.\.\. is deprecated") as seen:
        configured.result_handler = LocalResultHandler(dir=str(tmp_path))
    assert seen[0].filename == __file__
    assert configured.result == LocalResult(dir=str(tmp_path))
    configured.result_handler = None
    assert configured.result is None


def test_copy_and_task_args_accept_result_handler(tmp_path) -> None:
    copied = one.copy(result_handler=JSONResultHandler())
    assert isinstance(copied.result, PrefectResult)
    with Flow("task-args") as flow:
        bound = one(task_args={"result_handler": LocalResultHandler(dir=str(tmp_path))})
    assert bound.result == LocalResult(dir=str(tmp_path))
    assert flow.tasks == {bound}


def test_a_handler_assigned_to_the_flow_is_where_its_tasks_checkpoint(tmp_path, checkpointing):
    with Flow("assigned") as flow:
        done = one()
    assert flow.result_handler is None
    flow.result_handler = LocalResultHandler(dir=str(tmp_path))
    assert isinstance(flow.result_handler, LocalResultHandler)
    state = flow.run()
    location = state.result[done]._result.location
    assert os.path.dirname(location) == str(tmp_path)
    assert state.result[done]._result.safe_value.result_handler.read(location) == 1
