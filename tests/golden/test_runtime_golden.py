"""Differential test: the runtime's state transitions and log lines against real Prefect runs.

``data/runtime/<version>.json`` was recorded by ``make_golden.py generate-runtime``, running
the flows of ``runtime_scenarios.py`` on real Prefect 0.10.7 and 0.13.19. Here the same
flows run on ``compat`` and must show the same thing, except for the differences listed in
``KNOWN_DIFFERENCES`` (each one with its reason; the docs list them too).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import compat
from compat.utilities.configuration import set_temporary_config
from compat.utilities.logging import configure_logging
from tests.golden.runtime_scenarios import record_all

RUNTIME_DATA = Path(__file__).parent / "data" / "runtime"
SCENARIOS = [
    "cache",
    "chain",
    "handler_errors",
    "flow_handler_error",
    "failure",
    "mapped",
    "looping",
    "retry",
    "skip",
    "stdout",
    "mapped_skip",
    "signal_results",
    "loop_messages",
    "task_logger",
    "trigger_error",
    "executor_error",
    "validator_error",
    "filter_task",
    "branches",
    "switch_all_skipped",
]


def recorded(version: str) -> dict[str, Any]:
    return json.loads((RUNTIME_DATA / f"{version}.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def compat_runs() -> dict[str, Any]:
    """Every scenario run once on compat (INFO logging, no checkpointing)."""
    settings = {"flows.checkpointing": False, "logging.level": "INFO"}
    with set_temporary_config(settings), compat.context(caches={}):
        configure_logging()
        return record_all(compat)


def _drop_flow_rerun_lines(logs: list[list[str]]) -> list[list[str]]:
    """Prefect retries by running the flow runner again; compat retries the task in place."""
    rerun = [
        ["prefect.FlowRunner", "INFO", "Flow run RUNNING: terminal tasks are incomplete."],
        ["prefect.FlowRunner", "INFO", "Beginning Flow run for 'retry'"],
    ]
    for index in range(len(logs) - 1):
        if logs[index : index + 2] == rerun:
            return logs[:index] + logs[index + 2 :]
    return logs


def _drop_flow_rerun_debug_lines(logs: list[list[str]]) -> list[list[str]]:
    """The DEBUG view of the same rerun also says which executor the second pass used."""
    executor = ["prefect.FlowRunner", "DEBUG", "Using executor type LocalExecutor"]
    kept = _drop_flow_rerun_lines(logs)
    if kept != logs:
        index = next(i for i, (a, b) in enumerate(zip(logs, kept)) if a != b)
        if kept[index] == executor:
            kept = kept[:index] + kept[index + 1 :]
    return kept


def _drop_second_mapped_call(transitions: list[list[Any]]) -> list[list[Any]]:
    """0.10.7 called a mapped parent's handlers again (Mapped → Mapped); 0.13.19 does not."""
    return [t for t in transitions if t[2:] != ["Mapped", "Mapped"]]


@pytest.mark.parametrize("scenario", SCENARIOS)
@pytest.mark.parametrize("version", ["0.10.7", "0.13.19"])
def test_state_handlers_see_what_prefect_showed(compat_runs, version, scenario):
    """Every state handler (flow, task, mapped parent and children) sees Prefect's transitions."""
    expected = recorded(version)["scenarios"][scenario]
    got = compat_runs[scenario]
    assert got["final_state"] == expected["final_state"]
    assert got["transitions"] == _drop_second_mapped_call(expected["transitions"])


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_log_lines_are_prefect_0_13s(compat_runs, scenario):
    """Logger names, levels and messages at INFO and up are 0.13.19's (``context.logger`` too)."""
    expected = _drop_flow_rerun_lines(recorded("0.13.19")["scenarios"][scenario]["logs"])
    assert compat_runs[scenario]["logs"] == expected


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_debug_log_lines_are_prefect_0_13s(compat_runs, scenario):
    """At DEBUG too: state changes, the executor, task.run() calls and why a run ended early."""
    expected = _drop_flow_rerun_debug_lines(
        recorded("0.13.19")["scenarios"][scenario]["debug_logs"]
    )
    assert compat_runs[scenario]["debug_logs"] == expected


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_final_task_states_are_prefect_0_13s(compat_runs, scenario):
    """Each task's final state: class, message (a mapped parent's included) and tags."""
    expected = recorded("0.13.19")["scenarios"][scenario]["task_states"]
    assert compat_runs[scenario]["task_states"] == expected


def test_the_recording_covers_the_reported_transitions():
    """The data holds what the issue reported: Pending → Mapped and the loop's transitions."""
    for version in ("0.10.7", "0.13.19"):
        scenarios = recorded(version)["scenarios"]
        assert ["square", None, "Pending", "Mapped"] in scenarios["mapped"]["transitions"]
        loop = [t[2:] for t in scenarios["looping"]["transitions"] if t[0] == "count_up"]
        assert loop[:4] == [
            ["Pending", "Running"],
            ["Running", "Looped"],
            ["Pending", "Running"],
            ["Running", "Looped"],
        ]
