"""Code and positions generated per top-level statement, shared by a module's versions.

A rule pass builds new nodes only for the statements it changes (see ``_traverse``), so
the next version of a module shares every other statement object with the previous one.
Generating code, line counts and positions per statement, and caching them by statement,
turns the cost of each new version into the cost of its changed statements. The values
are libcst's own: the statement's code is what ``Module.code`` emits for it, and a node's
position is what ``PositionProvider`` computes, shifted by the lines above the statement.
"""

from __future__ import annotations

import contextlib
import re

import libcst as cst
from libcst._nodes.internal import CodegenState
from libcst.metadata import CodePosition, CodeRange

from codemods._lines import line_count

__all__ = ["CodeCache", "GeneratedCode"]

_NEWLINE = re.compile(r"\r\n?|\n")  # what libcst's position state splits tokens at


class GeneratedCode:
    """One statement's code, its line count and its last token."""

    __slots__ = ("last_token", "lines", "ranges", "text", "tokens")

    def __init__(self, tokens: list[str]) -> None:
        self.text = "".join(tokens)
        self.tokens = len(tokens)
        self.last_token = tokens[-1] if tokens else ""
        # Line endings as libcst's positions count them, token by token (a "\r" ending one
        # token and a "\n" starting the next are two); without "\r" that is a plain count.
        if "\r" in self.text:
            self.lines = sum(line_count(t) for t in tokens)
        else:
            self.lines = self.text.count("\n")
        self.ranges: dict[int, _Range] | None = None


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
            state = _CodeState(
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

    def lines(self, module: cst.Module, node: cst.CSTNode) -> int:
        """Return the number of lines of top-level ``node``'s code (header, body or footer)."""
        return self._statement(module, node).lines

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
        cache = self._for(module)
        generated = cache.get(statement)
        if generated is None or generated.ranges is None:
            # One code generation gives the positions and the code (the same tokens).
            state = _PositionState(module.default_indent, module.default_newline)
            statement._codegen(state)
            if generated is None:
                generated = cache[statement] = GeneratedCode(state.tokens)
            generated.ranges = state.ranges
        start_line_in, start_column, end_line_in, end_column = generated.ranges[id(node)]
        shift = start_line - 1
        return CodeRange(
            CodePosition(start_line_in + shift, start_column),
            CodePosition(end_line_in + shift, end_column),
        )


class _CodeState(CodegenState):
    """libcst's code generation state, with a cheaper no-op ``record_syntactic_position``.

    libcst's is a generator-based context manager doing nothing, entered for most nodes;
    a shared ``nullcontext`` does the same nothing without building a generator each time.
    """

    def record_syntactic_position(  # type: ignore[override]
        self,
        node: cst.CSTNode,
        *,
        start_node: cst.CSTNode | None = None,
        end_node: cst.CSTNode | None = None,
    ) -> contextlib.nullcontext[None]:
        return _NOTHING


_NOTHING: contextlib.nullcontext[None] = contextlib.nullcontext()


#: start line, start column, end line, end column (as ``PositionProvider`` gives them)
_Range = tuple[int, int, int, int]


class _PositionState(CodegenState):
    """``PositionProvidingCodegenState``'s positions at a fraction of its cost.

    The same computation: a node's range is from where its code starts to where it ends,
    unless the node records a syntactic position (from the start of the ``with`` block it
    opens, or of ``start_node``, to its end, or ``end_node``'s end), which is kept. Only
    cheaper: plain tuples keyed by node id instead of ``CodeRange`` objects keyed by node
    (whose hash is Python code), a line count only for tokens holding a line break, and
    a plain class for the context manager ``record_syntactic_position`` returns.
    """

    def __init__(self, default_indent: str, default_newline: str) -> None:
        super().__init__(default_indent=default_indent, default_newline=default_newline)
        self.line = 1  # one-based
        self.column = 0  # zero-based
        self.ranges: dict[int, _Range] = {}
        self._starts: list[tuple[int, int]] = []

    def add_indent_tokens(self) -> None:
        self.tokens.extend(self.indent_tokens)
        for token in self.indent_tokens:
            self._advance(token)

    def add_token(self, value: str) -> None:
        self.tokens.append(value)
        self._advance(value)

    def _advance(self, value: str) -> None:
        if "\n" not in value and "\r" not in value:
            self.column += len(value)
            return
        segments = _NEWLINE.split(value)
        self.line += len(segments) - 1
        self.column = len(segments[-1])

    def before_codegen(self, node: cst.CSTNode) -> None:
        self._starts.append((self.line, self.column))

    def after_codegen(self, node: cst.CSTNode) -> None:
        line, column = self._starts.pop()
        key = id(node)
        if key not in self.ranges:  # a syntactic position recorded already stays
            self.ranges[key] = (line, column, self.line, self.column)

    def record_syntactic_position(  # type: ignore[override]
        self,
        node: cst.CSTNode,
        *,
        start_node: cst.CSTNode | None = None,
        end_node: cst.CSTNode | None = None,
    ) -> _SyntacticPosition:
        return _SyntacticPosition(self, node, start_node, end_node)


class _SyntacticPosition:
    """Records ``node``'s syntactic range when its ``with`` block ends (even by an error)."""

    __slots__ = ("column", "end_node", "line", "node", "start_node", "state")

    def __init__(
        self,
        state: _PositionState,
        node: cst.CSTNode,
        start_node: cst.CSTNode | None,
        end_node: cst.CSTNode | None,
    ) -> None:
        self.state, self.node = state, node
        self.start_node, self.end_node = start_node, end_node
        self.line, self.column = state.line, state.column

    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        state = self.state
        ranges = state.ranges
        if self.start_node is None:
            start_line, start_column = self.line, self.column
        else:
            start_line, start_column = ranges[id(self.start_node)][:2]
        if self.end_node is None:
            end_line, end_column = state.line, state.column
        else:
            end_line, end_column = ranges[id(self.end_node)][2:]
        ranges[id(self.node)] = (start_line, start_column, end_line, end_column)
