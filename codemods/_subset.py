"""Run the rules on the statements of a module that can matter, not on all of it.

In a typical legacy file a few top-level statements use the legacy API and the rest is
unrelated code. Parsing, resolving scopes and walking that code for every rule pass is
most of the cost of a rewrite. A *view* keeps the statements that can matter and replaces
each of the others by a placeholder of the same number of lines, so the rules see the
same line numbers; afterwards the original text of every placeholder is put back.

Which statements can matter (a closure, computed with :mod:`ast` in a fraction of a
libcst parse):

* *seeds*: every statement whose text could hold what a rule matches (the spellings of
  the engine's gate, the package roots, a backslash for escaped keys, ``__all__``, a
  ``*`` import), or the name of a result class the rules may import (a statement binding
  that name makes the new import take an alias);
* every statement that binds, at module level, a name a kept statement mentions, and every
  statement mentioning a name a kept statement binds at module level, until nothing new is
  added. Scopes link statements only through module-level names (``global`` counts as
  module level), so the rules resolve every name of a kept statement as in the whole file,
  with the same assignments and the same references. The rules also know local ``Task``
  and ``ResultHandler`` subclasses by bare name, so a class defined anywhere, even inside a
  function, counts as a binding;
* kept as they are, without pulling in anything else: the first statement and the leading
  block of imports plus the statement after it, where scheduled imports are inserted.

"Mentions" is every identifier in the statement's text, strings and comments included
(string annotations are references), so the closure errs on the side of keeping. Names
are compared as Python reads identifiers (NFKC-normalised), the way :mod:`ast` gives the
bindings.
"""

from __future__ import annotations

import ast
import functools
import re
import unicodedata
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from compat.conversion_table import conversions

from ._cst.names import GATE_SPELLINGS
from ._lines import LINE, ending

__all__ = ["View", "identifiers", "make_view"]

_IDENTIFIER = re.compile(r"[^\W\d]\w*")
#: The result classes the rules import: a statement binding one of these names (or the
#: name with a suffix, as the aliases the rules choose have) decides whether the new
#: import needs an alias, so it must be in the view.
_RESULT_NAMES = sorted({conversion.result for conversion in conversions()})
_SEED = re.compile(
    "|".join(GATE_SPELLINGS)
    + r"|\\|__all__|\bprefect\b|\bcompat\b|\bimport[\s\\]*\*|\b(?:"
    + "|".join(_RESULT_NAMES)
    + ")"
)
#: Below this share of lines left out, a view saves less than it costs.
_MIN_SHARE_LEFT_OUT = 0.15


@dataclass(frozen=True)
class _Chunk:
    """Top-level statements sharing lines: ``first``..``last`` (0-based, inclusive)."""

    first: int
    last: int
    statements: tuple[ast.stmt, ...]


@dataclass(frozen=True)
class _Placeholder:
    """The first line of a placeholder, its number of lines, and the text it stands for."""

    marker: str
    lines: int
    original: str


@dataclass(frozen=True)
class View:
    """A module text with unrelated statements replaced by placeholders."""

    code: str
    placeholders: tuple[_Placeholder, ...]

    def restore(self, code: str) -> str:
        """Put the original text back in place of every placeholder in ``code``.

        The rules never change a placeholder (it holds no name), so each is found by its
        marker and spans the same number of lines as when it was made.
        """
        parts: list[str] = []
        position = 0
        for placeholder in self.placeholders:
            start = code.find(placeholder.marker, position)
            if start < 0:
                raise ValueError("a placeholder was changed by the rules")
            end = start
            for _ in range(placeholder.lines):
                found = LINE.match(code, end)
                if found is None or found.end() == end:
                    raise ValueError("a placeholder was changed by the rules")
                end = found.end()
            parts += [code[position:start], placeholder.original]
            position = end
        parts.append(code[position:])
        return "".join(parts)


def _chunks(tree: ast.Module) -> list[_Chunk]:
    chunks: list[_Chunk] = []
    for stmt in tree.body:
        decorators = getattr(stmt, "decorator_list", ())
        first = min([stmt.lineno, *(d.lineno for d in decorators)]) - 1
        last = (stmt.end_lineno or stmt.lineno) - 1
        if chunks and first <= chunks[-1].last:
            prev = chunks[-1]
            chunks[-1] = _Chunk(prev.first, max(prev.last, last), (*prev.statements, stmt))
        else:
            chunks.append(_Chunk(first, last, (stmt,)))
    return chunks


