"""Golden files written by real Prefect releases (0.10.7, 0.13.19, 0.15.13), read by compat.

The data under ``tests/golden/data/<version>/`` was made by ``make_golden.py`` (see the
README beside it); every file and payload is listed in that version's ``manifest.json``
with the value that was written. Payloads name their directory ``{GOLDEN_DIR}``; the
fixtures copy the data to a temporary directory and substitute its real location.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from compat.engine.result import NoResultType, Result, SafeResult
from compat.engine.result_handlers import JSONResultHandler, LocalResultHandler, ResultHandler
from compat.engine.results import LocalResult, PrefectResult, ResultHandlerResult, S3Result
from compat.engine.serializers import PickleSerializer
from compat.serialization.result import dump_result, load_result
from compat.serialization.state import dump_state, load_state
from tests.golden.golden_values import GOLDEN_DIR_PLACEHOLDER, decode_value, same_value

DATA_DIR = Path(__file__).parent / "data"
VERSIONS = ("0.10.7", "0.13.19", "0.15.13")

Entry = dict[str, Any]


def _manifest(version: str) -> dict[str, Any]:
    return json.loads((DATA_DIR / version / "manifest.json").read_text(encoding="utf-8"))


def _entries(version: str, *kinds: str) -> list[Any]:
    """Manifest entries of the given kinds, as pytest params with readable ids."""
    return [
        pytest.param({"version": version, **entry}, id=f"{version}:{entry['id']}")
        for entry in _manifest(version)["entries"]
        if entry["kind"] in kinds
    ]


ALL_STATES = [param for version in VERSIONS for param in _entries(version, "state")]


def _states(predicate: Callable[[Entry], bool]) -> list[Any]:
    """The state params whose manifest entry satisfies ``predicate``."""
    return [param for param in ALL_STATES if predicate(param.values[0])]


RECOVERABLE_STATES = _states(lambda e: bool(e["recoverable"]))
STATES_WITH_CACHED_INPUTS = _states(lambda e: "cached_inputs" in e)


def _expected(entry: Entry) -> Any:
    return decode_value(entry["value"])


def _assert_same(expected: Any, actual: Any) -> None:
    assert same_value(expected, actual), f"expected {expected!r:.200}, got {actual!r:.200}"


def _without_versions(payload: Any) -> Any:
    """Drop Prefect's ``__version__`` keys (compat does not write them)."""
    if isinstance(payload, dict):
        return {k: _without_versions(v) for k, v in payload.items() if k != "__version__"}
    return payload


class GoldenCustomHandler(ResultHandler):
    """The custom handler used by the 0.13.19 generator (``"loc-" + json.dumps(value)``)."""

    def write(self, result: Any) -> str:
        return "loc-" + json.dumps(result)

    def read(self, location: str) -> Any:
        return json.loads(location[len("loc-") :])


@pytest.fixture(scope="module")
def golden_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A private copy of the golden data, so no test writes into the repository."""
    root = tmp_path_factory.mktemp("golden") / "data"
    shutil.copytree(DATA_DIR, root)
    return root


@pytest.fixture
def version_dir(golden_root: Path, entry: Entry) -> Path:
    """The copied data directory of the release that wrote ``entry``."""
    return golden_root / entry["version"]


def _state_payload(version_dir: Path, entry: Entry) -> dict[str, Any]:
    text = (version_dir / entry["path"]).read_text(encoding="utf-8")
    return json.loads(text.replace(GOLDEN_DIR_PLACEHOLDER, str(version_dir)))


# -- the data itself ----------------------------------------------------------------------


@pytest.mark.parametrize("version", VERSIONS)
def test_manifest_lists_existing_files(version: str) -> None:
    """Every file a manifest names is committed, and the manifest names its release."""
    manifest = _manifest(version)
    assert manifest["prefect_version"] == version
    assert manifest["entries"]
    for entry in manifest["entries"]:
        if "path" in entry:
            assert (DATA_DIR / version / entry["path"]).is_file(), entry["id"]


def test_committed_data_has_no_machine_paths() -> None:
    """Payloads name their directory {GOLDEN_DIR}, never a path of the generating machine."""
    for path in DATA_DIR.rglob("*.json"):
        text = path.read_text(encoding="utf-8")
        for prefix in ('"/tmp', '"/home/', '"/root', '"/Users/', '"/work', '"/var/'):
            assert prefix not in text, f"{path.relative_to(DATA_DIR)} contains {prefix!r}"


# -- 0.10.7 legacy handler output ------------------------------------------------------------


@pytest.mark.parametrize("entry", _entries("0.10.7", "local_handler_file"))
def test_legacy_local_handler_file_reads_with_local_result_handler(
    entry: Entry, version_dir: Path
) -> None:
    """A file written by 0.10.7's LocalResultHandler reads back with compat's LocalResultHandler."""
    handler = LocalResultHandler(dir=str(version_dir / "handler-files"))
    _assert_same(_expected(entry), handler.read(str(version_dir / entry["path"])))


@pytest.mark.parametrize("entry", _entries("0.10.7", "local_handler_file"))
def test_legacy_local_handler_file_reads_with_local_result(entry: Entry, version_dir: Path) -> None:
    """A file written by 0.10.7's LocalResultHandler reads back with compat's LocalResult."""
    result = LocalResult(dir=str(version_dir)).read(str(version_dir / entry["path"]))
    _assert_same(_expected(entry), result.value)


@pytest.mark.parametrize("entry", _entries("0.10.7", "json_handler_string"))
def test_legacy_json_handler_string_reads_with_json_result_handler(entry: Entry) -> None:
    """A string written by 0.10.7's JSONResultHandler reads back with compat's JSONResultHandler."""
    _assert_same(_expected(entry), JSONResultHandler().read(entry["payload"]))


@pytest.mark.parametrize("entry", _entries("0.10.7", "json_handler_string"))
def test_legacy_json_handler_string_reads_with_prefect_result(entry: Entry) -> None:
    """A string written by 0.10.7's JSONResultHandler reads back with compat's PrefectResult."""
    _assert_same(_expected(entry), PrefectResult().read(entry["payload"]).value)


@pytest.mark.parametrize("entry", _entries("0.10.7", "json_handler_string"))
def test_compat_json_handler_writes_the_same_string(entry: Entry) -> None:
    """compat's JSONResultHandler writes exactly the string 0.10.7 wrote for the same value."""
    assert JSONResultHandler().write(_expected(entry)) == entry["payload"]


