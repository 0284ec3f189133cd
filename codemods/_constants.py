"""Handlers held in module-level names other modules use: constants and helper functions.

A settings module often holds the project's handler, and every flow imports it
(``RESULT_HANDLER = S3ResultHandler(...)``, ``Flow(result_handler=RESULT_HANDLER)``). One
file cannot tell whether the constant is used only in result slots; the project can. This
pass (part of the index's cheap first pass, :mod:`ast` only, parsing only the few files
that import the legacy handlers and assign or return a call) finds every module-level
``NAME = <built-in handler>(...)`` and every use of it in the indexed modules (``from
app.settings import NAME [as X]``, ``import app.settings as s; s.NAME``), and records
either nothing (every use is the ``result_handler=``/``result=`` of a Task, Flow,
Parameter, ``@task`` or project Task subclass, in a file of this run: the definition
becomes the ``Result`` and the slots ``result=``, in every file alike) or the first use
that keeps it a handler, which the TODOs name. It also lists the module-level functions
returning a built-in handler, and whether another file may call them (a helper only its
own file calls is judged there, by the rules).

The rules follow the answer recorded here in every file of the run, so the definition and
its slots never disagree: this pass must only accept slots the rules rename for sure.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from types import ModuleType

__all__ = [
    "HandlerUses",
    "SharedConstant",
    "all_names",
    "dotted_name",
    "handler_uses",
    "module_bindings",
]

#: A longer callee is not quoted in a message (it would not fit a TODO line).
_MAX_CALLEE = 24
#: Keywords of a holder call that take the constant as a result.
_SLOT_KEYWORDS = ("result_handler", "result")
#: A module-level ``NAME = callee(`` line, a ``return callee(``, a module-level ``def``.
_ASSIGNED_CALL = re.compile(r"^[A-Za-z_]\w*[ \t]*=[ \t]*[\w.]+\(", re.MULTILINE)
_RETURNED_CALL = re.compile(r"\breturn[ \t]+[\w.]+\(")
_MODULE_DEF = re.compile(r"^def[ \t]+\w+", re.MULTILINE)
#: The same with a handler's name as the callee (``S3ResultHandler(``,
#: ``result_handlers.LocalResultHandler(``): unless the file renames an import (``as``),
#: only files matching these are worth parsing.
_ASSIGNED_HANDLER = re.compile(
    r"^[A-Za-z_]\w*[ \t]*=[ \t]*[\w.]*(?:ResultHandler|result_handlers\.\w+)\(", re.MULTILINE
)
_RETURNED_HANDLER = re.compile(r"\breturn[ \t]+[\w.]*(?:ResultHandler|result_handlers\.\w+)\(")
#: ``NAME = {`` at module level: a dict of handlers, in a file constructing one.
_ASSIGNED_DICT = re.compile(r"^[A-Za-z_]\w*[ \t]*=[ \t]*\{", re.MULTILINE)
_RENAMES = re.compile(r"\bimport\b[^;\n]*\bas\b|^[ \t]+\w+[ \t]+as[ \t]+\w+", re.MULTILINE)


@dataclass(frozen=True)
class SharedConstant:
    """A module-level variable holding a built-in handler, and what its uses allow."""

    qualname: str  # ``app.settings.RESULT_HANDLER``
    handler: str  # the built-in handler class (``S3ResultHandler``)
    source: str  # the constructor call as written
    #: The first use that keeps it a handler (``is passed to `publish` in app.jobs``), or
    #: ``None`` when every use is a result slot in a file of this run.
    blocker: str | None = None
    #: Whether another module imports or uses it (else the defining file alone decides).
    shared: bool = False
    #: For a dict of handlers (``HANDLERS = {"s3": S3ResultHandler(...)}``, used as
    #: ``HANDLERS["s3"]``): ``(key, handler class, constructor)`` of each entry; then
    #: ``handler`` and ``source`` are empty.
    entries: tuple[tuple[str, str, str], ...] = ()


@dataclass
class _Module:
    name: str
    package: str
    path: Path
    text: str
    tree: ast.Module | None  # None: the text cannot be parsed

    @cached_property
    def bindings(self) -> dict[str, str]:
        """What each name refers to: every import of the module, and its own classes."""
        found = module_bindings(self.tree, self.package, nested=True)
        for statement in self.tree.body if self.tree is not None else ():
            if isinstance(statement, ast.ClassDef) and statement.name not in found:
                found[statement.name] = _join(self.name, statement.name)
        return found

    @cached_property
    def parents(self) -> dict[ast.AST, ast.AST]:
        nodes = ast.walk(self.tree) if self.tree is not None else iter(())
        return {child: node for node in nodes for child in ast.iter_child_nodes(node)}

    @cached_property
    def rebound(self) -> frozenset[str]:
        """Names the module assigns, takes as parameters or defines as functions: a callee
        spelled so may not be what its import says everywhere."""
        found: set[str] = set()
        for node in ast.walk(self.tree) if self.tree is not None else ():
            if isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load):
                found.add(node.id)
            elif isinstance(node, ast.arg):
                found.add(node.arg)
            elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                found.add(node.name)
        return frozenset(found)

    @cached_property
    def silenced(self) -> frozenset[int]:
        """The lines a ``# noqa`` silences this tool on."""
        from codemods._cst.base import noqa_lines

        return noqa_lines(self.text.splitlines())


