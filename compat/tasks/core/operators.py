"""``GetItem``: index an upstream output (used by ``task[key]`` and ``nout`` unpacking)."""

from __future__ import annotations

from typing import Any

from compat.core.task import Task

__all__ = ["GetItem"]


class GetItem(Task):
    """Returns ``task_result[key]``."""

    def run(self, task_result: Any, key: Any) -> Any:
        """Index the upstream output."""
        return task_result[key]
