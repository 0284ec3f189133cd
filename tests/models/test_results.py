"""The new ``Result`` model, as Prefect 1.4.1 has it (reference §2.1–§2.3)."""

from __future__ import annotations

import inspect
import os
import pickle
import re

import cloudpickle
import pytest

from compat.engine.result import NoResult, Result, ResultNotImplementedError
from compat.engine.result_handlers import ResultHandler
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
from compat.engine.serializers import DateTimeSerializer, JSONSerializer, PickleSerializer

CLOUD_KEY = re.compile(r"^\d{4}/[1-9]\d?/[1-9]\d?/[0-9a-f-]{36}\.prefect_result$")


class NamedSecret:
    name = "MY_SECRET"

    def __init__(self) -> None:
        self.calls: list[str] = []

    def run(self, name: str | None = None) -> str:
        self.calls.append(name or "")
        return f"value-of-{name}"


class MemoHandler(ResultHandler):
    def __init__(self) -> None:
        self.data: dict[str, object] = {}

    def write(self, result: object) -> str:
        key = f"memo-{len(self.data)}"
        self.data[key] = result
        return key

    def read(self, location: str) -> object:
        return self.data[location]


# -- the base --------------------------------------------------------------------------------


def test_signature() -> None:
    """``Result(value=None, location=None, serializer=None)`` in that positional order."""
    names = list(inspect.signature(Result).parameters)[:3]
    assert names == ["value", "location", "serializer"]
    result = Result()
    assert (result.value, result.location, result.serializer) == (None, None, PickleSerializer())


def test_equality_rules() -> None:
    """Same type and public settings: ``Result() == Result()``, a location or serializer differs."""
    assert Result() == Result()
    assert Result(1, location="a") != Result(1)
    assert Result(1) != LocalResult(dir="/tmp/r", validate_dir=False, value=1)
    assert LocalResult(dir="/tmp/r", validate_dir=False) == LocalResult(
        dir="/tmp/r", validate_dir=False
    )
    assert LocalResult(dir="/tmp/r", validate_dir=False) != LocalResult(
        dir="/tmp/r", validate_dir=False, serializer=JSONSerializer()
    )
    assert LocalResult(dir="/tmp/a", validate_dir=False) != LocalResult(
        dir="/tmp/b", validate_dir=False
    )
    assert S3Result("a") != S3Result("b")


def test_repr() -> None:
    """repr is ``<ClassName: repr(value)>``."""
    assert repr(LocalResult(dir="/tmp/r", validate_dir=False, value=3)) == "<LocalResult: 3>"
    assert repr(PrefectResult(value="x")) == "<PrefectResult: 'x'>"


def test_base_storage_operations_raise_result_not_implemented() -> None:
    """The base ``read``/``write``/``exists`` raise ``ResultNotImplementedError``."""
    assert issubclass(ResultNotImplementedError, NotImplementedError)
    with pytest.raises(ResultNotImplementedError, match="LocalResult"):
        Result().write(1)
    with pytest.raises(ResultNotImplementedError):
        Result().read("x")
    with pytest.raises(ResultNotImplementedError):
        Result().exists("x")


def test_write_parameter_is_value_underscore(tmp_path) -> None:
    """``write(value_, **kwargs)``: a template field called ``value`` does not collide."""
    for cls in (Result, LocalResult, FSSpecResult, PrefectResult, ResultHandlerResult):
        assert "value_" in inspect.signature(cls.write).parameters
    result = LocalResult(dir=str(tmp_path), location="{value}.bin")
    written = result.write(10, value="named")
    assert written.location == str(tmp_path / "named.bin")
    assert written.value == 10


def test_copy_is_shallow_and_independent() -> None:
    """``copy()`` returns a new object with the same settings; changing it leaves the original."""
    original = Result([1], location="a")
    duplicate = original.copy()
    assert duplicate == original
    assert duplicate is not original
    assert duplicate.value is original.value
    duplicate.location = "b"
    assert original.location == "a"


def test_from_value_keeps_settings_and_drops_location(tmp_path) -> None:
    """``from_value`` copies settings and serializer, sets the value, clears the location."""
    result = LocalResult(dir=str(tmp_path), location="x.bin", serializer=JSONSerializer())
    new = result.from_value({"a": 1})
    assert type(new) is LocalResult
    assert (new.value, new.location, new.dir) == ({"a": 1}, None, str(tmp_path))
    assert new.serializer == JSONSerializer()
    assert result.location == "x.bin"
    assert result.value is None


