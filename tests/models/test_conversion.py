"""Conversion between handlers and results: every built-in row, wrapping, reverse, registry (§3)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from compat import conversion_table
from compat.engine import conversion
from compat.engine.conversion import (
    ResultAsHandler,
    handler_converters,
    register_handler_conversion,
    register_result_conversion,
    result_converters,
    result_from_handler,
    to_handler,
    to_result,
)
from compat.engine.result import Result
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
    GCSResult,
    LocalResult,
    PrefectResult,
    ResultHandlerResult,
    S3Result,
    SecretResult,
)
from compat.engine.serializers import PickleSerializer
from compat.exceptions import ConversionError


class SecretTask:
    name = "TOKEN"

    def run(self, name: str | None = None) -> str:
        return "shh"


SECRET_TASK = SecretTask()


def _rows(tmp: str) -> list[tuple[ResultHandler, Result, dict[str, Any]]]:
    """(handler, the result it must equal, attributes the result must carry)."""
    return [
        (ConstantResultHandler([1, 2]), ConstantResult(value=[1, 2]), {"value": [1, 2]}),
        (JSONResultHandler(), PrefectResult(), {}),
        (LocalResultHandler(dir=tmp), LocalResult(dir=tmp), {"dir": tmp}),
        (
            SecretResultHandler(SECRET_TASK),
            SecretResult(SECRET_TASK),
            {"secret_task": SECRET_TASK, "location": "TOKEN"},
        ),
        (
            GCSResultHandler(bucket="gb", credentials_secret="GCP_SECRET"),
            GCSResult(bucket="gb", credentials_secret="GCP_SECRET"),
            {"bucket": "gb", "credentials_secret": "GCP_SECRET"},
        ),
        (
            S3ResultHandler("sb", aws_credentials_secret="AWS_SECRET", boto3_kwargs={"a": 1}),
            S3Result("sb", aws_credentials_secret="AWS_SECRET", boto3_kwargs={"a": 1}),
            {"bucket": "sb", "aws_credentials_secret": "AWS_SECRET", "boto3_kwargs": {"a": 1}},
        ),
        (
            AzureResultHandler("ac", connection_string="cs", azure_credentials_secret="AZ"),
            AzureResult("ac", connection_string="cs", azure_credentials_secret="AZ"),
            {"container": "ac", "connection_string": "cs", "azure_credentials_secret": "AZ"},
        ),
    ]


def test_rows_cover_every_table_entry(tmp_path) -> None:
    """The cases below cover every row of the shared conversion table."""
    handlers = {type(h).__name__ for h, _, _ in _rows(str(tmp_path))}
    assert handlers == {row.handler for row in conversion_table.conversions()}


@pytest.mark.parametrize("index", range(7))
def test_builtin_row(tmp_path, index: int) -> None:
    """Each built-in converts to its Result class, equal to one built by hand, settings kept."""
    handler, expected, attributes = _rows(str(tmp_path))[index]
    converted = result_from_handler(handler)
    assert type(converted) is type(expected)
    for name, value in attributes.items():
        assert getattr(converted, name) == value, name
    assert converted == expected
    assert converted.location == expected.location


@pytest.mark.parametrize("index", range(7))
def test_reverse_of_converted_builtin_is_the_handler(tmp_path, index: int) -> None:
    """A converted built-in used as a handler again gives back an equal handler."""
    handler, _, _ = _rows(str(tmp_path))[index]
    assert to_handler(result_from_handler(handler)) == handler


def test_table_rows_match_handler_signatures() -> None:
    """The table's parameters are the real constructor parameters of each handler."""
    import inspect

    from compat.engine import result_handlers

    for row in conversion_table.conversions():
        cls = getattr(result_handlers, row.handler)
        assert tuple(inspect.signature(cls).parameters) == row.parameters, row.handler


def test_local_conversion_reads_what_the_handler_wrote(tmp_path) -> None:
    """``LocalResultHandler`` → ``LocalResult`` reads the handler's files, and vice versa."""
    handler = LocalResultHandler(dir=str(tmp_path))
    path = handler.write({"old": 1})
    result = result_from_handler(handler)
    assert result.read(path).value == {"old": 1}
    assert handler.read(result.write({"new": 2}).location) == {"new": 2}


def test_json_conversion_reads_what_the_handler_wrote() -> None:
    """``JSONResultHandler`` output is a ``PrefectResult`` location."""
    assert result_from_handler(JSONResultHandler()).read(JSONResultHandler().write([1])).value == [
        1
    ]


