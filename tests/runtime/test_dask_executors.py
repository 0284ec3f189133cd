"""Dask-backed executors under Prefect's names, on real dask schedulers and a real cluster."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest
from distributed import Client

import compat.engine.executors as engine_executors
import compat.executors as executors
from compat import Flow, context, task
from compat.engine.executors import DaskExecutor, LocalDaskExecutor, SynchronousExecutor
from compat.engine.state import Failed, Mapped
from compat.exceptions import MissingExtraError
from tests.runtime.test_executors import check_same_results

pytestmark = pytest.mark.timeout(120)

RUNTIME_DATA = Path(__file__).parents[1] / "golden" / "data" / "runtime"


@task
def where(x):
    """The process a task run happens in, and its input."""
    context.logger.info("running %s", x)
    return os.getpid(), x


@task
def explode(x):
    """Fail for odd inputs."""
    if x % 2:
        raise ValueError(f"odd {x}")
    return x


@pytest.mark.parametrize("scheduler", ["threads", "processes", "synchronous"])
def test_local_dask_executor_gives_the_same_results(tmp_path, checkpointing, scheduler):
    """A mapped, checkpointed flow on each of dask's local schedulers."""
    check_same_results(tmp_path, LocalDaskExecutor(scheduler=scheduler, num_workers=2))


def test_local_dask_processes_run_elsewhere():
    """With scheduler="processes" task runs happen in other processes."""
    with Flow("f") as flow:
        runs = where.map([1, 2, 3])
    state = flow.run(executor=LocalDaskExecutor("processes", num_workers=2))
    assert [x for _, x in state.result[runs].result] == [1, 2, 3]
    assert all(pid != os.getpid() for pid, _ in state.result[runs].result)


def test_dask_executor_on_an_existing_cluster(tmp_path, checkpointing, dask_cluster):
    """address= a running LocalCluster of processes: a mapped flow, same results and files."""
    check_same_results(tmp_path, DaskExecutor(address=dask_cluster.scheduler_address))


def test_mapped_children_run_on_the_cluster_workers(dask_cluster):
    """Children run in the worker processes, and a failing child fails only itself."""
    with Flow("f") as flow:
        runs = where.map([1, 2, 3, 4])
        checked = explode.map([1, 2])
    state = flow.run(executor=DaskExecutor(address=dask_cluster.scheduler_address))
    with Client(dask_cluster, set_as_default=False) as client:
        worker_pids = set(client.run(os.getpid).values())
    pids = {pid for pid, _ in state.result[runs].result}
    assert pids <= worker_pids
    assert os.getpid() not in pids
    assert isinstance(state.result[checked], Mapped)
    children = state.result[checked].map_states
    assert isinstance(children[0], Failed)
    assert children[0].message == "Unexpected error: ValueError('odd 1')"
    assert children[1].result == 2
    assert state.is_failed()


def test_dask_executor_starts_a_temporary_local_cluster(tmp_path, checkpointing):
    """Without address=, a LocalCluster (cluster_kwargs apply) lives for the flow run."""
    executor = DaskExecutor(
        cluster_kwargs={
            "n_workers": 1,
            "threads_per_worker": 1,
            "processes": True,
            "dashboard_address": ":0",  # a free port on host
            "host": "127.0.0.1",
        }
    )
    check_same_results(tmp_path, executor)
    assert executor.client is None  # closed with the run


def test_names_at_both_prefect_module_paths():
    """compat.engine.executors (0.10–0.14) and compat.executors (0.15+) give the same classes."""
    for name in ("LocalExecutor", "LocalDaskExecutor", "DaskExecutor", "Executor"):
        assert getattr(executors, name) is getattr(engine_executors, name)
    for version in ("0.10.7", "0.13.19"):
        data = json.loads((RUNTIME_DATA / f"{version}.json").read_text(encoding="utf-8"))
        assert set(data["signatures"]["engine.executors"]) <= set(engine_executors.__all__)
    assert SynchronousExecutor().scheduler == "synchronous"


def test_bad_arguments_are_named():
    """Unknown schedulers and address together with a cluster are refused clearly."""
    with pytest.raises(ValueError, match=r"scheduler must be 'threads'.*'cluster'"):
        LocalDaskExecutor("cluster")
    with pytest.raises(ValueError, match="either address="):
        DaskExecutor(address="tcp://127.0.0.1:1", cluster_kwargs={})


def test_missing_dask_names_the_extra(monkeypatch):
    """Without dask installed, starting the executor says which extra to install."""
    monkeypatch.setitem(sys.modules, "distributed", None)  # import now fails as if absent
    with (
        pytest.raises(MissingExtraError, match=r"prefect-result-compat\[dask\]"),
        DaskExecutor().start(),
    ):
        pass


def test_prefect_0_10_arguments_are_routed_as_0_13_routes_them():
    """0.10's address="local", local_processes= and **kwargs: kept, with a deprecation."""
    with pytest.warns(DeprecationWarning, match="DaskExecutor") as caught:
        executor = DaskExecutor(
            address="local", local_processes=False, n_workers=1, timeout=30, name="etl"
        )
    messages = [str(w.message) for w in caught]
    assert any("address='local'" in m for m in messages)
    assert any("cluster_kwargs={'processes': False}" in m for m in messages)
    assert any("DaskExecutor(n_workers=...)" in m and "cluster_kwargs" in m for m in messages)
    assert any("DaskExecutor(timeout=...)" in m and "client_kwargs" in m for m in messages)
    assert executor.address is None
    assert executor.cluster_kwargs == {"processes": False, "n_workers": 1}
    assert executor.client_kwargs == {"set_as_default": False, "timeout": 30, "name": "etl"}
    with pytest.warns(DeprecationWarning, match=r"client_kwargs=\{'n_workers'"):
        remote = DaskExecutor(address="tcp://127.0.0.1:1", n_workers=2)
    assert remote.cluster_kwargs == {}
    assert remote.client_kwargs["n_workers"] == 2


def test_a_0_10_style_dask_executor_runs_a_mapped_flow(tmp_path, checkpointing):
    """DaskExecutor(local_processes=False, n_workers=1), as 0.10 code writes it, runs."""
    with pytest.warns(DeprecationWarning, match="DaskExecutor"):
        executor = DaskExecutor(local_processes=False, n_workers=1, threads_per_worker=2)
    check_same_results(tmp_path, executor)
