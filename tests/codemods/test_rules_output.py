"""What the rewritten code must be: runnable on compat, ruff-clean, honest about the rest.

Fixture pairs (``test_rules.py``) pin the exact text; these tests check the properties a
reviewer relies on: the compat-target output really runs on compat without Prefect, a
ruff-clean file stays ruff-clean, and the compat target asks for no work compat does not
need (the README's own example ends with exit code 1, not 2).
"""

from __future__ import annotations

import importlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import libcst as cst
import pytest

from codemods._cst.layout import fit_long_lines
from codemods._cst.names import COMPAT_PROVIDES
from codemods._engine import rewrite_checked
from codemods._types import Target
from codemods.cli import main
from tests.codemods._cli_support import run_python

FIXTURES = Path(__file__).parent / "fixtures"
REPO = Path(__file__).parent.parent.parent
RUFF_CLEAN = FIXTURES / "ruff_clean"


@pytest.mark.parametrize("module", sorted(COMPAT_PROVIDES))
def test_what_the_compat_target_moves_exists_in_compat(module: str) -> None:
    imported = importlib.import_module("compat" + (f".{module}" if module else ""))
    missing = sorted(n for n in COMPAT_PROVIDES[module] if not hasattr(imported, n))
    assert missing == []


#: compat's public modules with no Prefect counterpart: compat's own API, never a move target.
_COMPAT_ONLY_MODULES = {
    "bridge",
    "conversion_table",
    "exceptions",
    "engine.conversion",
    "engine.default_result",
    "engine.executors.parallel",
    "serialization.result",
    "serialization.state",
}
#: Names compat exports beside Prefect's at a Prefect path (its helpers, not Prefect API).
_COMPAT_ONLY_NAMES = {
    "__version__",
    "hash_inputs",
    "tokenize",
    "utcnow",
    "EndRun",
    "HandlerCache",
    "call_state_handler",
    "checkpoint_value",
    "result_for_task",
    "run_task",
    "LocalParallelExecutor",
    "CompletedFuture",
    "as_task",
    "contains_task",
    "resolve_result_argument",
    "FSSpecResult",
    "ResultNotImplementedError",
}


def _compat_public_modules() -> list[str]:
    import pkgutil

    import compat

    found = [""]
    for info in pkgutil.walk_packages(compat.__path__, "compat."):
        relative = info.name[len("compat.") :]
        if any(part.startswith("_") for part in relative.split(".")):
            continue
        if relative.startswith(("bridge.", "engine.result.", "engine.results.")):
            continue  # the bridge's internals; the result packages are mirrored whole
        if relative.startswith("engine.result_handlers."):
            continue
        found.append(relative)
    return sorted(found)


@pytest.mark.parametrize("module", _compat_public_modules())
def test_the_compat_target_moves_everything_compat_has_at_prefect_paths(module: str) -> None:
    """The table is compat's own ``__all__``: no "compat lacks X" for a name compat has."""
    if module in _COMPAT_ONLY_MODULES:
        assert module not in COMPAT_PROVIDES
        return
    imported = importlib.import_module("compat" + (f".{module}" if module else ""))
    public = set(imported.__all__) - _COMPAT_ONLY_NAMES
    assert sorted(public - COMPAT_PROVIDES.get(module, frozenset())) == []


_BLOCKER = "import runpy, sys; sys.modules['prefect'] = None; runpy.run_path(sys.argv[1])"
_MAIN_BLOCKER = _BLOCKER.replace("sys.argv[1])", "sys.argv[1], run_name='__main__')")


