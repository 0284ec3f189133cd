"""Before/after fixture pairs for every rule: the specification of what each rule does.

Each ``fixtures/<rule module>/<case>.before.py`` is rewritten and must equal
``<case>.after.py`` byte for byte; the output must compile, a second run must change
nothing, and the sites reported (line in the original, rule code, status) must match the
case's entry in that directory's ``expected.json``. Cases named ``compat_*`` use the
compat target; the others use the prefect target.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from codemods._engine import rewrite_checked, transform_source
from codemods._types import Target

FIXTURES = Path(__file__).parent / "fixtures"
RULE_DIRS = (
    "imports",
    "constructors",
    "result_handler_keyword",
    "custom_handlers",
    "legacy_results",
)


def _cases() -> list[tuple[str, str]]:
    return sorted(
        (directory, path.name[: -len(".before.py")])
        for directory in RULE_DIRS
        for path in (FIXTURES / directory).glob("*.before.py")
    )


def _target(case: str) -> Target:
    return Target.COMPAT if case.startswith("compat_") else Target.PREFECT


@pytest.mark.parametrize(("directory", "case"), _cases(), ids=lambda v: v)
def test_fixture(directory: str, case: str) -> None:
    before = (FIXTURES / directory / f"{case}.before.py").read_text()
    after = (FIXTURES / directory / f"{case}.after.py").read_text()
    expected = json.loads((FIXTURES / directory / "expected.json").read_text())[case]
    target = _target(case)

    outcome = rewrite_checked(before, target=target)

    assert outcome.code == after
    compile(outcome.code, f"{case}.after.py", "exec")
    assert transform_source(outcome.code, target=target).code == outcome.code
    assert [[s.line, s.rule, s.status.value] for s in outcome.sites] == expected
    for site in outcome.sites:
        assert site.message
        assert 1 <= site.line <= before.count("\n") + 1


@pytest.mark.parametrize("directory", RULE_DIRS)
def test_every_rule_has_the_required_cases(directory: str) -> None:
    names = {p.name[: -len(".before.py")] for p in (FIXTURES / directory).glob("*.before.py")}
    assert {"no_change", "alias", "comments"} <= names
    no_change = FIXTURES / directory / "no_change.before.py"
    assert (FIXTURES / directory / "no_change.after.py").read_text() == no_change.read_text()


def test_every_fixture_has_an_expectation() -> None:
    for directory in RULE_DIRS:
        expected = json.loads((FIXTURES / directory / "expected.json").read_text())
        names = {p.name[: -len(".before.py")] for p in (FIXTURES / directory).glob("*.before.py")}
        assert set(expected) == names


def test_compat_target_variant_exists_for_main_rules() -> None:
    for directory in ("imports", "constructors", "result_handler_keyword", "custom_handlers"):
        assert list((FIXTURES / directory).glob("compat_*.before.py")), directory


def test_todo_sites_leave_a_comment_each() -> None:
    """Every TODO site's reason appears as a comment line in the output."""
    for directory, case in _cases():
        before = (FIXTURES / directory / f"{case}.before.py").read_text()
        outcome = rewrite_checked(before, target=_target(case))
        code = re.sub(r"\n[ \t]*#   ", " ", outcome.code)  # a long one's continuation lines
        for site in outcome.todos:
            assert f"# TODO(prefect-result-upgrade {site.rule}): {site.message}" in code
