"""Several rule passes in one traversal over one version of a module.

Each pass sees the callbacks it would see alone, in the same order: ``on_visit`` for every
node it enters (a pass that declines a node gets nothing below it but still its
``on_leave``), and ``on_leave`` with the original node and the node as the passes before
it left it. All read the metadata of the version being traversed; a pass whose decisions
depend on an earlier pass's changes asks for them (``PassState.earlier``).
"""

from __future__ import annotations

from collections.abc import Sequence

import libcst as cst

from .base import RuleTransformer

__all__ = ["CompositePass"]


class CompositePass(cst.CSTTransformer):
    """Run ``passes`` (in order) in a single traversal."""

    def __init__(self, passes: Sequence[RuleTransformer]) -> None:
        super().__init__()
        self.passes = tuple(passes)
        # The node each pass declined to enter, while inside it.
        self._declined: list[cst.CSTNode | None] = [None] * len(self.passes)

    @property
    def changed(self) -> bool:
        """Whether any pass changed the module."""
        return any(p.changed for p in self.passes)

    def on_visit(self, node: cst.CSTNode) -> bool:
        enter = False
        for index, rule_pass in enumerate(self.passes):
            if self._declined[index] is not None:
                continue
            if rule_pass.on_visit(node):
                enter = True
            else:
                self._declined[index] = node
        return enter

    def on_leave(
        self, original_node: cst.CSTNode, updated_node: cst.CSTNode
    ) -> cst.CSTNode | cst.RemovalSentinel | cst.FlattenSentinel[cst.CSTNode]:
        result: cst.CSTNode | cst.RemovalSentinel | cst.FlattenSentinel[cst.CSTNode]
        result = updated_node
        for index, rule_pass in enumerate(self.passes):
            declined = self._declined[index]
            if declined is not None:
                if declined is not original_node:
                    continue  # inside a node this pass declined
                self._declined[index] = None
            if isinstance(result, cst.CSTNode):
                result = rule_pass.on_leave(original_node, result)
            # else: removed or replaced by several nodes, nothing left to hand on (as if
            # the later passes ran after this one, where the node no longer exists)
        return result
