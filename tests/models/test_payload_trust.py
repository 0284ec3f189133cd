"""State payloads are untrusted: storage they name is allow-listed, malformed fields are named.

Issue 8, items 1, 3 (``PayloadError`` text) and 5. A payload comes from a state database or a
file; whoever can edit it must not be able to make ``State.deserialize(...).load_result()``
fetch bytes from a URL of their choosing (``data:``, ``http``, ``ftp`` ...), and a malformed
payload must fail with a short :class:`PayloadError` that names the field.
"""

from __future__ import annotations

import base64
import http.server
import pickle
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from compat._storage import BUILTIN_PAYLOAD_PROTOCOLS, allowed_payload_protocols
from compat.engine.results import FSSpecResult, LocalResult
from compat.engine.state import State, Success
from compat.exceptions import ConfigurationError, PayloadError, StorageNotAllowedError
from compat.serialization.result import load_result
from compat.utilities.configuration import load_configuration, set_temporary_config

#: Set by unpickling :class:`Tripwire`; a refused payload must leave it untouched.
TRIPPED: list[str] = []


class Tripwire:
    """Unpickling this records that code chosen by the payload ran."""

    def __reduce__(self) -> tuple[Any, ...]:
        return (TRIPPED.append, ("code from the payload ran",))


def _data_url() -> str:
    return "data:application/octet-stream;base64," + base64.b64encode(
        pickle.dumps(Tripwire())
    ).decode("ascii")


