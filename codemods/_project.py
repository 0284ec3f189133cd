"""The project's class index: custom handlers and Task subclasses defined in other modules.

Handlers usually live in a module of their own (``myproject/handlers.py``) and are used
elsewhere (``Task(result_handler=S3Archive())``). A file alone cannot tell that
``S3Archive`` subclasses ``ResultHandler``; the tree can. Before the rewrite, a cheap
first pass (:func:`build_index`, :mod:`ast` only, on the files that can matter) records
every module-level class that derives, directly or through other project classes, from a
legacy handler or a Prefect ``Task``. The rules then treat an imported project handler
exactly like a same-file one: wrapped in ``ResultHandlerResult`` unless its
``read``/``write`` cannot be called like the base's.

The same pass records the module-level handler constants other modules use
(``RESULT_HANDLER = S3ResultHandler(...)`` in a settings module) with every use of them,
and the helper functions returning a handler with whether another file calls them (see
:mod:`codemods._constants`), so a constant and its slots in other files are converted
together or not at all.

The index is built once, in the main process, from the files of the run plus the other
``.py`` files beside each of them (so one file given alone still sees its package
siblings), and travels to the workers with the options: ``-j N`` sees the same index.
The rules read it through :func:`current`, set around each rewrite by the runner.
"""

from __future__ import annotations

import ast
import re
import textwrap
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType

from codemods._constants import (
    SharedConstant,
    dotted_name,
    handler_uses,
    module_bindings,
)
from codemods._exports import Bindings, assigns_any, read_bindings
from codemods._guard import source_problem
from codemods._mentions import project_mentions
from codemods._source import read_source

__all__ = [
    "ProjectClass",
    "ProjectContext",
    "ProjectIndex",
    "build_index",
    "current",
    "init_reads_handler",
    "module_name",
    "using",
]

HANDLER = "handler"
TASK = "task"
#: Names a class statement must mention to be read in the first round: as the end of a word,
#: so a subclass of a built-in (``LocalResultHandler``, ``FunctionTask``) is read too.
_SEED_BASES = ("ResultHandler", "Task")
#: Larger files are not indexed: handler modules are small, and the pass must stay cheap
#: next to the rewrite on trees holding huge generated modules.
MAX_INDEXED_BYTES = 2_000_000


@dataclass(frozen=True)
class ProjectClass:
    """A project class the rules care about."""

    qualname: str
    kind: str  # HANDLER or TASK
    #: For handlers: why ``read``/``write`` cannot be called like the base's, if so.
    problem: str | None = None
    #: For tasks: whether ``__init__`` (its own or a project base's) reads ``result_handler``.
    reads_handler: bool = False


@dataclass(frozen=True)
class ProjectIndex:
    """Project classes by qualified name (``package.module.Class``), and re-exports.

    ``imported`` maps a project module to the names other modules import from it
    (``from pkg.setup import LocalDaskExecutor``): such an import is part of the module's
    interface even when the module itself does not use it.
    """

    classes: dict[str, ProjectClass] = field(default_factory=dict)
    imported: dict[str, frozenset[str]] = field(default_factory=dict)
    #: Module-level functions decorated with Prefect's ``@task`` (``pkg.tasks.load``).
    task_functions: frozenset[str] = frozenset()
    #: Every module the index looked at (the files of the run and their siblings).
    modules: frozenset[str] = frozenset()
    #: Module-level handler constants by qualified name, and whether every use is a result
    #: slot (see :func:`codemods._constants.handler_uses`).
    constants: dict[str, SharedConstant] = field(default_factory=dict)
    #: Module-level functions returning a built-in handler, by qualified name: whether
    #: another file may call them (see :func:`codemods._constants.handler_uses`).
    factories: dict[str, bool] = field(default_factory=dict)
    #: Module-level names of the rewritten files that another file of the project may use
    #: (qualified name: that file; see :mod:`codemods._mentions`).
    elsewhere: dict[str, str] = field(default_factory=dict)
    #: Other names of the classes and ``@task`` functions above: re-exports
    #: (``pkg.tasks.SqlTask``, bound by ``from .sql import SqlTask`` in
    #: ``pkg/tasks/__init__.py``) and module-level aliases (``Root = base.Base``), by the
    #: qualified name they are reached through.
    aliases: dict[str, str] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(
            self.classes or self.imported or self.task_functions or self.constants or self.factories
        )

    def canonical(self, qname: str) -> str:
        """The defining qualified name of the class or task ``qname`` reaches, or ``qname``."""
        return self.aliases.get(qname, qname)


