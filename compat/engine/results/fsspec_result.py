"""``FSSpecResult``: checkpoint to any filesystem fsspec knows, given a base URL.

This is the one storage-backed implementation behind every file and object-store result;
``LocalResult``, ``S3Result``, ``GCSResult`` and ``AzureResult`` are thin subclasses that
only say how to build the URL and the storage options.
"""

from __future__ import annotations

from typing import Any, ClassVar

from compat._storage import Storage, is_url, storage_for
from compat._templating import format_location
from compat.engine.result.base import Result

__all__ = ["FSSpecResult", "require_location"]


class FSSpecResult(Result):
    """Stores each value as one object under ``url`` (e.g. ``"memory://results"``).

    ``storage_options`` are passed to the fsspec filesystem (credentials, endpoints) and are
    never written into state payloads. A location that is itself a URL wins over ``url``.
    """

    config_fields: ClassVar[tuple[str, ...]] = ("url", "storage_options")

    def __init__(
        self, url: str, storage_options: dict[str, Any] | None = None, **kwargs: Any
    ) -> None:
        if not isinstance(url, str) or not url:
            msg = f"FSSpecResult needs a base URL such as 'memory://results', got {url!r}"
            raise ValueError(msg)
        self.url = url.rstrip("/")
        self.storage_options = dict(storage_options or {})
        self._storage: Storage | None = None
        super().__init__(**kwargs)

    # -- subclasses override these two to derive options lazily (e.g. from secrets) --------

    def _storage_options(self) -> dict[str, Any]:
        return self.storage_options

    @property
    def storage(self) -> Storage:
        """The backend, built on first use (no I/O or imports at construction)."""
        if self._storage is None:
            self._storage = storage_for(self.url, self._storage_options())
        return self._storage

    def full_path(self, location: str) -> str:
        """Join ``location`` to the base URL (a URL location is used as it is)."""
        if is_url(location):
            return location
        return f"{self.url}/{location.lstrip('/')}"

    def write(self, value_: Any, **kwargs: Any) -> Result:
        new = self.format(**kwargs)
        location = require_location(new)
        self.storage.write(self.full_path(location), self.serializer.serialize(value_))
        new.value = value_
        return new

    def read(self, location: str) -> Result:
        new = self.copy()
        new.location = location
        new.value = self.serializer.deserialize(self.storage.read(self.full_path(location)))
        return new

    def exists(self, location: str, **kwargs: Any) -> bool:
        target = format_location(location, kwargs) if kwargs else location
        return self.storage.exists(self.full_path(target))

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state["_storage"] = None  # clients do not pickle; rebuild on first use
        return state


def require_location(result: Result) -> str:
    """Return the rendered location, refusing to write without one."""
    if not result.location:
        msg = f"{type(result).__name__} has no location to write to after formatting"
        raise ValueError(msg)
    return result.location
