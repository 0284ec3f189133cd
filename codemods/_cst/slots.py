"""Where a value ends up as a task's or flow's result: the "slots" rules agree on.

PRU002, PRU003 and PRU004 must take the same decision about the same value (renaming
``result_handler=`` while leaving the handler in place would break the code), so the
questions "is this value in a result slot?" and "will this value be a ``Result`` after the
other rules ran?" are answered here, once.
"""

from __future__ import annotations

from dataclasses import dataclass

import libcst as cst
import libcst.matchers as m
from libcst.metadata import FunctionScope, GlobalScope, ScopeProvider

from codemods._catalogue import Rule
from codemods._constants import SharedConstant
from codemods._project import HANDLER
from codemods._types import Target
from compat.conversion_table import Conversion, conversion_for

from . import names as _names
from .base import RuleTransformer

__all__ = [
    "CustomHandler",
    "SlotMixin",
    "dict_call_keys",
    "has_keyword",
    "keyword_of",
    "literal_keys",
    "map_arguments",
    "renamed_key",
    "signature_problem",
    "task_args_problem",
]

RESULT_SLOTS = frozenset({"result", "result_handler"})
#: Task methods taking ``task_args=`` (a dict of task keywords); calling a task does too.
#: (``copy`` takes the keywords themselves: ``task.copy(result_handler=...)``.)
_TASK_ARGS_METHODS = frozenset({"map"})


def has_keyword(call: cst.Call, keyword: str) -> bool:
    """Return whether ``call`` passes ``keyword=``."""
    return any(a.keyword is not None and a.keyword.value == keyword for a in call.args)


def keyword_of(node: cst.CSTNode | None) -> str | None:
    """Return the keyword if ``node`` is a keyword argument."""
    if isinstance(node, cst.Arg) and node.keyword is not None:
        return node.keyword.value
    return None


#: Handler arguments whose default value (a literal) can simply be dropped: the conversion
#: of the call without them is the same. ``LocalResultHandler(validate=True)`` expands and
#: creates the directory at construction, as ``LocalResult``'s default ``validate_dir`` does.
_DROPPABLE_DEFAULTS: dict[tuple[str, str], str] = {("LocalResultHandler", "validate"): "True"}


def _spells_default(handler: str, name: str, value: cst.BaseExpression) -> bool:
    default = _DROPPABLE_DEFAULTS.get((handler, name))
    return default is not None and isinstance(value, cst.Name) and value.value == default


def map_arguments(call: cst.Call, conversion: Conversion, target: Target) -> list[cst.Arg] | str:
    """Map a handler call's arguments to the result class, or say why that is unsafe.

    Positional arguments become keywords (the result classes order them differently).
    An argument whose rule is not ``prefect_safe`` is mapped only for the compat target.
    """
    mapped: list[cst.Arg] = []
    for index, arg in enumerate(call.args):
        if arg.star:
            return f"`{arg.star}` arguments cannot be mapped"
        if arg.keyword is None:
            if index >= len(conversion.parameters):
                return f"too many arguments for {conversion.handler}"
            name = conversion.parameters[index]
        else:
            name = arg.keyword.value
        rule = conversion.rule_for(name)
        if rule is None or rule.result_arg is None:
            return f"`{name}=` has no equivalent on {conversion.result}"
        if _spells_default(conversion.handler, name, arg.value):
            continue  # the handler's default, which the conversion without it already means
        if target is Target.PREFECT and not rule.prefect_safe:
            return f"no safe `{name}=` on {conversion.result}"
        if arg.keyword is None:
            mapped.append(
                arg.with_changes(
                    keyword=cst.Name(rule.result_arg),
                    equal=cst.AssignEqual(
                        whitespace_before=cst.SimpleWhitespace(""),
                        whitespace_after=cst.SimpleWhitespace(""),
                    ),
                )
            )
        elif rule.result_arg != name:
            mapped.append(arg.with_changes(keyword=cst.Name(rule.result_arg)))
        else:
            mapped.append(arg)
    if mapped and len(mapped) < len(call.args):  # a dropped last argument takes its comma
        mapped[-1] = mapped[-1].with_changes(comma=call.args[-1].comma)
    return mapped


