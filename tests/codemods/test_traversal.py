"""Traversal, per-statement codegen and composite passes behave like libcst.

``codemods._cst.traverse`` walks trees without rebuilding unchanged nodes and without
entering layout nodes, ``codemods._cst.codegen`` generates code and positions per top-level
statement, and ``codemods._cst.composite`` runs several passes in one traversal. Each is
checked against libcst itself (``node.children``, ``node.visit``, ``Module.code``,
``PositionProvider``, ``QualifiedNameProvider``) on varied snippets and on a few real files
of the installed libcst package.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from functools import cache
from pathlib import Path
from typing import Any

import libcst as cst
import pytest
from libcst.metadata import (
    CodeRange,
    ExpressionContextProvider,
    MetadataWrapper,
    PositionProvider,
    QualifiedName,
    QualifiedNameProvider,
    Scope,
    ScopeProvider,
    WhitespaceInclusivePositionProvider,
)
from libcst.metadata.expression_context_provider import ExpressionContextVisitor
from libcst.metadata.scope_provider import ScopeVisitor

from codemods._cst import metadata as _metadata
from codemods._cst import traverse as _traverse
from codemods._cst.codegen import CodeCache
from codemods._cst.composite import CompositePass
from codemods._cst.traverse import is_trivia, iter_children, read_only_visits, transform, visit

ORIGINAL_VISIT = cst.CSTNode.visit

# -- sample sources ----------------------------------------------------------------------

CLASSES = '''\
"""Module docstring."""
from __future__ import annotations

import os.path as osp
from collections import (OrderedDict, defaultdict,)
from typing import *
from . import sibling
from ..pkg.mod import thing as other


@dataclass(frozen=True)
@other.decorate(1, key="k")
class Point(Base, metaclass=Meta):
    """A point."""

    x: int = 0
    y: "Optional[int]" = None
    z: list["Point"] | None

    def __init__(self, *args: int, key: str = "k", **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.values = [v * 2 for v in args if v]  # doubled
        self.table = {k: v for k, v in kwargs.items()}
        self.unique = {a for a in args}
        self.lazy = (a for a in args)
        self.f = lambda a, /, b=1, *, c: a + b + c
        self.path = osp.join("a", os.sep)

    @property
    def norm(self) -> float:
        return (self.x ** 2 + self.y ** 2) ** 0.5
        # a comment in the footer of an indented block
'''

CONTROL_FLOW = """\
counter = 0


def outer():
    x = 1

    def inner():
        nonlocal x
        global counter
        counter += 1; x += 1; del x

    return inner


async def fetch(session, urls):
    async with session.get(urls[0]) as response, session as other:
        data = await response.json()
    async for item in session.stream():
        yield item
    results = [await f() async for f in urls]
    return data, results


try:
    value = int("1")
except (ValueError, TypeError) as error:
    raise RuntimeError("bad") from error
except Exception:
    pass
else:
    value += 1
finally:
    print("done")

while (n := counter) < 10:
    counter += 1
    if n % 2: continue
    elif n > 5:
        break
else:
    pass

class Stub:
    pass
    name: str


def stub(): pass; return None


for i, (a, b) in enumerate(zip("ab", "cd")):
    assert a != b, f"{a!r} {b:>{i}} {a=} {x:{'>' if i else '<'}10}"
with open("f") as fh, open("g"): pass
"""

MATCH_AND_STRINGS = '''\
def describe(command, width: int = 8) -> str:
    match command:
        case ["go", direction] if direction in {"north", "south"}:
            return f"going {direction:>{width}}"
        case {"action": action, **rest}:
            return f"{action!s:^{width}.{width}} {rest}"
        case Point(x=0, y=0) | Point(x=1):
            return "origin" 'ish' r"raw\\n"
        case [1, 2, *others]:
            return rf"{others!r}"
        case str() as text:
            return text[1:-1:2]
        case _:
            return b"bytes".decode() + """triple
quoted"""


x = y = 1; z = x if y else not x;
print(-x, ~y, x @ y if False else x // y, x << 2 >> 1, x is not y, x not in [y], *z, **{})
type Alias = list[int]


def first[T](items: list[T]) -> T:
    return items[0]
'''

SAMPLES: dict[str, str] = {
    "classes": CLASSES,
    "control_flow": CONTROL_FLOW,
    "match_and_strings": MATCH_AND_STRINGS,
    "crlf": "import os\r\n\r\n\r\ndef f(x):\r\n    # comment\r\n    return x  # end\r\n",
    "no_trailing_newline": "x = 1\nif x:\n    y = x  # trailing comment",
    "comments_at_end": "x = 1\ndef f():\n    pass\n    # block footer\n\n# module footer\n",
    "comment_without_newline": "x = 1\n# last",
    "empty": "",
    "only_comments": "# one\n\n# two\n",
    "only_blank_lines": "\n\n\n",
}
SNIPPET_IDS = list(SAMPLES)

LIBCST_NODES = Path(cst.__file__).parent / "_nodes"
# The smaller modules of libcst's own node definitions (the big ones add time, not cases).
LIBCST_FILES = sorted(p for p in LIBCST_NODES.glob("*.py") if p.stat().st_size < 25_000)
SAMPLES.update({f"libcst/{p.name}": p.read_text(encoding="utf-8") for p in LIBCST_FILES})

SAMPLE_IDS = list(SAMPLES)
# For the checks that run libcst's slow visits many times over: all but the longest sources.
SMALL_SAMPLE_IDS = [name for name, source in SAMPLES.items() if len(source) < 10_000]


@cache
def parsed(name: str) -> cst.Module:
    """Parse sample ``name`` once; the modules are immutable, so tests can share them."""
    return cst.parse_module(SAMPLES[name])


def test_samples_are_what_they_claim() -> None:
    assert len(LIBCST_FILES) >= 5
    assert len([n for n in SMALL_SAMPLE_IDS if n.startswith("libcst/")]) >= 3
    assert parsed("crlf").default_newline == "\r\n"
    assert not parsed("no_trailing_newline").has_trailing_newline
    assert parsed("comments_at_end").footer
    for name in SAMPLE_IDS:
        assert parsed(name).code == SAMPLES[name]


# -- helpers -----------------------------------------------------------------------------


def walk(node: cst.CSTNode) -> Iterator[cst.CSTNode]:
    """Yield ``node`` and all its descendants (layout included), via libcst's ``children``."""
    yield node
    for child in node.children:
        yield from walk(child)


