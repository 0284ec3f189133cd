"""Which Prefect releases the bridge runs on, and what it says about the others."""

from __future__ import annotations

import importlib

from packaging.version import InvalidVersion, Version

from compat.exceptions import PrefectVersionError

#: Handlers were removed in 0.14; 2.x is a different engine with no task results to bridge.
FIRST_WITHOUT_HANDLERS = Version("0.14")
FIRST_UNSUPPORTED = Version("2")

_INSTALL_HINT = "pip install 'prefect-result-compat[bridge]' (Prefect 1.4.1 and its pins)"


def supported_prefect_version() -> str | None:
    """Return Prefect's version if the bridge applies to it, ``None`` if it is not needed.

    Raises :class:`PrefectVersionError` when Prefect is missing or 2.x and later.
    """
    try:
        prefect = importlib.import_module("prefect")
    except ImportError as exc:
        msg = (
            f"the bridge needs Prefect 0.14 – 1.x, but Prefect cannot be imported ({exc}); "
            f"{_INSTALL_HINT}"
        )
        raise PrefectVersionError(msg) from exc
    raw = str(getattr(prefect, "__version__", ""))
    try:
        version = Version(raw)
    except InvalidVersion as exc:
        msg = f"the bridge needs Prefect 0.14 – 1.x, but prefect.__version__ is {raw!r}"
        raise PrefectVersionError(msg) from exc
    if version >= FIRST_UNSUPPORTED:
        msg = (
            f"the bridge needs Prefect 0.14 – 1.x, but Prefect {raw} is installed; Prefect 2 "
            f"has no task results to bridge. Install Prefect 1.x: {_INSTALL_HINT}"
        )
        raise PrefectVersionError(msg)
    if version < FIRST_WITHOUT_HANDLERS:
        from compat.bridge import _warn_not_needed

        _warn_not_needed(raw)
        return None
    return raw
