"""Results: the ``Result`` base (both models), ``SafeResult`` and ``NoResult``."""

from compat.engine.result.base import (
    NoResult,
    NoResultType,
    Result,
    ResultInterface,
    ResultNotImplementedError,
    SafeResult,
)

__all__ = [
    "NoResult",
    "NoResultType",
    "Result",
    "ResultInterface",
    "ResultNotImplementedError",
    "SafeResult",
]
