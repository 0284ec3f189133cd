"""The engine's shortcuts skip work only where the answer is known without it.

Each shortcut is checked two ways: it gives the answer the full computation gives, and it
does skip the work (counted, never timed).
"""

from __future__ import annotations

import itertools
from pathlib import Path

import libcst as cst
import pytest
from libcst.codemod import CodemodContext
from libcst.metadata import QualifiedNameProvider

from codemods._cst import base as _base
from codemods._cst.metadata import ModuleMetadata, preorder
from codemods._engine import rewrite_checked, transform_source
from codemods._types import Target
from codemods.rules import LegacyResultRule, PassState, ResultHandlerKeywordRule

# Imports that bind names in every way libcst resolves: plain, dotted, aliased (module,
# class, dotted module), relative, and a local binding shadowing an imported name.
NAMING = """\
import prefect
import prefect.engine.result
import prefect.engine.result as legacy
from prefect.engine import result
from prefect.engine import result as res
from prefect.engine.result import SafeResult
from prefect.engine.result import SafeResult as Safe
from prefect.engine.result.base import SafeResult as BaseSafe
from .local import SafeResult as Relative
import os.path as SafeResult2

a = SafeResult
b = Safe
c = BaseSafe
d = legacy.SafeResult
e = result.SafeResult
f = res.SafeResult
g = prefect.engine.result.SafeResult
h = Relative
i = SafeResult2.join
j = SafeResult.location
k = make().SafeResult
l = other.SafeResult


def shadow(SafeResult=None):
    return SafeResult, Safe, legacy


class Holder:
    Safe = 1
    value = Safe
"""


def legacy_pass(source: str) -> LegacyResultRule:
    module = cst.parse_module(source)
    metadata = ModuleMetadata(module, source)
    state = PassState(target=Target.PREFECT, active=frozenset(), lines=metadata.lines)
    state.metadata = metadata
    rule_pass = LegacyResultRule(CodemodContext(), state)
    rule_pass.metadata = metadata.for_dependencies(rule_pass.get_inherited_dependencies())
    return rule_pass


def dotted_nodes(rule_pass: LegacyResultRule) -> list[cst.CSTNode]:
    metadata = rule_pass.state.metadata
    assert metadata is not None
    return [n for n in preorder(metadata.module) if isinstance(n, cst.Name | cst.Attribute)]


@pytest.mark.parametrize("last", ["SafeResult", "join", "location", "result", "legacy"])
def test_may_name_is_false_only_where_no_qualified_name_ends_so(last: str) -> None:
    rule_pass = legacy_pass(NAMING)
    ruled_out = 0
    for node in dotted_nodes(rule_pass):
        names = {q.name for q in rule_pass.get_metadata(QualifiedNameProvider, node, set())}
        ends = any(n == last or n.endswith("." + last) for n in names)
        if not rule_pass.may_name(node, last):
            ruled_out += 1
            assert not ends, (cst.Module([]).code_for_node(node), names)
    assert ruled_out > 10  # the test rules something out


def test_may_name_needs_the_full_lookup_for_aliases_and_own_names() -> None:
    rule_pass = legacy_pass(NAMING)
    by_code = {cst.Module([]).code_for_node(n): n for n in dotted_nodes(rule_pass)}
    for code in ["Safe", "BaseSafe", "legacy.SafeResult", "SafeResult", "Relative", "res"]:
        assert rule_pass.may_name(by_code[code], "SafeResult"), code
    for code in ["prefect", "os.path", "make", "SafeResult.location", "other"]:
        assert not rule_pass.may_name(by_code[code], "SafeResult"), code


