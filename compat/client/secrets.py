"""Secrets, read from ``context.secrets`` first and then from the environment.

Locally Prefect looks secrets up in ``prefect.context.secrets``, which the configuration
fills from ``[context.secrets]`` or ``PREFECT__CONTEXT__SECRETS__NAME``; this does the same.
"""

from __future__ import annotations

import json
import os
from typing import Any

__all__ = ["Secret"]


class Secret:
    """A named secret; ``get()`` returns its value (JSON text is parsed, as Prefect does)."""

    def __init__(self, name: str) -> None:
        self.name = name

    def exists(self) -> bool:
        """Return whether the secret can be found."""
        try:
            self.get()
        except ValueError:
            return False
        return True

    def get(self) -> Any:
        """Return the secret's value, or raise ``ValueError`` saying where it was looked for."""
        from compat.utilities.configuration import config
        from compat.utilities.context import context

        for source in (context.get("secrets") or {}, config.get_nested("context.secrets") or {}):
            if self.name in source:
                return _maybe_json(source[self.name])
        env_name = f"PREFECT__CONTEXT__SECRETS__{self.name}"
        if env_name in os.environ:
            return _maybe_json(os.environ[env_name])
        msg = (
            f"secret {self.name!r} was not found; set it with "
            f"`with compat.context(secrets={{{self.name!r}: ...}})`, in [context.secrets] "
            f"of the user config, or in the environment variable {env_name}"
        )
        raise ValueError(msg)


def _maybe_json(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value