@dataclass(frozen=True)
class ProjectContext:
    """The index plus where the file being rewritten sits, to resolve relative imports."""

    index: ProjectIndex
    package: str  # the package relative imports start from ("" for a top-level script)
    module: str = ""  # the file's own module ("" when unknown)

    def lookup(self, qname: str) -> ProjectClass | None:
        """Return the project class ``qname`` (as libcst spells it) refers to, if any."""
        return self.index.classes.get(self.index.canonical(resolve(qname, self.package)))

    def is_task_function(self, qname: str) -> bool:
        """Whether ``qname`` (as libcst spells it) is a ``@task`` function of the project."""
        return self.index.canonical(resolve(qname, self.package)) in self.index.task_functions

    def defines(self, qname: str) -> bool:
        """Whether ``qname`` (as libcst spells it) names something in a project module."""
        module = resolve(qname, self.package).rpartition(".")[0]
        return module in self.index.modules

    def in_project(self, qname: str) -> bool:
        """Whether ``qname`` (as libcst spells it) names something of the project: of this
        file's own top-level package, or of a module the index looked at."""
        absolute = resolve(qname, self.package)
        own = (self.package or self.module).partition(".")[0]
        if own and absolute.partition(".")[0] == own:
            return True
        parts = absolute.split(".")
        return any(".".join(parts[:end]) in self.index.modules for end in range(1, len(parts)))

    def constant(self, qname: str) -> SharedConstant | None:
        """Return the handler constant ``qname`` (as libcst spells it) names, if any."""
        return self.index.constants.get(resolve(qname, self.package))

    def own_constant(self, name: str) -> SharedConstant | None:
        """Return the handler constant ``name`` defined at this file's module level."""
        if not self.module:
            return None
        return self.index.constants.get(f"{self.module}.{name}")

    def private_function(self, name: str) -> bool:
        """Whether no other file calls the module-level function ``name`` of this file: the
        index knows this file, and no other indexed file spells the name."""
        if not self.module:
            return False
        qualname = f"{self.module}.{name}"
        return self.index.factories.get(qualname) is False and qualname not in self.index.elsewhere

    def exports(self, name: str) -> bool:
        """Whether other code may import ``name`` from this file.

        True in a package's ``__init__.py`` (what it imports is the package's interface) and
        for a name another module of the project imports from this one.
        """
        if not self.module:
            return False
        return (
            self.module == self.package
            or name in self.index.imported.get(self.module, ())
            or f"{self.module}.{name}" in self.index.elsewhere
        )


_CURRENT: ContextVar[ProjectContext | None] = ContextVar("project", default=None)


def current() -> ProjectContext | None:
    """Return the project context of the rewrite running now (``None``: no index)."""
    return _CURRENT.get()


@contextmanager
def using(context: ProjectContext | None) -> Iterator[None]:
    """Make ``context`` the project context of the rewrites run inside the block."""
    token = _CURRENT.set(context)
    try:
        yield
    finally:
        _CURRENT.reset(token)


def resolve(qname: str, package: str) -> str:
    """Turn a relative qualified name (``..handlers.X``) into an absolute one."""
    if not qname.startswith("."):
        return qname
    level = len(qname) - len(qname.lstrip("."))
    parts = package.split(".") if package else []
    base = parts[: len(parts) - (level - 1)] if level - 1 <= len(parts) else []
    rest = qname[level:]
    return ".".join([*base, rest]) if rest else ".".join(base)


