#!/usr/bin/env python
"""Make the golden files under ``tests/golden/data`` with real Prefect releases, and check
that files written by ``compat`` are accepted by those releases' readers.

CI never runs this script (it installs old Prefect releases from PyPI). Sub-commands:

``python tests/golden/make_golden.py generate [--version V ...]``
    Create (or reuse) one throwaway virtual environment per Prefect release under
    ``tests/golden/.venvs/`` (gitignored), run the generator for that release inside it,
    writing into a temporary directory, replace the temporary directory inside every JSON
    file with ``{GOLDEN_DIR}``, refuse to continue if any machine path is left, and copy the
    result to ``tests/golden/data/<version>/`` (replacing what was there).

``python tests/golden/make_golden.py generate-behaviour``
    Record how 0.10.7 and 0.13.19 behave where ``compat`` is compared with them call by
    call (``Result(cache_for=...)``, a handler returning a non-JSON reference,
    ``State.load_result(handler)``, ``PandasSerializer``) into
    ``tests/golden/data/<version>/behaviour.json``, leaving the other golden data as it is.

``.venv/bin/python tests/golden/make_golden.py check-reverse``
    Run with the project's interpreter (needs ``compat``): write values, files and result
    payloads with ``compat`` into a temporary directory, read them with each old release's
    own readers inside its virtual environment, print a pass/fail table, exit 1 on any
    mismatch.

The ``_generate`` and ``_read`` sub-commands are internal: they run *inside* an old
release's environment. Everything at module level is standard library only, so this file
runs under any of those interpreters; ``prefect`` and ``compat`` are imported inside the
functions that need them.
"""

from __future__ import annotations

import argparse
import datetime
import io
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from golden_values import (
    GOLDEN_DIR_PLACEHOLDER,
    JSON_VALUE_NAMES,
    decode_value,
    encode_value,
    golden_values,
    result_cache_facts,
    same_value,
)

HERE = Path(__file__).resolve().parent
REPO_ROOT = HERE.parents[1]
DATA_DIR = HERE / "data"
VENVS_DIR = HERE / ".venvs"

#: Release -> pip requirements for its throwaway environment (Python 3.11).
#: 0.10.7 caps its own dependencies (marshmallow<=3.5.2, cloudpickle<1.5, pendulum<3).
#: 0.13.19 and 0.15.13 resolve to marshmallow 4 / oneofschema 3.2 / pendulum 3, which break
#: ``import prefect`` (0.13.19) or every state dump (0.15.13), hence the pins.
REQUIREMENTS: dict[str, list[str]] = {
    "0.10.7": ["prefect==0.10.7"],
    "0.13.19": [
        "prefect==0.13.19",
        "marshmallow<4",
        "marshmallow-oneofschema<3.1",
        "pendulum<3",
    ],
    "0.15.13": [
        "prefect==0.15.13",
        "marshmallow<4",
        "marshmallow-oneofschema<3.1",
        "pendulum<3",
    ],
}

Entry = dict[str, Any]


# --------------------------------------------------------------------------------------
# Helpers shared by the generators (run inside the old environments)
# --------------------------------------------------------------------------------------

#: Marks a state whose result holds no task value (failed, retrying, pending, flow runs).
NO_VALUE: Any = object()


@dataclass(frozen=True)
class StateSpec:
    """One state payload to commit: its file name, where it comes from, what it holds."""

    name: str
    source: str  # key in the serialized states of a run (usually the task name)
    how: str
    value: Any = NO_VALUE
    cached_inputs: dict[str, Any] | None = None


def _relative(path: str | os.PathLike[str], out: Path) -> str:
    return Path(path).relative_to(out).as_posix()


def _entry(kind: str, name: str, value: Any, writer: str, **location: str) -> Entry:
    """A manifest entry for one written value; ``location`` is ``path=`` or ``payload=``."""
    return {
        "id": f"{kind}/{name}",
        "kind": kind,
        "value_name": name,
        "value": encode_value(value),
        **location,
        "writer": writer,
    }


def _result_is_recoverable(result_payload: dict[str, Any] | None) -> bool:
    """Whether a serialized ``_result`` points at (or holds) the task's value."""
    if not result_payload:
        return False
    if result_payload.get("type") == "SafeResult":
        return result_payload.get("value") is not None
    return result_payload.get("location") is not None


def write_states(
    out: Path, run: str, payloads: dict[str, dict[str, Any]], specs: list[StateSpec]
) -> list[Entry]:
    """Write ``states/<name>.json`` for each spec; return their manifest entries."""
    (out / "states").mkdir(parents=True, exist_ok=True)
    entries = []
    for spec in specs:
        payload = payloads[spec.source]
        path = out / "states" / f"{spec.name}.json"
        path.write_text(json.dumps(payload, indent=2, sort_keys=True) + "\n", encoding="utf-8")
        result_payload = payload.get("_result")
        has_value = spec.value is not NO_VALUE
        entry: Entry = {
            "id": f"state/{spec.name}",
            "kind": "state",
            "path": _relative(path, out),
            "writer": f"{run}: {spec.how}",
            "state_type": payload["type"],
            "result_type": result_payload["type"] if result_payload else None,
            "recoverable": has_value and _result_is_recoverable(result_payload),
        }
        if has_value:
            entry["value"] = encode_value(spec.value)
        if spec.cached_inputs is not None:
            entry["cached_inputs"] = {k: encode_value(v) for k, v in spec.cached_inputs.items()}
        entries.append(entry)
    return entries


def serialized_task_states(flow_state: Any) -> dict[str, dict[str, Any]]:
    """``state.serialize()`` of every task state of a flow run, by task name."""
    return {task.name: state.serialize() for task, state in flow_state.result.items()}


def state_recorder(sink: dict[str, Any]) -> Callable[[Any, Any, Any], Any]:
    """A task state handler that keeps the first serialized state of each state type."""

    def record(task: Any, old_state: Any, new_state: Any) -> Any:
        sink.setdefault(type(new_state).__name__, new_state.serialize())
        return new_state

    return record


def fail_first_attempt(value: Any) -> Callable[..., Any]:
    """A task body that raises on its first run and returns ``value`` on the next."""

    def body(x: Any) -> Any:
        import prefect

        if prefect.context.get("task_run_count", 1) < 2:
            raise RuntimeError("first attempt fails")
        return value

    return body


def raise_value_error() -> None:
    raise ValueError("boom")


def constant(value: Any) -> Callable[[], Any]:
    """A task body without inputs that returns ``value``."""

    def body() -> Any:
        return value

    return body


def constant_with_input(value: Any) -> Callable[[Any], Any]:
    """A task body with one (ignored) input ``x`` that returns ``value``."""

    def body(x: Any) -> Any:
        return value

    return body


class CapturingS3Client:
    """Stands in for boto3 in the generator only: keeps uploaded bytes, serves downloads."""

    def __init__(self) -> None:
        self.objects: dict[str, bytes] = {}

    def upload_fileobj(self, stream: io.BytesIO, Bucket: str, Key: str) -> None:
        self.objects[Key] = stream.read()

    def download_fileobj(self, Bucket: str, Key: str, Fileobj: io.BytesIO) -> None:
        Fileobj.write(self.objects[Key])


# --------------------------------------------------------------------------------------
# 0.10.7: legacy handlers (each function runs inside that release's environment)
# --------------------------------------------------------------------------------------


def legacy_handler_files(out: Path, values: dict[str, Any]) -> list[Entry]:
    """``LocalResultHandler(dir=...).write(v)`` for every value."""
    from prefect.engine.result_handlers import LocalResultHandler

    directory = out / "handler-files"
    handler = LocalResultHandler(dir=str(directory))
    writer = f"LocalResultHandler(dir='{directory}').write(value)"
    return [
        _entry("local_handler_file", name, value, writer, path=_relative(handler.write(value), out))
        for name, value in values.items()
    ]


