"""The Prefect requirement check: warn when the declared version cannot run the output."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from codemods._requirements import check_requirements, find_requirements
from codemods.cli import main
from tests.codemods._cli_support import fake_engine

__all__ = ["fake_engine"]


def _project(root: Path, **files: str) -> Path:
    for name, body in files.items():
        (root / name.replace("__", "/")).write_text(body)
    return root


@pytest.mark.parametrize(
    ("files", "warns"),
    [
        ({"requirements.txt": "prefect<0.11\n"}, "needs Prefect >=0.11,<2"),
        ({"requirements-dev.txt": "prefect==0.10.7  # old\n"}, "needs Prefect >=0.11,<2"),
        ({"requirements.txt": "prefect>=0.11,<0.14\n"}, None),
        ({"requirements.txt": "prefect\n"}, None),
        ({"requirements.txt": "prefect>=2\n"}, "needs Prefect >=0.11,<2"),
        ({"pyproject.toml": '[project]\nname="x"\ndependencies=["prefect~=0.10.0"]\n'}, ">=0.11"),
        ({"pyproject.toml": '[tool.poetry.dependencies]\nprefect = "^0.10"\n'}, ">=0.11"),
        ({"pyproject.toml": '[tool.poetry.dependencies]\nprefect = "^0.13"\n'}, None),
        ({"setup.cfg": "[options]\ninstall_requires =\n    prefect<0.11\n"}, ">=0.11"),
        ({}, None),
    ],
)
def test_prefect_target(tmp_path: Path, files: dict[str, str], warns: str | None) -> None:
    warnings = check_requirements(
        _project(tmp_path, **files), target="prefect", uses_handler_result=False
    )
    if warns is None:
        assert warnings == []
    else:
        assert len(warnings) == 1
        assert warns in warnings[0]


@pytest.mark.parametrize(
    ("pin", "warns"), [("prefect>=0.14", True), ("prefect>=0.11,<0.14", False)]
)
def test_handler_result_needs_0_11_to_0_13(tmp_path: Path, pin: str, warns: bool) -> None:
    (tmp_path / "requirements.txt").write_text(pin + "\n")
    warnings = check_requirements(tmp_path, target="prefect", uses_handler_result=True)
    assert bool(warnings) is warns
    if warns:
        assert "ResultHandlerResult" in warnings[0]


@pytest.mark.parametrize("pin", ["prefect>=0.14", "prefect==1.4.1", "prefect>=0.14,<2"])
def test_handler_result_on_0_14_plus_suggests_the_bridge(tmp_path: Path, pin: str) -> None:
    (tmp_path / "requirements.txt").write_text(pin + "\n")
    [warning] = check_requirements(tmp_path, target="prefect", uses_handler_result=True)
    assert "prefect-result-compat[bridge]" in warning
    assert "PREFECT_RESULT_COMPAT_BRIDGE=1" in warning


@pytest.mark.parametrize("pin", ["prefect==1.4.1", "prefect>=0.14,<2"])
def test_handler_result_on_0_14_plus_with_the_bridge_declared_is_fine(
    tmp_path: Path, pin: str
) -> None:
    (tmp_path / "requirements.txt").write_text(f"{pin}\nprefect-result-compat[bridge]>=0.1\n")
    assert check_requirements(tmp_path, target="prefect", uses_handler_result=True) == []


def test_bridge_does_not_rescue_prefect_2(tmp_path: Path) -> None:
    (tmp_path / "requirements.txt").write_text("prefect>=2\nprefect-result-compat[bridge]\n")
    [warning] = check_requirements(tmp_path, target="prefect", uses_handler_result=True)
    assert "'prefect>=0.11,<0.14'" in warning


def test_too_old_pin_with_handler_result_suggests_ranges_that_run_it(tmp_path: Path) -> None:
    """Not 'prefect>=0.11,<2': ResultHandlerResult code does not run on 0.14+ without the bridge."""
    (tmp_path / "requirements.txt").write_text("prefect<0.11\n")
    [warning] = check_requirements(tmp_path, target="prefect", uses_handler_result=True)
    assert "'prefect>=0.11,<2'" not in warning
    assert "'prefect>=0.11,<0.14'" in warning
    assert "'prefect>=0.14,<2' and add 'prefect-result-compat[bridge]'" in warning


def test_compat_warning_names_what_is_missing(tmp_path: Path) -> None:
    [warning] = check_requirements(tmp_path, target="compat", uses_handler_result=False)
    assert "no packaging file (pyproject.toml, setup.cfg, setup.py, requirements*.txt)" in warning
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "Acme_Flows"\n')
    [warning] = check_requirements(tmp_path, target="compat", uses_handler_result=False)
    assert "in the packaging files of acme-flows;" in warning


def test_no_compat_warning_for_this_package_itself(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "prefect-result-compat"\n')
    assert check_requirements(tmp_path, target="compat", uses_handler_result=False) == []


def test_compat_target_needs_this_package(tmp_path: Path) -> None:
    (tmp_path / "requirements.txt").write_text("prefect==0.10.7\n")
    [warning] = check_requirements(tmp_path, target="compat", uses_handler_result=False)
    assert "prefect-result-compat" in warning
    (tmp_path / "requirements.txt").write_text("prefect==0.10.7\nprefect_result_compat>=0.1\n")
    assert check_requirements(tmp_path, target="compat", uses_handler_result=False) == []


def test_bad_lines_are_ignored(tmp_path: Path) -> None:
    (tmp_path / "requirements.txt").write_text("-r other.txt\n--index-url x\n???\nprefect<0.11\n")
    assert [r.name for r in find_requirements(tmp_path)] == ["prefect"]


@pytest.mark.usefixtures("fake_engine")
def test_cli_warns_on_stderr_and_in_report(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "flows"\ndependencies = ["prefect<0.11"]\n'
    )
    (tmp_path / "flows.py").write_text("f(result_handler=None)\n")
    assert main(["--report", "r.json", "."]) == 1
    assert "warning: pyproject.toml requires prefect<0.11" in capsys.readouterr().err
    report = json.loads((tmp_path / "r.json").read_text())
    assert "needs Prefect >=0.11,<2" in report["warnings"][0]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="FIFOs are POSIX")
@pytest.mark.timeout(30)
@pytest.mark.parametrize("name", ["requirements.txt", "requirements-ci.txt", "pyproject.toml"])
def test_a_fifo_named_like_a_packaging_file_is_skipped_not_waited_on(
    tmp_path: Path, name: str
) -> None:
    """Nobody writes to the FIFO: reading it would block the run forever."""
    os.mkfifo(tmp_path / name)
    (tmp_path / "requirements-dev.txt").write_text("prefect<0.11\n")
    found = find_requirements(tmp_path)
    assert [r.source.name for r in found] == ["requirements-dev.txt"]
    warnings = check_requirements(tmp_path, target="prefect", uses_handler_result=False)
    assert len(warnings) == 1
    assert "needs Prefect >=0.11,<2" in warnings[0]
