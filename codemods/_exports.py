"""What the names of project modules stand for: re-exports and module-level aliases.

Teams expose their task and handler classes through a package's ``__init__.py``
(``from .sql import SqlTask``) and rename them (``Root = base.Base``, ``from prefect import
task as prefect_task``). The project index (:mod:`codemods._project`) reads these bindings
with a few patterns over the texts it holds already (no parse), and follows them, chained,
to the module that defines the name: ``wh.tasks.SqlTask`` is ``wh.tasks.sql.SqlTask``.

A name bound to two different things (``try``/``except ImportError`` fallbacks, a rebinding)
is ambiguous and followed no further: the rules then treat it as unknown, which is a TODO,
never a guess.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

__all__ = ["Bindings", "assigns_any", "read_bindings"]

#: ``from module import names`` at the start of a line (a parenthesised list may span lines).
FROM_IMPORT = re.compile(
    r"^[ \t]*from[ \t]+(\.*[\w.]*)[ \t]+import[ \t]+(\([^)]*\)|[^\n;#]*)", re.MULTILINE
)
#: ``import a.b as c`` at the start of a line.
_IMPORT = re.compile(r"^[ \t]*import[ \t]+([^\n;#]*)", re.MULTILINE)
#: ``Name = dotted.name`` at module level (column 0), alone on its line.
_ASSIGNED = re.compile(r"^(\w+)[ \t]*=[ \t]*([A-Za-z_][\w.]*)[ \t]*(?:#[^\n]*)?$", re.MULTILINE)
_CONSTANTS = frozenset({"None", "True", "False"})
#: Longer chains than this are not followed (a cycle the visited set misses cannot be).
_MAX_HOPS = 32


def assigns_any(text: str, names: Iterable[str]) -> bool:
    """Whether a module-level ``Name = dotted.name`` of ``text`` binds one of ``names``."""
    alternatives = "|".join(map(re.escape, names))
    pattern = r"^(?:" + alternatives + r")[ \t]*=[ \t]*[A-Za-z_][\w.]*[ \t]*(?:#[^\n]*)?$"
    return bool(alternatives) and re.search(pattern, text, re.MULTILINE) is not None


@dataclass
class Bindings:
    """Each module's bound names: what qualified name each stands for (``None``: ambiguous)."""

    table: dict[str, dict[str, str | None]] = field(default_factory=dict)
    #: The names other modules import from each module by name (``from M import name``).
    imported: dict[str, set[str]] = field(default_factory=dict)
    #: The texts whose module-level aliases (``Root = base.Base``) are not read yet: only
    #: when a name of the module is looked up and no import binds it (they are rare, and
    #: reading them in every module would cost more than the imports).
    unread: dict[str, str] = field(default_factory=dict)

    def bind(self, module: str, name: str, target: str) -> None:
        names = self.table.setdefault(module, {})
        if name in names and names[name] != target:
            names[name] = None
        else:
            names[name] = target

    def follow(self, qname: str, stop: Callable[[str], bool] = lambda _: False) -> str:
        """The qualified name ``qname`` stands for, through every binding on the way (up to a
        name ``stop`` accepts, a name no module binds, or an ambiguous one)."""
        return self.chain(qname, stop)[-1]

    def chain(self, qname: str, stop: Callable[[str], bool] = lambda _: False) -> list[str]:
        """``qname`` and every name :meth:`follow` passes through, in order."""
        found = [qname]
        while len(found) < _MAX_HOPS and not stop(qname):
            step = self._step(qname)
            if step is None or step in found:
                break
            qname = step
            found.append(qname)
        return found

    def _step(self, qname: str) -> str | None:
        """One binding: ``pkg.mod.Name.rest`` -> what ``Name`` stands for in ``pkg.mod``."""
        parts = qname.split(".")
        for end in range(len(parts) - 1, 0, -1):
            module = ".".join(parts[:end])
            names = self.table.get(module)
            if names is not None:
                if parts[end] not in names and module in self.unread:
                    _read_assignments(self, module, self.unread.pop(module))
                target = names.get(parts[end])
                return ".".join([target, *parts[end + 1 :]]) if target else None
        return None

    def entries(self) -> list[tuple[str, str]]:
        """Every ``(module, name)`` bound to one thing (by an import, or by an alias read)."""
        return [
            (module, name)
            for module, names in self.table.items()
            for name, target in names.items()
            if target is not None
        ]


def read_bindings(modules: Iterable[tuple[str, str, str]], known: set[str]) -> Bindings:
    """The bindings of ``modules`` (``(module, package, text)``), and the names imported by
    name from each of ``known`` (the indexed modules)."""
    from codemods._cst.names import ROOTS

    found = Bindings()
    # Only a project module or Prefect's (compat's) can bind a name the index follows: the
    # rest (``from typing import Any``) is not recorded, which keeps the pass cheap.
    roots = {module.partition(".")[0] for module in known} | set(ROOTS)
    for module, package, text in modules:
        found.table.setdefault(module, {})
        if "import" in text:
            _read_imports(found, module, package, text, known, roots)
        if "=" in text and module == package:  # a package's interface: read at once
            _read_assignments(found, module, text)
        elif "=" in text:
            found.unread[module] = text
    return found


def _read_imports(
    found: Bindings, module: str, package: str, text: str, known: set[str], roots: set[str]
) -> None:
    from codemods._project import resolve

    for match in FROM_IMPORT.finditer(text):
        source = resolve(match.group(1), package) if match.group(1) else ""
        if source.partition(".")[0] not in roots:
            continue
        listed = re.sub(r"#[^\n]*", "", match.group(2)).strip("() \t\n")
        for item in listed.split(","):
            words = item.split()
            if not words or not words[0].isidentifier():
                continue
            name = words[0]
            bound = words[2] if len(words) == 3 and words[1] == "as" else name
            if source in known:
                found.imported.setdefault(source, set()).add(name)
            if bound.isidentifier():
                found.bind(module, bound, f"{source}.{name}")
    if " as " not in text:
        return
    for match in _IMPORT.finditer(text):
        for item in match.group(1).split(","):
            words = item.split()
            named = len(words) == 3 and words[1] == "as" and words[2].isidentifier()
            if named and words[0].partition(".")[0] in roots:
                found.bind(module, words[2], words[0])


def _read_assignments(found: Bindings, module: str, text: str) -> None:
    names = found.table[module]
    for match in _ASSIGNED.finditer(text):
        name, value = match.groups()
        first, _, rest = value.partition(".")
        if value in _CONSTANTS or name == first:
            continue
        base = names.get(first) if first in names else f"{module}.{first}" if module else first
        if base:
            found.bind(module, name, f"{base}.{rest}" if rest else base)
