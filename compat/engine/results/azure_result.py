"""``AzureResult``: values as blobs in an Azure Storage container, through adlfs."""

from __future__ import annotations

import os
from typing import Any, ClassVar

from compat.engine.results._cloud import secret_value
from compat.engine.results.fsspec_result import FSSpecResult

__all__ = ["AzureResult"]


class AzureResult(FSSpecResult):
    """Blobs in ``container``; default names ``Y/M/D/<uuid>.prefect_result``.

    Credentials, first found wins: ``connection_string``; the environment variable
    ``AZURE_STORAGE_CONNECTION_STRING``; the secret named by ``connection_string_secret``
    (a connection string); the secret named by ``azure_credentials_secret`` (kept from
    ``AzureResultHandler``: JSON with ``ACCOUNT_NAME`` and ``ACCOUNT_KEY`` or ``SAS_TOKEN``).
    """

    config_fields: ClassVar[tuple[str, ...]] = (
        "container",
        "connection_string",
        "connection_string_secret",
        "azure_credentials_secret",
    )

    def __init__(
        self,
        container: str,
        connection_string: str | None = None,
        connection_string_secret: str | None = None,
        azure_credentials_secret: str | None = None,
        **kwargs: Any,
    ) -> None:
        if not container:
            msg = "AzureResult needs a container name, e.g. AzureResult(container='results')"
            raise ValueError(msg)
        self.container = container
        self.connection_string = connection_string
        self.connection_string_secret = connection_string_secret
        self.azure_credentials_secret = azure_credentials_secret
        super().__init__(url=f"abfs://{container}", **kwargs)

    def _storage_options(self) -> dict[str, Any]:
        options = dict(self.storage_options)
        connection = self.connection_string or os.environ.get("AZURE_STORAGE_CONNECTION_STRING")
        if connection is None and self.connection_string_secret:
            from compat.client.secrets import Secret

            connection = Secret(self.connection_string_secret).get()
        if connection:
            options.setdefault("connection_string", connection)
        elif self.azure_credentials_secret:
            creds = secret_value(self.azure_credentials_secret, required=True) or {}
            options.setdefault("account_name", creds.get("ACCOUNT_NAME"))
            if creds.get("ACCOUNT_KEY"):
                options.setdefault("account_key", creds["ACCOUNT_KEY"])
            if creds.get("SAS_TOKEN"):
                options.setdefault("sas_token", creds["SAS_TOKEN"])
        return options
