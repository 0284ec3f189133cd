"""Every code example of the seed document ``using-result-handlers-deprecated.md``, on ``compat``.

One test per example, in document order; each docstring names the section it covers.
``prefect`` is replaced by ``compat``. This copy of the document lost its decorators, imports
and some output lines: ``@task`` (and, in the task-level example, the decorator's
``result_handler=LocalResultHandler()`` that its comment announces) is put back, and empty
``with Flow(...):`` bodies get the document's running ``add`` example. The Google Cloud
examples run with ``S3ResultHandler`` on the same bucket name served by a local moto S3
server (GCS is not installed here; both handlers share one implementation and key scheme).
``result_handler=`` is deprecated, and ``compat`` says so with a ``DeprecationWarning``.
"""

from __future__ import annotations

import re

import cloudpickle
import pytest

from compat import Flow, Task, task
from compat.engine.result import SafeResult
from compat.engine.result_handlers import JSONResultHandler, LocalResultHandler, S3ResultHandler
from tests.seeds._support import LOCAL_NAME, PICKLED_THREE, assert_cloud_key, list_keys


def deprecated():
    return pytest.warns(DeprecationWarning, match="deprecated")


def add_flow(**flow_kwargs):
    """``first_result = add(1, y=2)``; ``second_result = add(x=first_result, y=100)``."""

    @task
    def add(x, y=1):
        return x + y

    with Flow("my handled flow!", **flow_kwargs) as flow:
        first_result = add(1, y=2)
        second_result = add(x=first_result, y=100)
    return flow, first_result, second_result


def s3_handler(bucket):
    """``GCSResultHandler(bucket='prefect_results')`` of the document, on the moto server."""
    return S3ResultHandler(bucket="prefect_results", boto3_kwargs=bucket["boto3_kwargs"])


def test_setting_result_handler_at_the_flow_level(checkpointing):
    """Setting result handler at the flow level: Flow(result_handler=LocalResultHandler())."""

    @task
    def add(x, y=1):
        return x + y

    # send the configuration to the Flow object
    with deprecated(), Flow("my handled flow!", result_handler=LocalResultHandler()) as flow:
        first_result = add(1, y=2)
        second_result = add(x=first_result, y=100)
    state = flow.run()
    assert state.is_successful()

    results_dir = checkpointing / "results"  # LocalResultHandler() writes to home_dir/results
    paths = []
    for ref, value in ((first_result, 3), (second_result, 103)):
        result = state.result[ref]._result
        assert result.value == value
        assert isinstance(result.safe_value, SafeResult)
        path = result.safe_value.value
        assert re.fullmatch(re.escape(f"{results_dir}/") + LOCAL_NAME, path)
        with open(path, "rb") as f:
            assert cloudpickle.loads(f.read()) == value
        paths.append(path)
    assert sorted(paths) == sorted(str(p) for p in results_dir.iterdir())


def test_setting_result_handler_at_the_task_level(checkpointing):
    """Setting result handler at the task level: @task(result_handler=...) and AddTask(...).

    The decorator announced by the comment is restored as in the original document:
    ``@task(result_handler=LocalResultHandler())``. ``a`` is configured but, as in the
    document, not used in the flow.
    """
    with deprecated():
        # configure on the task decorator
        @task(result_handler=LocalResultHandler())
        def add(x, y=1):
            return x + y

    class AddTask(Task):
        def run(self, x, y):
            return x + y

    # or when instantiating a Task object
    with deprecated():
        a = AddTask(result_handler=LocalResultHandler())

    with Flow("my handled flow!") as flow:
        first_result = add(1, y=2)
        second_result = add(x=first_result, y=100)
    state = flow.run()
    assert state.is_successful()

    results_dir = checkpointing / "results"
    for ref, value in ((first_result, 3), (second_result, 103)):
        safe = state.result[ref]._result.safe_value
        assert re.fullmatch(re.escape(f"{results_dir}/") + LOCAL_NAME, safe.value)
        with open(safe.value, "rb") as f:
            assert cloudpickle.loads(f.read()) == value
    assert len(list(results_dir.iterdir())) == 2
    assert a.result.dir == str(results_dir)  # a's handler, converted, points there too


def test_running_a_flow_with_gcsresulthandler_flow_level(checkpointing, prefect_results_bucket):
    """Running a flow with GCSResultHandler: a configured handler given at flow level."""
    gcs_handler = s3_handler(prefect_results_bucket)

    with deprecated():
        flow, first_result, _ = add_flow(result_handler=gcs_handler)
    state = flow.run()
    assert state.is_successful()

    key = state.result[first_result]._result.safe_value.value
    assert_cloud_key(key)
    assert key in list_keys(prefect_results_bucket["client"], "prefect_results")


def test_gcsresulthandler_safe_values_are_bucket_keys(checkpointing, prefect_results_bucket):
    """Running a flow with GCSResultHandler: safe_value is <SafeResult: 'Y/M/D/<uuid>...'>."""
    with deprecated():
        flow, first_result, second_result = add_flow(
            result_handler=s3_handler(prefect_results_bucket)
        )
    state = flow.run()
    assert state.is_successful()

    keys = []
    for ref in (first_result, second_result):
        safe = state.result[ref]._result.safe_value
        assert isinstance(safe, SafeResult)
        assert_cloud_key(safe.value)
        assert repr(safe) == f"<SafeResult: {safe.value!r}>"
        keys.append(safe.value)
    assert keys[0] != keys[1]
    # gsutil ls -r gs://prefect_results: those keys exist, and the handler reads them back.
    client = prefect_results_bucket["client"]
    assert list_keys(client, "prefect_results") == sorted(keys)
    reader = s3_handler(prefect_results_bucket)
    assert [reader.read(key) for key in keys] == [3, 103]


def test_running_a_flow_with_jsonresulthandler(checkpointing):
    """Running a flow with JSONResultHandler: safe_value holds the value, <SafeResult: '3'>.

    The document's ``_result.value`` line lost its output; the text says the safe value holds
    "the actual return value", 3, which is what ``value`` is.
    """
    with deprecated():
        flow, first_result, second_result = add_flow(result_handler=JSONResultHandler())
    state = flow.run()
    assert state.is_successful()

    assert state.result[first_result]._result.value == 3
    assert repr(state.result[first_result]._result.safe_value) == "<SafeResult: '3'>"
    assert repr(state.result[second_result]._result.safe_value) == "<SafeResult: '103'>"
    assert not list(checkpointing.rglob("*"))  # nothing goes to files


def test_parameters_use_the_json_result_handler(checkpointing):
    """Running a flow with JSONResultHandler: Parameter tasks use it, whatever the flow's is."""
    from compat import Parameter

    @task
    def add(x, y=1):
        return x + y

    with deprecated(), Flow("with a parameter", result_handler=LocalResultHandler()) as flow:
        x = Parameter("x", default=2)
        add(x, y=1)
    state = flow.run()
    assert state.is_successful()

    assert state.result[x]._result.value == 2
    assert repr(state.result[x]._result.safe_value) == "<SafeResult: '2'>"
    local_file = state.result[x]._result.safe_value.value
    assert local_file == "2"  # not a file path


def test_local_result_handler_file_content_is_cloudpickle(checkpointing):
    """Setting up to handle results: LocalResultHandler files hold raw cloudpickle of 3."""
    with deprecated():
        flow, first_result, _ = add_flow(result_handler=LocalResultHandler())
    state = flow.run()
    with open(state.result[first_result]._result.safe_value.value, "rb") as f:
        assert f.read() == PICKLED_THREE
