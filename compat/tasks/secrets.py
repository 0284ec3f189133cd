"""Secret tasks: values read at run time from ``context.secrets`` or the environment.

Their result type is fixed (``SecretResult``: reading re-fetches the secret) and they never
checkpoint, so a secret value is never written anywhere.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from compat.core.task import Task
from compat.engine.results.secret_result import SecretResult

__all__ = ["EnvVarSecret", "PrefectSecret", "SecretBase"]


class SecretBase(Task):
    """Base of secret tasks: ``result=``/``result_handler=`` are refused, checkpointing is off."""

    def __init__(self, **kwargs: Any) -> None:
        if kwargs.get("result") is not None or kwargs.get("result_handler") is not None:
            msg = "Result types for Secrets are not configurable."
            raise ValueError(msg)
        kwargs.pop("result", None)
        kwargs.pop("result_handler", None)
        kwargs["checkpoint"] = False
        super().__init__(**kwargs)
        self.result = SecretResult(secret_task=self)


class PrefectSecret(SecretBase):
    """Returns the secret called ``name`` (context, then config, then environment)."""

    def __init__(self, name: str | None = None, **kwargs: Any) -> None:
        super().__init__(name=name, **kwargs)

    def run(self, name: str | None = None) -> Any:
        """Fetch the secret."""
        from compat.client.secrets import Secret

        return Secret(name or self.name).get()


class EnvVarSecret(SecretBase):
    """Returns the environment variable ``env_var`` (default: ``name``), optionally cast."""

    def __init__(
        self,
        name: str,
        env_var: str | None = None,
        cast: Callable[[Any], Any] | None = None,
        raise_if_missing: bool = False,
        **kwargs: Any,
    ) -> None:
        self.env_var = env_var or name
        self.cast = cast
        self.raise_if_missing = raise_if_missing
        super().__init__(name=name, **kwargs)

    def run(self, name: str | None = None) -> Any:
        """Read the variable (``None`` if missing, unless ``raise_if_missing``)."""
        if self.raise_if_missing and self.env_var not in os.environ:
            msg = f"environment variable {self.env_var!r} is not set"
            raise ValueError(msg)
        value = os.environ.get(self.env_var)
        if value is not None and self.cast is not None:
            value = self.cast(value)
        return value
