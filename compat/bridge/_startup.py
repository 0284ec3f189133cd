"""Activation by ``PREFECT_RESULT_COMPAT_BRIDGE=1``: install the bridge once Prefect is imported.

The wheel ships ``prefect_result_compat_bridge.pth``, whose one line imports this module only
when the variable is ``1`` (an unset variable costs one dictionary lookup at start-up). Every
Python process of the environment runs it, spawned children and dask workers included.
:func:`activate` installs the bridge at once if Prefect is already imported, else it adds a
meta path finder that lets the real ``prefect`` import run and installs the bridge right
after it, then removes itself.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import sys
import warnings
from types import ModuleType
from typing import Any


def _install_after_import() -> None:
    from compat.bridge import install
    from compat.exceptions import PrefectVersionError

    try:
        install()
    except PrefectVersionError as exc:
        # Raising here would break ``import prefect`` for the whole environment.
        message = f"PREFECT_RESULT_COMPAT_BRIDGE=1 is set; bridge not installed: {exc}"
        warnings.warn(message, RuntimeWarning, 2)


class _InstallAfterExec(importlib.abc.Loader):
    """Wraps Prefect's own loader: run the module, then install the bridge."""

    def __init__(self, loader: Any) -> None:
        self._loader = loader

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType | None:
        return self._loader.create_module(spec)

    def exec_module(self, module: ModuleType) -> None:
        self._loader.exec_module(module)
        _install_after_import()

    def __getattr__(self, name: str) -> Any:  # get_data, is_package, resource readers...
        return getattr(self._loader, name)


class PrefectImportWatcher(importlib.abc.MetaPathFinder):
    """Finds nothing itself; hands out ``prefect``'s real spec with a wrapped loader."""

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> Any:
        if fullname != "prefect":
            return None
        deactivate()
        for finder in sys.meta_path:
            find_spec = getattr(finder, "find_spec", None)
            spec = find_spec(fullname, path, target) if find_spec else None
            if spec is not None:
                if spec.loader is not None:
                    spec.loader = _InstallAfterExec(spec.loader)
                return spec
        return None


def deactivate() -> None:
    """Remove the watcher (it fires once)."""
    sys.meta_path[:] = [f for f in sys.meta_path if not isinstance(f, PrefectImportWatcher)]


def activate() -> None:
    """Install now if Prefect is imported, else when it is."""
    prefect = sys.modules.get("prefect")
    if prefect is not None and getattr(prefect, "__version__", None) is not None:
        _install_after_import()
    elif not any(isinstance(f, PrefectImportWatcher) for f in sys.meta_path):
        sys.meta_path.insert(0, PrefectImportWatcher())