@dataclass
class _Definition:
    name: str
    module: _Module
    handler: str
    source: str
    line: int
    entries: tuple[tuple[str, str, str], ...] = ()  # a dict's (key, handler, constructor)
    blocker: str | None = None
    #: The other modules importing or using it, and the lines of its own module using it.
    users: set[str] = field(default_factory=set)
    home_uses: list[int] = field(default_factory=list)  # line numbers

    @property
    def qualname(self) -> str:
        return f"{self.module.name}.{self.name}" if self.module.name else self.name

    def block(self, message: str, **fields: str) -> None:
        """Record ``message`` (a template naming ``{name}`` and ``fields``) as what keeps
        the constant a handler, unless a use found earlier already does."""
        if self.blocker is None:
            self.blocker = message.format(name=self.name, **fields)


@dataclass(frozen=True)
class _Context:
    """What the use scan needs to know about the project."""

    classes: dict[str, tuple[str, bool]]  # qualname -> (kind, reads_handler)
    imported: dict[str, frozenset[str]]
    rewritten: frozenset[Path]
    names: ModuleType


@dataclass(frozen=True)
class HandlerUses:
    """What the index knows about handlers held in module-level names."""

    #: Module-level handler constants by qualified name.
    constants: dict[str, SharedConstant]
    #: Module-level functions returning a built-in handler, by qualified name: whether
    #: another file may call them (another indexed file or a notebook of the run spells
    #: the name, or an indexed file could not be read).
    factories: dict[str, bool]
    #: The constants and helpers of the run's files another file of the project may use
    #: (qualified name: that file).
    elsewhere: dict[str, str] = field(default_factory=dict)


def handler_uses(
    modules: Iterable[tuple[Path, str, str, str]],
    *,
    classes: dict[str, tuple[str, bool]],
    imported: dict[str, frozenset[str]],
    rewritten: Iterable[Path],
    unread: Iterable[Path],
    users: Callable[[list[tuple[Path, str, set[str]]]], dict[tuple[Path, str], str]] | None = None,
) -> HandlerUses:
    """Find the handler constants and handler-returning functions of ``modules``, and
    judge every use of the constants and who may call the functions.

    ``modules`` holds ``(path, module, package, text)`` of each indexed file; ``rewritten``
    the files this run rewrites (a use elsewhere keeps the handler, since that file keeps
    its ``result_handler=``); ``unread`` the indexed files that could not be read;
    ``users`` finds which of a rewritten file's names another file of the project may use
    (see :mod:`codemods._mentions`): asked only for the constants and helpers found here.
    Only files importing the legacy handlers are parsed, once.

    A constant another module uses is never converted: a project's other modules are
    never all known for sure (partial runs, ``--exclude``, notebooks, ``getattr``,
    ``monkeypatch.setattr``), and a handler left where a result now is breaks at run time.
    """
    from codemods._cst import names

    listed = list(modules)
    parsed: dict[Path, _Module] = {}
    found: list[_Definition] = []
    factories: dict[str, Path] = {}
    for path, module, package, text in listed:
        if "result_handlers" not in text:
            continue
        renames = _RENAMES.search(text) is not None
        assigns = (_ASSIGNED_CALL if renames else _ASSIGNED_HANDLER).search(text) is not None
        assigns = assigns or (
            _ASSIGNED_DICT.search(text) is not None and (renames or "ResultHandler(" in text)
        )
        returns = (_RETURNED_CALL if renames else _RETURNED_HANDLER).search(text) is not None
        returns = returns and _MODULE_DEF.search(text) is not None
        if not (assigns or returns):
            continue
        mod = parsed[path] = _parse(path, module, package, text)
        if assigns:
            found.extend(_definitions(mod, names))
        if returns:
            factories.update((qualname, path) for qualname in _factories(mod, names))
    if not (found or factories):
        return HandlerUses({}, {})
    context = _Context(classes, imported, frozenset(rewritten), names)
    elsewhere = _used_elsewhere(found, factories, context.rewritten, users)
    # Files the index does not parse: the run's notebooks, and files too large to index
    # (read here as text only, since a name they spell may be a use).
    opaque = [*_notebook_texts(context.rewritten), *_raw_texts(unread)]
    constants = _judge_constants(found, listed, parsed, context, opaque, elsewhere)
    called = {
        qualname: any(
            other != path and qualname.rpartition(".")[2] in text
            for other, _module, _package, text in listed
        )
        or any(text is None or qualname.rpartition(".")[2] in text for _file, text in opaque)
        for qualname, path in sorted(factories.items())
    }
    return HandlerUses(constants, called, elsewhere)


