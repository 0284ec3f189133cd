"""prefect-result-compat: Prefect 0.x result handlers and ``Result`` classes, side by side.

Public names mirror ``prefect``: ``compat.Task``, ``compat.task``, ``compat.Flow``,
``compat.Parameter``, ``compat.context``, ``compat.config``, ``compat.tags``. They are
resolved lazily, so importing ``compat`` (or reading :mod:`compat.conversion_table`)
starts nothing.
"""

from __future__ import annotations

from compat._lazy import lazy_attributes

__version__ = "0.1.0.dev0"

_LAZY: dict[str, tuple[str, str]] = {
    "Flow": ("compat.core.flow", "Flow"),
    "Parameter": ("compat.core.parameter", "Parameter"),
    "Task": ("compat.core.task", "Task"),
    "config": ("compat.utilities.configuration", "config"),
    "context": ("compat.utilities.context", "context"),
    "tags": ("compat.utilities.tasks", "tags"),
    "task": ("compat.utilities.tasks", "task"),
    "unmapped": ("compat.utilities.edges", "unmapped"),
}

__all__ = [
    "Flow",
    "Parameter",
    "Task",
    "__version__",
    "config",
    "context",
    "tags",
    "task",
    "unmapped",
]


__getattr__, __dir__ = lazy_attributes(globals(), _LAZY, __all__)