def legacy_json_strings(values: dict[str, Any]) -> list[Entry]:
    """``JSONResultHandler().write(v)`` for every JSON value."""
    from prefect.engine.result_handlers import JSONResultHandler

    writer = "JSONResultHandler().write(value)"
    return [
        _entry(
            "json_handler_string",
            name,
            values[name],
            writer,
            payload=JSONResultHandler().write(values[name]),
        )
        for name in JSON_VALUE_NAMES
    ]


def legacy_cloud_payloads(out: Path, values: dict[str, Any]) -> list[Entry]:
    """The bytes ``S3ResultHandler.write(v)`` uploads (boto3 stubbed), one file per value."""
    import prefect
    from prefect.engine.result import Result
    from prefect.engine.result_handlers import S3ResultHandler

    directory = out / "cloud-payloads"
    directory.mkdir()
    handler = S3ResultHandler(bucket="golden-bucket")
    client = CapturingS3Client()
    handler.client = client
    writer = "S3ResultHandler(bucket).write(value): the bytes given to upload_fileobj"
    entries = []
    with prefect.context(boto3client=client):
        for name, value in values.items():
            data = client.objects[handler.write(value)]
            if data != Result.serialize_to_bytes(value):
                raise AssertionError(f"S3 handler payload for {name} is not base64(cloudpickle)")
            path = directory / f"{name}.b64"
            path.write_bytes(data)
            entries.append(
                _entry("cloud_handler_payload", name, value, writer, path=_relative(path, out))
            )
    return entries


def legacy_flow_states(out: Path, values: dict[str, Any]) -> list[Entry]:
    """States of a 0.10.7 flow run with checkpointing: task/flow handlers, retries, failure."""
    import prefect
    from prefect import Flow, Parameter, task
    from prefect.engine.result_handlers import JSONResultHandler, LocalResultHandler

    task_dir = out / "state-results" / "task-handler"
    flow_dir = out / "state-results" / "flow-handler"
    recorded: dict[str, Any] = {}
    retry = {"max_retries": 1, "retry_delay": datetime.timedelta(seconds=0)}
    local_task = task(
        constant(values["nested_dict"]),
        name="local_task",
        result_handler=LocalResultHandler(dir=str(task_dir)),
    )
    json_task = task(
        constant_with_input(values["list"]), name="json_task", result_handler=JSONResultHandler()
    )
    with Flow("golden-legacy", result_handler=LocalResultHandler(dir=str(flow_dir))) as flow:
        upstream = local_task()
        json_task(upstream)
        task(constant(values["tuple"]), name="flow_handler_task")()
        task(constant(None), name="returns_none")()
        task(constant(values["int"]), name="not_checkpointed", checkpoint=False)()
        task(raise_value_error, name="fails")()
        retried = task(
            fail_first_attempt(values["str_unicode"]),
            name="retried",
            state_handlers=[state_recorder(recorded)],
            **retry,
        )
        retried(upstream)
    flow.add_task(Parameter("p", default=3))
    with prefect.context(checkpointing=True):
        flow_state = flow.run()
    payloads = {
        **serialized_task_states(flow_state),
        "flow": flow_state.serialize(),
        "Retrying": recorded["Retrying"],
    }
    cached = {"x": values["nested_dict"]}
    specs = [
        StateSpec(
            "local-handler-success",
            "local_task",
            f"Task(result_handler=LocalResultHandler(dir='{task_dir}'))",
            values["nested_dict"],
        ),
        StateSpec(
            "json-handler-success-with-cached-input",
            "json_task",
            "Task(result_handler=JSONResultHandler()), one upstream input",
            values["list"],
            cached,
        ),
        StateSpec(
            "flow-handler-success",
            "flow_handler_task",
            f"Flow(result_handler=LocalResultHandler(dir='{flow_dir}'))",
            values["tuple"],
        ),
        StateSpec("parameter-success", "p", "Parameter (JSONResultHandler)", 3),
        StateSpec("none-value-success", "returns_none", "task returned None (never stored)", None),
        StateSpec(
            "not-checkpointed-success", "not_checkpointed", "checkpoint=False", values["int"]
        ),
        StateSpec("failed", "fails", "task raised ValueError"),
        StateSpec(
            "retrying-with-cached-input",
            "Retrying",
            "Retrying state (seen by a state handler)",
            cached_inputs=cached,
        ),
        StateSpec(
            "retried-success", "retried", "success on the second attempt", values["str_unicode"]
        ),
        StateSpec("flow-run-state", "flow", "the flow run's own state"),
    ]
    return write_states(out, "0.10.7 flow.run() with checkpointing", payloads, specs)


def legacy_single_task_states(out: Path, values: dict[str, Any]) -> list[Entry]:
    """A flow-level JSONResultHandler, and a run with checkpointing off."""
    import prefect
    from prefect import Flow, task
    from prefect.engine.result_handlers import JSONResultHandler, LocalResultHandler

    with Flow("golden-legacy-json", result_handler=JSONResultHandler()) as json_flow:
        task(constant(values["nested_dict"]), name="json_flow_task")()
    with prefect.context(checkpointing=True):
        checkpointed = serialized_task_states(json_flow.run())

    handler = LocalResultHandler(dir=str(out / "state-results" / "task-handler"))
    with Flow("golden-legacy-no-checkpointing") as plain_flow:
        task(constant(values["int"]), name="unhandled_task", result_handler=handler)()
    with prefect.context(checkpointing=False):
        unchecked = serialized_task_states(plain_flow.run())

    spec_json = StateSpec(
        "flow-json-handler-success",
        "json_flow_task",
        "checkpointing on, Flow(result_handler=JSONResultHandler())",
        values["nested_dict"],
    )
    spec_off = StateSpec(
        "checkpointing-off-success",
        "unhandled_task",
        "checkpointing off, Task(result_handler=LocalResultHandler(...)) never called",
        values["int"],
    )
    return [
        *write_states(out, "0.10.7 flow.run()", checkpointed, [spec_json]),
        *write_states(out, "0.10.7 flow.run()", unchecked, [spec_off]),
    ]


def legacy_custom_and_s3_states(out: Path, values: dict[str, Any]) -> list[Entry]:
    """A custom handler and an S3 handler; S3 uploads are kept under ``s3/<bucket>/<key>``."""
    import prefect
    from prefect import Flow, task
    from prefect.engine.result_handlers import S3ResultHandler

    s3_handler = S3ResultHandler(bucket="golden-bucket")
    client = CapturingS3Client()
    s3_handler.client = client
    custom_handler = golden_custom_handler_class()()
    with Flow("golden-legacy-custom-and-s3") as flow:
        task(
            constant(values["nested_dict"]),
            name="custom_handler_task",
            result_handler=custom_handler,
        )()
        task(constant(values["tuple"]), name="s3_handler_task", result_handler=s3_handler)()
    with prefect.context(checkpointing=True, boto3client=client):
        payloads = serialized_task_states(flow.run())
    for key, data in client.objects.items():
        path = out / "s3" / s3_handler.bucket / key
        path.parent.mkdir(parents=True)
        path.write_bytes(data)
    specs = [
        StateSpec(
            "custom-handler-success",
            "custom_handler_task",
            "Task(result_handler=GoldenCustomHandler()) (CustomResultHandler payload)",
            values["nested_dict"],
        ),
        StateSpec(
            "s3-handler-success",
            "s3_handler_task",
            "Task(result_handler=S3ResultHandler('golden-bucket')), upload stubbed",
            values["tuple"],
        ),
    ]
    return write_states(out, "0.10.7 flow.run() with checkpointing", payloads, specs)


