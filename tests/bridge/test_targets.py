"""Targets on tasks whose custom handler is wrapped: found, then read from the same file."""

from __future__ import annotations

import os
import pickle
from pathlib import Path
from typing import Any

import prefect
import pytest
from prefect import Flow, task

from compat.engine.result_handlers import ResultHandler

pytestmark = pytest.mark.usefixtures("bridge")


class FixedFileHandler(ResultHandler):
    """A custom handler with a ``dir`` and no ``exists``: writes ``<dir>/<name>``."""

    def __init__(self, dir: str, name: str) -> None:
        self.dir = dir
        self.name = name
        super().__init__()

    def write(self, result: Any) -> str:
        path = os.path.join(self.dir, self.name)
        with open(path, "wb") as file:
            pickle.dump(result, file)
        return path

    def read(self, location: str) -> Any:
        with open(location, "rb") as file:
            return pickle.load(file)


def test_a_target_found_under_the_handlers_dir_is_read_from_there(tmp_path: Path) -> None:
    result = prefect.engine.results.ResultHandlerResult(FixedFileHandler(str(tmp_path), "t.pkl"))
    result.write(5)
    assert result.exists("{name}.pkl", name="t")
    read = result.read("t.pkl")
    assert read.value == 5
    assert read.location == str(tmp_path / "t.pkl")


def test_a_flow_rerun_skips_a_targeted_task_with_a_custom_handler(
    tmp_path: Path, recwarn: pytest.WarningsRecorder
) -> None:
    calls: list[int] = []

    @task(result_handler=FixedFileHandler(str(tmp_path), "fixed.pkl"), target="fixed.pkl")
    def produce() -> int:
        calls.append(1)
        return 5

    @task
    def add_one(x: int) -> int:
        return x + 1

    with Flow("targets") as flow:
        value = produce()
        total = add_one(value)

    with prefect.context(checkpointing=True):
        first = flow.run()
        second = flow.run()
    assert first.is_successful()
    assert second.is_successful(), second.result[value].message
    assert second.result[total].result == 6
    assert calls == [1]  # the second run found the target and read it back