@pytest.fixture
def http_server() -> Iterator[tuple[str, list[str]]]:
    """A server on 127.0.0.1 serving a pickle at any path; yields its URL and the paths hit."""
    hits: list[str] = []
    body = pickle.dumps(Tripwire())

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            hits.append(self.path)
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_HEAD = do_GET

        def log_message(self, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", hits
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def _hydrate(result_payload: dict[str, Any]) -> State:
    return State.deserialize({"type": "Success", "_result": result_payload}).load_result()


# -- item 1: the storage a payload names ------------------------------------------------------


@pytest.mark.parametrize(
    "result_payload",
    [
        {"type": "FSSpecResult", "url": "data://x", "location": _data_url()},
        {"type": "FSSpecResult", "url": _data_url(), "location": "x"},
        {"type": "LocalResult", "dir": "data://", "location": _data_url()},
        {"type": "Result", "location": _data_url()},
    ],
    ids=["fsspec-url", "url-is-data", "local-dir", "base-location"],
)
def test_data_urls_are_refused_before_anything_runs(result_payload: dict[str, Any]) -> None:
    """A ``data:`` URL would carry its own pickle inside the JSON: refused, nothing unpickled."""
    TRIPPED.clear()
    with pytest.raises(StorageNotAllowedError, match="data: URL") as info:
        _hydrate(result_payload)
    assert TRIPPED == []
    assert "base64" not in str(info.value)  # the message names the field, not the value
    assert isinstance(info.value, PayloadError)


@pytest.mark.parametrize(
    "make",
    [
        lambda url: {"type": "LocalResult", "dir": url, "location": "value.pkl"},
        lambda url: {"type": "FSSpecResult", "url": url, "location": "value.pkl"},
        lambda url: {"type": "CustomResult", "location": f"{url}/value.pkl"},
        lambda url: {
            "type": "SafeResult",
            "value": "value.pkl",
            "result_handler": {"type": "LocalResultHandler", "dir": url},
        },
        lambda url: {
            "type": "SafeResult",
            "value": f"{url}/value.pkl",
            "result_handler": {"type": "S3ResultHandler", "bucket": "b"},
        },
    ],
    ids=["local-dir", "fsspec-url", "custom-location", "legacy-handler-dir", "legacy-value"],
)
def test_http_storage_is_refused_before_any_request(http_server, make) -> None:
    """An ``http://`` location in a payload is refused; the server never sees a request."""
    url, hits = http_server
    TRIPPED.clear()
    with pytest.raises(StorageNotAllowedError, match="'http' storage") as info:
        _hydrate(make(url))
    assert hits == []
    assert TRIPPED == []
    assert "127.0.0.1" not in str(info.value)


def test_a_location_from_a_payload_cannot_switch_the_readers_protocol(http_server) -> None:
    """Even read through the user's own reader, a payload's URL location is checked first."""
    url, hits = http_server
    state = Success(result=LocalResult(dir="/tmp", validate_dir=False, location=f"{url}/v"))
    payload = state.serialize()
    with pytest.raises(StorageNotAllowedError):
        State.deserialize(payload).load_result(FSSpecResult("memory://mine"))
    assert hits == []


@pytest.mark.parametrize("protocol", ["https", "ftp", "sftp", "memory", "nosuchproto", "gopher"])
def test_other_protocols_are_refused_with_a_clear_error(protocol: str) -> None:
    """Every protocol outside the allow-list is refused; the message says how to extend it."""
    with pytest.raises(StorageNotAllowedError) as info:
        load_result({"type": "FSSpecResult", "url": f"{protocol}://host/dir", "location": "x"})
    message = str(info.value)
    assert f"'{protocol}' storage" in message
    assert "results.allowed_protocols" in message
    assert "_result" not in message
    assert "result.url" in message


def test_chained_urls_are_refused() -> None:
    """fsspec chains (``simplecache::http://...``) are not a way around the list."""
    with pytest.raises(StorageNotAllowedError):
        load_result({"type": "FSSpecResult", "url": "simplecache::http://h/x", "location": "x"})


@pytest.mark.parametrize(
    "result_payload",
    [
        {"type": "LocalResult", "dir": "/data/results", "location": "/data/results/x"},
        {"type": "FSSpecResult", "url": "file:///data/results", "location": "x"},
        {"type": "S3Result", "bucket": "b", "location": "k"},
        {"type": "FSSpecResult", "url": "s3://b/prefix", "location": "s3://b/prefix/k"},
        {"type": "GCSResult", "bucket": "b", "location": "k"},
        {"type": "FSSpecResult", "url": "gs://b", "location": "k"},
        {"type": "AzureResult", "container": "c", "location": "k"},
        {"type": "FSSpecResult", "url": "abfs://c", "location": "k"},
        {"type": "PrefectResult", "location": '"http://example.com/not-a-location"'},
        {
            "type": "SafeResult",
            "value": '"http://example.com/json-text"',
            "result_handler": {"type": "JSONResultHandler"},
        },
    ],
    ids=lambda p: p["type"] + ":" + str(p.get("url") or p.get("location"))[:12],
)
def test_local_paths_and_builtin_object_stores_load(result_payload: dict[str, Any]) -> None:
    """Local paths and the built-in results' stores are allowed; JSON values are not locations."""
    load_result(result_payload)


def test_builtin_allow_list() -> None:
    """The default list: local files and the object stores of the built-in results."""
    assert {
        "file",
        "local",
        "s3",
        "s3a",
        "gs",
        "gcs",
        "abfs",
        "abfss",
        "az",
        "adl",
    } == BUILTIN_PAYLOAD_PROTOCOLS


def test_memory_can_be_allowed_in_configuration() -> None:
    """Users extend the list in configuration; a memory:// payload then hydrates."""
    written = FSSpecResult("memory://trusted-results", location="v.pkl").write({"x": 1})
    payload = Success(result=written).serialize()
    with pytest.raises(StorageNotAllowedError):
        State.deserialize(payload)
    with set_temporary_config({"results.allowed_protocols": ["memory"]}):
        assert State.deserialize(payload).load_result().result == {"x": 1}


def test_allow_list_from_the_environment_and_the_file(tmp_path: Path) -> None:
    """``PREFECT__RESULTS__ALLOWED_PROTOCOLS`` (comma-separated) and ``config.toml`` both work."""
    from_env = load_configuration(
        environ={"PREFECT__RESULTS__ALLOWED_PROTOCOLS": "memory, SFTP"},
        user_config_path=str(tmp_path / "missing.toml"),
    )
    (tmp_path / "config.toml").write_text('[results]\nallowed_protocols = ["hdfs"]\n')
    from_file = load_configuration(environ={}, user_config_path=str(tmp_path / "config.toml"))
    for cfg, extra in ((from_env, {"memory", "sftp"}), (from_file, {"hdfs"})):
        setting = cfg.get_nested("results.allowed_protocols")
        with set_temporary_config({"results.allowed_protocols": setting}):
            assert allowed_payload_protocols() == BUILTIN_PAYLOAD_PROTOCOLS | extra
            load_result({"type": "FSSpecResult", "url": f"{sorted(extra)[0]}://h/d"})


def test_data_urls_stay_refused_even_when_listed() -> None:
    """A data: URL is the payload vouching for itself: no setting allows it."""
    with (
        set_temporary_config({"results.allowed_protocols": ["data"]}),
        pytest.raises(StorageNotAllowedError),
    ):
        load_result({"type": "FSSpecResult", "url": "data://x", "location": _data_url()})


def test_a_broken_allow_list_setting_is_a_configuration_error() -> None:
    """A setting that is not a list of names says how to fix it."""
    with (
        set_temporary_config({"results.allowed_protocols": {"memory": True}}),
        pytest.raises(ConfigurationError, match=r"results\.allowed_protocols"),
    ):
        load_result({"type": "FSSpecResult", "url": "memory://x"})


# -- item 5 and item 3: malformed payloads fail with a short, value-free PayloadError -------

SECRET = "hunter2-do-not-print"
VALID: dict[str, Any] = {
    "type": "Retrying",
    "message": "again",
    "_result": {"type": "LocalResult", "dir": "/r", "location": "/r/x"},
    "context": {"token": SECRET},
    "cached_inputs": {"x": {"type": "PrefectResult", "location": "1"}},
    "start_time": "2026-01-02T03:04:05+00:00",
    "run_count": 2,
}


def _deep(depth: int) -> dict[str, Any]:
    node: dict[str, Any] = {"leaf": SECRET}
    for _ in range(depth):
        node = {"n": node}
    return node


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"context": "a string"}, "context"),
        ({"context": ["a", "list"]}, "context"),
        ({"cached_inputs": [{"type": "PrefectResult", "location": "1"}]}, "cached_inputs"),
        ({"cached_inputs": {"x": "not an object"}}, "cached_inputs.x"),
        ({"cached_inputs": {"x": {"type": 5}}}, "cached_inputs.x.type"),
        ({"start_time": "yesterday at noon"}, "start_time"),
        ({"start_time": 1700000000}, "start_time"),
        ({"run_count": "x"}, "run_count"),
        ({"run_count": -1}, "run_count"),
        ({"run_count": True}, "run_count"),
        ({"message": {"text": SECRET}}, "message"),
        ({"_result": ["not", "an", "object"]}, "_result"),
        ({"_result": {"type": "LocalResult", "dir": 5}}, "_result.dir"),
        ({"_result": {"type": "S3Result", "location": "k"}}, "_result"),
        ({"_result": {"type": "SafeResult", "value": 1, "result_handler": None}}, "_result"),
        ({"context": _deep(5000)}, "nests"),
        ({"_result": {"type": "Result", "location": "x", "extra": _deep(5000)}}, "nests"),
        ({"type": "Mapped", "n_map_states": -5}, "n_map_states"),
        ({"type": "Mapped", "n_map_states": "7"}, "n_map_states"),
        ({"type": "Looped", "loop_count": 1.5}, "loop_count"),
        ({"type": "Cached", "cached_parameters": [1]}, "cached_parameters"),
        ({"type": "Cached", "hashed_inputs": {"x": 1}}, "hashed_inputs"),
        ({"type": "Cached", "cached_result_expiration": "soon"}, "cached_result_expiration"),
        ({"type": SECRET * 1000}, "type"),
    ],
)
def test_malformed_payloads_name_the_field(changes: dict[str, Any], field: str) -> None:
    """Each malformed field gives a PayloadError naming it: short, and without any value."""
    payload = {**VALID, **changes}
    with pytest.raises(PayloadError) as info:
        State.deserialize(payload)
    message = str(info.value)
    assert field in message
    assert SECRET not in message
    assert "hunter2" not in message
    assert len(message) < 400


def test_valid_payload_loads() -> None:
    """The base payload of the malformed cases is itself valid."""
    state = State.deserialize(VALID)
    assert state.run_count == 2
    assert state.context == {"token": SECRET}


def test_payload_error_never_contains_the_payload() -> None:
    """A huge payload with credentials gives a short error without them (it used to echo all)."""
    payload = {"type": "S3Result", "location": "k", "blob": SECRET * 100_000}
    with pytest.raises(PayloadError) as info:
        load_result(payload)
    assert SECRET not in str(info.value)
    assert len(str(info.value)) < 400
