"""Where the legacy and the new API live: qualified-name predicates shared by every rule.

Rules match on the qualified name a reference resolves to (where it was imported from),
never on its spelling, so an unrelated library's ``ResultHandler`` is never touched. The
legacy API is recognised under both roots, ``prefect.`` and ``compat.``.
"""

from __future__ import annotations

from codemods._types import Target
from compat.conversion_table import HANDLER_MODULES, HANDLER_NAMES, HANDLERS_MODULE, RESULTS_MODULE

__all__ = [
    "COMPAT_PROVIDES",
    "LEGACY_RESULT_MODULE",
    "ROOTS",
    "compat_provides",
    "handler_class",
    "handlers_module_root",
    "is_base_result_class",
    "is_holder",
    "is_result_class",
    "is_task_class",
    "output_root",
    "results_module",
]

#: Roots under which the legacy API is recognised.
ROOTS: tuple[str, ...] = ("prefect", "compat")
#: Every rule starts from one of these spellings: handler names and `result_handler(s)`
#: (a `*` import from the legacy package names the package), `SafeResult`, and the legacy
#: result attributes. A file without any of them cannot produce a site.
GATE_SPELLINGS: tuple[str, ...] = (
    "result_handler",
    "ResultHandler",
    "SafeResult",
    "safe_value",
    "to_result",
)
#: Module (relative to a root) holding ``Result``, ``SafeResult`` and ``NoResult``.
LEGACY_RESULT_MODULE = "engine.result"

#: What ``compat`` provides under Prefect's module paths (relative to the root, ``""`` for
#: the root itself): module -> the names it holds (its ``__all__``). The compat target moves
#: exactly these imports to ``compat``; any other ``prefect`` import stays and gets a TODO,
#: because the rewritten file then needs Prefect as well. A test checks it against compat:
#: every public compat module at a Prefect path is listed with its whole ``__all__``.
COMPAT_PROVIDES: dict[str, frozenset[str]] = {
    module: frozenset(names.split())
    for module, names in {
        "": "Flow Task task Parameter context config tags unmapped",
        "core": "Edge Flow Parameter Task",
        "core.edge": "Edge unmapped",
        "core.flow": "Flow",
        "core.task": "Task",
        "core.parameter": "Parameter",
        "utilities.tasks": "defaults_from_attrs tags task unmapped",
        "utilities.edges": "unmapped",
        "utilities.configuration": "Config config set_temporary_config load_configuration "
        "reload_config ENV_PREFIX USER_CONFIG_ENV",
        "utilities.context": "Context context",
        "utilities.debug": "raise_on_exception",
        "utilities.logging": "DEFAULT_DATEFMT DEFAULT_FORMAT DEFAULT_LEVEL ROOT_LOGGER_NAME "
        "RedirectToLog configure_logging get_logger",
        "engine.state": "Cached Cancelled Failed Finished Looped Mapped Pending Retrying "
        "Running Scheduled Skipped State Success TimedOut TriggerFailed",
        "engine.signals": "FAIL LOOP RETRY SKIP SUCCESS TRIGGERFAIL PrefectStateSignal",
        "engine.result": "NoResult NoResultType Result ResultInterface SafeResult",
        "engine.results": "AzureResult ConstantResult GCSResult LocalResult PrefectResult "
        "ResultHandlerResult S3Result SecretResult",
        "engine.result_handlers": " ".join(HANDLER_NAMES),
        "engine.serializers": "CompressedSerializer DateTimeSerializer JSONSerializer "
        "PickleSerializer Serializer Base64PickleSerializer PandasSerializer",
        "engine.cache_validators": "all_inputs all_parameters duration_only never_use "
        "partial_inputs_only partial_parameters_only",
        "engine.executors": "Executor LocalExecutor DaskExecutor LocalDaskExecutor "
        "SynchronousExecutor",
        "engine.executors.base": "Executor",
        "engine.executors.dask": "DaskExecutor LocalDaskExecutor SynchronousExecutor",
        "engine.executors.local": "LocalExecutor",
        "executors": "DaskExecutor Executor LocalDaskExecutor LocalExecutor",
        "engine.flow_runner": "FlowRunner",
        "engine.task_runner": "TaskRunner",
        "triggers": "all_failed all_finished all_successful always_run any_failed any_successful "
        "not_all_skipped",
        "tasks.secrets": "EnvVarSecret PrefectSecret SecretBase",
        "tasks.core.constants": "Constant",
        "tasks.control_flow": "FilterTask ifelse merge switch",
        "tasks.control_flow.conditional": "CompareValue Merge ifelse merge switch",
        "tasks.control_flow.filter": "FilterTask",
        "tasks.core.function": "FunctionTask",
        "tasks.core.collections": "Dict List Set Tuple",
        "tasks.core.operators": "GetItem",
        "client": "Secret",
        "client.secrets": "Secret",
    }.items()
}


_MIRRORED_PACKAGES = ("engine.result.", "engine.results.", "engine.result_handlers.")


def compat_provides(module: str, name: str | None = None) -> bool:
    """Return whether ``compat`` provides ``prefect.<module>`` (and ``name`` in it).

    ``module`` is the full dotted path under either root; ``name=None`` asks about the
    module itself (``import prefect.engine.state``).
    """
    root, _, rest = module.partition(".")
    if root not in ROOTS:
        return False
    if rest.startswith(_MIRRORED_PACKAGES):
        return True  # compat keeps Prefect's submodules of the result packages
    if name is None:
        return rest in COMPAT_PROVIDES
    return name in COMPAT_PROVIDES.get(rest, ())


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


def is_base_result_class(qname: str) -> bool:
    """Return whether ``qname`` is ``<root>.engine.result.Result`` itself (both models)."""
    split = _split_root(qname)
    return split is not None and split[1] in _RESULT_PATHS


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