def contains_name(node: cst.CSTNode, value: str) -> bool:
    return any(isinstance(n, cst.Name) and n.value == value for n in walk(node))


Event = tuple[str, cst.CSTNode, str]


def describe(events: Sequence[Event]) -> list[tuple[str, str, str]]:
    """The events with node type names instead of nodes (readable in a failed assert)."""
    return [(kind, type(node).__name__, field) for kind, node, field in events]


def assert_same_events(got: Sequence[Event], expected: Sequence[Event]) -> None:
    """Same callbacks, in the same order, on the very same node objects."""
    assert describe(got) == describe(expected)
    assert all(a[1] is b[1] for a, b in zip(got, expected))


class Recorder(cst.CSTVisitor):
    """Records ``on_visit``/``on_leave`` for every non-layout node, then dispatches."""

    def __init__(self) -> None:
        super().__init__()
        self.events: list[Event] = []

    def on_visit(self, node: cst.CSTNode) -> bool:
        if not is_trivia(type(node)):
            self.events.append(("visit", node, ""))
        return super().on_visit(node)

    def on_leave(self, original_node: cst.CSTNode) -> None:
        if not is_trivia(type(original_node)):
            self.events.append(("leave", original_node, ""))
        super().on_leave(original_node)


class LayoutRecorder(Recorder):
    """Also has callbacks for a few layout node types."""

    def visit_Comma(self, node: cst.Comma) -> None:
        self.events.append(("visit_Comma", node, ""))

    def leave_Comma(self, original_node: cst.Comma) -> None:
        self.events.append(("leave_Comma", original_node, ""))

    def leave_Dot(self, original_node: cst.Dot) -> None:
        self.events.append(("leave_Dot", original_node, ""))

    def visit_AssignEqual(self, node: cst.AssignEqual) -> None:
        self.events.append(("visit_AssignEqual", node, ""))


class AttributeRecorder(Recorder):
    """Overrides the generic attribute callbacks (recorded on non-layout nodes)."""

    def on_visit_attribute(self, node: cst.CSTNode, attribute: str) -> None:
        if not is_trivia(type(node)):
            self.events.append(("visit_attribute", node, attribute))

    def on_leave_attribute(self, original_node: cst.CSTNode, attribute: str) -> None:
        if not is_trivia(type(original_node)):
            self.events.append(("leave_attribute", original_node, attribute))


class NamedAttributeRecorder(Recorder):
    """Defines a few ``visit_<Node>_<field>``/``leave_<Node>_<field>`` callbacks."""

    def visit_Call_func(self, node: cst.Call) -> None:
        self.events.append(("visit_Call_func", node, "func"))

    def leave_Call_args(self, node: cst.Call) -> None:
        self.events.append(("leave_Call_args", node, "args"))

    def visit_ClassDef_bases(self, node: cst.ClassDef) -> None:
        self.events.append(("visit_ClassDef_bases", node, "bases"))

    def visit_IndentedBlock_body(self, node: cst.IndentedBlock) -> None:
        self.events.append(("visit_IndentedBlock_body", node, "body"))


class MethodRecorder(cst.CSTVisitor):
    """Only ``visit_<Node>``/``leave_<Node>`` methods, which the traversal looks up once per
    node type; one declines to enter, one is set on the instance."""

    def __init__(self) -> None:
        super().__init__()
        self.events: list[Event] = []

    def visit_Name(self, node: cst.Name) -> None:
        self.events.append(("visit_Name", node, ""))

    def leave_Name(self, original_node: cst.Name) -> None:
        self.events.append(("leave_Name", original_node, ""))

    def visit_Call(self, node: cst.Call) -> bool:
        self.events.append(("visit_Call", node, ""))
        return True

    def visit_Lambda(self, node: cst.Lambda) -> bool:
        self.events.append(("visit_Lambda", node, ""))
        return False  # nothing below a lambda is offered

    def leave_Lambda(self, original_node: cst.Lambda) -> None:
        self.events.append(("leave_Lambda", original_node, ""))


class InstanceCallbackRecorder(MethodRecorder):
    """A callback set on the instance, which libcst finds too."""

    def __init__(self) -> None:
        super().__init__()
        self.leave_Call = lambda node: self.events.append(("leave_Call", node, ""))


class EveryNode(cst.CSTVisitor):
    """Records every node it is offered, layout included."""

    def __init__(self) -> None:
        super().__init__()
        self.nodes: list[cst.CSTNode] = []

    def on_visit(self, node: cst.CSTNode) -> bool:
        self.nodes.append(node)
        return True


def runs(visitor_type: type[Recorder], node: cst.CSTNode) -> tuple[list[Event], list[Event]]:
    """The events of ``visit`` and of libcst's ``node.visit``, each with a fresh visitor."""
    fast, slow = visitor_type(), visitor_type()
    visit(node, fast)
    node.visit(slow)
    return fast.events, slow.events


# -- _traverse: iter_children, is_trivia, visit ------------------------------------------


@pytest.mark.parametrize("name", SAMPLE_IDS)
def test_iter_children_matches_libcst_children(name: str) -> None:
    for node in walk(parsed(name)):
        got, expected = list(iter_children(node)), list(node.children)
        assert [type(n).__name__ for n in got] == [type(n).__name__ for n in expected]
        assert all(a is b for a, b in zip(got, expected)), type(node).__name__


@pytest.mark.parametrize("name", SAMPLE_IDS)
def test_layout_nodes_hold_only_layout(name: str) -> None:
    """Not entering a layout node never hides a node that is not layout."""
    for node in walk(parsed(name)):
        if is_trivia(type(node)):
            assert all(is_trivia(type(n)) for n in walk(node)), type(node).__name__