@pytest.mark.parametrize("entry", _entries("0.10.7", "cloud_handler_payload"))
def test_legacy_cloud_payload_reads_with_pickle_serializer(entry: Entry, version_dir: Path) -> None:
    """A base64 cloudpickle payload uploaded by 0.10.7's S3ResultHandler deserializes in compat."""
    payload = (version_dir / entry["path"]).read_bytes()
    _assert_same(_expected(entry), PickleSerializer().deserialize(payload))


#: How Prefect names ``LocalResultHandler``/``LocalResult`` files (slugified UTC isoformat).
DEFAULT_FILE_NAME = re.compile(r"prefect-result-\d{4}-\d\d-\d\dt\d\d-\d\d-\d\d(-\d{6})?-00-00")
COMPAT_FILE_NAME = re.compile(DEFAULT_FILE_NAME.pattern + r"-\d{16}")


def test_compat_names_local_files_like_prefect(tmp_path: Path) -> None:
    """compat's default local file names follow the pattern of every name Prefect wrote."""
    prefect_names = [
        Path(param.values[0]["path"]).name
        for param in _entries("0.10.7", "local_handler_file")
        + _entries("0.15.13", "local_result_file")
        if not param.values[0]["id"].startswith("local_result_file_templated/")
    ]
    compat_names = [
        Path(LocalResultHandler(dir=str(tmp_path)).write(1)).name,
        Path(LocalResult(dir=str(tmp_path)).write(1).location).name,
    ]
    assert len(prefect_names) == 32
    for name in prefect_names:
        assert DEFAULT_FILE_NAME.fullmatch(name), name
    for name in compat_names:  # Prefect's shape plus a random suffix: unique across processes
        assert COMPAT_FILE_NAME.fullmatch(name), name


# -- 0.15.13 new-model output ----------------------------------------------------------------


@pytest.mark.parametrize("entry", _entries("0.15.13", "local_result_file"))
def test_local_result_file_reads_with_local_result(entry: Entry, version_dir: Path) -> None:
    """A file written by 0.15.13's LocalResult (default or templated) reads with LocalResult."""
    relative = LocalResult(dir=str(version_dir)).read(entry["path"])
    absolute = LocalResult(dir=str(version_dir)).read(str(version_dir / entry["path"]))
    _assert_same(_expected(entry), relative.value)
    _assert_same(_expected(entry), absolute.value)
    assert relative.location == entry["path"]


@pytest.mark.parametrize("entry", _entries("0.15.13", "local_result_file"))
def test_local_result_file_reads_with_local_result_handler(entry: Entry, version_dir: Path) -> None:
    """A file written by 0.15.13's LocalResult reads back with compat's LocalResultHandler."""
    handler = LocalResultHandler(dir=str(version_dir))
    _assert_same(_expected(entry), handler.read(str(version_dir / entry["path"])))


@pytest.mark.parametrize("entry", _entries("0.15.13", "prefect_result_location"))
def test_prefect_result_location_reads_with_prefect_result(entry: Entry) -> None:
    """A location written by 0.15.13's PrefectResult reads back with compat's PrefectResult."""
    result = PrefectResult().read(entry["payload"])
    _assert_same(_expected(entry), result.value)
    assert result.location == entry["payload"]