class CustomHandler(ResultHandler):
    def __init__(self) -> None:
        self.data: dict[str, Any] = {}

    def write(self, result: Any) -> str:
        key = f"k{len(self.data)}"
        self.data[key] = result
        return key

    def read(self, location: str) -> Any:
        return self.data[location]


class LoudLocal(LocalResultHandler):
    def write(self, result: Any) -> str:
        return "loud:" + super().write(result)

    def read(self, location: str) -> Any:
        return ("read", super().read(location.removeprefix("loud:")))


class PlainLocal(LocalResultHandler):
    """A subclass that only adds a helper: nothing to lose by converting it."""

    def describe(self) -> str:
        return self.dir


def test_custom_handler_is_wrapped() -> None:
    """A custom handler becomes ``ResultHandlerResult`` whose read records the location."""
    handler = CustomHandler()
    result = result_from_handler(handler)
    assert type(result) is ResultHandlerResult
    assert result.result_handler is handler
    written = result.write("v")
    hydrated = result.read(written.location)
    assert (hydrated.value, hydrated.location) == ("v", "k0")


def test_base_handler_is_wrapped() -> None:
    """The base ``ResultHandler`` is not in the table and is wrapped too."""
    assert type(result_from_handler(ResultHandler())) is ResultHandlerResult


def test_subclass_overriding_io_is_wrapped_not_flattened(tmp_path) -> None:
    """A built-in subclass overriding read/write keeps its behaviour (Prefect lost it)."""
    handler = LoudLocal(dir=str(tmp_path))
    result = result_from_handler(handler)
    assert type(result) is ResultHandlerResult
    written = result.write(5)
    assert written.location.startswith("loud:")
    assert result.read(written.location).value == ("read", 5)


def test_subclass_without_io_override_converts_like_parent(tmp_path) -> None:
    """A built-in subclass that overrides neither read nor write converts like its parent."""
    result = result_from_handler(PlainLocal(dir=str(tmp_path)))
    assert type(result) is LocalResult
    assert result.dir == str(tmp_path)


def test_from_result_handler_classmethod(tmp_path) -> None:
    """``ResultHandlerResult.from_result_handler`` applies the same conversion."""
    assert type(ResultHandlerResult.from_result_handler(JSONResultHandler())) is PrefectResult


def test_to_result_accepts_results_handlers_and_none(tmp_path) -> None:
    """``to_result`` passes results and ``None`` through, converts handlers, refuses others."""
    local = LocalResult(dir=str(tmp_path))
    assert to_result(local) is local
    assert to_result(None) is None
    assert type(to_result(JSONResultHandler())) is PrefectResult
    with pytest.raises(ConversionError, match="LocalResult"):
        to_result("not a result")  # type: ignore[arg-type]
    assert issubclass(ConversionError, TypeError)


def test_result_from_handler_refuses_non_handlers() -> None:
    """Converting something that is not a handler is a ``ConversionError``."""
    with pytest.raises(ConversionError):
        result_from_handler(LocalResult(dir="/tmp/x", validate_dir=False))  # type: ignore[arg-type]


# -- reverse conversion --------------------------------------------------------------------


def test_reverse_handler_result_gives_its_handler() -> None:
    """A ``ResultHandlerResult`` used as a handler is its wrapped handler."""
    handler = CustomHandler()
    assert to_handler(ResultHandlerResult(handler)) is handler


def test_reverse_prefect_and_constant() -> None:
    """``PrefectResult`` → ``JSONResultHandler``; ``ConstantResult`` → ``ConstantResultHandler``."""
    assert to_handler(PrefectResult()) == JSONResultHandler()
    assert to_handler(ConstantResult(value=3)) == ConstantResultHandler(3)


def test_reverse_storage_result_wraps(tmp_path) -> None:
    """A storage result used as a handler writes with the result and returns its location."""
    handler = to_handler(LocalResult(dir=str(tmp_path)))
    assert isinstance(handler, ResultAsHandler)
    location = handler.write({"x": 1})
    assert location.startswith(str(tmp_path))
    assert handler.read(location) == {"x": 1}
    assert repr(handler) == "<ResultHandler: LocalResult as handler>"


def test_reverse_base_result_refused() -> None:
    """A base ``Result`` cannot store values, so it cannot be a handler."""
    with pytest.raises(ConversionError, match="LocalResult"):
        to_handler(Result())