def _used_elsewhere(
    found: list[_Definition],
    factories: dict[str, Path],
    rewritten: frozenset[Path],
    users: Callable[[list[tuple[Path, str, set[str]]]], dict[tuple[Path, str], str]] | None,
) -> dict[str, str]:
    """Ask ``users`` about the constants and helpers of the files this run rewrites."""
    if users is None:
        return {}
    wanted: dict[Path, tuple[str, set[str]]] = {}
    modules: dict[Path, str] = {}
    for definition in found:
        path, module = definition.module.path, definition.module.name
        if path in rewritten:
            modules[path] = module
            wanted.setdefault(path, (module.rpartition(".")[2] or path.stem, set()))[1].add(
                definition.name
            )
    for qualname, path in factories.items():
        if path in rewritten:
            module, _, name = qualname.rpartition(".")
            modules[path] = module
            wanted.setdefault(path, (module.rpartition(".")[2] or path.stem, set()))[1].add(name)
    if not wanted:
        return {}
    answers = users([(path, word, names) for path, (word, names) in sorted(wanted.items())])
    return {
        f"{modules[path]}.{name}" if modules[path] else name: where
        for (path, name), where in sorted(answers.items())
    }


def _judge_constants(
    found: list[_Definition],
    listed: list[tuple[Path, str, str, str]],
    parsed: dict[Path, _Module],
    context: _Context,
    opaque: list[tuple[Path, str | None]],
    elsewhere: dict[str, str],
) -> dict[str, SharedConstant]:
    """Judge every use of the constants ``found``: record the first that keeps each a
    handler (and whether other modules use it at all)."""
    for definition in found:
        if definition.module.path not in context.rewritten:
            definition.block(
                "`{name}` is defined in {where}, not in this run", where=definition.module.name
            )
    for path, module, package, text in listed:
        mentioned = [d for d in found if d.name in text]
        if not mentioned:
            continue
        mod = parsed.get(path) or _parse(path, module, package, text)
        for definition in mentioned:
            _judge_uses(definition, mod, context)
    for path, text in opaque:
        for definition in found:
            if text is None:
                definition.users.add(path.name)
                definition.block("`{name}` may be used in {where} (not read)", where=path.name)
            elif definition.name in text:
                definition.users.add(path.name)
                definition.block("`{name}` may be used in {where}", where=path.name)
    for definition in found:  # what keeps every constant used elsewhere a handler
        if definition.users:
            definition.block("`{name}` is used by {where}", where=min(definition.users))
        where = elsewhere.get(definition.qualname)
        if where is not None:
            definition.users.add(where)
            definition.block("`{name}` may be used in {where}", where=where)
    return {
        d.qualname: SharedConstant(
            d.qualname, d.handler, d.source, d.blocker, bool(d.users), d.entries
        )
        for d in found
    }


def _factories(mod: _Module, names: ModuleType) -> Iterator[str]:
    """Yield the module-level functions of ``mod`` that return a built-in handler call."""
    if mod.tree is None:
        return
    imported = module_bindings(mod.tree, mod.package)
    for statement in mod.tree.body:
        if not isinstance(statement, ast.FunctionDef):
            continue
        pending: list[ast.AST] = list(statement.body)
        while pending:
            node = pending.pop()
            if isinstance(node, ast.Return) and isinstance(node.value, ast.Call):
                dotted = dotted_name(node.value.func, imported)
                if dotted and names.handler_class(dotted):
                    yield _join(mod.name, statement.name)
                    break
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                pending.extend(ast.iter_child_nodes(node))