def generate_0_10_7(out: Path) -> list[Entry]:
    """Legacy handlers: Local/JSON/S3 handler output and SafeResult state payloads."""
    values = golden_values()
    return [
        *legacy_handler_files(out, values),
        *legacy_json_strings(values),
        *legacy_cloud_payloads(out, values),
        *legacy_flow_states(out, values),
        *legacy_single_task_states(out, values),
        *legacy_custom_and_s3_states(out, values),
    ]


# --------------------------------------------------------------------------------------
# 0.13.19: results, with handlers converted at runtime
# --------------------------------------------------------------------------------------


def golden_custom_handler_class() -> type:
    """A custom legacy handler: ``write`` gives ``"loc-" + json.dumps(value)``."""
    from prefect.engine.result_handlers import ResultHandler

    class GoldenCustomHandler(ResultHandler):
        def write(self, result: Any) -> str:
            return "loc-" + json.dumps(result)

        def read(self, loc: str) -> Any:
            return json.loads(loc[len("loc-") :])

    return GoldenCustomHandler


def generate_0_13_19(out: Path) -> list[Entry]:
    """State payloads of two runs of one flow: results, converted handlers, cache, retry."""
    import prefect
    from prefect import Flow, Parameter, task
    from prefect.engine.result_handlers import LocalResultHandler
    from prefect.engine.results import LocalResult, PrefectResult

    values = golden_values()
    results = out / "state-results"
    recorded: dict[str, Any] = {}
    local_task = task(
        constant(values["nested_dict"]),
        name="local_result_task",
        result=LocalResult(dir=str(results / "local-result")),
    )
    prefect_task = task(
        constant_with_input(values["list"]), name="prefect_result_task", result=PrefectResult()
    )
    flow_handler = LocalResultHandler(dir=str(results / "flow-handler"))
    with Flow("golden-0-13", result_handler=flow_handler) as flow:
        upstream = local_task()
        prefect_task(upstream)
        task(
            constant(values["tuple"]),
            name="converted_handler_task",
            result_handler=LocalResultHandler(dir=str(results / "converted-handler")),
        )()
        task(
            constant(values["nested_dict"]),
            name="custom_handler_task",
            result_handler=golden_custom_handler_class()(),
        )()
        task(constant(values["bytes"]), name="flow_result_task")()
        task(
            constant(values["str_unicode"]),
            name="cached_task",
            cache_for=datetime.timedelta(days=3650),
            result=LocalResult(dir=str(results / "cached")),
        )()
        task(
            fail_first_attempt(values["int"]),
            name="retried",
            max_retries=1,
            retry_delay=datetime.timedelta(seconds=0),
            state_handlers=[state_recorder(recorded)],
            result=LocalResult(dir=str(results / "retried")),
        )(upstream)
        task(raise_value_error, name="fails")()
    flow.add_task(Parameter("p", default=3))
    with prefect.context(checkpointing=True):
        first = serialized_task_states(flow.run())
        second = serialized_task_states(flow.run())
    payloads = {**first, "cached_task_again": second["cached_task"], **recorded}
    specs = [
        StateSpec(
            "local-result-success",
            "local_result_task",
            f"Task(result=LocalResult(dir='{results}/local-result'))",
            values["nested_dict"],
        ),
        StateSpec(
            "prefect-result-success",
            "prefect_result_task",
            "Task(result=PrefectResult())",
            values["list"],
        ),
        StateSpec(
            "converted-local-handler-success",
            "converted_handler_task",
            "Task(result_handler=LocalResultHandler(dir=...)) converted to LocalResult",
            values["tuple"],
        ),
        StateSpec(
            "custom-handler-success",
            "custom_handler_task",
            "Task(result_handler=GoldenCustomHandler()) wrapped as ResultHandlerResult",
            values["nested_dict"],
        ),
        StateSpec(
            "flow-handler-success",
            "flow_result_task",
            "Flow(result_handler=LocalResultHandler(dir=...)) converted to LocalResult",
            values["bytes"],
        ),
        StateSpec("parameter-success", "p", "Parameter (PrefectResult)", 3),
        StateSpec(
            "cached-first-run",
            "cached_task",
            "Task(cache_for=...), first run",
            values["str_unicode"],
        ),
        StateSpec(
            "cached-second-run",
            "cached_task_again",
            "Task(cache_for=...), second run uses the cache",
            values["str_unicode"],
        ),
        StateSpec("retrying", "Retrying", "Retrying state (seen by a state handler)"),
        StateSpec("retried-success", "retried", "success on the second attempt", values["int"]),
        StateSpec("failed", "fails", "task raised ValueError"),
    ]
    return write_states(out, "0.13.19 flow.run() with checkpointing", payloads, specs)


# --------------------------------------------------------------------------------------
# 0.15.13: results only
# --------------------------------------------------------------------------------------


def local_result_files(out: Path, values: dict[str, Any]) -> list[Entry]:
    """``LocalResult(dir=...).write(v)``, default names and a templated location."""
    from prefect.engine.results import LocalResult

    default_dir = out / "local-result"
    templated_dir = out / "local-result-templated"
    template = "{flow_name}/{value_name}.pkl"
    default_writer = f"LocalResult(dir='{default_dir}').write(value).location"
    templated_writer = (
        f"LocalResult(dir='{templated_dir}', location='{template}')"
        ".write(value, flow_name='golden', value_name=<name>).location"
    )
    entries = []
    for name, value in values.items():
        written = LocalResult(dir=str(default_dir)).write(value)
        path = _relative(written.location, out)
        entries.append(_entry("local_result_file", name, value, default_writer, path=path))
    for name, value in values.items():
        result = LocalResult(dir=str(templated_dir), location=template)
        written = result.write(value, flow_name="golden", value_name=name)
        path = _relative(written.location, out)
        entry = _entry("local_result_file", name, value, templated_writer, path=path)
        entries.append({**entry, "id": f"local_result_file_templated/{name}"})
    return entries


def prefect_result_locations(values: dict[str, Any]) -> list[Entry]:
    """``PrefectResult().write(v).location`` for every JSON value."""
    from prefect.engine.results import PrefectResult

    writer = "PrefectResult().write(value).location"
    return [
        _entry(
            "prefect_result_location",
            name,
            values[name],
            writer,
            payload=PrefectResult().write(values[name]).location,
        )
        for name in JSON_VALUE_NAMES
    ]