def test_is_trivia_classifies_layout_and_code() -> None:
    layout = [
        cst.SimpleWhitespace(" "),
        cst.Comment("# c"),
        cst.Newline(),
        cst.EmptyLine(),
        cst.TrailingWhitespace(),
        cst.Comma(),
        cst.Dot(),
        cst.Colon(),
        cst.Semicolon(),
        cst.AssignEqual(),
        cst.LeftParen(),
        cst.RightSquareBracket(),
        cst.Add(),
        cst.And(),
        cst.Equal(),
        cst.Not(),
        cst.AddAssign(),
        cst.ImportStar(),
        cst.Asynchronous(),
    ]
    code = [
        cst.Name("x"),
        cst.Integer("1"),
        cst.Pass(),
        cst.Module(body=[]),
        cst.Arg(cst.Name("a")),
    ]
    assert all(is_trivia(type(n)) for n in layout)
    assert not any(is_trivia(type(n)) for n in code)


@pytest.mark.parametrize("name", SAMPLE_IDS)
def test_visit_gives_libcst_callbacks_on_code_nodes(name: str) -> None:
    module = parsed(name)
    fast, slow = runs(Recorder, module)
    assert fast  # the module itself at least
    assert_same_events(fast, slow)


@pytest.mark.parametrize("visitor_type", [MethodRecorder, InstanceCallbackRecorder])
@pytest.mark.parametrize("name", SAMPLE_IDS)
def test_visit_finds_node_callbacks_as_libcst_does(
    name: str, visitor_type: type[MethodRecorder]
) -> None:
    fast, slow = runs(visitor_type, parsed(name))  # type: ignore[arg-type]
    assert_same_events(fast, slow)


def test_node_callbacks_are_delivered() -> None:
    """A sanity check that the comparison above compares something."""
    fast, _ = runs(InstanceCallbackRecorder, parsed("classes"))  # type: ignore[arg-type]
    kinds = {kind for kind, _, _ in fast}
    assert {"visit_Name", "leave_Name", "visit_Call", "leave_Call", "visit_Lambda"} <= kinds
    lambdas = [node for kind, node, _ in fast if kind == "visit_Lambda"]
    assert lambdas
    assert not any(
        kind == "visit_Name" and any(node in walk(lam) for lam in lambdas) for kind, node, _ in fast
    )


@pytest.mark.parametrize("name", SAMPLE_IDS)
def test_visit_enters_layout_nodes_the_visitor_has_callbacks_for(name: str) -> None:
    fast, slow = runs(LayoutRecorder, parsed(name))
    assert_same_events(fast, slow)


def test_layout_callbacks_are_delivered() -> None:
    module = cst.parse_module("from .. import a, b\nf(x, key=1)\n")
    fast, _ = runs(LayoutRecorder, module)
    kinds = [kind for kind, _, _ in fast]
    assert kinds.count("visit_Comma") == kinds.count("leave_Comma") == 2
    assert kinds.count("leave_Dot") == 2
    assert kinds.count("visit_AssignEqual") == 1


@pytest.mark.parametrize("name", SAMPLE_IDS)
def test_visit_gives_libcst_attribute_callbacks(name: str) -> None:
    module = parsed(name)
    for visitor_type in (AttributeRecorder, NamedAttributeRecorder):
        fast, slow = runs(visitor_type, module)
        assert_same_events(fast, slow)


def test_visit_gives_no_attribute_callbacks_for_an_absent_format_spec() -> None:
    fast, slow = runs(AttributeRecorder, cst.parse_module('f"{x}"\n'))
    assert_same_events(fast, slow)


def test_named_attribute_callbacks_are_delivered() -> None:
    module = cst.parse_module("class C(B):\n    f(x)\n")
    fast, _ = runs(NamedAttributeRecorder, module)
    assert {kind for kind, _, _ in fast} >= {
        "visit_Call_func",
        "leave_Call_args",
        "visit_ClassDef_bases",
        "visit_IndentedBlock_body",
    }


def test_visit_of_a_subtree_and_declined_nodes() -> None:
    """``on_visit`` returning False skips the children but not the node's ``on_leave``."""

    class NoFunctions(Recorder):
        def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
            return False

    module = parsed("control_flow")
    fast, slow = runs(NoFunctions, module)
    assert_same_events(fast, slow)
    outer = module.body[1]
    assert isinstance(outer, cst.FunctionDef)
    assert describe([e for e in fast if e[1] is outer or e[1] is outer.name]) == [
        ("visit", "FunctionDef", ""),
        ("leave", "FunctionDef", ""),
    ]
    fast, slow = runs(Recorder, module.body[2])
    assert_same_events(fast, slow)


def test_visit_reaches_layout_nodes_nested_in_other_layout_nodes() -> None:
    class Comments(cst.CSTVisitor):
        def __init__(self) -> None:
            super().__init__()
            self.seen: list[str] = []

        def visit_Comment(self, node: cst.Comment) -> None:
            self.seen.append(node.value)

    module = cst.parse_module("# head\nx = 1  # trailing\n")
    fast, slow = Comments(), Comments()
    visit(module, fast)
    module.visit(slow)
    assert slow.seen == ["# head", "# trailing"]
    assert fast.seen == slow.seen


# -- _traverse: transform ----------------------------------------------------------------


class Identity(cst.CSTTransformer):
    """Changes nothing; records whether each ``on_leave`` got the original node back."""

    def __init__(self) -> None:
        super().__init__()
        self.kept: list[bool] = []

    def on_leave(
        self, original_node: cst.CSTNode, updated_node: cst.CSTNode
    ) -> cst.CSTNode | cst.RemovalSentinel | cst.FlattenSentinel[cst.CSTNode]:
        self.kept.append(updated_node is original_node)
        return updated_node


class RenameX(cst.CSTTransformer):
    def leave_Name(self, original_node: cst.Name, updated_node: cst.Name) -> cst.Name:
        return updated_node.with_changes(value="y") if updated_node.value == "x" else updated_node


class RemovePass(cst.CSTTransformer):
    def leave_Pass(self, original_node: cst.Pass, updated_node: cst.Pass) -> cst.RemovalSentinel:
        return cst.RemoveFromParent()


class RemoveExpr(cst.CSTTransformer):
    def leave_Expr(self, original_node: cst.Expr, updated_node: cst.Expr) -> cst.RemovalSentinel:
        return cst.RemoveFromParent()


class PrefixStatements(cst.CSTTransformer):
    """Puts a marker statement before every simple statement line (a body sequence)."""

    def leave_SimpleStatementLine(
        self, original_node: cst.SimpleStatementLine, updated_node: cst.SimpleStatementLine
    ) -> cst.FlattenSentinel[cst.BaseStatement]:
        marker = cst.SimpleStatementLine([cst.Expr(cst.Name("marker"))])
        return cst.FlattenSentinel([marker, updated_node])


