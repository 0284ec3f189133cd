"""Rewrite Prefect 0.x ``result_handler`` code to ``Result`` code, safely, with libcst.

The command line is ``prefect-result-upgrade`` (or ``python -m codemods``); see
``docs/cli.md`` and ``docs/rules.md``. The library entry points are resolved lazily, so
importing ``codemods`` does not import libcst until a rewrite is asked for.
"""

from __future__ import annotations

from compat._lazy import lazy_attributes

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


__getattr__, __dir__ = lazy_attributes(globals(), _LAZY, __all__)
