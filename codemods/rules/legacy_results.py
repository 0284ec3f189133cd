"""PRU005: the legacy result objects (``SafeResult``, ``.safe_value``, ``.store_safe_value()``,
``.to_result()``).

Prefect 0.14 removed all of them, and none has an equivalent that is the same in every
case: a ``SafeResult``'s ``value`` is a handler's output (a path, a key, a JSON string),
which a checkpointed ``Result`` keeps in ``location`` but an unwritten one does not. So the
rule rewrites only what is provably the same and leaves a TODO elsewhere:

* ``Result(...).to_result()`` (no handler argument, receiver constructed right there as a
  new-model result): ``to_result`` returned ``self``, so the call is dropped;
* every other ``.to_result(...)``, each ``.safe_value`` and ``.store_safe_value()``, and every
  use of ``SafeResult``: TODO.

``NoResult``/``NoResultType`` are left alone: they still live in ``<root>.engine.result``
in Prefect 0.11 through 1.x (0.14 made ``NoResultType`` a ``Result`` subclass), so the
legacy import path did not move. (For the compat target PRU001 moves the import root.)
Attribute names of unknown objects cannot be resolved, so ``.safe_value`` and friends are
reported only in files that import from ``prefect`` or ``compat``. For the compat target
nothing is reported: compat keeps all of them.
"""

from __future__ import annotations

import re

import libcst as cst
import libcst.matchers as m

from codemods._catalogue import Rule
from codemods._cst import names as _names
from codemods._cst.slots import SlotMixin, map_arguments
from codemods._types import Target
from compat.conversion_table import conversion_for

from .constructors import result_class_expression

#: Scratch key: names whose uses a rule rewrote away (the legacy ``Result``); PRU001 removes
#: their import once nothing else uses them.
REWRITTEN_AWAY = "rewritten_away"

__all__ = ["REWRITTEN_AWAY", "LegacyResultRule"]

_SAFE_RESULT_PATHS = ("engine.result.SafeResult", "engine.result.base.SafeResult")  # end: may_name
_WRAPPER = "ResultHandlerResult"
# The legacy constructor is named `Result` where it is imported or called (even aliased).
_RESULT_WORD = re.compile(r"\bResult\b")


def _keyword(name: str, value: cst.BaseExpression) -> cst.Arg:
    tight = cst.AssignEqual(
        whitespace_before=cst.SimpleWhitespace(""), whitespace_after=cst.SimpleWhitespace("")
    )
    return cst.Arg(keyword=cst.Name(name), value=value, equal=tight)


def _is_safe_result(qname: str) -> bool:
    root, _, rest = qname.partition(".")
    return root in _names.ROOTS and rest in _SAFE_RESULT_PATHS