class DoubleSmallStatements(cst.CSTTransformer):
    """Replaces each ``pass`` by two (a small-statement sequence)."""

    def leave_Pass(
        self, original_node: cst.Pass, updated_node: cst.Pass
    ) -> cst.FlattenSentinel[cst.BaseSmallStatement]:
        return cst.FlattenSentinel([cst.Pass(), cst.Expr(cst.Name("after"))])


class PassToNothingInBodies(cst.CSTTransformer):
    """Replaces ``pass`` lines by removable empty lines: libcst drops them from bodies."""

    def leave_SimpleStatementLine(
        self, original_node: cst.SimpleStatementLine, updated_node: cst.SimpleStatementLine
    ) -> cst.SimpleStatementLine | cst.FlattenSentinel[cst.BaseStatement]:
        if any(isinstance(s, cst.Pass) for s in updated_node.body):
            empty = updated_node.with_changes(body=())
            return cst.FlattenSentinel([empty, empty.deep_clone()])
        return updated_node


class RemoveCommas(cst.CSTTransformer):
    """Removes every comma: a layout node with a callback, mostly in ``MaybeSentinel`` fields
    (libcst refuses where the comma is required: both must then raise the same error).
    """

    def leave_Comma(self, original_node: cst.Comma, updated_node: cst.Comma) -> cst.RemovalSentinel:
        return cst.RemoveFromParent()


class RemoveAnnotations(cst.CSTTransformer):
    """Removes annotations: optional in parameters and returns, required in ``x: int``."""

    def leave_Annotation(
        self, original_node: cst.Annotation, updated_node: cst.Annotation
    ) -> cst.Annotation | cst.RemovalSentinel:
        return cst.RemoveFromParent()


EDITS: dict[str, Callable[[], cst.CSTTransformer]] = {
    "rename": RenameX,
    "remove_pass": RemovePass,
    "remove_expr": RemoveExpr,
    "prefix_statements": PrefixStatements,
    "double_small_statements": DoubleSmallStatements,
    "pass_to_nothing": PassToNothingInBodies,
    "remove_commas": RemoveCommas,
    "remove_annotations": RemoveAnnotations,
}


@pytest.mark.parametrize("name", SAMPLE_IDS)
def test_identity_transform_returns_the_same_module(name: str) -> None:
    module = parsed(name)
    identity = Identity()
    assert transform(module, identity) is module
    assert identity.kept
    assert all(identity.kept)
    assert transform(module, cst.CSTTransformer()) is module


def outcome(run: Callable[[], object]) -> tuple[str, object]:
    """The module ``run`` returns, or the type of the error it raises."""
    try:
        result = run()
    except (TypeError, cst.CSTValidationError) as error:
        return "error", type(error)
    return "result", result


@pytest.mark.parametrize("edit", list(EDITS))
def test_edits_change_some_sample(edit: str) -> None:
    """The comparison below is not vacuous: each edit changes some sample."""
    changed = []
    for name in SNIPPET_IDS:
        kind, result = outcome(lambda name=name: parsed(name).visit(EDITS[edit]()))
        if kind == "result":
            assert isinstance(result, cst.Module)
            changed.append(not result.deep_equals(parsed(name)))
    assert any(changed)


@pytest.mark.parametrize("edit", list(EDITS))
@pytest.mark.parametrize("name", SMALL_SAMPLE_IDS)
def test_transform_gives_libcst_result(name: str, edit: str) -> None:
    """The same module (or the same error, where libcst rejects the edit)."""
    module = parsed(name)
    expected = outcome(lambda: module.visit(EDITS[edit]()))
    got = outcome(lambda: transform(module, EDITS[edit]()))
    if expected[0] == "error":
        assert got == expected
        return
    assert got[0] == "result"
    assert isinstance(got[1], cst.Module)
    assert isinstance(expected[1], cst.Module)
    assert got[1].code == expected[1].code
    assert got[1].deep_equals(expected[1])


@pytest.mark.parametrize("name", SAMPLE_IDS)
def test_transform_keeps_untouched_statements(name: str) -> None:
    module = parsed(name)
    got = transform(module, RenameX())
    assert isinstance(got, cst.Module)
    assert len(got.body) == len(module.body)
    for old, new in zip(module.body, got.body):
        assert (new is old) == (not contains_name(old, "x")), old
    assert (got is module) == (not contains_name(module, "x"))
    assert got.header is module.header
    assert got.footer is module.footer


def test_transform_passes_unchanged_nodes_to_leave_as_they_are() -> None:
    module = parsed("control_flow")
    changed: dict[cst.CSTNode, bool] = {}

    class Watch(RenameX):
        def on_leave(
            self, original_node: cst.CSTNode, updated_node: cst.CSTNode
        ) -> cst.CSTNode | cst.RemovalSentinel | cst.FlattenSentinel[cst.CSTNode]:
            changed[original_node] = updated_node is not original_node
            return super().on_leave(original_node, updated_node)

    transform(module, Watch())
    assert changed
    for node, was_changed in changed.items():
        # A node gets a new object exactly when a Name "x" below it was renamed.
        below = any(contains_name(c, "x") for c in node.children)
        assert was_changed == below, type(node).__name__


def test_transform_of_a_subtree() -> None:
    module = parsed("control_flow")
    for statement in module.body:
        expected = statement.visit(RenameX())
        got = transform(statement, RenameX())
        assert isinstance(got, cst.CSTNode)
        assert module.code_for_node(got) == module.code_for_node(expected)


def test_transform_removal_of_optional_and_sentinel_fields() -> None:
    module = cst.parse_module("def f(a: int, *args: str, b: bool = True,) -> None:\n    g(a, b,)\n")
    for edit in (RemoveAnnotations, RemoveCommas):
        expected = module.visit(edit())
        got = transform(module, edit())
        assert got.code == expected.code
        assert got.deep_equals(expected)
    assert transform(module, RemoveAnnotations()).code.startswith("def f(a, *args, b = True,):")
    assert transform(module, RemoveCommas()).code.endswith("g(a, b)\n")


