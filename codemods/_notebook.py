"""Jupyter notebooks: rewrite the Python in code cells, keep everything else byte-stable.

Only ``code`` cells are touched. IPython syntax is handled conservatively: a cell that
starts with a cell magic (``%%time``) is left alone; line magics and shell escapes
(``%pip``, ``!ls``, ``obj?``) are masked as comments while the cell is rewritten and put
back afterwards; a cell that still is not Python is left alone. The notebook is written
back with the indentation, key order, ASCII escaping and final newline it had.

Code the tool leaves alone may still use names the other cells import (a ``%%time`` cell
calling ``LocalResultHandler``): :func:`opaque_statement` turns every identifier of that
code into one statement the rules see as a use, so those imports are kept, and the runner
reports each such place as a TODO.
"""

from __future__ import annotations

import ast
import json
import keyword
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from codemods._types import Site, SiteStatus, Target

__all__ = [
    "Notebook",
    "NotebookError",
    "hidden_code",
    "identifiers",
    "legacy_bindings",
    "mask_magics",
    "masked_line_numbers",
    "opaque_statement",
    "python_part",
    "unmask_magics",
]

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


_IDENTIFIER = re.compile(r"[^\W\d]\w*")
_HIDDEN_TODO = "IPython code is not rewritten: migrate it by hand"
#: The statement naming what the tool leaves alone (never in a rewritten cell).
OPAQUE_TARGET = "__prefect_result_upgrade_opaque__"


def opaque_statement(texts: Iterable[str]) -> str | None:
    """Return one statement that reads every identifier of ``texts`` (``None``: none).

    Strings and comments count too: the rules then keep every import such code might use.
    """
    names = sorted({name for text in texts for name in identifiers(text)})
    if not names:
        return None
    return f"{OPAQUE_TARGET} = ({', '.join(names)},)"


def identifiers(text: str) -> set[str]:
    """Return the identifiers in ``text`` (keywords excepted), wherever they appear."""
    return {
        name
        for name in _IDENTIFIER.findall(text)
        if not keyword.iskeyword(name) and name != OPAQUE_TARGET
    }


def legacy_bindings(code: str) -> set[str]:
    """Return the names ``code`` imports from a legacy ``result_handlers`` module."""
    try:
        tree = ast.parse(code)
    except (SyntaxError, ValueError):
        return set()
    bound: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and "result_handlers" in (node.module or ""):
            bound.update(a.asname or a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and any(
            a.name == "result_handlers" for a in node.names
        ):
            bound.update(a.asname or a.name for a in node.names if a.name == "result_handlers")
        elif isinstance(node, ast.Import):
            bound.update(
                (a.asname or a.name).split(".")[0]
                for a in node.names
                if "result_handlers" in a.name
            )
    return bound


def python_part(text: str) -> str | None:
    """Return the Python in IPython ``text``: a ``%%time`` body, a ``%time`` statement.

    ``None`` if that is not valid Python (``%%bash``, ``!ls``).
    """
    stripped = text.lstrip()
    if stripped.startswith("%%"):
        body = stripped.partition("\n")[2]
    elif stripped.startswith("%"):
        body = stripped.partition(" ")[2]
    else:
        return None
    try:
        ast.parse(body)
    except (SyntaxError, ValueError):
        return None
    return body


def masked_line_numbers(masked: str) -> list[tuple[int, int]]:
    """Return ``(line number, saved index)`` for each line :func:`mask_magics` hid."""
    found = []
    for number, line in enumerate(masked.split("\n"), start=1):
        match = _MASK_RE.match(line)
        if match:
            found.append((number, int(match.group(2))))
    return found


def hidden_code(
    joined: str,
    hidden: Iterable[tuple[int, int, str]],
    *,
    target: Target,
    select: frozenset[str] | None,
    ignore: frozenset[str],
) -> tuple[str | None, list[tuple[int, Site]]]:
    """Return the statement standing for IPython code, and the TODOs for that code.

    ``hidden`` holds ``(cell, line, text)`` for each piece of code left alone (a cell magic
    cell, a masked line); ``joined`` is the rewritable cells joined as one module. Such code
    is a TODO if it names something imported from the legacy package, or if its Python
    part (the body of ``%%time``, the statement after ``%time``) has a site when read after
    the cells. With the compat target, which keeps the legacy names and runs the legacy
    API as written, only a TODO site or an import (or dotted use) of Prefect counts.
    """
    pieces = list(hidden)
    opaque = opaque_statement(text for _, _, text in pieces)
    # compat keeps the legacy names and runs every site as written, except imports
    # (and dotted uses) of Prefect and what it reports as TODOs.
    legacy = legacy_bindings(joined) if target is Target.PREFECT else frozenset()
    todos = [
        (cell, Site(line, 1, "PRU001", SiteStatus.TODO, _HIDDEN_TODO))
        for cell, line, text in pieces
        if not legacy.isdisjoint(identifiers(text))
        or _has_sites(joined, text, target=target, select=select, ignore=ignore)
    ]
    return (None if opaque is None else opaque + "\n"), todos


def _has_sites(
    joined: str,
    text: str,
    *,
    target: Target,
    select: frozenset[str] | None,
    ignore: frozenset[str],
) -> bool:
    """Return whether the Python part of IPython ``text`` has a site after ``joined``."""
    from codemods import _engine

    if not _engine.may_contain_legacy(text, target):
        return False
    body = python_part(text)
    if body is None:
        return False  # not Python (``%%bash``, ``!cmd``): only the names above count
    start = joined.count("\n")
    try:
        outcome = _engine.transform_source(
            f"{joined}{body}\n", target=target, select=select, ignore=ignore
        )
    except Exception:  # unreadable code is code that needs a look
        return True
    return any(
        site.line > start
        and (
            target is Target.PREFECT
            or site.status is SiteStatus.TODO
            or site.rule == "PRU001"  # an import of Prefect compat would not see moved
        )
        for site in outcome.sites
    )


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
