"""PRU001: imports from ``prefect.engine.result_handlers`` move to ``prefect.engine.results``.

Two passes share the code:

* :class:`StarImportRule` runs **first**: ``from ...result_handlers import *`` is resolved
  against the known public names of the legacy package (a closed set), so every later rule
  sees qualified names instead of unresolvable ones.
* :class:`ImportRule` runs **last**, once PRU002–PRU005 rewrote the uses: an imported
  handler whose uses are all gone (or were all converted keeping the user's alias, see
  ``constructors.KEPT_BINDINGS``) is imported from the results package under its ``Result``
  name, alias kept, in place (comments and layout around it stay). A name still used as a
  handler (``isinstance``, a string annotation, ``__all__``, a call that got a TODO) keeps
  its legacy import: removing it would break the code.

For the compat target, imports of names that ``compat`` mirrors move from ``prefect`` to
``compat`` as well, so the file runs on compat alone. Relative imports are left alone.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

import libcst as cst
from libcst.codemod.visitors import AddImportsVisitor
from libcst.helpers import get_full_name_for_node_or_raise
from libcst.metadata import ScopeProvider

from codemods._catalogue import Rule
from codemods._cst import names as _names
from codemods._cst.add_imports import sort_import_runs, sorted_aliases
from codemods._cst.base import RuleTransformer, missing_todos
from codemods._cst.metadata import IMPORT
from codemods._types import SiteStatus, Target
from compat.conversion_table import (
    HANDLER_MODULES,
    HANDLER_NAMES,
    HANDLERS_MODULE,
    RESULTS_MODULE,
    conversion_for,
)

from .constructors import KEPT_BINDINGS, module_all_names
from .legacy_results import REWRITTEN_AWAY

__all__ = ["ImportRule", "StarImportRule"]

# `import *`, possibly across a line continuation (a superset of the real spellings).
_STAR_IMPORT = re.compile(r"\bimport[\s\\]*\*")


_NEEDS_PREFECT = "`{module}` is still used: needs Prefect"
_COMPAT_LACKS = "compat lacks {uses}"
_COMPAT_TAKEN = "`compat` is taken here: {uses} kept on Prefect"
_GIVEN_COMPAT = "Prefect's `{callee}` gets compat objects"


def _dotted(name: str) -> cst.Attribute | cst.Name:
    node = cst.parse_expression(name)
    assert isinstance(node, cst.Attribute | cst.Name)
    return node


class StarImportRule(RuleTransformer):
    """Resolve ``from <root>.engine.result_handlers import *`` to the names the file uses."""

    rule = Rule.PRU001
    TRIGGERS = frozenset({"result_handlers"})

    @classmethod
    def applies(cls, code: str, target: Target) -> bool:
        return "result_handlers" in code and _STAR_IMPORT.search(code) is not None

    def visit_Module(self, node: cst.Module) -> None:
        super().visit_Module(node)
        self.unresolved = {
            n.value
            for n in self.find(node, cst.Name)
            if n.value in HANDLER_NAMES and not self.qnames(n)
        }

    def leave_ImportFrom(
        self, original_node: cst.ImportFrom, updated_node: cst.ImportFrom
    ) -> cst.ImportFrom:
        if not isinstance(original_node.names, cst.ImportStar) or original_node.module is None:
            return updated_node
        if original_node.relative:
            return updated_node
        module = get_full_name_for_node_or_raise(original_node.module)
        if _names.handlers_module_root(module) is None:
            return updated_node
        sub = module.rsplit(".", 1)[-1]
        package = module.endswith(HANDLERS_MODULE)
        names = sorted(n for n in self.unresolved if package or HANDLER_MODULES.get(n) == sub)
        if not names:
            self.todo(
                original_node,
                "unused star import of the legacy handlers: remove it",
            )
            return updated_node
        self.rewritten(original_node, f"star import resolved to {', '.join(names)}")
        aliases = [cst.ImportAlias(name=cst.Name(n)) for n in names]
        aliases[-1] = aliases[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
        return updated_node.with_changes(names=aliases, lpar=None, rpar=None)


class ImportRule(RuleTransformer):
    """Retarget legacy imports once the other rules rewrote their uses."""

    rule = Rule.PRU001
    TRIGGERS = frozenset({IMPORT})

    @classmethod
    def applies(cls, code: str, target: Target) -> bool:
        # Imports of the handlers package name it; for compat, `prefect` imports move.
        return "result_handlers" in code or (target is Target.COMPAT and "prefect" in code)

    def visit_Module(self, node: cst.Module) -> None:
        super().visit_Module(node)
        self.all_names = module_all_names(node)
        self.module_node = node
        self.kept: set[str] = self.state.scratch.get(KEPT_BINDINGS, set())
        self._carry: list[cst.EmptyLine] = []
        self._renamed_roots: dict[cst.Name, str] = {}
        self._call_todos: set[cst.CSTNode] = set()
        self._inserts: dict[cst.CSTNode, tuple[list[str], bool]] = {}
        # Whether a module-level legacy import without `as` names became the module's import
        # of the results: the later ones join it (see `_from_handlers`).
        self._results_imported = False
        self.dotted_roots: set[str] = set()
        for attr in self.find(node, cst.Attribute):
            for q in self.qnames(attr):
                root = _names.handlers_module_root(q.rsplit(".", 1)[0]) or (
                    _names.handlers_module_root(q)
                )
                if root is not None:
                    self.dotted_roots.add(root)

    # -- removed statements leave their blank lines and comments -------------------------

    def leave_SimpleStatementLine(
        self, original_node: cst.SimpleStatementLine, updated_node: cst.SimpleStatementLine
    ) -> cst.SimpleStatementLine:
        if not updated_node.body and isinstance(self.parent(original_node), cst.Module):
            self._carry.extend(original_node.leading_lines)
        return updated_node

    def on_leave(
        self, original_node: cst.CSTNode, updated_node: cst.CSTNode
    ) -> cst.CSTNode | cst.RemovalSentinel | cst.FlattenSentinel[cst.CSTNode]:
        """Give the lines above a removed module-level import to the statement after it;
        put the compat imports moved uses need beside the ``import prefect`` they leave."""
        result = super().on_leave(original_node, updated_node)
        result = self._with_carried_lines(original_node, result)
        inserts = self._inserts.pop(original_node, None) if self._inserts else None
        if inserts is not None and isinstance(result, cst.SimpleStatementLine):
            return self._with_compat_imports(result, *inserts)
        return result

    def _with_carried_lines(
        self,
        original_node: cst.CSTNode,
        result: cst.CSTNode | cst.RemovalSentinel | cst.FlattenSentinel[cst.CSTNode],
    ) -> cst.CSTNode | cst.RemovalSentinel | cst.FlattenSentinel[cst.CSTNode]:
        if (
            self._carry
            and isinstance(result, cst.SimpleStatementLine | cst.BaseCompoundStatement)
            and (result.body if isinstance(result, cst.SimpleStatementLine) else True)
            and isinstance(self.parent(original_node), cst.Module)
        ):
            carried, self._carry = self._carry, []
            own = list(result.leading_lines)
            if all(line.comment is None for line in carried) and any(
                line.comment is None for line in own
            ):
                return result
            self.changed = True
            return result.with_changes(leading_lines=[*carried, *own])
        return result

    def _add_compat_imports(
        self, statement: cst.Import, modules: list[str], *, before: bool
    ) -> None:
        """Import ``modules`` beside ``statement`` (module level), else where libcst would."""
        line = self.parent(statement)
        if isinstance(line, cst.SimpleStatementLine) and isinstance(self.parent(line), cst.Module):
            self._inserts[line] = (modules, before)
            return
        for module in modules:
            AddImportsVisitor.add_needed_import(self.context, module)

    def _with_compat_imports(
        self, statement: cst.SimpleStatementLine, modules: list[str], before: bool
    ) -> cst.SimpleStatementLine | cst.FlattenSentinel[cst.BaseStatement]:
        """``statement`` with ``import <module>`` lines before or after it (those the module
        does not import yet). Before it, they take its blank lines; a comment above it (its
        TODO) stays with it, after a blank line, where isort/ruff keep it."""
        present = self._module_imports()
        new = [
            cst.SimpleStatementLine([cst.Import([cst.ImportAlias(name=_dotted(module))])])
            for module in modules
            if module not in present
        ]
        if not new:
            return statement
        self.changed = True
        if not before:
            return cst.FlattenSentinel([statement, *new])
        lines = list(statement.leading_lines)
        first = next((i for i, line in enumerate(lines) if line.comment is not None), len(lines))
        new[0] = new[0].with_changes(leading_lines=lines[:first])
        own = [cst.EmptyLine(), *lines[first:]] if first < len(lines) else []
        return cst.FlattenSentinel([*new, statement.with_changes(leading_lines=own)])

    # -- helpers -----------------------------------------------------------------------

    def _module_imports(self) -> set[str]:
        """The modules imported at module level by a plain ``import x.y`` (no ``as``)."""
        return {
            get_full_name_for_node_or_raise(alias.name)
            for other in self.module_node.body
            if isinstance(other, cst.SimpleStatementLine)
            for small in other.body
            if isinstance(small, cst.Import)
            for alias in small.names
            if alias.asname is None
        }

    @property
    def out(self) -> str:
        return _names.output_root(self.target)

    def _references(self, statement: cst.CSTNode, bound: str) -> int:
        scope = self.get_metadata(ScopeProvider, statement, None)
        if scope is None:
            return 0
        return sum(len(a.references) for a in scope.assignments[bound] if a.node is statement)

    def _exported(self, bound: str) -> bool:
        """Whether other code may import ``bound`` from this module (``__all__``, a package's
        ``__init__``, or a sibling's ``from this_module import bound``)."""
        return bound in self.all_names or (self.project is not None and self.project.exports(bound))

    def _convertible(self, statement: cst.CSTNode, bound: str) -> bool:
        if self._exported(bound):
            return False
        return bound in self.kept or self._references(statement, bound) == 0

    def _moved(self, module: str) -> str:
        if self.target is Target.COMPAT and module.split(".")[0] == "prefect":
            return "compat" + module[len("prefect") :]
        return module

    # -- from ... import ... -----------------------------------------------------------

    def leave_ImportFrom(
        self, original_node: cst.ImportFrom, updated_node: cst.ImportFrom
    ) -> cst.ImportFrom | cst.RemovalSentinel:
        if original_node.relative or original_node.module is None:
            return updated_node
        module = get_full_name_for_node_or_raise(original_node.module)
        away = self._rewritten_away(original_node)
        if away:
            result = self._dispatch(original_node, updated_node, module)
            if not isinstance(result, cst.ImportFrom) or isinstance(result.names, cst.ImportStar):
                return result
            kept = [a for a in result.names if (a.evaluated_alias or a.evaluated_name) not in away]
            if not kept:
                return cst.RemoveFromParent()
            return result.with_changes(names=sorted_aliases(kept, result))
        return self._dispatch(original_node, updated_node, module)

    def _dispatch(
        self, original_node: cst.ImportFrom, updated_node: cst.ImportFrom, module: str
    ) -> cst.ImportFrom | cst.RemovalSentinel:
        if isinstance(updated_node.names, cst.ImportStar):
            if self.target is Target.COMPAT and module.split(".")[0] == "prefect":
                # Prefect binds more names than compat provides: which ones the file uses
                # cannot be told from the source.
                self.todo(original_node, _NEEDS_PREFECT.format(module=f"from {module} import *"))
            return updated_node
        if _names.handlers_module_root(module) is not None:
            return self._from_handlers(original_node, updated_node, module)
        if module in {f"{r}.engine" for r in _names.ROOTS} and any(
            a.name.value == "result_handlers" for a in updated_node.names
        ):
            return self._from_engine(original_node, updated_node, module)
        if self.target is Target.COMPAT:
            return self._to_compat(original_node, updated_node, module)
        return updated_node

    def _rewritten_away(self, original: cst.ImportFrom) -> set[str]:
        """The names of ``original`` a rule rewrote every use of (``Result`` once PRU005 made
        ``Result(v, result_handler=...)`` a ``LocalResult(...)``) and nothing else uses."""
        away = self.state.scratch.get(REWRITTEN_AWAY)
        if not away or isinstance(original.names, cst.ImportStar):
            return set()
        found = set()
        for alias in original.names:
            bound = alias.evaluated_alias or alias.evaluated_name
            if bound in away and self._unused(original, bound):
                found.add(bound)
                self.rewritten(alias, f"import of `{bound}` left unused: removed")
        return found

    def _imports_results_elsewhere(self, statement: cst.ImportFrom, results: str) -> bool:
        """Return whether another module-level statement imports from ``results``."""
        if not isinstance(self.parent(self.parent(statement)), cst.Module):
            return False
        for other in self.module_node.body:
            if (
                isinstance(other, cst.SimpleStatementLine)
                and len(other.body) == 1
                and isinstance(other.body[0], cst.ImportFrom)
                and other.body[0] is not statement
                and not other.body[0].relative
                and other.body[0].module is not None
                and not isinstance(other.body[0].names, cst.ImportStar)
                and get_full_name_for_node_or_raise(other.body[0].module) == results
            ):
                return True
        return False

    def _from_handlers(
        self, original: cst.ImportFrom, updated: cst.ImportFrom, module: str
    ) -> cst.ImportFrom | cst.RemovalSentinel:
        assert not isinstance(updated.names, cst.ImportStar)
        results = _names.results_module(self.target)
        converted: list[cst.ImportAlias] = []
        kept: list[cst.ImportAlias] = []
        assert not isinstance(original.names, cst.ImportStar)
        for orig, alias in zip(original.names, updated.names):
            name = get_full_name_for_node_or_raise(alias.name)
            bound = alias.evaluated_alias or name
            conversion = conversion_for(name)
            if bound not in self.kept and self._unused(original, bound):
                self.rewritten(orig, f"unused import of `{name}` removed")
                continue
            if conversion is not None and self._convertible(original, bound):
                converted.append(alias.with_changes(name=cst.Name(conversion.result)))
                self.rewritten(
                    orig, f"`{name}` is imported as `{conversion.result}` from {results}"
                )
                continue
            kept.append(alias)
            if self.target is Target.PREFECT:
                subclassed = self._subclassed(original, bound)
                reason = self._kept_reason(name, subclassed=subclassed)
                if self._used_only_where_silenced(original, bound):
                    self.report(orig, SiteStatus.SUPPRESSED, reason)  # asked once, not twice
                else:
                    self.todo(orig, reason)
        kept_module = module
        if self.target is Target.COMPAT and not module.startswith("compat."):
            kept_module = f"compat.{HANDLERS_MODULE}"
        if not kept and not converted:
            return cst.RemoveFromParent()
        # Names without `as` join an earlier legacy import retargeted to the results (isort
        # and ruff keep one statement per module, and each `as` import on its own).
        plain = all(alias.asname is None for alias in converted)
        module_level = isinstance(self.parent(self.parent(original)), cst.Module)
        joins = plain and module_level and self._results_imported
        if not kept and not joins and not self._imports_results_elsewhere(original, results):
            self._results_imported = self._results_imported or (plain and module_level)
            return updated.with_changes(
                module=_dotted(results), names=sorted_aliases(converted, updated)
            )
        for alias in converted:
            AddImportsVisitor.add_needed_import(
                self.context, results, alias.name.value, alias.evaluated_alias
            )
        if not kept:
            return cst.RemoveFromParent()  # joins the module's own import of the results
        if kept_module != module:
            self.rewritten(original, f"legacy import moved to {kept_module}")
        return updated.with_changes(
            module=_dotted(kept_module), names=sorted_aliases(kept, updated)
        )

    @staticmethod
    def _kept_reason(name: str, *, subclassed: bool = False) -> str:
        if name == "ResultHandler" and subclassed:
            return "`ResultHandler` is gone in 0.14: port it"
        return f"`{name}` still used as a handler"

    def _subclassed(self, statement: cst.CSTNode, bound: str) -> bool:
        """Return whether a class statement in the file derives from the name ``bound``."""
        scope = self.get_metadata(ScopeProvider, statement, None)
        if scope is None:
            return False
        for assignment in scope.assignments[bound]:
            if assignment.node is not statement:
                continue
            for reference in assignment.references:
                arg = self.parent(reference.node)
                owner = self.parent(arg) if isinstance(arg, cst.Arg) else None
                if isinstance(owner, cst.ClassDef) and arg in owner.bases:
                    return True
        return False

    def _from_engine(
        self, original: cst.ImportFrom, updated: cst.ImportFrom, module: str
    ) -> cst.ImportFrom | cst.RemovalSentinel:
        assert not isinstance(updated.names, cst.ImportStar)
        assert not isinstance(original.names, cst.ImportStar)
        aliases: list[cst.ImportAlias] = []
        for orig, alias in zip(original.names, updated.names):
            if alias.name.value != "result_handlers":  # type: ignore[union-attr]
                aliases.append(alias)
                continue
            bound = alias.evaluated_alias or "result_handlers"
            if bound not in self.kept and self._unused(original, bound):
                self.rewritten(orig, "unused `result_handlers` import removed")
                continue
            if self._exported(bound) or not (
                bound in self.kept or self._references(original, bound) == 0
            ):
                aliases.append(alias)
                if self.target is Target.PREFECT:
                    self.todo(orig, self._kept_reason("result_handlers"))
                continue
            asname = alias.asname
            if bound in self.kept and asname is None:
                asname = cst.AsName(name=cst.Name("result_handlers"))
            aliases.append(alias.with_changes(name=cst.Name("results"), asname=asname))
            self.rewritten(orig, "`result_handlers` module import -> `results`")
        new_module = self._moved(module)
        if new_module != module:
            self.rewritten(original, f"moved to {new_module}")
        if not aliases:
            return cst.RemoveFromParent()
        return updated.with_changes(
            module=_dotted(new_module), names=sorted_aliases(aliases, updated)
        )

    def _to_compat(
        self, original: cst.ImportFrom, updated: cst.ImportFrom, module: str
    ) -> cst.ImportFrom | cst.RemovalSentinel:
        """Move what compat provides; drop what nothing uses; flag what needs Prefect."""
        assert not isinstance(updated.names, cst.ImportStar)
        assert not isinstance(original.names, cst.ImportStar)
        if module.split(".")[0] != "prefect":
            return updated
        new_module = self._moved(module)
        moved: list[cst.ImportAlias] = []
        stays: list[cst.ImportAlias] = []
        for orig, alias in zip(original.names, updated.names):
            name = get_full_name_for_node_or_raise(alias.name)
            bound = alias.evaluated_alias or name
            if _names.compat_provides(module, name):
                moved.append(alias)
            elif self._unused(original, bound):
                self.rewritten(orig, f"unused import of `{name}` removed")
            else:
                stays.append(alias)
                self.todo(orig, f"compat lacks `{name}`")
                for use in self._uses(original, bound):
                    self._flag_compat_arguments(use)
        if moved:
            self.rewritten(original, f"imports compat provides moved to `{new_module}`")
        if not stays:
            if not moved:
                return cst.RemoveFromParent()
            return updated.with_changes(
                module=_dotted(new_module), names=sorted_aliases(moved, updated)
            )
        for alias in moved:
            AddImportsVisitor.add_needed_import(
                self.context,
                new_module,
                get_full_name_for_node_or_raise(alias.name),
                alias.evaluated_alias,
            )
        return updated.with_changes(names=sorted_aliases(stays, updated))

    def _used_only_where_silenced(self, statement: cst.CSTNode, bound: str) -> bool:
        """Whether every use of the name ``statement`` binds is on a ``# noqa`` line."""
        if bound in self.all_names:
            return False
        uses = self._uses(statement, bound)
        return bool(uses) and all(self.suppressed(node) for node in uses)

    def _uses(self, statement: cst.CSTNode, bound: str) -> list[cst.CSTNode]:
        """Return the nodes reading the name ``statement`` binds."""
        scope = self.get_metadata(ScopeProvider, statement, None)
        if scope is None:
            return []
        return [
            ref.node
            for assignment in scope.assignments[bound]
            if assignment.node is statement
            for ref in assignment.references
        ]

    def _unused(self, statement: cst.CSTNode, bound: str) -> bool:
        """Return whether the name ``statement`` binds is read nowhere (nor exported)."""
        return not self._exported(bound) and self._references(statement, bound) == 0

    # -- import ... --------------------------------------------------------------------

    def leave_Import(
        self, original_node: cst.Import, updated_node: cst.Import
    ) -> cst.Import | cst.RemovalSentinel:
        results = _names.results_module(self.target)
        aliases: list[cst.ImportAlias] = []
        changed = False
        for orig, alias in zip(original_node.names, updated_node.names):
            dotted = get_full_name_for_node_or_raise(alias.name)
            root = _names.handlers_module_root(dotted)
            if root is None:
                kept = self._other_import(original_node, orig, alias, dotted)
                changed = changed or kept is not alias
                if kept is not None:
                    aliases.append(kept)
                continue
            if alias.asname is not None:
                bound = alias.evaluated_alias or dotted
                if bound not in self.kept and self._unused(original_node, bound):
                    self.rewritten(orig, f"unused `import {dotted}` removed")
                    changed = True
                    continue
                ok = self._convertible(original_node, bound)
            else:
                ok = root not in self.dotted_roots
            if ok:
                aliases.append(alias.with_changes(name=_dotted(results)))
                self.rewritten(orig, f"`import {dotted}` -> `import {results}`")
                changed = True
            elif self.target is Target.COMPAT and root == "prefect" and alias.asname is not None:
                aliases.append(alias.with_changes(name=_dotted(self._moved(dotted))))
                changed = True
            else:
                aliases.append(alias)
                if self.target is Target.PREFECT:
                    self.todo(orig, self._kept_reason(dotted))
                elif root == "prefect":
                    self.todo(orig, _NEEDS_PREFECT.format(module=dotted))
        if not changed:
            return updated_node
        if not aliases:
            return cst.RemoveFromParent()
        return updated_node.with_changes(names=_with_last_comma(aliases, updated_node.names))

    def _other_import(
        self, original: cst.Import, orig: cst.ImportAlias, alias: cst.ImportAlias, dotted: str
    ) -> cst.ImportAlias | None:
        """For the compat target: ``import prefect...`` moves, goes if unused, or stays."""
        if self.target is not Target.COMPAT or dotted.split(".")[0] != "prefect":
            return alias
        bound = alias.evaluated_alias or "prefect"
        if self._unused(original, bound):
            self.rewritten(orig, f"unused `import {dotted}` removed")
            return None
        if dotted == "prefect":
            return self._import_prefect(original, orig, alias, bound)
        if alias.asname is not None and _names.compat_provides(dotted):
            self.rewritten(orig, f"moved to {self._moved(dotted)}")
            return alias.with_changes(name=_dotted(self._moved(dotted)))
        self.todo(orig, _NEEDS_PREFECT.format(module=dotted))
        return alias

    def _import_prefect(
        self, original: cst.Import, orig: cst.ImportAlias, alias: cst.ImportAlias, bound: str
    ) -> cst.ImportAlias | None:
        """``import prefect [as pf]``: each ``prefect.X...`` use compat has moves on its own.

        A moved use is read from ``compat`` (``prefect.Task`` -> ``compat.Task``,
        ``prefect.engine.results.LocalResult`` -> ``compat.engine.results.LocalResult``
        under ``import compat.engine.results``), even on a line left for manual work: the
        rename is safe by itself. ``import prefect`` stays only for the uses compat lacks,
        with a TODO naming them; a call of one given compat objects gets a TODO of its own.
        """
        uses = self._prefect_uses(original, bound)
        if uses is None:
            self.todo(orig, _NEEDS_PREFECT.format(module="prefect"))
            return alias
        if alias.asname is not None and all(module == "" for _, module in uses):
            # `pf.task`, `pf.Flow`: every use is in compat's root, which `pf` now names.
            self.rewritten(orig, "`import prefect as ...` -> `import compat as ...`")
            return alias.with_changes(name=cst.Name("compat"))
        moved = {
            root: module
            for root, module in uses
            if module is not None and self._compat_free(root)  # else `compat` is another name
        }
        kept = [root for root, _ in uses if root not in moved]
        modules = sorted(set(moved.values()))
        lacking = [_spelling(self, root) for root, module in uses if module is None]
        taken = [_spelling(self, root) for root in kept if dict(uses)[root] is not None]
        if lacking:
            self.todo(orig, _COMPAT_LACKS.format(uses=_listing(lacking)))
        if taken:
            self.todo(orig, _COMPAT_TAKEN.format(uses=_listing(taken)))
        for root in kept:
            self._flag_compat_arguments(root)
        if not moved:
            return alias
        self._renamed_roots.update(moved)
        self.rewritten(orig, "uses of `prefect.X` that compat has -> `compat.X`")
        needed = [_compat_module(module) for module in modules]
        if kept:
            self._add_compat_imports(original, needed, before=True)
            return alias
        # `import prefect` becomes the first compat import the uses need; the rest follow.
        module_level = isinstance(self.parent(self.parent(original)), cst.Module)
        if module_level:
            needed = [n for n in needed if n not in self._module_imports()]
        if not needed:
            return None  # the module imports compat already
        self._add_compat_imports(original, needed[1:], before=False)
        return alias.with_changes(name=_dotted(needed[0]), asname=None)

    def _prefect_uses(
        self, statement: cst.Import, bound: str
    ) -> list[tuple[cst.Name, str | None]] | None:
        """Return each use of the name ``statement`` binds, with the compat module it can
        be read from (``""`` for compat's root, ``None`` if compat lacks it).

        ``None`` if the uses cannot be told apart: no scope, or the name has other
        bindings (another ``import prefect...``, an assignment) that share its uses.
        """
        scope = self.get_metadata(ScopeProvider, statement, None)
        if scope is None:
            return None
        assignments = list(scope.assignments[bound])
        if len(assignments) != 1 or assignments[0].node is not statement:
            return None
        uses: list[tuple[cst.Name, str | None]] = []
        for ref in assignments[0].references:
            node = ref.node
            if not isinstance(node, cst.Name):
                return None  # a string annotation, `del prefect`: not judged here
            uses.append((node, _compat_module_of(_attribute_parts(self, node))))
        return uses

    def _compat_free(self, node: cst.CSTNode) -> bool:
        """Whether the name ``compat`` at ``node`` is unbound or bound by a compat import."""
        scope = self.get_metadata(ScopeProvider, node, None)
        if scope is None:
            return False
        if "compat" not in scope:
            return True
        for assignment in scope["compat"]:
            statement = getattr(assignment, "node", None)
            if not isinstance(statement, cst.Import) or not any(
                a.asname is None
                and get_full_name_for_node_or_raise(a.name).split(".")[0] == "compat"
                for a in statement.names
            ):
                return False
        return True

    def _flag_compat_arguments(self, callee: cst.CSTNode) -> None:
        """A TODO where ``callee`` (a use left on Prefect) is called with compat objects."""
        top = callee
        parent = self.parent(top)
        while isinstance(parent, cst.Attribute) and parent.value is top:
            top, parent = parent, self.parent(parent)
        if not isinstance(parent, cst.Call) or parent.func is not top or self.suppressed(parent):
            return
        if any(
            self._compat_object(node)
            for arg in parent.args
            for node in self.find(arg.value, (cst.Name, cst.Attribute))
        ):
            spelling = _spelling(self, callee) if isinstance(callee, cst.Name) else "callee"
            self.todo(parent, _GIVEN_COMPAT.format(callee=spelling))
            self._call_todos.add(self._statement_of(parent))

    def _compat_object(self, node: cst.Name | cst.Attribute) -> bool:
        """Whether ``node`` (in a call's arguments) names a compat object in the output.

        Anything from compat, or from Prefect where compat has it (the compat target moves
        it), but values such as ``context`` and ``config``; and names the imports this run
        adds or converts will bind (not in the tree yet). Decided on names alone, so the
        output's second run, which reads compat's names, decides alike.
        """
        if isinstance(node, cst.Name):
            parent = self.parent(node)
            if isinstance(parent, cst.Attribute) and parent.attr is node:
                return False  # `x.LocalResult`: judged with its attribute
        qnames = {q for q in self.qnames(node) if "." in q}
        if not qnames:
            return isinstance(node, cst.Name) and (
                node.value == "compat"
                or node.value in _names.COMPAT_PROVIDES[RESULTS_MODULE]
                or node.value in self._scheduled_compat()
            )
        return any(_moved_object(q) for q in qnames)

    def _scheduled_compat(self) -> set[str]:
        """The names the compat imports other rules scheduled will bind."""
        items = self.context.scratch.get(AddImportsVisitor.CONTEXT_KEY, ())
        return {
            item.alias or item.obj_name or item.module.split(".")[0]
            for item in items
            if item.module.split(".")[0] == "compat"
        }

    def leave_Module(self, original_node: cst.Module, updated_node: cst.Module) -> cst.Module:
        """Point ``prefect.X`` uses at ``compat`` where ``import prefect`` became compat's;
        keep module-level import sections sorted where they were (compat target only)."""
        pending = {
            statement: self._todos[statement]
            for statement in self._call_todos
            if statement in self._todos
        }
        if self._renamed_roots or pending:
            updated_node = updated_node.visit(_RenameRoots(self._renamed_roots, pending))
            self.changed = True
        if self.target is not Target.COMPAT:
            return updated_node
        body = sort_import_runs(updated_node.body)
        if all(a is b for a, b in zip(body, updated_node.body)):
            return updated_node
        return updated_node.with_changes(body=body)


class _RenameRoots(cst.CSTTransformer):
    """Rename the given ``prefect`` name nodes (by identity) to ``compat``; give the given
    statements their TODO comments if they lack them (statements the pass did not enter)."""

    def __init__(self, roots: Iterable[cst.Name], todos: dict[cst.CSTNode, list[str]]) -> None:
        super().__init__()
        self.roots = set(roots)
        self.todos = todos

    def on_leave(
        self, original_node: cst.CSTNode, updated_node: cst.CSTNode
    ) -> cst.CSTNode | cst.RemovalSentinel | cst.FlattenSentinel[cst.CSTNode]:
        result = super().on_leave(original_node, updated_node)
        comments = self.todos.get(original_node)
        if comments and isinstance(result, cst.SimpleStatementLine | cst.BaseCompoundStatement):
            present = (line.comment.value for line in result.leading_lines if line.comment)
            extra = [
                cst.EmptyLine(comment=cst.Comment(c)) for c in missing_todos(comments, present)
            ]
            if extra:
                return result.with_changes(leading_lines=[*result.leading_lines, *extra])
        return result

    def leave_Name(self, original_node: cst.Name, updated_node: cst.Name) -> cst.Name:
        return (
            updated_node.with_changes(value="compat")
            if original_node in self.roots
            else updated_node
        )


def _with_last_comma(
    aliases: list[cst.ImportAlias], original: Sequence[cst.ImportAlias]
) -> list[cst.ImportAlias]:
    """Give the new last alias the original last alias's comma (trailing or none)."""
    if not aliases:
        return aliases
    return [*aliases[:-1], aliases[-1].with_changes(comma=original[-1].comma)]


def _attribute_parts(rule: RuleTransformer, root: cst.Name) -> list[str]:
    """Return the attributes read off ``root``: ``["engine", "results", "LocalResult"]``."""
    parts: list[str] = []
    node: cst.CSTNode = root
    parent = rule.parent(node)
    while isinstance(parent, cst.Attribute) and parent.value is node:
        parts.append(parent.attr.value)
        node, parent = parent, rule.parent(parent)
    return parts


def _compat_module_of(parts: Sequence[str]) -> str | None:
    """Return the compat module (relative, ``""`` for the root) to read ``prefect.<parts>``
    from, or ``None`` if compat lacks it (or ``parts`` is empty: ``prefect`` itself).

    The shortest module holding the first name wins (``engine.results`` for
    ``engine.results.LocalResult.read``); a module read as a value is its own answer.
    """
    for k in range(len(parts)):
        module = ".".join(parts[:k])
        if _names.compat_provides(".".join(("prefect", *parts[:k])), parts[k]):
            return module
    if parts and _names.compat_provides(".".join(("prefect", *parts))):
        return ".".join(parts)
    return None


def _compat_module(module: str) -> str:
    return f"compat.{module}" if module else "compat"


def _spelling(rule: RuleTransformer, root: cst.Name) -> str:
    """``prefect.tasks.shell.ShellTask`` for the root ``Name`` of that attribute chain."""
    return ".".join((root.value, *_attribute_parts(rule, root)))


def _listing(spellings: list[str], most: int = 2) -> str:
    """```a`, `b` and 3 more`` from the spellings, each once, sorted: the uses come from
    a set, and the message must not change from one run to the next."""
    unique = sorted(set(spellings))
    shown = ", ".join(f"`{s}`" for s in unique[:most])
    return shown if len(unique) <= most else f"{shown} and {len(unique) - most} more"


_VALUES = ("context", "config", "utilities")


def _moved_object(qname: str) -> bool:
    """Whether the compat target reads ``qname`` from compat (values aside, see above)."""
    root, _, rest = qname.partition(".")
    if root not in _names.ROOTS or rest.split(".")[0] in _VALUES:
        return False
    return root == "compat" or _compat_module_of(rest.split(".")) is not None
