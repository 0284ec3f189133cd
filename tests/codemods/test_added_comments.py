"""A rewrite that only added TODO comments is verified without a second run, and only then."""

from __future__ import annotations

import ast
from pathlib import Path

import libcst as cst
import pytest

from codemods import _engine
from codemods._added_comments import only_comments_added
from codemods._engine import rewrite_checked, transform_source
from codemods._types import Target

TODO = "# TODO(prefect-result-upgrade PRU003): `.result_handler` is gone: use `.result`"

SOURCE = '''\
"""A flow module."""
import prefect


def show(flow):
    print(flow.result_handler)
'''


def _check(source: str, output: str) -> bool:
    return only_comments_added(source, output, ast.parse(output))


def _with_todo(source: str, before: str, lines: str) -> str:
    assert source.count(before) == 1
    return source.replace(before, lines + before)


def test_a_todo_above_a_statement_is_only_a_comment() -> None:
    assert _check(SOURCE, _with_todo(SOURCE, "    print(", f"    {TODO}\n"))


def test_a_blank_line_and_a_todo_above_an_import_are_only_comments() -> None:
    output = _with_todo(SOURCE, "import prefect", f"\n{TODO}\n")
    assert _check(SOURCE, output)


@pytest.mark.parametrize(
    ("why", "output"),
    [
        ("nothing added", SOURCE),
        ("a code line changed", SOURCE.replace("result_handler)", "result)")),
        ("a code line added", _with_todo(SOURCE, "    print(", "    pass\n")),
        ("a comment before the first code line", f"{TODO}\n{SOURCE}"),
        ("a comment that silences", _with_todo(SOURCE, "    print(", "    # noqa\n")),
        ("a NOQA in any case", _with_todo(SOURCE, "    print(", "    # see NoQA: PRU003\n")),
        (
            "a gate spelling the input lacks",
            _with_todo(SOURCE, "    print(", "    # TODO: `to_result()` next\n"),
        ),
        ("a line removed", SOURCE.replace("import prefect\n", "")),
    ],
)
def test_anything_else_is_not_only_comments(why: str, output: str) -> None:
    assert not _check(SOURCE, output), why


@pytest.mark.parametrize(
    "source",
    [
        'TEXT = """\nfirst\nsecond\n"""\nx = prefect.result_handler\n',
        'TEXT = f"""\nfirst {1}\nsecond\n"""\nx = prefect.result_handler\n',
        "TEXT = b'''\nfirst\nsecond\n'''\nx = prefect.result_handler\n",
    ],
)
def test_a_comment_line_inside_a_string_changes_the_code(source: str) -> None:
    output = source.replace("first", f"first\n{TODO}", 1)
    ast.parse(output)  # still valid code, with another string
    assert not _check(source, output)


def test_a_comment_line_after_a_backslash_changes_the_code() -> None:
    source = "import prefect\nx = 1 \\\n+ prefect.result_handler\n"
    output = source.replace("\n+ ", f"\n{TODO}\n+ ")
    ast.parse(output)  # `x = 1` and `+prefect.result_handler`: valid, and not the same code
    assert not _check(source, output)


def _count_runs(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """Record each run of the rules: ``True`` if it wanted the sites (the first run)."""
    runs: list[bool] = []
    real_run = _engine._run

    def counting(*args: object, want_sites: bool = True) -> object:
        runs.append(want_sites)
        return real_run(*args, want_sites=want_sites)  # type: ignore[arg-type]

    monkeypatch.setattr(_engine, "_run", counting)
    return runs


def test_a_todo_only_rewrite_skips_the_second_run(monkeypatch: pytest.MonkeyPatch) -> None:
    runs = _count_runs(monkeypatch)
    outcome = rewrite_checked(SOURCE)
    assert [s.rule for s in outcome.todos] == ["PRU003"]
    assert outcome.code == _with_todo(SOURCE, "    print(", f"    {TODO} (docs/rules.md)\n")
    assert runs == [True]


def test_a_rewrite_that_changes_code_gets_the_second_run(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    runs = _count_runs(monkeypatch)
    source = (
        "from prefect import Task\n"
        "from prefect.engine.result_handlers import LocalResultHandler\n\n"
        'task = Task(result_handler=LocalResultHandler(dir="/tmp"))\n'
    )
    outcome = rewrite_checked(source)
    assert "result=LocalResult(" in outcome.code
    assert runs == [True, False]


FIXTURES = Path(__file__).parent / "fixtures"


def _fixture_sources() -> list[Path]:
    before = sorted(FIXTURES.rglob("*.before.py"))
    return before + sorted((FIXTURES / "e2e_project").rglob("*.py"))


@pytest.mark.parametrize("target", list(Target))
def test_the_proof_agrees_with_a_second_run_on_every_fixture(target: Target) -> None:
    """Wherever the proof stands in for the second run, the second run changes nothing."""
    proved = 0
    for path in _fixture_sources():
        source = path.read_text(encoding="utf-8")
        try:
            outcome = transform_source(source, target=target)
            tree = ast.parse(outcome.code)
        except (cst.ParserSyntaxError, SyntaxError):
            continue  # fixtures of invalid input
        if only_comments_added(source, outcome.code, tree):
            proved += 1
            again = transform_source(outcome.code, target=target)
            assert again.code == outcome.code, path.relative_to(FIXTURES)
    # The compat target moves every prefect import, so its outputs change code.
    assert proved >= (5 if target is Target.PREFECT else 0)


NESTED = {
    "module-level match": (
        "import prefect\n\nmatch kind:\n    case 1:\n        print(flow.result_handler)\n"
    ),
    "match in a function": (
        "import prefect\n\n\ndef f(flow, kind):\n    match kind:\n"
        "        case 'a':\n            print(flow.result_handler)\n"
    ),
    "tabs": "import prefect\n\n\nclass A:\n\tdef f(self, flow):\n\t\tprint(flow.result_handler)\n",
    "two-space blocks": (
        "import prefect\n\n\ndef f(flow):\n  if flow:\n    print(flow.result_handler)\n"
    ),
    "top level": "import prefect\n\nprint(flow.result_handler)\n",
}


@pytest.mark.parametrize("source", NESTED.values(), ids=NESTED.keys())
def test_todo_comments_are_wrapped_at_the_statements_real_indent(source: str) -> None:
    """TODO lines fit 100 columns where they land, and are split only when they must be.

    Columns as ruff's E501 counts them: a tab to the next stop of 4 (its indent width).
    """
    lines = rewrite_checked(source).code.splitlines()
    todo = next(i for i, line in enumerate(lines) if "TODO(prefect-result-upgrade" in line)
    block = [lines[todo]]
    while lines[todo + len(block)].lstrip().startswith("#   "):
        block.append(lines[todo + len(block)])
    assert all(len(line.expandtabs(4)) <= 100 for line in block)
    if len(block) > 1:  # the first word moved down would have fitted: no needless split
        first_word = block[1].lstrip().removeprefix("#   ").split(" ")[0]
        assert len(block[0].expandtabs(4)) + 1 + len(first_word) > 100
