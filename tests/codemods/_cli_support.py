"""A tiny stand-in for ``codemods._engine`` so CLI tests control exactly what the rules do.

It rewrites ``result_handler=`` to ``result=`` (PRU001) and ``LocalResultHandler`` to
``LocalResult`` (PRU002), and marks ``class X(ResultHandler):`` with one TODO (PRU005).
Sources containing ``VERIFY_FAIL`` fail verification; ``CRASH_ENGINE`` raises;
``KILL_PROCESS`` kills the process (SIGKILL), as a native crash would. The CLI
must treat it exactly like the real engine, which the end-to-end tests use.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import types
from collections.abc import Sequence
from enum import Enum
from pathlib import Path

import libcst
import pytest

import codemods
from codemods._types import FileOutcome, Site, SiteStatus, Target

__all__ = [
    "REPO",
    "TASK_LEGACY",
    "TASK_REWRITTEN",
    "copy_tree",
    "fake_engine",
    "make_fake_engine",
    "python_sources",
    "run_cli",
    "run_python",
]

TODO = "# TODO(prefect-result-upgrade): PRU005 custom handler"
REPO = Path(__file__).resolve().parent.parent.parent
#: A module the *real* rules migrate completely (three sites), and what they make of it.
TASK_LEGACY = (
    "from prefect import task\n"
    "from prefect.engine.result_handlers import LocalResultHandler\n"
    "\n"
    "\n"
    "@task(result_handler=LocalResultHandler(dir='/tmp'))\n"
    "def f():\n"
    "    return 1\n"
)
TASK_REWRITTEN = (
    TASK_LEGACY.replace("result_handlers import LocalResultHandler", "results import LocalResult")
    .replace("result_handler=", "result=")
    .replace("LocalResultHandler(", "LocalResult(")
)


def run_cli(
    cwd: Path,
    *args: str,
    prefix: Sequence[str] = (),
    timeout: float = 120,
    stdin: str | None = None,
) -> subprocess.CompletedProcess[str]:
    """The real command line in a fresh interpreter (a native crash cannot reach pytest).

    ``prefix`` goes before the interpreter (for example a command that drops privileges).
    """
    return subprocess.run(
        [*prefix, sys.executable, "-m", "codemods", *args],
        cwd=cwd,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        input=stdin,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def run_python(
    code: str, cwd: Path, *argv: str, flags: tuple[str, ...] = ()
) -> subprocess.CompletedProcess[str]:
    """Run ``code`` in a fresh interpreter inside a rewritten project (quiet Prefect logs),
    with interpreter ``flags`` and ``argv`` after the code."""
    return subprocess.run(
        [sys.executable, *flags, "-c", code, *argv],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=cwd,
        env={**os.environ, "PREFECT__LOGGING__LEVEL": "ERROR"},
    )


def python_sources(root: Path) -> dict[str, str]:
    """Every ``.py`` file below ``root`` by relative path (``__pycache__`` skipped), read."""
    return {
        p.relative_to(root).as_posix(): p.read_text()
        for p in sorted(root.rglob("*.py"))
        if "__pycache__" not in p.parts
    }


def copy_tree(source: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Copy a fixture project to ``tmp_path/tree`` and make it the working directory."""
    shutil.copytree(source, tmp_path / "tree")
    monkeypatch.chdir(tmp_path / "tree")
    return tmp_path / "tree"


class Rule(str, Enum):
    PRU001 = "PRU001"
    PRU002 = "PRU002"
    PRU003 = "PRU003"
    PRU004 = "PRU004"
    PRU005 = "PRU005"

    @property
    def description(self) -> str:
        return f"stand-in rule {self.value}"


class RewriteVerificationError(Exception):
    pass


class UnreproducibleSourceError(RewriteVerificationError):
    pass


def may_contain_legacy(source: str, target: Target = Target.PREFECT) -> bool:
    return "result_handler" in source or "ResultHandler" in source


def transform_source(
    source: str,
    *,
    target: Target = Target.PREFECT,
    select: frozenset[str] | None = None,
    ignore: frozenset[str] = frozenset(),
) -> FileOutcome:
    libcst.parse_module(source)
    if "CRASH_ENGINE" in source:
        raise RuntimeError("stand-in crash")
    if "KILL_PROCESS" in source:  # like a native crash or the memory killer: never with -j 1
        os.kill(os.getpid(), signal.SIGKILL)

    def on(code: str) -> bool:
        return (select is None or code in select) and code not in ignore

    out: list[str] = []
    sites: list[Site] = []
    for number, line in enumerate(source.split("\n"), 1):
        if "result_handler=" in line and on("PRU001"):
            sites.append(
                Site(number, line.index("result_handler="), "PRU001", SiteStatus.REWRITTEN, "kw")
            )
            line = line.replace("result_handler=", "result=")
        if "LocalResultHandler" in line and on("PRU002"):
            column = line.index("LocalResultHandler")
            sites.append(Site(number, column, "PRU002", SiteStatus.REWRITTEN, "cls"))
            line = line.replace("LocalResultHandler", "LocalResult")
        match = re.match(r"(\s*)class \w+\(ResultHandler\):", line)
        if match and on("PRU005"):
            message = "custom handler: rewrite by hand"
            sites.append(Site(number, 0, "PRU005", SiteStatus.TODO, message))
            if not (out and out[-1].strip() == TODO):
                out.append(match.group(1) + TODO)
        out.append(line)
    return FileOutcome("\n".join(out), tuple(sites))


def rewrite_checked(
    source: str,
    *,
    target: Target = Target.PREFECT,
    select: frozenset[str] | None = None,
    ignore: frozenset[str] = frozenset(),
) -> FileOutcome:
    outcome = transform_source(source, target=target, select=select, ignore=ignore)
    if "VERIFY_FAIL" in source:
        raise RewriteVerificationError("second run changed the output")
    compile(outcome.code, "<rewritten>", "exec")
    again = transform_source(outcome.code, target=target, select=select, ignore=ignore)
    if again.code != outcome.code:
        raise RewriteVerificationError("not idempotent")
    return outcome


def make_fake_engine() -> types.ModuleType:
    module = types.ModuleType("codemods._engine")
    module.Rule = Rule  # type: ignore[attr-defined]
    module.RULES = tuple(Rule)  # type: ignore[attr-defined]
    module.RewriteVerificationError = RewriteVerificationError  # type: ignore[attr-defined]
    module.UnreproducibleSourceError = UnreproducibleSourceError  # type: ignore[attr-defined]
    module.may_contain_legacy = may_contain_legacy  # type: ignore[attr-defined]
    module.transform_source = transform_source  # type: ignore[attr-defined]
    module.rewrite_checked = rewrite_checked  # type: ignore[attr-defined]
    return module


@pytest.fixture
def fake_engine(monkeypatch: pytest.MonkeyPatch) -> types.ModuleType:
    """Install the stand-in as ``codemods._engine`` for the duration of a test."""
    module = make_fake_engine()
    monkeypatch.setitem(sys.modules, "codemods._engine", module)
    monkeypatch.setattr(codemods, "_engine", module, raising=False)
    return module
