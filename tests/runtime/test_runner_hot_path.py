"""What the runner's per-task shortcuts keep: handlers, constants and argument checks
behave as before, only computed once (issue 11, per-task cost)."""

from __future__ import annotations

import copy
import pickle

import pytest

from compat import Flow, Task, task
from compat.core.edge import Edge
from compat.engine.conversion import ResultAsHandler
from compat.engine.result_handlers import LocalResultHandler
from compat.engine.results import LocalResult
from compat.engine.task_runner import HandlerCache


@task
def inc(x):
    return x + 1


def test_task_runs_sharing_a_result_share_its_handler(tmp_path, checkpointing) -> None:
    """The legacy handler of a checkpoint is converted once per flow run and source result."""
    own = LocalResult(dir=str(tmp_path / "own"))
    own_inc = task(lambda x: x + 1, name="own_inc", result=own)
    with Flow("handlers", result=LocalResult(dir=str(tmp_path / "flow"))) as flow:
        first = inc(1)
        second = inc(first)
        third = own_inc(second)
    state = flow.run()
    assert state.is_successful()
    handlers = [state.result[t]._result.safe_value.result_handler for t in (first, second, third)]
    assert handlers[0] is handlers[1]
    assert isinstance(handlers[0], ResultAsHandler)
    assert handlers[0].result.dir == str(tmp_path / "flow")
    assert handlers[2] is not handlers[0]
    assert handlers[2].result.dir == str(tmp_path / "own")
    for t, expected in ((first, 2), (second, 3), (third, 4)):
        safe = state.result[t]._result.safe_value
        assert safe.result_handler.read(safe.location) == expected


def test_a_new_run_converts_again_after_the_result_changed(tmp_path, checkpointing) -> None:
    """Nothing is kept between runs: a result changed in between gives a new handler."""
    result = LocalResult(dir=str(tmp_path / "a"))
    with Flow("rerun", result=result) as flow:
        one = inc(1)
    before = flow.run().result[one]._result.safe_value.result_handler
    flow.result = LocalResult(dir=str(tmp_path / "b"))
    after = flow.run().result[one]._result.safe_value.result_handler
    assert before.result.dir == str(tmp_path / "a")
    assert after.result.dir == str(tmp_path / "b")


def test_the_handler_cache_arrives_empty_in_another_process() -> None:
    """Sent to a process executor, the cache carries no handlers (each process converts)."""
    cache = HandlerCache()
    cache[1] = (LocalResult(dir="/somewhere"), LocalResultHandler(dir="/somewhere"))
    copy = pickle.loads(pickle.dumps(cache))
    assert isinstance(copy, HandlerCache)
    assert copy == {}


def test_bound_constants_are_separate_results_per_run() -> None:
    """Each task run gets its own constant input results (copies of one template)."""
    seen = []

    @task
    def keep(x):
        seen.append(x)
        return x

    with Flow("constants") as flow:
        keep(1)
        keep(2)
    assert flow.run().is_successful()
    assert sorted(seen) == [1, 2]


def test_required_arguments_follow_a_replaced_run_function() -> None:
    """The cached required-argument names belong to one ``run`` function, not to the task."""
    with Flow("required") as flow:
        first = inc(1)
    flow.validate()
    first.run = lambda x, y: x + y  # now needs y, which nothing binds
    with pytest.raises(ValueError, match=r"unbound required arguments \['y'\]"):
        flow.validate()


def test_an_edge_hashes_by_its_current_identity() -> None:
    """The cached hash follows a changed attribute and never travels in a pickle."""
    a, b, c = Task(name="a"), Task(name="b"), Task(name="c")
    edge = Edge(a, b, key="x")
    assert hash(edge) == hash(Edge(a, b, key="x"))
    edge.downstream_task = c
    assert hash(edge) == hash(Edge(a, c, key="x"))
    assert edge in {Edge(a, c, key="x")}
    travelled = pickle.loads(pickle.dumps(edge))  # new task objects: new ids, new hash
    assert travelled.__dict__["_hash"] is None
    assert hash(travelled) == hash(
        Edge(travelled.upstream_task, travelled.downstream_task, key="x")
    )
    copied = copy.copy(edge)
    assert copied == edge
    assert hash(copied) == hash(edge)