def test_transform_removing_the_module_empties_it() -> None:
    class RemoveModule(cst.CSTTransformer):
        def leave_Module(
            self, original_node: cst.Module, updated_node: cst.Module
        ) -> cst.RemovalSentinel:
            return cst.RemoveFromParent()

    module = parsed("comments_at_end")
    expected = module.visit(RemoveModule())
    got = transform(module, RemoveModule())
    assert isinstance(got, cst.Module)
    assert got.code == expected.code
    assert got.deep_equals(expected)


@pytest.mark.parametrize(
    "result",
    [
        pytest.param(lambda: cst.RemoveFromParent(), id="removal"),
        pytest.param(lambda: cst.FlattenSentinel([cst.Name("a"), cst.Name("b")]), id="flatten"),
    ],
)
def test_transform_rejects_what_libcst_rejects_in_a_required_field(
    result: Callable[[], object],
) -> None:
    class Bad(cst.CSTTransformer):
        def leave_Name(self, original_node: cst.Name, updated_node: cst.Name) -> object:
            return result()

    module = cst.parse_module("f(x)\n")
    with pytest.raises(TypeError, match="while visiting a Name"):
        module.visit(Bad())
    with pytest.raises(TypeError, match="while visiting a Name"):
        transform(module, Bad())


def test_transform_rejects_a_leave_result_that_is_not_a_node() -> None:
    class Bad(cst.CSTTransformer):
        def leave_Name(self, original_node: cst.Name, updated_node: cst.Name) -> object:
            return "x"

    module = cst.parse_module("f(x)\n")
    with pytest.raises(cst.CSTValidationError) as expected:
        module.visit(Bad())
    with pytest.raises(cst.CSTValidationError) as got:
        transform(module, Bad())
    assert str(got.value) == str(expected.value)


# -- _traverse: read_only_visits ---------------------------------------------------------


def qualified_names(module: cst.Module) -> dict[cst.CSTNode, set[QualifiedName]]:
    """``QualifiedNameProvider``'s names for every ``Name`` node of ``module`` itself."""
    wrapper = MetadataWrapper(module, unsafe_skip_copy=True)
    found = wrapper.resolve(QualifiedNameProvider)
    return {
        node: set(names() if callable(names) else names)  # QualifiedNameProvider is lazy
        for node, names in found.items()
        if isinstance(node, cst.Name)
    }


@pytest.mark.parametrize("name", SMALL_SAMPLE_IDS)
def test_scope_analysis_is_the_same_with_read_only_visits(name: str) -> None:
    module = parsed(name)
    expected = qualified_names(module)
    with read_only_visits(ExpressionContextVisitor, ScopeVisitor):
        assert cst.CSTNode.visit is not ORIGINAL_VISIT
        got = qualified_names(module)
    assert cst.CSTNode.visit is ORIGINAL_VISIT
    assert got == expected
    assert len(expected) == sum(isinstance(n, cst.Name) for n in walk(module))


def scope_facts(
    module: cst.Module, scopes: Mapping[cst.CSTNode, Scope | None]
) -> dict[cst.CSTNode, tuple[str, int, frozenset[str], frozenset[str]]]:
    """For every node: its scope's kind and assignment count, its qualified names, and
    the assignments and accesses the scope records for it if it is a ``Name``."""
    facts = {}
    for node in walk(module):
        if is_trivia(type(node)):
            continue  # the engine's analysis does not enter layout nodes
        scope = scopes.get(node)
        if scope is None:
            continue
        names = frozenset(q.name for q in scope.get_qualified_names_for(node))
        recorded: frozenset[str] = frozenset()
        if isinstance(node, cst.Name):
            recorded = frozenset(
                f"{type(a).__name__}:{type(getattr(a, 'node', None)).__name__}:{len(a.references)}"
                for a in scope[node.value]
            ) | frozenset(f"access:{len(a.referents)}" for a in scope.accesses[node.value])
        facts[node] = (type(scope).__name__, scope._assignment_count, names, recorded)
    return facts


@pytest.mark.parametrize("name", SMALL_SAMPLE_IDS)
def test_engine_scopes_are_libcsts(name: str) -> None:
    """The engine's scope analysis (its faster visitor) gives what ``ScopeProvider`` does."""
    module = parsed(name)
    expected = MetadataWrapper(module, unsafe_skip_copy=True).resolve(ScopeProvider)
    got = _metadata._scopes(module)
    assert scope_facts(module, got) == scope_facts(module, expected)


def test_the_faster_scope_visitor_serves_this_libcst() -> None:
    """It is used only where libcst's code is the one it was written for: this one."""
    assert _metadata._scope_visitor_type() is not ScopeVisitor
    assert issubclass(_metadata._scope_visitor_type(), ScopeVisitor)


def test_qualified_names_are_resolved() -> None:
    """A sanity check that the comparison above compares something."""
    module = parsed("classes")
    names = {q.name for qs in qualified_names(module).values() for q in qs}
    assert {
        "os.path",
        "..pkg.mod.thing",
        "builtins.super",
        "Point.__init__",
        "Point.__init__.<locals>.<comprehension>.k",
    } <= names


def layout_seen(visitor_type: type[EveryNode], module: cst.Module) -> bool:
    """Whether ``module.visit`` offers a fresh ``visitor_type`` any layout node."""
    visitor = visitor_type()
    assert module.visit(visitor) is module
    return any(is_trivia(type(n)) for n in visitor.nodes)


class Listed(EveryNode):
    pass


class Other(EveryNode):
    pass


class ListedSubclass(Listed):
    pass


def test_read_only_visits_routes_only_the_listed_types() -> None:
    module = parsed("classes")
    assert layout_seen(Listed, module)
    with read_only_visits(Listed):
        assert not layout_seen(Listed, module)  # the fast path
        assert layout_seen(Other, module)
        assert layout_seen(ListedSubclass, module)
        fast, slow = Listed(), Other()
        module.body[-1].visit(fast)
        module.body[-1].visit(slow)
        assert fast.nodes == [n for n in slow.nodes if not is_trivia(type(n))]
    assert cst.CSTNode.visit is ORIGINAL_VISIT
    assert layout_seen(Listed, module)


