"""Metadata for one version of a module, resolved once and shared by the passes.

A pass that changes nothing leaves the module as it was, so the next pass can reuse the
same metadata instead of resolving it again. Only what the rules ask for is computed, and
only when they ask: parents and the node index in one walk, scopes on the first scope or
qualified-name lookup (a pass the index rules out everywhere needs none), qualified names
per node on demand, positions on the first report. The values are the ones libcst's
providers give (``QualifiedNameProvider`` is ``scope.get_qualified_names_for(node)`` for
every node that has a scope).
"""

from __future__ import annotations

import functools
import inspect
import types
from collections.abc import Collection, Iterator, Mapping
from typing import Any

import libcst as cst
from libcst.metadata import (
    CodeRange,
    ExpressionContext,
    ExpressionContextProvider,
    MetadataWrapper,
    ParentNodeProvider,
    PositionProvider,
    QualifiedName,
    QualifiedNameProvider,
    Scope,
    ScopeProvider,
)
from libcst.metadata.base_provider import ProviderT

from codemods._lines import split_lines

from .codegen import CodeCache
from .traverse import code_children, field_order, is_node, is_trivia, read_only_visits

__all__ = [
    "ESCAPED_STRING",
    "IMPORT",
    "ModuleMetadata",
    "StatementIndex",
    "is_statement",
    "preorder",
]


#: Index keys for what a statement holds besides names (see :class:`StatementIndex`).
IMPORT = "<import>"
ESCAPED_STRING = "<escaped string>"


class StatementIndex:
    """What each statement holds: its names (identifiers, attribute names, keywords), the
    text of its short strings, and markers for imports and strings with escapes; plus
    every name an import binds with ``as``. Rules use it to skip statements that cannot
    hold what they match: top-level statements, and statements nested in the ones they
    enter (a method of a class, the body of an ``if``).
    """

    def __init__(self) -> None:
        self.words: dict[cst.CSTNode, set[str]] = {}
        self.import_aliases: set[str] = set()


class _Walk:
    """One traversal: parents, nodes in pre-order, repeated nodes, the statement index.

    Layout nodes (see ``_traverse.is_trivia``) are not entered: no rule asks about them.
    """

    def __init__(self, root: cst.CSTNode) -> None:
        self.parents: dict[cst.CSTNode, cst.CSTNode] = {}
        self.nodes: list[cst.CSTNode] = [root]
        self.repeated = False
        self.index = StatementIndex()
        #: ``ExpressionContextProvider``'s values (see :data:`_CONTEXT_FIELDS`).
        self.contexts: dict[cst.CSTNode, ExpressionContext] = {}
        self._words: set[str] = set()
        for child in code_children(root):  # the statements of a module body
            self._words = self.index.words[child] = set()
            self._enter(child, root, _LOAD)
        # A node entered twice has one entry in ``parents`` but two in ``nodes``.
        self.repeated = len(self.parents) != len(self.nodes) - 1

    def _enter(
        self, node: cst.CSTNode, parent: cst.CSTNode, context: ExpressionContext | None
    ) -> None:
        self.parents[node] = parent
        self.nodes.append(node)
        kind = type(node)
        if context is not None and kind in _OWN_CONTEXT:
            self.contexts[node] = context
        if kind is cst.Name:
            self._words.add(node.value)  # type: ignore[attr-defined]
        elif kind is cst.SimpleString:
            raw: str = node.value  # type: ignore[attr-defined]
            if "\\" in raw:
                self._words.add(ESCAPED_STRING)
            elif len(raw) < 40:  # a possible key: `kwargs["result"]`
                self._words.add(raw.lstrip("rRbBuU").strip("'\""))
        elif kind is cst.Import or kind is cst.ImportFrom:
            self._words.add(IMPORT)
        elif kind is cst.AsName and type(parent) is cst.ImportAlias:
            name = node.name  # type: ignore[attr-defined]
            if isinstance(name, cst.Name):
                self.index.import_aliases.add(name.value)
        if is_statement(kind) and parent is not self.nodes[0]:
            # A nested statement: its own words, which its enclosing statements also hold.
            outer, self._words = self._words, set()
            self._enter_children(node, kind, context)
            self.index.words[node] = self._words
            outer |= self._words
            self._words = outer
            return
        self._enter_children(node, kind, context)

    def _enter_children(
        self, node: cst.CSTNode, kind: type, context: ExpressionContext | None
    ) -> None:
        fields = _CONTEXT_FIELDS.get(kind) if context is not None else None
        if fields is None:
            inner = None if kind is cst.Name else context
            for child in code_children(node):
                self._enter(child, node, inner)
            return
        for name, _ in field_order(kind) or ():
            value = getattr(node, name)
            field_context = fields.get(name)
            if field_context is _SAME:
                field_context = context
            children = value if type(value) is tuple or type(value) is list else (value,)
            for child in children:
                if is_node(child) and not is_trivia(type(child)):
                    self._enter(child, node, field_context)


