"""Per-process values the write path needs on every task run, kept right across ``fork``.

``os.getpid()`` and ``os.urandom()`` are system calls; a task run needs a process id (to
sweep a crashed writer's temporaries) and random identifiers (a run id, a result name).
Here the pid is looked up once per process, and random identifiers are made from one
``os.urandom`` call per batch. A forked child gets its own pid and never reuses a batch
its parent drew.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator

__all__ = ["current_pid", "random_identifiers"]

_BATCH = 64

_pid: int = -1
_batches: list[list[Iterator[str]]] = []


def current_pid() -> int:
    """``os.getpid()``, without a system call after the first one in this process."""
    global _pid
    if _pid < 0:
        _pid = os.getpid()
    return _pid


def random_identifiers(size: int, render: Callable[[bytes], str]) -> Callable[[], str]:
    """Return a function giving ``render(<size fresh random bytes>)`` at each call.

    The bytes come from ``os.urandom``, drawn for 64 identifiers at a time. Each identifier
    is made from its own bytes, so it is as random as one made from its own system call.
    Safe to call from several threads (a list iterator hands each item out once).
    """
    slot: list[Iterator[str]] = [iter(())]
    _batches.append(slot)

    def draw() -> str:
        try:
            return next(slot[0])
        except StopIteration:
            raw = os.urandom(size * _BATCH)
            slot[0] = iter([render(raw[i : i + size]) for i in range(0, len(raw), size)])
            return next(slot[0])

    return draw


def _after_fork_in_child() -> None:
    global _pid
    _pid = -1
    for slot in _batches:
        slot[0] = iter(())


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)
