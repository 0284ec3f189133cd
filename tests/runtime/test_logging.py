"""Run logging like Prefect's: default format on stdout, level and format from config and env."""

from __future__ import annotations

import logging
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from compat import Flow, context, task
from compat.exceptions import ConfigurationError
from compat.utilities.configuration import set_temporary_config
from compat.utilities.logging import configure_logging, get_logger

ROOT = Path(__file__).parents[2]
LINE = re.compile(
    r"^\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\+0000\] (?P<level>[A-Z]+) - (?P<name>[\w.\[\]]+) \| "
    r"(?P<message>.*)$"
)


@task
def greet(name):
    """Log through context.logger, as Prefect tasks do."""
    context.logger.info("hello %s", name)
    return name


def greeting_flow():
    with Flow("greetings") as flow:
        greet("world")
    return flow


def test_default_format_and_lines_on_stdout(capsys):
    """Prefect's default format, UTC times with offset, runner lines and context.logger lines."""
    greeting_flow().run()
    lines = [LINE.match(line) for line in capsys.readouterr().out.splitlines()]
    assert all(lines), lines
    seen = [(m["level"], m["name"], m["message"]) for m in lines if m]
    assert seen == [
        ("INFO", "prefect.FlowRunner", "Beginning Flow run for 'greetings'"),
        ("INFO", "prefect.TaskRunner", "Task 'greet': Starting task run..."),
        ("INFO", "prefect.greet", "hello world"),
        (
            "INFO",
            "prefect.TaskRunner",
            "Task 'greet': Finished task run for task with final state: 'Success'",
        ),
        ("INFO", "prefect.FlowRunner", "Flow run SUCCESS: all reference tasks succeeded"),
    ]


def test_a_failure_is_logged_with_its_traceback(capsys):
    """An error in a task is logged at ERROR with the traceback, as logger.exception does."""

    @task
    def boom():
        raise ValueError("broken")

    with Flow("f") as flow:
        boom()
    flow.run()
    out = capsys.readouterr().out
    assert "ERROR - prefect.TaskRunner | Unexpected error: ValueError('broken')" in out
    assert "Traceback (most recent call last)" in out


def test_level_from_config_and_changes_made_with_the_logging_api_are_kept(capsys):
    """logging.level applies; a level set with logging afterwards stays until the config changes."""
    with set_temporary_config({"logging.level": "ERROR"}):
        greeting_flow().run()
        assert capsys.readouterr().out == ""
    greeting_flow().run()
    assert "Beginning Flow run" in capsys.readouterr().out
    logging.getLogger("prefect").setLevel(logging.WARNING)
    greeting_flow().run()
    assert capsys.readouterr().out == ""
    with set_temporary_config({"logging.level": "DEBUG"}):
        greeting_flow().run()
        out = capsys.readouterr().out
    assert (
        "DEBUG - prefect.TaskRunner | Task 'greet': Handling state change from Pending to Running"
        in out
    )
    assert "DEBUG - prefect.FlowRunner | Flow 'greetings': Handling state change" in out


def test_records_propagate_to_the_root_logger(caplog):
    """Users' own handlers (and pytest's caplog) see the records."""
    with caplog.at_level(logging.INFO):
        greeting_flow().run()
    assert ("prefect.greet", logging.INFO, "hello world") in caplog.record_tuples


def test_log_stdout_sends_prints_to_the_task_runner_log(capsys):
    """log_stdout=True: print() output becomes INFO records of prefect.TaskRunner."""

    @task(log_stdout=True)
    def chatty():
        print("said aloud")

    with Flow("f") as flow:
        chatty()
    flow.run()
    assert "INFO - prefect.TaskRunner | said aloud" in capsys.readouterr().out


def test_a_bad_level_names_the_setting():
    """An unknown level is a ConfigurationError naming logging.level and the valid names."""
    with (
        set_temporary_config({"logging.level": "LOUD"}),
        pytest.raises(ConfigurationError, match=r"logging.level is 'LOUD'.*WARNING"),
    ):
        configure_logging()
    assert get_logger("x").name == "prefect.x"


SCRIPT = textwrap.dedent(
    """
    from compat import Flow, context, task

    @task
    def greet():
        context.logger.info("hello from the task")

    with Flow("env") as flow:
        greet()
    flow.run()
    """
)


def run_script(tmp_path: Path, config: str = "", **env: str) -> str:
    config_path = tmp_path / "config.toml"
    config_path.write_text(config, encoding="utf-8")
    environ = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT__")}
    environ.update(
        PREFECT__USER_CONFIG_PATH=str(config_path),
        PREFECT__HOME_DIR=str(tmp_path / "home"),
        PYTHONPATH=str(ROOT),
        **env,
    )
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        env=environ,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return done.stdout


def test_visible_by_default_in_a_fresh_process(tmp_path):
    """Without any logging set-up, context.logger lines are printed (as Prefect does)."""
    out = run_script(tmp_path)
    assert "INFO - prefect.greet | hello from the task" in out


def test_level_from_the_environment(tmp_path):
    """PREFECT__LOGGING__LEVEL is honoured."""
    assert run_script(tmp_path, PREFECT__LOGGING__LEVEL="ERROR") == ""
    assert "Handling state change" in run_script(tmp_path, PREFECT__LOGGING__LEVEL="DEBUG")


def test_format_from_the_config_file(tmp_path):
    """logging.format (and datefmt) from the user's config file are used."""
    config = '[logging]\nformat = "%(levelname)s|%(name)s|%(message)s"\n'
    out = run_script(tmp_path, config)
    assert "INFO|prefect.greet|hello from the task" in out.splitlines()
