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

import libcst as cst

from codemods._catalogue import Rule
from codemods._types import Target

from . import _names
from ._base import RuleTransformer

__all__ = ["LegacyResultRule"]

_SAFE_RESULT_PATHS = ("engine.result.SafeResult", "engine.result.base.SafeResult")


def _is_safe_result(qname: str) -> bool:
    root, _, rest = qname.partition(".")
    return root in _names.ROOTS and rest in _SAFE_RESULT_PATHS


class LegacyResultRule(RuleTransformer):
    """Report legacy result objects; drop ``.to_result()`` where it returned ``self``."""

    rule = Rule.PRU005
    TRIGGERS = frozenset({"SafeResult", "safe_value", "store_safe_value", "to_result"})
    TRIGGERED_BY_ALIASES = True

    @classmethod
    def applies(cls, code: str, target: Target) -> bool:
        # `SafeResult` is named where imported or accessed; the rest are attribute names.
        return "SafeResult" in code or "safe_value" in code or "to_result" in code

    def leave_Name(self, original_node: cst.Name, updated_node: cst.Name) -> cst.Name:
        self._check_safe_result(original_node)
        return updated_node

    def _check_safe_result(self, node: cst.Name | cst.Attribute) -> None:
        if self.target is Target.COMPAT:
            return  # compat keeps SafeResult
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
