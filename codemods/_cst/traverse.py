"""Tree traversal with libcst's callback order, without rebuilding unchanged nodes.

``node.visit(visitor)`` in libcst constructs a new copy of every node it enters, even for
a read-only visitor, and dispatches an attribute callback for every field. On the module
sizes the rules see, that copying is most of a pass. The functions here call the same
callbacks in the same order (``on_visit``, the children field by field in libcst's visiting
order, ``on_leave``) but build a new node only where a child was replaced, so an untouched
subtree keeps its identity. Attribute callbacks (``visit_<Node>_<field>``) are dispatched
only to visitors that define some.

Layout nodes (whitespace, comments, punctuation, operators) are not entered unless the
visitor has a callback for their type: these functions are for visitors whose generic
callbacks ignore them (the rules, the metadata walk, libcst's scope analysis).

The visiting order of each node type is read once from libcst's own
``_visit_and_replace_children``; a node type whose order cannot be read is visited by
libcst itself, so the result is the same either way.
"""

from __future__ import annotations

import inspect
import re
import threading
import types
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from enum import Enum
from typing import Any

import libcst as cst
from libcst import CSTNode, FlattenSentinel, MaybeSentinel, RemovalSentinel

__all__ = [
    "code_children",
    "field_order",
    "is_node",
    "is_trivia",
    "iter_children",
    "read_only_visits",
    "transform",
    "visit",
]


class _Kind(Enum):
    REQUIRED = "visit_required"
    OPTIONAL = "visit_optional"
    SENTINEL = "visit_sentinel"
    SEQUENCE = "visit_sequence"
    BODY = "visit_body_sequence"


_FIELD_CALL = re.compile(
    r"\b(visit_required|visit_optional|visit_sentinel|visit_sequence|visit_body_sequence)"
    r"\(\s*self,\s*\"(\w+)\""
)
_ORDER: dict[type, tuple[tuple[str, _Kind], ...] | None] = {}
_MISSING: Any = object()


def field_order(kind: type) -> tuple[tuple[str, _Kind], ...] | None:
    """Return the fields libcst visits on ``kind``, in order, with how each is visited.

    ``None`` if the order cannot be read (the caller then lets libcst visit the node).
    """
    if kind in _ORDER:
        return _ORDER[kind]
    order: tuple[tuple[str, _Kind], ...] | None
    try:
        source = inspect.getsource(kind._visit_and_replace_children)
    except (OSError, TypeError, AttributeError):
        order = None
    else:
        seen: dict[str, _Kind] = {}
        for call, name in _FIELD_CALL.findall(source):
            seen.setdefault(name, _Kind(call))
        fields = set(getattr(kind, "__dataclass_fields__", ()))
        # Every named field must exist on the node, or the source is not what we expect.
        order = tuple(seen.items()) if set(seen) <= fields else None
    _ORDER[kind] = order
    return order


_NODE_TYPES: dict[type, bool] = {}

_TRIVIA_BASES: tuple[type, ...] = (
    cst.BaseParenthesizableWhitespace,
    cst.BaseBinaryOp,
    cst.BaseBooleanOp,
    cst.BaseCompOp,
    cst.BaseUnaryOp,
    cst.BaseAugOp,
    cst.Newline,
    cst.Comment,
    cst.EmptyLine,
    cst.TrailingWhitespace,
    cst.Comma,
    cst.Dot,
    cst.Colon,
    cst.Semicolon,
    cst.AssignEqual,
    cst.LeftParen,
    cst.RightParen,
    cst.LeftSquareBracket,
    cst.RightSquareBracket,
    cst.LeftCurlyBrace,
    cst.RightCurlyBrace,
    cst.ImportStar,
    cst.Asynchronous,
)
_TRIVIA_TYPES: dict[type, bool] = {}


def is_trivia(kind: type) -> bool:
    """Return whether nodes of ``kind`` hold only layout: whitespace, comments, punctuation.

    They are most of a tree, and neither the rules nor libcst's scope analysis act on them,
    so the traversals here do not enter them unless the visitor has a callback for them.
    """
    found = _TRIVIA_TYPES.get(kind)
    if found is None:
        found = _TRIVIA_TYPES[kind] = issubclass(kind, _TRIVIA_BASES)
    return found


