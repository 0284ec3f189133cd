"""Where a value ends up as a task's or flow's result: the "slots" rules agree on.

PRU002, PRU003 and PRU004 must take the same decision about the same value (renaming
``result_handler=`` while leaving the handler in place would break the code), so the
questions "is this value in a result slot?" and "will this value be a ``Result`` after the
other rules ran?" are answered here, once.
"""

from __future__ import annotations

from dataclasses import dataclass

import libcst as cst

from codemods._catalogue import Rule
from codemods._project import HANDLER
from codemods._types import Target
from compat.conversion_table import Conversion, conversion_for

from . import _names
from ._base import RuleTransformer

__all__ = ["CustomHandler", "SlotMixin", "has_keyword", "map_arguments", "signature_problem"]

RESULT_SLOTS = frozenset({"result", "result_handler"})


def has_keyword(call: cst.Call, keyword: str) -> bool:
    """Return whether ``call`` passes ``keyword=``."""
    return any(a.keyword is not None and a.keyword.value == keyword for a in call.args)


def _keyword_of(node: cst.CSTNode | None) -> str | None:
    if isinstance(node, cst.Arg) and node.keyword is not None:
        return node.keyword.value
    return None


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
        if not isinstance(assign, cst.Assign) or assign.value is not node:
            return None
        return self.assign_slot(assign)

    def in_conflicting_call(self, value: cst.CSTNode) -> bool:
        """Return whether ``value`` is given as ``result_handler=`` next to ``result=``.

        PRU003 reports that call once (keep one of the two); the other rules leave it alone.
        """
        slot = self.slot_of(value)
        return (
            slot is not None
            and _keyword_of(self.parent(value)) == "result_handler"
            and has_keyword(slot[1], "result")
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
            _keyword_of(arg) == "result_handler"
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
        if isinstance(value, cst.Name):
            held = self.single_value(value)
            uses = self.uses_of(value)
            return (
                isinstance(held, cst.Call)
                and self.call_becomes_result(held)
                and bool(uses)
                and all(self.result_slot(use) is not None for use in uses or ())
            )
        return False
