"""``SecretResultHandler``: secrets are re-fetched on read and never stored."""

from __future__ import annotations

from typing import Any

from compat.engine.result_handlers.result_handler import ResultHandler

__all__ = ["SecretResultHandler"]


class SecretResultHandler(ResultHandler):
    """``write`` returns the secret task's name; ``read`` runs the secret task again."""

    def __init__(self, secret_task: Any) -> None:
        self.secret_task = secret_task

    def write(self, result: Any) -> str:
        return self.secret_task.name

    def read(self, location: Any) -> Any:
        return self.secret_task.run()