def test_format_string_location() -> None:
    """``format`` renders a string template into a copy and never mutates the original."""
    result = Result(location="{flow_name}/{task_name}.bin")
    formatted = result.format(flow_name="f", task_name="t")
    assert formatted.location == "f/t.bin"
    assert result.location == "{flow_name}/{task_name}.bin"


def test_format_spec_and_attribute_lookup() -> None:
    """Format specs and public attribute lookups work as in ``str.format``."""
    import datetime as dt

    class Cfg:
        backend = "core"

    result = Result(location="{date:%Y}/{config.backend}/{m[k]}")
    formatted = result.format(date=dt.datetime(2021, 5, 1), config=Cfg(), m={"k": "v"})
    assert formatted.location == "2021/core/v"


def test_format_missing_field_is_a_key_error() -> None:
    """A missing template field raises ``KeyError`` naming the field and what is available."""
    with pytest.raises(KeyError, match="task_name") as info:
        Result(location="{task_name}").format(flow_name="f")
    assert "flow_name" in str(info.value)


def test_callable_location() -> None:
    """A callable location is kept as the formatter and called with the keywords."""

    def where(**kwargs: object) -> str:
        return f"{kwargs['task_name']}/out.bin"

    result = Result(location=where)
    assert result.location is None
    assert result.format(task_name="t").location == "t/out.bin"
    assert result.from_value(1).format(task_name="u").location == "u/out.bin"


def test_invalid_location_type_is_refused() -> None:
    """A location that is neither a string, a callable nor ``None`` is a ``TypeError``."""
    with pytest.raises(TypeError):
        Result(location=5)  # type: ignore[arg-type]


def test_default_location_cloud_style() -> None:
    """The base default location is ``Y/M/D/<uuid4>.prefect_result``, used by ``format``."""
    assert CLOUD_KEY.match(Result().default_location)
    assert CLOUD_KEY.match(Result().format().location)
    assert Result().default_location != Result().default_location


def test_serializer_must_be_a_serializer() -> None:
    """A non-serializer is refused with a message naming what to use."""
    with pytest.raises(TypeError, match="PickleSerializer"):
        Result(serializer="pickle")  # type: ignore[arg-type]


def test_new_model_result_has_legacy_attributes() -> None:
    """As in 0.11–0.13, a new-style result still carries ``safe_value`` and ``result_handler``."""
    result = LocalResult(dir="/tmp/r", validate_dir=False)
    assert result.safe_value is NoResult
    assert result.result_handler is None


# -- LocalResult ---------------------------------------------------------------------------


def test_local_result_constructor_does_no_io(tmp_path) -> None:
    """``LocalResult(dir)`` resolves the directory but creates it only at the first write."""
    target = tmp_path / "later"
    result = LocalResult(dir=str(target))
    assert result.dir == str(target)
    assert not target.exists()
    result.write(1)
    assert target.is_dir()


def test_local_result_default_location(tmp_path) -> None:
    """The default location is an absolute ``<dir>/prefect-result-<slug>`` path."""
    location = LocalResult(dir=str(tmp_path)).default_location
    assert os.path.dirname(location) == str(tmp_path)
    assert os.path.basename(location).startswith("prefect-result-")


def test_local_result_write_returns_absolute_location(tmp_path) -> None:
    """After a write the location is the absolute path, even from a relative template."""
    written = LocalResult(dir=str(tmp_path), location="sub/dir/{name}.bin").write(1, name="n")
    assert written.location == str(tmp_path / "sub" / "dir" / "n.bin")
    assert (tmp_path / "sub" / "dir" / "n.bin").read_bytes() == cloudpickle.dumps(1)


def test_local_result_read_relative_and_absolute(tmp_path) -> None:
    """``read`` accepts a location relative to ``dir`` or an absolute path."""
    result = LocalResult(dir=str(tmp_path))
    result.write("v", location="rel.bin")  # the keyword is a template field, not the location
    written = LocalResult(dir=str(tmp_path), location="rel.bin").write("v")
    assert result.read("rel.bin").value == "v"
    assert result.read(written.location).value == "v"
    assert result.read("rel.bin").location == "rel.bin"


