"""compat against recorded behaviour of real Prefect 0.10.7 and 0.13.19, call by call.

``data/<version>/behaviour.json`` was written by ``make_golden.py generate-behaviour``
inside each release's own environment. Where compat matches, the test asserts the same
outcome; where compat deliberately differs (docs/differences.md), it asserts the recorded
Prefect outcome *and* compat's, so a change on either side shows up here.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from compat import Flow, task
from compat.engine.cache_validators import all_inputs
from compat.engine.result import Result
from compat.engine.result_handlers import JSONResultHandler, LocalResultHandler, ResultHandler
from compat.engine.results import LocalResult
from compat.engine.serializers import PandasSerializer
from compat.engine.state import Success
from compat.serialization.state import StateSchema
from compat.utilities.configuration import set_temporary_config
from tests.golden.golden_values import (
    decode_value,
    golden_values,
    result_cache_facts,
    same_value,
)

DATA = Path(__file__).parent / "data"
PANDAS_FRAME = {"n": [1, 2, 3], "x": [0.5, -1.0, 2.25], "name": ["a", "bé", "c"]}


def _record(version: str) -> dict[str, Any]:
    return json.loads((DATA / version / "behaviour.json").read_text(encoding="utf-8"))


# -- 0.10.7: Result(value, result_handler=..., cache_for=..., cache_validator=...) -------------


def test_result_cache_arguments_match_0_10_7() -> None:
    """The same calls give the same facts (the deprecation warning is tested elsewhere)."""
    prefect = _record("0.10.7")["result_cache_arguments"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        ours = result_cache_facts(Result, JSONResultHandler, all_inputs)
    assert ours == prefect


# -- 0.10.7: a handler whose reference is not JSON (deliberate difference) ---------------------


class SetReferenceHandler(ResultHandler):
    def write(self, result: Any) -> Any:
        return {1, 2}

    def read(self, loc: Any) -> Any:
        return None


def test_non_json_reference_fails_the_task_where_0_10_7_failed_the_dump(tmp_path: Path) -> None:
    """0.10.7: the task and the flow succeed; dumping the state later fails with "Value is
    not JSON-compatible". compat: the same diagnosis, at the write, failing that task."""
    prefect = _record("0.10.7")["non_json_reference"]
    assert prefect["task_state"] == prefect["downstream_state"] == prefect["flow_state"]
    assert prefect["task_state"] == "Success"
    assert prefect["serialize"]["raised"] == "ValidationError: Value is not JSON-compatible"

    with pytest.warns(DeprecationWarning, match="result_handler"):
        produce = task(lambda: 3, name="produce", result_handler=SetReferenceHandler())
    consume = task(lambda x: x + 1, name="consume")
    with Flow("golden-non-json-reference") as flow:
        produced = produce()
        consumed = consume(produced)
    with set_temporary_config({"flows.checkpointing": True, "home_dir": str(tmp_path)}):
        flow_state = flow.run()
    assert flow_state.result[produced].is_failed()
    assert (
        "SetReferenceHandler>.write() returned a set, which is not JSON-compatible"
        in flow_state.result[produced].message
    )
    assert flow_state.result[consumed].is_failed()
    assert flow_state.is_failed()
    json.dumps(StateSchema().dump(flow_state.result[produced]))


# -- 0.13.19: State.load_result(handler) and junk ----------------------------------------------


def _loaded_state(tmp_path: Path) -> Any:
    written = LocalResult(dir=str(tmp_path)).write(golden_values()["nested_dict"])
    return StateSchema().load(StateSchema().dump(Success("ok", result=written)))


def test_load_result_with_a_handler_gives_0_13_19s_value(tmp_path: Path) -> None:
    """Same value; compat keeps a ``LocalResult`` where 0.13.19 left the raw value in
    ``_result`` (the handler's ``read`` returns a bare value)."""
    prefect = _record("0.13.19")["load_result"]
    state = _loaded_state(tmp_path).load_result(LocalResultHandler(dir=str(tmp_path)))
    assert same_value(decode_value(prefect["handler_value"]), state.result)
    assert prefect["handler_result_type"] == "dict"
    assert type(state._result).__name__ == "LocalResult"


@pytest.mark.parametrize(("case", "junk"), [("junk_str", "junk"), ("junk_int", 42)])
def test_junk_reader_raises_type_error_where_0_13_19_raised_attribute_error(
    tmp_path: Path, case: str, junk: Any
) -> None:
    prefect = _record("0.13.19")["load_result"][case]
    assert prefect["raised"].startswith("AttributeError:")
    with pytest.raises(TypeError, match="reads the stored location with a Result"):
        _loaded_state(tmp_path).load_result(junk)


def test_junk_reader_is_refused_even_with_nothing_to_read() -> None:
    """0.13.19 ignored a junk reader when the value was present; compat refuses it always."""
    prefect = _record("0.13.19")["load_result"]["junk_with_value_present"]
    assert prefect == {"returned": "<Success>"}
    with pytest.raises(TypeError):
        Success(result=7).load_result("junk")


# -- 0.13.19: PandasSerializer ------------------------------------------------------------------

PANDAS = _record("0.13.19")["pandas_serializer"]


@pytest.mark.parametrize("name", sorted(PANDAS["cases"]))
def test_pandas_serializer_reads_and_writes_0_13_19s_bytes(name: str) -> None:
    """Bytes written by 0.13.19 read back the same; compat writes the same bytes."""
    recorded = PANDAS["cases"][name]
    serializer = PandasSerializer(
        recorded["file_type"], recorded["deserialize_kwargs"], recorded["serialize_kwargs"]
    )
    back = serializer.deserialize(decode_value(recorded["bytes"]))
    assert list(back.columns) == recorded["read_back"]["columns"]
    assert back.values.tolist() == recorded["read_back"]["rows"]
    assert serializer.serialize(pd.DataFrame(PANDAS_FRAME)) == decode_value(recorded["bytes"])


def test_pandas_serializer_equality_matches_0_13_19() -> None:
    same = PandasSerializer("csv", {"sep": ";"}, {"index": False})
    ours = {
        "same_settings": same == PandasSerializer("csv", {"sep": ";"}, {"index": False}),
        "other_type": same == PandasSerializer("json", {"sep": ";"}, {"index": False}),
        "other_deserialize_kwargs": same == PandasSerializer("csv", {}, {"index": False}),
        "other_serialize_kwargs": same == PandasSerializer("csv", {"sep": ";"}, {}),
    }
    assert ours == PANDAS["equality"]


def test_pandas_serializer_refusals_and_differences() -> None:
    """Unknown types fail at construction in both. Deliberate differences: compat also
    refuses ``sql`` (0.13.19 accepted it and failed at the first write) and a ``Series``
    (0.13.19 wrote it as CSV and read back a DataFrame)."""
    assert PANDAS["unknown_type"]["raised"].startswith("ValueError:")
    with pytest.raises(ValueError, match="nope"):
        PandasSerializer("nope")
    assert PANDAS["sql_type"] == {"returned": "'PandasSerializer'"}
    with pytest.raises(ValueError, match="byte buffer"):
        PandasSerializer("sql")
    assert "returned" in PANDAS["series"]
    with pytest.raises(TypeError, match="got Series"):
        PandasSerializer("csv").serialize(pd.Series([1, 2]))
