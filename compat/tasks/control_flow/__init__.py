"""Control-flow tasks (``prefect.tasks.control_flow``): ``FilterTask``, ``switch``,
``ifelse`` and ``merge``. ``case`` is not implemented (see ``docs/differences.md``).
"""

from compat.tasks.control_flow.conditional import ifelse, merge, switch
from compat.tasks.control_flow.filter import FilterTask

__all__ = ["FilterTask", "ifelse", "merge", "switch"]