def _module_bindings(statements: Iterable[ast.stmt], text: str) -> set[str]:
    """Names the statements (whose source is ``text``) bind in the module scope, a superset.

    Also every name declared ``global`` and every class defined anywhere in them: the
    rules know local ``Task`` and ``ResultHandler`` subclasses by bare name, whatever
    scope defines them.
    """
    statements = list(statements)
    # Function and class bodies are searched only if the text can hold a nested class or a
    # `global` (a body without these words binds nothing at module level): walking every
    # body is most of the cost of the view.
    own_classes = sum(isinstance(s, ast.ClassDef) for s in statements)
    search_bodies = "global" in text or text.count("class") > own_classes
    found: set[str] = set()
    stack: list[ast.AST] = list(statements)
    while stack:
        node = stack.pop()
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            found.add(node.name)
            # Decorators, bases, defaults and annotations run in the enclosing scope.
            stack.extend(node.decorator_list)
            if isinstance(node, ast.ClassDef):
                stack.extend(node.bases)
                stack.extend(k.value for k in node.keywords)
            else:
                stack.append(node.args)
                if node.returns is not None:
                    stack.append(node.returns)
            if search_bodies:
                found.update(_nested(node.body))
            continue
        if isinstance(node, ast.Lambda):
            stack.append(node.args)
            continue
        if isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load):
            found.add(node.id)
        elif isinstance(node, ast.alias):
            found.add((node.asname or node.name).split(".")[0])
        elif isinstance(node, ast.Global | ast.Nonlocal):
            found.update(node.names)
        elif isinstance(node, ast.ExceptHandler | ast.MatchAs | ast.MatchStar) and node.name:
            found.add(node.name)
        elif isinstance(node, ast.MatchMapping) and node.rest:
            found.add(node.rest)
        stack.extend(ast.iter_child_nodes(node))
    return found


def _nested(body: list[ast.stmt]) -> set[str]:
    """Names declared ``global``, and names of classes, anywhere under ``body``."""
    names: set[str] = set()
    for stmt in body:
        for node in ast.walk(stmt):
            if isinstance(node, ast.Global):
                names.update(node.names)
            elif isinstance(node, ast.ClassDef):
                names.add(node.name)
    return names


def identifiers(text: str) -> set[str]:
    """Every identifier-like word of ``text``, as Python reads identifiers (NFKC)."""
    if text.isascii():
        return set(_IDENTIFIER.findall(text))
    words: set[str] = set()
    word: list[str] = []
    for char in unicodedata.normalize("NFKC", text):
        if _identifier_char(char):
            word.append(char)
        elif word:
            words.add("".join(word))
            word = []
    if word:
        words.add("".join(word))
    return words


@functools.cache
def _identifier_char(char: str) -> bool:
    """Whether ``char`` may continue an identifier (``·`` and ``℘`` are not ``\\w``)."""
    return ("a" + char).isidentifier()


def _is_single_import(chunk: _Chunk) -> bool:
    statements = chunk.statements
    return len(statements) == 1 and isinstance(statements[0], ast.Import | ast.ImportFrom)


def _forced(chunks: list[_Chunk]) -> set[int]:
    """The first statement, the leading import block and the statement after it."""
    forced = {0}
    index = 1 if chunks and not _is_single_import(chunks[0]) else 0
    while index < len(chunks) and _is_single_import(chunks[index]):
        forced.add(index)
        index += 1
    forced.add(index)
    return {i for i in forced if i < len(chunks)}


def _kept(
    chunks: list[_Chunk], texts: list[str], forced: set[int], limit: float
) -> set[int] | None:
    """The seeds and every chunk linked to a kept one through a module-level name.

    Each name is followed once in each direction (to the chunks binding it, and to the
    chunks mentioning it), so the cost is linear in the number of names in the file.
    ``None`` if the kept chunks and ``forced`` hold more than ``limit`` lines: then no view
    is worth it, which ``_outgrows`` often finds without the bindings of every chunk.
    """
    mentions = [identifiers(t) for t in texts]
    mentioners: dict[str, list[int]] = {}
    for i, words in enumerate(mentions):
        for name in words:
            mentioners.setdefault(name, []).append(i)
    known: dict[int, set[str]] = {}

    def bound(i: int) -> set[str]:
        if i not in known:
            known[i] = _module_bindings(chunks[i].statements, texts[i])
        return known[i]

    seeds = {i for i, text in enumerate(texts) if _SEED.search(text)}
    if _outgrows(chunks, seeds, forced, bound, mentioners, limit):
        return None
    binders: dict[str, list[int]] = {}
    for i in range(len(chunks)):
        for name in bound(i):
            binders.setdefault(name, []).append(i)
    kept = set(seeds)
    queue = list(kept)
    while queue:
        i = queue.pop()
        linked = [binders.pop(name, ()) for name in mentions[i]]
        linked += [mentioners.pop(name, ()) for name in bound(i)]
        for group in linked:
            for j in group:
                if j not in kept:
                    kept.add(j)
                    queue.append(j)
    return kept


