"""Optional dependencies, imported when first needed: a missing one names the extra to install.

``import compat`` stays light (no dask, pandas or cloud SDKs); the features that need them
import them through :func:`import_extra` at the moment they start.
"""

from __future__ import annotations

import importlib
from types import ModuleType

from compat.exceptions import MissingExtraError

__all__ = ["import_extra"]


def import_extra(module: str, extra: str, user: str) -> ModuleType:
    """Import ``module``; if that fails, say that ``user`` needs it and which extra brings it."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        msg = (
            f"{user} needs the {module.split('.')[0]!r} package; install it with "
            f"pip install 'prefect-result-compat[{extra}]'"
        )
        raise MissingExtraError(msg) from exc
