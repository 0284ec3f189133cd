"""The package's exceptions.

Every error also subclasses the builtin with the same meaning, so ``except ValueError``
and friends keep working in code written for Prefect::

    CompatError
    ├── ResultNotImplementedError (NotImplementedError)
    │   └── ResultHandlerNotImplementedError
    ├── MissingResultHandlerError (ValueError)
    ├── UnsafeLocationError (ValueError)
    ├── TemplateFieldError (KeyError)
    ├── MissingExtraError (ImportError)
    ├── ConversionError (TypeError)
    ├── PayloadError (ValueError)
    ├── ConfigurationError (ValueError)
    ├── PrefectVersionError (ImportError)
    └── BridgeNotInstalledError (RuntimeError)
"""

from __future__ import annotations

__all__ = [
    "BridgeNotInstalledError",
    "CompatError",
    "ConfigurationError",
    "ConversionError",
    "MissingExtraError",
    "MissingResultHandlerError",
    "PayloadError",
    "PrefectVersionError",
    "ResultHandlerNotImplementedError",
    "ResultNotImplementedError",
    "TemplateFieldError",
    "UnsafeLocationError",
]


class CompatError(Exception):
    """Base class of every error raised by ``compat`` itself."""


class ResultNotImplementedError(CompatError, NotImplementedError):
    """A ``Result`` class does not implement a storage operation (``read``/``write``/``exists``).

    The task runner catches this one (and only this one) when checkpointing, as Prefect does,
    and falls back to keeping the value in memory.
    """


class ResultHandlerNotImplementedError(ResultNotImplementedError):
    """A ``ResultHandler`` subclass forgot to override ``read`` or ``write``."""


class MissingResultHandlerError(CompatError, ValueError):
    """``store_safe_value()``/``to_result()`` needs a handler or a storage-backed result."""


class UnsafeLocationError(CompatError, ValueError):
    """A formatted location would leave the result's directory."""


class TemplateFieldError(CompatError, KeyError):
    """A location template names a field that is missing or not allowed."""

    def __str__(self) -> str:  # KeyError would show the repr of the message
        return str(self.args[0]) if self.args else ""


class MissingExtraError(CompatError, ImportError):
    """An optional dependency is not installed; the message names the extra to install."""


class ConversionError(CompatError, TypeError):
    """A value cannot be converted between the handler and the ``Result`` models."""


class PayloadError(CompatError, ValueError):
    """A serialized state or result payload is malformed or of an unknown type."""


class ConfigurationError(CompatError, ValueError):
    """The user configuration file or an environment override cannot be used."""


class PrefectVersionError(CompatError, ImportError):
    """The installed Prefect cannot host the bridge (missing, or 2.x and later)."""


class BridgeNotInstalledError(CompatError, RuntimeError):
    """A process uses a bridged result but the bridge is not installed in that process."""
