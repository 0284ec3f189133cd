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
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from codemods._config import DEFAULT_MAX_FILE_SIZE, parse_size
from codemods._discovery import discover
from codemods._guard import MAX_CHAIN, source_problem
from codemods.cli import main
from tests.codemods._cli_support import TASK_LEGACY, TASK_REWRITTEN, run_cli

LEGACY, REWRITTEN = TASK_LEGACY, TASK_REWRITTEN
IMPORT = "from prefect.engine.result_handlers import LocalResultHandler\n"


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


def test_nesting_python_parses_but_the_rewrite_cannot_follow_is_an_error(
    in_tmp: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    deep = IMPORT + "\n\nclass H(LocalResultHandler):\n    X = " + "-" * 2500 + "1\n"
    (in_tmp / "deep.py").write_text(deep)
    good = good_files(in_tmp, 1)
    assert main(["."]) == 3
    assert (in_tmp / "deep.py").read_text() == deep
    assert good[0].read_text() == REWRITTEN
    err = capsys.readouterr().err
    assert "deep.py: error: is nested too deeply to be rewritten safely (the rewrite" in err


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


def test_discovery_never_hands_a_special_file_on(tmp_path: Path) -> None:
    """Nothing after discovery (reader, project index...) ever sees the FIFO."""
    os.mkfifo(tmp_path / "x.py")
    (tmp_path / "y.py").write_text("")
    (tmp_path / "link.py").symlink_to("x.py")
    found = discover([tmp_path])
    assert [p.name for p in found.files] == ["y.py"]
    assert [(p.name, reason.split(",")[0]) for p, reason in found.errors] == [
        ("link.py", "is a FIFO"),
        ("x.py", "is a FIFO"),
    ]
    named = discover([tmp_path / "x.py"])
    assert (named.files, [p.name for p, _ in named.errors]) == ([], ["x.py"])


@pytest.mark.timeout(30)
def test_fifo_in_place_of_an_ignore_file_does_not_block(in_tmp: Path) -> None:
    good = good_files(in_tmp, 1)
    (in_tmp / ".git" / "info").mkdir(parents=True)
    os.mkfifo(in_tmp / ".git" / "info" / "exclude")
    os.mkfifo(in_tmp / ".gitignore")
    assert main(["."]) == 1
    assert good[0].read_text() == REWRITTEN


def _as_nobody(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return run_cli(cwd, *args, prefix=DROP_TO_NOBODY)


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


# --- links and ownership ---------------------------------------------------------------


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    """A project ``proj`` whose ``linked.py`` leads to ``elsewhere/real.py``."""
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "real.py").write_text(LEGACY)
    project = tmp_path / "proj"
    project.mkdir()
    (project / "own.py").write_text(LEGACY)
    (project / "linked.py").symlink_to(tmp_path / "elsewhere" / "real.py")
    return tmp_path


@pytest.mark.parametrize("given", [["proj"], ["proj/linked.py", "proj/own.py"]])
def test_symlink_outside_the_given_paths_is_not_followed(
    outside: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], given
) -> None:
    monkeypatch.chdir(outside)
    assert main(["--report", "report.json", *given]) == 1
    assert (outside / "elsewhere" / "real.py").read_text() == LEGACY
    assert (outside / "proj" / "own.py").read_text() == REWRITTEN
    assert "proj/linked.py: skipped: symbolic link to a file outside the given paths" in (
        capsys.readouterr().err
    )
    files = json.loads((outside / "report.json").read_text())["files"]
    status = {entry["path"]: entry["status"] for entry in files}
    assert status == {"proj/own.py": "changed", "proj/linked.py": "skipped"}


