"""States dumped with ``legacy=True`` have the shape real Prefect 0.10.7 wrote for the same flow.

The flow below is ``make_golden.py``'s 0.10.7 flow (``legacy_flow_states`` and its two
siblings), run on ``compat`` with only the imports changed. Every field a 0.10.7 payload
has must be in compat's payload with the same value, once machine-specific parts are made
neutral (``__version__``, the result directory, the timestamp in a file name). compat may
add fields (0.10.7's schemas ignore unknown fields). That 0.10.7 itself loads and hydrates
these payloads is checked by ``make_golden.py check-reverse`` (see the README).
"""

from __future__ import annotations

import datetime as dt
import json
import re
import warnings
from pathlib import Path
from typing import Any

import pytest

from compat import Flow, Parameter, task
from compat.engine.result_handlers import JSONResultHandler, LocalResultHandler, ResultHandler
from compat.engine.results import LocalResult
from compat.exceptions import PayloadError
from compat.serialization.state import dump_state
from compat.utilities.configuration import set_temporary_config
from compat.utilities.context import context
from tests.golden.golden_values import GOLDEN_DIR_PLACEHOLDER, golden_values

STATES = Path(__file__).parent / "data" / "0.10.7" / "states"
TIMESTAMP = re.compile(r"prefect-result-\d{4}-\d\d-\d\dt[\d-]+")


class GoldenCustomHandler(ResultHandler):
    """The generator's custom handler: ``"loc-" + json.dumps(value)``."""

    def write(self, result: Any) -> str:
        return "loc-" + json.dumps(result)

    def read(self, loc: str) -> Any:
        return json.loads(loc[len("loc-") :])


def _neutral(payload: Any, root: str) -> Any:
    """Drop ``__version__``; the run's directory and file-name timestamps become markers."""
    if isinstance(payload, dict):
        return {k: _neutral(v, root) for k, v in payload.items() if k != "__version__"}
    if isinstance(payload, list):
        return [_neutral(item, root) for item in payload]
    if isinstance(payload, str):
        return TIMESTAMP.sub("prefect-result-<time>", payload.replace(root, "<dir>"))
    return payload


def _assert_covers(ours: Any, theirs: Any, where: str = "") -> None:
    """Every field of 0.10.7's payload is in ours with the same value (extra fields allowed)."""
    if isinstance(theirs, dict):
        assert isinstance(ours, dict), f"{where}: expected an object, got {ours!r}"
        for key, value in theirs.items():
            assert key in ours, f"{where}.{key} missing from {ours!r}"
            _assert_covers(ours[key], value, f"{where}.{key}")
    else:
        assert ours == theirs, f"{where}: 0.10.7 wrote {theirs!r}, compat {ours!r}"


def _body(value: Any, fail_first: bool = False) -> Any:
    def body(x: Any = None) -> Any:
        if fail_first and context.get("task_run_count", 1) < 2:
            raise RuntimeError("first attempt fails")
        if isinstance(value, Exception):
            raise value
        return value

    return body


@pytest.fixture
def legacy_payloads(tmp_path: Path) -> dict[str, dict[str, Any]]:
    """Every task state of the generator's 0.10.7 flows, run on compat, dumped legacy=True."""
    values = golden_values()
    task_dir = str(tmp_path / "state-results" / "task-handler")
    flow_dir = str(tmp_path / "state-results" / "flow-handler")
    seen: dict[str, Any] = {}

    def record(task_: Any, old: Any, new: Any) -> Any:
        seen.setdefault(type(new).__name__, dump_state(new, legacy=True))
        return new

    with warnings.catch_warnings():  # result_handler= warns; tested in tests/runtime
        warnings.simplefilter("ignore", DeprecationWarning)
        local_task = task(
            _body(values["nested_dict"]),
            name="local_task",
            result_handler=LocalResultHandler(dir=task_dir),
        )
        json_task = task(
            _body(values["list"]), name="json_task", result_handler=JSONResultHandler()
        )
        custom_task = task(
            _body(values["nested_dict"]),
            name="custom_handler_task",
            result_handler=GoldenCustomHandler(),
        )
        main = Flow("golden-legacy", result_handler=LocalResultHandler(dir=flow_dir))
        json_flow = Flow("golden-legacy-json", result_handler=JSONResultHandler())
        plain_task = task(
            _body(values["int"]),
            name="unhandled_task",
            result_handler=LocalResultHandler(dir=task_dir),
        )
    retry = {"max_retries": 1, "retry_delay": dt.timedelta(0)}
    with main:
        upstream = local_task()
        json_task(upstream)
        task(_body(values["tuple"]), name="flow_handler_task")()
        task(_body(None), name="returns_none")()
        task(_body(values["int"]), name="not_checkpointed", checkpoint=False)()
        task(_body(ValueError("boom")), name="fails")()
        retried = task(
            _body(values["str_unicode"], fail_first=True),
            name="retried",
            state_handlers=[record],
            **retry,
        )
        retried(upstream)
        custom_task()
    main.add_task(Parameter("p", default=3))
    with json_flow:
        task(_body(values["nested_dict"]), name="json_flow_task")()
    with Flow("golden-legacy-no-checkpointing") as plain_flow:
        plain_task()

    home = {"home_dir": str(tmp_path / "home")}
    with set_temporary_config({**home, "flows.checkpointing": True}):
        states = {**main.run().result, **json_flow.run().result}
    with set_temporary_config({**home, "flows.checkpointing": False}):
        states.update(plain_flow.run().result)
    payloads = {t.name: dump_state(s, legacy=True) for t, s in states.items()}
    payloads["Retrying"] = seen["Retrying"]
    return {name: _neutral(payload, str(tmp_path)) for name, payload in payloads.items()}


