"""``Parameter``: a flow input, given to ``flow.run(parameters=...)``."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from compat.core.task import Task
from compat.engine.results.prefect_result import PrefectResult

__all__ = ["Parameter"]

_NO_DEFAULT: Any = None


class Parameter(Task):
    """A named flow input; ``required`` defaults to "no default was given".

    Parameters always store their value as JSON in the state (``PrefectResult``, which is
    the ``JSONResultHandler`` of the legacy model) and always checkpoint.
    """

    def __init__(
        self,
        name: str,
        default: Any = _NO_DEFAULT,
        required: bool | None = None,
        tags: Iterable[str] | None = None,
    ) -> None:
        if required is None:
            required = default is None
        self.default = default
        self.required = required
        super().__init__(name=name, slug=name, tags=tags, result=PrefectResult(), checkpoint=True)

    def __repr__(self) -> str:
        return f"<Parameter: {self.name}>"

    def copy(self, name: str | None = None, **task_args: Any) -> Task:  # type: ignore[override]
        """Copy the parameter; a copy in the same flow needs a new ``name``."""
        return super().copy(name=name or self.name, **task_args)

    def __call__(self, *args: Any, **kwargs: Any) -> Task:
        """Parameters take no arguments; calling one adds it (not a copy) to the active flow."""
        if args or {k: v for k, v in kwargs.items() if k not in ("flow", "upstream_tasks")}:
            msg = f"{self!r} takes no arguments; pass its value with flow.run(parameters=...)"
            raise TypeError(msg)
        return self.bind(**kwargs)

    def run(self) -> Any:
        """Return the value given for this parameter in the flow run, or its default."""
        from compat.utilities.context import context

        parameters = context.get("parameters") or {}
        if self.name in parameters:
            return parameters[self.name]
        if self.required:
            msg = f"parameter {self.name!r} is required; pass it in flow.run(parameters=...)"
            raise ValueError(msg)
        return self.default
