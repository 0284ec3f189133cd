"""Result payloads: Prefect's JSON shapes (§1.5, §5) and hydratable 0.10-era ``SafeResult``s."""

from __future__ import annotations

import json

import pytest

from compat.engine.result import NoResult, Result, SafeResult
from compat.engine.result_handlers import (
    AzureResultHandler,
    ConstantResultHandler,
    GCSResultHandler,
    JSONResultHandler,
    LocalResultHandler,
    ResultHandler,
    S3ResultHandler,
    SecretResultHandler,
)
from compat.engine.results import (
    AzureResult,
    ConstantResult,
    FSSpecResult,
    GCSResult,
    LocalResult,
    PrefectResult,
    ResultHandlerResult,
    S3Result,
    SecretResult,
)
from compat.engine.serializers import JSONSerializer
from compat.exceptions import PayloadError, ResultNotImplementedError
from compat.serialization.result import (
    StateResultSchema,
    dump_handler,
    dump_result,
    load_handler,
    load_result,
)


class Secret:
    name = "TOKEN"

    def run(self, name: str | None = None) -> str:
        return "shh"


class CustomHandler(ResultHandler):
    def write(self, result: object) -> str:
        return "c"

    def read(self, location: object) -> object:
        return "custom"


# -- handlers (§1.5) -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("handler", "expected"),
    [
        (ResultHandler(), {"type": "ResultHandler"}),
        (JSONResultHandler(), {"type": "JSONResultHandler"}),
        (
            LocalResultHandler(dir="/data/r", validate=False),
            {"type": "LocalResultHandler", "dir": "/data/r"},
        ),
        (
            GCSResultHandler("b", credentials_secret="G"),
            {"type": "GCSResultHandler", "bucket": "b", "credentials_secret": "G"},
        ),
        (
            S3ResultHandler(
                "b", aws_credentials_secret="A", boto3_kwargs={"aws_secret_access_key": "x"}
            ),
            {"type": "S3ResultHandler", "bucket": "b", "aws_credentials_secret": "A"},
        ),
        (
            AzureResultHandler("c", connection_string="SECRET-CS"),
            {
                "type": "AzureResultHandler",
                "container": "c",
                "azure_credentials_secret": "AZ_CREDENTIALS",
            },
        ),
        (SecretResultHandler(Secret()), {"type": "SecretResultHandler", "name": "TOKEN"}),
    ],
    ids=lambda v: v["type"] if isinstance(v, dict) else "",
)
def test_handler_payload_shapes(handler: ResultHandler, expected: dict) -> None:
    """Handler payloads carry Prefect's fields only: no ``boto3_kwargs``, no connection string."""
    assert dump_handler(handler) == expected


def test_custom_handler_payload() -> None:
    """Any other handler dumps as ``CustomResultHandler`` and loads as an unresolved handler."""
    payload = dump_handler(CustomHandler())
    assert payload["type"] == "CustomResultHandler"
    assert payload["qualified_name"].endswith("test_payloads.CustomHandler")
    loaded = load_handler(payload)
    with pytest.raises(ResultNotImplementedError, match="CustomHandler"):
        loaded.read("c")
    assert dump_handler(ConstantResultHandler(1))["type"] == "CustomResultHandler"


def test_handler_payloads_load_back() -> None:
    """Built-in handler payloads load to equal handlers (secret handlers by name)."""
    for handler in (
        ResultHandler(),
        JSONResultHandler(),
        LocalResultHandler(dir="/data/r", validate=False),
        GCSResultHandler("b", credentials_secret="G"),
        S3ResultHandler("b", aws_credentials_secret="A"),
    ):
        assert load_handler(dump_handler(handler)) == handler
    secret = load_handler(dump_handler(SecretResultHandler(Secret())))
    assert secret.secret_task.name == "TOKEN"


def test_loading_local_handler_payload_creates_nothing(tmp_path) -> None:
    """Unlike Prefect, loading a ``LocalResultHandler`` payload does not create its directory."""
    target = tmp_path / "never"
    load_handler({"type": "LocalResultHandler", "dir": str(target)})
    assert not target.exists()


