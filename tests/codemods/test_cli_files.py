"""File handling: encodings, newlines, permissions, atomic writes, discovery, notebooks."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from codemods import _source
from codemods._discovery import discover, is_generated
from codemods._gitignore import IgnoreFile, compile_pattern
from codemods._notebook import mask_magics, unmask_magics
from codemods._source import SourceDecodeError, decode_source, encode_source
from codemods.cli import main
from tests.codemods._cli_support import fake_engine

__all__ = ["fake_engine"]

LEGACY = "from prefect import task\n\n@task(result_handler=None)\ndef f():\n    return 'é'\n"
REWRITTEN = LEGACY.replace("result_handler=", "result=")

pytestmark = pytest.mark.usefixtures("fake_engine")


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)


# --- encodings and newlines ------------------------------------------------------------


@pytest.mark.parametrize(
    ("prefix", "newline"),
    [(b"", "\n"), (b"\xef\xbb\xbf", "\n"), (b"", "\r\n"), (b"\xef\xbb\xbf", "\r\n")],
    ids=["lf", "bom-lf", "crlf", "bom-crlf"],
)
def test_bom_and_newlines_are_kept(tmp_path: Path, prefix: bytes, newline: str) -> None:
    path = tmp_path / "flows.py"
    path.write_bytes(prefix + LEGACY.replace("\n", newline).encode())
    assert main(["flows.py"]) == 1
    assert path.read_bytes() == prefix + REWRITTEN.replace("\n", newline).encode()


def test_mixed_newlines_are_left_as_they_were(tmp_path: Path) -> None:
    path = tmp_path / "flows.py"
    source = b"import os\r\nx = 1\n@task(result_handler=None)\r\ndef f():\n    pass\n"
    path.write_bytes(source)
    assert main(["flows.py"]) == 1
    assert path.read_bytes() == source.replace(b"result_handler=", b"result=")


def test_non_utf8_file_with_legacy_names_is_an_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "latin.py"
    data = "x = 'café'\n@task(result_handler=None)\ndef f(): pass\n".encode("latin-1")
    bad.write_bytes(data)
    (tmp_path / "ok.py").write_text(LEGACY)
    assert main(["--report", "r.json", "."]) == 3
    assert bad.read_bytes() == data
    # One bad file does not stop the run.
    assert (tmp_path / "ok.py").read_text() == REWRITTEN
    err = capsys.readouterr().err
    assert "latin.py: error: is not valid UTF-8" in err
    assert "convert the file to UTF-8 or exclude it" in err
    report = json.loads((tmp_path / "r.json").read_text())
    assert report["errors"][0]["file"] == "latin.py"


def test_non_utf8_file_without_legacy_names_is_only_skipped(tmp_path: Path) -> None:
    (tmp_path / "latin.py").write_bytes("x = 'café'\n".encode("latin-1"))
    assert main(["--report", "r.json", "."]) == 0
    files = json.loads((tmp_path / "r.json").read_text())["files"]
    assert files[0]["status"] == "skipped"


def test_coding_cookie_other_than_utf8_is_refused() -> None:
    with pytest.raises(SourceDecodeError, match="declares encoding 'latin-1'"):
        decode_source(b"# -*- coding: latin-1 -*-\nx = 'caf\xe9'\n")
    with pytest.raises(SourceDecodeError, match="declares encoding 'ebcdic-cp-be'"):
        decode_source(b"# -*- coding: ebcdic-cp-be -*-\nx = 1\n")  # not ASCII-compatible
    assert decode_source(b"# coding: utf-8\nx = 1\n").text == "# coding: utf-8\nx = 1\n"


def test_ascii_file_with_a_latin1_cookie_is_rewritten_in_its_encoding(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Pure ASCII reads the same in UTF-8: rewritten, cookie kept, encoded back as declared."""
    monkeypatch.chdir(tmp_path)
    source = (
        "# -*- coding: latin-1 -*-\nfrom prefect import Task\n"
        "from prefect.engine.result_handlers import JSONResultHandler\n\n"
        "b = Task(result_handler=JSONResultHandler())\n"
    )
    (tmp_path / "old.py").write_bytes(source.encode("latin-1"))
    assert main(["--no-progress", "-q", "old.py"]) == 1
    data = (tmp_path / "old.py").read_bytes()
    assert data.startswith(b"# -*- coding: latin-1 -*-\n")
    assert b"b = Task(result=" in data  # (the stand-in rules of this module)
    assert decode_source(data).encoding == "latin-1"


