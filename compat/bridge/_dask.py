"""Dask workers without the bridge fail the task with the fix instead of hanging the flow.

A task built from legacy code refers to modules that import ``prefect.engine.result_handlers``.
A worker without the bridge cannot unpickle it, and distributed then loses the worker and
retries it forever: the flow hangs. The bridge therefore submits each task run to
``DaskExecutor`` as a payload of bytes plus the futures it depends on (kept out of the bytes,
so dask still resolves them), and a small function of this module unpickles the payload on
the worker. There, a missing bridge or an unpicklable task becomes a ``Failed`` state whose
message says what to do.
"""

from __future__ import annotations

import io
import os
import pickle
from typing import Any

import cloudpickle

from compat.bridge._messages import FIX
from compat.bridge._patch import Patches

# Prefect and distributed are imported inside the functions: a worker unpickling
# run_task_with_bridge imports this module first, and importing Prefect there may install
# the bridge (the start-up hook), which imports this module again.

_DEPENDENCY = "compat.bridge.dependency"


class _FuturesApart(cloudpickle.CloudPickler):
    """Pickles everything except dask futures, which it collects in ``futures``."""

    def __init__(self, file: io.BytesIO, futures: list[Any]) -> None:
        from distributed import Future

        super().__init__(file)
        self.futures = futures
        self._future_class = Future

    def persistent_id(self, obj: Any) -> Any:
        if isinstance(obj, self._future_class):
            self.futures.append(obj)
            return (_DEPENDENCY, len(self.futures) - 1)
        return None


class _ResolvedFutures(pickle.Unpickler):
    """Unpickles a payload, putting each future's resolved value back in its place."""

    def __init__(self, file: io.BytesIO, values: tuple[Any, ...]) -> None:
        super().__init__(file)
        self.values = values

    def persistent_load(self, pid: Any) -> Any:
        tag, index = pid
        if tag != _DEPENDENCY:
            msg = f"unknown persistent id {pid!r} in a bridged task payload"
            raise pickle.UnpicklingError(msg)
        return self.values[index]


def pack(kwargs: dict[str, Any]) -> tuple[bytes, list[Any]]:
    """Split ``kwargs`` into a payload and the futures it depends on."""
    futures: list[Any] = []
    buffer = io.BytesIO()
    _FuturesApart(buffer, futures).dump(kwargs)
    return buffer.getvalue(), futures


def run_task_with_bridge(payload: bytes, *resolved: Any) -> Any:
    """On the worker: check the bridge, unpickle the task run's arguments and run it."""
    from prefect.engine.flow_runner import run_task
    from prefect.engine.state import Failed

    from compat.bridge import is_installed

    where = f"dask worker process {os.getpid()}"
    if not is_installed():
        return Failed(message=f"{where} lacks the prefect-result-compat bridge; {FIX}")
    try:
        kwargs = _ResolvedFutures(io.BytesIO(payload), resolved).load()
    except Exception as exc:
        return Failed(
            message=f"{where} cannot load the task: {exc!r}; its modules must be importable "
            f"there ({FIX})",
            result=exc,
        )
    return run_task(**kwargs)


def _submitting_through_the_bridge(submit: Any) -> Any:
    from prefect.engine.flow_runner import run_task

    def bridged_submit(
        self: Any, fn: Any, *args: Any, extra_context: Any = None, **kwargs: Any
    ) -> Any:
        if fn is not run_task or args:
            return submit(self, fn, *args, extra_context=extra_context, **kwargs)
        payload, futures = pack(kwargs)
        return submit(self, run_task_with_bridge, payload, *futures, extra_context=extra_context)

    bridged_submit.__doc__ = submit.__doc__
    return bridged_submit


def guard_dask_workers(patches: Patches) -> None:
    """Route ``DaskExecutor`` task runs through :func:`run_task_with_bridge`."""
    from prefect.executors import DaskExecutor

    patches.set_attr(DaskExecutor, "submit", _submitting_through_the_bridge(DaskExecutor.submit))
