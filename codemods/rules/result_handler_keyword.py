"""PRU003: ``result_handler=`` becomes ``result=``, and so do the attribute and kwargs key.

Handled: keywords of ``Task(...)``, ``@task(...)``, ``Flow(...)``, ``Parameter(...)``, local
Task subclasses and their ``super().__init__(...)``, ``task.copy(...)``; the
``"result_handler"`` key of a literal ``task_args={...}`` dict given when a provable task is
called or mapped (a dynamic or ambiguous ``task_args`` gets a TODO);
``obj.result_handler = value`` on a
provable Task/Flow object; ``kwargs["result_handler"] = value`` inside a Task subclass;
reads such as ``flow.result_handler.dir``.

For the prefect target a slot is renamed only if its value provably becomes a ``Result``
once the other selected rules ran (a convertible built-in handler, a wrappable custom
handler, a ``Result``, ``None``, or a variable holding one and used only in such slots);
Prefect 0.11+ would otherwise receive a handler where it expects a result. For the compat
target any other value is renamed too and converted where it is given, by compat's public
``compat.engine.conversion.to_result`` (a handler is never left in a ``result=`` slot),
unless PRU002/PRU004 explain why the handler cannot be converted.
Order: runs before PRU004 and PRU002, which look for ``result=`` slots.
"""

from __future__ import annotations

import libcst as cst
import libcst.matchers as m
from libcst.codemod import CodemodContext
from libcst.codemod.visitors import AddImportsVisitor
from libcst.metadata import ScopeProvider

from codemods import _project
from codemods._catalogue import Rule
from codemods._cst.base import PassState
from codemods._cst.metadata import ESCAPED_STRING
from codemods._cst.names import ROOTS
from codemods._cst.slots import (
    RESULT_SLOTS,
    SlotMixin,
    has_keyword,
    keyword_of,
    literal_keys,
    renamed_key,
    task_args_problem,
)
from codemods._types import Target
from compat.conversion_table import conversion_for

__all__ = ["ResultHandlerKeywordRule", "reads_handler_itself", "unproven_task_args"]

_RENAMED = "`result_handler` -> `result`"
#: compat's public handler-to-result conversion, for values no rule can prove are results.
_CONVERTER_MODULE = "compat.engine.conversion"
_CONVERTER = "to_result"


def _init_reads_handler(rule: SlotMixin, cls: cst.ClassDef) -> bool:
    """``init_reads_handler`` of a local class, once per class node and run (every slot
    of a call asks, in several passes; libcst nodes are immutable)."""
    known: dict[cst.ClassDef, bool] = rule.state.scratch.setdefault("init_reads_handler", {})
    if cls not in known:
        known[cls] = _project.init_reads_handler(cst.Module([]).code_for_node(cls))
    return known[cls]


def reads_handler_itself(rule: SlotMixin, call: cst.Call) -> str | None:
    """Return the name of the Task subclass ``call`` builds if its ``__init__`` takes or
    reads ``result_handler`` itself (a parameter, ``kwargs.setdefault(...)``).

    Renaming its callers' keyword to ``result=`` would bypass that code: the class's
    default handler would win over the caller's (``setdefault``), or ``result=`` would
    reach ``Task`` twice (a parameter passed on as ``result=``).
    """
    func = call.func
    name = func.value if isinstance(func, cst.Name) else None
    cls = rule.task_classes.get(name) if name else None
    while cls is not None:
        if _init_reads_handler(rule, cls):
            return cls.name.value
        if any(_is_init(s) for s in cls.body.body):
            return None
        bases = [b.value for b in cls.bases]
        local = [b.value for b in bases if isinstance(b, cst.Name) and b.value in rule.task_classes]
        if local:
            cls = rule.task_classes[local[0]]
            continue
        found = next((c for c in (rule.project_class(b, _project.TASK) for b in bases) if c), None)
        return cls.name.value if found is not None and found.reads_handler else None
    found = rule.project_class(func, _project.TASK)
    if found is not None and found.reads_handler:
        return found.qualname.rsplit(".", 1)[-1]
    return None


