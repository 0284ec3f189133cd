"""Code and positions generated per top-level statement, shared by a module's versions.

A rule pass builds new nodes only for the statements it changes (see ``_traverse``), so
the next version of a module shares every other statement object with the previous one.
Generating code, line counts and positions per statement, and caching them by statement,
turns the cost of each new version into the cost of its changed statements. The values
are libcst's own: the statement's code is what ``Module.code`` emits for it, and a node's
position is what ``PositionProvider`` computes, shifted by the lines above the statement.
"""

from __future__ import annotations

import libcst as cst
from libcst._nodes.internal import CodegenState
from libcst.metadata import CodePosition, CodeRange, PositionProvider
from libcst.metadata.position_provider import PositionProvidingCodegenState

from codemods._lines import line_count

__all__ = ["CodeCache", "GeneratedCode"]


class GeneratedCode:
    """One statement's code, its line count and its last token."""

    __slots__ = ("last_token", "lines", "ranges", "text", "tokens")

    def __init__(self, tokens: list[str]) -> None:
        self.text = "".join(tokens)
        self.tokens = len(tokens)
        self.last_token = tokens[-1] if tokens else ""
        self.lines = sum(line_count(t) for t in tokens)  # as libcst counts for positions
        self.ranges: dict[cst.CSTNode, CodeRange] | None = None


class CodeCache:
    """Per-statement code and positions for the versions of one module.

    Keyed by node identity, so only valid while the nodes are alive and unchanged (libcst
    nodes are immutable); one cache serves one run of the rules over one file.
    """

    def __init__(self) -> None:
        self._generated: dict[tuple[str, str], dict[cst.CSTNode, GeneratedCode]] = {}

    def _for(self, module: cst.Module) -> dict[cst.CSTNode, GeneratedCode]:
        return self._generated.setdefault((module.default_indent, module.default_newline), {})

    def _statement(self, module: cst.Module, node: cst.CSTNode) -> GeneratedCode:
        cache = self._for(module)
        found = cache.get(node)
        if found is None:
            state = CodegenState(
                default_indent=module.default_indent, default_newline=module.default_newline
            )
            node._codegen(state)
            found = cache[node] = GeneratedCode(state.tokens)
        return found

    def segments(self, module: cst.Module) -> list[tuple[cst.CSTNode, GeneratedCode]]:
        """Return the header lines, statements and footer lines of ``module`` with their code.

        Each segment's ``text`` ends with a line ending and holds ``lines`` of them.
        """
        nodes = (*module.header, *module.body, *module.footer)
        return [(node, self._statement(module, node)) for node in nodes]

    def code(self, module: cst.Module) -> str:
        """Return ``module.code``, reusing the code of statements generated before."""
        parts = [generated for _, generated in self.segments(module)]
        text = "".join(p.text for p in parts)
        if module.has_trailing_newline:  # what Module._codegen_impl does at the end
            return text if any(p.tokens for p in parts) else module.default_newline
        last = next((p.last_token for p in reversed(parts) if p.tokens), "")
        return text[: len(text) - len(last)]

    def starts(self, module: cst.Module) -> dict[cst.CSTNode, int]:
        """Return the line (1-based) where each top-level statement's code begins."""
        line = 1 + sum(self._statement(module, n).lines for n in module.header)
        starts: dict[cst.CSTNode, int] = {}
        for statement in module.body:
            starts[statement] = line
            line += self._statement(module, statement).lines
        return starts

    def position(
        self, module: cst.Module, statement: cst.CSTNode, start_line: int, node: cst.CSTNode
    ) -> CodeRange:
        """Return ``PositionProvider``'s range for ``node`` inside top-level ``statement``."""
        generated = self._statement(module, statement)
        if generated.ranges is None:
            generated.ranges = _relative_ranges(module, statement)
        found = generated.ranges[node]
        shift = start_line - 1
        return CodeRange(
            CodePosition(found.start.line + shift, found.start.column),
            CodePosition(found.end.line + shift, found.end.column),
        )


def _relative_ranges(module: cst.Module, statement: cst.CSTNode) -> dict[cst.CSTNode, CodeRange]:
    """Positions of ``statement`` and its descendants as if its code began on line 1."""
    provider = PositionProvider()
    state = PositionProvidingCodegenState(
        default_indent=module.default_indent,
        default_newline=module.default_newline,
        provider=provider,
    )
    statement._codegen(state)
    return provider._computed