def _parse(path: Path, module: str, package: str, text: str) -> _Module:
    try:
        tree: ast.Module | None = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        tree = None
    return _Module(module, package, path, text, tree)


def _definitions(mod: _Module, names: ModuleType) -> list[_Definition]:
    """Return the module-level ``NAME = <built-in handler>(...)`` of ``mod``, and the
    ``NAME = {"key": <built-in handler>(...), ...}`` dicts."""
    if mod.tree is None:
        return []
    imported = module_bindings(mod.tree, mod.package)
    found: list[_Definition] = []
    for statement in mod.tree.body:
        if not (
            isinstance(statement, ast.Assign)
            and len(statement.targets) == 1
            and isinstance(statement.targets[0], ast.Name)
        ):
            continue
        name = statement.targets[0].id
        value = statement.value
        if isinstance(value, ast.Call):
            handler = _handler_of(value, imported, names)
            if handler is None:
                continue
            source = ast.get_source_segment(mod.text, value) or ""
            definition = _Definition(name, mod, handler, source, statement.lineno)
        elif isinstance(value, ast.Dict):
            entries = _handler_entries(value, imported, names, mod.text)
            if entries is None:
                continue
            definition = _Definition(name, mod, "", "", statement.lineno, entries)
        else:
            continue
        if name in imported:
            definition.block("`{name}` is bound more than once in {where}", where=mod.name)
        lines = range(statement.lineno, (statement.end_lineno or statement.lineno) + 1)
        if any(line in mod.silenced for line in lines):
            definition.block("`{name}` is silenced by `# noqa`")
        found.append(definition)
    if found:  # rarely: the walks below are for files holding a definition only
        counts: dict[str, int] = {}
        for node in ast.walk(mod.tree):
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store | ast.Del):
                counts[node.id] = counts.get(node.id, 0) + 1
        exported = all_names(mod.tree)
        for definition in found:
            if counts.get(definition.name, 0) > 1:
                definition.block("`{name}` is bound more than once in {where}", where=mod.name)
            if definition.name in exported:
                definition.block("`{name}` is listed in `__all__`")
    return found


def _handler_of(call: ast.Call, imported: dict[str, str], names: ModuleType) -> str | None:
    """The built-in handler class ``call`` constructs (one the conversion table maps)."""
    from compat.conversion_table import conversion_for

    dotted = dotted_name(call.func, imported)
    handler = names.handler_class(dotted) if dotted else None
    return handler if handler is not None and conversion_for(handler) is not None else None


def _handler_entries(
    value: ast.Dict, imported: dict[str, str], names: ModuleType, text: str
) -> tuple[tuple[str, str, str], ...] | None:
    """``(key, handler, constructor)`` of a dict display whose keys are distinct string
    literals and whose values all construct built-in handlers; ``None`` otherwise."""
    entries: list[tuple[str, str, str]] = []
    for key, item in zip(value.keys, value.values, strict=True):
        if not (isinstance(key, ast.Constant) and isinstance(key.value, str)):
            return None  # `**other` (no key) or a computed key
        handler = _handler_of(item, imported, names) if isinstance(item, ast.Call) else None
        if handler is None:
            return None
        entries.append((key.value, handler, ast.get_source_segment(text, item) or ""))
    keys = [key for key, _, _ in entries]
    return tuple(entries) if entries and len(set(keys)) == len(keys) else None


