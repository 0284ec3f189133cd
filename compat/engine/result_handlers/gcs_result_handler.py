"""``GCSResultHandler``: base64 cloudpickle objects in GCS (a facade over ``GCSResult``)."""

from __future__ import annotations

from typing import Any

from compat.engine.result_handlers._cloud import CloudResultHandler

__all__ = ["GCSResultHandler"]


class GCSResultHandler(CloudResultHandler):
    """Objects in ``bucket``; credentials from the secret named ``credentials_secret``."""

    def __init__(self, bucket: str | None = None, credentials_secret: str | None = None) -> None:
        self.bucket = bucket
        self.credentials_secret = credentials_secret

    def _result(self) -> Any:
        from compat.engine.results.gcs_result import GCSResult

        return GCSResult(bucket=self.bucket, credentials_secret=self.credentials_secret)
