"""``GCSResult``: values as objects in a Google Cloud Storage bucket, through gcsfs."""

from __future__ import annotations

from typing import Any, ClassVar

from compat.engine.results._cloud import secret_value
from compat.engine.results.fsspec_result import FSSpecResult

__all__ = ["GCSResult"]


class GCSResult(FSSpecResult):
    """Objects in ``bucket``; default keys ``Y/M/D/<uuid>.prefect_result``.

    Credentials: the secret named by ``credentials_secret`` (kept from
    ``GCSResultHandler``), else the ``GCP_CREDENTIALS`` secret in context, else gcsfs's
    default credentials.
    """

    config_fields: ClassVar[tuple[str, ...]] = ("bucket", "credentials_secret")

    def __init__(
        self, bucket: str | None = None, credentials_secret: str | None = None, **kwargs: Any
    ) -> None:
        if not bucket:
            msg = "GCSResult needs a bucket name, e.g. GCSResult(bucket='my-results')"
            raise ValueError(msg)
        self.bucket = bucket
        self.credentials_secret = credentials_secret
        super().__init__(url=f"gs://{bucket}", **kwargs)

    def _storage_options(self) -> dict[str, Any]:
        options = dict(self.storage_options)
        if "token" not in options:
            name = self.credentials_secret or "GCP_CREDENTIALS"
            creds = secret_value(name, required=self.credentials_secret is not None)
            if creds:
                options["token"] = creds
        return options
