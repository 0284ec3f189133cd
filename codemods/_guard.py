"""CPython's verdict on a source before libcst sees it.

libcst's native parser recurses once per nesting level and dies with a segmentation fault
(killing the whole run) or takes minutes on sources nested a few thousand levels deep.
CPython's own parser bounds its depth and fails cleanly, so every text is first parsed
with :func:`ast.parse`: a syntax error is reported where CPython reports it, a source too
deep for CPython is refused, and the two shapes CPython keeps flat but libcst nests (long
``and``/``or`` chains and long dotted import names) are bounded explicitly.
"""

from __future__ import annotations

import ast
import re
import warnings
from collections.abc import Iterator

__all__ = ["MAX_CHAIN", "source_problem", "too_deep"]

#: Longest ``a and b and ...`` chain or dotted import name handed to libcst (it crashes
#: near 10,000 and hits Python's recursion limit near 3,000; real code stays far below).
MAX_CHAIN = 1000
_BOOL_WORD = re.compile(r"\b(?:and|or)\b")
_STATEMENT_LISTS = ("body", "orelse", "finalbody", "handlers", "cases")


def source_problem(text: str) -> str | None:
    """Why ``text`` must not reach libcst, as a message ending in the fix; ``None`` if fine."""
    try:
        with warnings.catch_warnings():
            # Invalid escapes and the like are the code's business, not a reason to refuse it.
            warnings.simplefilter("ignore")
            tree = ast.parse(text)
    except SyntaxError as exc:
        where = f"line {exc.lineno}" + (f", column {exc.offset}" if exc.offset else "")
        return f"is not valid Python ({where}: {exc.msg}); fix the syntax or exclude the file"
    except ValueError as exc:  # null bytes, on Python < 3.12
        return f"is not valid Python ({exc}); fix the file or exclude it"
    except (RecursionError, MemoryError):
        return too_deep("Python itself cannot parse it")
    longest = _longest_dotted_import(tree)
    if longest > MAX_CHAIN:
        return too_deep(f"an import names a module of {longest} dotted parts, over {MAX_CHAIN}")
    if len(_BOOL_WORD.findall(text)) >= MAX_CHAIN:  # n operands need n - 1 words
        longest = max(
            (len(n.values) for n in ast.walk(tree) if isinstance(n, ast.BoolOp)), default=0
        )
        if longest > MAX_CHAIN:
            return too_deep(f"an 'and'/'or' chain has {longest} operands, over {MAX_CHAIN}")
    return None


def too_deep(why: str) -> str:
    """The message for a source nested deeper than the rewrite can follow, saying ``why``."""
    return (
        f"is nested too deeply to be rewritten safely ({why}); "
        "split the expression or exclude the file"
    )


def _statements(tree: ast.Module) -> Iterator[ast.AST]:
    """Every statement of ``tree`` at any depth, without visiting expressions."""
    stack: list[ast.AST] = list(tree.body)
    while stack:
        node = stack.pop()
        yield node
        for name in _STATEMENT_LISTS:
            stack.extend(getattr(node, name, ()))


def _longest_dotted_import(tree: ast.Module) -> int:
    longest = 0
    for node in _statements(tree):
        if isinstance(node, ast.Import):
            longest = max(longest, *(alias.name.count(".") + 1 for alias in node.names))
        elif isinstance(node, ast.ImportFrom) and node.module:
            longest = max(longest, node.module.count(".") + 1)
    return longest
