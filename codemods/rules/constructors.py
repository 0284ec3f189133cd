"""PRU002: built-in handler constructors become their ``Result`` class, arguments mapped.

``JSONResultHandler()`` → ``PrefectResult()``, ``LocalResultHandler(dir=...)`` →
``LocalResult(dir=...)`` and so on, per :mod:`compat.conversion_table` (never a second copy).

A construction is rewritten only where its value provably ends up as a task's or flow's
result (a ``result=`` slot, directly or through a variable used only there): elsewhere the
object may be used as a handler (``h.write(x)``), and a ``Result`` has a different API.
Order: runs after PRU003 (which renames ``result_handler=`` slots to ``result=``) and
PRU004, and before PRU001, which retargets the imports these rewrites leave behind.
"""

from __future__ import annotations

import libcst as cst
from libcst.codemod.visitors import AddImportsVisitor
from libcst.metadata import FunctionScope, GlobalScope, Scope, ScopeProvider

from codemods._catalogue import Rule
from codemods._constants import SharedConstant
from codemods._cst import names as _names
from codemods._cst.slots import SlotMixin, map_arguments
from codemods._types import Target
from compat.conversion_table import HANDLER_NAMES, HANDLERS_MODULE, Conversion, conversion_for

__all__ = ["KEPT_BINDINGS", "ConstructorRule", "module_all_names", "result_class_expression"]

#: A longer callee name is not quoted in a TODO message (it would not fit on one line).
_MAX_CALLEE = 24
_EMPTY = cst.Module(body=[])
#: Scratch key: names whose import PRU001 may retarget while keeping the user's alias.
KEPT_BINDINGS = "PRU002.kept_bindings"


