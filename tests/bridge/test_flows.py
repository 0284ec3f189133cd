"""Unchanged 0.10-style code on every executor, with every way of turning the bridge on."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from tests.bridge.conftest import run_python

# The legacy app uses result_handler= on purpose; test_keywords.py checks those warnings.
pytestmark = pytest.mark.filterwarnings(
    r"ignore:.*result_handler= is deprecated:DeprecationWarning"
)

EXECUTORS = ["local", "threads", "processes", "dask"]


def _assert_legacy_run(outcome: dict[str, Any], results_dir: Path) -> None:
    assert outcome["flow"] == "Success", outcome
    assert outcome["total"] == 14
    assert outcome["squares"] == [1, 4, 9]
    assert outcome["bridge"] is True
    # numbers went through LocalResultHandler -> Prefect's LocalResult, in its directory
    assert Path(outcome["numbers_location"]).parent == results_dir / "local"
    assert Path(outcome["numbers_location"]).is_file()
    # total went through the custom handler, wrapped; its file holds the JSON value
    assert outcome["total_result"] == "ResultHandlerResult"
    custom_file = Path(outcome["total_location"])
    assert custom_file.parent == results_dir / "custom"
    assert json.loads(custom_file.read_text()) == 14


def _run_in_process(executor: str, results_dir: Path, address: str | None = None) -> Any:
    from legacy_app.run import run

    return run(executor, str(results_dir), address)


@pytest.mark.usefixtures("bridge")
@pytest.mark.timeout(120)
@pytest.mark.parametrize("executor", ["local", "threads", "processes"])
def test_install_mode_local_executors(executor: str, tmp_path: Path) -> None:
    _assert_legacy_run(_run_in_process(executor, tmp_path), tmp_path)


@pytest.mark.usefixtures("bridge")
@pytest.mark.timeout(120)
def test_install_mode_dask_executor_on_env_cluster(env_cluster: Any, tmp_path: Path) -> None:
    _assert_legacy_run(_run_in_process("dask", tmp_path, env_cluster.scheduler_address), tmp_path)


@pytest.mark.usefixtures("bridge")
@pytest.mark.timeout(120)
def test_install_mode_reaches_the_workers_of_a_cluster_started_afterwards(tmp_path: Path) -> None:
    """install() exports the variable, so DaskExecutor's own new LocalCluster gets the bridge."""
    _assert_legacy_run(_run_in_process("dask", tmp_path), tmp_path)


@pytest.mark.usefixtures("bridge")
@pytest.mark.timeout(120)
def test_preload_mode_dask_workers(preload_cluster: Any, tmp_path: Path) -> None:
    _assert_legacy_run(
        _run_in_process("dask", tmp_path, preload_cluster.scheduler_address), tmp_path
    )


@pytest.mark.timeout(180)
@pytest.mark.parametrize("executor", EXECUTORS)
def test_environment_variable_mode_needs_no_code_change(executor: str, tmp_path: Path) -> None:
    """A fresh interpreter with only PREFECT_RESULT_COMPAT_BRIDGE=1 runs the legacy module."""
    code = (
        "import json, legacy_app.run as r; "
        f"print(json.dumps(r.run({executor!r}, {str(tmp_path)!r})))"
    )
    done = run_python(code, bridge_env=True, timeout=170)
    assert done.returncode == 0, done.stderr[-3000:]
    _assert_legacy_run(json.loads(done.stdout.strip().splitlines()[-1]), tmp_path)


def test_without_the_variable_legacy_code_fails_as_on_plain_prefect() -> None:
    done = run_python("import legacy_app.flows", bridge_env=False)
    assert done.returncode != 0
    assert "No module named 'prefect.engine.result_handlers'" in done.stderr


@pytest.mark.usefixtures("bridge")
@pytest.mark.timeout(120)
def test_a_worker_without_the_bridge_fails_the_task_with_the_fix(
    bridge_free_workers: Any, tmp_path: Path
) -> None:
    """Workers lacking the bridge: the tasks fail, saying how to fix it; the flow finishes."""
    import prefect
    from legacy_app.flows import build_flow
    from prefect.executors import DaskExecutor

    flow, tasks = build_flow(str(tmp_path))
    with prefect.context(checkpointing=True):
        state = flow.run(executor=DaskExecutor(address=bridge_free_workers.scheduler_address))
    assert state.is_failed()
    first = state.result[tasks["numbers"]]
    assert first.is_failed()
    assert "lacks the prefect-result-compat bridge" in str(first.message)
    assert "--preload compat.bridge" in str(first.message)
    assert f"process {os.getpid()}" not in str(first.message)  # it failed in a worker