def module_name(path: Path) -> tuple[str, str]:
    """Return ``(module, package)`` for a source file, from the ``__init__.py`` above it.

    A file outside any package is a top-level module named after its stem (the way a
    script's directory is on ``sys.path``).
    """
    return _module_name(path, _package_of(path.parent, {}))


def _module_name(path: Path, package: str) -> tuple[str, str]:
    """``module_name`` for a file of ``package`` (its directory's dotted name, or "")."""
    if path.name == "__init__.py":
        return package, package
    module = f"{package}.{path.stem}" if package else path.stem
    return module, package


def _package_of(directory: Path, known: dict[Path, str]) -> str:
    """The dotted package name of ``directory`` ("" outside a package), cached in ``known``."""
    found = known.get(directory)
    if found is None:
        if (directory / "__init__.py").is_file() and directory.parent != directory:
            above = _package_of(directory.parent, known)
            found = f"{above}.{directory.name}" if above else directory.name
        else:
            found = ""
        known[directory] = found
    return found


class _Sources:
    """The texts of the indexed files, and their module names.

    Module names come from one ``__init__.py`` lookup per directory, not one per file and
    package level.
    """

    def __init__(self) -> None:
        self.texts: dict[Path, str] = {}
        #: The bases of each text's module-level classes (see ``_class_bases``).
        self.bases: dict[Path, str | None] = {}
        #: Regular files that could not be read (too large to index, an I/O error).
        self.unread: set[Path] = set()
        self._packages: dict[Path, str] = {}
        #: What the modules' names stand for (re-exports, aliases), once every text is read.
        self.bindings = Bindings()

    def module_name(self, path: Path) -> tuple[str, str]:
        return _module_name(path, _package_of(path.parent, self._packages))


@dataclass
class _Class:
    qualname: str
    bases: list[str]
    source: str


def build_index(
    paths: Iterable[Path],
    rewritten: Iterable[Path] | None = None,
    *,
    used_names: frozenset[str] | None = None,
    read: dict[Path, str] | None = None,
) -> ProjectIndex:
    """Index the project classes defined in ``paths`` and the ``.py`` files beside them.

    ``rewritten`` lists the files this run rewrites (default: ``paths``): a handler
    constant is converted only if every file using it is rewritten too. ``used_names``, if
    given, holds every identifier of the files to rewrite: a ``@task`` function none of
    them names cannot be called there, so its module need not be parsed for it (on a large
    tree of flows, most modules define tasks nobody imports). ``read`` holds texts the
    caller has read already (at most ``MAX_INDEXED_BYTES`` each), by path.
    """
    from codemods._cst import names as rule_names

    paths = list(paths)
    candidates = _candidates(paths)
    sources = _Sources()
    texts = sources.texts
    if read:
        known = set(candidates)
        texts.update((path, text) for path, text in read.items() if path in known)
    parsed: set[Path] = set()
    classes: dict[str, _Class] = {}
    kinds: dict[str, str] = {}
    # Each round parses the files naming a name found in the round before (the first: the
    # seed bases, also as the end of a word); a file that named none of the earlier names
    # is searched for the new ones only.
    names = set(_SEED_BASES)
    fresh = set(names)
    pattern = re.compile(r"\b\w*(?:" + "|".join(_SEED_BASES) + r")\b")
    first = True
    while True:
        todo = [p for p in candidates if p not in parsed and _mentions(p, sources, fresh, pattern)]
        if first:  # every candidate has been read: the bindings can be
            first = False
            sources.bindings = _bindings(sources)
        if not todo:
            break
        for path in todo:
            parsed.add(path)
            for found in _classes(path, sources):
                classes[found.qualname] = found
        kinds = _kinds(classes, rule_names, sources.bindings)
        # Only handler and task classes can be the base of one: searching the other files for
        # every class name seen would scan the whole tree for names that cannot matter. A
        # re-export may rename one (``from .sql import SqlTask as Sql``).
        fresh = {name.rsplit(".", 1)[-1] for name in kinds} - names
        fresh |= _names_reaching(sources.bindings, kinds) - names
        if not fresh:
            break
        names |= fresh
        pattern = re.compile(r"\b(?:" + "|".join(map(re.escape, sorted(fresh))) + r")\b")
    found = {
        name: ProjectClass(
            name,
            kind,
            _problem(classes[name]) if kind == HANDLER else None,
            kind == TASK and _reads_handler(name, classes, kinds, sources.bindings),
        )
        for name, kind in sorted(kinds.items())
    }
    imported = {
        module: frozenset(names) for module, names in sorted(sources.bindings.imported.items())
    }
    task_functions = _task_functions(sources, rule_names, used_names)
    modules = [(path, *sources.module_name(path), text) for path, text in sorted(texts.items())]
    run = list(paths if rewritten is None else rewritten)

    def users(wanted: list[tuple[Path, str, set[str]]]) -> dict[tuple[Path, str], str]:
        return project_mentions(run, {**(read or {}), **sources.texts}).used_elsewhere(wanted)

    uses = handler_uses(
        modules,
        classes={name: (cls.kind, cls.reads_handler) for name, cls in found.items()},
        imported=imported,
        rewritten=run,
        unread=sources.unread,
        users=users,
    )
    return ProjectIndex(
        found,
        imported,
        task_functions,
        frozenset(sources.module_name(path)[0] for path in texts),
        uses.constants,
        uses.factories,
        uses.elsewhere,
        _aliases_of(sources.bindings, found.keys() | task_functions),
    )


