"""Task and flow run states, with Prefect's names and hierarchy.

Every state holds a ``Result`` in ``_result``; ``state.result`` is its value (for a flow
state: the dict task → task state). ``load_result(reader)`` hydrates a state loaded from a
payload (value ``None``, location known) by reading the location with ``reader``.

Hierarchy (as in Prefect)::

    State
    ├── Pending ── Scheduled ── Retrying
    ├── Running
    └── Finished
        ├── Success ── Cached, Mapped, Skipped
        ├── Failed ── TriggerFailed, TimedOut
        ├── Looped
        └── Cancelled
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from compat.engine.result.base import NoResult, Result, SafeResult
from compat.engine.result_handlers.result_handler import ResultHandler

__all__ = [
    "Cached",
    "Cancelled",
    "Failed",
    "Finished",
    "Looped",
    "Mapped",
    "Pending",
    "Retrying",
    "Running",
    "Scheduled",
    "Skipped",
    "State",
    "Success",
    "TimedOut",
    "TriggerFailed",
    "utcnow",
]

AnyResult = Result | SafeResult


def _reader(caller: str, reader: object) -> Result | None:
    """The ``Result`` that reads a stored location: a result, or a handler converted to one."""
    from compat.engine.conversion import to_result
    from compat.exceptions import ConversionError

    try:
        return to_result(reader)  # type: ignore[arg-type]
    except ConversionError as exc:
        msg = (
            f"{caller} reads the stored location with a Result (such as "
            f"LocalResult(dir=...)) or a ResultHandler, got {reader!r} of type "
            f"{type(reader).__name__}"
        )
        raise ConversionError(msg) from exc


def utcnow() -> dt.datetime:
    """The current time, timezone-aware in UTC."""
    return dt.datetime.now(dt.timezone.utc)


class State:
    """What happened to a task or flow run: a message, a result and optional context."""

    def __init__(
        self,
        message: str | None = None,
        result: Any = NoResult,
        context: dict[str, Any] | None = None,
        cached_inputs: dict[str, AnyResult] | None = None,
    ) -> None:
        self.message = message
        self.result = result
        self.context = dict(context or {})
        self.cached_inputs = cached_inputs

    # -- the result ------------------------------------------------------------------------

    @property
    def result(self) -> Any:
        """The value of the state's result (``None`` when nothing ran)."""
        return self._result.value

    @result.setter
    def result(self, value: Any) -> None:
        if value is None:
            value = NoResult
        self._result: AnyResult = (
            value if isinstance(value, (Result, SafeResult)) else Result(value=value)
        )

    def load_result(self, result: Result | ResultHandler | None = None) -> State:
        """Read the value back if only its location is known; ``result`` is the reader.

        The reader may be a ``Result`` or a legacy handler (converted like everywhere else);
        without one, the state's own result reads itself (it knows its storage).
        """
        reader = _reader("State.load_result()", result)
        current = self._result
        location = getattr(current, "location", None)
        if current.value is None and location is not None:
            reader = reader if reader is not None else current
            if isinstance(reader, Result):
                self._result = reader.read(location)
        return self

    def load_cached_results(
        self, results: Mapping[str, Result | ResultHandler] | None = None
    ) -> State:
        """Hydrate every cached input whose value is missing, with the given readers."""
        readers = {
            key: _reader(f"State.load_cached_results() for {key!r}", reader)
            for key, reader in (results or {}).items()
        }
        for key, cached in list((self.cached_inputs or {}).items()):
            location = getattr(cached, "location", None)
            if cached.value is not None or location is None:
                continue
            reader = readers.get(key) or cached
            if isinstance(reader, Result):
                self.cached_inputs[key] = reader.read(location)  # type: ignore[index]
        return self

    # -- serialization ---------------------------------------------------------------------

    def serialize(self, *, legacy: bool = False) -> dict[str, Any]:
        """Return the JSON-compatible payload of this state (no raw values).

        ``legacy=True`` gives the 0.10 shape that Prefect 0.10 readers load.
        """
        from compat.serialization.state import dump_state

        return dump_state(self, legacy=legacy)

    @staticmethod
    def deserialize(payload: Mapping[str, Any]) -> State:
        """Rebuild a state from :meth:`serialize` output."""
        from compat.serialization.state import load_state

        return load_state(payload)

    # -- predicates ------------------------------------------------------------------------

    def is_pending(self) -> bool:
        """Whether the run has not started."""
        return isinstance(self, Pending)

    def is_scheduled(self) -> bool:
        """Whether the run waits for a start time."""
        return isinstance(self, Scheduled)

    def is_retrying(self) -> bool:
        """Whether the run failed and will run again."""
        return isinstance(self, Retrying)

    def is_running(self) -> bool:
        """Whether the run is in progress."""
        return isinstance(self, Running)

    def is_finished(self) -> bool:
        """Whether the run is over (for any reason)."""
        return isinstance(self, Finished)

    def is_successful(self) -> bool:
        """Whether the run succeeded (cached, mapped and skipped runs count)."""
        return isinstance(self, Success)

    def is_failed(self) -> bool:
        """Whether the run failed."""
        return isinstance(self, Failed)

    def is_skipped(self) -> bool:
        """Whether the run was skipped."""
        return isinstance(self, Skipped)

    def is_cached(self) -> bool:
        """Whether the result came from a cache or a target."""
        return isinstance(self, Cached)

    def is_mapped(self) -> bool:
        """Whether the run was split into mapped children."""
        return isinstance(self, Mapped)

    def is_looped(self) -> bool:
        """Whether the run is between two loop iterations."""
        return isinstance(self, Looped)

    def __repr__(self) -> str:
        if self.message:
            return f'<{type(self).__name__}: "{self.message}">'
        return f"<{type(self).__name__}>"


