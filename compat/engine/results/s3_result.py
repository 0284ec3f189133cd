"""``S3Result``: values as objects in an S3 (or S3-compatible) bucket, through s3fs."""

from __future__ import annotations

from typing import Any, ClassVar

from compat.engine.results._cloud import secret_value
from compat.engine.results.fsspec_result import FSSpecResult

__all__ = ["S3Result"]

#: boto3 client keywords and the s3fs storage option each becomes.
_TOP_LEVEL = {
    "aws_access_key_id": "key",
    "aws_secret_access_key": "secret",
    "aws_session_token": "token",
}


class S3Result(FSSpecResult):
    """Objects in ``bucket``; default keys ``Y/M/D/<uuid>.prefect_result``.

    ``boto3_kwargs`` are the keywords Prefect passed to ``boto3.client("s3", ...)``
    (``endpoint_url``, ``region_name``, keys); they become s3fs options. Credentials come,
    in order, from ``boto3_kwargs``, the secret named by ``aws_credentials_secret`` (kept
    from ``S3ResultHandler``; JSON with ``ACCESS_KEY``/``SECRET_ACCESS_KEY``), the
    ``AWS_CREDENTIALS`` secret in context (Prefect 0.11+), then the usual AWS chain.
    """

    config_fields: ClassVar[tuple[str, ...]] = (
        "bucket",
        "boto3_kwargs",
        "upload_options",
        "aws_credentials_secret",
    )

    def __init__(
        self,
        bucket: str,
        boto3_kwargs: dict[str, Any] | None = None,
        upload_options: dict[str, Any] | None = None,
        aws_credentials_secret: str | None = None,
        **kwargs: Any,
    ) -> None:
        if not bucket:
            msg = "S3Result needs a bucket name, e.g. S3Result(bucket='my-results')"
            raise ValueError(msg)
        self.bucket = bucket
        self.boto3_kwargs = dict(boto3_kwargs or {})
        if "service_name" in self.boto3_kwargs:
            msg = "boto3_kwargs may not contain 'service_name'; S3Result always talks to S3"
            raise ValueError(msg)
        self.upload_options = dict(upload_options or {})
        self.aws_credentials_secret = aws_credentials_secret
        super().__init__(url=f"s3://{bucket}", **kwargs)

    def _storage_options(self) -> dict[str, Any]:
        options: dict[str, Any] = dict(self.storage_options)
        client_kwargs: dict[str, Any] = dict(options.pop("client_kwargs", {}) or {})
        for name, value in self.boto3_kwargs.items():
            if name in _TOP_LEVEL:
                options[_TOP_LEVEL[name]] = value
            else:  # endpoint_url, region_name, verify, config, ...: botocore client keywords
                client_kwargs[name] = value
        if "key" not in options:
            secret_name = self.aws_credentials_secret or "AWS_CREDENTIALS"
            creds = secret_value(secret_name, required=self.aws_credentials_secret is not None)
            if creds:
                options["key"] = creds.get("ACCESS_KEY")
                options["secret"] = creds.get("SECRET_ACCESS_KEY")
                if creds.get("SESSION_TOKEN"):
                    options["token"] = creds["SESSION_TOKEN"]
        if client_kwargs:
            options["client_kwargs"] = client_kwargs
        if self.upload_options:
            options.setdefault("s3_additional_kwargs", {}).update(self.upload_options)
        return options