def result_flow_states(out: Path, values: dict[str, Any]) -> list[Entry]:
    """States of two runs of one 0.15.13 flow: results, mapping, cache, target, failure."""
    import prefect
    from prefect import Flow, Parameter, task
    from prefect.engine.result import NoResult
    from prefect.engine.results import LocalResult, PrefectResult
    from prefect.engine.state import Pending, Success

    results = out / "state-results"
    mapped_result = LocalResult(dir=str(results / "mapped"), location="{task_name}-{map_index}.pkl")
    local_task = task(
        constant(values["nested_dict"]),
        name="local_result_task",
        result=LocalResult(dir=str(results / "local-result")),
    )
    prefect_task = task(
        constant_with_input(values["list"]), name="prefect_result_task", result=PrefectResult()
    )
    with Flow("golden-0-15") as flow:
        prefect_task(local_task())
        task(
            constant(values["int"]),
            name="not_checkpointed",
            checkpoint=False,
            result=LocalResult(dir=str(results / "never")),
        )()
        task(constant(values["int"]), name="no_result_configured")()
        task(constant(None), name="returns_none", result=LocalResult(dir=str(results / "none")))()
        numbers = task(constant([10, 20, 30]), name="numbers")()
        task(lambda x: x + 1, name="add_one", result=mapped_result).map(numbers)
        task(
            constant(values["str_unicode"]),
            name="cached_task",
            cache_for=datetime.timedelta(days=3650),
            result=LocalResult(dir=str(results / "cached")),
        )()
        task(
            constant(values["tuple"]),
            name="target_task",
            target="{task_name}.pkl",
            result=LocalResult(dir=str(results / "target")),
        )()
        task(raise_value_error, name="fails")()
    flow.add_task(Parameter("p", default=3))
    with prefect.context(checkpointing=True):
        first_run = flow.run()
        second = serialized_task_states(flow.run())
    mapped_children = {
        f"add_one[{index}]": child.serialize()
        for index, child in enumerate(
            first_run.result[flow.get_tasks(name="add_one")[0]].map_states
        )
    }
    payloads = {
        **serialized_task_states(first_run),
        **mapped_children,
        "cached_task_again": second["cached_task"],
        "target_task_again": second["target_task"],
        "flow": first_run.serialize(),
        "no_result": Success(message="constructed directly", result=NoResult).serialize(),
        "pending": Pending(message="constructed directly").serialize(),
    }
    specs = [
        StateSpec(
            "local-result-success",
            "local_result_task",
            f"Task(result=LocalResult(dir='{results}/local-result'))",
            values["nested_dict"],
        ),
        StateSpec(
            "prefect-result-success",
            "prefect_result_task",
            "Task(result=PrefectResult())",
            values["list"],
        ),
        StateSpec("parameter-success", "p", "Parameter (PrefectResult)", 3),
        StateSpec(
            "not-checkpointed-success",
            "not_checkpointed",
            "Task(checkpoint=False, result=LocalResult(...))",
            values["int"],
        ),
        StateSpec(
            "no-result-configured-success",
            "no_result_configured",
            "no result on task or flow",
            values["int"],
        ),
        StateSpec("none-value-success", "returns_none", "task returned None", None),
        StateSpec("mapped-parent", "add_one", "Mapped parent state", [11, 21, 31]),
        *(
            StateSpec(
                f"mapped-child-{index}",
                f"add_one[{index}]",
                "mapped child, LocalResult(location='{task_name}-{map_index}.pkl')",
                expected,
            )
            for index, expected in enumerate([11, 21, 31])
        ),
        StateSpec(
            "cached-second-run",
            "cached_task_again",
            "Task(cache_for=...), second run uses the cache",
            values["str_unicode"],
        ),
        StateSpec(
            "target-first-run",
            "target_task",
            "Task(target='{task_name}.pkl'), first run writes the target",
            values["tuple"],
        ),
        StateSpec(
            "target-second-run",
            "target_task_again",
            "Task(target='{task_name}.pkl'), second run finds the target (Cached)",
            values["tuple"],
        ),
        StateSpec("failed", "fails", "task raised ValueError"),
        StateSpec("no-result-success", "no_result", "Success(result=NoResult).serialize()"),
        StateSpec("pending", "pending", "Pending().serialize()"),
        StateSpec("flow-run-state", "flow", "the flow run's own state"),
    ]
    return write_states(out, "0.15.13 flow.run() with checkpointing", payloads, specs)


def generate_0_15_13(out: Path) -> list[Entry]:
    """Results only: LocalResult files, PrefectResult strings, state payloads."""
    values = golden_values()
    return [
        *local_result_files(out, values),
        *prefect_result_locations(values),
        *result_flow_states(out, values),
    ]


GENERATORS: dict[str, Callable[[Path], list[Entry]]] = {
    "0.10.7": generate_0_10_7,
    "0.13.19": generate_0_13_19,
    "0.15.13": generate_0_15_13,
}


def _inside_release(version: str, out: Path) -> None:
    """Stop unless this interpreter runs Prefect ``version``; create ``out``."""
    import prefect

    if prefect.__version__ != version:
        raise SystemExit(f"expected prefect {version}, found {prefect.__version__}")
    out.mkdir(parents=True, exist_ok=True)


def run_generator(version: str, out: Path) -> None:
    """Entry point of ``_generate``: runs inside the release's own environment."""
    _inside_release(version, out)
    entries = GENERATORS[version](out)
    manifest = {
        "prefect_version": version,
        "generator": "tests/golden/make_golden.py generate",
        "python": ".".join(map(str, sys.version_info[:3])),
        "placeholder": GOLDEN_DIR_PLACEHOLDER,
        "requirements": REQUIREMENTS[version],
        "entries": entries,
    }
    (out / "manifest.json").write_text(manifest_text(manifest), encoding="utf-8")


def manifest_text(manifest: dict[str, Any]) -> str:
    """Pretty header, one line per entry (keeps big values from taking a line per item)."""
    lines = ["{"]
    for key, value in manifest.items():
        if key != "entries":
            lines.append(f"  {json.dumps(key)}: {json.dumps(value, ensure_ascii=False)},")
    entries = [json.dumps(entry, ensure_ascii=False) for entry in manifest["entries"]]
    lines.append('  "entries": [')
    lines.append(",\n".join(f"    {entry}" for entry in entries))
    lines.append("  ]")
    lines.append("}")
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------------------
# Behaviour records (run inside the old environments): facts compat is compared with
# --------------------------------------------------------------------------------------

#: Packages the behaviour records need on top of ``REQUIREMENTS``.
BEHAVIOUR_REQUIREMENTS: dict[str, list[str]] = {"0.10.7": [], "0.13.19": ["pandas"]}

#: The DataFrame the ``PandasSerializer`` records use, column by column.
PANDAS_FRAME: dict[str, list[Any]] = {
    "n": [1, 2, 3],
    "x": [0.5, -1.0, 2.25],
    "name": ["a", "bé", "c"],
}

#: ``(case name, file_type, deserialize_kwargs, serialize_kwargs)`` recorded on 0.13.19.
PANDAS_CASES: list[tuple[str, str, dict[str, Any] | None, dict[str, Any] | None]] = [
    ("csv-no-index", "csv", None, {"index": False}),
    ("csv-index-col", "csv", {"index_col": 0}, None),
    ("csv-sep", "csv", {"sep": ";"}, {"sep": ";", "index": False}),
    ("json-records", "json", {"orient": "records"}, {"orient": "records"}),
]


def _outcome(call: Callable[[], Any]) -> dict[str, Any]:
    """``{"returned": repr}`` or ``{"raised": "Type: message"}`` of one call."""
    try:
        return {"returned": repr(call())}
    except Exception as exc:
        return {"raised": f"{type(exc).__name__}: {exc}"}


def behaviour_0_10_7(out: Path) -> dict[str, Any]:
    """``Result``'s 0.10 keywords, and a handler whose reference is not JSON."""
    import prefect
    from prefect import Flow, task
    from prefect.engine.cache_validators import all_inputs
    from prefect.engine.result import Result
    from prefect.engine.result_handlers import JSONResultHandler, ResultHandler

    result_args = result_cache_facts(Result, JSONResultHandler, all_inputs)

    class SetReferenceHandler(ResultHandler):
        def write(self, result: Any) -> Any:
            return {1, 2}

        def read(self, loc: Any) -> Any:
            return None

    with Flow("golden-non-json-reference") as flow:
        produced = task(constant(3), name="produce", result_handler=SetReferenceHandler())()
        consumed = task(lambda x: x + 1, name="consume")(produced)
    with prefect.context(checkpointing=True):
        flow_state = flow.run()
    task_state = flow_state.result[produced]
    non_json = {
        "task_state": type(task_state).__name__,
        "downstream_state": type(flow_state.result[consumed]).__name__,
        "flow_state": type(flow_state).__name__,
        "safe_value": repr(task_state._result.safe_value),
        "serialize": _outcome(task_state.serialize),
    }
    return {
        "result_cache_arguments": result_args,
        "non_json_reference": non_json,
        "readme_snippet": readme_snippet_outputs(out / "readme"),
    }


