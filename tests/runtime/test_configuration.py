"""Configuration: user file, environment overrides, and the result hierarchy."""

from __future__ import annotations

import pytest

from compat import Flow, task
from compat.engine.default_result import default_result_from_config, result_from_spec
from compat.engine.result_handlers import JSONResultHandler, LocalResultHandler
from compat.engine.results import FSSpecResult, LocalResult, PrefectResult
from compat.exceptions import ConfigurationError
from compat.utilities.configuration import (
    config,
    load_configuration,
    set_temporary_config,
)


@task
def double(x):
    """Double a number."""
    return 2 * x


def test_user_file_and_env_overrides(tmp_path):
    """The user file overrides defaults and PREFECT__SECTION__KEY overrides the file."""
    path = tmp_path / "config.toml"
    path.write_text(
        'home_dir = "/h"\n[flows]\ncheckpointing = true\ndefault_result = "file:///r"\n'
    )
    loaded = load_configuration(environ={"PREFECT__USER_CONFIG_PATH": str(path)})
    assert loaded.flows.checkpointing is True
    assert loaded.home_dir == "/h"
    overridden = load_configuration(
        environ={
            "PREFECT__USER_CONFIG_PATH": str(path),
            "PREFECT__FLOWS__CHECKPOINTING": "false",
            "PREFECT__FLOWS__DEFAULT_RESULT": "memory://results",
        }
    )
    assert overridden.flows.checkpointing is False
    assert overridden.get_nested("flows.default_result") == "memory://results"


def test_bad_toml_is_a_configuration_error(tmp_path):
    """A broken user file gives an error naming the file."""
    path = tmp_path / "config.toml"
    path.write_text("[flows\n")
    with pytest.raises(ConfigurationError, match=r"config\.toml"):
        load_configuration(environ={"PREFECT__USER_CONFIG_PATH": str(path)})


def test_set_temporary_config_restores():
    """set_temporary_config sets dotted keys and restores the previous values."""
    before = config.get_nested("flows.checkpointing")
    with set_temporary_config({"flows.checkpointing": "yes", "new.key": 1}):
        assert config.flows.checkpointing == "yes"
        assert config.new.key == 1
    assert config.get_nested("flows.checkpointing") == before
    assert "new" not in config


def test_checkpointing_env_var_drives_a_run(tmp_path, monkeypatch):
    """PREFECT__FLOWS__CHECKPOINTING=true in the environment turns checkpointing on."""
    from compat.utilities.configuration import reload_config

    monkeypatch.setenv("PREFECT__FLOWS__CHECKPOINTING", "true")
    monkeypatch.setenv("PREFECT__HOME_DIR", str(tmp_path / "home"))
    saved = dict(config)
    try:
        reload_config()
        with Flow("f", result=LocalResult(dir=str(tmp_path / "out"))) as flow:
            d = double(2)
        assert flow.run().result[d]._result.location is not None
    finally:
        config.clear()
        config.update(saved)


def test_default_result_specs(tmp_path):
    """Dotted class paths, file URLs, plain paths and other URLs all give results."""
    assert isinstance(result_from_spec("compat.engine.results.PrefectResult"), PrefectResult)
    local = result_from_spec(f"file://{tmp_path}/a")
    assert isinstance(local, LocalResult)
    assert local.dir == str(tmp_path / "a")
    assert result_from_spec(str(tmp_path / "b")).dir == str(tmp_path / "b")
    remote = result_from_spec("memory://bucket/prefix")
    assert type(remote) is FSSpecResult
    assert remote.url == "memory://bucket/prefix"
    with pytest.raises(ConfigurationError, match="no importable class"):
        result_from_spec("nowhere.Result")


def test_config_default_applies_when_nothing_else(tmp_path, checkpointing):
    """With no task or flow result, flows.default_result decides (read at run time)."""
    with Flow("f") as flow:
        d = double(2)
    with set_temporary_config({"flows.default_result": f"file://{tmp_path}"}):
        result = flow.run().result[d]._result
    assert isinstance(result, LocalResult)
    assert result.location.startswith(str(tmp_path))
    assert flow.run().result[d]._result.location is None


def test_legacy_default_class_is_converted_with_a_warning(tmp_path, checkpointing):
    """engine.result_handler.default_class is instantiated, converted and deprecated."""
    spec = "compat.engine.result_handlers.JSONResultHandler"
    with Flow("f") as flow:
        d = double(2)
    with set_temporary_config({"engine.result_handler.default_class": spec}):
        with pytest.warns(DeprecationWarning, match="default_class") as record:
            state = flow.run()
        assert default_result_from_config is not None
    assert record[0].filename == __file__
    result = state.result[d]._result
    assert isinstance(result, PrefectResult)
    assert result.location == "4"
    assert repr(result.safe_value) == "<SafeResult: '4'>"


def test_hierarchy_task_beats_flow_beats_config(tmp_path, checkpointing):
    """Task-level results win over flow-level ones, which win over the config default."""
    task_dir, flow_dir, config_dir = (tmp_path / n for n in ("task", "flow", "config"))

    @task(result=LocalResult(dir=str(task_dir)))
    def task_level(x):
        return x

    with set_temporary_config({"flows.default_result": str(config_dir)}):
        with Flow("with-flow", result=LocalResult(dir=str(flow_dir))) as flow:
            t = task_level(1)
            f = double(1)
        with Flow("without-flow") as bare:
            c = double(1)
        state, bare_state = flow.run(), bare.run()
    assert state.result[t]._result.location.startswith(str(task_dir))
    assert state.result[f]._result.location.startswith(str(flow_dir))
    assert bare_state.result[c]._result.location.startswith(str(config_dir))


def test_hierarchy_with_legacy_handlers(tmp_path, checkpointing):
    """The same hierarchy holds for result_handler= on tasks and flows."""

    def json_task_fn(x):
        return x

    with pytest.warns(DeprecationWarning, match="result_handler"):
        json_task = task(json_task_fn, result_handler=JSONResultHandler())
    with pytest.warns(DeprecationWarning, match="result_handler"):
        flow = Flow("f", result_handler=LocalResultHandler(dir=str(tmp_path)))
    with flow:
        j = json_task(5)
        d = double(5)
    state = flow.run()
    assert repr(state.result[j]._result.safe_value) == "<SafeResult: '5'>"
    assert state.result[d]._result.safe_value.value.startswith(str(tmp_path))


def test_parameters_ignore_the_hierarchy(tmp_path, checkpointing):
    """Parameters keep PrefectResult whatever the flow or config say."""
    from compat import Parameter

    with Flow("f", result=LocalResult(dir=str(tmp_path))) as flow:
        p = Parameter("p", default=3)
        double(p)
    result = flow.run().result[p]._result
    assert isinstance(result, PrefectResult)
    assert result.location == "3"
