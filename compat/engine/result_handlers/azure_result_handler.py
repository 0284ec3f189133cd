"""``AzureResultHandler``: base64 cloudpickle blobs in Azure (a facade over ``AzureResult``)."""

from __future__ import annotations

import os
from typing import Any

from compat.engine.result_handlers._cloud import CloudResultHandler

__all__ = ["AzureResultHandler"]


class AzureResultHandler(CloudResultHandler):
    """Blobs in ``container``; a connection string wins over the credentials secret."""

    def __init__(
        self,
        container: str,
        connection_string: str | None = None,
        azure_credentials_secret: str = "AZ_CREDENTIALS",
    ) -> None:
        self.container = container
        self.connection_string = connection_string or os.environ.get(
            "AZURE_STORAGE_CONNECTION_STRING"
        )
        self.azure_credentials_secret = azure_credentials_secret

    def _result(self) -> Any:
        from compat.engine.results.azure_result import AzureResult

        return AzureResult(
            container=self.container,
            connection_string=self.connection_string,
            azure_credentials_secret=self.azure_credentials_secret,
        )