#: The contexts libcst's ``ExpressionContextProvider`` gives (LOAD, unless a rule here
#: says otherwise), computed in the metadata walk instead of a walk of their own. Each node
#: of these types gets the context it is in, and its children that of the field holding
#: them: the one named below, the node's own (``_SAME``) or, for a field not named, none
#: (libcst's analysis never enters it: an attribute's name, type parameters). A node with
#: no context passes none on; a ``Name`` has no children that take one. A test checks the
#: result against libcst's provider.
_LOAD, _STORE, _DEL = ExpressionContext.LOAD, ExpressionContext.STORE, ExpressionContext.DEL
_SAME: Any = object()
_OWN_CONTEXT = frozenset(
    {cst.Name, cst.Attribute, cst.Subscript, cst.Tuple, cst.List, cst.StarredElement}
)
_CONTEXT_FIELDS: dict[type, dict[str, Any]] = {
    cst.Assign: {"targets": _STORE, "value": _SAME},
    cst.AnnAssign: {"target": _STORE, "annotation": _SAME, "value": _SAME},
    cst.AugAssign: {"target": _STORE, "value": _SAME},
    cst.NamedExpr: {"target": _STORE, "value": _SAME},
    cst.AsName: {"name": _STORE},
    cst.CompFor: {"target": _STORE, "iter": _SAME, "ifs": _SAME, "inner_for_in": _SAME},
    cst.For: {"target": _STORE, "iter": _SAME, "body": _SAME, "orelse": _SAME},
    cst.Del: {"target": _DEL},
    cst.Attribute: {"value": _LOAD},
    cst.Subscript: {"value": _LOAD, "slice": _LOAD},
    cst.ClassDef: {
        "name": _STORE,
        "body": _SAME,
        "bases": _SAME,
        "keywords": _SAME,
        "decorators": _SAME,
    },
    cst.FunctionDef: {
        "name": _STORE,
        "params": _SAME,
        "body": _SAME,
        "decorators": _SAME,
        "returns": _SAME,
    },
    cst.Param: {"name": _STORE, "annotation": _SAME, "default": _SAME},
}


_STATEMENT_KINDS: dict[type, bool] = {}


def is_statement(kind: type) -> bool:
    """Whether nodes of ``kind`` are statements (simple statement lines or compound)."""
    found = _STATEMENT_KINDS.get(kind)
    if found is None:
        found = _STATEMENT_KINDS[kind] = issubclass(
            kind, cst.SimpleStatementLine | cst.BaseCompoundStatement
        )
    return found


def preorder(root: cst.CSTNode) -> list[cst.CSTNode]:
    """Return ``root`` and its descendants in visiting order (as ``m.findall`` finds).

    Layout nodes (see ``_traverse.is_trivia``) are left out: no rule looks for them.
    """
    out = []
    stack = [root]
    while stack:
        node = stack.pop()
        out.append(node)
        stack.extend(reversed(code_children(node)))
    return out


