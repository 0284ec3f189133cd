"""The storage contract every result backend implements: bytes in, bytes out, exists.

Serialization, templating and conversion live above this layer, written once. Two
implementations exist: :class:`LocalStorage` for plain paths (the common case, kept close to
a bare ``open().write()``) and :class:`FSSpecStorage` for any URL fsspec understands
(``memory://``, ``s3://``, ``gs://``, ``abfs://`` ...). Writes are atomic: readers see the
old bytes or the new bytes, never a half-written file.

Storage named by an untrusted payload goes through :func:`check_payload_location` first: only
local paths and allow-listed protocols pass (see ``docs/security.md``).
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import stat
import uuid
from typing import Any, Protocol

from compat._lazy import configuration
from compat._tempfiles import sweep_crashed_temporaries, temporary_name
from compat.exceptions import (
    ConfigurationError,
    MissingExtraError,
    ResultReadError,
    ResultWriteError,
    StorageNotAllowedError,
)

__all__ = [
    "BUILTIN_PAYLOAD_PROTOCOLS",
    "FSSpecStorage",
    "LocalStorage",
    "Storage",
    "allowed_payload_protocols",
    "check_payload_location",
    "is_url",
    "local_path",
    "storage_for",
    "url_protocol",
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
#: Protocols a payload may name by default: local files and the built-in results' stores.
#: ``memory`` is left out: it can never hold a value written by another process, and it may
#: hold objects other code in this process keeps there.
BUILTIN_PAYLOAD_PROTOCOLS = frozenset({"file", "local", *_EXTRAS})
#: A protocol (or fsspec chain, ``simplecache::s3``) short and plain enough to show in a message.
_PROTOCOL_NAME = re.compile(r"[a-z0-9+.:_-]{1,40}")
#: Refused whatever the configuration says: the URL itself carries the bytes it loads.
_NEVER_ALLOWED = frozenset({"data"})
#: Object stores whose single upload is already atomic; no temporary object needed.
_ATOMIC_PUT = frozenset({*_EXTRAS, "memory"})


class Storage(Protocol):
    """What a backend must do. Paths are full paths or URLs produced by :meth:`join`."""

    def read(self, path: str) -> bytes: ...

    def write(self, path: str, data: bytes, *, exclusive: bool = False) -> None: ...

    def exists(self, path: str) -> bool: ...


def is_url(location: str) -> bool:
    """Return whether ``location`` carries a protocol (``s3://...``)."""
    return "://" in location


def url_protocol(location: str) -> str | None:
    """The protocol ``location`` names (``"s3"``, ``"data"``), ``None`` for a plain path."""
    if location[:5].lower() == "data:":  # fsspec reads data: URLs without "//"
        return "data"
    if is_url(location):
        return location.split("://", 1)[0].lower()
    return None


def allowed_payload_protocols() -> frozenset[str]:
    """The built-in allow-list plus the ``results.allowed_protocols`` setting."""
    from compat.utilities.configuration import config

    extra = config.get_nested("results.allowed_protocols", [])
    if isinstance(extra, str):  # PREFECT__RESULTS__ALLOWED_PROTOCOLS="sftp,memory"
        extra = [part for part in extra.replace(" ", "").split(",") if part]
    if not isinstance(extra, list) or not all(isinstance(p, str) for p in extra):
        msg = (
            f"results.allowed_protocols must be a list of protocol names such as "
            f'["sftp"], got {type(extra).__name__}; fix the configuration file or '
            "PREFECT__RESULTS__ALLOWED_PROTOCOLS"
        )
        raise ConfigurationError(msg)
    return BUILTIN_PAYLOAD_PROTOCOLS | {p.lower() for p in extra}


def check_payload_location(location: str, *, field: str) -> None:
    """Refuse a location named by a payload unless its storage is allowed.

    Plain paths (local files) pass; URLs pass when their protocol is in
    :func:`allowed_payload_protocols`; ``data:`` URLs never do. The message names the field
    and the protocol, never the value (it may hold credentials or a whole pickle).
    """
    protocol = url_protocol(location)
    if protocol is None:
        return
    if protocol in _NEVER_ALLOWED:
        msg = (
            f"{field} is a data: URL; a payload may not carry the bytes it loads (they would "
            "be unpickled), so data: URLs are always refused"
        )
        raise StorageNotAllowedError(msg)
    allowed = allowed_payload_protocols()
    if protocol not in allowed:
        plain = _PROTOCOL_NAME.fullmatch(protocol)
        shown = f"{protocol!r} storage" if plain else "storage with an unusual protocol name"
        msg = (
            f"{field} names {shown}, which a payload may not choose; allowed: "
            f"{', '.join(sorted(allowed))}. If you trust this storage, add it to "
            "results.allowed_protocols (see docs/security.md)"
        )
        raise StorageNotAllowedError(msg)


class LocalStorage:
    """Files on the local disk, written through a temporary file and ``os.replace`` (or a
    hard link, which never replaces a file, for exclusive writes; on Linux an exclusive
    write links an unnamed ``O_TMPFILE`` file and needs no temporary name at all).

    ``durable`` (default: the ``results.durable_writes`` setting) makes a write survive a
    power loss once it returns: the file is fsynced before the rename and its directory
    after it. Without it the rename is still atomic for readers, but the OS may lose the
    newest bytes on a crash of the whole machine.
    """

    def __init__(self, durable: bool | None = None) -> None:
        self.durable = durable

    def read(self, path: str) -> bytes:
        """The bytes of the regular file at ``path``.

        Anything else is refused before reading: a location (from a payload, say) naming
        ``/dev/zero`` would fill memory, and a FIFO would block forever.
        """
        path = local_path(path)
        handle = os.open(path, _READ_FLAGS)  # no blocking on a FIFO without a writer
        try:
            mode = os.fstat(handle).st_mode
        except BaseException:
            os.close(handle)
            raise
        if not stat.S_ISREG(mode):
            os.close(handle)
            if stat.S_ISDIR(mode):
                raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), path)
            msg = (
                f"cannot read {path!r}: it is not a regular file (a device, FIFO or socket); "
                "results are stored in regular files"
            )
            raise ResultReadError(msg)
        with os.fdopen(handle, "rb") as stream:
            return stream.read()

    def write(self, path: str, data: bytes, *, exclusive: bool = False) -> None:
        """Write ``data`` at ``path`` atomically; ``exclusive`` never replaces a file.

        An exclusive write that finds ``path`` taken raises :class:`FileExistsError`; any
        other failure raises :class:`~compat.exceptions.ResultWriteError` naming ``path``.
        """
        path = local_path(path)
        directory = os.path.dirname(path) or "."
        durable = self._durable()
        sweep_crashed_temporaries(directory)
        if (
            exclusive
            and _ANONYMOUS
            and directory not in _no_anonymous_files
            and _publish_anonymous(path, directory, data, durable)
        ):
            return
        temporary = temporary_name(path)
        try:
            try:
                handle = os.open(temporary, _CREATE_FLAGS, 0o666)
            except FileNotFoundError:  # first write into a new directory
                os.makedirs(directory, exist_ok=True)
                handle = os.open(temporary, _CREATE_FLAGS, 0o666)
        except OSError as exc:
            raise _write_error(path, exc) from exc
        try:
            try:
                _write_all(handle, data)
                if durable:
                    os.fsync(handle)
            finally:
                os.close(handle)
            if exclusive:
                _link_no_clobber(temporary, path)
            else:
                os.replace(temporary, path)
            if durable:
                _fsync_directory(directory)
        except FileExistsError:
            _discard(temporary)
            raise
        except OSError as exc:
            _discard(temporary)
            raise _write_error(path, exc) from exc
        except BaseException:
            _discard(temporary)
            raise

    def exists(self, path: str) -> bool:
        return os.path.exists(local_path(path))

    def _durable(self) -> bool:
        if self.durable is not None:
            return self.durable
        # One dict lookup per write instead of get_nested's dotted walk (same answer).
        config = configuration()
        results = config.get("results")
        if isinstance(results, dict):
            return bool(results.get("durable_writes", False))
        return bool(config.get_nested("results.durable_writes", False))