# -- results (§5) ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("result", "expected"),
    [
        (NoResult, {"type": "NoResultType"}),
        (Result(5), {"type": "Result", "location": None}),
        (Result(5, location="x"), {"type": "Result", "location": "x"}),
        (
            LocalResult(dir="/data/r", validate_dir=False, location="/data/r/f", value=3),
            {"type": "LocalResult", "dir": "/data/r", "location": "/data/r/f"},
        ),
        (
            PrefectResult(location='{"x": [1, 2]}'),
            {"type": "PrefectResult", "location": '{"x": [1, 2]}'},
        ),
        (ConstantResult(value=3), {"type": "ConstantResult", "location": None}),
        (
            S3Result("b", boto3_kwargs={"aws_secret_access_key": "x"}, location="k"),
            {"type": "S3Result", "bucket": "b", "location": "k"},
        ),
        (GCSResult("g", location="k"), {"type": "GCSResult", "bucket": "g", "location": "k"}),
        (
            AzureResult("c", connection_string="SECRET-CS", location="k"),
            {"type": "AzureResult", "container": "c", "location": "k"},
        ),
        (
            FSSpecResult("memory://x", storage_options={"token": "t"}, location="k"),
            {"type": "FSSpecResult", "url": "memory://x", "location": "k"},
        ),
        (
            SecretResult(Secret()),
            {"type": "SecretResult", "location": "TOKEN", "secret_type": "Secret"},
        ),
        (
            ResultHandlerResult(CustomHandler(), location="loc-9"),
            {
                "type": "ResultHandlerResult",
                "location": "loc-9",
                "result_handler_type": "CustomHandler",
            },
        ),
        (
            SafeResult("5", JSONResultHandler()),
            {"type": "SafeResult", "value": "5", "result_handler": {"type": "JSONResultHandler"}},
        ),
    ],
    ids=lambda v: v["type"] if isinstance(v, dict) else "",
)
def test_result_payload_shapes(result: Result, expected: dict) -> None:
    """Payloads have Prefect's shapes and never carry values, serializers or credentials."""
    payload = dump_result(result)
    assert payload == expected
    assert json.loads(json.dumps(payload)) == payload


def test_custom_result_payload() -> None:
    """A user ``Result`` subclass dumps as ``CustomResult`` and loads as a base ``Result``."""

    class MyResult(Result):
        pass

    payload = dump_result(MyResult(location="somewhere"))
    assert payload["type"] == "CustomResult"
    assert payload["location"] == "somewhere"
    loaded = load_result(payload)
    assert type(loaded) is Result
    assert loaded.location == "somewhere"


def test_legacy_stored_result_dumps_as_safe_result() -> None:
    """A base ``Result`` stored through a handler dumps as its 0.10 ``SafeResult``."""
    result = Result([1], result_handler=JSONResultHandler())
    result.store_safe_value()
    assert dump_result(result) == {
        "type": "SafeResult",
        "value": "[1]",
        "result_handler": {"type": "JSONResultHandler"},
    }


@pytest.mark.parametrize(
    "result",
    [
        Result(location="x"),
        LocalResult(dir="/data/r", validate_dir=False, location="/data/r/f"),
        PrefectResult(location="2"),
        S3Result("b", location="k"),
        GCSResult("g", location="k"),
        AzureResult("c", location="k"),
        FSSpecResult("gs://x/prefix", location="k"),  # memory:// is not allowed by default
    ],
    ids=lambda r: type(r).__name__,
)
def test_dump_load_round_trip(result: Result) -> None:
    """Loading a dumped result gives the same type and settings, without the value."""
    loaded = load_result(dump_result(result))
    assert type(loaded) is type(result)
    assert dump_result(loaded) == dump_result(result)
    assert loaded.value is None


def test_no_result_payload_and_missing_payload() -> None:
    """``NoResultType`` and a missing payload both load as the ``NoResult`` singleton."""
    assert load_result({"type": "NoResultType"}) is NoResult
    assert load_result(None) is NoResult


def test_unknown_type_loads_as_base_result() -> None:
    """An unknown type with a location loads as ``Result(location=...)`` (Prefect 0.14+)."""
    loaded = load_result({"type": "SomethingElse", "location": "here", "extra": 1})
    assert type(loaded) is Result
    assert loaded.location == "here"