class Pending(State):
    """Not started yet."""


class Scheduled(Pending):
    """Waiting for ``start_time``."""

    def __init__(self, *args: Any, start_time: dt.datetime | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.start_time = start_time or utcnow()


class Retrying(Scheduled):
    """Failed, and will run again; ``run_count`` runs so far."""

    def __init__(self, *args: Any, run_count: int = 1, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.run_count = run_count


class Running(State):
    """In progress."""


class Finished(State):
    """Over, for whatever reason."""


class Success(Finished):
    """Finished without error."""


class Cached(Success):
    """Finished with a result taken from a cache or a target."""

    def __init__(
        self,
        *args: Any,
        cached_parameters: dict[str, Any] | None = None,
        cached_result_expiration: dt.datetime | None = None,
        hashed_inputs: dict[str, str] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.cached_parameters = cached_parameters
        self.cached_result_expiration = cached_result_expiration
        self.hashed_inputs = hashed_inputs


class Mapped(Success):
    """A mapped parent: its children are in ``map_states``."""

    def __init__(self, *args: Any, map_states: list[State] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.map_states: list[State] = list(map_states or [])
        self._n_map_states = len(self.map_states)

    @property
    def n_map_states(self) -> int:
        """How many children the parent had (kept when loaded from a payload)."""
        return max(self._n_map_states, len(self.map_states))

    @n_map_states.setter
    def n_map_states(self, value: int) -> None:
        self._n_map_states = value

    def load_result(self, result: Result | ResultHandler | None = None) -> State:
        """Hydrate every child."""
        reader = _reader("Mapped.load_result()", result)
        for child in self.map_states:
            child.load_result(reader)
        return self


class Skipped(Success):
    """Not run, on purpose (counts as successful)."""


class Failed(Finished):
    """Finished with an error; the result holds the exception."""


class TriggerFailed(Failed):
    """Not run because the trigger refused the upstream states."""


class TimedOut(Failed):
    """Ran too long."""


class Looped(Finished):
    """One loop iteration is over; ``loop_count`` iterations so far."""

    def __init__(self, *args: Any, loop_count: int | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.loop_count = loop_count


class Cancelled(Finished):
    """Stopped by the user."""
