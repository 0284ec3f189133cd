"""The legacy ``ResultHandler`` base class (Prefect 0.10 model)."""

from __future__ import annotations

from typing import Any, cast

from compat.exceptions import ResultHandlerNotImplementedError

__all__ = ["ResultHandler"]


class ResultHandler:
    """Reads and writes task outputs; ``write`` returns a JSON-compatible reference.

    Subclasses override ``write(result)`` and ``read(location)``. Unlike Prefect, where the
    base methods silently returned ``None``, a missing override raises
    :class:`~compat.exceptions.ResultHandlerNotImplementedError` naming the class.
    """

    def write(self, result: Any) -> Any:
        """Store ``result`` and return a JSON-compatible value that locates it."""
        raise ResultHandlerNotImplementedError(_missing(self, "write(self, result)"))

    def read(self, location: Any) -> Any:
        """Return the value stored at ``location`` (what ``write`` returned)."""
        raise ResultHandlerNotImplementedError(_missing(self, "read(self, location)"))

    def _public_state(self) -> dict[str, Any]:
        return {k: v for k, v in vars(self).items() if not k.startswith("_") and k != "logger"}

    def __eq__(self, other: object) -> bool:
        # Handlers are user classes with arbitrary attributes: compare what they publicly hold.
        if type(self) is not type(other):
            return False
        return self._public_state() == cast(ResultHandler, other)._public_state()

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"<ResultHandler: {type(self).__name__}>"


def _missing(handler: ResultHandler, signature: str) -> str:
    name = type(handler).__name__
    if type(handler) is ResultHandler:
        return (
            f"the base ResultHandler cannot {signature.split('(')[0]} values; use a concrete "
            "handler such as LocalResultHandler, or a Result class"
        )
    return f"{name} does not implement {signature}; define it on {name}"
