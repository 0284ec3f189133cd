"""Executors: how the flow runner runs task runs (sequentially, in threads, in processes)."""

from compat.engine.executors.base import Executor
from compat.engine.executors.local import LocalExecutor
from compat.engine.executors.parallel import LocalParallelExecutor

__all__ = ["Executor", "LocalExecutor", "LocalParallelExecutor"]
