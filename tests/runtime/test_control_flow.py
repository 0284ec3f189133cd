"""Control flow as Prefect 0.x builds it: tags, FilterTask, ifelse, switch and merge.

The states, tags and log lines of whole flows are compared with real 0.10.7 and 0.13.19 runs
in ``tests/golden/test_runtime_golden.py`` (scenarios ``filter_task``, ``branches`` and
``switch_all_skipped``); these tests pin the edges.
"""

from __future__ import annotations

import pytest

from compat import Flow, Parameter, tags, task
from compat.engine.state import Skipped, Success, TriggerFailed
from compat.tasks.control_flow import FilterTask, ifelse, merge, switch
from compat.tasks.control_flow.conditional import Merge


@task
def one():
    return 1


@task
def boom():
    raise ValueError("no")


def test_tags_nest_and_reach_tasks_called_inside():
    with Flow("t"):
        with tags("outer"):
            with tags("inner"):
                inside = one()
            middle = one()
        outside = one()
    assert (inside.tags, middle.tags, outside.tags) == ({"outer", "inner"}, {"outer"}, set())


def test_filter_task_keeps_what_its_function_accepts():
    @task
    def double(x):
        return 2 * x

    with Flow("f") as flow:
        kept = FilterTask(filter_func=lambda v: v > 2)(double.map([1, 2, 3]))
    assert flow.run().result[kept].result == [4, 6]


def test_merge_refuses_skip_on_upstream_skip():
    with pytest.raises(ValueError, match="skip_on_upstream_skip=False"):
        Merge(skip_on_upstream_skip=True)


def test_merge_of_a_failed_branch_is_trigger_failed():
    """not_all_skipped: one branch failed, none skipped → TRIGGERFAIL, as in Prefect."""
    with Flow("m") as flow:
        merged = merge(boom(), one())
    state = flow.run().result[merged]
    assert isinstance(state, TriggerFailed)
    assert state.message == 'Trigger was "not_all_skipped" but some of the upstream tasks failed.'


def test_switch_and_ifelse_need_a_flow():
    with pytest.raises(ValueError, match="inside `with Flow"):
        switch(one, {1: one})


def test_ifelse_with_one_branch_only_runs_or_skips_it():
    with Flow("i") as flow:
        taken = one()
        ifelse(Parameter("go"), taken, None)
    assert isinstance(flow.run(go=True).result[taken], Success)
    assert isinstance(flow.run(go=False).result[taken], Skipped)
