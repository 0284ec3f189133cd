"""Legacy handlers as Prefect's own ``Result`` objects (this module imports Prefect).

:func:`to_prefect_result` reads the one conversion table (:mod:`compat.conversion_table`):
a built-in handler becomes Prefect's own result class when every setting it holds has a
place there; anything else (custom handlers, subclasses overriding ``read``/``write``,
credentials secrets) is wrapped in :class:`ResultHandlerResult`, a subclass of Prefect's
``Result`` that delegates ``read``/``write``/``exists`` to the handler.
"""

from __future__ import annotations

import inspect
import os
from typing import Any

import cloudpickle
import prefect.engine.results as prefect_results
from prefect.engine.result import Result
from prefect.engine.result.base import ResultNotImplementedError

from compat import conversion_table
from compat.bridge._messages import FIX
from compat.engine.conversion import ResultAsHandler, _overrides_io
from compat.engine.result.base import Result as CompatResult
from compat.engine.result_handlers.result_handler import ResultHandler
from compat.exceptions import BridgeNotInstalledError, ConversionError

#: Attribute holding the handler a Prefect result was converted from (underscored: Prefect's
#: ``Result.__eq__`` ignores it, so a converted result equals the same result built by hand).
SOURCE_HANDLER = "_compat_handler"


def require_bridge(what: str) -> None:
    """Raise :class:`BridgeNotInstalledError` unless the bridge is installed in this process."""
    from compat.bridge import is_installed

    if not is_installed():
        msg = f"{what} needs the prefect-result-compat bridge in process {os.getpid()}; {FIX}"
        raise BridgeNotInstalledError(msg)


class ResultHandlerResult(Result):
    """A legacy handler used as Prefect's ``Result``; the handler's output is the location.

    Pickles its handler separately and rebuilds it on first use, so a process that cannot
    rebuild it (no bridge, a module it cannot import) fails the task with a message saying
    how to fix it instead of failing to unpickle the task.
    """

    def __init__(self, result_handler: Any, value: Any = None, location: Any = None, **kwargs):
        if isinstance(result_handler, CompatResult):
            from compat.engine.conversion import to_handler

            result_handler = to_handler(result_handler)
        if not (
            callable(getattr(result_handler, "read", None))
            and callable(getattr(result_handler, "write", None))
        ):
            msg = (
                f"ResultHandlerResult wraps a result handler (an object with read and write), "
                f"got {result_handler!r}"
            )
            raise ConversionError(msg)
        super().__init__(value=value, location=location, **kwargs)
        self._handler: Any = result_handler
        self._handler_payload: bytes | None = None

    @classmethod
    def from_result_handler(cls, result_handler: Any) -> Result:
        """Convert a handler to Prefect's own result class where possible, else wrap it."""
        return to_prefect_result(result_handler)

    @property
    def result_handler(self) -> Any:
        """The wrapped handler (rebuilt from its pickle on first use in a worker)."""
        if self._handler is None:
            require_bridge(f"the result handler of {type(self).__name__}")
            payload, self._handler_payload = self._handler_payload, None
            try:
                self._handler = cloudpickle.loads(payload)  # type: ignore[arg-type]
            except Exception as exc:
                self._handler_payload = payload
                msg = (
                    f"cannot rebuild the result handler in process {os.getpid()}: {exc!r}; "
                    f"its class must be importable there ({FIX})"
                )
                raise BridgeNotInstalledError(msg) from exc
        return self._handler

    def copy(self) -> ResultHandlerResult:
        """A shallow copy sharing the handler (no pickle round trip, unlike ``copy.copy``)."""
        new = object.__new__(type(self))
        new.__dict__.update(self.__dict__)
        return new

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        if state["_handler"] is not None:
            state["_handler_payload"] = cloudpickle.dumps(state["_handler"])
        state["_handler"] = None
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)

    def __eq__(self, other: Any) -> bool:
        if type(self) is not type(other):
            return False
        # Compares without rebuilding a pickled handler (which may need the bridge).
        return (self.value, self.location, self._handler, self._handler_payload) == (
            other.value,
            other.location,
            other._handler,
            other._handler_payload,
        )

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        handler = self._handler if self._handler is not None else "<pickled handler>"
        return f"<ResultHandlerResult: {handler!r} at {self.location!r}>"

    def write(self, value_: Any, **kwargs: Any) -> Result:
        """Store ``value_`` with the handler; its return value becomes the location."""
        require_bridge("writing through a legacy result handler")
        new = self.copy()
        new.value = value_
        new.location = self.result_handler.write(value_)
        return new

    def read(self, location: str) -> Result:
        """Read the value the handler stored at ``location``."""
        require_bridge("reading through a legacy result handler")
        location = _under_dir(self.result_handler, location)
        new = self.copy()
        new.value = self.result_handler.read(location)
        new.location = location
        return new

    def exists(self, location: str, **kwargs: Any) -> bool:
        """Ask the handler, when it can answer (an ``exists(location)`` method or a file)."""
        require_bridge("checking a target through a legacy result handler")
        handler = self.result_handler
        formatted = location.format(**kwargs)
        answer = getattr(handler, "exists", None)
        if callable(answer):
            return bool(answer(formatted))
        directory = getattr(handler, "dir", None)
        if isinstance(directory, str):
            return os.path.exists(os.path.join(directory, formatted))
        msg = (
            f"{handler!r} cannot tell whether {formatted!r} exists; give it an "
            "exists(location) method, or use a Result class for tasks with a target"
        )
        raise ResultNotImplementedError(msg)


