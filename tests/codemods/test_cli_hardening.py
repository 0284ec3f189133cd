"""One bad file never stops or kills a run, and files that must not be rewritten are left alone.

Each hostile file is an error (or a skip) for itself; every other file is still rewritten,
and the summary and the report are still written. The runs that could crash the
interpreter (a segfault in the native parser) go through a subprocess, so a regression
fails the test instead of killing pytest.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from codemods._guard import MAX_CHAIN, source_problem

REPO = Path(__file__).resolve().parent.parent.parent
LEGACY = (
    "from prefect import task\n"
    "from prefect.engine.result_handlers import LocalResultHandler\n"
    "\n"
    "\n"
    "@task(result_handler=LocalResultHandler(dir='/tmp'))\n"
    "def f():\n"
    "    return 1\n"
)
REWRITTEN = (
    LEGACY.replace("result_handlers import LocalResultHandler", "results import LocalResult")
    .replace("result_handler=", "result=")
    .replace("LocalResultHandler(", "LocalResult(")
)
IMPORT = "from prefect.engine.result_handlers import LocalResultHandler\n"


def run_cli(cwd: Path, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """The real command line in a fresh interpreter (a native crash cannot reach pytest)."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.run(
        [sys.executable, "-m", "codemods", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def good_files(root: Path, count: int = 12) -> list[Path]:
    paths = [root / f"good_{i:02d}.py" for i in range(count)]
    for path in paths:
        path.write_text(LEGACY)
    return paths


# --- deep nesting ----------------------------------------------------------------------

DEEP_SOURCES = {
    "parens_3000.py": "x = " + "(" * 3000 + "1" + ")" * 3000 + "\n",
    "unary_3000.py": "x = " + "-" * 3000 + "1\n",
    "sum_20000.py": "x = " + " + ".join(["a"] * 20_000) + "\n",
    "and_20000.py": "x = " + " and ".join(["a"] * 20_000) + "\n",
    "dotted_20000.py": "import a" + ".a" * 20_000 + "\n",
}


@pytest.mark.timeout(200)
def test_deeply_nested_files_are_errors_and_the_run_completes(tmp_path: Path) -> None:
    good = good_files(tmp_path)
    for name, body in DEEP_SOURCES.items():
        (tmp_path / name).write_text(IMPORT + body)
    result = run_cli(tmp_path, "-j", "1", "--report", "report.json", ".")
    assert result.returncode == 3, result.stderr
    assert all(path.read_text() == REWRITTEN for path in good)
    for name, body in DEEP_SOURCES.items():
        assert (tmp_path / name).read_text() == IMPORT + body
        assert f"{name}: error: is " in result.stderr
    assert "36 of 36 sites migrated, 12 files changed, 0 TODOs, 5 errors" in result.stderr
    report = json.loads((tmp_path / "report.json").read_text())
    assert sorted(e["file"] for e in report["errors"]) == sorted(DEEP_SOURCES)


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("x = " + "-" * 3000 + "1\n", "Python itself cannot parse it"),
        ("x = " + " or ".join(["a"] * (MAX_CHAIN + 1)) + "\n", f"{MAX_CHAIN + 1} operands"),
        ("import a" + ".b" * MAX_CHAIN + "\n", f"{MAX_CHAIN + 1} dotted parts"),
        ("def f():\n    from a" + ".b" * MAX_CHAIN + " import c\n", "dotted parts"),
    ],
)
def test_source_problem_names_the_nesting(body: str, expected: str) -> None:
    problem = source_problem(body)
    assert problem is not None
    assert expected in problem
    assert "split the expression or exclude the file" in problem


def test_ordinary_long_chains_pass() -> None:
    assert source_problem("x = " + " or ".join(["a"] * MAX_CHAIN) + "\n") is None
    assert source_problem("import a" + ".b" * (MAX_CHAIN - 1) + "\n") is None
    assert source_problem('import re\nPATTERN = "\\d"\n') is None


@pytest.mark.parametrize(
    ("source", "line"),
    [
        # libcst points at line 2; CPython at the unclosed parenthesis on line 1.
        ("def f(:\n    result_handler=1\n", 1),
        ("x = (\n\n\nresult_handler = 1\n", 1),
        ("if True:\n    a = 1\n  result_handler = 2\n", 3),
    ],
)
def test_syntax_error_is_reported_at_cpythons_line(tmp_path: Path, source: str, line: int) -> None:
    with pytest.raises(SyntaxError) as raised:
        compile(source, "x.py", "exec")
    assert raised.value.lineno == line
    (tmp_path / "broken.py").write_text(source)
    result = run_cli(tmp_path, "broken.py")
    assert result.returncode == 3
    assert f"broken.py: error: is not valid Python (line {line}, column " in result.stderr
