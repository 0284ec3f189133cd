"""Every code example of the seed document ``using-results.md``, run against ``compat``.

One test per example, in document order; each docstring names the section it covers.
``prefect`` is replaced by ``compat``. The Google Cloud examples (``GCSResult(bucket=
'prefect_results')``) run with ``S3Result`` on the same bucket name served by a local moto
S3 server: GCS is not installed here, and ``GCSResult`` and ``S3Result`` share one storage
implementation, key scheme and templating; the ``gsutil ls -r`` listings become a listing
of the bucket.
"""

from __future__ import annotations

import re
from pathlib import Path

import cloudpickle
import pytest

from compat import Flow, Parameter, Task, task
from compat.engine.results import LocalResult, PrefectResult, S3Result
from compat.engine.signals import LOOP
from compat.utilities.configuration import set_temporary_config
from compat.utilities.context import context
from tests.seeds._support import LOCAL_NAME, PICKLED_THREE, assert_cloud_key, list_keys


@task
def add(x, y=1):
    return x + y


def run(flow):
    state = flow.run()
    assert state.is_successful(), state
    return state


def s3_result(prefect_results_bucket, **kwargs):
    """``GCSResult(bucket='prefect_results', ...)`` of the document, on the moto server."""
    return S3Result(
        bucket="prefect_results", boto3_kwargs=prefect_results_bucket["boto3_kwargs"], **kwargs
    )


def test_setting_up_global_flow_and_task_levels(checkpointing, tmp_path):
    """Setting up to handle results: the global default, overridden at flow, then task level."""
    flow_dir = tmp_path / "flow-level"

    @task(result=PrefectResult())
    def add_in_state(x, y=1):
        return x + y

    with set_temporary_config({"flows.default_result": "compat.engine.results.PrefectResult"}):
        with Flow("global only") as global_flow:
            global_ref = add(1, y=2)
        with Flow("flow level", result=LocalResult(dir=str(flow_dir))) as flow:
            flow_ref = add(1, y=2)
            task_ref = add_in_state(flow_ref, y=100)
        global_state = run(global_flow)
        state = run(flow)

    assert isinstance(global_state.result[global_ref]._result, PrefectResult)
    assert global_state.result[global_ref]._result.location == "3"
    flow_location = state.result[flow_ref]._result.location
    assert re.fullmatch(re.escape(f"{flow_dir}/") + LOCAL_NAME, flow_location)
    assert Path(flow_location).read_bytes() == PICKLED_THREE
    assert isinstance(state.result[task_ref]._result, PrefectResult)
    assert state.result[task_ref]._result.location == "103"
    assert [p.name for p in flow_dir.iterdir()] == [Path(flow_location).name]


def test_setting_result_at_the_flow_level(checkpointing):
    """Setting result at the flow level: Flow(result=LocalResult()) checkpoints every task."""
    # send the configuration to the Flow object
    with Flow("my handled flow!", result=LocalResult()) as flow:
        first_result = add(1, y=2)
        second_result = add(x=first_result, y=100)
    state = run(flow)

    results_dir = checkpointing / "results"  # LocalResult() defaults to home_dir/results
    written = {}
    for ref, value in ((first_result, 3), (second_result, 103)):
        result = state.result[ref]._result
        assert isinstance(result, LocalResult)
        assert result.value == value
        assert re.fullmatch(re.escape(f"{results_dir}/") + LOCAL_NAME, result.location)
        written[result.location] = Path(result.location).read_bytes()
    assert written[state.result[first_result]._result.location] == PICKLED_THREE
    assert sorted(written) == sorted(str(p) for p in results_dir.iterdir())


def test_setting_result_at_the_task_level(checkpointing, tmp_path):
    """Setting result at the task level: @task(result=PrefectResult()) and AddTask(result=...).

    As in the document, ``a`` is configured but not used in the flow: it only shows the
    instantiation form; it keeps its ``LocalResult`` and writes nothing.
    """
    results_dir = tmp_path / "results"  # the document's "/Users/prefect/results"

    # configure on the task decorator
    @task(result=PrefectResult())
    def add(x, y=1):
        return x + y

    class AddTask(Task):
        def run(self, x, y):
            return x + y

    # or when instantiating a Task object
    a = AddTask(result=LocalResult(dir=str(results_dir)))

    with Flow("my handled flow!") as flow:
        first_result = add(1, y=2)
        second_result = add(x=first_result, y=100)
    state = run(flow)

    assert isinstance(state.result[first_result]._result, PrefectResult)
    assert state.result[first_result]._result.location == "3"
    assert state.result[second_result]._result.location == "103"
    assert isinstance(a.result, LocalResult)
    assert a.result.dir == str(results_dir)
    assert not results_dir.exists()  # a never ran; directories are made by the first write