def test_decode_encode_round_trip() -> None:
    for data in (b"", b"x\r\n", b"\xef\xbb\xbfx\ny", b"a\r\nb\nc"):
        assert encode_source(decode_source(data).text, decode_source(data)) == data


def test_invalid_python_is_reported_and_others_continue(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "a_broken.py").write_text("def f(:\n    result_handler=1\n")
    (tmp_path / "b_ok.py").write_text(LEGACY)
    assert main(["."]) == 3
    assert (tmp_path / "a_broken.py").read_text() == "def f(:\n    result_handler=1\n"
    assert (tmp_path / "b_ok.py").read_text() == REWRITTEN
    expected = "a_broken.py: error: is not valid Python (line 1, column 7: invalid syntax)"
    assert expected in capsys.readouterr().err


@pytest.mark.parametrize(
    ("marker", "message"),
    [("VERIFY_FAIL", "failed verification"), ("CRASH_ENGINE", "crashed the rewriter")],
)
def test_verification_failure_and_crash_leave_file_untouched(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], marker: str, message: str
) -> None:
    source = f"# {marker}\n" + LEGACY
    (tmp_path / "a.py").write_text(source)
    (tmp_path / "b.py").write_text(LEGACY)
    assert main(["."]) == 3
    assert (tmp_path / "a.py").read_text() == source
    assert (tmp_path / "b.py").read_text() == REWRITTEN
    assert message in capsys.readouterr().err


def test_a_worker_killed_by_one_file_is_an_error_for_that_file_only(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for i in range(9):
        (tmp_path / f"m{i}.py").write_text(LEGACY)
    (tmp_path / "m4.py").write_text("# KILL_PROCESS\n" + LEGACY)
    assert main(["-j", "2", "--report", "r.json", "."]) == 3
    assert (tmp_path / "m4.py").read_text() == "# KILL_PROCESS\n" + LEGACY
    for i in (0, 1, 2, 3, 5, 6, 7, 8):
        assert (tmp_path / f"m{i}.py").read_text() == REWRITTEN
    err = capsys.readouterr().err
    assert "m4.py: error: killed the process rewriting it (a crash in native code" in err
    assert json.loads((tmp_path / "r.json").read_text())["summary"]["errors"] == 1


def test_unreadable_file_is_an_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "secret.py").write_text(LEGACY)
    (tmp_path / "z.py").write_text(LEGACY)
    real = os.open

    def open_(path: str | Path, flags: int, *args: int) -> int:
        if Path(path).name == "secret.py":
            raise PermissionError(13, "Permission denied")
        return real(path, flags, *args)

    monkeypatch.setattr(_source.os, "open", open_)
    assert main(["."]) == 3
    assert "secret.py: error: cannot be read (Permission denied)" in capsys.readouterr().err
    assert (tmp_path / "z.py").read_text() == REWRITTEN


# --- writes ----------------------------------------------------------------------------


def test_permissions_are_kept(tmp_path: Path) -> None:
    path = tmp_path / "script.py"
    path.write_text(LEGACY)
    path.chmod(0o751)
    assert main(["script.py"]) == 1
    assert stat.S_IMODE(path.stat().st_mode) == 0o751


def test_symlink_target_is_rewritten_and_link_kept(tmp_path: Path) -> None:
    (tmp_path / "real.py").write_text(LEGACY)
    (tmp_path / "link.py").symlink_to("real.py")
    assert main(["link.py"]) == 1
    assert (tmp_path / "link.py").is_symlink()
    assert (tmp_path / "real.py").read_text() == REWRITTEN


def test_crash_during_write_keeps_the_original(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "a.py").write_text(LEGACY)
    (tmp_path / "b.py").write_text(LEGACY)
    real_replace = os.replace

    def crash(src: str, dst: object) -> None:
        if str(dst).endswith("a.py"):
            # The temporary file is complete but never lands: as if the process died here.
            raise OSError(28, "No space left on device")
        real_replace(src, dst)

    monkeypatch.setattr(_source.os, "replace", crash)
    assert main(["."]) == 3
    assert (tmp_path / "a.py").read_text() == LEGACY
    assert (tmp_path / "b.py").read_text() == REWRITTEN
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.py", "b.py"]
    assert "a.py: error: could not be written" in capsys.readouterr().err