def signature_problem(cls: cst.ClassDef) -> str | None:
    """Say why ``cls.read``/``cls.write`` cannot be called like ``ResultHandler``'s, if so.

    ``ResultHandlerResult`` calls ``write(value)`` and ``read(location)`` with exactly one
    positional argument; a method that cannot take that call would fail at run time.
    """
    if not isinstance(cls.body, cst.IndentedBlock):
        return None
    for stmt in cls.body.body:
        if isinstance(stmt, cst.FunctionDef) and stmt.name.value in {"read", "write"}:
            params = stmt.params
            positional = [*params.posonly_params, *params.params]
            is_static = any(
                isinstance(d.decorator, cst.Name) and d.decorator.value == "staticmethod"
                for d in stmt.decorators
            )
            if not is_static:
                positional = positional[1:]
            takes_star = isinstance(params.star_arg, cst.Param)
            required = [p for p in positional if p.default is None]
            kw_required = [p for p in params.kwonly_params if p.default is None]
            if kw_required or len(required) > 1 or (not positional and not takes_star):
                return f"`{cls.name.value}.{stmt.name.value}` takes other arguments"
    return None


def literal_keys(entries: cst.Dict) -> list[str] | None:
    """Return the keys of a dict display, or ``None`` if one is not a plain string literal."""
    keys: list[str] = []
    for element in entries.elements:
        if not isinstance(element, cst.DictElement) or not isinstance(
            element.key, cst.SimpleString
        ):
            return None
        key = element.key.evaluated_value
        if not isinstance(key, str):
            return None
        keys.append(key)
    return keys


def dict_call_keys(call: cst.Call) -> list[str] | None:
    """Return the keys of ``dict(k=v, ...)`` (keywords only), or ``None`` if not readable."""
    if any(arg.star or arg.keyword is None for arg in call.args):
        return None
    return [arg.keyword.value for arg in call.args if arg.keyword is not None]


def task_args_problem(value: cst.BaseExpression) -> str | None:
    """Say why the slots of a ``task_args=`` value cannot be read statically, if so."""
    if not isinstance(value, cst.Dict):
        return "dynamic `task_args`: check for `result_handler`"
    keys = literal_keys(value)
    if keys is None:
        return "`task_args` keys not literal: check for `result_handler`"
    if "result" in keys and "result_handler" in keys:
        return "`task_args` has `result` and `result_handler`: keep one"
    if keys.count("result_handler") > 1:
        return "`task_args` repeats `result_handler`: keep one"
    return None


def renamed_key(key: cst.SimpleString) -> cst.SimpleString:
    """Return the string key ``"result"``, spelled like ``key`` (prefix and quotes)."""
    return key.with_changes(value=f"{key.prefix}{key.quote}result{key.quote}")


@dataclass(frozen=True)
class CustomHandler:
    """A custom handler class PRU004 wraps, and why it cannot, if so."""

    name: str
    problem: str | None


