"""Stored states come back: golden 0.10.7 payloads, restarts and retries on a core run."""

from __future__ import annotations

import base64
import datetime as dt
import json
import shutil
from pathlib import Path
from typing import Any

import cloudpickle
import pendulum
import prefect
import pytest
from prefect import Flow, task
from prefect.engine.results import LocalResult
from prefect.engine.state import Success
from prefect.serialization.state import StateSchema

from compat.engine.result_handlers import ResultHandler
from tests.golden.golden_values import GOLDEN_DIR_PLACEHOLDER, decode_value, same_value

GOLDEN = Path(__file__).resolve().parents[1] / "golden" / "data"
pytestmark = pytest.mark.usefixtures("bridge")


class GoldenCustomHandler(ResultHandler):
    """The custom handler of the 0.10.7 generator (``"loc-" + json.dumps(value)``)."""

    def write(self, result: Any) -> str:
        return "loc-" + json.dumps(result)

    def read(self, location: str) -> Any:
        return json.loads(location[len("loc-") :])


class MirroredS3Handler(ResultHandler):
    """Reads what S3ResultHandler uploaded (base64 cloudpickle) from the captured copy."""

    def __init__(self, mirror: Path) -> None:
        self.mirror = mirror

    def write(self, result: Any) -> str:
        raise NotImplementedError

    def read(self, location: str) -> Any:
        return cloudpickle.loads(base64.b64decode((self.mirror / location).read_bytes()))


