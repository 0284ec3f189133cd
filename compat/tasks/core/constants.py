"""``Constant``: a task that returns a value fixed when the flow is built."""

from __future__ import annotations

from typing import Any

from compat.core.task import Task
from compat.engine.results.constant_result import ConstantResult

__all__ = ["Constant"]


class Constant(Task):
    """Returns ``value``; its result is a ``ConstantResult`` and it never checkpoints."""

    def __init__(self, value: Any, name: str | None = None, **kwargs: Any) -> None:
        self.value = value
        kwargs.setdefault("checkpoint", False)
        kwargs.setdefault("result", ConstantResult(value=value))
        super().__init__(name=name or _default_name(value), **kwargs)

    def run(self) -> Any:
        """Return the constant."""
        return self.value


def _default_name(value: Any) -> str:
    """Prefect's default name: the ``repr`` if it is short, else ``Constant[<type>]``."""
    text = repr(value)
    return text if len(text) <= 8 else f"Constant[{type(value).__name__}]"
