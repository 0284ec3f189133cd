"""Collection tasks: a list, tuple, set or dict holding tasks becomes a task building it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from compat.core.task import Task

if TYPE_CHECKING:
    from compat.core.flow import Flow

__all__ = ["Dict", "List", "Set", "Tuple", "as_task", "contains_task"]


class _Collection(Task):
    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("checkpoint", False)
        super().__init__(**kwargs)


class List(_Collection):
    """Collects its keyword inputs ``arg_0, arg_1, ...`` into a list."""

    def run(self, **items: Any) -> list[Any]:
        """Build the list."""
        return [items[f"arg_{i}"] for i in range(len(items))]


class Tuple(List):
    """Like ``List``, as a tuple."""

    def run(self, **items: Any) -> tuple[Any, ...]:  # type: ignore[override]
        """Build the tuple."""
        return tuple(super().run(**items))


class Set(List):
    """Like ``List``, as a set."""

    def run(self, **items: Any) -> set[Any]:  # type: ignore[override]
        """Build the set."""
        return set(super().run(**items))


class Dict(_Collection):
    """Builds a dict from keyword inputs ``key_i``/``value_i``."""

    def run(self, **items: Any) -> dict[Any, Any]:
        """Build the dict."""
        return {items[f"key_{i}"]: items[f"value_{i}"] for i in range(len(items) // 2)}


def contains_task(value: Any) -> bool:
    """Whether ``value`` is a task or a (nested) collection holding one."""
    if isinstance(value, Task):
        return True
    if isinstance(value, (list, tuple, set)):
        return any(contains_task(v) for v in value)
    if isinstance(value, dict):
        return any(contains_task(k) or contains_task(v) for k, v in value.items())
    return False


def as_task(value: Any, flow: Flow) -> Task:
    """Return ``value`` as a task in ``flow`` (constants become ``Constant`` tasks)."""
    from compat.tasks.core.constants import Constant

    if isinstance(value, Task):
        return value
    if not contains_task(value):
        return Constant(value)
    if isinstance(value, dict):
        task: Task = Dict()
        keywords = {}
        for i, (k, v) in enumerate(value.items()):
            keywords[f"key_{i}"], keywords[f"value_{i}"] = k, v
    else:
        task = {list: List, tuple: Tuple, set: Set}.get(type(value), List)()
        keywords = {f"arg_{i}": v for i, v in enumerate(value)}
    flow.set_dependencies(task, keyword_tasks={k: _nested(v, flow) for k, v in keywords.items()})
    return task


def _nested(value: Any, flow: Flow) -> Any:
    return as_task(value, flow) if contains_task(value) else value
