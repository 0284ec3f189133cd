"""Settings from ``[tool.prefect-result-upgrade]`` in the nearest ``pyproject.toml``.

The command line always wins over the file. Unknown keys and wrong types are errors with
a message naming the key and the file, so a typo never silently does nothing.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    try:
        import tomli as tomllib
    except ImportError:
        tomllib = None

__all__ = ["SECTION", "ConfigError", "FileConfig", "find_pyproject", "load_config"]

SECTION = "prefect-result-upgrade"

_LIST_KEYS = ("select", "ignore", "exclude")
_KNOWN = {
    "target": str,
    "select": list,
    "ignore": list,
    "exclude": list,
    "jobs": int,
    "report": str,
    "respect-gitignore": bool,
}


class ConfigError(ValueError):
    """The configuration file cannot be used as written."""


@dataclass(frozen=True)
class FileConfig:
    """Values read from the file; ``None`` means "not set, use the default"."""

    path: Path | None = None
    target: str | None = None
    select: tuple[str, ...] | None = None
    ignore: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    jobs: int | None = None
    report: str | None = None
    respect_gitignore: bool = True

    @property
    def base(self) -> Path | None:
        """The directory relative paths in the file refer to."""
        return self.path.parent if self.path else None


def find_pyproject(start: Path) -> Path | None:
    """The nearest ``pyproject.toml`` at or above ``start``."""
    start = start.resolve()
    if start.is_file():
        start = start.parent
    for candidate in (start, *start.parents):
        path = candidate / "pyproject.toml"
        if path.is_file():
            return path
    return None


def load_config(path: Path | None) -> FileConfig:
    """Read the tool's section from ``path`` (an empty config when absent)."""
    if path is None:
        return FileConfig()
    if tomllib is None:  # pragma: no cover - Python 3.10 without tomli
        sys.stderr.write(
            f"warning: cannot read {path} on Python < 3.11 without 'tomli'; "
            "install tomli to use [tool.prefect-result-upgrade]\n"
        )
        return FileConfig(path=path)
    try:
        with path.open("rb") as handle:
            document = tomllib.load(handle)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"cannot read {path}: {exc}") from exc
    section = document.get("tool", {}).get(SECTION)
    if section is None:
        return FileConfig(path=path)
    if not isinstance(section, dict):
        raise ConfigError(f"[tool.{SECTION}] in {path} must be a table")
    values: dict[str, Any] = {}
    for key, value in section.items():
        expected = _KNOWN.get(key)
        if expected is None:
            raise ConfigError(
                f"unknown key {key!r} in [tool.{SECTION}] of {path}; "
                f"valid keys: {', '.join(sorted(_KNOWN))}"
            )
        if key in _LIST_KEYS and isinstance(value, str):
            value = [value]
        if not isinstance(value, expected) or (expected is int and isinstance(value, bool)):
            raise ConfigError(
                f"{key!r} in [tool.{SECTION}] of {path} must be {expected.__name__}, "
                f"got {type(value).__name__}"
            )
        if expected is list and not all(isinstance(item, str) for item in value):
            raise ConfigError(f"{key!r} in [tool.{SECTION}] of {path} must be a list of strings")
        values[key.replace("-", "_")] = tuple(value) if expected is list else value
    return FileConfig(path=path, **values)