@pytest.fixture(scope="module")
def golden_0_10_7(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("golden") / "0.10.7"
    shutil.copytree(GOLDEN / "0.10.7", root)
    return root


def _state_entries() -> list[dict[str, Any]]:
    manifest = json.loads((GOLDEN / "0.10.7" / "manifest.json").read_text(encoding="utf-8"))
    return [e for e in manifest["entries"] if e["kind"] == "state"]


def _load(root: Path, entry: dict[str, Any]) -> Any:
    text = (root / entry["path"]).read_text(encoding="utf-8")
    return StateSchema().load(json.loads(text.replace(GOLDEN_DIR_PLACEHOLDER, str(root))))


def _reader(root: Path, payload: dict[str, Any]) -> Any:
    """Custom handlers are not in payloads: pass them, as in Prefect. S3 reads the copy."""
    from prefect.engine.results import ResultHandlerResult

    handler = payload.get("result_handler", {})
    if handler.get("type") == "CustomResultHandler":
        return ResultHandlerResult(GoldenCustomHandler())
    if handler.get("type") == "S3ResultHandler":
        return ResultHandlerResult(MirroredS3Handler(root / "s3" / handler["bucket"]))
    return None


RECOVERABLE = [e for e in _state_entries() if e["recoverable"]]


@pytest.mark.parametrize("entry", RECOVERABLE, ids=[e["id"] for e in RECOVERABLE])
def test_golden_safe_result_loads_with_location_and_value(
    entry: dict[str, Any], golden_0_10_7: Path
) -> None:
    payload = json.loads((golden_0_10_7 / entry["path"]).read_text(encoding="utf-8"))["_result"]
    state = _load(golden_0_10_7, entry)
    assert type(state).__name__ == entry["state_type"]
    reference = payload["value"].replace(GOLDEN_DIR_PLACEHOLDER, str(golden_0_10_7))
    assert state._result.location == reference  # Prefect alone loses it (Result(location=None))
    assert isinstance(state._result, prefect.engine.result.Result)
    state.load_result(_reader(golden_0_10_7, payload))
    expected = decode_value(entry["value"])
    assert same_value(expected, state.result), (expected, state.result)


WITH_INPUTS = [e for e in _state_entries() if e.get("cached_inputs")]


@pytest.mark.parametrize("entry", WITH_INPUTS, ids=[e["id"] for e in WITH_INPUTS])
def test_golden_cached_inputs_hydrate(entry: dict[str, Any], golden_0_10_7: Path) -> None:
    state = _load(golden_0_10_7, entry)
    state.load_cached_results()
    for key, value in entry["cached_inputs"].items():
        assert same_value(decode_value(value), state.cached_inputs[key].value)


def test_unrecoverable_golden_states_load_without_a_location(golden_0_10_7: Path) -> None:
    for entry in _state_entries():
        if not entry["recoverable"]:
            assert _load(golden_0_10_7, entry)._result.location is None


def test_a_0_13_19_result_handler_result_payload_keeps_its_location() -> None:
    from prefect.engine.results import ResultHandlerResult

    payload = {
        "type": "Success",
        "_result": {
            "type": "ResultHandlerResult",
            "location": "loc-9",
            "result_handler_type": "Custom",
        },
    }
    state = StateSchema().load(payload)
    assert isinstance(state._result, ResultHandlerResult)
    assert state._result.location == "loc-9"
    with pytest.raises(NotImplementedError, match="pass the handler"):
        state.load_result()
    state.load_result(ResultHandlerResult(GoldenCustomHandler()))
    assert state.result == 9


def test_golden_0_13_19_custom_handler_state_hydrates_with_the_handler() -> None:
    """The 0.13.19 ResultHandlerResult payload keeps its location; the handler reads it."""
    from prefect.engine.results import ResultHandlerResult

    entry_path = GOLDEN / "0.13.19" / "states" / "custom-handler-success.json"
    state = StateSchema().load(json.loads(entry_path.read_text(encoding="utf-8")))
    assert isinstance(state._result, ResultHandlerResult)
    assert state._result.location.startswith("loc-")
    state.load_result(ResultHandlerResult(GoldenCustomHandler()))
    assert state.result == {"a": {"b": [1, 2, {"c": None}]}, "flag": False, "ünï": "cödé"}


def test_a_bridged_state_round_trips_through_prefects_schema(tmp_path: Path) -> None:
    from prefect.engine.results import ResultHandlerResult

    result = ResultHandlerResult(GoldenCustomHandler()).write({"x": 1})
    dumped = StateSchema().dump(Success(result=result))
    assert dumped["_result"]["type"] == "ResultHandlerResult"
    assert dumped["_result"]["result_handler_type"] == "GoldenCustomHandler"
    loaded = StateSchema().load(json.loads(json.dumps(dumped)))
    assert loaded._result.location == result.location


@pytest.mark.filterwarnings(r"ignore:.*result_handler= is deprecated:DeprecationWarning")
def test_restart_from_stored_states_reads_upstream_values(tmp_path: Path) -> None:
    """flow.run(task_states=...) with states loaded from JSON: downstream gets the values."""
    from legacy_app.handlers import JSONFileHandler

    calls: list[str] = []

    @task(result_handler=JSONFileHandler(str(tmp_path / "custom")))
    def custom() -> dict[str, int]:
        calls.append("custom")
        return {"a": 1}

    @task(result=LocalResult(dir=str(tmp_path / "local")))
    def native() -> int:
        calls.append("native")
        return 41

    @task
    def combine(c: dict[str, int], n: int) -> int:
        return c["a"] + n

    with Flow("restart") as flow:
        c, n = custom(), native()
        out = combine(c, n)

    with prefect.context(checkpointing=True):
        first = flow.run()
    assert first.result[out].result == 42
    stored = {t: json.dumps(StateSchema().dump(first.result[t])) for t in (c, n)}

    calls.clear()
    restored = {t: StateSchema().load(json.loads(text)) for t, text in stored.items()}
    assert all(s._result.value is None for s in restored.values())  # nothing in memory
    with prefect.context(checkpointing=True):
        second = flow.run(task_states=restored)
    assert calls == []  # upstream tasks did not run again
    assert second.result[out].result == 42


def test_retry_reads_its_inputs_back_from_a_stored_retrying_state(tmp_path: Path) -> None:
    """A stored Retrying state (cached inputs by location only) resumes with the values."""

    @task(result=LocalResult(dir=str(tmp_path)))
    def produce() -> int:
        return 20

    seen: list[int] = []

    @task(max_retries=1, retry_delay=dt.timedelta(seconds=0))
    def consume(x: int) -> int:
        seen.append(x)
        return x + 1

    with Flow("retry") as flow:
        x = produce()
        y = consume(x)

    written = LocalResult(dir=str(tmp_path)).write(20)
    retrying = prefect.engine.state.Retrying(
        start_time=pendulum.now("utc"),
        cached_inputs={"x": LocalResult(dir=str(tmp_path), location=written.location)},
        run_count=1,
    )
    loaded = StateSchema().load(json.loads(json.dumps(StateSchema().dump(retrying))))
    assert loaded.cached_inputs["x"].value is None
    upstream = StateSchema().load(
        json.loads(
            json.dumps(
                StateSchema().dump(
                    Success(result=LocalResult(dir=str(tmp_path), location=written.location))
                )
            )
        )
    )
    with prefect.context(checkpointing=True):
        state = flow.run(task_states={x: upstream, y: loaded})
    assert state.result[y].result == 21
    assert seen == [20]