class ConstructorRule(SlotMixin):
    """Rewrite ``XResultHandler(...)`` calls into ``XResult(...)`` calls."""

    rule = Rule.PRU002
    TRIGGERS = frozenset(HANDLER_NAMES)
    TRIGGERED_BY_ALIASES = True
    JOINS_PREVIOUS = True

    @classmethod
    def applies(cls, code: str, target: Target) -> bool:
        # Handler classes resolve only through a name or import of `...result_handlers`.
        return "result_handlers" in code

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        handler = self.handler_of(original_node.func)
        conversion = conversion_for(handler) if handler else None
        if (
            conversion is None
            or self.in_conflicting_call(original_node)
            or self.in_legacy_result(original_node)
        ):
            return updated_node
        if (
            self._given_to_own_parameter(original_node)
            or self._in_unproven_task_args(original_node)
            or self._part_of_a_slot_value(original_node)
        ):
            return updated_node  # PRU003 reports the call (prefect); compat runs it as written
        problem = self.problem(original_node, conversion)
        if problem is not None:
            if not self._converted_at_run_time(original_node) and not self._fine_on_compat(
                original_node
            ):
                self.todo(original_node, problem)
            return updated_node
        mapped = map_arguments(updated_node, conversion, self.target)
        assert not isinstance(mapped, str)  # problem() checked the same arguments
        func = self.new_callee(original_node.func, conversion)
        self.rewritten(original_node, f"{conversion.handler}(...) -> {conversion.result}(...)")
        return updated_node.with_changes(func=func, args=mapped)

    def problem(self, call: cst.Call, conversion: Conversion) -> str | None:
        """Return why ``call`` cannot be rewritten, or ``None``."""
        mapped = map_arguments(call, conversion, self.target)
        if isinstance(mapped, str):
            return mapped
        slot = self.result_slot(call)
        if slot == "result_handler":
            return f"{conversion.handler} stays under `result_handler=`"
        if (
            slot is None
            and not self._held_for_results(call)
            and not self._returned_for_results(call)
        ):
            return self._how_used(call, conversion.handler)
        return None

    def _how_used(self, call: cst.Call, handler: str) -> str:
        """Say what is done with the handler object ``call`` builds, as the code shows it."""
        parent = self.parent(call)
        if isinstance(parent, cst.Return):
            return f"{handler} is returned from a function"
        exported = self._exported_variable(call)
        if exported is not None:
            return exported
        if isinstance(parent, cst.DictElement) and parent.value is call:
            why = self._in_shared_dict(call)
            if isinstance(why, str):
                return why  # other modules read the dict: the index says how
            return f"{handler} is stored in a dict"
        if isinstance(parent, cst.Arg) and parent.value is call:
            callee = self.parent(parent)
            if isinstance(callee, cst.Call):
                name = _EMPTY.code_for_node(callee.func)
                if "\n" not in name and len(name) <= _MAX_CALLEE:
                    return f"{handler} is passed to `{name}`"
        return f"{handler} is used as a handler object"

    def _given_to_own_parameter(self, call: cst.Call) -> bool:
        """Whether ``call`` is the ``result_handler=`` of a Task subclass whose ``__init__``
        reads that keyword itself (PRU003 leaves such a slot as it is)."""
        from .result_handler_keyword import reads_handler_itself

        arg = self.parent(call)
        holder = self.parent(arg) if isinstance(arg, cst.Arg) else None
        return (
            isinstance(arg, cst.Arg)
            and arg.keyword is not None
            and arg.keyword.value == "result_handler"
            and isinstance(holder, cst.Call)
            and self.is_holder_call(holder)
            and reads_handler_itself(self, holder) is not None
        )

    def _part_of_a_slot_value(self, call: cst.Call) -> bool:
        """Whether ``call`` is a branch of a conditional given as ``result_handler=``
        (``H1(...) if DEV else H2(...)``): PRU003 reports that slot once, for the prefect
        target; the compat target converts the whole value at run time."""
        node: cst.CSTNode = call
        parent = self.parent(node)
        nested = False
        while isinstance(parent, cst.IfExp | cst.BooleanOperation):
            nested, node, parent = True, parent, self.parent(parent)
        return (
            nested
            and isinstance(parent, cst.Arg)
            and parent.keyword is not None
            and parent.keyword.value == "result_handler"
            and isinstance(self.parent(parent), cst.Call)
            and self.is_holder_call(self.parent(parent))  # type: ignore[arg-type]
        )

    def _in_unproven_task_args(self, call: cst.Call) -> bool:
        """Whether ``call`` is the ``result_handler`` entry of a ``task_args`` PRU003 reports
        as given to a callee not provably a task."""
        from .result_handler_keyword import unproven_task_args

        entry = self.parent(call)
        container = self.parent(entry) if isinstance(entry, cst.DictElement | cst.Arg) else None
        arg = self.parent(container) if container is not None else None
        return isinstance(arg, cst.Arg) and unproven_task_args(self, arg)

    def _converted_at_run_time(self, call: cst.Call) -> bool:
        """Return whether ``call`` goes (or PRU003 hands it) to compat's ``to_result``."""
        if self.target is not Target.COMPAT:
            return False
        parent = self.parent(call)
        converter = self.parent(parent) if isinstance(parent, cst.Arg) else None
        if isinstance(converter, cst.Call) and "compat.engine.conversion.to_result" in self.qnames(
            converter.func
        ):
            return True
        if isinstance(parent, cst.Arg):
            return (
                parent.keyword is not None
                and parent.keyword.value == "result_handler"
                and self.renamed_earlier(parent)
            )
        return isinstance(parent, cst.Assign | cst.DictElement) and self.renamed_earlier(parent)

    def _exported_variable(self, call: cst.Call) -> str | None:
        """Say so if ``call`` is held in a module-level variable that this module uses only
        in result slots (or not at all), but that other modules may import."""
        target = self._assigned_name(call)
        if target is None:
            return None
        uses = self.uses_of(target)
        scope = self.get_metadata(ScopeProvider, target, None)
        shared = self._shared(target.value) if isinstance(scope, GlobalScope) else None
        if shared is not None and shared.blocker is not None:
            return shared.blocker  # the index found the use that keeps it a handler
        if (
            uses is None
            or not isinstance(scope, GlobalScope)
            or any(self.result_slot(use) != "result" for use in uses)
        ):
            return None
        project = self.project
        if project is not None and project.module and project.exports(target.value):
            return f"`{target.value}` is imported by another module"
        return f"`{target.value}` may be imported by other modules"

    def _assigned_name(self, call: cst.Call) -> cst.Name | None:
        """Return ``name`` if ``call`` is the value of ``name = call``."""
        assign = self.parent(call)
        if not isinstance(assign, cst.Assign) or len(assign.targets) != 1:
            return None
        target = assign.targets[0].target
        return target if isinstance(target, cst.Name) else None

    def _returned_for_results(self, call: cst.Call) -> bool:
        """Whether ``call`` is returned by a helper whose callers all put its value in
        result slots (see :meth:`factory_returns_results`)."""
        if not isinstance(self.parent(call), cst.Return):
            return False
        func = next((a for a in self.ancestors(call) if isinstance(a, cst.FunctionDef)), None)
        return func is not None and self.factory_returns_results(func)

    def _held_for_results(self, call: cst.Call) -> bool:
        target = self._assigned_name(call)
        if target is None:
            return self._in_shared_dict(call) is True
        uses = self.uses_of(target)
        scope = self.get_metadata(ScopeProvider, target, None)
        shared = self._shared(target.value) if isinstance(scope, GlobalScope) else None
        if shared is not None:
            # Other modules use it: the index judged every use (its own module's included),
            # and the files using it follow the same answer.
            return uses == [] and shared.blocker is None and self.renames_shared_slots()
        if uses == []:
            # Never read: a local of a function cannot be read from elsewhere either; a
            # module-level name can, unless the project shows nothing imports it.
            return isinstance(scope, FunctionScope) or (
                isinstance(scope, GlobalScope) and self._private_to_module(target.value)
            )
        return bool(uses) and all(self.result_slot(use) == "result" for use in uses or ())

    # -- naming the result class ---------------------------------------------------------

    def new_callee(self, func: cst.BaseExpression, conversion: Conversion) -> cst.BaseExpression:
        """Return the expression naming the result class, scheduling any import it needs."""
        results = _names.results_module(self.target)
        pru001 = Rule.PRU001 in self.state.active
        kept: set[str] = self.state.scratch.setdefault(KEPT_BINDINGS, set())
        if _binds_otherwise(self, func, conversion.result):
            return result_class_expression(self, func, results, conversion.result)
        if isinstance(func, cst.Name):
            alias = self._import_alias(func)
            if alias is not None and pru001 and self._binding_convertible(func):
                kept.add(func.value)
                if alias != func.value:
                    return func  # `X as A`: PRU001 makes it `R as A`, uses stay `A(...)`
                # `X`: the call names `R`; PRU001 turns the import of `X` into one of `R`
                return cst.Name(conversion.result)
        elif isinstance(func, cst.Attribute):
            base = func.value
            if isinstance(base, cst.Name) and self._is_package_alias(base):
                if pru001 and self._binding_convertible(base):
                    kept.add(base.value)
                    return func.with_changes(attr=cst.Name(conversion.result))
            elif _is_dotted(base):
                AddImportsVisitor.add_needed_import(self.context, results)
                return cst.parse_expression(f"{results}.{conversion.result}")
        return result_class_expression(self, func, results, conversion.result)

    def _import_alias(self, name: cst.Name) -> str | None:
        """Return the imported name if ``name`` is bound by one ``from ... import``."""
        scope = self.get_metadata(ScopeProvider, name, None)
        if scope is None:
            return None
        found = list(scope[name.value])
        statement = found[0].node if len(found) == 1 else None
        if not isinstance(statement, cst.ImportFrom) or isinstance(statement.names, cst.ImportStar):
            return None
        for alias in statement.names:
            if (alias.evaluated_alias or alias.evaluated_name) == name.value:
                return alias.evaluated_name
        return None

    def _is_package_alias(self, name: cst.Name) -> bool:
        """Return whether ``name`` is bound by one import of the legacy handlers package.

        Not a submodule (``local_result_handler``): the results package has no module of
        that name, so its uses get the class imported by name instead.
        """
        if not any(q.partition(".")[2] == HANDLERS_MODULE for q in self.qnames(name)):
            return False
        scope = self.get_metadata(ScopeProvider, name, None)
        if scope is None:
            return False
        found = list(scope[name.value])
        return len(found) == 1 and isinstance(found[0].node, cst.ImportFrom | cst.Import)

    def _binding_convertible(self, name: cst.Name) -> bool:
        """Return whether every use of the import binding ``name`` is a convertible call.

        The answer is the same at every use, so it is found once per pass and binding (each
        use asking again would make dense files quadratic).
        """
        if name.value in self.all_names():
            return False
        scope = self.get_metadata(ScopeProvider, name, None)
        if scope is None:
            return False
        known: dict[tuple[object, str], bool] = self.__dict__.setdefault("_convertible", {})
        key = (scope, name.value)
        if key not in known:
            known[key] = self._uses_convertible(scope, name.value)
        return known[key]

    def _uses_convertible(self, scope: Scope, name: str) -> bool:
        for assignment in scope[name]:
            if isinstance(assignment.node, cst.CSTNode) and self.suppressed(assignment.node):
                return False  # an import left as written keeps the name it binds
            for ref in assignment.references:
                if self.suppressed(ref.node):
                    return False
                call = self._call_using(ref.node)
                if call is None:
                    return False
                handler = self.handler_of(call.func)
                conversion = conversion_for(handler) if handler else None
                if conversion is None or self.problem(call, conversion) is not None:
                    return False
        return True

    def _fine_on_compat(self, call: cst.Call) -> bool:
        """Whether ``call`` is a handler object the compat target leaves as it is: compat
        keeps the handler classes with their whole API, so the code runs as written."""
        handler = self.handler_of(call.func)
        conversion = conversion_for(handler) if handler else None
        return (
            self.target is Target.COMPAT
            and conversion is not None
            and not isinstance(map_arguments(call, conversion, self.target), str)
            and self.result_slot(call) is None
            and not self._held_for_results(call)
        )

    def _private_to_module(self, name: str) -> bool:
        """Whether no other module can read the module-level ``name``: the project index
        knows this file and no module imports ``name`` from it (nor ``__all__`` lists it)."""
        project = self.project
        return (
            project is not None
            and bool(project.module)
            and not project.exports(name)
            and name not in self.all_names()
        )

    def _in_shared_dict(self, call: cst.Call) -> bool | str | None:
        """For an entry of a module-level dict of handlers other modules read
        (``HANDLERS = {"s3": S3ResultHandler(...)}``): ``True`` if the index found every
        read a result slot and PRU002 maps every entry here (the readers' slots are renamed
        on the same grounds), else what keeps it a handler; ``None`` for any other call."""
        element = self.parent(call)
        entries = self.parent(element) if isinstance(element, cst.DictElement) else None
        assign = self.parent(entries) if isinstance(entries, cst.Dict) else None
        if not (
            isinstance(element, cst.DictElement)
            and element.value is call
            and isinstance(assign, cst.Assign)
            and assign.value is entries
            and len(assign.targets) == 1
            and isinstance(assign.targets[0].target, cst.Name)
        ):
            return None
        target = assign.targets[0].target
        scope = self.get_metadata(ScopeProvider, target, None)
        shared = self._shared(target.value) if isinstance(scope, GlobalScope) else None
        if shared is None or not shared.entries:
            return None
        if shared.blocker is not None:
            return shared.blocker
        if self.uses_of(target) != [] or not self.renames_shared_slots():
            return None
        assert isinstance(entries, cst.Dict)
        for item in entries.elements:
            value = item.value
            if not isinstance(value, cst.Call):
                return None
            handler = self.handler_of(value.func)
            conversion = conversion_for(handler) if handler else None
            if conversion is None or isinstance(map_arguments(value, conversion, self.target), str):
                return None
        return True

    def _shared(self, name: str) -> SharedConstant | None:
        """The index's entry for the module-level handler constant ``name`` if other
        modules import or use it (``None``: this file alone decides)."""
        project = self.project
        shared = project.own_constant(name) if project is not None else None
        return shared if shared is not None and shared.shared else None

    def _call_using(self, node: cst.CSTNode) -> cst.Call | None:
        parent = self.parent(node)
        if isinstance(parent, cst.Attribute) and parent.value is node:
            node, parent = parent, self.parent(parent)
        if isinstance(parent, cst.Call) and parent.func is node:
            return parent
        return None

    def all_names(self) -> set[str]:
        """Return the strings listed in the module's ``__all__``."""
        cached = self.state.scratch.get("__all__")
        if cached is None:
            cached = module_all_names(self.module_node)
            self.state.scratch["__all__"] = cached
        return cached

    def visit_Module(self, node: cst.Module) -> None:
        super().visit_Module(node)
        self.module_node = node
        self.state.scratch.pop("__all__", None)


