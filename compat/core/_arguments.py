"""Prefect 0.10–0.13 arguments that ``compat`` keeps without acting on, or refuses, clearly.

Deployment settings (``storage``, ``environment``, ``run_config``) only matter when a flow is
registered with a Prefect backend; Prefect's own ``flow.run()`` ignores them too. They are
kept as attributes and a :class:`~compat.exceptions.IgnoredArgumentWarning` says so once per
call. What would change what a run does without ``compat`` doing it (running on a
``schedule``) is an :class:`~compat.exceptions.UnsupportedArgumentError` at the point it
would matter. Both messages point to the bridge onto real Prefect.
"""

from __future__ import annotations

import warnings

from compat._deprecation import _first_outside_frame_level
from compat.exceptions import IgnoredArgumentWarning, UnsupportedArgumentError

__all__ = ["BRIDGE_HINT", "IGNORED_FLOW_ARGUMENTS", "unsupported", "warn_ignored"]

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