@pytest.mark.parametrize("entry", _entries("0.15.13", "prefect_result_location"))
def test_prefect_result_location_reads_with_json_result_handler(entry: Entry) -> None:
    """A location written by 0.15.13's PrefectResult reads back with compat's JSONResultHandler."""
    _assert_same(_expected(entry), JSONResultHandler().read(entry["payload"]))


@pytest.mark.parametrize("entry", _entries("0.15.13", "prefect_result_location"))
def test_compat_prefect_result_writes_the_same_location(entry: Entry) -> None:
    """compat's PrefectResult writes exactly the location 0.15.13 wrote for the same value."""
    assert PrefectResult().write(_expected(entry)).location == entry["payload"]


# -- state payloads: the ``_result`` part ---------------------------------------------------


def _reader(loaded: Any, version_dir: Path) -> Result | None:
    """What a test hydrates ``loaded`` with when it cannot read itself, else ``None``.

    Custom handlers are not in payloads (pass the handler, as in Prefect); S3 objects were
    captured by the generator into ``s3/<bucket>/<key>`` beside the states.
    """
    if isinstance(loaded, ResultHandlerResult):
        return ResultHandlerResult(GoldenCustomHandler())
    if isinstance(loaded, S3Result):
        mirror = version_dir / "s3" / loaded.bucket
        return LocalResult(dir=str(mirror), serializer=loaded.serializer)
    return None


def _legacy_reader(loaded: Any, version_dir: Path) -> ResultHandler | None:
    """The handler to pass to ``SafeResult.to_result`` when the payload's cannot read."""
    reader = _reader(loaded, version_dir)
    if isinstance(reader, ResultHandlerResult):
        return GoldenCustomHandler()
    if isinstance(reader, LocalResult):
        return LocalResultHandler(dir=reader.dir)
    return None


def _hydrate(loaded: Any, version_dir: Path) -> Any:
    """Read the value behind a loaded (not yet hydrated) compat result."""
    reader = _reader(loaded, version_dir) or loaded
    return reader.read(loaded.location).value


@pytest.mark.parametrize("entry", ALL_STATES)
def test_state_result_payload_loads(entry: Entry, version_dir: Path) -> None:
    """A state's `_result` payload loads as the result type Prefect wrote, keeping its location."""
    payload = _state_payload(version_dir, entry).get("_result")
    loaded = load_result(payload)
    if payload is None:  # Mapped states serialize no result
        assert entry["state_type"] == "Mapped"
        assert isinstance(loaded, NoResultType)
    elif payload["type"] == "NoResultType":
        assert isinstance(loaded, NoResultType)
    elif payload["type"] == "SafeResult":
        assert isinstance(loaded, Result)
        assert loaded.location == payload["value"]
    else:
        assert type(loaded).__name__ == payload["type"]
        assert loaded.location == payload["location"]
        assert loaded.value is None
    if payload is not None and "dir" in payload:
        assert loaded.dir == payload["dir"]


@pytest.mark.parametrize("entry", RECOVERABLE_STATES)
def test_state_result_payload_hydrates_to_the_written_value(
    entry: Entry, version_dir: Path
) -> None:
    """Reading a loaded state result at its location gives the value the old flow run wrote."""
    loaded = load_result(_state_payload(version_dir, entry)["_result"])
    _assert_same(_expected(entry), _hydrate(loaded, version_dir))


@pytest.mark.parametrize(
    "entry", _states(lambda e: not e["recoverable"] and e["result_type"] is not None)
)
def test_state_result_payload_without_reference_has_no_location(
    entry: Entry, version_dir: Path
) -> None:
    """A state result that stored nothing (unhandled, not checkpointed) loads with no location."""
    loaded = load_result(_state_payload(version_dir, entry)["_result"])
    assert loaded.location is None


def _handler_type(entry: Entry) -> str:
    text = (DATA_DIR / entry["version"] / entry["path"]).read_text(encoding="utf-8")
    return str(json.loads(text)["_result"]["result_handler"]["type"])


SAFE_RESULT_STATES = _states(lambda e: e["result_type"] == "SafeResult")


@pytest.mark.parametrize("entry", SAFE_RESULT_STATES)
def test_safe_result_payload_keeps_its_safe_value(entry: Entry, version_dir: Path) -> None:
    """A 0.10.7 SafeResult payload loads with a SafeResult safe value equal to the payload's."""
    payload = _state_payload(version_dir, entry)["_result"]
    loaded = load_result(payload)
    assert isinstance(loaded.safe_value, SafeResult)
    assert loaded.safe_value.value == payload["value"]
    if "dir" in payload["result_handler"]:
        assert loaded.dir == payload["result_handler"]["dir"]
    assert dump_result(loaded.safe_value) == _without_versions(payload)


