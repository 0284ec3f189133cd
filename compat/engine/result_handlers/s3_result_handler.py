"""``S3ResultHandler``: base64 cloudpickle objects in S3 (a facade over ``S3Result``)."""

from __future__ import annotations

from typing import Any

from compat.engine.result_handlers._cloud import CloudResultHandler

__all__ = ["S3ResultHandler"]


class S3ResultHandler(CloudResultHandler):
    """Objects in ``bucket``; credentials from ``aws_credentials_secret`` or ``boto3_kwargs``."""

    def __init__(
        self,
        bucket: str,
        aws_credentials_secret: str | None = None,
        boto3_kwargs: dict[str, Any] | None = None,
    ) -> None:
        if boto3_kwargs and "service_name" in boto3_kwargs:
            msg = "boto3_kwargs may not contain 'service_name'; S3ResultHandler always uses S3"
            raise ValueError(msg)
        self.bucket = bucket
        self.aws_credentials_secret = aws_credentials_secret
        self.boto3_kwargs = dict(boto3_kwargs or {})

    def _result(self) -> Any:
        from compat.engine.results.s3_result import S3Result

        return S3Result(
            bucket=self.bucket,
            boto3_kwargs=self.boto3_kwargs,
            aws_credentials_secret=self.aws_credentials_secret,
        )
