"""Regressions found by an adversarial review of the issue 8 and issue 11 result hardening.

Each test reproduces one defect found after the hardening was merged (it failed before its
fix): malformed payloads that escaped :class:`PayloadError`, secrets a template could still
print, a format spec that still exploded, and the crash-litter sweeper removing a live
writer's temporary file.
"""

from __future__ import annotations

import datetime as dt
import decimal
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from compat import Flow, Task, context
from compat._tempfiles import temporary_name
from compat._templating import MAX_SPEC_NUMBER, format_location, format_template
from compat.engine.result import Result
from compat.engine.result_handlers import ResultHandler
from compat.engine.results import AzureResult, GCSResult, LocalResult, S3Result
from compat.engine.serializers import Base64PickleSerializer
from compat.engine.state import Failed, State, Success
from compat.exceptions import (
    PayloadError,
    ResultNotImplementedError,
    ResultReadError,
    TemplateFieldError,
    TemplateSpecError,
)
from compat.utilities.configuration import config, set_temporary_config

# -- payloads: every malformed SafeResult is a PayloadError naming the field -------------------


@pytest.mark.parametrize(
    "handler",
    [
        {"type": "S3ResultHandler", "bucket": None},
        {"type": "GCSResultHandler"},
        {"type": "AzureResultHandler", "container": None},
    ],
)
def test_a_safe_result_whose_handler_lacks_its_bucket_is_a_payload_error(
    handler: dict[str, Any],
) -> None:
    """The handler loads, but converts to no valid result: that was a bare ``ValueError``."""
    payload = {
        "type": "Success",
        "_result": {"type": "SafeResult", "value": "k", "result_handler": handler},
    }
    with pytest.raises(PayloadError, match=r"_result\.result_handler"):
        State.deserialize(payload)


@pytest.mark.parametrize("value", [None, 7, ["a"], {"k": "v"}, True])
@pytest.mark.parametrize("handler_type", ["LocalResultHandler", "S3ResultHandler"])
def test_a_stored_value_reference_that_is_not_a_string_is_refused(
    value: Any, handler_type: str
) -> None:
    """A locating handler's reference is a path or key; anything else read back as ``None``."""
    handler = {"type": handler_type, "dir": "/r", "bucket": "b"}
    payload = {
        "type": "Success",
        "_result": {"type": "SafeResult", "value": value, "result_handler": handler},
    }
    with pytest.raises(PayloadError, match=r"_result\.value must be a string") as info:
        State.deserialize(payload)
    assert "got" in str(info.value)


# -- templates: a field may not print a container that holds the secrets ----------------------


@pytest.mark.parametrize(
    "template", ["{config}", "{config.context}", "{config[context]!r}", "{x:{config.context}}"]
)
def test_a_template_cannot_print_the_secrets_whole(template: str) -> None:
    """``{config.context}`` printed ``{'secrets': {...}}``: only the name ``secrets`` was barred."""
    kwargs = {"config": config, "x": 1}
    with set_temporary_config({"context.secrets": {"API_KEY": "hunter2"}}):
        for formatter in (format_location, format_template):
            with pytest.raises(TemplateFieldError, match="contains secrets") as info:
                formatter(template, kwargs)
            assert "hunter2" not in str(info.value)
    assert format_template("{config.backend}", kwargs) == "core"
    assert format_template("{p[a][0]}-{p}", {"p": {"a": [1, {"b": 2}]}}) == "1-{'a': [1, {'b': 2}]}"


def test_a_run_name_cannot_print_the_configured_secrets() -> None:
    """In a real run the context holds the whole configuration; its secrets stay out of names."""

    class Named(Task):
        def run(self) -> str:
            return context.task_run_name

    with Flow("f") as flow:
        named = Named(task_run_name="run-{config.context}")()
    with set_temporary_config({"context.secrets": {"API_KEY": "hunter2"}}):
        state = flow.run().result[named]
    assert isinstance(state, Failed)
    assert "hunter2" not in state.message
    assert "hunter2" not in repr(state.result)


