"""``ResultHandlerResult``: a legacy handler used where a ``Result`` is expected."""

from __future__ import annotations

from typing import Any, cast

from compat.engine.result.base import Result, checked_reference
from compat.engine.result_handlers.result_handler import ResultHandler
from compat.exceptions import ResultNotImplementedError

__all__ = ["ResultHandlerResult", "UnresolvedResultHandler"]


class UnresolvedResultHandler(ResultHandler):
    """Stands in for a handler named in a payload whose object is not available.

    Reading raises an error that says how to hydrate: pass the real handler.
    """

    def __init__(self, type_name: str) -> None:
        self.type_name = type_name

    def write(self, result: Any) -> Any:
        raise ResultNotImplementedError(self._message("write"))

    def read(self, location: Any) -> Any:
        raise ResultNotImplementedError(self._message("read"))

    def _message(self, operation: str) -> str:
        if self.type_name in {"CustomResultHandler", "ResultHandler"}:
            stored_by, example = "a custom handler (the payload does not name it)", "MyHandler"
        else:
            stored_by, example = f"a {self.type_name} handler", self.type_name.rsplit(".", 1)[-1]
        return (
            f"this result was stored by {stored_by}, and payloads do not carry handler "
            f"objects; to {operation} it, pass the handler, e.g. "
            f"state.load_result(ResultHandlerResult({example}(...)))"
        )

    def __repr__(self) -> str:
        return f"<ResultHandler: unresolved {self.type_name}>"


class ResultHandlerResult(Result):
    """Writes and reads through a ``ResultHandler``; the handler's output is the location."""

    def __init__(self, result_handler: ResultHandler, **kwargs: Any) -> None:
        if not isinstance(result_handler, ResultHandler):
            msg = f"ResultHandlerResult wraps a ResultHandler, got {result_handler!r}"
            raise TypeError(msg)
        super().__init__(result_handler=result_handler, **kwargs)

    @classmethod
    def from_result_handler(cls, result_handler: ResultHandler) -> Result:
        """Convert a handler to its ``Result`` (built-ins map to their class, others wrap)."""
        from compat.engine.conversion import result_from_handler

        return result_from_handler(result_handler)

    @property
    def handler(self) -> ResultHandler:
        """The wrapped handler."""
        return cast(ResultHandler, self.result_handler)  # set in __init__, never cleared

    def write(self, value_: Any, **kwargs: Any) -> Result:
        new = self.copy()
        new.value = value_
        new.location = checked_reference(self.handler, self.handler.write(value_))
        return new

    def read(self, location: str) -> Result:
        new = self.copy()
        new.value = self.handler.read(location)
        new.location = location  # Prefect left this unset; record where the value came from
        return new

    def exists(self, location: str, **kwargs: Any) -> bool:
        msg = (
            f"{self.handler!r} cannot check whether a value exists; use a Result class such "
            "as LocalResult for tasks with a target"
        )
        raise ResultNotImplementedError(msg)
