"""A flow as written for Prefect 0.10: ``result_handler=`` on tasks, a subclass and the flow."""

from __future__ import annotations

import os
from typing import Any

from legacy_app.handlers import JSONFileHandler
from prefect import Flow, Task, task
from prefect.engine.result_handlers import JSONResultHandler, LocalResultHandler


class Total(Task):
    """A ``Task`` subclass passing its handler through ``super().__init__``."""

    def __init__(self, result_handler: Any = None, **kwargs: Any) -> None:
        super().__init__(result_handler=result_handler, **kwargs)

    def run(self, values: list[int]) -> int:
        return sum(values)


def build_flow(results_dir: str) -> tuple[Flow, dict[str, Task]]:
    """numbers (LocalResultHandler) -> square, mapped (flow's JSON handler) -> total (custom)."""

    @task(result_handler=LocalResultHandler(dir=os.path.join(results_dir, "local")))
    def numbers() -> list[int]:
        return [1, 2, 3]

    @task
    def square(x: int) -> int:
        return x * x

    total = Total(result_handler=JSONFileHandler(os.path.join(results_dir, "custom")))
    with Flow("legacy handlers", result_handler=JSONResultHandler()) as flow:
        listed = numbers()
        squares = square.map(listed)
        summed = total(squares)
    return flow, {"numbers": listed, "square": squares, "total": summed}
