"""``PrefectResult``: the value lives in the location string itself, as JSON."""

from __future__ import annotations

from typing import Any

from compat.engine.result.base import Result
from compat.engine.serializers import DateTimeSerializer, JSONSerializer, Serializer
from compat.exceptions import ResultReadError

__all__ = ["PrefectResult"]


class PrefectResult(Result):
    """Keeps small, JSON-compatible values inside the state (``location == '{"x": 1}'``)."""

    def _default_serializer(self) -> Serializer:
        return JSONSerializer()

    def _check_serializer(self, serializer: Serializer) -> None:
        if not isinstance(serializer, (JSONSerializer, DateTimeSerializer)):
            msg = (
                f"PrefectResult stores values as text and needs a JSONSerializer or "
                f"DateTimeSerializer, got {serializer!r}"
            )
            raise TypeError(msg)

    def write(self, value_: Any, **kwargs: Any) -> Result:
        new = self.copy()
        new.value = value_
        new.location = self.serializer.serialize(value_).decode("utf-8")
        return new

    def read(self, location: str) -> Result:
        new = self.copy()
        try:
            new.value = self.serializer.deserialize(location.encode("utf-8"))
        except (ValueError, RecursionError) as exc:  # damaged or edited state: never echo it
            msg = (
                f"cannot decode the value this PrefectResult keeps in its location "
                f"({len(location)} characters) with {self.serializer!r} "
                f"({type(exc).__name__}); the state holding it is damaged or was edited"
            )
            raise ResultReadError(msg) from exc
        new.location = location
        return new

    def exists(self, location: str, **kwargs: Any) -> bool:
        try:
            self.serializer.deserialize(location.encode("utf-8"))
        except Exception:
            return False
        return True
