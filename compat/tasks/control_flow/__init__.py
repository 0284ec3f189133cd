"""Control-flow tasks (``prefect.tasks.control_flow``): only ``FilterTask`` so far.

``ifelse``, ``switch``, ``merge`` and ``case`` are not implemented; importing them fails with
an ``ImportError`` naming them (see ``docs/differences.md``).
"""

from compat.tasks.control_flow.filter import FilterTask

__all__ = ["FilterTask"]
