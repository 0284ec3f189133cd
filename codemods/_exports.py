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

__all__ = ["Bindings", "read_bindings"]

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


def assigned_names(text: str) -> set[str]:
    """The names a module-level ``Name = dotted.name`` binds in ``text``."""
    return {m.group(1) for m in _ASSIGNED.finditer(text) if m.group(2) not in _CONSTANTS}


@dataclass
class Bindings:
    """Each module's bound names: what qualified name each stands for (``None``: ambiguous)."""

    table: dict[str, dict[str, str | None]] = field(default_factory=dict)
    #: The names other modules import from each module by name (``from M import name``).
    imported: dict[str, set[str]] = field(default_factory=dict)

    def bind(self, module: str, name: str, target: str) -> None:
        names = self.table.setdefault(module, {})
        if name in names and names[name] != target:
            names[name] = None
        else:
            names[name] = target

    def follow(self, qname: str, stop: Callable[[str], bool] = lambda _: False) -> str:
        """The qualified name ``qname`` stands for, through every binding on the way (up to a
        name ``stop`` accepts, a name no module binds, or an ambiguous one)."""
        seen: set[str] = set()
        while qname not in seen and len(seen) < _MAX_HOPS and not stop(qname):
            seen.add(qname)
            step = self._step(qname)
            if step is None:
                break
            qname = step
        return qname

    def _step(self, qname: str) -> str | None:
        """One binding: ``pkg.mod.Name.rest`` -> what ``Name`` stands for in ``pkg.mod``."""
        parts = qname.split(".")
        for end in range(len(parts) - 1, 0, -1):
            names = self.table.get(".".join(parts[:end]))
            if names is not None:
                target = names.get(parts[end])
                return ".".join([target, *parts[end + 1 :]]) if target else None
        return None

    def entries(self) -> Iterable[tuple[str, str]]:
        """Every ``(module, name)`` bound to one thing."""
        for module, names in self.table.items():
            for name, target in names.items():
                if target is not None:
                    yield module, name


def read_bindings(modules: Iterable[tuple[str, str, str]], known: set[str]) -> Bindings:
    """The bindings of ``modules`` (``(module, package, text)``), and the names imported by
    name from each of ``known`` (the indexed modules)."""
    from codemods._project import resolve

    found = Bindings()
    for module, package, text in modules:
        found.table.setdefault(module, {})
        if "import" in text:
            _read_imports(found, module, package, text, known, resolve)
        if "=" in text:
            _read_assignments(found, module, text)
    return found


def _read_imports(
    found: Bindings,
    module: str,
    package: str,
    text: str,
    known: set[str],
    resolve: Callable[[str, str], str],
) -> None:
    for match in FROM_IMPORT.finditer(text):
        source = resolve(match.group(1), package) if match.group(1) else ""
        if not source:
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
    for match in _IMPORT.finditer(text):
        for item in match.group(1).split(","):
            words = item.split()
            if len(words) == 3 and words[1] == "as" and words[2].isidentifier():
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