class SlotMixin(RuleTransformer):
    """Answers slot and value questions with this pass's metadata."""

    def result_slot(self, node: cst.CSTNode) -> str | None:
        """Return ``"result"``/``"result_handler"`` if ``node`` is the value of such a slot.

        Slots: a keyword of a Task/Flow/Parameter/``@task`` call or ``super().__init__`` of a
        Task subclass; ``obj.result_handler = node`` on a provable Task/Flow object; and
        ``kwargs["result_handler"] = node`` inside a Task subclass.
        """
        slot = self.slot_of(node)
        if slot is not None:
            return slot[0]
        assign = self.parent(node)
        if isinstance(assign, cst.DictElement) and assign.value is node:
            return self.entry_slot(assign)
        if not isinstance(assign, cst.Assign) or assign.value is not node:
            return None
        return self.assign_slot(assign)

    def task_args_call(self, arg: cst.Arg) -> cst.Call | None:
        """Return the call if ``arg`` is the ``task_args=`` of a provable Prefect task call.

        ``task.map(task_args=...)`` and calling the task, ``task(task_args=...)``, where
        ``task`` is provably a Task (not a Flow); both hand the dict to ``task.copy(**...)``.
        """
        if arg.keyword is None or arg.keyword.value != "task_args" or self.suppressed(arg):
            return None
        call = self.parent(arg)
        if not isinstance(call, cst.Call):
            return None
        receiver = call.func
        if isinstance(receiver, cst.Attribute) and receiver.attr.value in _TASK_ARGS_METHODS:
            receiver = receiver.value
        return call if self.is_task_object(receiver) else None

    def task_args_entry(self, element: cst.DictElement) -> cst.Dict | None:
        """Return the dict if ``element`` is an entry of a Prefect task call's ``task_args``."""
        entries = self.parent(element)
        arg = self.parent(entries) if isinstance(entries, cst.Dict) else None
        if not isinstance(arg, cst.Arg) or arg.value is not entries:
            return None
        assert isinstance(entries, cst.Dict)
        return entries if self.task_args_call(arg) is not None else None

    def entry_key(self, element: cst.DictElement) -> str | None:
        """Return ``"result"``/``"result_handler"`` if ``element`` is such a task_args entry."""
        key = element.key
        if not isinstance(key, cst.SimpleString) or key.evaluated_value not in RESULT_SLOTS:
            return None
        if self.suppressed(element) or self.task_args_entry(element) is None:
            return None
        return str(key.evaluated_value)

    def entry_slot(self, element: cst.DictElement) -> str | None:
        """Return the slot a readable ``task_args`` entry fills (as :meth:`assign_slot`)."""
        key = self.entry_key(element)
        entries = self.parent(element)
        if key is None or not isinstance(entries, cst.Dict) or task_args_problem(entries):
            return None
        if key == "result_handler" and self.renamed_earlier(element):
            return "result"
        return key

    def in_conflicting_call(self, value: cst.CSTNode) -> bool:
        """Return whether ``value`` is given as ``result_handler=`` next to ``result=``.

        Or in a ``task_args`` PRU003 cannot read (``dict(...)``, non-literal keys, both
        keys). PRU003 reports that call once; the other rules leave it alone.
        """
        element = self.parent(value)
        if keyword_of(element) == "result_handler" and self._in_dict_call_task_args(element):
            # `task_args=dict(**other, result_handler=...)`: PRU003 reports it
            return self.readable_dict_call(self.parent(element)) is None
        if isinstance(element, cst.DictElement) and element.value is value:
            entries = self.parent(element)
            return (
                isinstance(entries, cst.Dict)
                and task_args_problem(entries) is not None
                and not self.suppressed(element)
                and self.task_args_entry(element) is not None
            )
        slot = self.slot_of(value)
        return (
            slot is not None
            and keyword_of(self.parent(value)) == "result_handler"
            and has_keyword(slot[1], "result")
        )

    def dict_task_args(self, arg: cst.Arg) -> bool:
        return (
            not self.suppressed(arg)
            and self._in_dict_call_task_args(arg)
            and self.readable_dict_call(self.parent(arg)) is not None
        )

    def readable_dict_call(self, call: cst.CSTNode | None) -> list[str] | None:
        """The keys of a ``task_args=dict(...)`` the rules rewrite like a dict display
        (keywords only, not both ``result`` and ``result_handler``), else ``None``."""
        if not isinstance(call, cst.Call) or "builtins.dict" not in self.qnames(call.func):
            return None
        keys = dict_call_keys(call)
        if keys is None or {"result", "result_handler"} <= set(keys):
            return None
        return keys

    def _in_dict_call_task_args(self, arg: cst.CSTNode | None) -> bool:
        call = self.parent(arg) if arg is not None else None
        outer = self.parent(call) if isinstance(call, cst.Call) else None
        return (
            isinstance(call, cst.Call)
            and "builtins.dict" in self.qnames(call.func)
            and isinstance(outer, cst.Arg)
            and self.task_args_call(outer) is not None
        )

    def is_legacy_result_call(self, call: cst.Call) -> bool:
        """Return whether ``call`` constructs ``Result`` (which took ``result_handler=``)."""
        return any(_names.is_base_result_class(q) for q in self.qnames(call.func))

    def in_legacy_result(self, value: cst.CSTNode) -> bool:
        """Return whether ``value`` is the ``result_handler=`` of a ``Result(...)`` call.

        PRU005 rewrites (or reports) that whole call; the other rules leave it alone.
        """
        arg = self.parent(value)
        call = self.parent(arg) if isinstance(arg, cst.Arg) else None
        return (
            keyword_of(arg) == "result_handler"
            and isinstance(call, cst.Call)
            and self.is_legacy_result_call(call)
        )

    def assign_slot(self, assign: cst.Assign) -> str | None:
        """Return the slot name ``assign`` sets (``obj.attr = ...``/``kwargs[key] = ...``).

        A ``result_handler`` slot a rule earlier in this traversal renames is ``result``.
        """
        if len(assign.targets) != 1 or self.suppressed(assign):
            return None
        key = self.slot_key(assign.targets[0].target)
        if key == "result_handler" and self.renamed_earlier(assign):
            return "result"
        return key

    def slot_key(self, target: cst.BaseExpression) -> str | None:
        """Return the slot name for an assignment target ``obj.attr`` or ``kwargs["key"]``."""
        if (
            isinstance(target, cst.Attribute)
            and target.attr.value in RESULT_SLOTS
            and self.is_holder_object(target.value)
        ):
            return target.attr.value
        if isinstance(target, cst.Subscript) and len(target.slice) == 1:
            index = target.slice[0].slice
            if (
                isinstance(index, cst.Index)
                and isinstance(index.value, cst.SimpleString)
                and index.value.evaluated_value in RESULT_SLOTS
                and self.in_task_class(target)
            ):
                return str(index.value.evaluated_value)
        return None

    def custom_handler_class(self, call: cst.Call) -> CustomHandler | None:
        """Return the custom handler class ``call`` builds, if it builds one.

        A subclass defined in this file, one another module of the project defines (see
        :mod:`codemods._project`), or the ``ResultHandler`` base itself.
        """
        if isinstance(call.func, cst.Name) and call.func.value in self.handler_classes:
            if self.handler_of(call.func) is not None:
                return None
            cls = self.handler_classes[call.func.value]
            return CustomHandler(cls.name.value, signature_problem(cls))
        found = None if self.handler_of(call.func) else self.project_class(call.func, HANDLER)
        if found is not None:
            return CustomHandler(found.qualname, found.problem)
        if self.handler_of(call.func) == "ResultHandler":
            return CustomHandler("ResultHandler", None)
        return None

    def call_becomes_result(self, call: cst.Call) -> bool:
        """Return whether the rules selected turn ``call`` into a ``Result`` expression."""
        qnames = self.qnames(call.func)
        if any(_names.is_result_class(q) for q in qnames):
            return True
        factory = self.function_named(call.func)
        if factory is not None:
            return self.factory_returns_results(factory)
        handler = self.handler_of(call.func)
        conversion = conversion_for(handler) if handler else None
        if conversion is not None:
            if Rule.PRU002 not in self.state.active:
                return False
            return not isinstance(map_arguments(call, conversion, self.target), str)
        custom = self.custom_handler_class(call)
        if custom is not None and Rule.PRU004 in self.state.active:
            return custom.problem is None
        return False

    def value_becomes_result(self, value: cst.BaseExpression) -> bool:
        """Return whether ``value``, in a result slot, is a ``Result`` once the rules ran."""
        if isinstance(value, cst.Name) and value.value == "None":
            return True
        if isinstance(value, cst.Call):
            return self.call_becomes_result(value)
        if self.shared_result_constant(value):
            return True
        if isinstance(value, cst.Name):
            held = self.single_value(value)
            uses = self.uses_of(value)
            return (
                not self._shared_module_variable(value)
                and isinstance(held, cst.Call)
                and self.call_becomes_result(held)
                and bool(uses)
                and all(self.result_slot(use) is not None for use in uses or ())
            )
        return False

    def _shared_module_variable(self, name: cst.Name) -> bool:
        """Whether ``name`` reads a module-level variable of this file that other modules
        import or use: the project index decides for it in every file (its definition is
        converted only when this module does not use it)."""
        project = self.project
        if project is None or not project.index.constants:
            return False
        found = self.assignments(name)
        if len(found) != 1 or not isinstance(found[0].scope, GlobalScope):
            return False
        shared = project.own_constant(name.value)
        return shared is not None and shared.shared

    def renames_shared_slots(self) -> bool:
        """Whether this run converts handler constants shared across modules: PRU002
        converts the definition and PRU003 renames the slots, so both must run."""
        return {Rule.PRU002, Rule.PRU003} <= self.state.active

    def shared_result_constant(self, value: cst.BaseExpression) -> bool:
        """Whether ``value`` names a handler constant of another module that the run
        converts: every use of it in the project is a result slot
        (:mod:`codemods._constants`) and PRU002 maps its arguments for this target, exactly
        as it does in the defining file (for a dict of handlers read as ``HANDLERS[key]``:
        every entry's)."""
        if not self.renames_shared_slots():
            return False
        found = self._shared_constant(value)
        return (
            found is not None
            and found[0].blocker is None
            and isinstance(_constant_entries(found[0], self.target), list)
        )

    def shared_result_entry(self, value: cst.BaseExpression) -> tuple[str, cst.Call] | None:
        """The handler class and constructor (parsed from the index) ``value`` reads, when
        :meth:`shared_result_constant` holds and the entry is known (a dict read with a
        literal key)."""
        if not self.shared_result_constant(value):
            return None
        found = self._shared_constant(value)
        assert found is not None
        entries = _constant_entries(found[0], self.target)
        assert isinstance(entries, list)
        key = found[1]
        return next(((h, c) for k, h, c in entries if k == key), None)

    def shared_constant_blocker(self, value: cst.BaseExpression) -> str | None:
        """Say what keeps ``value``, a handler constant of another module, a handler: a use
        the index found, or arguments PRU002 cannot map (``None`` if ``value`` is none)."""
        if isinstance(value, cst.Name) and self._shared_module_variable(value):
            project = self.project
            own = project.own_constant(value.value) if project is not None else None
            return own.blocker if own is not None else None
        found = self._shared_constant(value)
        if found is None:
            return None
        if found[0].blocker is not None:
            return found[0].blocker
        entries = _constant_entries(found[0], self.target)
        return entries if isinstance(entries, str) else None

    def _shared_constant(
        self, value: cst.BaseExpression
    ) -> tuple[SharedConstant, str | None] | None:
        """The index's handler constant ``value`` reads (``NAME``, ``module.NAME``, or
        ``NAME[key]`` for a dict of handlers), with the key if it is a string literal."""
        project = self.project
        if project is None or not project.index.constants:
            return None
        key: str | None = None
        if isinstance(value, cst.Subscript):
            index = value.slice[0].slice if len(value.slice) == 1 else None
            literal = index.value if isinstance(index, cst.Index) else None
            if isinstance(literal, cst.SimpleString):
                evaluated = literal.evaluated_value
                key = evaluated if isinstance(evaluated, str) else None
            value, subscripted = value.value, True
        else:
            subscripted = False
        if not isinstance(value, cst.Name | cst.Attribute):
            return None
        for qname in self.qnames(value):
            shared = project.constant(qname)
            if shared is not None and bool(shared.entries) == subscripted:
                return shared, key
        return None

    # -- helper functions returning a handler -----------------------------------------

    def function_named(self, func: cst.BaseExpression) -> cst.FunctionDef | None:
        """Return the function ``func`` names if a ``def`` in this file binds it alone."""
        if not isinstance(func, cst.Name):
            return None
        scope = self.get_metadata(ScopeProvider, func, None)
        found = list(scope[func.value]) if scope is not None else []
        node = found[0].node if len(found) == 1 else None
        return node if isinstance(node, cst.FunctionDef) else None

    def factory_returns_results(self, func: cst.FunctionDef) -> bool:
        """Whether ``func`` is a helper whose every ``return`` gives a built-in handler PRU002
        converts (or ``None``) and whose every caller puts the value straight into a result
        slot PRU003 renames (``Flow(result_handler=make_handler())``): then its returns
        become the ``Result`` and its slots ``result=``, together.

        Not a method, a decorated or ``async`` function, a generator, nor a module-level
        function another file may call (the project index sees none spell its name).
        """
        known: dict[cst.FunctionDef, bool] = self.__dict__.setdefault("_factories", {})
        if func not in known:
            known[func] = self._is_result_factory(func)
        return known[func]

    def _is_result_factory(self, func: cst.FunctionDef) -> bool:
        if Rule.PRU002 not in self.state.active or func.decorators or func.asynchronous:
            return False
        scope = self.get_metadata(ScopeProvider, func, None)
        if not isinstance(scope, GlobalScope | FunctionScope):
            return False  # a method is called through its object: its callers are unknown
        bindings = list(scope[func.name.value])
        if len(bindings) != 1 or bindings[0].node is not func:
            return False
        if isinstance(scope, GlobalScope) and not self._private_function(func):
            return False
        returns = _own_returns(func)
        if returns is None or not any(r.value is not None for r in returns):
            return False
        for returned in returns:
            value = returned.value
            if value is None or m.matches(value, m.Name("None")):
                continue
            if not isinstance(value, cst.Call) or self.suppressed(value):
                return False
            handler = self.handler_of(value.func)
            conversion = conversion_for(handler) if handler else None
            if conversion is None or isinstance(map_arguments(value, conversion, self.target), str):
                return False
        callers = [ref.node for ref in bindings[0].references]
        return bool(callers) and all(self._called_in_result_slot(ref) for ref in callers)

    def _private_function(self, func: cst.FunctionDef) -> bool:
        """Whether no other file can call the module-level ``func``: the project index
        knows this file, no other file spells its name, and ``__all__`` does not list it."""
        project = self.project
        if project is None or not project.private_function(func.name.value):
            return False
        module = next((a for a in self.ancestors(func) if isinstance(a, cst.Module)), None)
        return module is not None and func.name.value not in _all_names(module)

    def _called_in_result_slot(self, ref: cst.CSTNode) -> bool:
        """Whether ``ref`` is called right in a result slot PRU003 renames (or ``result=``)."""
        call = self.parent(ref)
        if not isinstance(call, cst.Call) or call.func is not ref:
            return False
        arg = self.parent(call)
        keyword = keyword_of(arg)
        holder = self.parent(arg) if arg is not None else None
        if (
            keyword not in RESULT_SLOTS
            or not isinstance(arg, cst.Arg)
            or arg.value is not call
            or not isinstance(holder, cst.Call)
            or not self.is_holder_call(holder)
            or self.suppressed(call)
            or self.suppressed(arg)
        ):
            return False
        if keyword == "result":
            return True
        from codemods.rules.result_handler_keyword import reads_handler_itself

        return (
            Rule.PRU003 in self.state.active
            and not has_keyword(holder, "result")
            and reads_handler_itself(self, holder) is None
        )


