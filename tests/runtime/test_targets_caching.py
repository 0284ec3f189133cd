"""Targets (string and callable) and caching with every cache validator."""

from __future__ import annotations

import datetime as dt

import cloudpickle
import pytest

from compat import Flow, Parameter, Task, context, task
from compat.engine import cache_validators as cv
from compat.engine.results import LocalResult
from compat.engine.state import Cached, Failed, Success
from compat.utilities.configuration import set_temporary_config

CALLS: list[int] = []


@task
def count(x=1):
    """Record a call and return x * 10."""
    CALLS.append(x)
    return x * 10


@pytest.fixture(autouse=True)
def _reset_calls():
    CALLS.clear()


def target_flow(tmp_path, target):
    """A flow whose task has a target in tmp_path."""
    t = count.copy(target=target)
    with Flow("f", result=LocalResult(dir=str(tmp_path))) as flow:
        r = t(Parameter("x", default=1))
    return flow, r


@pytest.mark.parametrize("kind", ["string", "callable"])
def test_target_written_then_hit(tmp_path, checkpointing, kind):
    """The first run writes the target; the second is Cached with the value read from it."""
    target = (
        "{task_name}-{x}.pkl" if kind == "string" else (lambda **kw: f"{kw['task_name']}-1.pkl")
    )
    flow, r = target_flow(tmp_path, target)
    first = flow.run().result[r]
    assert type(first) is Success
    assert (tmp_path / "count-1.pkl").exists()
    (tmp_path / "count-1.pkl").write_bytes(cloudpickle.dumps("from the target"))
    second = flow.run().result[r]
    assert isinstance(second, Cached)
    assert second.result == "from the target"
    assert "Result found at task target" in second.message
    assert CALLS == [1]


def test_target_not_written_without_checkpointing(tmp_path):
    """With checkpointing off the task runs but never creates its target."""
    flow, _r = target_flow(tmp_path, "{task_name}.pkl")
    flow.run()
    flow.run()
    assert CALLS == [1, 1]
    assert not (tmp_path / "count.pkl").exists()


def test_existing_target_is_used_without_checkpointing(tmp_path):
    """Reading an existing target does not depend on checkpointing."""
    (tmp_path / "count.pkl").write_bytes(cloudpickle.dumps(99))
    flow, r = target_flow(tmp_path, "{task_name}.pkl")
    assert flow.run().result[r].result == 99
    assert CALLS == []


def test_target_with_base_result_fails(checkpointing):
    """A target without a storage-backed result cannot be checked: the task fails."""
    t = count.copy(target="x.pkl")
    with Flow("f") as flow:
        r = t()
    assert isinstance(flow.run().result[r], Failed)


def run_twice(validator, first_params, second_params, inputs=(1, 1), cache_for=None):
    """Run a cached task twice in one context and return how many calls happened."""
    cache_for = dt.timedelta(hours=1) if cache_for is None else cache_for
    t = count.copy(cache_for=cache_for, cache_validator=validator)
    results = []
    for params, value in zip((first_params, second_params), inputs):
        with Flow("f") as flow:
            a = Parameter("a", default=0)
            b = Parameter("b", default=0)
            r = t(value, upstream_tasks=[a, b])
        results.append(flow.run(parameters=params).result[r])
    return len(CALLS), results


@pytest.mark.parametrize(
    ("validator", "p1", "p2", "inputs", "calls"),
    [
        (cv.never_use, {}, {}, (1, 1), 2),
        (cv.duration_only, {}, {"a": 1}, (1, 2), 1),
        (cv.all_inputs, {}, {"a": 1}, (1, 1), 1),
        (cv.all_inputs, {}, {}, (1, 2), 2),
        (cv.all_parameters, {"a": 1}, {"a": 1}, (1, 2), 1),
        (cv.all_parameters, {"a": 1}, {"a": 2}, (1, 1), 2),
        (cv.partial_parameters_only(["a"]), {"a": 1, "b": 1}, {"a": 1, "b": 2}, (1, 1), 1),
        (cv.partial_parameters_only(["a"]), {"a": 1}, {"a": 2}, (1, 1), 2),
        (cv.partial_inputs_only(["x"]), {}, {}, (1, 1), 1),
        (cv.partial_inputs_only(["x"]), {}, {}, (1, 2), 2),
    ],
)
def test_cache_validators(validator, p1, p2, inputs, calls):
    """Each validator reuses the cache exactly when its comparison holds."""
    n, results = run_twice(validator, p1, p2, inputs)
    assert n == calls
    assert isinstance(results[0], Cached)
    assert results[0].cached_result_expiration is not None
    if calls == 1:
        assert results[1] is results[0]


def test_expired_cache_is_not_used():
    """A cache whose expiration has passed is ignored by duration_only."""
    n, _ = run_twice(cv.duration_only, {}, {}, cache_for=dt.timedelta(seconds=-1))
    assert n == 2


def test_cache_key_shares_caches_between_tasks():
    """Two tasks with one cache_key share cached states."""

    class A(Task):
        def run(self):
            CALLS.append(1)
            return "a"

    for name in ("first", "second"):
        with Flow("f") as flow:
            r = A(name=name, cache_for=dt.timedelta(hours=1), cache_key="shared")()
        state = flow.run().result[r]
    assert CALLS == [1]
    assert state.result == "a"


def test_caches_are_shared_once_the_run_is_over():
    """As Prefect (``Flow.run`` updates ``context.caches`` after each run): two tasks with
    one cache_key in the same run both run, even one after the other; the next run finds
    their cache."""

    class A(Task):
        def run(self):
            CALLS.append(1)
            return "a"

    for _ in range(2):
        with Flow("f") as flow:
            first = A(name="first", cache_for=dt.timedelta(hours=1), cache_key="one-run")()
            second = A(name="second", cache_for=dt.timedelta(hours=1), cache_key="one-run")(
                upstream_tasks=[first]
            )
        states = flow.run().result
    assert CALLS == [1, 1]
    assert all(isinstance(states[t], Cached) for t in (first, second))
    assert states[first].message == states[second].message


def test_cache_validator_without_cache_for_warns():
    """A validator without cache_for warns that nothing will be cached."""
    with pytest.warns(UserWarning, match="cache_for"):
        Task(cache_validator=cv.all_inputs)


def test_cached_state_keeps_the_checkpointed_location(tmp_path, checkpointing):
    """A cached state reuses the written result, location included."""
    t = count.copy(cache_for=dt.timedelta(hours=1))
    with Flow("f", result=LocalResult(dir=str(tmp_path), location="c.pkl")) as flow:
        r = t(2)
    state = flow.run().result[r]
    assert state._result.location == str(tmp_path / "c.pkl")
    assert state.hashed_inputs == {"x": cv.tokenize(2)}
    assert context.get("caches") is not None
    with set_temporary_config({"flows.checkpointing": False}):
        assert flow.run().result[r] is state
