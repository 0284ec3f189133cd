"""``result_handler=`` accepted again wherever Prefect 0.13.19 accepted it.

``Task.__init__`` (reached by ``@task(...)``, ``FunctionTask`` and every subclass's
``super().__init__``), ``Flow.__init__``, ``Task.copy`` (and so ``task_args``) and a
``result_handler`` property on tasks and flows. Each use warns once, at the user's line.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from types import FrameType
from typing import Any

import prefect
from prefect.core.flow import Flow
from prefect.core.task import Task

from compat._deprecation import warn_deprecated
from compat.bridge._patch import Patches
from compat.bridge._results import ResultHandlerResult, to_handler, to_prefect_result

_PREFECT_DIR = os.path.dirname(os.path.abspath(prefect.__file__)) + os.sep
_UNSET = object()


def _replacement(result: Any) -> str:
    if isinstance(result, ResultHandlerResult):
        return "result=ResultHandlerResult(handler) (from prefect.engine.results)"
    if result is None:
        return "result="
    return f"result={type(result).__name__}(...) (from prefect.engine.results)"


def _forwarding_constructor(obj: Any, handler: Any) -> Callable[[FrameType], bool]:
    """Whether a frame is a constructor of ``obj`` that only passed ``handler`` on.

    A subclass's ``__init__(self, ..., **kwargs)`` calling ``super().__init__(**kwargs)``
    is not where the user wrote ``result_handler=``: its caller is. A constructor that
    wrote the keyword itself holds no local naming it, so the walk stops there.
    """

    def forwarded(frame: FrameType) -> bool:
        if frame.f_code.co_name != "__init__" or frame.f_locals.get("self") is not obj:
            return False
        if frame.f_locals.get("result_handler", _UNSET) is handler:
            return True
        return any(
            isinstance(value, dict) and value.get("result_handler", _UNSET) is handler
            for value in frame.f_locals.values()
        )

    return forwarded


def _converted(
    handler: Any, where: str, skip_frame: Callable[[FrameType], bool] | None = None
) -> Any:
    """Convert ``handler`` and warn at the user's line, naming what to write instead."""
    result = to_prefect_result(handler)
    warn_deprecated(
        f"{where}result_handler=",
        _replacement(result),
        detail="Result handlers were removed in Prefect 0.14; prefect-result-compat converts them.",
        skip=(_PREFECT_DIR,),
        skip_frame=skip_frame,
    )
    return result


def _accepting_result_handler(init: Any, owner: str) -> Any:
    @functools.wraps(init)
    def __init__(self: Any, *args: Any, result_handler: Any = None, **kwargs: Any) -> None:
        if result_handler:
            # As in Prefect 0.11 – 0.13: a truthy handler wins over a result= given
            # alongside; a falsy one (a forwarded default of None) is ignored.
            kwargs["result"] = _converted(
                result_handler, f"{owner}(...) ", _forwarding_constructor(self, result_handler)
            )
        init(self, *args, **kwargs)

    return __init__


def _copy_accepting_result_handler(copy: Any) -> Any:
    @functools.wraps(copy)
    def copy_task(self: Any, **task_args: Any) -> Any:
        handler = task_args.pop("result_handler", None)
        if handler:  # as in __init__: a falsy handler is ignored
            task_args["result"] = _converted(handler, "Task.copy(...) ")
        return copy(self, **task_args)

    return copy_task


def _result_handler_property(owner: str) -> property:
    def get(self: Any) -> Any:
        warn_deprecated(
            f"{owner}.result_handler",
            f"{owner}.result",
            detail="Result handlers were removed in Prefect 0.14.",
            skip=(_PREFECT_DIR,),
        )
        return to_handler(self.result)

    def set_(self: Any, handler: Any) -> None:
        self.result = _converted(handler, f"{owner}.")

    return property(get, set_, doc="Legacy view of ``result`` as a handler (deprecated).")


def accept_result_handler(patches: Patches) -> None:
    """Patch ``Task`` and ``Flow`` so that legacy code constructs and configures them."""
    patches.set_attr(Task, "__init__", _accepting_result_handler(Task.__init__, "Task"))
    patches.set_attr(Task, "copy", _copy_accepting_result_handler(Task.copy))
    patches.set_attr(Task, "result_handler", _result_handler_property("Task"))
    patches.set_attr(Flow, "__init__", _accepting_result_handler(Flow.__init__, "Flow"))
    patches.set_attr(Flow, "result_handler", _result_handler_property("Flow"))
