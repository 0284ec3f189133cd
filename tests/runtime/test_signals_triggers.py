"""Signals (FAIL, SKIP, SUCCESS, RETRY, LOOP) and triggers."""

from __future__ import annotations

import datetime as dt

import pytest

from compat import Flow, task
from compat.engine import signals
from compat.engine.state import Failed, Skipped, Success, TriggerFailed
from compat.triggers import (
    all_failed,
    all_finished,
    always_run,
    any_failed,
    any_successful,
)


@task
def ok():
    """Succeed."""
    return 1


@task
def fails():
    """Fail."""
    raise signals.FAIL("told to fail")


@task
def skips():
    """Skip."""
    raise signals.SKIP("nothing to do")


def test_fail_signal_gives_failed_state():
    """FAIL gives Failed with its message."""
    with Flow("f") as flow:
        f = fails()
    state = flow.run().result[f]
    assert isinstance(state, Failed)
    assert state.message == "told to fail"


def test_skip_propagates_downstream_unless_disabled():
    """SKIP skips downstream tasks, unless skip_on_upstream_skip=False."""

    @task(skip_on_upstream_skip=False, trigger=all_finished)
    def runs_anyway(x):
        return "ran"

    with Flow("f") as flow:
        s = skips()
        skipped = ok(upstream_tasks=[s])
        ran = runs_anyway(s)
    state = flow.run()
    assert isinstance(state.result[s], Skipped)
    assert state.result[s].message == "nothing to do"
    assert isinstance(state.result[skipped], Skipped)
    assert state.result[ran].result == "ran"
    assert state.is_successful()


def test_success_signal_result_is_the_output():
    """SUCCESS(result=...) ends the run successfully with that output."""

    @task
    def early():
        raise signals.SUCCESS("done early", result=5)

    with Flow("f") as flow:
        e = early()
    state = flow.run().result[e]
    assert isinstance(state, Success)
    assert state.result == 5
    assert state.message == "done early"


def test_retry_signal_reruns_the_task():
    """RETRY runs the task again, even without max_retries."""

    @task(retry_delay=dt.timedelta(0))
    def flaky():
        from compat import context

        if context.task_run_count < 3:
            raise signals.RETRY("again")
        return context.task_run_count

    with Flow("f") as flow:
        r = flaky()
    assert flow.run().result[r].result == 3


def test_default_trigger_fails_downstream_of_failure():
    """all_successful (default) gives TriggerFailed downstream of a failure."""
    with Flow("f") as flow:
        f = fails()
        downstream = ok(upstream_tasks=[f])
    state = flow.run().result[downstream]
    assert isinstance(state, TriggerFailed)
    assert "all_successful" in state.message


@pytest.mark.parametrize(
    ("trigger", "upstream_fails", "runs"),
    [
        (all_finished, True, True),
        (always_run, True, True),
        (any_failed, True, True),
        (any_failed, False, False),
        (all_failed, True, True),
        (all_failed, False, False),
        (any_successful, False, True),
        (any_successful, True, False),
    ],
)
def test_triggers(trigger, upstream_fails, runs):
    """Each trigger runs or refuses the task according to the upstream outcome."""

    @task(trigger=trigger)
    def guarded():
        return "ran"

    with Flow("f") as flow:
        upstream = fails() if upstream_fails else ok()
        g = guarded(upstream_tasks=[upstream])
    state = flow.run().result[g]
    if runs:
        assert state.result == "ran"
    else:
        assert isinstance(state, TriggerFailed)


def test_clean_up_task_with_any_failed_is_not_a_reference_task_problem():
    """A flow whose clean-up task (any_failed) was refused still reports the failure."""

    @task(trigger=any_failed)
    def alert():
        return "alert"

    with Flow("f") as flow:
        f = fails()
        a = alert(upstream_tasks=[f])
    flow.set_reference_tasks([f])
    state = flow.run()
    assert state.is_failed()
    assert state.result[a].result == "alert"
