"""Templates meeting data: no URL or bucket switching, no secrets, no huge format specs.

Issue 8, items 2, 3 (templates and ``task_run_name``) and 4.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from compat import Flow, Task, context
from compat._templating import MAX_SPEC_NUMBER, format_location, format_template
from compat.engine.results import FSSpecResult, LocalResult, S3Result
from compat.engine.state import Failed
from compat.exceptions import TemplateFieldError, TemplateSpecError, UnsafeLocationError
from compat.utilities.configuration import config, set_temporary_config

# -- item 2: an interpolated value never chooses scheme or bucket -----------------------------


def test_s3_value_cannot_redirect_the_write_to_another_bucket() -> None:
    """``{x}`` = ``s3://k`` with ``flow_name`` = a victim bucket is refused before any I/O.

    Before the fix the rendered location ``victim-bucket/s3://k.pkl`` counted as a URL and
    replaced the configured bucket. The S3 client is never built (nothing to connect to).
    """
    result = S3Result(bucket="mine", location="{flow_name}/{x}.pkl")
    with pytest.raises(UnsafeLocationError, match="://"):
        result.write(1, flow_name="victim-bucket", x="s3://k")
    assert result._storage is None


def test_memory_value_cannot_redirect_the_write() -> None:
    """The same trick against ``FSSpecResult("memory://results")`` is refused; nothing written."""
    import fsspec

    memory = fsspec.filesystem("memory")
    result = FSSpecResult("memory://results-item2", location="{x}")
    with pytest.raises(UnsafeLocationError):
        result.write("payload", x="memory://elsewhere-item2/stolen.pkl")
    assert not memory.exists("/elsewhere-item2/stolen.pkl")
    assert not memory.exists("/results-item2")


@pytest.mark.parametrize(
    ("template", "kwargs"),
    [
        ("{x}", {"x": "s3://other/k"}),
        ("a/{x}", {"x": "gs://b/k"}),
        ("{a}{b}", {"a": "s3:", "b": "//victim/k"}),
        ("{a}:{b}", {"a": "memory", "b": "//victim/k"}),
        ("{a}//{b}", {"a": "memory:", "b": "victim"}),
    ],
)
def test_values_that_make_a_url_are_refused(template: str, kwargs: dict[str, str]) -> None:
    """Alone or together with the literal text, values may not introduce a scheme."""
    with pytest.raises(UnsafeLocationError):
        format_location(template, kwargs)


def test_literal_url_locations_are_the_users_choice() -> None:
    """A scheme written in the template itself stays allowed; values fill in below it."""
    assert format_location("s3://mine/{x}.pkl", {"x": "k"}) == "s3://mine/k.pkl"
    assert format_location("{a}/{b}", {"a": "x:y", "b": "v1.2"}) == "x:y/v1.2"


# -- item 3: templates cannot read secrets; task_run_name uses the safe formatter -------------


@pytest.mark.parametrize(
    "template",
    [
        "{secrets[TOKEN]}",
        "{secrets.TOKEN}",
        "{config.context.secrets}",
        "{config[context][secrets]}",
    ],
)
def test_templates_cannot_read_secrets(template: str) -> None:
    """Secrets in context or configuration are out of a template's reach, at any depth."""
    kwargs = {"secrets": {"TOKEN": "hunter2"}, "config": config}
    with set_temporary_config({"context.secrets": {"TOKEN": "hunter2"}}):
        with pytest.raises(TemplateFieldError) as info:
            format_location(template, kwargs)
        assert "hunter2" not in str(info.value)
        with pytest.raises(TemplateFieldError):
            format_template(template, kwargs)
    assert format_location("{config.backend}", {"config": config}) == "core"


def test_location_in_a_flow_cannot_read_context_secrets(tmp_path: Path) -> None:
    """In a real run, a ``{secrets[...]}`` location fails the task and writes nothing."""

    class Produce(Task):
        def run(self) -> int:
            return 1

    result = LocalResult(str(tmp_path), location="{secrets[API_KEY]}.pkl")
    with Flow("f", result=result) as flow:
        produced = Produce()()
    checkpointing = set_temporary_config({"flows.checkpointing": True})
    with checkpointing, context(secrets={"API_KEY": "hunter2"}):
        state = flow.run().result[produced]
    assert isinstance(state, Failed)
    assert "secrets" in state.message
    assert "hunter2" not in state.message
    assert list(tmp_path.iterdir()) == []


