"""Prefect 0.10–0.13 arguments that ``compat`` keeps without acting on, or refuses, clearly.

Deployment settings (``storage``, ``environment``, ``run_config``) only matter when a flow is
registered with a Prefect backend; Prefect's own ``flow.run()`` ignores them too. They are
kept as attributes and a :class:`~compat.exceptions.IgnoredArgumentWarning` says so once per
call. What would change what a run does without ``compat`` doing it (running on a
``schedule``) is an :class:`~compat.exceptions.UnsupportedArgumentError` at the point it
would matter. Both messages point to the bridge onto real Prefect.
"""

from __future__ import annotations

import datetime as dt
import warnings
from collections.abc import Sequence
from typing import Any

from compat._deprecation import _first_outside_frame_level
from compat.exceptions import IgnoredArgumentWarning, UnsupportedArgumentError

__all__ = [
    "BRIDGE_HINT",
    "IGNORED_FLOW_ARGUMENTS",
    "check_state_handlers",
    "check_task_arguments",
    "unsupported",
    "warn_ignored",
]

BRIDGE_HINT = (
    "to have it acted on, run the flow on real Prefect with compat.bridge (see docs/bridge.md)"
)

#: Flow arguments accepted and kept, but not acted on, with the reason.
IGNORED_FLOW_ARGUMENTS: dict[str, str] = {
    "environment": "an execution environment is used only by a Prefect agent",
    "storage": "storage is used only when the flow is registered with a Prefect backend",
    "run_config": "a run configuration is used only by a Prefect agent",
}


def warn_ignored(owner: str, argument: str, reason: str) -> None:
    """Warn (at the user's line) that ``owner(argument=...)`` is kept but ignored."""
    message = (
        f"{owner}({argument}=...) is ignored by compat: {reason}; flow.run() runs the flow "
        f"here, as Prefect's flow.run() does. The value is kept as .{argument}; {BRIDGE_HINT}."
    )
    warnings.warn(message, IgnoredArgumentWarning, stacklevel=_first_outside_frame_level())


def unsupported(owner: str, argument: str, detail: str) -> UnsupportedArgumentError:
    """The error for a Prefect argument ``compat`` cannot honour (``detail`` says the way out)."""
    return UnsupportedArgumentError(
        f"{owner}({argument}=...) is not supported by compat: {detail}; {BRIDGE_HINT}."
    )


def check_state_handlers(owner: str, state_handlers: Any) -> None:
    """``TypeError`` unless ``state_handlers`` is a list (or other sequence) of callables."""
    if not state_handlers:
        return
    if not isinstance(state_handlers, Sequence) or isinstance(state_handlers, str):
        msg = (
            f"{owner}: state_handlers must be a list of callables, got "
            f"{type(state_handlers).__name__}; pass state_handlers=[handler]"
        )
        raise TypeError(msg)
    for handler in state_handlers:
        if not callable(handler):
            msg = (
                f"{owner}: every state handler must be callable as handler(obj, old_state, "
                f"new_state), got {type(handler).__name__} {handler!r}"
            )
            raise TypeError(msg)


def check_task_arguments(
    owner: str,
    tags: Any,
    timeout: Any,
    trigger: Any,
    retry_delay: Any = None,
    cache_for: Any = None,
) -> None:
    """The checks Prefect makes when a ``Task`` is built, with messages naming the task.

    A string of tags (which would become a set of letters) and a timeout that is not a
    number of seconds are ``TypeError`` in Prefect too (it takes ints only; compat also
    takes floats); a trigger that cannot be called is refused here, where Prefect failed
    each run of the task. So are a ``retry_delay`` or ``cache_for`` that is not a
    ``timedelta`` (Prefect failed the run that needed it).
    """
    for argument, value in (("retry_delay", retry_delay), ("cache_for", cache_for)):
        if value is not None and not isinstance(value, dt.timedelta):
            msg = (
                f"{owner}: {argument} must be a datetime.timedelta, got "
                f"{type(value).__name__} {value!r}; e.g. {argument}=timedelta(seconds=10)"
            )
            raise TypeError(msg)
    if isinstance(tags, str):
        msg = f"{owner}: tags must be a collection of strings, not a string; pass tags=[{tags!r}]"
        raise TypeError(msg)
    if timeout is not None and not isinstance(timeout, (int, float)):
        msg = (
            f"{owner}: timeout must be a number of seconds, got "
            f"{type(timeout).__name__} {timeout!r}"
        )
        raise TypeError(msg)
    if trigger is not None and not callable(trigger):
        msg = (
            f"{owner}: trigger must be a callable such as compat.triggers.all_successful, "
            f"got {type(trigger).__name__} {trigger!r}"
        )
        raise TypeError(msg)