def test_local_result_absolute_location_wins_over_dir(tmp_path) -> None:
    """A literal absolute location is used as it is (not joined to ``dir``)."""
    elsewhere = tmp_path / "elsewhere" / "x.bin"
    written = LocalResult(dir=str(tmp_path / "dir"), location=str(elsewhere)).write(3)
    assert written.location == str(elsewhere)
    assert elsewhere.exists()


def test_local_result_exists_formats_with_kwargs(tmp_path) -> None:
    """``exists(template, **kwargs)`` formats the template before checking."""
    result = LocalResult(dir=str(tmp_path), location="{task_name}.bin")
    result.write(1, task_name="a")
    assert result.exists("{task_name}.bin", task_name="a")
    assert not result.exists("{task_name}.bin", task_name="b")
    assert result.exists("a.bin")


def test_local_result_home_dir_redirect(home) -> None:
    """``dir=None`` or inside ``home_dir`` means ``<home_dir>/results``; unvalidated kept."""
    expected = os.path.join(str(home), "results")
    assert LocalResult().dir == expected
    assert LocalResult(dir=str(home / "custom")).dir == expected
    assert LocalResult(dir="relative", validate_dir=False).dir == "relative"


def test_local_result_pickles_without_storage(tmp_path) -> None:
    """A ``LocalResult`` survives cloudpickle after use, and still reads and writes."""
    result = LocalResult(dir=str(tmp_path))
    written = result.write([1])
    clone = cloudpickle.loads(cloudpickle.dumps(result))
    assert clone == result
    assert clone.read(written.location).value == [1]


# -- PrefectResult ---------------------------------------------------------------------------


def test_prefect_result_value_lives_in_location() -> None:
    """``write`` puts the JSON text in ``location`` (template keywords ignored); ``read`` parses."""
    written = PrefectResult().write({"x": [1, 2]}, task_name="ignored")
    assert written.location == '{"x": [1, 2]}'
    assert written.value == {"x": [1, 2]}
    hydrated = PrefectResult().read('{"x": [1, 2]}')
    assert (hydrated.value, hydrated.location) == ({"x": [1, 2]}, '{"x": [1, 2]}')


def test_prefect_result_exists_means_parses() -> None:
    """``exists`` is true iff the location deserializes."""
    assert PrefectResult().exists("2") is True
    assert PrefectResult().exists("{not json") is False


def test_prefect_result_serializer_rules() -> None:
    """Defaults to ``JSONSerializer``; accepts ``DateTimeSerializer``; refuses pickle."""
    import datetime as dt

    assert PrefectResult().serializer == JSONSerializer()
    moment = dt.datetime(2020, 1, 2, 3, 4, 5, tzinfo=dt.timezone.utc)
    written = PrefectResult(serializer=DateTimeSerializer()).write(moment)
    assert written.location == "2020-01-02T03:04:05Z"
    with pytest.raises(TypeError):
        PrefectResult(serializer=PickleSerializer())


# -- ConstantResult and SecretResult ---------------------------------------------------------


def test_constant_result() -> None:
    """Reading returns the result itself; writing raises ``ValueError``; exists is true."""
    constant = ConstantResult(value=5)
    assert constant.read("anything") is constant
    assert constant.exists("anything") is True
    with pytest.raises(ValueError, match=r"Cannot write values to `ConstantResult` types\."):
        constant.write(6)
    with pytest.raises(ValueError):
        ConstantResult(value=5, serializer=JSONSerializer())


def test_secret_result() -> None:
    """Location defaults to the task name; read re-runs the task with it; write is refused."""
    task = NamedSecret()
    result = SecretResult(task)
    assert result.location == "MY_SECRET"
    hydrated = result.read("MY_SECRET")
    assert (hydrated.value, hydrated.location) == ("value-of-MY_SECRET", "MY_SECRET")
    assert result.read("MY_SECRET").value == "value-of-MY_SECRET"
    assert task.calls == ["MY_SECRET", "MY_SECRET"]
    with pytest.raises(ValueError, match=r"SecretResults cannot be written to\."):
        result.write("x")
    with pytest.raises(ValueError):
        SecretResult(task, serializer=PickleSerializer())


