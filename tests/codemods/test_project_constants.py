"""A handler constant defined in one module (``app/settings.py``) and used in others.

``fixtures/project_settings/before`` holds packages whose settings module defines
``RESULT_HANDLER = S3ResultHandler(...)`` and the like: ``app`` uses each only in result
slots (by name, aliased, relatively, through the module), ``blocked`` has one use per
constant that keeps it a handler (``.write()``, passed to a function, a Task subclass that
reads ``result_handler`` itself, next to ``result=``, a ``# noqa``, an attribute read, a
use or a result slot in its own module), ``reexported`` and ``starred`` hand it on,
``unrelated`` is another library's handler (no change), ``dicts`` holds dicts of handlers
read as ``HANDLERS[key]``, and ``helpers`` has module-level functions returning a handler
(one called only in a result slot of its module, one called by another module too).
The rewrite must equal ``after`` (prefect target) and ``after_compat``: a constant other
modules use stays a handler, with TODOs naming a user at the definition and every slot (on
compat its slots convert it with ``to_result``); the definition and its slots never
disagree, in one run or file by file. Files outside the run are read to find users.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from codemods._project import build_index
from codemods.cli import main
from tests.codemods._cli_support import copy_tree, python_sources, run_python

FIXTURE = Path(__file__).parent / "fixtures" / "project_settings"
PACKAGES = ["app", "blocked", "dicts", "helpers", "reexported", "starred", "unrelated"]


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    return copy_tree(FIXTURE / "before", tmp_path, monkeypatch)


def _run(*args: str) -> int:
    return main(["--no-progress", "-q", *args])


def _todos(path: Path) -> str:
    """The TODO comments of ``path``, each on one line (long ones continue on ``#   ``)."""
    lines = [line.strip() for line in path.read_text().splitlines()]
    joined = "\n".join(line for line in lines if line.startswith("#"))
    return joined.replace("\n#   ", " ")


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_tree_rewrite_converts_a_constant_with_its_slots(project: Path, jobs: str) -> None:
    assert _run("-j", jobs, *PACKAGES) == 2  # the blocked constants keep their TODOs
    assert python_sources(project) == python_sources(FIXTURE / "after")
    assert _run(*PACKAGES) == 2  # a second run changes nothing
    assert python_sources(project) == python_sources(FIXTURE / "after")


def test_compat_target_converts_or_leaves_the_handler_to_compat(project: Path) -> None:
    assert _run("--target", "compat", *PACKAGES) == 2  # `result=` beside `result_handler=`
    assert python_sources(project) == python_sources(FIXTURE / "after_compat")
    assert _run("--target", "compat", *PACKAGES) == 2
    assert python_sources(project) == python_sources(FIXTURE / "after_compat")


_RUN_ON_COMPAT = """
import sys
sys.modules["prefect"] = None  # the rewritten code must not need Prefect
import app.aliased, app.flow, app.modules, dicts.flows, helpers.flows, reexported.flow
print(
    type(app.flow.flow.result).__name__,
    type(app.modules.load.result).__name__,
    type(app.modules.limit.result).__name__,
    type(app.aliased.build().result).__name__,
    type(dicts.flows.flow.result).__name__,
    type(helpers.flows.flow.result).__name__,
    type(reexported.flow.flow.result).__name__,
)
"""


@pytest.mark.timeout(120)
def test_the_compat_rewrite_runs_with_results_everywhere(project: Path) -> None:
    """Converted constants, dicts and helpers give results; one kept a handler is converted
    where it is given (`to_result`): every flow and task ends up holding a `Result`."""
    _run("--target", "compat", *PACKAGES)
    done = run_python(_RUN_ON_COMPAT, project)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split()[-7:] == [
        "S3Result",  # app.settings.RESULT_HANDLER, converted
        "S3Result",  # the same through `s.RESULT_HANDLER`
        "LocalResult",  # app.settings.SCRATCH
        "S3Result",  # aliased `RH`
        "S3Result",  # HANDLERS["s3"]
        "LocalResult",  # make_handler()
        "LocalResult",  # re-exported: kept a handler, converted by compat's to_result
    ]


def test_the_finding_keeps_a_shared_constant_with_todos(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The reviewer's layout: settings, flow, tasks; every use a result slot. Another
    module uses the constant, and a project's other modules are never all known for sure
    (partial runs, notebooks, `getattr`, `monkeypatch.setattr`): it stays a handler, and
    the TODOs say who uses it."""
    flow, settings = project / "app" / "flow.py", project / "app" / "settings.py"
    for path in (project / "app" / "modules.py", project / "app" / "aliased.py"):
        path.unlink()  # only the three files of the finding
    settings.write_text(
        "import os\n\nfrom prefect.engine.result_handlers import S3ResultHandler\n\n"
        'RESULT_HANDLER = S3ResultHandler(bucket=os.environ.get("BUCKET", "acme-results"))\n'
    )
    assert main(["--no-progress", "app"]) == 2
    assert 'with Flow("app", result_handler=RESULT_HANDLER) as flow:' in flow.read_text()
    assert "RESULT_HANDLER = S3ResultHandler(" in settings.read_text()
    assert "`RESULT_HANDLER` is used by app.flow" in _todos(settings)
    assert "`RESULT_HANDLER` is used by app.flow" in _todos(flow)
    assert "0 errors" in capsys.readouterr().err


def test_the_flow_alone_keeps_its_slot_while_settings_holds_a_handler(project: Path) -> None:
    before = python_sources(project)
    assert _run("app/flow.py") == 2
    flow = (project / "app" / "flow.py").read_text()
    assert 'with Flow("app", result_handler=RESULT_HANDLER) as flow:' in flow
    assert "`RESULT_HANDLER` is defined in app.settings, not in this run" in _todos(
        project / "app" / "flow.py"
    )
    assert (project / "app" / "settings.py").read_text() == before["app/settings.py"]
    # The settings file on its own next: the flow was not renamed, so neither is it.
    assert _run("app/settings.py") == 2
    settings = (project / "app" / "settings.py").read_text()
    assert "RESULT_HANDLER = S3ResultHandler(" in settings
    assert "`RESULT_HANDLER` is imported by app.aliased, not in this run" in _todos(
        project / "app" / "settings.py"
    )
    assert (project / "app" / "flow.py").read_text() == flow


def test_the_settings_alone_stays_a_handler_while_flows_are_not_rewritten(project: Path) -> None:
    before = python_sources(project)
    assert _run("app/settings.py") == 2
    settings = (project / "app" / "settings.py").read_text()
    assert "RESULT_HANDLER = S3ResultHandler(" in settings
    assert "SCRATCH = LocalResultHandler(" in settings
    assert python_sources(project) == {**before, "app/settings.py": settings}


def test_a_file_outside_the_run_that_uses_the_constant_keeps_it_a_handler(project: Path) -> None:
    """Every file of `app` but one: that one's slot would stay `result_handler=`."""
    files = sorted(str(p.relative_to(project)) for p in (project / "app").glob("*.py"))
    files.remove("app/aliased.py")
    assert _run(*files) == 2
    settings = (project / "app" / "settings.py").read_text()
    assert "RESULT_HANDLER = S3ResultHandler(" in settings
    assert "`RESULT_HANDLER` is imported by app.aliased, not in this run" in _todos(
        project / "app" / "settings.py"
    )
    assert "result_handler=RESULT_HANDLER" in (project / "app" / "flow.py").read_text()


def test_stdin_sees_the_package_but_never_converts_a_shared_constant(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """One file from stdin is the whole run: the settings file is not rewritten with it."""
    source = (project / "app" / "flow.py").read_text()
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(source.encode())))
    assert main(["--stdin-filename", "app/flow.py", "-"]) == 2
    out = capsys.readouterr().out
    assert 'with Flow("app", result_handler=RESULT_HANDLER) as flow:' in out


@pytest.mark.parametrize("selection", [["--select", "PRU002"], ["--ignore", "PRU003"]])
def test_without_both_rules_nothing_shared_changes(project: Path, selection: list[str]) -> None:
    """PRU002 converts the definition and PRU003 renames the slots: one alone does neither."""
    _run(*selection, "app")
    assert "RESULT_HANDLER = S3ResultHandler(" in (project / "app" / "settings.py").read_text()
    assert "result_handler=RESULT_HANDLER" in (project / "app" / "flow.py").read_text()


_NOTEBOOK = (
    '{"cells": [{"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": null,'
    ' "source": ["from app.settings import RESULT_HANDLER\\n", "RESULT_HANDLER.write(1)\\n"]}],'
    ' "metadata": {}, "nbformat": 4, "nbformat_minor": 5}\n'
)


@pytest.mark.parametrize(
    ("name", "text", "todo"),
    [
        ("explore.ipynb", _NOTEBOOK, "`RESULT_HANDLER` may be used in explore.ipynb"),
        (
            "broken.py",
            "from app.settings import RESULT_HANDLER\nif\n",
            "`RESULT_HANDLER` may be used in app.broken (it cannot be parsed)",
        ),
        (
            "config.py",
            "def bucket(config):\n    return config.RESULT_HANDLER.bucket\n",
            "`RESULT_HANDLER` may be read as `.RESULT_HANDLER` in app.config",
        ),
    ],
    ids=["notebook", "unparsable", "read-on-an-object"],
)
def test_a_file_the_index_cannot_follow_keeps_the_constant(
    project: Path, name: str, text: str, todo: str
) -> None:
    (project / "app" / name).write_text(text)
    _run("app")
    settings = project / "app" / "settings.py"
    assert "RESULT_HANDLER = S3ResultHandler(" in settings.read_text()
    assert todo in _todos(settings)


def test_the_index_judges_each_constant() -> None:
    before = FIXTURE / "before"
    files = sorted(before.rglob("*.py"))
    constants = build_index(files).constants
    blockers = {name: c.blocker for name, c in constants.items() if c.shared}
    assert blockers == {
        # used by other modules only in result slots: still kept, the users named
        "app.settings.RESULT_HANDLER": "`RESULT_HANDLER` is used by app.aliased",
        "app.settings.SCRATCH": "`SCRATCH` is used by app.aliased",
        "app.settings.SECURE": "`SECURE` is used by app.modules",
        "blocked.settings.BOTH": "`BOTH` is given next to `result=` in blocked.jobs",
        "blocked.settings.HOME": "`HOME` is used by blocked.jobs",
        "blocked.settings.LOCAL_SLOT": "`LOCAL_SLOT` is used by blocked.jobs",
        "blocked.settings.MAIN": "`MAIN` has `.dir` used in blocked.main",
        "blocked.settings.PASSED": "`PASSED` is passed to `publish` in blocked.jobs",
        "blocked.settings.READ_ITSELF": "`READ_ITSELF` is given to `Defaulted` in blocked.jobs "
        "(it reads `result_handler` itself)",
        "blocked.settings.SILENCED": "`SILENCED` is silenced by `# noqa` in blocked.jobs",
        "blocked.settings.WRITTEN": "`WRITTEN` has `.write` used in blocked.jobs",
        "dicts.config.HANDLERS": "`HANDLERS` is used by dicts.flows",
        "dicts.config.LISTED": "`LISTED` has `.items` used in dicts.flows",
        "reexported.settings.RESULT_HANDLER": "`RESULT_HANDLER` is re-exported by reexported",
        "starred.settings.RESULT_HANDLER": "`RESULT_HANDLER` is star-imported by starred.flow",
    }
    # another library's `result_handlers` is no Prefect handler: not indexed at all
    assert "unrelated.settings.RESULT_HANDLER" not in constants
    # module-level functions returning a call, and whether another file calls them
    assert build_index(files).factories == {
        "helpers.flows.make_handler": False,
        "helpers.flows.shared_handler": True,
    }


def test_a_callee_rebound_in_the_module_is_not_taken_for_a_flow(tmp_path: Path) -> None:
    """`Flow = Other` in a function: that call may build anything, so the constant stays."""
    package = tmp_path / "p"
    package.mkdir()
    (package / "__init__.py").write_text("")
    settings = package / "settings.py"
    settings.write_text(
        "from prefect.engine.result_handlers import LocalResultHandler\n\n"
        'RH = LocalResultHandler(dir="/tmp/x")\n'
    )
    flow = package / "flow.py"
    source = (
        "from prefect import Flow\n\nfrom p.settings import RH\n\n\n"
        'def build(Other):\n    Flow = Other\n    return Flow("x", result_handler=RH)\n'
    )
    flow.write_text(source)
    _run(str(package))
    assert flow.read_text() == source
    assert 'RH = LocalResultHandler(dir="/tmp/x")' in settings.read_text()
    assert "`RH` is passed to `Flow` in p.flow" in _todos(settings)


@pytest.mark.parametrize("mentions", [True, False])
def test_a_module_too_large_to_index_is_searched_for_the_name(
    project: Path, mentions: bool
) -> None:
    """The index does not parse a module past its size limit; spelling the name keeps it."""
    from codemods._project import MAX_INDEXED_BYTES

    filler = "x = 1\n" * (MAX_INDEXED_BYTES // 6 + 1)
    use = "from app.settings import RESULT_HANDLER\n" if mentions else ""
    (project / "app" / "generated.py").write_text(use + filler)
    _run("app/settings.py", "app/flow.py", "app/modules.py", "app/aliased.py", "app/tasks.py")
    settings = project / "app" / "settings.py"
    assert "RESULT_HANDLER = S3ResultHandler(" in settings.read_text()
    if mentions:
        assert "`RESULT_HANDLER` may be used in generated.py" in _todos(settings)
    else:
        assert "`RESULT_HANDLER` is used by app.aliased" in _todos(settings)


def _write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


_SETTINGS = (
    "from prefect import Flow\n"
    "from prefect.engine.result_handlers import LocalResultHandler\n\n"
    'RESULT_HANDLER = LocalResultHandler(dir="/tmp/r")\n\n'
    'with Flow("settings", result_handler=RESULT_HANDLER) as flow:\n    pass\n'
)


def _settings_project(root: Path, monkeypatch: pytest.MonkeyPatch, name: str, text: str) -> None:
    """A project whose settings module holds a handler, plus the file ``name``."""
    _write(
        root,
        {
            "pyproject.toml": '[project]\nname = "acme"\n',
            "acme/__init__.py": "",
            "acme/config/__init__.py": "",
            "acme/config/settings.py": _SETTINGS,
            name: text,
        },
    )
    monkeypatch.chdir(root)


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("acme/flows/daily.py", "from acme.config.settings import RESULT_HANDLER\n"),
        (
            "tests/conftest.py",
            "from acme.config import settings\n\n\ndef patch(monkeypatch, handler):\n"
            '    monkeypatch.setattr(settings, "RESULT_HANDLER", handler)\n',
        ),
        (
            "notebooks/look.ipynb",
            '{"cells": [{"cell_type": "code", "source": ['
            '"from acme.config.settings import RESULT_HANDLER\\n", '
            '"RESULT_HANDLER.read(RESULT_HANDLER.write(1))"]}]}',
        ),
    ],
    ids=["another-package", "monkeypatched-in-a-conftest", "a-notebook"],
)
def test_a_file_outside_the_run_keeps_a_settings_constant_a_handler(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str, text: str
) -> None:
    """Run on the settings module alone (or its directory): the project around it is
    read, and a file that imports the module and spells the name keeps it a handler."""
    _settings_project(tmp_path, monkeypatch, name, text)
    assert _run("acme/config") == 2
    settings = (tmp_path / "acme" / "config" / "settings.py").read_text()
    assert 'RESULT_HANDLER = LocalResultHandler(dir="/tmp/r")' in settings
    assert "result_handler=RESULT_HANDLER" in settings
    assert "`RESULT_HANDLER` may be used in" in _todos(tmp_path / "acme/config/settings.py")