def test_unknown_fields_are_ignored() -> None:
    """Extra fields such as ``__version__`` are ignored."""
    loaded = load_result({"type": "PrefectResult", "location": "3", "__version__": "0.13.19"})
    assert loaded == PrefectResult(location="3")


@pytest.mark.parametrize(
    "payload",
    [{}, {"type": 3}, ["SafeResult"], {"type": "SafeResult", "value": "5"}, {"type": "S3Result"}],
)
def test_malformed_payloads(payload: object) -> None:
    """Malformed payloads raise ``PayloadError`` (a ``ValueError``)."""
    with pytest.raises(PayloadError):
        load_result(payload)  # type: ignore[arg-type]
    assert issubclass(PayloadError, ValueError)


def test_schema_wrapper() -> None:
    """``StateResultSchema().dump/load`` wrap the functions."""
    schema = StateResultSchema()
    assert schema.load(schema.dump(PrefectResult(location="2"))) == PrefectResult(location="2")


# -- 0.10-era SafeResult payloads load as hydratable results ---------------------------------


def test_json_safe_result_payload_hydrates() -> None:
    """A 0.10 JSON-handler payload loads as a ``PrefectResult`` whose location reads back."""
    payload = {
        "type": "SafeResult",
        "value": '{"x": [1, 2]}',
        "result_handler": {"type": "JSONResultHandler", "__version__": "0.10.7"},
        "__version__": "0.10.7",
    }
    loaded = load_result(payload)
    assert type(loaded) is PrefectResult
    assert loaded.location == '{"x": [1, 2]}'
    assert loaded.read(loaded.location).value == {"x": [1, 2]}
    assert loaded.safe_value == SafeResult('{"x": [1, 2]}', JSONResultHandler())
    assert loaded.safe_value.to_result().value == {"x": [1, 2]}


def test_local_safe_result_payload_hydrates(tmp_path) -> None:
    """A 0.10 local-handler payload loads as a ``LocalResult`` that reads the old file."""
    handler = LocalResultHandler(dir=str(tmp_path))
    path = handler.write({"legacy": True})
    payload = dump_result(SafeResult(path, handler))
    assert payload == {
        "type": "SafeResult",
        "value": path,
        "result_handler": {"type": "LocalResultHandler", "dir": str(tmp_path)},
    }
    loaded = load_result(json.loads(json.dumps(payload)))
    assert type(loaded) is LocalResult
    assert loaded.dir == str(tmp_path)
    assert loaded.location == path
    assert loaded.read(loaded.location).value == {"legacy": True}


def test_custom_safe_result_payload_loads_with_clear_error() -> None:
    """A custom-handler payload keeps the reference; reading says how to hydrate it."""
    payload = {
        "type": "SafeResult",
        "value": "ref-1",
        "result_handler": {"type": "CustomResultHandler"},
    }
    loaded = load_result(payload)
    assert type(loaded) is ResultHandlerResult
    assert loaded.location == "ref-1"
    with pytest.raises(ResultNotImplementedError, match="handler"):
        loaded.read(loaded.location)
    assert ResultHandlerResult(CustomHandler()).read(loaded.location).value == "custom"


def test_prefect_result_payload_keeps_serializer_default() -> None:
    """A loaded ``PrefectResult`` has the JSON serializer (serializers are not in payloads)."""
    assert load_result({"type": "PrefectResult", "location": "2"}).serializer == JSONSerializer()


def test_custom_handler_payload_redumps_unchanged_and_explains_hydration():
    """A loaded CustomResultHandler re-dumps as itself; reading says to pass the handler."""
    from compat.serialization.result import dump_handler, load_handler

    payload = {"type": "CustomResultHandler"}
    handler = load_handler(payload)
    assert dump_handler(handler) == payload
    named = {"type": "CustomResultHandler", "qualified_name": "pkg.mod.MyHandler"}
    assert dump_handler(load_handler(named)) == named
    with pytest.raises(NotImplementedError, match=r"ResultHandlerResult\(MyHandler\(\.\.\.\)\)"):
        handler.read("somewhere")