#: golden file (written by 0.10.7) → the task whose compat state must match it.
CASES = {
    "local-handler-success": "local_task",
    "json-handler-success-with-cached-input": "json_task",
    "flow-handler-success": "flow_handler_task",
    "parameter-success": "p",
    "none-value-success": "returns_none",
    "not-checkpointed-success": "not_checkpointed",
    "failed": "fails",
    "retried-success": "retried",
    "retrying-with-cached-input": "Retrying",
    "flow-json-handler-success": "json_flow_task",
    "checkpointing-off-success": "unhandled_task",
    "custom-handler-success": "custom_handler_task",
}


@pytest.mark.parametrize(("golden", "source"), CASES.items(), ids=list(CASES))
def test_legacy_results_match_what_0_10_7_wrote(
    legacy_payloads: dict[str, dict[str, Any]], golden: str, source: str
) -> None:
    text = (STATES / f"{golden}.json").read_text(encoding="utf-8")
    theirs = _neutral(json.loads(text), GOLDEN_DIR_PLACEHOLDER)
    ours = legacy_payloads[source]
    assert ours["type"] == theirs["type"]
    _assert_covers(ours["_result"], theirs["_result"], "_result")
    if source == "Retrying":  # compat keeps cached inputs on Retrying states only
        _assert_covers(ours["cached_inputs"], theirs["cached_inputs"], "cached_inputs")


def test_the_current_shape_is_what_0_10_7_rejected(tmp_path: Path) -> None:
    """Without ``legacy=True`` a written ``LocalResult`` dumps as ``LocalResult`` (0.11+)."""
    from compat.engine.state import Success

    state = Success("ok", result=LocalResult(dir=str(tmp_path)).write(1))
    assert dump_state(state)["_result"]["type"] == "LocalResult"
    assert dump_state(state, legacy=True)["_result"]["type"] == "SafeResult"
    assert state.serialize(legacy=True) == dump_state(state, legacy=True)


def test_unreadable_storage_is_refused_not_dumped_as_none(tmp_path: Path) -> None:
    """A result 0.10 cannot read raises, naming the class, the serializer and the fix."""
    from compat.engine.results import FSSpecResult, S3Result
    from compat.engine.serializers import JSONSerializer
    from compat.engine.state import Success

    json_local = LocalResult(dir=str(tmp_path), serializer=JSONSerializer()).write([1])
    with pytest.raises(
        PayloadError, match=r"LocalResult with JSONSerializer\(\).*PickleSerializer"
    ):
        dump_state(Success(result=json_local), legacy=True)
    raw_s3 = S3Result(bucket="b", location="k.prefect_result")
    with pytest.raises(PayloadError, match=r"S3ResultHandler reads only.*Base64PickleSerializer"):
        dump_state(Success(result=raw_s3), legacy=True)
    memory = FSSpecResult("memory://x", location="a")
    with pytest.raises(PayloadError, match=r"Prefect 0\.10 has no handler that reads it"):
        dump_state(Success(result=memory), legacy=True)