def _constant_entries(
    shared: SharedConstant, target: Target
) -> list[tuple[str | None, str, cst.Call]] | str | None:
    """``(key, handler, constructor)`` of a shared constant (one entry with no key, or a
    dict's entries), or why PRU002 cannot map one of them for ``target`` (``None``: a
    recorded constructor does not parse back, so nothing is claimed)."""
    listed = shared.entries or ((None, shared.handler, shared.source),)
    found: list[tuple[str | None, str, cst.Call]] = []
    for key, handler, source in listed:
        call = _parsed_call(source)
        conversion = conversion_for(handler)
        if call is None or conversion is None:
            return None
        mapped = map_arguments(call, conversion, target)
        if isinstance(mapped, str):
            return mapped
        found.append((key, handler, call))
    return found


def _parsed_call(source: str) -> cst.Call | None:
    """Parse a constructor call recorded by the project index (``None`` if it is not one)."""
    try:
        parsed = cst.parse_expression(source)
    except cst.ParserSyntaxError:
        return None
    return parsed if isinstance(parsed, cst.Call) else None


def _own_returns(func: cst.FunctionDef) -> list[cst.Return] | None:
    """The ``return`` statements of ``func`` itself (not of nested functions or classes);
    ``None`` for a generator, whose calls give no handler."""
    found: list[cst.Return] = []
    pending: list[cst.CSTNode] = [func.body]
    while pending:
        node = pending.pop()
        if isinstance(node, cst.Yield):
            return None
        if isinstance(node, cst.Return):
            found.append(node)
        if not isinstance(node, cst.FunctionDef | cst.ClassDef | cst.Lambda):
            pending.extend(node.children)
    return found


def _all_names(module: cst.Module) -> set[str]:
    from codemods.rules.constructors import module_all_names

    return module_all_names(module)
