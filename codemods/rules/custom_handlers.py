"""PRU004: uses of custom ``ResultHandler`` subclasses become ``ResultHandlerResult(...)``.

The class itself stays (its ``read``/``write`` hold the user's storage logic); where an
instance is given as a task's or flow's ``result=`` it is wrapped:
``result=ResultHandlerResult(MyHandler(...))``. Subclasses of built-in handlers are wrapped
too rather than flattened into the built-in result, which would lose their overrides. A
class whose ``read``/``write`` cannot be called like the base's gets a TODO instead.

``ResultHandlerResult`` lives in ``<root>.engine.results``; Prefect 0.14+ removed it, so for
the prefect target this rewrite needs Prefect 0.11–0.13 (the site message says so).
Order: runs after PRU003 (which renames ``result_handler=`` slots) and before PRU002.
"""

from __future__ import annotations

from typing import TypeVar

import libcst as cst

from codemods._catalogue import Rule
from codemods._cst import names as _names
from codemods._cst.metadata import ESCAPED_STRING
from codemods._cst.slots import CustomHandler, SlotMixin
from codemods._types import Target

from .constructors import result_class_expression

__all__ = ["CustomHandlerRule"]

_WRAPPER = "ResultHandlerResult"
_WithValue = TypeVar("_WithValue", cst.Arg, cst.Assign, cst.DictElement)


class CustomHandlerRule(SlotMixin):
    """Wrap custom handler instances given as results."""

    rule = Rule.PRU004
    TRIGGERS = frozenset({"result", "result_handler", ESCAPED_STRING})
    JOINS_PREVIOUS = True

    @classmethod
    def applies(cls, code: str, target: Target) -> bool:
        # Handler classes resolve through an import of `...result_handlers` or, for a
        # project's own handlers, are given where a handler was: `result_handler=`.
        return "result_handler" in code

    def _custom(self, value: cst.BaseExpression) -> CustomHandler | None:
        if isinstance(value, cst.Name):
            held = self.single_value(value)
            value = held if held is not None else value
        if isinstance(value, cst.Call):
            return self.custom_handler_class(value)
        return None

    def _wrap(
        self, original: cst.BaseExpression, updated: cst.BaseExpression
    ) -> cst.BaseExpression:
        custom = self._custom(original)
        if custom is None:
            return updated
        if custom.problem is not None:
            self.todo(original, custom.problem)
            return updated
        wrapper = result_class_expression(
            self, original, _names.results_module(self.target), _WRAPPER
        )
        note = (
            "; needs Prefect 0.11-0.13 (0.14 removed ResultHandlerResult)"
            if self.target is Target.PREFECT
            else ""
        )
        self.rewritten(original, f"custom handler wrapped in {_WRAPPER}{note}")
        return cst.Call(func=wrapper, args=[cst.Arg(updated)])

    def leave_Arg(self, original_node: cst.Arg, updated_node: cst.Arg) -> cst.Arg:
        slot = self.slot_of(original_node.value)
        if slot is None:
            return updated_node
        if slot[0] == "result_handler":
            if not self.in_conflicting_call(original_node.value):
                self._flag_signature(original_node.value)
            return updated_node
        return self._with_value(updated_node, self._wrap(original_node.value, updated_node.value))

    def leave_Assign(self, original_node: cst.Assign, updated_node: cst.Assign) -> cst.Assign:
        return self._keyed(self.assign_slot(original_node), original_node, updated_node)

    def leave_DictElement(
        self, original_node: cst.DictElement, updated_node: cst.DictElement
    ) -> cst.DictElement:
        return self._keyed(self.entry_slot(original_node), original_node, updated_node)

    def _keyed(self, key: str | None, original: _WithValue, updated: _WithValue) -> _WithValue:
        """Wrap the value of a ``result`` slot set by key; check a ``result_handler`` one."""
        if key == "result_handler":
            self._flag_signature(original.value)
        if key != "result":
            return updated
        return self._with_value(updated, self._wrap(original.value, updated.value))

    @staticmethod
    def _with_value(node: _WithValue, value: cst.BaseExpression) -> _WithValue:
        # Return the node itself when nothing was wrapped: the engine sees no change.
        return node if value is node.value else node.with_changes(value=value)

    def _flag_signature(self, value: cst.BaseExpression) -> None:
        custom = self._custom(value)
        if custom is not None and custom.problem is not None:
            self.todo(value, custom.problem)