def unproven_task_args(rule: SlotMixin, arg: cst.Arg) -> bool:
    """Whether ``arg`` is a ``task_args`` spelling a ``result_handler`` entry, given to a
    callee of the project that cannot be proven a Task (a task object built in another
    module, a plain function, a module the index did not read): reported, so the file never
    passes ``--check`` silently. Without knowing where the file sits, an imported callee may
    be another library's."""
    if arg.keyword is None or arg.keyword.value != "task_args" or rule.suppressed(arg):
        return False
    location = rule.location
    if not rule.imports_prefect or location is None or rule.task_args_call(arg) is not None:
        return False
    call = rule.parent(arg)
    callee = call.func if isinstance(call, cst.Call) else None
    if isinstance(callee, cst.Attribute) and callee.attr.value == "map":
        callee = callee.value
    if callee is None or not any(location.in_project(q) for q in rule.qnames(callee)):
        return False
    return _task_args_spell_handler(arg.value)


def _task_args_spell_handler(value: cst.BaseExpression) -> bool:
    """Whether a ``task_args`` value spells a ``result_handler`` entry (``{"result_handler":
    ...}`` or ``dict(result_handler=...)``)."""
    if isinstance(value, cst.Dict):
        return any(
            isinstance(e, cst.DictElement)
            and isinstance(e.key, cst.SimpleString)
            and e.key.evaluated_value == "result_handler"
            for e in value.elements
        )
    return (
        isinstance(value, cst.Call)
        and m.matches(value.func, m.Name("dict"))
        and any(a.keyword is not None and a.keyword.value == "result_handler" for a in value.args)
    )


def _is_init(statement: cst.CSTNode) -> bool:
    return isinstance(statement, cst.FunctionDef) and statement.name.value == "__init__"


#: The TODO for a ``.result_handler`` that cannot be rewritten (Prefect 0.14+ has none).
_GONE = "`.result_handler` is gone: use `.result`"


def _compared_to_none(node: cst.Attribute, parent: cst.CSTNode | None) -> bool:
    """Return whether ``parent`` is ``node is None`` or ``node is not None``.

    A task's or flow's result is set exactly when its handler was (Prefect 0.11-0.13 set
    both from either keyword), so the test reads the same on ``.result``.
    """
    return (
        isinstance(parent, cst.Comparison)
        and parent.left is node
        and len(parent.comparisons) == 1
        and isinstance(parent.comparisons[0].operator, cst.Is | cst.IsNot)
        and m.matches(parent.comparisons[0].comparator, m.Name("None"))
    )


