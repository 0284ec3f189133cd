"""``compat.utilities.debug.raise_on_exception``: Prefect's helper for testing flows."""

from __future__ import annotations

import pytest

from compat import Flow, context, task
from compat.engine import signals
from compat.engine.state import Failed, Success
from compat.utilities.debug import raise_on_exception


@task
def divide(x):
    return 1 / x


def test_a_task_error_leaves_flow_run():
    """The task's own exception comes out of flow.run(), not a Failed state."""
    with Flow("f") as flow:
        divide(0)
    assert isinstance(flow.run(), Failed)
    with raise_on_exception(), pytest.raises(ZeroDivisionError):
        flow.run()


def test_a_state_handler_error_leaves_flow_run():
    def broken(obj, old, new):
        raise RuntimeError("handler broke")

    @task(state_handlers=[broken])
    def fine():
        return 1

    with Flow("f") as flow:
        fine()
    with raise_on_exception(), pytest.raises(RuntimeError, match="handler broke"):
        flow.run()


def test_signals_leave_but_loops_go_on():
    """SKIP is raised, as in Prefect; LOOP still loops to the end."""

    @task
    def skipper():
        raise signals.SKIP("not today")

    @task
    def looper():
        count = context.get("task_loop_count", 1)
        if count < 3:
            raise signals.LOOP(result=count)
        return count

    with Flow("skip") as skipping:
        skipper()
    with raise_on_exception(), pytest.raises(signals.SKIP, match="not today"):
        skipping.run()
    with Flow("loop") as looping:
        looped = looper()
    with raise_on_exception():
        state = looping.run()
    assert isinstance(state, Success)
    assert state.result[looped].result == 3
