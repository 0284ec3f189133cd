"""Triggers: given the upstream states, decide whether a task may run.

A trigger receives ``{edge: state}`` and returns ``True`` or raises
:class:`~compat.engine.signals.TRIGGERFAIL` (a ``False`` return also fails the trigger).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from compat.engine import signals
from compat.engine.state import State

__all__ = [
    "all_failed",
    "all_finished",
    "all_successful",
    "always_run",
    "any_failed",
    "any_successful",
    "not_all_skipped",
]

UpstreamStates = Mapping[Any, State]


def all_successful(upstream_states: UpstreamStates) -> bool:
    """Run only if every upstream task succeeded (the default)."""
    if not all(s.is_successful() for s in upstream_states.values()):
        msg = 'Trigger was "all_successful" but some of the upstream tasks failed.'
        raise signals.TRIGGERFAIL(msg)
    return True


def all_finished(upstream_states: UpstreamStates) -> bool:
    """Run once every upstream task finished, whatever the outcome."""
    if not all(s.is_finished() for s in upstream_states.values()):
        msg = 'Trigger was "all_finished" but some of the upstream tasks were not finished.'
        raise signals.TRIGGERFAIL(msg)
    return True


#: Always run (once the upstream tasks are finished), as Prefect's ``always_run``.
always_run = all_finished


def any_failed(upstream_states: UpstreamStates) -> bool:
    """Run only if some upstream task failed (clean-up and alerting tasks)."""
    if upstream_states and not any(s.is_failed() for s in upstream_states.values()):
        msg = 'Trigger was "any_failed" but none of the upstream tasks failed.'
        raise signals.TRIGGERFAIL(msg)
    return True


def all_failed(upstream_states: UpstreamStates) -> bool:
    """Run only if every upstream task failed."""
    if not all(s.is_failed() for s in upstream_states.values()):
        msg = 'Trigger was "all_failed" but some of the upstream tasks succeeded.'
        raise signals.TRIGGERFAIL(msg)
    return True


def any_successful(upstream_states: UpstreamStates) -> bool:
    """Run if at least one upstream task succeeded."""
    if upstream_states and not any(s.is_successful() for s in upstream_states.values()):
        msg = 'Trigger was "any_successful" but none of the upstream tasks succeeded.'
        raise signals.TRIGGERFAIL(msg)
    return True


def not_all_skipped(upstream_states: UpstreamStates) -> bool:
    """Run if every upstream task succeeded and not all of them were skipped.

    All skipped: this task is skipped too (``SKIP``), as Prefect's; used by ``merge``.
    """
    if all(s.is_skipped() for s in upstream_states.values()):
        raise signals.SKIP("All upstreams were skipped", result=None)
    if not all(s.is_successful() for s in upstream_states.values()):
        msg = 'Trigger was "not_all_skipped" but some of the upstream tasks failed.'
        raise signals.TRIGGERFAIL(msg)
    return True
