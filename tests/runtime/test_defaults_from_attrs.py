"""``compat.utilities.tasks.defaults_from_attrs``: Task settings as defaults of ``run``."""

from __future__ import annotations

from compat import Flow, Task
from compat.utilities.tasks import defaults_from_attrs


class Query(Task):
    """A task library style task: ``Query(query=..., limit=...)`` then ``run()``."""

    def __init__(self, query: str | None = None, limit: int = 10, **kwargs):
        self.query = query
        self.limit = limit
        super().__init__(**kwargs)

    @defaults_from_attrs("query", "limit")
    def run(self, query: str | None = None, limit: int | None = None) -> str:
        """Return what would be sent."""
        return f"{query} LIMIT {limit}"


def test_left_out_keywords_come_from_the_task():
    assert Query(query="SELECT 1").run() == "SELECT 1 LIMIT 10"


def test_given_keywords_win_and_none_means_the_default():
    task = Query(query="SELECT 1", limit=5)
    assert task.run(query="SELECT 2") == "SELECT 2 LIMIT 5"
    assert task.run(limit=None) == "SELECT 1 LIMIT 5"
    assert task.run(limit=0) == "SELECT 1 LIMIT 0"


def test_positional_values_are_kept_as_given():
    assert Query(query="SELECT 1", limit=5).run("SELECT 3", limit=1) == "SELECT 3 LIMIT 1"


def test_the_wrapper_keeps_the_method_name_and_docstring():
    assert Query.run.__name__ == "run"
    assert Query.run.__doc__ == "Return what would be sent."


def test_a_flow_runs_the_decorated_task_with_its_defaults():
    with Flow("defaults") as flow:
        sent = Query(query="SELECT 1", limit=3)()
    state = flow.run()
    assert state.is_successful()
    assert state.result[sent].result == "SELECT 1 LIMIT 3"
