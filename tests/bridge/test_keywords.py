"""``result_handler=`` wherever Prefect 0.13.19 took it, one warning at the user's line each."""

from __future__ import annotations

import linecache
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import prefect
import pytest
from prefect import Flow, Task, task
from prefect.engine.results import ConstantResult, LocalResult, PrefectResult, S3Result

import compat.bridge
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
from compat.exceptions import ConversionError

pytestmark = pytest.mark.usefixtures("bridge")


class Doubler(ResultHandler):
    """A custom handler: keeps values in memory, keyed by a counter."""

    def __init__(self) -> None:
        self.store: dict[str, Any] = {}

    def write(self, result: Any) -> str:
        key = f"k{len(self.store)}"
        self.store[key] = result
        return key

    def read(self, location: str) -> Any:
        return self.store[location]

    def exists(self, location: str) -> bool:
        return location in self.store


class LoudLocal(LocalResultHandler):
    """A subclass of a built-in that overrides ``write``: must keep its behaviour."""

    def write(self, result: Any) -> str:
        return super().write(("loud", result))


class QuietLocal(LocalResultHandler):
    """A subclass that overrides nothing: converts like its parent."""


@pytest.fixture
def caught() -> Iterator[list[warnings.WarningMessage]]:
    with warnings.catch_warnings(record=True) as records:
        warnings.simplefilter("always")
        yield records


def _one_deprecation(records: list[warnings.WarningMessage], line_has: str) -> str:
    """Exactly one DeprecationWarning, pointing at this file's line containing ``line_has``."""
    deprecations = [r for r in records if issubclass(r.category, DeprecationWarning)]
    assert len(deprecations) == 1, [str(r.message) for r in deprecations]
    record = deprecations[0]
    assert record.filename == __file__
    assert line_has in linecache.getline(__file__, record.lineno)
    return str(record.message)


def test_task_init(caught: list, tmp_path: Path) -> None:
    t = Task(result_handler=LocalResultHandler(dir=str(tmp_path)))
    message = _one_deprecation(caught, "Task(result_handler=LocalResultHandler")
    assert "result_handler=" in message
    assert "result=LocalResult" in message
    assert type(t.result) is LocalResult
    assert t.result.dir == str(tmp_path)


def test_task_decorator(caught: list) -> None:
    @task(result_handler=JSONResultHandler())
    def add(x: int) -> int:
        return x + 1

    _one_deprecation(caught, "@task(result_handler=JSONResultHandler())")
    assert type(add.result) is PrefectResult


def test_task_subclass_super_init(caught: list) -> None:
    handler = Doubler()

    class Custom(Task):
        def __init__(self) -> None:
            super().__init__(result_handler=handler)

        def run(self) -> int:
            return 1

    custom = Custom()
    message = _one_deprecation(caught, "super().__init__(result_handler=handler)")
    assert "ResultHandlerResult" in message
    assert isinstance(custom.result, prefect.engine.results.ResultHandlerResult)
    assert isinstance(custom.result, prefect.engine.result.Result)
    assert custom.result.result_handler is handler


class Scaled(Task):
    """A subclass forwarding its keywords, as most 0.10 task classes do."""

    def __init__(self, factor: int = 2, **kwargs: Any) -> None:
        self.factor = factor
        super().__init__(**kwargs)


