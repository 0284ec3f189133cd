"""``JSONResultHandler``: the value itself, as JSON text (a facade over ``PrefectResult``)."""

from __future__ import annotations

from typing import Any

from compat.engine.result_handlers.result_handler import ResultHandler

__all__ = ["JSONResultHandler"]


class JSONResultHandler(ResultHandler):
    """``write`` returns ``json.dumps(value)``; ``read`` parses it back."""

    def _result(self) -> Any:
        from compat.engine.results.prefect_result import PrefectResult

        return PrefectResult()

    def write(self, result: Any) -> str:
        return self._result().write(result).location

    def read(self, location: str) -> Any:
        return self._result().read(location).value
