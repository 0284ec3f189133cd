"""``dump_legacy_result``: each result class in the 0.10 shape, or a clear refusal.

The shapes are Prefect 0.10.7's (reference §1.5 and §5); ``tests/golden/test_legacy_shape.py``
compares whole states with what 0.10.7 wrote, and ``make_golden.py check-reverse`` has
0.10.7 load them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from compat.engine.conversion import ResultAsHandler, result_from_handler
from compat.engine.result import NoResult, Result, SafeResult
from compat.engine.result_handlers import S3ResultHandler
from compat.engine.results import (
    ConstantResult,
    LocalResult,
    PrefectResult,
    ResultHandlerResult,
    S3Result,
    SecretResult,
)
from compat.engine.results.secret_result import SecretSource
from compat.engine.serializers import Base64PickleSerializer, DateTimeSerializer
from compat.engine.state import Success
from compat.exceptions import PayloadError
from compat.serialization.result import dump_legacy_result
from compat.serialization.state import dump_state, load_state


class DictResult(Result):
    """A user's own storage-backed result class."""

    store: dict[str, Any] = {}

    def write(self, value_: Any, **kwargs: Any) -> Result:
        new = self.format(**kwargs)
        new.value = value_
        self.store[new.location] = value_
        return new

    def read(self, location: str) -> Result:
        new = self.copy()
        new.value, new.location = self.store[location], location
        return new


def test_local_result_gives_the_handler_and_an_absolute_path(tmp_path: Path) -> None:
    written = LocalResult(dir=str(tmp_path), location="sub/{task_name}.pkl").write(1, task_name="t")
    found = LocalResult(dir=str(tmp_path), location="sub/t.pkl")  # a target hit: relative
    for result in (written, found):
        assert dump_legacy_result(result) == {
            "type": "SafeResult",
            "value": str(tmp_path / "sub" / "t.pkl"),
            "result_handler": {"type": "LocalResultHandler", "dir": str(tmp_path)},
        }


def test_prefect_result_gives_the_json_handler() -> None:
    assert dump_legacy_result(PrefectResult().write({"x": [1, 2]})) == {
        "type": "SafeResult",
        "value": '{"x": [1, 2]}',
        "result_handler": {"type": "JSONResultHandler"},
    }


def test_nothing_stored_is_no_result() -> None:
    for result in (NoResult, Result(5), LocalResult(dir="/nowhere", validate_dir=False)):
        assert dump_legacy_result(result) == {"type": "NoResultType"}
    assert dump_legacy_result(ConstantResult(value=3)) == {"type": "NoResultType"}


def test_handler_results_and_custom_results() -> None:
    wrapped = ResultHandlerResult(S3ResultHandler("b")).from_value(None)
    wrapped.location = "2020/1/5/k.prefect_result"
    assert dump_legacy_result(wrapped)["result_handler"] == {
        "type": "S3ResultHandler",
        "bucket": "b",
        "aws_credentials_secret": None,
    }
    custom = DictResult(location="key").write(3)
    payload = dump_legacy_result(custom)
    assert payload["value"] == "key"
    assert payload["result_handler"]["type"] == "CustomResultHandler"
    assert payload["result_handler"]["qualified_name"].endswith("test_legacy_payloads.DictResult")


def test_a_result_used_as_a_handler_dumps_as_the_matching_handler(tmp_path: Path) -> None:
    """``Result(value, result_handler=LocalResult(...))`` stores with the result: 0.10 reads
    it with ``LocalResultHandler``."""
    legacy = Result("v", result_handler=LocalResult(dir=str(tmp_path)))
    legacy.store_safe_value()
    assert isinstance(legacy.result_handler, ResultAsHandler)
    payload = dump_legacy_result(legacy)
    assert payload["result_handler"] == {"type": "LocalResultHandler", "dir": str(tmp_path)}
    assert Path(payload["value"]).parent == tmp_path


def test_cloud_results_need_the_base64_format_and_keep_handler_settings() -> None:
    converted = result_from_handler(S3ResultHandler("b", aws_credentials_secret="AWS"))
    converted.serializer = Base64PickleSerializer()
    converted.location = "2020/1/5/k.prefect_result"
    assert dump_legacy_result(converted)["result_handler"] == {
        "type": "S3ResultHandler",
        "bucket": "b",
        "aws_credentials_secret": "AWS",
    }
    raw = S3Result(bucket="b", location="k")
    with pytest.raises(PayloadError, match="Base64PickleSerializer"):
        dump_legacy_result(raw)


def test_secret_result_names_the_secret() -> None:
    secret = SecretResult(SecretSource("TOKEN"))
    assert dump_legacy_result(secret) == {
        "type": "SafeResult",
        "value": "TOKEN",
        "result_handler": {"type": "SecretResultHandler", "name": "TOKEN"},
    }


@pytest.mark.parametrize(
    ("result", "match"),
    [
        (PrefectResult(serializer=DateTimeSerializer(), location="2020-01-02T03:04:05Z"), "JSON"),
        (Result(location="somewhere"), "Result in the 0.10 shape"),
        ("not a result", "expected a Result"),
    ],
)
def test_what_0_10_cannot_read_is_refused(result: Any, match: str) -> None:
    with pytest.raises(PayloadError, match=match):
        dump_legacy_result(result)


def test_compat_loads_its_own_legacy_payloads(tmp_path: Path) -> None:
    written = LocalResult(dir=str(tmp_path)).write({"a": 1})
    state = load_state(dump_state(Success("ok", result=written), legacy=True))
    assert state.result is None
    assert state.load_result().result == {"a": 1}
    assert isinstance(state._result.safe_value, SafeResult)
