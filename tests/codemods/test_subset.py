"""The view the rules run on: it leaves out only what cannot matter, and restores it exactly.

Each closure case below is a way an unrelated-looking statement changes what the rules
decide; the rewrite through the view must equal the rewrite of the whole module.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from codemods import _engine
from codemods._subset import make_view
from codemods._types import FileOutcome, Target

FIXTURES = Path(__file__).parent / "fixtures"

LEGACY = """\
from prefect import Task
from prefect.engine.result_handlers import LocalResultHandler

handler = LocalResultHandler(dir="/tmp")
task = Task(result_handler=handler)
"""

UNRELATED = """

def summarise_{n}(values: list[int]) -> dict[str, int]:
    total = 0
    for value in values:
        total += value
    return {{"total": total, "count": len(values)}}
"""


def _padded(source: str, pieces: int = 6) -> str:
    return source + "".join(UNRELATED.format(n=n) for n in range(pieces))


def _whole(monkeypatch: pytest.MonkeyPatch, source: str, target: Target) -> FileOutcome:
    """The outcome without a view: the rules see the whole module."""
    with monkeypatch.context() as patched:
        patched.setattr(_engine, "make_view", lambda source: None)
        return _engine.transform_source(source, target=target)


def _same_either_way(monkeypatch: pytest.MonkeyPatch, source: str) -> FileOutcome:
    view = make_view(source)
    assert view is not None, "the case must leave something out to test the closure"
    for target in Target:
        assert _engine.transform_source(source, target=target) == _whole(
            monkeypatch, source, target
        )
        assert _engine.rewrite_checked(source, target=target).code == (
            _engine.transform_source(source, target=target).code
        )
    return _engine.transform_source(source)


def test_unrelated_functions_are_left_out_and_restored() -> None:
    source = _padded(LEGACY)
    view = make_view(source)
    assert view is not None
    assert "summarise_0" not in view.code
    assert view.code.count("\n") == source.count("\n")  # same line numbers
    assert view.restore(view.code) == source
    outcome = _engine.transform_source(source)
    assert "task = Task(result=handler)" in outcome.code
    assert outcome.code.endswith(UNRELATED.format(n=5))


def test_a_string_annotation_elsewhere_keeps_the_legacy_import(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    aliased = LEGACY.replace("LocalResultHandler", "LocalResultHandler as LRH", 1).replace(
        "= LocalResultHandler(", "= LRH("
    )
    source = _padded(aliased) + '\n\ndef typed(h: "LRH") -> None:\n    pass\n'
    outcome = _same_either_way(monkeypatch, source)
    assert "import LocalResultHandler as LRH" in outcome.code  # still referenced


def test_a_global_declaration_elsewhere_binds_at_module_level() -> None:
    source = _padded("from prefect import Task\nt = Task(result_handler=made)\n") + (
        "\n\ndef setup():\n    global made\n    made = object()\n"
    )
    view = make_view(source)
    assert view is not None
    assert "def setup" in view.code
    assert "def summarise_0" not in view.code


def test_a_use_of_the_handler_variable_elsewhere_blocks_the_rewrite(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    source = _padded(LEGACY) + "\n\ndef stores(x):\n    return handler.write(x)\n"
    outcome = _same_either_way(monkeypatch, source)
    assert "LocalResultHandler(dir=" in outcome.code
    assert outcome.todos


def test_a_global_rebinding_elsewhere_is_seen(monkeypatch: pytest.MonkeyPatch) -> None:
    source = _padded(LEGACY) + "\n\ndef reset():\n    global handler\n    handler = None\n"
    outcome = _same_either_way(monkeypatch, source)
    assert "result_handler=handler" in outcome.code  # two bindings: not provable


def test_a_rebinding_at_module_level_is_seen(monkeypatch: pytest.MonkeyPatch) -> None:
    source = _padded(LEGACY) + "\n\nfor handler in range(3):\n    pass\n"
    _same_either_way(monkeypatch, source)


def test_dunder_all_is_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    source = _padded(LEGACY) + '\n\n__all__ = ["LocalResultHandler"]\n'
    outcome = _same_either_way(monkeypatch, source)
    assert "from prefect.engine.result_handlers import LocalResultHandler" in outcome.code


def test_a_task_subclass_defined_far_away_is_seen(monkeypatch: pytest.MonkeyPatch) -> None:
    source = (
        "from prefect import Task\n"
        "from prefect.engine.result_handlers import JSONResultHandler\n"
        + "".join(UNRELATED.format(n=n) for n in range(4))
        + "\n\nclass Loader(Task):\n    def run(self):\n        return 1\n"
        + "".join(UNRELATED.format(n=n) for n in range(4, 8))
        + "\n\nload = Loader(result_handler=JSONResultHandler())\n"
    )
    outcome = _same_either_way(monkeypatch, source)
    assert "Loader(result=PrefectResult())" in outcome.code


def test_scheduled_imports_land_where_they_would_in_the_whole_file(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    source = (
        '"""Docstring."""\n'
        "import os\n"
        "import prefect.engine.result_handlers\n"
        "from typing import Any\n"
        "CONSTANT: Any = os.sep\n"
        + "".join(UNRELATED.format(n=n) for n in range(6))
        + "\n\nfrom prefect import Task\n"
        "t = Task(result_handler=prefect.engine.result_handlers.LocalResultHandler())\n"
    )
    _same_either_way(monkeypatch, source)


@pytest.mark.parametrize(
    "path",
    sorted(p for p in FIXTURES.rglob("*.before.py")),
    ids=lambda p: f"{p.parent.name}/{p.name}",
)
def test_every_fixture_padded_with_unrelated_code(
    monkeypatch: pytest.MonkeyPatch, path: Path
) -> None:
    source = path.read_text(encoding="utf-8")
    padded = UNRELATED.format(n="first").lstrip("\n") + "\n" + _padded(source, 3)
    for target in Target:
        assert _engine.transform_source(padded, target=target) == _whole(
            monkeypatch, padded, target
        )


# -- placeholders ---------------------------------------------------------------------------


_LAYOUTS: dict[str, tuple[str, str]] = {
    "semicolons": ("    total = 0\n", "    total = 0; seen = 1\n"),
    "decorated": ("def summarise_1", "@staticmethod\ndef summarise_1"),
    "form-feed": ("total = 0\n", "total = (\n\x0c    0\n)\n"),
    "u2028-in-string": ("return {", "s = '\u2028'\n    return {"),
}


def _layout(name: str) -> str:
    source = _padded(LEGACY)
    if name == "crlf":
        return source.replace("\n", "\r\n")
    if name == "no-final-newline":
        return source.rstrip("\n")
    old, new = _LAYOUTS[name]
    return source.replace(old, new)


@pytest.mark.parametrize("layout", ["crlf", "no-final-newline", *_LAYOUTS])
def test_left_out_text_comes_back_byte_for_byte(layout: str) -> None:
    source = _layout(layout)
    view = make_view(source)
    assert view is not None
    assert view.restore(view.code) == source
    outcome = _engine.rewrite_checked(source)
    tail = source[source.index("\ndef summarise_0") :]
    assert outcome.code.endswith(tail)


def test_a_source_holding_the_marker_text_gets_another_marker() -> None:
    source = _padded(LEGACY) + "# prefect-result-upgrade-placeholder0\n"
    view = make_view(source)
    assert view is not None
    assert "prefect-result-upgrade-placeholder1" in view.code
    assert view.restore(view.code) == source


def test_no_view_for_invalid_python_or_when_everything_matters() -> None:
    assert make_view("def (:\n") is None
    assert make_view(LEGACY) is None  # nothing to leave out


def test_a_placeholder_changed_by_a_rule_is_an_error() -> None:
    view = make_view(_padded(LEGACY))
    assert view is not None
    broken = view.code.replace("(...", "(.", 1)
    with pytest.raises(ValueError, match="placeholder"):
        view.restore(broken)


# -- cases found in review ------------------------------------------------------------------


def test_identifiers_are_compared_as_python_reads_them(monkeypatch: pytest.MonkeyPatch) -> None:
    # `ｈ` is `h` to Python (NFKC); `·` and `℘` are identifier characters that `\w` misses.
    for name in ("ｈ", "h·x", "℘"):
        source = (
            _padded(
                "from prefect import Task\n"
                "from prefect.engine.result_handlers import LocalResultHandler\n"
                f"{name} = LocalResultHandler()\n"
                f"t = Task(result={name})\n"
            )
            + f"\n\ndef g():\n    return {name}.write(1)\n"
        )
        outcome = _same_either_way(monkeypatch, source)
        assert "LocalResultHandler()" in outcome.code  # still used as a handler: kept


def test_classes_defined_inside_functions_are_seen(monkeypatch: pytest.MonkeyPatch) -> None:
    # The rules know local Task subclasses by bare name, whatever scope defines them.
    source = _padded(
        "from prefect import Task\n"
        "from prefect.engine.result_handlers import LocalResultHandler\n\n"
        "def make():\n    class Base(Task):\n        pass\n\n"
        "def more():\n    class Special(Base):\n        pass\n\n"
        "t = Special(result_handler=LocalResultHandler())\n"
    )
    outcome = _same_either_way(monkeypatch, source)
    assert "t = Special(result=LocalResult())" in outcome.code


def test_site_lines_ignore_characters_python_does_not_end_lines_with(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    source = _padded(
        "from prefect import Task\n"
        "from prefect.engine.result_handlers import LocalResultHandler\n"
        'def f():\n    return "<\x0c \x1c \x85 \u2028>"\n'
        "t = Task(result=LocalResultHandler(), name=x.safe_value)\n"
    )
    outcome = _same_either_way(monkeypatch, source)
    assert {(s.rule, s.line) for s in outcome.sites} >= {("PRU002", 5), ("PRU005", 5)}


def test_a_class_nested_in_a_method_of_a_class_far_away_is_seen(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The class statement's own `class` keyword is not the only one in its text: the
    # bodies are searched (a body is skipped only when its text cannot hold a class).
    source = _padded(
        "from prefect import Task\n"
        "from prefect.engine.result_handlers import LocalResultHandler\n\n"
        "class Factory:\n    def make(self):\n        class Base(Task):\n            pass\n\n"
        "def more():\n    class Special(Base):\n        pass\n\n"
        "t = Special(result_handler=LocalResultHandler())\n"
    )
    view = make_view(source)
    assert view is not None
    assert "class Factory" in view.code
    outcome = _same_either_way(monkeypatch, source)
    assert "t = Special(result=LocalResult())" in outcome.code


def test_the_closure_follows_a_long_chain_of_statements(monkeypatch: pytest.MonkeyPatch) -> None:
    # Each statement is linked only to the next one; every link must be followed.
    chain = "".join(f"value_{n} = value_{n + 1}\n" for n in range(100))
    source = _padded(
        "from prefect import Task\n"
        "from prefect.engine.result_handlers import LocalResultHandler\n\n"
        "t = Task(result_handler=value_0)\n" + chain + "value_100 = LocalResultHandler()\n",
        pieces=30,
    )
    view = make_view(source)
    assert view is not None
    assert "value_100 = LocalResultHandler()" in view.code
    assert "value_50 = value_51" in view.code
    assert "def summarise_0" not in view.code
    _same_either_way(monkeypatch, source)


def test_no_closure_is_computed_when_the_seeds_alone_keep_too_much(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from codemods import _subset

    def no_closure(*args: object) -> set[int]:
        raise AssertionError("the closure was computed")

    monkeypatch.setattr(_subset, "_kept", no_closure)
    # Every statement but the last mentions a legacy name: at most 1 line of 10 can go.
    dense = "".join(f"h{i} = LocalResultHandler()\n" for i in range(9)) + "x = 1\n"
    assert make_view(dense) is None
    # A view is still made where enough could be left out (the closure then runs).
    sparse = "h = LocalResultHandler()\n" + "".join(f"x{i} = {i}\n" for i in range(9))
    with pytest.raises(AssertionError, match="closure was computed"):
        make_view(sparse)


@pytest.mark.parametrize(
    ("binding", "imported"),
    [
        ("LocalResult = 5", "import LocalResult as LocalResult_\n"),
        ("class LocalResult:\n    pass", "import LocalResult as LocalResult_\n"),
        ("LocalResult_ = 5", "import LocalResult\n"),  # no clash: no alias
    ],
)
def test_a_far_binding_of_a_result_name_is_seen(
    monkeypatch: pytest.MonkeyPatch, binding: str, imported: str
) -> None:
    """The new import takes an alias when the module binds the name elsewhere: the
    statement binding it is in the view, however far from the legacy code."""
    source = (
        "from prefect import Task\n"
        "from prefect.engine.result_handlers import LocalResultHandler\n"
        + "".join(UNRELATED.format(n=n) for n in range(6))
        + f"\n\n{binding}\n"
        + "".join(UNRELATED.format(n=n) for n in range(6, 12))
        + '\n\ntask = Task(result_handler=LocalResultHandler(dir="/tmp"))\n'
    )
    outcome = _same_either_way(monkeypatch, source)
    assert f"from prefect.engine.results {imported}" in outcome.code