@pytest.mark.parametrize(
    "entry", [p for p in SAFE_RESULT_STATES if _handler_type(p.values[0]) == "S3ResultHandler"]
)
def test_s3_handler_safe_result_loads_as_s3_result(entry: Entry, version_dir: Path) -> None:
    """A 0.10.7 S3ResultHandler SafeResult loads as an S3Result on the same bucket and key."""
    payload = _state_payload(version_dir, entry)["_result"]
    loaded = load_result(payload)
    assert isinstance(loaded, S3Result)
    assert loaded.bucket == payload["result_handler"]["bucket"]
    assert loaded.location == payload["value"]


@pytest.mark.parametrize("entry", SAFE_RESULT_STATES)
def test_safe_result_payload_hydrates_the_legacy_way(entry: Entry, version_dir: Path) -> None:
    """`safe_value.to_result()` on a loaded 0.10.7 SafeResult reads the value with its handler."""
    loaded = load_result(_state_payload(version_dir, entry)["_result"])
    hydrated = loaded.safe_value.to_result(_legacy_reader(loaded, version_dir))
    _assert_same(_expected(entry), hydrated.value)


@pytest.mark.parametrize(
    "entry", [p for p in SAFE_RESULT_STATES if _handler_type(p.values[0]) == "JSONResultHandler"]
)
def test_json_safe_result_payload_value_is_in_the_state(entry: Entry, version_dir: Path) -> None:
    """A JSON-handler SafeResult is recoverable from the payload alone, through PrefectResult."""
    loaded = load_result(_state_payload(version_dir, entry)["_result"])
    assert isinstance(loaded, PrefectResult)
    _assert_same(_expected(entry), PrefectResult().read(loaded.location).value)


@pytest.mark.parametrize("entry", STATES_WITH_CACHED_INPUTS)
def test_cached_input_payloads_hydrate(entry: Entry, version_dir: Path) -> None:
    """Each `cached_inputs` payload of a 0.10.7 state loads and reads back the input value."""
    cached = _state_payload(version_dir, entry)["cached_inputs"]
    assert cached.keys() == entry["cached_inputs"].keys()
    for key, encoded in entry["cached_inputs"].items():
        _assert_same(decode_value(encoded), _hydrate(load_result(cached[key]), version_dir))


# -- whole states ---------------------------------------------------------------------------


_STATE_FIELDS = ("message", "n_map_states", "cached_parameters", "run_count", "loop_count")
_DATETIME_FIELDS = ("start_time", "cached_result_expiration")


@pytest.mark.parametrize("entry", ALL_STATES)
def test_state_payload_loads_as_its_state_class(entry: Entry, version_dir: Path) -> None:
    """A whole state payload loads as the same state class with its message, fields and times."""
    payload = _state_payload(version_dir, entry)
    state = load_state(payload)
    assert type(state).__name__ == payload["type"]
    for field in _STATE_FIELDS:
        if field in payload:
            assert getattr(state, field) == payload[field], field
    for field in _DATETIME_FIELDS:
        if payload.get(field) is not None:
            assert getattr(state, field) == dt.datetime.fromisoformat(payload[field]), field
    assert sorted(state.cached_inputs or {}) == sorted(payload.get("cached_inputs") or {})
    expected_result = load_result(payload.get("_result"))
    assert type(state._result) is type(expected_result)
    assert state._result.location == expected_result.location


@pytest.mark.parametrize("entry", RECOVERABLE_STATES)
def test_loaded_state_hydrates_with_load_result(entry: Entry, version_dir: Path) -> None:
    """`state.load_result()` on a loaded old state reads back the value the task returned."""
    state = load_state(_state_payload(version_dir, entry))
    state.load_result(_reader(state._result, version_dir))
    _assert_same(_expected(entry), state.result)


@pytest.mark.parametrize("entry", STATES_WITH_CACHED_INPUTS)
def test_loaded_state_hydrates_cached_inputs(entry: Entry, version_dir: Path) -> None:
    """`state.load_cached_results()` on a loaded 0.10.7 state reads back every cached input."""
    state = load_state(_state_payload(version_dir, entry))
    state.load_cached_results()
    for key, encoded in entry["cached_inputs"].items():
        _assert_same(decode_value(encoded), state.cached_inputs[key].value)


@pytest.mark.parametrize("entry", ALL_STATES)
def test_loaded_state_survives_a_compat_round_trip(entry: Entry, version_dir: Path) -> None:
    """Dumping a loaded old state with compat and loading it again keeps class and result."""
    state = load_state(_state_payload(version_dir, entry))
    again = load_state(json.loads(json.dumps(dump_state(state))))
    assert type(again) is type(state)
    assert again.message == state.message
    assert type(again._result) is type(state._result)
    assert again._result.location == state._result.location
