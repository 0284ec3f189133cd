"""The legacy handler model, as Prefect 0.10.7 had it (reference §1)."""

from __future__ import annotations

import base64
import inspect
import json
import os
import pickle
import re

import cloudpickle
import pytest

from compat.engine.result import NoResult, NoResultType, Result, ResultInterface, SafeResult
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
from compat.exceptions import (
    MissingResultHandlerError,
    ResultHandlerNotImplementedError,
    ResultNotImplementedError,
)

#: Prefect's name plus compat's random suffix (unique across processes and machines).
LOCAL_NAME = re.compile(
    r"^prefect-result-\d{4}-\d{2}-\d{2}t\d{2}-\d{2}-\d{2}(-\d{6})?-00-00-\d{16}$"
)


class CountingHandler(ResultHandler):
    """Keeps values in a dict and counts writes."""

    def __init__(self) -> None:
        self.store: dict[str, object] = {}
        self.writes = 0

    def write(self, result: object) -> str:
        self.writes += 1
        key = f"key-{self.writes}"
        self.store[key] = result
        return key

    def read(self, location: str) -> object:
        return self.store[location]


class SecretTask:
    """A stand-in for a Prefect secret task."""

    name = "API_TOKEN"

    def __init__(self) -> None:
        self.runs = 0

    def run(self) -> str:
        self.runs += 1
        return "s3cr3t"


# -- ResultInterface, Result, SafeResult -----------------------------------------------------


def test_result_interface_is_shared_base() -> None:
    """``Result`` and ``SafeResult`` both derive from ``ResultInterface``."""
    assert issubclass(Result, ResultInterface)
    assert issubclass(SafeResult, ResultInterface)


def test_repr_shows_class_and_value_repr() -> None:
    """repr is ``<ClassName: repr(value)>`` and ``str`` equals it."""
    assert repr(Result(5)) == "<Result: 5>"
    assert repr(SafeResult("5", JSONResultHandler())) == "<SafeResult: '5'>"
    assert str(Result(5)) == repr(Result(5))


def test_result_with_handler_keyword_and_positional() -> None:
    """``Result(value, result_handler=...)`` and the 0.9 positional form store the handler."""
    handler = JSONResultHandler()
    by_keyword = Result(3, result_handler=handler)
    positional = Result(3, handler)
    assert by_keyword.result_handler is handler
    assert positional.result_handler is handler
    assert positional.location is None
    assert by_keyword.safe_value is NoResult


def test_handler_given_twice_is_refused() -> None:
    """A handler both positionally and as ``result_handler=`` is a ``TypeError``."""
    with pytest.raises(TypeError, match="both"):
        Result(3, JSONResultHandler(), result_handler=JSONResultHandler())


def test_result_equality_includes_value_and_handler() -> None:
    """Results are equal when type, value and handler are; a different handler is unequal."""
    assert Result(1, result_handler=JSONResultHandler()) == Result(
        1, result_handler=JSONResultHandler()
    )
    assert Result(1, result_handler=JSONResultHandler()) != Result(1)
    assert Result(1) != Result(2)
    assert Result(1) != SafeResult(1, JSONResultHandler())


def test_store_safe_value_writes_once() -> None:
    """``store_safe_value()`` writes through the handler once and keeps a ``SafeResult``."""
    handler = CountingHandler()
    result = Result({"a": 1}, result_handler=handler)
    result.store_safe_value()
    result.store_safe_value()
    assert handler.writes == 1
    assert result.safe_value == SafeResult("key-1", handler)
    assert result.safe_value.result_handler is handler


def test_store_safe_value_skipped_for_none() -> None:
    """A ``None`` value is never written; the safe value stays ``NoResult``."""
    handler = CountingHandler()
    result = Result(None, result_handler=handler)
    result.store_safe_value()
    assert handler.writes == 0
    assert result.safe_value is NoResult