def is_node(value: object) -> bool:
    """``isinstance(value, CSTNode)``, cached per type (``CSTNode`` is an ABC: slow)."""
    kind = type(value)
    found = _NODE_TYPES.get(kind)
    if found is None:
        found = _NODE_TYPES[kind] = issubclass(kind, CSTNode)
    return found


def iter_children(node: CSTNode) -> Iterator[CSTNode]:
    """Yield the direct children of ``node`` in libcst's visiting order."""
    order = field_order(type(node))
    if order is None:
        yield from node.children
        return
    for name, _ in order:
        value = getattr(node, name)
        if is_node(value):
            yield value
        elif type(value) is tuple or type(value) is list:
            yield from value


def code_children(node: CSTNode) -> list[CSTNode]:
    """Return the direct children of ``node`` that are not layout (see :func:`is_trivia`)."""
    kind = type(node)
    order = _ORDER.get(kind, _MISSING)
    if order is _MISSING:
        order = field_order(kind)
    if order is None:
        return [child for child in node.children if not is_trivia(type(child))]
    found: list[CSTNode] = []
    for name, _ in order:  # iter_children, inlined: this runs for every node of a walk
        value = getattr(node, name)
        value_type = type(value)
        if value_type is tuple or value_type is list:
            for child in value:
                trivia = _TRIVIA_TYPES.get(type(child))
                if not (is_trivia(type(child)) if trivia is None else trivia):
                    found.append(child)
            continue
        holds_node = _NODE_TYPES.get(value_type)
        if holds_node is None:
            holds_node = is_node(value)
        if holds_node:
            trivia = _TRIVIA_TYPES.get(value_type)
            if not (is_trivia(value_type) if trivia is None else trivia):
                found.append(value)
    return found


_ALL_NODES = frozenset({"*"})
_ATTRIBUTE_METHOD = re.compile(r"^(?:visit|leave)_([A-Z][A-Za-z]*)_[a-z_]+$")
_ATTRIBUTE_CALLBACKS: dict[type, frozenset[str]] = {}


def _overrides(visitor: cst.CSTVisitor | cst.CSTTransformer, name: str) -> bool:
    """Return whether ``visitor``'s class defines ``name`` differently from libcst's base."""
    base = cst.CSTTransformer if isinstance(visitor, cst.CSTTransformer) else cst.CSTVisitor
    return getattr(type(visitor), name, None) is not getattr(base, name, None)


def _attribute_callbacks(visitor: cst.CSTVisitor | cst.CSTTransformer) -> frozenset[str]:
    """Return the node type names whose attribute callbacks ``visitor`` reacts to.

    ``_ALL_NODES`` if it overrides the callbacks themselves.
    """
    kind = type(visitor)
    cached = _ATTRIBUTE_CALLBACKS.get(kind)
    if cached is None:
        if _overrides(visitor, "on_visit_attribute") or _overrides(visitor, "on_leave_attribute"):
            cached = _ALL_NODES
        else:
            found = (_ATTRIBUTE_METHOD.match(name) for name in dir(kind))
            cached = frozenset(m.group(1) for m in found if m and _overrides(visitor, m.group(0)))
        _ATTRIBUTE_CALLBACKS[kind] = cached
    return cached


_SKIPPED: dict[type, frozenset[type]] = {}


def _skipped(visitor: cst.CSTVisitor | cst.CSTTransformer) -> frozenset[type]:
    """The layout node types ``visitor`` need not enter: all, or none if it reacts to one."""
    kind = type(visitor)
    found = _SKIPPED.get(kind)
    if found is None:
        trivia = [t for t in _all_node_types() if is_trivia(t)]
        attributes = _attribute_callbacks(visitor)
        # Layout nodes nest (a comment inside an empty line), so a visitor reacting to any
        # layout type, or to the attributes of one, gets every node.
        reacts = attributes is _ALL_NODES or any(
            t.__name__ in attributes
            or _overrides(visitor, f"visit_{t.__name__}")
            or _overrides(visitor, f"leave_{t.__name__}")
            for t in trivia
        )
        found = frozenset() if reacts else frozenset(trivia)
        _SKIPPED[kind] = found
    return found


def _all_node_types() -> set[type]:
    found: set[type] = set()
    stack: list[type] = [CSTNode]
    while stack:
        for sub in stack.pop().__subclasses__():
            if sub not in found:
                found.add(sub)
                stack.append(sub)
    return found


