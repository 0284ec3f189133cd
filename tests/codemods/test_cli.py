"""The command line: flags, configuration, exit codes, stdin, report and summary.

These tests use a stand-in engine (see ``_cli_support``) so that each one controls exactly
which sites exist; ``test_cli_e2e`` runs the real rules.
"""

from __future__ import annotations

import io
import json
import re
import sys
import types
from pathlib import Path

import pytest

from codemods.cli import main
from tests.codemods._cli_support import fake_engine

__all__ = ["fake_engine"]

LEGACY = (
    "from prefect import task\n"
    "from prefect.engine.result_handlers import LocalResultHandler\n"
    "\n"
    "@task(result_handler=LocalResultHandler('/tmp'))\n"
    "def f():\n"
    "    return 1\n"
)
CUSTOM = (
    "from prefect.engine.result_handlers import ResultHandler\n"
    "\n"
    "class H(ResultHandler):\n"
    "    pass\n"
)
CLEAN = "import os\n\nprint(os.sep)\n"
SUMMARY = re.compile(
    r"^(\d+) of (\d+) sites migrated, (\d+) files changed, (\d+) TODOs, (\d+) errors$", re.M
)

pytestmark = pytest.mark.usefixtures("fake_engine")


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "flows.py").write_text(LEGACY)
    (tmp_path / "pkg" / "clean.py").write_text(CLEAN)
    return tmp_path


def summary(err: str) -> tuple[int, ...]:
    match = SUMMARY.search(err)
    assert match, err
    return tuple(int(g) for g in match.groups())


def test_write_mode_rewrites_and_exits_1(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["pkg"]) == 1
    assert "result=LocalResult('/tmp')" in (project / "pkg" / "flows.py").read_text()
    assert (project / "pkg" / "clean.py").read_text() == CLEAN
    err = capsys.readouterr().err
    assert "rewrote pkg/flows.py" in err
    assert summary(err) == (3, 3, 1, 0, 0)


