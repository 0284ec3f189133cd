"""``LocalDaskExecutor`` and ``DaskExecutor``: task runs on dask, under Prefect's names.

``LocalDaskExecutor(scheduler="threads" | "processes" | "synchronous")`` runs each task run
through dask's local scheduler of that name (its ``get``, on a pool of this executor's
own). ``DaskExecutor()`` starts a ``distributed.LocalCluster`` for the flow run
(or ``cluster_class(**cluster_kwargs)``), ``DaskExecutor(address=...)`` connects to a
running scheduler; task runs are submitted as ``distributed`` futures.

dask and distributed are imported when an executor starts, never at import time; without
them the error names the extra to install (``pip install 'prefect-result-compat[dask]'``).
"""

from __future__ import annotations

import concurrent.futures as cf
import functools
import multiprocessing
import os
from collections.abc import Callable, Collection, Iterator
from contextlib import ExitStack, contextmanager
from typing import Any

from compat._deprecation import warn_deprecated
from compat._extras import import_extra
from compat.engine.executors.base import Executor

__all__ = ["DaskExecutor", "LocalDaskExecutor", "SynchronousExecutor"]

_SCHEDULERS = {
    "threads": "threads",
    "threading": "threads",
    "processes": "processes",
    "multiprocessing": "processes",
    "sync": "synchronous",
    "synchronous": "synchronous",
    "single-threaded": "synchronous",
}


def _import(module: str) -> Any:
    return import_extra(module, "dask", "this executor")


#: ``Client`` keywords; Prefect 0.10's other ``DaskExecutor(**kwargs)`` went to ``LocalCluster``.
_CLIENT_KEYWORDS = frozenset(
    {
        "timeout",
        "set_as_default",
        "scheduler_file",
        "security",
        "name",
        "direct_to_workers",
        "heartbeat_interval",
    }
)

_GETS = {
    "threads": "dask.threaded",
    "processes": "dask.multiprocessing",
    "synchronous": "dask.local",
}


def _compute_one(get: Callable[..., Any], call: Callable[[], Any], pool: Any) -> Any:
    """Run ``call()`` as a one-task dask graph on a local scheduler's ``get``."""
    graph = {"task-run": (call,)}
    return get(graph, "task-run") if pool is None else get(graph, "task-run", pool=pool)


