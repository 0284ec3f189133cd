"""Reading and writing source files without disturbing their bytes.

A codemod that changes one line must not change anything else: the byte-order mark, the
newline style, the file mode, the owner and hard links survive a rewrite, and a write is
atomic (a temporary file in the same directory, then ``os.replace``), so a crash never
leaves a half-written file. Only regular files are read, without ever blocking (a FIFO
named ``x.py`` is an error, not a hang). Each temporary is locked by its writer, so the
next run can remove what a killed run left behind without touching one still in use.
"""

from __future__ import annotations

import codecs
import contextlib
import os
import re
import stat
import string
import tempfile
from dataclasses import dataclass
from pathlib import Path

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: no locks, so no cleanup either
    fcntl = None  # type: ignore[assignment]

__all__ = [
    "DecodedSource",
    "NotARegularFileError",
    "SourceDecodeError",
    "SourceFile",
    "SourceTooLargeError",
    "atomic_write",
    "decode_source",
    "encode_source",
    "is_temporary_name",
    "not_regular_reason",
    "read_source",
    "remove_stale_temporary",
]

_BOM = b"\xef\xbb\xbf"
# PEP 263: a coding cookie on one of the first two lines.
_CODING_RE = re.compile(rb"^[ \t\f]*#.*?coding[:=][ \t]*([-\w.]+)")
_UTF8_NAMES = frozenset({"utf-8", "utf8", "utf_8", "utf-8-sig", "u8"})


#: Names ``atomic_write`` gives its temporaries: ``.<file name>.<8 random chars>.tmp``.
_TEMPORARY_RE = re.compile(r"^\.(?P<name>.+\.(?:py|pyi|ipynb))\.[a-z0-9_]{8}\.tmp$")
_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
_NO_FOLLOW = getattr(os, "O_NOFOLLOW", 0)


class SourceDecodeError(UnicodeError):
    """A file is not UTF-8, so it cannot be rewritten safely."""


class NotARegularFileError(OSError):
    """A path names a FIFO, a device, a socket or a directory: it is never read."""


class SourceTooLargeError(OSError):
    """A file is larger than ``--max-file-size``; it is skipped."""


@dataclass(frozen=True)
class SourceFile:
    """The bytes of a file, and whether its permission bits allow rewriting it."""

    data: bytes
    writable: bool


def not_regular_reason(mode: int) -> str:
    """The error message for a path whose ``st_mode`` is not a regular file's."""
    return (
        f"is {_kind(mode)}, not a regular file; only regular files are read "
        "(remove it or exclude it)"
    )


def _kind(mode: int) -> str:
    for test, name in (
        (stat.S_ISFIFO, "a FIFO"),
        (stat.S_ISDIR, "a directory"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISSOCK, "a socket"),
    ):
        if test(mode):
            return name
    return "a special file"


def _check_size(size: int, max_size: int | None) -> None:
    if max_size and size > max_size:
        raise SourceTooLargeError(
            f"is larger than the size limit ({size:,} > {max_size:,} bytes); "
            "raise --max-file-size (0: no limit) to rewrite it"
        )


def read_source(path: Path, *, max_size: int | None = None) -> SourceFile:
    """Read a regular file without blocking; ``max_size`` (bytes) bounds what is read.

    Raises :class:`NotARegularFileError` for anything but a regular file (checked on the
    open descriptor, so a FIFO swapped in after discovery cannot block the run),
    :class:`SourceTooLargeError` above ``max_size``, and ``OSError`` when unreadable.
    """
    fd = os.open(path, _OPEN_FLAGS)
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise NotARegularFileError(not_regular_reason(info.st_mode))
        _check_size(info.st_size, max_size)
        chunks = [os.read(fd, info.st_size + 1)]
        size = len(chunks[0])
        while chunks[-1]:  # the file grew since fstat, or a short read
            chunks.append(os.read(fd, 2**20))
            size += len(chunks[-1])
            _check_size(size, max_size)
    finally:
        os.close(fd)
    data = b"".join(chunks)
    writable = bool(info.st_mode & 0o222) and os.access(path, os.W_OK)
    return SourceFile(data, writable)


@dataclass(frozen=True)
class DecodedSource:
    """Source text with ``\\n`` line ends, plus what is needed to restore the original bytes.

    ``crlf`` is true only when *every* line ends in ``\\r\\n``; files with mixed line ends
    are passed through untouched (``text`` then keeps its ``\\r\\n`` pairs) so that lines the
    rewrite does not touch keep exactly the ends they had.
    """

    text: str
    bom: bool
    crlf: bool
    #: The declared encoding of a pure-ASCII file with a non-UTF-8 cookie (``latin-1``):
    #: its bytes read the same in UTF-8, and the output is encoded back with it.
    encoding: str = "utf-8"


def _ascii_compatible(name: str) -> bool:
    """Whether the codec ``name`` encodes ASCII text as ASCII (``latin-1``, ``cp1252``)."""
    try:
        codecs.lookup(name)
        return string.printable.encode(name) == string.printable.encode("ascii")
    except (LookupError, UnicodeError):
        return False


