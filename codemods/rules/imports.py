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
from collections.abc import Sequence

import libcst as cst
from libcst.codemod.visitors import AddImportsVisitor
from libcst.helpers import get_full_name_for_node_or_raise
from libcst.metadata import ScopeProvider

from codemods._catalogue import Rule
from codemods._cst import names as _names
from codemods._cst.add_imports import sort_import_runs, sorted_aliases
from codemods._cst.base import RuleTransformer
from codemods._cst.metadata import IMPORT
from codemods._types import SiteStatus, Target
from compat.conversion_table import HANDLER_MODULES, HANDLER_NAMES, HANDLERS_MODULE, conversion_for

from .constructors import KEPT_BINDINGS, module_all_names
from .legacy_results import REWRITTEN_AWAY

__all__ = ["ImportRule", "StarImportRule"]

# `import *`, possibly across a line continuation (a superset of the real spellings).
_STAR_IMPORT = re.compile(r"\bimport[\s\\]*\*")


_NEEDS_PREFECT = "`{module}` is still used: needs Prefect"


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
        self._renamed_roots: set[cst.Name] = set()
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
        """Give the lines above a removed module-level import to the statement after it."""
        result = super().on_leave(original_node, updated_node)
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

    # -- helpers -----------------------------------------------------------------------

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
        if not kept and not self._imports_results_elsewhere(original, results):
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
        scope = self.get_metadata(ScopeProvider, statement, None)
        if scope is None or bound in self.all_names:
            return False
        uses = [
            ref.node
            for assignment in scope.assignments[bound]
            if assignment.node is statement
            for ref in assignment.references
        ]
        return bool(uses) and all(self.suppressed(node) for node in uses)

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
        if alias.asname is not None and _names.compat_provides(dotted):
            self.rewritten(orig, f"moved to {self._moved(dotted)}")
            return alias.with_changes(name=_dotted(self._moved(dotted)))
        roots = self._compat_roots(original) if alias.asname is None else None
        if dotted == "prefect" and roots is not None:
            self._renamed_roots.update(roots)
            self.rewritten(orig, "`import prefect` -> `import compat`: every use is in compat")
            return alias.with_changes(name=cst.Name("compat"))
        self.todo(orig, _NEEDS_PREFECT.format(module=dotted))
        return alias

    def _compat_roots(self, statement: cst.Import) -> list[cst.Name] | None:
        """Return the ``prefect`` names of ``prefect.X`` uses, if compat's root has each X.

        ``None`` if any use is something else (``prefect.engine.state.Success``, ``prefect``
        passed around): the import then stays, with a TODO.
        """
        scope = self.get_metadata(ScopeProvider, statement, None)
        if scope is None or "compat" in scope:
            return None  # `compat` means something else here
        roots: list[cst.Name] = []
        for assignment in scope.assignments["prefect"]:
            if assignment.node is not statement:
                continue
            for ref in assignment.references:
                node = ref.node
                if not isinstance(node, cst.Name) or not self._provided_path(node):
                    return None
                roots.append(node)
        return roots

    def _provided_path(self, root: cst.Name) -> bool:
        """Return whether ``root`` is read as ``prefect.X`` with ``X`` in compat's root.

        Only root names: ``import compat`` does not import compat's submodules, as
        ``import prefect`` did.
        """
        parent = self.parent(root)
        return (
            isinstance(parent, cst.Attribute)
            and parent.value is root
            and _names.compat_provides("prefect", parent.attr.value)
        )

    def leave_Module(self, original_node: cst.Module, updated_node: cst.Module) -> cst.Module:
        """Point ``prefect.X`` uses at ``compat`` where ``import prefect`` became compat's;
        keep module-level import sections sorted where they were (compat target only)."""
        if self._renamed_roots:
            updated_node = updated_node.visit(_RenameRoots(self._renamed_roots))
            self.changed = True
        if self.target is not Target.COMPAT:
            return updated_node
        body = sort_import_runs(updated_node.body)
        if all(a is b for a, b in zip(body, updated_node.body)):
            return updated_node
        return updated_node.with_changes(body=body)


class _RenameRoots(cst.CSTTransformer):
    """Rename the given ``prefect`` name nodes (by identity) to ``compat``."""

    def __init__(self, roots: set[cst.Name]) -> None:
        super().__init__()
        self.roots = roots

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
