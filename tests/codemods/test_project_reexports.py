"""Task and handler classes reached through re-exports and aliases, and untyped callees.

``fixtures/project_reexports/before`` is a package exposing its classes the way teams do:
``wh/tasks/__init__.py`` re-exports the task classes (absolute and relative imports),
``wh/__init__.py`` re-exports one of them again under another name (a chain),
``wh/handlers/__init__.py`` the handlers, one of which derives from ``_Base =
ParquetHandler``; ``Root = base.WarehouseTask`` is a base, a class statement follows a form
feed, ``@task`` is imported ``as prefect_task``, and ``fallback.py`` binds one name to two
classes (not followed: a TODO). ``reports/no_change.py`` has nothing to migrate. The rewrite
of the tree must equal ``fixtures/project_reexports/after``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from codemods._project import HANDLER, TASK, build_index
from codemods.cli import main
from tests.codemods._cli_support import copy_tree, python_sources

PROJECT = Path(__file__).parent / "fixtures" / "project_reexports"
FLOW = Path("wh") / "reports" / "flow.py"
UNTYPED = "PRU003 TODO: `result_handler=`: callee not provably a Task"


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    return copy_tree(PROJECT / "before", tmp_path, monkeypatch)


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_tree_rewrite_follows_reexports_and_aliases(project: Path, jobs: str) -> None:
    assert main(["-j", jobs, "--no-progress", "wh"]) == 2  # two TODOs: a port, `Query`
    assert python_sources(project) == python_sources(PROJECT / "after")


def test_the_index_maps_every_other_name_to_the_defining_one() -> None:
    index = build_index(sorted((PROJECT / "before").rglob("*.py")))
    kinds = {name: cls.kind for name, cls in index.classes.items()}
    assert kinds == {
        "wh.handlers.parquet.ParquetHandler": HANDLER,
        "wh.handlers.parquet.PartitionedHandler": HANDLER,  # `class X(_Base)`
        "wh.tasks.base.WarehouseTask": TASK,
        "wh.tasks.feed.FedTask": TASK,  # a form feed before `class`
        "wh.tasks.paged.PagedTask": TASK,  # `Root = base.WarehouseTask`
        "wh.tasks.sql.SqlTask": TASK,
        "wh.reports.flow.DailyReport": TASK,  # `class DailyReport(t.SqlTask)`
        "wh.reports.flow.Renamed": TASK,  # `class Renamed(Sql)`, `Sql` from `wh`
    }
    assert index.aliases["wh.tasks.SqlTask"] == "wh.tasks.sql.SqlTask"  # absolute
    assert index.aliases["wh.tasks.PagedTask"] == "wh.tasks.paged.PagedTask"  # relative
    assert index.aliases["wh.Sql"] == "wh.tasks.sql.SqlTask"  # chained, renamed
    assert index.aliases["wh.handlers.ParquetHandler"] == "wh.handlers.parquet.ParquetHandler"
    assert "wh.tasks.fallback.Query" not in index.aliases  # bound to two classes
    assert index.task_functions == {"wh.tasks.functions.fetch", "wh.tasks.functions.save"}


def test_a_file_given_alone_reports_the_project_callee_it_cannot_type(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Its package's task modules live in another folder, which the index does not read:
    every ``result_handler=`` given to one of them is a TODO, never silence."""
    before = (project / FLOW).read_text()
    assert main(["--check", "--no-progress", str(FLOW)]) == 2
    captured = capsys.readouterr()
    report = captured.out + captured.err
    # `SqlTask(..., result_handler=ParquetHandler(...))` (line 15), `Sql(...)` (18) and the
    # ambiguous `Query(...)` (21) get custom handlers; the built-in handlers given to
    # `PagedTask` and `FedTask` are reported by PRU002 as passed to them.
    for place in ("15:5", "18:38", "21:28"):
        assert f"wh/reports/flow.py:{place}: {UNTYPED}" in report
    assert report.count(UNTYPED) == 3
    assert "LocalResultHandler is passed to `PagedTask`" in report
    assert "LocalResultHandler is passed to `FedTask`" in report
    assert (project / FLOW).read_text() == before


def test_another_librarys_callee_and_a_compat_run_get_no_such_todo(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--check", "--no-progress", "wh/reports/no_change.py"]) == 0
    assert main(["--check", "--no-progress", "--target", "compat", str(FLOW)]) in (0, 1)
    captured = capsys.readouterr()
    assert UNTYPED.split("TODO: ")[1] not in captured.out + captured.err


def test_super_init_in_a_class_with_an_untyped_project_base_is_reported(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    package = tmp_path / "app" / "flows"
    package.mkdir(parents=True)
    (tmp_path / "app" / "__init__.py").write_text("")
    (package / "__init__.py").write_text("")
    (package / "report.py").write_text(
        "from app.tasks import Base\n\n\n"
        "class Report(Base):\n"
        "    def __init__(self, handler):\n"
        "        super().__init__(result_handler=handler)\n"
    )
    monkeypatch.chdir(tmp_path)
    assert main(["-q", "--no-progress", "app/flows/report.py"]) == 2
    assert "callee not provably a Task" in (package / "report.py").read_text()


def test_aliases_assigned_in_a_module_are_followed_from_its_importers(tmp_path: Path) -> None:
    """A package's ``__init__.py`` aliases are read at once; another module's only when a
    name imported from it is followed (``Name = ...`` is not searched in every module)."""
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "__init__.py").write_text("from .tasks import Base\n\nTaskAlias = Base\n")
    (package / "tasks.py").write_text("from prefect import Task\n\n\nclass Base(Task):\n    pass\n")
    (package / "settings.py").write_text("from pkg.tasks import Base\n\nDefaultTask = Base\n")
    (package / "flow.py").write_text("from pkg.settings import DefaultTask\n")
    index = build_index(sorted(package.glob("*.py")))
    assert index.canonical("pkg.TaskAlias") == "pkg.tasks.Base"
    assert index.canonical("pkg.settings.DefaultTask") == "pkg.tasks.Base"
    assert index.canonical("pkg.flow.DefaultTask") == "pkg.tasks.Base"


def test_a_task_decorator_reexported_by_a_project_module_is_followed(tmp_path: Path) -> None:
    package = tmp_path / "app"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "compat.py").write_text("from prefect import task\n")
    (package / "tasks.py").write_text(
        "from app.compat import task\n\n\n@task\ndef load():\n    ...\n"
    )
    index = build_index(sorted(package.glob("*.py")))
    assert index.task_functions == {"app.tasks.load"}