#: The README's first snippet runs checkpointed for one run inside this block.
README_ONE_RUN = "with context(checkpointing=True):\n    state = flow.run()\n"


def readme_snippet_outputs(workdir: Path) -> dict[str, str]:
    """The README's first snippet, imports turned back into ``prefect``: what it prints
    as written, and with checkpointing left off (``flow.run()`` outside the block)."""
    import contextlib
    import re

    text = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    match = re.search(r"```python\n(.*?)```", text, re.S)
    if match is None:
        raise SystemExit("README.md has no python snippet")
    code = re.sub(r"\bcompat\b", "prefect", match.group(1))
    variants = {
        "as_written": code,
        "checkpointing_off": code.replace(README_ONE_RUN, "state = flow.run()\n"),
    }
    outputs = {}
    for name, source in variants.items():
        run_dir = workdir / name
        run_dir.mkdir(parents=True)
        printed = io.StringIO()
        previous = os.getcwd()
        os.chdir(run_dir)
        try:
            with contextlib.redirect_stdout(printed):
                exec(compile(source, "README.md", "exec"), {"__name__": "__readme__"})
        finally:
            os.chdir(previous)
        outputs[name] = printed.getvalue().replace(str(run_dir), "<cwd>")
    return outputs


def behaviour_0_13_19(out: Path) -> dict[str, Any]:
    """``State.load_result`` with a handler or junk, and ``PandasSerializer``."""
    import pandas as pd
    from prefect.engine.result_handlers import LocalResultHandler
    from prefect.engine.results import LocalResult
    from prefect.engine.serializers import PandasSerializer
    from prefect.engine.state import Success
    from prefect.serialization.state import StateSchema

    values = golden_values()
    directory = out / "load-result"
    written = LocalResult(dir=str(directory)).write(values["nested_dict"])
    payload = StateSchema().dump(Success("ok", result=written))

    def loaded_with(reader: Any) -> Any:
        state = StateSchema().load(payload)
        state.load_result(reader)
        return state

    with_handler = loaded_with(LocalResultHandler(dir=str(directory)))
    load_result = {
        "handler_value": encode_value(with_handler.result),
        "handler_result_type": type(with_handler._result).__name__,
        "junk_str": _outcome(lambda: loaded_with("junk")),
        "junk_int": _outcome(lambda: loaded_with(42)),
        "junk_with_value_present": _outcome(lambda: Success(result=7).load_result("junk")),
    }

    frame = pd.DataFrame(PANDAS_FRAME)
    cases: dict[str, Any] = {}
    for name, file_type, deserialize_kwargs, serialize_kwargs in PANDAS_CASES:
        serializer = PandasSerializer(file_type, deserialize_kwargs, serialize_kwargs)
        data = serializer.serialize(frame)
        back = serializer.deserialize(data)
        cases[name] = {
            "file_type": file_type,
            "deserialize_kwargs": deserialize_kwargs,
            "serialize_kwargs": serialize_kwargs,
            "bytes": encode_value(data),
            "read_back": {"columns": list(back.columns), "rows": back.values.tolist()},
        }
    same = PandasSerializer("csv", {"sep": ";"}, {"index": False})
    pandas_facts = {
        "pandas_version": pd.__version__,
        "cases": cases,
        "unknown_type": _outcome(lambda: PandasSerializer("nope")),
        "sql_type": _outcome(lambda: type(PandasSerializer("sql")).__name__),
        "equality": {
            "same_settings": same == PandasSerializer("csv", {"sep": ";"}, {"index": False}),
            "other_type": same == PandasSerializer("json", {"sep": ";"}, {"index": False}),
            "other_deserialize_kwargs": same == PandasSerializer("csv", {}, {"index": False}),
            "other_serialize_kwargs": same == PandasSerializer("csv", {"sep": ";"}, {}),
        },
        "series": _outcome(lambda: PandasSerializer("csv").serialize(pd.Series([1, 2]))),
    }
    return {"load_result": load_result, "pandas_serializer": pandas_facts}


BEHAVIOURS: dict[str, Callable[[Path], dict[str, Any]]] = {
    "0.10.7": behaviour_0_10_7,
    "0.13.19": behaviour_0_13_19,
}


def run_behaviour(version: str, out: Path) -> None:
    """Entry point of ``_behaviour``: runs inside the release's own environment."""
    _inside_release(version, out)
    record = {
        "prefect_version": version,
        "generator": "tests/golden/make_golden.py generate-behaviour",
        "python": ".".join(map(str, sys.version_info[:3])),
        "requirements": REQUIREMENTS[version] + BEHAVIOUR_REQUIREMENTS[version],
        **BEHAVIOURS[version](out),
    }
    text = json.dumps(record, indent=2, ensure_ascii=False, sort_keys=False) + "\n"
    (out / "behaviour.json").write_text(text, encoding="utf-8")


# --------------------------------------------------------------------------------------
# Driver (runs with any Python 3.10+)
# --------------------------------------------------------------------------------------


def venv_python(version: str) -> Path:
    return VENVS_DIR / f"prefect-{version}" / "bin" / "python"


def ensure_venv(version: str) -> Path:
    """Create the release's throwaway environment if it is missing; return its python."""
    python = venv_python(version)
    if not python.exists():
        print(f"creating {python.parent.parent.relative_to(HERE)} ...", flush=True)
        subprocess.run([sys.executable, "-m", "venv", str(python.parent.parent)], check=True)
        subprocess.run(
            [str(python), "-m", "pip", "install", "--quiet", *REQUIREMENTS[version]],
            check=True,
        )
    return python


def old_prefect_env(home: Path) -> dict[str, str]:
    """Environment for running an old release: quiet logs, its home dir in a temp dir."""
    env = dict(os.environ)
    env.update(
        {
            "PREFECT__HOME_DIR": str(home),
            "PREFECT__LOGGING__LEVEL": "CRITICAL",
            "PYTHONWARNINGS": "ignore",
            "PYTHONHASHSEED": "0",
        }
    )
    return env


def scrub_machine_paths(out: Path, prefixes: Iterable[str]) -> None:
    """Replace ``out`` inside every JSON file by the placeholder; fail on leftovers."""
    needle = str(out)
    for path in sorted(out.rglob("*.json")):
        text = path.read_text(encoding="utf-8").replace(needle, GOLDEN_DIR_PLACEHOLDER)
        path.write_text(text, encoding="utf-8")
    for path in sorted(p for p in out.rglob("*") if p.is_file()):
        data = path.read_bytes()
        for prefix in prefixes:
            if prefix.encode() in data:
                raise SystemExit(f"machine path {prefix!r} left in {path.relative_to(out)}")


def generate(versions: list[str]) -> None:
    for version in versions:
        python = ensure_venv(version)
        with tempfile.TemporaryDirectory(prefix="golden-") as tmp:
            tmp_path = Path(tmp)
            out = tmp_path / version
            command = [str(python), str(Path(__file__).resolve()), "_generate", version, str(out)]
            env = old_prefect_env(tmp_path / "prefect-home")
            subprocess.run(command, check=True, env=env)
            scrub_machine_paths(out, [tmp, str(Path.home()), str(REPO_ROOT)])
            target = DATA_DIR / version
            if target.exists():
                shutil.rmtree(target)
            shutil.copytree(out, target)
        manifest = json.loads((target / "manifest.json").read_text(encoding="utf-8"))
        size = sum(p.stat().st_size for p in target.rglob("*") if p.is_file())
        print(f"{version}: {len(manifest['entries'])} entries, {size / 1024:.0f} KiB")


