"""``ConstantResultHandler``: a constant known at build time; nothing is stored."""

from __future__ import annotations

from typing import Any

from compat.engine.result_handlers.result_handler import ResultHandler

__all__ = ["ConstantResultHandler"]


class ConstantResultHandler(ResultHandler):
    """``write`` returns ``repr`` of the stored constant; ``read`` returns the constant."""

    def __init__(self, value: Any) -> None:
        self.value = value

    def write(self, result: Any) -> str:
        return repr(self.value)

    def read(self, location: Any) -> Any:
        return self.value