class Holder:
    def __init__(self) -> None:
        self._token = "hunter2"
        self.name = "visible"


@pytest.mark.parametrize(
    "template", ["{o._token}", "{o.__class__.__mro__}", "{o.__dict__}", "{secrets[K]}"]
)
def test_task_run_name_goes_through_the_safe_formatter(template: str) -> None:
    """``task_run_name`` gets the location guards: no private attributes, no secrets."""

    class Named(Task):
        def run(self, o: Holder) -> str:
            return "ran"

    with Flow("f") as flow:
        named = Named(task_run_name=template)(Holder())
    with context(secrets={"K": "hunter2"}):
        state = flow.run().result[named]
    assert isinstance(state, Failed)
    assert "hunter2" not in state.message
    assert "task_run_name" in state.message


def test_task_run_name_still_formats_public_fields() -> None:
    """The safe formatter keeps ordinary names working (attributes, specs, map indexes)."""

    class Named(Task):
        def run(self, o: Holder, n: int) -> str:
            return context.task_run_name

    with Flow("f") as flow:
        named = Named(task_run_name="{o.name}-{n:03d}")(Holder(), 7)
    assert flow.run().result[named].result == "visible-007"


# -- item 4: format-spec denial of service ---------------------------------------------------


@pytest.mark.parametrize(
    ("template", "kwargs"),
    [
        ("{task_name!r:>1000000000}", {"task_name": "t"}),
        ("{x:.100000f}", {"x": 1.5}),
        ("{x:>{w}}", {"x": "a", "w": 10**9}),
        ("{x:{fill}>{w}}", {"x": "a", "fill": "*", "w": "99999999999999999999999"}),
        ("{x:>{w}.{p}}", {"x": "a", "w": 5, "p": 10**6}),
        ("{d:%Y%1000000000d}", {"d": None}),
        ("{x:>" + "9" * 5000 + "}", {"x": "a"}),
    ],
)
def test_huge_widths_and_precisions_are_refused_quickly(template: str, kwargs: dict) -> None:
    """Widths and precisions above the cap fail at once with a clear error, in every formatter."""
    for formatter in (format_location, format_template):
        with pytest.raises(TemplateSpecError, match=str(MAX_SPEC_NUMBER)) as info:
            formatter(template, kwargs)
        assert isinstance(info.value, ValueError)


def test_task_run_name_spec_is_capped_in_a_flow() -> None:
    """The issue's ``{task_name!r:>1000000000}`` as a run name fails the task, not the machine."""

    class Named(Task):
        def run(self) -> int:
            return 1

    with Flow("f") as flow:
        named = Named(name="t", task_run_name="{task_name!r:>1000000000}")()
    state = flow.run().result[named]
    assert isinstance(state, Failed)
    assert str(MAX_SPEC_NUMBER) in state.message


def test_specs_at_the_cap_and_ordinary_specs_work() -> None:
    """Zero padding, dates and widths up to the cap keep working."""
    import datetime as dt

    assert format_location("{i:05d}-{d:%Y}", {"i": 7, "d": dt.date(2026, 1, 2)}) == "00007-2026"
    assert len(format_template("{x:>{w}}", {"x": "a", "w": MAX_SPEC_NUMBER})) == MAX_SPEC_NUMBER


def test_specs_nest_one_level_only() -> None:
    """As in ``str.format``, a spec inside a spec inside a spec is refused."""
    with pytest.raises(TemplateSpecError, match="nests"):
        format_template("{x:{y:{z}}}", {"x": 1, "y": 2, "z": 3})
    assert format_template("{x:>{w:d}}", {"x": "a", "w": 3}) == "{x:>{w:d}}".format(x="a", w=3)
    with pytest.raises(TemplateSpecError):
        format_template("{x:>{w:>2000}}", {"x": "a", "w": 3})
