"""Every state dumps to JSON and loads back, in Prefect-compatible shapes, without raw values."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from compat.engine import state as states
from compat.engine.result.base import NoResultType, Result
from compat.engine.result_handlers import JSONResultHandler, LocalResultHandler
from compat.engine.results import LocalResult, PrefectResult

SECRET_VALUE = "raw-value-never-stored"

NOW = dt.datetime(2020, 1, 5, 3, 4, 5, tzinfo=dt.timezone.utc)


def examples(tmp_path):
    """One instance of every state class, most with a stored result."""
    local = LocalResult(dir=str(tmp_path), location="a.pkl").write(SECRET_VALUE)
    prefect = PrefectResult().write({"x": [1, 2]})
    raw = Result(SECRET_VALUE)
    return [
        states.Pending("p", result=raw),
        states.Scheduled("s", start_time=NOW),
        states.Retrying("r", run_count=2, start_time=NOW, cached_inputs={"x": local, "y": raw}),
        states.Running("run"),
        states.Finished("f"),
        states.Success("ok", result=local),
        states.Cached(
            "c",
            result=prefect,
            cached_parameters={"p": 1},
            cached_result_expiration=NOW,
            hashed_inputs={"x": "abc"},
        ),
        states.Mapped("m", result=[SECRET_VALUE], map_states=[states.Success(result=raw)]),
        states.Skipped("sk"),
        states.Failed("no", result=ValueError(SECRET_VALUE)),
        states.TriggerFailed("tf"),
        states.TimedOut("to"),
        states.Looped("l", result=local, loop_count=3),
        states.Cancelled("x"),
    ]


def test_every_state_class_has_an_example(tmp_path):
    """The examples cover every public state class."""
    state_classes = {n for n in states.__all__ if isinstance(getattr(states, n), type)}
    assert {type(s).__name__ for s in examples(tmp_path)} == state_classes - {"State"}


def test_round_trip_through_json(tmp_path):
    """dump → json → load keeps type, message, result type/location and per-type fields."""
    for state in examples(tmp_path):
        text = json.dumps(state.serialize())
        assert SECRET_VALUE not in text
        loaded = states.State.deserialize(json.loads(text))
        assert type(loaded) is type(state)
        assert loaded.message == state.message
        assert type(loaded._result) is type(state._result) or isinstance(
            loaded._result, NoResultType
        )
        assert getattr(loaded._result, "location", None) == getattr(state._result, "location", None)
        for field in ("run_count", "loop_count", "cached_parameters", "hashed_inputs"):
            assert getattr(loaded, field, None) == getattr(state, field, None)
        for field in ("start_time", "cached_result_expiration"):
            if hasattr(state, field):
                assert getattr(loaded, field) == getattr(state, field)


def test_payload_shapes(tmp_path):
    """Payloads follow the reference's shapes."""
    local, prefect = examples(tmp_path)[5], examples(tmp_path)[6]
    payload = local.serialize()
    assert payload["type"] == "Success"
    assert payload["_result"] == {
        "type": "LocalResult",
        "dir": str(tmp_path),
        "location": str(tmp_path / "a.pkl"),
    }
    assert prefect.serialize()["_result"] == {"type": "PrefectResult", "location": '{"x": [1, 2]}'}
    assert examples(tmp_path)[7].serialize()["n_map_states"] == 1
    assert states.Success().serialize()["_result"] == {"type": "NoResultType"}
    retrying = examples(tmp_path)[2].serialize()
    assert retrying["run_count"] == 2
    assert retrying["cached_inputs"]["y"] == {"type": "Result", "location": None}


def test_loaded_results_hydrate(tmp_path):
    """A loaded state's result hydrates with load_result (own storage or a given reader)."""
    success = examples(tmp_path)[5]
    loaded = states.State.deserialize(json.loads(json.dumps(success.serialize())))
    assert loaded.result is None
    assert loaded.load_result(LocalResult(dir=str(tmp_path))).result == SECRET_VALUE
    prefect = states.State.deserialize(examples(tmp_path)[6].serialize())
    assert prefect.load_result().result == {"x": [1, 2]}


def test_legacy_safe_result_payloads_load_and_hydrate(tmp_path):
    """A 0.10 SafeResult payload loads as a hydratable result."""
    path = LocalResultHandler(dir=str(tmp_path)).write(7)
    payload = {
        "type": "Success",
        "message": "old",
        "_result": {
            "type": "SafeResult",
            "value": path,
            "result_handler": {"type": "LocalResultHandler", "dir": str(tmp_path)},
        },
    }
    loaded = states.State.deserialize(payload)
    assert loaded._result.location == path
    assert loaded.load_result().result == 7
    json_payload = dict(
        payload,
        _result={
            "type": "SafeResult",
            "value": "[1]",
            "result_handler": {"type": "JSONResultHandler"},
        },
    )
    assert states.State.deserialize(json_payload).load_result().result == [1]
    assert JSONResultHandler().read("[1]") == [1]


def test_flow_states_dump_without_task_states():
    """A flow state's result (the task states) is not stored."""
    flow_state = states.Success("all", result={"task": states.Success(result=Result(1))})
    assert flow_state.serialize()["_result"] == {"type": "Result", "location": None}


def test_unknown_state_type_is_an_error():
    """Unknown state types fail with a clear message."""
    from compat.exceptions import PayloadError

    with pytest.raises(PayloadError, match="unknown state type"):
        states.State.deserialize({"type": "Exploded"})
