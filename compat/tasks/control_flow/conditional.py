"""Branching as Prefect 0.x does it: ``switch``, ``ifelse`` and ``merge``.

A branch runs only if a ``CompareValue`` task upstream of it matches the condition's value;
the others are skipped (``SKIP``), and so is everything downstream of them, unless a task
has ``skip_on_upstream_skip=False``. ``merge`` joins the branches again: its ``Merge`` task
returns the first result that is not ``None``, and is skipped only if every branch was.
"""

from __future__ import annotations

from typing import Any

from compat.core.task import Task
from compat.engine import signals
from compat.triggers import not_all_skipped
from compat.utilities.tasks import tags, task

__all__ = ["CompareValue", "Merge", "ifelse", "merge", "switch"]


class Merge(Task):
    """The first upstream result that is not ``None``, branches taken in argument order."""

    def __init__(self, **kwargs: Any) -> None:
        if kwargs.setdefault("skip_on_upstream_skip", False):
            msg = (
                "Merge tasks must have skip_on_upstream_skip=False: they run after the "
                "branches that were skipped"
            )
            raise ValueError(msg)
        kwargs.setdefault("trigger", not_all_skipped)
        super().__init__(**kwargs)

    def run(self, **task_results: Any) -> Any:  # type: ignore[override]
        """The value of the first branch (``task_1``, ``task_2``, ...) that produced one."""
        return next((value for _, value in sorted(task_results.items()) if value is not None), None)


class CompareValue(Task):
    """Succeeds if its input equals ``value``; otherwise skips (and its branch with it)."""

    def __init__(self, value: Any, **kwargs: Any) -> None:
        self.value = value
        kwargs.setdefault("name", f'CompareValue: "{value}"')
        super().__init__(**kwargs)

    def run(self, value: Any) -> None:  # type: ignore[override]
        """Skip unless ``value`` is the one this branch is for."""
        if value != self.value:
            raise signals.SKIP(f'Provided value "{value}" did not match "{self.value}"')


def switch(condition: Task, cases: dict[Any, Any]) -> None:
    """Run ``cases[value]`` for the value ``condition`` returns; skip the other cases.

    Must be called inside ``with Flow(...)``; the ``CompareValue`` tasks are tagged
    ``"switch"``, as in Prefect.
    """
    from compat.core.flow import Flow
    from compat.tasks.core.collections import as_task
    from compat.utilities.context import context

    flow = context.get("flow")
    if not isinstance(flow, Flow):
        msg = "switch() and ifelse() add tasks to a flow: call them inside `with Flow(...):`"
        raise ValueError(msg)
    with tags("switch"):
        for value, branch in cases.items():
            match = CompareValue(value=value).bind(value=condition)
            as_task(branch, flow).set_dependencies(upstream_tasks=[match])


@task(name="as_bool")
def _as_bool(x: Any) -> bool:
    return bool(x)


def ifelse(condition: Task, true_task: Any, false_task: Any) -> None:
    """Run ``true_task`` if ``condition`` is truthy, else ``false_task`` (either may be None)."""
    branches = ((True, true_task), (False, false_task))
    cases = {key: branch for key, branch in branches if branch is not None}
    if cases:
        switch(condition=_as_bool(condition), cases=cases)


def merge(*tasks: Task) -> Task:
    """A ``Merge`` task over ``tasks``: the result of whichever branch ran."""
    return Merge().bind(**{f"task_{index}": branch for index, branch in enumerate(tasks, 1)})
