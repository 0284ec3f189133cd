"""Reading and writing source files without disturbing their bytes.

A codemod that changes one line must not change anything else: the byte-order mark, the
newline style and the file mode survive a rewrite, and a write is atomic (a temporary file
in the same directory, then ``os.replace``), so a crash never leaves a half-written file.
"""

from __future__ import annotations

import contextlib
import os
import re
import stat
import tempfile
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "DecodedSource",
    "SourceDecodeError",
    "atomic_write",
    "decode_source",
    "encode_source",
]

_BOM = b"\xef\xbb\xbf"
# PEP 263: a coding cookie on one of the first two lines.
_CODING_RE = re.compile(rb"^[ \t\f]*#.*?coding[:=][ \t]*([-\w.]+)")
_UTF8_NAMES = frozenset({"utf-8", "utf8", "utf_8", "utf-8-sig", "u8"})


class SourceDecodeError(UnicodeError):
    """A file is not UTF-8, so it cannot be rewritten safely."""


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


def decode_source(data: bytes) -> DecodedSource:
    """Decode ``data`` as UTF-8 (with or without BOM), recording its newline style.

    Raises :class:`SourceDecodeError` for undecodable bytes or a non-UTF-8 coding cookie.
    """
    bom = data.startswith(_BOM)
    body = data[len(_BOM) :] if bom else data
    for line in body.split(b"\n", 2)[:2]:
        match = _CODING_RE.match(line)
        if match:
            name = match.group(1).decode("ascii", "replace").lower()
            if name not in _UTF8_NAMES:
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
    return DecodedSource(text=text, bom=bom, crlf=crlf)


def encode_source(text: str, like: DecodedSource) -> bytes:
    """Encode ``text`` with the BOM and newline style of the original ``like``."""
    if like.crlf:
        text = text.replace("\r\n", "\n").replace("\n", "\r\n")
    data = text.encode("utf-8")
    return _BOM + data if like.bom else data


def atomic_write(path: Path, data: bytes) -> None:
    """Replace the contents of ``path`` with ``data`` atomically, keeping its permissions.

    The bytes go to a temporary file next to the target (same filesystem), are flushed to
    disk, get the original mode bits, and then replace the target in one ``os.replace``.
    On any failure the temporary file is removed and the original is left as it was.
    Symbolic links are followed: the file they point to is replaced, the link is kept.
    """
    target = Path(os.path.realpath(path))
    mode = stat.S_IMODE(target.stat().st_mode)
    fd, tmp_name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp_name, mode)
        os.replace(tmp_name, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp_name)
        raise