def test_setting_result_at_the_task_level_task_instance_runs(checkpointing, tmp_path):
    """Setting result at the task level: an AddTask(result=LocalResult(dir)) writes to dir."""
    results_dir = tmp_path / "results"

    class AddTask(Task):
        def run(self, x, y):
            return x + y

    a = AddTask(result=LocalResult(dir=str(results_dir)))
    with Flow("my handled flow!", result=PrefectResult()) as flow:
        total = a(1, 2)
    state = run(flow)

    location = state.result[total]._result.location
    assert re.fullmatch(re.escape(f"{results_dir}/") + LOCAL_NAME, location)
    assert Path(location).read_bytes() == PICKLED_THREE


def test_running_a_flow_with_gcsresult_flow_level(checkpointing, prefect_results_bucket):
    """Example: Running a flow with `GCSResult`: a configured result given at flow level."""
    gcs_result = s3_result(prefect_results_bucket)

    with Flow("my handled flow!", result=gcs_result) as flow:
        first_result = add(1, y=2)
    state = run(flow)

    key = state.result[first_result]._result.location
    assert_cloud_key(key)
    assert list_keys(prefect_results_bucket["client"], "prefect_results") == [key]
    assert gcs_result.location is None  # the configured object is never mutated


def test_gcsresult_locations_and_bucket_keys(checkpointing, prefect_results_bucket):
    """Example: Running a flow with `GCSResult`: Y/M/D/<uuid> keys in location, safe_value, bucket.

    The document shows ``safe_value`` as the bare key string; a safe value is a ``SafeResult``
    whose ``value`` is that key (the deprecated document shows ``<SafeResult: '2020/2/24/…'>``
    for the same flow), so the key is checked on ``safe_value.value``.
    """
    with Flow("my handled flow!", result=s3_result(prefect_results_bucket)) as flow:
        first_result = add(1, y=2)
        second_result = add(x=first_result, y=100)
    state = flow.run()

    first_key = state.result[first_result]._result.location
    second_safe = state.result[second_result]._result.safe_value
    assert_cloud_key(first_key)
    assert_cloud_key(second_safe.value)
    assert second_safe.value == state.result[second_result]._result.location
    assert repr(second_safe) == f"<SafeResult: {second_safe.value!r}>"
    # gsutil ls -r gs://prefect_results: exactly those two keys, holding the two values.
    client = prefect_results_bucket["client"]
    assert list_keys(client, "prefect_results") == sorted([first_key, second_safe.value])
    body = client.get_object(Bucket="prefect_results", Key=first_key)["Body"].read()
    assert cloudpickle.loads(body) == 3


def test_providing_a_tasks_location_directly(checkpointing, prefect_results_bucket):
    """Providing a task's location directly: location='my_task.txt' stores at that key."""
    gcs_result = s3_result(prefect_results_bucket, location="my_task.txt")

    @task(result=gcs_result)
    def my_task():
        return "my data"

    with Flow("direct location") as flow:
        ref = my_task()
    state = run(flow)

    assert state.result[ref]._result.location == "my_task.txt"
    client = prefect_results_bucket["client"]
    assert list_keys(client, "prefect_results") == ["my_task.txt"]
    body = client.get_object(Bucket="prefect_results", Key="my_task.txt")["Body"].read()
    assert cloudpickle.loads(body) == "my data"


def test_templating_a_tasks_location(checkpointing, prefect_results_bucket):
    """Templating a task's location: '{task_name}.txt' also stores at my_task.txt."""
    gcs_result = s3_result(prefect_results_bucket, location="{task_name}.txt")

    @task(result=gcs_result)
    def my_task():
        return "my data"

    with Flow("templated location") as flow:
        ref = my_task()
    state = run(flow)

    assert state.result[ref]._result.location == "my_task.txt"
    assert list_keys(prefect_results_bucket["client"], "prefect_results") == ["my_task.txt"]


def test_templating_a_location_for_the_whole_flow(checkpointing, prefect_results_bucket):
    """Templating a task's location: one flow-level '{task_name}.txt' result, one key per task."""
    gcs_result = s3_result(prefect_results_bucket, location="{task_name}.txt")

    @task
    def my_task():
        return 1

    @task
    def my_second_task():
        return 2

    with Flow("my handled flow!", result=gcs_result) as flow:
        my_task()
        my_second_task()
    run(flow)

    client = prefect_results_bucket["client"]
    assert list_keys(client, "prefect_results") == ["my_second_task.txt", "my_task.txt"]
    for key, value in (("my_task.txt", 1), ("my_second_task.txt", 2)):
        body = client.get_object(Bucket="prefect_results", Key=key)["Body"].read()
        assert cloudpickle.loads(body) == value


def test_templating_with_a_custom_date_format(checkpointing, tmp_path):
    """Templating a task's location: custom date formatters such as "{date:%Y-%d}" apply."""

    @task(result=LocalResult(dir=str(tmp_path), location="{task_name}-{date:%Y-%d}.txt"))
    def my_task():
        return 1

    with Flow("dated") as flow:
        ref = my_task()
    state = run(flow)

    location = Path(state.result[ref]._result.location)
    assert re.fullmatch(r"my_task-\d{4}-\d{2}\.txt", location.name)
    assert location.parent == tmp_path


