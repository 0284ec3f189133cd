"""The engine's contract: gate, selection, line numbers, and the safety checks."""

from __future__ import annotations

import itertools

import libcst as cst
import pytest

from codemods import _engine
from codemods._engine import (
    RULES,
    RewriteVerificationError,
    Rule,
    UnreproducibleSourceError,
    may_contain_legacy,
    rewrite_checked,
    transform_source,
)
from codemods._types import FileOutcome, SiteStatus, Target
from codemods.rules import PIPELINE, ConstructorRule

LEGACY = """\
from prefect import Task
from prefect.engine.result_handlers import LocalResultHandler

task = Task(result_handler=LocalResultHandler(dir="/tmp"))
"""


def test_rule_catalogue_codes_and_descriptions() -> None:
    assert [r.value for r in RULES] == ["PRU001", "PRU002", "PRU003", "PRU004", "PRU005"]
    for rule in RULES:
        assert rule.description
        assert "\n" not in rule.description
    assert Rule("PRU002") is Rule.PRU002
    assert {step.rule for step in PIPELINE} == set(RULES)


@pytest.mark.parametrize(
    "text",
    [
        "x.result_handler = 1",
        "from prefect.engine.result_handlers import *",
        "class A(ResultHandler): pass",
        "SafeResult",
        "r.safe_value",
        "r.store_safe_value()",
        "r.to_result()",
    ],
)
def test_gate_accepts_legacy_spellings(text: str) -> None:
    assert may_contain_legacy(text)


def test_gate_rejects_clean_source_and_rewrite_checked_skips_parsing() -> None:
    source = "from prefect import Task\nx = Task(result=None)\n(((("  # not even valid
    assert not may_contain_legacy(source)
    assert rewrite_checked(source) == FileOutcome(source)


def test_unparsable_input_raises_parser_error() -> None:
    with pytest.raises(cst.ParserSyntaxError):
        transform_source("result_handler = (")


def test_select_and_ignore() -> None:
    only_keyword = transform_source(LEGACY, select=frozenset({"PRU003"}))
    # PRU002 is not selected, so the handler cannot be proven to become a Result: TODO.
    assert "Task(result_handler=LocalResultHandler(" in only_keyword.code
    assert {s.rule for s in only_keyword.sites} == {"PRU003"}
    assert all(s.status is SiteStatus.TODO for s in only_keyword.sites)

    everything_but_imports = transform_source(LEGACY, ignore=frozenset({"PRU001"}))
    assert "from prefect.engine.results import LocalResult" in everything_but_imports.code
    assert "from prefect.engine.result_handlers import LocalResultHandler" in (
        everything_but_imports.code
    )
    compile(everything_but_imports.code, "x", "exec")


def test_site_lines_refer_to_the_original_source() -> None:
    source = (
        "from prefect import Task\n"
        "from prefect.engine.result_handlers import LocalResultHandler, S3ResultHandler\n"
        "\n"
        "a = Task(result_handler=S3ResultHandler(bucket='b', aws_credentials_secret='S'))\n"
        "b = Task(result_handler=LocalResultHandler(dir='/tmp'))\n"
    )
    outcome = transform_source(source)
    lines = {(s.rule, s.status, s.line) for s in outcome.sites}
    assert ("PRU002", SiteStatus.TODO, 4) in lines
    assert ("PRU002", SiteStatus.REWRITTEN, 5) in lines
    assert ("PRU003", SiteStatus.REWRITTEN, 5) in lines
    # two TODO comment lines were added above the import and line 4 in the output
    assert outcome.code.count("\n") > source.count("\n")


def test_site_columns_refer_to_the_original_source() -> None:
    # PRU003 shortens `result_handler=` on the same line as the handler PRU002 rewrites and
    # the custom handler PRU004 wraps; their columns must still point into the input.
    source = (
        "from prefect import Task\n"
        "from prefect.engine.result_handlers import LocalResultHandler, ResultHandler\n"
        "class Mine(ResultHandler):\n"
        "    def read(self, loc): return loc\n"
        "    def write(self, value): return str(value)\n"
        "a = Task(result_handler=LocalResultHandler(dir='/tmp'))\n"
        "b = Task(result_handler=Mine())\n"
    )
    outcome = transform_source(source)
    columns = {(s.rule, s.line): s.column for s in outcome.sites}
    lines = source.splitlines()
    assert columns["PRU002", 6] == lines[5].index("LocalResultHandler(") + 1
    assert columns["PRU004", 7] == lines[6].index("Mine()") + 1
    assert columns["PRU003", 6] == lines[5].index("result_handler=") + 1


