"""Deprecation warnings for result_handler=: once, at the user's line, naming what was ignored."""

from __future__ import annotations

import inspect
import warnings

import pytest

from compat import Flow, Task, task
from compat.engine.result_handlers import JSONResultHandler, LocalResultHandler, ResultHandler
from compat.engine.results import LocalResult, PrefectResult, ResultHandlerResult


def _line_of(marker: str) -> int:
    source, start = inspect.getsourcelines(inspect.getmodule(_line_of))
    return next(i for i, text in enumerate(source, start or 1) if marker in text)


def test_task_warns_once_at_the_users_line():
    """Task(result_handler=...) warns once, pointing at this file and line."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        t = Task(result_handler=JSONResultHandler())  # MARK-task
    assert len(caught) == 1
    (w,) = caught
    assert w.category is DeprecationWarning
    assert w.filename == __file__
    assert w.lineno == _line_of("# MARK-task")
    assert "result_handler" in str(w.message)
    assert "result=PrefectResult(...)" in str(w.message)  # names the exact replacement
    assert isinstance(t.result, PrefectResult)


def test_decorator_warns_once():
    """@task(result_handler=...) warns exactly once, in this file."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")

        @task(result_handler=JSONResultHandler())  # MARK-decorator
        def f():
            return 1

    assert len(caught) == 1
    assert caught[0].filename == __file__
    assert caught[0].lineno in (_line_of("# MARK-decorator"), _line_of("# MARK-decorator") + 1)
    assert isinstance(f.result, PrefectResult)


def test_flow_warns_at_the_users_line():
    """Flow(result_handler=...) warns once at the caller's line."""
    with pytest.warns(DeprecationWarning, match="result_handler") as record:
        flow = Flow("f", result_handler=JSONResultHandler())  # MARK-flow
    assert len(record) == 1
    assert record[0].filename == __file__
    assert record[0].lineno == _line_of("# MARK-flow")
    assert isinstance(flow.result, PrefectResult)


def test_subclass_constructor_warns_at_the_users_line():
    """A Task subclass calling super().__init__ still warns at the user's instantiation."""

    class Mine(Task):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)

    with pytest.warns(DeprecationWarning, match="result_handler") as record:
        Mine(result_handler=JSONResultHandler())  # MARK-subclass
    assert len(record) == 1
    assert record[0].lineno in (_line_of("# MARK-subclass"), _line_of("super().__init__(**kw"))


def test_handler_wins_and_ignored_result_is_named(tmp_path):
    """With both arguments the handler wins; the warning says result= was ignored."""
    with pytest.warns(DeprecationWarning, match="was ignored") as record:
        t = Task(result_handler=JSONResultHandler(), result=LocalResult(dir=str(tmp_path)))
    assert len(record) == 1
    assert "LocalResult" in str(record[0].message)
    assert isinstance(t.result, PrefectResult)


def test_result_alone_does_not_warn(tmp_path):
    """result= alone is the supported spelling: no warning."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        t = Task(result=LocalResult(dir=str(tmp_path)))
        copy = t.copy(name="other")
    assert copy.result is t.result


def test_calling_a_task_in_a_flow_does_not_warn_again():
    """Copies made when calling a task in a flow do not repeat the warning."""
    with pytest.warns(DeprecationWarning, match="result_handler"):
        t = Task(result_handler=LocalResultHandler())
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with Flow("f"):
            t()
            t()


def test_custom_handlers_are_wrapped():
    """A custom handler converts to a ResultHandlerResult wrapping it."""

    class Mine(ResultHandler):
        def write(self, result):
            return "x"

        def read(self, location):
            return 1

    handler = Mine()
    with pytest.warns(DeprecationWarning, match="result_handler"):
        t = Task(result_handler=handler)
    assert isinstance(t.result, ResultHandlerResult)
    assert t.result.result_handler is handler