def test_a_location_cannot_write_the_configured_secrets_into_a_file_name(tmp_path: Path) -> None:
    """``LocalResult(location="{config}.pkl")`` put the secret into the checkpoint's name."""

    class Produce(Task):
        def run(self) -> int:
            return 1

    result = LocalResult(str(tmp_path), location="{config}.pkl")
    with Flow("f", result=result) as flow:
        produced = Produce()()
    settings = {"flows.checkpointing": True, "context.secrets": {"API_KEY": "hunter2"}}
    with set_temporary_config(settings):
        state = flow.run().result[produced]
    assert isinstance(state, Failed)
    assert "hunter2" not in state.message
    assert list(tmp_path.iterdir()) == []


# -- crash litter: a writer in another pid namespace is never judged by a pid it cannot see ---


def _unshare_pid_namespace() -> list[str]:
    """The command prefix that runs a process in a new pid namespace, if this machine allows it."""
    unshare = shutil.which("unshare")
    if unshare is None or sys.platform != "linux":
        pytest.skip("needs util-linux unshare (Linux)")
    for prefix in (
        [unshare, "--pid", "--fork"],
        [unshare, "--user", "--map-root-user", "--pid", "--fork"],
    ):
        probe = subprocess.run([*prefix, "true"], capture_output=True, timeout=30, check=False)
        if probe.returncode == 0:
            return prefix
    pytest.skip("this machine allows no new pid namespace (neither root nor user namespaces)")


def test_a_writer_in_another_pid_namespace_keeps_its_temporary(tmp_path: Path) -> None:
    """Two containers sharing a host name (``--network host``) and a volume: before the fix the
    second one's first write removed the first one's live temporary, because the writer's pid
    does not exist in the second one's pid namespace; the first write then failed."""
    prefix = _unshare_pid_namespace()
    target = tmp_path / "value.pkl"
    in_progress = Path(temporary_name(str(target)))  # this process, mid-write
    in_progress.write_bytes(b"half of a value")
    other_container = (
        "import sys; from compat.engine.results import LocalResult; "
        "LocalResult(dir=sys.argv[1], location='other.pkl').write(2)"
    )
    subprocess.run(
        [*prefix, sys.executable, "-c", other_container, str(tmp_path)],
        check=True,
        timeout=60,
        capture_output=True,
    )
    assert (tmp_path / "other.pkl").exists()
    assert in_progress.read_bytes() == b"half of a value"
    os.replace(in_progress, target)  # the first writer finishes its write
    assert target.read_bytes() == b"half of a value"


# -- format specs: no spec taken from data or applied to a Decimal explodes --------------------


@pytest.mark.parametrize(
    ("template", "kwargs"),
    [
        ("{x:f}", {"x": decimal.Decimal("1e999999999")}),
        ("{x:,.2%}", {"x": decimal.Decimal("1e5000")}),
        ("{x:F}", {"x": decimal.Decimal("-1e-999999999")}),
        ("{d:{fmt}}", {"d": dt.datetime(2026, 1, 2), "fmt": "%c" * 1_000_000}),
    ],
)
def test_specs_that_would_print_gigabytes_are_refused(template: str, kwargs: dict) -> None:
    """Before the fix ``{x:f}`` on ``Decimal("1e999999999")`` allocated a gigabyte, and a
    data-supplied strftime spec printed 12 characters per 2 it was given."""
    for formatter in (format_location, format_template):
        with pytest.raises(TemplateSpecError, match=str(MAX_SPEC_NUMBER)):
            formatter(template, kwargs)


def test_ordinary_decimal_and_date_specs_still_format() -> None:
    """Money-like decimals, tiny decimals with a precision and date specs are unaffected."""
    values = {"x": decimal.Decimal("1234.5"), "t": decimal.Decimal("1e-5000")}
    assert (
        format_template("{x:,.2f}-{x:f}-{t:.3f}-{t:e}", values) == "1,234.50-1234.5-0.000-1e-5000"
    )
    assert format_location("{d:%Y-%m}", {"d": dt.date(2026, 1, 2)}) == "2026-01"


