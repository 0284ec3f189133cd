"""Apply the imports the rules scheduled, exactly as libcst's ``AddImportsVisitor`` does.

The rules schedule imports with ``AddImportsVisitor.add_needed_import``; running the
visitor costs more than the rest of a small rewrite (matcher set-up, a gathering visitor,
a traversal). It reads and changes only the leading import block (after a docstring or
``__strict__`` flag), so this does the same on that block directly: a scheduled
``from X import Y`` joins the first ``from X import ...`` of the block (new names first,
sorted), everything else is inserted after the block, and the statement after the
insertion gets an empty line before it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

import libcst as cst
from libcst.codemod.visitors import ImportItem
from libcst.helpers import get_absolute_module_from_package_for_import

__all__ = ["add_imports"]

_Statement = cst.SimpleStatementLine | cst.BaseCompoundStatement


def _skip_first(body: Sequence[cst.BaseStatement]) -> bool:
    """Return whether the module starts with a docstring or a ``__strict__`` flag."""
    if not body or not isinstance(body[0], cst.SimpleStatementLine) or len(body[0].body) != 1:
        return False
    small = body[0].body[0]
    if isinstance(small, cst.Expr):
        return isinstance(small.value, cst.SimpleString)
    return (
        isinstance(small, cst.Assign)
        and len(small.targets) == 1
        and isinstance(small.targets[0].target, cst.Name)
        and small.targets[0].target.value == "__strict__"
    )


def _single_import(statement: cst.BaseStatement) -> cst.Import | cst.ImportFrom | None:
    if (
        isinstance(statement, cst.SimpleStatementLine)
        and len(statement.body) == 1
        and isinstance(statement.body[0], cst.Import | cst.ImportFrom)
    ):
        return statement.body[0]
    return None


class _Wanted:
    """The scheduled imports, minus those the leading block already has."""

    def __init__(self, items: Sequence[ImportItem]) -> None:
        imps = []
        for imp in items:
            if imp.module == "__future__" and imp.obj_name is None:
                raise ValueError("Cannot import __future__ directly!")
            if imp.module == "__future__" and imp.alias is not None:
                raise ValueError("Cannot import __future__ objects with aliases!")
            imps.append(imp.resolve_relative(None))
        self.modules = {i.module for i in imps if i.obj_name is None and i.alias is None}
        self.objects: dict[str, set[str]] = {
            module: {
                i.obj_name
                for i in imps
                if i.module == module and i.obj_name is not None and i.alias is None
            }
            for module in sorted(
                {i.module for i in imps if i.obj_name is not None and i.alias is None}
            )
        }
        self.module_aliases = {
            i.module: i.alias for i in imps if i.obj_name is None and i.alias is not None
        }
        self.aliases: dict[str, list[tuple[str, str]]] = {
            module: [
                (i.obj_name, i.alias)
                for i in imps
                if i.module == module and i.obj_name is not None and i.alias is not None
            ]
            for module in sorted(
                {i.module for i in imps if i.obj_name is not None and i.alias is not None}
            )
        }

    def drop_present(self, block: Sequence[cst.Import | cst.ImportFrom]) -> None:
        """Forget what ``block`` already imports (the visitor's gathering step)."""
        modules: set[str] = set()
        module_aliases: dict[str, str] = {}
        aliases: dict[str, list[tuple[str, str]]] = {}
        objects: dict[str, set[str]] = {}
        for imp in block:
            if isinstance(imp, cst.Import):
                for name in imp.names:
                    if name.evaluated_alias is not None:
                        module_aliases[name.evaluated_name] = name.evaluated_alias
                    else:
                        modules.add(name.evaluated_name)
                continue
            module = get_absolute_module_from_package_for_import(None, imp)
            if module is None:
                continue
            if isinstance(imp.names, cst.ImportStar):
                objects[module] = set("*")
                continue
            new_aliases = [
                (a.evaluated_name, a.evaluated_alias) for a in imp.names if a.asname is not None
            ]
            if new_aliases:
                aliases.setdefault(module, []).extend(new_aliases)  # type: ignore[arg-type]
            new_objects = {a.evaluated_name for a in imp.names if a.asname is None}
            if new_objects:
                objects.setdefault(module, set())
                if "*" in objects[module]:
                    objects[module] = set("*")
                    continue
                objects[module].update(new_objects)
        self.modules -= modules
        for module, alias in module_aliases.items():
            if module in self.module_aliases and self.module_aliases[module] == alias:
                del self.module_aliases[module]
        for module, pairs in aliases.items():
            for pair in pairs:
                if module in self.aliases and pair in self.aliases[module]:
                    self.aliases[module].remove(pair)
                    if not self.aliases[module]:
                        del self.aliases[module]
        for module, names in objects.items():
            if module not in self.objects:
                continue
            if "*" in names:
                del self.objects[module]
            else:
                self.objects[module] = self.objects[module] - names
                if not self.objects[module]:
                    del self.objects[module]

    def merge(self, imp: cst.ImportFrom) -> cst.ImportFrom:
        """Add the wanted names of ``imp``'s module to it, once per module."""
        if isinstance(imp.names, cst.ImportStar):
            return imp
        module = get_absolute_module_from_package_for_import(None, imp)
        if module is None or (module not in self.objects and module not in self.aliases):
            return imp
        names = self.objects.pop(module, set())
        pairs = self.aliases.pop(module, [])
        return imp.with_changes(
            names=[
                *(cst.ImportAlias(name=cst.Name(n)) for n in sorted(names)),
                *(
                    cst.ImportAlias(name=cst.Name(n), asname=cst.AsName(name=cst.Name(a)))
                    for n, a in sorted(pairs)
                ),
                *imp.names,
            ]
        )

    def empty(self) -> bool:
        return not (self.modules or self.objects or self.module_aliases or self.aliases)


def add_imports(module: cst.Module, items: Sequence[ImportItem]) -> cst.Module:
    """Return ``module`` with the scheduled ``items`` imported (see the module docstring)."""
    wanted = _Wanted(items)
    body = list(module.body)
    start = 1 if _skip_first(body) else 0
    end = start
    block: list[cst.Import | cst.ImportFrom] = []
    for statement in body[start:]:
        imp = _single_import(statement)
        if imp is None:
            break
        block.append(imp)
        end += 1
    wanted.drop_present(block)
    for index in range(start, end):
        imp = block[index - start]
        if isinstance(imp, cst.ImportFrom):
            merged = wanted.merge(imp)
            if merged is not imp:
                statement = body[index]
                assert isinstance(statement, cst.SimpleStatementLine)
                body[index] = statement.with_changes(body=[merged])
    if wanted.empty():
        return module.with_changes(body=body)
    after = body[end:]
    if after:
        first = after[0]
        if not first.leading_lines:
            after[0] = first.with_changes(leading_lines=(cst.EmptyLine(),))
        elif first.leading_lines[0].comment is not None:
            after[0] = first.with_changes(leading_lines=(cst.EmptyLine(), *first.leading_lines))
    grouped: defaultdict[str, list[tuple[str, str | None]]] = defaultdict(list)
    for name, pairs in wanted.aliases.items():
        grouped[name].extend(pairs)
    for name, names in wanted.objects.items():
        grouped[name].extend((n, None) for n in names)
    ordered = {name: sorted(pairs) for name, pairs in grouped.items()}  # type: ignore[type-var]
    config = module.config_for_parsing

    def from_import(name: str, pairs: list[tuple[str, str | None]]) -> cst.BaseStatement:
        listed = ", ".join(n if a is None else f"{n} as {a}" for n, a in pairs)
        return cst.parse_statement(f"from {name} import {listed}", config=config)

    return module.with_changes(
        body=(
            *body[:start],
            *(from_import(n, p) for n, p in ordered.items() if n == "__future__"),
            *body[start:end],
            *(cst.parse_statement(f"import {n}", config=config) for n in sorted(wanted.modules)),
            *(
                cst.parse_statement(f"import {n} as {a}", config=config)
                for n, a in wanted.module_aliases.items()
            ),
            *(from_import(n, p) for n, p in ordered.items() if n != "__future__"),
            *after,
        )
    )
