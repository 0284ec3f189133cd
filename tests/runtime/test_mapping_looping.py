"""Mapping (map_index, Mapped parents) and looping (task_loop_count, every iteration written)."""

from __future__ import annotations

import cloudpickle

from compat import Flow, context, task, unmapped
from compat.engine import signals
from compat.engine.results import LocalResult
from compat.engine.state import Looped, Mapped, TriggerFailed


@task
def inc(x, step=1):
    """Add step to x."""
    return x + step


def test_mapped_children_have_map_index_and_files(tmp_path, checkpointing):
    """Each child runs with its map_index; a {map_index} template writes one file each."""
    seen = []

    @task(result=LocalResult(dir=str(tmp_path), location="{task_name}-{map_index}.pkl"))
    def mapped(x, step):
        seen.append((context.map_index, context.task_full_name))
        return x + step

    with Flow("f") as flow:
        m = mapped.map([10, 20, 30], step=unmapped(1))
    state = flow.run().result[m]
    assert isinstance(state, Mapped)
    assert state.result == [11, 21, 31]
    assert state.n_map_states == 3
    assert [s.result for s in state.map_states] == [11, 21, 31]
    assert seen == [(0, "mapped[0]"), (1, "mapped[1]"), (2, "mapped[2]")]
    for i, value in enumerate([11, 21, 31]):
        assert cloudpickle.loads((tmp_path / f"mapped-{i}.pkl").read_bytes()) == value
        assert state.map_states[i]._result.location == str(tmp_path / f"mapped-{i}.pkl")


def test_map_over_mapped_and_reduce():
    """A mapped task can feed another mapped task and a reducing task."""

    @task
    def total(values):
        return sum(values)

    with Flow("f") as flow:
        first = inc.map([1, 2, 3])
        second = inc.map(first, step=unmapped(10))
        s = total(second)
    state = flow.run()
    assert state.result[second].result == [12, 13, 14]
    assert state.result[s].result == 39


def test_mapping_over_a_failed_upstream_fails_the_parent():
    """If the upstream to map over failed, the mapped parent is TriggerFailed."""

    @task
    def boom():
        raise ValueError("x")

    with Flow("f") as flow:
        m = inc.map(boom())
    assert isinstance(flow.run().result[m], TriggerFailed)


def test_mapping_over_nothing_gives_an_empty_mapped_state():
    """An empty list maps to no children."""
    with Flow("f") as flow:
        m = inc.map([])
    state = flow.run().result[m]
    assert isinstance(state, Mapped)
    assert state.result == []


def test_loop_count_from_first_iteration_and_every_iteration_written(tmp_path, checkpointing):
    """{task_loop_count} works from iteration 1 (Prefect 0.13.15+ raised KeyError there)."""
    seen = []
    looped = []

    @task(
        result=LocalResult(dir=str(tmp_path), location="loop-{task_loop_count}.pkl"),
        state_handlers=[lambda t, o, n: looped.append(n) if isinstance(n, Looped) else None],
    )
    def fib(limit):
        count = context.task_loop_count
        previous = context.get("task_loop_result", (0, 1))
        seen.append((count, "task_loop_result" in context))
        a, b = previous
        if count >= limit:
            return b
        raise signals.LOOP(result=(b, a + b))

    with Flow("f") as flow:
        r = fib(4)
    state = flow.run().result[r]
    assert state.result == 3
    assert seen == [(1, False), (2, True), (3, True), (4, True)]
    assert [s.loop_count for s in looped] == [1, 2, 3]
    for count, value in [(1, (1, 1)), (2, (1, 2)), (3, (2, 3)), (4, 3)]:
        assert cloudpickle.loads((tmp_path / f"loop-{count}.pkl").read_bytes()) == value
    assert state._result.location == str(tmp_path / "loop-4.pkl")


def test_loop_without_checkpointing_writes_nothing(tmp_path):
    """Loop iterations are written only when checkpointing."""

    @task(result=LocalResult(dir=str(tmp_path), location="loop-{task_loop_count}.pkl"))
    def twice():
        if context.task_loop_count < 2:
            raise signals.LOOP(result=1)
        return context.task_loop_result + 1

    with Flow("f") as flow:
        r = twice()
    assert flow.run().result[r].result == 2
    assert list(tmp_path.iterdir()) == []