class LegacyResultRule(SlotMixin):
    """Report legacy result objects; drop ``.to_result()`` where it returned ``self``."""

    rule = Rule.PRU005
    # The legacy constructor is a call of `Result` (a word of the statement, or a name an
    # `import ... as` binds): its `result_handler=` alone would make the pass enter every
    # statement giving a Task or Flow a handler, which it has nothing to do with.
    TRIGGERS = frozenset({"SafeResult", "safe_value", "store_safe_value", "to_result", "Result"})
    TRIGGERED_BY_ALIASES = True

    @classmethod
    def applies(cls, code: str, target: Target) -> bool:
        # `SafeResult` is named where imported or accessed; the rest are attribute names,
        # and the legacy `Result(...)` constructor takes `result_handler=`.
        return (
            "SafeResult" in code
            or "safe_value" in code
            or "to_result" in code
            or ("result_handler" in code and _RESULT_WORD.search(code) is not None)
        )

    def leave_Name(self, original_node: cst.Name, updated_node: cst.Name) -> cst.Name:
        self._check_safe_result(original_node)
        return updated_node

    def _check_safe_result(self, node: cst.Name | cst.Attribute) -> None:
        if self.target is Target.COMPAT:
            return  # compat keeps SafeResult
        if not self.may_name(node, "SafeResult"):
            return
        if not any(_is_safe_result(q) for q in self.qnames(node)):
            return
        parent = self.parent(node)
        if isinstance(parent, cst.Attribute) and parent.value is node:
            return  # reported on the full dotted name
        if any(isinstance(a, cst.Import | cst.ImportFrom) for a in self.ancestors(node)):
            return  # the import still works on Prefect 0.11-0.13; uses are reported
        self.todo(
            node,
            "SafeResult is gone: use `.location`",
        )

    def leave_Attribute(
        self, original_node: cst.Attribute, updated_node: cst.Attribute
    ) -> cst.BaseExpression:
        self._check_safe_result(original_node)
        if not self.imports_prefect or self.target is Target.COMPAT:
            return updated_node  # compat keeps `.safe_value` and `.store_safe_value()`
        attr = original_node.attr.value
        parent = self.parent(original_node)
        called = isinstance(parent, cst.Call) and parent.func is original_node
        if attr == "safe_value":
            self.todo(
                original_node,
                "`.safe_value` is gone: use `.location`",
            )
        elif attr == "store_safe_value" and called:
            self.todo(
                original_node,
                "`.store_safe_value()` is gone: use `.write()`",
            )
        return updated_node

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        if self.is_legacy_result_call(original_node):
            return self._legacy_result(original_node, updated_node)
        func = original_node.func
        if not self.imports_prefect or not isinstance(func, cst.Attribute):
            return updated_node
        if func.attr.value != "to_result":
            return updated_node
        receiver = func.value
        if (
            not original_node.args
            and isinstance(receiver, cst.Call)
            and any(_names.is_result_class(q) for q in self.qnames(receiver.func))
        ):
            self.rewritten(original_node, "`.to_result()` returned the result itself: dropped")
            updated_func = updated_node.func
            assert isinstance(updated_func, cst.Attribute)
            receiver_node = updated_func.value
            return receiver_node.with_changes(
                lpar=[*updated_node.lpar, *receiver_node.lpar],
                rpar=[*receiver_node.rpar, *updated_node.rpar],
            )
        if self.target is Target.COMPAT:
            return updated_node  # compat keeps `.to_result()`
        self.todo(
            original_node,
            "`.to_result()` is gone: use `.read()`",
        )
        return updated_node

    # -- the legacy constructor `Result(value, result_handler=...)` ---------------------

    def _legacy_result(self, original: cst.Call, updated: cst.Call) -> cst.BaseExpression:
        """``Result(v, result_handler=H(...))`` -> ``R(value=v, ...)``, H's result class."""
        keywords = [a.keyword.value if a.keyword else None for a in original.args]
        if "result_handler" not in keywords:
            return updated
        where = keywords.index("result_handler")
        value = next(
            (
                u.value
                for o, u in zip(original.args, updated.args)
                if (o.keyword is None and not o.star) or (o.keyword and o.keyword.value == "value")
            ),
            None,
        )
        if len(original.args) > (2 if value is not None else 1) or any(
            a.star for a in original.args
        ):
            self._todo_unless_compat(original, "extra `Result(...)` arguments: convert by hand")
            return updated
        handler, new_handler = original.args[where].value, updated.args[where].value
        rest = [] if value is None else [_keyword("value", value)]
        if m.matches(handler, m.Name("None")):
            self.rewritten(original, "`result_handler=None` dropped from `Result(...)`")
            return updated.with_changes(args=rest)
        built = self._result_for(handler, new_handler)
        if isinstance(built, str):
            self._todo_unless_compat(original, built)
            return updated
        func, args = built
        given = next((a.value for a in args if a.keyword and a.keyword.value == "value"), None)
        if given is not None and value is not None:
            if not given.deep_equals(value):
                self._todo_unless_compat(original, "two different values for `Result(...)`")
                return updated
            rest = []  # `Result(v, result_handler=ConstantResultHandler(v))`
        spelled = cst.Module([]).code_for_node(func)
        self.rewritten(original, f"legacy `Result(..., result_handler=)` -> `{spelled}(...)`")
        if isinstance(original.func, cst.Name):  # PRU001 drops its import if now unused
            self.state.scratch.setdefault(REWRITTEN_AWAY, set()).add(original.func.value)
        return cst.Call(
            func=func,
            args=[a.with_changes(comma=cst.MaybeSentinel.DEFAULT) for a in [*args, *rest]],
        )

    def _todo_unless_compat(self, node: cst.Call, message: str) -> None:
        """Report a legacy ``Result(...)`` left as written; compat's ``Result`` takes it."""
        if self.target is not Target.COMPAT:
            self.todo(node, message)

    def _result_for(
        self, handler: cst.BaseExpression, new_handler: cst.BaseExpression
    ) -> tuple[cst.BaseExpression, list[cst.Arg]] | str:
        """Return the result class and its arguments for a handler expression, or why not."""
        results = _names.results_module(self.target)
        if isinstance(handler, cst.Call) and isinstance(new_handler, cst.Call):
            name = self.handler_of(handler.func)
            conversion = conversion_for(name) if name else None
            if conversion is not None:
                if Rule.PRU002 not in self.state.active:
                    return "legacy `Result(...)`: PRU002 is not selected"
                mapped = map_arguments(new_handler, conversion, self.target)
                if isinstance(mapped, str):
                    return mapped
                return result_class_expression(self, handler, results, conversion.result), mapped
            custom = self.custom_handler_class(handler)
            if custom is not None and custom.problem is None and Rule.PRU004 in self.state.active:
                wrapper = result_class_expression(self, handler, results, _WRAPPER)
                return wrapper, [cst.Arg(new_handler)]
            if custom is not None and custom.problem is not None:
                return custom.problem
        if not isinstance(handler, cst.Call):
            return "handler made elsewhere: convert by hand"
        return "convert this `Result(...)` by hand"