def module_all_names(module: cst.Module) -> set[str]:
    """Return the string elements of every ``__all__ = [...]``/``+=`` at module level."""
    found: set[str] = set()
    for stmt in module.body:
        if not isinstance(stmt, cst.SimpleStatementLine):
            continue
        for small in stmt.body:
            value: cst.BaseExpression | None = None
            if (
                isinstance(small, cst.Assign)
                and any(
                    isinstance(t.target, cst.Name) and t.target.value == "__all__"
                    for t in small.targets
                )
            ) or (
                isinstance(small, cst.AugAssign | cst.AnnAssign)
                and isinstance(small.target, cst.Name)
                and small.target.value == "__all__"
            ):
                value = small.value
            if isinstance(value, cst.List | cst.Tuple | cst.Set):
                for element in value.elements:
                    if isinstance(element.value, cst.SimpleString):
                        found.add(str(element.value.evaluated_value))
    return found


def _is_dotted(node: cst.BaseExpression) -> bool:
    return isinstance(node, cst.Attribute)


def result_class_expression(
    rule: cst.CSTTransformer, node: cst.CSTNode, module: str, name: str
) -> cst.BaseExpression:
    """Name ``module.name`` where ``node`` is, scheduling the import that makes it resolve.

    ``from module import name`` as a rule, but never one that would shadow, or be shadowed
    by, another binding of ``name`` (the user's own ``class PrefectResult``, a domain class
    imported as ``LocalResult``): then the import takes an alias nothing binds
    (``PrefectResult as PrefectResult_``).
    """
    alias = name
    while _binds_otherwise(rule, node, alias):
        alias += "_"
    AddImportsVisitor.add_needed_import(  # type: ignore[attr-defined]
        rule.context, module, name, alias if alias != name else None
    )
    return cst.Name(alias)


def _binds_otherwise(rule: cst.CSTTransformer, node: cst.CSTNode, name: str) -> bool:
    """Whether ``name`` is bound where ``node`` is by anything but an import of results."""
    scope = rule.get_metadata(ScopeProvider, node, None)  # type: ignore[attr-defined]
    if scope is None:
        return False
    results = {f"{root}.engine.results" for root in _names.ROOTS}
    for assignment in scope[name]:
        statement = getattr(assignment, "node", None)
        if (
            isinstance(statement, cst.ImportFrom)
            and not statement.relative
            and statement.module is not None
            and cst.helpers.get_full_name_for_node(statement.module) in results
        ):
            continue
        return True
    return False
