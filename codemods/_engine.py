"""The rewriting engine: a cheap text gate, the rule pipeline, and the safety checks.

``transform_source`` parses the *view* of the source (``_subset``: the statements that
can matter, the others replaced by placeholders of the same height) and runs the selected
rules over it in the order of ``codemods.rules.PIPELINE``; a rule that ``JOINS_PREVIOUS``
shares the traversal of the one before it. Then it applies the scheduled import additions
(``_cst.add_imports``, the same edits as libcst's ``AddImportsVisitor``) and puts the
left-out text back. A pass runs only if its text gate accepts the current code, and
metadata is resolved once per version of the module (a traversal that changes nothing
keeps the version). Sites are reported with line numbers of the *original* text: a
traversal that changes the number of lines (a TODO comment, an import split) gets its
lines mapped back through a line diff. ``rewrite_checked`` adds the verification every
written file must pass.
"""

from __future__ import annotations
import __future__

import ast
import difflib
import gc
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import libcst as cst
from libcst.codemod import CodemodContext
from libcst.codemod.visitors import AddImportsVisitor

from ._added_comments import only_comments_added
from ._catalogue import Rule
from ._cst.add_imports import add_imports
from ._cst.base import noqa_lines
from ._cst.codegen import CodeCache, GeneratedCode
from ._cst.composite import CompositePass
from ._cst.layout import fit_long_lines
from ._cst.metadata import ModuleMetadata
from ._cst.names import GATE_SPELLINGS
from ._cst.traverse import transform
from ._formfeed import lift_form_feeds
from ._lines import line_count, split_lines
from ._subset import View, make_view
from ._types import FileOutcome, Site, SiteStatus, Target
from .rules import PIPELINE, PassState, RuleTransformer

__all__ = [
    "RULES",
    "RewriteVerificationError",
    "Rule",
    "UnreproducibleSourceError",
    "may_contain_legacy",
    "rewrite_checked",
    "transform_source",
]

#: The rule catalogue, in code order.
RULES: tuple[Rule, ...] = tuple(Rule)

_GATE = GATE_SPELLINGS


class RewriteVerificationError(Exception):
    """The rewritten code failed a safety check; the file must be left untouched."""


class UnreproducibleSourceError(RewriteVerificationError):
    """libcst cannot give this source back byte for byte: a known limit, not a bug."""


_FORM_FEED_LOST = (
    "a form feed starting a statement line could not be kept through the rewrite; "
    "put it on a line of its own and run again"
)


def may_contain_legacy(source: str, target: Target = Target.PREFECT) -> bool:
    """Return whether ``source`` might use the legacy API (a substring test, no parsing).

    For the compat target every ``prefect`` import is a site too (it moves to compat, or
    stays with a TODO), so a module mentioning ``prefect`` passes the gate.
    """
    # Substring tests: several times faster than one regular expression alternating them.
    if any(spelling in source for spelling in _GATE):
        return True
    return target is Target.COMPAT and "prefect" in source


def _active(select: frozenset[str] | None, ignore: frozenset[str]) -> frozenset[Rule]:
    chosen = set(RULES) if select is None else {Rule(code) for code in select}
    return frozenset(chosen - {Rule(code) for code in ignore})


def _line_map(cache: CodeCache, old: cst.Module, new: cst.Module) -> list[int]:
    """Map each line of ``new``'s code (1-based index) to a line of ``old``'s.

    A traversal builds new objects only for the top-level statements it changes; every
    other statement is the same object in both versions and keeps its lines. So only the
    text of the changed statements is compared, line by line, which keeps the cost linear
    in the file size (a whole-file line diff is quadratic). Inserted lines map to the old
    line that follows them (a TODO comment belongs to the statement below it).
    """
    old_parts, new_parts = cache.segments(old), cache.segments(new)
    where = {node: index for index, (node, _) in enumerate(old_parts)}
    starts = [1]
    for _, generated in old_parts:
        starts.append(starts[-1] + generated.lines)
    mapping = [0]
    done = 0  # old segments before this one are mapped
    changed: list[str] = []  # the code of new segments since the last unchanged one
    for node, generated in new_parts:
        index = where.get(node, -1)
        if index < done:
            changed.append(generated.text)
            continue
        mapping += _changed_segments(old_parts[done:index], changed, starts[done])
        mapping += range(starts[index], starts[index] + generated.lines)
        done, changed = index + 1, []
    mapping += _changed_segments(old_parts[done:], changed, starts[done])
    mapping.append(starts[-1])
    return mapping


