"""A small ``.gitignore`` matcher (the subset of gitignore(5) that real projects use).

Supported: comments, blank lines, ``!`` negation, trailing ``/`` (directories only),
anchoring by a leading or inner ``/``, ``*``, ``?``, ``[...]`` classes, ``**`` in all three
positions, backslash escapes and trailing-space trimming. Patterns are matched against
paths relative to the directory of the file that holds them; the last match wins.
No ``git`` binary is needed, so the tool behaves the same in a fresh CI checkout, an
exported tarball and a repository.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from codemods._source import read_source

__all__ = ["IgnoreFile", "IgnorePattern", "compile_pattern", "parse_lines"]


@dataclass(frozen=True)
class IgnorePattern:
    """One compiled pattern line."""

    regex: re.Pattern[str]
    negated: bool
    dir_only: bool
    source: str


def _translate_segment(seg: str) -> str:
    out: list[str] = []
    i, n = 0, len(seg)
    while i < n:
        c = seg[i]
        if c == "\\" and i + 1 < n:
            out.append(re.escape(seg[i + 1]))
            i += 2
            continue
        if c == "*":
            out.append("[^/]*")
        elif c == "?":
            out.append("[^/]")
        elif c == "[":
            end = seg.find("]", i + 2 if seg[i + 1 : i + 2] in ("!", "^") else i + 1)
            if end == -1:
                out.append(re.escape(c))
            else:
                body = seg[i + 1 : end]
                if body[:1] in ("!", "^"):
                    body = "^" + body[1:]
                out.append("[" + body.replace("\\", "\\\\") + "]")
                i = end + 1
                continue
        else:
            out.append(re.escape(c))
        i += 1
    return "".join(out)


def compile_pattern(line: str) -> IgnorePattern | None:
    """Compile one ``.gitignore`` line; ``None`` for blanks and comments."""
    raw = line.rstrip("\n").rstrip("\r")
    # Trailing spaces are ignored unless escaped with a backslash.
    stripped = raw.rstrip(" ")
    if stripped.endswith("\\") and len(stripped) < len(raw):
        stripped += " "
    pat = stripped
    if not pat or pat.startswith("#"):
        return None
    negated = pat.startswith("!")
    if negated or pat.startswith(("\\!", "\\#")):
        pat = pat[1:]
    dir_only = pat.endswith("/")
    pat = pat.rstrip("/")
    if not pat:
        return None
    anchored = "/" in pat
    pat = pat.lstrip("/")
    segs = pat.split("/")
    parts: list[str] = [] if anchored else ["(?:[^/]*/)*"]
    for index, seg in enumerate(segs):
        last = index == len(segs) - 1
        if seg == "**":
            parts.append(".*" if last else "(?:[^/]*/)*")
        else:
            parts.append(_translate_segment(seg) + ("" if last else "/"))
    regex = re.compile("^" + "".join(parts) + "$", re.DOTALL)
    return IgnorePattern(regex=regex, negated=negated, dir_only=dir_only, source=raw)


def parse_lines(lines: Iterable[str]) -> tuple[IgnorePattern, ...]:
    """Compile every meaningful line of an ignore file."""
    compiled = (compile_pattern(line) for line in lines)
    return tuple(p for p in compiled if p is not None)


@dataclass(frozen=True)
class IgnoreFile:
    """The patterns of one ignore file and the directory they are relative to."""

    base: Path
    patterns: tuple[IgnorePattern, ...]

    @classmethod
    def read(cls, path: Path, base: Path | None = None) -> IgnoreFile:
        """Read ``path``; unreadable files count as empty (git does the same).

        Only a regular file is read (a FIFO in its place must not block the walk).
        """
        try:
            text = read_source(path).data.decode("utf-8", errors="replace")
        except OSError:
            text = ""
        return cls(
            base=base if base is not None else path.parent, patterns=parse_lines(text.splitlines())
        )

    def match(self, path: Path, *, is_dir: bool) -> bool | None:
        """``True`` ignored, ``False`` re-included by ``!``, ``None`` no pattern applies."""
        try:
            rel = path.relative_to(self.base).as_posix()
        except ValueError:
            return None
        if rel in ("", "."):
            return None
        verdict: bool | None = None
        for pattern in self.patterns:
            if pattern.dir_only and not is_dir:
                continue
            if pattern.regex.match(rel):
                verdict = not pattern.negated
        return verdict
