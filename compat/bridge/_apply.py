"""Everything ``install()`` changes in Prefect, recorded so ``uninstall()`` can revert it."""

from __future__ import annotations

from compat.bridge._patch import Patches


def apply() -> Patches:
    """Apply every part of the bridge; on failure, revert what was applied and re-raise."""
    from compat.bridge._dask import guard_dask_workers
    from compat.bridge._hydration import hydrate_on_core_runs
    from compat.bridge._keywords import accept_result_handler
    from compat.bridge._modules import restore_legacy_modules
    from compat.bridge._schemas import register_legacy_schemas

    patches = Patches()
    try:
        restore_legacy_modules(patches)
        accept_result_handler(patches)
        register_legacy_schemas(patches)
        hydrate_on_core_runs(patches)
        guard_dask_workers(patches)
    except BaseException:
        patches.undo()
        raise
    return patches