def test_partial_write_never_reaches_the_target(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "a.py"
    path.write_text(LEGACY)
    real_fsync = os.fsync

    def die(fd: int) -> None:
        real_fsync(fd)
        raise KeyboardInterrupt

    monkeypatch.setattr(_source.os, "fsync", die)
    with pytest.raises(KeyboardInterrupt):
        _source.atomic_write(path, b"half")
    assert path.read_text() == LEGACY
    assert [p.name for p in tmp_path.iterdir()] == ["a.py"]


# --- discovery -------------------------------------------------------------------------


def _tree(root: Path, files: dict[str, str]) -> None:
    for name, body in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(body)


def _found(root: Path, **kwargs: object) -> list[str]:
    result = discover([root], exclude_base=root, **kwargs)  # type: ignore[arg-type]
    return [p.relative_to(root).as_posix() for p in result.files]


def test_discovery_skips_environments_and_build_output(tmp_path: Path) -> None:
    _tree(
        tmp_path,
        {
            "pkg/a.py": "",
            "pkg/b.ipynb": "{}",
            "pkg/c.pyi": "",
            "pkg/notes.txt": "",
            ".venv/lib/x.py": "",
            "venv/x.py": "",
            ".tox/py/x.py": "",
            "lib/site-packages/x.py": "",
            "build/x.py": "",
            "dist/x.py": "",
            ".git/x.py": "",
            "pkg/__pycache__/x.py": "",
            "pkg/.ipynb_checkpoints/b-checkpoint.ipynb": "{}",
            "myenv/pyvenv.cfg": "",
            "myenv/lib/x.py": "",
        },
    )
    assert _found(tmp_path) == ["pkg/a.py", "pkg/b.ipynb", "pkg/c.pyi"]


def test_discovery_honours_gitignore(tmp_path: Path) -> None:
    _tree(
        tmp_path,
        {
            ".gitignore": "generated/\n*_pb2.py\n/top_only.py\n!keep_pb2.py\n",
            "generated/x.py": "",
            "a_pb2.py": "",
            "keep_pb2.py": "",
            "top_only.py": "",
            "sub/top_only.py": "",
            "sub/.gitignore": "local.py\n",
            "sub/local.py": "",
            "local.py": "",
            "deep/generated/y.py": "",
        },
    )
    (tmp_path / ".git").mkdir()
    assert _found(tmp_path) == ["keep_pb2.py", "local.py", "sub/top_only.py"]
    assert "generated/x.py" in _found(tmp_path, respect_gitignore=False)


def test_gitignore_above_the_start_directory_applies(tmp_path: Path) -> None:
    _tree(tmp_path, {".gitignore": "src/skip/\n", "src/skip/x.py": "", "src/y.py": ""})
    (tmp_path / ".git").mkdir()
    found = discover([tmp_path / "src"]).files
    assert [p.name for p in found] == ["y.py"]


def test_exclude_patterns(tmp_path: Path) -> None:
    _tree(tmp_path, {"a/x.py": "", "a/y.py": "", "b/x.py": "", "legacy/z.py": ""})
    assert _found(tmp_path, exclude=["x.py", "legacy/"]) == ["a/y.py"]


def test_explicit_files_are_taken_even_if_ignored_but_not_if_excluded(tmp_path: Path) -> None:
    _tree(tmp_path, {".gitignore": "*.py\n", "a.py": "", "b.py": ""})
    (tmp_path / ".git").mkdir()
    result = discover(
        [tmp_path / "a.py", tmp_path / "b.py"], exclude=["b.py"], exclude_base=tmp_path
    )
    assert [p.name for p in result.files] == ["a.py"]
    assert [p.name for p, _ in result.skipped] == ["b.py"]


@pytest.mark.parametrize(
    ("pattern", "path", "is_dir", "expected"),
    [
        ("*.py", "a/b/c.py", False, True),
        ("/c.py", "a/c.py", False, None),
        ("a/**/c.py", "a/x/y/c.py", False, True),
        ("a/**/c.py", "a/c.py", False, True),
        ("**/build", "x/build", True, True),
        ("logs/", "logs", False, None),
        ("logs/", "logs", True, True),
        ("a/**", "a/b/c", False, True),
        ("ba?.py", "bar.py", False, True),
        ("[ab].py", "c.py", False, None),
        ("[!ab].py", "c.py", False, True),
        ("\\#x.py", "#x.py", False, True),
        ("# comment", "# comment", False, None),
        ("foo\\ ", "foo ", False, True),
    ],
)
def test_gitignore_patterns(
    tmp_path: Path, pattern: str, path: str, is_dir: bool, expected: bool | None
) -> None:
    compiled = compile_pattern(pattern)
    ignore = IgnoreFile(base=tmp_path, patterns=(compiled,) if compiled else ())
    assert ignore.match(tmp_path / path, is_dir=is_dir) is expected


def test_generated_files_are_skipped(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "gen.py").write_text("# @generated by protoc\n" + LEGACY)
    (tmp_path / "gen2.py").write_text('"""DO NOT EDIT."""\n' + LEGACY)
    assert main(["."]) == 0
    assert "gen.py: skipped: generated file" in capsys.readouterr().err
    assert is_generated("x = 1\n# @generated\n")
    assert not is_generated("\n" * 20 + "# @generated\n")


# --- notebooks -------------------------------------------------------------------------


def _notebook(cells: list[dict[str, object]], indent: int = 1) -> str:
    data = {
        "cells": cells,
        "metadata": {"kernelspec": {"name": "python3"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    return json.dumps(data, indent=indent, ensure_ascii=False) + "\n"


def _code(source: str | list[str]) -> dict[str, object]:
    return {
        "cell_type": "code",
        "execution_count": None,
        "metadata": {},
        "outputs": [],
        "source": source,
    }


@pytest.mark.parametrize("indent", [1, 2, 4])
def test_notebook_code_cells_are_rewritten_layout_kept(tmp_path: Path, indent: int) -> None:
    cells = [
        {"cell_type": "markdown", "metadata": {}, "source": ["Uses `result_handler=` — ünïcode"]},
        _code(
            [
                "%pip install prefect\n",
                "from prefect import task\n",
                "@task(result_handler=None)\n",
                "def f(): pass",
            ]
        ),
        _code("%%time\nx = dict(result_handler=None)"),
        _code("y = 1"),
    ]
    path = tmp_path / "nb.ipynb"
    path.write_text(_notebook(cells, indent))
    # The `%%time` cell is left alone; the stand-in engine sees a site in it: a TODO.
    assert main(["nb.ipynb"]) == 2
    expected = json.loads(_notebook(cells, indent))
    expected["cells"][1]["source"][2] = "@task(result=None)\n"
    assert path.read_text() == json.dumps(expected, indent=indent, ensure_ascii=False) + "\n"
    assert main(["--check", "nb.ipynb"]) == 2


def test_notebook_sites_carry_the_cell(tmp_path: Path) -> None:
    (tmp_path / "nb.ipynb").write_text(_notebook([_code("x = 1"), _code("f(result_handler=None)")]))
    main(["--report", "r.json", "nb.ipynb"])
    site = json.loads((tmp_path / "r.json").read_text())["sites"][0]
    assert (site["file"], site["cell"], site["line"]) == ("nb.ipynb", 1, 1)


def test_notebook_diff_names_the_cell(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "nb.ipynb").write_text(_notebook([_code("f(result_handler=None)")]))
    assert main(["--diff", "nb.ipynb"]) == 1
    assert "--- a/nb.ipynb:cell[0]" in capsys.readouterr().out


def test_invalid_notebook_is_an_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "nb.ipynb").write_text('{"cells": [ result_handler')
    assert main(["nb.ipynb"]) == 3
    assert "is not valid notebook JSON" in capsys.readouterr().err


def test_magic_masking_round_trip() -> None:
    source = "%matplotlib inline\nfiles = 1\n!ls\n  %time f()\nobj?\nx = 1"
    masked = mask_magics(source)
    assert masked is not None
    text, saved = masked
    assert "%" not in text
    assert "!" not in text
    assert unmask_magics(text, saved) == source
    assert mask_magics("%%bash\necho hi") is None
