"""Rewrite Prefect 0.x ``result_handler`` code to ``Result`` code, safely, with libcst.

The command line is ``prefect-result-upgrade`` (or ``python -m codemods``); see
``docs/cli.md`` and ``docs/rules.md``. The library entry points are resolved lazily, so
importing ``codemods`` does not import libcst until a rewrite is asked for.
"""

from __future__ import annotations

import importlib
from typing import Any

_LAZY: dict[str, tuple[str, str]] = {
    "RULES": ("codemods._engine", "RULES"),
    "FileOutcome": ("codemods._types", "FileOutcome"),
    "RewriteVerificationError": ("codemods._engine", "RewriteVerificationError"),
    "Rule": ("codemods._catalogue", "Rule"),
    "Site": ("codemods._types", "Site"),
    "SiteStatus": ("codemods._types", "SiteStatus"),
    "Target": ("codemods._types", "Target"),
    "main": ("codemods.cli", "main"),
    "may_contain_legacy": ("codemods._engine", "may_contain_legacy"),
    "rewrite_checked": ("codemods._engine", "rewrite_checked"),
    "transform_source": ("codemods._engine", "transform_source"),
}

__all__ = sorted(_LAZY)


def __getattr__(name: str) -> Any:
    try:
        module_name, attribute = _LAZY[name]
    except KeyError:
        msg = f"module 'codemods' has no attribute {name!r}"
        raise AttributeError(msg) from None
    value = getattr(importlib.import_module(module_name), attribute)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
