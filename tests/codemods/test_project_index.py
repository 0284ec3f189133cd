"""Custom handlers and Task subclasses defined in another module of the same project.

``fixtures/project/before`` is a package whose handlers live in ``handlers.py`` (and a
subclass of one in ``more.py``); other modules use them through absolute, relative,
aliased and module imports. The rewrite of the tree must equal ``fixtures/project/after``
whatever the number of worker processes, and a file given alone must see its siblings.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from codemods._engine import rewrite_checked
from codemods._project import HANDLER, TASK, ProjectContext, build_index, module_name, using
from codemods.cli import main
from tests.codemods._cli_support import copy_tree, python_sources

PROJECT = Path(__file__).parent / "fixtures" / "project"


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    return copy_tree(PROJECT / "before", tmp_path, monkeypatch)


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_tree_rewrite_uses_the_project_index(project: Path, jobs: str) -> None:
    assert main(["-j", jobs, "pkg"]) == 2  # Picky's signature differs: one TODO
    assert python_sources(project) == python_sources(PROJECT / "after")


def test_a_file_given_alone_sees_its_package_siblings(project: Path) -> None:
    main(["pkg/flows.py"])
    assert (project / "pkg" / "flows.py").read_text() == (
        PROJECT / "after" / "pkg" / "flows.py"
    ).read_text()


def test_index_knows_handlers_subclasses_and_tasks() -> None:
    index = build_index([PROJECT / "before" / "pkg" / "flows.py"])
    kinds = {name: cls.kind for name, cls in index.classes.items()}
    assert kinds == {
        "pkg.base_tasks.Defaulted": TASK,
        "pkg.compressed.Compressed": HANDLER,  # through a subclass of a built-in handler
        "pkg.handlers.Archive": HANDLER,
        "pkg.handlers.Picky": HANDLER,
        "pkg.handlers.Shared": HANDLER,
        "pkg.local_handlers.VersionedLocal": HANDLER,  # a built-in's subclass with `__init__`
        "pkg.more.Nested": HANDLER,
        "pkg.tasks.Extract": TASK,
    }
    assert index.classes["pkg.handlers.Picky"].problem == "`Picky.write` takes other arguments"
    assert index.classes["pkg.handlers.Archive"].problem is None
    # `kwargs.setdefault("result_handler", ...)`: its callers' keyword is not renamed
    assert index.classes["pkg.base_tasks.Defaulted"].reads_handler
    assert not index.classes["pkg.tasks.Extract"].reads_handler
    # `@task` functions, however `task` was imported; a plain function is none
    assert index.task_functions == {
        "pkg.aliased.one",
        "pkg.aliased.two",
        "pkg.task_functions.count",
        "pkg.task_functions.load",
    }


def test_module_names_follow_the_packages() -> None:
    before = PROJECT / "before"
    assert module_name(before / "pkg" / "flows.py") == ("pkg.flows", "pkg")
    assert module_name(before / "pkg" / "__init__.py") == ("pkg", "pkg")


def test_the_index_names_modules_like_module_name(tmp_path: Path) -> None:
    """Nested packages, a directory without ``__init__.py`` above them, scripts beside."""
    files = [
        tmp_path / "top" / "outer" / "__init__.py",
        tmp_path / "top" / "outer" / "a.py",
        tmp_path / "top" / "outer" / "inner" / "__init__.py",
        tmp_path / "top" / "outer" / "inner" / "b.py",
        tmp_path / "top" / "script.py",
    ]
    for path in files:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("x = 1\n")
    index = build_index(files)
    assert index.modules == {"outer", "outer.a", "outer.inner", "outer.inner.b", "script"}
    assert {module_name(path) for path in files} == {
        ("outer", "outer"),
        ("outer.a", "outer"),
        ("outer.inner", "outer.inner"),
        ("outer.inner.b", "outer.inner"),
        ("script", ""),
    }


def test_without_the_index_an_imported_handler_is_not_wrapped() -> None:
    source = (PROJECT / "before" / "pkg" / "flows.py").read_text()
    alone = rewrite_checked(source)
    assert "ResultHandlerResult" not in alone.code
    index = build_index([PROJECT / "before" / "pkg" / "flows.py"])
    with using(ProjectContext(index, "pkg")):
        known = rewrite_checked(source)
    assert known.code == (PROJECT / "after" / "pkg" / "flows.py").read_text()


def test_stdin_with_a_file_name_sees_that_files_package(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    source = (project / "pkg" / "flows.py").read_text()
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(source.encode())))
    main(["--stdin-filename", "pkg/flows.py", "-"])
    assert capsys.readouterr().out == (PROJECT / "after" / "pkg" / "flows.py").read_text()


@pytest.mark.timeout(120)
def test_hostile_siblings_neither_crash_nor_hang_the_index(tmp_path: Path) -> None:
    """A FIFO and a class libcst cannot parse beside the flow: the run still finishes."""
    import os

    package = tmp_path / "pkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    terms = " + ".join(["1"] * 20_000)
    (package / "handlers.py").write_text(
        "from prefect.engine.result_handlers import ResultHandler\n\n\n"
        f"class Deep(ResultHandler):\n    LIMIT = {terms}\n\n"
        "    def read(self, loc):\n        return loc\n\n"
        "    def write(self, value):\n        return value\n"
    )
    os.mkfifo(package / "pipe.py")
    flows = package / "flows.py"
    flows.write_text(
        "from prefect import Flow\nfrom pkg.handlers import Deep\n\n"
        'flow = Flow("f", result_handler=Deep())\n'
    )
    code = main(["--no-progress", "-q", str(flows)])
    assert code in (1, 2)  # rewritten or a TODO: never a crash (139) or an error (3)
    assert "result" in flows.read_text()


@pytest.mark.parametrize(
    ("header", "imports"),
    [
        ("class Mine(Base):", "from prefect import Task as Base\n"),
        ("class Mine(\n    object,\n    Task,\n):", "from prefect import Task\n"),
        ("class Mine(Generic[T], Task):", "from prefect import Task\n"),
        ("class Mine(prefect.Task, metaclass=Meta):", "import prefect\n"),
        ("class Mine(pick(lambda: (Task,))[0], Task):", "from prefect import Task\n"),
        ("class Mine(\\\n        Task):", "from prefect import Task\n"),
        ("\fclass Mine(Task):", "from prefect import Task\n"),  # an editor's page break
        ("Root = Task\n\n\nclass Mine(Root):", "from prefect import Task\n"),
        ("Root = prefect.Task\n\n\nclass Mine(Root):", "import prefect\n"),
    ],
)
def test_every_header_shape_of_a_task_subclass_is_indexed(
    tmp_path: Path, header: str, imports: str
) -> None:
    """Classes are parsed only in files whose class headers name a candidate base: the
    filter must keep aliases, headers over several lines, nested and unreadable brackets."""
    (tmp_path / "tasks.py").write_text(
        f"from typing import Generic, TypeVar\n{imports}\nT = TypeVar('T')\n\n\n"
        f"{header}\n    pass\n"
    )
    index = build_index([tmp_path / "tasks.py"])
    assert {name: cls.kind for name, cls in index.classes.items()} == {"tasks.Mine": TASK}


TASKS_MODULE = """\
from prefect import task