def generate_behaviour(versions: list[str]) -> None:
    """Write ``data/<version>/behaviour.json`` only; the rest of the golden data stays."""
    for version in versions:
        python = ensure_venv(version)
        if BEHAVIOUR_REQUIREMENTS[version]:
            subprocess.run(
                [str(python), "-m", "pip", "install", "--quiet", *BEHAVIOUR_REQUIREMENTS[version]],
                check=True,
            )
        with tempfile.TemporaryDirectory(prefix="golden-") as tmp:
            out = Path(tmp) / version
            command = [str(python), str(Path(__file__).resolve()), "_behaviour", version, str(out)]
            subprocess.run(command, check=True, env=old_prefect_env(Path(tmp) / "prefect-home"))
            scrub_machine_paths(out, [tmp, str(Path.home()), str(REPO_ROOT)])
            (DATA_DIR / version).mkdir(parents=True, exist_ok=True)
            shutil.copyfile(out / "behaviour.json", DATA_DIR / version / "behaviour.json")
        print(f"{version}: behaviour.json written")


# --------------------------------------------------------------------------------------
# Reverse direction: compat writes (project environment), old Prefect reads (old envs)
# --------------------------------------------------------------------------------------

#: Marker used as the expected value of payloads that must load as "no result".
NO_RESULT = {"$no_result": True}


def _job(group: str, name: str, reader: str, arg: Any, value: Any, versions: list[str]) -> Entry:
    expected = NO_RESULT if value is NO_RESULT else encode_value(value)
    return {
        "group": group,
        "id": f"{group}/{name}",
        "reader": reader,
        "arg": arg,
        "value": expected,
        "versions": versions,
    }


def compat_jobs(tmp: Path) -> list[Entry]:
    """Write every value with ``compat`` into ``tmp``; return what each old reader must get."""
    from compat.engine.result import NoResult, Result
    from compat.engine.result_handlers import JSONResultHandler, LocalResultHandler
    from compat.engine.results import LocalResult, PrefectResult
    from compat.engine.serializers import Base64PickleSerializer
    from compat.serialization.result import dump_result

    values = golden_values()
    legacy, new, every = ["0.10.7", "0.13.19"], ["0.13.19", "0.15.13"], list(GENERATORS)
    jobs: list[Entry] = []
    handler = LocalResultHandler(dir=str(tmp / "handler"))
    for name, value in values.items():
        path = handler.write(value)
        group = "compat LocalResultHandler.write"
        jobs.append(_job(group, name, "local_handler_read", path, value, legacy))
        jobs.append(_job(group, name, "local_result_read", path, value, new))
    for name, value in values.items():
        location = LocalResult(dir=str(tmp / "result")).write(value).location
        group = "compat LocalResult.write"
        jobs.append(_job(group, name, "local_result_read", location, value, new))
        jobs.append(_job(group, name, "local_handler_read", location, value, legacy))
    for name in JSON_VALUE_NAMES:
        text = JSONResultHandler().write(values[name])
        group = "compat JSONResultHandler.write"
        jobs.append(_job(group, name, "json_handler_read", text, values[name], legacy))
        jobs.append(_job(group, name, "prefect_result_read", text, values[name], new))
    for name in JSON_VALUE_NAMES:
        text = PrefectResult().write(values[name]).location
        group = "compat PrefectResult.write"
        jobs.append(_job(group, name, "prefect_result_read", text, values[name], new))
        jobs.append(_job(group, name, "json_handler_read", text, values[name], legacy))
    for name, value in values.items():
        payload = Base64PickleSerializer().serialize(value).decode("ascii")
        group = "compat cloud handler payload (Base64PickleSerializer)"
        jobs.append(_job(group, name, "base64_payload_read", payload, value, every))

    group = "compat dump_result payload"
    local_safe = Result(values["nested_dict"], result_handler=handler)
    local_safe.store_safe_value()
    jobs.append(
        _job(
            group,
            "SafeResult-local",
            "result_payload_load",
            dump_result(local_safe),
            values["nested_dict"],
            legacy,
        )
    )
    json_safe = Result(values["list"], result_handler=JSONResultHandler())
    json_safe.store_safe_value()
    jobs.append(
        _job(
            group,
            "SafeResult-json",
            "result_payload_load",
            dump_result(json_safe),
            values["list"],
            legacy,
        )
    )
    jobs.append(
        _job(group, "NoResult", "result_payload_load", dump_result(NoResult), NO_RESULT, every)
    )
    local_result = LocalResult(dir=str(tmp / "payload")).write(values["tuple"])
    jobs.append(
        _job(
            group,
            "LocalResult",
            "result_payload_load",
            dump_result(local_result),
            values["tuple"],
            new,
        )
    )
    prefect_result = PrefectResult().write(values["nested_dict"])
    jobs.append(
        _job(
            group,
            "PrefectResult",
            "result_payload_load",
            dump_result(prefect_result),
            values["nested_dict"],
            new,
        )
    )
    return jobs


def compat_state_jobs(tmp: Path) -> list[Entry]:
    """Whole state payloads dumped by ``compat`` (empty while compat cannot dump states)."""
    try:
        from compat.serialization.state import dump_state
    except ImportError:
        print("compat cannot dump states yet: whole-state payloads not checked", file=sys.stderr)
        return []
    from compat.engine.result import Result
    from compat.engine.result_handlers import JSONResultHandler, LocalResultHandler
    from compat.engine.results import LocalResult, PrefectResult
    from compat.engine.state import Cached, Failed, Mapped, Retrying, Success

    values = golden_values()
    legacy, new, every = ["0.10.7", "0.13.19"], ["0.13.19", "0.15.13"], list(GENERATORS)
    group = "compat dump_state payload"
    stored_local = Result(values["nested_dict"], result_handler=LocalResultHandler(str(tmp)))
    stored_local.store_safe_value()
    stored_json = Result(values["list"], result_handler=JSONResultHandler())
    stored_json.store_safe_value()
    local = LocalResult(dir=str(tmp)).write(values["tuple"])
    later = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(hours=1)
    cases: list[tuple[str, Any, Any, list[str]]] = [
        (
            "Success-SafeResult-local",
            Success("ok", result=stored_local),
            values["nested_dict"],
            legacy,
        ),
        ("Success-SafeResult-json", Success("ok", result=stored_json), values["list"], legacy),
        ("Success-LocalResult", Success("ok", result=local), values["tuple"], new),
        (
            "Success-PrefectResult",
            Success("ok", result=PrefectResult().write(values["nested_dict"])),
            values["nested_dict"],
            new,
        ),
        (
            "Cached-LocalResult",
            Cached(
                "cached",
                result=local,
                cached_parameters={"p": 3},
                cached_result_expiration=later,
            ),
            values["tuple"],
            new,
        ),
        ("Failed-NoResult", Failed("boom"), NO_RESULT, every),
        ("Retrying", Retrying("again", run_count=1, start_time=later), NO_RESULT, every),
        ("Mapped", Mapped("mapped", map_states=[Success("a"), Success("b")]), NO_RESULT, every),
    ]
    return [
        _job(group, name, "state_payload_load", dump_state(state), value, versions)
        for name, state, value, versions in cases
    ]


