"""Edges between tasks: ``upstream`` feeds ``downstream``, optionally as keyword ``key``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from compat.core.task import Task

__all__ = ["Edge", "unmapped"]


class unmapped:
    """Marks an argument of ``.map()`` that is passed whole to every child."""

    def __init__(self, value: Any) -> None:
        self.value = value


class Edge:
    """A dependency; ``key`` names the ``run()`` argument it fills, ``mapped`` splits it."""

    def __init__(
        self,
        upstream_task: Task,
        downstream_task: Task,
        key: str | None = None,
        mapped: bool = False,
    ) -> None:
        if key is not None and not key.isidentifier():
            msg = f"edge key {key!r} must be a valid Python identifier (a run() argument name)"
            raise ValueError(msg)
        self.upstream_task = upstream_task
        self.downstream_task = downstream_task
        self.key = key
        self.mapped = mapped

    def __setattr__(self, name: str, value: Any) -> None:
        object.__setattr__(self, name, value)
        object.__setattr__(self, "_hash", None)  # the identity may have changed

    def __getstate__(self) -> dict[str, Any]:
        # The hash comes from object ids, which another process (or a copy) does not share.
        return {**self.__dict__, "_hash": None}

    def _identity(self) -> tuple[Any, ...]:
        return (id(self.upstream_task), id(self.downstream_task), self.key, self.mapped)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Edge) and self._identity() == other._identity()

    def __hash__(self) -> int:
        # Kept until an attribute changes: runners hash every edge several times per run.
        cached = self._hash
        if cached is None:
            cached = hash(self._identity())
            object.__setattr__(self, "_hash", cached)
        return cached

    def __repr__(self) -> str:
        key = f" (key={self.key!r})" if self.key else ""
        mapped = " mapped" if self.mapped else ""
        return f"<Edge{mapped}: {self.upstream_task.name} -> {self.downstream_task.name}{key}>"
