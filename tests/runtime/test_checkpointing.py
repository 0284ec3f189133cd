"""Checkpointing (reference §4.3) and templated locations with every context key (§4.9)."""

from __future__ import annotations

import datetime as dt

import pytest

from compat import Flow, Parameter, Task, context, task
from compat.engine.results import LocalResult, PrefectResult
from compat.engine.state import Failed
from compat.utilities.configuration import set_temporary_config


@task
def produce(x=1):
    """Return x."""
    return x


@pytest.mark.parametrize(
    ("config_on", "context_value", "task_checkpoint", "value", "writes"),
    [
        (True, None, None, 1, True),
        (True, None, True, 1, True),
        (True, None, False, 1, False),
        (False, None, None, 1, False),
        (False, None, True, 1, False),
        (True, None, None, None, False),
        (False, True, None, 1, True),
        (True, False, None, 1, False),
        (True, "yes", None, 1, False),
    ],
)
def test_checkpoint_truth_table(tmp_path, config_on, context_value, task_checkpoint, value, writes):
    """Write iff context.checkpointing is True, task.checkpoint is not False, value not None."""
    t = produce.copy(checkpoint=task_checkpoint)
    with Flow("f", result=LocalResult(dir=str(tmp_path), location="out.pkl")) as flow:
        r = t(value)
    extra = {} if context_value is None else {"checkpointing": context_value}
    with set_temporary_config({"flows.checkpointing": config_on}), context(**extra):
        state = flow.run()
    assert state.result[r].result == value
    assert (tmp_path / "out.pkl").exists() is writes
    assert (state.result[r]._result.location is not None) is writes


def test_base_result_cannot_write_and_keeps_the_value(checkpointing):
    """With no result configured, checkpointing silently keeps the value in memory."""
    with Flow("f") as flow:
        r = produce(5)
    state = flow.run().result[r]
    assert state.is_successful()
    assert state._result.location is None


def test_failures_and_skips_are_never_checkpointed(tmp_path, checkpointing):
    """Failed tasks write nothing."""

    @task
    def boom():
        raise ValueError("x")

    with Flow("f", result=LocalResult(dir=str(tmp_path))) as flow:
        boom()
    flow.run()
    assert list(tmp_path.iterdir()) == []


def test_a_success_signal_value_is_kept_in_memory_only(tmp_path, checkpointing):
    """Prefect 0.10.7 and 0.13.19 write nothing for SUCCESS(result=...): the state is the
    signal's own, its result a bare ``Result`` (checked on both releases)."""
    from compat.engine import signals

    @task
    def early():
        raise signals.SUCCESS("done early", result=7)

    with Flow("f", result=LocalResult(dir=str(tmp_path))) as flow:
        done = early()
    state = flow.run().result[done]
    assert (state.message, state.result, state._result.location) == ("done early", 7, None)
    assert list(tmp_path.iterdir()) == []


def test_template_uses_every_context_key(tmp_path, checkpointing):
    """A location can use every §4.9 context key, parameters and custom context keys."""
    keys = [
        "flow_name",
        "flow_id",
        "flow_run_id",
        "flow_run_name",
        "task_name",
        "task_slug",
        "task_id",
        "task_full_name",
        "task_run_id",
        "task_run_count",
        "map_index",
        "task_loop_count",
        "today",
        "yesterday",
        "tomorrow",
        "today_nodash",
        "yesterday_nodash",
        "tomorrow_nodash",
        "checkpointing",
        "my_param",
        "custom",
    ]
    template = "/".join(f"{{{k}}}" for k in keys) + "/{date:%Y}-{scheduled_start_time:%m}"
    template += "-{parameters[my_param]}-{config.backend}.pkl"
    seen = {}

    @task(result=LocalResult(dir=str(tmp_path), location=template))
    def capture(my_param):
        seen.update(context.to_dict())
        return my_param

    with Flow("ctx-flow") as flow:
        r = capture(Parameter("my_param", default="p1"))
    with context(custom="mine", date=dt.datetime(2020, 1, 5, tzinfo=dt.timezone.utc)):
        state = flow.run()
    location = state.result[r]._result.location
    expected = [str(seen[k]) if k not in ("my_param", "custom") else "" for k in keys]
    expected[keys.index("my_param")] = "p1"
    expected[keys.index("custom")] = "mine"
    assert location == str(tmp_path / "/".join(expected)) + "/2020-01-p1-core.pkl"
    assert seen["today"] == "2020-01-05"
    assert seen["yesterday_nodash"] == "20200104"
    assert seen["tomorrow"] == "2020-01-06"
    assert seen["map_index"] is None
    assert seen["task_full_name"] == "capture"
    assert seen["parameters"] == {"my_param": "p1"}


def test_inputs_win_over_context_and_parameters(tmp_path, checkpointing):
    """Task inputs named like context keys or parameters win in templates."""

    @task(result=LocalResult(dir=str(tmp_path), location="{task_name}-{p}.pkl"))
    def shadow(task_name, p):
        return 1

    with Flow("f") as flow:
        r = shadow("from-input", p=Parameter("p", default="param"))
    assert flow.run().result[r]._result.location == str(tmp_path / "from-input-param.pkl")


def test_callable_location(tmp_path, checkpointing):
    """A callable location receives the same keywords."""

    def name(**kwargs):
        return f"{kwargs['task_name']}-{kwargs['x']}.bin"

    with Flow("f", result=LocalResult(dir=str(tmp_path), location=name)) as flow:
        r = produce(7)
    assert flow.run().result[r]._result.location == str(tmp_path / "produce-7.bin")


@pytest.mark.parametrize(
    ("template", "message"),
    [("{missing}.pkl", "missing"), ("{x}.pkl", "'..'"), ("{task_name._secret}.pkl", "private")],
)
def test_template_errors_fail_the_task_clearly(tmp_path, checkpointing, template, message):
    """Missing fields, escaping values and private attributes fail the task with a message."""
    with Flow("f", result=LocalResult(dir=str(tmp_path), location=template)) as flow:
        r = produce("../../etc")
    state = flow.run().result[r]
    assert isinstance(state, Failed)
    assert message in state.message
    assert list(tmp_path.iterdir()) == []


def test_other_write_errors_fail_the_task(checkpointing):
    """A write error other than 'not implemented' fails the task."""

    class Broken(PrefectResult):
        def write(self, value_, **kwargs):
            raise OSError("disk full")

    with Flow("f", result=Broken()) as flow:
        r = produce(1)
    state = flow.run().result[r]
    assert isinstance(state, Failed)
    assert "disk full" in state.message


def test_task_run_name_is_formatted(tmp_path, checkpointing):
    """task_run_name is formatted with inputs and is usable in locations."""

    class Named(Task):
        def run(self, x):
            return x

    t = Named(
        task_run_name="run-{x}", result=LocalResult(str(tmp_path), location="{task_run_name}")
    )
    with Flow("f") as flow:
        r = t(3)
    assert flow.run().result[r]._result.location == str(tmp_path / "run-3")