def compat_legacy_state_jobs(tmp: Path) -> list[Entry]:
    """A compat ``flow.run()`` of 0.10-style tasks, every state dumped with ``legacy=True``."""
    import warnings

    from compat import Flow, Parameter, task
    from compat.engine.result_handlers import (
        JSONResultHandler,
        LocalResultHandler,
        ResultHandler,
    )
    from compat.engine.results import LocalResult, PrefectResult
    from compat.serialization.state import dump_state
    from compat.utilities.configuration import set_temporary_config

    class CompatCustomHandler(ResultHandler):
        def write(self, result: Any) -> str:
            return "loc-" + json.dumps(result)

        def read(self, loc: str) -> Any:
            return json.loads(loc[len("loc-") :])

    values = golden_values()
    cases = {  # task name -> (value, task keywords)
        "local_handler": ("nested_dict", {"result_handler": LocalResultHandler(str(tmp / "h"))}),
        "json_handler": ("list", {"result_handler": JSONResultHandler()}),
        "custom_handler": ("nested_dict", {"result_handler": CompatCustomHandler()}),
        "local_result": ("tuple", {"result": LocalResult(dir=str(tmp / "r"))}),
        "local_template": ("set", {"result": LocalResult(dir=str(tmp), location="t/{task_name}")}),
        "prefect_result": ("str_unicode", {"result": PrefectResult()}),
        "flow_handler": ("int_key_dict", {}),
        "not_checkpointed": ("int", {"checkpoint": False}),
    }
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        flow = Flow("compat-legacy", result_handler=LocalResultHandler(str(tmp / "flow")))
        with flow:
            for name, (value_name, kwargs) in cases.items():
                task(constant(values[value_name]), name=name, **kwargs)()
            Parameter("p", default=3)()
    with set_temporary_config({"flows.checkpointing": True, "home_dir": str(tmp / "home")}):
        states = {t.name: s for t, s in flow.run().result.items()}
    group = "compat dump_state(legacy=True) of a flow run"
    legacy = ["0.10.7", "0.13.19"]
    jobs = []
    for name, (value_name, _) in cases.items():
        expected = NO_RESULT if name == "not_checkpointed" else values[value_name]
        reader = "state_payload_load_custom" if name == "custom_handler" else "state_payload_load"
        payload = dump_state(states[name], legacy=True)
        jobs.append(_job(group, name, reader, payload, expected, legacy))
    payload = dump_state(states["p"], legacy=True)
    jobs.append(_job(group, "parameter", "state_payload_load", payload, 3, legacy))
    return jobs


#: State fields the old ``StateSchema`` must load back as dumped (datetimes as ISO text).
CHECKED_STATE_FIELDS = (
    "message",
    "run_count",
    "n_map_states",
    "cached_parameters",
    "start_time",
    "cached_result_expiration",
)


def _check_state_fields(state: Any, payload: dict[str, Any]) -> None:
    """Raise unless ``state`` carries the payload's class and checked fields."""
    if type(state).__name__ != payload["type"]:
        raise AssertionError(f"{payload['type']} payload loaded as {type(state).__name__}")
    for field in CHECKED_STATE_FIELDS:
        if payload.get(field) is None:
            continue
        loaded = getattr(state, field)
        if hasattr(loaded, "isoformat"):
            loaded = datetime.datetime.fromisoformat(loaded.isoformat())
            expected: Any = datetime.datetime.fromisoformat(payload[field])
        else:
            expected = payload[field]
        if loaded != expected:
            raise AssertionError(f"{field}: dumped {payload[field]!r}, loaded {loaded!r}")


def _read_s3_payload(handler_cls: Any, payload: bytes) -> Any:
    """Read ``payload`` through a real legacy S3 handler whose download is stubbed."""
    import prefect

    handler = handler_cls(bucket="golden-bucket")
    fake_client = CapturingS3Client()
    fake_client.objects["key.prefect_result"] = payload
    handler.client = fake_client
    with prefect.context(boto3client=fake_client):
        return handler.read("key.prefect_result")


def _hydrate_loaded_result(loaded: Any) -> Any:
    """Return the value behind a result loaded by an old ``StateResultSchema``."""
    kind = type(loaded).__name__
    if kind == "SafeResult":
        return loaded.to_result().value
    if kind == "NoResultType" or loaded.location is None:
        return NO_RESULT
    return loaded.read(loaded.location).value


def old_readers(version: str) -> dict[str, Callable[[Any], Any]]:
    """The old release's own reading code, by reader name (run inside its environment)."""
    readers: dict[str, Callable[[Any], Any]] = {}
    if version in ("0.10.7", "0.13.19"):
        from prefect.engine.result_handlers import (
            JSONResultHandler,
            LocalResultHandler,
            S3ResultHandler,
        )

        readers["local_handler_read"] = lambda path: LocalResultHandler().read(path)
        readers["json_handler_read"] = lambda text: JSONResultHandler().read(text)
    if version in ("0.13.19", "0.15.13"):
        from prefect.engine.results import LocalResult, PrefectResult
        from prefect.engine.serializers import PickleSerializer

        readers["local_result_read"] = lambda path: (
            LocalResult(dir=os.path.dirname(path)).read(path).value
        )
        readers["prefect_result_read"] = lambda text: PrefectResult().read(text).value
    from prefect.serialization.result import StateResultSchema

    def load_payload(payload: dict[str, Any]) -> Any:
        return _hydrate_loaded_result(StateResultSchema().load(payload))

    readers["result_payload_load"] = load_payload

    from prefect.serialization.state import StateSchema

    def load_state_payload(payload: dict[str, Any]) -> Any:
        state = StateSchema().load(payload)
        _check_state_fields(state, payload)
        return _hydrate_loaded_result(state._result)

    readers["state_payload_load"] = load_state_payload

    if version in ("0.10.7", "0.13.19"):
        custom_handler = golden_custom_handler_class()()

        def load_state_payload_custom(payload: dict[str, Any]) -> Any:
            state = StateSchema().load(payload)
            _check_state_fields(state, payload)
            return state._result.to_result(custom_handler).value

        readers["state_payload_load_custom"] = load_state_payload_custom

    if version == "0.10.7":
        from prefect.engine.result import Result

        def read_base64(text: str) -> Any:
            via_result = Result.deserialize_from_bytes(text.encode("ascii"))
            via_handler = _read_s3_payload(S3ResultHandler, text.encode("ascii"))
            if not same_value(via_result, via_handler):
                raise AssertionError("Result.deserialize_from_bytes and S3ResultHandler disagree")
            return via_handler

    elif version == "0.13.19":

        def read_base64(text: str) -> Any:
            via_serializer = PickleSerializer().deserialize(text.encode("ascii"))
            via_handler = _read_s3_payload(S3ResultHandler, text.encode("ascii"))
            if not same_value(via_serializer, via_handler):
                raise AssertionError("PickleSerializer and S3ResultHandler disagree")
            return via_handler

    else:

        def read_base64(text: str) -> Any:
            return PickleSerializer().deserialize(text.encode("ascii"))

    readers["base64_payload_read"] = read_base64
    return readers


def run_reader(version: str, jobs_path: Path) -> None:
    """Entry point of ``_read``: run each job's reader, print one JSON outcome per job."""
    readers = old_readers(version)
    outcomes: dict[str, dict[str, Any]] = {}
    for job in json.loads(jobs_path.read_text(encoding="utf-8")):
        if version not in job["versions"]:
            continue
        expected = job["value"] if job["value"] == NO_RESULT else decode_value(job["value"])
        try:
            got = readers[job["reader"]](job["arg"])
        except Exception as exc:
            outcomes[job["id"]] = {"ok": False, "detail": f"{type(exc).__name__}: {exc}"}
            continue
        ok = same_value(expected, got)
        detail = "" if ok else f"expected {expected!r:.80}, got {got!r:.80}"
        outcomes[job["id"]] = {"ok": ok, "detail": detail}
    print(json.dumps(outcomes))


READER_LABELS = {
    "local_handler_read": "LocalResultHandler().read(path)",
    "local_result_read": "LocalResult(dir).read(path).value",
    "json_handler_read": "JSONResultHandler().read(text)",
    "prefect_result_read": "PrefectResult().read(text).value",
    "base64_payload_read": "base64 readers (listed above)",
    "result_payload_load": "StateResultSchema().load + hydrate",
    "state_payload_load": "StateSchema().load: class, fields, hydrate",
    "state_payload_load_custom": "StateSchema().load + to_result(the custom handler)",
}