def _scopes(
    module: cst.Module, contexts: Mapping[cst.CSTNode, ExpressionContext] | None = None
) -> Mapping[cst.CSTNode, Scope | None]:
    """Resolve ``ScopeProvider`` without the batched traversals around it.

    libcst's scope visitors are read-only; they run with :func:`read_only_visits`, which
    spares them a copy of every node they enter. What ``ScopeProvider.visit_Module`` does
    is done here, with :func:`_scope_visitor_type`'s visitor, and with the expression
    contexts the metadata walk found (``contexts``), if given, instead of libcst's walk.
    """
    try:
        from libcst.metadata.expression_context_provider import ExpressionContextVisitor

        visitor_type = _scope_visitor_type()
        with read_only_visits(ExpressionContextVisitor, visitor_type):
            if contexts is None:
                provider = ExpressionContextProvider()
                provider.visit_Module(module)
                contexts = provider._computed
            scopes = ScopeProvider()
            scopes.metadata = {ExpressionContextProvider: contexts}
            visitor = visitor_type(scopes)
            module.visit(visitor)
            visitor.infer_accesses()
        return scopes._computed
    except (AttributeError, ImportError):  # a libcst without these internals: the public way
        return MetadataWrapper(module, unsafe_skip_copy=True).resolve(ScopeProvider)


#: libcst's ``ScopeVisitor.on_leave`` and ``ScopeProvider.visit_Module``, as
#: :func:`_scope_visitor_type` expects them (whitespace aside).
_EXPECTED_SOURCES = (
    """def on_leave(self, original_node: cst.CSTNode) -> None:
        self.provider.set_metadata(original_node, self.scope)
        if isinstance(original_node, _ASSIGNMENT_LIKE_NODES):
            self.scope._assignment_count += 1
        super().on_leave(original_node)""",
    """def visit_Module(self, node: cst.Module) -> Optional[bool]:
        visitor = ScopeVisitor(self)
        node.visit(visitor)
        visitor.infer_accesses()""",
)


@functools.cache
def _scope_visitor_type() -> type[cst.CSTVisitor]:
    """libcst's ``ScopeVisitor``, or a subclass whose ``on_leave`` does the same faster.

    Its ``on_leave`` runs for every node and tests the node against a tuple of node
    classes, which are ABCs: a slow test, a large share of the scope analysis. The subclass
    makes the same test once per node type. It is used only if libcst's code is the one
    it was written against; any other libcst gets its own visitor.
    """
    from libcst.metadata import scope_provider

    base = scope_provider.ScopeVisitor
    try:
        found = (
            inspect.getsource(base.on_leave),
            inspect.getsource(ScopeProvider.visit_Module),
        )
        assignment_like = scope_provider._ASSIGNMENT_LIKE_NODES
    except (OSError, TypeError, AttributeError):
        return base
    if [_squeezed(t) for t in found] != [_squeezed(t) for t in _EXPECTED_SOURCES]:
        return base
    kinds: dict[type, tuple[bool, Any]] = {}
    plain_on_leave = cst.CSTVisitor.on_leave

    class FastScopeVisitor(base):  # type: ignore[misc, valid-type]
        def on_leave(self, original_node: cst.CSTNode) -> None:
            self.provider._computed[original_node] = self.scope  # what set_metadata does
            kind = type(original_node)
            found = kinds.get(kind)
            if found is None:
                # Whether it counts as an assignment, and its leave_<Node> (a plain
                # function, or None for none; anything else goes through libcst).
                leave = inspect.getattr_static(base, f"leave_{kind.__name__}", None)
                if leave is not None and not isinstance(leave, types.FunctionType):
                    leave = plain_on_leave
                found = kinds[kind] = (issubclass(kind, assignment_like), leave)
            counts, leave = found
            if counts:
                self.scope._assignment_count += 1
            if leave is plain_on_leave:
                plain_on_leave(self, original_node)
            elif leave is not None:
                leave(self, original_node)

    return FastScopeVisitor


