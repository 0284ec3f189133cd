"""Unsupported Prefect releases: too old does nothing and says why; 2.x or missing is an error."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import compat.bridge


def _with_fake_prefect(tmp_path: Path, version: str | None, code: str, **env: str) -> str:
    """Run ``code`` where ``import prefect`` finds a stand-in of ``version`` (None: broken)."""
    package = tmp_path / "prefect"
    package.mkdir()
    body = f"__version__ = {version!r}\n" if version else "raise ImportError('no prefect here')\n"
    (package / "__init__.py").write_text(body)
    environment = {k: v for k, v in os.environ.items() if k != compat.bridge.ENV_VAR}
    environment.update(env)
    environment["PYTHONPATH"] = os.pathsep.join([str(tmp_path), environment.get("PYTHONPATH", "")])
    done = subprocess.run(
        [sys.executable, "-W", "always", "-c", code],
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    return f"rc={done.returncode}\n{done.stdout}\n{done.stderr}"


INSTALL = "import compat.bridge as b; print('installed', b.install(), b.is_installed())"


def test_prefect_0_13_does_nothing_and_says_why(tmp_path: Path) -> None:
    out = _with_fake_prefect(tmp_path, "0.13.19", INSTALL)
    assert "rc=0" in out
    assert "installed False False" in out
    assert "BridgeNotNeededWarning" in out
    assert "Prefect 0.13.19 still has result handlers" in out


def test_prefect_2_is_a_clear_error(tmp_path: Path) -> None:
    code = (
        "import compat.bridge as b\n"
        "from compat.exceptions import PrefectVersionError\n"
        "try:\n    b.install()\nexcept PrefectVersionError as e:\n"
        "    print('error', isinstance(e, ImportError), e)\n"
    )
    out = _with_fake_prefect(tmp_path, "2.14.0", code)
    assert "error True the bridge needs Prefect 0.14 – 1.x, but Prefect 2.14.0" in out


def test_missing_prefect_is_a_clear_error(tmp_path: Path) -> None:
    code = (
        "import compat.bridge as b\n"
        "from compat.exceptions import PrefectVersionError\n"
        "try:\n    b.install()\nexcept PrefectVersionError as e:\n    print('error', e)\n"
    )
    out = _with_fake_prefect(tmp_path, None, code)
    assert "error the bridge needs Prefect 0.14 – 1.x, but Prefect cannot be imported" in out
    assert "prefect-result-compat[bridge]" in out


def test_variable_on_prefect_2_warns_instead_of_breaking_import(tmp_path: Path) -> None:
    out = _with_fake_prefect(
        tmp_path, "2.14.0", "import prefect; print('imported')", **{compat.bridge.ENV_VAR: "1"}
    )
    assert "rc=0" in out
    assert "imported" in out
    assert (
        "RuntimeWarning: PREFECT_RESULT_COMPAT_BRIDGE=1 is set; bridge not installed: "
        "the bridge needs Prefect 0.14 – 1.x, but Prefect 2.14.0 is installed"
    ) in out


def _run_with_variable(code: str, value: str) -> str:
    env = {k: v for k, v in os.environ.items() if k != compat.bridge.ENV_VAR}
    env[compat.bridge.ENV_VAR] = value
    done = subprocess.run(
        [sys.executable, "-c", code],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.mark.parametrize("value", ["", "0", "yes"])
def test_the_start_up_hook_is_inert_unless_the_variable_is_1(value: str) -> None:
    code = (
        "import sys, prefect, compat.bridge as b\n"
        "print('installed', b.is_installed(), 'compat.bridge._startup' in sys.modules)"
    )
    assert "installed False False" in _run_with_variable(code, value)


def test_the_start_up_hook_installs_at_prefect_import() -> None:
    code = (
        "import sys, compat.bridge as b\n"
        "before = b.is_installed()\n"
        "import prefect\n"
        "print('before', before, 'after', b.is_installed())"
    )
    assert "before False after True" in _run_with_variable(code, "1")