# -- cloud results and the generic FSSpecResult --------------------------------------------


def test_cloud_results_constructors() -> None:
    """Cloud results keep their settings, do no I/O, and refuse a missing bucket/container."""
    s3 = S3Result("b", boto3_kwargs={"region_name": "eu-west-1"}, upload_options={"ACL": "x"})
    assert (s3.bucket, s3.boto3_kwargs, s3.upload_options) == (
        "b",
        {"region_name": "eu-west-1"},
        {"ACL": "x"},
    )
    assert GCSResult(bucket="g").bucket == "g"
    azure = AzureResult("c", connection_string="cs", connection_string_secret="SECRET")
    assert (azure.container, azure.connection_string, azure.connection_string_secret) == (
        "c",
        "cs",
        "SECRET",
    )
    for make in (lambda: S3Result(""), lambda: GCSResult(), lambda: AzureResult("")):
        with pytest.raises(ValueError, match="name"):
            make()
    with pytest.raises(ValueError, match="service_name"):
        S3Result("b", boto3_kwargs={"service_name": "sqs"})


def test_cloud_results_default_location() -> None:
    """Cloud results name values ``Y/M/D/<uuid>.prefect_result`` by default."""
    for result in (S3Result("b"), GCSResult("g"), AzureResult("c", connection_string="x")):
        assert CLOUD_KEY.match(result.default_location)


def test_fsspec_result_public_generic() -> None:
    """``FSSpecResult(url, storage_options)`` writes under any fsspec URL and reads back."""
    result = FSSpecResult("memory://generic-test/", storage_options={})
    assert result.url == "memory://generic-test"
    written = result.write({"v": 1}, name="x")
    assert CLOUD_KEY.match(written.location)
    assert result.read(written.location).value == {"v": 1}
    assert result.exists(written.location)
    with pytest.raises(ValueError, match="memory://"):
        FSSpecResult("")


def test_fsspec_result_url_location_wins() -> None:
    """A location that is itself a URL is used as it is."""
    result = FSSpecResult("memory://base-a")
    written = result.write(1, location="ignored")
    other = FSSpecResult("memory://base-b").read(f"memory://base-a/{written.location}")
    assert other.value == 1


def test_fsspec_result_pickles_without_filesystem() -> None:
    """A used ``FSSpecResult`` pickles (its filesystem is rebuilt later)."""
    result = FSSpecResult("memory://pickle-test")
    written = result.write(2)
    clone = pickle.loads(pickle.dumps(result))
    assert clone._storage is None
    assert clone.read(written.location).value == 2


# -- ResultHandlerResult ---------------------------------------------------------------------


def test_result_handler_result_write_and_read_record_location() -> None:
    """Write stores the handler's output as location; read records the location it read."""
    handler = MemoHandler()
    result = ResultHandlerResult(handler)
    written = result.write("data", ignored="kw")
    assert written.location == "memo-0"
    hydrated = result.read("memo-0")
    assert hydrated.value == "data"
    assert hydrated.location == "memo-0"  # Prefect left this None
    assert result.location is None


def test_result_handler_result_exists_not_implemented() -> None:
    """``exists`` raises ``ResultNotImplementedError`` (a target cannot be checked)."""
    with pytest.raises(ResultNotImplementedError):
        ResultHandlerResult(MemoHandler()).exists("x")


def test_result_handler_result_requires_handler() -> None:
    """Wrapping something that is not a handler is a ``TypeError``."""
    with pytest.raises(TypeError):
        ResultHandlerResult(object())  # type: ignore[arg-type]


def test_cloud_results_compare_their_connection_settings():
    """Cloud results differing only in connection or credential settings are unequal."""
    from compat.engine.results import AzureResult, FSSpecResult, GCSResult, S3Result

    assert S3Result("b") == S3Result("b")
    assert S3Result("b") != S3Result("b", boto3_kwargs={"endpoint_url": "http://127.0.0.1:1"})
    assert S3Result("b") != S3Result("b", aws_credentials_secret="AWS")
    assert GCSResult("b") != GCSResult("b", credentials_secret="GCP")
    assert AzureResult("c") != AzureResult("c", connection_string="UseDevelopmentStorage=true")
    assert FSSpecResult("memory://r") != FSSpecResult("memory://r", storage_options={"x": 1})