def _bindings(sources: _Sources) -> Bindings:
    """The bindings of every indexed module (see :mod:`codemods._exports`)."""
    modules = [(*sources.module_name(path), text) for path, text in sources.texts.items()]
    return read_bindings(modules, {module for module, _, _ in modules})


def _names_reaching(bindings: Bindings, kinds: dict[str, str]) -> set[str]:
    """The names modules bind to one of ``kinds``' classes (``as`` renames, aliases)."""
    return {
        name
        for module, name in bindings.entries()
        if bindings.follow(f"{module}.{name}", kinds.__contains__) in kinds
    }


def _aliases_of(bindings: Bindings, known: set[str]) -> dict[str, str]:
    """Map every other qualified name of a ``known`` class or task to its own."""
    found: dict[str, str] = {}
    for module, name in bindings.entries():
        chain = bindings.chain(f"{module}.{name}", known.__contains__)
        if len(chain) > 1 and chain[-1] in known:
            # every name on the way (``pkg.settings.Alias`` reached from an import of it)
            found.update(dict.fromkeys(chain[:-1], chain[-1]))
    return dict(sorted(found.items()))


#: A module-level decorator naming something called ``task`` or ``..._task`` (checked with
#: ``ast``), and the names ``task as NAME`` binds (a decorator ``@NAME`` is checked too).
_TASK_DECORATOR = re.compile(r"^\f*@[\w.]*task\b", re.M)
_TASK_ALIAS = re.compile(r"\btask[ \t]+as[ \t]+(\w+)")
#: The names of module-level functions.
_MODULE_DEF = re.compile(r"^\f*(?:async[ \t]+)?def[ \t]+(\w+)", re.M)


def _task_functions(
    sources: _Sources, names: ModuleType, used_names: frozenset[str] | None
) -> frozenset[str]:
    """The qualified names of the module-level ``@task`` functions in ``sources`` (only
    those whose module defines a function ``used_names`` holds, if given)."""
    found: set[str] = set()
    for path, text in sources.texts.items():
        if "task" not in text or not _decorates_with_task(text):
            continue
        unused = used_names is not None and used_names.isdisjoint(_MODULE_DEF.findall(text))
        if unused and text.isascii():
            continue
        try:
            tree = ast.parse(text)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            continue
        module, package = sources.module_name(path)
        imported = _module_level_names(tree, module, package)
        for node in tree.body:
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            for decorator in node.decorator_list:
                target = decorator.func if isinstance(decorator, ast.Call) else decorator
                dotted = dotted_name(target, imported)
                dotted = sources.bindings.follow(dotted) if dotted else None
                if dotted and names.is_holder(dotted) and dotted.endswith(".task"):
                    found.add(f"{module}.{node.name}" if module else node.name)
    return frozenset(found)