def _squeezed(text: str) -> str:
    return " ".join(text.split())


class _Scopes(Mapping[cst.CSTNode, Scope | None]):
    """``ScopeProvider``'s values, resolved for the whole module on first use."""

    def __init__(
        self, module: cst.Module, contexts: Mapping[cst.CSTNode, ExpressionContext]
    ) -> None:
        self._module = module
        self._contexts = contexts
        self._resolved: Mapping[cst.CSTNode, Scope | None] | None = None

    def _get(self) -> Mapping[cst.CSTNode, Scope | None]:
        if self._resolved is None:
            self._resolved = _scopes(self._module, self._contexts)
        return self._resolved

    def __getitem__(self, node: cst.CSTNode) -> Scope | None:
        return self._get()[node]

    def __iter__(self) -> Iterator[cst.CSTNode]:
        return iter(self._get())

    def __len__(self) -> int:
        return len(self._get())

    def release(self) -> None:
        """Break the reference cycles of the resolved scopes, so that they are freed at once.

        libcst's scopes, assignments and accesses point at each other; left as they are, a
        large module's hundreds of thousands of them wait for the cyclic garbage collector,
        whose pass over them cost a tenth of a dense module's rewrite. Emptying every
        scope's and assignment's attributes leaves no cycle (an access refers only to
        them). Nothing may use the scopes afterwards.
        """
        resolved, self._resolved = self._resolved, None
        if resolved is None:
            return
        scopes: set[Scope] = set()
        for scope in set(resolved.values()):
            while scope is not None and scope not in scopes:  # with the builtins' scope
                scopes.add(scope)
                scope = scope.parent if scope.parent is not scope else None
        for scope in scopes:
            for assignment in scope.assignments:
                vars(assignment).clear()
        for scope in scopes:
            vars(scope).clear()


class _QualifiedNames(Mapping[cst.CSTNode, Collection[QualifiedName]]):
    """``QualifiedNameProvider``'s values, computed per node when asked."""

    def __init__(
        self,
        scopes: Mapping[cst.CSTNode, Scope | None],
        module: cst.Module,
        parents: Mapping[cst.CSTNode, cst.CSTNode],
    ) -> None:
        self._scopes = scopes
        self._module = module
        self._parents = parents  # every node of the module but the module itself
        self._cache: dict[cst.CSTNode, Collection[QualifiedName]] = {}

    def __getitem__(self, node: cst.CSTNode) -> Collection[QualifiedName]:
        found = self._cache.get(node)
        if found is None:
            if node is not self._module and node not in self._parents:
                raise KeyError(node)
            scope = self._scopes.get(node)
            found = scope.get_qualified_names_for(node) if scope else set()
            self._cache[node] = found
        return found

    def __iter__(self) -> Iterator[cst.CSTNode]:
        yield self._module
        yield from self._parents

    def __len__(self) -> int:
        return len(self._parents) + 1