def test_store_safe_value_without_handler_is_a_clear_error() -> None:
    """Without a handler, ``store_safe_value()`` raises an error saying what to pass."""
    with pytest.raises(MissingResultHandlerError, match="result_handler=") as info:
        Result(5).store_safe_value()
    assert isinstance(info.value, ValueError)


def test_to_result_attaches_handler_and_returns_self() -> None:
    """``Result.to_result(handler)`` sets the handler and returns the same object."""
    result = Result(5)
    handler = JSONResultHandler()
    assert result.to_result(handler) is result
    assert result.result_handler is handler
    assert result.to_result() is result
    assert result.result_handler is handler


def test_safe_result_to_result_hydrates() -> None:
    """``SafeResult.to_result()`` reads with its handler and returns a new hydrated ``Result``."""
    safe = SafeResult('{"x": [1, 2]}', JSONResultHandler())
    hydrated = safe.to_result()
    assert type(hydrated) is Result
    assert hydrated.value == {"x": [1, 2]}
    assert hydrated.safe_value is safe
    assert hydrated.result_handler == JSONResultHandler()


def test_safe_result_to_result_with_other_handler() -> None:
    """A handler passed to ``SafeResult.to_result`` replaces the stored one before reading."""
    handler = CountingHandler()
    handler.store["k"] = 42
    safe = SafeResult("k", JSONResultHandler())
    assert safe.to_result(handler).value == 42
    assert safe.result_handler is handler


def test_safe_result_is_its_own_safe_value() -> None:
    """A ``SafeResult``'s ``safe_value`` is itself; ``store_safe_value`` is a no-op."""
    safe = SafeResult("5", JSONResultHandler())
    assert safe.safe_value is safe
    safe.store_safe_value()
    assert safe.value == "5"


# -- NoResult --------------------------------------------------------------------------------


def test_no_result_is_a_distinct_singleton() -> None:
    """``NoResult`` is a ``SafeResult`` singleton and is not ``Result(None)``."""
    assert isinstance(NoResult, NoResultType)
    assert isinstance(NoResult, SafeResult)
    assert NoResult != Result(None)
    assert Result(None) != NoResult
    assert NoResult == NoResultType()
    assert NoResult.value is None
    assert NoResult.location is None


def test_no_result_repr_and_str() -> None:
    """repr is ``<No result>`` and str is ``NoResult``."""
    assert repr(NoResult) == "<No result>"
    assert str(NoResult) == "NoResult"


def test_no_result_to_result_and_safe_value_are_itself() -> None:
    """``to_result`` ignores handlers and ``safe_value`` is the singleton itself."""
    assert NoResult.to_result(JSONResultHandler()) is NoResult
    assert NoResult.safe_value is NoResult
    NoResult.store_safe_value()


@pytest.mark.parametrize("dumps", [pickle.dumps, cloudpickle.dumps])
def test_no_result_unpickles_to_the_singleton(dumps) -> None:
    """Pickling ``NoResult`` (plain or cloudpickle) gives back the very same object."""
    assert pickle.loads(dumps(NoResult)) is NoResult


# -- ResultHandler base ------------------------------------------------------------------------


def test_handler_repr() -> None:
    """repr is ``<ResultHandler: ClassName>``."""
    assert repr(ResultHandler()) == "<ResultHandler: ResultHandler>"
    assert repr(LocalResultHandler(dir="/tmp/x", validate=False)) == (
        "<ResultHandler: LocalResultHandler>"
    )


def test_handler_equality() -> None:
    """Same exact type and public attributes; private ones and ``logger`` are ignored."""
    assert ResultHandler() == ResultHandler()
    assert JSONResultHandler() != ResultHandler()
    assert ResultHandler() != JSONResultHandler()
    first, second = CountingHandler(), CountingHandler()
    first._cache = 1  # type: ignore[attr-defined]
    first.logger = "one"  # type: ignore[attr-defined]
    assert first == second
    second.writes = 3
    assert first != second


class ForgotRead(ResultHandler):
    def write(self, result: object) -> str:
        return "x"