@task(
    name="load",
    checkpoint=True,
)
def load(n):
    return list(range(n))


@task
def unused(n):
    return n
"""
LONG_DECORATOR_ONLY = TASKS_MODULE.split("\n\n@task\ndef unused")[0] + "\n"


def test_task_functions_with_a_decorator_over_several_lines_are_indexed(tmp_path: Path) -> None:
    (tmp_path / "tasks.py").write_text(LONG_DECORATOR_ONLY)
    index = build_index([tmp_path / "tasks.py"])
    assert index.task_functions == {"tasks.load"}


def test_task_functions_nobody_names_are_not_looked_for(tmp_path: Path) -> None:
    """The rewritten files' identifiers decide which task modules are worth parsing."""
    (tmp_path / "tasks.py").write_text(TASKS_MODULE)
    (tmp_path / "other.py").write_text("from prefect import task\n\n@task\ndef other():\n    ...\n")
    index = build_index([tmp_path / "tasks.py"], used_names=frozenset({"load", "flow"}))
    assert index.task_functions == {"tasks.load", "tasks.unused"}  # its module is parsed
    index = build_index([tmp_path / "tasks.py"], used_names=frozenset({"flow"}))
    assert index.task_functions == frozenset()


def test_an_imported_task_with_a_long_decorator_gets_its_task_args_rewritten(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "tasks.py").write_text(LONG_DECORATOR_ONLY)
    flow = tmp_path / "flow.py"
    flow.write_text(
        "from prefect import Flow\n"
        "from prefect.engine.result_handlers import LocalResultHandler\n\n"
        "from tasks import load\n\n"
        'with Flow("f") as flow:\n'
        '    load(3, task_args={"result_handler": LocalResultHandler(dir="/tmp/x")})\n'
    )
    monkeypatch.chdir(tmp_path)
    assert main(["-q", "--no-progress", "flow.py", "tasks.py"]) == 1  # rewritten, no TODO
    assert 'task_args={"result": LocalResult(dir="/tmp/x")}' in flow.read_text()


@pytest.mark.parametrize(
    "module",
    [
        "from prefect import task as prefect_task\n\n\n@prefect_task\ndef load():\n    ...\n",
        "from prefect import task as pt\n\n\n@pt(checkpoint=True)\ndef load():\n    ...\n",
        "import prefect as p\n\n\n@p.task\ndef load():\n    ...\n",
        "from prefect import task\n\n\n\f@task\ndef load():\n    ...\n",  # a page break
    ],
)
def test_task_functions_decorated_through_an_alias_are_indexed(tmp_path: Path, module: str) -> None:
    """The text filter deciding which modules are parsed for ``@task`` functions keeps the
    names ``task as NAME`` binds, not only decorators spelled ``task``."""
    (tmp_path / "tasks.py").write_text(module)
    index = build_index([tmp_path / "tasks.py"], used_names=frozenset({"load"}))
    assert index.task_functions == {"tasks.load"}
