"""Secret tasks, and what importing compat loads."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from compat import Flow, context, task
from compat.engine.result_handlers import JSONResultHandler
from compat.engine.results import LocalResult, SecretResult
from compat.tasks.secrets import EnvVarSecret, PrefectSecret


@task
def use(secret):
    """Return the secret's length."""
    return len(secret)


def test_prefect_secret_reads_context_and_never_checkpoints(tmp_path, checkpointing):
    """PrefectSecret reads context.secrets, uses SecretResult and writes nothing."""
    with Flow("f", result=LocalResult(dir=str(tmp_path))) as flow:
        s = PrefectSecret("API_KEY")
        n = use(s)
    with context(secrets={"API_KEY": "hunter2"}):
        state = flow.run()
    secret_state = state.result[s]
    assert secret_state.result == "hunter2"
    assert isinstance(secret_state._result, SecretResult)
    assert secret_state._result.location is None
    assert "hunter2" not in json.dumps(secret_state.serialize())
    assert state.result[n].result == 7
    assert [p.name for p in tmp_path.iterdir()] == [
        p.name for p in tmp_path.iterdir() if "hunter2" not in p.read_bytes().decode("latin-1")
    ]


def test_env_var_secret(monkeypatch):
    """EnvVarSecret reads and casts an environment variable."""
    monkeypatch.setenv("MY_PORT", "8080")
    flow = Flow("f")
    s = flow.add_task(EnvVarSecret("port", env_var="MY_PORT", cast=int))
    assert flow.run().result[s].result == 8080
    flow = Flow("g")
    missing = flow.add_task(EnvVarSecret("NOPE_NOT_SET", raise_if_missing=True))
    assert flow.run().result[missing].is_failed()


@pytest.mark.parametrize("option", ["result", "result_handler"])
def test_secret_results_are_not_configurable(tmp_path, option):
    """Passing result= or result_handler= to a secret task is refused."""
    value = LocalResult(dir=str(tmp_path)) if option == "result" else JSONResultHandler()
    with pytest.raises(ValueError, match=r"Result types for Secrets are not configurable\."):
        PrefectSecret("x", **{option: value})


def test_importing_compat_stays_light():
    """Importing compat (and touching its lazy names) loads no libcst, dask or cloud SDK."""
    code = (
        "import sys, compat; compat.Flow, compat.task, compat.context, compat.config;"
        "import compat.engine.flow_runner;"
        "bad = [m for m in ('libcst', 'dask', 'boto3', 'botocore', 'google.cloud', "
        "'azure.storage.blob', 's3fs', 'gcsfs', 'adlfs') if m in sys.modules];"
        "print(','.join(bad))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
