"""The base every rule transformer shares: metadata, site reporting and TODO comments.

A rule is a libcst transformer run as its own pass, reading the metadata the engine
resolved for the module it is given (shared with the previous pass if that one changed
nothing); it reports sites in the coordinates of that text (the engine maps them back to
the original). TODO comments are placed above the enclosing statement, one line per
distinct reason, and never twice: a rerun over the output finds the comment and adds
nothing.

Rules are plain ``CSTTransformer``s with explicit ``visit_``/``leave_`` methods, not matcher
decorators: libcst gathers decorated matchers on every instance, which cost more than the
rules themselves. Each rule declares a cheap text gate (:meth:`RuleTransformer.applies`)
that the engine checks before running the pass.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

import libcst as cst
import libcst.matchers as m
from libcst.codemod import CodemodContext
from libcst.metadata import (
    Assignment,
    ParentNodeProvider,
    PositionProvider,
    QualifiedNameProvider,
    Scope,
    ScopeProvider,
)

from codemods import _project
from codemods._catalogue import Rule
from codemods._types import Site, SiteStatus, Target

from . import names as _names
from .metadata import ModuleMetadata, is_statement, preorder

__all__ = [
    "DOCS_POINTER",
    "MAX_LINE",
    "TAB_WIDTH",
    "PassState",
    "RuleTransformer",
    "line_width",
    "missing_todos",
    "noqa_lines",
    "todo_comment",
    "todo_lines",
]

_TODO_TAG = "TODO(prefect-result-upgrade"
# A bare noqa comment, or one naming codes ("noqa: CODE, CODE"), as flake8 and ruff read them.
_ANY_NOQA = re.compile("noqa", re.I)
_NOQA = re.compile(r"#\s*noqa(?::\s*(?P<codes>[A-Z]+[0-9]+(?:[\s,]+[A-Z]+[0-9]+)*))?", re.I)
_RESULT_SLOTS = frozenset({"result", "result_handler"})
#: The holders ``from prefect import *`` binds (Prefect 0.x's root has no ``__all__``).
_STAR_HOLDERS = frozenset({"task", "Task", "Flow", "Parameter"})


#: Where every TODO message is explained at length.
DOCS_POINTER = "(docs/rules.md)"
#: The line length a reviewer's linter checks (ruff's E501 at the usual setting).
MAX_LINE = 100


#: The columns ruff's E501 counts for a tab (its ``indent-width`` default): to the next stop.
TAB_WIDTH = 4


def line_width(text: str) -> int:
    """Return the columns ``text`` takes as ruff's E501 counts them (tabs to the next stop)."""
    if "\t" not in text:
        return len(text)
    width = 0
    for char in text:
        width += TAB_WIDTH - width % TAB_WIDTH if char == "\t" else 1
    return width


def todo_comment(rule: Rule, message: str) -> str:
    """Return the TODO comment for ``rule`` and ``message``, on one line."""
    return f"# {_TODO_TAG} {rule.value}): {' '.join(message.split())} {DOCS_POINTER}"


def todo_lines(rule: Rule, message: str, indent: int) -> list[str]:
    """Return the TODO comment as lines that fit :data:`MAX_LINE` at ``indent`` (columns).

    Words that do not fit go on continuation lines (``#   ...``); the first line always
    holds the tag, so a rerun recognises the comment.
    """
    words = todo_comment(rule, message).split(" ")
    lines = [" ".join(words[:3])]
    for word in words[3:]:
        if indent + len(lines[-1]) + 1 + len(word) <= MAX_LINE:
            lines[-1] += " " + word
        else:
            lines.append("#   " + word)
    return lines


