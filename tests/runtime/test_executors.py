"""Executors: sequential, threads and processes run the same flow to the same results."""

from __future__ import annotations

import pytest

from compat import Flow, Parameter, task, unmapped
from compat.engine.executors import Executor, LocalExecutor, LocalParallelExecutor
from compat.engine.results import LocalResult


@task
def square(x):
    """Square x."""
    return x * x


@task
def total(values, offset):
    """Sum values plus offset."""
    return sum(values) + offset


def build(tmp_path):
    """A flow with a parameter, a map and a reduce, checkpointed with templates."""
    location = "{task_name}-{map_index}.pkl"
    with Flow("exec", result=LocalResult(dir=str(tmp_path), location=location)) as flow:
        n = Parameter("n", default=[1, 2, 3])
        squares = square.map(n)
        t = total(squares, offset=Parameter("offset", default=1))
        again = square.map(squares, upstream_tasks=[unmapped(t)])
    return flow, squares, t, again


@pytest.mark.parametrize(
    "executor",
    [
        LocalExecutor(),
        LocalParallelExecutor("threads", max_workers=3),
        LocalParallelExecutor("processes", max_workers=2),
    ],
    ids=["sequential", "threads", "processes"],
)
def test_every_executor_gives_the_same_results(tmp_path, checkpointing, executor):
    """Results and written files are the same whatever the executor."""
    check_same_results(tmp_path, executor)


def check_same_results(tmp_path, executor):
    """Run :func:`build`'s flow on ``executor``: the same values and files as sequentially."""
    flow, squares, t, again = build(tmp_path)
    state = flow.run(executor=executor)
    assert state.is_successful()
    assert state.result[squares].result == [1, 4, 9]
    assert state.result[t].result == 15
    assert state.result[again].result == [1, 16, 81]
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == ["square-0.pkl", "square-1.pkl", "square-2.pkl", "total-None.pkl"]


def test_closures_run_in_processes(checkpointing):
    """Process executors pickle tasks with cloudpickle, so closures work."""
    factor = 3

    @task
    def scale(x):
        return x * factor

    with Flow("f") as flow:
        r = scale.map([1, 2])
    state = flow.run(executor=LocalParallelExecutor("processes", max_workers=2))
    assert state.result[r].result == [3, 6]


def test_custom_executor_plugs_in():
    """A new executor only implements submit (here: recording calls)."""
    import concurrent.futures as cf

    class Recording(Executor):
        def __init__(self):
            self.calls = 0

        def submit(self, fn, *args, **kwargs):
            self.calls += 1
            future = cf.Future()
            future.set_result(fn(*args, **kwargs))
            return future

    executor = Recording()
    with Flow("f") as flow:
        r = square.map([1, 2, 3])
    assert flow.run(executor=executor).result[r].result == [1, 4, 9]
    assert executor.calls == 3  # the three children; the constant list is not run (Prefect)


def test_parallel_executor_rejects_unknown_kind():
    """Only threads and processes are known kinds."""
    with pytest.raises(ValueError, match="threads"):
        LocalParallelExecutor("cluster")
