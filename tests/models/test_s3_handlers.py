"""The legacy ``S3ResultHandler`` end to end against a moto S3 server, and its conversion."""

from __future__ import annotations

import base64
import datetime as dt
import re
import types

import cloudpickle
import pytest

import compat.engine.result.base as result_base
from compat.engine.conversion import result_from_handler
from compat.engine.result_handlers import S3ResultHandler
from compat.engine.results import S3Result
from compat.engine.serializers import PickleSerializer
from tests.conftest import S3Server

pytestmark = pytest.mark.s3

KEY = re.compile(
    r"^\d{4}/[1-9]\d?/[1-9]\d?/[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}"
    r"\.prefect_result$"
)


@pytest.fixture
def handler(s3_server: S3Server, s3_bucket: str) -> S3ResultHandler:
    return S3ResultHandler(s3_bucket, boto3_kwargs={"endpoint_url": s3_server.endpoint_url})


def _fetch(s3_server: S3Server, bucket: str, key: str) -> bytes:
    return s3_server.client().get_object(Bucket=bucket, Key=key)["Body"].read()


def test_write_puts_base64_cloudpickle_at_dated_uuid_key(
    handler: S3ResultHandler, s3_server: S3Server, s3_bucket: str
) -> None:
    """``write`` returns a ``Y/M/D/<uuid>.prefect_result`` key holding base64 cloudpickle."""
    key = handler.write({"x": [1, 2]})
    assert KEY.match(key), key
    assert not key.startswith(s3_bucket)
    payload = _fetch(s3_server, s3_bucket, key)
    assert payload == base64.b64encode(cloudpickle.dumps({"x": [1, 2]}))
    assert handler.read(key) == {"x": [1, 2]}


def test_keys_are_not_zero_padded(handler: S3ResultHandler, monkeypatch) -> None:
    """Month and day in the key are not zero-padded (pendulum ``Y/M/D``): ``2020/1/5/...``."""

    class FrozenDateTime(dt.datetime):
        @classmethod
        def now(cls, tz=None):  # type: ignore[override]
            return dt.datetime(2020, 1, 5, 3, 4, 5, tzinfo=dt.timezone.utc)

    monkeypatch.setattr(
        result_base, "dt", types.SimpleNamespace(datetime=FrozenDateTime, timezone=dt.timezone)
    )
    key = handler.write(1)
    assert key.startswith("2020/1/5/"), key
    assert KEY.match(key)


def test_read_missing_key_returns_none(handler: S3ResultHandler) -> None:
    """As in Prefect 0.10, a failed download is logged and ``read`` returns ``None``."""
    assert handler.read("2020/1/5/missing.prefect_result") is None


def test_read_garbage_returns_none(
    handler: S3ResultHandler, s3_server: S3Server, s3_bucket: str
) -> None:
    """An object that does not unpickle is swallowed too: ``read`` returns ``None``."""
    s3_server.client().put_object(Bucket=s3_bucket, Key="bad.prefect_result", Body=b"!!not it")
    assert handler.read("bad.prefect_result") is None


def test_converted_result_reads_what_the_handler_wrote(
    handler: S3ResultHandler, s3_server: S3Server
) -> None:
    """``S3ResultHandler`` converts to an ``S3Result`` that reads the handler's base64 objects."""
    key = handler.write(["legacy", 1])
    result = result_from_handler(handler)
    assert type(result) is S3Result
    assert result.bucket == handler.bucket
    assert result.boto3_kwargs == {"endpoint_url": s3_server.endpoint_url}
    assert result.serializer == PickleSerializer()
    assert result.read(key).value == ["legacy", 1]


def test_converted_result_writes_raw_cloudpickle(
    handler: S3ResultHandler, s3_server: S3Server, s3_bucket: str
) -> None:
    """The converted result writes Prefect 0.12.1+ raw cloudpickle; the handler still reads it."""
    written = result_from_handler(handler).write({"new": True})
    assert KEY.match(written.location)
    assert _fetch(s3_server, s3_bucket, written.location) == cloudpickle.dumps({"new": True})
    assert handler.read(written.location) == {"new": True}


def test_s3_result_exists_and_missing(s3_server: S3Server, s3_bucket: str) -> None:
    """``S3Result.exists`` is false for a missing key and reading it raises, unlike the handler."""
    result = S3Result(s3_bucket, boto3_kwargs={"endpoint_url": s3_server.endpoint_url})
    assert result.exists("nope.prefect_result") is False
    with pytest.raises(FileNotFoundError):
        result.read("nope.prefect_result")