class _Positions(Mapping[cst.CSTNode, CodeRange]):
    """``PositionProvider``'s values, computed per top-level statement when asked."""

    def __init__(
        self, module: cst.Module, parents: Mapping[cst.CSTNode, cst.CSTNode], code: CodeCache
    ) -> None:
        self._module = module
        self._parents = parents
        self._code = code
        # Where top-level statements begin, found in order as far as asked: a site near
        # the top does not need the code of the statements below it.
        self._starts: dict[cst.CSTNode, int] = {}
        self._placed = 0  # statements of the body whose start is known
        self._next_line = 0  # where the next one begins (0: not computed yet)
        self._whole: Mapping[cst.CSTNode, CodeRange] | None = None

    def __getitem__(self, node: cst.CSTNode) -> CodeRange:
        statement, parent = node, self._parents.get(node)
        while parent is not None and parent is not self._module:
            statement, parent = parent, self._parents.get(parent)
        if parent is None:  # the module, or a node of its header or footer
            return self._all()[node]
        start = self._start_of(statement)
        if start is None:
            return self._all()[node]
        return self._code.position(self._module, statement, start, node)

    def _start_of(self, statement: cst.CSTNode) -> int | None:
        """The line where top-level ``statement`` begins (``None``: not in the body)."""
        found = self._starts.get(statement)
        if found is not None:
            return found
        module, body = self._module, self._module.body
        if not self._next_line:
            self._next_line = 1 + sum(self._code.lines(module, n) for n in module.header)
        while self._placed < len(body):
            current = body[self._placed]
            if current not in self._starts:
                self._starts[current] = self._next_line
                if current is statement:
                    return self._next_line  # its own code is not needed for that
            self._next_line += self._code.lines(module, current)
            self._placed += 1
        return None

    def _all(self) -> Mapping[cst.CSTNode, CodeRange]:
        if self._whole is None:
            wrapper = MetadataWrapper(self._module, unsafe_skip_copy=True)
            self._whole = wrapper.resolve(PositionProvider)
        return self._whole

    def __iter__(self) -> Iterator[cst.CSTNode]:
        return iter(self._all())

    def __len__(self) -> int:
        return len(self._all())


class ModuleMetadata:
    """The metadata of one module version, handed to each pass over that version."""

    def __init__(self, module: cst.Module, code: str, cache: CodeCache | None = None) -> None:
        walk = _Walk(module)
        if walk.repeated:
            # A node object used twice would get one parent and one position; a copy
            # gives every occurrence its own (what MetadataWrapper's default copy does).
            module = module.deep_clone()
            walk = _Walk(module)
        self.module = module
        self.lines = split_lines(code)
        self.nodes = walk.nodes
        self._by_type: dict[type, list[int]] | None = None
        self.index = walk.index
        #: What the rules' ``visit_Module`` finds, kept for the next pass over this version:
        #: (project index, imports a package root, local task classes, handler classes).
        self.local_classes: tuple[Any, bool, dict[str, Any], dict[str, Any]] | None = None
        scopes = _Scopes(module, walk.contexts)
        self._metadata: dict[ProviderT, Mapping[cst.CSTNode, Any]] = {
            ScopeProvider: scopes,
            QualifiedNameProvider: _QualifiedNames(scopes, module, walk.parents),
            ParentNodeProvider: walk.parents,
            PositionProvider: _Positions(module, walk.parents, cache or CodeCache()),
        }

    def find(self, root: cst.CSTNode, types: type | tuple[type, ...]) -> list[cst.CSTNode]:
        """Return the nodes of ``types`` under ``root`` (included), in visiting order.

        Layout node types are never found (see :func:`preorder`).
        """
        if root is not self.module:
            return [n for n in preorder(root) if isinstance(n, types)]
        if self._by_type is None:
            # Positions in ``nodes`` per exact node type: ``isinstance`` on libcst's ABCs is
            # slow, and the rules search the whole module several times per pass.
            self._by_type = {}
            for position, node in enumerate(self.nodes):
                self._by_type.setdefault(type(node), []).append(position)
        kinds = [k for k in self._by_type if issubclass(k, types)]
        if len(kinds) == 1:
            return [self.nodes[i] for i in self._by_type[kinds[0]]]
        return [self.nodes[i] for i in sorted(i for k in kinds for i in self._by_type[k])]

    def release(self) -> None:
        """Free what this version's metadata holds in reference cycles (see ``_Scopes``)."""
        scopes = self._metadata[ScopeProvider]
        if isinstance(scopes, _Scopes):
            scopes.release()

    def for_dependencies(
        self, dependencies: Collection[ProviderT]
    ) -> Mapping[ProviderT, Mapping[cst.CSTNode, Any]]:
        """Return the metadata mapping a visitor declaring ``dependencies`` reads."""
        missing = [p for p in dependencies if p not in self._metadata]
        if missing:
            wrapper = MetadataWrapper(self.module, unsafe_skip_copy=True)
            self._metadata.update(wrapper.resolve_many(missing))
        return self._metadata
