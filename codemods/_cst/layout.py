"""Calls the rules lengthened past :data:`MAX_LINE` are split over lines, as ruff/black would.

A rewrite such as ``result=ResultHandlerResult(MyHandler(...))`` can push a line that fitted
past the limit, and a ruff-clean file must stay clean (E501). Only lines the rules made (a
line not found in the source as it was) are touched: on such a line the outermost call that
fits on it gets its arguments on one indented line between the brackets if that line fits,
else one argument per line with a trailing comma (splitting a call argument the same way if
its line is still too long). A line with no call to split is left as it is.
"""

from __future__ import annotations

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider

from codemods._lines import split_lines

from .base import MAX_LINE, line_width

__all__ = ["fit_long_lines"]

_STEP = "    "


def fit_long_lines(module: cst.Module, code: str, source: str) -> cst.Module:
    """Return ``module`` (rendering ``code``) with the new overlong lines' calls split."""
    lines = split_lines(code)
    kept = set(split_lines(source))
    long = {
        number
        for number, line in enumerate(lines, start=1)
        if line_width(line) > MAX_LINE and line not in kept
    }
    if not long:
        return module
    positions = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
    # Per line, the call starting first and, of those (``super().f(...)``), ending last.
    chosen: dict[int, tuple[tuple[int, int], cst.Call]] = {}
    for node, where in positions.items():
        line = where.start.line
        if isinstance(node, cst.Call) and line in long and where.end.line == line:
            span = (where.start.column, -where.end.column)
            best = chosen.get(line)
            if best is None or span < best[0]:
                chosen[line] = (span, node)
    if not chosen:
        return module
    indents = {call: _leading(lines[line - 1]) for line, (_, call) in chosen.items()}
    fitted = module.visit(_Splitter(indents, module))
    assert isinstance(fitted, cst.Module)
    return fitted


def _leading(line: str) -> str:
    return line[: len(line) - len(line.lstrip(" \t"))]


class _Splitter(cst.CSTTransformer):
    def __init__(self, indents: dict[cst.Call, str], module: cst.Module) -> None:
        super().__init__()
        self._indents = indents
        self._module = module
        self._in_fstring = 0

    def visit_FormattedString(self, node: cst.FormattedString) -> None:
        self._in_fstring += 1

    def leave_FormattedString(
        self, original_node: cst.FormattedString, updated_node: cst.FormattedString
    ) -> cst.FormattedString:
        self._in_fstring -= 1
        return updated_node

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.Call:
        indent = self._indents.get(original_node)
        if indent is None or not updated_node.args or self._in_fstring:
            return updated_node  # a line break inside an f-string's braces needs 3.12
        return _split(updated_node, indent, self._module)


def _break(indent: str) -> cst.ParenthesizedWhitespace:
    return cst.ParenthesizedWhitespace(
        first_line=cst.TrailingWhitespace(),
        empty_lines=[],
        indent=False,
        last_line=cst.SimpleWhitespace(indent),
    )


def _plain(arg: cst.Arg) -> cst.Arg:
    """``arg`` without its comma and the space around it."""
    return arg.with_changes(comma=cst.MaybeSentinel.DEFAULT, whitespace_after_arg=_NONE)


_NONE = cst.SimpleWhitespace("")
_SPACE = cst.SimpleWhitespace(" ")


def _split(call: cst.Call, indent: str, module: cst.Module) -> cst.Call:
    """Return ``call`` with its arguments on their own lines, one step deeper than ``indent``."""
    inner = indent + ("\t" if "\t" in indent else _STEP)  # a tab-indented file's own step
    args = [_plain(a) for a in call.args]
    hugged = [a.with_changes(comma=cst.Comma(whitespace_after=_SPACE)) for a in args[:-1]] + [
        args[-1].with_changes(whitespace_after_arg=_break(indent))
    ]
    body = module.code_for_node(cst.Call(func=cst.Name("f"), args=[*hugged[:-1], args[-1]]))
    magic = isinstance(call.args[-1].comma, cst.Comma)
    if line_width(inner) + len(body) - len("f()") <= MAX_LINE and not magic:
        return call.with_changes(whitespace_before_args=_break(inner), args=hugged)
    if len(args) == 1 and isinstance(args[0].value, cst.GeneratorExp):
        return call  # a bare generator argument takes no trailing comma
    exploded = []
    for number, arg in enumerate(args):
        if line_width(inner) + len(module.code_for_node(arg)) + 1 > MAX_LINE and isinstance(
            arg.value, cst.Call
        ):
            arg = arg.with_changes(value=_split(arg.value, inner, module))
        after = _break(indent if number == len(args) - 1 else inner)
        exploded.append(arg.with_changes(comma=cst.Comma(whitespace_after=after)))
    return call.with_changes(whitespace_before_args=_break(inner), args=exploded)