def _outgrows(
    chunks: list[_Chunk],
    seeds: set[int],
    forced: set[int],
    bound: Callable[[int], set[str]],
    mentioners: dict[str, list[int]],
    limit: float,
) -> bool:
    """Whether part of the closure of ``seeds``, with ``forced``, holds more than ``limit``
    lines.

    Only one direction is followed (a kept chunk binds a name, so the chunks mentioning it
    are kept), in file order, so the module's leading imports, which bind the names most
    statements use, come first; only the chunks taken this way need their bindings. The
    whole closure holds at least as many lines. A forced chunk counts, but is followed only
    if it is a seed (forced chunks pull in nothing).
    """
    kept = seeds | forced
    size = sum(chunks[i].last - chunks[i].first + 1 for i in kept)
    queue = deque(sorted(seeds))
    followed: set[str] = set()
    while queue and size <= limit:
        for name in bound(queue.popleft()) - followed:
            followed.add(name)
            for j in mentioners.get(name, ()):
                if j not in kept:
                    kept.add(j)
                    size += chunks[j].last - chunks[j].first + 1
                    queue.append(j)
    return size > limit


def make_view(source: str, tree: ast.Module | None = None) -> View | None:
    """Return a view of ``source`` (parsed by :mod:`ast`: ``tree``, if given) without the
    statements that cannot matter.

    ``None`` if ``source`` does not parse with :mod:`ast` (libcst then reports the error)
    or if too little would be left out to be worth it.
    """
    if tree is None:
        try:
            tree = ast.parse(source)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            return None
    chunks = _chunks(tree)
    lines = LINE.findall(source)
    if not chunks or chunks[-1].last >= len(lines):
        return None
    texts = ["".join(lines[c.first : c.last + 1]) for c in chunks]
    forced = _forced(chunks)
    if not _may_leave_out_enough(chunks, texts, forced, len(lines)):
        return None
    chunk_lines = sum(c.last - c.first + 1 for c in chunks)
    kept = _kept(chunks, texts, forced, chunk_lines - _MIN_SHARE_LEFT_OUT * len(lines))
    if kept is None:
        return None
    keep = kept | forced
    left_out = [chunks[i] for i in range(len(chunks)) if i not in keep]
    if sum(c.last - c.first + 1 for c in left_out) < _MIN_SHARE_LEFT_OUT * len(lines):
        return None
    nonce = _nonce(source)
    out = list(lines)
    placeholders: list[_Placeholder] = []
    for n, chunk in enumerate(left_out):
        span = lines[chunk.first : chunk.last + 1]
        endings = [ending(line) for line in span]
        if len(span) == 1:
            marker = f"(...)  # {nonce}-{n}"
            replacement = [marker + endings[0]]
        else:
            marker = f"(...  # {nonce}-{n}"
            replacement = [marker + endings[0], *endings[1:-1], ")" + endings[-1]]
        out[chunk.first : chunk.last + 1] = replacement
        placeholders.append(_Placeholder(marker, len(span), "".join(span)))
    return View("".join(out), tuple(placeholders))


def _may_leave_out_enough(
    chunks: list[_Chunk], texts: list[str], forced: set[int], total_lines: int
) -> bool:
    """Whether the chunks that are neither seeds nor forced reach the share worth leaving out.

    Only they can be left out, so when they do not reach it, the closure (most of the cost
    of a view) need not be computed: the answer is no view. This is the common case in a
    package's own modules, which mention the legacy names in nearly every statement.
    """
    candidates = sum(
        c.last - c.first + 1
        for i, (c, text) in enumerate(zip(chunks, texts, strict=True))
        if i not in forced and not _SEED.search(text)
    )
    return candidates >= _MIN_SHARE_LEFT_OUT * total_lines


def _nonce(source: str) -> str:
    """A marker text that ``source`` does not contain."""
    base = "prefect-result-upgrade-placeholder"
    n = 0
    while f"{base}{n}" in source:
        n += 1
    return f"{base}{n}"
