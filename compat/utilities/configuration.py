"""Prefect-style user configuration: built-in defaults, a TOML file, then environment overrides.

Precedence, lowest first:

1. the defaults below;
2. the user file ``~/.prefect/config.toml`` (or the path in ``PREFECT__USER_CONFIG_PATH``);
3. environment variables ``PREFECT__SECTION__KEY=value`` (sections joined by ``__``; keys
   are lower-cased; ``true``/``false``, integers and floats are parsed).

Results-related keys: ``home_dir``, ``flows.checkpointing``, ``flows.default_result`` (a
dotted class path such as ``"compat.engine.results.LocalResult"`` or a storage URL such as
``"s3://bucket/prefix"``) and the legacy ``engine.result_handler.default_class`` (a dotted
handler class path, converted to a result).

Safety keys: ``results.allowed_protocols`` (storage protocols a state payload may name, on
top of the built-in local files, ``s3``, ``gs``/``gcs`` and Azure; a TOML list, or a
comma-separated string in ``PREFECT__RESULTS__ALLOWED_PROTOCOLS``) and
``results.durable_writes`` (fsync each local result file and its directory; default off).
See ``docs/security.md``.
"""

from __future__ import annotations

import copy
import os
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from compat.exceptions import ConfigurationError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

__all__ = [
    "ENV_PREFIX",
    "USER_CONFIG_ENV",
    "Config",
    "config",
    "load_configuration",
    "reload_config",
    "set_temporary_config",
]

ENV_PREFIX = "PREFECT"
USER_CONFIG_ENV = "PREFECT__USER_CONFIG_PATH"
_DEFAULT_USER_CONFIG = "~/.prefect/config.toml"

_DEFAULTS: dict[str, Any] = {
    "home_dir": "~/.prefect",
    "backend": "core",
    "flows": {"checkpointing": False, "default_result": ""},
    "results": {"allowed_protocols": [], "durable_writes": False},
    "engine": {"result_handler": {"default_class": ""}},
    "tasks": {"defaults": {"max_retries": 0, "retry_delay": None}},
    "context": {"secrets": {}},
}


class Config(dict[str, Any]):
    """A nested dictionary whose keys can also be read and set as attributes."""

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError:
            msg = f"config has no key {name!r}; available keys: {sorted(self)}"
            raise AttributeError(msg) from None

    def __setattr__(self, name: str, value: Any) -> None:
        self[name] = value

    def get_nested(self, dotted: str, default: Any = None) -> Any:
        """Return the value at a dotted key such as ``"flows.checkpointing"``."""
        node: Any = self
        for part in dotted.split("."):
            if not isinstance(node, Mapping) or part not in node:
                return default
            node = node[part]
        return node

    def set_nested(self, dotted: str, value: Any) -> None:
        """Set the value at a dotted key, creating intermediate sections."""
        *sections, last = dotted.split(".")
        node: Config = self
        for part in sections:
            child = node.get(part)
            if not isinstance(child, Config):
                child = Config(child or {})
                node[part] = child
            node = child
        node[last] = value


def _to_config(data: Mapping[str, Any]) -> Config:
    return Config({k: _to_config(v) if isinstance(v, Mapping) else v for k, v in data.items()})


def _merge(base: Config, overrides: Mapping[str, Any]) -> None:
    for key, value in overrides.items():
        if isinstance(value, Mapping) and isinstance(base.get(key), Config):
            _merge(base[key], value)
        else:
            base[key] = _to_config(value) if isinstance(value, Mapping) else value


def _parse_env_value(raw: str) -> Any:
    lowered = raw.strip().lower()
    if lowered in {"true", "false"}:
        return lowered == "true"
    for parse in (int, float):
        try:
            return parse(raw)
        except ValueError:
            pass
    return raw


def _read_user_file(path: Path) -> Mapping[str, Any]:
    if not path.is_file():
        return {}
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except tomllib.TOMLDecodeError as exc:
        msg = f"cannot parse the configuration file {path}: {exc}; fix the TOML syntax"
        raise ConfigurationError(msg) from exc


def load_configuration(
    environ: Mapping[str, str] | None = None, user_config_path: str | None = None
) -> Config:
    """Build a fresh configuration from defaults, the user file and the environment."""
    env = os.environ if environ is None else environ
    result = _to_config(copy.deepcopy(_DEFAULTS))
    path = user_config_path or env.get(USER_CONFIG_ENV) or _DEFAULT_USER_CONFIG
    _merge(result, _read_user_file(Path(path).expanduser()))
    prefix = f"{ENV_PREFIX}__"
    for name, raw in sorted(env.items()):
        if not name.startswith(prefix) or name == USER_CONFIG_ENV:
            continue
        dotted = ".".join(part.lower() for part in name[len(prefix) :].split("__") if part)
        if dotted:
            result.set_nested(dotted, _parse_env_value(raw))
    return result


config: Config = load_configuration()


def reload_config(environ: Mapping[str, str] | None = None) -> Config:
    """Re-read the file and environment into the shared ``config`` object (in place)."""
    fresh = load_configuration(environ)
    config.clear()
    config.update(fresh)
    return config


@contextmanager
def set_temporary_config(settings: Mapping[str, Any]) -> Iterator[Config]:
    """Temporarily set dotted keys (``{"flows.checkpointing": True}``) on the shared config."""
    saved = copy.deepcopy(dict(config))
    try:
        for dotted, value in settings.items():
            config.set_nested(dotted, value)
        yield config
    finally:
        config.clear()
        config.update(_to_config(saved))
