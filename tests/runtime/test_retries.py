"""Retries, and inputs re-read through the upstream task's own result type."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from compat import Flow, context, task
from compat.engine.result_handlers import LocalResultHandler, ResultHandler
from compat.engine.results import LocalResult
from compat.engine.state import Failed, Retrying, Success
from compat.serialization.state import dump_state, load_state

NO_DELAY = dt.timedelta(0)


def test_max_retries_reruns_until_success():
    """A failing task is retried up to max_retries; task_run_count counts the runs."""
    seen = []

    @task(max_retries=2, retry_delay=NO_DELAY)
    def flaky():
        seen.append(context.task_run_count)
        if context.task_run_count < 3:
            raise ValueError("not yet")
        return "ok"

    with Flow("f") as flow:
        f = flaky()
    assert flow.run().result[f].result == "ok"
    assert seen == [1, 2, 3]


def test_retries_exhausted_fail():
    """After max_retries the task fails; every retry passed through Retrying."""
    states = []

    @task(
        max_retries=1,
        retry_delay=NO_DELAY,
        state_handlers=[lambda t, old, new: states.append(type(new).__name__)],
    )
    def always():
        raise ValueError("never")

    with Flow("f") as flow:
        a = always()
    assert isinstance(flow.run().result[a], Failed)
    assert states.count("Retrying") == 1


def test_retrying_state_caches_the_inputs(tmp_path, checkpointing):
    """The Retrying state carries the inputs, as the upstream task's result type."""
    retrying = []

    @task(result=LocalResult(dir=str(tmp_path)))
    def upstream():
        return 21

    @task(
        max_retries=1,
        retry_delay=NO_DELAY,
        state_handlers=[lambda t, o, n: retrying.append(n) if isinstance(n, Retrying) else None],
    )
    def downstream(x):
        if context.task_run_count == 1:
            raise ValueError("first time fails")
        return x * 2

    with Flow("f") as flow:
        d = downstream(upstream())
    assert flow.run().result[d].result == 42
    (state,) = retrying
    payload = json.loads(json.dumps(dump_state(state)))
    assert payload["run_count"] == 1
    assert payload["cached_inputs"]["x"]["type"] == "LocalResult"
    assert payload["cached_inputs"]["x"]["location"].startswith(str(tmp_path))


class TextHandler(ResultHandler):
    """A custom handler storing each integer as a text file named after it."""

    def __init__(self, directory):
        self.directory = directory

    def write(self, result):
        path = f"{self.directory}/custom-{result}.txt"
        with open(path, "w") as handle:
            handle.write(str(result))
        return path

    def read(self, location):
        with open(location) as handle:
            return int(handle.read())


@pytest.mark.parametrize("model", ["new", "legacy", "custom"])
def test_upstream_reread_with_its_own_result_after_json(tmp_path, checkpointing, model):
    """A resumed run reads upstream values through the upstream task's result (not the flow's)."""
    if model == "new":
        options = {"result": LocalResult(dir=str(tmp_path))}
    else:
        handler = (
            LocalResultHandler(dir=str(tmp_path)) if model == "legacy" else TextHandler(tmp_path)
        )
        options = {"result_handler": handler}
    calls = []

    def upstream_fn():
        calls.append(1)
        return 21

    if "result_handler" in options:
        with pytest.warns(DeprecationWarning, match="result_handler"):
            upstream = task(upstream_fn, **options)
    else:
        upstream = task(upstream_fn, **options)

    @task(max_retries=1, retry_delay=NO_DELAY)
    def downstream(x):
        if context.task_run_count == 1:
            raise ValueError("crash")
        return x * 2

    # the flow result is a different type: using it to read would fail
    with Flow("f", result=LocalResult(dir=str(tmp_path / "flow"), location="wrong")) as flow:
        u = upstream()
        d = downstream(u)
    captured = {}

    def capture(task_, old, new):
        if isinstance(new, Retrying):
            captured["retrying"] = json.dumps(dump_state(new))

    d.state_handlers = [capture]
    first = flow.run()
    saved_upstream = json.dumps(dump_state(first.result[u]))
    assert calls == [1]
    upstream_state = load_state(json.loads(saved_upstream))
    assert upstream_state.result is None
    retrying_state = load_state(json.loads(captured["retrying"]))
    assert retrying_state.cached_inputs["x"].value is None
    d.state_handlers = []
    resumed = flow.run(task_states={u: upstream_state, d: retrying_state})
    assert calls == [1]
    assert resumed.result[d].result == 42
    assert retrying_state.run_count == 1
    assert isinstance(resumed.result[d], Success)
