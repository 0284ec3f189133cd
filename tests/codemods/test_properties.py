"""Properties: the rewrite is idempotent, and sources without legacy names never change."""

from __future__ import annotations

import keyword

import libcst as cst
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from codemods import _engine
from codemods._engine import may_contain_legacy, rewrite_checked, transform_source
from codemods._types import Target

_HANDLERS = [
    'LocalResultHandler(dir="/tmp")',
    "LocalResultHandler(validate=False)",
    "JSONResultHandler()",
    'S3ResultHandler("b")',
    'S3ResultHandler(bucket="b", aws_credentials_secret="A")',
    'GCSResultHandler(bucket="g")',
    "ConstantResultHandler(3)",
    "Mine()",
    "handler",
]
_HOLDERS = ["Task", "Flow", "Parameter", "task", "other.call"]
_IMPORTS = [
    "from prefect.engine.result_handlers import (\n    LocalResultHandler,\n"
    "    JSONResultHandler,\n    S3ResultHandler,\n    GCSResultHandler,\n"
    "    ConstantResultHandler,\n    ResultHandler,\n)",
    "from prefect.engine.result_handlers import *",
    "from compat.engine.result_handlers import LocalResultHandler, JSONResultHandler, "
    "S3ResultHandler, GCSResultHandler, ConstantResultHandler, ResultHandler",
]
_STATEMENTS = [
    "x = {holder}(result_handler={handler})",
    "handler = {handler}",
    "# {holder} with a comment",
    "flow = Flow('f')\nflow.result_handler = {handler}",
    "y = state._result.safe_value",
    "z = Result(1).to_result()",
    "if flag:\n    w = {holder}(result_handler={handler})",
]
_PRELUDE = (
    "from prefect import Flow, Parameter, Task, task\n"
    "from prefect.engine.result import Result\n"
    "import other\n"
)
_CLASS = (
    "class Mine(ResultHandler):\n"
    "    def write(self, result):\n        return 'k'\n\n"
    "    def read(self, loc):\n        return loc\n"
)


def _legacy_pieces(draw: st.DrawFn) -> list[str]:
    """The prelude, a custom handler class and one to five legacy statements."""
    pieces = [_PRELUDE + draw(st.sampled_from(_IMPORTS)), _CLASS]
    for _ in range(draw(st.integers(1, 5))):
        template = draw(st.sampled_from(_STATEMENTS))
        pieces.append(
            template.format(
                holder=draw(st.sampled_from(_HOLDERS)), handler=draw(st.sampled_from(_HANDLERS))
            )
        )
    return pieces


@st.composite
def legacy_sources(draw: st.DrawFn) -> str:
    return "\n".join(_legacy_pieces(draw)) + "\n"


_SETTINGS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@_SETTINGS
@given(source=legacy_sources(), target=st.sampled_from(list(Target)))
def test_rewrite_is_idempotent(source: str, target: Target) -> None:
    once = rewrite_checked(source, target=target)  # raises if not idempotent
    compile(once.code, "<generated>", "exec")
    assert transform_source(once.code, target=target).code == once.code


_IDENT = st.from_regex(r"[a-z][a-z0-9_]{0,8}", fullmatch=True).filter(
    lambda s: not keyword.iskeyword(s)
)


@st.composite
def clean_sources(draw: st.DrawFn) -> str:
    lines = ["from prefect import Flow, Task", "from prefect.engine.results import LocalResult"]
    for _ in range(draw(st.integers(0, 6))):
        name = draw(_IDENT)
        kind = draw(st.integers(0, 3))
        if kind == 0:
            lines.append(f"{name} = Task(result=LocalResult(dir={name!r}))")
        elif kind == 1:
            lines.append(f"# {draw(st.text(alphabet='abc xyz', max_size=20))}")
        elif kind == 2:
            lines.append(f"def {name}(a, b=1):\n    return a  # note")
        else:
            lines.append(f"{name} = Flow({name!r}, result=None)")
    return "\n".join(lines) + draw(st.sampled_from(["\n", "", "\n\n"]))


@_SETTINGS
@given(source=clean_sources(), target=st.sampled_from(list(Target)))
def test_source_without_legacy_names_is_untouched(source: str, target: Target) -> None:
    """Untouched for the prefect target; for compat only its ``prefect`` imports move (a
    module left on Prefect would mix Prefect tasks into the migrated compat flows)."""
    assert not may_contain_legacy(source)
    expected = source if target is Target.PREFECT else source.replace("from prefect", "from compat")
    assert rewrite_checked(source, target=target).code == expected
    outcome = transform_source(source, target=target)  # even without the gate
    assert outcome.code == expected
    if target is Target.PREFECT:
        assert outcome.sites == ()


_UNRELATED = [
    "def helper_{n}(values):\n    return [v * 2 for v in values]",
    "class Record_{n}:\n    label = 'r'\n\n    def describe(self):\n        return self.label",
    "def uses_{n}():\n    return handler",
    "def rebinds_{n}():\n    global handler\n    handler = None",
    "def annotated_{n}(h: 'Mine') -> None:\n    pass",
    "CONSTANT_{n} = 3",
    "for handler in range({n}):\n    pass",
    "def flows_{n}():\n    return flow.result_handler",
]


@st.composite
def padded_sources(draw: st.DrawFn) -> str:
    """Legacy sources with unrelated (and some secretly related) statements in between."""
    out: list[str] = []
    for n, piece in enumerate(_legacy_pieces(draw)):
        out.append(piece)
        for _ in range(draw(st.integers(0, 2))):
            out.append(draw(st.sampled_from(_UNRELATED)).format(n=n))
    return "\n\n".join(out) + "\n"


@_SETTINGS
@given(source=padded_sources(), target=st.sampled_from(list(Target)))
def test_the_view_changes_nothing(source: str, target: Target) -> None:
    whole = _engine._run(
        _engine._Parsed(cst.parse_module(source), source, None),
        target,
        _engine._active(None, frozenset()),
    )
    assert transform_source(source, target=target) == whole
