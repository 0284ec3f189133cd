"""Signals a task raises to choose its own state (``raise SKIP("nothing to do")``)."""

from __future__ import annotations

from typing import Any

from compat.engine import state

__all__ = [
    "FAIL",
    "LOOP",
    "RETRY",
    "SKIP",
    "SUCCESS",
    "TRIGGERFAIL",
    "PrefectStateSignal",
]


#: Tells ``SKIP(result=None)`` (the state's result is ``None``) from ``SKIP()`` (the signal).
_NOT_GIVEN: Any = object()


class PrefectStateSignal(Exception):
    """Base signal: carries the state class it stands for, a message and a result."""

    _state_cls: type[state.State] = state.State

    def __init__(self, message: str | None = None, *args: Any, result: Any = _NOT_GIVEN) -> None:
        super().__init__(message, *args)
        self.message = message
        given = result is not _NOT_GIVEN
        self.result = result if given else None
        # As in Prefect: without a result (``result=None`` is one), the state's is the signal.
        self.state = self._state_cls(message=message, result=result if given else self)


class FAIL(PrefectStateSignal):
    """Fail the task run."""

    _state_cls = state.Failed


class TRIGGERFAIL(FAIL):
    """A trigger refused the upstream states."""

    _state_cls = state.TriggerFailed


class SUCCESS(PrefectStateSignal):
    """End the task run successfully, with ``result`` as its output."""

    _state_cls = state.Success


class SKIP(PrefectStateSignal):
    """Skip the task run (downstream tasks skip too, by default)."""

    _state_cls = state.Skipped


class RETRY(PrefectStateSignal):
    """Run the task again, whatever ``max_retries`` says."""

    _state_cls = state.Retrying


class LOOP(PrefectStateSignal):
    """Run the task again with ``task_loop_result = result`` and the loop count increased."""

    _state_cls = state.Looped
