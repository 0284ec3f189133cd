"""Prefect's run logging: the ``"prefect"`` logger, its console handler, level and format.

The runners log on children of one logger named ``"prefect"`` (``prefect.FlowRunner``,
``prefect.TaskRunner``, ``prefect.<task name>`` for ``context.logger`` in a task), exactly
the names real Prefect uses, so that log lines read the same and logging set-ups written for
Prefect (``logging.getLogger("prefect").setLevel(...)``) keep working.

Configuration (``logging.level``, ``logging.format``, ``logging.datefmt`` in the config file
or ``PREFECT__LOGGING__LEVEL`` and friends in the environment) is applied on first use, not
at import, and again whenever those settings change; changes made through the ``logging``
API in between are left alone. The console handler writes to the *current*
``sys.stdout`` (as Prefect, times in UTC), so it follows redirections and test capture.
"""

from __future__ import annotations

import logging
import sys
import time
from typing import Any

from compat.exceptions import ConfigurationError

__all__ = [
    "DEFAULT_DATEFMT",
    "DEFAULT_FORMAT",
    "DEFAULT_LEVEL",
    "ROOT_LOGGER_NAME",
    "RedirectToLog",
    "configure_logging",
    "get_logger",
]

ROOT_LOGGER_NAME = "prefect"
DEFAULT_LEVEL = "INFO"
DEFAULT_FORMAT = "[%(asctime)s] %(levelname)s - %(name)s | %(message)s"
DEFAULT_DATEFMT = "%Y-%m-%d %H:%M:%S%z"  # Prefect 0.13+ (0.10 had no %z)

_applied: tuple[Any, ...] | None = None
_loggers: dict[str, logging.Logger] = {}


class _ConsoleHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever ``sys.stdout`` is at the time of each record."""

    def __init__(self) -> None:
        super().__init__(sys.stdout)

    @property  # type: ignore[override]
    def stream(self) -> Any:
        stream = sys.stdout
        # Under log_stdout, stdout is redirected to the log: write where it pointed before.
        return stream.replaced if isinstance(stream, RedirectToLog) else stream

    @stream.setter
    def stream(self, value: Any) -> None:
        """Ignored: the stream is always the current ``sys.stdout``."""


def _level(value: Any) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    name = str(value).strip().upper()
    level = logging.getLevelName(name)
    if not isinstance(level, int):
        msg = (
            f"logging.level is {value!r}; expected one of NOTSET, DEBUG, INFO, WARNING, "
            "ERROR or CRITICAL (set it in the config file or PREFECT__LOGGING__LEVEL)"
        )
        raise ConfigurationError(msg)
    return level


def configure_logging() -> logging.Logger:
    """Apply the configured level and format to the ``"prefect"`` logger; return it.

    Cheap when nothing changed since the last call, so the runners call it on every run.
    """
    global _applied
    from compat.utilities.configuration import config

    settings = (
        config.get_nested("logging.level", DEFAULT_LEVEL),
        config.get_nested("logging.format", DEFAULT_FORMAT),
        config.get_nested("logging.datefmt", DEFAULT_DATEFMT),
    )
    logger = logging.getLogger(ROOT_LOGGER_NAME)
    if settings == _applied:
        return logger
    level, fmt, datefmt = settings
    formatter = logging.Formatter(fmt, datefmt)
    formatter.converter = time.gmtime
    handler = next((h for h in logger.handlers if isinstance(h, _ConsoleHandler)), None)
    if handler is None:
        handler = _ConsoleHandler()
        logger.addHandler(handler)
    handler.setFormatter(formatter)
    logger.setLevel(_level(level))
    _applied = settings
    return logger


def get_logger(name: str | None = None) -> logging.Logger:
    """The ``"prefect"`` logger, or its child ``"prefect.<name>"`` (configured on first use)."""
    if _applied is None:
        configure_logging()
    full_name = ROOT_LOGGER_NAME if name is None else f"{ROOT_LOGGER_NAME}.{name}"
    found = _loggers.get(full_name)
    if found is None:  # logging.getLogger takes a lock; runners ask once per task run
        found = _loggers[full_name] = logging.getLogger(full_name)
    return found


class RedirectToLog:
    """A ``sys.stdout`` stand-in that logs each non-blank write at INFO (``log_stdout=True``).

    ``replaced`` is the stream it stands in for, where the console handler keeps writing.
    """

    def __init__(self, logger: logging.Logger | None = None) -> None:
        self.logger = logger or get_logger("stdout")
        self.replaced = sys.stdout

    def write(self, text: str) -> int:
        if text.strip():
            self.logger.info(text)
        return len(text)

    def flush(self) -> None:
        for handler in self.logger.handlers:
            handler.flush()