# -- secrets in text: a non-JSON handler reference is described, never printed ----------------


class ReturnsTheValue(ResultHandler):
    """A mistaken handler: it returns the value (here, credentials) instead of a reference."""

    def write(self, result: Any) -> Any:
        return result

    def read(self, loc: Any) -> Any:
        return loc


def test_a_non_json_reference_is_named_by_type_not_printed() -> None:
    """The message showed up to 200 characters of the reference: often the value itself."""
    result = Result({"token": b"hunter2"}, result_handler=ReturnsTheValue())
    with pytest.raises(PayloadError, match="returned a dict, which is not JSON-compatible") as info:
        result.store_safe_value()
    assert "hunter2" not in str(info.value)
    assert "ReturnsTheValue" in str(info.value)


# -- the 0.10 shape: a cloud reference is the key the 0.10 handler reads ----------------------


@pytest.mark.parametrize(
    ("result", "key"),
    [
        (S3Result(bucket="b", location="/prefix/k"), "prefix/k"),
        (S3Result(bucket="b", location="s3://b/prefix/k"), "prefix/k"),
        (GCSResult(bucket="g", location="/a/b.pkl"), "a/b.pkl"),
        (AzureResult(container="c", location="/x"), "x"),
    ],
)
def test_a_legacy_cloud_reference_is_the_key_compat_wrote(result: Any, key: str) -> None:
    """``compat`` stores ``"/prefix/k"`` at key ``prefix/k``, but the 0.10 dump kept
    ``"/prefix/k"`` (or a whole URL): a 0.10 handler takes the reference as the key and
    would have read another object, or none."""
    result.serializer = Base64PickleSerializer()  # what a 0.10 cloud handler reads
    assert result.full_path(result.location) == f"{result.url}/{key}"
    payload = Success(result=result).serialize(legacy=True)
    assert payload["_result"]["value"] == key
    back = State.deserialize(payload)._result
    assert back.full_path(back.location) == result.full_path(result.location)


def test_a_legacy_dump_refuses_a_location_in_another_bucket() -> None:
    """A URL location outside the result's bucket has no 0.10 reference at all."""
    result = S3Result(bucket="b", location="s3://other/k", serializer=Base64PickleSerializer())
    with pytest.raises(PayloadError, match="outside 's3://b'"):
        Success(result=result).serialize(legacy=True)


# -- hydration: a damaged PrefectResult location is a ResultReadError -------------------------


@pytest.mark.parametrize(
    "result_payload",
    [
        {"type": "PrefectResult", "location": "[" * 100_000 + "]" * 100_000},
        {"type": "PrefectResult", "location": '{"token": "hunter2"'},
        {"type": "PrefectResult", "location": "9" * 5000},
        {
            "type": "SafeResult",
            "value": "[" * 100_000 + "]" * 100_000,
            "result_handler": {"type": "JSONResultHandler"},
        },
    ],
    ids=["deep", "truncated", "huge-int", "legacy-deep"],
)
def test_a_damaged_json_value_in_a_payload_fails_to_hydrate_clearly(
    result_payload: dict[str, Any],
) -> None:
    """The JSON text a PrefectResult keeps in the state is data too: deep nesting raised
    ``RecursionError`` and a truncated value a bare ``JSONDecodeError`` at ``load_result()``."""
    state = State.deserialize({"type": "Success", "_result": result_payload})
    with pytest.raises(ResultReadError, match="PrefectResult keeps in its location") as info:
        state.load_result()
    assert isinstance(info.value, ValueError)
    assert "hunter2" not in str(info.value)
    assert len(str(info.value)) < 400


# -- payload names that reach error messages are class names, not arbitrary text -------------


