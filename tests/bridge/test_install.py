"""install(), uninstall(), is_installed(): what comes back, and that all of it goes away."""

from __future__ import annotations

import importlib
import importlib.util
import os
import sys

import prefect
import pytest
from prefect.engine.task_runner import TaskRunner
from prefect.serialization.result import StateResultSchema

import compat.bridge
import compat.engine.result_handlers as compat_handlers
from compat import conversion_table
from compat.engine.result.base import ResultInterface, SafeResult
from tests.bridge.conftest import run_python

LEGACY_MODULES = [
    "prefect.engine.result_handlers",
    *(f"prefect.engine.result_handlers.{m}" for m in conversion_table.HANDLER_MODULES.values()),
    "prefect.engine.results.result_handler_result",
]


def test_install_is_idempotent_and_reported() -> None:
    assert not compat.bridge.is_installed()
    try:
        assert compat.bridge.install() is True
        assert compat.bridge.install() is True
        assert compat.bridge.is_installed()
    finally:
        compat.bridge.uninstall()
    assert not compat.bridge.is_installed()
    compat.bridge.uninstall()  # a second uninstall is harmless


@pytest.mark.usefixtures("bridge")
@pytest.mark.parametrize("module_name", LEGACY_MODULES)
def test_every_legacy_module_path_imports(module_name: str) -> None:
    module = importlib.import_module(module_name)
    assert module.__all__
    for name in module.__all__:
        assert getattr(module, name) is not None


@pytest.mark.usefixtures("bridge")
@pytest.mark.parametrize("module_name", LEGACY_MODULES)
def test_every_legacy_module_path_is_found_by_importlib(module_name: str) -> None:
    # "Is it there?" checks (importlib.util.find_spec) must answer, not raise ValueError.
    spec = importlib.util.find_spec(module_name)
    assert spec is not None
    assert spec.name == module_name
    assert importlib.import_module(module_name).__spec__ is spec


@pytest.mark.usefixtures("bridge")
def test_legacy_handler_classes_are_compats_own() -> None:
    from prefect.engine import result_handlers

    for name in conversion_table.HANDLER_NAMES:
        assert getattr(result_handlers, name) is getattr(compat_handlers, name)
    for name, submodule in conversion_table.HANDLER_MODULES.items():
        module = importlib.import_module(f"prefect.engine.result_handlers.{submodule}")
        assert getattr(module, name) is getattr(compat_handlers, name)


@pytest.mark.usefixtures("bridge")
def test_legacy_result_names_are_back_where_0_13_19_had_them() -> None:
    from prefect.engine.result import NoResult
    from prefect.engine.result import SafeResult as from_package
    from prefect.engine.result.base import ResultInterface as interface
    from prefect.engine.result.base import SafeResult as from_base
    from prefect.engine.results import ResultHandlerResult
    from prefect.engine.results.result_handler_result import ResultHandlerResult as from_module

    assert from_package is from_base is SafeResult
    assert interface is ResultInterface
    assert from_module is ResultHandlerResult
    assert issubclass(ResultHandlerResult, prefect.engine.result.Result)
    assert NoResult is prefect.engine.result.base.NoResult  # Prefect's own, never removed


def test_uninstall_restores_everything() -> None:
    before_schemas = dict(StateResultSchema.type_schemas)
    before_load_results = TaskRunner.__dict__["load_results"]
    before_task_init = prefect.Task.__dict__["__init__"]
    before_flow_init = prefect.Flow.__dict__["__init__"]
    before_results_all = getattr(prefect.engine.results, "__all__", None)
    before_env = os.environ.get(compat.bridge.ENV_VAR)

    compat.bridge.install()
    assert os.environ[compat.bridge.ENV_VAR] == "1"
    compat.bridge.uninstall()

    for name in LEGACY_MODULES:
        assert name not in sys.modules
    with pytest.raises(ModuleNotFoundError):
        importlib.import_module("prefect.engine.result_handlers")
    assert importlib.util.find_spec("prefect.engine.result_handlers") is None
    assert not hasattr(prefect.engine, "result_handlers")
    assert not hasattr(prefect.engine.result, "SafeResult")
    assert not hasattr(prefect.engine.results, "ResultHandlerResult")
    assert getattr(prefect.engine.results, "__all__", None) == before_results_all
    assert StateResultSchema.type_schemas == before_schemas
    assert TaskRunner.__dict__["load_results"] is before_load_results
    assert prefect.Task.__dict__["__init__"] is before_task_init
    assert prefect.Flow.__dict__["__init__"] is before_flow_init
    assert "result_handler" not in vars(prefect.Task)
    assert os.environ.get(compat.bridge.ENV_VAR) == before_env
    with pytest.raises(TypeError, match="result_handler"):
        prefect.Task(result_handler=compat_handlers.JSONResultHandler())


def test_importing_compat_and_the_bridge_module_does_not_import_prefect() -> None:
    code = (
        "import sys, compat, compat.bridge; "
        "assert 'prefect' not in sys.modules, 'prefect imported'; print('ok')"
    )
    done = run_python(code, bridge_env=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"


def test_dask_setup_installs_the_bridge() -> None:
    try:
        compat.bridge.dask_setup(worker=None)
        assert compat.bridge.is_installed()
    finally:
        compat.bridge.uninstall()