def test_follow_symlinks_rewrites_the_target_and_keeps_the_link(
    outside: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(outside)
    assert main(["--follow-symlinks", "proj"]) == 1
    assert (outside / "elsewhere" / "real.py").read_text() == REWRITTEN
    assert (outside / "proj" / "linked.py").is_symlink()


def test_follow_symlinks_from_configuration(outside: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(outside)
    (outside / "pyproject.toml").write_text(
        "[tool.prefect-result-upgrade]\nfollow-symlinks = true\n"
    )
    assert main(["proj"]) == 1
    assert (outside / "elsewhere" / "real.py").read_text() == REWRITTEN


def test_symlink_inside_the_given_paths_is_followed(in_tmp: Path) -> None:
    (in_tmp / "pkg").mkdir()
    (in_tmp / "pkg" / "real.py").write_text(LEGACY)
    (in_tmp / "pkg" / "sub").mkdir()
    (in_tmp / "pkg" / "sub" / "link.py").symlink_to("../real.py")
    assert main(["--exclude", "pkg/real.py", "pkg"]) == 1
    assert (in_tmp / "pkg" / "real.py").read_text() == REWRITTEN
    assert (in_tmp / "pkg" / "sub" / "link.py").is_symlink()


@pytest.mark.parametrize(
    ("link", "skipped", "taken"),
    [(os.symlink, "a_alias.py", "b_real.py"), (os.link, "b_real.py", "a_alias.py")],
    ids=["symlink", "hard link"],
)
def test_a_file_found_under_two_names_is_rewritten_and_counted_once(
    in_tmp: Path, capsys: pytest.CaptureFixture[str], link, skipped: str, taken: str
) -> None:
    """The name that is not a symbolic link wins; between hard links, the first one."""
    real = in_tmp / "pkg" / "b_real.py"
    real.parent.mkdir()
    real.write_text(LEGACY)
    link(real, in_tmp / "pkg" / "a_alias.py")
    assert main(["pkg"]) == 1
    assert real.read_text() == REWRITTEN
    err = capsys.readouterr().err
    assert f"pkg/{skipped}: skipped: another name of pkg/{taken}, which is taken" in err
    assert "3 of 3 sites migrated, 1 files changed" in err


def test_hard_links_are_kept(in_tmp: Path) -> None:
    first = in_tmp / "flows.py"
    first.write_text(LEGACY)
    second = in_tmp / "other_name.txt"
    os.link(first, second)
    assert main(["flows.py"]) == 1
    assert first.read_text() == REWRITTEN
    assert second.read_text() == REWRITTEN
    assert os.path.samefile(first, second)
    assert sorted(p.name for p in in_tmp.iterdir()) == ["flows.py", "other_name.txt"]


def test_owner_is_kept(in_tmp: Path) -> None:
    if os.geteuid() != 0:
        pytest.skip("changing a file's owner needs root")
    path = in_tmp / "flows.py"
    path.write_text(LEGACY)
    os.chown(path, 65534, 65534)
    path.chmod(0o6755)  # set-id bits, which a chown after the chmod would clear
    assert main(["flows.py"]) == 1
    assert path.read_text() == REWRITTEN
    assert (path.stat().st_uid, path.stat().st_gid) == (65534, 65534)
    assert stat.S_IMODE(path.stat().st_mode) == 0o6755


# --- size guard ------------------------------------------------------------------------


def _padded(size: int) -> str:
    """LEGACY followed by plain statements up to ``size`` bytes."""
    body = LEGACY
    line = "VALUE_0000000 = 1\n"
    return body + line * ((size - len(body)) // len(line) + 1)


def test_max_file_size_skips_and_reports(in_tmp: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (in_tmp / "big.py").write_text(_padded(200_000))
    good = good_files(in_tmp, 1)
    assert main(["--max-file-size", "100K", "--report", "report.json", "."]) == 1
    assert (in_tmp / "big.py").read_text() == _padded(200_000)
    assert good[0].read_text() == REWRITTEN
    err = capsys.readouterr().err
    size = len(_padded(200_000))
    assert f"big.py: skipped: is larger than the size limit ({size:,} > 102,400 bytes)" in err
    assert "raise --max-file-size (0: no limit)" in err
    report = json.loads((in_tmp / "report.json").read_text())
    assert report["files"][0]["status"] == "skipped"
    assert report["summary"]["files_skipped"] == 1
    assert main(["--max-file-size", "0", "big.py"]) == 1
    assert (in_tmp / "big.py").read_text() != _padded(200_000)


def _sparse(path: Path, size: int, head: str = "") -> None:
    """A file of ``size`` bytes that costs no disk space: ``head``, then NUL bytes."""
    with path.open("wb") as handle:
        handle.write(head.encode())
        handle.truncate(size)


def test_default_size_limit_takes_large_modules(
    in_tmp: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Far larger than any hand-written module, so never skipped by default."""
    assert DEFAULT_MAX_FILE_SIZE >= 50 * 2**20
    _sparse(in_tmp / "large.py", 50 * 2**20)
    assert main(["--report", "report.json", "large.py"]) == 0
    assert json.loads((in_tmp / "report.json").read_text())["summary"]["files_skipped"] == 0
    assert "skipped" not in capsys.readouterr().err


def test_default_size_limit_skips_a_huge_file(
    in_tmp: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _sparse(in_tmp / "dump.py", DEFAULT_MAX_FILE_SIZE + 1, head=LEGACY)
    assert main(["dump.py"]) == 0
    assert "dump.py: skipped: is larger than the size limit (67,108,865 > 67,108,864 bytes)" in (
        capsys.readouterr().err
    )
    assert main(["--max-file-size", "1G", "--check", "dump.py"]) == 3  # NUL bytes: not Python


@pytest.mark.parametrize(
    ("text", "size"),
    [("0", 0), ("1048576", 2**20), ("64M", 64 * 2**20), ("512kb", 512 * 2**10), ("1GiB", 2**30)],
)
def test_parse_size(text: str, size: int) -> None:
    assert parse_size(text) == size


def test_bad_sizes_are_errors(in_tmp: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--max-file-size", "lots", "."]) == 3
    assert "--max-file-size: 'lots' is not a size" in capsys.readouterr().err
    (in_tmp / "pyproject.toml").write_text("[tool.prefect-result-upgrade]\nmax-file-size = -1\n")
    assert main(["."]) == 3
    assert "'max-file-size' in [tool.prefect-result-upgrade]" in capsys.readouterr().err


def test_max_file_size_from_configuration(in_tmp: Path) -> None:
    (in_tmp / "big.py").write_text(_padded(200_000))
    (in_tmp / "pyproject.toml").write_text(
        '[tool.prefect-result-upgrade]\nmax-file-size = "100K"\n'
    )
    assert main(["."]) == 0
    assert main(["--max-file-size", "1M", "."]) == 1


# --- stdin -----------------------------------------------------------------------------


@pytest.mark.parametrize("flags", [[], ["--diff"], ["--check"], ["--show-diff"]])
def test_stdin_never_claims_to_have_rewritten_a_file(tmp_path: Path, flags: list[str]) -> None:
    result = run_cli(tmp_path, *flags, "--stdin-filename", "flows.py", "-", stdin=LEGACY)
    assert result.returncode == 1, result.stderr
    assert "rewrote" not in result.stderr
    assert list(tmp_path.iterdir()) == []
    if not flags or flags == ["--show-diff"]:
        assert result.stdout == REWRITTEN
        assert "flows.py: changed (the new code is on stdout)" in result.stderr
        assert "(no file written: the new code went to stdout)" in result.stderr
