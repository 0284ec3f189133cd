"""The package's exceptions (and its one warning, ``IgnoredArgumentWarning``, a ``UserWarning``).

Every error also subclasses the builtin with the same meaning, so ``except ValueError``
and friends keep working in code written for Prefect::

    CompatError
    ├── ResultNotImplementedError (NotImplementedError)
    │   └── ResultHandlerNotImplementedError
    ├── UnsupportedArgumentError (TypeError)
    ├── MissingResultHandlerError (ValueError)
    ├── UnsafeLocationError (ValueError)
    ├── TemplateFieldError (KeyError)
    ├── TemplateSpecError (ValueError)
    ├── MissingExtraError (ImportError)
    ├── ConversionError (TypeError)
    ├── PayloadError (ValueError)
    │   └── StorageNotAllowedError
    ├── ResultReadError (ValueError)
    ├── ResultWriteError (OSError)
    ├── ConfigurationError (ValueError)
    ├── ReturnTypeError (TypeError)
    ├── PrefectVersionError (ImportError)
    └── BridgeNotInstalledError (RuntimeError)
"""

from __future__ import annotations

__all__ = [
    "BridgeNotInstalledError",
    "CompatError",
    "ConfigurationError",
    "ConversionError",
    "IgnoredArgumentWarning",
    "MissingExtraError",
    "MissingResultHandlerError",
    "PayloadError",
    "PrefectVersionError",
    "ResultHandlerNotImplementedError",
    "ResultNotImplementedError",
    "ResultReadError",
    "ResultWriteError",
    "ReturnTypeError",
    "StorageNotAllowedError",
    "TemplateFieldError",
    "TemplateSpecError",
    "UnsafeLocationError",
    "UnsupportedArgumentError",
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


class TemplateSpecError(CompatError, ValueError):
    """A template's format spec asks for a width or precision beyond the cap."""


class MissingExtraError(CompatError, ImportError):
    """An optional dependency is not installed; the message names the extra to install."""


class ConversionError(CompatError, TypeError):
    """A value cannot be converted between the handler and the ``Result`` models."""


class PayloadError(CompatError, ValueError):
    """A serialized state or result payload is malformed or of an unknown type."""


class StorageNotAllowedError(PayloadError):
    """A payload names storage outside the allow-list (``data:``, ``http(s)``, ``ftp`` ...).

    Raised before any byte is read; ``docs/security.md`` explains the list and how to extend it.
    """


class ResultReadError(CompatError, ValueError):
    """A stored value cannot be decoded (truncated or corrupted); the message names its location."""


class ResultWriteError(CompatError, OSError):
    """Storing a value failed; ``filename`` is the target location, never a temporary file."""


class ConfigurationError(CompatError, ValueError):
    """The user configuration file or an environment override cannot be used."""


class ReturnTypeError(CompatError, TypeError):
    """User code that compat calls back returned the wrong type: a state handler something
    that is neither a ``State`` nor ``None``, a ``Result`` subclass's ``write`` no ``Result``."""


class UnsupportedArgumentError(CompatError, TypeError):
    """A Prefect argument that ``compat`` does not implement; the message names the way out."""


class IgnoredArgumentWarning(UserWarning):
    """A Prefect argument that ``compat`` accepts and keeps but does not act on."""


class PrefectVersionError(CompatError, ImportError):
    """The installed Prefect cannot host the bridge (missing, or 2.x and later)."""


class BridgeNotInstalledError(CompatError, RuntimeError):
    """A process uses a bridged result but the bridge is not installed in that process."""
