"""The same flow written with legacy handlers, new results, and a mix gives identical output."""

from __future__ import annotations

import itertools
import os
import warnings
from pathlib import Path

import cloudpickle
import pytest

from compat import Flow, Parameter, Task, task
from compat.engine.result_handlers import JSONResultHandler, LocalResultHandler, ResultHandler
from compat.engine.results import LocalResult, PrefectResult, ResultHandlerResult
from compat.engine.results import local_result as local_result_module


def add(x, y=1):
    """Add two numbers."""
    return x + y


def scale(x, factor):
    """Multiply x by factor."""
    return x * factor


def build(flow_option, small_option):
    """The seeds' flow, with a small JSON-stored task; options pick the result spelling."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        add_task = task(add)
        small = task(scale, **small_option)
        with Flow("three ways", **flow_option) as flow:
            factor = Parameter("factor", default=2)
            first = add_task(1, y=2)
            second = add_task(x=first, y=100)
            third = small(second, factor)
    return flow, (factor, first, second, third)


@pytest.fixture
def stable_names(monkeypatch):
    """Replace timestamped file names by a counter, restarted for each run.

    LocalResult(Handler) names files ``prefect-result-<UTC timestamp>``; runs at different
    moments can never share names, so the counter makes the names comparable while the
    naming path (default location → dir/name) stays the real one.
    """
    counter = {"it": itertools.count(1)}

    def fake_name():
        return f"prefect-result-{next(counter['it']):04d}"

    monkeypatch.setattr(local_result_module, "timestamp_file_name", fake_name)

    def restart():
        counter["it"] = itertools.count(1)

    return restart


def snapshot(directory):
    """File name → bytes for every file written under directory."""
    return {name: (directory / name).read_bytes() for name in sorted(os.listdir(directory))}


def test_legacy_new_and_mixed_give_identical_values_and_files(
    tmp_path, checkpointing, stable_names
):
    """Handlers, results and a mix write the same files and produce the same values."""
    dirs = {name: tmp_path / name for name in ("legacy", "new", "mixed")}
    spellings = {
        "legacy": (
            {"result_handler": LocalResultHandler(dir=str(dirs["legacy"]))},
            {"result_handler": JSONResultHandler()},
        ),
        "new": (
            {"result": LocalResult(dir=str(dirs["new"]))},
            {"result": PrefectResult()},
        ),
        "mixed": (
            {"result_handler": LocalResultHandler(dir=str(dirs["mixed"]))},
            {"result": PrefectResult()},
        ),
    }
    outcomes = {}
    for name, (flow_option, small_option) in spellings.items():
        stable_names()
        flow, tasks = build(flow_option, small_option)
        state = flow.run()
        assert state.is_successful()
        outcomes[name] = (
            [state.result[t].result for t in tasks],
            [state.result[t]._result.location for t in (tasks[0], tasks[3])],
            [os.path.basename(state.result[t]._result.location) for t in tasks[1:3]],
            snapshot(dirs[name]),
        )
    assert outcomes["legacy"] == outcomes["new"] == outcomes["mixed"]
    values, json_locations, file_names, files = outcomes["new"]
    assert values == [2, 3, 103, 206]
    assert json_locations == ["2", "206"]
    assert file_names == ["prefect-result-0001", "prefect-result-0002"]
    assert {n: cloudpickle.loads(b) for n, b in files.items()} == {
        "prefect-result-0001": 3,
        "prefect-result-0002": 103,
    }


class TextHandler(ResultHandler):
    """A user's 0.x handler: values as text files in a directory, unaware of Results."""

    def __init__(self, directory):
        self.directory = directory
        self.writes = 0

    def write(self, result):
        self.writes += 1
        path = os.path.join(self.directory, f"value-{self.writes}.txt")
        with open(path, "w") as handle:
            handle.write(repr(result))
        return path

    def read(self, location):
        with open(location) as handle:
            return eval(handle.read())  # test-only: values are literals written above


def test_custom_handler_runs_unchanged_through_result_handler_result(tmp_path, checkpointing):
    """A custom ResultHandler works through ResultHandlerResult: write, safe value, re-read."""
    handler = TextHandler(str(tmp_path))
    flow, tasks = build({"result_handler": handler}, {})  # build() silences the deprecation
    assert isinstance(flow.result, ResultHandlerResult)
    state = flow.run()
    second = state.result[tasks[2]]._result
    assert second.value == 103
    assert second.location == str(tmp_path / "value-2.txt")
    assert second.safe_value.result_handler is handler
    assert repr(second.safe_value) == repr(second.safe_value.__class__(second.location, handler))
    assert (tmp_path / "value-2.txt").read_text() == "103"
    assert flow.result.read(second.location).value == 103


class UpperLocal(LocalResultHandler):
    """A LocalResultHandler subclass whose write also records a marker file."""

    def write(self, result):
        path = super().write(result)
        with open(path + ".marker", "w") as handle:
            handle.write("overridden")
        return path


def test_local_handler_subclass_keeps_its_override(tmp_path, checkpointing):
    """A subclass of LocalResultHandler overriding write is wrapped, not flattened."""
    with pytest.warns(DeprecationWarning, match="result_handler"):
        t = Task(result_handler=UpperLocal(dir=str(tmp_path)))
    assert isinstance(t.result, ResultHandlerResult)

    class Five(Task):
        def run(self):
            return 5

    five = Five(result=t.result)
    with Flow("f") as flow:
        r = five()
    result = flow.run().result[r]._result
    assert result.value == 5
    location = Path(result.location)
    assert location.with_name(location.name + ".marker").read_text() == "overridden"
    assert cloudpickle.loads(location.read_bytes()) == 5