def _write_all(handle: int, data: bytes) -> None:
    """``os.write`` until every byte is written (no buffered file object for one write)."""
    view = memoryview(data)
    written = 0
    while written < len(view):
        count = os.write(handle, view[written:])
        if count <= 0:  # a regular file never does this; refuse to spin
            raise OSError(errno.EIO, "the file accepted no bytes")
        written += count


_READ_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
_CREATE_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)


def local_path(path: str) -> str:
    """``file:///abs/x``, ``file://localhost/abs/x`` and ``local:///abs/x`` → ``/abs/x``.

    Plain paths are returned unchanged.
    """
    if not path.startswith(("file://", "local://")):
        return path
    if path.startswith("file://localhost/"):
        return path[len("file://localhost") :]
    return path[len("file://") :] if path.startswith("file://") else path[len("local://") :]


#: ``O_TMPFILE`` (Linux): a file with no name until it is linked, so no temporary name.
_ANONYMOUS: int = getattr(os, "O_TMPFILE", 0) if os.path.isdir("/proc/self/fd") else 0
#: Directories whose file system refused an unnamed file; they use a named temporary.
_no_anonymous_files: set[str] = set()
_root_fd: int | None = None


def _publish_anonymous(path: str, directory: str, data: bytes, durable: bool) -> bool:
    """Write ``data`` to an unnamed file in ``directory``, then link it as ``path``.

    The cheapest exclusive write: no temporary name to make, sweep or unlink, and a crash
    leaves nothing behind (the kernel frees a file that never got a name). The link fails
    if ``path`` exists (:class:`FileExistsError`), so nothing is ever replaced. Returns
    ``False`` when this directory cannot do it (then the named temporary is used).
    """
    try:
        try:
            handle = os.open(directory, _ANONYMOUS | os.O_WRONLY, 0o666)
        except FileNotFoundError:  # first write into a new directory
            os.makedirs(directory, exist_ok=True)
            handle = os.open(directory, _ANONYMOUS | os.O_WRONLY, 0o666)
    except OSError:  # not supported here (or a real problem the named path will report)
        _no_anonymous_files.add(directory)
        return False
    try:
        _write_all(handle, data)
        if durable:
            os.fsync(handle)
        # linkat(AT_SYMLINK_FOLLOW) on /proc/self/fd/N gives the open file a name.
        os.link(f"proc/self/fd/{handle}", path, src_dir_fd=_root(), follow_symlinks=True)
    except FileExistsError:
        raise
    except OSError:  # retry the classic way, which names the target in its error
        _no_anonymous_files.add(directory)
        return False
    finally:
        os.close(handle)
    if durable:
        _fsync_directory(directory)
    return True