class ForgotWrite(ResultHandler):
    def read(self, location: object) -> object:
        return None


def test_forgotten_read_override_fails_loudly() -> None:
    """A handler without ``read`` raises ``NotImplementedError`` naming the class and method."""
    with pytest.raises(
        ResultHandlerNotImplementedError, match=r"ForgotRead does not implement read"
    ):
        ForgotRead().read("x")


def test_forgotten_write_override_fails_loudly() -> None:
    """A handler without ``write`` raises instead of silently storing nothing."""
    with pytest.raises(NotImplementedError, match=r"ForgotWrite does not implement write"):
        ForgotWrite().write(1)
    assert issubclass(ResultHandlerNotImplementedError, ResultNotImplementedError)


def test_base_handler_io_fails_loudly() -> None:
    """The base ``ResultHandler`` itself refuses to read or write, suggesting a concrete one."""
    with pytest.raises(NotImplementedError, match="LocalResultHandler"):
        ResultHandler().write(1)
    with pytest.raises(NotImplementedError):
        ResultHandler().read("x")


# -- built-in handlers: constructors -------------------------------------------------------

CONSTRUCTORS = {
    ConstantResultHandler: [("value", inspect.Parameter.empty)],
    JSONResultHandler: [],
    LocalResultHandler: [("dir", None), ("validate", True)],
    SecretResultHandler: [("secret_task", inspect.Parameter.empty)],
    GCSResultHandler: [("bucket", None), ("credentials_secret", None)],
    S3ResultHandler: [
        ("bucket", inspect.Parameter.empty),
        ("aws_credentials_secret", None),
        ("boto3_kwargs", None),
    ],
    AzureResultHandler: [
        ("container", inspect.Parameter.empty),
        ("connection_string", None),
        ("azure_credentials_secret", "AZ_CREDENTIALS"),
    ],
}


@pytest.mark.parametrize("cls", list(CONSTRUCTORS), ids=lambda c: c.__name__)
def test_builtin_constructor_signature(cls: type) -> None:
    """Each of the seven built-ins takes Prefect 0.10.7's arguments, in order, with its defaults."""
    params = [(p.name, p.default) for p in inspect.signature(cls).parameters.values()]
    assert params == CONSTRUCTORS[cls]
    assert issubclass(cls, ResultHandler)


def test_cloud_handler_public_attributes() -> None:
    """Cloud handlers keep their settings as public attributes (``boto3_kwargs`` a dict)."""
    s3 = S3ResultHandler("bucket", aws_credentials_secret="AWS")
    assert (s3.bucket, s3.aws_credentials_secret, s3.boto3_kwargs) == ("bucket", "AWS", {})
    gcs = GCSResultHandler(bucket="b", credentials_secret="GCP")
    assert (gcs.bucket, gcs.credentials_secret) == ("b", "GCP")
    azure = AzureResultHandler("c", connection_string="cs")
    assert (azure.container, azure.connection_string, azure.azure_credentials_secret) == (
        "c",
        "cs",
        "AZ_CREDENTIALS",
    )


def test_azure_handler_connection_string_from_environment(monkeypatch) -> None:
    """``connection_string`` defaults to ``AZURE_STORAGE_CONNECTION_STRING``."""
    monkeypatch.setenv("AZURE_STORAGE_CONNECTION_STRING", "from-env")
    assert AzureResultHandler("c").connection_string == "from-env"


def test_s3_handler_refuses_service_name() -> None:
    """``boto3_kwargs`` with ``service_name`` is refused at construction."""
    with pytest.raises(ValueError, match="service_name"):
        S3ResultHandler("b", boto3_kwargs={"service_name": "sqs"})


def test_cloud_handlers_do_no_io_and_pickle() -> None:
    """Constructing cloud handlers needs no SDK, and they round-trip through cloudpickle."""
    for handler in (S3ResultHandler("b"), GCSResultHandler("b"), AzureResultHandler("c", "cs")):
        assert cloudpickle.loads(cloudpickle.dumps(handler)) == handler


