"""Apply the imports the rules scheduled, where a reviewer (and isort/ruff) expects them.

The rules schedule imports with ``AddImportsVisitor.add_needed_import``; running the
visitor costs more than the rest of a small rewrite, and it puts every new import after the
leading import block, unsorted. Here, among the module-level imports:

* what is already imported is not imported again;
* a scheduled ``from X import Y`` joins an existing ``from X import ...`` wherever it is,
  keeping its names in isort/ruff order (constants, classes, then the rest) if they were;
* any other new import goes into the run of imports (a section: no blank line between
  them) holding the import closest to it (longest common dotted prefix), at its sorted
  place if that run is sorted (``import x`` before ``from x import``), else right after
  that import; with no related import, after the leading import block, as libcst does.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

import libcst as cst
from libcst.codemod.visitors import ImportItem
from libcst.helpers import (
    get_absolute_module_from_package_for_import,
    get_full_name_for_node_or_raise,
)

__all__ = ["add_imports", "member_key", "sort_import_runs", "sorted_aliases"]

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
        added = [
            *(cst.ImportAlias(name=cst.Name(n)) for n in sorted(names)),
            *(
                cst.ImportAlias(name=cst.Name(n), asname=cst.AsName(name=cst.Name(a)))
                for n, a in sorted(pairs)
            ),
        ]
        return imp.with_changes(names=sorted_aliases([*imp.names, *added], imp))

    def empty(self) -> bool:
        return not (self.modules or self.objects or self.module_aliases or self.aliases)


def member_key(name: str) -> tuple[int, str, str]:
    """The order isort/ruff keep names of a ``from`` import in: constants, classes, rest."""
    kind = 0 if name.isupper() and len(name) > 1 else 1 if name[:1].isupper() else 2
    return kind, name.lower(), name


def _alias_key(alias: cst.ImportAlias) -> tuple[int, str, str]:
    return member_key(get_full_name_for_node_or_raise(alias.name))


def sorted_aliases(
    aliases: Sequence[cst.ImportAlias], original: cst.ImportFrom
) -> list[cst.ImportAlias]:
    """Return ``aliases`` for ``original``'s place: sorted if its names were, commas redone.

    Names stay in the given order when ``original``'s were not sorted. The separators copy
    the layout of ``original`` (one line, or one name per line in parentheses), and the
    last name keeps the comma (trailing or none) ``original``'s last name had.
    """
    assert not isinstance(original.names, cst.ImportStar)
    before = list(original.names)
    keys = [_alias_key(a) for a in before]
    ordered = list(aliases)
    if keys == sorted(keys):
        ordered.sort(key=_alias_key)
    if not ordered:
        return ordered
    separator = _separator(original)
    last_comma = before[-1].comma if before else cst.MaybeSentinel.DEFAULT
    return [
        *(a.with_changes(comma=separator) for a in ordered[:-1]),
        ordered[-1].with_changes(comma=last_comma),
    ]


def _separator(original: cst.ImportFrom) -> cst.Comma:
    assert not isinstance(original.names, cst.ImportStar)
    names = list(original.names)
    if len(names) > 1 and isinstance(names[0].comma, cst.Comma):
        return names[0].comma
    if original.lpar is not None and isinstance(
        original.lpar.whitespace_after, cst.ParenthesizedWhitespace
    ):
        return cst.Comma(whitespace_after=original.lpar.whitespace_after)
    return cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))


def _import_module(imp: cst.Import | cst.ImportFrom) -> tuple[bool, str] | None:
    """Return ``(is from-import, module)``, the key isort sorts a section by."""
    if isinstance(imp, cst.Import):
        return False, get_full_name_for_node_or_raise(imp.names[0].name).lower()
    module = get_absolute_module_from_package_for_import(None, imp)
    return None if module is None else (True, module.lower())


def _common_prefix(a: str, b: str) -> int:
    count = 0
    for x, y in zip(a.split("."), b.split(".")):
        if x != y:
            break
        count += 1
    return count


def _place(body: list[cst.BaseStatement], key: tuple[bool, str]) -> int | None:
    """Return where a new import with sort ``key`` goes (``None``: no related import)."""
    imports = {
        index: found
        for index, statement in enumerate(body)
        if (imp := _single_import(statement)) is not None
        and (found := _import_module(imp)) is not None
    }
    best = max(imports, key=lambda i: _common_prefix(imports[i][1], key[1]), default=None)
    if best is None or _common_prefix(imports[best][1], key[1]) == 0:
        return None
    first = best
    while first in imports and not _opens_section(body[first]) and first - 1 in imports:
        first -= 1
    last = best
    while last + 1 in imports and not _opens_section(body[last + 1]):
        last += 1
    run = [imports[i] for i in range(first, last + 1)]
    if run != sorted(run):
        return best + 1
    return first + sum(1 for k in run if k < key)


def sort_import_runs(body: Sequence[cst.BaseStatement]) -> list[cst.BaseStatement]:
    """Sort each section of module-level imports that was sorted before the rewrite.

    A section is a stretch of consecutive imports. A blank line alone above an import
    starts a new one; a blank line above a comment may (isort puts one before a comment
    inside a section too), so such an import joins the section before it when the two
    together were sorted. A section counts as sorted before if it is sorted with
    ``compat`` read as ``prefect``: the compat target moves imports from one root to the
    other, which is what unsorts it. Comments stay with their import; the blank lines
    opening the section stay at its top; an import with a comment above it gets the
    blank line isort wants before the comment, one without none.
    """
    out = list(body)
    index = 0
    while index < len(out):
        end = index
        while end < len(out) and _key(out[end]) is not None:
            end += 1
        if end - index > 1:
            out[index:end] = [s for run in _sections(out[index:end]) for s in _sorted_run(run)]
        index = max(end, index + 1)
    return out


def _sections(block: list[cst.BaseStatement]) -> list[list[cst.BaseStatement]]:
    runs: list[list[cst.BaseStatement]] = []
    for statement in block:
        lines = statement.leading_lines
        blank = any(line.comment is None for line in lines)
        commented = any(line.comment is not None for line in lines)
        if runs and (not blank or (commented and _was_sorted([*runs[-1], statement]))):
            runs[-1].append(statement)
        else:
            runs.append([statement])
    return runs


def _was_sorted(run: list[cst.BaseStatement]) -> bool:
    before = [(k[0], _as_prefect(k[1])) for k in (_key(s) for s in run) if k is not None]
    return before == sorted(before)


def _key(statement: cst.BaseStatement) -> tuple[bool, str] | None:
    imp = _single_import(statement)
    return None if imp is None else _import_module(imp)


def _sorted_run(run: list[cst.BaseStatement]) -> list[cst.BaseStatement]:
    keys = [_key(s) for s in run]
    assert all(k is not None for k in keys)
    if keys == sorted(keys):  # type: ignore[type-var]
        return run
    if not _was_sorted(run):
        return run  # the user's own order
    blank = _blank_prefix(run[0])
    ordered = sorted(
        (s.with_changes(leading_lines=s.leading_lines[len(_blank_prefix(s)) :]) for s in run),
        key=lambda s: _key(s) or (False, ""),
    )
    for index, statement in enumerate(ordered):
        lines = list(statement.leading_lines)
        if index == 0:
            lines = [*blank, *lines]
        elif lines:
            lines = [cst.EmptyLine(), *lines]  # isort keeps a comment after a blank line
        ordered[index] = statement.with_changes(leading_lines=lines)
    return ordered


def _blank_prefix(statement: cst.BaseStatement) -> list[cst.EmptyLine]:
    blank = []
    for line in statement.leading_lines:
        if line.comment is not None:
            break
        blank.append(line)
    return blank


def _as_prefect(module: str) -> str:
    return "prefect" + module[len("compat") :] if module.split(".")[0] == "compat" else module


def _opens_section(statement: cst.BaseStatement) -> bool:
    """Return whether a blank line (not one before a comment) separates this import."""
    lines = statement.leading_lines
    return any(line.comment is None for line in lines) and all(
        line.comment is None for line in lines
    )


def _insert(body: list[cst.BaseStatement], index: int, statement: cst.BaseStatement) -> None:
    """Insert ``statement`` at ``index``; the run's blank lines stay before the run."""
    if (
        index < len(body)
        and _single_import(body[index]) is not None
        and _opens_section(body[index])
    ):
        following = body[index]
        blank = [line for line in following.leading_lines if line.comment is None]
        if blank and following.leading_lines[: len(blank)] == blank:
            statement = statement.with_changes(leading_lines=blank)
            body[index] = following.with_changes(
                leading_lines=following.leading_lines[len(blank) :]
            )
    body.insert(index, statement)


