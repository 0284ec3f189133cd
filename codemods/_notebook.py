"""Jupyter notebooks: rewrite the Python in code cells, keep everything else byte-stable.

Only ``code`` cells are touched. IPython syntax is handled conservatively: a cell that
starts with a cell magic (``%%time``) is left alone; line magics and shell escapes
(``%pip``, ``!ls``, ``obj?``) are masked as comments while the cell is rewritten and put
back afterwards; a cell that still is not Python is left alone. The notebook is written
back with the indentation, key order, ASCII escaping and final newline it had.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

__all__ = ["Notebook", "NotebookError", "mask_magics", "unmask_magics"]

_MASK = "# prefect-result-upgrade-ipython-line-{index}"
_MASK_RE = re.compile(r"^([ \t]*)# prefect-result-upgrade-ipython-line-(\d+)$")


class NotebookError(ValueError):
    """The file is not a notebook the tool can read."""


def mask_magics(source: str) -> tuple[str, list[str]] | None:
    """Replace IPython-only lines by placeholder comments; ``None`` for cell magics."""
    if source.lstrip().startswith("%%"):
        return None
    saved: list[str] = []
    out: list[str] = []
    for line in source.split("\n"):
        if _is_ipython(line):
            indent = line[: len(line) - len(line.lstrip(" \t"))]
            out.append(indent + _MASK.format(index=len(saved)))
            saved.append(line)
        else:
            out.append(line)
    return "\n".join(out), saved


def _is_ipython(line: str) -> bool:
    stripped = line.strip()
    if stripped.startswith(("%", "!")):
        return True
    # ``obj?`` / ``obj??`` help syntax: a bare name followed by question marks.
    return bool(re.fullmatch(r"[\w.]+\?\??", stripped))


def unmask_magics(source: str, saved: list[str]) -> str:
    """Put the lines hidden by :func:`mask_magics` back."""
    if not saved:
        return source
    out = []
    for line in source.split("\n"):
        match = _MASK_RE.match(line)
        out.append(saved[int(match.group(2))] if match else line)
    return "\n".join(out)


@dataclass
class Notebook:
    """A parsed notebook plus the JSON layout needed to write it back unchanged."""

    data: dict[str, Any]
    indent: int | str | None
    ensure_ascii: bool
    trailing_newline: bool

    @classmethod
    def parse(cls, text: str) -> Notebook:
        """Parse notebook JSON and record its layout."""
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise NotebookError(
                f"is not valid notebook JSON (line {exc.lineno}: {exc.msg}); "
                "fix or exclude the notebook"
            ) from exc
        if not isinstance(data, dict) or not isinstance(data.get("cells"), list):
            raise NotebookError("is not a Jupyter notebook (no 'cells' list); exclude it")
        return cls(
            data=data,
            indent=_detect_indent(text),
            ensure_ascii=_detect_ascii(text),
            trailing_newline=text.endswith("\n"),
        )

    def code_cells(self) -> list[tuple[int, str]]:
        """``(cell index, source text)`` for every code cell."""
        cells: list[tuple[int, str]] = []
        for index, cell in enumerate(self.data["cells"]):
            if isinstance(cell, dict) and cell.get("cell_type") == "code":
                source = cell.get("source", "")
                cells.append((index, "".join(source) if isinstance(source, list) else str(source)))
        return cells

    def set_source(self, index: int, text: str) -> None:
        """Store ``text`` in cell ``index`` in the shape (list or string) it had."""
        cell = self.data["cells"][index]
        if isinstance(cell.get("source"), list):
            cell["source"] = text.splitlines(keepends=True)
        else:
            cell["source"] = text

    def dumps(self) -> str:
        """Serialise with the layout the notebook had."""
        text = json.dumps(self.data, indent=self.indent, ensure_ascii=self.ensure_ascii)
        return text + "\n" if self.trailing_newline else text


def _detect_indent(text: str) -> int | str | None:
    lines = text.split("\n", 2)
    if len(lines) < 2 or not lines[0].rstrip().endswith("{"):
        return None
    second = lines[1]
    indent = second[: len(second) - len(second.lstrip(" \t"))]
    if not indent:
        return 0
    return len(indent) if set(indent) == {" "} else indent


def _detect_ascii(text: str) -> bool:
    if any(ord(ch) > 127 for ch in text):
        return False
    return "\\u" in text