class ResultHandlerKeywordRule(SlotMixin):
    """Rename result-handler slots to result slots where the value becomes a Result."""

    rule = Rule.PRU003
    TRIGGERS = frozenset({"result_handler", "task_args", ESCAPED_STRING})

    def __init__(self, context: CodemodContext, state: PassState) -> None:
        super().__init__(context, state)
        self._renamable_values: dict[cst.CSTNode, bool] = {}

    @classmethod
    def applies(cls, code: str, target: Target) -> bool:
        # Keywords and attributes are spelled out; a `kwargs[...]` key may be escaped.
        return "result_handler" in code or "\\" in code

    def _renamable(self, value: cst.BaseExpression) -> bool:
        known = self._renamable_values.get(value)
        if known is None:
            known = self.value_becomes_result(value) or self._converts_at_run_time(value)
            self._renamable_values[value] = known
        return known

    def _converts_at_run_time(self, value: cst.BaseExpression) -> bool:
        """Return whether, for compat, ``value`` can go through compat's ``to_result``.

        Not for a custom handler PRU004 cannot wrap (its conversion would fail at run time
        too), nor when the module has a ``to_result`` of its own. A built-in handler whose
        arguments PRU002 cannot map statically is converted from its actual values.
        """
        if self.target is not Target.COMPAT:
            return False
        custom = self.custom_handler_class(value) if isinstance(value, cst.Call) else None
        if custom is not None and custom.problem is not None:
            return False  # PRU004 explains; compat's conversion would fail the same way
        scope = self.get_metadata(ScopeProvider, value, None)
        return scope is not None and not scope[_CONVERTER]

    def _report_renamed(self, node: cst.CSTNode, value: cst.BaseExpression) -> None:
        converted = "" if self.value_becomes_result(value) else ", converted by compat's to_result"
        self.rewritten(node, _RENAMED + converted)

    def _as_result(
        self, original: cst.BaseExpression, updated: cst.BaseExpression
    ) -> cst.BaseExpression:
        """Return the value for the renamed slot: as it is, or converted by compat."""
        if self.value_becomes_result(original):
            return updated
        AddImportsVisitor.add_needed_import(self.context, _CONVERTER_MODULE, _CONVERTER)
        return cst.Call(func=cst.Name(_CONVERTER), args=[cst.Arg(updated)])

    def renames_slot(self, node: cst.Arg | cst.Assign | cst.DictElement) -> bool:
        """Return whether this pass renames the slot ``node`` (what ``leave_*`` will do)."""
        if self.suppressed(node):
            return False
        if isinstance(node, cst.DictElement):
            return self._renames_entry(node)
        if isinstance(node, cst.Arg):
            if self._dict_entry(node):
                return self._renamable(node.value)
            call = self._holder_of(node)
            return (
                call is not None
                and not has_keyword(call, "result")
                and reads_handler_itself(self, call) is None
                and self._renamable(node.value)
            )
        return self._sets_handler(node) and self._renamable(node.value)

    def _holder_of(self, arg: cst.Arg) -> cst.Call | None:
        """Return the Task/Flow/Parameter call if ``arg`` is its ``result_handler=``."""
        if arg.keyword is None or arg.keyword.value != "result_handler":
            return None
        call = self.parent(arg)
        return call if isinstance(call, cst.Call) and self.is_holder_call(call) else None

    def _dict_entry(self, arg: cst.Arg) -> bool:
        """Whether ``arg`` is ``result_handler=`` in a readable ``task_args=dict(...)``."""
        return (
            arg.keyword is not None
            and arg.keyword.value == "result_handler"
            and self.dict_task_args(arg)
        )

    def _rename_dict_entry(self, original: cst.Arg, updated: cst.Arg) -> cst.Arg:
        """``dict(result_handler=h)`` -> ``dict(result=...)``, as the key of a dict display."""
        if not self._renamable(original.value):
            if not self._explained_elsewhere(original.value):
                self.todo(original, self._why_not("`task_args` `result_handler`"))
            return updated
        self._report_renamed(original, original.value)
        return updated.with_changes(
            keyword=cst.Name("result"), value=self._as_result(original.value, updated.value)
        )

    def _sets_handler(self, assign: cst.Assign) -> bool:
        """Return whether ``assign`` sets a result-handler slot (attribute or kwargs key)."""
        return len(assign.targets) == 1 and (
            self.slot_key(assign.targets[0].target) == "result_handler"
        )

    def _renames_entry(self, element: cst.DictElement) -> bool:
        entries = self.parent(element)
        return (
            self.entry_key(element) == "result_handler"
            and isinstance(entries, cst.Dict)
            and task_args_problem(entries) is None
            and self._renamable(element.value)
        )

    def _mentions_handlers(self) -> bool:
        """Return whether the module spells ``result_handler`` anywhere (cached per text)."""
        cached = self.state.scratch.get("mentions_result_handler")
        if cached is None or cached[0] is not self.state.lines:
            cached = (self.state.lines, any("result_handler" in x for x in self.state.lines))
            self.state.scratch["mentions_result_handler"] = cached
        return bool(cached[1])

    def _check_task_args(self, arg: cst.Arg) -> None:
        """Report a ``task_args=`` whose result-handler entry cannot be read statically.

        A dict display PRU003 can read is handled entry by entry (``leave_DictElement``);
        ``None`` holds nothing. Anything else, in a module that uses result handlers, may
        carry one to Prefect 0.14+, which would ignore it: one TODO, never silence.
        """
        if self.task_args_call(arg) is None:
            return
        if self.target is Target.COMPAT and not isinstance(arg.value, cst.Dict):
            return  # compat's tasks convert a `result_handler` entry of any mapping
        if m.matches(arg.value, m.Name("None")):
            return
        problem = task_args_problem(arg.value)
        if problem is None or self._holds_no_slot(arg.value):
            return
        if self.readable_dict_call(arg.value) is not None:
            return  # `dict(result_handler=...)`: its entry is renamed like a dict display's
        if isinstance(arg.value, cst.Dict) or self._mentions_handlers():
            self.todo(arg, problem)

    def _check_unproven_task_args(self, arg: cst.Arg) -> None:
        # compat's tasks take `result_handler` in `task_args`; what is not a task keeps it.
        if self.target is Target.PREFECT and unproven_task_args(self, arg):
            self.todo(arg, "`task_args` `result_handler`: callee not provably a task")

    def _holds_no_slot(self, value: cst.BaseExpression) -> bool:
        """Return whether ``value`` names a literal dict without result slots, only given
        as ``task_args=`` (never changed or passed anywhere else)."""
        if not isinstance(value, cst.Name):
            return False
        held = self.single_value(value)
        keys = literal_keys(held) if isinstance(held, cst.Dict) else None
        uses = self.uses_of(value)
        return (
            keys is not None
            and RESULT_SLOTS.isdisjoint(keys)
            and bool(uses)
            and all(keyword_of(self.parent(use)) == "task_args" for use in uses or ())
        )

    def leave_DictElement(
        self, original_node: cst.DictElement, updated_node: cst.DictElement
    ) -> cst.DictElement:
        if self.entry_key(original_node) != "result_handler":
            return updated_node
        entries = self.parent(original_node)
        if not isinstance(entries, cst.Dict) or task_args_problem(entries) is not None:
            return updated_node  # leave_Arg reports the whole `task_args` once
        if not self._renamable(original_node.value):
            if not self._explained_elsewhere(original_node.value):
                self.todo(original_node, self._why_not("`task_args` `result_handler`"))
            return updated_node
        key = updated_node.key
        assert isinstance(key, cst.SimpleString)
        self._report_renamed(original_node, original_node.value)
        return updated_node.with_changes(
            key=renamed_key(key),
            value=self._as_result(original_node.value, updated_node.value),
        )

    def _why_not(self, what: str) -> str:
        return f"{what} may not get a Result"

    def leave_Arg(self, original_node: cst.Arg, updated_node: cst.Arg) -> cst.Arg:
        if self._dict_entry(original_node):
            return self._rename_dict_entry(original_node, updated_node)
        call = self._holder_of(original_node)
        if call is None:
            self._check_task_args(original_node)
            self._check_unproven_task_args(original_node)
            if keyword_of(original_node) == "result_handler" and self.shared_result_constant(
                original_node.value
            ):
                # The index took this call for a Task/Flow: the constant is converted in its
                # module, and this keyword would keep a Result. Never silently.
                self.todo(original_node, self._why_not("`result_handler=`"))
            elif self._untyped_callee(original_node):
                self.todo(original_node, "`result_handler=`: callee not provably a Task")
            return updated_node
        if has_keyword(call, "result"):
            self.todo(
                original_node,
                "`result=` and `result_handler=`: keep one",
            )
            return updated_node
        owner = reads_handler_itself(self, call)
        if owner is not None:
            # compat runs the class's own handling as written; Prefect 0.14+ needs it ported.
            if self.target is Target.PREFECT:
                self.todo(original_node, f"`{owner}.__init__` reads `result_handler` itself")
            return updated_node
        if not self._renamable(original_node.value):
            if not self._explained_elsewhere(original_node.value):
                blocker = self.shared_constant_blocker(original_node.value)
                self.todo(original_node, blocker or self._why_not("`result_handler=`"))
            return updated_node
        self._report_renamed(original_node, original_node.value)
        return updated_node.with_changes(
            keyword=cst.Name("result"),
            value=self._as_result(original_node.value, updated_node.value),
        )

    def _untyped_callee(self, arg: cst.Arg) -> bool:
        """Whether ``arg`` is a ``result_handler=`` given to a call of the project the tool
        cannot type (a class of a module the index did not read, as when a file is given
        alone, or one it cannot follow): it may be a Task, and Prefect 0.14+ rejects the
        keyword. Also ``super().__init__(result_handler=...)`` in a class with such a base.

        Reported, never silently left; not where PRU002 already says which handler is
        passed there, nor for compat, whose tasks still take the keyword. Another library's
        callee (``mylib.Client(result_handler=...)``) is left alone.
        """
        location = self.location
        if location is None or self.target is not Target.PREFECT:
            return False
        call = self.parent(arg)
        if keyword_of(arg) != "result_handler" or not isinstance(call, cst.Call):
            return False
        if self.suppressed(arg) or not any(map(location.in_project, self._callees(call))):
            return False
        value = arg.value
        handler = self.handler_of(value.func) if isinstance(value, cst.Call) else None
        converts = handler is not None and conversion_for(handler) is not None
        return not (converts and Rule.PRU002 in self.state.active)

    def _callees(self, call: cst.Call) -> set[str]:
        """The qualified names ``call`` calls: for ``super().__init__``, the class's bases."""
        func = call.func
        if not m.matches(
            func, m.Attribute(value=m.Call(func=m.Name("super")), attr=m.Name("__init__"))
        ):
            return self.qnames(func)
        cls = self.enclosing_class(call)
        return {q for base in cls.bases for q in self.qnames(base.value)} if cls else set()

    def _explained_elsewhere(self, value: cst.BaseExpression) -> bool:
        """Return whether PRU002/PRU004 report why ``value`` (a handler call) stays."""
        if not isinstance(value, cst.Call):
            return False
        handler = self.handler_of(value.func)
        if handler is not None and conversion_for(handler) is not None:
            return Rule.PRU002 in self.state.active
        return self.custom_handler_class(value) is not None and Rule.PRU004 in self.state.active

    def leave_Assign(self, original_node: cst.Assign, updated_node: cst.Assign) -> cst.Assign:
        if not self._sets_handler(original_node):
            target = original_node.targets[0].target if len(original_node.targets) == 1 else None
            if (
                isinstance(target, cst.Attribute)
                and target.attr.value == "result_handler"
                and self.target is Target.PREFECT
                and self._made_elsewhere(target.value)
            ):
                self.todo(original_node, _GONE)
            return updated_node
        if not self._renamable(original_node.value):
            if not self._explained_elsewhere(original_node.value):
                self.todo(original_node, self._why_not("`.result_handler`"))
            return updated_node
        new_target = updated_node.targets[0].target
        if isinstance(new_target, cst.Attribute):
            new_target = new_target.with_changes(attr=cst.Name("result"))
        elif isinstance(new_target, cst.Subscript):
            index = new_target.slice[0].slice
            assert isinstance(index, cst.Index)
            assert isinstance(index.value, cst.SimpleString)
            new_index = index.with_changes(value=renamed_key(index.value))
            new_target = new_target.with_changes(
                slice=[new_target.slice[0].with_changes(slice=new_index)]
            )
        self._report_renamed(original_node, original_node.value)
        return updated_node.with_changes(
            targets=[updated_node.targets[0].with_changes(target=new_target)],
            value=self._as_result(original_node.value, updated_node.value),
        )

    def leave_Attribute(
        self, original_node: cst.Attribute, updated_node: cst.Attribute
    ) -> cst.BaseExpression:
        if original_node.attr.value != "result_handler":
            return updated_node
        parent = self.parent(original_node)
        if isinstance(parent, cst.AssignTarget):
            return updated_node  # a write: leave_Assign decides
        if not self.is_holder_object(original_node.value):
            if (
                self.target is Target.PREFECT  # compat reads it as 0.10 did (a view of .result)
                and (self.imports_prefect or self._made_elsewhere(original_node.value))
                and not isinstance(parent, cst.Del)
                and keyword_of(parent) != "result_handler"  # the slot's TODO says it
                and not self._module_path(original_node)
            ):
                # A task or flow made elsewhere (a test reading `flow.result_handler`):
                # Prefect 0.14+ has no such attribute.
                self.todo(original_node, _GONE)
            return updated_node
        if _compared_to_none(original_node, parent) or (
            isinstance(parent, cst.Attribute)
            and parent.value is original_node
            and self._same_attribute(original_node.value, parent.attr.value)
        ):
            self.rewritten(original_node, _RENAMED)
            return updated_node.with_changes(attr=cst.Name("result"))
        if self.target is Target.COMPAT:
            return updated_node  # compat's attribute gives the handler view of `.result`
        self.todo(
            original_node,
            _GONE,
        )
        return updated_node

    def _made_elsewhere(self, holder: cst.BaseExpression) -> bool:
        """Whether ``holder`` (``flow``, ``daily.flow``) comes from an import of a module
        other than Prefect's or compat's: a task or flow a test or deploy script imports.

        Only that module knows what it holds, so its ``.result_handler`` is never passed
        over in silence (the index does not record which module-level objects are flows).
        """
        root = holder
        while isinstance(root, cst.Attribute):
            root = root.value
        if not isinstance(root, cst.Name):
            return False
        scope = self.get_metadata(ScopeProvider, root, None)
        found = list(scope[root.value]) if scope is not None else []
        return (
            len(found) == 1
            and isinstance(found[0].node, cst.Import | cst.ImportFrom)
            and not any(q.split(".")[0] in ROOTS for q in self.qnames(root))
        )

    def _module_path(self, node: cst.Attribute) -> bool:
        """Whether ``node`` names a module (``prefect.engine.result_handlers.result_handler``)."""
        if any(isinstance(a, cst.Import | cst.ImportFrom) for a in self.ancestors(node)):
            return True
        return any(q.split(".")[0] in ROOTS for q in self.qnames(node))

    def _same_attribute(self, holder: cst.BaseExpression, attr: str) -> bool:
        """Return whether ``holder.result.<attr>`` is provably ``holder.result_handler.<attr>``."""
        assert isinstance(holder, cst.Name)
        call = self.single_value(holder)
        if not isinstance(call, cst.Call):
            return False
        for arg in call.args:
            if arg.keyword is None or arg.keyword.value != "result_handler":
                continue
            value = arg.value
            if not self._renamable(value) or not self.value_becomes_result(value):
                return False
            shared = self.shared_result_entry(value)
            if shared is not None:
                # a constant of another module: its handler class and constructor, parsed
                handler, value = shared
            else:
                if isinstance(value, cst.Name):
                    held = self.single_value(value)
                    value = held if held is not None else value
                if not isinstance(value, cst.Call):
                    return False
                handler = self.handler_of(value.func)
            conversion = conversion_for(handler) if handler else None
            rule = conversion.rule_for(attr) if conversion else None
            return (
                rule is not None
                and rule.result_arg == attr
                and (rule.prefect_safe or self.target is Target.COMPAT)
            )
        return False