def test_safe_result_check_looks_up_only_names_that_may_match(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    looked_up: list[str] = []
    original = LegacyResultRule.qnames

    def counting(self: LegacyResultRule, node: cst.CSTNode) -> set[str]:
        if isinstance(node, cst.Name):
            looked_up.append(node.value)
        return original(self, node)

    monkeypatch.setattr(LegacyResultRule, "qnames", counting)
    names = [f"name{n}" for n in range(50)]
    source = (
        "from prefect.engine.result import SafeResult\n"
        + "".join(f"{a} = {b}\n" for a, b in itertools.pairwise(names))
        + "x = SafeResult\n"
    )
    outcome = rewrite_checked(source)
    assert [s.message for s in outcome.sites] == ["SafeResult is gone: use `.location`"]
    assert not any(value.startswith("name") for value in looked_up)
    assert "SafeResult" in looked_up


# -- statements nested in entered ones are skipped without triggers ------------------------

FIXTURES = Path(__file__).parent / "fixtures"
BEFORE = sorted(FIXTURES.rglob("*.before.py"))


def methods_source(count: int) -> str:
    """A Task subclass with ``count`` unrelated methods and one using a legacy handler."""
    methods = "".join(
        f"    def plain{n}(self, value):\n        return value + {n}\n\n" for n in range(count)
    )
    return (
        "from prefect import Task\n"
        "from prefect.engine.result_handlers import LocalResultHandler\n\n\n"
        "class Job(Task):\n"
        f"{methods}"
        "    def legacy(self):\n"
        "        return Task(result_handler=LocalResultHandler(dir='/tmp'))\n"
    )


def test_a_pass_enters_only_the_nested_statements_holding_its_triggers(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    offered: list[str] = []
    original = ResultHandlerKeywordRule.on_visit

    def counting(self: ResultHandlerKeywordRule, node: cst.CSTNode) -> bool:
        if isinstance(node, cst.Name):
            offered.append(node.value)
        return original(self, node)

    monkeypatch.setattr(ResultHandlerKeywordRule, "on_visit", counting)
    outcome = rewrite_checked(methods_source(40))
    assert "result=LocalResult(dir='/tmp')" in outcome.code
    assert "LocalResultHandler" in offered  # the method with `result_handler=` is entered
    assert not any(name.startswith("plain") or name == "value" for name in offered)


def whole_statements(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make every pass enter every nested statement of the top-level ones it enters."""
    monkeypatch.setattr(_base, "is_statement", lambda kind: False)


@pytest.mark.parametrize("target", list(Target))
@pytest.mark.parametrize("path", BEFORE, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_skipping_nested_statements_changes_no_outcome(
    path: Path, target: Target, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = path.read_text(encoding="utf-8")
    skipping = transform_source(source, target=target)
    with monkeypatch.context() as patch:
        whole_statements(patch)
        entering = transform_source(source, target=target)
    assert skipping == entering


def test_the_fixtures_compared_above_nest_their_sites() -> None:
    """A sanity check: some fixture sites sit in statements nested in others."""
    assert len(BEFORE) > 50
    nested = [p for p in BEFORE if "\n    " in p.read_text(encoding="utf-8")]
    assert len(nested) > 20


# -- local classes are found once per version of the module --------------------------------

CLASSES_SOURCE = """\
from prefect import Task
from prefect.engine.result_handlers import LocalResultHandler


class Job(Task):
    pass


class Other(Job):
    pass


job = Job(result_handler=LocalResultHandler(dir="/tmp"))
other = Other(result=LocalResultHandler(dir="/tmp"))
"""


def test_local_classes_are_found_once_per_version(monkeypatch: pytest.MonkeyPatch) -> None:
    checked: list[cst.CSTNode] = []
    passes: list[str] = []
    versions: list[ModuleMetadata] = []
    is_task_ref = _base.RuleTransformer._is_task_ref
    make_pass = _base.RuleTransformer.__init__
    init = ModuleMetadata.__init__

    def counting(self: _base.RuleTransformer, node: cst.CSTNode) -> bool:
        checked.append(node)
        return is_task_ref(self, node)

    def made(self: _base.RuleTransformer, *args: object) -> None:
        passes.append(type(self).__name__)
        make_pass(self, *args)  # type: ignore[arg-type]

    def recording(self: ModuleMetadata, *args: object, **kwargs: object) -> None:
        init(self, *args, **kwargs)  # type: ignore[arg-type]
        versions.append(self)

    monkeypatch.setattr(_base.RuleTransformer, "_is_task_ref", counting)
    monkeypatch.setattr(_base.RuleTransformer, "__init__", made)
    monkeypatch.setattr(ModuleMetadata, "__init__", recording)
    outcome = transform_source(CLASSES_SOURCE)
    # Both calls become Tasks with results: Other is known as a Task through Job.
    assert "job = Job(result=LocalResult(dir=" in outcome.code
    assert "other = Other(result=LocalResult(dir=" in outcome.code
    # Several passes read each version; the two class bases are checked once per version.
    assert len(passes) > len(versions)
    assert len(checked) == 2 * len(versions)