def test_result_as_legacy_handler_in_store_safe_value(tmp_path) -> None:
    """``Result(v, result_handler=LocalResult(...))`` stores and hydrates in the legacy model."""
    result = Result({"a": 1}, result_handler=LocalResult(dir=str(tmp_path)))
    result.store_safe_value()
    safe = result.safe_value
    assert safe.value.startswith(str(tmp_path))
    assert safe.to_result().value == {"a": 1}


def test_storage_result_stores_its_own_safe_value(tmp_path) -> None:
    """A storage-backed result with no handler writes itself in ``store_safe_value``."""
    result = LocalResult(dir=str(tmp_path), value=[7])
    result.store_safe_value()
    assert result.location.startswith(str(tmp_path))
    assert result.safe_value.to_result().value == [7]


# -- registry ------------------------------------------------------------------------------


@pytest.fixture
def clean_registry() -> Iterator[None]:
    """Restore the conversion registries after a test that registers classes."""
    handlers = dict(conversion._handler_converters)
    results = dict(conversion._result_converters)
    try:
        yield
    finally:
        conversion._handler_converters.clear()
        conversion._handler_converters.update(handlers)
        conversion._result_converters.clear()
        conversion._result_converters.update(results)


class ThirdPartyHandler(ResultHandler):
    def __init__(self, where: str) -> None:
        self.where = where

    def write(self, result: Any) -> str:
        return self.where

    def read(self, location: str) -> Any:
        return None


class ThirdPartyResult(LocalResult):
    pass


@pytest.mark.usefixtures("clean_registry")
def test_register_third_party_handler(tmp_path) -> None:
    """A registered handler class converts with its converter, exactly and for plain subclasses."""
    register_handler_conversion(ThirdPartyHandler, lambda h: LocalResult(dir=h.where))
    converted = result_from_handler(ThirdPartyHandler(str(tmp_path)))
    assert converted == LocalResult(dir=str(tmp_path))
    assert handler_converters[ThirdPartyHandler] is not None


@pytest.mark.usefixtures("clean_registry")
def test_register_refuses_clobber_by_default() -> None:
    """Registering a class twice is refused unless ``clobber=True``."""
    register_handler_conversion(ThirdPartyHandler, lambda h: PrefectResult())
    with pytest.raises(ValueError, match="clobber=True"):
        register_handler_conversion(ThirdPartyHandler, lambda h: ConstantResult())
    register_handler_conversion(ThirdPartyHandler, lambda h: ConstantResult(), clobber=True)
    assert type(result_from_handler(ThirdPartyHandler("x"))) is ConstantResult
    with pytest.raises(ValueError, match="clobber=True"):
        register_handler_conversion(LocalResultHandler, lambda h: PrefectResult())


@pytest.mark.usefixtures("clean_registry")
def test_register_result_conversion(tmp_path) -> None:
    """A registered result class is used as a handler through its converter."""
    register_result_conversion(ThirdPartyResult, lambda r: JSONResultHandler())
    assert to_handler(ThirdPartyResult(dir=str(tmp_path))) == JSONResultHandler()
    with pytest.raises(ValueError, match="clobber=True"):
        register_result_conversion(ThirdPartyResult, lambda r: JSONResultHandler())
    with pytest.raises(ValueError, match="clobber=True"):
        register_result_conversion(PrefectResult, lambda r: JSONResultHandler())


def test_register_refuses_non_classes() -> None:
    """Only handler / result classes can be registered."""
    with pytest.raises(TypeError):
        register_handler_conversion(LocalResult, lambda h: h)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        register_result_conversion(LocalResultHandler, lambda r: r)  # type: ignore[arg-type]


def test_registry_views_are_read_only() -> None:
    """The public registry views cannot be modified."""
    with pytest.raises(TypeError):
        handler_converters[CustomHandler] = lambda h: Result()  # type: ignore[index]
    with pytest.raises(TypeError):
        result_converters[Result] = lambda r: ResultHandler()  # type: ignore[index]
    assert LocalResultHandler in handler_converters
    assert PrefectResult in result_converters


def test_converted_result_serializer_is_default() -> None:
    """Converted cloud results use Prefect 0.12.1+ serialization (raw cloudpickle)."""
    assert result_from_handler(S3ResultHandler("b")).serializer == PickleSerializer()
