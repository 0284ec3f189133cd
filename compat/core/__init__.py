"""The flow-building API: ``Task``, ``Flow``, ``Parameter`` and edges.

The four classes are importable from here too, as from ``prefect.core`` in 0.10 – 0.13.
"""

from compat.core.edge import Edge
from compat.core.flow import Flow
from compat.core.parameter import Parameter
from compat.core.task import Task

__all__ = ["Edge", "Flow", "Parameter", "Task"]