def _under_dir(handler: ResultHandler, location: str) -> str:
    """A relative location of a handler without ``exists`` but with a ``dir``, under ``dir``.

    ``exists`` answers for such handlers by looking under ``dir``; a target it finds there
    must then be read from the same file (Prefect reads the target's bare name).
    """
    directory = getattr(handler, "dir", None)
    if callable(getattr(handler, "exists", None)) or not isinstance(directory, str):
        return location
    candidate = os.path.join(directory, location)
    return candidate if os.path.exists(candidate) else location


def _accepted_keywords(result_class: type) -> set[str]:
    """Keywords the class takes, including those its ``**kwargs`` pass on to ``Result``."""
    parameters = inspect.signature(result_class.__init__).parameters.values()
    named = {p.name for p in parameters if p.kind is not p.VAR_KEYWORD} - {"self"}
    if any(p.kind is p.VAR_KEYWORD for p in parameters):
        named |= _accepted_keywords(Result) if result_class is not Result else set()
    return named


def _builtin_row(handler: ResultHandler) -> conversion_table.Conversion | None:
    """The table row for a built-in handler class, or a subclass that keeps its I/O."""
    import compat.engine.result_handlers as handlers

    for cls in type(handler).__mro__:
        row = conversion_table.conversion_for(cls.__name__)
        if row is not None and getattr(handlers, row.handler, None) is cls:
            return None if _overrides_io(type(handler), cls) else row
    return None


#: Settings a handler ignores while another one is set (so converting loses nothing):
#: an Azure handler with a connection string never reads its credentials secret.
_IGNORED_WHILE_SET = {("AzureResultHandler", "azure_credentials_secret"): "connection_string"}


def _unset(value: Any) -> bool:
    return value is None or (isinstance(value, (dict, str)) and not value)


def _native(handler: ResultHandler) -> Result | None:
    """Prefect's own result for a built-in handler, or ``None`` if a setting would be lost."""
    row = _builtin_row(handler)
    if row is None:
        return None
    result_class = getattr(prefect_results, row.result)
    accepted = _accepted_keywords(result_class)
    kwargs: dict[str, Any] = {}
    for rule in row.arguments:
        if not hasattr(handler, rule.handler_arg):
            continue
        overriding = _IGNORED_WHILE_SET.get((row.handler, rule.handler_arg))
        if overriding is not None and not _unset(getattr(handler, overriding, None)):
            continue
        value = getattr(handler, rule.handler_arg)
        if rule.result_arg is not None and rule.prefect_safe and rule.result_arg in accepted:
            if not _unset(value):
                kwargs[rule.result_arg] = value
        elif not _unset(value):
            return None  # Prefect's class has no place for this setting: keep the handler
    result: Result = result_class(**kwargs)
    setattr(result, SOURCE_HANDLER, handler)
    return result


def to_prefect_result(obj: Any) -> Result | None:
    """Return Prefect's ``Result`` for a handler, a compat result, a Prefect result or ``None``."""
    if obj is None or isinstance(obj, Result):
        return obj
    if isinstance(obj, ResultHandler):
        native = _native(obj)
        return native if native is not None else ResultHandlerResult(obj)
    if isinstance(obj, CompatResult):
        return ResultHandlerResult(obj)
    msg = (
        f"result_handler= takes a result handler (such as LocalResultHandler()) or a Result, "
        f"got {obj!r} of type {type(obj).__name__}"
    )
    raise ConversionError(msg)


def to_handler(result: Result | None) -> Any:
    """The handler behind a Prefect result (the one it came from, else an adapter)."""
    if result is None:
        return None
    if isinstance(result, ResultHandlerResult):
        return result.result_handler
    source = getattr(result, SOURCE_HANDLER, None)
    if source is not None:
        return source
    return ResultAsHandler(result)  # duck-typed: Prefect's results read and write alike
