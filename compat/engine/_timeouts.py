"""A task run's ``timeout``, enforced as Prefect 0.10–0.13 do.

In the main thread of a POSIX process Prefect arms ``SIGALRM``: the overdue run is
interrupted by a ``TimeoutError`` raised inside it, so nothing it would have done later
happens. Elsewhere (other threads, Windows) only a helper thread is possible, and the late
run is abandoned, not stopped: it finishes in the background, its outcome dropped.
"""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

from compat.utilities.context import context

__all__ = ["can_interrupt", "run_interrupting", "run_with_timeout"]


def _timed_out(timeout: float) -> TimeoutError:
    return TimeoutError(f"task run exceeded its timeout of {timeout} seconds")


def run_with_timeout(run: Callable[..., Any], raw: Mapping[str, Any], timeout: float | None) -> Any:
    """Run ``run(**raw)``; ``TimeoutError`` after ``timeout`` seconds (``None``: no limit).

    An alarm interrupts the run where one can (:func:`can_interrupt`); elsewhere it runs in
    a helper thread with the same context and, as in Prefect's thread-based timeout, a run
    that overstays is abandoned, not killed.
    """
    if timeout is None:
        return run(**raw)
    if can_interrupt(timeout):
        return run_interrupting(run, raw, timeout)
    outcome: dict[str, Any] = {}
    snapshot = context.to_dict()

    def target() -> None:
        with context(snapshot):
            try:
                outcome["value"] = run(**raw)
            except BaseException as exc:  # handed back to the runner's thread
                outcome["error"] = exc

    worker = threading.Thread(target=target, name="compat-task-timeout", daemon=True)
    worker.start()
    worker.join(timeout)
    if worker.is_alive():
        raise _timed_out(timeout)
    if "error" in outcome:
        raise outcome["error"]
    return outcome.get("value")


def can_interrupt(timeout: float) -> bool:
    """True when an alarm can stop the run here without stealing an earlier alarm."""
    if (
        not hasattr(signal, "setitimer")
        or threading.current_thread() is not threading.main_thread()
    ):
        return False
    pending, _ = signal.getitimer(signal.ITIMER_REAL)
    return not pending or pending > timeout  # an alarm due sooner (a test timeout) wins


def run_interrupting(run: Callable[..., Any], raw: Mapping[str, Any], timeout: float) -> Any:
    """``run(**raw)``, interrupted by ``TimeoutError`` after ``timeout`` seconds.

    A pending alarm set by someone else (pytest-timeout, for one) is re-armed afterwards with
    the time it had left, and its handler restored.
    """

    def interrupt(signum: int, frame: Any) -> None:
        raise _timed_out(timeout)

    started = time.monotonic()
    previous_handler = signal.signal(signal.SIGALRM, interrupt)
    previous_delay, previous_interval = signal.setitimer(signal.ITIMER_REAL, timeout)
    try:
        return run(**raw)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous_handler)
        if previous_delay:
            left = previous_delay - (time.monotonic() - started)
            signal.setitimer(signal.ITIMER_REAL, max(left, 0.001), previous_interval)
