"""``FilterTask``: keep the useful elements of a list of results, typically a mapped task's."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from compat.core.task import Task
from compat.engine.result.base import NoResultType
from compat.triggers import all_finished

__all__ = ["FilterTask"]


def _is_a_value(result: Any) -> bool:
    """The default filter: drop ``None``, ``NoResult`` and exceptions (failed children)."""
    return not isinstance(result, (type(None), NoResultType, Exception))


class FilterTask(Task):
    """Returns the elements of its input for which ``filter_func`` is true.

    As Prefect's, it runs whatever its upstream tasks did (``trigger=all_finished``,
    ``skip_on_upstream_skip=False``), so a reduce step after ``.map()`` can drop the failed
    or skipped children's results instead of failing with them.
    """

    def __init__(self, filter_func: Callable[[Any], bool] | None = None, **kwargs: Any) -> None:
        kwargs.setdefault("skip_on_upstream_skip", False)
        kwargs.setdefault("trigger", all_finished)
        self.filter_func = filter_func or _is_a_value
        super().__init__(**kwargs)

    def run(self, task_results: list[Any]) -> list[Any]:  # type: ignore[override]
        """The elements of ``task_results`` that ``filter_func`` keeps, in order."""
        return [result for result in task_results if self.filter_func(result)]