def _custom(name_field: str, name: str) -> dict[str, Any]:
    handler = {"type": "CustomResultHandler", name_field: name}
    if name_field == "type":
        handler = {"type": name}
    return {"type": "SafeResult", "value": "k", "result_handler": handler}


@pytest.mark.parametrize(
    "result_payload",
    [
        _custom("qualified_name", "m.H\nERROR forged log line"),
        _custom("qualified_name", "m." + "H" * 100_000),
        _custom("type", "Handler\x1b[2J"),
        {"type": "ResultHandlerResult", "location": "k", "result_handler_type": "x y"},
    ],
    ids=["newline", "huge", "escape", "result-handler-type"],
)
def test_handler_names_from_a_payload_must_be_class_names(result_payload: dict) -> None:
    """They were kept as they were and printed whole by the hydration error, so a payload
    could put a megabyte or a forged log line into the user's logs."""
    with pytest.raises(PayloadError, match="must be a class name") as info:
        State.deserialize({"type": "Success", "_result": result_payload})
    assert len(str(info.value)) < 400


def test_class_paths_as_compat_writes_them_still_load() -> None:
    """Names of local classes (``<locals>``) and plain names keep loading, and round-trip."""
    name = "tests.flows.test_x.<locals>.MyHandler"
    state = State.deserialize({"type": "Success", "_result": _custom("qualified_name", name)})
    assert state.serialize()["_result"]["result_handler_type"] == name
    legacy = state.serialize(legacy=True)["_result"]["result_handler"]
    assert legacy == {"type": "CustomResultHandler", "qualified_name": name}
    assert State.deserialize(state.serialize()).serialize() == state.serialize()
    with pytest.raises(ResultNotImplementedError, match="MyHandler"):
        state.load_result()


@pytest.mark.parametrize(
    "result_payload",
    [
        {"type": "LocalResult", "dir": "/r", "location": "A" * 100_000 + "://x"},
        {"type": "FSSpecResult", "url": "x\ny" * 50_000 + "://h", "location": "k"},
        {"type": "SecretResult", "location": "N" * 100_000},
        {"type": "SecretResult", "location": "N\nERROR forged"},
        {
            "type": "SafeResult",
            "value": "N" * 100_000,
            "result_handler": {"type": "SecretResultHandler", "name": "N"},
        },
        {
            "type": "SafeResult",
            "value": "N",
            "result_handler": {"type": "SecretResultHandler", "name": "N" * 100_000},
        },
    ],
    ids=["protocol", "protocol-lines", "secret", "secret-newline", "safe-value", "safe-name"],
)
def test_errors_about_payload_chosen_names_stay_short(result_payload: dict) -> None:
    """A 100,000-character protocol was echoed whole by ``StorageNotAllowedError``, and a
    secret name by the "secret not found" error at hydration (300 KB of message)."""
    with pytest.raises(PayloadError) as info:
        State.deserialize({"type": "Success", "_result": result_payload}).load_result()
    assert len(str(info.value)) < 400
    assert "\n" not in str(info.value)


def test_plain_protocols_and_secret_names_are_still_named() -> None:
    """Short names stay in the messages: they tell the user what to allow or to set."""
    with pytest.raises(PayloadError, match="'sftp' storage"):
        State.deserialize(
            {"type": "Success", "_result": {"type": "FSSpecResult", "url": "sftp://h"}}
        )
    state = State.deserialize(
        {"type": "Success", "_result": {"type": "SecretResult", "location": "MY-TOKEN"}}
    )
    with pytest.raises(ValueError, match="secret 'MY-TOKEN' was not found"):
        state.load_result()


# -- a resumed loop's count from a payload is checked at load, not in the middle of a run -----