def test_todo_comments_are_not_duplicated_on_rerun() -> None:
    source = (
        "from prefect import Task\n"
        "from prefect.engine.result import SafeResult\n"
        "x = SafeResult(1)\n"
    )
    once = rewrite_checked(source)
    twice = transform_source(once.code)
    assert twice.code == once.code
    assert once.code.count("TODO(prefect-result-upgrade PRU005)") == 1
    assert [s.rule for s in twice.todos] == ["PRU005"]


def test_todo_on_first_statement_is_idempotent() -> None:
    # The import is used (an unused legacy import is removed instead).
    source = "from prefect.engine.result_handlers import ResultHandler\nBASE = ResultHandler\n"
    once = rewrite_checked(source)
    assert once.code.startswith("# TODO(prefect-result-upgrade PRU001)")
    assert transform_source(once.code).code == once.code


def test_compat_target_imports_from_compat() -> None:
    outcome = rewrite_checked(LEGACY, target=Target.COMPAT)
    assert outcome.code == (
        "from compat import Task\n"
        "from compat.engine.results import LocalResult\n"
        "\n"
        'task = Task(result=LocalResult(dir="/tmp"))\n'
    )


def test_legacy_code_on_compat_root_is_recognised() -> None:
    source = LEGACY.replace("prefect", "compat")
    outcome = rewrite_checked(source)
    assert "from prefect.engine.results import LocalResult" in outcome.code
    assert "result=LocalResult" in outcome.code


# -- failure paths of rewrite_checked ------------------------------------------------------


class _Uncompilable(ConstructorRule):
    """Produces code that parses but does not compile (`return` outside a function)."""

    def leave_Module(self, original_node: cst.Module, updated_node: cst.Module) -> cst.Module:
        return updated_node.with_changes(
            body=[*updated_node.body, cst.SimpleStatementLine([cst.Return()])]
        )


class _NotIdempotent(ConstructorRule):
    """Appends a statement on every run."""

    def leave_Module(self, original_node: cst.Module, updated_node: cst.Module) -> cst.Module:
        return updated_node.with_changes(body=[*updated_node.body, cst.parse_statement("x = 1\n")])


def _swap(monkeypatch: pytest.MonkeyPatch, replacement: type) -> None:
    pipeline = tuple(replacement if s is ConstructorRule else s for s in PIPELINE)
    monkeypatch.setattr(_engine, "PIPELINE", pipeline)


def test_uncompilable_output_is_rejected(monkeypatch: pytest.MonkeyPatch) -> None:
    _swap(monkeypatch, _Uncompilable)
    with pytest.raises(RewriteVerificationError, match="compile failed"):
        rewrite_checked(LEGACY)


def test_non_idempotent_output_is_rejected(monkeypatch: pytest.MonkeyPatch) -> None:
    _swap(monkeypatch, _NotIdempotent)
    with pytest.raises(RewriteVerificationError, match="idempotency failed"):
        rewrite_checked(LEGACY)


class _StackedTodo(ConstructorRule):
    """Asks for a TODO whose text differs on every run, so the comments would pile up."""

    runs = itertools.count()

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        self.todo(original_node, f"look again (run {next(self.runs)})")
        return updated_node


def test_non_idempotent_todo_comments_are_rejected(monkeypatch: pytest.MonkeyPatch) -> None:
    """The verification run reports no sites, but still places TODO comments."""
    _swap(monkeypatch, _StackedTodo)
    with pytest.raises(RewriteVerificationError, match="idempotency failed"):
        rewrite_checked(LEGACY)


def test_non_idempotent_output_is_rejected_beside_noqa(monkeypatch: pytest.MonkeyPatch) -> None:
    """The verification run skips the search for silenced sites, not the rules."""
    _swap(monkeypatch, _NotIdempotent)
    source = LEGACY + 'other = Task(result_handler=LocalResultHandler(dir="/b"))  # noqa\n'
    with pytest.raises(RewriteVerificationError, match="idempotency failed"):
        rewrite_checked(source)


def test_noqa_lines_stay_as_written_and_are_reported() -> None:
    silenced = 'other = Task(result_handler=LocalResultHandler(dir="/b"))  # noqa\n'
    outcome = rewrite_checked(LEGACY + silenced)
    assert outcome.code.endswith(silenced)
    assert "result=LocalResult" in outcome.code
    assert any(s.line == 5 and s.status is SiteStatus.SUPPRESSED for s in outcome.sites)


def test_unparsable_output_is_rejected(monkeypatch: pytest.MonkeyPatch) -> None:
    real = _engine.transform_source

    def broken(source: str, **kwargs: object) -> FileOutcome:
        outcome = real(source, **kwargs)  # type: ignore[arg-type]
        return FileOutcome(outcome.code + "def (:\n", outcome.sites)

    monkeypatch.setattr(_engine, "transform_source", broken)
    with pytest.raises(RewriteVerificationError, match="re-parse failed"):
        rewrite_checked(LEGACY)


