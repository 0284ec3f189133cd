"""``LocalResultHandler``: a facade over ``LocalResult`` (same files, same format)."""

from __future__ import annotations

from typing import Any

from compat.engine.result_handlers.result_handler import ResultHandler

__all__ = ["LocalResultHandler"]


class LocalResultHandler(ResultHandler):
    """Writes each value as raw cloudpickle to ``<dir>/prefect-result-<timestamp>``.

    ``write`` returns the absolute path; ``read`` takes a path. A ``dir`` of ``None`` or
    inside ``home_dir`` means ``<home_dir>/results``, as in Prefect. The directory is created
    by the first write rather than by the constructor.
    """

    def __init__(self, dir: str | None = None, validate: bool = True) -> None:
        from compat.engine.results.local_result import resolve_local_dir

        self.dir = resolve_local_dir(dir, validate)

    def _result(self) -> Any:
        from compat.engine.results.local_result import LocalResult

        return LocalResult(dir=self.dir, validate_dir=False)

    def write(self, result: Any) -> str:
        return self._result().write(result).location

    def read(self, location: str) -> Any:
        return self._result().read(location).value