def missing_todos(pending: Sequence[str], present: Iterable[str]) -> list[str]:
    """Return the lines of the TODOs in ``pending`` whose first line ``present`` lacks.

    A TODO is kept or dropped whole: its continuation lines (``#   (docs/rules.md)``) are
    often the same as another TODO's, so they are never compared on their own.
    """
    present = set(present)
    found: list[str] = []
    keep = False
    for line in pending:
        if line.startswith(f"# {_TODO_TAG}"):
            keep = line not in present
        if keep:
            found.append(line)
    return found


def noqa_lines(lines: Sequence[str]) -> frozenset[int]:
    """Return the (1-based) lines whose ``# noqa`` silences this tool.

    ``# noqa`` alone silences every rule; ``# noqa: PRU002`` (any ``PRU`` code) silences the
    tool on that line, since its rules decide together (``_slots``); other codes do not.
    """
    found: set[int] = set()
    if _ANY_NOQA.search("\n".join(lines)) is None:
        return frozenset()
    for number, line in enumerate(lines, start=1):
        if _ANY_NOQA.search(line) is None:
            continue
        for match in _NOQA.finditer(line):
            codes = match.group("codes")
            if codes is None or any(
                c.upper().startswith("PRU") for c in re.split(r"[\s,]+", codes)
            ):
                found.add(number)
    return frozenset(found)


@dataclass
class PassState:
    """What one rule pass needs from the engine, and what it hands back."""

    target: Target
    active: frozenset[Rule]
    lines: list[str]
    scratch: dict[str, Any] = field(default_factory=dict)
    sites: list[Site] = field(default_factory=list)
    metadata: ModuleMetadata | None = None
    #: The rules running before this one in the same traversal (see ``JOINS_PREVIOUS``):
    #: their changes are not in the tree this rule reads.
    earlier: tuple[RuleTransformer, ...] = ()
    #: Whether noqa comments silence sites (off only to find what they silenced).
    honour_noqa: bool = True
    #: Whether the sites are wanted (off for the verification run, which compares code).
    want_sites: bool = True