def _judge_uses(definition: _Definition, mod: _Module, context: _Context) -> None:
    """Block ``definition`` on the first use in ``mod`` that is not a result slot."""
    where = mod.name or mod.path.name
    if mod.tree is None:
        definition.block("`{name}` may be used in {where} (it cannot be parsed)", where=where)
        return
    qualname = definition.qualname
    home = mod is definition.module
    bindings = {**mod.bindings, definition.name: qualname} if home else mod.bindings
    aliases = {local for local, target in bindings.items() if target == qualname}
    in_run = mod.path in context.rewritten
    for node in ast.walk(mod.tree):
        line = getattr(node, "lineno", 0)
        if isinstance(node, ast.ImportFrom) and _star_imports(node, mod.package, definition):
            definition.users.add(where)
            definition.block("`{name}` is star-imported by {where}", where=where)
        elif isinstance(node, ast.ImportFrom | ast.Import) and _binds(node, mod, qualname):
            definition.users.add(where)
            if not in_run:
                definition.block("`{name}` is imported by {where}, not in this run", where=where)
            elif node in mod.tree.body and _reexports(mod, node, qualname, context):
                definition.block("`{name}` is re-exported by {where}", where=where)
        elif isinstance(node, ast.arg) and node.arg in aliases:
            definition.block("`{name}` is rebound in {where}", where=where)
        elif isinstance(node, ast.Name | ast.Attribute):
            if dotted_name(node, bindings) != qualname:
                if (
                    isinstance(node, ast.Attribute)
                    and node.attr == definition.name
                    and dotted_name(node.value, bindings) is None
                ):  # `config.NAME` on an object: it may be this module
                    definition.users.add(where)
                    definition.block("`{name}` may be read as `.{name}` in {where}", where=where)
                continue
            if home and line == definition.line and isinstance(node.ctx, ast.Store):
                continue  # the definition itself
            if not home:
                definition.users.add(where)
            if not isinstance(node.ctx, ast.Load):
                definition.block("`{name}` is rebound in {where}", where=where)
            elif home:
                definition.home_uses.append(line)  # the defining file's own rules judge these
            elif not in_run:
                definition.block("`{name}` is imported by {where}, not in this run", where=where)
            else:
                use = _entry_read(node, mod.parents) if definition.entries else node
                # a dict used whole: how, if that reads as a slot problem
                problem = _slot_problem(use or node, bindings, mod, context)
                if use is None:
                    use, problem = node, problem or "`{name}` is used otherwise in {where}"
                if problem is not None:
                    definition.block(problem, where=where, **_use_fields(use, mod.parents))


def _entry_read(use: ast.AST, parents: dict[ast.AST, ast.AST]) -> ast.AST | None:
    """The ``NAME[key]`` read of a dict of handlers ``use`` is part of (``None``: the dict
    is used otherwise: iterated, ``.get``, passed, changed)."""
    parent = parents.get(use)
    if isinstance(parent, ast.Subscript) and parent.value is use:
        return parent if isinstance(parent.ctx, ast.Load) else None
    return None


def _slot_problem(
    use: ast.AST, bindings: dict[str, str], mod: _Module, context: _Context
) -> str | None:
    """Say why ``use`` is not a result slot the rules rename for sure, or ``None``.

    The answer is a template for :meth:`_Definition.block` (fields from :func:`_use_fields`);
    it names the module, no line: the TODO comments this run adds would move lines.
    """
    parents = mod.parents
    parent = parents.get(use)
    if isinstance(parent, ast.Attribute):
        return "`{name}` has `.{attr}` used in {where}"
    call = parents.get(parent) if isinstance(parent, ast.keyword) else parent
    if not isinstance(call, ast.Call):
        return "`{name}` is used otherwise in {where}"
    if call.func is use:
        return "`{name}` is called in {where}"
    if not isinstance(parent, ast.keyword) or parent.arg not in _SLOT_KEYWORDS:
        return "`{name}` is passed to {callee} in {where}"
    dotted = dotted_name(call.func, bindings)
    root = call.func
    while isinstance(root, ast.Attribute):
        root = root.value
    if isinstance(root, ast.Name) and root.id in mod.rebound:
        dotted = None  # `Flow = ...` somewhere: this call may not build a Prefect object
    project_class = context.classes.get(dotted) if dotted else None
    if project_class is not None and project_class[0] == "task":
        if project_class[1]:
            return "`{name}` is given to {callee} in {where} (it reads `result_handler` itself)"
    elif not (dotted and context.names.is_holder(dotted)):
        return "`{name}` is passed to {callee} in {where}"
    given = [k.arg for k in call.keywords]
    if all(k in given for k in _SLOT_KEYWORDS):
        return "`{name}` is given next to `result=` in {where}"
    if parent.lineno in mod.silenced or getattr(use, "lineno", 0) in mod.silenced:
        return "`{name}` is silenced by `# noqa` in {where}"
    return None


def _use_fields(use: ast.AST, parents: dict[ast.AST, ast.AST]) -> dict[str, str]:
    """The attribute read on ``use`` and the callee it is given to, as messages quote them."""
    parent = parents.get(use)
    call = parents.get(parent) if isinstance(parent, ast.keyword) else parent
    callee = ast.unparse(call.func) if isinstance(call, ast.Call) else ""
    return {
        "attr": parent.attr if isinstance(parent, ast.Attribute) else "",
        "callee": f"`{callee}`" if len(callee) <= _MAX_CALLEE else "a function",
    }