def test_a_module_level_variable_nobody_else_imports_is_still_converted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same project read finds no other user: the settings module alone decides."""
    _settings_project(
        tmp_path, monkeypatch, "acme/flows/other.py", "from acme.config.settings import OTHER\n"
    )
    assert _run("acme/config") == 1
    settings = (tmp_path / "acme" / "config" / "settings.py").read_text()
    assert 'RESULT_HANDLER = LocalResult(dir="/tmp/r")' in settings
    assert "result=RESULT_HANDLER" in settings


def test_a_helper_an_outside_notebook_calls_stays_a_handler_factory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _write(
        tmp_path,
        {
            "app/__init__.py": "",
            "app/flow.py": (
                "from prefect import task\n"
                "from prefect.engine.result_handlers import LocalResultHandler\n\n\n"
                "def make_handler(name):\n"
                '    return LocalResultHandler(dir="/tmp/" + name)\n\n\n'
                '@task(result_handler=make_handler("one"))\ndef one():\n    return 1\n'
            ),
            "notebooks/inspect.ipynb": (
                '{"cells": [{"cell_type": "code", "source": ['
                '"from app.flow import make_handler\\n", "h = make_handler(\'nb\')"]}]}'
            ),
        },
    )
    monkeypatch.chdir(tmp_path)
    _run("app")
    flow = (tmp_path / "app" / "flow.py").read_text()
    assert 'return LocalResultHandler(dir="/tmp/" + name)' in flow
    assert '@task(result_handler=make_handler("one"))' in flow


_IMPORTED_FLOW_TEST = (
    "from acme.config import settings\n"
    "from acme.flows.daily import flow\n\n\n"
    "def test_flow_has_handler():\n"
    "    assert flow.result_handler is settings.RESULT_HANDLER\n"
)


def _acme(root: Path) -> Path:
    """The reviewer's layout: settings, a flow module, and a test of the flow's handler."""
    for package in ("acme", "acme/config", "acme/flows"):
        (root / package).mkdir()
        (root / package / "__init__.py").write_text("")
    (root / "acme" / "config" / "settings.py").write_text(
        "from prefect.engine.result_handlers import LocalResultHandler\n\n"
        'RESULT_HANDLER = LocalResultHandler(dir="/tmp/r")\n'
    )
    (root / "acme" / "flows" / "daily.py").write_text(
        "from prefect import Flow\n\nfrom acme.config import settings\n\n"
        'flow = Flow("daily", result_handler=settings.RESULT_HANDLER)\n'
    )
    (root / "tests").mkdir()
    test = root / "tests" / "test_daily.py"
    test.write_text(_IMPORTED_FLOW_TEST)
    return test


@pytest.mark.parametrize("paths", [["tests/test_daily.py"], ["."]])
def test_a_handler_read_on_an_imported_flow_is_a_todo_site(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    paths: list[str],
) -> None:
    """The test file alone or with the whole tree: `--check` fails and names the line."""
    test = _acme(tmp_path)
    monkeypatch.chdir(tmp_path)
    assert main(["--no-progress", "--check", *paths]) == 2
    assert "tests/test_daily.py:6:12: PRU003 TODO: `.result_handler` is gone" in (
        capsys.readouterr().err
    )
    assert _run(*paths) == 2
    assert "`.result_handler` is gone: use `.result`" in _todos(test)


def test_compat_keeps_a_handler_read_on_an_imported_flow(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """compat's Task and Flow have `.result_handler`: nothing to do in the test file."""
    test = _acme(tmp_path)
    monkeypatch.chdir(tmp_path)
    assert main(["--no-progress", "-q", "--check", "--target", "compat", "tests"]) == 0
    assert test.read_text() == _IMPORTED_FLOW_TEST
