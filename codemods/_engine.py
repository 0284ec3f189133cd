"""The rewriting engine: a cheap text gate, the rule pipeline, and the safety checks.

``transform_source`` parses once and runs each selected rule as its own libcst pass (see
``codemods.rules.PIPELINE`` for the order), then applies the scheduled import additions.
Sites are reported with line numbers of the *original* text: a pass that changes the
number of lines (a TODO comment, an import split) gets its lines mapped back through a
line diff. ``rewrite_checked`` adds the verification every written file must pass.
"""

from __future__ import annotations

import difflib
import re

import libcst as cst
from libcst.codemod import CodemodContext
from libcst.codemod.visitors import AddImportsVisitor
from libcst.metadata import MetadataWrapper

from ._catalogue import Rule
from ._types import FileOutcome, Site, Target
from .rules import PIPELINE, PassState

__all__ = [
    "RULES",
    "RewriteVerificationError",
    "Rule",
    "may_contain_legacy",
    "rewrite_checked",
    "transform_source",
]

#: The rule catalogue, in code order.
RULES: tuple[Rule, ...] = tuple(Rule)

# Every rule starts from one of these spellings: handler names and `result_handler(s)`
# (a `*` import from the legacy package names the package), `SafeResult`, and the legacy
# result attributes. A file without any of them cannot produce a site.
_GATE = re.compile(r"result_handler|ResultHandler|SafeResult|safe_value|to_result")


class RewriteVerificationError(Exception):
    """The rewritten code failed a safety check; the file must be left untouched."""


def may_contain_legacy(source: str) -> bool:
    """Return whether ``source`` might use the legacy API (a substring test, no parsing)."""
    return _GATE.search(source) is not None


def _active(select: frozenset[str] | None, ignore: frozenset[str]) -> frozenset[Rule]:
    chosen = set(RULES) if select is None else {Rule(code) for code in select}
    return frozenset(chosen - {Rule(code) for code in ignore})


def _line_map(old: str, new: str) -> list[int]:
    """Map each line of ``new`` (1-based index) to a line of ``old``.

    Inserted lines map to the old line that follows them (a TODO comment belongs to the
    statement below it).
    """
    old_lines, new_lines = old.splitlines(), new.splitlines()
    mapping = [0] * (len(new_lines) + 2)
    matcher = difflib.SequenceMatcher(None, old_lines, new_lines, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        for offset, j in enumerate(range(j1, j2)):
            if tag == "equal":
                mapping[j + 1] = i1 + offset + 1
            else:
                mapping[j + 1] = min(i1 + offset, max(i2 - 1, i1)) + 1
    mapping[len(new_lines) + 1] = len(old_lines) + 1
    return mapping


def transform_source(
    source: str,
    *,
    target: Target = Target.PREFECT,
    select: frozenset[str] | None = None,
    ignore: frozenset[str] = frozenset(),
) -> FileOutcome:
    """Run the selected rules over ``source``; return the new code and every site.

    Raises ``libcst.ParserSyntaxError`` for unparsable input.
    """
    active = _active(select, ignore)
    module = cst.parse_module(source)
    context = CodemodContext()
    scratch: dict[str, object] = {}
    to_original = list(range(len(source.splitlines()) + 2))
    sites: list[Site] = []
    first = True
    for step in PIPELINE:
        if step.rule not in active:
            continue
        code = module.code
        state = PassState(target=target, active=active, lines=code.splitlines(), scratch=scratch)
        wrapper = MetadataWrapper(module, unsafe_skip_copy=first)
        first = False
        new_module = wrapper.visit(step(context, state))
        for site in state.sites:
            line = to_original[min(site.line, len(to_original) - 1)]
            sites.append(Site(line, site.column, site.rule, site.status, site.message))
        new_code = new_module.code
        if new_code.count("\n") != code.count("\n"):
            step_map = _line_map(code, new_code)
            to_original = [to_original[min(i, len(to_original) - 1)] for i in step_map]
        module = new_module
    if context.scratch.get(AddImportsVisitor.CONTEXT_KEY):
        module = AddImportsVisitor(context).transform_module(module)
    unique = sorted(set(sites), key=lambda s: (s.line, s.column, s.rule, s.message))
    return FileOutcome(module.code, tuple(unique))


def rewrite_checked(
    source: str,
    *,
    target: Target = Target.PREFECT,
    select: frozenset[str] | None = None,
    ignore: frozenset[str] = frozenset(),
) -> FileOutcome:
    """Transform ``source`` and verify the output before anyone writes it.

    Checks: the output parses and compiles, and a second run over it changes nothing
    (idempotency, which includes not stacking TODO comments). Any failure raises
    :class:`RewriteVerificationError` naming the check. Sources the gate rejects are
    returned as they are, without parsing.
    """
    if not may_contain_legacy(source):
        return FileOutcome(source)
    outcome = transform_source(source, target=target, select=select, ignore=ignore)
    if outcome.code == source:
        return outcome
    try:
        cst.parse_module(outcome.code)
    except cst.ParserSyntaxError as exc:
        raise RewriteVerificationError(f"re-parse failed: the output is not valid: {exc}") from exc
    try:
        compile(outcome.code, "<rewritten>", "exec", dont_inherit=True)
    except (SyntaxError, ValueError) as exc:
        raise RewriteVerificationError(f"compile failed: {exc}") from exc
    again = transform_source(outcome.code, target=target, select=select, ignore=ignore)
    if again.code != outcome.code:
        raise RewriteVerificationError(
            "idempotency failed: a second run over the output changed it again"
        )
    return outcome