class ScaledAgain(Scaled):
    """Two levels of forwarding constructors."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(factor=3, **kwargs)


def test_subclass_forwarding_kwargs_warns_at_the_callers_line(caught: list) -> None:
    # Each use gets its own line: Python shows a DeprecationWarning once per line, so
    # pointing every use at the subclass's super().__init__ would hide all but the first.
    first = Scaled(factor=3, result_handler=JSONResultHandler())
    _one_deprecation(caught, "first = Scaled(factor=3, result_handler=")
    caught.clear()
    second = ScaledAgain(result_handler=Doubler())
    _one_deprecation(caught, "second = ScaledAgain(result_handler=")
    assert type(first.result) is PrefectResult
    assert isinstance(second.result, prefect.engine.results.ResultHandlerResult)


def test_flow_init(caught: list) -> None:
    flow = Flow("f", result_handler=JSONResultHandler())
    _one_deprecation(caught, 'Flow("f", result_handler=')
    assert type(flow.result) is PrefectResult


def test_copy_and_task_args(caught: list) -> None:
    base = Task()
    copied = base.copy(result_handler=JSONResultHandler())
    _one_deprecation(caught, "base.copy(result_handler=")
    assert type(copied.result) is PrefectResult
    assert base.result is None

    @task
    def one() -> int:
        return 1

    caught.clear()
    with Flow("f"):
        called = one(task_args={"result_handler": JSONResultHandler()})
    _one_deprecation(caught, "one(task_args=")
    assert type(called.result) is PrefectResult


def test_reading_and_assigning_the_attribute(caught: list) -> None:
    handler = Doubler()
    t = Task()
    t.result_handler = handler
    _one_deprecation(caught, "t.result_handler = handler")
    caught.clear()
    read = t.result_handler
    assert "Task.result" in _one_deprecation(caught, "read = t.result_handler")
    assert read is handler

    flow = Flow("f")
    flow.result_handler = JSONResultHandler()
    assert type(flow.result) is PrefectResult
    assert flow.result_handler == JSONResultHandler()


def test_handler_wins_over_result_as_in_0_13(caught: list, tmp_path: Path) -> None:
    t = Task(result_handler=JSONResultHandler(), result=LocalResult(dir=str(tmp_path)))
    assert type(t.result) is PrefectResult


def test_none_handler_keeps_no_result(caught: list) -> None:
    assert Task(result_handler=None).result is None


def test_a_none_handler_is_ignored_as_in_0_13(caught: list, tmp_path: Path) -> None:
    # 0.11 - 0.13 only used a truthy handler: a subclass forwarding its default
    # result_handler=None must keep the result= it was given, and nothing is deprecated.
    class Keeps(Task):
        def __init__(self, result_handler: Any = None, **kwargs: Any) -> None:
            super().__init__(result_handler=result_handler, **kwargs)

    kept = Keeps(result=LocalResult(dir=str(tmp_path)))
    assert type(kept.result) is LocalResult
    copied = kept.copy(result_handler=None)
    assert type(copied.result) is LocalResult
    flow = Flow("f", result_handler=None, result=PrefectResult())
    assert type(flow.result) is PrefectResult
    assert not [r for r in caught if issubclass(r.category, DeprecationWarning)]


def test_not_a_handler_is_a_clear_type_error() -> None:
    with pytest.raises(ConversionError, match="result_handler= takes a result handler") as info:
        Task(result_handler="results/")
    assert isinstance(info.value, TypeError)


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
class TestConversionTable:
    """Built-ins become Prefect's own classes where nothing is lost; the rest is wrapped."""

    def test_constant(self) -> None:
        result = Task(result_handler=ConstantResultHandler(5)).result
        assert type(result) is ConstantResult
        assert result.value == 5

    def test_s3_without_credentials_becomes_s3_result(self) -> None:
        handler = S3ResultHandler("bucket", boto3_kwargs={"region_name": "eu-west-1"})
        result = Task(result_handler=handler).result
        assert type(result) is S3Result
        assert result.bucket == "bucket"
        assert result.boto3_kwargs == {"region_name": "eu-west-1"}

    def test_s3_with_a_credentials_secret_keeps_the_handler(self) -> None:
        handler = S3ResultHandler("bucket", aws_credentials_secret="AWS_CREDS")
        result = Task(result_handler=handler).result
        assert isinstance(result, prefect.engine.results.ResultHandlerResult)
        assert result.result_handler is handler

    def test_gcs_azure_and_secret(self) -> None:
        from prefect.engine.results import AzureResult, GCSResult, SecretResult
        from prefect.tasks.secrets import PrefectSecret

        assert type(Task(result_handler=GCSResultHandler("b")).result) is GCSResult
        azure = Task(result_handler=AzureResultHandler("c", connection_string="cs")).result
        assert type(azure) is AzureResult
        assert (azure.container, azure.connection_string) == ("c", "cs")
        secret_task = PrefectSecret("TOKEN")
        secret = Task(result_handler=SecretResultHandler(secret_task)).result
        assert type(secret) is SecretResult
        assert secret.secret_task is secret_task

    @pytest.mark.parametrize(
        "make",
        [
            lambda: GCSResultHandler("b", credentials_secret="GCP"),
            lambda: AzureResultHandler("c", azure_credentials_secret="AZ"),
        ],
        ids=["gcs", "azure"],
    )
    def test_credentials_secrets_keep_the_handler(
        self, make: Any, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.delenv("AZURE_STORAGE_CONNECTION_STRING", raising=False)
        handler = make()
        result = Task(result_handler=handler).result
        assert isinstance(result, prefect.engine.results.ResultHandlerResult)
        assert result.result_handler is handler

    def test_subclass_overriding_write_keeps_its_behaviour(self, tmp_path: Path) -> None:
        result = Task(result_handler=LoudLocal(dir=str(tmp_path))).result
        assert isinstance(result, prefect.engine.results.ResultHandlerResult)
        written = result.write(3)
        assert result.read(written.location).value == ("loud", 3)

    def test_subclass_overriding_nothing_converts_like_its_parent(self, tmp_path: Path) -> None:
        result = Task(result_handler=QuietLocal(dir=str(tmp_path))).result
        assert type(result) is LocalResult

    def test_wrapper_delegates_read_write_exists(self) -> None:
        handler = Doubler()
        result = prefect.engine.results.ResultHandlerResult(handler)
        written = result.write({"a": 1})
        assert written.location == "k0"
        assert written.value == {"a": 1}
        assert result.read("k0").value == {"a": 1}
        assert result.read("k0").location == "k0"
        assert result.exists("k{n}", n=0)
        assert not result.exists("k{n}", n=1)

    def test_wrapper_without_exists_says_what_to_do(self) -> None:
        class NoExists(ResultHandler):
            def write(self, result: Any) -> str:
                return "x"

            def read(self, location: str) -> Any:
                return 1

        result = prefect.engine.results.ResultHandlerResult(NoExists())
        with pytest.raises(prefect.engine.result.base.ResultNotImplementedError, match="exists"):
            result.exists("x")

    def test_from_result_handler_uses_the_table(self) -> None:
        converted = prefect.engine.results.ResultHandlerResult.from_result_handler(
            JSONResultHandler()
        )
        assert type(converted) is PrefectResult


def test_wrapper_used_after_uninstall_says_how_to_fix_it() -> None:
    wrapper = prefect.engine.results.ResultHandlerResult(Doubler())
    compat.bridge.uninstall()
    try:
        with pytest.raises(RuntimeError, match=r"--preload compat\.bridge"):
            wrapper.write(1)
    finally:
        compat.bridge.install()


def test_wrapper_pickles_its_handler_apart_and_rebuilds_it_on_use() -> None:
    import pickle

    written = prefect.engine.results.ResultHandlerResult(Doubler()).write(5)
    clone = pickle.loads(pickle.dumps(written))
    assert clone.location == "k0"
    assert clone == pickle.loads(pickle.dumps(written))  # compared without rebuilding
    assert clone.read("k0").value == 5
    assert isinstance(clone.result_handler, Doubler)

    compat.bridge.uninstall()
    try:
        with pytest.raises(RuntimeError, match="needs the prefect-result-compat bridge"):
            pickle.loads(pickle.dumps(written)).read("k0")
    finally:
        compat.bridge.install()