class RuleTransformer(cst.CSTTransformer):
    """Shared helpers for the rules; subclasses set ``rule`` and add ``leave_*`` methods.

    After a pass, ``changed`` says whether any ``leave_*`` returned a node other than the
    one it was given (or a TODO comment was attached); if not, the output equals the input.
    """

    rule: ClassVar[Rule]
    #: The index words (see :class:`StatementIndex`) a statement must hold for this pass
    #: to enter it; ``None`` enters every statement. Must cover every node the pass
    #: rewrites or reports on (such a node holds one of them), and so every statement
    #: holding it: a top-level statement without any is not entered, nor a statement
    #: nested in an entered one (its ``on_leave`` still runs, as for any declined node).
    TRIGGERS: ClassVar[frozenset[str] | None] = None
    #: Whether names bound by ``import ... as`` also trigger (for qualified-name matches).
    TRIGGERED_BY_ALIASES: ClassVar[bool] = False
    #: Whether this pass may run in the same traversal as the pass before it, reading the
    #: same version of the module. Only for a rule that takes the earlier rules' pending
    #: changes into account where it depends on them (``PassState.earlier``).
    JOINS_PREVIOUS: ClassVar[bool] = False
    METADATA_DEPENDENCIES = (
        QualifiedNameProvider,
        ScopeProvider,
        ParentNodeProvider,
        PositionProvider,
    )

    def __init__(self, context: CodemodContext, state: PassState) -> None:
        super().__init__()
        self.context = context
        self.state = state
        self.changed = False
        self.target = state.target
        self._todos: dict[cst.CSTNode, list[str]] = {}
        self.task_classes: dict[str, cst.ClassDef] = {}
        self.handler_classes: dict[str, cst.ClassDef] = {}
        #: Where the file sits in the project, even when the index found nothing in it.
        self.location = _project.current()
        #: The project index, if it holds anything the rules can use.
        self.project = self.location if self.location and self.location.index else None
        self.imports_prefect = False
        # The ids of the top-level statements this pass does not enter (alive as long as
        # the module: an id is a cheaper key than a node, whose hash is Python code).
        self._skipped: set[int] = set()
        # The statement index's words and this pass's triggers, once the module is entered.
        self._statement_words: dict[cst.CSTNode, set[str]] | None = None
        self._triggers: frozenset[str] = frozenset()
        self._noqa: frozenset[int] = frozenset()
        self._silenced: set[cst.CSTNode] = set()
        self._reported: set[Site] = set(state.sites)
        self._resolving: set[cst.CSTNode] = set()
        #: ``prefect``/``compat`` if the module's one star import is ``from <root> import *``.
        self._star_root: str | None = None
        self._visit_methods = _VISITS.setdefault(type(self), {})
        self._leave_methods = _LEAVES.setdefault(type(self), {})

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "applies" not in cls.__dict__:
            # A gate holds for the code of the class that declares it; a subclass that
            # changes the behaviour runs on every source unless it declares its own.
            cls.applies = classmethod(_always)  # type: ignore[assignment]

    @classmethod
    def applies(cls, code: str, target: Target) -> bool:
        """Return ``False`` only if this pass provably finds nothing in ``code``.

        A substring test on the spellings the rule matches; must never reject a source
        the pass would change or report on.
        """
        return True

    # -- module pre-scan ---------------------------------------------------------------

    def find(self, root: cst.CSTNode, types: type | tuple[type, ...]) -> list[Any]:
        """Return the nodes of ``types`` under ``root`` (included), in visiting order."""
        metadata = self.state.metadata
        if metadata is not None:
            return metadata.find(root, types)
        return [n for n in preorder(root) if isinstance(n, types)]

    def on_visit(self, node: cst.CSTNode) -> bool:
        """Do not enter a statement the statement index rules out.

        Otherwise the same as libcst's dispatch to ``visit_<Node>``, with the method looked
        up once per node type.
        """
        if self._skipped and id(node) in self._skipped:
            return False
        if self._noqa and self.suppressed(node):
            self._silenced.add(node)
            return False
        if self._statement_words is not None and is_statement(type(node)):
            words = self._statement_words.get(node)
            if words is not None and self._triggers.isdisjoint(words):
                return False  # a nested statement without any trigger
        method = self._visit_methods.get(type(node), _MISSING)
        if method is _MISSING:
            method = _method(type(self), _VISITS, type(node))
        return method is None or method(self, node) is not False

    @classmethod
    def _ruled_out(cls, metadata: ModuleMetadata) -> list[cst.CSTNode] | None:
        """Return the top-level statements the index rules out (``None``: no triggers)."""
        triggers = cls.TRIGGERS
        if triggers is None:
            return None
        index = metadata.index
        if cls.TRIGGERED_BY_ALIASES:
            triggers = triggers | index.import_aliases
        return [
            stmt
            for stmt in metadata.module.body
            if triggers.isdisjoint(index.words.get(stmt, triggers))
        ]

    @classmethod
    def enters_nothing(cls, metadata: ModuleMetadata) -> bool:
        """Return whether the index rules out every top-level statement of the module.

        Such a pass changes and reports nothing (the rules do not act on the module node
        or the lines around the body), so the engine skips it before any scope is
        resolved. As for gates, a subclass is skipped only if it declares its own triggers,
        and never if it acts on the module node.
        """
        if "TRIGGERS" not in cls.__dict__ or cls.leave_Module is not _PLAIN_LEAVE_MODULE:
            return False
        ruled_out = cls._ruled_out(metadata)
        return ruled_out is not None and len(ruled_out) == len(metadata.module.body)

    def _skip_statements(self, module: cst.Module) -> None:
        metadata = self.state.metadata
        if metadata is None or module is not metadata.module:
            return
        self._skipped = {id(stmt) for stmt in self._ruled_out(metadata) or ()}
        if self.TRIGGERS is not None:
            index = metadata.index
            self._triggers = self.TRIGGERS
            if self.TRIGGERED_BY_ALIASES:
                self._triggers = self._triggers | index.import_aliases
            self._statement_words = index.words

    def suppressed(self, node: cst.CSTNode) -> bool:
        """Return whether ``node`` starts on a line a ``# noqa`` comment silences.

        Compound statements are not silenced as a whole: their header parts (a ``with``
        item, a decorator) are, each on its own line.
        """
        if not self._noqa or isinstance(
            node, cst.Module | cst.BaseCompoundStatement | cst.BaseSuite
        ):
            return False
        position = self.get_metadata(PositionProvider, node, None)
        return position is not None and position.start.line in self._noqa

    def visit_Module(self, node: cst.Module) -> None:
        """Find local Task and ResultHandler subclasses before any rewrite happens."""
        if self.state.honour_noqa:
            cache = self.state.scratch.get("noqa")
            if cache is None or cache[0] is not self.state.lines:
                cache = (self.state.lines, noqa_lines(self.state.lines))
                self.state.scratch["noqa"] = cache
            self._noqa = cache[1]
        self._skip_statements(node)
        self._star_root = _only_star_root(node)
        metadata = self.state.metadata
        shared = metadata is not None and node is metadata.module
        found = metadata.local_classes if shared else None  # type: ignore[union-attr]
        if found is not None and found[0] is self.project:
            # Found by an earlier pass over this version (the same answers: they depend on
            # the module, its metadata and the project only).
            _, self.imports_prefect, task_classes, handler_classes = found
            self.task_classes, self.handler_classes = dict(task_classes), dict(handler_classes)
            return
        for imp in self.find(node, (cst.ImportFrom, cst.Import)):
            if self._mentions_root(imp):
                self.imports_prefect = True
        for cls in self.find(node, cst.ClassDef):
            for base in cls.bases:
                if self._is_task_ref(base.value):
                    self.task_classes[cls.name.value] = cls
                elif self._is_handler_ref(base.value):
                    self.handler_classes[cls.name.value] = cls
        if shared:
            metadata.local_classes = (  # type: ignore[union-attr]
                self.project,
                self.imports_prefect,
                dict(self.task_classes),
                dict(self.handler_classes),
            )

    @staticmethod
    def _mentions_root(imp: cst.Import | cst.ImportFrom) -> bool:
        if isinstance(imp, cst.ImportFrom):
            if imp.relative or imp.module is None:
                return False
            names = [cst.helpers.get_full_name_for_node_or_raise(imp.module)]
        else:
            names = [cst.helpers.get_full_name_for_node_or_raise(a.name) for a in imp.names]
        return any(n.split(".")[0] in _names.ROOTS for n in names)

    def _is_task_ref(self, node: cst.CSTNode) -> bool:
        return (
            any(_names.is_task_class(q) for q in self.qnames(node))
            or self._local_name(node) in self.task_classes
            or self.project_class(node, _project.TASK) is not None
        )

    def _is_handler_ref(self, node: cst.CSTNode) -> bool:
        return (
            any(_names.handler_class(q) for q in self.qnames(node))
            or self._local_name(node) in self.handler_classes
            or self.project_class(node, _project.HANDLER) is not None
        )

    def project_class(self, node: cst.CSTNode, kind: str) -> _project.ProjectClass | None:
        """Return the class of ``kind`` another module of the project defines for ``node``."""
        if self.project is None:
            return None
        for q in self.qnames(node):
            found = self.project.lookup(q)
            if found is not None and found.kind == kind:
                return found
        return None

    def _local_name(self, node: cst.CSTNode) -> str | None:
        if isinstance(node, cst.Name):
            return node.value
        return None

    # -- metadata helpers --------------------------------------------------------------

    def qnames(self, node: cst.CSTNode) -> set[str]:
        """Return the qualified names ``node`` may refer to."""
        return {q.name for q in self.get_metadata(QualifiedNameProvider, node, set())}

    def may_name(self, node: cst.CSTNode, last: str) -> bool:
        """Return ``False`` only if no qualified name of ``node`` can end in ``.last``.

        A cheap test before :meth:`qnames` on the many nodes that cannot match. libcst
        derives a ``Name``'s or ``Attribute``'s qualified names from its dotted name: it
        prefixes it with the enclosing scopes, or replaces a leading part by what an
        import binds that part to, which keeps the last part unless the import renames
        (``as``). So without a part bound by an ``import ... as`` (the statement index
        lists them all), the last part of every qualified name is the node's own.
        """
        metadata = self.state.metadata
        if metadata is None:
            return True
        aliases = metadata.index.import_aliases
        current = node
        own_last: str | None = None
        while isinstance(current, cst.Attribute):
            own_last = own_last or current.attr.value
            if current.attr.value in aliases:
                return True
            current = current.value
        if not isinstance(current, cst.Name):
            return True  # a dotted name built otherwise (a call's): not judged here
        if current.value in aliases:
            return True
        return (own_last or current.value) == last

    def handler_of(self, node: cst.CSTNode) -> str | None:
        """Return the legacy handler class name ``node`` refers to, if any."""
        for q in self.qnames(node):
            name = _names.handler_class(q)
            if name is not None:
                return name
        return None

    def parent(self, node: cst.CSTNode) -> cst.CSTNode | None:
        """Return the parent of ``node`` (``None`` for the module)."""
        return self.get_metadata(ParentNodeProvider, node, None)

    def ancestors(self, node: cst.CSTNode) -> Iterator[cst.CSTNode]:
        """Yield the parents of ``node``, innermost first."""
        current = self.parent(node)
        while current is not None:
            yield current
            current = self.parent(current)

    def enclosing_class(self, node: cst.CSTNode) -> cst.ClassDef | None:
        """Return the class whose method contains ``node`` (through one function)."""
        seen_function = False
        for anc in self.ancestors(node):
            if isinstance(anc, cst.FunctionDef):
                if seen_function:
                    return None
                seen_function = True
            elif isinstance(anc, cst.ClassDef):
                return anc if seen_function else None
        return None

    def in_task_class(self, node: cst.CSTNode) -> bool:
        """Return whether ``node`` is inside a method of a local Task subclass."""
        cls = self.enclosing_class(node)
        return cls is not None and self.task_classes.get(cls.name.value) is cls

    def assignments(self, name: cst.Name) -> list[Assignment]:
        """Return the plain assignments visible for ``name`` in its scope."""
        scope: Scope | None = self.get_metadata(ScopeProvider, name, None)
        if scope is None:
            return []
        return [a for a in scope[name.value] if isinstance(a, Assignment)]

    def single_value(self, name: cst.Name) -> cst.BaseExpression | None:
        """Return the value of ``name`` if it is bound exactly once, by ``name = value``."""
        found = self.assignments(name)
        if len(found) != 1:
            return None
        target = found[0].node
        assign_target = self.parent(target)
        if not isinstance(assign_target, cst.AssignTarget):
            if isinstance(assign_target, cst.AsName):
                item = self.parent(assign_target)
                if isinstance(item, cst.WithItem):
                    return item.item
            return None
        assign = self.parent(assign_target)
        if isinstance(assign, cst.Assign) and len(assign.targets) == 1:
            return assign.value
        return None

    def is_holder_call(self, call: cst.Call) -> bool:
        """Return whether ``call`` builds a Task, Flow or Parameter (or ``@task(...)``)."""
        func = call.func
        if any(_names.is_holder(q) for q in self.qnames(func)):
            return True
        if self._star_holder(func):
            return True
        if self._local_name(func) in self.task_classes:
            return True
        if self.project_class(func, _project.TASK) is not None:
            return True
        if isinstance(func, cst.Attribute) and func.attr.value == "copy":
            return self.is_task_object(func.value)  # `task.copy(**task_args)`
        return m.matches(
            func, m.Attribute(value=m.Call(func=m.Name("super")), attr=m.Name("__init__"))
        ) and (self.in_task_class(call) or self._in_flow_class(call))

    def _in_flow_class(self, node: cst.CSTNode) -> bool:
        """Return whether ``node`` is inside a method of a class deriving from ``Flow``."""
        cls = self.enclosing_class(node)
        return cls is not None and any(
            _is_flow(q) for base in cls.bases for q in self.qnames(base.value)
        )

    def _star_holder(self, func: cst.BaseExpression) -> bool:
        """Whether ``func`` is ``task``/``Flow``/... bound only by ``from prefect import *``."""
        if (
            self._star_root is None
            or not isinstance(func, cst.Name)
            or func.value not in _STAR_HOLDERS
        ):
            return False
        scope = self.get_metadata(ScopeProvider, func, None)
        return scope is not None and not scope[func.value]

    def is_holder_object(self, expr: cst.BaseExpression) -> bool:
        """Return whether ``expr`` is provably a Task or Flow object."""
        if not isinstance(expr, cst.Name):
            return False
        if expr.value == "self":
            return self.in_task_class(expr)
        value = self.single_value(expr)
        if value is None:
            return self._task_function(expr)
        return isinstance(value, cst.Call) and self.is_holder_call(value)

    def is_task_object(self, expr: cst.BaseExpression) -> bool:
        """Return whether ``expr`` is provably a Task (a holder object or call, not a Flow)."""
        if expr in self._resolving:
            return False  # `t = t.copy()`: a name defined by itself proves nothing
        self._resolving.add(expr)
        try:
            built: cst.BaseExpression | None = expr
            if isinstance(expr, cst.Name) and expr.value != "self":
                if not self.is_holder_object(expr):
                    return False
                built = self.single_value(expr)
            elif not isinstance(expr, cst.Call) or not self.is_holder_call(expr):
                return self.is_holder_object(expr)
            func = built.func if isinstance(built, cst.Call) else None
            if func is not None and self._star_holder(func):
                return isinstance(func, cst.Name) and func.value != "Flow"
            return func is None or not any(_is_flow(q) for q in self.qnames(func))
        finally:
            self._resolving.discard(expr)

    def _task_function(self, name: cst.Name) -> bool:
        """Return whether ``name`` is bound once, by a function decorated with ``@task``."""
        scope: Scope | None = self.get_metadata(ScopeProvider, name, None)
        found = list(scope[name.value]) if scope is not None else []
        if len(found) == 1 and isinstance(found[0].node, cst.Import | cst.ImportFrom):
            # a `@task` function another module of the project defines
            return self.project is not None and any(
                self.project.is_task_function(q) for q in self.qnames(name)
            )
        if len(found) != 1 or not isinstance(found[0].node, cst.FunctionDef):
            return False
        for decorator in found[0].node.decorators:
            func = decorator.decorator
            func = func.func if isinstance(func, cst.Call) else func
            if any(_names.is_holder(q) and q.endswith(".task") for q in self.qnames(func)):
                return True
        return False

    def slot_of(self, node: cst.CSTNode) -> tuple[str, cst.Call] | None:
        """Return ``(keyword, call)`` if ``node`` is the value of a holder call's keyword.

        A slot silenced by ``# noqa`` is none: its value stays as written, so the rules
        must not count on it being converted.
        """
        if self.suppressed(node):
            return None
        arg = self.parent(node)
        if not isinstance(arg, cst.Arg) or arg.keyword is None or arg.value is not node:
            return None
        call = self.parent(arg)
        if (
            arg.keyword.value in _RESULT_SLOTS
            and isinstance(call, cst.Call)
            and (self.is_holder_call(call) or self.dict_task_args(arg))
        ):
            if arg.keyword.value == "result_handler" and self.renamed_earlier(arg):
                return "result", call
            return arg.keyword.value, call
        return None

    def dict_task_args(self, arg: cst.Arg) -> bool:
        """Whether ``arg`` is an entry of ``task_args=dict(...)`` given to a provable task,
        with keywords only (its keys are as literal as a dict display's)."""
        return False  # the slot rules (SlotMixin) say more

    def renamed_earlier(self, node: cst.Arg | cst.Assign | cst.DictElement) -> bool:
        """Return whether a rule earlier in this traversal renames this result-handler slot.

        Such a slot is ``result=`` in the code this rule's changes will land in.
        """
        if self.suppressed(node):
            return False
        return any(rule.renames_slot(node) for rule in self.state.earlier)

    def renames_slot(self, node: cst.Arg | cst.Assign | cst.DictElement) -> bool:
        """Return whether this rule renames the result-handler slot ``node`` to ``result``."""
        return False

    def uses_of(self, name: cst.Name) -> list[cst.CSTNode] | None:
        """Return the nodes reading the variable ``name`` binds (``None`` if unknowable)."""
        found = self.assignments(name)
        if len(found) != 1:
            return None
        return [ref.node for ref in found[0].references]

    # -- reporting ---------------------------------------------------------------------

    def report(self, node: cst.CSTNode, status: SiteStatus, message: str) -> None:
        """Record one site at ``node`` (line/column in this pass's input, column 1-based).

        Without ``want_sites`` nothing is recorded: placing a site costs the code generation
        of its whole top-level statement.
        """
        if not self.state.want_sites:
            return
        pos = self.get_metadata(PositionProvider, node).start
        site = Site(pos.line, pos.column + 1, self.rule.value, status, message)
        if site not in self._reported:  # a set: a list lookup is quadratic on dense files
            self._reported.add(site)
            self.state.sites.append(site)

    def rewritten(self, node: cst.CSTNode, message: str) -> None:
        """Record a rewritten site."""
        self.report(node, SiteStatus.REWRITTEN, message)

    def todo(self, node: cst.CSTNode, message: str) -> None:
        """Record a TODO site and schedule its comment above the enclosing statement."""
        self.report(node, SiteStatus.TODO, message)
        statement = self._statement_of(node)
        lines = todo_lines(self.rule, message, self._indent_of(statement))
        pending = self._todos.setdefault(statement, [])
        if lines[0] not in pending and not self._already_above(statement, lines[0]):
            pending.extend(lines)

    def _statement_of(self, node: cst.CSTNode) -> cst.CSTNode:
        current: cst.CSTNode = node
        while not isinstance(current, cst.SimpleStatementLine | cst.BaseCompoundStatement):
            parent = self.parent(current)
            if parent is None:
                return current
            current = parent
        return current

    def _indent_of(self, statement: cst.CSTNode) -> int:
        """The column ``statement`` starts at: the indents of the blocks holding it, a tab
        counted as ruff counts it (:func:`line_width`).

        Read from the tree (what ``PositionProvider`` gives, without generating code).
        """
        # The nodes whose code generation indents what they hold: blocks, and the cases
        # of a `match` statement.
        blocks = [
            a for a in self.ancestors(statement) if isinstance(a, cst.IndentedBlock | cst.Match)
        ]
        if not blocks:
            return 0
        module = self.state.metadata.module if self.state.metadata else cst.Module([])
        default = module.default_indent
        return line_width("".join(default if b.indent is None else b.indent for b in blocks))

    def _already_above(self, statement: cst.CSTNode, comment: str) -> bool:
        """Look at the comment lines right above ``statement`` in this pass's input.

        The comment lines the tree gives the statement are looked at first: a TODO this
        tool wrote is one of them, found without placing the statement in the text.
        """
        for empty in getattr(statement, "leading_lines", ()):
            if empty.comment is not None and empty.comment.value.strip() == comment:
                return True
        line = self.get_metadata(PositionProvider, statement).start.line - 2
        lines = self.state.lines
        while line >= 0:
            text = lines[line].strip()
            if text == comment:
                return True
            if text and not text.startswith(("#", "@")):
                return False
            line -= 1
        return False

    def on_leave(
        self, original_node: cst.CSTNode, updated_node: cst.CSTNode
    ) -> cst.CSTNode | cst.RemovalSentinel | cst.FlattenSentinel[cst.CSTNode]:
        """Dispatch to the rule's ``leave_*``, then attach any pending TODO comments."""
        if self._silenced and original_node in self._silenced:
            return updated_node  # left as written; its sites are counted as suppressed
        method = self._leave_methods.get(type(original_node), _MISSING)
        if method is _MISSING:
            method = _method(type(self), _LEAVES, type(original_node))
        result = updated_node if method is None else method(self, original_node, updated_node)
        if result is not updated_node:
            self.changed = True
        comments = self._todos.get(original_node) if self._todos else None
        if comments and isinstance(result, cst.SimpleStatementLine | cst.BaseCompoundStatement):
            existing = (line.comment.value for line in result.leading_lines if line.comment)
            extra = [
                cst.EmptyLine(comment=cst.Comment(c)) for c in missing_todos(comments, existing)
            ]
            if extra:
                if self._needs_blank_line(original_node, result):
                    extra.insert(0, cst.EmptyLine())
                result = result.with_changes(leading_lines=[*result.leading_lines, *extra])
                self.changed = True
        return result

    def _needs_blank_line(self, original: cst.CSTNode, statement: cst.CSTNode) -> bool:
        """Return whether a comment above this import needs a blank line before it.

        isort/ruff keep a comment inside an import block only after a blank line.
        """
        if not isinstance(statement, cst.SimpleStatementLine) or not isinstance(
            statement.body[0], cst.Import | cst.ImportFrom
        ):
            return False
        if any(line.comment is None for line in statement.leading_lines):
            return False
        parent = self.parent(original)
        body = getattr(parent, "body", ())
        return isinstance(body, Sequence) and bool(body) and body[0] is not original