def test_second_run_exits_0(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    main(["pkg"])
    capsys.readouterr()
    assert main(["pkg"]) == 0
    assert summary(capsys.readouterr().err) == (0, 0, 0, 0, 0)


def test_diff_prints_and_writes_nothing(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--diff", "pkg"]) == 1
    out, err = capsys.readouterr()
    assert out.startswith("--- a/pkg/flows.py\n+++ b/pkg/flows.py\n")
    assert "+@task(result=LocalResult('/tmp'))" in out
    assert (project / "pkg" / "flows.py").read_text() == LEGACY
    assert "would rewrite pkg/flows.py" in err
    assert "(nothing written: --diff)" in err


def test_check_writes_nothing_and_prints_no_diff(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--check", "pkg"]) == 1
    out, _ = capsys.readouterr()
    assert out == ""
    assert (project / "pkg" / "flows.py").read_text() == LEGACY


def test_show_diff_writes_and_prints(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--show-diff", "pkg"]) == 1
    assert "+@task(result=" in capsys.readouterr().out
    assert "result=LocalResult" in (project / "pkg" / "flows.py").read_text()


def test_check_fails_on_todos_only(project: Path) -> None:
    (project / "pkg" / "flows.py").unlink()
    (project / "pkg" / "custom.py").write_text(
        "# TODO(prefect-result-upgrade): PRU005 custom handler\nclass H(ResultHandler):\n    pass\n"
    )
    # Nothing would change, but manual work remains: --check must not pass.
    assert main(["--check", "pkg"]) == 2
    assert main(["pkg"]) == 2


def test_exit_code_highest_wins(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (project / "pkg" / "custom.py").write_text(CUSTOM)
    assert main(["--check", "pkg"]) == 2
    (project / "pkg" / "broken.py").write_text("result_handler = (\n")
    assert main(["--check", "pkg"]) == 3
    err = capsys.readouterr().err
    assert "pkg/broken.py: error: is not valid Python" in err


def test_clean_tree_exits_0(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (project / "pkg" / "flows.py").unlink()
    assert main(["pkg"]) == 0
    assert summary(capsys.readouterr().err) == (0, 0, 0, 0, 0)


def test_missing_path_is_an_error(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["pkg", "nope"]) == 3
    assert "nope: error: no such file or directory" in capsys.readouterr().err
    # The other path was still processed.
    assert "result=LocalResult" in (project / "pkg" / "flows.py").read_text()


def test_no_paths_is_a_usage_error(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 3
    assert "give at least one PATH" in capsys.readouterr().err


def test_bad_flag_exits_3_not_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["--no-such-flag"])
    assert info.value.code == 3


def test_help_documents_exit_codes(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["--help"])
    assert info.value.code == 0
    out = capsys.readouterr().out
    for line in ("0  nothing left to do", "1  files were changed", "2  manual TODOs remain"):
        assert line in out
    assert "3  errors" in out
    assert "highest wins" in out


def test_list_rules(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--list-rules"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "PRU001  stand-in rule PRU001"
    assert len(out) == 5


@pytest.mark.parametrize(
    ("flags", "expected"),
    [
        (["--select", "PRU001"], "@task(result=LocalResultHandler('/tmp'))"),
        (["--ignore", "PRU001"], "@task(result_handler=LocalResult('/tmp'))"),
        (["--select", "PRU001,PRU002", "--ignore", "PRU002"], "@task(result=LocalResultHandler("),
        (["--select", "pru00"], "@task(result=LocalResult('/tmp'))"),
        (["--select", "ALL"], "@task(result=LocalResult('/tmp'))"),
    ],
)
def test_select_and_ignore(project: Path, flags: list[str], expected: str) -> None:
    assert main([*flags, "pkg"]) == 1
    assert expected in (project / "pkg" / "flows.py").read_text()


def test_unknown_rule_code(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--select", "PRU999", "pkg"]) == 3
    assert "unknown rule code 'PRU999' in --select" in capsys.readouterr().err
    assert (project / "pkg" / "flows.py").read_text() == LEGACY


def test_target_is_passed_to_the_engine(
    project: Path, fake_engine: types.ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen = []
    original = fake_engine.rewrite_checked

    def spy(source: str, **kwargs: object) -> object:
        seen.append(kwargs["target"])
        return original(source, **kwargs)

    monkeypatch.setattr(fake_engine, "rewrite_checked", spy)
    main(["--target", "compat", "pkg"])
    assert [t.value for t in seen] == ["compat"]


def test_config_in_pyproject(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (project / "pyproject.toml").write_text(
        '[tool.prefect-result-upgrade]\nignore = ["PRU002"]\nexclude = ["skip_me/"]\n'
        'report = "out/report.json"\n'
    )
    (project / "pkg" / "skip_me").mkdir()
    (project / "pkg" / "skip_me" / "x.py").write_text(LEGACY)
    assert main(["pkg"]) == 1
    assert "@task(result=LocalResultHandler('/tmp'))" in (project / "pkg" / "flows.py").read_text()
    assert (project / "pkg" / "skip_me" / "x.py").read_text() == LEGACY
    assert json.loads((project / "out" / "report.json").read_text())["summary"]["migrated"] == 1


def test_command_line_wins_over_config(project: Path) -> None:
    (project / "pyproject.toml").write_text('[tool.prefect-result-upgrade]\nignore = ["PRU002"]\n')
    assert main(["--ignore", "PRU005", "pkg"]) == 1
    assert "@task(result=LocalResult('/tmp'))" in (project / "pkg" / "flows.py").read_text()


def test_isolated_ignores_config(project: Path) -> None:
    (project / "pyproject.toml").write_text('[tool.prefect-result-upgrade]\nselect = ["PRU005"]\n')
    assert main(["--isolated", "pkg"]) == 1
    assert "result=LocalResult" in (project / "pkg" / "flows.py").read_text()


def test_explicit_config_file(project: Path) -> None:
    (project / "other.toml").write_text('[tool.prefect-result-upgrade]\nselect = ["PRU001"]\n')
    assert main(["--config", "other.toml", "pkg"]) == 1
    assert "result=LocalResultHandler" in (project / "pkg" / "flows.py").read_text()


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("colour = 1\n", "unknown key 'colour'"),
        ("jobs = 'many'\n", "'jobs' in [tool.prefect-result-upgrade]"),
        ("select = [1]\n", "must be a list of strings"),
    ],
)
def test_bad_config_is_an_error(
    project: Path, capsys: pytest.CaptureFixture[str], body: str, message: str
) -> None:
    (project / "pyproject.toml").write_text("[tool.prefect-result-upgrade]\n" + body)
    assert main(["pkg"]) == 3
    assert message in capsys.readouterr().err
    assert (project / "pkg" / "flows.py").read_text() == LEGACY


def test_report_contents(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (project / "pkg" / "custom.py").write_text(CUSTOM)
    (project / "pkg" / "broken.py").write_text("result_handler = (\n")
    assert main(["--report", "report.json", "pkg"]) == 3
    report = json.loads((project / "report.json").read_text())
    assert report["summary"] == {
        "line": "3 of 4 sites migrated, 2 files changed, 1 TODOs, 1 errors",
        "sites": 4,
        "migrated": 3,
        "todos": 1,
        "files_scanned": 4,
        "files_changed": 2,
        "files_skipped": 0,
        "errors": 1,
        "exit_code": 3,
    }
    assert report["mode"] == "write"
    assert report["target"] == "prefect"
    assert report["rules"]["PRU005"] == {"rewritten": 0, "todo": 1}
    todo = next(s for s in report["sites"] if s["status"] == "todo")
    assert todo == {
        "file": "pkg/custom.py",
        "line": 3,
        "column": 0,
        "rule": "PRU005",
        "status": "todo",
        "message": "custom handler: rewrite by hand",
    }
    assert [s["file"] for s in report["sites"]] == sorted(s["file"] for s in report["sites"])
    assert report["errors"][0]["file"] == "pkg/broken.py"
    statuses = {f["path"]: f["status"] for f in report["files"]}
    assert statuses == {
        "pkg/broken.py": "error",
        "pkg/custom.py": "changed",
        "pkg/flows.py": "changed",
    }
    # The closing line on stderr is the same as in the report.
    assert report["summary"]["line"] in capsys.readouterr().err


def test_todo_lines_on_stderr(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (project / "pkg" / "custom.py").write_text(CUSTOM)
    main(["pkg"])
    assert (
        "pkg/custom.py:3:0: PRU005 TODO: custom handler: rewrite by hand" in capsys.readouterr().err
    )


def test_quiet(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    main(["-q", "pkg"])
    err = capsys.readouterr().err
    assert "rewrote" not in err
    # A non-zero exit still says why.
    assert SUMMARY.search(err)


def test_jobs_gives_same_results(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    trees = {}
    for jobs in ("1", "2"):
        root = tmp_path / f"j{jobs}"
        for i in range(24):
            body = LEGACY if i % 3 else CUSTOM
            (root / f"m{i // 8}").mkdir(parents=True, exist_ok=True)
            (root / f"m{i // 8}" / f"mod{i:02}.py").write_text(body)
        (root / "m0" / "broken.py").write_text("result_handler = (\n")
        monkeypatch.chdir(root)
        code = main(["-j", jobs, "--diff", "--report", "r.json", "."])
        out, err = capsys.readouterr()
        report = json.loads((root / "r.json").read_text())
        trees[jobs] = (code, out, err, report)
    assert trees["1"] == trees["2"]
    assert trees["1"][0] == 3


def test_negative_jobs(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["-j", "-1", "pkg"]) == 3
    assert "-j/--jobs" in capsys.readouterr().err


class _Stdin:
    def __init__(self, data: bytes) -> None:
        self.buffer = io.BytesIO(data)


class _Stdout(io.StringIO):
    def __init__(self) -> None:
        super().__init__()
        self.buffer = io.BytesIO()


@pytest.mark.parametrize(("flags", "code"), [([], 1), (["--check"], 1), (["--diff"], 1)])
def test_stdin(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    flags: list[str],
    code: int,
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "stdin", _Stdin(LEGACY.encode()))
    stdout = _Stdout()
    monkeypatch.setattr(sys, "stdout", stdout)
    assert main([*flags, "--stdin-filename", "flows.py", "-"]) == code
    written = stdout.buffer.getvalue().decode()
    if not flags:
        assert written == LEGACY.replace(
            "result_handler=LocalResultHandler", "result=LocalResult"
        ).replace("import LocalResultHandler", "import LocalResult")
    else:
        assert written == ""
    if flags == ["--diff"]:
        assert "--- a/flows.py" in stdout.getvalue()
    assert list(tmp_path.iterdir()) == []


def test_stdin_unchanged_is_echoed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stdin", _Stdin(CLEAN.encode()))
    stdout = _Stdout()
    monkeypatch.setattr(sys, "stdout", stdout)
    assert main(["-"]) == 0
    assert stdout.buffer.getvalue() == CLEAN.encode()


def test_stdin_cannot_mix_with_paths(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["-", "pkg"]) == 3
    assert "cannot be combined" in capsys.readouterr().err


def test_progress_bar_only_on_a_terminal(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for i in range(5):
        (project / "pkg" / f"more{i}.py").write_text(LEGACY)
    main(["--check", "pkg"])
    assert "\r" not in capsys.readouterr().err

    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    tty = Tty()
    monkeypatch.setattr(sys, "stderr", tty)
    main(["--check", "pkg"])
    assert "\r[" in tty.getvalue()
    assert "7/7" in tty.getvalue()
    tty2 = Tty()
    monkeypatch.setattr(sys, "stderr", tty2)
    main(["--check", "--no-progress", "pkg"])
    assert "\r" not in tty2.getvalue()


def test_python_dash_m_entry_point() -> None:
    import codemods.__main__ as entry

    assert entry.main is main
