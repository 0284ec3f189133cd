"""The bridge: legacy result handlers running unchanged on real Prefect 0.14 – 1.4.1.

Three ways to turn it on (see ``docs/bridge.md``):

* call :func:`install` (idempotent; :func:`uninstall` restores everything);
* set ``PREFECT_RESULT_COMPAT_BRIDGE=1``: a start-up hook shipped in the wheel installs the
  bridge in every process of that environment as soon as ``prefect`` is imported;
* ``dask worker --preload compat.bridge`` (or the ``distributed.worker.preload`` config),
  which calls :func:`dask_setup` on each worker.

Importing this module imports nothing from Prefect; only :func:`install` does.
"""

from __future__ import annotations

import threading
import warnings
from typing import Any

__all__ = [
    "ENV_VAR",
    "BridgeNotNeededWarning",
    "dask_setup",
    "install",
    "is_installed",
    "uninstall",
]

#: The environment variable that activates the bridge in every process (value ``1``).
ENV_VAR = "PREFECT_RESULT_COMPAT_BRIDGE"


class BridgeNotNeededWarning(UserWarning):
    """The installed Prefect still has result handlers (< 0.14): the bridge stays off."""


_lock = threading.RLock()
_undo: Any = None  # the installation's undo log while installed (a compat.bridge._patch.Patches)


def is_installed() -> bool:
    """Return whether the bridge is installed in this process."""
    return _undo is not None


def install() -> bool:
    """Install the bridge into the imported (or importable) Prefect; return whether it is on.

    Calling it again does nothing. On Prefect older than 0.14 it warns with
    :class:`BridgeNotNeededWarning` and returns ``False``: handlers still exist there. A
    missing Prefect or Prefect 2.x and later raise
    :class:`~compat.exceptions.PrefectVersionError`.

    ``PREFECT_RESULT_COMPAT_BRIDGE=1`` is exported for the processes started afterwards
    (dask workers, spawned executors), so they install the bridge as well where the wheel's
    start-up hook is present; :func:`uninstall` restores the previous value.
    """
    global _undo
    with _lock:
        if _undo is not None:
            return True
        from compat.bridge._version import supported_prefect_version

        version = supported_prefect_version()
        if version is None:
            return False
        from compat.bridge._apply import apply

        patches = apply()
        patches.set_environ(ENV_VAR, "1")
        _undo = patches
        return True


def uninstall() -> None:
    """Undo :func:`install`: every module, attribute, schema and variable as it was."""
    global _undo
    with _lock:
        if _undo is None:
            return
        patches, _undo = _undo, None
        patches.undo()


def dask_setup(worker: Any = None) -> None:
    """distributed's preload hook: ``dask worker --preload compat.bridge`` installs the bridge."""
    install()


def _warn_not_needed(version: str) -> None:
    message = (
        f"prefect-result-compat bridge not installed: Prefect {version} still has result "
        "handlers (they were removed in 0.14), so legacy code runs on it as is"
    )
    warnings.warn(BridgeNotNeededWarning(message), stacklevel=4)
