"""One bad file never stops or kills a run, and files that must not be rewritten are left alone.

Each hostile file is an error (or a skip) for itself; every other file is still rewritten,
and the summary and the report are still written. The runs that could crash the
interpreter (a segfault in the native parser) go through a subprocess, so a regression
fails the test instead of killing pytest.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from codemods._guard import MAX_CHAIN, source_problem
from codemods.cli import main

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


# --- files that are not regular, unreadable directories, odd names -------------------


@pytest.fixture
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.mark.timeout(30)
@pytest.mark.parametrize("named", [False, True], ids=["walked", "named"])
def test_fifo_named_like_a_source_is_an_error_not_a_hang(
    in_tmp: Path, capsys: pytest.CaptureFixture[str], named: bool
) -> None:
    good = good_files(in_tmp, 2)
    os.mkfifo(in_tmp / "x.py")
    paths = ["x.py", *(p.name for p in good)] if named else ["."]
    assert main(["--report", "report.json", *paths]) == 3
    assert all(path.read_text() == REWRITTEN for path in good)
    err = capsys.readouterr().err
    assert "x.py: error: is a FIFO, not a regular file; only regular files are read" in err
    report = json.loads((in_tmp / "report.json").read_text())
    assert [e["file"] for e in report["errors"]] == ["x.py"]


DROP_TO_NOBODY = ("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups")


def _as_nobody(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO), "HOME": str(cwd)}
    return subprocess.run(
        [*DROP_TO_NOBODY, sys.executable, "-m", "codemods", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture
def nobody_tree() -> Iterator[Path]:
    """A directory the unprivileged user ``nobody`` can reach (tests run as root)."""
    if os.geteuid() != 0 or shutil.which("setpriv") is None:
        pytest.skip("dropping privileges needs root and setpriv")
    root = Path(tempfile.mkdtemp(prefix="pru-nobody-"))
    root.chmod(0o755)
    yield root
    for path in root.rglob("*"):
        if path.is_dir() and not path.is_symlink():
            path.chmod(0o755)
    shutil.rmtree(root)


def _give_to_nobody(root: Path) -> None:
    for path in (root, *root.rglob("*")):
        os.chown(path, 65534, 65534)


def test_unreadable_subdirectory_is_an_error_for_itself(nobody_tree: Path) -> None:
    good = good_files(nobody_tree, 3)
    locked = nobody_tree / "locked"
    locked.mkdir()
    (locked / "inside.py").write_text(LEGACY)
    (nobody_tree / "secret.py").write_text(LEGACY)
    _give_to_nobody(nobody_tree)
    locked.chmod(0)
    (nobody_tree / "secret.py").chmod(0o200)
    result = _as_nobody(nobody_tree, "--report", "report.json", ".")
    locked.chmod(0o755)
    assert result.returncode == 3, result.stderr
    assert "locked: error: is a directory that cannot be read (Permission denied)" in (
        result.stderr
    )
    assert "secret.py: error: cannot be read (Permission denied)" in result.stderr
    assert all(path.read_text() == REWRITTEN for path in good)
    assert (locked / "inside.py").read_text() == LEGACY
    report = json.loads((nobody_tree / "report.json").read_text())
    assert sorted(e["file"] for e in report["errors"]) == ["locked", "secret.py"]
    assert report["summary"]["errors"] == 2


def test_read_only_file_is_reported_and_left_alone(nobody_tree: Path) -> None:
    good = good_files(nobody_tree, 2)
    frozen = nobody_tree / "frozen.py"
    frozen.write_text(LEGACY)
    _give_to_nobody(nobody_tree)
    frozen.chmod(0o444)
    result = _as_nobody(nobody_tree, ".")
    assert result.returncode == 3, result.stderr
    assert "frozen.py: error: is read-only (no write permission)" in result.stderr
    assert frozen.read_text() == LEGACY
    assert stat.S_IMODE(frozen.stat().st_mode) == 0o444
    assert all(path.read_text() == REWRITTEN for path in good)
    assert "6 of 6 sites migrated, 2 files changed, 0 TODOs, 1 errors" in result.stderr


def test_read_only_file_is_left_alone_even_for_root(
    in_tmp: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    frozen = in_tmp / "frozen.py"
    frozen.write_text(LEGACY)
    frozen.chmod(0o444)
    assert main(["frozen.py"]) == 3
    assert frozen.read_text() == LEGACY
    assert "frozen.py: error: is read-only" in capsys.readouterr().err
    # --check says what would change; the file being read-only is not its business.
    assert main(["--check", "frozen.py"]) == 1


def test_non_utf8_file_name_does_not_break_the_report(tmp_path: Path) -> None:
    name = os.fsdecode(b"caf\xe9_flow.py")
    (tmp_path / name).write_text(LEGACY)
    (tmp_path / "ok.py").write_text(LEGACY)
    result = run_cli(tmp_path, "--show-diff", "--report", "report.json", ".")
    assert result.returncode == 1, result.stderr
    assert (tmp_path / name).read_text() == REWRITTEN
    assert "rewrote caf\\xe9_flow.py" in result.stderr
    assert "+++ b/caf\\xe9_flow.py" in result.stdout
    report = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    assert [f["path"] for f in report["files"]] == ["caf\\xe9_flow.py", "ok.py"]
    assert report["summary"]["files_changed"] == 2
