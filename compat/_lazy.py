"""Module-level lazy attributes (PEP 562), shared by the ``compat`` and ``codemods`` packages."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["configuration", "lazy_attributes"]


def lazy_attributes(
    namespace: dict[str, Any], table: Mapping[str, tuple[str, str]], public: list[str]
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """Return ``__getattr__`` and ``__dir__`` that import ``table``'s names on first use.

    ``table`` maps a name to ``(module, attribute)``; a resolved name is cached in
    ``namespace`` (the package's ``globals()``), so later lookups cost nothing.
    """
    package = namespace["__name__"]

    def __getattr__(name: str) -> Any:
        try:
            module_name, attribute = table[name]
        except KeyError:
            msg = f"module {package!r} has no attribute {name!r}"
            raise AttributeError(msg) from None
        value = getattr(importlib.import_module(module_name), attribute)
        namespace[name] = value
        return value

    def __dir__() -> list[str]:
        return sorted(public)

    return __getattr__, __dir__


def configuration() -> Any:
    """``compat.utilities.configuration.config``, imported on its first use.

    For modules that the configuration module itself imports (the storage layer) or that
    must not import it at import time; after the first call it costs one global lookup,
    which matters on the per-task path.
    """
    global _config
    if _config is None:
        from compat.utilities.configuration import config

        _config = config
    return _config


_config: Any = None
