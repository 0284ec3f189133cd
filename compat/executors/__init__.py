"""Executors at Prefect 0.15+'s module path (``prefect.executors``); the same classes as
:mod:`compat.engine.executors`, Prefect 0.10–0.14's path.
"""

from compat.engine.executors import DaskExecutor, Executor, LocalDaskExecutor, LocalExecutor

__all__ = ["DaskExecutor", "Executor", "LocalDaskExecutor", "LocalExecutor"]
