"""The module paths Prefect 0.14 removed, put back with ``compat``'s classes."""

from __future__ import annotations

import importlib
import importlib.machinery
from types import ModuleType
from typing import Any

from compat import conversion_table
from compat.bridge._patch import Patches

HANDLERS_PACKAGE = f"prefect.{conversion_table.HANDLERS_MODULE}"


def _module(name: str, doc: str, names: dict[str, Any], *, package: bool = False) -> ModuleType:
    module = ModuleType(name, doc)
    module.__dict__.update(names)
    module.__all__ = sorted(names)  # type: ignore[attr-defined]
    module.__package__ = name if package else name.rpartition(".")[0]
    # A spec, so that importlib.util.find_spec (an "is it installed?" check) answers.
    module.__spec__ = importlib.machinery.ModuleSpec(name, None, is_package=package)
    if package:
        module.__path__ = []  # type: ignore[attr-defined]  # a package: submodules import
    return module


def _export(patches: Patches, module: ModuleType, name: str) -> None:
    """Add ``name`` to ``module.__all__`` where the release declares one (0.15 does not)."""
    declared = getattr(module, "__all__", None)
    if declared is not None:
        patches.set_attr(module, "__all__", sorted({*declared, name}))


def restore_legacy_modules(patches: Patches) -> None:
    """Put back ``prefect.engine.result_handlers`` (and submodules) and the legacy names."""
    from compat.bridge._results import ResultHandlerResult
    from compat.engine import result_handlers
    from compat.engine.result.base import ResultInterface, SafeResult

    doc = "Legacy result handlers, provided by prefect-result-compat's bridge."
    classes = {name: getattr(result_handlers, name) for name in conversion_table.HANDLER_NAMES}
    patches.add_module(_module(HANDLERS_PACKAGE, doc, classes, package=True))
    for name, submodule in conversion_table.HANDLER_MODULES.items():
        patches.add_module(_module(f"{HANDLERS_PACKAGE}.{submodule}", doc, {name: classes[name]}))

    legacy_results = {"SafeResult": SafeResult, "ResultInterface": ResultInterface}
    for module_name in ("prefect.engine.result", "prefect.engine.result.base"):
        module = importlib.import_module(module_name)
        for name, value in legacy_results.items():
            patches.set_attr(module, name, value)
    _export(patches, importlib.import_module("prefect.engine.result"), "SafeResult")

    results = importlib.import_module("prefect.engine.results")
    patches.set_attr(results, "ResultHandlerResult", ResultHandlerResult)
    _export(patches, results, "ResultHandlerResult")
    patches.add_module(
        _module(
            "prefect.engine.results.result_handler_result",
            "A legacy handler as a Result, provided by prefect-result-compat's bridge.",
            {"ResultHandlerResult": ResultHandlerResult},
        )
    )
