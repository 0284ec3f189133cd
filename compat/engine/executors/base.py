"""The executor interface the flow runner submits task runs through.

An executor needs three things: a ``start()`` context in which work may be submitted,
``submit(fn, *args, **kwargs)`` returning a future-like object, and ``wait(futures)``
returning the finished ones. A distributed engine plugs in by implementing these, without
touching the runner.
"""

from __future__ import annotations

import abc
import concurrent.futures as cf
from collections.abc import Callable, Collection, Iterator
from contextlib import contextmanager
from typing import Any

__all__ = ["Executor"]


class Executor(abc.ABC):
    """Runs callables, now or elsewhere; results come back through futures."""

    @contextmanager
    def start(self) -> Iterator[None]:
        """Set up workers for one flow run (nothing by default)."""
        yield

    @abc.abstractmethod
    def submit(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """Schedule ``fn(*args, **kwargs)`` and return a future for its result."""

    def wait(self, futures: Collection[Any]) -> set[Any]:
        """Block until at least one of ``futures`` is done; return the done ones."""
        done = {future for future in futures if future.done()}
        if done:  # no waiter objects and locks when something already finished
            return done
        done, _ = cf.wait(futures, return_when=cf.FIRST_COMPLETED)
        return done

    def result(self, future: Any) -> Any:
        """The value of a finished future (re-raises what the callable raised)."""
        return future.result()

    def __repr__(self) -> str:
        return f"<Executor: {type(self).__name__}>"
