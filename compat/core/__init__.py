"""The flow-building API: ``Task``, ``Flow``, ``Parameter`` and edges.

The four classes are importable from here too, as from ``prefect.core`` in 0.10 – 0.13.
They are imported on first use, so that importing one submodule (``compat.core.edge``)
does not load the others.
"""

from compat._lazy import lazy_attributes

__all__ = ["Edge", "Flow", "Parameter", "Task"]

_LAZY: dict[str, tuple[str, str]] = {
    "Edge": ("compat.core.edge", "Edge"),
    "Flow": ("compat.core.flow", "Flow"),
    "Parameter": ("compat.core.parameter", "Parameter"),
    "Task": ("compat.core.task", "Task"),
}

__getattr__, __dir__ = lazy_attributes(globals(), _LAZY, __all__)