def test_read_only_visits_restores_after_an_exception() -> None:
    module = parsed("crlf")
    with pytest.raises(RuntimeError, match="inside"), read_only_visits(Listed):
        raise RuntimeError("inside")
    assert cst.CSTNode.visit is ORIGINAL_VISIT
    assert layout_seen(Listed, module)


def test_read_only_visits_nested() -> None:
    module = parsed("crlf")
    with read_only_visits(Listed):
        with read_only_visits(Other, Listed):
            assert not layout_seen(Listed, module)
            assert not layout_seen(Other, module)
        # The inner block's end leaves the outer block's types on the fast path.
        assert cst.CSTNode.visit is not ORIGINAL_VISIT
        assert not layout_seen(Listed, module)
        assert layout_seen(Other, module)
        with pytest.raises(ValueError), read_only_visits(Other):
            raise ValueError
        assert not layout_seen(Listed, module)
        assert layout_seen(Other, module)
    assert cst.CSTNode.visit is ORIGINAL_VISIT
    assert layout_seen(Listed, module)
    assert layout_seen(Other, module)


def test_read_only_visits_restores_after_an_exception_in_nested_blocks() -> None:
    with pytest.raises(KeyError), read_only_visits(Listed), read_only_visits(Other):
        raise KeyError("x")
    assert cst.CSTNode.visit is ORIGINAL_VISIT
    assert layout_seen(Listed, parsed("crlf"))


# -- _codegen: CodeCache -----------------------------------------------------------------

BUILT_MODULES: dict[str, cst.Module] = {
    "empty": cst.Module(body=[]),
    "empty_without_newline": cst.Module(body=[], has_trailing_newline=False),
    "header_only": cst.Module(body=[], header=[cst.EmptyLine(comment=cst.Comment("# h"))]),
    "footer_without_newline": cst.Module(
        body=[cst.SimpleStatementLine([cst.Pass()])],
        footer=[cst.EmptyLine(comment=cst.Comment("# f"))],
        has_trailing_newline=False,
    ),
    "tabs_and_crlf": cst.parse_module("if x:\n    pass\n").with_changes(
        default_indent="\t", default_newline="\r\n"
    ),
}


@pytest.mark.parametrize("name", SAMPLE_IDS)
def test_code_is_module_code(name: str) -> None:
    module = parsed(name)
    cache = CodeCache()
    assert cache.code(module) == module.code == SAMPLES[name]
    assert cache.code(module) == module.code  # from the cache the second time


@pytest.mark.parametrize("name", list(BUILT_MODULES))
def test_code_of_built_modules(name: str) -> None:
    module = BUILT_MODULES[name]
    assert CodeCache().code(module) == module.code


def test_code_of_new_versions_sharing_statements() -> None:
    cache = CodeCache()
    module = parsed("control_flow")
    assert cache.code(module) == module.code
    versions = [
        module.with_changes(body=[*reversed(module.body)]),
        module.with_changes(body=module.body[2:]),
        module.with_changes(body=[module.body[0], *module.body]),
        transform(module, RenameX()),
        transform(module, PrefixStatements()),
        module.with_changes(default_newline="\r\n"),
        module.with_changes(default_indent="\t"),
        module.with_changes(has_trailing_newline=False),
        module.with_changes(header=parsed("only_comments").header, footer=module.header),
    ]
    for version in versions:
        assert isinstance(version, cst.Module)
        assert cache.code(version) == version.code
    assert cache.code(module) == module.code


def whitespace_inclusive_starts(module: cst.Module) -> dict[cst.CSTNode, int]:
    wrapper = MetadataWrapper(module, unsafe_skip_copy=True)
    found = wrapper.resolve(WhitespaceInclusivePositionProvider)
    return {statement: found[statement].start.line for statement in module.body}


def line_count_starts(module: cst.Module) -> dict[cst.CSTNode, int]:
    """Where each statement's code begins, counting the lines of what comes before it."""
    newline = re.compile(r"\r\n?|\n")
    line = 1 + sum(len(newline.findall(module.code_for_node(n))) for n in module.header)
    starts = {}
    for statement in module.body:
        starts[statement] = line
        line += len(newline.findall(module.code_for_node(statement)))
    return starts


@pytest.mark.parametrize("name", SAMPLE_IDS)
def test_starts_are_where_statements_begin(name: str) -> None:
    module = parsed(name)
    starts = CodeCache().starts(module)
    assert list(starts) == list(module.body)
    assert starts == whitespace_inclusive_starts(module) == line_count_starts(module)


def test_starts_include_leading_comments() -> None:
    module = cst.parse_module("# header\n\nx = 1\n\n# about f\ndef f():\n    pass\ny = 2\n")
    assert list(CodeCache().starts(module).values()) == [3, 4, 8]


def assert_positions_match(module: cst.Module, cache: CodeCache) -> None:
    """Compare ``cache.position`` with ``PositionProvider`` for every node in the body
    (layout nodes included).
    """
    expected = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
    starts = cache.starts(module)
    wrong: list[tuple[str, CodeRange, CodeRange]] = []
    for statement in module.body:
        for node in walk(statement):
            got = cache.position(module, statement, starts[statement], node)
            if got != expected[node]:
                wrong.append((type(node).__name__, got, expected[node]))
    assert wrong == []


@pytest.mark.parametrize("name", SAMPLE_IDS)
def test_positions_are_position_provider_positions(name: str) -> None:
    assert_positions_match(parsed(name), CodeCache())