def _decorates_with_task(text: str) -> bool:
    """Whether a module-level decorator of ``text`` may be Prefect's ``task``."""
    if _TASK_DECORATOR.search(text) is not None:
        return True
    aliases = _TASK_ALIAS.findall(text) if " as " in text else []
    pattern = r"^\f*@(?:" + "|".join(map(re.escape, aliases)) + r")\b"
    return bool(aliases) and re.search(pattern, text, re.M) is not None


def _module_level_names(tree: ast.Module, module: str, package: str) -> dict[str, str]:
    """What a module's imports and module-level aliases (``Root = base.Base``) bind."""
    imported = module_bindings(tree, package)
    for node in tree.body:
        if isinstance(node, ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            imported[node.name] = f"{module}.{node.name}" if module else node.name
        elif (
            isinstance(node, ast.Assign)
            and len(node.targets) == 1
            and isinstance(node.targets[0], ast.Name)
        ):
            dotted = dotted_name(node.value, imported)
            if dotted:
                imported[node.targets[0].id] = dotted
    return imported


def _kinds(classes: dict[str, _Class], names: ModuleType, bindings: Bindings) -> dict[str, str]:
    """The kind (handler or task) of every class in ``classes`` that has one."""
    kinds: dict[str, str] = {}
    changed = True
    while changed:
        changed = False
        for name, cls in classes.items():
            if name in kinds or names.handler_class(name) is not None:
                continue  # Prefect's own handlers (a vendored copy) are built-ins
            bases = [bindings.follow(base, classes.__contains__) for base in cls.bases]
            kind = _kind(bases, kinds, names)
            if kind is not None:
                kinds[name] = kind
                changed = True
    return kinds


def _candidates(paths: Iterable[Path]) -> list[Path]:
    found: set[Path] = set()
    directories: set[Path] = set()
    for path in paths:
        if path.suffix == ".py":
            found.add(path)
            directories.add(path.parent)
    for directory in directories:
        try:
            found.update(p for p in directory.glob("*.py") if p.is_file())
        except OSError:
            continue
    return sorted(found)


def _mentions(path: Path, sources: _Sources, names: set[str], pattern: re.Pattern[str]) -> bool:
    """Whether a module-level class of ``path`` may have one of ``names`` as a base.

    Its bases name one as a whole word (``pattern``), or a name an ``as`` binds; where a
    class header cannot be read, the whole text is searched (substring tests first: far
    cheaper than the word-bounded alternation).
    """
    texts = sources.texts
    if path not in texts:
        try:
            data = read_source(path, max_size=MAX_INDEXED_BYTES).data
            texts[path] = data.decode("utf-8", errors="replace")
        except OSError:  # unreadable, not a regular file (a FIFO), or too large to index
            texts[path] = ""
            if path.is_file():
                sources.unread.add(path)
    text = texts[path]
    if "class" not in text:
        return False
    if path not in sources.bases:
        sources.bases[path] = _class_bases(text)
    bases = sources.bases[path]
    if bases is None:
        return any(name in text for name in names) and pattern.search(text) is not None
    if pattern.search(bases) is not None:
        return True
    words = set(_WORD.findall(bases))
    return bool(words) and (not _aliases(text).isdisjoint(words) or assigns_any(text, words))


#: A module-level ``class`` statement, and one whose header (name, bases in brackets with
#: one level of nested brackets, over any number of lines) reads up to its colon.
#: Python reads a form feed before a statement as no indent (an Emacs page break).
_CLASS_START = re.compile(r"^\f*class\b", re.MULTILINE)
_CLASS_HEADER = re.compile(r"class[ \t]+\w+[ \t]*(\((?:[^()]|\([^()]*\))*\))?[ \t]*:")
_WORD = re.compile(r"\w+")
_ALIAS = re.compile(r"\bas[ \t]+(\w+)")


def _class_bases(text: str) -> str | None:
    """The bases of the module-level classes of ``text``, as one text (``None``: unread).

    Only a class whose bases name a task or handler class can be one, so a file is parsed
    for its classes only if these texts name one (or a name some ``as`` binds): a cheap
    filter on trees whose every module mentions ``Task``. A header the pattern cannot read
    (deeper brackets, a backslash) gives ``None``, and the whole text is searched instead.
    """
    found: list[str] = []
    for start in _CLASS_START.finditer(text):
        header = _CLASS_HEADER.match(text, start.end() - len("class"))
        if header is None:
            return None
        found.append(header.group(1) or "")
    return "\n".join(found)


def _aliases(text: str) -> set[str]:
    """The names ``as`` binds in ``text`` (imports, and a superset: ``with``, ``except``)."""
    return set(_ALIAS.findall(text)) if "as" in text else set()


def _classes(path: Path, sources: _Sources) -> list[_Class]:
    """Return the module-level classes of ``path`` with their bases' qualified names."""
    text = sources.texts[path]
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return []
    module, package = sources.module_name(path)
    lines = text.splitlines(keepends=True)
    imported = _module_level_names(tree, module, package)  # `Root = base.Base` too
    found: list[_Class] = []
    for node in tree.body:
        if isinstance(node, ast.ClassDef):
            qualname = f"{module}.{node.name}" if module else node.name
            bases = [b for b in (dotted_name(base, imported) for base in node.bases) if b]
            source = "".join(lines[node.lineno - 1 : node.end_lineno])
            found.append(_Class(qualname, bases, source))
    return found


def _kind(bases: list[str], kinds: dict[str, str], names: ModuleType) -> str | None:
    for base in bases:
        if names.handler_class(base) is not None or kinds.get(base) == HANDLER:
            return HANDLER
    for base in bases:
        if names.is_task_class(base) or kinds.get(base) == TASK:
            return TASK
    return None


def _reads_handler(
    name: str, classes: dict[str, _Class], kinds: dict[str, str], bindings: Bindings
) -> bool:
    """Whether the Task class ``name`` or a project base it inherits from reads the handler."""
    seen: set[str] = set()
    while name in classes and name not in seen and kinds.get(name) == TASK:
        seen.add(name)
        cls = classes[name]
        if init_reads_handler(cls.source):
            return True
        name = bindings.follow(cls.bases[0], classes.__contains__) if cls.bases else ""
    return False


def init_reads_handler(class_source: str) -> bool:
    """Whether a class's ``__init__`` takes or reads ``result_handler`` itself.

    A ``result_handler`` parameter, or the key read from ``**kwargs`` (``setdefault``,
    ``get``, ``pop``, ``kwargs["result_handler"]`` read, ``in kwargs``): the class then
    decides what the handler becomes, so its callers' ``result_handler=`` is not a plain
    pass-through to ``Task`` and cannot be renamed on its own. Setting the key
    (``kwargs["result_handler"] = h``) is not reading it.
    """
    if "result_handler" not in class_source:
        return False
    try:
        tree = ast.parse(textwrap.dedent(class_source))
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return True  # cannot tell: the safe answer
    cls = tree.body[0] if tree.body else None
    if not isinstance(cls, ast.ClassDef):
        return False
    for init in cls.body:
        if not (isinstance(init, ast.FunctionDef) and init.name == "__init__"):
            continue
        arguments = init.args
        if any(
            a.arg == "result_handler"
            for a in [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs]
        ):
            return True
        written = {
            id(target.slice)
            for node in ast.walk(init)
            if isinstance(node, ast.Assign)
            for target in node.targets
            if isinstance(target, ast.Subscript)
        }
        for node in ast.walk(init):
            if (
                isinstance(node, ast.Constant)
                and node.value == "result_handler"
                and id(node) not in written
            ):
                return True
    return False


def _problem(cls: _Class) -> str | None:
    import libcst as cst

    from codemods._cst.slots import signature_problem

    unsafe = source_problem(cls.source)  # libcst's parser crashes on some nesting
    if unsafe is not None:
        return f"its class body {unsafe}"
    try:
        statement = cst.parse_statement(cls.source)
    except cst.ParserSyntaxError:
        return None
    return signature_problem(statement) if isinstance(statement, cst.ClassDef) else None
