"""Executors: how the flow runner runs task runs (in order, in threads or processes, on dask).

Prefect 0.10–0.14 module path; :mod:`compat.executors` is the 0.15+ one. The dask-backed
executors import dask only when they start (extra ``[dask]``).
"""

from compat.engine.executors.base import Executor
from compat.engine.executors.dask import DaskExecutor, LocalDaskExecutor, SynchronousExecutor
from compat.engine.executors.local import LocalExecutor
from compat.engine.executors.parallel import LocalParallelExecutor

__all__ = [
    "DaskExecutor",
    "Executor",
    "LocalDaskExecutor",
    "LocalExecutor",
    "LocalParallelExecutor",
    "SynchronousExecutor",
]