# -- built-in handlers: behaviour ------------------------------------------------------------


def test_constant_handler() -> None:
    """``write`` returns the repr of the stored constant (argument ignored); ``read`` returns it."""
    handler = ConstantResultHandler(None)
    assert handler.write("anything") == "None"
    assert ConstantResultHandler([1]).write(2) == "[1]"
    assert ConstantResultHandler([1]).read("ignored") == [1]
    assert handler.value is None


def test_json_handler() -> None:
    """``write`` is ``json.dumps``; ``read`` is ``json.loads``; non-JSON values raise TypeError."""
    handler = JSONResultHandler()
    assert handler.write({"x": [1, 2]}) == json.dumps({"x": [1, 2]})
    assert handler.read('{"x": [1, 2]}') == {"x": [1, 2]}
    with pytest.raises(TypeError):
        handler.write(object())


def test_secret_handler() -> None:
    """``write`` returns the task's name and stores nothing; ``read`` re-runs the task."""
    task = SecretTask()
    handler = SecretResultHandler(task)
    assert handler.write("s3cr3t") == "API_TOKEN"
    assert task.runs == 0
    assert handler.read("whatever") == "s3cr3t"
    assert task.runs == 1


def test_local_handler_file_name_and_payload(tmp_path) -> None:
    """Files are ``<dir>/prefect-result-<slug>`` holding raw cloudpickle; write returns the path."""
    handler = LocalResultHandler(dir=str(tmp_path))
    path = handler.write({"a": 1})
    assert os.path.isabs(path)
    assert os.path.dirname(path) == str(tmp_path)
    assert LOCAL_NAME.match(os.path.basename(path)), path
    with open(path, "rb") as stream:
        payload = stream.read()
    assert payload == cloudpickle.dumps({"a": 1})
    assert handler.read(path) == {"a": 1}


def test_local_handler_names_are_unique(tmp_path) -> None:
    """Back-to-back writes never share a file name (Prefect collided within a microsecond)."""
    handler = LocalResultHandler(dir=str(tmp_path))
    paths = [handler.write(i) for i in range(50)]
    assert len(set(paths)) == 50
    assert [handler.read(p) for p in paths] == list(range(50))


def test_local_handler_reads_the_path_it_is_given(tmp_path) -> None:
    """``read`` opens the given path directly, not relative to ``dir``."""
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    target = elsewhere / "value.pkl"
    target.write_bytes(cloudpickle.dumps("hello"))
    assert LocalResultHandler(dir=str(tmp_path / "results")).read(str(target)) == "hello"


def test_local_handler_default_dir_is_home_results(home) -> None:
    """``dir=None`` and any dir inside ``home_dir`` resolve to ``<home_dir>/results``."""
    expected = os.path.join(str(home), "results")
    assert LocalResultHandler().dir == expected
    assert LocalResultHandler(dir=str(home / "custom")).dir == expected
    assert LocalResultHandler(dir=str(home)).dir == expected


def test_local_handler_validate_false_keeps_dir_as_given(home) -> None:
    """``validate=False`` stores the directory string unexpanded."""
    assert LocalResultHandler(dir="relative/dir", validate=False).dir == "relative/dir"
    assert LocalResultHandler(dir="~/somewhere", validate=False).dir == "~/somewhere"


def test_local_handler_creates_directory_on_first_write(tmp_path) -> None:
    """The constructor does no I/O; the first write creates the directory."""
    target = tmp_path / "not-yet"
    handler = LocalResultHandler(dir=str(target))
    assert not target.exists()
    handler.write(1)
    assert target.is_dir()


def test_cloud_handler_payload_is_base64_cloudpickle() -> None:
    """The cloud handlers' storage result serializes as base64 of cloudpickle."""
    result = S3ResultHandler("b")._storage_result()
    assert result.serializer.serialize([1, 2]) == base64.b64encode(cloudpickle.dumps([1, 2]))
