"""Building flows: functional API, binding, constants, subclasses, parameters, graph errors."""

from __future__ import annotations

import pytest

import compat
from compat import Flow, Parameter, Task, task, unmapped
from compat.engine.results import ConstantResult, PrefectResult


@task
def add(x, y=1):
    """Add two numbers."""
    return x + y


class AddTask(Task):
    """A task subclass with run()."""

    def run(self, x, y):
        return x + y


def test_functional_api_builds_edges_and_constants():
    """Calling tasks in a flow copies them, links task arguments and stores constants."""
    with Flow("f") as flow:
        a = add(1, y=2)
        b = add(x=a, y=100)
    assert a is not add
    assert b is not add
    assert flow.tasks == {a, b}
    (edge,) = flow.edges
    assert (edge.upstream_task, edge.downstream_task, edge.key) == (a, b, "x")
    assert flow.constants[a] == {"x": 1, "y": 2}
    assert flow.constants[b] == {"y": 100}
    assert flow.run().result[b].result == 103


def test_positional_and_keyword_binding_agree():
    """Positional arguments bind to run()'s parameter names."""
    with Flow("f") as flow:
        a = add(1, 2)
        b = AddTask()(a, y=3)
    assert flow.constants[a] == {"x": 1, "y": 2}
    assert {e.key for e in flow.edges_to(b)} == {"x"}
    state = flow.run()
    assert state.result[b].result == 6


def test_decorator_with_arguments_and_names():
    """@task(...) passes Task arguments; the task is named after the function."""

    @task(name="adder", tags=["math"], checkpoint=False)
    def plus(x):
        return x + 1

    assert plus.name == "adder"
    assert plus.tags == {"math"}
    assert plus.checkpoint is False
    with Flow("f") as flow:
        r = plus(1)
    assert flow.get_tasks(tags=["math"]) == [r]
    assert flow.run().result[r].result == 2


def test_parameters_defaults_and_required():
    """Parameters use their default, accept values and are PrefectResult/checkpointed."""
    with Flow("f") as flow:
        x = Parameter("x", default=2)
        y = Parameter("y")
        total = add(x, y)
    assert x.required is False
    assert y.required is True
    assert isinstance(x.result, PrefectResult)
    assert x.checkpoint is True
    state = flow.run(parameters={"y": 5})
    assert state.result[total].result == 7
    assert flow.run(y=10, x=1).result[total].result == 11


def test_set_upstream_and_upstream_tasks():
    """set_upstream and upstream_tasks= add edges without keys, ordering the runs."""
    order = []

    @task
    def record(name):
        order.append(name)

    with Flow("f") as flow:
        first = record("first")
        second = record("second", upstream_tasks=[first])
        third = record("third")
        third.set_upstream(second)
    assert flow.upstream_tasks(third) == {second}
    flow.run()
    assert order == ["first", "second", "third"]


def test_map_with_unmapped_and_mapped_constants():
    """.map() splits lists (constants too) and passes unmapped() values whole."""
    with Flow("f") as flow:
        numbers = Parameter("numbers", default=[1, 2, 3])
        mapped = add.map(numbers, y=unmapped(10))
        again = add.map(mapped, y=unmapped(add(1, 1)))
        constant_mapped = add.map([5, 6])
    state = flow.run()
    assert state.result[mapped].result == [11, 12, 13]
    assert state.result[again].result == [13, 14, 15]
    assert state.result[constant_mapped].result == [6, 7]
    assert compat.unmapped is unmapped


def test_nout_unpacks_tuple_outputs():
    """nout= (or a Tuple return annotation) makes a task's output unpackable."""

    @task(nout=2)
    def split(x):
        return x, x * 2

    @task
    def annotated(x) -> tuple[int, int]:
        return x, -x

    with Flow("f") as flow:
        a, b = split(3)
        c, d = annotated(4)
    state = flow.run()
    assert (state.result[a].result, state.result[b].result) == (3, 6)
    assert (state.result[c].result, state.result[d].result) == (4, -4)
    with pytest.raises(TypeError, match="nout"), Flow("g"):
        _e, _f = add(1)


def test_collections_of_tasks_become_tasks():
    """A list or dict holding tasks is built by a collection task at run time."""

    @task
    def total(values):
        return sum(values)

    @task
    def keys(mapping):
        return sorted(mapping.items())

    with Flow("f") as flow:
        a = add(1)
        s = total([a, 10, add(2)])
        k = keys({"a": a, "b": 5})
    state = flow.run()
    assert state.result[s].result == 15
    assert state.result[k].result == [("a", 2), ("b", 5)]


def test_constants_are_constant_results():
    """Bound constants reach the task as ConstantResult inputs."""
    seen = {}

    class Spy(Task):
        def run(self, x):
            return x

    spy = Spy(state_handlers=[])
    with Flow("f") as flow:
        r = spy(7)
    runner_inputs = compat.engine.task_runner.TaskRunner(r).get_inputs({}, flow.constants[r])
    seen.update(runner_inputs)
    assert isinstance(seen["x"], ConstantResult)
    assert seen["x"].value == 7


def test_binding_outside_a_flow_is_an_error():
    """Calling a task outside `with Flow(...)` says what to do."""
    with pytest.raises(ValueError, match="with Flow"):
        add(1)


def test_bad_arguments_fail_at_build_time():
    """Unknown or missing run() arguments fail when binding, not when running."""
    with pytest.raises(TypeError, match="cannot bind"), Flow("f"):
        add(1, z=2)
    with pytest.raises(TypeError, match="cannot bind"), Flow("f"):
        add()


def test_cycles_are_refused():
    """An edge closing a cycle is refused and not kept."""
    with Flow("f") as flow:
        a = add(1)
        b = add(a)
    with pytest.raises(ValueError, match="cycle"):
        a.set_upstream(b, flow=flow)
    assert flow.upstream_tasks(a) == set()


def test_unbound_required_argument_fails_before_running():
    """A task added without its required arguments fails validation before any task runs."""
    ran = []

    @task
    def side_effect():
        ran.append(1)

    flow = Flow("f")
    flow.add_task(AddTask())
    with flow:
        side_effect()
    with pytest.raises(ValueError, match="unbound required arguments"):
        flow.run()
    assert ran == []


def test_parameter_errors_fail_before_running():
    """Unknown parameters and missing required ones raise before anything runs."""
    ran = []

    @task
    def side_effect(x):
        ran.append(x)

    with Flow("f") as flow:
        side_effect(Parameter("x"))
    with pytest.raises(ValueError, match="no parameters named"):
        flow.run(parameters={"x": 1, "nope": 2})
    with pytest.raises(ValueError, match="required parameters"):
        flow.run()
    assert ran == []


def test_duplicate_parameter_names_and_double_binding():
    """Two parameters with one name, or one argument bound twice, are errors."""
    with pytest.raises(ValueError, match="parameter named"), Flow("f"):
        add(Parameter("p"), Parameter("p"))
    with Flow("f") as flow:
        a = add(1)
    with pytest.raises(ValueError, match="already bound"):
        a.set_upstream(add(2, flow=flow), flow=flow, key="x")


def test_retry_delay_required_with_max_retries():
    """max_retries without retry_delay is refused, as in Prefect."""
    with pytest.raises(ValueError, match="retry_delay"):
        Task(max_retries=1)