def decode_source(data: bytes) -> DecodedSource:
    """Decode ``data`` as UTF-8 (with or without BOM), recording its newline style.

    Raises :class:`SourceDecodeError` for undecodable bytes or a non-UTF-8 coding cookie.
    """
    bom = data.startswith(_BOM)
    body = data[len(_BOM) :] if bom else data
    encoding = "utf-8"
    for line in body.split(b"\n", 2)[:2]:
        match = _CODING_RE.match(line)
        if match:
            name = match.group(1).decode("ascii", "replace").lower()
            if name not in _UTF8_NAMES and not bom and body.isascii() and _ascii_compatible(name):
                encoding = name  # ASCII bytes: the same text in UTF-8
            elif name not in _UTF8_NAMES:
                raise SourceDecodeError(
                    f"declares encoding {name!r}; only UTF-8 sources are rewritten "
                    "(convert the file to UTF-8 or exclude it)"
                )
            break
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise SourceDecodeError(
            f"is not valid UTF-8 (byte {exc.start}: {exc.reason}); "
            "convert the file to UTF-8 or exclude it"
        ) from exc
    lf = text.count("\n")
    crlf = lf > 0 and text.count("\r\n") == lf
    if crlf:
        text = text.replace("\r\n", "\n")
    return DecodedSource(text=text, bom=bom, crlf=crlf, encoding=encoding)


def encode_source(text: str, like: DecodedSource) -> bytes:
    """Encode ``text`` with the BOM and newline style of the original ``like``."""
    if like.crlf:
        text = text.replace("\r\n", "\n").replace("\n", "\r\n")
    try:
        data = text.encode(like.encoding)
    except UnicodeEncodeError as exc:
        raise SourceDecodeError(
            f"declares encoding {like.encoding!r} and the rewrite would add a character it "
            "cannot hold; convert the file to UTF-8"
        ) from exc
    return _BOM + data if like.bom else data


def atomic_write(path: Path, data: bytes) -> None:
    """Replace the contents of ``path`` with ``data``, keeping mode, owner and hard links.

    The bytes go to a temporary file next to the target (same filesystem), locked by this
    process until it is gone, are flushed to disk, get the original mode bits (and owner,
    where allowed), and then replace the target in one ``os.replace``. On any failure the
    temporary file is removed and the original is left as it was. Symbolic links are
    followed: the file they point to is replaced, the link is kept. A file with several
    hard links is written in place instead, so every link sees the new text; that write
    is not atomic (see ``docs/cli.md``).
    """
    target = Path(os.path.realpath(path))
    info = target.stat()
    if info.st_nlink > 1:
        _write_in_place(target, data)
        return
    fd, tmp_name = _locked_temporary(target)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
            if (info.st_uid, info.st_gid) != (os.geteuid(), os.getegid()):
                with contextlib.suppress(OSError):
                    os.chown(tmp_name, info.st_uid, info.st_gid)
            os.chmod(tmp_name, stat.S_IMODE(info.st_mode))  # after chown, which clears set-id bits
            os.replace(tmp_name, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp_name)
        raise


def _locked_temporary(target: Path) -> tuple[int, str]:
    """Create and lock a temporary next to ``target``; the lock lives as long as the fd.

    A cleanup may remove the file between its creation and the lock; then the file has
    no name left (no links) and another one is made.
    """
    while True:
        fd, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
        if fcntl is None:  # pragma: no cover - Windows
            return fd, name
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
        except OSError:  # a filesystem without locks: cleanups cannot lock it either
            return fd, name
        if os.fstat(fd).st_nlink:
            return fd, name
        os.close(fd)


def _write_in_place(target: Path, data: bytes) -> None:
    with open(target, "r+b") as handle:
        handle.write(data)
        handle.truncate()
        handle.flush()
        os.fsync(handle.fileno())


def is_temporary_name(name: str) -> bool:
    """Whether ``name`` has the shape of a temporary left by :func:`atomic_write`."""
    return _TEMPORARY_RE.match(name) is not None


def remove_stale_temporary(path: Path) -> bool:
    """Remove ``path``, a temporary of :func:`atomic_write`, if no live writer holds it.

    A writer holds an exclusive lock on its temporary until it is renamed or removed, and
    the kernel drops the lock when the writer dies; so a lock taken here means the writer
    is gone. Only files whose source file still sits next to them are considered.
    Returns whether the file was removed.
    """
    match = _TEMPORARY_RE.match(path.name)
    if fcntl is None or match is None or not (path.parent / match["name"]).exists():
        return False
    try:
        fd = os.open(path, _OPEN_FLAGS | _NO_FOLLOW)
    except OSError:
        return False
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            return False
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            return False  # a running writer still uses it
        current = os.lstat(path)
        if (current.st_dev, current.st_ino) != (info.st_dev, info.st_ino):
            return False
        os.unlink(path)
        return True
    except OSError:
        return False
    finally:
        os.close(fd)
