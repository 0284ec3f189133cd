"""Property: however a valid state payload is mutated, loading it fails only with PayloadError.

Issue 8, item 5. Valid payloads of every state shape are mutated (a field replaced by any
JSON value, removed, added, or a nested object replaced) and loaded. A load either succeeds,
and the state serializes again, or raises :class:`PayloadError`; never ``TypeError``,
``AttributeError``, ``RecursionError`` or anything else.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from compat.engine import state as states
from compat.engine.result import NoResult, SafeResult
from compat.engine.result_handlers import JSONResultHandler, LocalResultHandler
from compat.engine.results import LocalResult, PrefectResult, S3Result
from compat.engine.state import State
from compat.exceptions import PayloadError

NOW = dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.timezone.utc)


def _valid_payloads() -> list[dict[str, Any]]:
    local = LocalResult(dir="/r", validate_dir=False, location="/r/x")
    made = [
        states.Success("ok", result=local, context={"a": [1, {"b": 2}]}),
        states.Retrying(
            "again",
            result=PrefectResult(location="[1, 2]"),
            run_count=3,
            start_time=NOW,
            cached_inputs={"x": local, "y": S3Result("b", location="k")},
        ),
        states.Cached(
            result=local,
            cached_parameters={"p": 1},
            cached_result_expiration=NOW,
            hashed_inputs={"x": "abc"},
        ),
        states.Mapped("m", map_states=[states.Success(), states.Success()]),
        states.Looped(result=local, loop_count=4),
        states.Success(result=SafeResult("/r/v", LocalResultHandler(dir="/r", validate=False))),
        states.Success(result=SafeResult("5", JSONResultHandler())),
        states.Failed("boom", result=NoResult),
        states.Scheduled(start_time=NOW),
    ]
    made_payloads = [json.loads(json.dumps(state.serialize())) for state in made]
    return made_payloads + [
        {"type": "Success", "_result": result, "cached_inputs": {"x": result}}
        for result in _OTHER_RESULT_PAYLOADS
    ]


def _safe(handler: dict[str, Any]) -> dict[str, Any]:
    return {"type": "SafeResult", "value": "k", "result_handler": handler}


#: Result shapes of every other kind: cloud results, secrets, custom results and every
#: 0.10 handler (a handler missing its bucket once escaped as a bare ``ValueError``).
_OTHER_RESULT_PAYLOADS: list[dict[str, Any]] = [
    {"type": "FSSpecResult", "url": "s3://b", "location": "k"},
    {"type": "GCSResult", "bucket": "b", "location": "k"},
    {"type": "AzureResult", "container": "c", "location": "k"},
    {"type": "SecretResult", "location": "NAME", "secret_type": "SecretSource"},
    {"type": "ResultHandlerResult", "location": "k", "result_handler_type": "m.H"},
    {"type": "ConstantResult", "location": "5"},
    {"type": "CustomResult", "location": "/r/k", "qualified_name": "m.R"},
    _safe({"type": "S3ResultHandler", "bucket": "b", "aws_credentials_secret": None}),
    _safe({"type": "GCSResultHandler", "bucket": "b", "credentials_secret": None}),
    _safe({"type": "AzureResultHandler", "container": "c", "azure_credentials_secret": None}),
    _safe({"type": "SecretResultHandler", "name": "N"}),
    _safe({"type": "CustomResultHandler", "qualified_name": "m.H"}),
    _safe({"type": "ConstantResultHandler"}),
]


VALID = _valid_payloads()

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False)
    | st.text(max_size=20)
    | st.sampled_from(
        [
            "2026-01-02T03:04:05",
            "http://h/x",
            "data:;base64,AA==",
            "memory://m",
            "s3://b/k",
            "../..",
            "LocalResult",
            "SafeResult",
            "NoResultType",
            "LocalResultHandler",
            "Mapped",
        ]
    ),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.text(max_size=12) | st.sampled_from(["type", "location"]), children)
    ),
    max_leaves=12,
)


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix]
    if len(prefix) > 12:  # below that, mutations of deepened nodes are all alike
        return found
    if isinstance(node, dict):
        for key, value in node.items():
            found += _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += _paths(value, (*prefix, index))
    return found


@st.composite
def mutated_payloads(draw: st.DrawFn) -> Any:
    payload = copy.deepcopy(draw(st.sampled_from(VALID)))
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        paths = _paths(payload)
        path = draw(st.sampled_from(paths))
        action = draw(st.sampled_from(["replace", "delete", "add", "deepen"]))
        if not path:
            if action == "replace":
                payload = draw(json_values)
            continue
        parent = payload
        for key in path[:-1]:
            parent = parent[key]
        last = path[-1]
        if action == "replace":
            parent[last] = draw(json_values)
        elif action == "delete":
            del parent[last]
        elif action == "add" and isinstance(parent[last], dict):
            parent[last][draw(st.text(max_size=10))] = draw(json_values)
        elif action == "deepen":
            node: Any = parent[last]
            for _ in range(draw(st.sampled_from([1, 70, 3000]))):
                node = [node] if draw(st.booleans()) else {"n": node}
            parent[last] = node
    return payload


def test_every_valid_payload_loads() -> None:
    """The seeds of the mutation are themselves valid."""
    for payload in VALID:
        assert State.deserialize(payload).serialize()["type"] == payload["type"]


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated_payloads())
def test_mutated_payloads_fail_only_with_payload_error(payload: Any) -> None:
    """Any mutation either loads (and serializes again, in both shapes) or raises PayloadError."""
    try:
        state = State.deserialize(payload)
    except PayloadError as exc:
        message = str(exc)
    else:
        json.dumps(state.serialize())
        try:  # the 0.10 shape may refuse storage a 0.10 reader cannot read, nothing else
            json.dumps(state.serialize(legacy=True))
        except PayloadError as exc:
            message = str(exc)
        else:
            return
    assert len(message) < 400