def _run_without_prefect(
    script: Path, *, warnings: str = "error::DeprecationWarning"
) -> subprocess.CompletedProcess[str]:
    """Run ``script`` (in its directory) with ``prefect`` unimportable, warnings as errors."""
    return subprocess.run(
        [sys.executable, "-W", warnings, "-c", _BLOCKER, str(script)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=script.parent,
        env={**os.environ, "PREFECT__LOGGING__LEVEL": "ERROR"},  # the runners log to stdout
    )


@pytest.mark.timeout(120)
@pytest.mark.parametrize(
    ("case", "printed"),
    [
        ("compat_runnable", "doubled 6 "),
        ("compat_prefect_attributes", ""),
        ("compat_defaults_from_attrs", "url http://x"),
        ("compat_name_clash", "computed 1 compat.engine.results"),
        ("compat_task_args_dict_call", "LocalResult True n None"),
        ("compat_import_prefect_runnable", "total 2 compat.engine.results."),
    ],
)
def test_compat_target_output_runs_on_compat_without_prefect(
    tmp_path: Path, case: str, printed: str
) -> None:
    before = (FIXTURES / "imports" / f"{case}.before.py").read_text()
    outcome = rewrite_checked(before, target=Target.COMPAT)
    assert outcome.todos == ()
    script = tmp_path / "flow.py"
    script.write_text(outcome.code)
    done = _run_without_prefect(script)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(printed)
    # The legacy original needs Prefect: the check above is not vacuous.
    script.write_text(before)
    legacy = subprocess.run(
        [sys.executable, "-c", _BLOCKER, str(script)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert "import of prefect halted" in legacy.stderr


@pytest.mark.timeout(120)
def test_a_line_left_for_manual_work_keeps_no_import_prefect(tmp_path: Path) -> None:
    """``import prefect`` with a "keep one" TODO line: every ``prefect.X`` use compat has
    moves all the same (``prefect.task``, ``prefect.Flow`` and the ``prefect.engine.results``
    use on that line), so the output needs no Prefect and runs on compat."""
    before = (FIXTURES / "imports" / "compat_import_prefect_keep_one.before.py").read_text()
    outcome = rewrite_checked(before, target=Target.COMPAT)
    assert [site.rule for site in outcome.todos] == ["PRU003"]
    assert "prefect." not in outcome.code.replace("prefect-result-upgrade", "")
    script = tmp_path / "flow.py"
    script.write_text(outcome.code)
    done = _run_without_prefect(script, warnings="ignore::DeprecationWarning")
    assert done.returncode == 0, done.stderr


@pytest.mark.timeout(120)
def test_callers_of_a_task_class_reading_the_handler_keep_their_storage(tmp_path: Path) -> None:
    """``setdefault("result_handler", ...)`` / a ``result_handler`` parameter passed on: the
    callers keep ``result_handler=``, so each task writes where its caller chose (not to the
    class's default, and no ``result=`` given twice)."""
    case = FIXTURES / "result_handler_keyword" / "compat_reads_handler_itself"
    outcome = rewrite_checked(case.with_suffix(".before.py").read_text(), target=Target.COMPAT)
    script = tmp_path / "flow.py"
    script.write_text(outcome.code)
    # The kept `setdefault("result_handler", ...)` (a TODO) still warns on compat.
    done = _run_without_prefect(script, warnings="ignore::DeprecationWarning")
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["based", "child", "chosen"]


def _ruff(tmp_path: Path, name: str, code: str) -> str:
    path = tmp_path / name
    path.write_text(code)
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "ruff",
            "check",
            "--isolated",
            "--select",
            "I001,E501",
            "--line-length",
            "100",
            "--output-format",
            "concise",
            name,
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    return done.stdout if done.returncode else ""


@pytest.mark.parametrize("path", sorted(RUFF_CLEAN.glob("*.py")), ids=lambda p: p.stem)
@pytest.mark.parametrize("target", list(Target))
def test_ruff_clean_file_stays_clean(tmp_path: Path, path: Path, target: Target) -> None:
    before = path.read_text()
    assert _ruff(tmp_path, "before.py", before) == ""
    outcome = rewrite_checked(before, target=target)
    assert outcome.code != before
    assert _ruff(tmp_path, "after.py", outcome.code) == ""


def test_readme_quickstart_diff_ends_without_todos(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(REPO)
    assert main(["--diff", "--target", "compat", "examples/"]) == 1
    assert "0 TODOs" in capsys.readouterr().err


NOQA_SOURCE = """\
from prefect import Task
from prefect.engine.result_handlers import JSONResultHandler  # noqa: PRU001

kept = Task(result_handler=JSONResultHandler())  # noqa: PRU003
also = Task(result_handler=JSONResultHandler())  # noqa
"""


def test_noqa_silences_sites_counts_them_and_passes_check(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "flow.py").write_text(NOQA_SOURCE)
    assert main(["--check", "--report", "report.json", "flow.py"]) == 0
    assert "5 suppressed" in capsys.readouterr().err
    report = json.loads((tmp_path / "report.json").read_text())
    assert report["summary"]["suppressed"] == 5
    assert report["summary"]["todos"] == 0
    assert {s["status"] for s in report["sites"]} == {"suppressed"}
    assert (tmp_path / "flow.py").read_text() == NOQA_SOURCE


def test_an_import_used_only_on_silenced_lines_is_silenced_too(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """One ``# noqa`` on the only use: the import it keeps is not a TODO of its own."""
    monkeypatch.chdir(tmp_path)
    source = NOQA_SOURCE.replace("  # noqa: PRU001", "").replace("# noqa: PRU003", "# noqa")
    (tmp_path / "flow.py").write_text(source)
    assert main(["--check", "--report", "report.json", "flow.py"]) == 0
    report = json.loads((tmp_path / "report.json").read_text())
    assert report["summary"]["todos"] == 0
    assert [(s["line"], s["status"]) for s in report["sites"] if s["line"] == 2] == [
        (2, "suppressed")
    ]
    assert (tmp_path / "flow.py").read_text() == source


def test_other_codes_in_noqa_do_not_silence() -> None:
    source = NOQA_SOURCE.replace("# noqa: PRU003", "# noqa: E501").replace("  # noqa\n", "\n")
    outcome = rewrite_checked(source)
    assert "kept = Task(result=PrefectResult())  # noqa: E501" in outcome.code
    assert "also = Task(result=PrefectResult())" in outcome.code


def test_notebook_magic_cells_keep_their_imports_and_are_todos(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A ``%%time`` cell using an imported handler: the import stays, the cell is a TODO."""
    monkeypatch.chdir(tmp_path)
    shutil.copy(FIXTURES / "notebooks" / "magic.before.ipynb", tmp_path / "magic.ipynb")
    assert main(["--report", "report.json", "magic.ipynb"]) == 2
    after = (FIXTURES / "notebooks" / "magic.after.ipynb").read_text()
    assert (tmp_path / "magic.ipynb").read_text() == after
    report = json.loads((tmp_path / "report.json").read_text())
    ipython = [s for s in report["sites"] if "IPython" in s["message"]]
    assert [(s["cell"], s["line"], s["status"]) for s in ipython] == [
        (3, 1, "todo"),
        (4, 1, "todo"),
    ]
    cells = json.loads(after)["cells"]
    assert "LocalResultHandler" in "".join(cells[1]["source"])  # still imported for cell 3
    assert main(["--check", "magic.ipynb"]) == 2
    assert (tmp_path / "magic.ipynb").read_text() == after


TASK_ARGS_FLOW = """\
from prefect import Flow, Task, task
from prefect.engine.result_handlers import LocalResultHandler


@task
def add(x):
    return x + 1


base = Task(name="base")
copied = base.copy(result_handler=LocalResultHandler(dir="store"), name="c")
with Flow("f") as flow:
    added = add(1, task_args={"result_handler": LocalResultHandler(dir="called")})
    mapped = add.map([1, 2], task_args={"result_handler": LocalResultHandler(dir="mapped")})
print(type(copied.result).__name__, copied.result.dir.endswith("store"), copied.name)
print(type(added.result).__name__, added.result.dir.endswith("called"))
print(type(mapped.result).__name__, mapped.result.dir.endswith("mapped"))
"""


@pytest.mark.timeout(120)
def test_task_args_rewritten_for_compat_give_tasks_results(tmp_path: Path) -> None:
    """The renamed ``task_args`` key and ``copy`` keyword really set results on compat."""
    outcome = rewrite_checked(TASK_ARGS_FLOW, target=Target.COMPAT)
    assert outcome.todos == ()
    assert "result_handler" not in outcome.code
    script = tmp_path / "flow.py"
    script.write_text(outcome.code)
    done = _run_without_prefect(script)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        "LocalResult True c",
        "LocalResult True",
        "LocalResult True",
    ]


_FIRST = 'first=Wrap(Inner(os.path.join(BASE, "a-long-directory-name-here")))'
GROWN = f"""\
def f():
    if x:
        value = build({_FIRST}, other=[1, 2], last=call_of(alpha, beta, gamma))
    kept_as_it_was = build({_FIRST}, x=1)
"""


def test_a_new_overlong_call_is_split_one_argument_per_line() -> None:
    """When the arguments do not fit on one line either, each gets its own, as ruff puts them;
    a long line the source already had is left alone."""
    kept = GROWN.splitlines()[3]
    fitted = fit_long_lines(cst.parse_module(GROWN), GROWN, kept).code
    assert fitted == (
        "def f():\n"
        "    if x:\n"
        "        value = build(\n"
        f"            {_FIRST},\n"
        "            other=[1, 2],\n"
        "            last=call_of(alpha, beta, gamma),\n"
        "        )\n"
        f"{kept}\n"
    )
    assert fit_long_lines(cst.parse_module(fitted), fitted, fitted).code == fitted


@pytest.mark.timeout(120)
def test_legacy_attributes_and_dynamic_task_args_run_on_compat_without_todos(
    tmp_path: Path,
) -> None:
    """compat keeps 0.10's ``.result_handler`` reads and converts a ``result_handler``
    entry of any ``task_args`` mapping: the compat target leaves them, with no TODO."""
    case = FIXTURES / "result_handler_keyword" / "compat_legacy_attributes"
    outcome = rewrite_checked(case.with_suffix(".before.py").read_text(), target=Target.COMPAT)
    assert outcome.todos == ()
    script = tmp_path / "flow.py"
    script.write_text(outcome.code)
    # The kept reads warn (deprecated) on compat, naming `.result`.
    done = run_python(
        _MAIN_BLOCKER, tmp_path, str(script), flags=("-W", "ignore::DeprecationWarning")
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        "task None",
        "flow None",
        "copy LocalResult True",
        "ran True",
    ]


@pytest.mark.timeout(120)
def test_a_flow_subclass_slot_runs_on_compat(tmp_path: Path) -> None:
    """``super().__init__(result_handler=...)`` in a ``Flow`` subclass is a result slot."""
    case = FIXTURES / "result_handler_keyword" / "compat_flow_subclass"
    outcome = rewrite_checked(case.with_suffix(".before.py").read_text(), target=Target.COMPAT)
    assert outcome.todos == ()
    script = tmp_path / "flow.py"
    script.write_text(outcome.code)
    done = _run_without_prefect(script)
    assert done.returncode == 0, done.stderr
    assert done.stdout == "S3Result team\n"


def test_a_call_inside_an_f_string_is_not_split() -> None:
    """Breaking a line inside an f-string's braces is a syntax error before Python 3.12."""
    code = f'label = f"{{build({_FIRST}, other=[1, 2], last=call_of(alpha, beta))}}"\n'
    assert fit_long_lines(cst.parse_module(code), code, "").code == code


FORM_FEED_FLOW = (
    "from prefect import Flow\n"
    "from prefect.engine.result_handlers import LocalResultHandler\n\n\n"
    '\x0cflow = Flow("ff", result_handler=LocalResultHandler())\n'
)


def test_a_form_feed_before_a_statement_is_rewritten_and_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The reviewer's file: migrated (no error), the form feed where it was, and the diff
    shows it inside its line (Python's lines, not ``str.splitlines``)."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "line_start.py").write_text(FORM_FEED_FLOW)
    assert main(["--no-progress", "--diff", "line_start.py"]) == 1
    captured = capsys.readouterr()
    assert '+\x0cflow = Flow("ff", result=LocalResult())\n' in captured.out
    assert "0 errors" in captured.err
    assert main(["--no-progress", "line_start.py"]) == 1
    assert (
        (tmp_path / "line_start.py")
        .read_text()
        .endswith('\n\n\x0cflow = Flow("ff", result=LocalResult())\n')
    )


def test_a_form_feed_the_tool_cannot_keep_is_a_clear_error_not_a_crash_report(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    source = "\x0c" + FORM_FEED_FLOW.replace("\x0c", "")  # on the first line: no line before
    (tmp_path / "first.py").write_text(source)
    assert main(["--no-progress", "first.py"]) == 3
    err = capsys.readouterr().err
    assert "put each form feed on a line of its own" in err
    assert "please report" not in err
    assert (tmp_path / "first.py").read_text() == source


def test_notebook_magic_cells_that_run_on_compat_are_no_todos(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """compat keeps the legacy names and runs the cells' handler code as written: with the
    compat target the magic cells of the fixture need nothing; one importing Prefect does."""
    monkeypatch.chdir(tmp_path)
    notebook = json.loads((FIXTURES / "notebooks" / "magic.before.ipynb").read_text())
    (tmp_path / "magic.ipynb").write_text(json.dumps(notebook))
    assert main(["--target", "compat", "--report", "report.json", "magic.ipynb"]) == 1
    report = json.loads((tmp_path / "report.json").read_text())
    assert [s for s in report["sites"] if "IPython" in s["message"]] == []
    cells = json.loads((tmp_path / "magic.ipynb").read_text())["cells"]
    assert "from compat.engine.result_handlers import" in "".join(cells[1]["source"])

    notebook["cells"][3]["source"] = [
        "%%time\n",
        "from prefect import Parameter\n",
        "Parameter('x')",
    ]
    (tmp_path / "magic.ipynb").write_text(json.dumps(notebook))
    assert main(["--target", "compat", "--report", "report.json", "magic.ipynb"]) == 2
    report = json.loads((tmp_path / "report.json").read_text())
    ipython = [s for s in report["sites"] if "IPython" in s["message"]]
    assert [(s["cell"], s["status"]) for s in ipython] == [(3, "todo")]
