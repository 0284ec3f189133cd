"""Fixtures for the runtime tests: an isolated configuration, home directory and context."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from compat.utilities.configuration import set_temporary_config
from compat.utilities.context import context


@pytest.fixture(autouse=True)
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Point home_dir and the user config at tmp, switch checkpointing off, empty the caches."""
    home = tmp_path / "prefect-home"
    monkeypatch.setenv("PREFECT__USER_CONFIG_PATH", str(tmp_path / "no-config.toml"))
    settings = {
        "home_dir": str(home),
        "flows.checkpointing": False,
        "flows.default_result": "",
        "engine.result_handler.default_class": "",
    }
    with set_temporary_config(settings), context(caches={}):
        yield home


@pytest.fixture
def checkpointing() -> Iterator[None]:
    """Turn checkpointing on for the test."""
    with set_temporary_config({"flows.checkpointing": True}):
        yield


@pytest.fixture(scope="session")
def dask_cluster() -> Iterator[object]:
    """A real dask.distributed LocalCluster of two worker processes, for the whole session."""
    from distributed import LocalCluster

    with LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        dashboard_address=":0",  # None still binds :8787 for /metrics
        host="127.0.0.1",
    ) as cluster:
        yield cluster