@pytest.mark.parametrize("loop_count", ["x", [1], 0, -3, 1.5, True])
def test_a_malformed_resumed_loop_count_is_a_payload_error(loop_count: Any) -> None:
    """``context._loop_count`` of a ``Retrying`` payload is read by the task runner; a list
    there failed the whole flow "unexpectedly" with a bare ``TypeError`` on restart."""
    payload = {"type": "Retrying", "run_count": 1, "context": {"_loop_count": loop_count}}
    with pytest.raises(PayloadError, match=r"context\._loop_count must be") as info:
        State.deserialize(payload)
    assert isinstance(info.value, ValueError)


def test_a_valid_resumed_loop_count_still_resumes_the_loop() -> None:
    """A well-formed count resumes the loop at that iteration, as before."""

    class Count(Task):
        def run(self) -> int:
            return context.task_loop_count

    with Flow("f") as flow:
        counted = Count()()
    payload = {"type": "Retrying", "run_count": 1, "context": {"_loop_count": 4}}
    state = flow.run(task_states={counted: State.deserialize(payload)})
    assert state.result[counted].result == 4


@pytest.mark.parametrize(
    "template",
    [
        "{config.cloud.auth_token}",
        "{config[cloud][auth_token]}",
        "{config.cloud}",
        "{p[db][password]}",
        "{p[aws]}",
    ],
)
def test_a_template_cannot_read_configured_credentials(template: str) -> None:
    """``PREFECT__CLOUD__AUTH_TOKEN`` (how Prefect 0.x agents get their token) lands in
    ``config.cloud.auth_token``, which ``{config.cloud.auth_token}`` printed as it was."""
    kwargs = {
        "config": config,
        "p": {"db": {"password": "hunter2"}, "aws": {"ACCESS_KEY": "hunter2"}},
    }
    with set_temporary_config({"cloud.auth_token": "hunter2"}):
        for formatter in (format_location, format_template):
            with pytest.raises(TemplateFieldError, match=r"credential|secrets") as info:
                formatter(template, kwargs)
            assert "hunter2" not in str(info.value)


def test_top_level_names_stay_usable_whatever_they_are_called() -> None:
    """A task's own input named ``token`` (say, a page token) still fills a location."""
    assert format_location("{token}/{p[name]}.pkl", {"token": "t1", "p": {"name": "n"}}) == (
        "t1/n.pkl"
    )


# -- reading: only regular files, so a location cannot hang a run or fill its memory ----------


@pytest.mark.timeout(30)
@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="FIFOs are POSIX")
def test_a_payload_naming_a_fifo_fails_instead_of_hanging(tmp_path: Path) -> None:
    """``open()`` of a FIFO without a writer blocks forever: a payload (or a task target)
    naming one hung ``load_result()``."""
    fifo = tmp_path / "value.pkl"
    os.mkfifo(fifo)
    payload = {"type": "LocalResult", "dir": str(tmp_path), "location": str(fifo)}
    state = State.deserialize({"type": "Success", "_result": payload})
    with pytest.raises(ResultReadError, match="not a regular file") as info:
        state.load_result()
    assert str(fifo) in str(info.value)


@pytest.mark.timeout(30)
@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="needs /dev/zero")
def test_a_payload_naming_a_device_fails_instead_of_filling_memory() -> None:
    """``/dev/zero`` read to its end never ends: memory grew until the process died."""
    payload = {"type": "LocalResult", "dir": "/r", "location": "/dev/zero"}
    with pytest.raises(ResultReadError, match="not a regular file"):
        State.deserialize({"type": "Success", "_result": payload}).load_result()


def test_regular_files_and_missing_ones_read_as_before(tmp_path: Path) -> None:
    """A stored value reads back; a missing file or a directory keeps its ``OSError``."""
    written = LocalResult(str(tmp_path)).write({"v": 1})
    assert LocalResult(str(tmp_path)).read(written.location).value == {"v": 1}
    with pytest.raises(FileNotFoundError):
        LocalResult(str(tmp_path)).read("missing.pkl")
    with pytest.raises(IsADirectoryError) as info:
        LocalResult(str(tmp_path)).read(str(tmp_path))
    assert info.value.filename == str(tmp_path)
