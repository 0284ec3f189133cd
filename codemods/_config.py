"""Settings from ``[tool.prefect-result-upgrade]`` in the nearest ``pyproject.toml``.

The command line always wins over the file. Unknown keys and wrong types are errors with
a message naming the key and the file, so a typo never silently does nothing.
"""

from __future__ import annotations

import re
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

__all__ = [
    "DEFAULT_MAX_FILE_SIZE",
    "SECTION",
    "ConfigError",
    "FileConfig",
    "find_pyproject",
    "load_config",
    "parse_size",
]

SECTION = "prefect-result-upgrade"
#: Files above this size are skipped: far above any hand-written module (the largest
#: modules of big projects are a few MB), low enough to refuse a data dump named ``.py``.
DEFAULT_MAX_FILE_SIZE = 64 * 2**20
_SIZE_RE = re.compile(r"^\s*(\d+)\s*(?:([kmg])(?:i?b)?|b)?\s*$", re.IGNORECASE)
_UNITS = {None: 1, "k": 2**10, "m": 2**20, "g": 2**30}

_LIST_KEYS = ("select", "ignore", "exclude")
_KNOWN: dict[str, type | tuple[type, ...]] = {
    "target": str,
    "select": list,
    "ignore": list,
    "exclude": list,
    "jobs": int,
    "report": str,
    "respect-gitignore": bool,
    "follow-symlinks": bool,
    "max-file-size": (int, str),
}


class ConfigError(ValueError):
    """The configuration file cannot be used as written."""


def parse_size(text: str | int) -> int:
    """Bytes in ``text``: ``1048576``, ``512K``, ``64M``, ``1GiB`` (binary units; 0: no limit).

    Raises ``ValueError`` naming the value and the accepted forms.
    """
    if isinstance(text, int) and not isinstance(text, bool):
        if text < 0:
            raise ValueError(f"a size cannot be negative, got {text}")
        return text
    match = _SIZE_RE.match(str(text))
    if match is None:
        raise ValueError(
            f"{text!r} is not a size; use a number of bytes or a number with K, M or G "
            "(for example 64M; 0 means no limit)"
        )
    return int(match[1]) * _UNITS[match[2].lower() if match[2] else None]


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
    follow_symlinks: bool = False
    max_file_size: int | None = None

    @property
    def base(self) -> Path | None:
        """The directory relative paths in the file refer to."""
        return self.path.parent if self.path else None


def _type_names(expected: type | tuple[type, ...]) -> str:
    types = expected if isinstance(expected, tuple) else (expected,)
    return " or ".join(t.__name__ for t in types)


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
        if not isinstance(value, expected) or (expected is not bool and isinstance(value, bool)):
            raise ConfigError(
                f"{key!r} in [tool.{SECTION}] of {path} must be {_type_names(expected)}, "
                f"got {type(value).__name__}"
            )
        if key == "max-file-size":
            try:
                value = parse_size(value)
            except ValueError as exc:
                raise ConfigError(f"{key!r} in [tool.{SECTION}] of {path}: {exc}") from exc
        if expected is list and not all(isinstance(item, str) for item in value):
            raise ConfigError(f"{key!r} in [tool.{SECTION}] of {path} must be a list of strings")
        values[key.replace("-", "_")] = tuple(value) if expected is list else value
    return FileConfig(path=path, **values)
