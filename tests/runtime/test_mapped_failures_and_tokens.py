"""Failed mapped children, unmappable upstream values, canonical cache tokens, Mapped payloads."""

from __future__ import annotations

import datetime as dt

from compat import Flow, task
from compat.engine.cache_validators import all_inputs, hash_inputs, tokenize
from compat.engine.state import Cached, Failed, Mapped, Success, TriggerFailed, utcnow


@task
def numbers():
    return [1, 0, 2]


@task
def invert(x):
    return 1 / x


@task
def count(values):
    return len(values)


def test_a_failed_mapped_child_fails_the_flow_and_stops_the_reduce_step():
    """A failed child makes the flow Failed, and a reduce task downstream TriggerFailed."""
    with Flow("map-fail") as flow:
        inverted = invert.map(numbers())
        total = count(inverted)
    state = flow.run()
    mapped = state.result[inverted]
    assert isinstance(mapped, Mapped)
    assert [type(s) for s in mapped.map_states] == [Success, Failed, Success]
    assert isinstance(state.result[total], TriggerFailed)
    assert state.is_failed()


def test_mapping_over_a_non_sequence_fails_only_that_task():
    """An unmappable upstream value fails the mapped task; other tasks keep their states."""

    @task
    def five():
        return 5

    @task
    def other():
        return "kept"

    with Flow("unmappable") as flow:
        kept = other()
        mapped = invert.map(five())
    state = flow.run()
    assert isinstance(state.result, dict)
    assert state.result[kept].result == "kept"
    assert isinstance(state.result[mapped], Failed)
    assert "unmappable" in state.result[mapped].message


def test_tokens_ignore_dict_order_and_set_iteration_order():
    """Equal dicts and sets get equal tokens, so input-based cache validators reuse them."""
    assert tokenize({"a": 1, "b": 2}) == tokenize({"b": 2, "a": 1})
    assert tokenize({"alpha", "beta", "gamma"}) == tokenize({"gamma", "beta", "alpha"})
    assert tokenize([1, 2]) != tokenize((1, 2))
    cached = Cached(
        result=1,
        cached_result_expiration=utcnow() + dt.timedelta(hours=1),
        hashed_inputs=hash_inputs({"x": {"a": 1, "b": 2}}),
    )
    assert all_inputs(cached, {"x": {"b": 2, "a": 1}}, None)


def test_mapped_payloads_carry_no_result():
    """A Mapped state's payload holds n_map_states only, as Prefect's does."""
    with Flow("mapped-payload") as flow:
        inverted = invert.map(numbers())
    payload = flow.run().result[inverted].serialize()
    assert payload["n_map_states"] == 3
    assert "_result" not in payload
    assert isinstance(Mapped.deserialize(payload), Mapped)


def test_a_retried_loop_resumes_from_its_checkpointed_loop_result(tmp_path):
    """A Retrying state mid-loop stores the written loop result; resuming reads it back."""
    from compat.engine import signals
    from compat.engine.results import LocalResult
    from compat.engine.state import Retrying, State
    from compat.utilities.configuration import set_temporary_config
    from compat.utilities.context import context

    payloads: list[dict] = []
    fail_once = [True]
    seen_at_third: list[object] = []

    def keep_retrying_payload(task_, old, new):
        if isinstance(new, Retrying):
            payloads.append(new.serialize())

    @task(max_retries=1, retry_delay=dt.timedelta(0), state_handlers=[keep_retrying_payload])
    def looper():
        n = context["task_loop_count"]
        if n == 3 and fail_once[0]:
            fail_once[0] = False
            raise ValueError("transient")
        if n == 3:
            seen_at_third.append(context.get("task_loop_result"))
        if n < 4:
            raise signals.LOOP(result=f"acc{n}")
        return n

    with set_temporary_config({"flows.checkpointing": True}):
        with Flow("loop-retry", result=LocalResult(dir=str(tmp_path))) as flow:
            looped = looper()
        flow.run()
        (payload,) = payloads
        assert payload["_result"]["type"] == "LocalResult"
        assert payload["context"] == {"_loop_count": 3, "tags": []}  # tags: as Prefect
        seen_at_third.clear()
        state = flow.run(task_states={looped: State.deserialize(payload)})
    assert seen_at_third == ["acc2"]
    assert state.result[looped].result == 4
