"""``--target compat`` over a whole project, and the rewritten project really run on compat.

``fixtures/project_compat/before`` is a package whose modules import from each other (a
re-exported handler, a helper imported from a sibling, a ``@task`` module without any
legacy name, whose task gets ``task_args={"result_handler": ...}`` elsewhere). The
compat-target rewrite must equal ``fixtures/project_compat/after``, and ``python -m
pkg.main`` must then run with ``prefect`` unimportable: a name another module imports from
a file is part of that file's interface, never an "unused import" to delete, and a module
without legacy names still moves its ``prefect`` imports (a compat flow built from Prefect
tasks would not run).
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from codemods.cli import main
from tests.codemods._cli_support import copy_tree, python_sources, run_python

PROJECT = Path(__file__).parent / "fixtures" / "project_compat"
_RUN_MAIN = (
    "import runpy, sys; sys.modules['prefect'] = None; "
    "runpy.run_module('pkg.main', run_name='__main__')"
)


def _run_main(root: Path) -> subprocess.CompletedProcess[str]:
    return run_python(_RUN_MAIN, root)


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    return copy_tree(PROJECT / "before", tmp_path, monkeypatch)


@pytest.mark.timeout(120)
def test_compat_rewrite_of_the_project_runs_without_prefect(project: Path) -> None:
    legacy = _run_main(project)
    assert legacy.returncode != 0  # the original needs Prefect: the run below is not vacuous
    assert main(["--no-progress", "-q", "--target", "compat", "pkg"]) == 1  # 0 TODOs
    assert python_sources(project) == python_sources(PROJECT / "after")
    done = _run_main(project)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["True", "6", "PrefectResult", "[1,", "2]", "LocalResult"]


def test_a_re_exported_legacy_import_is_kept_for_the_default_target(project: Path) -> None:
    main(["--no-progress", "-q", "pkg"])
    init = (project / "pkg" / "__init__.py").read_text()
    assert "from prefect.engine.result_handlers import LocalResultHandler" in init
    setup = (project / "pkg" / "setup_prefect.py").read_text()
    assert "from prefect.utilities.debug import raise_on_exception" in setup
