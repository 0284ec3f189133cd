"""The storage contract every result backend implements: bytes in, bytes out, exists.

Serialization, templating and conversion live above this layer, written once. Two
implementations exist: :class:`LocalStorage` for plain paths (the common case, kept close to
a bare ``open().write()``) and :class:`FSSpecStorage` for any URL fsspec understands
(``memory://``, ``s3://``, ``gs://``, ``abfs://`` ...). Writes are atomic: readers see the
old bytes or the new bytes, never a half-written file.
"""

from __future__ import annotations

import contextlib
import os
import uuid
from typing import Any, Protocol

from compat.exceptions import MissingExtraError

__all__ = [
    "FSSpecStorage",
    "LocalStorage",
    "Storage",
    "is_url",
    "storage_for",
]

#: Protocol → (extra to install, package providing it).
_EXTRAS: dict[str, tuple[str, str]] = {
    "abfs": ("azure", "adlfs"),
    "abfss": ("azure", "adlfs"),
    "adl": ("azure", "adlfs"),
    "az": ("azure", "adlfs"),
    "gcs": ("gcs", "gcsfs"),
    "gs": ("gcs", "gcsfs"),
    "s3": ("s3", "s3fs"),
    "s3a": ("s3", "s3fs"),
}
#: Object stores whose single upload is already atomic; no temporary object needed.
_ATOMIC_PUT = frozenset({*_EXTRAS, "memory"})


class Storage(Protocol):
    """What a backend must do. Paths are full paths or URLs produced by :meth:`join`."""

    def read(self, path: str) -> bytes: ...

    def write(self, path: str, data: bytes) -> None: ...

    def exists(self, path: str) -> bool: ...


def is_url(location: str) -> bool:
    """Return whether ``location`` carries a protocol (``s3://...``)."""
    return "://" in location


class LocalStorage:
    """Files on the local disk, written through a temporary file and ``os.replace``."""

    def read(self, path: str) -> bytes:
        with open(path, "rb") as handle:
            return handle.read()

    def write(self, path: str, data: bytes) -> None:
        directory = os.path.dirname(path) or "."
        # A unique sibling name, created exclusively with the usual 0o666-minus-umask mode.
        temporary = os.path.join(
            directory, f".~{os.path.basename(path)[:40]}.{uuid.uuid4().hex[:12]}.tmp"
        )
        try:
            handle = os.open(temporary, _CREATE_FLAGS, 0o666)
        except FileNotFoundError:  # first write into a new directory
            os.makedirs(directory, exist_ok=True)
            handle = os.open(temporary, _CREATE_FLAGS, 0o666)
        try:
            with os.fdopen(handle, "wb") as stream:
                stream.write(data)
            os.replace(temporary, path)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temporary)
            raise

    def exists(self, path: str) -> bool:
        return os.path.exists(path)


_CREATE_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)


class FSSpecStorage:
    """Any fsspec filesystem, created lazily from a URL and storage options."""

    def __init__(self, protocol: str, storage_options: dict[str, Any] | None = None) -> None:
        self.protocol = protocol
        self.storage_options = dict(storage_options or {})
        self._fs: Any = None

    @property
    def fs(self) -> Any:
        """The fsspec filesystem (imported and built on first use)."""
        if self._fs is None:
            self._fs = _filesystem(self.protocol, self.storage_options)
        return self._fs

    def read(self, path: str) -> bytes:
        return self.fs.cat_file(path)

    def write(self, path: str, data: bytes) -> None:
        parent = path.rsplit("/", 1)[0]
        if self.protocol not in _ATOMIC_PUT:
            self.fs.makedirs(parent, exist_ok=True)
            temporary = f"{parent}/.~{uuid.uuid4().hex}.tmp"
            try:
                self.fs.pipe_file(temporary, data)
                self.fs.mv(temporary, path)
            except BaseException:
                with contextlib.suppress(Exception):
                    if self.fs.exists(temporary):
                        self.fs.rm_file(temporary)
                raise
        else:
            self.fs.pipe_file(path, data)

    def exists(self, path: str) -> bool:
        return bool(self.fs.exists(path))

    def __getstate__(self) -> dict[str, Any]:
        # Filesystem objects hold clients and sockets; rebuild them after unpickling.
        state = dict(self.__dict__)
        state["_fs"] = None
        return state


def _filesystem(protocol: str, storage_options: dict[str, Any]) -> Any:
    import fsspec

    try:
        return fsspec.filesystem(protocol, **storage_options)
    except ImportError as exc:
        extra, package = _EXTRAS.get(protocol, (None, None))
        if extra is None:
            msg = f"cannot use {protocol}:// storage: {exc}"
        else:
            msg = (
                f"{protocol}:// storage needs the {package} package; install it with "
                f"pip install 'prefect-result-compat[{extra}]'"
            )
        raise MissingExtraError(msg) from exc
    except ValueError as exc:
        msg = f"fsspec does not know the protocol {protocol!r} ({exc}); check the URL"
        raise MissingExtraError(msg) from exc


def storage_for(url: str, storage_options: dict[str, Any] | None = None) -> Storage:
    """Return the storage for a URL (``file://`` and plain paths use :class:`LocalStorage`)."""
    protocol = url.split("://", 1)[0] if is_url(url) else "file"
    if protocol in {"file", "local"} and not storage_options:
        return LocalStorage()
    return FSSpecStorage(protocol, storage_options)