def test_mapping_location_with_map_index(checkpointing, tmp_path):
    """Specifying a location for mapped or looped tasks (Mapping): {map_index} keeps each child."""
    result = LocalResult(dir=str(tmp_path), location="{task_name}-{map_index}.pkl")

    @task
    def inc(x):
        return x + 1

    with Flow("mapped", result=result) as flow:
        incremented = inc.map([10, 20, 30])
    state = run(flow)

    assert sorted(p.name for p in tmp_path.iterdir()) == ["inc-0.pkl", "inc-1.pkl", "inc-2.pkl"]
    for i, value in enumerate([11, 21, 31]):
        assert cloudpickle.loads((tmp_path / f"inc-{i}.pkl").read_bytes()) == value
    assert state.result[incremented].result == [11, 21, 31]


def test_mapping_location_without_disambiguation_overwrites(checkpointing, tmp_path):
    """Specifying a location for mapped or looped tasks (Mapping): without {map_index}, one file."""
    result = LocalResult(dir=str(tmp_path), location="{task_name}.pkl")

    @task
    def inc(x):
        return x + 1

    with Flow("mapped", result=result) as flow:
        inc.map([10, 20, 30])
    run(flow)

    assert [p.name for p in tmp_path.iterdir()] == ["inc.pkl"]  # why the document warns
    assert cloudpickle.loads((tmp_path / "inc.pkl").read_bytes()) in {11, 21, 31}


def test_looping_default_location_gives_a_new_file_per_iteration(checkpointing, tmp_path):
    """Specifying a location for mapped or looped tasks (Looping): defaults, one file each."""

    @task(result=LocalResult(dir=str(tmp_path)))
    def count_to_three():
        count = context.get("task_loop_result", 0) + 1
        if count < 3:
            raise LOOP(result=count)
        return count

    with Flow("looped") as flow:
        ref = count_to_three()
    state = run(flow)

    assert state.result[ref].result == 3
    files = sorted(tmp_path.iterdir())
    assert len(files) == 3
    assert all(re.fullmatch(LOCAL_NAME, p.name) for p in files)
    assert sorted(cloudpickle.loads(p.read_bytes()) for p in files) == [1, 2, 3]


def test_looping_location_with_task_loop_count(checkpointing, tmp_path):
    """Specifying a location for mapped or looped tasks (Looping): {task_loop_count} per iteration.

    The document's advice: put ``{task_loop_count}`` in the location so that iterations do not
    overwrite each other. Each iteration's value must be in its own file.
    """
    result = LocalResult(dir=str(tmp_path), location="{task_name}-{task_loop_count}.pkl")

    @task(result=result)
    def count_to_three():
        count = context.get("task_loop_result", 0) + 1
        if count < 3:
            raise LOOP(result=count)
        return count

    with Flow("looped") as flow:
        ref = count_to_three()
    state = run(flow)

    assert state.result[ref].result == 3
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == [f"count_to_three-{n}.pkl" for n in (1, 2, 3)]
    for n in (1, 2, 3):
        assert cloudpickle.loads((tmp_path / f"count_to_three-{n}.pkl").read_bytes()) == n


def test_running_a_flow_with_prefectresult(checkpointing):
    """Running a flow with `PrefectResult`: the location holds the value itself ('3')."""
    with Flow("my handled flow!", result=PrefectResult()) as flow:
        first_result = add(1, y=2)
        second_result = add(x=first_result, y=100)
    state = run(flow)

    assert state.result[first_result]._result.value == 3
    assert state.result[first_result]._result.location == "3"  # the document prints it bare
    assert state.result[second_result]._result.location == "103"
    assert not list(checkpointing.rglob("*"))  # nothing goes to files


def test_parameters_use_prefectresult(checkpointing, tmp_path):
    """Running a flow with `PrefectResult`: all `Parameter` tasks use PrefectResult."""
    with Flow("with a parameter", result=LocalResult(dir=str(tmp_path))) as flow:
        x = Parameter("x", default=2)
        total = add(x, y=1)
    state = run(flow)

    assert isinstance(state.result[x]._result, PrefectResult)
    assert state.result[x]._result.location == "2"
    assert state.result[total]._result.value == 3
    assert [p.name for p in tmp_path.iterdir()] == [Path(state.result[total]._result.location).name]


def test_migrating_from_result_handlers(checkpointing, tmp_path):
    """Migrating from Result Handlers: handlers are auto-converted into Result subclasses."""
    from compat.engine.result_handlers import LocalResultHandler, ResultHandler
    from compat.engine.results import ResultHandlerResult

    class MyHandler(ResultHandler):
        def write(self, result):
            return f"custom-{result}"

        def read(self, loc):
            return int(loc.removeprefix("custom-"))

    with pytest.warns(DeprecationWarning, match="deprecated"):
        converted = Task(result_handler=LocalResultHandler(str(tmp_path)))
    with pytest.warns(DeprecationWarning, match="deprecated"):
        wrapped = Task(result_handler=MyHandler())
    assert isinstance(converted.result, LocalResult)
    assert converted.result.dir == str(tmp_path)
    assert isinstance(wrapped.result, ResultHandlerResult)
    assert wrapped.result.write(3).location == "custom-3"