@pytest.mark.parametrize(
    "source",
    [
        "\x0c" + LEGACY,  # libcst drops a form feed starting a line: here no line before
        LEGACY.replace("\n", "\r"),  # and the last newline of a CR-only file
    ],
    ids=["form-feed-first-line", "cr-only"],
)
def test_sources_libcst_cannot_reproduce_are_not_rewritten(source: str) -> None:
    with pytest.raises(UnreproducibleSourceError, match=r"byte for byte.*run again"):
        rewrite_checked(source)


def test_a_form_feed_before_a_statement_stays_where_it_was() -> None:
    """libcst drops it: it rides on the line before through the rewrite, and comes back."""
    outcome = rewrite_checked(LEGACY.replace("task = ", "\x0ctask = "))
    assert outcome.code.endswith('\n\x0ctask = Task(result=LocalResult(dir="/tmp"))\n')
    assert outcome.code.count("\x0c") == 1
    assert [(s.line, s.column, s.rule) for s in outcome.sites][-2:] == [
        (4, 14, "PRU003"),
        (4, 29, "PRU002"),
    ]  # columns of the source, the form feed counted
    assert rewrite_checked(outcome.code).code == outcome.code


def test_a_form_feed_before_a_statement_given_a_todo_goes_before_the_todo() -> None:
    source = "from prefect import Task\n\n\ndef f(h):\n\x0c    return Task(result_handler=h)\n"
    outcome = rewrite_checked(source)
    lines = outcome.code.split("\n")
    assert lines[4].startswith("\x0c    # TODO(prefect-result-upgrade PRU003)")
    assert lines[5] == "    return Task(result_handler=h)"
    assert outcome.code.count("\x0c") == 1
    assert rewrite_checked(outcome.code).code == outcome.code


def test_a_form_feed_after_a_line_the_rewrite_removes_is_a_clear_error() -> None:
    """The unused import that would carry it is removed: the file is left untouched."""
    source = LEGACY.replace(
        "\n\ntask = ", "\nfrom prefect.engine.result_handlers import JSONResultHandler\n\x0ctask = "
    )
    with pytest.raises(UnreproducibleSourceError, match="put it on a line of its own"):
        rewrite_checked(source)


def test_a_form_feed_on_a_continued_line_stays() -> None:
    """After a backslash the form feed is whitespace inside the statement: libcst keeps it
    (and the line before cannot carry it: a backslash must end that line)."""
    source = LEGACY.replace("task = ", "x = 1 + \\\n\x0c    2\ntask = ")
    outcome = rewrite_checked(source)
    assert "x = 1 + \\\n\x0c    2\n" in outcome.code
    assert "task = Task(result=LocalResult(" in outcome.code


def test_an_escaped_kwargs_key_is_renamed_for_real() -> None:
    source = (
        "from prefect import Task\n"
        "from prefect.engine.result_handlers import JSONResultHandler\n"
        "class MyTask(Task):\n"
        "    def __init__(self, **kwargs):\n"
        '        kwargs["result\\x5fhandler"] = JSONResultHandler()\n'
        "        super().__init__(**kwargs)\n"
    )
    outcome = rewrite_checked(source)
    assert 'kwargs["result"] = PrefectResult()' in outcome.code
    assert not outcome.todos


# -- cost that grows with the file: each check counts work, never time -------------------


def _dense(sites: int) -> str:
    lines = [
        "from prefect import Task",
        "from prefect.engine.result_handlers import LocalResultHandler, ResultHandler",
        "class Mine(ResultHandler):",
        "    pass",
    ]
    for n in range(sites):
        lines.append(f"t{n} = Task(result_handler=LocalResultHandler(dir='/d{n}'))")
        lines.append(f"m{n} = Task(result_handler=Mine())")
        lines.append(f"v{n} = state.safe_value")  # a TODO comment above it: lines move
    return "\n".join(lines) + "\n"


