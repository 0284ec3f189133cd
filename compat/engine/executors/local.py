"""``LocalExecutor``: runs each submission immediately, in the calling thread (the default)."""

from __future__ import annotations

import concurrent.futures as cf
from collections.abc import Callable
from typing import Any

from compat.engine.executors.base import Executor

__all__ = ["LocalExecutor"]


class LocalExecutor(Executor):
    """Sequential and deterministic: ``submit`` runs the callable before returning."""

    def submit(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> cf.Future[Any]:
        future: cf.Future[Any] = cf.Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as exc:  # delivered through the future, like a pool would
            future.set_exception(exc)
        return future
