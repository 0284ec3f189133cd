"""``ConstantResult``: a value known when the flow is built; nothing is stored."""

from __future__ import annotations

from typing import Any

from compat.engine.result.base import Result

__all__ = ["ConstantResult"]


class ConstantResult(Result):
    """Holds a constant; reading returns it, writing is refused."""

    def __init__(self, value: Any = None, **kwargs: Any) -> None:
        if "serializer" in kwargs:
            msg = "ConstantResult keeps its value in memory and takes no serializer"
            raise ValueError(msg)
        super().__init__(value=value, **kwargs)

    def read(self, location: str) -> Result:
        return self

    def write(self, value_: Any, **kwargs: Any) -> Result:
        msg = "Cannot write values to `ConstantResult` types."
        raise ValueError(msg)

    def exists(self, location: str, **kwargs: Any) -> bool:
        return True