def _raw_texts(paths: Iterable[Path]) -> Iterator[tuple[Path, str | None]]:
    """The text of each file the index could not read within its size limit (``None``:
    unreadable)."""
    for path in sorted(paths):
        try:
            yield path, path.read_bytes().decode("utf-8", errors="replace")
        except OSError:
            yield path, None


def _notebook_texts(rewritten: Iterable[Path]) -> Iterator[tuple[Path, str | None]]:
    """The text of each notebook of this run (``None``: unreadable); they are not indexed."""
    from codemods._source import read_source

    for path in sorted(rewritten):
        if path.suffix == ".ipynb":
            try:
                yield path, read_source(path).data.decode("utf-8", errors="replace")
            except OSError:
                yield path, None


def _star_imports(node: ast.ImportFrom, package: str, definition: _Definition) -> bool:
    return any(a.name == "*" for a in node.names) and (
        _source_module(node, package) == definition.module.name
    )


def _binds(node: ast.Import | ast.ImportFrom, mod: _Module, qualname: str) -> bool:
    """Whether the import statement ``node`` binds the constant ``qualname`` by name."""
    if isinstance(node, ast.Import):
        return False  # `import app.settings`: its uses are attributes, judged one by one
    source = _source_module(node, mod.package)
    return any(_join(source, a.name) == qualname for a in node.names)


def _reexports(mod: _Module, node: ast.ImportFrom, qualname: str, context: _Context) -> bool:
    """Whether the module-level import ``node`` makes the constant part of ``mod``'s
    interface: a package's ``__init__.py``, a name others import from it, or ``__all__``."""
    if mod.name and mod.name == mod.package:
        return True
    source = _source_module(node, mod.package)
    local = {a.asname or a.name for a in node.names if _join(source, a.name) == qualname}
    return bool(local & (set(context.imported.get(mod.name, ())) | all_names(mod.tree)))


def _source_module(node: ast.ImportFrom, package: str) -> str:
    from codemods._project import resolve

    return resolve("." * node.level + (node.module or ""), package)


def _join(module: str, name: str) -> str:
    return f"{module}.{name}" if module else name


def module_bindings(
    tree: ast.Module | None, package: str, *, nested: bool = False
) -> dict[str, str]:
    """Map the names a module's imports bind to what they import.

    Top-level imports only, or (``nested``) every import in the module: a use scan must
    also see ``from app.settings import RH`` inside a function.
    """
    from codemods._project import resolve

    imported: dict[str, str] = {}
    if tree is None:
        return imported
    statements = ast.walk(tree) if nested else iter(tree.body)
    for node in statements:
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    imported[alias.asname] = alias.name
                else:
                    root = alias.name.split(".")[0]
                    imported[root] = root
        elif isinstance(node, ast.ImportFrom):
            source = "." * node.level + (node.module or "")
            for alias in node.names:
                dotted = f"{source}.{alias.name}" if node.module else source + alias.name
                imported[alias.asname or alias.name] = resolve(dotted, package)
    return imported


def dotted_name(node: ast.expr, imported: dict[str, str]) -> str | None:
    """The qualified name ``node`` (a name or dotted attribute) refers to, if imported."""
    if isinstance(node, ast.Name):
        return imported.get(node.id)
    if isinstance(node, ast.Attribute):
        value = dotted_name(node.value, imported)
        return f"{value}.{node.attr}" if value else None
    return None


def all_names(tree: ast.Module | None) -> set[str]:
    """The string literals listed in a module's ``__all__`` assignments."""
    found: set[str] = set()
    for statement in tree.body if tree is not None else ():
        targets = (
            statement.targets
            if isinstance(statement, ast.Assign)
            else [statement.target]
            if isinstance(statement, ast.AugAssign | ast.AnnAssign)
            else []
        )
        if not any(isinstance(t, ast.Name) and t.id == "__all__" for t in targets):
            continue
        value = statement.value  # type: ignore[union-attr]
        if isinstance(value, ast.List | ast.Tuple | ast.Set):
            found.update(
                e.value
                for e in value.elts
                if isinstance(e, ast.Constant) and isinstance(e.value, str)
            )
    return found
