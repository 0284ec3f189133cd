"""A legacy project gives the same checkpoints before and after the codemod (``--target compat``).

The project is written for ``compat`` with 0.10-style result handlers (built-in handlers at
flow and task level, a JSON handler, and a custom handler class). It runs once as written,
is rewritten by the real command line, and runs again. Checkpoint file names carry a
timestamp, so the comparison is on their name pattern and on their bytes.
"""

from __future__ import annotations

import importlib.util
import re
import sys
import textwrap
from pathlib import Path
from types import ModuleType

import pytest

from codemods.cli import main as upgrade
from compat.utilities.configuration import set_temporary_config

FLOW_SOURCE = textwrap.dedent(
    '''
    """Nightly numbers (0.10 style): checkpoints through result handlers."""

    import os
    import pickle

    from compat import Flow, Parameter, task
    from compat.engine.result_handlers import JSONResultHandler, LocalResultHandler
    from compat.engine.result_handlers import ResultHandler

    RESULTS = os.environ["ROUNDTRIP_RESULTS"]


    class PickleFileHandler(ResultHandler):
        """A team's own handler: plain pickle files named after a counter."""

        def __init__(self, directory):
            self.directory = directory
            super().__init__()

        def write(self, result):
            os.makedirs(self.directory, exist_ok=True)
            path = os.path.join(self.directory, f"custom-{len(os.listdir(self.directory))}.pkl")
            with open(path, "wb") as handle:
                pickle.dump(result, handle)
            return path

        def read(self, loc):
            with open(loc, "rb") as handle:
                return pickle.load(handle)


    @task(result_handler=JSONResultHandler())
    def add(x, y=1):
        return x + y


    @task
    def square(x):
        return x * x


    @task(result_handler=PickleFileHandler(os.path.join(RESULTS, "custom")))
    def describe(total):
        return {"total": total, "even": total % 2 == 0}


    def build():
        """Build the flow; the flow-level handler covers `square`."""
        with Flow(
            "numbers", result_handler=LocalResultHandler(dir=os.path.join(RESULTS, "local"))
        ) as flow:
            start = Parameter("start", default=2)
            describe(square(add(start, y=3)))
        return flow
    '''
)


def _load(path: Path, name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def _run_project(flow_file: Path, results: Path, monkeypatch: pytest.MonkeyPatch, name: str):
    monkeypatch.setenv("ROUNDTRIP_RESULTS", str(results))
    module = _load(flow_file, name)
    flow = module.build()
    with set_temporary_config({"flows.checkpointing": True, "home_dir": str(results / "home")}):
        state = flow.run(parameters={"start": 4})
    assert state.is_successful()
    values = {task.name: state.result[task].result for task in flow.tasks}
    files = sorted(
        (str(p.relative_to(results).parent), _shape(p.name), p.read_bytes())
        for p in results.rglob("*")
        if p.is_file()
    )
    return values, files


def _shape(name: str) -> str:
    """A file name with its timestamp replaced, so two runs can be compared."""
    return re.sub(r"prefect-result-[0-9t-]+", "prefect-result-<timestamp>", name)


def test_checkpoints_are_identical_before_and_after_migration(tmp_path, monkeypatch):
    """Running the legacy project, then its `--target compat` rewrite, writes the same files."""
    project = tmp_path / "project"
    project.mkdir()
    flow_file = project / "numbers.py"
    flow_file.write_text(FLOW_SOURCE, encoding="utf-8")

    with pytest.warns(DeprecationWarning, match="result_handler"):
        before_values, before_files = _run_project(
            flow_file, tmp_path / "before", monkeypatch, "roundtrip_before"
        )

    exit_code = upgrade(
        ["--target", "compat", "--report", str(tmp_path / "report.json"), str(project)]
    )
    rewritten = flow_file.read_text(encoding="utf-8")
    assert exit_code == 1, rewritten  # files changed, no TODOs left for the compat target
    assert "result_handler=" not in rewritten
    assert "class PickleFileHandler(ResultHandler):" in rewritten  # the class stays
    assert "ResultHandlerResult(PickleFileHandler(" in rewritten
    assert "from compat.engine.results import" in rewritten

    after_values, after_files = _run_project(
        flow_file, tmp_path / "after", monkeypatch, "roundtrip_after"
    )

    assert (
        after_values
        == before_values
        == {
            "start": 4,
            "add": 7,
            "square": 49,
            "describe": {"total": 49, "even": False},
        }
    )
    assert after_files == before_files
    assert [(d, n) for d, n, _ in before_files] == [
        ("custom", "custom-0.pkl"),
        ("local", "prefect-result-<timestamp>"),
    ]