def _root() -> int:
    """A descriptor of ``/`` (kept open: it is valid in every forked child too)."""
    global _root_fd
    if _root_fd is None:
        _root_fd = os.open("/", os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    return _root_fd


def _link_no_clobber(temporary: str, path: str) -> None:
    """Give the temporary's content the name ``path`` unless ``path`` exists (then raise)."""
    try:
        os.link(temporary, path)
    except FileExistsError:
        raise
    except OSError:  # no hard links here (some network or FAT file systems)
        if os.path.lexists(path):
            raise FileExistsError(errno.EEXIST, os.strerror(errno.EEXIST), path) from None
        os.replace(temporary, path)
        return
    os.unlink(temporary)


def _fsync_directory(directory: str) -> None:
    try:
        handle = os.open(directory, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:  # Windows cannot open directories; its renames are durable anyway
        return
    try:
        os.fsync(handle)
    finally:
        os.close(handle)


def _discard(temporary: str) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.unlink(temporary)


def _write_error(path: str, exc: OSError) -> ResultWriteError:
    """The error for a failed write, naming the target (never our temporary file)."""
    if exc.errno is not None and exc.strerror:
        return ResultWriteError(exc.errno, exc.strerror, path)
    error = ResultWriteError(f"cannot write {path!r}: {exc}")
    error.filename = path
    return error


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

    def write(self, path: str, data: bytes, *, exclusive: bool = False) -> None:
        # Object stores get uuid4 default keys (122 random bits); checking first would cost a
        # request per write and still race. Elsewhere, check: there is no link to rely on.
        if exclusive and self.protocol not in _ATOMIC_PUT and self.fs.exists(path):
            raise FileExistsError(errno.EEXIST, os.strerror(errno.EEXIST), path)
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