def _diffed_lengths(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Record the length of the longer side of every line diff the engine makes."""
    compared: list[int] = []
    real = _engine.difflib.SequenceMatcher

    def counting(junk: object, a: list[str], b: list[str], **kwargs: object) -> object:
        compared.append(max(len(a), len(b)))
        return real(junk, a, b, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(_engine.difflib, "SequenceMatcher", counting)
    return compared


def test_site_lines_are_mapped_without_diffing_unchanged_statements(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    compared = _diffed_lengths(monkeypatch)
    source = _dense(60)
    outcome = transform_source(source)
    assert max(compared) <= 3  # one statement and its TODO comment, never the whole file
    assert outcome.code.count("TODO(prefect-result-upgrade PRU005)") == 60
    # PRU002 runs on the version with those comments; its sites are mapped back.
    rewritten = {s.line for s in outcome.sites if s.rule == "PRU002"}
    assert rewritten == {5 + 3 * n for n in range(60)}


def test_a_handler_import_is_judged_once_per_binding(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = 0
    real = ConstructorRule.problem

    def counting(self: ConstructorRule, *args: object) -> object:
        nonlocal calls
        calls += 1
        return real(self, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(ConstructorRule, "problem", counting)
    outcome = transform_source(_dense(80))
    assert sum(s.rule == "PRU002" for s in outcome.sites) == 80
    assert calls <= 3 * 80  # every use asking about every other use would be 80 * 80


def test_sites_are_collected_without_comparing_each_to_all(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from codemods._types import Site

    comparisons = 0
    real = Site.__eq__

    def counting(self: Site, other: object) -> bool:
        nonlocal comparisons
        comparisons += 1
        return real(self, other)

    monkeypatch.setattr(Site, "__eq__", counting)
    outcome = transform_source(_dense(80))
    assert len(outcome.sites) >= 3 * 80
    assert comparisons <= 2 * len(outcome.sites)


def test_the_cyclic_collector_is_paused_during_a_rewrite_and_restored(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import gc

    seen: list[bool] = []

    class _Watching(ConstructorRule):
        def leave_Module(self, original_node: cst.Module, updated_node: cst.Module) -> cst.Module:
            seen.append(gc.isenabled())
            return updated_node

    _swap(monkeypatch, _Watching)
    assert gc.isenabled()
    rewrite_checked(LEGACY)
    assert seen == [False, False]  # the rewrite and the second run of the verification
    assert gc.isenabled()
    gc.disable()
    try:
        transform_source(LEGACY)
        assert not gc.isenabled()  # left as the caller had it
    finally:
        gc.enable()


def test_a_run_of_changed_statements_is_not_diffed_as_one_block(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    compared = _diffed_lengths(monkeypatch)
    source = (
        "from prefect import Task\n"
        "from prefect.engine.result_handlers import LocalResultHandler\n"
        + "".join(f"v{n} = state.safe_value\n" for n in range(60))  # each gets a TODO
        + "t = Task(result_handler=LocalResultHandler())\n"
    )
    outcome = transform_source(source)
    assert outcome.code.count("TODO(prefect-result-upgrade PRU005)") == 60
    assert max(compared) <= 2
    assert {(s.rule, s.line) for s in outcome.sites if s.rule != "PRU001"} >= {
        ("PRU002", 63),
        ("PRU005", 3),
        ("PRU005", 62),
    }


# -- the compile check, a few hundred statements at a time ---------------------------------


@pytest.mark.parametrize(
    ("source", "message", "line"),
    [
        ("x = 1\n" * 1200 + "return 1\n", "'return' outside function", 1201),
        # statements far apart that only the whole module ties together
        ("x = 1\n" * 600 + "global x\n", "assigned to before global declaration", 601),
        ("x = 1\n" * 600 + "from __future__ import annotations\n", "beginning of the file", 601),
        # a __future__ feature changes how a statement far below it compiles
        (
            "from __future__ import annotations\n" + "x = 1\n" * 600 + "def f(a: (yield)): pass\n",
            "within an annotation",
            602,
        ),
        ("x = 1\n" * 600 + "def f(a: (yield)): pass\n", "'yield' outside function", 601),
    ],
    ids=["late-error", "global", "late-future", "future-feature", "no-future-feature"],
)
def test_the_compile_check_finds_what_compiling_the_whole_module_finds(
    source: str, message: str, line: int
) -> None:
    with pytest.raises(SyntaxError, match=message) as whole:
        compile(source, "<rewritten>", "exec", dont_inherit=True)
    found = _engine._compile_error(source)
    assert isinstance(found, SyntaxError)
    assert message in str(found)
    assert found.lineno == whole.value.lineno == line


def test_a_long_module_is_compiled_in_batches(monkeypatch: pytest.MonkeyPatch) -> None:
    import builtins

    sizes: list[int] = []
    real = builtins.compile

    def counting(source: object, *args: object, **kwargs: object) -> object:
        if isinstance(source, _engine.ast.Module):
            sizes.append(len(source.body))
        return real(source, *args, **kwargs)  # type: ignore[call-overload]

    monkeypatch.setattr(builtins, "compile", counting)
    assert _engine._compile_error("from __future__ import annotations\n" + "x = 1\n" * 1400) is None
    assert sizes == [500, 500, 401]