def add_imports(module: cst.Module, items: Sequence[ImportItem]) -> cst.Module:
    """Return ``module`` with the scheduled ``items`` imported (see the module docstring)."""
    wanted = _Wanted(items)
    body = list(module.body)
    start = 1 if _skip_first(body) else 0
    end = start
    for statement in body[start:]:
        if _single_import(statement) is None:
            break
        end += 1
    top = [(i, imp) for i, s in enumerate(body) if (imp := _single_import(s)) is not None]
    wanted.drop_present([imp for _, imp in top])
    for index, imp in top:
        if isinstance(imp, cst.ImportFrom):
            merged = wanted.merge(imp)
            if merged is not imp:
                statement = body[index]
                assert isinstance(statement, cst.SimpleStatementLine)
                body[index] = statement.with_changes(body=[merged])
    if wanted.empty():
        return module.with_changes(body=body)
    config = module.config_for_parsing
    grouped: defaultdict[str, list[tuple[str, str | None]]] = defaultdict(list)
    for name, pairs in wanted.aliases.items():
        grouped[name].extend(pairs)
    for name, names in wanted.objects.items():
        grouped[name].extend((n, None) for n in names)
    new: list[tuple[tuple[bool, str], str]] = [
        ((False, n.lower()), f"import {n}") for n in sorted(wanted.modules)
    ]
    new += [((False, n.lower()), f"import {n} as {a}") for n, a in wanted.module_aliases.items()]
    for name, pairs in grouped.items():
        listed = ", ".join(
            n if a is None else f"{n} as {a}" for n, a in sorted(pairs, key=_pair_key)
        )
        new.append(((True, name.lower()), f"from {name} import {listed}"))
    unplaced: list[cst.BaseStatement] = []
    for key, text in new:
        statement = cst.parse_statement(text, config=config)
        index = None if key[1] == "__future__" else _place(body, key)
        if index is None:
            unplaced.append(statement)
            continue
        _insert(body, index, statement)
        if index <= end:
            end += 1
    if not unplaced:
        return module.with_changes(body=sort_import_runs(body))
    after = body[end:]
    if after:
        first = after[0]
        if not first.leading_lines:
            after[0] = first.with_changes(leading_lines=(cst.EmptyLine(),))
        elif first.leading_lines[0].comment is not None:
            after[0] = first.with_changes(leading_lines=(cst.EmptyLine(), *first.leading_lines))
    return module.with_changes(body=(*body[:end], *unplaced, *after))


def _pair_key(pair: tuple[str, str | None]) -> tuple[int, str, str]:
    return member_key(pair[0])
