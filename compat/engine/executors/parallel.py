"""``LocalParallelExecutor``: a local pool of threads or processes (no dask needed).

With processes, the callable and its arguments travel as cloudpickle bytes, so tasks
defined in ``__main__``, closures and lambdas work; the pool uses the ``spawn`` start
method by default (safe with threads, same on every platform).
"""

from __future__ import annotations

import concurrent.futures as cf
import multiprocessing
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, Literal

import cloudpickle

from compat.engine.executors.base import Executor

__all__ = ["LocalParallelExecutor"]


def _call_pickled(payload: bytes) -> bytes:
    fn, args, kwargs = cloudpickle.loads(payload)
    return cloudpickle.dumps(fn(*args, **kwargs))


class LocalParallelExecutor(Executor):
    """Runs task runs concurrently in ``kind="threads"`` or ``kind="processes"``."""

    def __init__(
        self,
        kind: Literal["threads", "processes"] = "threads",
        max_workers: int | None = None,
        start_method: str = "spawn",
    ) -> None:
        if kind not in ("threads", "processes"):
            msg = f"LocalParallelExecutor kind must be 'threads' or 'processes', got {kind!r}"
            raise ValueError(msg)
        self.kind = kind
        self.max_workers = max_workers
        self.start_method = start_method
        self._pool: cf.Executor | None = None

    @contextmanager
    def start(self) -> Iterator[None]:
        if self.kind == "threads":
            pool: cf.Executor = cf.ThreadPoolExecutor(self.max_workers)
        else:
            context = multiprocessing.get_context(self.start_method)
            pool = cf.ProcessPoolExecutor(self.max_workers, mp_context=context)
        self._pool = pool
        try:
            yield
        finally:
            self._pool = None
            pool.shutdown(wait=True)

    def submit(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> cf.Future[Any]:
        if self._pool is None:
            msg = "LocalParallelExecutor.submit() called outside `with executor.start():`"
            raise RuntimeError(msg)
        if self.kind == "threads":
            return self._pool.submit(fn, *args, **kwargs)
        return self._pool.submit(_call_pickled, cloudpickle.dumps((fn, args, kwargs)))

    def result(self, future: Any) -> Any:
        value = future.result()
        return cloudpickle.loads(value) if self.kind == "processes" else value

    def __repr__(self) -> str:
        return f"<Executor: LocalParallelExecutor({self.kind!r})>"
