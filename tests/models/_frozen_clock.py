"""A frozen clock for default result names: the worst case of two writers in one microsecond.

Tests call :func:`freeze` in the test process (through ``monkeypatch``) or at the start of a
child process, so every writer builds its names from the same instant.
"""

from __future__ import annotations

import datetime as dt
import types

__all__ = ["FrozenDateTime", "frozen_dt_module"]


class FrozenDateTime(dt.datetime):
    """``now()`` is always 2026-01-02 03:04:05.678901 UTC."""

    @classmethod
    def now(cls, tz: dt.tzinfo | None = None) -> FrozenDateTime:
        return cls(2026, 1, 2, 3, 4, 5, 678901, tzinfo=dt.timezone.utc)


def frozen_dt_module() -> types.SimpleNamespace:
    """A stand-in for the ``datetime`` module whose ``datetime.now()`` is frozen."""
    return types.SimpleNamespace(
        datetime=FrozenDateTime, timezone=dt.timezone, timedelta=dt.timedelta
    )
