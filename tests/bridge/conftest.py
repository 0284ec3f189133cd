"""Fixtures for the bridge suite, which runs against real Prefect (one venv per release).

The main suite ignores this directory (``--ignore=tests/bridge`` in ``pyproject.toml``);
``.ci/run`` runs it in each Prefect venv, where the project is installed from its wheel so
that the ``PREFECT_RESULT_COMPAT_BRIDGE`` start-up hook is present.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import compat.bridge

HERE = Path(__file__).resolve().parent

# legacy_app must be importable by every process of a run: workers unpickle its tasks.
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))
os.environ["PYTHONPATH"] = os.pathsep.join(
    p for p in (str(HERE), os.environ.get("PYTHONPATH", "")) if p
)
# The suite decides per test how the bridge is activated.
os.environ.pop(compat.bridge.ENV_VAR, None)


@pytest.fixture
def bridge() -> Iterator[None]:
    """The bridge installed by ``install()`` for one test, uninstalled afterwards."""
    assert compat.bridge.install() is True
    try:
        yield
    finally:
        compat.bridge.uninstall()


@contextlib.contextmanager
def _cluster(bridge_variable: str, **worker_kwargs: Any) -> Iterator[Any]:
    """A 2-process LocalCluster whose workers start with the variable set to ``bridge_variable``.

    Spawned workers inherit the environment at start-up, which is when the wheel's ``.pth``
    hook reads it (distributed's ``env=`` is applied later, too late for the hook).
    """
    from distributed import LocalCluster

    previous = os.environ.get(compat.bridge.ENV_VAR)
    os.environ[compat.bridge.ENV_VAR] = bridge_variable
    try:
        cluster = LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            dashboard_address=":0",
            **worker_kwargs,
        )
    finally:
        if previous is None:
            os.environ.pop(compat.bridge.ENV_VAR, None)
        else:
            os.environ[compat.bridge.ENV_VAR] = previous
    with cluster:
        yield cluster


@pytest.fixture(scope="session")
def env_cluster() -> Iterator[Any]:
    """Two worker processes started with ``PREFECT_RESULT_COMPAT_BRIDGE=1`` (the .pth hook)."""
    with _cluster("1") as cluster:
        yield cluster


@pytest.fixture(scope="session")
def preload_cluster() -> Iterator[Any]:
    """Two worker processes given ``--preload compat.bridge`` (variable off)."""
    with _cluster("0", preload=["compat.bridge"]) as cluster:
        yield cluster


@pytest.fixture(scope="session")
def bridge_free_workers() -> Iterator[Any]:
    """Two worker processes without the bridge."""
    with _cluster("0") as cluster:
        yield cluster


def run_python(code: str, *, bridge_env: bool, timeout: float = 120) -> subprocess.CompletedProcess:
    """Run ``code`` in a fresh interpreter of this venv, with or without the variable."""
    env = dict(os.environ)
    env.pop(compat.bridge.ENV_VAR, None)
    if bridge_env:
        env[compat.bridge.ENV_VAR] = "1"
    return subprocess.run(
        [sys.executable, "-c", code],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
