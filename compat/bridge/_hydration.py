"""Restarts and retries on a core run read upstream values back, as Prefect's Cloud runner does.

Prefect 1.x's core ``TaskRunner.load_results`` does nothing, so a flow restarted from stored
states (``flow.run(task_states=...)``) passed ``None`` downstream. The bridge reads every
upstream result that has a location but no value, with the reader that can read it: the
stored result itself when it carries its storage settings (a ``LocalResult`` with its
``dir``, a legacy handler rebuilt from a ``SafeResult`` payload), otherwise the upstream
task's configured result (or the flow's).
"""

from __future__ import annotations

from typing import Any

from prefect.engine.result import NoResultType, Result
from prefect.engine.runner import ENDRUN
from prefect.engine.state import Failed
from prefect.engine.task_runner import TaskRunner

from compat.bridge._patch import Patches
from compat.bridge._results import ResultHandlerResult
from compat.engine.results.result_handler_result import UnresolvedResultHandler


def _can_read_itself(result: Any) -> bool:
    if type(result) is Result or isinstance(result, NoResultType):
        return False  # a bare payload (CustomResult, unknown type): no storage settings
    if isinstance(result, ResultHandlerResult):
        return not isinstance(result._handler, UnresolvedResultHandler)
    return True


def _reader(stored: Any, configured: Any) -> Any:
    """``None`` (read with the stored result itself) or the configured result."""
    return None if _can_read_itself(stored) else configured


def load_results(self: TaskRunner, state: Any, upstream_states: dict[Any, Any]) -> Any:
    """Hydrate upstream results and cached inputs that hold a location but no value."""
    try:
        if state.is_mapped():
            state = state.load_result(_reader(state._result, self.task.result))
        readers: dict[str, Any] = {}
        for edge, upstream_state in upstream_states.items():
            configured = edge.upstream_task.result or self.flow_result
            upstream_states[edge] = upstream_state.load_result(
                _reader(upstream_state._result, configured)
            )
            if edge.key is not None and configured is not None:
                readers[edge.key] = configured
        cached = getattr(state, "cached_inputs", None) or {}
        state.load_cached_results(
            {
                key: readers[key]
                for key, result in cached.items()
                if key in readers and not _can_read_itself(result)
            }
        )
        return state, upstream_states
    except Exception as exc:
        new_state = Failed(message=f"Failed to retrieve task results: {exc}", result=exc)
        raise ENDRUN(self.handle_state_change(old_state=state, new_state=new_state)) from exc


def hydrate_on_core_runs(patches: Patches) -> None:
    """Give the core ``TaskRunner`` the loading that only Prefect's Cloud runner had."""
    patches.set_attr(TaskRunner, "load_results", load_results)
