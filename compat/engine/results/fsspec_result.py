"""``FSSpecResult``: checkpoint to any filesystem fsspec knows, given a base URL.

This is the one storage-backed implementation behind every file and object-store result;
``LocalResult``, ``S3Result``, ``GCSResult`` and ``AzureResult`` are thin subclasses that
only say how to build the URL and the storage options.
"""

from __future__ import annotations

from typing import Any, ClassVar

from compat._storage import Storage, is_url, storage_for, url_protocol
from compat._templating import format_location
from compat.engine.result.base import Result
from compat.exceptions import ResultReadError, ResultWriteError, UnsafeLocationError

__all__ = ["FSSpecResult", "require_location"]

#: How many fresh default names a write tries before giving up (each is random).
_DEFAULT_NAME_ATTEMPTS = 5


class FSSpecResult(Result):
    """Stores each value as one object under ``url`` (e.g. ``"memory://results"``).

    ``storage_options`` are passed to the fsspec filesystem (credentials, endpoints) and are
    never written into state payloads. A location that is itself a URL of the same protocol
    wins over ``url``. A write under a default name never replaces an existing object.
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
            theirs, ours = url_protocol(location), url_protocol(self.url) or "file"
            if theirs != ours:
                msg = (
                    f"the location names {theirs!r} storage but {type(self).__name__} stores "
                    f"in {ours!r} storage; give a location inside {self.url!r}"
                )
                raise UnsafeLocationError(msg)
            return location
        return f"{self.url}/{location.lstrip('/')}"

    def write(self, value_: Any, **kwargs: Any) -> Result:
        new = self.format(**kwargs)
        data = self.serializer.serialize(value_)
        if self._names_by_default():
            self._write_under_a_free_name(new, data)
        else:
            self.storage.write(self.full_path(require_location(new)), data)
        new.value = value_
        return new

    def _write_under_a_free_name(self, new: Result, data: bytes, *, joined: bool = False) -> None:
        """Write under ``new.location``, or fresh default names: never replace a value.

        ``joined`` says that every default location is already a full path (``LocalResult``
        under an absolute directory), so none is joined to the base again.
        """
        storage = self.storage
        for _ in range(_DEFAULT_NAME_ATTEMPTS):
            location = require_location(new)
            try:
                path = location if joined else self.full_path(location)
                storage.write(path, data, exclusive=True)
                return
            except FileExistsError:  # taken (by another process, or before a restart)
                new.location = self.default_location
        msg = (
            f"no free default name under {self.url!r} after {_DEFAULT_NAME_ATTEMPTS} attempts; "
            "every generated name was taken (is the clock or the random source patched?)"
        )
        raise ResultWriteError(msg)

    def _names_by_default(self) -> bool:
        """Whether :meth:`format` gives this result its default (generated) location."""
        return not isinstance(self.location, str) and self._formatter is None

    def read(self, location: str) -> Result:
        new = self.copy()
        new.location = location
        path = self.full_path(location)
        data = self.storage.read(path)
        try:
            new.value = self.serializer.deserialize(data)
        except ImportError:  # a missing module is not a damaged file: keep its own message
            raise
        except Exception as exc:
            msg = (
                f"cannot decode the value stored at {path!r} with {self.serializer!r} "
                f"({type(exc).__name__}: {exc}); the file is truncated or corrupted, or was "
                "written with another serializer"
            )
            raise ResultReadError(msg) from exc
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