def _changed_segments(
    old: list[tuple[cst.CSTNode, GeneratedCode]], new: list[str], first: int
) -> list[int]:
    """Map the lines of the new segments' code ``new`` to those of ``old`` (from ``first``).

    Statements replaced one for one (the usual case) are compared pair by pair, so that a
    run of consecutive changed statements is not compared as one block.
    """
    if len(old) != len(new):
        removed = "".join(generated.text for _, generated in old)
        return _changed_lines(split_lines(removed), split_lines("".join(new)), first)
    mapping: list[int] = []
    for (_, generated), text in zip(old, new, strict=True):
        mapping += _changed_lines(split_lines(generated.text), split_lines(text), first)
        first += generated.lines
    return mapping


def _changed_lines(old: list[str], new: list[str], first: int) -> list[int]:
    """Map the lines ``new`` to the lines ``old``, which begin at line ``first``.

    Equal lines at the start and at the end map one to one; the lines between go through a
    line diff, whose cost grows with the square of their number: that of one changed
    statement (or of a run of them, where a pass added or removed statements), never the
    file's.
    """
    if not new:
        return []
    head = 0
    while head < min(len(old), len(new)) and old[head] == new[head]:
        head += 1
    tail = 0
    while tail < min(len(old), len(new)) - head and old[-1 - tail] == new[-1 - tail]:
        tail += 1
    mapping = list(range(first, first + head))
    old_middle, new_middle = old[head : len(old) - tail], new[head : len(new) - tail]
    base = first + head
    matcher = difflib.SequenceMatcher(None, old_middle, new_middle, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        for offset in range(j2 - j1):
            if tag == "equal":
                mapping.append(base + i1 + offset)
            else:
                mapping.append(base + min(i1 + offset, max(i2 - 1, i1)))
    tail_start = first + len(old) - tail
    mapping += range(tail_start, tail_start + tail)
    return mapping


def transform_source(
    source: str,
    *,
    target: Target = Target.PREFECT,
    select: frozenset[str] | None = None,
    ignore: frozenset[str] = frozenset(),
) -> FileOutcome:
    """Run the selected rules over ``source``; return the new code and every site.

    Raises ``libcst.ParserSyntaxError`` for unparsable input, and
    :class:`UnreproducibleSourceError` for a change to a source libcst cannot reproduce
    exactly (the rewrite would also change text no rule touched). A form feed before a
    statement, which libcst drops, is kept (:mod:`codemods._formfeed`).
    """
    lifted = lift_form_feeds(source)
    with _collector_paused():
        if lifted is None:
            return _run(_parse(source), target, _active(select, ignore))
        outcome = _run(_parse(lifted.text), target, _active(select, ignore))
    restored = lifted.restore(outcome)
    if restored is None:
        raise UnreproducibleSourceError(_FORM_FEED_LOST)
    return restored


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while one source is rewritten.

    A rewrite allocates millions of small objects (nodes, metadata) that live until it
    ends; each full collection scans all of them, so with the collector running the time
    per MB grows with the file size. Nearly all of it is freed by reference counting when
    the rewrite ends; the collector, running again, takes care of any cycles.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


#: Top-level statements compiled at a time (see ``_compile_error``).
_COMPILE_BATCH = 500


def _compile_error(code: str, tree: ast.Module | None = None) -> Exception | None:
    """Return why CPython does not compile ``code`` (parsed: ``tree``), or ``None``.

    CPython's compiler takes time that grows faster than the length of one long module
    (10 MB: 1.2 s per MB, against 0.3 s at 2 MB), so the statements are compiled a few
    hundred at a time, with the module's ``__future__`` features. A statement compiles
    the same either way, unless a module-level ``global`` or a late ``__future__`` import
    ties statements together: then the module is compiled whole.
    """
    try:
        if tree is None:
            tree = ast.parse(code, "<rewritten>")
        features = None if "global" in code else _future_features(tree)
        if features is None:
            compile(tree, "<rewritten>", "exec", dont_inherit=True)
            return None
        for start in range(0, len(tree.body), _COMPILE_BATCH):
            batch = ast.Module(body=tree.body[start : start + _COMPILE_BATCH], type_ignores=[])
            compile(batch, "<rewritten>", "exec", flags=features, dont_inherit=True)
    except (SyntaxError, ValueError) as exc:
        return exc
    return None


def _future_features(tree: ast.Module) -> int | None:
    """The compiler flags of the module's ``__future__`` imports (``None``: one is late)."""
    flags = 0
    body = tree.body
    start = 0
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        start = 1  # the docstring
    while (
        start < len(body)
        and isinstance(body[start], ast.ImportFrom)
        and body[start].module == "__future__"  # type: ignore[attr-defined]
    ):
        for alias in body[start].names:  # type: ignore[attr-defined]
            feature = getattr(__future__, alias.name, None)
            flags |= getattr(feature, "compiler_flag", 0)
        start += 1
    late = any(
        isinstance(stmt, ast.ImportFrom) and stmt.module == "__future__" for stmt in body[start:]
    )
    return None if late else flags


def _with_suppressed(
    outcome: FileOutcome, parsed: _Parsed, target: Target, active: frozenset[Rule]
) -> FileOutcome:
    """Add the sites ``# noqa`` comments silenced, found by a run that ignores them."""
    silenced = noqa_lines(split_lines(parsed.code))
    if not silenced:
        return outcome
    loud = _transform(parsed.module, parsed.code, target, active, honour_noqa=False)
    extra = {
        Site(s.line, s.column, s.rule, SiteStatus.SUPPRESSED, s.message)
        for s in loud.sites
        if s.line in silenced
    }
    sites = sorted({*outcome.sites, *extra}, key=lambda s: (s.line, s.column, s.rule, s.message))
    return FileOutcome(outcome.code, tuple(sites))


@dataclass(frozen=True)
class _Parsed:
    """A source ready for the rules: the module they see, its code, and the view, if any."""

    module: cst.Module
    code: str
    view: View | None


def _parse(source: str) -> _Parsed:
    """Parse what the rules need of ``source``: its view (see ``_subset``) or all of it."""
    return _parse_view(source, make_view(source))


def _parse_view(source: str, view: View | None) -> _Parsed:
    """Parse ``view`` of ``source`` (see ``_subset``), or, without one, all of it."""
    if view is not None:
        try:
            return _Parsed(cst.parse_module(view.code), view.code, view)
        except cst.ParserSyntaxError:
            pass  # parse the whole source: the error (if any) is reported for it
    return _Parsed(cst.parse_module(source), source, None)


def _run(
    parsed: _Parsed, target: Target, active: frozenset[Rule], *, want_sites: bool = True
) -> FileOutcome:
    """Run the rules over ``parsed``; with ``want_sites=False`` only the code is wanted.

    The verification run compares code only: it skips what serves the report alone (the
    run that finds the sites ``# noqa`` silenced, and mapping site lines back), never
    anything the code depends on (noqa handling, TODO placement).
    """
    outcome = _transform(parsed.module, parsed.code, target, active, want_sites=want_sites)
    if want_sites:
        outcome = _with_suppressed(outcome, parsed, target, active)
    if parsed.view is None:
        return outcome
    try:
        return FileOutcome(parsed.view.restore(outcome.code), outcome.sites)
    except ValueError as exc:  # a rule changed a placeholder: a bug, never written
        raise RewriteVerificationError(str(exc)) from exc


def _groups(
    pipeline: tuple[type[RuleTransformer], ...],
) -> list[list[type[RuleTransformer]]]:
    """Split the pipeline into traversals: a pass that ``JOINS_PREVIOUS`` shares one."""
    groups: list[list[type[RuleTransformer]]] = []
    for step in pipeline:
        if groups and step.JOINS_PREVIOUS:
            groups[-1].append(step)
        else:
            groups.append([step])
    return groups


def _transform(
    module: cst.Module,
    source: str,
    target: Target,
    active: frozenset[Rule],
    *,
    honour_noqa: bool = True,
    want_sites: bool = True,
) -> FileOutcome:
    """Run the pipeline over ``module``, the parsed ``source`` (code only: ``want_sites=False``).

    A pass whose gate rejects the current code, or whose statement index rules out every
    top-level statement, is skipped (scopes are resolved only once a pass runs). Passes
    that join the previous one (``JOINS_PREVIOUS``) run in the same traversal over the same
    version. A traversal that changed nothing hands its input on, with the metadata already
    resolved for it, so metadata is resolved once per distinct version of the module.
    """
    context = CodemodContext()
    code_cache = CodeCache()
    original = module
    scratch: dict[str, object] = {}
    to_original = list(range(len(split_lines(source)) + 2))
    sites: list[Site] = []
    code = source
    metadata: ModuleMetadata | None = None
    for group in _groups(PIPELINE):
        steps = [s for s in group if s.rule in active and s.applies(code, target)]
        if not steps:
            continue
        if metadata is None:
            metadata = ModuleMetadata(module, code, code_cache)
            module = metadata.module
        passes: list[RuleTransformer] = []
        for step in steps:
            if step.enters_nothing(metadata):
                continue
            state = PassState(
                target=target,
                active=active,
                lines=metadata.lines,
                scratch=scratch,
                metadata=metadata,
                earlier=tuple(passes),
                honour_noqa=honour_noqa,
                want_sites=want_sites,
            )
            rule_pass = step(context, state)
            rule_pass.metadata = metadata.for_dependencies(rule_pass.get_inherited_dependencies())
            passes.append(rule_pass)
        if not passes:
            continue
        transformer = passes[0] if len(passes) == 1 else CompositePass(passes)
        new_module = transform(module, transformer)
        assert isinstance(new_module, cst.Module)
        for rule_pass in passes:
            rule_pass.metadata = {}
            for site in rule_pass.state.sites if want_sites else ():
                line = to_original[min(site.line, len(to_original) - 1)]
                sites.append(Site(line, site.column, site.rule, site.status, site.message))
        if not any(p.changed for p in passes):
            continue  # the output equals the input: keep it, and its metadata
        new_code = code_cache.code(new_module)
        if want_sites and line_count(new_code) != line_count(code):
            step_map = _line_map(code_cache, module, new_module)
            to_original = [to_original[min(i, len(to_original) - 1)] for i in step_map]
        metadata.release()
        module, code, metadata = new_module, new_code, None
    if metadata is not None:
        metadata.release()
    scheduled = context.scratch.get(AddImportsVisitor.CONTEXT_KEY)
    if scheduled:
        module = add_imports(module, scheduled)
        code = code_cache.code(module)
    if code != source:
        fitted = fit_long_lines(module, code, source)
        if fitted is not module:
            module, code = fitted, code_cache.code(fitted)
    if code != source and code_cache.code(original) != source:
        raise UnreproducibleSourceError(
            "libcst does not reproduce this file byte for byte (a form feed starting a line, "
            "or carriage-return-only line endings); rewriting it would change unrelated text: "
            "put each form feed on a line of its own, use \\n or \\r\\n line endings, "
            "and run again"
        )
    unique = sorted(set(sites), key=lambda s: (s.line, s.column, s.rule, s.message))
    return FileOutcome(code, tuple(unique))


def rewrite_checked(
    source: str,
    *,
    target: Target = Target.PREFECT,
    select: frozenset[str] | None = None,
    ignore: frozenset[str] = frozenset(),
) -> FileOutcome:
    """Transform ``source`` and verify the output before anyone writes it.

    Checks: the output parses and compiles, and a second run over it changes nothing
    (idempotency, which includes not stacking TODO comments); when the rewrite only added
    TODO comments, ``only_comments_added`` proves the second run's answer without it. Any
    failure raises
    :class:`RewriteVerificationError` naming the check. Sources the gate rejects are
    returned as they are, without parsing.
    """
    if not may_contain_legacy(source, target):
        return FileOutcome(source)
    with _collector_paused():
        return _checked(source, target, select, ignore)


def _checked(
    source: str, target: Target, select: frozenset[str] | None, ignore: frozenset[str]
) -> FileOutcome:
    outcome = transform_source(source, target=target, select=select, ignore=ignore)
    if outcome.code == source:
        return outcome
    # CPython's tree serves the compile check and the view, and is gone before libcst's
    # tree is built (the two are never in memory together).
    try:
        tree: ast.Module | None = ast.parse(outcome.code, "<rewritten>")
    except (SyntaxError, ValueError):
        tree = None  # the compile check reports it
    compile_error = _compile_error(outcome.code, tree)
    if (
        tree is not None
        and compile_error is None
        and only_comments_added(source, outcome.code, tree)
    ):
        return outcome  # a second run would change nothing (see ``_added_comments``)
    view = make_view(outcome.code, tree) if tree is not None else None
    del tree
    try:
        reparsed = _parse_view(outcome.code, view)
    except cst.ParserSyntaxError as exc:
        raise RewriteVerificationError(f"re-parse failed: the output is not valid: {exc}") from exc
    if compile_error is not None:
        raise RewriteVerificationError(f"compile failed: {compile_error}") from compile_error
    # The second run starts from what the re-parse check built (same code, same tree).
    again = _run(reparsed, target, _active(select, ignore), want_sites=False)
    if again.code != outcome.code:
        raise RewriteVerificationError(
            "idempotency failed: a second run over the output changed it again"
        )
    return outcome