def _visited(value: object, kind: _Kind) -> bool:
    """Whether libcst visits a field holding ``value``: a ``None`` it skips unless optional.

    (Some nodes visit a field only when it is set, e.g. an f-string's ``format_spec``.)
    """
    return value is not None or kind is _Kind.OPTIONAL


def _wants_attributes(node: CSTNode, attributes: frozenset[str]) -> bool:
    return bool(attributes) and (attributes is _ALL_NODES or type(node).__name__ in attributes)


def visit(node: CSTNode, visitor: cst.CSTVisitor) -> None:
    """Run the read-only ``visitor`` over ``node`` (what ``node.visit(visitor)`` does).

    Layout nodes the visitor has no callback for are not entered (see :func:`is_trivia`).
    """
    callbacks = _callbacks(visitor)
    _visit(node, visitor, callbacks.attributes, callbacks.skip, callbacks)


_PLAIN_ON_VISIT = cst.CSTVisitor.on_visit
_PLAIN_ON_LEAVE = cst.CSTVisitor.on_leave


class _Callbacks:
    """A read-only visitor class's ``visit_<Node>``/``leave_<Node>`` methods, per node type.

    libcst's ``CSTVisitor.on_visit``/``on_leave`` build the method name and look it up on
    every node; for a class that keeps those two as they are, the same functions are
    found here once per node type and called with the visitor (``visits``/``leaves`` are
    ``None`` where the class overrides them, or for a visitor with callbacks of its own
    set on the instance: ``on_visit``/``on_leave`` are then called as they are).
    """

    __slots__ = ("attributes", "kind", "leaves", "skip", "visits")

    def __init__(self, visitor: cst.CSTVisitor, plain: bool) -> None:
        kind = self.kind = type(visitor)
        self.attributes = _attribute_callbacks(visitor)
        self.skip = _skipped(visitor)
        self.visits: dict[type, Any] | None = (
            {} if plain and kind.on_visit is _PLAIN_ON_VISIT else None
        )
        self.leaves: dict[type, Any] | None = (
            {} if plain and kind.on_leave is _PLAIN_ON_LEAVE else None
        )

    def method(self, table: dict[type, Any], prefix: str, node_type: type) -> Any:
        """Find ``<prefix><Node>`` on the class once; ``None`` if it has none.

        A class attribute that is not a plain function (a static method, say) makes the
        class use libcst's own dispatch from then on.
        """
        found = inspect.getattr_static(self.kind, prefix + node_type.__name__, None)
        if found is not None and not isinstance(found, types.FunctionType):
            self.visits = self.leaves = None
            return None
        table[node_type] = found
        return found


_CALLBACKS: dict[tuple[type, bool], _Callbacks] = {}


def _callbacks(visitor: cst.CSTVisitor) -> _Callbacks:
    """The :class:`_Callbacks` for ``visitor``'s class (and for how it was built).

    Remembered on the visitor (libcst's scope visitor walks each subtree anew).
    """
    own = getattr(visitor, "__dict__", None)
    if own is not None:
        found = own.get(_REMEMBERED)
        if found is not None:
            return found  # type: ignore[no-any-return]
    # Callbacks set on the instance itself are looked up as libcst does, every time.
    plain = not own or not any(name.startswith(("visit_", "leave_")) for name in own)
    key = (type(visitor), plain)
    found = _CALLBACKS.get(key)
    if found is None:
        found = _CALLBACKS[key] = _Callbacks(visitor, plain)
    if own is not None:
        own[_REMEMBERED] = found
    return found


_REMEMBERED = "_codemods_callbacks"


def _enter(visitor: cst.CSTVisitor, node: CSTNode, callbacks: _Callbacks) -> bool:
    """What ``visitor.on_visit(node)`` returns."""
    visits = callbacks.visits
    if visits is None:
        return visitor.on_visit(node)
    method = visits.get(type(node), _MISSING)
    if method is _MISSING:
        method = callbacks.method(visits, "visit_", type(node))
        if callbacks.visits is None:
            return visitor.on_visit(node)
    return method is None or method(visitor, node) is not False


