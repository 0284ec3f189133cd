"""Where the legacy and the new API live: qualified-name predicates shared by every rule.

Rules match on the qualified name a reference resolves to (where it was imported from),
never on its spelling, so an unrelated library's ``ResultHandler`` is never touched. The
legacy API is recognised under both roots, ``prefect.`` and ``compat.``.
"""

from __future__ import annotations

from codemods._types import Target
from compat.conversion_table import HANDLER_MODULES, HANDLER_NAMES, HANDLERS_MODULE, RESULTS_MODULE

__all__ = [
    "COMPAT_MIRRORED_MODULES",
    "COMPAT_MIRRORED_ROOT_NAMES",
    "LEGACY_RESULT_MODULE",
    "ROOTS",
    "handler_class",
    "handlers_module_root",
    "is_holder",
    "is_result_class",
    "is_task_class",
    "output_root",
    "results_module",
]

#: Roots under which the legacy API is recognised.
ROOTS: tuple[str, ...] = ("prefect", "compat")
#: Module (relative to a root) holding ``Result``, ``SafeResult`` and ``NoResult``.
LEGACY_RESULT_MODULE = "engine.result"

#: ``from prefect import X`` names that ``compat`` mirrors (moved for the compat target).
COMPAT_MIRRORED_ROOT_NAMES: frozenset[str] = frozenset(
    {"Flow", "Task", "task", "Parameter", "context", "config", "unmapped"}
)
#: Modules (relative to the root) that ``compat`` mirrors name for name.
COMPAT_MIRRORED_MODULES: tuple[str, ...] = (
    "engine.state",
    "engine.signals",
    "engine.results",
    "engine.result",
    "engine.serializers",
    "engine.cache_validators",
    "engine.result_handlers",
    "tasks.secrets",
    "utilities.configuration",
)

_TASK_PATHS = ("Task", "core.Task", "core.task.Task")
_HOLDER_PATHS = (
    *_TASK_PATHS,
    "Flow",
    "core.Flow",
    "core.flow.Flow",
    "Parameter",
    "core.Parameter",
    "core.parameter.Parameter",
    "task",
    "utilities.tasks.task",
)
_RESULT_PATHS = ("engine.result.Result", "engine.result.base.Result")


def output_root(target: Target) -> str:
    """Return the package the rewritten code imports from."""
    return "compat" if target is Target.COMPAT else "prefect"


def results_module(target: Target) -> str:
    """Return the dotted module holding the ``Result`` classes for ``target``."""
    return f"{output_root(target)}.{RESULTS_MODULE}"


def _split_root(qname: str) -> tuple[str, str] | None:
    root, _, rest = qname.partition(".")
    return (root, rest) if root in ROOTS and rest else None


def handlers_module_root(module: str) -> str | None:
    """Return the root if ``module`` is the legacy handlers package or one of its submodules."""
    split = _split_root(module)
    if split is None:
        return None
    root, rest = split
    if rest == HANDLERS_MODULE or rest.startswith(HANDLERS_MODULE + "."):
        return root
    return None


def handler_class(qname: str) -> str | None:
    """Return the legacy handler class name ``qname`` refers to, or ``None``.

    Accepts ``<root>.engine.result_handlers.X`` and the defining submodule path
    ``<root>.engine.result_handlers.<module>.X``.
    """
    split = _split_root(qname)
    if split is None:
        return None
    _, rest = split
    prefix = HANDLERS_MODULE + "."
    if not rest.startswith(prefix):
        return None
    parts = rest[len(prefix) :].split(".")
    if len(parts) == 1 and parts[0] in HANDLER_NAMES:
        return parts[0]
    if len(parts) == 2 and HANDLER_MODULES.get(parts[1]) == parts[0]:
        return parts[1]
    return None


def is_result_class(qname: str) -> bool:
    """Return whether ``qname`` is a ``Result`` class of the new model (any root)."""
    split = _split_root(qname)
    if split is None:
        return False
    _, rest = split
    return rest in _RESULT_PATHS or rest.startswith(RESULTS_MODULE + ".")


def is_task_class(qname: str) -> bool:
    """Return whether ``qname`` is ``Task`` or a task class from the task library."""
    split = _split_root(qname)
    if split is None:
        return False
    _, rest = split
    if rest in _TASK_PATHS:
        return True
    last = rest.rsplit(".", 1)[-1]
    return rest.startswith("tasks.") and last[:1].isupper()


def is_holder(qname: str) -> bool:
    """Return whether calling ``qname`` accepts ``result_handler=``/``result=``."""
    split = _split_root(qname)
    if split is None:
        return False
    return split[1] in _HOLDER_PATHS or is_task_class(qname)
