"""``LocalExecutor``: runs each submission immediately, in the calling thread (the default)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from compat.engine.executors.base import Executor

__all__ = ["CompletedFuture", "LocalExecutor"]


class CompletedFuture:
    """The outcome of a call that already ran: the small part of a future the runner uses.

    Cheaper than ``concurrent.futures.Future`` (no condition variable per task run).
    """

    __slots__ = ("_error", "_value")

    def __init__(self, value: Any = None, error: BaseException | None = None) -> None:
        self._value = value
        self._error = error

    def done(self) -> bool:
        return True

    def cancelled(self) -> bool:
        return False

    def result(self, timeout: float | None = None) -> Any:
        if self._error is not None:
            raise self._error
        return self._value

    def exception(self, timeout: float | None = None) -> BaseException | None:
        return self._error

    def add_done_callback(self, fn: Callable[[CompletedFuture], Any]) -> None:
        fn(self)


class LocalExecutor(Executor):
    """Sequential and deterministic: ``submit`` runs the callable before returning."""

    def submit(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> CompletedFuture:
        try:
            return CompletedFuture(fn(*args, **kwargs))
        except BaseException as exc:  # delivered through the future, like a pool would
            return CompletedFuture(error=exc)