def _leave(visitor: cst.CSTVisitor, node: CSTNode, callbacks: _Callbacks) -> None:
    """What ``visitor.on_leave(node)`` does."""
    leaves = callbacks.leaves
    if leaves is None:
        visitor.on_leave(node)
        return
    method = leaves.get(type(node), _MISSING)
    if method is _MISSING:
        method = callbacks.method(leaves, "leave_", type(node))
        if callbacks.leaves is None:
            visitor.on_leave(node)
            return
    if method is not None:
        method(visitor, node)


def _visit(
    node: CSTNode,
    visitor: cst.CSTVisitor,
    attributes: frozenset[str],
    skip: frozenset[type],
    callbacks: _Callbacks,
) -> None:
    kind = type(node)
    # _enter, inlined: this runs for every node of every scope analysis.
    visits = callbacks.visits
    method = _MISSING if visits is None else visits.get(kind, _MISSING)
    if method is _MISSING:
        entered = _enter(visitor, node, callbacks)
    else:
        entered = method is None or method(visitor, node) is not False
    if entered:
        order = _ORDER.get(kind, _MISSING)
        if order is _MISSING:
            order = field_order(kind)
        if order is None:
            node._visit_and_replace_children(visitor)
        elif attributes and _wants_attributes(node, attributes):
            _visit_fields_with_callbacks(node, visitor, attributes, skip, callbacks, order)
        else:
            for name, _ in order:
                value = getattr(node, name)
                value_type = type(value)
                if value_type in skip:
                    continue
                if value_type is tuple or value_type is list:
                    for child in value:
                        if type(child) not in skip:
                            _visit(child, visitor, attributes, skip, callbacks)
                    continue
                holds_node = _NODE_TYPES.get(value_type)
                if holds_node is None:
                    holds_node = is_node(value)
                if holds_node:
                    _visit(value, visitor, attributes, skip, callbacks)
    _leave(visitor, node, callbacks)


def _visit_fields_with_callbacks(
    node: CSTNode,
    visitor: cst.CSTVisitor,
    attributes: frozenset[str],
    skip: frozenset[type],
    callbacks: _Callbacks,
    order: tuple[tuple[str, _Kind], ...],
) -> None:
    """Visit ``node``'s fields with the attribute callbacks around each visited one."""
    for name, kind in order:
        value = getattr(node, name)
        if not _visited(value, kind):
            continue
        visitor.on_visit_attribute(node, name)
        if is_node(value):
            if type(value) not in skip:
                _visit(value, visitor, attributes, skip, callbacks)
        elif type(value) is tuple or type(value) is list:
            for child in value:
                if type(child) not in skip:
                    _visit(child, visitor, attributes, skip, callbacks)
        visitor.on_leave_attribute(node, name)


Result = CSTNode | RemovalSentinel | FlattenSentinel[CSTNode]


def transform(node: CSTNode, transformer: cst.CSTTransformer) -> Result:
    """Run ``transformer`` over ``node``; return the new node (``node`` if unchanged).

    The same as ``node.visit(transformer)``, except that a node none of whose children
    changed is passed to ``leave_*`` (and kept) as it is rather than as a fresh copy, and
    layout nodes the transformer has no callback for are kept without being entered.
    """
    skip = _skipped(transformer)
    result = _transform(node, transformer, _attribute_callbacks(transformer), skip)
    if isinstance(node, cst.Module) and isinstance(result, RemovalSentinel):
        return node.with_changes(body=(), header=(), footer=())
    return result


def _transform(
    node: CSTNode,
    transformer: cst.CSTTransformer,
    attributes: frozenset[str],
    skip: frozenset[type],
) -> Result:
    updated = node
    if transformer.on_visit(node):
        order = field_order(type(node))
        if order is None:
            updated = node._visit_and_replace_children(transformer)
        else:
            changes: dict[str, Any] | None = None
            callbacks = _wants_attributes(node, attributes)
            for name, kind in order:
                value = getattr(node, name)
                if callbacks and not _visited(value, kind):
                    continue
                if callbacks:
                    transformer.on_visit_attribute(node, name)
                new: Any = value
                value_type = type(value)
                if value_type in skip:
                    pass  # a layout node, kept as it is
                elif value_type is tuple or value_type is list:
                    new = _sequence(value, transformer, attributes, skip, kind is _Kind.BODY)
                elif _NODE_TYPES.get(value_type, False) or (
                    value_type not in _NODE_TYPES and is_node(value)
                ):
                    new = _transform(value, transformer, attributes, skip)
                    if new is not value:
                        new = _single(value, new, kind)
                if callbacks:
                    transformer.on_leave_attribute(node, name)
                if new is not value:
                    if changes is None:
                        changes = {}
                    changes[name] = new
            if changes:
                updated = node.with_changes(**changes)
    result = transformer.on_leave(node, updated)
    if result is not updated and not (
        is_node(result) or isinstance(result, RemovalSentinel | FlattenSentinel)
    ):
        raise cst.CSTValidationError(
            "Expected a node of type CSTNode or a RemovalSentinel, "
            f"but got a return value of {type(result).__name__}"
        )
    return result


