"""``SecretResult``: a secret is fetched again on every read and never stored."""

from __future__ import annotations

import inspect
from typing import Any

from compat.engine.result.base import Result
from compat.exceptions import ResultNotImplementedError

__all__ = ["SecretResult", "SecretSource"]


class SecretSource:
    """A minimal secret task: ``run(name)`` returns the secret from context or environment.

    Used where a payload names a secret but the original task object is not at hand.
    """

    def __init__(self, name: str) -> None:
        self.name = name

    def run(self, name: str | None = None) -> Any:
        from compat.client.secrets import Secret

        return Secret(name or self.name).get()

    def __eq__(self, other: object) -> bool:
        return type(other) is SecretSource and other.name == self.name

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"SecretSource({self.name!r})"


class SecretResult(Result):
    """Reads by re-running the secret task; ``location`` defaults to the task's name."""

    config_fields = ("secret_task",)

    def __init__(self, secret_task: Any, **kwargs: Any) -> None:
        if "serializer" in kwargs:
            msg = "SecretResult never stores values and takes no serializer"
            raise ValueError(msg)
        self.secret_task = secret_task
        kwargs.setdefault("location", getattr(secret_task, "name", None))
        super().__init__(**kwargs)

    def __repr__(self) -> str:  # never the value: it is a secret
        return f"<SecretResult: {self.location!r}>"

    def read(self, location: str) -> Result:
        new = self.copy()
        run = self.secret_task.run
        takes_name = "name" in inspect.signature(run).parameters
        new.value = run(name=location) if takes_name else run()
        new.location = location
        return new

    def write(self, value_: Any, **kwargs: Any) -> Result:
        msg = "SecretResults cannot be written to."
        raise ValueError(msg)

    def exists(self, location: str, **kwargs: Any) -> bool:
        msg = "SecretResult cannot tell whether a secret exists without reading it"
        raise ResultNotImplementedError(msg)
