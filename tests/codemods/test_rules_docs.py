"""``docs/rules.md`` explains every TODO message the rules can emit.

The messages are found in the source (every string a rule gives to ``todo``, directly or
through a constant or a helper that returns the reason), so a new message fails this test
until its row is written; running every fixture checks that the scan misses no source.
"""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import pytest

from codemods._engine import rewrite_checked
from codemods._types import Target

ROOT = Path(__file__).parents[2]
RULES_DOC = ROOT / "docs" / "rules.md"
SOURCES = [
    *sorted((ROOT / "codemods" / "rules").glob("*.py")),
    *sorted((ROOT / "codemods" / "_cst").glob("*.py")),  # the rules' shared machinery
    ROOT / "codemods" / "_notebook.py",
    ROOT / "codemods" / "_constants.py",  # what keeps a shared handler constant a handler
]
FIXTURES = Path(__file__).parent / "fixtures"
_TODO_CALLS = {"todo", "_todo_unless_compat"}
#: Calls whose first argument is a TODO message template (``definition.block(...)``).
_FIRST_ARG_TODO_CALLS = {"block"}


def _normalise(text: str) -> str:
    return " ".join(text.replace("`", "").split())


def _template(node: ast.expr) -> str | None:
    """Return a string node as a regex, placeholders as ``.+``; ``None`` if not a string."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        parts = re.split(r"\{[^{}]*\}", node.value)  # `str.format` fields
        return ".+".join(re.escape(_normalise(p)) for p in parts)
    if isinstance(node, ast.JoinedStr):
        pieces = []
        for value in node.values:
            if isinstance(value, ast.Constant):
                pieces.append(re.escape(value.value.replace("`", "")))
            else:
                pieces.append(".+")
        return " ".join("".join(pieces).split())
    return None


def _name_of(func: ast.expr) -> str | None:
    if isinstance(func, ast.Attribute):
        return func.attr
    return func.id if isinstance(func, ast.Name) else None


def _message_args(tree: ast.Module) -> list[ast.expr]:
    """The expressions given as a TODO message: to ``todo(node, message)`` or a TODO Site."""
    found = []
    for call in (n for n in ast.walk(tree) if isinstance(n, ast.Call)):
        name = _name_of(call.func)
        if name in _TODO_CALLS and len(call.args) >= 2:
            found.append(call.args[1])
        elif name in _FIRST_ARG_TODO_CALLS and call.args:
            found.append(call.args[0])
        elif name == "Site":
            for first, second in zip(call.args, call.args[1:]):
                if isinstance(first, ast.Attribute) and first.attr == "TODO":
                    found.append(second)
    return found


def _returned_strings(tree: ast.Module) -> dict[str, list[ast.expr]]:
    returns: dict[str, list[ast.expr]] = {}
    for func in (n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)):
        for node in ast.walk(func):
            if isinstance(node, ast.Return) and node.value is not None:
                returns.setdefault(func.name, []).append(node.value)
    return returns


def _code_templates() -> dict[str, str]:
    """Every message template in the rules' source -> where it is."""
    templates: dict[str, str] = {}
    for path in SOURCES:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        constants = {
            target.id: stmt.value
            for stmt in tree.body
            if isinstance(stmt, ast.Assign)
            for target in stmt.targets
            if isinstance(target, ast.Name)
        }
        returns = _returned_strings(tree)
        pending = list(_message_args(tree))
        if path.parent.name in ("rules", "_cst") or path.name == "_constants.py":
            # Reason helpers return the message their caller reports (`problem = ...`):
            # every string a rule function returns that reads as words counts, except the
            # comment builder itself (`# TODO(...)`).
            pending += [
                value
                for values in returns.values()
                for value in values
                if _is_words(value) and not (_template(value) or "").startswith(r"\#")
            ]
        while pending:
            node = pending.pop()
            if isinstance(node, ast.Name) and node.id in constants:
                pending.append(constants[node.id])
            elif isinstance(node, ast.Call):
                callee = node.func
                if isinstance(callee, ast.Attribute) and callee.attr == "format":
                    pending.append(callee.value)
                elif _name_of(callee) in returns:
                    pending += returns[_name_of(callee)]  # type: ignore[index]
            elif (template := _template(node)) is not None:
                templates[template] = f"{path.name}:{node.lineno}"
    return templates


def _is_words(node: ast.expr) -> bool:
    text = _template(node)
    return text is not None and " " in text


def _documented() -> list[str]:
    """The messages in the first column of the "TODO messages" table."""
    section = RULES_DOC.read_text(encoding="utf-8").split("## TODO messages", 1)[1]
    messages = []
    for row in section.splitlines():
        cells = row.split(" | ")
        if not row.startswith("| ") or row.startswith("| message") or set(row) <= set("|- "):
            continue
        first = cells[0].removeprefix("| ")
        for double, single in re.findall(r"``\s(.+?)\s``|`([^`]+)`", first):
            messages.append(_normalise(double or single))
    return messages


TEMPLATES = _code_templates()
DOCUMENTED = _documented()


def test_the_scan_finds_the_messages_of_every_rule():
    assert len(TEMPLATES) >= 20
    files = {where.split(":")[0] for where in TEMPLATES.values()}
    expected = {"imports.py", "slots.py", "constructors.py", "legacy_results.py"}
    assert expected | {"result_handler_keyword.py", "_notebook.py"} <= files


@pytest.mark.parametrize("template", sorted(TEMPLATES), ids=lambda t: t[:50])
def test_every_message_has_a_row_in_docs_rules(template: str):
    matched = [d for d in DOCUMENTED if re.fullmatch(template, d)]
    assert matched, f"{TEMPLATES[template]}: message {template!r} is not in docs/rules.md"


def test_every_row_names_a_message_the_rules_emit():
    stale = [d for d in DOCUMENTED if not any(re.fullmatch(t, d) for t in TEMPLATES)]
    assert stale == []


def _fixture_cases() -> list[tuple[Path, Target]]:
    cases = []
    for expected in sorted(FIXTURES.glob("*/expected.json")):
        for case in json.loads(expected.read_text()):
            target = Target.COMPAT if case.startswith("compat_") else Target.PREFECT
            cases.append((expected.parent / f"{case}.before.py", target))
    return cases


def test_every_message_the_fixtures_produce_comes_from_a_scanned_template():
    emitted = set()
    for before, target in _fixture_cases():
        outcome = rewrite_checked(before.read_text(), target=target)
        emitted |= {s.message for s in outcome.sites if s.status.value == "todo"}
    assert len(emitted) >= 10
    unknown = sorted(
        m for m in emitted if not any(re.fullmatch(t, _normalise(m)) for t in TEMPLATES)
    )
    assert unknown == []
