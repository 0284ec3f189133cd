"""Lines as Python counts them: ended by ``\\r\\n``, ``\\r`` or ``\\n`` and nothing else.

``str.splitlines`` also breaks at form feeds, ``\\x1c``-``\\x1e``, ``\\x85`` and
``\\u2028``/``\\u2029``, which Python's tokenizer (and so every line number from ``ast``
and libcst) treats as ordinary characters; using it would shift line numbers.
"""

from __future__ import annotations

import re

__all__ = ["LINE", "ending", "line_count", "split_lines"]

#: One line with its ending (the last line may have none).
LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$")
_ENDING = re.compile(r"\r\n|\r|\n")


def split_lines(text: str) -> list[str]:
    """Return the lines of ``text`` without their endings (like ``str.splitlines``)."""
    return [line.rstrip("\r\n") for line in LINE.findall(text)]


def ending(line: str) -> str:
    """Return the line ending ``line`` (one element of ``LINE.findall``) ends with."""
    return line[len(line.rstrip("\r\n")) :]


def line_count(text: str) -> int:
    """Return the number of line endings in ``text``."""
    return len(_ENDING.findall(text))