def _only_star_root(module: cst.Module) -> str | None:
    """Return the root if ``module``'s only star import is ``from prefect import *`` (or
    compat's) among its top-level statements."""
    stars = [
        small
        for statement in module.body
        if isinstance(statement, cst.SimpleStatementLine)
        for small in statement.body
        if isinstance(small, cst.ImportFrom) and isinstance(small.names, cst.ImportStar)
    ]
    if len(stars) != 1 or stars[0].relative or stars[0].module is None:
        return None
    name = cst.helpers.get_full_name_for_node(stars[0].module)
    return name if name in _names.ROOTS else None


def _is_flow(qname: str) -> bool:
    return qname.split(".")[0] in _names.ROOTS and qname.rsplit(".", 1)[-1] == "Flow"


_PLAIN_LEAVE_MODULE = cst.CSTTransformer.leave_Module
#: Per rule class and node type: its ``visit_<Node>`` / ``leave_<Node>`` (or ``None``).
_VISITS: dict[type, dict[type, Any]] = {}
_LEAVES: dict[type, dict[type, Any]] = {}
_MISSING = object()


def _method(owner: type, table: dict[type, dict[type, Any]], kind: type) -> Any:
    """Return ``owner``'s callback for node type ``kind`` from ``table`` (found once).

    ``None`` if the rule does not define one (libcst's default does nothing).
    """
    methods = table.get(owner)
    if methods is None:
        methods = table[owner] = {}
    found = methods.get(kind, _MISSING)
    if found is _MISSING:
        name = ("visit_" if table is _VISITS else "leave_") + kind.__name__
        found = getattr(owner, name, None)
        if found is not None and found is getattr(cst.CSTTransformer, name, None):
            found = None
        methods[kind] = found
    return found


def _always(cls: type, code: str, target: Target) -> bool:
    return True