def format_table(jobs: list[Entry], outcomes: dict[str, dict[str, dict[str, Any]]]) -> str:
    """One row per (compat writer, old reader): passes per release, then the failures."""
    versions = list(GENERATORS)
    rows: dict[tuple[str, str], dict[str, list[bool]]] = {}
    failures: list[str] = []
    for job in jobs:
        cells = rows.setdefault((job["group"], job["reader"]), {v: [] for v in versions})
        for version in job["versions"]:
            outcome = outcomes[version][job["id"]]
            cells[version].append(outcome["ok"])
            if not outcome["ok"]:
                failures.append(f"{version} {job['id']} via {job['reader']}: {outcome['detail']}")
    header = ["written by compat", "read by old Prefect", *versions]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for (group, reader), cells in rows.items():
        marks = [_mark(cells[version]) for version in versions]
        lines.append(f"| {group} | {READER_LABELS[reader]} | " + " | ".join(marks) + " |")
    total = sum(len(c[v]) for c in rows.values() for v in versions)
    lines.append("")
    lines.append(f"{total - len(failures)} passed, {len(failures)} failed")
    lines.extend(f"FAIL {failure}" for failure in failures)
    return "\n".join(lines)


def _mark(results: list[bool]) -> str:
    if not results:
        return "n/a"
    verdict = "PASS" if all(results) else "FAIL"
    return f"{verdict} {sum(results)}/{len(results)}"


def check_reverse() -> int:
    """Entry point of ``check-reverse`` (project environment): exit status 1 on any failure."""
    sys.path.insert(0, str(REPO_ROOT))  # compat from this checkout, installed or not
    with tempfile.TemporaryDirectory(prefix="golden-reverse-") as tmp:
        tmp_path = Path(tmp)
        jobs = [
            *compat_jobs(tmp_path / "written"),
            *compat_state_jobs(tmp_path / "states"),
            *compat_legacy_state_jobs(tmp_path / "legacy"),
        ]
        jobs_path = tmp_path / "jobs.json"
        jobs_path.write_text(json.dumps(jobs), encoding="utf-8")
        outcomes: dict[str, dict[str, dict[str, Any]]] = {}
        for version in GENERATORS:
            python = ensure_venv(version)
            command = [str(python), str(Path(__file__).resolve()), "_read", version, str(jobs_path)]
            env = old_prefect_env(tmp_path / f"home-{version}")
            done = subprocess.run(command, env=env, check=True, capture_output=True, text=True)
            outcomes[version] = json.loads(done.stdout.strip().splitlines()[-1])
    table = format_table(jobs, outcomes)
    print(table)
    return 1 if "FAIL " in table else 0


# --------------------------------------------------------------------------------------
# Runtime behaviour: state transitions, log lines and signatures of real runs
# --------------------------------------------------------------------------------------

#: Releases whose runtime behaviour is recorded (the two the runtime imitates).
RUNTIME_VERSIONS = ["0.10.7", "0.13.19"]
RUNTIME_DIR = DATA_DIR / "runtime"


def _parameter_names(function: Callable[..., Any]) -> list[str]:
    import inspect

    return [
        name
        for name, parameter in inspect.signature(function).parameters.items()
        if name != "self" and parameter.kind is not inspect.Parameter.VAR_KEYWORD
    ]


def runtime_signatures() -> dict[str, Any]:
    """The arguments of Flow, Task, flow.run and FlowRunner.run, and the executor names."""
    import prefect
    from prefect.engine import executors
    from prefect.engine.flow_runner import FlowRunner

    return {
        "Flow.__init__": _parameter_names(prefect.Flow.__init__),
        "Task.__init__": _parameter_names(prefect.Task.__init__),
        "Flow.run": _parameter_names(prefect.Flow.run),
        "FlowRunner.run": _parameter_names(FlowRunner.run),
        "engine.executors": sorted(n for n in dir(executors) if n.endswith("Executor")),
    }


def run_runtime_recorder(version: str, out: Path) -> None:
    """Entry point of ``_runtime``: runs inside the release's own environment."""
    import prefect
    import runtime_scenarios

    if prefect.__version__ != version:
        raise SystemExit(f"expected prefect {version}, found {prefect.__version__}")
    payload = {
        "prefect_version": version,
        "generator": "tests/golden/make_golden.py generate-runtime",
        "python": ".".join(map(str, sys.version_info[:3])),
        "requirements": REQUIREMENTS[version],
        "signatures": runtime_signatures(),
        "scenarios": runtime_scenarios.record_all(prefect),
    }
    out.write_text(json.dumps(payload, indent=1) + "\n", encoding="utf-8")


def generate_runtime(versions: list[str]) -> None:
    """Record ``data/runtime/<version>.json`` for each release."""
    RUNTIME_DIR.mkdir(parents=True, exist_ok=True)
    for version in versions:
        python = ensure_venv(version)
        with tempfile.TemporaryDirectory(prefix="golden-runtime-") as tmp:
            out = Path(tmp) / f"{version}.json"
            command = [str(python), str(Path(__file__).resolve()), "_runtime", version, str(out)]
            env = old_prefect_env(Path(tmp) / "prefect-home")
            subprocess.run(command, check=True, env=env, cwd=HERE)
            scrub_machine_paths(Path(tmp), [tmp, str(Path.home()), str(REPO_ROOT)])
            shutil.copy(out, RUNTIME_DIR / out.name)
        print(f"{version}: runtime behaviour recorded in {RUNTIME_DIR.relative_to(HERE)}")


# --------------------------------------------------------------------------------------
# Command line
# --------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    gen = commands.add_parser("generate", help="write tests/golden/data/<version>/")
    gen.add_argument("--version", action="append", choices=sorted(GENERATORS), dest="versions")
    behaviour = commands.add_parser("generate-behaviour", help="write data/<v>/behaviour.json")
    behaviour.add_argument(
        "--version", action="append", choices=sorted(BEHAVIOURS), dest="versions"
    )
    commands.add_parser("check-reverse", help="compat writes, old Prefect reads")
    inner_behaviour = commands.add_parser("_behaviour")
    inner_behaviour.add_argument("version")
    inner_behaviour.add_argument("out", type=Path)
    inner_gen = commands.add_parser("_generate")
    inner_gen.add_argument("version")
    inner_gen.add_argument("out", type=Path)
    runtime = commands.add_parser(
        "generate-runtime", help="write tests/golden/data/runtime/<version>.json"
    )
    runtime.add_argument("--version", action="append", choices=RUNTIME_VERSIONS, dest="versions")
    inner_runtime = commands.add_parser("_runtime")
    inner_runtime.add_argument("version")
    inner_runtime.add_argument("out", type=Path)
    inner_read = commands.add_parser("_read")
    inner_read.add_argument("version")
    inner_read.add_argument("jobs", type=Path)
    args = parser.parse_args(argv)

    if args.command == "generate":
        generate(args.versions or list(GENERATORS))
        return 0
    if args.command == "generate-behaviour":
        generate_behaviour(args.versions or list(BEHAVIOURS))
        return 0
    if args.command == "_behaviour":
        run_behaviour(args.version, args.out)
        return 0
    if args.command == "_generate":
        run_generator(args.version, args.out)
        return 0
    if args.command == "generate-runtime":
        generate_runtime(args.versions or RUNTIME_VERSIONS)
        return 0
    if args.command == "_runtime":
        run_runtime_recorder(args.version, args.out)
        return 0
    if args.command == "_read":
        run_reader(args.version, args.jobs)
        return 0
    return check_reverse()


if __name__ == "__main__":
    sys.exit(main())