@pytest.mark.parametrize("name", SAMPLE_IDS)
def test_metadata_positions_asked_in_any_order_are_position_provider_positions(
    name: str,
) -> None:
    """The rules' ``PositionProvider`` (statement starts found lazily, in order)."""
    module = parsed(name)
    expected = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
    metadata = _metadata.ModuleMetadata(module, module.code)
    positions = metadata.for_dependencies([PositionProvider])[PositionProvider]
    nodes = [n for n in walk(module) if not is_trivia(type(n))]
    # Last statement first, then the rest from the top: later starts are found first.
    for node in [*reversed(nodes[len(nodes) // 2 :]), *nodes[: len(nodes) // 2]]:
        assert positions[node] == expected[node], type(node).__name__


def test_metadata_positions_need_only_the_code_above_the_node() -> None:
    """A node in the first statement is placed without the code of the ones below."""
    module = parsed("classes")
    cache = CodeCache()
    metadata = _metadata.ModuleMetadata(module, module.code, cache)
    positions = metadata.for_dependencies([PositionProvider])[PositionProvider]
    first = module.body[0]
    assert positions[first].start.line == 1
    generated = cache._for(module)
    assert first in generated
    assert not any(statement in generated for statement in module.body[1:])


def test_positions_in_new_versions_sharing_statements() -> None:
    cache = CodeCache()
    module = parsed("match_and_strings")
    assert_positions_match(module, cache)
    extra = cst.parse_module("# new\nimport sys\n\n\n").body[0]
    versions = [
        module.with_changes(body=[extra, *module.body]),
        module.with_changes(body=[*reversed(module.body)]),
        module.with_changes(header=parsed("only_comments").header),
        transform(module, RenameX()),
        transform(module, PrefixStatements()),
        module.with_changes(default_newline="\r\n", default_indent="  "),
    ]
    for version in versions:
        assert isinstance(version, cst.Module)
        assert_positions_match(version, cache)


# -- _composite: CompositePass -----------------------------------------------------------

COMPOSITE_SOURCE = "def f(x):\n    return g(x)\n\n\nvalue = f(x)\n"


class RecordingPass(cst.CSTTransformer):
    """A pass that records its callbacks, declines some node types, renames some names."""

    def __init__(self, decline: Sequence[str] = (), suffix: str = "") -> None:
        super().__init__()
        self.decline = frozenset(decline)
        self.suffix = suffix
        self.changed = False
        self.events: list[tuple[str, str]] = []
        self.leaves: list[tuple[cst.CSTNode, cst.CSTNode]] = []

    def on_visit(self, node: cst.CSTNode) -> bool:
        self.events.append(("visit", type(node).__name__))
        return type(node).__name__ not in self.decline

    def on_leave(
        self, original_node: cst.CSTNode, updated_node: cst.CSTNode
    ) -> cst.CSTNode | cst.RemovalSentinel | cst.FlattenSentinel[cst.CSTNode]:
        self.events.append(("leave", type(original_node).__name__))
        self.leaves.append((original_node, updated_node))
        if self.suffix and isinstance(updated_node, cst.Name):
            self.changed = True
            return updated_node.with_changes(value=updated_node.value + self.suffix)
        return updated_node


class RemovingPass(RecordingPass):
    """Also removes every ``pass`` statement."""

    def on_leave(
        self, original_node: cst.CSTNode, updated_node: cst.CSTNode
    ) -> cst.CSTNode | cst.RemovalSentinel | cst.FlattenSentinel[cst.CSTNode]:
        result = super().on_leave(original_node, updated_node)
        if isinstance(original_node, cst.Pass):
            self.changed = True
            return cst.RemoveFromParent()
        return result


def run_libcst(module: cst.Module, transformer: cst.CSTTransformer) -> cst.CSTNode:
    return module.visit(transformer)


def run_transform(module: cst.Module, transformer: cst.CSTTransformer) -> cst.CSTNode:
    result = transform(module, transformer)
    assert isinstance(result, cst.CSTNode)
    return result


RUNNERS = {"libcst": run_libcst, "transform": run_transform}
Runner = Callable[[cst.Module, cst.CSTTransformer], cst.CSTNode]


def make_passes() -> list[RecordingPass]:
    return [
        RecordingPass(decline=["FunctionDef"]),
        RecordingPass(decline=["Call", "Param"]),
        RecordingPass(),
    ]


@pytest.mark.parametrize("runner", list(RUNNERS))
@pytest.mark.parametrize("name", ["composite", "classes", "control_flow"])
def test_each_pass_gets_the_callbacks_it_gets_alone(name: str, runner: str) -> None:
    run: Runner = RUNNERS[runner]
    module = cst.parse_module(COMPOSITE_SOURCE) if name == "composite" else parsed(name)
    alone = make_passes()
    for rule_pass in alone:
        assert run(module, rule_pass) is not None
    together = make_passes()
    composite = CompositePass(together)
    run(module, composite)
    for single, joined in zip(alone, together):
        assert joined.events == single.events
        assert joined.events


def test_a_declining_pass_gets_nothing_below_but_its_leave() -> None:
    module = cst.parse_module(COMPOSITE_SOURCE)
    no_functions, no_calls, everything = make_passes()
    transform(module, CompositePass([no_functions, no_calls, everything]))
    start = no_functions.events.index(("visit", "FunctionDef"))
    assert no_functions.events[start + 1] == ("leave", "FunctionDef")
    assert ("visit", "Return") not in no_functions.events
    assert ("visit", "Return") in no_calls.events
    # `g(x)` and `f(x)`: entered by the others, not by `no_calls`.
    assert no_calls.events.count(("visit", "Call")) == 2
    assert no_calls.events.count(("visit", "Arg")) == 0
    assert everything.events.count(("visit", "Arg")) == 2
    assert [e for e in no_calls.events if e[1] == "Call"] == [
        ("visit", "Call"),
        ("leave", "Call"),
    ] * 2


def test_nothing_below_a_node_every_pass_declines() -> None:
    module = cst.parse_module(COMPOSITE_SOURCE)
    function = module.body[0]
    first, second = (
        RecordingPass(decline=["FunctionDef"]),
        RecordingPass(decline=["FunctionDef", "Name"]),
    )
    composite = CompositePass([first, second])
    assert composite.on_visit(module) is True
    assert composite.on_visit(function) is False
    assert composite.on_leave(function, function) is function
    expected = [("visit", "Module"), ("visit", "FunctionDef"), ("leave", "FunctionDef")]
    assert first.events == expected
    assert second.events == expected
    # Both are back in: the next statement is entered again.
    assert composite.on_visit(module.body[1]) is True


def test_on_leave_is_chained_in_order() -> None:
    module = cst.parse_module(COMPOSITE_SOURCE)
    first, second, last = RecordingPass(suffix="_a"), RecordingPass(suffix="_b"), RecordingPass()
    composite = CompositePass([first, second, last])
    assert not composite.changed
    result = transform(module, composite)
    assert isinstance(result, cst.Module)
    assert result.code == (
        "def f_a_b(x_a_b):\n    return g_a_b(x_a_b)\n\n\nvalue_a_b = f_a_b(x_a_b)\n"
    )
    # The same as running the passes one after the other.
    one_by_one = module.visit(RecordingPass(suffix="_a")).visit(RecordingPass(suffix="_b"))
    assert result.code == one_by_one.code
    assert composite.changed
    assert first.changed
    assert second.changed
    assert not last.changed
    assert len(first.leaves) == len(second.leaves) == len(last.leaves)
    for (original, updated), (same, seen_by_second), (also_same, seen_by_last) in zip(
        first.leaves, second.leaves, last.leaves
    ):
        assert same is original
        assert also_same is original
        if isinstance(original, cst.Name):
            assert updated is original  # nothing below a Name changed
            assert isinstance(seen_by_second, cst.Name)
            assert isinstance(seen_by_last, cst.Name)
            assert seen_by_second.value == original.value + "_a"
            assert seen_by_last.value == original.value + "_a_b"


def test_a_declining_pass_leaves_the_result_of_the_passes_before_it() -> None:
    module = cst.parse_module(COMPOSITE_SOURCE)
    renaming, no_calls = RecordingPass(suffix="_a"), RecordingPass(decline=["Call"])
    transform(module, CompositePass([renaming, no_calls]))
    calls = [updated for original, updated in no_calls.leaves if isinstance(original, cst.Call)]
    assert [module.code_for_node(c) for c in calls] == ["g_a(x_a)", "f_a(x_a)"]


def test_changed_is_whether_any_pass_changed() -> None:
    module = cst.parse_module(COMPOSITE_SOURCE)
    passes = [RecordingPass(), RecordingPass()]
    composite = CompositePass(passes)
    assert transform(module, composite) is module
    assert not composite.changed
    passes[1].changed = True
    assert composite.changed


def test_a_pass_that_declined_a_removed_node_goes_on() -> None:
    module = cst.parse_module("pass\nvalue = 1\n")
    remover, plain, no_pass = RemovingPass(), RecordingPass(), RecordingPass(decline=["Pass"])
    result = transform(module, CompositePass([remover, plain, no_pass]))
    assert isinstance(result, cst.Module)
    assert result.code == "value = 1\n"
    assert ("visit", "Assign") in no_pass.events
    assert no_pass.events[-1] == ("leave", "Module")


def test_read_only_visits_restores_whatever_visit_was_installed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    installed = cst.CSTNode.visit

    def wrapped(self: cst.CSTNode, visitor: Any) -> Any:
        return installed(self, visitor)

    monkeypatch.setattr(cst.CSTNode, "visit", wrapped)
    with read_only_visits(ScopeVisitor):
        assert cst.CSTNode.visit is not wrapped
    assert cst.CSTNode.visit is wrapped


def test_node_types_without_a_readable_order_are_left_to_libcst(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Where libcst's source cannot be read, its own child visiting takes over, same result."""
    module = parsed(SMALL_SAMPLE_IDS[0])
    unreadable = {cst.Call: None, cst.FunctionDef: None, cst.Attribute: None}
    monkeypatch.setattr(_traverse, "_ORDER", {**_traverse._ORDER, **unreadable})
    assert list(iter_children(module.body[0])) == list(module.body[0].children)
    fast, slow = runs(Recorder, module)
    assert_same_events(fast, slow)
    for edit in EDITS:
        expected = outcome(lambda edit=edit: module.visit(EDITS[edit]()))
        got = outcome(lambda edit=edit: transform(module, EDITS[edit]()))
        if expected[0] == "result":
            assert got[0] == "result"
            assert got[1].code == expected[1].code  # type: ignore[union-attr]


# -- _cst.metadata: expression contexts from the metadata walk --------------------------


def libcst_contexts(module: cst.Module) -> dict[cst.CSTNode, object]:
    return dict(MetadataWrapper(module, unsafe_skip_copy=True).resolve(ExpressionContextProvider))


CONTEXT_SAMPLES = {
    **SAMPLES,
    "targets": (
        "a, (b, *c), d[e] = f.g = h\n"
        "i: j = k\n"
        "l += m\n"
        "del n, o.p, q[r]\n"
        "for s, t in u: pass\n"
        "[v for w, x in y if z]\n"
        "with aa as (bb, cc), dd as ee.ff: pass\n"
        "try: pass\nexcept gg as hh: pass\n"
        "if (ii := jj): pass\n"
        "import kk.ll as mm\nfrom nn import oo as pp\n"
        "lambda qq, *rr, ss=tt, **uu: vv\n"
        "@ww(xx)\nclass Yy(zz, metaclass=Ab):\n    cd: Ef = gh\n"
        "@ij\ndef kl(mn: Op = qr, /, *st: Uv, wx=yz) -> Za: return [*bc]\n"
        "match de:\n    case {'k': fg, **hi} | [jk, *lm] | No(pq=rs) as tu: pass\n"
        "global vw\n"
    ),
    "type_parameters": "class Ab[T: Cd](Ef): pass\ndef gh[U, *V, **W](x: U) -> V: pass\n",
}


@pytest.mark.parametrize("name", list(CONTEXT_SAMPLES))
def test_the_metadata_walk_finds_libcsts_expression_contexts(name: str) -> None:
    module = cst.parse_module(CONTEXT_SAMPLES[name])
    walk = _metadata._Walk(module)
    assert walk.contexts == libcst_contexts(module)


def test_the_expression_contexts_compared_above_hold_every_kind() -> None:
    """A sanity check that the comparison above compares something."""
    module = cst.parse_module(CONTEXT_SAMPLES["targets"])
    found = _metadata._Walk(module).contexts
    assert {str(c) for c in found.values()} == {
        "ExpressionContext.LOAD",
        "ExpressionContext.STORE",
        "ExpressionContext.DEL",
    }
    attribute_names = [n.attr for n in walk(module) if isinstance(n, cst.Attribute)]
    assert attribute_names
    assert not any(n in found for n in attribute_names)  # an attribute's name has none


@pytest.mark.parametrize("name", SMALL_SAMPLE_IDS)
def test_engine_scopes_from_the_walks_contexts_are_libcsts(name: str) -> None:
    module = parsed(name)
    expected = MetadataWrapper(module, unsafe_skip_copy=True).resolve(ScopeProvider)
    got = _metadata._scopes(module, _metadata._Walk(module).contexts)
    assert scope_facts(module, got) == scope_facts(module, expected)
