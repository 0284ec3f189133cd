"""The result contract, run against ``memory://``, the local filesystem and S3 (moto)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable

import pytest

from compat.engine.result.base import Result
from compat.engine.results import FSSpecResult, LocalResult, S3Result
from tests.conftest import S3Server
from tests.contract.abstract import ResultContract, SerializerCase


class TestMemoryBackend(ResultContract):
    """``FSSpecResult("memory://...")``: the generic fsspec result on the in-memory filesystem."""

    @pytest.fixture
    def base(self) -> str:
        return f"memory://contract-{uuid.uuid4().hex}"

    @pytest.fixture
    def make_result(self, base: str, serializer_case: SerializerCase) -> Callable[..., Result]:
        return lambda **kw: FSSpecResult(base, serializer=serializer_case.serializer, **kw)

    @pytest.fixture
    def list_stored(self, base: str) -> Callable[[], list[str]]:
        import fsspec

        fs = fsspec.filesystem("memory")
        root = base.split("://", 1)[1]

        def names() -> list[str]:
            found = fs.find(root)
            return sorted(p.split(root, 1)[1].lstrip("/") for p in found)

        return names


class TestLocalBackend(ResultContract):
    """``LocalResult(dir)``: plain files, written through a temporary file and a rename."""

    @pytest.fixture
    def make_result(self, tmp_path, serializer_case: SerializerCase) -> Callable[..., Result]:
        return lambda **kw: LocalResult(
            dir=str(tmp_path / "results"), serializer=serializer_case.serializer, **kw
        )

    @pytest.fixture
    def list_stored(self, tmp_path) -> Callable[[], list[str]]:
        root = tmp_path / "results"

        def names() -> list[str]:
            found = []
            for directory, _, files in os.walk(root):
                for name in files:
                    found.append(os.path.relpath(os.path.join(directory, name), root))
            return sorted(p.replace(os.sep, "/") for p in found)

        return names


@pytest.mark.s3
class TestS3Backend(ResultContract):
    """``S3Result(bucket, boto3_kwargs={"endpoint_url": ...})`` against a moto S3 server."""

    @pytest.fixture
    def make_result(
        self, s3_server: S3Server, s3_bucket: str, serializer_case: SerializerCase
    ) -> Callable[..., Result]:
        return lambda **kw: S3Result(
            bucket=s3_bucket,
            boto3_kwargs={"endpoint_url": s3_server.endpoint_url},
            serializer=serializer_case.serializer,
            **kw,
        )

    @pytest.fixture
    def list_stored(self, s3_server: S3Server, s3_bucket: str) -> Callable[[], list[str]]:
        client = s3_server.client()

        def names() -> list[str]:
            listing = client.list_objects_v2(Bucket=s3_bucket)
            return sorted(item["Key"] for item in listing.get("Contents", []))

        return names