class LocalDaskExecutor(Executor):
    """Task runs on dask's local scheduler: ``"threads"``, ``"processes"`` or ``"synchronous"``.

    Extra keywords are dask configuration set for the run (e.g. ``num_workers=4``).
    """

    def __init__(self, scheduler: str = "threads", **kwargs: Any) -> None:
        try:
            self.scheduler = _SCHEDULERS[str(scheduler).lower()]
        except KeyError:
            msg = (
                f"LocalDaskExecutor scheduler must be 'threads', 'processes' or "
                f"'synchronous', got {scheduler!r}"
            )
            raise ValueError(msg) from None
        self.dask_config = kwargs
        self._get: Any = None
        self._pool: cf.Executor | None = None
        self._submitter: cf.ThreadPoolExecutor | None = None

    @contextmanager
    def start(self) -> Iterator[None]:
        dask = _import("dask")
        module = _import(_GETS[self.scheduler])
        with ExitStack() as stack:
            stack.enter_context(dask.config.set(**self.dask_config))
            workers = int(dask.config.get("num_workers", None) or os.cpu_count() or 1)
            if self.scheduler == "threads":
                self._pool = stack.enter_context(cf.ThreadPoolExecutor(workers))
            elif self.scheduler == "processes":
                spawn = multiprocessing.get_context("spawn")
                self._pool = stack.enter_context(cf.ProcessPoolExecutor(workers, mp_context=spawn))
            # Each submission waits on dask in a thread of its own, so runs overlap.
            submitter_size = 1 if self.scheduler == "synchronous" else workers
            self._submitter = stack.enter_context(cf.ThreadPoolExecutor(submitter_size))
            self._get = module.get_sync if self.scheduler == "synchronous" else module.get
            try:
                yield
            finally:
                self._get = self._pool = self._submitter = None

    def submit(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> cf.Future[Any]:
        if self._submitter is None:
            msg = "LocalDaskExecutor.submit() called outside `with executor.start():`"
            raise RuntimeError(msg)
        call = functools.partial(fn, *args, **kwargs)
        return self._submitter.submit(_compute_one, self._get, call, self._pool)

    def __repr__(self) -> str:
        return f"<Executor: LocalDaskExecutor({self.scheduler!r})>"


class SynchronousExecutor(LocalDaskExecutor):
    """Prefect 0.10's name for ``LocalDaskExecutor(scheduler="synchronous")``."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(scheduler="synchronous", **kwargs)


class DaskExecutor(Executor):
    """Task runs on a dask.distributed cluster: a new ``LocalCluster``, or one at ``address``.

    ``cluster_class`` (a class or a dotted path) and ``cluster_kwargs`` choose the temporary
    cluster, ``adapt_kwargs`` make it adaptive, ``client_kwargs`` go to the ``Client``.
    Prefect 0.10's arguments still work, with a deprecation warning, as in 0.13:
    ``address="local"`` (no address), ``local_processes=`` (``cluster_kwargs["processes"]``)
    and extra keywords (``Client`` keywords to the client, the others to ``LocalCluster``).
    """

    def __init__(
        self,
        address: str | None = None,
        cluster_class: str | Callable[..., Any] | None = None,
        cluster_kwargs: dict[str, Any] | None = None,
        adapt_kwargs: dict[str, Any] | None = None,
        client_kwargs: dict[str, Any] | None = None,
        debug: bool = False,
        local_processes: bool | None = None,
        **kwargs: Any,
    ) -> None:
        if address == "local":
            warn_deprecated("DaskExecutor(address='local')", "DaskExecutor() without an address")
            address = None
        if address is not None and (cluster_class is not None or cluster_kwargs is not None):
            msg = (
                "DaskExecutor takes either address= (an existing scheduler) or "
                "cluster_class=/cluster_kwargs= (a temporary cluster), not both"
            )
            raise ValueError(msg)
        self.address = address
        self.cluster_class = cluster_class
        self.cluster_kwargs = dict(cluster_kwargs or {})
        self.adapt_kwargs = adapt_kwargs
        self.client_kwargs = {"set_as_default": False, **(client_kwargs or {})}
        self.debug = debug
        self.client: Any = None
        self._take_0_10_arguments(local_processes, kwargs)

    def _take_0_10_arguments(self, local_processes: bool | None, kwargs: dict[str, Any]) -> None:
        """Route Prefect 0.10's ``local_processes=`` and ``**kwargs`` where 0.13 routes them."""
        to_cluster = self.address is None and self.cluster_class is None
        if local_processes is not None:
            warn_deprecated(
                "DaskExecutor(local_processes=...)",
                f"DaskExecutor(cluster_kwargs={{'processes': {local_processes!r}}})",
            )
            if to_cluster:
                self.cluster_kwargs.setdefault("processes", local_processes)
        for key, value in kwargs.items():
            cluster_key = to_cluster and key not in _CLIENT_KEYWORDS
            where = "cluster_kwargs" if cluster_key else "client_kwargs"
            warn_deprecated(f"DaskExecutor({key}=...)", f"DaskExecutor({where}={{{key!r}: ...}})")
            (self.cluster_kwargs if cluster_key else self.client_kwargs)[key] = value

    def _cluster_class(self) -> Callable[..., Any]:
        chosen = self.cluster_class
        if chosen is None:
            return _import("distributed").LocalCluster
        if isinstance(chosen, str):
            module, _, name = chosen.rpartition(".")
            try:
                return getattr(_import(module), name)
            except AttributeError as exc:
                msg = f"DaskExecutor cluster_class {chosen!r}: {module} has no {name!r}"
                raise ValueError(msg) from exc
        return chosen

    @contextmanager
    def start(self) -> Iterator[None]:
        distributed = _import("distributed")
        with ExitStack() as stack:
            if self.address is not None:
                address: Any = self.address
            else:
                cluster_class = self._cluster_class()
                kwargs = dict(self.cluster_kwargs)
                if cluster_class is distributed.LocalCluster:
                    kwargs.setdefault("silence_logs", 30 if self.debug else 50)
                cluster = stack.enter_context(cluster_class(**kwargs))
                if self.adapt_kwargs:
                    cluster.adapt(**self.adapt_kwargs)
                address = cluster
            self.client = stack.enter_context(distributed.Client(address, **self.client_kwargs))
            try:
                yield
            finally:
                self.client = None

    def submit(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        if self.client is None:
            msg = "DaskExecutor.submit() called outside `with executor.start():`"
            raise RuntimeError(msg)
        return self.client.submit(fn, *args, pure=False, **kwargs)

    def wait(self, futures: Collection[Any]) -> set[Any]:
        distributed = _import("distributed")
        with self.client.as_current():  # the client is not the process-wide default
            return set(distributed.wait(list(futures), return_when="FIRST_COMPLETED").done)

    def __repr__(self) -> str:
        where = self.address or "a temporary cluster"
        return f"<Executor: DaskExecutor({where})>"
