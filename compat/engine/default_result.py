"""The configuration's default result: the bottom of the hierarchy (task > flow > config).

``flows.default_result`` is either a dotted path to a ``Result`` class (instantiated
without arguments) or a storage URL: ``file://...`` or a plain path gives
``LocalResult(dir=...)``, any other ``proto://...`` gives ``FSSpecResult(url=...)``. The
legacy ``engine.result_handler.default_class`` (a dotted handler class path) is still
read, converted, and reported as deprecated.
"""

from __future__ import annotations

import importlib
import re
from typing import Any

from compat._deprecation import warn_deprecated
from compat.engine.conversion import to_result
from compat.engine.result.base import Result
from compat.engine.result_handlers.result_handler import ResultHandler
from compat.exceptions import ConfigurationError

__all__ = ["default_result_from_config", "result_from_spec"]

_DOTTED = re.compile(r"^[A-Za-z_]\w*(\.[A-Za-z_]\w*)+$")


def _import_class(path: str, key: str) -> Any:
    module_name, _, name = path.rpartition(".")
    try:
        return getattr(importlib.import_module(module_name), name)
    except (ImportError, AttributeError) as exc:
        msg = (
            f"config key {key} = {path!r} names no importable class ({exc}); give a dotted "
            "path such as 'compat.engine.results.LocalResult', or a directory such as "
            "'./results' or a URL such as 's3://bucket/prefix'"
        )
        raise ConfigurationError(msg) from exc


def _instantiate(cls: Any, path: str, key: str) -> Any:
    try:
        return cls()
    except TypeError as exc:
        msg = f"config key {key}: {path} cannot be created without arguments ({exc})"
        raise ConfigurationError(msg) from exc


def result_from_spec(spec: str, key: str = "flows.default_result") -> Result:
    """Build the result a ``flows.default_result`` value describes."""
    from compat.engine.results import FSSpecResult, LocalResult

    if "://" in spec:
        protocol, _, rest = spec.partition("://")
        if protocol == "file":
            return LocalResult(dir=rest)
        return FSSpecResult(url=spec)
    if _DOTTED.match(spec):
        obj = _instantiate(_import_class(spec, key), spec, key)
        if isinstance(obj, ResultHandler):
            warn_deprecated(
                f"A result handler class in {key}", "a Result class such as LocalResult"
            )
        converted = to_result(obj) if isinstance(obj, (Result, ResultHandler)) else None
        if converted is None:
            msg = f"config key {key} = {spec!r} is not a Result class"
            raise ConfigurationError(msg)
        return converted
    return LocalResult(dir=spec)


def default_result_from_config(config: Any = None) -> Result | None:
    """Return the configured default result, or ``None`` if none is configured."""
    if config is None:
        from compat.utilities.configuration import config
    spec = config.get_nested("flows.default_result") or ""
    if spec:
        return result_from_spec(str(spec))
    legacy = config.get_nested("engine.result_handler.default_class") or ""
    if not legacy:
        return None
    key = "engine.result_handler.default_class"
    warn_deprecated(
        f"The config key {key}",
        "flows.default_result (a Result class path or a storage URL)",
        detail=f"{legacy!r} was converted to a Result.",
    )
    handler = _instantiate(_import_class(str(legacy), key), legacy, key)
    if not isinstance(handler, (ResultHandler, Result)):
        msg = f"config key {key} = {legacy!r} is not a ResultHandler class"
        raise ConfigurationError(msg)
    return to_result(handler)