def _single(old: CSTNode, new: Result, kind: _Kind) -> CSTNode | MaybeSentinel | None:
    """Check a replaced single child the way libcst's ``visit_<kind>`` helpers do."""
    if isinstance(new, FlattenSentinel):
        raise TypeError(
            f"We got a FlattenSentinel while visiting a {type(old).__name__}. This node's "
            "parent does not allow for it to be replaced with a sequence."
        )
    if isinstance(new, RemovalSentinel):
        if kind is _Kind.OPTIONAL:
            return None
        if kind is _Kind.SENTINEL:
            return MaybeSentinel.DEFAULT
        raise TypeError(
            f"We got a RemovalSentinel while visiting a {type(old).__name__}. This node's "
            "parent does not allow it to be removed."
        )
    return new


def _sequence(
    children: tuple[CSTNode, ...] | list[CSTNode],
    transformer: cst.CSTTransformer,
    attributes: frozenset[str],
    skip: frozenset[type],
    body: bool,
) -> tuple[CSTNode, ...] | list[CSTNode]:
    """Transform a sequence field; return it unchanged (same object) if no child changed."""
    out: list[CSTNode] | None = None
    for index, child in enumerate(children):
        if type(child) in skip:
            if out is not None:
                out.append(child)
            continue
        new = _transform(child, transformer, attributes, skip)
        if new is child and out is None:
            continue
        if out is None:
            out = list(children[:index])
        out.extend(_kept(child, new, body))
    return children if out is None else tuple(out)


def _kept(old: CSTNode, new: Result, body: bool) -> list[CSTNode]:
    """The children that replace ``old`` (libcst's removal rules for statement bodies)."""
    if isinstance(new, RemovalSentinel):
        return []
    replacements = list(new) if isinstance(new, FlattenSentinel) else [new]
    if body and not _removable(old):
        return [n for n in replacements if not _removable(n)]
    return replacements


def _removable(node: CSTNode) -> bool:
    check: Callable[[], bool] | None = getattr(node, "_is_removable", None)
    return bool(check()) if check is not None else False


_PATCH_LOCK = threading.Lock()
_PATCH_USERS: dict[type, int] = {}
_REPLACED: list[Callable[..., Any]] = []  # the ``CSTNode.visit`` in place before the patch


def _dispatching_visit(self: CSTNode, visitor: Any) -> Any:
    if type(visitor) in _PATCH_USERS:
        callbacks = _callbacks(visitor)
        _visit(self, visitor, callbacks.attributes, callbacks.skip, callbacks)
        return self
    return _REPLACED[0](self, visitor)


@contextmanager
def read_only_visits(*visitor_types: type[cst.CSTVisitor]) -> Iterator[None]:
    """Let ``node.visit(v)`` run :func:`visit` for visitors of ``visitor_types`` meanwhile.

    For libcst's own read-only visitors (scope analysis), which visit subtrees themselves
    with ``node.visit(self)``. A read-only visitor sees the same callbacks either way and
    ``visit`` returns the node itself, so the results are the same; every other visitor,
    in any thread, still goes to libcst's ``visit``.
    """
    with _PATCH_LOCK:
        if not _PATCH_USERS:
            _REPLACED[:] = [CSTNode.visit]
            CSTNode.visit = _dispatching_visit  # type: ignore[method-assign]
        for kind in visitor_types:
            _PATCH_USERS[kind] = _PATCH_USERS.get(kind, 0) + 1
    try:
        yield
    finally:
        with _PATCH_LOCK:
            for kind in visitor_types:
                _PATCH_USERS[kind] -= 1
                if not _PATCH_USERS[kind]:
                    del _PATCH_USERS[kind]
            if not _PATCH_USERS:
                CSTNode.visit = _REPLACED.pop()  # type: ignore[method-assign]
